// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Merging captures: a k-way merge of one cursor per input by wall-clock
 * time. Each input's boot-clock timestamps are shifted onto the clock of the
 * input that booted first (the smallest boot_to_wall_ns), so every shift is
 * a non-negative number of nanoseconds and the merged capture's own
 * boot_to_wall_ns turns every timestamp into the right wall-clock time.
 * Records get their source id in hdr.flags bits 24..31.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ebpfrec/merge.h"
#include "events.h"
#include "internal.h"
#include "rewrite.h"
#include "schema_internal.h"

struct input {
	struct ebr_reader *r;
	const struct ebr_schema *schema;
	struct ebr_cursor *c;
	const struct ebr_event_header *head; /* next record, NULL at the end */
	uint64_t head_ts; /* its timestamp on the merged clock */
	uint64_t shift; /* added to this input's timestamps */
	uint8_t remap[256]; /* the input's source id -> the merged one */
	uint8_t fallback; /* for an id its SOURCES did not list */
	int was_merged;
};

struct merge {
	struct input *in;
	size_t n;
	struct ebr_writer *w;
	struct ebr_seg_out out;
	struct ebr_source_disk src[EBR_MAX_SOURCES];
	unsigned n_src;
	struct ebr_schema schema; /* the union of the inputs' schemas; borrows their types */
	struct ebr_buf tmp;
	int64_t boot_to_wall;
};

static int same_type(const struct ebr_type *a, const struct ebr_type *b)
{
	if (a->fixed_size != b->fixed_size || a->n_fields != b->n_fields || strcmp(a->name, b->name))
		return 0;
	for (uint32_t i = 0; i < a->n_fields; i++) {
		const struct ebr_field *x = &a->fields[i], *y = &b->fields[i];

		if (strcmp(x->name, y->name) || x->kind != y->kind || x->offset != y->offset ||
		    x->size != y->size)
			return 0;
	}
	return 1;
}

static int by_id(const void *a, const void *b)
{
	const struct ebr_type *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/* Records are copied as they are, so a type must mean the same in every input. */
static int union_schema(struct merge *m)
{
	size_t cap = 0;

	for (size_t i = 0; i < m->n; i++)
		cap += ebr_schema__type_count(m->in[i].schema);
	m->schema.types = calloc(cap ? cap : 1, sizeof(*m->schema.types));
	if (!m->schema.types)
		return -ENOMEM;
	for (size_t i = 0; i < m->n; i++) {
		const struct ebr_schema *s = m->in[i].schema;

		for (size_t k = 0; k < ebr_schema__type_count(s); k++) {
			const struct ebr_type *t = ebr_schema__type_at(s, k);
			const struct ebr_type *have = m->schema.by_id[t->id];

			if (have && !same_type(have, t)) {
				pr_err("cannot merge: event type %u (%s) is laid out differently in %s than "
				       "in an earlier input (captures of different ebpfrec versions?)",
				       t->id, t->name, ebr_reader__path(m->in[i].r));
				return -EINVAL;
			}
			if (have)
				continue;
			m->schema.types[m->schema.n_types++] = *t;
			m->schema.by_id[t->id] = t;
		}
	}
	qsort(m->schema.types, m->schema.n_types, sizeof(*m->schema.types), by_id);
	for (size_t k = 0; k < m->schema.n_types; k++)
		m->schema.by_id[m->schema.types[k].id] = &m->schema.types[k];
	return 0;
}

static int add_source(struct merge *m, struct input *in, const struct ebr_merge_source *s,
		      unsigned old_id)
{
	const struct ebr_capture_info *info = ebr_reader__info(in->r);
	struct ebr_source_disk *d;

	if (m->n_src == EBR_MAX_SOURCES) {
		pr_err("cannot merge more than %d sources into one capture", EBR_MAX_SOURCES);
		return -EINVAL;
	}
	d = &m->src[m->n_src];
	memset(d, 0, sizeof(*d));
	d->id = ++m->n_src;
	in->remap[old_id] = (uint8_t)d->id;
	if (!in->fallback)
		in->fallback = (uint8_t)d->id;
	if (s) {
		memcpy(d->uuid, s->uuid, 16);
		d->boot_to_wall_ns = s->boot_to_wall_ns;
		d->ts_offset_ns = s->ts_offset_ns + (int64_t)in->shift;
		d->created_wall_ns = s->created_wall_ns;
		d->ncpus = s->ncpus;
		ebr_strlcpy(d->host, s->host, sizeof(d->host));
		ebr_strlcpy(d->kernel_release, s->kernel_release, sizeof(d->kernel_release));
		ebr_strlcpy(d->machine, s->machine, sizeof(d->machine));
		ebr_strlcpy(d->kernel_version, s->kernel_version, sizeof(d->kernel_version));
		return 0;
	}
	memcpy(d->uuid, info->uuid, 16);
	d->boot_to_wall_ns = info->boot_to_wall_ns;
	d->ts_offset_ns = (int64_t)in->shift;
	d->created_wall_ns = info->created_wall_ns;
	d->ncpus = info->ncpus;
	ebr_strlcpy(d->host, info->host, sizeof(d->host));
	ebr_strlcpy(d->kernel_release, info->kernel_release, sizeof(d->kernel_release));
	ebr_strlcpy(d->machine, info->machine, sizeof(d->machine));
	ebr_strlcpy(d->kernel_version, info->kernel_version, sizeof(d->kernel_version));
	return 0;
}

static int plan_sources(struct merge *m)
{
	m->boot_to_wall = ebr_reader__info(m->in[0].r)->boot_to_wall_ns;
	for (size_t i = 1; i < m->n; i++) {
		const struct ebr_capture_info *a = ebr_reader__info(m->in[0].r);
		const struct ebr_capture_info *b = ebr_reader__info(m->in[i].r);

		if (strcmp(a->machine, b->machine)) {
			/* syscall numbers are named through the header's machine */
			pr_err("cannot merge captures of different architectures: %s is %s, %s is %s",
			       ebr_reader__path(m->in[0].r), a->machine, ebr_reader__path(m->in[i].r),
			       b->machine);
			return -EINVAL;
		}
		if (b->boot_to_wall_ns < m->boot_to_wall)
			m->boot_to_wall = b->boot_to_wall_ns;
	}
	for (size_t i = 0; i < m->n; i++) {
		struct input *in = &m->in[i];
		struct ebr_merge_source *s = NULL;
		size_t ns = 0;
		int err;

		in->shift = (uint64_t)(ebr_reader__info(in->r)->boot_to_wall_ns - m->boot_to_wall);
		err = ebr_merge__sources(in->r, &s, &ns);
		if (err)
			return err;
		in->was_merged = ns > 0;
		for (size_t k = 0; !err && k < ns; k++)
			err = add_source(m, in, &s[k], s[k].id & 0xff);
		if (!err && !ns)
			err = add_source(m, in, NULL, 0);
		free(s);
		if (err)
			return err;
	}
	return 0;
}

/* A copy of rec on the merged clock, with its source id, appended to b. */
static void rewrite(const struct input *in, const struct ebr_event_header *rec, struct ebr_buf *b)
{
	const struct ebr_type *t = ebr_schema__type(in->schema, rec->type);
	size_t off = b->len;
	struct ebr_event_header *h;
	unsigned src;

	ebr_buf__put(b, rec, rec->size);
	if (b->err)
		return;
	h = (struct ebr_event_header *)(b->p + off);
	src = in->was_merged ? in->remap[rec->flags >> EBR_HDR_SOURCE_SHIFT] : in->remap[0];
	if (!src)
		src = in->fallback;
	h->flags = (h->flags & ~EBR_HDR_SOURCE_MASK) | (uint32_t)src << EBR_HDR_SOURCE_SHIFT;
	h->ts += in->shift;
	if (!t || !ebr_record__valid(t, rec))
		return;
	for (uint32_t i = 0; i < t->n_fields; i++) {
		const struct ebr_field *f = &t->fields[i];
		uint64_t v;

		/* other boot-clock fields move too; 0 means unknown and stays 0 */
		if (f->hint != EBR_FH_TS || f->offset < sizeof(*h) ||
		    (f->kind != EBR_FK_U64 && f->kind != EBR_FK_S64))
			continue;
		memcpy(&v, (char *)h + f->offset, 8);
		if (v) {
			v += in->shift;
			memcpy((char *)h + f->offset, &v, 8);
		}
	}
}

static int copy_meta_records(struct merge *m, struct input *in, unsigned kind, const char *data,
			     size_t len)
{
	size_t off = 0;

	m->tmp.len = 0;
	while (len - off >= sizeof(struct ebr_event_header)) {
		struct ebr_event_header h;

		memcpy(&h, data + off, sizeof(h));
		if (h.size < sizeof(h) || h.size % EBR_RECORD_ALIGN || h.size > len - off)
			break;
		rewrite(in, (const void *)(data + off), &m->tmp);
		off += h.size;
	}
	if (m->tmp.err)
		return m->tmp.err;
	return m->tmp.len ? ebr_writer__add_meta(m->w, kind, m->tmp.p, m->tmp.len) : 0;
}

static int write_meta(struct merge *m)
{
	void *schema = NULL;
	size_t len;
	int err = ebr_schema__serialize(&m->schema, &schema, &len);

	if (!err)
		err = ebr_writer__add_meta(m->w, EBR_META_SCHEMA, schema, len);
	free(schema);
	for (size_t i = 0; !err && i < m->n; i++) {
		struct ebr_reader *r = m->in[i].r;

		for (size_t k = 0; !err && k < ebr_reader__meta_count(r); k++) {
			const void *data;
			unsigned kind;

			ebr_reader__meta(r, k, &kind, &data, &len);
			if (kind == EBR_META_SCHEMA || kind == EBR_META_SOURCES)
				continue; /* replaced by the merged ones */
			if (kind == EBR_META_ROTATION)
				continue; /* the merge is no file of an input's rotated set */
			if (kind == EBR_META_PROCS || kind == EBR_META_PROBES || kind == EBR_META_CGROUPS)
				err = copy_meta_records(m, &m->in[i], kind, data, len);
			else
				err = ebr_writer__add_meta(m->w, kind, data, len);
		}
	}
	return err;
}

static int advance(struct input *in)
{
	int ret = ebr_cursor__next(in->c, &in->head);

	if (ret <= 0) {
		in->head = NULL;
		return ret;
	}
	in->head_ts = in->head->ts + in->shift;
	return 0;
}

static int merge_events(struct merge *m, struct ebr_merge_stats *st)
{
	struct ebr_cursor_opts co = { .sz = sizeof(co) };
	int err = 0;

	for (size_t i = 0; i < m->n && !err; i++) {
		m->in[i].c = ebr_cursor__open(m->in[i].r, &co);
		err = m->in[i].c ? advance(&m->in[i]) : -errno;
	}
	while (!err) {
		struct input *best = NULL;
		size_t off = m->out.buf.len;

		/* a linear scan: merges have few inputs, and ties go to the earlier input */
		for (size_t i = 0; i < m->n; i++)
			if (m->in[i].head && (!best || m->in[i].head_ts < best->head_ts))
				best = &m->in[i];
		if (!best)
			break;
		rewrite(best, best->head, &m->out.buf);
		if (m->out.buf.err) {
			err = m->out.buf.err;
			break;
		}
		m->src[(((struct ebr_event_header *)(m->out.buf.p + off))->flags >>
			EBR_HDR_SOURCE_SHIFT) - 1].n_records++;
		err = ebr_seg_out__commit(&m->out);
		if (!err)
			err = advance(best);
	}
	for (size_t i = 0; i < m->n; i++) {
		if (m->in[i].c)
			st->segments_lost += ebr_cursor__stats(m->in[i].c)->segments_lost;
		ebr_cursor__close(m->in[i].c);
		m->in[i].c = NULL;
	}
	st->records = m->out.n_records;
	return err ? err : ebr_seg_out__flush(&m->out);
}

static int write_sources(struct merge *m)
{
	struct ebr_sources_disk h = { .n_sources = m->n_src, .entry_size = sizeof(struct ebr_source_disk) };
	struct ebr_buf b = {0};
	int err;

	ebr_buf__put(&b, &h, sizeof(h));
	ebr_buf__put(&b, m->src, m->n_src * sizeof(m->src[0]));
	err = b.err ? b.err : ebr_writer__add_meta(m->w, EBR_META_SOURCES, b.p, b.len);
	b.len = 0;
	ebr_json__derived_begin(&b, "merge", NULL);
	ebr_json__printf(&b, ",\"sources\":[");
	for (size_t i = 0; i < m->n; i++)
		ebr_json__printf(&b, "%s\"%s\"", i ? "," : "", ebr_reader__info(m->in[i].r)->uuid_str);
	ebr_json__printf(&b, "],\"records\":%llu}", (unsigned long long)m->out.n_records);
	if (!err)
		err = b.err ? b.err : ebr_writer__add_meta(m->w, EBR_META_DERIVED, b.p, b.len);
	ebr_buf__free(&b);
	return err;
}

/* Header of the merged capture: the clock of the earliest boot; shared fields where they agree. */
static void header_opts(struct merge *m, struct ebr_writer_opts *wo, char *hosts, size_t hlen)
{
	const struct ebr_capture_info *first = ebr_reader__info(m->in[0].r);

	ebr_rewrite__writer_opts(first, wo);
	wo->boot_to_wall_ns = m->boot_to_wall;
	hosts[0] = 0;
	for (unsigned i = 0; i < m->n_src; i++) {
		int dup = 0;

		for (unsigned k = 0; k < i; k++)
			dup |= !strcmp(m->src[k].host, m->src[i].host);
		if (dup || strlen(hosts) + strlen(m->src[i].host) + 2 > hlen)
			continue;
		if (hosts[0])
			strcat(hosts, ",");
		strcat(hosts, m->src[i].host);
	}
	wo->host = hosts;
	for (size_t i = 1; i < m->n; i++) {
		const struct ebr_capture_info *b = ebr_reader__info(m->in[i].r);

		if (b->created_wall_ns < wo->created_wall_ns)
			wo->created_wall_ns = b->created_wall_ns;
		if (b->ncpus > wo->ncpus)
			wo->ncpus = b->ncpus;
		if (strcmp(b->kernel_release, wo->kernel_release))
			wo->kernel_release = "(several)";
		if (strcmp(b->kernel_version, wo->kernel_version))
			wo->kernel_version = "(several)";
	}
}

/* Set before the first segment: every segment of the merge carries the sums, by reason and by type. */
static void sum_drops(struct merge *m)
{
	uint64_t *dbt = calloc((size_t)EBR_DROP_NR * EBR_DROP_TYPE_SLOTS, sizeof(*dbt));

	for (size_t i = 0; i < m->n; i++) {
		const struct ebr_capture_info *info = ebr_reader__info(m->in[i].r);

		for (unsigned d = 0; d < EBR_DROP_NR; d++) {
			m->out.drops[d] += info->drops[d];
			for (unsigned t = 0; dbt && t < EBR_DROP_TYPE_SLOTS; t++)
				dbt[d * EBR_DROP_TYPE_SLOTS + t] +=
					ebr_reader__drops_by_type(m->in[i].r, d, t);
		}
	}
	if (dbt)
		ebr_writer__set_drops_by_type(m->w, dbt, EBR_DROP_NR, EBR_DROP_TYPE_SLOTS);
	free(dbt);
}

int ebr_capture__merge(struct ebr_reader *const *in, size_t n, const char *out_path,
		       const struct ebr_merge_opts *opts, struct ebr_merge_stats *stats)
{
	struct ebr_writer_opts wo = { .sz = sizeof(wo) };
	struct ebr_merge_opts o = {0};
	struct ebr_merge_stats st = {0};
	struct merge *m;
	char hosts[64];
	int err = 0;

	if (opts)
		memcpy(&o, opts, opts->sz && opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	if (!n) {
		pr_err("nothing to merge");
		return -EINVAL;
	}
	for (size_t i = 0; i < n && !err; i++)
		err = ebr_rewrite__check_paths(ebr_reader__path(in[i]), out_path);
	if (err)
		return err;
	m = calloc(1, sizeof(*m));
	if (!m || !(m->in = calloc(n, sizeof(*m->in)))) {
		free(m);
		return -ENOMEM;
	}
	m->n = n;
	for (size_t i = 0; i < n; i++) {
		m->in[i].r = in[i];
		m->in[i].schema = ebr_reader__schema(in[i]);
	}
	err = plan_sources(m);
	if (!err)
		err = union_schema(m);
	if (err)
		goto out;
	header_opts(m, &wo, hosts, sizeof(hosts));
	wo.force = o.force;
	wo.compression_level = o.compression_level;
	m->w = ebr_writer__open(out_path, &wo);
	if (!m->w) {
		err = -errno;
		goto out;
	}
	memcpy(st.uuid, ebr_writer__uuid(m->w), 16);
	m->out.w = m->w;
	m->out.limit = o.segment_bytes;
	sum_drops(m);
	err = write_meta(m);
	if (!err)
		err = merge_events(m, &st);
	if (!err)
		err = write_sources(m);
	if (!err) {
		err = ebr_writer__close(m->w);
	} else {
		ebr_writer__abandon(m->w);
		unlink(out_path);
	}
	st.n_sources = m->n_src;
out:
	if (err == -ENOMEM)
		pr_err("out of memory while merging");
	ebr_seg_out__free(&m->out);
	ebr_buf__free(&m->tmp);
	free(m->schema.types);
	free(m->in);
	free(m);
	if (stats)
		*stats = st;
	return err;
}
