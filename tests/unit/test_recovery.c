// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Damaged captures: cut files, flipped bytes, missing trailers. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "capture_fixture.h"
#include "events.h"
#include "internal.h"

struct rec_fixture {
	char *dir;
	char *path;
	struct fx_capture c;
	char *file;
	size_t file_len;
	uint64_t *seg_off; /* [n_segs]: block offsets */
	uint64_t *seg_end; /* [n_segs]: end of each segment's zstd frame */
	uint64_t *data_off; /* [n_segs] */
	uint32_t *data_len;
	uint64_t trailer_off, footer_off;
};

static int build(void **state, size_t n_records, size_t per_segment)
{
	struct rec_fixture *f = calloc(1, sizeof(*f));
	struct fx_opts o = { .n_records = n_records, .per_segment = per_segment, .seed = 11,
			     .with_unknown = 1 };
	struct ebr_reader *r;
	size_t tlen;

	assert_non_null(f);
	f->dir = fx_tmpdir();
	f->path = fx_path(f->dir, "good.ebc");
	assert_int_equal(fx_capture__build(&f->c, f->path, &o), 0);
	f->file = fx_read_file(f->path, &f->file_len);
	f->seg_off = calloc(f->c.n_segs, sizeof(*f->seg_off));
	f->seg_end = calloc(f->c.n_segs, sizeof(*f->seg_end));
	f->data_off = calloc(f->c.n_segs, sizeof(*f->data_off));
	f->data_len = calloc(f->c.n_segs, sizeof(*f->data_len));
	r = ebr_reader__open(f->path);
	assert_non_null(r);
	assert_int_equal(ebr_reader__segment_count(r), f->c.n_segs);
	for (size_t i = 0; i < f->c.n_segs; i++) {
		f->seg_off[i] = ebr_reader__segment(r, i)->offset;
		fx_segment_data(f->file, f->seg_off[i], &f->data_off[i], &f->data_len[i]);
		f->seg_end[i] = f->data_off[i] + f->data_len[i];
	}
	ebr_reader__close(r);
	free(fx_trailer(f->file, f->file_len, &f->trailer_off, &tlen));
	f->footer_off = f->file_len - EBR_FOOTER_BLOCK_SIZE;
	assert_int_equal(f->trailer_off, f->seg_end[f->c.n_segs - 1]);
	*state = f;
	return 0;
}

/* Small segments (about 1.5 KiB compressed) so every cut offset can be tried. */
static int setup_small(void **state)
{
	return build(state, 8 * 30, 30);
}

static int setup_ten(void **state)
{
	return build(state, 10 * 200, 200);
}

static int teardown(void **state)
{
	struct rec_fixture *f = *state;

	fx_capture__free(&f->c);
	free(f->file);
	free(f->seg_off);
	free(f->seg_end);
	free(f->data_off);
	free(f->data_len);
	free(f->path);
	fx_rmtree(f->dir);
	free(f);
	return 0;
}

/* Every record of the capture except those of segment skip (none if skip >= n_segs). */
static void check_records_except(struct ebr_reader *r, const struct fx_capture *c, size_t skip,
				 size_t n_segs, struct ebr_cursor_stats *st)
{
	struct ebr_cursor_opts o = { .sz = sizeof(o) };
	struct ebr_buf got = { 0 };
	size_t n = fx_read_all(r, &o, &got, st), len_a, len_b;
	size_t cut_a = skip < n_segs ? c->seg_rec[skip] : c->seg_rec[n_segs];
	size_t cut_b = skip < n_segs ? c->seg_rec[skip + 1] : c->seg_rec[n_segs];
	const void *a = fx_capture__recs(c, 0, cut_a, &len_a);
	const void *b = fx_capture__recs(c, cut_b, c->seg_rec[n_segs], &len_b);

	assert_int_equal(n, c->seg_rec[n_segs] - (cut_b - cut_a));
	assert_int_equal(got.len, len_a + len_b);
	assert_memory_equal(got.p, a, len_a);
	assert_memory_equal(got.p + len_a, b, len_b);
	ebr_buf__free(&got);
}

/*
 * Cut the capture at every offset from the start of its second-to-last
 * segment to its last byte: each cut keeps exactly the segments that are
 * whole before it.
 */
static void test_truncate_every_offset(void **state)
{
	struct rec_fixture *f = *state;
	size_t n_segs = f->c.n_segs;
	char *copy = fx_path(f->dir, "cut.ebc");
	uint64_t from = f->seg_off[n_segs - 2];
	int fd;

	assert_true(f->seg_end[n_segs - 1] - f->seg_off[n_segs - 2] < 4096);
	fx_write_file(copy, f->file, f->file_len);
	fd = open(copy, O_WRONLY);
	assert_true(fd >= 0);
	/* shrinking one copy step by step gives every truncated file in turn */
	for (uint64_t cut = f->file_len - 1; cut >= from; cut--) {
		const struct ebr_capture_info *in;
		struct ebr_cursor_stats st;
		struct ebr_reader *r;
		size_t whole = 0;
		uint64_t good_end, lost = 0;

		assert_int_equal(ftruncate(fd, (off_t)cut), 0);
		while (whole < n_segs && f->seg_end[whole] <= cut)
			whole++;
		good_end = cut >= f->footer_off ? f->footer_off : f->seg_end[whole - 1];
		/* a cut segment is counted once its 24-byte prefix survived */
		if (whole < n_segs && cut - f->seg_off[whole] >= EBR_BLOCK_PREFIX_SIZE)
			lost = 1;

		r = ebr_reader__open(copy);
		assert_non_null(r);
		in = ebr_reader__info(r);
		assert_int_equal(in->recovered, 1);
		assert_int_equal(in->file_size, cut);
		assert_int_equal(in->n_segments, whole);
		assert_int_equal(in->n_records, f->c.seg_rec[whole]);
		assert_int_equal(in->n_segments_lost, lost);
		assert_int_equal(in->bytes_recovered, good_end);
		assert_int_equal(in->bytes_lost, cut - good_end);
		assert_int_equal(in->ended_wall_ns, 0);
		for (unsigned d = 0; d < EBR_DROP_REASONS; d++)
			assert_int_equal(in->drops[d], f->c.drops[(whole - 1) * EBR_DROP_REASONS + d]);
		check_records_except(r, &f->c, SIZE_MAX, whole, &st);
		assert_int_equal(st.segments_lost, 0);
		ebr_reader__close(r);
	}
	close(fd);
	free(copy);
}

static void flip(char *file, uint64_t off)
{
	file[off] ^= 0x20;
}

/* One flipped byte in a segment's zstd frame loses that segment alone, indexed or scanned. */
static void test_flipped_data_byte(void **state)
{
	struct rec_fixture *f = *state;
	const size_t victim = 4;
	char *path = fx_path(f->dir, "flip.ebc");
	uint64_t where[3] = { f->data_off[victim], f->data_off[victim] + f->data_len[victim] / 2,
			      f->seg_end[victim] - 1 };
	char want_log[512];

	snprintf(want_log, sizeof(want_log), "%s: segment 4 fails its CRC check; its 200 events are lost\n",
		 path);
	for (size_t w = 0; w < 3; w++) {
		char *bad = malloc(f->file_len);
		struct ebr_cursor_stats st;
		struct ebr_reader *r;

		memcpy(bad, f->file, f->file_len);
		flip(bad, where[w]);
		for (int scanned = 0; scanned < 2; scanned++) {
			/* without trailer and footer the file must be scanned */
			fx_write_file(path, bad, scanned ? f->trailer_off : f->file_len);
			r = ebr_reader__open(path);
			assert_non_null(r);
			assert_int_equal(ebr_reader__info(r)->recovered, scanned);
			assert_int_equal(ebr_reader__info(r)->n_segments, f->c.n_segs);
			assert_int_equal(ebr_reader__info(r)->n_segments_lost, 0);
			fx_log_capture();
			check_records_except(r, &f->c, victim, f->c.n_segs, &st);
			assert_string_equal(fx_log_text(), want_log);
			fx_log_restore();
			assert_int_equal(st.segments_lost, 1);
			assert_int_equal(st.segments_read, f->c.n_segs - 1);
			assert_int_equal(st.records_invalid, 0);
			ebr_reader__close(r);
		}
		free(bad);
	}
	free(path);
}

/*
 * A damaged segment header (its CRC fails) or block prefix: a scan skips to
 * the next block and counts the segment lost; an index pointing at it is not
 * trusted and the file is scanned instead.
 */
static void test_damaged_segment_header(void **state)
{
	struct rec_fixture *f = *state;
	const size_t victim = 6;
	char *path = fx_path(f->dir, "hdr.ebc");
	const uint64_t where[] = {
		f->seg_off[victim] + 1, /* zstd skippable magic */
		f->seg_off[victim] + 9, /* block magic */
		f->seg_off[victim] + EBR_BLOCK_PREFIX_SIZE + 28, /* raw_size, under the CRC */
		f->seg_off[victim] + 21, /* the CRC itself */
	};

	for (size_t w = 0; w < sizeof(where) / sizeof(where[0]); w++) {
		char *bad = malloc(f->file_len);

		memcpy(bad, f->file, f->file_len);
		flip(bad, where[w]);
		for (int cut = 0; cut < 2; cut++) {
			const struct ebr_capture_info *in;
			struct ebr_cursor_stats st;
			struct ebr_reader *r;

			fx_write_file(path, bad, cut ? f->trailer_off : f->file_len);
			r = ebr_reader__open(path);
			assert_non_null(r);
			in = ebr_reader__info(r);
			assert_int_equal(in->recovered, 1);
			assert_int_equal(in->n_segments, f->c.n_segs - 1);
			assert_int_equal(in->n_segments_lost, 1);
			assert_int_equal(in->bytes_lost, f->seg_end[victim] - f->seg_off[victim]);
			assert_int_equal(in->bytes_recovered, cut ? f->trailer_off : f->file_len);
			check_records_except(r, &f->c, victim, f->c.n_segs, &st);
			assert_int_equal(st.segments_lost, 0);
			ebr_reader__close(r);
		}
		free(bad);
	}
	free(path);
}

/* A capture whose writer never closed it reads whole, by scanning. */
static void test_no_trailer(void **state)
{
	struct rec_fixture *f = *state;
	char *path = fx_path(f->dir, "open.ebc");
	const struct ebr_capture_info *in;
	struct ebr_cursor_stats st;
	struct ebr_reader *r;
	uint64_t want[EBR_T_MAX + 1] = { 0 };

	fx_write_file(path, f->file, f->trailer_off);
	r = ebr_reader__open(path);
	assert_non_null(r);
	in = ebr_reader__info(r);
	assert_int_equal(in->recovered, 1);
	assert_int_equal(in->n_segments, f->c.n_segs);
	assert_int_equal(in->n_segments_lost, 0);
	assert_int_equal(in->bytes_lost, 0);
	assert_int_equal(in->bytes_recovered, f->trailer_off);
	assert_int_equal(in->ended_wall_ns, 0);
	assert_int_equal(ebr_reader__meta_count(r), 2);
	check_records_except(r, &f->c, SIZE_MAX, f->c.n_segs, &st);
	/* without a trailer the type counts come from reading every record */
	for (size_t i = 0; i < f->c.n_records; i++)
		want[((const struct ebr_event_header *)(f->c.recs.p + f->c.rec_off[i]))->type]++;
	for (unsigned t = 0; t <= EBR_T_MAX; t++)
		assert_int_equal(ebr_reader__type_count(r, t), want[t]);
	ebr_reader__close(r);
	free(path);
}

/* Bytes after the footer hide it: the file is scanned, the junk counted as lost. */
static void test_junk_after_footer(void **state)
{
	struct rec_fixture *f = *state;
	char *path = fx_path(f->dir, "junk.ebc");
	char *buf = malloc(f->file_len + 1000);
	struct fx_rng rng = { 77 };
	struct ebr_cursor_stats st;
	struct ebr_reader *r;

	memcpy(buf, f->file, f->file_len);
	for (size_t i = 0; i < 1000; i++)
		buf[f->file_len + i] = (char)fx_rand(&rng);
	fx_write_file(path, buf, f->file_len + 1000);
	r = ebr_reader__open(path);
	assert_non_null(r);
	assert_int_equal(ebr_reader__info(r)->recovered, 1);
	assert_int_equal(ebr_reader__info(r)->n_segments, f->c.n_segs);
	assert_int_equal(ebr_reader__info(r)->n_segments_lost, 0);
	assert_int_equal(ebr_reader__info(r)->bytes_recovered, f->file_len);
	assert_int_equal(ebr_reader__info(r)->bytes_lost, 1000);
	check_records_except(r, &f->c, SIZE_MAX, f->c.n_segs, &st);
	ebr_reader__close(r);
	free(buf);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_truncate_every_offset, setup_small, teardown),
		cmocka_unit_test_setup_teardown(test_flipped_data_byte, setup_ten, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_segment_header, setup_ten, teardown),
		cmocka_unit_test_setup_teardown(test_no_trailer, setup_ten, teardown),
		cmocka_unit_test_setup_teardown(test_junk_after_footer, setup_ten, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
