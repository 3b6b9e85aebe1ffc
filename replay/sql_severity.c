// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The `severity` column: the filter engine's severity (format/severity.c,
 * docs/filter.md), so `severity = 'error'` in SQL and `severity >= error`
 * in a filter pick the same events. Its per-type plan is resolved once per
 * capture, not per row.
 */
#include <stdlib.h>

#include "sql_internal.h"

#include "ebpfrec/severity.h"
#include "severity_plan.h"

struct ebr_sql_sev {
	uint8_t known[EBR_T_MAX + 1];
	struct ebr_severity_plan plan[EBR_T_MAX + 1];
};

struct ebr_sql_sev *ebr_sql_sev__new(const struct ebr_schema *s)
{
	struct ebr_sql_sev *sev = calloc(1, sizeof(*sev));

	if (!sev)
		return NULL;
	for (size_t i = 0; i < ebr_schema__type_count(s); i++) {
		const struct ebr_type *t = ebr_schema__type_at(s, i);

		if (ebr_schema__type(s, t->id) != t)
			continue;
		ebr_severity_plan__init(&sev->plan[t->id], t);
		sev->known[t->id] = 1;
	}
	return sev;
}

int ebr_sql_sev__level(const struct ebr_sql_sev *sev, const struct ebr_event_header *rec)
{
	if (rec->type > EBR_T_MAX || !sev->known[rec->type])
		return -1;
	return (int)ebr_severity_plan__eval(&sev->plan[rec->type], rec);
}

const char *ebr_sql_sev__of(const struct ebr_sql_sev *sev, const struct ebr_event_header *rec)
{
	int level = ebr_sql_sev__level(sev, rec);

	return level < 0 ? NULL : ebr_severity__name((unsigned)level);
}


void ebr_sql_sev__free(struct ebr_sql_sev *sev)
{
	free(sev);
}
