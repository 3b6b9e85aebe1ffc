/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef EBPFREC_READER_INTERNAL_H
#define EBPFREC_READER_INTERNAL_H

#include "ebpfrec/capture.h"
#include "internal.h"

/* Lengths from a file are checked against these before anything is allocated. */
#define EBR_MAX_SEGMENT_RAW (256u << 20)
#define EBR_MAX_META_BODY (256u << 20)

struct ebr_meta_entry {
	unsigned kind;
	void *data;
	size_t len;
	uint64_t offset; /* of the block, and its whole length: for repair's index */
	uint64_t block_len;
};

struct ebr_segment_slot {
	struct ebr_segment_info info;
	uint64_t data_offset; /* of the zstd frame */
	uint16_t encoding; /* of the records in it; only 0 is known */
};

struct ebr_reader {
	int fd;
	char *path;
	struct ebr_capture_info info;
	struct ebr_schema *schema; /* from the file */
	struct ebr_segment_slot *segs;
	size_t n_segs, cap_segs;
	uint64_t *t_last_max; /* running max of t_last, for binary search */
	struct ebr_meta_entry *metas;
	size_t n_metas, cap_metas;
	uint64_t cur_block; /* offset of the block being loaded, for messages */
	uint64_t meta_bytes; /* of every metadata body kept, decompressed: bounded by meta_budget() */
	uint64_t *type_counts; /* [EBR_T_MAX + 1] */
	int type_counts_known;
	struct ebr_drop_by_type_disk *dbt;
	size_t n_dbt;
	struct ebr_cgroup_view *cgroups; /* sorted by id, built on first use */
	size_t n_cgroups;
	int cgroups_built;
};

/*
 * The DROPS_BY_TYPE entries in segment i's header (cumulative as of that
 * segment), into *out (malloc'd, *n entries; NULL and 0 when it has none).
 * The header is read from the file again, with its CRC.
 */
int ebr_reader__segment_drops_by_type(struct ebr_reader *r, size_t i, struct ebr_drop_by_type_disk **out,
				      size_t *n);

/* Read and decompress the records of segment i into *buf (grown as needed). */
int ebr_reader__load_segment(struct ebr_reader *r, size_t i, void **cbuf, size_t *ccap,
			     void **buf, size_t *cap, void *dctx);

#endif
