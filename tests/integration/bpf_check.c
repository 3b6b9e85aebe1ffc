// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
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
