// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Process workload with known effects: N children exec /bin/true (exit 0),
 * then N children exit with codes 1..N without exec, then one child dies of
 * SIGKILL. Children run one at a time, so their order is known.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static int run_child(int mode, int code)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (mode == 0) {
			execl("/bin/true", "/bin/true", (char *)NULL);
			_exit(127);
		}
		if (mode == 2)
			raise(SIGKILL);
		_exit(code);
	}
	return waitpid(pid, &status, 0) == pid ? 0 : -1;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 50;

	for (int i = 0; i < n; i++)
		if (run_child(0, 0))
			return 1;
	for (int i = 1; i <= n; i++)
		if (run_child(1, i))
			return 1;
	return run_child(2, 0) ? 1 : 0;
}
