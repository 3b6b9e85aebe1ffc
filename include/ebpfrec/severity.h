/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Event severity: derived from a record, never stored. The rules live in one
 * table (format/severity.c, described in docs/filter.md) so every consumer —
 * filter, decoder, SQL — ranks an event the same way.
 */
#ifndef EBPFREC_SEVERITY_H
#define EBPFREC_SEVERITY_H

#include "schema.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ebr_event_header;

/* Ordered: a higher value is more severe. */
enum ebr_severity {
	EBR_SEV_INFO = 0, /* an ordinary event */
	EBR_SEV_NOTICE = 1, /* unusual but normal: a non-zero exit code */
	EBR_SEV_WARNING = 2, /* a call failed: ret < 0 */
	EBR_SEV_ERROR = 3, /* a process was killed by a signal */
	EBR_SEV_CRITICAL = 4, /* a core dump */
	EBR_SEV_NR,
};

/* "info", "notice", ...; "unknown" out of range. */
const char *ebr_severity__name(unsigned sev);
/* Case-insensitive name ("warn" and "crit" too), or -1. */
int ebr_severity__from_name(const char *name);

/*
 * The severity of rec, a record of type t (t may be NULL: info). Looks the
 * type's fields up by name on each call; a hot loop uses the precomputed
 * plan in format/severity_plan.h instead.
 */
unsigned ebr_severity__of(const struct ebr_type *t, const struct ebr_event_header *rec);

#ifdef __cplusplus
}
#endif

#endif /* EBPFREC_SEVERITY_H */
