// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Write synthetic captures and read every byte back. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capture_fixture.h"
#include "events.h"
#include "internal.h"

#define N_RECORDS 1000000
#define PER_SEGMENT 8192

static int setup(void **state)
{
	*state = fx_tmpdir();
	return 0;
}

static int teardown(void **state)
{
	fx_rmtree(*state);
	return 0;
}

static void check_info(struct ebr_reader *r, const struct fx_capture *c)
{
	const struct ebr_capture_info *in = ebr_reader__info(r);
	const struct ebr_event_header *first = (const void *)c->recs.p;
	const struct ebr_event_header *last = (const void *)(c->recs.p + c->rec_off[c->n_records - 1]);

	assert_int_equal(in->major, EBR_FORMAT_MAJOR);
	assert_int_equal(in->minor, 0); /* records encoding: 1.0 */
	assert_string_equal(in->uuid_str, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
	assert_int_equal(in->created_wall_ns, 1700000000000000000ULL);
	assert_int_equal(in->boot_to_wall_ns, 1690000000000000000LL);
	assert_int_equal(in->ncpus, 8);
	assert_string_equal(in->host, "fixture-host");
	assert_string_equal(in->kernel_release, "6.1.0-test");
	assert_string_equal(in->kernel_version, "#1 SMP");
	assert_string_equal(in->machine, "x86_64");
	assert_string_equal(in->tool_version, ebr_version());
	assert_int_equal(in->recovered, 0);
	assert_int_equal(in->n_segments_lost, 0);
	assert_true(in->ended_wall_ns != 0);
	assert_int_equal(in->n_records, c->n_records);
	assert_int_equal(in->n_segments, c->n_segs);
	assert_int_equal(in->raw_bytes, c->recs.len);
	assert_int_equal(in->t_first, first->ts);
	assert_int_equal(in->t_last, last->ts);
	for (unsigned d = 0; d < EBR_DROP_REASONS; d++)
		assert_int_equal(in->drops[d], c->drops[(c->n_segs - 1) * EBR_DROP_REASONS + d]);
}

static void check_segments(struct ebr_reader *r, const struct fx_capture *c)
{
	assert_int_equal(ebr_reader__segment_count(r), c->n_segs);
	for (size_t i = 0; i < c->n_segs; i++) {
		const struct ebr_segment_info *s = ebr_reader__segment(r, i);
		size_t a = c->seg_rec[i], b = c->seg_rec[i + 1], len;
		uint64_t bitmap[2] = { 0, 0 };

		fx_capture__recs(c, a, b, &len);
		for (size_t k = a; k < b; k++)
			ebr_type_bitmap__set(bitmap,
					     ((const struct ebr_event_header *)(c->recs.p + c->rec_off[k]))->type);
		assert_int_equal(s->seq, i);
		assert_int_equal(s->n_records, b - a);
		assert_int_equal(s->raw_size, len);
		assert_int_equal(s->t_first, ((const struct ebr_event_header *)(c->recs.p + c->rec_off[a]))->ts);
		assert_int_equal(s->t_last, ((const struct ebr_event_header *)(c->recs.p + c->rec_off[b - 1]))->ts);
		assert_memory_equal(s->type_bitmap, bitmap, sizeof(bitmap));
		assert_memory_equal(s->drops, c->drops + i * EBR_DROP_REASONS, sizeof(s->drops));
	}
	assert_null(ebr_reader__segment(r, c->n_segs));
}

static void check_type_counts(struct ebr_reader *r, const struct fx_capture *c)
{
	static const unsigned types[] = { EBR_T_EXEC,	    EBR_T_FORK,		EBR_T_EXIT,
					  EBR_T_PROC_INFO, EBR_T_PROBE_STATUS, FX_UNKNOWN_TYPE };
	uint64_t want[EBR_T_MAX + 1] = { 0 };

	for (size_t k = 0; k < c->n_records; k++)
		want[((const struct ebr_event_header *)(c->recs.p + c->rec_off[k]))->type]++;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		assert_true(want[types[i]] > 0); /* the mix really is varied */
		assert_int_equal(ebr_reader__type_count(r, types[i]), want[types[i]]);
	}
	assert_int_equal(ebr_reader__type_count(r, EBR_T_SYSCALL), 0);
}

/* Reads every record and compares it with what was written, byte for byte. */
static void check_records(struct ebr_reader *r, const struct fx_capture *c, int unordered)
{
	struct ebr_cursor_opts o = { .sz = sizeof(o), .unordered = unordered };
	struct ebr_cursor *cur = ebr_cursor__open(r, &o);
	const struct ebr_event_header *h;
	const struct ebr_cursor_stats *st;
	size_t n = 0;
	int ret;

	assert_non_null(cur);
	while ((ret = ebr_cursor__next(cur, &h)) > 0) {
		const char *want = c->recs.p + c->rec_off[n];
		size_t len = c->rec_off[n + 1] - c->rec_off[n];

		assert_true(n < c->n_records);
		assert_int_equal((uintptr_t)h % EBR_RECORD_ALIGN, 0);
		assert_int_equal(h->size, len);
		if (memcmp(h, want, len))
			fail_msg("record %zu differs", n);
		n++;
	}
	assert_int_equal(ret, 0);
	assert_int_equal(n, c->n_records);
	st = ebr_cursor__stats(cur);
	assert_int_equal(st->records, c->n_records);
	assert_int_equal(st->segments_read, c->n_segs);
	assert_int_equal(st->segments_skipped, 0);
	assert_int_equal(st->segments_lost, 0);
	assert_int_equal(st->records_invalid, 0);
	assert_int_equal(ebr_cursor__next(cur, &h), 0); /* end is sticky */
	ebr_cursor__close(cur);
}

static void test_million_records(void **state)
{
	struct fx_opts o = { .n_records = N_RECORDS, .per_segment = PER_SEGMENT, .seed = 1,
			     .with_unknown = 1 };
	char *path = fx_path(*state, "million.ebc");
	struct fx_capture c;
	struct ebr_reader *r;
	unsigned kind;
	const void *data;
	size_t len;

	assert_int_equal(fx_capture__build(&c, path, &o), 0);
	assert_true(c.n_segs > 100);
	r = ebr_reader__open(path);
	assert_non_null(r);
	check_info(r, &c);
	check_segments(r, &c);
	check_type_counts(r, &c);
	check_records(r, &c, 0);
	check_records(r, &c, 1);

	assert_int_equal(ebr_reader__meta_count(r), 2);
	assert_int_equal(ebr_reader__meta(r, 0, &kind, &data, &len), 0);
	assert_int_equal(kind, EBR_META_SCHEMA);
	assert_int_equal(ebr_reader__meta(r, 1, &kind, &data, &len), 0);
	assert_int_equal(kind, EBR_META_NOTE);
	assert_int_equal(len, 7);
	assert_string_equal(data, "fixture");
	assert_int_equal(ebr_reader__meta(r, 2, &kind, &data, &len), -ENOENT);
	assert_non_null(ebr_type__field(ebr_schema__type(ebr_reader__schema(r), EBR_T_EXEC), "filename"));

	ebr_reader__close(r);
	fx_capture__free(&c);
	free(path);
}

/*
 * Records of one segment arrive out of order (CPUs interleave in the ring
 * buffer): the cursor sorts them by ts, keeping file order on ties, unless
 * asked for file order.
 */
static void test_segment_sorted_by_ts(void **state)
{
	static const uint64_t ts[] = { 50, 10, 30, 10, 70, 20, 30, 60 };
	static const uint32_t sorted_ids[] = { 1, 3, 5, 2, 6, 0, 7, 4 };
	const size_t n = sizeof(ts) / sizeof(ts[0]);
	struct ebr_writer_opts wo = { .sz = sizeof(wo) };
	char *path = fx_path(*state, "sorted.ebc");
	struct ebr_buf recs = { 0 }, got = { 0 };
	struct fx_rng rng = { 7 };
	size_t off[8];
	struct ebr_writer *w;
	struct ebr_reader *r;
	struct ebr_cursor_opts co = { .sz = sizeof(co) };

	for (size_t i = 0; i < n; i++)
		off[i] = fx_append_record(&recs, &rng, ts[i], (uint32_t)i, 1);
	w = ebr_writer__open(path, &wo);
	assert_non_null(w);
	assert_int_equal(ebr_writer__add_segment(w, recs.p, recs.len, NULL, 0), 0);
	assert_int_equal(ebr_writer__close(w), 0);
	r = ebr_reader__open(path);
	assert_non_null(r);
	assert_int_equal(ebr_reader__segment(r, 0)->t_first, 10);
	assert_int_equal(ebr_reader__segment(r, 0)->t_last, 70);

	assert_int_equal(fx_read_all(r, &co, &got, NULL), n);
	for (size_t i = 0, o = 0; i < n; i++) {
		const struct ebr_event_header *h = (const void *)(got.p + o);
		size_t k = sorted_ids[i];

		assert_int_equal(h->pid, k);
		assert_memory_equal(h, recs.p + off[k], h->size);
		o += h->size;
	}
	got.len = 0;
	co.unordered = 1;
	assert_int_equal(fx_read_all(r, &co, &got, NULL), n);
	assert_int_equal(got.len, recs.len);
	assert_memory_equal(got.p, recs.p, recs.len);

	ebr_reader__close(r);
	ebr_buf__free(&recs);
	ebr_buf__free(&got);
	free(path);
}

/*
 * Big segments, nearly sorted (neighbours swapped, as two CPUs interleave)
 * and fully reversed with ties (far from sorted): the same stable order as a
 * full sort by (ts, file position).
 */
static void check_big_order(void **state, const char *name, uint64_t (*ts_of)(size_t i), size_t n)
{
	struct ebr_writer_opts wo = { .sz = sizeof(wo) };
	struct ebr_cursor_opts co = { .sz = sizeof(co) };
	char *path = fx_path(*state, name);
	struct ebr_buf recs = { 0 }, got = { 0 };
	struct fx_rng rng = { 11 };
	struct ebr_writer *w;
	struct ebr_reader *r;
	uint64_t last_ts = 0;
	uint32_t last_id = 0;

	for (size_t i = 0; i < n; i++)
		fx_append_record(&recs, &rng, ts_of(i), (uint32_t)i, 0);
	w = ebr_writer__open(path, &wo);
	assert_non_null(w);
	assert_int_equal(ebr_writer__add_segment(w, recs.p, recs.len, NULL, 0), 0);
	assert_int_equal(ebr_writer__close(w), 0);
	r = ebr_reader__open(path);
	assert_non_null(r);
	assert_int_equal(fx_read_all(r, &co, &got, NULL), n);
	for (size_t o = 0, i = 0; o < got.len; i++) {
		const struct ebr_event_header *h = (const void *)(got.p + o);

		/* ts never goes back; on equal ts, the record written first comes first */
		if (i) {
			assert_true(h->ts >= last_ts);
			if (h->ts == last_ts)
				assert_true(h->pid > last_id);
		}
		assert_int_equal(h->ts, ts_of(h->pid));
		last_ts = h->ts;
		last_id = h->pid;
		o += h->size;
	}
	ebr_reader__close(r);
	ebr_buf__free(&recs);
	ebr_buf__free(&got);
	free(path);
}

static uint64_t ts_swapped_pairs(size_t i)
{
	return 1000 + 10 * (i ^ 1) + (i % 7 == 0 ? 10 : 0); /* some ties too */
}

static uint64_t ts_reversed(size_t i)
{
	return 1000000 - 10 * (i / 3); /* runs of three equal ts, descending */
}

static void test_big_segment_order(void **state)
{
	check_big_order(state, "swapped.ebc", ts_swapped_pairs, 20000);
	check_big_order(state, "reversed.ebc", ts_reversed, 20000);
}

/* A malformed record makes add_segment fail and leaves no trace in the file. */
static void test_malformed_segment_rejected(void **state)
{
	struct ebr_writer_opts wo = { .sz = sizeof(wo) };
	char *path = fx_path(*state, "malformed.ebc");
	struct ebr_buf recs = { 0 };
	struct fx_rng rng = { 3 };
	struct ebr_event_header *h;
	struct ebr_writer *w;
	struct ebr_reader *r;
	size_t good_len, bad;

	fx_append_record(&recs, &rng, 100, 0, 0);
	good_len = recs.len;
	bad = fx_append_record(&recs, &rng, 200, 1, 0);
	h = (void *)(recs.p + bad);
	h->type = EBR_T_FORK;
	h->size = 100; /* not a multiple of 8 */
	w = ebr_writer__open(path, &wo);
	assert_non_null(w);
	fx_log_capture();
	assert_int_equal(ebr_writer__add_segment(w, recs.p, recs.len, NULL, 0), -EINVAL);
	assert_string_equal(fx_log_text(), "segment 0 holds a malformed record; not written\n");
	fx_log_restore();
	assert_int_equal(ebr_writer__add_segment(w, recs.p, good_len, NULL, 0), 0);
	assert_int_equal(ebr_writer__stats(w)->n_segments, 1);
	assert_int_equal(ebr_writer__stats(w)->n_records, 1);
	assert_int_equal(ebr_writer__close(w), 0);

	r = ebr_reader__open(path);
	assert_non_null(r);
	assert_int_equal(ebr_reader__info(r)->n_records, 1);
	assert_int_equal(ebr_reader__segment(r, 0)->seq, 0);
	/* the rejected segment's first record was not counted */
	assert_int_equal(ebr_reader__type_count(r, ((struct ebr_event_header *)recs.p)->type), 1);
	ebr_reader__close(r);
	ebr_buf__free(&recs);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_million_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_segment_sorted_by_ts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_segment_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_segment_rejected, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
