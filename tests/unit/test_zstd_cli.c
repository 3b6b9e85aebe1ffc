// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A capture is a valid zstd stream: the real zstd tool tests it, and
 * decompressing it yields the raw records of every segment, in order.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "capture_fixture.h"
#include "events.h"
#include "internal.h"

#define ZSTD_BIN "/usr/bin/zstd"

/* Runs argv with stdout into out_path (or /dev/null); returns the exit status, or -1. */
static int run(char *const argv[], const char *out_path)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		int out = open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int null = open("/dev/null", O_WRONLY);

		if (out < 0 || null < 0 || dup2(out, 1) < 0 || dup2(null, 2) < 0)
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_zstd_reads_capture(void **state)
{
	struct fx_opts o = { .n_records = 3000, .per_segment = 400, .seed = 5, .with_unknown = 1 };
	char *dir, *good, *path, *out;
	struct fx_capture c;
	struct ebr_reader *r;
	uint64_t seg3, data3;
	uint32_t len3;
	size_t flen, blen, slen, olen, tlen;
	char *file, *block, *spliced, *got;
	static const char note[] = "a metadata block of a kind this reader does not know";

	(void)state;
	if (access(ZSTD_BIN, X_OK) != 0) {
		print_message("%s not found: zstd CLI test skipped\n", ZSTD_BIN);
		skip();
	}
	dir = fx_tmpdir();
	good = fx_path(dir, "good.ebc");
	path = fx_path(dir, "capture.ebc");
	out = fx_path(dir, "out.raw");
	assert_int_equal(fx_capture__build(&c, good, &o), 0);
	file = fx_read_file(good, &flen);
	r = ebr_reader__open(good);
	assert_non_null(r);
	seg3 = ebr_reader__segment(r, 3)->offset;
	ebr_reader__close(r);
	{
		struct ebr_block_prefix p;

		/* the schema, first after the header, is large enough to be stored compressed */
		memcpy(&p, file, sizeof(p));
		memcpy(&p, file + 8 + p.frame_len, sizeof(p));
		assert_int_equal(p.block_type, EBR_BLOCK_META);
		assert_int_equal(p.flags, EBR_BLOCK_F_ZSTD);
	}

	/* every kind of block: header, compressed schema, note, segments, a new type, trailer, footer */
	block = fx_block(123, 0, note, sizeof(note), sizeof(note), &blen);
	spliced = fx_splice(file, flen, seg3, block, blen, &slen);
	fx_write_file(path, spliced, slen);
	{
		char *argv[] = { ZSTD_BIN, "-t", "-q", path, NULL };

		assert_int_equal(run(argv, NULL), 0);
	}
	{
		char *argv[] = { ZSTD_BIN, "-dc", "-q", path, NULL };

		assert_int_equal(run(argv, out), 0);
	}
	got = fx_read_file(out, &olen);
	assert_int_equal(olen, c.recs.len);
	assert_memory_equal(got, c.recs.p, olen);
	free(got);

	/* cut inside segment 3's frame: zstd -t fails, zstd -dc still yields segments 0..2 */
	fx_segment_data(spliced, seg3 + blen, &data3, &len3);
	fx_write_file(path, spliced, data3 + len3 / 2);
	{
		char *argv[] = { ZSTD_BIN, "-t", "-q", path, NULL };

		assert_int_not_equal(run(argv, NULL), 0);
	}
	{
		char *argv[] = { ZSTD_BIN, "-dc", "-q", path, NULL };
		const void *want = fx_capture__recs(&c, 0, c.seg_rec[3], &tlen);

		assert_int_not_equal(run(argv, out), 0);
		got = fx_read_file(out, &olen);
		assert_true(olen >= tlen);
		assert_memory_equal(got, want, tlen);
		free(got);
	}

	free(spliced);
	free(block);
	free(file);
	fx_capture__free(&c);
	free(out);
	free(path);
	free(good);
	fx_rmtree(dir);
}

/* A segment that carries only new drop counts holds an empty zstd frame. */
static void test_zstd_empty_segment(void **state)
{
	struct ebr_writer_opts wo = { .sz = sizeof(wo) };
	uint64_t drops[EBR_DROP_REASONS] = { 5, 0, 1 };
	struct ebr_buf recs = { 0 };
	struct fx_rng rng = { 9 };
	char *dir, *path, *out, *got;
	struct ebr_writer *w;
	struct ebr_reader *r;
	size_t olen;

	(void)state;
	if (access(ZSTD_BIN, X_OK) != 0) {
		print_message("%s not found: zstd CLI test skipped\n", ZSTD_BIN);
		skip();
	}
	dir = fx_tmpdir();
	path = fx_path(dir, "drops.ebc");
	out = fx_path(dir, "out.raw");
	for (uint32_t i = 0; i < 10; i++)
		fx_append_record(&recs, &rng, 1000 + i, i, 0);
	w = ebr_writer__open(path, &wo);
	assert_non_null(w);
	assert_int_equal(ebr_writer__add_segment(w, recs.p, recs.len, NULL, 0), 0);
	assert_int_equal(ebr_writer__add_segment(w, NULL, 0, drops, EBR_DROP_REASONS), 0);
	assert_int_equal(ebr_writer__add_segment(w, NULL, 0, drops, EBR_DROP_REASONS), 0); /* nothing new */
	assert_int_equal(ebr_writer__add_segment(w, recs.p, recs.len, drops, EBR_DROP_REASONS), 0);
	assert_int_equal(ebr_writer__stats(w)->n_segments, 3);
	assert_int_equal(ebr_writer__close(w), 0);

	r = ebr_reader__open(path);
	assert_non_null(r);
	assert_int_equal(ebr_reader__segment_count(r), 3);
	assert_int_equal(ebr_reader__segment(r, 1)->n_records, 0);
	assert_int_equal(ebr_reader__segment(r, 1)->raw_size, 0);
	assert_int_equal(ebr_reader__segment(r, 1)->drops[0], 5);
	assert_int_equal(ebr_reader__info(r)->drops[2], 1);
	ebr_reader__close(r);
	{
		char *argv[] = { ZSTD_BIN, "-dc", "-q", path, NULL };

		assert_int_equal(run(argv, out), 0);
	}
	got = fx_read_file(out, &olen);
	assert_int_equal(olen, 2 * recs.len);
	assert_memory_equal(got, recs.p, recs.len);
	assert_memory_equal(got + recs.len, recs.p, recs.len);
	free(got);
	ebr_buf__free(&recs);
	free(out);
	free(path);
	fx_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zstd_reads_capture),
		cmocka_unit_test(test_zstd_empty_segment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
