// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Evaluating a compiled filter on a raw record. This is the hot path of
 * filtered replay and of live filtering: no allocation, no name lookup, no
 * copy of the record; strings are compared where they lie in the record.
 */
#define _GNU_SOURCE /* memmem */
#include <ctype.h>
#include <string.h>

#include "events.h"
#include "filter_internal.h"

/* ------------------------------------------------------------------- glob */

/*
 * A bracket expression at p[*pi] == '['. Returns 1 and sets *hit when it is
 * well formed (and moves *pi past it), 0 when it is not: then, as fnmatch
 * does, the '[' is an ordinary character.
 */
static int bracket(const char *p, size_t plen, size_t *pi, unsigned char c, int *hit)
{
	static const struct {
		const char *name;
		int (*fn)(int);
	} classes[] = {
		{ "alnum", isalnum }, { "alpha", isalpha }, { "blank", isblank }, { "cntrl", iscntrl },
		{ "digit", isdigit }, { "graph", isgraph }, { "lower", islower }, { "print", isprint },
		{ "punct", ispunct }, { "space", isspace }, { "upper", isupper }, { "xdigit", isxdigit },
	};
	size_t i = *pi + 1;
	int negate = 0, match = 0, first = 1;

	if (i < plen && (p[i] == '!' || p[i] == '^')) {
		negate = 1;
		i++;
	}
	for (;; first = 0) {
		unsigned char lo, hi;

		if (i >= plen)
			return 0;
		if (p[i] == ']' && !first)
			break;
		if (p[i] == '[' && i + 1 < plen && p[i + 1] == ':') {
			const char *end = memchr(p + i + 2, ':', plen - i - 2);

			if (end && (size_t)(end - p) + 1 < plen && end[1] == ']') {
				size_t n = (size_t)(end - (p + i + 2));
				size_t k;

				for (k = 0; k < sizeof(classes) / sizeof(classes[0]); k++)
					if (strlen(classes[k].name) == n && !memcmp(classes[k].name, p + i + 2, n))
						break;
				if (k == sizeof(classes) / sizeof(classes[0]))
					return 0;
				if (c < 0x80 && classes[k].fn(c))
					match = 1;
				i = (size_t)(end - p) + 2;
				continue;
			}
		}
		if (p[i] == '\\' && i + 1 < plen)
			i++;
		lo = (unsigned char)p[i++];
		hi = lo;
		if (i + 1 < plen && p[i] == '-' && p[i + 1] != ']') {
			i++;
			if (p[i] == '\\' && i + 1 < plen)
				i++;
			hi = (unsigned char)p[i++];
		}
		if (c >= lo && c <= hi)
			match = 1;
	}
	*pi = i + 1;
	*hit = match != negate;
	return 1;
}

int flt_glob(const char *p, size_t plen, const char *s, size_t slen)
{
	size_t pi = 0, si = 0, star_p = (size_t)-1, star_s = 0;

	/* greedy, retrying from the last '*' on a mismatch: linear for most patterns */
	while (si < slen) {
		if (pi < plen) {
			char c = p[pi];
			size_t np = pi;
			int hit;

			if (c == '*') {
				star_p = ++pi;
				star_s = si;
				continue;
			}
			if (c == '?') {
				pi++;
				si++;
				continue;
			}
			if (c == '[' && bracket(p, plen, &np, (unsigned char)s[si], &hit)) {
				if (hit) {
					pi = np;
					si++;
					continue;
				}
			} else {
				if (c == '\\' && pi + 1 < plen)
					c = p[++pi];
				if (c == s[si]) {
					pi++;
					si++;
					continue;
				}
			}
		}
		if (star_p == (size_t)-1)
			return 0;
		pi = star_p;
		si = ++star_s;
	}
	while (pi < plen && p[pi] == '*')
		pi++;
	return pi == plen;
}

/* ---------------------------------------------------------------- numbers */

int flt_num_cmp(uint64_t raw, int is_signed, const struct flt_num *lit)
{
	if (is_signed) {
		int64_t v = (int64_t)raw;

		if (lit->neg)
			return v < lit->s ? -1 : v > lit->s;
		if (v < 0)
			return -1;
		raw = (uint64_t)v;
	} else if (lit->neg) {
		return 1;
	}
	return raw < lit->u ? -1 : raw > lit->u;
}

static uint64_t num_value(const struct ebr_filter *f, const struct flt_cmp *c,
			  const struct ebr_field *fld, const struct ebr_event_header *rec)
{
	int64_t v;

	switch (c->src) {
	case FSRC_FIELD:
		return ebr_field__u64(fld, rec);
	case FSRC_FAMILY:
		return f->family_of[rec->type];
	case FSRC_SEVERITY:
		return rec->type < f->n_ids ? ebr_severity_plan__eval(&f->sev[rec->type], rec)
					    : EBR_SEV_INFO;
	case FSRC_ERRNO:
		v = ebr_field__s64(fld, rec);
		if (fld->hint == EBR_FH_ERRNO)
			v = v < 0 && v > INT64_MIN ? -v : 0;
		else if (fld->hint == EBR_FH_HEX_ERRNO) /* an address, or -errno */
			v = v < 0 && v >= -4095 ? -v : 0;
		return (uint64_t)v;
	case FSRC_SYSTEM:
		/* the idle task / interrupt context, kthreadd, and its children: kernel threads */
		return rec->pid == 0 || rec->pid == 2 || rec->ppid == 2 ||
		       (fld && (ebr_field__u64(fld, rec) & 1));
	default:
		return 0;
	}
}

static int num_test(const struct flt_cmp *c, const struct flt_variant *v, uint64_t raw)
{
	int r;

	switch (c->op) {
	case FOP_TRUTH:
		return raw != 0;
	case FOP_GLOB: /* syscall glob ...: the matching names' numbers, resolved at compile time */
	case FOP_CONTAINS:
	case FOP_IN:
		for (uint32_t i = 0; i < v->n; i++)
			if (!flt_num_cmp(raw, v->is_signed, &v->v.num[i]))
				return 1;
		return 0;
	default:
		break;
	}
	r = flt_num_cmp(raw, v->is_signed, &v->v.num[0]);
	switch (c->op) {
	case FOP_EQ: return r == 0;
	case FOP_LT: return r < 0;
	case FOP_LE: return r <= 0;
	case FOP_GT: return r > 0;
	case FOP_GE: return r >= 0;
	default: return 0;
	}
}

int flt_cmp_num(const struct flt_cmp *c, const struct flt_variant *v, uint64_t raw)
{
	return num_test(c, v, raw) ^ c->neg;
}

/* ---------------------------------------------------------------- strings */

static int str_test(unsigned op, const struct flt_variant *v, const char *s, size_t len)
{
	switch (op) {
	case FOP_EQ:
	case FOP_IN:
		for (uint32_t i = 0; i < v->n; i++)
			if (v->v.str[i].len == len && !memcmp(v->v.str[i].p, s, len))
				return 1;
		return 0;
	case FOP_GLOB:
		return flt_glob(v->v.str[0].p, v->v.str[0].len, s, len);
	case FOP_CONTAINS:
		return memmem(s, len, v->v.str[0].p, v->v.str[0].len) != NULL;
	default:
		return 0;
	}
}

/* Any element of a NUL-separated list; a final NUL ends the list, it starts no element. */
static int list_test(unsigned op, const struct flt_variant *v, const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		const char *nul = memchr(s + i, 0, len - i);
		size_t n = nul ? (size_t)(nul - (s + i)) : len - i;

		if (str_test(op, v, s + i, n))
			return 1;
		i += n + 1;
	}
	return 0;
}

static int net_test(const struct flt_variant *v, const uint8_t *a)
{
	for (uint32_t i = 0; i < v->n; i++) {
		const struct flt_net *n = &v->v.net[i];
		uint32_t whole = n->prefix / 8, rest = n->prefix % 8;

		if (memcmp(a, n->addr, whole))
			continue;
		if (rest && ((a[whole] ^ n->addr[whole]) & (uint8_t)(0xff00u >> rest)))
			continue;
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------------- tree */

static int cmp_eval(const struct ebr_filter *f, const struct flt_cmp *c,
		    const struct ebr_event_header *rec)
{
	const struct ebr_field *fld;
	const struct flt_variant *v;
	unsigned t = rec->type;
	const char *s;
	size_t len;
	int r;

	if (c->uniform) {
		fld = c->ufield;
		v = &c->vars[0];
	} else if (c->any_type) {
		fld = t < f->n_ids ? c->fld[t] : NULL;
		v = &c->vars[0];
	} else {
		uint8_t vi;

		/* a type without the field: false, whatever the operator (docs/filter.md) */
		if (t >= f->n_ids || (vi = c->var[t]) == FLT_NONE)
			return 0;
		fld = c->fld[t];
		v = &c->vars[vi];
		if (fld && (uint64_t)fld->offset + fld->size > rec->size)
			return 0;
	}
	switch (v->cls) {
	case FCL_NUM:
		r = num_test(c, v, num_value(f, c, fld, rec));
		break;
	case FCL_STR:
		s = ebr_field__str(fld, rec, &len);
		r = str_test(c->op, v, s, len);
		break;
	case FCL_LIST:
		s = ebr_field__str(fld, rec, &len);
		r = list_test(c->op, v, s, len);
		break;
	case FCL_IP:
		r = net_test(v, (const uint8_t *)rec + fld->offset);
		break;
	case FCL_CGSET: {
		int64_t k = flt_id_find(v->v.cg->ids, v->v.cg->n, rec->cgroup_id);

		if (k < 0)
			return 0; /* not in a container (or pod, unit...): the field is missing */
		r = v->v.cg->hit[k];
		break;
	}
	default:
		r = 0;
		break;
	}
	return r ^ c->neg;
}

int flt_eval_node(const struct ebr_filter *f, uint32_t node, const struct ebr_event_header *rec)
{
	const struct flt_node *n = &f->nodes[node];

	switch (n->kind) {
	case FN_CMP:
		return cmp_eval(f, &f->cmps[n->first], rec);
	case FN_AND:
		for (uint32_t i = 0; i < n->n; i++)
			if (!flt_eval_node(f, f->kids[n->first + i], rec))
				return 0;
		return 1;
	case FN_OR:
		for (uint32_t i = 0; i < n->n; i++)
			if (flt_eval_node(f, f->kids[n->first + i], rec))
				return 1;
		return 0;
	case FN_NOT:
		return !flt_eval_node(f, f->kids[n->first], rec);
	case FN_CONST:
		return n->value;
	default:
		return 0;
	}
}

int ebr_filter__match(const struct ebr_filter *f, const struct ebr_event_header *rec)
{
	return flt_eval_node(f, f->root, rec);
}
