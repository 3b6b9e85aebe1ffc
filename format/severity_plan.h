/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A type's severity rules resolved to its fields once, so that evaluating
 * the severity of each record is a few loads and compares.
 */
#ifndef EBPFREC_SEVERITY_PLAN_H
#define EBPFREC_SEVERITY_PLAN_H

#include <stdint.h>

#include "ebpfrec/severity.h"

#define EBR_SEV_PLAN_MAX 8

struct ebr_severity_check {
	const struct ebr_field *field;
	uint8_t cond; /* enum in severity.c */
	uint8_t sev;
};

struct ebr_severity_plan {
	uint32_t n; /* checks, most severe first: the first that holds decides */
	struct ebr_severity_check c[EBR_SEV_PLAN_MAX];
};

/* t may be NULL: an empty plan (info). */
void ebr_severity_plan__init(struct ebr_severity_plan *p, const struct ebr_type *t);
unsigned ebr_severity_plan__eval(const struct ebr_severity_plan *p,
				 const struct ebr_event_header *rec);

#endif
