// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * merge: events of several captures in wall-clock order, each recoverable
 * to its source byte for byte, counts adding up; merged captures merge again.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capture_fixture.h"
#include "ebpfrec/merge.h"
#include "ebpfrec/schema.h"
#include "events.h"
#include "layout.h"
#include "world_fixture.h"

#define B0 1690000000000000000LL
#define N_IN 3

static const struct {
	const char *host;
	int64_t b2w;
	uint64_t ts_start;
	unsigned children;
} spec[N_IN + 1] = {
	{ "alpha", B0, 10000000000ULL, 30 },
	{ "beta", B0 + 7000000000LL, 3020000000ULL, 25 }, /* booted 7 s later: overlaps alpha */
	{ "gamma", B0 - 2000000000LL, 12010000000ULL, 35 }, /* booted first: the merged clock */
	{ "delta", B0 + 1000000000LL, 9000000000ULL, 10 },
};

struct env {
	char *dir, *in[N_IN + 1];
	struct w_capture w[N_IN + 1];
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	e->dir = fx_tmpdir();
	for (unsigned i = 0; i <= N_IN; i++) {
		struct w_opts o = { .seed = 100 + i, .n_children = spec[i].children, .per_segment = 37,
				    .ts_start = spec[i].ts_start, .boot_to_wall_ns = spec[i].b2w,
				    .host = spec[i].host };
		char name[32];

		snprintf(name, sizeof(name), "%s.ebc", spec[i].host);
		e->in[i] = fx_path(e->dir, name);
		w_build(e->in[i], &o, &e->w[i]);
	}
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	for (unsigned i = 0; i <= N_IN; i++)
		free(e->in[i]);
	fx_rmtree(e->dir);
	free(e);
	return 0;
}

/* Undo what merge did to a record: its source bits and the clock shift. */
static void unshift(struct ebr_event_header *h, int64_t off)
{
	const struct ebr_type *t = ebr_schema__type(ebr_schema__builtin(), h->type);

	h->flags &= ~EBR_HDR_SOURCE_MASK;
	for (uint32_t i = 0; i < t->n_fields; i++) {
		const struct ebr_field *f = &t->fields[i];
		uint64_t v;

		if (f->hint != EBR_FH_TS || f->kind != EBR_FK_U64)
			continue;
		memcpy(&v, (char *)h + f->offset, 8);
		if (v)
			v -= (uint64_t)off;
		memcpy((char *)h + f->offset, &v, 8);
	}
}

/* The records of source id, as they were in their own capture. */
static size_t extract(const struct ebr_buf *all, unsigned id, int64_t off, struct ebr_buf *out)
{
	size_t n = 0;

	for (size_t o = 0; o < all->len; o += ((struct ebr_event_header *)(all->p + o))->size) {
		const struct ebr_event_header *h = (const void *)(all->p + o);
		size_t at = out->len;

		if (ebr_record__source(h) != id)
			continue;
		ebr_buf__put(out, h, h->size);
		unshift((struct ebr_event_header *)(out->p + at), off);
		n++;
	}
	return n;
}

static void check_source(const struct ebr_buf *all, const struct ebr_merge_source *s, const char *path)
{
	struct ebr_buf want = {0}, got = {0};
	struct ebr_reader *r = ebr_reader__open(path);
	size_t n = w_read(r, 0, 0, NULL, NULL, NULL, &want);

	assert_int_equal(extract(all, s->id, s->ts_offset_ns, &got), n);
	assert_int_equal(s->n_records, n);
	assert_int_equal(got.len, want.len);
	assert_memory_equal(got.p, want.p, want.len);
	assert_memory_equal(s->uuid, ebr_reader__info(r)->uuid, 16);
	assert_string_equal(s->host, ebr_reader__info(r)->host);
	assert_int_equal(s->boot_to_wall_ns, ebr_reader__info(r)->boot_to_wall_ns);
	ebr_reader__close(r);
	ebr_buf__free(&want);
	ebr_buf__free(&got);
}

static char *merge(struct env *e, const char *name, const char *const *paths, size_t n,
		   struct ebr_merge_stats *st)
{
	struct ebr_merge_opts mo = { .sz = sizeof(mo), .segment_bytes = 8192 };
	struct ebr_reader *r[8];
	char *out = fx_path(e->dir, name);
	int err;

	for (size_t i = 0; i < n; i++)
		assert_non_null(r[i] = ebr_reader__open(paths[i]));
	err = ebr_capture__merge(r, n, out, &mo, st);
	for (size_t i = 0; i < n; i++)
		ebr_reader__close(r[i]);
	assert_int_equal(err, 0);
	return out;
}

static void test_merge_three(void **state)
{
	struct env *e = *state;
	const char *paths[N_IN] = { e->in[0], e->in[1], e->in[2] };
	struct ebr_merge_stats st;
	char *out = merge(e, "merged.ebc", paths, N_IN, &st);
	struct ebr_reader *r = ebr_reader__open(out);
	const struct ebr_capture_info *info = ebr_reader__info(r);
	struct ebr_merge_source *src;
	struct ebr_buf all = {0}, procs = {0};
	size_t n, ns, total = 0;
	uint64_t last_wall = 0, drops0 = 0;
	int interleaved = 0;
	unsigned prev_src = 0;

	for (unsigned i = 0; i < N_IN; i++)
		total += e->w[i].n_events;
	assert_int_equal(st.records, total);
	assert_int_equal(st.n_sources, N_IN);
	assert_false(info->recovered);
	assert_int_equal(info->boot_to_wall_ns, B0 - 2000000000LL); /* gamma booted first */
	assert_string_equal(info->host, "alpha,beta,gamma");
	n = w_read(r, 0, 0, NULL, NULL, NULL, &all);
	assert_int_equal(n, total);
	/* one wall-clock order across the inputs */
	for (size_t o = 0; o < all.len; o += ((struct ebr_event_header *)(all.p + o))->size) {
		const struct ebr_event_header *h = (const void *)(all.p + o);
		uint64_t wall = h->ts + (uint64_t)info->boot_to_wall_ns;

		assert_true(wall >= last_wall);
		last_wall = wall;
		assert_true(ebr_record__source(h) >= 1 && ebr_record__source(h) <= N_IN);
		interleaved += prev_src && ebr_record__source(h) != prev_src;
		prev_src = ebr_record__source(h);
	}
	assert_true(interleaved > 10); /* the inputs overlap in time: the test means something */
	/* every event's source is recoverable, and so is the event itself */
	assert_int_equal(ebr_merge__sources(r, &src, &ns), 0);
	assert_int_equal(ns, N_IN);
	for (unsigned i = 0; i < N_IN; i++) {
		assert_int_equal(src[i].id, i + 1);
		assert_int_equal(src[i].ts_offset_ns, spec[i].b2w - info->boot_to_wall_ns);
		assert_ptr_equal(ebr_merge__find_source(src, ns, i + 1), &src[i]);
		check_source(&all, &src[i], e->in[i]);
	}
	assert_null(ebr_merge__find_source(src, ns, 9));
	/* the snapshots are all there, each record marked with its source */
	assert_int_equal(w_meta_records(r, EBR_META_PROCS, &procs), 3 * N_IN);
	for (size_t o = 0; o < procs.len; o += ((struct ebr_event_header *)(procs.p + o))->size)
		assert_true(ebr_record__source((const void *)(procs.p + o)) >= 1);
	assert_int_equal(ebr_reader__cgroup_count(r), 4 * N_IN);
	/* counts add up: events by type, drops */
	for (unsigned i = 0; i < N_IN; i++) {
		struct ebr_reader *ri = ebr_reader__open(e->in[i]);

		drops0 += ebr_reader__info(ri)->drops[0];
		ebr_reader__close(ri);
	}
	assert_int_equal(info->drops[0], drops0);
	free(src);
	ebr_reader__close(r);
	ebr_buf__free(&all);
	ebr_buf__free(&procs);
	free(out);
}

/* A merged capture merges again: its sources are carried over, then the new one added. */
static void test_merge_of_merge(void **state)
{
	struct env *e = *state;
	const char *first[2] = { e->in[0], e->in[2] };
	char *m1 = merge(e, "m1.ebc", first, 2, NULL);
	const char *second[2] = { m1, e->in[3] };
	char *m2 = merge(e, "m2.ebc", second, 2, NULL);
	struct ebr_reader *r = ebr_reader__open(m2);
	struct ebr_merge_source *src;
	struct ebr_buf all = {0};
	size_t ns;

	assert_int_equal(ebr_merge__sources(r, &src, &ns), 0);
	assert_int_equal(ns, 3);
	assert_string_equal(src[0].host, "alpha");
	assert_string_equal(src[1].host, "gamma");
	assert_string_equal(src[2].host, "delta");
	w_read(r, 0, 0, NULL, NULL, NULL, &all);
	check_source(&all, &src[0], e->in[0]);
	check_source(&all, &src[1], e->in[2]);
	check_source(&all, &src[2], e->in[3]);
	free(src);
	ebr_reader__close(r);
	ebr_buf__free(&all);
	free(m1);
	free(m2);
}

static void test_refusals(void **state)
{
	struct env *e = *state;
	struct w_opts o = { .seed = 1, .n_children = 3, .machine = "aarch64" };
	struct w_capture w;
	char *arm = fx_path(e->dir, "arm.ebc"), *out = fx_path(e->dir, "mixed.ebc");
	struct ebr_reader *r[2];
	struct ebr_merge_source *src;
	size_t ns;

	w_build(arm, &o, &w);
	r[0] = ebr_reader__open(e->in[0]);
	r[1] = ebr_reader__open(arm);
	fx_log_capture();
	/* syscall numbers differ between architectures */
	assert_int_equal(ebr_capture__merge(r, 2, out, NULL, NULL), -EINVAL);
	assert_non_null(strstr(fx_log_text(), "different architectures"));
	/* the output is never one of the inputs */
	assert_int_equal(ebr_capture__merge(r, 1, e->in[0], NULL, NULL), -EINVAL);
	fx_log_restore();
	/* a capture that is not a merge has no sources, and its records no source id */
	assert_int_equal(ebr_merge__sources(r[0], &src, &ns), 0);
	assert_int_equal(ns, 0);
	ebr_reader__close(r[0]);
	ebr_reader__close(r[1]);
	free(src);
	free(arm);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_three),
		cmocka_unit_test(test_merge_of_merge),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
