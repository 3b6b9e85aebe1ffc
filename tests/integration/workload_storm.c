// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A storm of cheap system calls: exactly N getppid calls, as fast as the
 * kernel takes them (or at RATE per second; 0: unpaced), in each of PROCS
 * processes (default 1: this one; more are forked first, so they storm on
 * every CPU at once). CALL getresgid storms with that call instead, which
 * hardly anything else on a machine makes. Prints what it did.
 *   workload_storm N [RATE] [PROCS] [CALL]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000, rate = argc > 2 ? atol(argv[2]) : 0;
	long procs = argc > 3 ? atol(argv[3]) : 1, forked = 0;
	int resgid = argc > 4 && !strcmp(argv[4], "getresgid");
	gid_t g[3];
	double t0 = now(), el;

	for (long p = 1; p < procs; p++) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (pid == 0) {
			procs = 1; /* a child storms, and forks nothing */
			forked = -1;
			break;
		}
		forked++;
	}

	for (long i = 0; i < n; i++) {
		if (resgid)
			syscall(SYS_getresgid, &g[0], &g[1], &g[2]);
		else
			syscall(SYS_getppid);
		/* paced: check the clock every 256 calls, sleep while ahead */
		if (rate && !(i & 255))
			while ((double)i / (double)rate > now() - t0)
				usleep(200);
	}
	el = now() - t0;
	if (forked < 0)
		return 0;
	for (long p = 0; p < forked; p++)
		if (wait(NULL) < 0)
			return 1;
	printf("%s calls=%ld seconds=%.6f rate=%.0f/s\n", resgid ? "getresgid" : "getppid", n * (forked + 1), el, (double)n / el);
	return 0;
}
