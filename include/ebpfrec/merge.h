/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Merging captures (docs/sharing.md): one capture from several, e.g. of
 * several hosts, in wall-clock order. Every record keeps which capture it
 * came from: its header's flags carry a source id (bits 24..31) that names
 * an entry of the merged capture's SOURCES metadata. Timestamps are moved
 * to one clock, that of the source that booted first; each source's shift
 * is stored, so every original timestamp can be recovered exactly.
 */
#ifndef EBPFREC_MERGE_H
#define EBPFREC_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "capture.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ebr_merge_opts {
	size_t sz; /* sizeof(struct ebr_merge_opts) */
	int force; /* replace an existing output file */
	int compression_level; /* 0: the writer's default */
	size_t segment_bytes; /* output segment size; 0: 4 MiB */
};

struct ebr_merge_stats {
	uint64_t records;
	uint64_t segments_lost; /* damaged input segments skipped */
	uint32_t n_sources;
	uint8_t uuid[16]; /* of the new capture */
};

/* At most this many sources in one capture (the id is 8 bits, 0 meaning none). */
#define EBR_MAX_SOURCES 255

/*
 * Merge n open captures into out_path. A merged capture given as input
 * contributes its own sources. Refused (-EINVAL, explained) when the inputs
 * come from machines of different architectures, when their schemas
 * describe one type differently, or with more than EBR_MAX_SOURCES sources.
 */
int ebr_capture__merge(struct ebr_reader *const *in, size_t n, const char *out_path,
		       const struct ebr_merge_opts *o, struct ebr_merge_stats *stats);

struct ebr_merge_source {
	unsigned id; /* what records carry (ebr_record__source) */
	uint8_t uuid[16];
	char uuid_str[37];
	int64_t boot_to_wall_ns; /* the source's own */
	int64_t ts_offset_ns; /* timestamp here = the source's timestamp + this */
	uint64_t created_wall_ns;
	uint64_t n_records;
	uint32_t ncpus;
	char host[64];
	char kernel_release[64];
	char machine[32];
	char kernel_version[128];
};

/*
 * The sources of a merged capture, from its SOURCES metadata: *out is
 * malloc'd (free it), *n is 0 when the capture is not a merge. 0 or -errno.
 */
int ebr_merge__sources(const struct ebr_reader *r, struct ebr_merge_source **out, size_t *n);
/* A record's source id: 0 when it does not come from a merge. */
unsigned ebr_record__source(const struct ebr_event_header *rec);
/* The source entry with that id, or NULL. */
const struct ebr_merge_source *ebr_merge__find_source(const struct ebr_merge_source *s, size_t n,
						unsigned id);

#ifdef __cplusplus
}
#endif

#endif
