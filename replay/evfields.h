/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The fields the visualizations read, found by name in the capture's own
 * schema once per type, so every record is read through the schema's field
 * access (the layout a capture was written with, not the one compiled in).
 */
#ifndef EBPFREC_REPLAY_EVFIELDS_H
#define EBPFREC_REPLAY_EVFIELDS_H

#include <stdint.h>

#include "ebpfrec/schema.h"

enum evf {
	EVF_DURATION, /* "duration" */
	EVF_RET,
	EVF_NR,
	EVF_SYSCALL_FLAGS,
	EVF_FILENAME,
	EVF_SADDR,
	EVF_DADDR,
	EVF_SPORT,
	EVF_DPORT,
	EVF_PROTOCOL,
	EVF_DIRECTION,
	EVF_BYTES_SENT,
	EVF_BYTES_RECEIVED,
	EVF_RETRANSMITS,
	EVF_SOCK,
	EVF_CHILD_PID,
	EVF_CHILD_TID,
	EVF_THREAD,
	EVF_EXIT_CODE,
	EVF_SIGNAL,
	EVF_FD,
	EVF_NR_FIELDS,
};

/* types at or above this id are never resolved (their fields read as absent) */
#define EVF_MAX_TYPES 256

struct evfields {
	const struct ebr_schema *schema;
	uint8_t resolved[EVF_MAX_TYPES];
	const struct ebr_field *f[EVF_MAX_TYPES][EVF_NR_FIELDS];
};

void evfields__init(struct evfields *ef, const struct ebr_schema *s);
/* The field of that type, or NULL when the type has no such field. */
const struct ebr_field *evfields__get(struct evfields *ef, unsigned type, enum evf which);

/* A field's value, or def when the type has no such field. */
uint64_t evf__u64(struct evfields *ef, const struct ebr_event_header *rec, enum evf which, uint64_t def);
int64_t evf__s64(struct evfields *ef, const struct ebr_event_header *rec, enum evf which, int64_t def);
/* A string field's bytes (not NUL-terminated), or NULL with *len 0. */
const char *evf__str(struct evfields *ef, const struct ebr_event_header *rec, enum evf which, size_t *len);
/* An address field's 16 bytes (IPv4 mapped), or NULL. */
const uint8_t *evf__ip(struct evfields *ef, const struct ebr_event_header *rec, enum evf which);

#endif
