/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The cgroup table of a capture: every cgroup v2 directory with its id (the
 * directory's inode number, which is what BPF reports), path, and the
 * container, pod and unit derived from that path. Stored once per cgroup,
 * not per event.
 */
#ifndef EBPFREC_RECORDER_CGROUPS_H
#define EBPFREC_RECORDER_CGROUPS_H

#include <stddef.h>
#include <stdint.h>

#include "ebpfrec/record_builder.h"

struct rec_cgroups {
	uint64_t *seen; /* ids already written, sorted */
	size_t n_seen, cap_seen;
};

/*
 * Append an EBR_T_CGROUP_INFO record for every cgroup under root
 * ("/sys/fs/cgroup") not already written; pods are named from pods_dir
 * ("/var/log/pods") when it exists. Returns records added or -errno.
 */
int rec_cgroups__collect(struct rec_cgroups *c, struct ebr_buf *out, const char *root,
			 const char *pods_dir, uint64_t now_boot_ns);
void rec_cgroups__free(struct rec_cgroups *c);

/*
 * Where the cgroup v2 hierarchy is mounted: /sys/fs/cgroup on unified
 * systems, /sys/fs/cgroup/unified on hybrid ones, else from /proc/mounts.
 * NULL when there is none (ids from BPF then cannot be named).
 */
const char *rec_cgroup2_root(char *buf, size_t len);

#endif
