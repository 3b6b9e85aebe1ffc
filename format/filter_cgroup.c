// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Fields derived from a record's cgroup: container, pod, pod_uid,
 * k8s_namespace, unit, runtime. Events carry only a cgroup id; what it
 * belongs to is in the cgroup table (a capture's EBR_META_CGROUPS, or the
 * live system's when recording). So these fields are resolved while
 * compiling: each comparison becomes the set of cgroup ids it accepts, and
 * matching a record is a binary search for its header's cgroup id. The
 * same set is what the recorder pushes into the kernel's cgroup map.
 */
#define _GNU_SOURCE /* memmem */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebpfrec/capture.h"
#include "filter_internal.h"

#define SHORT_ID_MIN 12 /* docker's short ids: fewer digits could name several containers */

static const struct {
	const char *name;
	uint8_t attr;
} cg_fields[] = {
	{ "container", FCG_CONTAINER },	 { "container_id", FCG_CONTAINER },
	{ "pod", FCG_POD },		 { "pod_name", FCG_POD },
	{ "pod_uid", FCG_POD_UID },	 { "k8s_namespace", FCG_NAMESPACE },
	{ "pod_namespace", FCG_NAMESPACE }, { "unit", FCG_UNIT },
	{ "runtime", FCG_RUNTIME },
};

/* How messages name what an attribute holds. */
static const char *const what[] = {
	[FCG_CONTAINER] = "container",	     [FCG_POD] = "pod",
	[FCG_POD_UID] = "pod uid",	     [FCG_NAMESPACE] = "Kubernetes namespace",
	[FCG_UNIT] = "systemd unit",	     [FCG_RUNTIME] = "container runtime",
};
static const char *const whats[] = {
	[FCG_CONTAINER] = "containers",	      [FCG_POD] = "pods",
	[FCG_POD_UID] = "pod uids",	      [FCG_NAMESPACE] = "Kubernetes namespaces",
	[FCG_UNIT] = "systemd units",	      [FCG_RUNTIME] = "container runtimes",
};

static const char *attr_of(const struct ebr_cgroup_view *v, unsigned a)
{
	const char *s;

	switch (a) {
	case FCG_CONTAINER: s = v->container_id; break;
	case FCG_POD: s = v->pod_name; break;
	case FCG_POD_UID: s = v->pod_uid; break;
	case FCG_NAMESPACE: s = v->pod_namespace; break;
	case FCG_UNIT: s = v->unit; break;
	case FCG_RUNTIME: s = v->runtime; break;
	default: s = NULL; break;
	}
	return s ? s : "";
}

static int schema_has_field(const struct ebr_schema *s, const char *name)
{
	for (size_t i = 0; i < ebr_schema__type_count(s); i++) {
		const struct ebr_type *t = ebr_schema__type_at(s, i);

		for (uint32_t k = 0; k < t->n_fields; k++)
			if (!strcmp(t->fields[k].name, name))
				return 1;
	}
	return 0;
}

int flt_cgroup_resolve(struct ebr_filter *f, struct flt_cmp *c, const char *name, unsigned col,
		       struct ebr_filter_error *err)
{
	size_t i;

	for (i = 0; i < sizeof(cg_fields) / sizeof(cg_fields[0]); i++)
		if (!strcmp(cg_fields[i].name, name))
			break;
	if (i == sizeof(cg_fields) / sizeof(cg_fields[0]))
		return 0;
	if (!f->copts || !(f->copts->flags & EBR_FILTER_CGROUPS)) {
		/* cgroup_info's own fields keep their meaning for callers that give no table */
		if (schema_has_field(f->schema, name))
			return 0;
		flt_set_error(err, col,
			      "'%s' is resolved through the capture's cgroup table, and none was given "
			      "(compile with ebr_filter__compile_opts or ebr_filter__compile_reader)",
			      name);
		return -EINVAL;
	}
	c->src = FSRC_CGROUP;
	c->any_type = 1; /* every record has a cgroup id in its header */
	c->n_var = 1;
	c->vars[0].hint = (uint16_t)(FLT_H_CGROUP + cg_fields[i].attr);
	c->vars[0].cls = FCL_CGSET;
	for (uint32_t id = 0; id < f->n_ids; id++)
		c->var[id] = 0;
	f->uses_cgroups = 1;
	return 1;
}

static int is_hex(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return len > 0;
}

static int lit_matches(unsigned attr, unsigned op, const struct flt_lit *l, const char *val)
{
	size_t vlen = strlen(val);

	switch (op) {
	case FOP_GLOB:
		return flt_glob(l->text, l->len, val, vlen);
	case FOP_CONTAINS:
		return memmem(val, vlen, l->text, l->len) != NULL;
	default:
		break;
	}
	if (attr == FCG_CONTAINER && is_hex(l->text, l->len)) {
		/* ids are lowercase hex; a short id (docker ps) is a prefix of 12 or more digits */
		if (l->len > vlen || (l->len < vlen && l->len < SHORT_ID_MIN))
			return 0;
		for (size_t i = 0; i < l->len; i++)
			if (tolower((unsigned char)l->text[i]) != val[i])
				return 0;
		return 1;
	}
	return l->len == vlen && !memcmp(l->text, val, vlen);
}

struct idhit {
	uint64_t id;
	uint8_t hit;
};

static int by_id(const void *a, const void *b)
{
	uint64_t x = ((const struct idhit *)a)->id, y = ((const struct idhit *)b)->id;

	return x < y ? -1 : x > y;
}

/* The distinct values the table has for attr, as "a, b, c, ..." within len (< 256). */
static void known_values(const struct ebr_filter_opts *o, unsigned attr, char *buf, size_t len)
{
	const char *seen[128]; /* what is listed: a value takes 3 bytes at least */
	size_t used = 0, shown = 0;
	int more = 0;

	buf[0] = 0;
	for (size_t i = 0; i < o->n_cgroups; i++) {
		const char *v = attr_of(&o->cgroups[i], attr);
		size_t n = strlen(v), k;

		if (!*v)
			continue;
		if (attr == FCG_CONTAINER && n > SHORT_ID_MIN)
			n = SHORT_ID_MIN; /* as docker ps shows them */
		for (k = 0; k < shown; k++)
			if (!strncmp(seen[k], v, n) && (attr == FCG_CONTAINER || !seen[k][n]))
				break;
		if (k < shown)
			continue;
		/* room for this one, its separator and a closing ", ..." */
		if (used + n + 2 + 5 >= len || shown == sizeof(seen) / sizeof(seen[0])) {
			more = 1;
			break;
		}
		used += (size_t)snprintf(buf + used, len - used, "%s%.*s", shown ? ", " : "", (int)n, v);
		seen[shown++] = v;
	}
	if (more)
		snprintf(buf + used, len - used, "%s...", shown ? ", " : "");
}

static void unknown_error(struct ebr_filter *f, unsigned attr, unsigned op, const struct flt_lit *l,
			  struct ebr_filter_error *err)
{
	const struct ebr_filter_opts *o = f->copts;
	char known[200], hint[80] = "";
	const char *verb = op == FOP_GLOB ? "matches" : op == FOP_CONTAINS ? "contains" : NULL;

	if (!o->n_cgroups) {
		snprintf(known, sizeof(known), "no cgroups are known (recorded without cgroup v2?)");
	} else {
		char list[140];

		known_values(o, attr, list, sizeof(list));
		if (!list[0] && attr == FCG_POD) {
			known_values(o, FCG_POD_UID, list, sizeof(list));
			if (list[0]) {
				snprintf(known, sizeof(known), "pods are known by uid only (pod_uid): %s", list);
				goto out;
			}
		}
		snprintf(known, sizeof(known), "known %s: %s", whats[attr], list[0] ? list : "none");
	}
	if (attr == FCG_CONTAINER && !verb && is_hex(l->text, l->len) && l->len < SHORT_ID_MIN)
		snprintf(hint, sizeof(hint), " (a short id needs %d or more hex digits)", SHORT_ID_MIN);
out:
	if (verb)
		flt_set_error(err, l->col, "no %s %s '%.64s'; %s", what[attr], verb, l->text, known);
	else
		flt_set_error(err, l->col, "unknown %s '%.64s'%s; %s", what[attr], l->text, hint, known);
}

int flt_cgroup_parse(struct ebr_filter *f, struct flt_variant *v, unsigned op, unsigned op_col,
		     const char *name, const struct flt_lit *lits, size_t n,
		     struct ebr_filter_error *err)
{
	const struct ebr_filter_opts *o = f->copts;
	unsigned attr = v->hint - FLT_H_CGROUP;
	size_t nt = o->n_cgroups, k = 0;
	struct flt_cgset *set;
	struct idhit *pairs;
	uint64_t *ids, *match;
	uint8_t *hit;
	uint32_t *hits, m = 0, u = 0;
	int ret = 0;

	if (op >= FOP_LT && op <= FOP_GE) {
		flt_set_error(err, op_col, "'%s' does not apply to '%s' (use =, !=, in, glob or contains)",
			      op == FOP_LT ? "<" : op == FOP_LE ? "<=" : op == FOP_GT ? ">" : ">=", name);
		return -EINVAL;
	}
	if (op == FOP_TRUTH) {
		flt_set_error(err, op_col,
			      "'%s' is not a true/false field: compare it (=, !=, in, glob, contains; "
			      "'%s glob \"*\"' is any)",
			      name, name);
		return -EINVAL;
	}
	set = flt_alloc(f, sizeof(*set));
	ids = flt_alloc(f, (nt ? nt : 1) * sizeof(*ids));
	match = flt_alloc(f, (nt ? nt : 1) * sizeof(*match));
	hit = flt_alloc(f, nt ? nt : 1);
	pairs = malloc((nt ? nt : 1) * sizeof(*pairs));
	hits = calloc(n ? n : 1, sizeof(*hits));
	if (!set || !ids || !match || !hit || !pairs || !hits) {
		free(pairs);
		free(hits);
		flt_set_error(err, 0, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < nt; i++) {
		const char *val = attr_of(&o->cgroups[i], attr);
		uint8_t h = 0;

		if (!*val)
			continue; /* no value: the field is missing for this cgroup */
		for (size_t l = 0; l < n; l++)
			if (lit_matches(attr, op, &lits[l], val)) {
				hits[l]++;
				h = 1;
			}
		pairs[k++] = (struct idhit){ o->cgroups[i].id, h };
	}
	qsort(pairs, k, sizeof(*pairs), by_id);
	for (size_t i = 0; i < k; i++) {
		/* an id seen twice (tables of several captures together) matches if either entry does */
		if (u && ids[u - 1] == pairs[i].id) {
			hit[u - 1] |= pairs[i].hit;
			continue;
		}
		ids[u] = pairs[i].id;
		hit[u++] = pairs[i].hit;
	}
	for (uint32_t i = 0; i < u; i++)
		if (hit[i])
			match[m++] = ids[i];
	*set = (struct flt_cgset){ .ids = ids, .hit = hit, .match = match, .n = u, .n_match = m };
	v->n = (uint32_t)n;
	v->v.cg = set;
	if (!(o->flags & EBR_FILTER_UNKNOWN_OK))
		for (size_t l = 0; l < n; l++)
			if (!hits[l]) {
				unknown_error(f, attr, op, &lits[l], err);
				ret = -ENOENT;
				break;
			}
	free(pairs);
	free(hits);
	return ret;
}
