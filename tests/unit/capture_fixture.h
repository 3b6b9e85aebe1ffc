/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Synthetic captures for the format tests: deterministic records of every
 * builtin type (and of a type no schema knows), written with the library's
 * writer, plus helpers to damage, splice and re-seal capture files.
 */
#ifndef EBPFREC_TEST_CAPTURE_FIXTURE_H
#define EBPFREC_TEST_CAPTURE_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "ebpfrec/capture.h"
#include "ebpfrec/record_builder.h"

/* A type id no schema describes; its records carry only random bytes. */
#define FX_UNKNOWN_TYPE 300

struct fx_rng {
	uint64_t s;
};

uint64_t fx_rand(struct fx_rng *r);
uint64_t fx_below(struct fx_rng *r, uint64_t n);

/*
 * Append one record with timestamp ts to b. Its pid is id (tests identify
 * records by it); type and contents come from r. Returns its offset in b.
 */
size_t fx_append_record(struct ebr_buf *b, struct fx_rng *r, uint64_t ts, uint32_t id,
			int with_unknown);

struct fx_opts {
	size_t n_records;
	size_t per_segment; /* records per segment */
	uint64_t seed;
	uint64_t ts_start; /* 0: 1e9 */
	uint64_t max_gap; /* ts grows by 0..max_gap per record; 0: 1000 */
	int with_unknown; /* also records of FX_UNKNOWN_TYPE */
	int no_trailer; /* abandon: no trailer or footer, as after a crash */
	int no_schema; /* do not store the schema */
	unsigned segment_encoding; /* ebr_writer_opts.segment_encoding */
	int drops_by_type; /* set fx_drops_by_type(segment, ...) before each segment */
};

struct fx_capture {
	struct ebr_buf recs; /* every record, in file order */
	size_t n_records;
	size_t *rec_off; /* [n_records + 1]: offsets in recs */
	size_t n_segs;
	size_t *seg_rec; /* [n_segs + 1]: index of each segment's first record */
	uint64_t *drops; /* [n_segs * EBR_DROP_REASONS]: cumulative, as written */
};

/*
 * The cumulative drops by type the fixture sets with segment seg (with
 * opts.drops_by_type): for reasons 0..4 they add up to the segment's
 * per-reason counter, (seg + 1) * (reason + 1), over syscall, open and the
 * folded slot 127, which appear as the segments go; reasons 5..7 have none.
 */
uint64_t fx_drops_by_type(size_t seg, unsigned reason, unsigned type);

/* Write a capture at path; c receives what was written. 0 or -errno. */
int fx_capture__build(struct fx_capture *c, const char *path, const struct fx_opts *o);
void fx_capture__free(struct fx_capture *c);
/* Bytes of records [from, to) of c. */
const void *fx_capture__recs(const struct fx_capture *c, size_t from, size_t to, size_t *len);

/* A fresh directory under $TMPDIR (or /tmp); removed with everything in it by fx_rmtree. */
char *fx_tmpdir(void);
void fx_rmtree(char *dir);
/* dir/name, malloc'd. */
char *fx_path(const char *dir, const char *name);

void *fx_read_file(const char *path, size_t *len);
void fx_write_file(const char *path, const void *buf, size_t len);

/* Every record a cursor with opts delivers, concatenated. Returns the count. */
size_t fx_read_all(struct ebr_reader *r, const struct ebr_cursor_opts *opts, struct ebr_buf *out,
		   struct ebr_cursor_stats *stats);

/* A whole block (prefix + payload) with a valid CRC; malloc'd, *len set. */
void *fx_block(unsigned type, unsigned flags, const void *payload, uint32_t payload_len,
	       uint32_t body_len, size_t *len);

/* Offset and length of the zstd frame of the segment whose block starts at seg_off. */
void fx_segment_data(const void *file, uint64_t seg_off, uint64_t *data_off, uint32_t *data_len);

/* Trailer payload of a closed capture held in memory (malloc'd) and its block offset. */
void *fx_trailer(const void *file, size_t file_len, uint64_t *trailer_off, size_t *len);
/*
 * Replace everything from trailer_off on with a new trailer block holding
 * payload and a footer pointing at it. Returns the new file (malloc'd).
 */
void *fx_reseal(const void *file, uint64_t trailer_off, const void *payload, size_t len,
		size_t *new_len);
/*
 * Insert bytes at offset at of a closed capture, moving the index entries
 * and footer so the file still opens through its index.
 */
void *fx_splice(const void *file, size_t file_len, uint64_t at, const void *bytes, size_t n,
		size_t *new_len);

/* Collect the library's log messages (all levels up to warnings). */
void fx_log_capture(void);
/* Everything logged since fx_log_capture, one message per line. */
const char *fx_log_text(void);
void fx_log_restore(void);

#endif
