// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A storm of cheap system calls: exactly N getppid calls, as fast as the
 * kernel takes them (or at RATE per second). Prints what it did.
 *   workload_storm N [RATE]
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
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
	double t0 = now(), el;

	for (long i = 0; i < n; i++) {
		syscall(SYS_getppid);
		/* paced: check the clock every 256 calls, sleep while ahead */
		if (rate && !(i & 255))
			while ((double)i / (double)rate > now() - t0)
				usleep(200);
	}
	el = now() - t0;
	printf("getppid calls=%ld seconds=%.6f rate=%.0f/s\n", n, el, (double)n / el);
	return 0;
}
