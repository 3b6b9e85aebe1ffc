/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef EBPFREC_SCHEMA_INTERNAL_H
#define EBPFREC_SCHEMA_INTERNAL_H

#include "ebpfrec/schema.h"
#include "events.h"

struct ebr_schema {
	size_t n_types;
	struct ebr_type *types; /* in id order for the builtin schema, file order otherwise */
	const struct ebr_type *by_id[EBR_T_MAX + 1];
	int owned; /* names and fields are heap copies (parsed from a file) */
	char machine[32]; /* of the capture it came from, for syscall names; "" for this build's */
};

/* The arch whose syscall numbers the schema's records hold: the capture's, or this build's. */
const char *ebr_schema__machine(const struct ebr_schema *s);

#endif
