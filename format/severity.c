// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The severity model: a table of rules "this field of this type, when it
 * holds that condition, makes the event at least this severe". An event's
 * severity is the highest rule that holds, info when none does. New event
 * families add their rules here and nowhere else (and to docs/filter.md).
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "ebpfrec/schema.h"
#include "events.h"
#include "severity_plan.h"

enum sev_cond {
	COND_NEGATIVE = 1, /* signed value < 0 */
	COND_NONZERO = 2,
};

struct sev_rule {
	const char *type; /* a type name; NULL: every type */
	const char *field; /* a field name; NULL: every field with the hint */
	uint16_t hint; /* used when field is NULL */
	uint8_t cond;
	uint8_t sev;
};

static const struct sev_rule rules[] = {
	/* a failed call: any field that holds -errno on failure (exec ret, probe err) */
	{ NULL, NULL, EBR_FH_ERRNO, COND_NEGATIVE, EBR_SEV_WARNING },
	/* mmap/brk: an address, or -errno (user addresses are never negative) */
	{ NULL, NULL, EBR_FH_HEX_ERRNO, COND_NEGATIVE, EBR_SEV_WARNING },
	/* a segment sent again: the network is losing packets */
	{ "tcp_retransmit", "retransmits", 0, COND_NONZERO, EBR_SEV_NOTICE },
	{ "exit", "core_dumped", 0, COND_NONZERO, EBR_SEV_CRITICAL },
	{ "exit", "signal", 0, COND_NONZERO, EBR_SEV_ERROR },
	{ "exit", "exit_code", 0, COND_NONZERO, EBR_SEV_NOTICE },
};

static const char *const sev_names[EBR_SEV_NR] = {
	[EBR_SEV_INFO] = "info",   [EBR_SEV_NOTICE] = "notice",	    [EBR_SEV_WARNING] = "warning",
	[EBR_SEV_ERROR] = "error", [EBR_SEV_CRITICAL] = "critical",
};

const char *ebr_severity__name(unsigned sev)
{
	return sev < EBR_SEV_NR ? sev_names[sev] : "unknown";
}

int ebr_severity__from_name(const char *name)
{
	for (unsigned i = 0; i < EBR_SEV_NR; i++)
		if (!strcasecmp(name, sev_names[i]))
			return (int)i;
	if (!strcasecmp(name, "warn"))
		return EBR_SEV_WARNING;
	if (!strcasecmp(name, "crit"))
		return EBR_SEV_CRITICAL;
	return -1;
}

static int numeric(const struct ebr_field *f)
{
	return f->kind >= EBR_FK_U8 && f->kind <= EBR_FK_S64;
}

static void plan_add(struct ebr_severity_plan *p, const struct ebr_field *f, const struct sev_rule *r)
{
	uint32_t i;

	if (p->n == EBR_SEV_PLAN_MAX || !numeric(f))
		return;
	/* keep the checks ordered by severity, so the first that holds is the answer */
	for (i = p->n; i > 0 && p->c[i - 1].sev < r->sev; i--)
		p->c[i] = p->c[i - 1];
	p->c[i].field = f;
	p->c[i].cond = r->cond;
	p->c[i].sev = r->sev;
	p->n++;
}

void ebr_severity_plan__init(struct ebr_severity_plan *p, const struct ebr_type *t)
{
	memset(p, 0, sizeof(*p));
	if (!t)
		return;
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		const struct sev_rule *r = &rules[i];

		if (r->type && strcmp(r->type, t->name))
			continue;
		for (uint32_t k = 0; k < t->n_fields; k++) {
			const struct ebr_field *f = &t->fields[k];

			if (r->field ? !strcmp(r->field, f->name) : f->hint == r->hint)
				plan_add(p, f, r);
		}
	}
}

unsigned ebr_severity_plan__eval(const struct ebr_severity_plan *p,
				 const struct ebr_event_header *rec)
{
	for (uint32_t i = 0; i < p->n; i++) {
		const struct ebr_field *f = p->c[i].field;

		/* a record shorter than its type's field is not judged by it */
		if ((uint64_t)f->offset + f->size > rec->size)
			continue;
		switch (p->c[i].cond) {
		case COND_NEGATIVE:
			if (ebr_field__is_signed(f) && ebr_field__s64(f, rec) < 0)
				return p->c[i].sev;
			break;
		case COND_NONZERO:
			if (ebr_field__u64(f, rec))
				return p->c[i].sev;
			break;
		}
	}
	return EBR_SEV_INFO;
}

unsigned ebr_severity__of(const struct ebr_type *t, const struct ebr_event_header *rec)
{
	struct ebr_severity_plan p;

	ebr_severity_plan__init(&p, t);
	return ebr_severity_plan__eval(&p, rec);
}
