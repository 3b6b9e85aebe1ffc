/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What slice, merge and redact share: they read records from one or more
 * captures and write a new capture. Not installed.
 */
#ifndef EBPFREC_FORMAT_REWRITE_H
#define EBPFREC_FORMAT_REWRITE_H

#include <stdint.h>

#include "ebpfrec/capture.h"
#include "ebpfrec/record_builder.h"
#include "events.h"

#define EBR_REWRITE_SEGMENT_BYTES (1u << 20) /* like the recorder's default */

/* Records collected into segments of about limit bytes. */
struct ebr_seg_out {
	struct ebr_writer *w;
	struct ebr_buf buf;
	size_t limit; /* 0: EBR_REWRITE_SEGMENT_BYTES */
	uint64_t drops[EBR_DROP_NR]; /* cumulative counters written with every segment */
	uint64_t n_records;
};

/* Append a copy of rec (rec->size bytes); writes a segment when full. */
int ebr_seg_out__add(struct ebr_seg_out *o, const struct ebr_event_header *rec);
/* Count a record just built at the end of o->buf; writes a segment when full. */
int ebr_seg_out__commit(struct ebr_seg_out *o);
/* Write what is buffered as a segment (nothing when empty). */
int ebr_seg_out__flush(struct ebr_seg_out *o);
void ebr_seg_out__free(struct ebr_seg_out *o);

/* Writer options that keep in's identity: host, kernel, machine, clock offset, CPUs; and its encoding. */
void ebr_rewrite__writer_opts(const struct ebr_capture_info *in, struct ebr_writer_opts *o);
/* -EINVAL (explained) when out names the same file as in_path. */
int ebr_rewrite__check_paths(const char *in_path, const char *out);

/* JSON helpers for the DERIVED metadata: a quoted, escaped string. */
void ebr_json__str(struct ebr_buf *b, const char *s, size_t len);
void ebr_json__printf(struct ebr_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* {"op":"OP","source":"UUID","tool":"0.1.0" — the caller adds fields and the closing brace. */
void ebr_json__derived_begin(struct ebr_buf *b, const char *op, const char *source_uuid);

/* Copy every metadata block of r whose kind is not in skip[] (terminated by 0). */
int ebr_rewrite__copy_meta(struct ebr_reader *r, struct ebr_writer *w, const unsigned *skip);

/* Drops counted between segments [first, last] of r: counters of last minus those before first. */
void ebr_rewrite__window_drops(const struct ebr_reader *r, size_t first, size_t last,
			       uint64_t out[EBR_DROP_NR]);
/*
 * The same for drops by type, out[reason * EBR_DROP_TYPE_SLOTS + slot]: the
 * counts in segment last's header minus those in segment first - 1's (none
 * where the writer of r did not put them in segment headers). 0 or -ENOMEM.
 */
int ebr_rewrite__window_drops_by_type(struct ebr_reader *r, size_t first, size_t last, uint64_t *out);
/* Drops by type of the whole capture r (trailer, or the last segment kept), laid out the same way. */
void ebr_rewrite__drops_by_type(const struct ebr_reader *r, uint64_t *out);

#endif
