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

#include "ebpfrec/capture.h"
#include "ebpfrec/record_builder.h"

/* where the kubelet keeps <namespace>_<pod>_<uid> directories: pod names come from there */
#define REC_PODS_DIR "/var/log/pods"

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
 * Append to out the records of recs (cgroup_info records laid end to end)
 * whose cgroup is not written yet: cgroups seen while recording that may
 * be gone by the time the tree is walked again. Returns records added.
 */
int rec_cgroups__add_known(struct rec_cgroups *c, struct ebr_buf *out, const struct ebr_buf *recs);

/*
 * The live system's cgroup table, for filters on container, pod, ...:
 * every cgroup seen since it was made (those removed since stay in it).
 */
struct rec_cgroup_table {
	struct rec_cgroups seen;
	struct ebr_buf recs; /* cgroup_info records */
	struct ebr_cgroup_view *views; /* into recs, sorted by id */
	size_t n_views;
};

/*
 * Walk the cgroup tree for cgroups not in t yet (all of them the first
 * time); the views are rebuilt when some were added. Returns how many
 * were added, or -errno (-ENOENT: no cgroup v2 hierarchy).
 */
int rec_cgroup_table__refresh(struct rec_cgroup_table *t, const char *pods_dir, uint64_t now_boot_ns);
void rec_cgroup_table__free(struct rec_cgroup_table *t);

/*
 * Where the cgroup v2 hierarchy is mounted: /sys/fs/cgroup on unified
 * systems, /sys/fs/cgroup/unified on hybrid ones, else from /proc/mounts.
 * NULL when there is none (ids from BPF then cannot be named).
 */
const char *rec_cgroup2_root(char *buf, size_t len);

#endif
