// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Captures built to make a reader spend: lengths and counts that are
 * individually plausible but would make it allocate far more than the file
 * holds. Every allocation the library makes is seen through --wrap (the
 * largest single request is recorded), so a test fails when a length from
 * the file reaches malloc before it has been checked.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <zstd.h>

#include "capture_fixture.h"
#include "ebpfrec/repair.h"
#include "internal.h"
#include "layout.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);

static size_t largest;

static void note(size_t n)
{
	if (n > largest)
		largest = n;
}

void *__wrap_malloc(size_t n)
{
	note(n);
	return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t m)
{
	note(n * m);
	return __real_calloc(n, m);
}

void *__wrap_realloc(void *p, size_t n)
{
	note(n);
	return __real_realloc(p, n);
}

static char *dir;

/* A capture with one small segment; its file bytes, and where its trailer starts. */
static char *base_capture(size_t *len, uint64_t *toff, size_t *tlen, char **trailer)
{
	struct fx_opts o = { .n_records = 40, .per_segment = 20, .seed = 7 };
	struct fx_capture c;
	char *path = fx_path(dir, "base.ebc"), *f;

	unlink(path);
	assert_int_equal(fx_capture__build(&c, path, &o), 0);
	fx_capture__free(&c);
	f = fx_read_file(path, len);
	*trailer = fx_trailer(f, *len, toff, tlen);
	free(path);
	return f;
}

/* The index lists one metadata block 20000 times: the reader must not load (copy) it 20000 times. */
static void test_index_repeats_a_block(void **state)
{
	size_t len, tlen, out_len, n_meta;
	uint64_t toff, meta_off = 0;
	char *trailer, *f = base_capture(&len, &toff, &tlen, &trailer), *out, *path;
	struct ebr_reader *r;
	struct ebr_buf t = {0};
	const uint32_t repeats = 20000;

	(void)state;
	/* the first META block follows the header */
	{
		struct ebr_block_prefix p;

		memcpy(&p, f, sizeof(p));
		meta_off = 8 + p.frame_len;
	}
	path = fx_path(dir, "repeat.ebc");
	fx_write_file(path, f, len);
	r = ebr_reader__open(path);
	assert_non_null(r);
	n_meta = ebr_reader__meta_count(r);
	ebr_reader__close(r);
	{
		struct ebr_trailer_section_disk sh = { .section = EBR_TRAILER_INDEX };
		struct ebr_index_header_disk ih = { .n_entries = repeats, .entry_size = 64 };
		struct ebr_index_entry_disk e = { .offset = meta_off, .block_type = EBR_BLOCK_META };

		sh.len = (uint32_t)(sizeof(ih) + (size_t)repeats * sizeof(e));
		ebr_buf__put(&t, &sh, sizeof(sh));
		ebr_buf__put(&t, &ih, sizeof(ih));
		for (uint32_t i = 0; i < repeats; i++)
			ebr_buf__put(&t, &e, sizeof(e));
	}
	out = fx_reseal(f, toff, t.p, t.len, &out_len);
	fx_write_file(path, out, out_len);
	r = ebr_reader__open(path);
	assert_non_null(r);
	/* an index that does not go forward through the file is not used: the file is scanned */
	assert_int_equal(ebr_reader__info(r)->recovered, 1);
	assert_int_equal(ebr_reader__meta_count(r), n_meta);
	ebr_reader__close(r);
	ebr_buf__free(&t);
	free(out);
	free(trailer);
	free(f);
	free(path);
}

/*
 * Compressed metadata blocks of 100 MiB of zeros each, about 3 KiB on disk:
 * what the reader keeps of them is bounded by the file's size, not by what
 * the blocks claim.
 */
static void test_metadata_bomb(void **state)
{
	const size_t body_len = 100u << 20;
	char *body = calloc(1, body_len), *comp, *path = fx_path(dir, "bomb.ebc");
	size_t bound = ZSTD_compressBound(body_len), clen, blen, len, kept = 0;
	struct ebr_writer *w = ebr_writer__open(path, NULL);
	struct ebr_meta_disk m = { .kind = EBR_META_NOTE };
	struct ebr_reader *r;
	struct ebr_buf file = {0};
	char *hdr, *block;

	(void)state;
	assert_non_null(body);
	assert_non_null(w);
	ebr_writer__abandon(w); /* just the header */
	hdr = fx_read_file(path, &len);
	memcpy(body, &m, sizeof(m));
	comp = malloc(bound);
	clen = ZSTD_compress(comp, bound, body, body_len, 1);
	assert_false(ZSTD_isError(clen));
	block = fx_block(EBR_BLOCK_META, EBR_BLOCK_F_ZSTD, comp, (uint32_t)clen, (uint32_t)body_len, &blen);
	ebr_buf__put(&file, hdr, len);
	for (int i = 0; i < 8; i++)
		ebr_buf__put(&file, block, blen);
	print_message("8 blocks of %zu MiB each in %zu bytes\n", body_len >> 20, file.len);
	fx_write_file(path, file.p, file.len);
	r = ebr_reader__open(path);
	assert_non_null(r);
	for (size_t i = 0; i < ebr_reader__meta_count(r); i++) {
		const void *d;
		unsigned kind;
		size_t l;

		ebr_reader__meta(r, i, &kind, &d, &l);
		kept += l;
	}
	print_message("kept %zu MiB of metadata from %zu blocks\n", kept >> 20, ebr_reader__meta_count(r));
	assert_true(kept <= (256u << 20));
	assert_true(ebr_reader__meta_count(r) < 8);
	/* what was refused is reported as lost, not silently dropped */
	assert_true(ebr_reader__info(r)->bytes_lost > 0);
	ebr_reader__close(r);
	ebr_buf__free(&file);
	free(block);
	free(comp);
	free(body);
	free(hdr);
	free(path);
}

/* A compressed block whose body_len (in the prefix, outside the CRC) lies: nothing that size is allocated. */
static void test_metadata_body_len_lies(void **state)
{
	const char text[] = "ebpfrec record -o t.ebc";
	char body[4096 + sizeof(struct ebr_meta_disk)], *path = fx_path(dir, "lie.ebc");
	struct ebr_meta_disk m = { .kind = EBR_META_NOTE };
	size_t len, clen, blen;
	char comp[8192], *hdr, *block;
	struct ebr_writer *w = ebr_writer__open(path, NULL);
	struct ebr_buf file = {0};
	struct ebr_reader *r;

	(void)state;
	assert_non_null(w);
	ebr_writer__abandon(w);
	hdr = fx_read_file(path, &len);
	memset(body, 'x', sizeof(body));
	memcpy(body, &m, sizeof(m));
	memcpy(body + sizeof(m), text, sizeof(text) - 1);
	clen = ZSTD_compress(comp, sizeof(comp), body, sizeof(body), 1);
	assert_false(ZSTD_isError(clen));
	/* claims 200 MiB; the frame itself says 4 KiB */
	block = fx_block(EBR_BLOCK_META, EBR_BLOCK_F_ZSTD, comp, (uint32_t)clen, 200u << 20, &blen);
	ebr_buf__put(&file, hdr, len);
	ebr_buf__put(&file, block, blen);
	fx_write_file(path, file.p, file.len);
	largest = 0;
	r = ebr_reader__open(path);
	assert_non_null(r);
	print_message("largest allocation: %zu bytes\n", largest);
	assert_true(largest < (1u << 20));
	assert_int_equal(ebr_reader__meta_count(r), 0);
	ebr_reader__close(r);
	ebr_buf__free(&file);
	free(block);
	free(hdr);
	free(path);
}

/*
 * A segment header (its CRC made right) claims 200 MiB of records while its
 * data is a few bytes that fail their CRC: a cursor must check the data
 * before it makes room for the records.
 */
static void test_segment_raw_size_lies(void **state)
{
	size_t len, tlen;
	uint64_t toff;
	char *trailer, *f = base_capture(&len, &toff, &tlen, &trailer), *path = fx_path(dir, "rawlie.ebc");
	struct ebr_block_prefix p;
	struct ebr_segment_disk s;
	uint64_t seg_off = 0;
	struct ebr_reader *r;
	struct ebr_cursor *c;
	const struct ebr_event_header *h;
	size_t n = 0;

	(void)state;
	/* the first segment block */
	for (uint64_t off = 0;; off += 8 + p.frame_len) {
		memcpy(&p, f + off, sizeof(p));
		if (p.block_type == EBR_BLOCK_SEGMENT) {
			seg_off = off;
			break;
		}
	}
	memcpy(&s, f + seg_off + sizeof(p), sizeof(s));
	s.raw_size = 200u << 20;
	s.data_crc32c ^= 1;
	memcpy(f + seg_off + sizeof(p), &s, sizeof(s));
	p.crc32c = ebr_crc32c(0, f + seg_off + sizeof(p), p.frame_len - 16);
	memcpy(f + seg_off, &p, sizeof(p));
	fx_write_file(path, f, len);
	r = ebr_reader__open(path);
	assert_non_null(r);
	largest = 0;
	c = ebr_cursor__open(r, NULL);
	while (ebr_cursor__next(c, &h) > 0)
		n++;
	print_message("largest allocation while reading: %zu bytes; %zu records, %llu segments lost\n", largest, n,
		      (unsigned long long)ebr_cursor__stats(c)->segments_lost);
	assert_int_equal(ebr_cursor__stats(c)->segments_lost, 1);
	assert_int_equal(n, 20); /* the other segment */
	assert_true(largest < (16u << 20));
	ebr_cursor__close(c);
	ebr_reader__close(r);
	/* repair checks every segment's data the same way */
	{
		struct ebr_repair_opts ro = { .sz = sizeof(ro) };
		struct ebr_repair_report rep;
		char *out = fx_path(dir, "rawlie-repaired.ebc");

		largest = 0;
		assert_int_equal(ebr_capture__repair(path, out, &ro, &rep), 0);
		print_message("repair: largest allocation %zu bytes, %llu segments kept, %llu bad\n", largest,
			      (unsigned long long)rep.segments_kept, (unsigned long long)rep.segments_bad_data);
		assert_int_equal(rep.segments_bad_data, 1);
		assert_int_equal(rep.segments_kept, 1);
		assert_true(largest < (16u << 20));
		free(out);
	}
	free(trailer);
	free(f);
	free(path);
}

static int setup(void **state)
{
	(void)state;
	dir = fx_tmpdir();
	return dir ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	fx_rmtree(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index_repeats_a_block),
		cmocka_unit_test(test_metadata_bomb),
		cmocka_unit_test(test_metadata_body_len_lies),
		cmocka_unit_test(test_segment_raw_size_lies),
	};

	fx_log_capture(); /* the reader explains what it refuses; not needed on the terminal */
	return cmocka_run_group_tests(tests, setup, teardown);
}
