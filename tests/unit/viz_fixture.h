/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Synthetic captures for the visualization tests, written with the library's
 * writer: records of chosen values (syscalls, file I/O, connections, process
 * lifecycle) cut into segments with chosen drop counters, and a larger
 * deterministic "demo" capture that looks like a busy machine. No cmocka
 * here: the browser test's capture generator links it too.
 */
#ifndef EBPFREC_TEST_VIZ_FIXTURE_H
#define EBPFREC_TEST_VIZ_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "ebpfrec/capture.h"
#include "ebpfrec/record_builder.h"

#define VF_T0 1000000000000ULL /* boot ns of a capture's first event */
#define VF_WALL0 1700000000000000000LL /* boot_to_wall: 2023-11-14T22:13:20Z at boot 0 */

struct vf {
	struct ebr_writer *w;
	struct ebr_buf recs; /* records of the segment being built */
	struct ebr_buf procs; /* the /proc snapshot (EBR_META_PROCS) */
	struct ebr_buf probes; /* probe status (EBR_META_PROBES) */
	int err;
};

struct vf_task {
	uint32_t pid, tid, ppid;
	const char *comm;
};

/* config: EBR_META_CONFIG JSON text, or NULL. 0 or -errno. */
int vf__open(struct vf *v, const char *path, const char *config);
void vf__proc(struct vf *v, const struct vf_task *t, const char *exe);
void vf__syscall(struct vf *v, const struct vf_task *t, uint64_t ts, uint32_t nr, int64_t ret, uint64_t dur,
		 uint32_t flags);
/* type: EBR_T_OPEN/READ/WRITE/CLOSE */
void vf__file(struct vf *v, const struct vf_task *t, unsigned type, uint64_t ts, const char *path, int64_t ret,
	      uint64_t dur, int32_t fd);
/* addresses as "a.b.c.d" (stored IPv4 mapped) */
void vf__net(struct vf *v, const struct vf_task *t, unsigned type, uint64_t ts, const char *saddr, uint16_t sport,
	     const char *daddr, uint16_t dport, unsigned direction, uint64_t sent, uint64_t received,
	     uint64_t dur, uint64_t sock);
void vf__exec(struct vf *v, const struct vf_task *t, uint64_t ts, const char *filename);
void vf__fork(struct vf *v, const struct vf_task *parent, uint64_t ts, uint32_t child_pid, uint32_t child_tid);
void vf__exit(struct vf *v, const struct vf_task *t, uint64_t ts, int32_t code, uint32_t sig);
/* err: 0 when attached, else -errno with the kernel's message */
void vf__probe(struct vf *v, const char *name, unsigned family, const char *attach, int err, const char *msg);
void vf__kmalloc(struct vf *v, const struct vf_task *t, uint64_t ts, uint64_t bytes);
/* Write the records so far as one segment; drops: cumulative counters [EBR_DROP_REASONS] or NULL. */
void vf__segment(struct vf *v, const uint64_t *drops);
/* Flush, write the metadata and close. Returns 0 or the first error. */
int vf__close(struct vf *v);

/* A busy 6-second capture: a dozen processes, every family, a burst of drops. */
int vf__demo(const char *path, uint64_t seed);

#endif
