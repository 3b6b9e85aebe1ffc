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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <zstd.h>

#include "capture_fixture.h"
#include "ebpfrec/repair.h"
#include "events.h"
#include "internal.h"
#include "layout.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);

static size_t largest;
/* allocation failure injection: the fail_at-th allocation from now fails (0: none) */
static unsigned long allocations, fail_at;

/* 1 when this allocation is to fail */
static int note(size_t n)
{
	if (n > largest)
		largest = n;
	return fail_at && ++allocations == fail_at;
}

void *__wrap_malloc(size_t n)
{
	return note(n) ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t m)
{
	return note(n * m) ? NULL : __real_calloc(n, m);
}

void *__wrap_realloc(void *p, size_t n)
{
	return note(n) ? NULL : __real_realloc(p, n);
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

static int count_proc(const struct ebr_event_header *e, void *ctx)
{
	(*(unsigned *)ctx)++;
	assert_int_equal(e->pid, 42);
	return 0;
}

/* a capture of a header and the given blocks, each payload with a valid CRC */
static void write_blocks(const char *path, const void *hdr_payload, size_t hdr_len, const unsigned *types,
			 const unsigned *flags, const void *const *payloads, const size_t *lens, const uint32_t *body_lens,
			 size_t n)
{
	struct ebr_buf file = {0};
	size_t blen;
	char *b = fx_block(EBR_BLOCK_FILE_HEADER, 0, hdr_payload, (uint32_t)hdr_len, (uint32_t)hdr_len, &blen);

	ebr_buf__put(&file, b, blen);
	free(b);
	for (size_t i = 0; i < n; i++) {
		b = fx_block(types[i], flags[i], payloads[i], (uint32_t)lens[i], body_lens[i], &blen);
		ebr_buf__put(&file, b, blen);
		free(b);
	}
	fx_write_file(path, file.p, file.len);
	ebr_buf__free(&file);
}

static struct ebr_file_header_disk good_header(void)
{
	struct ebr_file_header_disk h = { .major = EBR_FORMAT_MAJOR, .endian_mark = EBR_ENDIAN_MARK };

	memcpy(h.magic, EBR_FILE_MAGIC, sizeof(EBR_FILE_MAGIC));
	return h;
}

/* A header whose CRC is right but whose content is not: the messages docs/format.md §4 gives. */
static void test_header_refusals(void **state)
{
	char *path = fx_path(dir, "hdr.ebc"), want[512];
	struct ebr_file_header_disk h = good_header();

	(void)state;
	fx_log_capture();
	write_blocks(path, &h, 40, NULL, NULL, NULL, NULL, NULL, 0);
	assert_null(ebr_reader__open(path));
	assert_int_equal(errno, EBADMSG);
	snprintf(want, sizeof(want), "%s: file header is too short\n", path);
	assert_string_equal(fx_log_text(), want);
	fx_log_restore();

	fx_log_capture();
	memcpy(h.magic, "EBPFREX", 8);
	write_blocks(path, &h, sizeof(h), NULL, NULL, NULL, NULL, NULL, 0);
	assert_null(ebr_reader__open(path));
	assert_int_equal(errno, EBADMSG);
	snprintf(want, sizeof(want), "%s: not an ebpfrec capture (bad magic)\n", path);
	assert_string_equal(fx_log_text(), want);
	fx_log_restore();

	fx_log_capture();
	h = good_header();
	h.major = 2;
	h.minor = 3;
	write_blocks(path, &h, sizeof(h), NULL, NULL, NULL, NULL, NULL, 0);
	assert_null(ebr_reader__open(path));
	assert_int_equal(errno, EPROTONOSUPPORT);
	snprintf(want, sizeof(want),
		 "%s: capture format version 2.3 is not supported by this ebpfrec, which reads version 1.x; upgrade "
		 "ebpfrec to read it\n",
		 path);
	assert_string_equal(fx_log_text(), want);
	fx_log_restore();

	fx_log_capture();
	h = good_header();
	h.endian_mark = 0x04030201;
	write_blocks(path, &h, sizeof(h), NULL, NULL, NULL, NULL, NULL, 0);
	assert_null(ebr_reader__open(path));
	assert_int_equal(errno, EPROTONOSUPPORT);
	snprintf(want, sizeof(want), "%s: capture was written on a machine of the other byte order\n", path);
	assert_string_equal(fx_log_text(), want);
	fx_log_restore();

	/* not a file at all */
	fx_log_capture();
	assert_null(ebr_reader__open(dir));
	assert_int_equal(errno, EINVAL);
	snprintf(want, sizeof(want), "%s is not a regular file\n", dir);
	assert_string_equal(fx_log_text(), want);
	fx_log_restore();
	free(path);
}

/*
 * Metadata blocks whose CRC is right but whose body is not: each is refused
 * (counted as lost by the scan) or, for a schema, replaced by this build's
 * with a warning; a snapshot record too short for its type is skipped.
 */
static void test_metadata_refusals(void **state)
{
	char *path = fx_path(dir, "meta.ebc"), zeros[8192] = {0}, comp[8192], bad_frame[64];
	struct ebr_file_header_disk h = good_header();
	struct ebr_meta_disk schema_kind = { .kind = EBR_META_SCHEMA }, procs_kind = { .kind = EBR_META_PROCS };
	char bad_schema[sizeof(schema_kind) + 8], procs[sizeof(procs_kind) + 72 + 104];
	struct ebr_event_header *rec = (struct ebr_event_header *)(procs + sizeof(procs_kind));
	struct ebr_event_header *good = (struct ebr_event_header *)(procs + sizeof(procs_kind) + 72);
	size_t clen;
	unsigned n_procs = 0;
	struct ebr_reader *r;

	(void)state;
	/* a zstd frame that states its size (4096) but whose data is not a zstd block */
	memcpy(zeros, &(struct ebr_meta_disk){ .kind = EBR_META_NOTE }, 8);
	clen = ZSTD_compress(comp, sizeof(comp), zeros, 4096, 1);
	assert_false(ZSTD_isError(clen));
	memcpy(bad_frame, comp, clen < sizeof(bad_frame) ? clen : sizeof(bad_frame));
	memset(bad_frame + 6, 0xee, sizeof(bad_frame) - 6);
	/* a schema block of 8 bytes of nonsense */
	memcpy(bad_schema, &schema_kind, sizeof(schema_kind));
	memset(bad_schema + sizeof(schema_kind), 0x5a, 8);
	/* a snapshot: one record of type proc_info cut to 72 bytes, then a whole one */
	memset(procs, 0, sizeof(procs));
	memcpy(procs, &procs_kind, sizeof(procs_kind));
	rec->size = 72;
	rec->type = EBR_T_PROC_INFO;
	good->size = 104;
	good->type = EBR_T_PROC_INFO;
	good->pid = 42;
	{
		const unsigned types[] = { EBR_BLOCK_META, EBR_BLOCK_META, EBR_BLOCK_META, EBR_BLOCK_META };
		const unsigned flags[] = { EBR_BLOCK_F_ZSTD, 0, 0, 0 };
		const void *payloads[] = { bad_frame, "ab", bad_schema, procs };
		const size_t lens[] = { sizeof(bad_frame), 2, sizeof(bad_schema), sizeof(procs) };
		const uint32_t body_lens[] = { 4096, 2, sizeof(bad_schema), sizeof(procs) };

		write_blocks(path, &h, sizeof(h), types, flags, payloads, lens, body_lens, 4);
	}
	fx_log_capture();
	r = ebr_reader__open(path);
	assert_non_null(r);
	/* the undecodable frame and the body too short for its kind are lost; the others kept */
	assert_int_equal(ebr_reader__meta_count(r), 2);
	assert_true(ebr_reader__info(r)->bytes_lost > 0);
	assert_non_null(strstr(fx_log_text(), "the stored schema is damaged; using this build's schema"));
	assert_non_null(ebr_schema__type(ebr_reader__schema(r), EBR_T_EXEC)); /* this build's */
	fx_log_restore();
	ebr_reader__meta_records(r, EBR_META_PROCS, count_proc, &n_procs);
	assert_int_equal(n_procs, 1); /* the short one skipped */
	ebr_reader__close(r);
	free(path);
}

/*
 * Every allocation of opening and reading a capture fails, one at a time:
 * each run ends in an error (ENOMEM) or a read; nothing crashes, and under
 * ASan nothing leaks.
 */
static void test_allocation_failures(void **state)
{
	const char *path = EBR_TEST_DATA "/v1.0-synthetic.ebc";
	unsigned long total, refused = 0, failed_reads = 0;
	uint64_t clean = 0;

	(void)state;
	fx_log_capture();
	allocations = 0;
	fail_at = ~0UL; /* count only */
	{
		struct ebr_reader *r = ebr_reader__open(path);
		struct ebr_buf got = {0};

		assert_non_null(r);
		clean = fx_read_all(r, NULL, &got, NULL);
		ebr_buf__free(&got);
		ebr_reader__close(r);
	}
	total = allocations;
	for (unsigned long k = 1; k <= total; k++) {
		struct ebr_reader *r;

		allocations = 0;
		fail_at = k;
		errno = 0;
		fx_log_restore();
		fx_log_capture();
		r = ebr_reader__open(path);
		if (!r) {
			assert_int_equal(errno, ENOMEM);
			assert_non_null(strstr(fx_log_text(), "out of memory"));
			refused++;
			continue;
		}
		/* never a silent fallback: the index is fine, only memory was short */
		assert_int_equal(ebr_reader__info(r)->recovered, 0);
		{
			struct ebr_cursor *c = ebr_cursor__open(r, NULL);
			const struct ebr_event_header *h;
			uint64_t n = 0;
			int ret = 0;

			while (c && (ret = ebr_cursor__next(c, &h)) > 0)
				n++;
			if (!c || ret < 0)
				failed_reads++;
			else
				assert_int_equal(n, clean);
			ebr_cursor__close(c);
		}
		ebr_reader__close(r);
	}
	fail_at = 0;
	fx_log_restore();
	print_message("%lu allocations failed one at a time: %lu opens refused with ENOMEM, %lu reads failed, the "
		      "rest read all %llu records\n",
		      total, refused, failed_reads, (unsigned long long)clean);
	assert_true(total > 10);
	assert_true(refused > 0 && failed_reads > 0);
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
		cmocka_unit_test(test_header_refusals),
		cmocka_unit_test(test_metadata_refusals),
		cmocka_unit_test(test_allocation_failures),
	};

	fx_log_capture(); /* the reader explains what it refuses; not needed on the terminal */
	return cmocka_run_group_tests(tests, setup, teardown);
}
