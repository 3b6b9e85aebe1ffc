// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What a compiled filter lets through, for push-down: the event types it
 * can match (readers skip segments, the recorder disables probes) and the
 * value sets of header fields it pins (kernel-side pid/uid sets).
 *
 * Types are tracked as two bitmaps per node: `may` (some record of a type in
 * this bit can satisfy the node) and `must` (every record of it does). They
 * combine exactly through and/or, and `not` swaps them, so `not type = exec`
 * still excludes exec. Anything not understood is `may` everywhere, `must`
 * nowhere: conservative by construction.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "filter_internal.h"

#define TYPE_BIT_LAST (EBR_TYPE_BITMAP_BITS - 1)
#define TYPE_ID_LIMIT 65536u /* the header's type is 16 bits */

struct tset {
	uint64_t may[2], must[2];
};

static unsigned type_bit(unsigned id)
{
	return id < TYPE_BIT_LAST ? id : TYPE_BIT_LAST;
}

static void bit_set(uint64_t b[2], unsigned bit)
{
	b[bit / 64] |= 1ULL << (bit % 64);
}

static void bit_clear(uint64_t b[2], unsigned bit)
{
	b[bit / 64] &= ~(1ULL << (bit % 64));
}

static void cmp_types(const struct ebr_filter *f, const struct flt_cmp *c, struct tset *t)
{
	memset(t, 0, sizeof(*t));
	if (c->src == FSRC_FIELD && c->uniform && c->vars[0].hint == EBR_FH_TYPE &&
	    c->vars[0].cls == FCL_NUM) {
		/* the type itself: exact, whatever the operator */
		t->must[0] = t->must[1] = ~0ULL;
		for (unsigned id = 0; id < TYPE_ID_LIMIT; id++) {
			if (flt_cmp_num(c, &c->vars[0], id))
				bit_set(t->may, type_bit(id));
			else
				bit_clear(t->must, type_bit(id));
		}
		return;
	}
	if (c->src == FSRC_FAMILY) {
		/* one id per bit below the last: exact there; unknown types have no family */
		for (unsigned id = 0; id < f->n_ids; id++) {
			if (c->var[id] == FLT_NONE || !flt_cmp_num(c, &c->vars[0], f->family_of[id]))
				continue;
			bit_set(t->may, type_bit(id));
			if (id < TYPE_BIT_LAST)
				bit_set(t->must, id);
		}
		return;
	}
	if (c->uniform || c->any_type) {
		t->may[0] = t->may[1] = ~0ULL;
		return;
	}
	for (unsigned id = 0; id < f->n_ids; id++)
		if (c->var[id] != FLT_NONE)
			bit_set(t->may, type_bit(id));
}

static void node_types(const struct ebr_filter *f, uint32_t node, struct tset *t)
{
	const struct flt_node *n = &f->nodes[node];
	struct tset k;

	switch (n->kind) {
	case FN_CMP:
		cmp_types(f, &f->cmps[n->first], t);
		return;
	case FN_CONST:
		memset(t, n->value ? 0xff : 0, sizeof(*t));
		return;
	case FN_NOT:
		node_types(f, f->kids[n->first], &k);
		for (int i = 0; i < 2; i++) {
			t->may[i] = ~k.must[i];
			t->must[i] = ~k.may[i];
		}
		return;
	case FN_AND:
	case FN_OR:
		memset(t, n->kind == FN_AND ? 0xff : 0, sizeof(*t));
		for (uint32_t c = 0; c < n->n; c++) {
			node_types(f, f->kids[n->first + c], &k);
			for (int i = 0; i < 2; i++) {
				if (n->kind == FN_AND) {
					t->may[i] &= k.may[i];
					t->must[i] &= k.must[i];
				} else {
					t->may[i] |= k.may[i];
					t->must[i] |= k.must[i];
				}
			}
		}
		return;
	default:
		memset(t->may, 0xff, sizeof(t->may));
		memset(t->must, 0, sizeof(t->must));
		return;
	}
}

int ebr_filter__types(const struct ebr_filter *f, uint64_t bitmap[2])
{
	struct tset t;

	node_types(f, f->root, &t);
	bitmap[0] = t.may[0];
	bitmap[1] = t.may[1];
	return ~t.may[0] || ~t.may[1];
}

/* -------------------------------------------------------------- value sets */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The values a comparison pins `field` to: 1 with a sorted, unique, malloc'd
 * set; 0 when it does not pin it; -ENOMEM.
 */
static int cmp_values(const struct flt_cmp *c, const char *field, uint64_t **vals, size_t *n)
{
	const struct flt_variant *v = &c->vars[0];
	uint64_t max;
	size_t k = 0;

	if (c->src == FSRC_CGROUP) {
		/* a positive comparison needs the cgroup to be in its match set */
		if (c->neg || strcmp(field, "cgroup"))
			return 0;
		*vals = malloc((v->v.cg->n_match ? v->v.cg->n_match : 1) * sizeof(**vals));
		if (!*vals)
			return -ENOMEM;
		memcpy(*vals, v->v.cg->match, v->v.cg->n_match * sizeof(**vals));
		*n = v->v.cg->n_match;
		return 1;
	}
	if (c->src != FSRC_FIELD || !c->uniform || c->neg || (c->op != FOP_EQ && c->op != FOP_IN) ||
	    v->cls != FCL_NUM || v->is_signed || strcmp(c->name, field))
		return 0;
	max = c->ufield->size >= 8 ? UINT64_MAX : (1ULL << (8 * c->ufield->size)) - 1;
	*vals = malloc((v->n ? v->n : 1) * sizeof(**vals));
	if (!*vals)
		return -ENOMEM;
	for (uint32_t i = 0; i < v->n; i++)
		if (!v->v.num[i].neg && v->v.num[i].u <= max) /* others can never match */
			(*vals)[k++] = v->v.num[i].u;
	qsort(*vals, k, sizeof(**vals), cmp_u64);
	*n = 0;
	for (size_t i = 0; i < k; i++)
		if (!*n || (*vals)[*n - 1] != (*vals)[i])
			(*vals)[(*n)++] = (*vals)[i];
	return 1;
}

/* a = a ∩ b, both sorted */
static void intersect(uint64_t *a, size_t *na, const uint64_t *b, size_t nb)
{
	size_t i = 0, j = 0, o = 0;

	while (i < *na && j < nb) {
		if (a[i] < b[j])
			i++;
		else if (a[i] > b[j])
			j++;
		else
			a[o++] = a[i++], j++;
	}
	*na = o;
}

int ebr_filter__value_set(const struct ebr_filter *f, const char *field, uint64_t **vals, size_t *n)
{
	const struct flt_node *root = &f->nodes[f->root];
	uint64_t *acc = NULL, *v;
	size_t nacc = 0, nv;
	int have = 0, r;

	*vals = NULL;
	*n = 0;
	if (root->kind == FN_CMP)
		return cmp_values(&f->cmps[root->first], field, vals, n);
	if (root->kind != FN_AND)
		return 0;
	for (uint32_t i = 0; i < root->n; i++) {
		const struct flt_node *k = &f->nodes[f->kids[root->first + i]];

		if (k->kind != FN_CMP)
			continue;
		r = cmp_values(&f->cmps[k->first], field, &v, &nv);
		if (r < 0) {
			free(acc);
			return r;
		}
		if (!r)
			continue;
		if (!have) {
			acc = v;
			nacc = nv;
			have = 1;
			continue;
		}
		intersect(acc, &nacc, v, nv);
		free(v);
	}
	*vals = acc;
	*n = nacc;
	return have;
}
