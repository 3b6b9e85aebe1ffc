// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Resolving field names against a schema, once per event type, at compile
 * time: which field a name means in each type (or that the type lacks it),
 * the derived fields (family, severity, errno, system), and the memory the
 * compiled form lives in.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "filter_internal.h"

/* ------------------------------------------------------------------ arena */

struct flt_block {
	struct flt_block *next;
	size_t used, cap;
	_Alignas(8) char data[];
};

void *flt_alloc(struct ebr_filter *f, size_t n)
{
	struct flt_block *b = f->arena;
	void *p;

	n = (n + 7) & ~(size_t)7;
	if (!b || b->cap - b->used < n) {
		size_t cap = n > 4096 ? n : 4096;

		b = malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->used = 0;
		b->cap = cap;
		b->next = f->arena;
		f->arena = b;
	}
	p = b->data + b->used;
	b->used += n;
	memset(p, 0, n);
	return p;
}

char *flt_strndup(struct ebr_filter *f, const char *s, size_t n)
{
	char *d = flt_alloc(f, n + 1);

	if (d)
		memcpy(d, s, n);
	return d;
}

void flt_arena_free(struct ebr_filter *f)
{
	while (f->arena) {
		struct flt_block *next = f->arena->next;

		free(f->arena);
		f->arena = next;
	}
}

/* ------------------------------------------------------------ resolution */

static int kind_class(unsigned kind)
{
	switch (kind) {
	case EBR_FK_U8: case EBR_FK_U16: case EBR_FK_U32: case EBR_FK_U64:
	case EBR_FK_S8: case EBR_FK_S16: case EBR_FK_S32: case EBR_FK_S64:
		return FCL_NUM;
	case EBR_FK_CHARS: case EBR_FK_VSTR: case EBR_FK_VBYTES:
		return FCL_STR;
	case EBR_FK_VSTRLIST:
		return FCL_LIST;
	case EBR_FK_IPADDR:
		return FCL_IP;
	default:
		return -1; /* a kind newer than this reader: not comparable */
	}
}

static int is_header_field(const struct ebr_field *fld)
{
	return (uint64_t)fld->offset + fld->size <= sizeof(struct ebr_event_header);
}

/*
 * A type's field by name. A type-specific field wins over a hidden header
 * field of the same name (a memory event's `size` is the allocation, not
 * the record length).
 */
static const struct ebr_field *type_field(const struct ebr_type *t, const char *name)
{
	const struct ebr_field *fallback = NULL;

	for (uint32_t k = 0; k < t->n_fields; k++) {
		const struct ebr_field *fld = &t->fields[k];

		if (strcmp(fld->name, name) || kind_class(fld->kind) < 0)
			continue;
		if (fld->hint == EBR_FH_HIDDEN && is_header_field(fld)) {
			if (!fallback)
				fallback = fld;
			continue;
		}
		return fld;
	}
	return fallback;
}

/* The field holding a syscall number (nr in syscall events), by its hint. */
static const struct ebr_field *syscall_field(const struct ebr_type *t)
{
	for (uint32_t k = 0; k < t->n_fields; k++)
		if (t->fields[k].hint == EBR_FH_SYSCALL && kind_class(t->fields[k].kind) == FCL_NUM)
			return &t->fields[k];
	return NULL;
}

static int oom(struct ebr_filter_error *err)
{
	flt_set_error(err, 0, "out of memory");
	return -ENOMEM;
}

static int alloc_tables(struct ebr_filter *f, struct flt_cmp *c, struct ebr_filter_error *err)
{
	c->fld = flt_alloc(f, f->n_ids * sizeof(*c->fld));
	c->var = flt_alloc(f, f->n_ids);
	if (!c->fld || !c->var)
		return oom(err);
	memset(c->var, FLT_NONE, f->n_ids);
	return 0;
}

static void set_pseudo(struct flt_cmp *c, unsigned src, unsigned hint, int is_signed)
{
	c->src = (uint8_t)src;
	c->n_var = 1;
	c->vars[0].hint = (uint16_t)hint;
	c->vars[0].cls = FCL_NUM;
	c->vars[0].is_signed = (uint8_t)is_signed;
}

static int build_severity_plans(struct ebr_filter *f, struct ebr_filter_error *err)
{
	if (f->sev)
		return 0;
	f->sev = flt_alloc(f, f->n_ids * sizeof(*f->sev));
	if (!f->sev)
		return oom(err);
	for (uint32_t id = 0; id < f->n_ids; id++)
		ebr_severity_plan__init(&f->sev[id], ebr_schema__type(f->schema, id));
	return 0;
}

/* 1: name is a derived field, now set up in c; 0: it is not; <0: error. */
static int resolve_pseudo(struct ebr_filter *f, struct flt_cmp *c, const char *name, unsigned col,
			  struct ebr_filter_error *err)
{
	const struct ebr_schema *s = f->schema;
	int found = 0;

	if (!strcmp(name, "family")) {
		set_pseudo(c, FSRC_FAMILY, FLT_H_FAMILY, 0);
		for (uint32_t id = 0; id < f->n_ids; id++)
			if (ebr_schema__type(s, id))
				c->var[id] = 0;
		return 1;
	}
	if (!strcmp(name, "severity")) {
		set_pseudo(c, FSRC_SEVERITY, FLT_H_SEVERITY, 0);
		c->any_type = 1;
		return build_severity_plans(f, err) ? -ENOMEM : 1;
	}
	if (!strcmp(name, "system")) {
		set_pseudo(c, FSRC_SYSTEM, EBR_FH_BOOL, 0);
		c->any_type = 1;
		for (uint32_t id = 0; id < f->n_ids; id++) {
			const struct ebr_type *t = ebr_schema__type(s, id);
			const struct ebr_field *k = t ? type_field(t, "kthread") : NULL;

			c->fld[id] = k && kind_class(k->kind) == FCL_NUM ? k : NULL;
		}
		return 1;
	}
	if (!strcmp(name, "errno")) {
		set_pseudo(c, FSRC_ERRNO, EBR_FH_ERRNO_POS, 1);
		for (uint32_t id = 0; id < f->n_ids; id++) {
			const struct ebr_type *t = ebr_schema__type(s, id);
			const struct ebr_field *best = NULL;

			for (uint32_t k = 0; t && k < t->n_fields; k++) {
				const struct ebr_field *fld = &t->fields[k];

				if (kind_class(fld->kind) != FCL_NUM)
					continue;
				if (fld->hint == EBR_FH_ERRNO_POS) {
					best = fld;
					break;
				}
				if ((fld->hint == EBR_FH_ERRNO || fld->hint == EBR_FH_HEX_ERRNO) && !best)
					best = fld;
			}
			if (best) {
				c->fld[id] = best;
				c->var[id] = 0;
				found = 1;
			}
		}
		if (!found) {
			flt_set_error(err, col,
				      "unknown field 'errno': no event type in this capture's schema has an "
				      "error code");
			return -EINVAL;
		}
		return 1;
	}
	return 0;
}

int flt_resolve_field(struct ebr_filter *f, struct flt_cmp *c, const char *name, unsigned col,
		      struct ebr_filter_error *err)
{
	const struct ebr_schema *s = f->schema;
	const struct ebr_field *first = NULL;
	int r, uniform = 1;

	if (alloc_tables(f, c, err))
		return -ENOMEM;
	r = resolve_pseudo(f, c, name, col, err);
	if (!r)
		r = flt_cgroup_resolve(f, c, name, col, err);
	if (r)
		return r < 0 ? r : 0;
	c->src = FSRC_FIELD;
	for (size_t i = 0; i < ebr_schema__type_count(s); i++) {
		const struct ebr_type *t = ebr_schema__type_at(s, i);
		const struct ebr_field *fld = type_field(t, name);
		unsigned v;

		/* `syscall` is the syscall number of types that have one, unless a type names a field so */
		if (!fld && !strcmp(name, "syscall"))
			fld = syscall_field(t);

		if (ebr_schema__type(s, t->id) != t)
			continue; /* shadowed by a later definition of the same id */
		if (!fld) {
			uniform = 0;
			continue;
		}
		if (!first)
			first = fld;
		else if (fld->offset != first->offset || fld->kind != first->kind ||
			 fld->hint != first->hint || fld->size != first->size)
			uniform = 0;
		for (v = 0; v < c->n_var; v++)
			if (c->vars[v].kind == fld->kind && c->vars[v].hint == fld->hint)
				break;
		if (v == c->n_var) {
			if (v == FLT_MAX_VARIANTS) {
				flt_set_error(err, col,
					      "field '%s' has more than %d different kinds across event types",
					      name, FLT_MAX_VARIANTS);
				return -EINVAL;
			}
			c->vars[v].kind = fld->kind;
			c->vars[v].hint = fld->hint;
			c->vars[v].cls = (uint8_t)kind_class(fld->kind);
			c->vars[v].is_signed = (uint8_t)ebr_field__is_signed(fld);
			c->n_var++;
		}
		c->fld[t->id] = fld;
		c->var[t->id] = (uint8_t)v;
	}
	if (!first) {
		flt_set_error(err, col, "unknown field '%s': not in this capture's schema%s", name,
			      !strcmp(name, "namespace") ? " (the Kubernetes namespace is k8s_namespace; "
							   "pidns and mntns are namespace inodes)"
							 : "");
		return -EINVAL;
	}
	/* a header field every type has: no per-type lookup, and it exists in unknown types too */
	if (uniform && is_header_field(first)) {
		c->uniform = 1;
		c->ufield = first;
	}
	return 0;
}

int flt_init_tables(struct ebr_filter *f, struct ebr_filter_error *err)
{
	const struct ebr_schema *s = f->schema;

	f->n_ids = 1;
	for (size_t i = 0; i < ebr_schema__type_count(s); i++)
		if (ebr_schema__type_at(s, i)->id >= f->n_ids)
			f->n_ids = ebr_schema__type_at(s, i)->id + 1u;
	f->family_of = flt_alloc(f, f->n_ids);
	if (!f->family_of)
		return oom(err);
	for (uint32_t id = 0; id < f->n_ids; id++) {
		const struct ebr_type *t = ebr_schema__type(s, id);

		f->family_of[id] = t && t->family < FLT_NONE ? (uint8_t)t->family : FLT_NONE;
	}
	return 0;
}

/* ------------------------------------------------------------- lifecycle */

void ebr_filter__free(struct ebr_filter *f)
{
	if (!f)
		return;
	flt_arena_free(f);
	free(f->nodes);
	free(f->kids);
	free(f->cmps);
	free(f->expr);
	free(f);
}

const char *ebr_filter__expr(const struct ebr_filter *f)
{
	return f->expr;
}
