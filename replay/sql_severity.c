// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The `severity` column, derived from a record through its schema alone
 * (field hints and names), so it applies to event types this file has
 * never heard of. The rules are in docs/sql.md; when the filter engine
 * grows its own severity, this is the one place to switch over.
 */
#include <signal.h>
#include <string.h>

#include "sql_internal.h"

enum { SEV_INFO, SEV_WARNING, SEV_ERROR };

/* Signals a process dies of when it faulted or aborted itself. */
static int is_fault_signal(int64_t sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGABRT ||
	       sig == SIGSYS || sig == SIGTRAP;
}

const char *ebr_sql__severity(const struct ebr_type *t, const struct ebr_event_header *rec)
{
	static const char *const names[] = { "info", "warning", "error" };
	int sev = SEV_INFO;

	if (!ebr_record__valid(t, rec))
		return NULL;
	for (uint32_t i = 0; i < t->n_fields; i++) {
		const struct ebr_field *f = &t->fields[i];
		int64_t v;

		if (f->offset < sizeof(struct ebr_event_header) || ebr_field__is_string(f) ||
		    f->kind == EBR_FK_IPADDR || f->kind > EBR_FK_VBYTES)
			continue;
		v = ebr_field__s64(f, rec);
		if (f->hint == EBR_FH_ERRNO && v < 0 && sev < SEV_WARNING)
			sev = SEV_WARNING; /* a failed call */
		else if (f->hint == EBR_FH_ERRNO_POS && v > 0 && sev < SEV_WARNING)
			sev = SEV_WARNING;
		else if (f->hint == EBR_FH_SIGNAL && v)
			sev = is_fault_signal(v) ? SEV_ERROR : (sev < SEV_WARNING ? SEV_WARNING : sev);
		else if (!strcmp(f->name, "core_dumped") && v)
			sev = SEV_ERROR;
		else if (!strcmp(f->name, "oom") && v)
			sev = SEV_ERROR;
	}
	return names[sev];
}
