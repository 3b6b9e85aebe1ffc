/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Writing and reading capture files (docs/format.md).
 *
 * Conventions: int functions return 0 (or a count) on success and -errno on
 * failure; pointer functions return NULL and set errno. Every failure is
 * also explained through the log callback (log.h), so a caller can show a
 * specific message instead of a bare errno. Free functions accept NULL.
 */
#ifndef EBPFREC_CAPTURE_H
#define EBPFREC_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "schema.h"

#ifdef __cplusplus
extern "C" {
#endif

#define EBR_DROP_REASONS 8 /* == EBR_DROP_NR in events.h */

/* ---------------------------------------------------------------- writer */

struct ebr_writer;

#define EBR_SEG_ENC_RECORDS 0
#define EBR_SEG_ENC_COLUMNS 1

struct ebr_writer_opts {
	size_t sz; /* sizeof(struct ebr_writer_opts): lets the struct grow */
	int compression_level; /* zstd level; 0 means the default (1) */
	int force; /* replace an existing file (still never through a symlink) */
	uint64_t created_wall_ns; /* 0: now */
	int64_t boot_to_wall_ns; /* 0: measured now */
	const uint8_t *uuid; /* 16 bytes; NULL: random */
	/* NULL: taken from this machine (uname) */
	const char *host;
	const char *kernel_release;
	const char *kernel_version;
	const char *machine;
	uint32_t ncpus; /* 0: online CPUs */
	uint32_t page_size; /* 0: this machine's */
	/*
	 * EBR_SEG_ENC_RECORDS: records back to back in each zstd frame (what
	 * `zstd -dc` shows). EBR_SEG_ENC_COLUMNS: columnar (docs/format.md),
	 * smaller; readers of format 1.1 and later decode it.
	 */
	unsigned segment_encoding;
};

struct ebr_writer_stats {
	uint64_t n_records;
	uint64_t n_segments;
	uint64_t raw_bytes; /* records before compression */
	uint64_t file_bytes; /* everything written so far */
	uint64_t t_first;
	uint64_t t_last;
};

/* Create a capture (mode 0600, O_EXCL unless force, O_NOFOLLOW) and write its header. */
struct ebr_writer *ebr_writer__open(const char *path, const struct ebr_writer_opts *opts);
/* Same, on an open descriptor (a pipe is fine). The writer takes ownership. */
struct ebr_writer *ebr_writer__fdopen(int fd, const char *name, const struct ebr_writer_opts *opts);
/* A metadata block (enum ebr_meta_kind in format/layout.h); compressed when large. */
int ebr_writer__add_meta(struct ebr_writer *w, unsigned kind, const void *data, size_t len);
/*
 * One segment: records back to back, each an ebr_event_header with a size
 * that is a multiple of 8. drops: cumulative counters by drop reason.
 */
int ebr_writer__add_segment(struct ebr_writer *w, const void *records, size_t len,
			    const uint64_t *drops, unsigned n_drops);
/*
 * Cumulative drop counts per [reason][type slot] (counts[reason * n_slots +
 * slot]), as of the next segment: the non-zero ones (reasons below 8, slots
 * below 128) are written into the header of every segment added after this
 * call, so a capture cut short keeps them as of its last whole segment, and
 * into the trailer. Set them before each segment's add_segment, together
 * with the per-reason counters that segment carries.
 */
void ebr_writer__set_drops_by_type(struct ebr_writer *w, const uint64_t *counts,
				   unsigned n_reasons, unsigned n_slots);
const struct ebr_writer_stats *ebr_writer__stats(const struct ebr_writer *w);
const uint8_t *ebr_writer__uuid(const struct ebr_writer *w);
/* Write the trailer (index, counts) and footer, flush, close, free. */
int ebr_writer__close(struct ebr_writer *w);
/* Close without a trailer (the file stays recoverable); frees. */
void ebr_writer__abandon(struct ebr_writer *w);
/*
 * After a write error (a full disk): a block that could not be written
 * whole is cut off the file again, which then ends at its last whole block.
 * If that worked, this clears the error so the writer can go on (add a
 * last segment, close with an index) and returns 0; otherwise it returns
 * the error, and the file is left for the recovery scan or repair.
 */
int ebr_writer__recover(struct ebr_writer *w);

/* ---------------------------------------------------------------- reader */

struct ebr_reader;

struct ebr_capture_info {
	uint16_t major, minor;
	uint8_t uuid[16];
	char uuid_str[37];
	uint64_t created_wall_ns;
	uint64_t ended_wall_ns; /* 0 when unknown (recovered file) */
	int64_t boot_to_wall_ns;
	uint32_t ncpus;
	uint32_t page_size;
	char host[64];
	char kernel_release[64];
	char kernel_version[128];
	char machine[32];
	char tool_version[32];

	uint64_t file_size;
	uint64_t n_records;
	uint64_t n_segments;
	uint64_t raw_bytes;
	uint64_t comp_bytes;
	uint64_t t_first; /* 0 when the capture holds no records */
	uint64_t t_last;
	uint64_t drops[EBR_DROP_REASONS]; /* final cumulative counters */

	int recovered; /* no valid footer: the file was scanned */
	uint64_t bytes_recovered; /* up to the end of the last whole block */
	uint64_t bytes_lost; /* skipped while scanning: damaged or cut blocks, garbage */
	/* segments dropped while scanning (damaged header, cut, gap in seq); damaged
	 * segment data is reported by the cursor (segments_lost), on both open paths */
	uint64_t n_segments_lost;
};

struct ebr_segment_info {
	uint64_t offset; /* of the segment block */
	uint64_t seq;
	uint64_t t_first, t_last;
	uint64_t type_bitmap[2];
	uint32_t n_records;
	uint32_t raw_size;
	uint32_t comp_size;
	uint32_t data_crc32c;
	uint64_t drops[EBR_DROP_REASONS];
};

/* Open a capture: through its footer, or by scanning when that is missing. */
struct ebr_reader *ebr_reader__open(const char *path);
void ebr_reader__close(struct ebr_reader *r);

const struct ebr_capture_info *ebr_reader__info(const struct ebr_reader *r);
const struct ebr_schema *ebr_reader__schema(const struct ebr_reader *r);
const char *ebr_reader__path(const struct ebr_reader *r);

size_t ebr_reader__segment_count(const struct ebr_reader *r);
const struct ebr_segment_info *ebr_reader__segment(const struct ebr_reader *r, size_t i);
/* Index of the first segment that can hold an event at or after ts, O(log n). */
size_t ebr_reader__seek_segment(const struct ebr_reader *r, uint64_t ts);
/* Whether a type bit is set in a segment bitmap. */
int ebr_type_bitmap__test(const uint64_t bitmap[2], unsigned type);
void ebr_type_bitmap__set(uint64_t bitmap[2], unsigned type);

/* Metadata blocks, in file order. */
size_t ebr_reader__meta_count(const struct ebr_reader *r);
int ebr_reader__meta(const struct ebr_reader *r, size_t i, unsigned *kind, const void **data,
		     size_t *len);
/* Metadata records (process snapshot, probe status, ...) of one kind, iterated. */
int ebr_reader__meta_records(const struct ebr_reader *r, unsigned kind,
			     int (*fn)(const struct ebr_event_header *rec, void *ctx), void *ctx);

/* Event counts per type: from the trailer, or counted on first use when the file was recovered. */
uint64_t ebr_reader__type_count(struct ebr_reader *r, unsigned type);
/*
 * Drops per reason and type: from the trailer, or, in a capture opened by
 * the recovery scan, as of the last segment kept (0 where its writer did
 * not record them in segments).
 */
uint64_t ebr_reader__drops_by_type(const struct ebr_reader *r, unsigned reason, unsigned type);

/* The capture's cgroup table: container and pod of a cgroup id. Strings are never NULL. */
struct ebr_cgroup_view {
	uint64_t id;
	const char *path;
	const char *container_id; /* "" when not a container */
	const char *runtime;
	const char *pod_uid;
	const char *pod_namespace;
	const char *pod_name;
	const char *unit;
};

/* 0 and *out filled, or -ENOENT when the capture does not know the id. */
int ebr_reader__cgroup(struct ebr_reader *r, uint64_t id, struct ebr_cgroup_view *out);
size_t ebr_reader__cgroup_count(struct ebr_reader *r);
const struct ebr_cgroup_view *ebr_reader__cgroup_at(struct ebr_reader *r, size_t i);
/* The whole table, sorted by id, *n entries (NULL and 0 when it is empty): for ebr_filter_opts. */
const struct ebr_cgroup_view *ebr_reader__cgroups(struct ebr_reader *r, size_t *n);
/*
 * A table from cgroup_info records laid end to end (an EBR_META_CGROUPS
 * block, as the recorder builds it), sorted by id, into *out (malloc'd);
 * strings point into buf. 0 or -ENOMEM.
 */
int ebr_cgroup_views__parse(const void *buf, size_t len, struct ebr_cgroup_view **out, size_t *n);

/* Part of a rotated recording: its set id, index, and the base name given to record. */
int ebr_reader__rotation(const struct ebr_reader *r, uint8_t set_uuid[16], uint32_t *index, char *base,
			 size_t base_len);
/*
 * Every file of the rotated set path belongs to (found next to it, in
 * recording order), or just path. Free with ebr_capture_set__free.
 */
int ebr_capture_set__expand(const char *path, char ***paths, size_t *n);
void ebr_capture_set__free(char **paths, size_t n);

/* ---------------------------------------------------------------- cursor */

struct ebr_cursor;

struct ebr_cursor_opts {
	size_t sz; /* sizeof(struct ebr_cursor_opts) */
	uint64_t from_ts; /* inclusive, boot ns; 0: from the start */
	uint64_t to_ts; /* exclusive; 0: to the end */
	/* only segments whose bitmap intersects this are read; all zero: every type */
	uint64_t type_bitmap[2];
	int unordered; /* skip per-segment time ordering (faster, for full scans) */
};

struct ebr_cursor_stats {
	uint64_t segments_read;
	uint64_t segments_skipped; /* by time or type */
	uint64_t segments_lost; /* CRC mismatch, undecodable, or an unknown encoding */
	uint64_t records;
	uint64_t records_invalid; /* malformed records skipped */
};

struct ebr_cursor *ebr_cursor__open(struct ebr_reader *r, const struct ebr_cursor_opts *opts);
/* 1: *rec is the next record (valid until the next call); 0: end; <0: error. */
int ebr_cursor__next(struct ebr_cursor *c, const struct ebr_event_header **rec);
const struct ebr_cursor_stats *ebr_cursor__stats(const struct ebr_cursor *c);
/*
 * Where the record the last ebr_cursor__next gave lies: its segment's index
 * and its offset among that segment's records. The pair names the record in
 * any cursor over the same capture, whatever its window or types.
 */
void ebr_cursor__position(const struct ebr_cursor *c, size_t *segment, uint32_t *offset);
void ebr_cursor__close(struct ebr_cursor *c);

/* "ring buffer full", "rate limited", ...: the meaning of a drop counter. */
const char *ebr_drop_reason__name(unsigned reason);

/* Library version string, e.g. "0.1.0". */
const char *ebr_version(void);

#ifdef __cplusplus
}
#endif

#endif /* EBPFREC_CAPTURE_H */
