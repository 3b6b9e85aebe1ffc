/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The schema-driven decoder: one record in, text or JSON out. Replay, live
 * output and export all print through it.
 */
#ifndef EBPFREC_DECODE_H
#define EBPFREC_DECODE_H

#include <stdint.h>
#include <stdio.h>

#include "capture.h"
#include "schema.h"

#ifdef __cplusplus
extern "C" {
#endif

enum ebr_time_format {
	EBR_TIME_RELATIVE = 0, /* seconds since the capture's first event */
	EBR_TIME_WALL = 1, /* ISO 8601, UTC */
	EBR_TIME_BOOT = 2, /* raw CLOCK_BOOTTIME ns */
};

struct ebr_decoder_opts {
	size_t sz; /* sizeof(struct ebr_decoder_opts) */
	enum ebr_time_format time_format; /* text only: JSON always has ts and time */
	uint64_t t0; /* origin for EBR_TIME_RELATIVE; 0: the capture's first event */
};

struct ebr_decoder;

/* info may be NULL (no wall-clock times, no syscall names). */
struct ebr_decoder *ebr_decoder__new(const struct ebr_schema *s, const struct ebr_capture_info *info,
				     const struct ebr_decoder_opts *opts);
void ebr_decoder__free(struct ebr_decoder *d);

/* One line, newline included. Returns 0 or -errno (a write error on out). */
int ebr_decoder__text(struct ebr_decoder *d, const struct ebr_event_header *rec, FILE *out);
/* One JSON object, newline included (JSON Lines). */
int ebr_decoder__json(struct ebr_decoder *d, const struct ebr_event_header *rec, FILE *out);

/* Flags of ebr_decoder__json_fields. */
#define EBR_JSON_OWN_FIELDS (1u << 0) /* leave out the common header fields (ts, pid, comm, ...) */
#define EBR_JSON_HEX_STRINGS (1u << 1) /* hex fields as "0x..." strings: exact in JavaScript */
/*
 * The record's fields as one JSON object, no newline, same names and values
 * as ebr_decoder__json: the "args" of an exported trace event. "{}" for a
 * record the schema does not describe.
 */
int ebr_decoder__json_fields(struct ebr_decoder *d, const struct ebr_event_header *rec, unsigned flags,
			     FILE *out);
/* A JSON string literal: valid UTF-8 kept, every other byte and control character escaped. */
void ebr_json_string(FILE *out, const char *s, size_t len);

/* The type's name, or "type_<id>" for a type the schema does not know. */
const char *ebr_decoder__type_name(struct ebr_decoder *d, unsigned type);

/* "1.2.3.4" for an IPv4-mapped address, RFC 5952 text otherwise; returns buf. */
char *ebr_format_ip(const uint8_t addr[16], char *buf, size_t len);

/* "2026-11-26T22:40:01.123456789Z"; returns buf. */
char *ebr_format_wall_time(uint64_t wall_ns, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* EBPFREC_DECODE_H */
