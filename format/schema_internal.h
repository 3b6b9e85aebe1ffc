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
};

#endif
