/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Redaction for sharing (docs/sharing.md): exec arguments, file names that
 * match patterns and IP addresses are replaced by keyed hashes (or removed)
 * everywhere in a capture: event records, the process snapshot, the cgroup
 * table, the command line and configuration metadata.
 *
 * A redactor works on one record at a time, so the recorder can apply it to
 * records before they reach a file. It keeps scratch buffers and counters:
 * use one redactor per thread.
 */
#ifndef EBPFREC_REDACT_H
#define EBPFREC_REDACT_H

#include <stddef.h>
#include <stdint.h>

#include "capture.h"
#include "record_builder.h"
#include "schema.h"

#ifdef __cplusplus
extern "C" {
#endif

enum ebr_redact_what {
	EBR_REDACT_ARGS = 1 << 0, /* argument lists (exec args, cmdline): every item after argv[0] */
	EBR_REDACT_PATHS = 1 << 1, /* strings and path tokens matching path_globs */
	EBR_REDACT_ADDRESSES = 1 << 2, /* IP address fields, and IP addresses written in strings */
	EBR_REDACT_ENV = 1 << 3, /* environment: ebpfrec records none; noted in the metadata */
};

enum ebr_redact_mode {
	EBR_REDACT_HASH = 0, /* "[redacted-<16 hex digits>]"; addresses become pseudonymous addresses */
	EBR_REDACT_REMOVE = 1, /* "[redacted]"; argument items dropped; address fields zeroed */
};

struct ebr_redact_opts {
	size_t sz; /* sizeof(struct ebr_redact_opts) */
	unsigned what; /* enum ebr_redact_what bits */
	unsigned mode; /* enum ebr_redact_mode */
	const char *const *path_globs; /* fnmatch(3) patterns, '*' also matches '/' */
	size_t n_path_globs;
	const uint8_t *key; /* 16 bytes; NULL: random, never stored */
	/* for ebr_capture__redact */
	int force;
	int compression_level;
};

struct ebr_redact_counts {
	uint64_t records; /* records rewritten: events and metadata records */
	uint64_t events; /* event records written by ebr_capture__redact */
	uint64_t args; /* argument items replaced or removed */
	uint64_t paths; /* strings or path tokens replaced */
	uint64_t addresses; /* addresses replaced (fields and text) */
	uint64_t records_dropped; /* of types the schema does not describe: unreadable, so not kept */
	uint64_t meta_dropped; /* metadata blocks of kinds this ebpfrec does not know */
};

struct ebr_redactor;

/* NULL + errno (EINVAL with a message for a bad option, ENOMEM) on failure. */
struct ebr_redactor *ebr_redactor__new(const struct ebr_schema *s, const struct ebr_redact_opts *o);
/*
 * Append the redacted copy of rec to out. Returns 1 when appended, 0 when
 * the record was dropped (its type is not in the schema, so its strings
 * cannot be found), or -ENOMEM.
 */
int ebr_redactor__record(struct ebr_redactor *rd, const struct ebr_event_header *rec,
			 struct ebr_buf *out);
/*
 * A buffer of records back to back (a segment, as the recorder builds it):
 * each redacted into out. Returns the number of records appended, or
 * -EINVAL when the framing of a record is broken (nothing after it is
 * read), or -ENOMEM. The records must be 8-byte aligned.
 */
int ebr_redactor__buffer(struct ebr_redactor *rd, const void *records, size_t len,
			 struct ebr_buf *out);
/*
 * Append the redacted content of a text metadata block (NOTE: a command
 * line; CONFIG and DERIVED: JSON) to out. Returns 1, or 0 for kinds that are
 * not text (the caller decides), or -ENOMEM.
 */
int ebr_redactor__text(struct ebr_redactor *rd, unsigned kind, const char *text, size_t len,
		       struct ebr_buf *out);
/* The JSON text of the DERIVED metadata block that says what was redacted. */
int ebr_redactor__describe(const struct ebr_redactor *rd, const char *source_uuid,
			   struct ebr_buf *out);
const struct ebr_redact_counts *ebr_redactor__counts(const struct ebr_redactor *rd);
void ebr_redactor__free(struct ebr_redactor *rd);

/* Write a redacted copy of r to out_path (new uuid, same host identity). */
int ebr_capture__redact(struct ebr_reader *r, const char *out_path, const struct ebr_redact_opts *o,
			struct ebr_redact_counts *counts);

#ifdef __cplusplus
}
#endif

#endif
