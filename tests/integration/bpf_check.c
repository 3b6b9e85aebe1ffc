// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "bpf_check.h"

const char *bpf_unavailable_reason(void)
{
	static char why[160];
	int fd;

	if (geteuid() != 0)
		return "not running as root: recording needs BPF privileges";
	fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "probe", 0, 0, 4096, NULL);
	if (fd < 0) {
		snprintf(why, sizeof(why), "this kernel refuses BPF ring buffers: %s", strerror(errno));
		return why;
	}
	close(fd);
	return NULL;
}

int bpf_skip_if_unavailable(void)
{
	const char *why = bpf_unavailable_reason();

	if (!why)
		return 0;
	printf("SKIP: %s\n", why);
	return 1;
}

pid_t spawn_sh(const char *cmd)
{
	pid_t pid = fork();

	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	return pid;
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
