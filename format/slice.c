// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Slicing: copy the events of a window, type set and predicate into a new
 * capture. Only segments that can hold such events are read. The process
 * snapshot is rebuilt to name exactly the processes the events mention (and
 * their ancestors), as they were when each first appears: that needs the
 * fork/exec history from the start of the capture, read in a second pass.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ebpfrec/slice.h"
#include "events.h"
#include "internal.h"
#include "proc_history.h"
#include "rewrite.h"
#include "u64map.h"

struct ref {
	uint64_t first_ts; /* first event of the slice that mentions it */
	uint64_t key;
};

struct slice {
	struct ebr_reader *r;
	struct ebr_slice_opts o;
	struct ebr_slice_stats st;
	struct ebr_writer *w;
	struct ebr_seg_out out;
	struct ebr_u64map refs; /* process key -> first ts */
	struct ebr_u64map cgroups; /* cgroup ids to keep */
	const struct ebr_field *child_pid;
	struct ebr_buf procs; /* the new snapshot */
};

static int note_ref(struct slice *s, const struct ebr_event_header *h, uint32_t pid)
{
	uint64_t *v;

	if (!pid)
		return 0; /* the idle task; never a process of its own */
	v = ebr_u64map__upsert(&s->refs, ebr_proc_key(h, pid), h->ts);
	if (!v)
		return -ENOMEM;
	if (h->ts < *v)
		*v = h->ts;
	return 0;
}

static int note_event(struct slice *s, const struct ebr_event_header *h)
{
	int err = note_ref(s, h, h->pid);

	if (!err)
		err = note_ref(s, h, h->ppid);
	if (!err && h->type == EBR_T_FORK && s->child_pid && h->size >= s->child_pid->offset + 4)
		err = note_ref(s, h, (uint32_t)ebr_field__u64(s->child_pid, h));
	if (!err && !ebr_u64map__upsert(&s->cgroups, h->cgroup_id, 1))
		err = -ENOMEM;
	return err;
}

static void add_cursor_stats(struct slice *s, const struct ebr_cursor_stats *cs)
{
	s->st.segments_read += cs->segments_read;
	s->st.segments_skipped += cs->segments_skipped;
	s->st.segments_lost += cs->segments_lost;
}

/* First pass: the events themselves. */
static int copy_events(struct slice *s)
{
	struct ebr_cursor_opts co = { .sz = sizeof(co), .from_ts = s->o.from_ts, .to_ts = s->o.to_ts };
	const struct ebr_event_header *h;
	struct ebr_cursor *c;
	int ret;

	memcpy(co.type_bitmap, s->o.type_bitmap, sizeof(co.type_bitmap));
	c = ebr_cursor__open(s->r, &co);
	if (!c)
		return -errno;
	while ((ret = ebr_cursor__next(c, &h)) > 0) {
		if (s->o.keep && !s->o.keep(h, s->o.keep_ctx))
			continue;
		ret = ebr_seg_out__add(&s->out, h);
		if (!ret)
			ret = note_event(s, h);
		if (ret)
			break;
	}
	add_cursor_stats(s, ebr_cursor__stats(c));
	ebr_cursor__close(c);
	if (!ret)
		ret = ebr_seg_out__flush(&s->out);
	s->st.records = s->out.n_records;
	return ret;
}

static int by_first_ts(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;

	if (x->first_ts != y->first_ts)
		return x->first_ts < y->first_ts ? -1 : 1;
	return x->key < y->key ? -1 : x->key > y->key;
}

static int describe(struct slice *s, struct ebr_proc_history *ph, const struct ref *ref)
{
	int n = ebr_proc_history__describe(ph, ref->key, &s->procs);

	if (n < 0)
		return n;
	if (!ebr_proc_history__known(ph, ref->key))
		s->st.pids_unnamed++;
	return 0;
}

/*
 * Second pass: replay fork and exec from the start of the capture and
 * describe each process just before the first fork/exec after its first
 * appearance in the slice, i.e. as it was when the slice first shows it.
 */
static int build_snapshot(struct slice *s)
{
	struct ebr_cursor_opts co = { .sz = sizeof(co), .to_ts = s->o.to_ts };
	struct ebr_proc_history *ph;
	const struct ebr_event_header *h;
	struct ebr_cursor *c = NULL;
	struct ref *refs;
	size_t n = 0, i = 0;
	int ret = 0;

	if (!s->refs.n)
		return 0;
	refs = malloc(s->refs.n * sizeof(*refs));
	if (!refs)
		return -ENOMEM;
	for (size_t k = 0; k < s->refs.cap; k++)
		if (s->refs.used[k])
			refs[n++] = (struct ref){ .first_ts = s->refs.vals[k], .key = s->refs.keys[k] };
	qsort(refs, n, sizeof(*refs), by_first_ts);
	ph = ebr_proc_history__new(s->r);
	if (!ph) {
		free(refs);
		return -errno;
	}
	ebr_type_bitmap__set(co.type_bitmap, EBR_T_FORK);
	ebr_type_bitmap__set(co.type_bitmap, EBR_T_EXEC);
	c = ebr_cursor__open(s->r, &co);
	if (!c)
		ret = -errno;
	while (!ret && (ret = ebr_cursor__next(c, &h)) > 0) {
		ret = 0;
		while (!ret && i < n && refs[i].first_ts < h->ts)
			ret = describe(s, ph, &refs[i++]);
		if (!ret)
			ret = ebr_proc_history__apply(ph, h);
	}
	while (!ret && i < n)
		ret = describe(s, ph, &refs[i++]);
	if (c)
		s->st.history_segments_read = ebr_cursor__stats(c)->segments_read;
	s->st.procs_synthesized = ebr_proc_history__synthesized(ph);
	ebr_cursor__close(c);
	ebr_proc_history__free(ph);
	free(refs);
	return ret;
}

static int keep_cgroup(const struct ebr_event_header *rec, void *ctx)
{
	struct slice *s = ctx;

	if (rec->type != EBR_T_CGROUP_INFO || !ebr_u64map__get(&s->cgroups, rec->cgroup_id))
		return 0;
	ebr_buf__put(&s->procs, rec, rec->size);
	s->st.cgroups++;
	return s->procs.err;
}

static int write_tables(struct slice *s)
{
	int err;

	/* the processes described need their cgroups named too */
	for (size_t off = 0; off < s->procs.len;) {
		const struct ebr_event_header *h = (const void *)(s->procs.p + off);

		if (!ebr_u64map__upsert(&s->cgroups, h->cgroup_id, 1))
			return -ENOMEM;
		s->st.procs++;
		off += h->size;
	}
	if (s->procs.len) {
		err = ebr_writer__add_meta(s->w, EBR_META_PROCS, s->procs.p, s->procs.len);
		if (err)
			return err;
	}
	s->procs.len = 0;
	err = ebr_reader__meta_records(s->r, EBR_META_CGROUPS, keep_cgroup, s);
	if (!err && s->procs.len)
		err = ebr_writer__add_meta(s->w, EBR_META_CGROUPS, s->procs.p, s->procs.len);
	return err ? err : s->procs.err;
}

static int write_derived(struct slice *s)
{
	const struct ebr_schema *schema = ebr_reader__schema(s->r);
	struct ebr_buf b = {0};
	int first = 1, err;

	ebr_json__derived_begin(&b, "slice", ebr_reader__info(s->r)->uuid_str);
	ebr_json__printf(&b, ",\"from_ts\":%llu,\"to_ts\":%llu,\"types\":",
			 (unsigned long long)s->o.from_ts, (unsigned long long)s->o.to_ts);
	if (!s->o.type_bitmap[0] && !s->o.type_bitmap[1]) {
		ebr_json__printf(&b, "\"all\"");
	} else {
		ebr_json__printf(&b, "[");
		for (size_t i = 0; i < ebr_schema__type_count(schema); i++) {
			const struct ebr_type *t = ebr_schema__type_at(schema, i);

			if (!ebr_type_bitmap__test(s->o.type_bitmap, t->id))
				continue;
			ebr_json__printf(&b, first ? "" : ",");
			ebr_json__str(&b, t->name, strlen(t->name));
			first = 0;
		}
		ebr_json__printf(&b, "]");
	}
	ebr_json__printf(&b, ",\"filter\":");
	if (s->o.keep_desc)
		ebr_json__str(&b, s->o.keep_desc, strlen(s->o.keep_desc));
	else
		ebr_json__printf(&b, s->o.keep ? "\"(a predicate)\"" : "null");
	ebr_json__printf(&b, ",\"records\":%llu,\"procs\":%llu,\"procs_synthesized\":%llu,"
			 "\"cgroups\":%llu,\"pids_unnamed\":%llu}",
			 (unsigned long long)s->st.records, (unsigned long long)s->st.procs,
			 (unsigned long long)s->st.procs_synthesized,
			 (unsigned long long)s->st.cgroups, (unsigned long long)s->st.pids_unnamed);
	err = b.err ? b.err : ebr_writer__add_meta(s->w, EBR_META_DERIVED, b.p, b.len);
	ebr_buf__free(&b);
	return err;
}

/*
 * Drops of the segments the window overlaps; all of them when there is no
 * window. They go into every segment of the slice (by reason and by type)
 * and its trailer: set before the first segment is written.
 */
static int set_drops(struct slice *s)
{
	size_t n = ebr_reader__segment_count(s->r), first = 0, last = 0;
	uint64_t *dbt;
	int err = 0;

	if (!n)
		return 0;
	if (s->o.from_ts)
		first = ebr_reader__seek_segment(s->r, s->o.from_ts);
	for (size_t i = 0; i < n; i++) {
		const struct ebr_segment_info *si = ebr_reader__segment(s->r, i);

		if (!s->o.to_ts || (si->n_records && si->t_first < s->o.to_ts))
			last = i;
	}
	ebr_rewrite__window_drops(s->r, first, last, s->out.drops);
	dbt = calloc((size_t)EBR_DROP_NR * EBR_DROP_TYPE_SLOTS, sizeof(*dbt));
	if (!dbt)
		return -ENOMEM;
	/* the whole capture: what the reader says (its trailer, or its last segment when recovered) */
	if (!s->o.from_ts && !s->o.to_ts)
		ebr_rewrite__drops_by_type(s->r, dbt);
	else
		err = ebr_rewrite__window_drops_by_type(s->r, first, last, dbt);
	if (!err)
		ebr_writer__set_drops_by_type(s->w, dbt, EBR_DROP_NR, EBR_DROP_TYPE_SLOTS);
	free(dbt);
	return err;
}

int ebr_capture__slice(struct ebr_reader *r, const char *out_path, const struct ebr_slice_opts *opts,
		       struct ebr_slice_stats *stats)
{
	/* rebuilt below; and a slice is not a file of the rotated set its input may belong to */
	static const unsigned skip[] = { EBR_META_PROCS, EBR_META_CGROUPS, EBR_META_ROTATION, 0 };
	struct ebr_writer_opts wo = { .sz = sizeof(wo) };
	struct slice s = { .r = r };
	const struct ebr_type *fork_t;
	int err;

	if (opts)
		memcpy(&s.o, opts, opts->sz && opts->sz < sizeof(s.o) ? opts->sz : sizeof(s.o));
	if (s.o.to_ts && s.o.from_ts >= s.o.to_ts) {
		pr_err("the window is empty: --from must be before --to");
		return -EINVAL;
	}
	err = ebr_rewrite__check_paths(ebr_reader__path(r), out_path);
	if (err)
		return err;
	fork_t = ebr_schema__type(ebr_reader__schema(r), EBR_T_FORK);
	s.child_pid = fork_t ? ebr_type__field(fork_t, "child_pid") : NULL;
	ebr_rewrite__writer_opts(ebr_reader__info(r), &wo);
	wo.force = s.o.force;
	wo.compression_level = s.o.compression_level;
	if (s.o.compact)
		wo.segment_encoding = s.o.compact > 0 ? EBR_SEG_ENC_COLUMNS : EBR_SEG_ENC_RECORDS;
	s.w = ebr_writer__open(out_path, &wo);
	if (!s.w)
		return -errno;
	memcpy(s.st.uuid, ebr_writer__uuid(s.w), 16);
	s.out.w = s.w;
	s.out.limit = s.o.segment_bytes;
	err = set_drops(&s);
	if (!err)
		err = ebr_rewrite__copy_meta(r, s.w, skip);
	if (!err)
		err = copy_events(&s);
	if (!err)
		err = build_snapshot(&s);
	if (!err)
		err = write_tables(&s);
	if (!err)
		err = write_derived(&s);
	if (!err) {
		err = ebr_writer__close(s.w);
	} else {
		ebr_writer__abandon(s.w);
		unlink(out_path);
	}
	if (err == -ENOMEM)
		pr_err("out of memory while slicing %s", ebr_reader__path(r));
	ebr_seg_out__free(&s.out);
	ebr_buf__free(&s.procs);
	ebr_u64map__free(&s.refs);
	ebr_u64map__free(&s.cgroups);
	if (stats)
		*stats = s.st;
	return err;
}
