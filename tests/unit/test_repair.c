// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * repair: a capture cut anywhere keeps every whole segment; the repaired
 * file opens through its index (not in recovered mode) and holds exactly
 * the records the recovery scan reads; in place, an interrupted repair can
 * be run again.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "capture_fixture.h"
#include "ebpfrec/repair.h"
#include "events.h"
#include "layout.h"

struct env {
	char *dir, *path;
	struct fx_capture c;
	char *file;
	size_t len;
	uint64_t header_end;
	uint64_t meta_end[2]; /* ends of the schema and note blocks */
	uint64_t *seg_end; /* end of each segment's block and data */
	size_t n_segs;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	struct fx_opts o = { .n_records = 3000, .per_segment = 60, .seed = 99 };
	struct ebr_reader *r;
	struct ebr_block_prefix p;

	e->dir = fx_tmpdir();
	e->path = fx_path(e->dir, "good.ebc");
	assert_int_equal(fx_capture__build(&e->c, e->path, &o), 0);
	e->file = fx_read_file(e->path, &e->len);
	memcpy(&p, e->file, sizeof(p));
	e->header_end = 8 + p.frame_len;
	e->meta_end[0] = e->header_end;
	for (unsigned k = 0; k < 2; k++) {
		memcpy(&p, e->file + (k ? e->meta_end[0] : e->header_end), sizeof(p));
		assert_int_equal(p.block_type, EBR_BLOCK_META);
		e->meta_end[k] = (k ? e->meta_end[0] : e->header_end) + 8 + p.frame_len;
	}
	r = ebr_reader__open(e->path);
	e->n_segs = ebr_reader__segment_count(r);
	assert_int_equal(e->n_segs, 50);
	e->seg_end = calloc(e->n_segs, sizeof(*e->seg_end));
	for (size_t i = 0; i < e->n_segs; i++) {
		uint64_t off;
		uint32_t len;

		fx_segment_data(e->file, ebr_reader__segment(r, i)->offset, &off, &len);
		e->seg_end[i] = off + len;
	}
	ebr_reader__close(r);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	fx_capture__free(&e->c);
	free(e->file);
	free(e->seg_end);
	free(e->path);
	fx_rmtree(e->dir);
	free(e);
	return 0;
}

static size_t read_all(const char *path, struct ebr_buf *out, int *recovered, size_t *n_segs,
		       int check_counts)
{
	struct ebr_cursor_opts co = { .sz = sizeof(co) };
	struct ebr_reader *r = ebr_reader__open(path);
	size_t n;

	assert_non_null(r);
	n = fx_read_all(r, &co, out, NULL);
	*recovered = ebr_reader__info(r)->recovered;
	*n_segs = ebr_reader__segment_count(r);
	/* the trailer's counts agree with the records */
	for (size_t off = 0, k = 0; check_counts && k < n; k++) {
		const struct ebr_event_header *h = (const void *)(out->p + off);
		uint64_t cnt = 0;

		for (size_t o2 = 0; o2 < out->len; o2 += ((struct ebr_event_header *)(out->p + o2))->size)
			cnt += ((struct ebr_event_header *)(out->p + o2))->type == h->type;
		assert_int_equal(ebr_reader__type_count(r, h->type), cnt);
		off += h->size;
		if (k > 3)
			break; /* a few types are enough; the loop is quadratic */
	}
	ebr_reader__close(r);
	return n;
}

static void check_cut(struct env *e, uint64_t cut, int in_place)
{
	char *cut_path = fx_path(e->dir, "cut.ebc"), *out = fx_path(e->dir, "fixed.ebc");
	struct ebr_repair_opts ro = { .sz = sizeof(ro), .force = 1 };
	struct ebr_repair_report rep, again;
	struct ebr_buf want = {0}, got = {0};
	size_t whole = 0, records = 0, n_want, n_got, segs_want, segs_got;
	int rec_want, rec_got;
	const char *target = in_place ? cut_path : out;

	for (size_t i = 0; i < e->n_segs; i++)
		if (e->seg_end[i] <= cut) {
			whole++;
			records += e->c.seg_rec[i + 1] - e->c.seg_rec[i];
		}
	fx_write_file(cut_path, e->file, cut);
	n_want = read_all(cut_path, &want, &rec_want, &segs_want, 1);
	assert_true(rec_want);
	assert_int_equal(segs_want, whole);
	assert_int_equal(ebr_capture__repair(cut_path, in_place ? NULL : out, &ro, &rep), 0);
	assert_true(rep.written);
	assert_false(rep.was_complete);
	assert_int_equal(rep.segments_kept, whole);
	assert_int_equal(rep.records_kept, records);
	assert_int_equal(rep.segments_bad_data, 0);
	assert_int_equal(rep.meta_kept, (cut >= e->meta_end[0]) + (cut >= e->meta_end[1]));
	n_got = read_all(target, &got, &rec_got, &segs_got, 1);
	assert_false(rec_got);
	assert_int_equal(n_got, n_want);
	assert_int_equal(segs_got, whole);
	assert_int_equal(got.len, want.len);
	assert_memory_equal(got.p, want.p, want.len);
	/* a repaired capture is complete: repairing it again changes nothing */
	assert_int_equal(ebr_capture__repair(target, NULL, &ro, &again), 0);
	assert_true(again.was_complete);
	assert_false(again.written);
	assert_int_equal(again.records_kept, records);
	ebr_buf__free(&want);
	ebr_buf__free(&got);
	unlink(cut_path);
	unlink(out);
	free(cut_path);
	free(out);
}

static void test_random_cuts(void **state)
{
	struct env *e = *state;
	struct fx_rng rng = { 2024 };
	unsigned n = 0;

	/* inside the metadata blocks too */
	check_cut(e, e->meta_end[0] - 3, 0);
	check_cut(e, e->meta_end[1], 1);
	n += 2;
	for (; n < 60; n++) {
		uint64_t cut = e->header_end + fx_below(&rng, e->len - e->header_end);

		check_cut(e, cut, n % 4 == 0);
	}
	/* cuts exactly at and just after segment ends, and in the trailer and footer */
	for (size_t i = 0; i < e->n_segs; i += 7) {
		check_cut(e, e->seg_end[i], i % 2);
		check_cut(e, e->seg_end[i] + 1, 0);
		n += 2;
	}
	check_cut(e, e->len - 1, 1);
	check_cut(e, e->len - EBR_FOOTER_BLOCK_SIZE, 0);
	check_cut(e, e->seg_end[e->n_segs - 1] + 30, 1);
	n += 3;
	assert_true(n >= 50);
}

static size_t meta_block_count(const char *path)
{
	struct ebr_reader *r = ebr_reader__open(path);
	size_t n = ebr_reader__meta_count(r);

	ebr_reader__close(r);
	return n;
}

static void test_damaged_segment_data(void **state)
{
	struct env *e = *state;
	char *bad = fx_path(e->dir, "bad.ebc"), *out = fx_path(e->dir, "bad-fixed.ebc");
	struct ebr_repair_opts ro = { .sz = sizeof(ro) };
	struct ebr_repair_report rep;
	struct ebr_buf want = {0}, got = {0};
	char *copy = malloc(e->len);
	size_t n_want, n_got, segs;
	int rec;

	memcpy(copy, e->file, e->len);
	copy[e->seg_end[9] - 5] ^= 0x40; /* inside segment 9's data */
	fx_write_file(bad, copy, e->len);
	fx_log_capture();
	n_want = read_all(bad, &want, &rec, &segs, 0); /* the cursor skips segment 9 */
	assert_false(rec);
	assert_int_equal(n_want, e->c.n_records - 60);
	assert_int_equal(ebr_capture__repair(bad, out, &ro, &rep), 0);
	fx_log_restore();
	assert_false(rep.was_complete);
	assert_int_equal(rep.segments_bad_data, 1);
	assert_int_equal(rep.records_bad_data, 60);
	assert_int_equal(rep.segments_lost, 1);
	assert_int_equal(rep.segments_kept, 49);
	n_got = read_all(out, &got, &rec, &segs, 1);
	assert_false(rec);
	assert_int_equal(segs, 49);
	assert_int_equal(n_got, n_want);
	assert_memory_equal(got.p, want.p, want.len);
	/* in place: the old index is replaced; the damaged segment stays in the file, unindexed */
	assert_int_equal(ebr_capture__repair(bad, NULL, &ro, &rep), 0);
	assert_true(rep.written);
	got.len = 0;
	assert_int_equal(read_all(bad, &got, &rec, &segs, 1), n_want);
	assert_false(rec);
	assert_int_equal(segs, 49);
	assert_int_equal(meta_block_count(bad), 3); /* schema, note, and what repair did */
	ebr_buf__free(&want);
	ebr_buf__free(&got);
	free(copy);
	free(bad);
	free(out);
}

/* An in-place repair cut short (disk full, killed) leaves a file that reads and repairs again. */
static void test_interrupted_in_place(void **state)
{
	struct env *e = *state;
	char *path = fx_path(e->dir, "interrupted.ebc");
	struct ebr_repair_opts ro = { .sz = sizeof(ro) };
	struct ebr_repair_report rep;
	struct ebr_buf want = {0}, got = {0};
	uint64_t cut = e->seg_end[20] + 100;
	size_t n_want, segs, repaired_len;
	char *repaired;
	int rec;

	fx_write_file(path, e->file, cut);
	n_want = read_all(path, &want, &rec, &segs, 1);
	assert_int_equal(ebr_capture__repair(path, NULL, &ro, &rep), 0);
	repaired = fx_read_file(path, &repaired_len);
	assert_int_equal(repaired_len, rep.out_size);
	/* every point where the appended index could have been interrupted */
	for (uint64_t at = e->seg_end[20]; at < repaired_len; at += 97) {
		fx_write_file(path, repaired, at);
		got.len = 0;
		assert_int_equal(read_all(path, &got, &rec, &segs, 1), n_want);
		assert_true(rec);
		assert_memory_equal(got.p, want.p, want.len);
		assert_int_equal(ebr_capture__repair(path, NULL, &ro, &rep), 0);
		got.len = 0;
		assert_int_equal(read_all(path, &got, &rec, &segs, 1), n_want);
		assert_false(rec);
		assert_int_equal(segs, 21);
	}
	free(repaired);
	ebr_buf__free(&want);
	ebr_buf__free(&got);
	free(path);
}

static void test_dry_run_and_refusals(void **state)
{
	struct env *e = *state;
	char *path = fx_path(e->dir, "dry.ebc"), *out = fx_path(e->dir, "dry-out.ebc");
	struct ebr_repair_opts ro = { .sz = sizeof(ro), .dry_run = 1 };
	struct ebr_repair_report rep;
	struct stat st;

	fx_write_file(path, e->file, e->seg_end[3] + 10);
	assert_int_equal(ebr_capture__repair(path, NULL, &ro, &rep), 0);
	assert_false(rep.written);
	assert_int_equal(rep.segments_kept, 4);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal((uint64_t)st.st_size, e->seg_end[3] + 10);
	/* an existing output is kept unless forced; the input is never the output */
	ro.dry_run = 0;
	fx_write_file(out, "x", 1);
	fx_log_capture();
	assert_int_equal(ebr_capture__repair(path, out, &ro, &rep), -EEXIST);
	assert_int_equal(ebr_capture__repair(path, path, &ro, &rep), -EINVAL);
	fx_log_restore();
	ro.force = 1;
	assert_int_equal(ebr_capture__repair(path, out, &ro, &rep), 0);
	assert_int_equal(stat(out, &st), 0);
	assert_int_equal((uint64_t)st.st_size, rep.out_size);
	/* what is not a regular file is never replaced, even forced: a link, a FIFO (and so /dev/null) */
	{
		char *link = fx_path(e->dir, "dry-link.ebc"), *fifo = fx_path(e->dir, "dry-fifo"),
		     *target = fx_path(e->dir, "dry-target");

		fx_write_file(target, "kept", 4);
		assert_int_equal(symlink(target, link), 0);
		assert_int_equal(mkfifo(fifo, 0600), 0);
		fx_log_capture();
		assert_int_equal(ebr_capture__repair(path, link, &ro, &rep), -EINVAL);
		assert_non_null(strstr(fx_log_text(), "is not a regular file (a symbolic link)"));
		assert_int_equal(ebr_capture__repair(path, fifo, &ro, &rep), -EINVAL);
		fx_log_restore();
		assert_int_equal(lstat(link, &st), 0);
		assert_true(S_ISLNK(st.st_mode));
		assert_int_equal(lstat(fifo, &st), 0);
		assert_true(S_ISFIFO(st.st_mode));
		assert_int_equal(stat(target, &st), 0);
		assert_int_equal(st.st_size, 4);
		free(link);
		free(fifo);
		free(target);
	}
	free(path);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_cuts),
		cmocka_unit_test(test_damaged_segment_data),
		cmocka_unit_test(test_interrupted_in_place),
		cmocka_unit_test(test_dry_run_and_refusals),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
