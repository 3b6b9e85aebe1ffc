/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Cutting a capture down to what matters (docs/sharing.md): a new, complete
 * capture holding only the events in a time window, of some types, and
 * accepted by an optional predicate (e.g. a compiled filter), with a process
 * snapshot that still names every process those events mention.
 */
#ifndef EBPFREC_SLICE_H
#define EBPFREC_SLICE_H

#include <stddef.h>
#include <stdint.h>

#include "capture.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ebr_slice_opts {
	size_t sz; /* sizeof(struct ebr_slice_opts) */
	uint64_t from_ts; /* inclusive, boot ns; 0: from the start */
	uint64_t to_ts; /* exclusive; 0: to the end */
	uint64_t type_bitmap[2]; /* as in ebr_cursor_opts; all zero: every type */
	/*
	 * Called for every event in the window and type set: nonzero keeps it.
	 * NULL keeps all. A compiled filter plugs in through a two-line wrapper
	 * that returns ebr_filter__match(ctx, rec).
	 */
	int (*keep)(const struct ebr_event_header *rec, void *ctx);
	void *keep_ctx;
	const char *keep_desc; /* what keep selects (the filter expression), for the metadata */
	int force; /* replace an existing output file */
	int compression_level; /* 0: the writer's default */
	size_t segment_bytes; /* output segment size; 0: 1 MiB, as the recorder writes */
	int compact; /* 1: segments as columns, -1: as records, 0: as in the input */
};

struct ebr_slice_stats {
	uint64_t records; /* events written */
	uint64_t segments_read; /* input segments decompressed for the events */
	uint64_t segments_skipped; /* input segments skipped by their headers */
	uint64_t segments_lost; /* damaged input segments */
	uint64_t history_segments_read; /* read for fork/exec history, to name processes */
	uint64_t procs; /* proc_info records in the output snapshot */
	uint64_t procs_synthesized; /* ... of which built from fork/exec events */
	uint64_t cgroups; /* cgroup_info records kept */
	uint64_t pids_unnamed; /* pids in the events that the capture cannot name */
	uint8_t uuid[16]; /* of the new capture */
};

/*
 * Write the slice of r selected by o to out_path. Returns 0 or -errno
 * (explained through the log callback); stats may be NULL.
 */
int ebr_capture__slice(struct ebr_reader *r, const char *out_path, const struct ebr_slice_opts *o,
		       struct ebr_slice_stats *stats);

#ifdef __cplusplus
}
#endif

#endif
