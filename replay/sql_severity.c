// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The `severity` column, derived from a record through its schema alone
 * (field hints and names), so it applies to event types this file has
 * never heard of. The rules are in docs/sql.md; when the filter engine
 * grows its own severity, this is the one place to switch over.
 *
 * The fields that matter are picked once per type when a capture is
 * opened: a column computed for every row must not compare names per row.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "sql_internal.h"

enum { SEV_INFO, SEV_WARNING, SEV_ERROR };

enum rule {
	RULE_ERRNO_NEG, /* < 0: a failed call */
	RULE_ERRNO_POS, /* > 0 */
	RULE_SIGNAL, /* a fault signal is an error, any other a warning */
	RULE_NONZERO_ERROR, /* core_dumped, oom */
};

struct sev_rule {
	const struct ebr_field *f;
	enum rule rule;
};

struct sev_type {
	const struct ebr_type *t;
	size_t n;
	struct sev_rule *rules;
};

struct ebr_sql_sev {
	struct sev_type types[EBR_T_MAX + 1];
};

/* Signals a process dies of when it faulted or aborted itself. */
static int is_fault_signal(int64_t sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGABRT ||
	       sig == SIGSYS || sig == SIGTRAP;
}

static int rule_of(const struct ebr_field *f, enum rule *r)
{
	if (f->offset < sizeof(struct ebr_event_header) || ebr_field__is_string(f) ||
	    f->kind == EBR_FK_IPADDR || f->kind < EBR_FK_U8 || f->kind > EBR_FK_S64)
		return 0;
	if (f->hint == EBR_FH_ERRNO)
		*r = RULE_ERRNO_NEG;
	else if (f->hint == EBR_FH_ERRNO_POS)
		*r = RULE_ERRNO_POS;
	else if (f->hint == EBR_FH_SIGNAL)
		*r = RULE_SIGNAL;
	else if (!strcmp(f->name, "core_dumped") || !strcmp(f->name, "oom"))
		*r = RULE_NONZERO_ERROR;
	else
		return 0;
	return 1;
}

struct ebr_sql_sev *ebr_sql_sev__new(const struct ebr_schema *s)
{
	struct ebr_sql_sev *sev = calloc(1, sizeof(*sev));

	if (!sev)
		return NULL;
	for (size_t i = 0; i < ebr_schema__type_count(s); i++) {
		const struct ebr_type *t = ebr_schema__type_at(s, i);
		struct sev_type *st = &sev->types[t->id];
		enum rule r;

		if (ebr_schema__type(s, t->id) != t)
			continue;
		st->t = t;
		st->rules = calloc(t->n_fields ? t->n_fields : 1, sizeof(*st->rules));
		if (!st->rules) {
			ebr_sql_sev__free(sev);
			return NULL;
		}
		for (uint32_t k = 0; k < t->n_fields; k++)
			if (rule_of(&t->fields[k], &r))
				st->rules[st->n++] = (struct sev_rule){ .f = &t->fields[k], .rule = r };
	}
	return sev;
}

void ebr_sql_sev__free(struct ebr_sql_sev *sev)
{
	if (!sev)
		return;
	for (unsigned i = 0; i <= EBR_T_MAX; i++)
		free(sev->types[i].rules);
	free(sev);
}

const char *ebr_sql_sev__of(const struct ebr_sql_sev *sev, const struct ebr_event_header *rec)
{
	static const char *const names[] = { "info", "warning", "error" };
	const struct sev_type *st;
	int level = SEV_INFO;

	if (rec->type > EBR_T_MAX)
		return NULL;
	st = &sev->types[rec->type];
	if (!st->t || !ebr_record__valid(st->t, rec))
		return NULL;
	for (size_t i = 0; i < st->n; i++) {
		int64_t v = ebr_field__s64(st->rules[i].f, rec);
		int l = SEV_INFO;

		switch (st->rules[i].rule) {
		case RULE_ERRNO_NEG:
			l = v < 0 ? SEV_WARNING : SEV_INFO;
			break;
		case RULE_ERRNO_POS:
			l = v > 0 ? SEV_WARNING : SEV_INFO;
			break;
		case RULE_SIGNAL:
			l = !v ? SEV_INFO : is_fault_signal(v) ? SEV_ERROR : SEV_WARNING;
			break;
		case RULE_NONZERO_ERROR:
			l = v ? SEV_ERROR : SEV_INFO;
			break;
		}
		if (l > level)
			level = l;
	}
	return names[level];
}
