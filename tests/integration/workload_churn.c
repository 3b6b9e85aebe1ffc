// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Process churn: N short-lived children (fork, _exit), BATCH at a time,
 * each reaped before the next batch. With pid_max at its usual 32768, pids
 * are reused many times over. Then, if HOLD_MS is given, it stays alive that
 * long (so a test can look at the recorder's maps while it is still
 * followed), printing "churned N" first. NAME renames the process (and so
 * its children's comm) before the churn.
 *   workload_churn N [BATCH] [HOLD_MS] [NAME]
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000, batch = argc > 2 ? atol(argv[2]) : 64;
	long hold_ms = argc > 3 ? atol(argv[3]) : 0, done = 0, failed = 0;

	if (argc > 4)
		prctl(PR_SET_NAME, argv[4], 0, 0, 0);
	if (batch < 1)
		batch = 1;
	while (done < n) {
		long k = 0;

		for (; k < batch && done + k < n; k++) {
			pid_t pid = fork();

			if (pid == 0)
				_exit(0);
			if (pid < 0)
				break;
		}
		for (long i = 0; i < k; i++) {
			int st;

			if (wait(&st) < 0 || !WIFEXITED(st))
				failed++;
		}
		if (!k)
			return 1;
		done += k;
	}
	printf("churned %ld\n", done);
	fflush(stdout);
	if (hold_ms > 0)
		usleep((useconds_t)hold_ms * 1000);
	return failed ? 1 : 0;
}
