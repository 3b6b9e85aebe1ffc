// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Drops by type in segment headers (docs/format.md 7.2): every segment
 * carries the cumulative counts as of itself, so a capture cut anywhere
 * (recorder killed, disk full) still says them as of its last whole
 * segment; with a trailer, the trailer's stand. The writer bounds them,
 * and writes an empty segment when only they changed.
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_segment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_anywhere, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trailer_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_segments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounded, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
