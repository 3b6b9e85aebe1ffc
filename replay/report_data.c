// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The data behind the report page, as JSON: everything comes from the aggregation and the reader. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ebpfrec/decode.h"
#include "events.h"
#include "layout.h"
#include "report.h"

struct jw {
	FILE *f;
	int first; /* no comma before the next member */
};

static void sep(struct jw *w)
{
	if (!w->first)
		putc(',', w->f);
	w->first = 0;
}

static void key(struct jw *w, const char *k)
{
	sep(w);
	ebr_json_string(w->f, k, strlen(k));
	putc(':', w->f);
}

static void open_obj(struct jw *w, const char *k, char brace)
{
	if (k)
		key(w, k);
	else
		sep(w);
	putc(brace, w->f);
	w->first = 1;
}

static void close_obj(struct jw *w, char brace)
{
	putc(brace, w->f);
	w->first = 0;
}

static void str(struct jw *w, const char *k, const char *v)
{
	if (k)
		key(w, k);
	else
		sep(w);
	ebr_json_string(w->f, v, strlen(v));
}

static void num(struct jw *w, const char *k, uint64_t v)
{
	if (k)
		key(w, k);
	else
		sep(w);
	fprintf(w->f, "%" PRIu64, v);
}

static void dbl(struct jw *w, const char *k, double v)
{
	key(w, k);
	fprintf(w->f, "%.9g", v);
}

/* ------------------------------------------------------------ metadata */

struct probes_ctx {
	struct jw *w;
	const struct ebr_schema *s;
};

static const char *field_str(const struct ebr_type *t, const struct ebr_event_header *rec, const char *name,
			     char *buf, size_t len)
{
	const struct ebr_field *f = ebr_type__field(t, name);
	size_t n = 0;
	const char *s = f && ebr_field__is_string(f) ? ebr_field__str(f, rec, &n) : NULL;

	snprintf(buf, len, "%.*s", s ? (int)n : 0, s ? s : "");
	return buf;
}

static uint64_t field_u64(const struct ebr_type *t, const struct ebr_event_header *rec, const char *name)
{
	const struct ebr_field *f = ebr_type__field(t, name);

	return f && !ebr_field__is_string(f) ? ebr_field__u64(f, rec) : 0;
}

static int one_probe(const struct ebr_event_header *rec, void *ctx)
{
	struct probes_ctx *p = ctx;
	const struct ebr_type *t = ebr_schema__type(p->s, rec->type);
	char buf[512];

	if (!t || !ebr_record__valid(t, rec))
		return 0;
	open_obj(p->w, NULL, '{');
	str(p->w, "name", field_str(t, rec, "name", buf, sizeof(buf)));
	str(p->w, "family", ebr_family__name((unsigned)field_u64(t, rec, "family")));
	str(p->w, "attach", field_str(t, rec, "attach_point", buf, sizeof(buf)));
	num(p->w, "ok", field_u64(t, rec, "attached") != 0);
	str(p->w, "message", field_str(t, rec, "message", buf, sizeof(buf)));
	close_obj(p->w, '}');
	return 0;
}

static int count_rec(const struct ebr_event_header *rec, void *ctx)
{
	(void)rec;
	(*(uint64_t *)ctx)++;
	return 0;
}

static void write_meta(struct jw *w, struct ebr_reader *r, const struct report_opts *o)
{
	const struct ebr_capture_info *in = ebr_reader__info(r);
	const struct ebr_schema *s = ebr_reader__schema(r);
	struct probes_ctx pc = { w, s };
	uint64_t n_procs = 0, boot = (uint64_t)in->boot_to_wall_ns;
	char t[48];

	open_obj(w, "meta", '{');
	str(w, "file", ebr_reader__path(r));
	str(w, "uuid", in->uuid_str);
	str(w, "host", in->host);
	str(w, "kernel_release", in->kernel_release);
	str(w, "kernel_version", in->kernel_version);
	str(w, "machine", in->machine);
	num(w, "ncpus", in->ncpus);
	str(w, "tool_version", in->tool_version);
	str(w, "report_version", ebr_version());
	num(w, "format_major", in->major);
	num(w, "format_minor", in->minor);
	str(w, "started", ebr_format_wall_time(in->created_wall_ns, t, sizeof(t)));
	if (in->n_records) {
		str(w, "first_event", ebr_format_wall_time(in->t_first + boot, t, sizeof(t)));
		str(w, "last_event", ebr_format_wall_time(in->t_last + boot, t, sizeof(t)));
	}
	dbl(w, "duration_s", in->n_records ? (double)(in->t_last - in->t_first) / 1e9 : 0);
	num(w, "events", in->n_records);
	num(w, "segments", in->n_segments);
	num(w, "file_size", in->file_size);
	num(w, "raw_bytes", in->raw_bytes);
	str(w, "status", in->recovered ? "recovered" : "complete");
	num(w, "segments_lost", in->n_segments_lost);
	num(w, "bytes_lost", in->bytes_lost);
	ebr_reader__meta_records(r, EBR_META_PROCS, count_rec, &n_procs);
	num(w, "snapshot_processes", n_procs);
	num(w, "cgroups", ebr_reader__cgroup_count(r));
	for (size_t i = 0; i < ebr_reader__meta_count(r); i++) {
		unsigned kind;
		const void *data;
		size_t len;

		if (ebr_reader__meta(r, i, &kind, &data, &len))
			continue;
		/* text blocks are NUL-terminated by the writer; never read past len */
		if (kind == EBR_META_NOTE || kind == EBR_META_CONFIG) {
			key(w, kind == EBR_META_NOTE ? "command" : "config");
			ebr_json_string(w->f, data, strnlen(data, len));
		}
	}
	if (o->from_ts || o->to_ts) {
		open_obj(w, "window_s", '[');
		sep(w);
		fprintf(w->f, "%.9g", o->from_ts ? (double)(o->from_ts - in->t_first) / 1e9 : 0.0);
		sep(w);
		if (o->to_ts)
			fprintf(w->f, "%.9g", (double)(o->to_ts - in->t_first) / 1e9);
		else
			fputs("null", w->f);
		close_obj(w, ']');
	}
	if (o->type_bitmap[0] | o->type_bitmap[1]) {
		open_obj(w, "only_types", '[');
		for (unsigned ty = 0; ty < EBR_TYPE_BITMAP_BITS; ty++)
			if (ebr_type_bitmap__test(o->type_bitmap, ty) && ebr_schema__type(s, ty))
				str(w, NULL, ebr_schema__type(s, ty)->name);
		close_obj(w, ']');
	}
	open_obj(w, "probes", '[');
	ebr_reader__meta_records(r, EBR_META_PROBES, one_probe, &pc);
	close_obj(w, ']');
	open_obj(w, "types", '[');
	for (unsigned ty = 0; ty <= EBR_T_MAX; ty++) {
		uint64_t n = ebr_reader__type_count(r, ty);
		const struct ebr_type *tt = ebr_schema__type(s, ty);

		if (!n)
			continue;
		open_obj(w, NULL, '{');
		str(w, "type", tt ? tt->name : "unknown");
		str(w, "family", tt && tt->family_name ? tt->family_name : "");
		num(w, "count", n);
		close_obj(w, '}');
	}
	close_obj(w, ']');
	open_obj(w, "drops", '{');
	for (unsigned d = 0; d < EBR_DROP_REASONS; d++)
		if (in->drops[d])
			num(w, ebr_drop_reason__name(d), in->drops[d]);
	close_obj(w, '}');
	close_obj(w, '}');
}

/* ------------------------------------------------------------ aggregates */

static void write_series(struct jw *w, struct agg *a, const struct ebr_capture_info *in)
{
	size_t n = agg__n_buckets(a);

	open_obj(w, "series", '{');
	dbl(w, "bucket_s", (double)agg__bucket_ns(a) / 1e9);
	dbl(w, "start_s", (double)(agg__start_ts(a) - in->t_first) / 1e9);
	num(w, "buckets", n);
	open_obj(w, "families", '[');
	for (unsigned f = 0; f < EBR_FAM_NR; f++) {
		if (!agg__family_total(a, f))
			continue;
		open_obj(w, NULL, '{');
		str(w, "name", ebr_family__name(f));
		num(w, "total", agg__family_total(a, f));
		open_obj(w, "counts", '[');
		for (size_t b = 0; b < n; b++)
			num(w, NULL, agg__events(a, b, f));
		close_obj(w, ']');
		close_obj(w, '}');
	}
	close_obj(w, ']');
	open_obj(w, "drops", '[');
	for (unsigned d = 0; d < EBR_DROP_NR; d++) {
		if (!agg__drop_total(a, d))
			continue;
		open_obj(w, NULL, '{');
		str(w, "name", ebr_drop_reason__name(d));
		num(w, "total", agg__drop_total(a, d));
		open_obj(w, "counts", '[');
		for (size_t b = 0; b < n; b++)
			num(w, NULL, agg__drops(a, b, d));
		close_obj(w, ']');
		close_obj(w, '}');
	}
	close_obj(w, ']');
	close_obj(w, '}');
}

static void write_procs(struct jw *w, struct agg *a, enum agg_order by, const char *k, size_t top_n,
			const void **rows)
{
	size_t n = agg__top_procs(a, by, (const struct agg_proc **)rows, top_n);

	open_obj(w, k, '[');
	for (size_t i = 0; i < n; i++) {
		const struct agg_proc *p = rows[i];

		open_obj(w, NULL, '{');
		num(w, "pid", p->pid);
		key(w, "comm");
		ebr_json_string(w->f, p->comm, strnlen(p->comm, sizeof(p->comm)));
		num(w, "events", p->events);
		num(w, "syscalls", p->syscalls);
		num(w, "syscall_ns", p->syscall_ns);
		close_obj(w, '}');
	}
	close_obj(w, ']');
}

static void write_syscalls(struct jw *w, struct agg *a, size_t top_n, size_t n_hists, const void **rows)
{
	size_t n = agg__top_syscalls(a, AGG_SYSCALL_BY_NS, (const struct agg_syscall **)rows, top_n);

	open_obj(w, "syscalls", '[');
	for (size_t i = 0; i < n; i++) {
		const struct agg_syscall *s = rows[i];

		open_obj(w, NULL, '{');
		str(w, "name", s->name);
		num(w, "count", s->ns.count);
		num(w, "errors", s->errors);
		num(w, "total_ns", s->ns.sum);
		num(w, "max_ns", s->ns.max);
		close_obj(w, '}');
	}
	close_obj(w, ']');
	n = agg__top_syscalls(a, AGG_SYSCALL_BY_NS, (const struct agg_syscall **)rows, n_hists);
	open_obj(w, "hists", '[');
	for (size_t i = 0; i < n; i++) {
		const struct agg_syscall *s = rows[i];
		unsigned lo, hi;

		if (!hist__range(&s->ns, &lo, &hi))
			continue;
		open_obj(w, NULL, '{');
		str(w, "name", s->name);
		num(w, "count", s->ns.count);
		num(w, "sum_ns", s->ns.sum);
		num(w, "max_ns", s->ns.max);
		/* [low bound of the bucket in ns, count], from the first to the last non-empty one */
		open_obj(w, "buckets", '[');
		for (unsigned b = lo; b <= hi; b++) {
			open_obj(w, NULL, '[');
			num(w, NULL, hist__low(b));
			num(w, NULL, s->ns.b[b]);
			close_obj(w, ']');
		}
		close_obj(w, ']');
		close_obj(w, '}');
	}
	close_obj(w, ']');
}

static void write_files(struct jw *w, struct agg *a, size_t top_n, const void **rows)
{
	size_t n = agg__top_files(a, (const struct agg_file **)rows, top_n);

	open_obj(w, "files", '[');
	for (size_t i = 0; i < n; i++) {
		const struct agg_file *f = rows[i];

		open_obj(w, NULL, '{');
		str(w, "name", f->name);
		num(w, "read", f->read_bytes);
		num(w, "written", f->write_bytes);
		num(w, "reads", f->reads);
		num(w, "writes", f->writes);
		close_obj(w, '}');
	}
	close_obj(w, ']');
}

static void write_peers(struct jw *w, struct agg *a, size_t top_n, const void **rows)
{
	size_t n = agg__top_peers(a, (const struct agg_peer **)rows, top_n);

	open_obj(w, "peers", '[');
	for (size_t i = 0; i < n; i++) {
		const struct agg_peer *p = rows[i];

		open_obj(w, NULL, '{');
		str(w, "name", p->name);
		num(w, "sent", p->sent);
		num(w, "received", p->received);
		num(w, "conns", p->conns);
		num(w, "retransmits", p->retransmits);
		num(w, "incoming", p->incoming);
		str(w, "protocol", p->protocol == 17 ? "udp" : "tcp");
		close_obj(w, '}');
	}
	close_obj(w, ']');
}

int report_write_data(struct ebr_reader *r, struct agg *a, const struct report_opts *o, FILE *out)
{
	const struct ebr_capture_info *in = ebr_reader__info(r);
	size_t top_n = o->top_n ? o->top_n : 15, n_hists = o->n_hists ? o->n_hists : 8;
	const void **rows = calloc(top_n > n_hists ? top_n : n_hists, sizeof(*rows));
	struct jw w = { out, 1 };

	if (!rows)
		return -ENOMEM;
	putc('{', out);
	write_meta(&w, r, o);
	num(&w, "window_events", agg__total(a));
	write_series(&w, a, in);
	write_procs(&w, a, AGG_PROC_BY_EVENTS, "procs_by_events", top_n, rows);
	write_procs(&w, a, AGG_PROC_BY_SYSCALL_NS, "procs_by_time", top_n, rows);
	write_syscalls(&w, a, top_n, n_hists, rows);
	write_files(&w, a, top_n, rows);
	write_peers(&w, a, top_n, rows);
	putc('}', out);
	free(rows);
	return ferror(out) ? -EIO : 0;
}
