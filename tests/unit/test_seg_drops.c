// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Drops by type in segment headers (docs/format.md 7.2): every segment
 * carries the cumulative counts as of itself, so a capture cut anywhere
 * (recorder killed, disk full) still says them as of its last whole
 * segment; with a trailer, the trailer's stand. repair writes them into the
 * new trailer; slice, merge and redact carry them into every segment they
 * write. The writer bounds them, and writes an empty segment when only they
 * changed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "capture_fixture.h"
#include "ebpfrec/merge.h"
#include "ebpfrec/redact.h"
#include "ebpfrec/repair.h"
#include "ebpfrec/slice.h"
#include "events.h"
#include "internal.h"
#include "reader_internal.h"

#define N_SEGS 8
#define PER_SEG 8
#define SLOTS EBR_DROP_TYPE_SLOTS

struct env {
	char *dir, *path;
	struct fx_capture c;
	char *file;
	size_t len;
	uint64_t seg_end[N_SEGS]; /* end of each segment's block and data */
	uint64_t seg_off[N_SEGS];
	uint64_t trailer_off;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	struct fx_opts o = { .n_records = N_SEGS * PER_SEG, .per_segment = PER_SEG, .seed = 5,
			     .drops_by_type = 1 };
	struct ebr_reader *r;
	size_t tlen;

	assert_non_null(e);
	e->dir = fx_tmpdir();
	e->path = fx_path(e->dir, "drops.ebc");
	assert_int_equal(fx_capture__build(&e->c, e->path, &o), 0);
	e->file = fx_read_file(e->path, &e->len);
	r = ebr_reader__open(e->path);
	assert_non_null(r);
	assert_int_equal(ebr_reader__segment_count(r), N_SEGS);
	for (size_t i = 0; i < N_SEGS; i++) {
		uint64_t off;
		uint32_t len;

		e->seg_off[i] = ebr_reader__segment(r, i)->offset;
		fx_segment_data(e->file, e->seg_off[i], &off, &len);
		e->seg_end[i] = off + len;
	}
	ebr_reader__close(r);
	free(fx_trailer(e->file, e->len, &e->trailer_off, &tlen));
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	fx_capture__free(&e->c);
	free(e->file);
	free(e->path);
	fx_rmtree(e->dir);
	free(e);
	return 0;
}

/* Non-zero entries fx_drops_by_type gives for segment seg. */
static size_t fx_entries(size_t seg)
{
	size_t n = 0;

	for (unsigned d = 0; d < EBR_DROP_NR; d++)
		for (unsigned t = 0; t < SLOTS; t++)
			n += fx_drops_by_type(seg, d, t) != 0;
	return n;
}

/*
 * r says exactly the fixture's drops by type as of segment seg (times mult,
 * for a merge), none when seg is -1; and for the reasons that have them,
 * they add up to r's per-reason totals.
 */
static void assert_dbt(const struct ebr_reader *r, long seg, uint64_t mult)
{
	const struct ebr_capture_info *in = ebr_reader__info(r);

	for (unsigned d = 0; d < EBR_DROP_NR; d++) {
		uint64_t sum = 0;

		for (unsigned t = 0; t < SLOTS; t++) {
			uint64_t want = seg < 0 ? 0 : mult * fx_drops_by_type((size_t)seg, d, t);

			if (ebr_reader__drops_by_type(r, d, t) != want)
				fail_msg("reason %u type %u: %llu, want %llu", d, t,
					 (unsigned long long)ebr_reader__drops_by_type(r, d, t),
					 (unsigned long long)want);
			sum += want;
		}
		if (d <= EBR_DROP_TRUNCATED)
			assert_int_equal(sum, in->drops[d]);
	}
	assert_int_equal(ebr_reader__drops_by_type(r, 0, SLOTS), 0);
	assert_int_equal(ebr_reader__drops_by_type(r, EBR_DROP_NR, EBR_T_SYSCALL), 0);
}

/* The entries of segment i's header are exactly fx_drops_by_type(seg), times mult, in order. */
static void assert_segment_dbt(struct ebr_reader *r, size_t i, size_t seg, uint64_t mult)
{
	struct ebr_drop_by_type_disk *d;
	size_t n, k = 0;

	assert_int_equal(ebr_reader__segment_drops_by_type(r, i, &d, &n), 0);
	assert_int_equal(n, fx_entries(seg));
	for (unsigned reason = 0; reason < EBR_DROP_NR; reason++)
		for (unsigned t = 0; t < SLOTS; t++) {
			uint64_t want = fx_drops_by_type(seg, reason, t);

			if (!want)
				continue;
			assert_int_equal(d[k].reason, reason);
			assert_int_equal(d[k].type, t);
			assert_int_equal(d[k].reserved, 0);
			assert_int_equal(d[k].count, mult * want);
			k++;
		}
	free(d);
}

/* Every segment carries its own cumulative counts; the trailer says the last segment's. */
static void test_every_segment(void **state)
{
	struct env *e = *state;
	struct ebr_reader *r = ebr_reader__open(e->path);

	assert_non_null(r);
	assert_false(ebr_reader__info(r)->recovered);
	/* they grow: 5 entries at first, then open, then the folded slot of rate limits */
	assert_int_equal(fx_entries(0), 5);
	assert_int_equal(fx_entries(2), 10);
	assert_int_equal(fx_entries(3), 11);
	for (size_t i = 0; i < N_SEGS; i++)
		assert_segment_dbt(r, i, i, 1);
	assert_dbt(r, N_SEGS - 1, 1);
	ebr_reader__close(r);
}

/* Cut at every offset: the counts of the last whole segment, or the trailer's once it is whole. */
static void test_cut_anywhere(void **state)
{
	struct env *e = *state;
	char *cut = fx_path(e->dir, "cut.ebc");

	for (uint64_t at = e->seg_off[0]; at <= e->len; at++) {
		struct ebr_reader *r;
		long last = -1;

		for (size_t i = 0; i < N_SEGS; i++)
			if (e->seg_end[i] <= at)
				last = (long)i;
		fx_write_file(cut, e->file, at);
		r = ebr_reader__open(cut);
		assert_non_null(r);
		assert_int_equal(ebr_reader__info(r)->recovered, at < e->len);
		assert_int_equal(ebr_reader__segment_count(r), (size_t)(last + 1));
		assert_dbt(r, last, 1);
		ebr_reader__close(r);
	}
	unlink(cut);
	free(cut);
}

/* The DROPS_BY_TYPE section of a closed capture's trailer, as entries: how many. */
static size_t trailer_dbt_entries(const char *path)
{
	size_t len, tlen, n = (size_t)-1;
	char *file = fx_read_file(path, &len);
	uint64_t toff;
	char *t = fx_trailer(file, len, &toff, &tlen);

	for (size_t o = 0; o + sizeof(struct ebr_trailer_section_disk) <= tlen;) {
		struct ebr_trailer_section_disk sh;

		memcpy(&sh, t + o, sizeof(sh));
		o += sizeof(sh);
		if (sh.section == EBR_TRAILER_DROPS_BY_TYPE)
			n = sh.len / sizeof(struct ebr_drop_by_type_disk);
		o += sh.len;
	}
	free(t);
	free(file);
	return n;
}

static void repair_and_check(struct env *e, const char *in, int in_place, long want_seg)
{
	char *out = fx_path(e->dir, "fixed.ebc");
	struct ebr_repair_opts ro = { .sz = sizeof(ro), .force = 1 };
	struct ebr_repair_report rep;
	const char *target = in_place ? in : out;
	struct ebr_reader *r;

	assert_int_equal(ebr_capture__repair(in, in_place ? NULL : out, &ro, &rep), 0);
	assert_true(rep.written);
	r = ebr_reader__open(target);
	assert_non_null(r);
	assert_false(ebr_reader__info(r)->recovered);
	assert_dbt(r, want_seg, 1);
	ebr_reader__close(r);
	assert_int_equal(trailer_dbt_entries(target), want_seg < 0 ? 0 : fx_entries((size_t)want_seg));
	unlink(out);
	free(out);
}

/* repair of a cut capture writes the last whole segment's counts into its new trailer. */
static void test_repair_writes_them(void **state)
{
	struct env *e = *state;
	char *cut = fx_path(e->dir, "cut.ebc");
	const uint64_t cuts[] = { e->seg_off[0], e->seg_end[0], e->seg_end[3] + 30, e->seg_end[5],
				  e->seg_end[N_SEGS - 1] + 5 };
	const long want[] = { -1, 0, 3, 5, N_SEGS - 1 };

	for (size_t k = 0; k < sizeof(cuts) / sizeof(cuts[0]); k++)
		for (int in_place = 0; in_place < 2; in_place++) {
			fx_write_file(cut, e->file, cuts[k]);
			repair_and_check(e, cut, in_place, want[k]);
		}
	unlink(cut);
	free(cut);
}

/*
 * A last segment whose data is damaged is dropped by repair, and its
 * counters with it: by type as by reason, those of the segment before.
 */
static void test_repair_damaged_last(void **state)
{
	struct env *e = *state;
	char *cut = fx_path(e->dir, "cut.ebc");
	char *file = malloc(e->len);
	uint64_t off;
	uint32_t len;
	struct ebr_reader *r;

	for (int closed = 0; closed < 2; closed++) {
		memcpy(file, e->file, e->len);
		fx_segment_data(file, e->seg_off[N_SEGS - 1], &off, &len);
		file[off + len / 2] ^= 0x40;
		fx_write_file(cut, file, closed ? e->len : e->trailer_off);
		r = ebr_reader__open(cut);
		assert_non_null(r);
		/* the header is whole: the reader still says that segment's counts */
		assert_int_equal(ebr_reader__info(r)->recovered, !closed);
		assert_dbt(r, N_SEGS - 1, 1);
		ebr_reader__close(r);
		repair_and_check(e, cut, closed, N_SEGS - 2);
	}
	unlink(cut);
	free(cut);
	free(file);
}

/* A capture to write by hand, with the builtin schema (so reading it warns of nothing). */
static struct ebr_writer *open_writer(const char *path)
{
	struct ebr_writer_opts wo = { .sz = sizeof(wo) };
	struct ebr_writer *w = ebr_writer__open(path, &wo);
	void *schema;
	size_t len;

	assert_non_null(w);
	assert_int_equal(ebr_schema__serialize(ebr_schema__builtin(), &schema, &len), 0);
	assert_int_equal(ebr_writer__add_meta(w, EBR_META_SCHEMA, schema, len), 0);
	free(schema);
	return w;
}

/* Counts set after the last segment reach only the trailer: it wins; without it, the segment's. */
static void test_trailer_wins(void **state)
{
	struct env *e = *state;
	char *path = fx_path(e->dir, "late.ebc"), *cut = fx_path(e->dir, "late-cut.ebc");
	uint64_t drops[EBR_DROP_NR] = { 4, 0, 0, 0, 0, 0, 0, 0 };
	uint64_t dbt[EBR_DROP_NR * SLOTS] = { 0 };
	struct ebr_writer *w = open_writer(path);
	struct ebr_reader *r;
	struct ebr_buf b = { 0 };
	struct fx_rng rng = { 3 };
	size_t len, tlen;
	uint64_t toff;
	char *file;

	assert_non_null(w);
	fx_append_record(&b, &rng, 1000, 1, 0);
	dbt[EBR_T_EXEC] = 4;
	ebr_writer__set_drops_by_type(w, dbt, EBR_DROP_NR, SLOTS);
	assert_int_equal(ebr_writer__add_segment(w, b.p, b.len, drops, EBR_DROP_NR), 0);
	dbt[EBR_T_EXEC] = 3;
	dbt[EBR_T_FORK] = 1;
	ebr_writer__set_drops_by_type(w, dbt, EBR_DROP_NR, SLOTS);
	assert_int_equal(ebr_writer__close(w), 0);
	r = ebr_reader__open(path);
	assert_non_null(r);
	assert_false(ebr_reader__info(r)->recovered);
	assert_int_equal(ebr_reader__drops_by_type(r, 0, EBR_T_EXEC), 3);
	assert_int_equal(ebr_reader__drops_by_type(r, 0, EBR_T_FORK), 1);
	ebr_reader__close(r);
	file = fx_read_file(path, &len);
	free(fx_trailer(file, len, &toff, &tlen));
	fx_write_file(cut, file, toff);
	r = ebr_reader__open(cut);
	assert_non_null(r);
	assert_true(ebr_reader__info(r)->recovered);
	assert_int_equal(ebr_reader__drops_by_type(r, 0, EBR_T_EXEC), 4);
	assert_int_equal(ebr_reader__drops_by_type(r, 0, EBR_T_FORK), 0);
	ebr_reader__close(r);
	(void)e;
	ebr_buf__free(&b);
	free(file);
	unlink(path);
	unlink(cut);
	free(path);
	free(cut);
}

/* Payload length of segment block i of the capture at path. */
static uint32_t segment_payload_len(const char *path, size_t i)
{
	struct ebr_reader *r = ebr_reader__open(path);
	struct ebr_block_prefix p;
	size_t len;
	char *file = fx_read_file(path, &len);

	assert_non_null(r);
	memcpy(&p, file + ebr_reader__segment(r, i)->offset, sizeof(p));
	ebr_reader__close(r);
	free(file);
	return p.frame_len - (EBR_BLOCK_PREFIX_SIZE - 8);
}

/*
 * Only changed counts make an empty segment worth writing; no counts, no
 * section (the header stays 128 bytes, as older writers wrote it).
 */
static void test_empty_segments(void **state)
{
	struct env *e = *state;
	char *path = fx_path(e->dir, "empty.ebc");
	uint64_t drops[EBR_DROP_NR] = { 2 };
	uint64_t dbt[EBR_DROP_NR * SLOTS] = { 0 };
	struct ebr_writer *w = open_writer(path);
	struct ebr_reader *r;
	struct ebr_buf b = { 0 };
	struct fx_rng rng = { 4 };

	assert_non_null(w);
	fx_append_record(&b, &rng, 1000, 1, 0);
	assert_int_equal(ebr_writer__add_segment(w, b.p, b.len, drops, EBR_DROP_NR), 0);
	dbt[EBR_T_OPEN] = 2;
	ebr_writer__set_drops_by_type(w, dbt, EBR_DROP_NR, SLOTS);
	assert_int_equal(ebr_writer__add_segment(w, NULL, 0, drops, EBR_DROP_NR), 0);
	assert_int_equal(ebr_writer__stats(w)->n_segments, 2);
	/* the same again: nothing new to say */
	assert_int_equal(ebr_writer__add_segment(w, NULL, 0, drops, EBR_DROP_NR), 0);
	ebr_writer__set_drops_by_type(w, dbt, EBR_DROP_NR, SLOTS);
	assert_int_equal(ebr_writer__add_segment(w, NULL, 0, drops, EBR_DROP_NR), 0);
	assert_int_equal(ebr_writer__stats(w)->n_segments, 2);
	assert_int_equal(ebr_writer__close(w), 0);
	r = ebr_reader__open(path);
	assert_non_null(r);
	assert_int_equal(ebr_reader__drops_by_type(r, 0, EBR_T_OPEN), 2);
	ebr_reader__close(r);
	assert_int_equal(segment_payload_len(path, 0), 128);
	assert_int_equal(segment_payload_len(path, 1), 128 + 8 + 16);
	ebr_buf__free(&b);
	unlink(path);
	free(path);
}

/*
 * Counts beyond the on-disk space (reasons above 7, slots above 127) are
 * not written: a segment carries at most 8 x 128 entries, 16 KiB.
 */
static void test_bounded(void **state)
{
	struct env *e = *state;
	char *path = fx_path(e->dir, "bounded.ebc"), *cut = fx_path(e->dir, "bounded-cut.ebc");
	const unsigned nr = 10, ns = 200;
	uint64_t drops[EBR_DROP_NR] = { 0 }, *dbt = calloc((size_t)nr * ns, sizeof(*dbt));
	struct ebr_writer *w = open_writer(path);
	struct ebr_reader *r;
	struct ebr_buf b = { 0 };
	struct fx_rng rng = { 6 };
	size_t len, tlen;
	uint64_t toff;
	char *file;

	assert_non_null(w);
	assert_non_null(dbt);
	for (unsigned d = 0; d < nr; d++)
		for (unsigned t = 0; t < ns; t++)
			dbt[d * ns + t] = 1 + d * 1000 + t;
	for (unsigned d = 0; d < EBR_DROP_NR; d++)
		for (unsigned t = 0; t < SLOTS; t++)
			drops[d] += dbt[d * ns + t];
	fx_append_record(&b, &rng, 1000, 1, 0);
	ebr_writer__set_drops_by_type(w, dbt, nr, ns);
	assert_int_equal(ebr_writer__add_segment(w, b.p, b.len, drops, EBR_DROP_NR), 0);
	assert_int_equal(ebr_writer__close(w), 0);
	assert_int_equal(segment_payload_len(path, 0), 128 + 8 + EBR_SEG_DBT_MAX_ENTRIES * 16);
	assert_int_equal(trailer_dbt_entries(path), EBR_SEG_DBT_MAX_ENTRIES);
	file = fx_read_file(path, &len);
	free(fx_trailer(file, len, &toff, &tlen));
	fx_write_file(cut, file, toff);
	for (int k = 0; k < 2; k++) {
		r = ebr_reader__open(k ? cut : path);
		assert_non_null(r);
		assert_int_equal(ebr_reader__info(r)->recovered, k);
		assert_int_equal(ebr_reader__drops_by_type(r, 7, 127), 1 + 7000 + 127);
		assert_int_equal(ebr_reader__drops_by_type(r, 0, 0), 1);
		assert_int_equal(ebr_reader__drops_by_type(r, 3, 150), 0);
		assert_int_equal(ebr_reader__drops_by_type(r, 9, 5), 0);
		ebr_reader__close(r);
	}
	(void)e;
	ebr_buf__free(&b);
	free(dbt);
	free(file);
	unlink(path);
	unlink(cut);
	free(path);
	free(cut);
}

/*
 * A capture written by slice, merge or redact carries its drops by type in
 * every segment (they all carry the same counters), so it too says them
 * when cut before its trailer.
 */
static void check_rewritten(struct env *e, const char *path, size_t min_segs, long seg, uint64_t mult,
			    long minus)
{
	char *cut = fx_path(e->dir, "rewritten-cut.ebc");
	struct ebr_reader *r = ebr_reader__open(path);
	size_t len, tlen;
	uint64_t toff;
	char *file;

	assert_non_null(r);
	assert_true(ebr_reader__segment_count(r) >= min_segs);
	for (int k = 0; k < 2; k++) {
		for (unsigned d = 0; d < EBR_DROP_NR; d++)
			for (unsigned t = 0; t < SLOTS; t++) {
				uint64_t want = mult * fx_drops_by_type((size_t)seg, d, t);

				if (minus >= 0)
					want -= fx_drops_by_type((size_t)minus, d, t);
				assert_int_equal(ebr_reader__drops_by_type(r, d, t), want);
			}
		if (minus < 0)
			for (size_t i = 0; i < ebr_reader__segment_count(r); i++)
				assert_segment_dbt(r, i, (size_t)seg, mult);
		ebr_reader__close(r);
		if (k)
			break;
		file = fx_read_file(path, &len);
		free(fx_trailer(file, len, &toff, &tlen));
		fx_write_file(cut, file, toff);
		free(file);
		r = ebr_reader__open(cut);
		assert_non_null(r);
		assert_true(ebr_reader__info(r)->recovered);
	}
	unlink(cut);
	free(cut);
}

static void test_rewrites_carry_them(void **state)
{
	struct env *e = *state;
	char *out = fx_path(e->dir, "out.ebc");
	struct ebr_reader *in = ebr_reader__open(e->path), *two[2];
	struct ebr_slice_opts so = { .sz = sizeof(so), .force = 1, .segment_bytes = 2048 };
	struct ebr_merge_opts mo = { .sz = sizeof(mo), .force = 1, .segment_bytes = 2048 };
	struct ebr_redact_opts ro = { .sz = sizeof(ro), .force = 1, .what = EBR_REDACT_ARGS };
	const struct ebr_segment_info *s2 = ebr_reader__segment(in, 2), *s5 = ebr_reader__segment(in, 5);

	assert_non_null(in);
	assert_int_equal(ebr_capture__slice(in, out, &so, NULL), 0);
	check_rewritten(e, out, 3, N_SEGS - 1, 1, -1);
	/* a window over segments 2..5: what was counted from the end of 1 to the end of 5 */
	so.from_ts = s2->t_first;
	so.to_ts = s5->t_last;
	assert_true(ebr_reader__segment(in, 1)->t_last < so.from_ts);
	assert_true(ebr_reader__segment(in, 6)->t_first >= so.to_ts);
	assert_int_equal(ebr_capture__slice(in, out, &so, NULL), 0);
	check_rewritten(e, out, 2, 5, 1, 1);
	/* a window after the last event: nothing was counted in it, by reason or by type */
	so.from_ts = ebr_reader__segment(in, N_SEGS - 1)->t_last + 1;
	so.to_ts = 0;
	assert_int_equal(ebr_capture__slice(in, out, &so, NULL), 0);
	{
		struct ebr_reader *r = ebr_reader__open(out);

		assert_non_null(r);
		assert_int_equal(ebr_reader__info(r)->n_records, 0);
		assert_dbt(r, -1, 1);
		for (unsigned d = 0; d < EBR_DROP_NR; d++)
			assert_int_equal(ebr_reader__info(r)->drops[d], 0);
		ebr_reader__close(r);
	}
	assert_int_equal(ebr_capture__redact(in, out, &ro, NULL), 0);
	check_rewritten(e, out, 1, N_SEGS - 1, 1, -1);
	two[0] = in;
	two[1] = ebr_reader__open(e->path);
	assert_int_equal(ebr_capture__merge(two, 2, out, &mo, NULL), 0);
	check_rewritten(e, out, 3, N_SEGS - 1, 2, -1);
	ebr_reader__close(two[1]);
	ebr_reader__close(in);
	unlink(out);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_segment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_anywhere, setup, teardown),
		cmocka_unit_test_setup_teardown(test_repair_writes_them, setup, teardown),
		cmocka_unit_test_setup_teardown(test_repair_damaged_last, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trailer_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_segments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rewrites_carry_them, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
