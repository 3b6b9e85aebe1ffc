// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Time seeks and type filters agree with a linear scan of what was written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capture_fixture.h"
#include "events.h"

#define N_RECORDS 20000
#define PER_SEGMENT 100
#define N_WINDOWS 1000

struct seek_fixture {
	char *dir;
	char *path;
	struct fx_capture c;
	struct ebr_reader *r;
	uint64_t t_min, t_max;
};

static const struct ebr_event_header *rec(const struct fx_capture *c, size_t i)
{
	return (const void *)(c->recs.p + c->rec_off[i]);
}

static int setup(void **state)
{
	struct seek_fixture *f = calloc(1, sizeof(*f));
	/* gaps of 0 give records with equal timestamps, also across segment edges */
	struct fx_opts o = { .n_records = N_RECORDS, .per_segment = PER_SEGMENT, .seed = 42,
			     .max_gap = 3, .with_unknown = 1 };

	assert_non_null(f);
	f->dir = fx_tmpdir();
	f->path = fx_path(f->dir, "seek.ebc");
	assert_int_equal(fx_capture__build(&f->c, f->path, &o), 0);
	f->r = ebr_reader__open(f->path);
	assert_non_null(f->r);
	f->t_min = rec(&f->c, 0)->ts;
	f->t_max = rec(&f->c, N_RECORDS - 1)->ts;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct seek_fixture *f = *state;

	ebr_reader__close(f->r);
	fx_capture__free(&f->c);
	free(f->path);
	fx_rmtree(f->dir);
	free(f);
	return 0;
}

/* The first segment holding an event at or after ts, found the slow way. */
static size_t linear_seek(struct ebr_reader *r, uint64_t ts)
{
	size_t n = ebr_reader__segment_count(r);

	for (size_t i = 0; i < n; i++)
		if (ebr_reader__segment(r, i)->t_last >= ts)
			return i;
	return n;
}

static void test_seek_segment_linear(void **state)
{
	struct seek_fixture *f = *state;
	size_t n = ebr_reader__segment_count(f->r);
	struct fx_rng rng = { 99 };

	assert_int_equal(n, N_RECORDS / PER_SEGMENT);
	assert_int_equal(ebr_reader__seek_segment(f->r, 0), 0);
	assert_int_equal(ebr_reader__seek_segment(f->r, f->t_max + 1), n);
	assert_int_equal(ebr_reader__seek_segment(f->r, UINT64_MAX), n);
	for (size_t i = 0; i < n; i++) {
		const struct ebr_segment_info *s = ebr_reader__segment(f->r, i);
		const uint64_t probes[] = { s->t_first - 1, s->t_first, s->t_first + 1, s->t_last - 1,
					    s->t_last, s->t_last + 1 };

		for (size_t k = 0; k < sizeof(probes) / sizeof(probes[0]); k++)
			assert_int_equal(ebr_reader__seek_segment(f->r, probes[k]),
					 linear_seek(f->r, probes[k]));
	}
	for (int i = 0; i < 10000; i++) {
		uint64_t ts = f->t_min - 10 + fx_below(&rng, f->t_max - f->t_min + 20);

		assert_int_equal(ebr_reader__seek_segment(f->r, ts), linear_seek(f->r, ts));
	}
}

static int in_window(const struct ebr_cursor_opts *o, const struct ebr_event_header *h)
{
	if (o->from_ts && h->ts < o->from_ts)
		return 0;
	if (o->to_ts && h->ts >= o->to_ts)
		return 0;
	return (!o->type_bitmap[0] && !o->type_bitmap[1]) || ebr_type_bitmap__test(o->type_bitmap, h->type);
}

/* Reads one window and compares it with the records a linear scan selects. */
static void check_window(struct seek_fixture *f, const struct ebr_cursor_opts *o)
{
	struct ebr_cursor *c = ebr_cursor__open(f->r, o);
	const struct ebr_event_header *h;
	const struct ebr_cursor_stats *st;
	size_t next = 0, n = 0, n_segs = ebr_reader__segment_count(f->r);
	size_t start = o->from_ts ? linear_seek(f->r, o->from_ts) : 0, read = 0;
	int any = !o->type_bitmap[0] && !o->type_bitmap[1];
	int ret;

	assert_non_null(c);
	while ((ret = ebr_cursor__next(c, &h)) > 0) {
		while (next < N_RECORDS && !in_window(o, rec(&f->c, next)))
			next++;
		assert_true(next < N_RECORDS);
		assert_int_equal(h->pid, next); /* the fixture's record id */
		assert_memory_equal(h, rec(&f->c, next), h->size);
		next++;
		n++;
	}
	assert_int_equal(ret, 0);
	while (next < N_RECORDS && !in_window(o, rec(&f->c, next)))
		next++;
	assert_int_equal(next, N_RECORDS); /* nothing in the window was missed */

	for (size_t i = start; i < n_segs; i++) {
		const struct ebr_segment_info *s = ebr_reader__segment(f->r, i);

		if ((!o->from_ts || s->t_last >= o->from_ts) && (!o->to_ts || s->t_first < o->to_ts) &&
		    (any || (s->type_bitmap[0] & o->type_bitmap[0]) ||
		     (s->type_bitmap[1] & o->type_bitmap[1])))
			read++;
	}
	st = ebr_cursor__stats(c);
	assert_int_equal(st->records, n);
	assert_int_equal(st->segments_read, read);
	assert_int_equal(st->segments_skipped, n_segs - start - read);
	assert_int_equal(st->segments_lost, 0);
	ebr_cursor__close(c);
}

static void test_random_windows(void **state)
{
	static const unsigned types[] = { EBR_T_EXEC,	    EBR_T_FORK,		EBR_T_EXIT,
					  EBR_T_PROC_INFO, EBR_T_PROBE_STATUS, FX_UNKNOWN_TYPE };
	struct seek_fixture *f = *state;
	uint64_t span = f->t_max - f->t_min;
	struct fx_rng rng = { 2024 };

	for (int i = 0; i < N_WINDOWS; i++) {
		struct ebr_cursor_opts o = { .sz = sizeof(o) };
		unsigned shape = (unsigned)fx_below(&rng, 10);

		o.from_ts = f->t_min - 5 + fx_below(&rng, span + 10);
		o.to_ts = o.from_ts + fx_below(&rng, span / 20);
		if (shape == 0)
			o.from_ts = 0; /* from the start */
		else if (shape == 1)
			o.to_ts = 0; /* to the end */
		else if (shape == 2)
			o.to_ts = o.from_ts; /* empty */
		else if (shape == 3)
			o.from_ts = rec(&f->c, fx_below(&rng, N_RECORDS))->ts; /* on a record */
		if (fx_below(&rng, 4) == 0)
			for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); k++)
				if (fx_below(&rng, 2))
					ebr_type_bitmap__set(o.type_bitmap, types[k]);
		check_window(f, &o);
	}
}

/*
 * Segments need not be in time order (a late CPU flushes old events): the
 * seek must still find every segment that can hold a wanted event.
 */
static void test_overlapping_segments(void **state)
{
	static const uint64_t ranges[][2] = { { 10, 100 }, { 50, 60 }, { 70, 200 }, { 150, 160 },
					      { 300, 400 }, { 5, 6 } };
	const size_t n = sizeof(ranges) / sizeof(ranges[0]);
	char *dir = fx_tmpdir(), *path = fx_path(dir, "overlap.ebc");
	struct ebr_writer_opts wo = { .sz = sizeof(wo) };
	struct ebr_writer *w = ebr_writer__open(path, &wo);
	struct ebr_reader *r;
	struct fx_rng rng = { 5 };

	(void)state;
	assert_non_null(w);
	for (size_t i = 0; i < n; i++) {
		struct ebr_buf b = { 0 };

		fx_append_record(&b, &rng, ranges[i][0], (uint32_t)(2 * i), 0);
		fx_append_record(&b, &rng, ranges[i][1], (uint32_t)(2 * i + 1), 0);
		assert_int_equal(ebr_writer__add_segment(w, b.p, b.len, NULL, 0), 0);
		ebr_buf__free(&b);
	}
	assert_int_equal(ebr_writer__close(w), 0);
	r = ebr_reader__open(path);
	assert_non_null(r);
	for (uint64_t ts = 0; ts <= 410; ts++) {
		struct ebr_cursor_opts o = { .sz = sizeof(o), .from_ts = ts };
		struct ebr_buf got = { 0 };
		size_t want = 0, have;

		assert_int_equal(ebr_reader__seek_segment(r, ts), linear_seek(r, ts));
		for (size_t i = 0; i < n; i++)
			want += (ranges[i][0] >= ts || !ts) + (ranges[i][1] >= ts || !ts);
		have = fx_read_all(r, &o, &got, NULL);
		assert_int_equal(have, want);
		ebr_buf__free(&got);
	}
	ebr_reader__close(r);
	free(path);
	fx_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seek_segment_linear),
		cmocka_unit_test(test_random_windows),
		cmocka_unit_test(test_overlapping_segments),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
