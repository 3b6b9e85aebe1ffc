/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Repairing a capture whose recorder was killed or ran out of disk
 * (docs/sharing.md): every whole block is kept and a fresh index and footer
 * are written, so the capture opens through its index again.
 */
#ifndef EBPFREC_REPAIR_H
#define EBPFREC_REPAIR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ebr_repair_opts {
	size_t sz; /* sizeof(struct ebr_repair_opts) */
	int force; /* with an output path: replace it if it exists */
	int dry_run; /* only report what would be kept and lost */
};

struct ebr_repair_report {
	int was_complete; /* it opened through its index and every segment verified */
	int written; /* a repaired capture was written (0 when complete in place, or dry run) */
	uint64_t file_size; /* of the input */
	uint64_t out_size; /* of the result */
	uint64_t meta_kept; /* metadata blocks */
	uint64_t segments_kept;
	uint64_t records_kept;
	uint64_t t_first, t_last; /* of the records kept (boot ns) */
	int64_t boot_to_wall_ns; /* the capture's */
	/* segments whose header survived but whose data is cut or fails its CRC */
	uint64_t segments_bad_data;
	uint64_t records_bad_data; /* their events, as their headers count them */
	/* segments known lost in all: bad data, cut or damaged blocks, gaps in seq */
	uint64_t segments_lost;
	uint64_t bytes_kept; /* header, metadata and segment blocks kept */
	uint64_t bytes_dropped; /* the rest of the input: cut tail, damage, old index */
};

/*
 * Repair in_path into out_path, or in place when out_path is NULL: then the
 * file is cut after its last whole block and a new index and footer are
 * appended, which only ever adds to what a recovery scan can read (a crash
 * midway leaves a file that `repair` accepts again). With out_path, the
 * copy is written to a temporary file in the same directory and renamed.
 * Returns 0 or -errno (explained through the log callback); report may be NULL.
 */
int ebr_capture__repair(const char *in_path, const char *out_path, const struct ebr_repair_opts *o,
			struct ebr_repair_report *report);

#ifdef __cplusplus
}
#endif

#endif
