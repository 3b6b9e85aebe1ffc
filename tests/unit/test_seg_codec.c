// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The columnar segment encoding: records come back byte for byte, through
 * the codec alone and through a whole capture; damaged columns are refused,
 * never misread; what does not suit columns is stored as records.
 */
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
#include "seg_codec.h"

static void make_records(struct ebr_buf *b, size_t n, uint64_t seed, int with_unknown)
{
	struct fx_rng rng = { seed };
	uint64_t ts = 1000000000ULL;

	for (size_t i = 0; i < n; i++) {
		ts += fx_below(&rng, 5000);
		fx_append_record(b, &rng, ts, (uint32_t)(100 + i % 7), with_unknown);
	}
	assert_int_equal(b->err, 0);
}

static void test_codec_round_trip(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 20; seed++) {
		struct ebr_buf recs = { 0 }, enc = { 0 };
		size_t n = (size_t)(seed * 37 % 900) + 1;
		char *back;

		make_records(&recs, n, seed, seed % 2);
		assert_int_equal(ebr_seg__columns_encode(recs.p, recs.len, &enc), 0);
		back = malloc(recs.len);
		assert_int_equal(ebr_seg__columns_decode(enc.p, enc.len, back, recs.len), 0);
		assert_memory_equal(back, recs.p, recs.len);
		/* a raw size that is not the records' is refused */
		assert_int_equal(ebr_seg__columns_decode(enc.p, enc.len, back, recs.len - 8), -EBADMSG);
		free(back);
		ebr_buf__free(&recs);
		ebr_buf__free(&enc);
	}
}

/* Timestamps that go backwards between CPUs (and wrap in the delta) still come back. */
static void test_codec_unordered_timestamps(void **state)
{
	struct ebr_buf recs = { 0 }, enc = { 0 };
	struct fx_rng rng = { 99 };
	uint64_t ts[] = { 5000, 10, UINT64_MAX, 0, 123456789, 7 };
	char *back;

	(void)state;
	for (size_t i = 0; i < sizeof(ts) / sizeof(ts[0]); i++)
		fx_append_record(&recs, &rng, ts[i], (uint32_t)i, 0);
	assert_int_equal(ebr_seg__columns_encode(recs.p, recs.len, &enc), 0);
	back = malloc(recs.len);
	assert_int_equal(ebr_seg__columns_decode(enc.p, enc.len, back, recs.len), 0);
	assert_memory_equal(back, recs.p, recs.len);
	free(back);
	ebr_buf__free(&recs);
	ebr_buf__free(&enc);
}

/*
 * Every single-byte change in the header, group table and order stream,
 * and every truncation, is either refused or decodes to records of the
 * right total size; none reads out of bounds (the ASan build checks that).
 */
static void test_codec_damage(void **state)
{
	struct ebr_buf recs = { 0 }, enc = { 0 };
	size_t meta;
	char *back, *bad;

	(void)state;
	make_records(&recs, 60, 7, 1);
	assert_int_equal(ebr_seg__columns_encode(recs.p, recs.len, &enc), 0);
	back = malloc(recs.len);
	meta = enc.len - recs.len; /* everything before the columns */
	for (size_t i = 0; i < meta; i++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			bad = malloc(enc.len);
			memcpy(bad, enc.p, enc.len);
			bad[i] ^= (char)(1u << bit);
			int err = ebr_seg__columns_decode(bad, enc.len, back, recs.len);

			assert_true(err == 0 || err == -EBADMSG);
			free(bad);
		}
	}
	for (size_t len = 0; len < enc.len; len += 13) {
		bad = malloc(len ? len : 1);
		memcpy(bad, enc.p, len);
		assert_int_equal(ebr_seg__columns_decode(bad, len, back, recs.len), -EBADMSG);
		free(bad);
	}
	free(back);
	ebr_buf__free(&recs);
	ebr_buf__free(&enc);
}

static void test_codec_rejects_malformed_records(void **state)
{
	struct ebr_buf recs = { 0 }, enc = { 0 };
	struct ebr_event_header *h;

	(void)state;
	make_records(&recs, 3, 5, 0);
	h = (void *)recs.p;
	h->size = 12; /* not a multiple of 8 */
	assert_int_equal(ebr_seg__columns_encode(recs.p, recs.len, &enc), -EINVAL);
	assert_int_equal(ebr_seg__columns_encode(recs.p, recs.len - 8, &enc), -EINVAL);
	ebr_buf__free(&recs);
	ebr_buf__free(&enc);
}

/* More distinct types than the group table holds: -E2BIG, so the writer stores records. */
static void test_codec_too_varied(void **state)
{
	struct ebr_buf recs = { 0 }, enc = { 0 };

	(void)state;
	for (unsigned t = 0; t < 5000; t++) {
		struct ebr_event_header h = { .ts = t, .size = sizeof(h), .type = (uint16_t)(1000 + t) };

		ebr_buf__put(&recs, &h, sizeof(h));
	}
	assert_int_equal(ebr_seg__columns_encode(recs.p, recs.len, &enc), -E2BIG);
	ebr_buf__free(&recs);
	ebr_buf__free(&enc);
}

/* A whole capture written in columns reads back the same records, in order. */
static void test_capture_in_columns(void **state)
{
	char *dir = fx_tmpdir(), *rec_path = fx_path(dir, "records.ebc"),
	     *col_path = fx_path(dir, "columns.ebc");
	struct fx_opts o = { .n_records = 5000, .per_segment = 700, .seed = 11, .with_unknown = 1 };
	struct fx_capture a = { 0 }, b = { 0 };
	struct ebr_cursor_opts co = { .sz = sizeof(co) };
	struct ebr_cursor_stats st;
	struct ebr_buf got = { 0 };
	struct ebr_reader *r;

	(void)state;
	assert_int_equal(fx_capture__build(&a, rec_path, &o), 0);
	o.segment_encoding = EBR_SEG_ENC_COLUMNS;
	assert_int_equal(fx_capture__build(&b, col_path, &o), 0);
	assert_int_equal(a.recs.len, b.recs.len);
	r = ebr_reader__open(col_path);
	assert_non_null(r);
	assert_int_equal(ebr_reader__info(r)->minor, 1);
	assert_int_equal(fx_read_all(r, &co, &got, &st), o.n_records);
	assert_int_equal(st.segments_lost, 0);
	assert_int_equal(got.len, a.recs.len);
	assert_memory_equal(got.p, a.recs.p, got.len);
	ebr_reader__close(r);
	ebr_buf__free(&got);
	fx_capture__free(&a);
	fx_capture__free(&b);
	free(rec_path);
	free(col_path);
	fx_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codec_round_trip),
		cmocka_unit_test(test_codec_unordered_timestamps),
		cmocka_unit_test(test_codec_damage),
		cmocka_unit_test(test_codec_rejects_malformed_records),
		cmocka_unit_test(test_codec_too_varied),
		cmocka_unit_test(test_capture_in_columns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
