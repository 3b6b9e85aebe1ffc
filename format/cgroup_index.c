// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Looking up a capture's cgroup table (EBR_META_CGROUPS) by cgroup id. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "reader_internal.h"

struct collect {
	struct ebr_cgroup_view *v;
	size_t n, cap;
	int err;
};

static const char *vstr(const struct ebr_event_header *rec, const struct ebr_vstr *s)
{
	/* the record builder NUL-terminates; validate before trusting it */
	if (!s->len || (uint32_t)s->off + s->len >= rec->size)
		return "";
	return ((const char *)rec)[s->off + s->len] ? "" : (const char *)rec + s->off;
}

static int add(const struct ebr_event_header *rec, void *ctx)
{
	const struct ebr_cgroup_info *c = (const void *)rec;
	struct collect *col = ctx;

	if (rec->type != EBR_T_CGROUP_INFO)
		return 0;
	if (col->n == col->cap) {
		size_t cap = col->cap ? col->cap * 2 : 64;
		void *n = realloc(col->v, cap * sizeof(*col->v));

		if (!n) {
			col->err = -ENOMEM;
			return 1;
		}
		col->v = n;
		col->cap = cap;
	}
	col->v[col->n++] = (struct ebr_cgroup_view){
		.id = rec->cgroup_id,
		.path = vstr(rec, &c->path),
		.container_id = vstr(rec, &c->container_id),
		.runtime = vstr(rec, &c->runtime),
		.pod_uid = vstr(rec, &c->pod_uid),
		.pod_namespace = vstr(rec, &c->pod_namespace),
		.pod_name = vstr(rec, &c->pod_name),
		.unit = vstr(rec, &c->unit),
	};
	return 0;
}

static int by_id(const void *a, const void *b)
{
	uint64_t x = ((const struct ebr_cgroup_view *)a)->id, y = ((const struct ebr_cgroup_view *)b)->id;

	return x < y ? -1 : x > y;
}

int ebr_cgroup_views__parse(const void *buf, size_t len, struct ebr_cgroup_view **out, size_t *n)
{
	struct collect col = {0};
	size_t off = 0;

	while (len - off >= sizeof(struct ebr_cgroup_info)) {
		const struct ebr_event_header *h = (const void *)((const char *)buf + off);

		if (h->size < sizeof(struct ebr_cgroup_info) || h->size % 8 || h->size > len - off)
			break;
		off += h->size;
		if (add(h, &col))
			break;
	}
	if (col.err) {
		free(col.v);
		return col.err;
	}
	if (col.n)
		qsort(col.v, col.n, sizeof(*col.v), by_id);
	*out = col.v;
	*n = col.n;
	return 0;
}

static int build(struct ebr_reader *r)
{
	struct collect col = {0};

	if (r->cgroups_built)
		return 0;
	ebr_reader__meta_records(r, EBR_META_CGROUPS, add, &col);
	if (col.err) {
		free(col.v);
		return col.err;
	}
	if (col.n)
		qsort(col.v, col.n, sizeof(*col.v), by_id);
	r->cgroups = col.v;
	r->n_cgroups = col.n;
	r->cgroups_built = 1;
	return 0;
}

int ebr_reader__cgroup(struct ebr_reader *r, uint64_t id, struct ebr_cgroup_view *out)
{
	struct ebr_cgroup_view key = { .id = id }, *hit;
	int err = build(r);

	if (err)
		return err;
	hit = r->n_cgroups ? bsearch(&key, r->cgroups, r->n_cgroups, sizeof(key), by_id) : NULL;
	if (!hit)
		return -ENOENT;
	*out = *hit;
	return 0;
}

size_t ebr_reader__cgroup_count(struct ebr_reader *r)
{
	return build(r) ? 0 : r->n_cgroups;
}

const struct ebr_cgroup_view *ebr_reader__cgroup_at(struct ebr_reader *r, size_t i)
{
	return !build(r) && i < r->n_cgroups ? &r->cgroups[i] : NULL;
}

const struct ebr_cgroup_view *ebr_reader__cgroups(struct ebr_reader *r, size_t *n)
{
	*n = build(r) ? 0 : r->n_cgroups;
	return *n ? r->cgroups : NULL;
}
