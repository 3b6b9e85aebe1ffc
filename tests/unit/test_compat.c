// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What a newer writer may put in a capture of the same major version (new
 * block types, metadata kinds, trailer sections, sections after a segment
 * header's drop counters, event types, longer entries) is read past; a
 * newer major version is refused by name.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capture_fixture.h"
#include "ebpfrec/decode.h"
#include "events.h"
#include "internal.h"

#define N_SEGS 10
#define PER_SEG 50
#define NEW_BLOCK_TYPE 77

struct compat_fixture {
	char *dir;
	char *path; /* scratch file for variants */
	struct fx_capture c;
	char *file;
	size_t file_len;
	uint64_t seg_off[N_SEGS];
	uint64_t header_end;
};

static int setup(void **state)
{
	struct compat_fixture *f = calloc(1, sizeof(*f));
	struct fx_opts o = { .n_records = N_SEGS * PER_SEG, .per_segment = PER_SEG, .seed = 8,
			     .with_unknown = 1 };
	char *good;
	struct ebr_reader *r;
	struct ebr_block_prefix p;

	assert_non_null(f);
	f->dir = fx_tmpdir();
	good = fx_path(f->dir, "good.ebc");
	f->path = fx_path(f->dir, "variant.ebc");
	assert_int_equal(fx_capture__build(&f->c, good, &o), 0);
	f->file = fx_read_file(good, &f->file_len);
	r = ebr_reader__open(good);
	assert_non_null(r);
	for (size_t i = 0; i < N_SEGS; i++)
		f->seg_off[i] = ebr_reader__segment(r, i)->offset;
	ebr_reader__close(r);
	memcpy(&p, f->file, sizeof(p));
	f->header_end = 8 + p.frame_len;
	free(good);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct compat_fixture *f = *state;

	fx_capture__free(&f->c);
	free(f->file);
	free(f->path);
	fx_rmtree(f->dir);
	free(f);
	return 0;
}

/* Opens f->path and checks that every record of the fixture reads back. */
static struct ebr_reader *open_all(struct compat_fixture *f, int recovered)
{
	struct ebr_cursor_opts o = { .sz = sizeof(o) };
	struct ebr_cursor_stats st;
	struct ebr_buf got = { 0 };
	struct ebr_reader *r = ebr_reader__open(f->path);

	assert_non_null(r);
	assert_int_equal(ebr_reader__info(r)->recovered, recovered);
	assert_int_equal(ebr_reader__info(r)->n_segments, N_SEGS);
	assert_int_equal(ebr_reader__info(r)->n_segments_lost, 0);
	assert_int_equal(ebr_reader__info(r)->bytes_lost, 0);
	assert_int_equal(fx_read_all(r, &o, &got, &st), f->c.n_records);
	assert_int_equal(got.len, f->c.recs.len);
	assert_memory_equal(got.p, f->c.recs.p, got.len);
	assert_int_equal(st.segments_lost, 0);
	assert_int_equal(st.records_invalid, 0);
	ebr_buf__free(&got);
	return r;
}

static void *new_block(size_t *len)
{
	char payload[40];

	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (char)(i * 13 + 1);
	return fx_block(NEW_BLOCK_TYPE, 0, payload, sizeof(payload), sizeof(payload), len);
}

/* A block of a type this reader does not know, after the header or between segments. */
static void test_unknown_block_type(void **state)
{
	struct compat_fixture *f = *state;
	const uint64_t at[] = { f->header_end, f->seg_off[3] };
	size_t blen;
	char *block = new_block(&blen);

	for (size_t i = 0; i < 2; i++) {
		size_t len;
		char *spliced = fx_splice(f->file, f->file_len, at[i], block, blen, &len);
		struct ebr_reader *r;
		uint64_t toff;
		size_t tlen;

		assert_int_equal(len, f->file_len + blen);
		fx_write_file(f->path, spliced, len);
		r = open_all(f, 0);
		assert_int_equal(ebr_reader__meta_count(r), 2);
		ebr_reader__close(r);

		/* and without an index, by scanning */
		free(fx_trailer(spliced, len, &toff, &tlen));
		fx_write_file(f->path, spliced, toff);
		r = open_all(f, 1);
		assert_int_equal(ebr_reader__info(r)->bytes_recovered, toff);
		ebr_reader__close(r);
		free(spliced);
	}
	free(block);
}

/* Metadata kinds this reader does not know are kept as opaque bytes, small or compressed. */
static void test_unknown_meta_kind(void **state)
{
	struct compat_fixture *f = *state;
	struct ebr_writer_opts wo = { .sz = sizeof(wo), .force = 1 };
	struct ebr_writer *w = ebr_writer__open(f->path, &wo);
	char big[6000];
	void *schema;
	size_t slen;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 7);
	assert_non_null(w);
	assert_int_equal(ebr_schema__serialize(ebr_schema__builtin(), &schema, &slen), 0);
	assert_int_equal(ebr_writer__add_meta(w, 99, "opaque", 6), 0);
	assert_int_equal(ebr_writer__add_meta(w, EBR_META_SCHEMA, schema, slen), 0);
	assert_int_equal(ebr_writer__add_meta(w, 98, big, sizeof(big)), 0);
	for (size_t s = 0; s < N_SEGS; s++) {
		size_t len;
		const void *p = fx_capture__recs(&f->c, f->c.seg_rec[s], f->c.seg_rec[s + 1], &len);

		assert_int_equal(ebr_writer__add_segment(w, p, len, f->c.drops + s * EBR_DROP_REASONS,
							 EBR_DROP_REASONS), 0);
	}
	assert_int_equal(ebr_writer__close(w), 0);
	free(schema);

	for (int scanned = 0; scanned < 2; scanned++) {
		struct ebr_reader *r;
		unsigned kind;
		const void *data;
		size_t len;

		if (scanned) {
			size_t flen, tlen;
			uint64_t toff;
			char *file = fx_read_file(f->path, &flen);

			free(fx_trailer(file, flen, &toff, &tlen));
			fx_write_file(f->path, file, toff);
			free(file);
		}
		r = open_all(f, scanned);
		assert_int_equal(ebr_reader__meta_count(r), 3);
		assert_int_equal(ebr_reader__meta(r, 0, &kind, &data, &len), 0);
		assert_int_equal(kind, 99);
		assert_int_equal(len, 6);
		assert_memory_equal(data, "opaque", 6);
		assert_int_equal(ebr_reader__meta(r, 2, &kind, &data, &len), 0);
		assert_int_equal(kind, 98);
		assert_int_equal(len, sizeof(big));
		assert_memory_equal(data, big, sizeof(big));
		/* the schema after them was still found */
		assert_ptr_not_equal(ebr_reader__schema(r), ebr_schema__builtin());
		assert_string_equal(ebr_schema__type(ebr_reader__schema(r), EBR_T_EXIT)->name, "exit");
		ebr_reader__close(r);
	}
}

/* Event types without a schema entry are delivered raw and decode as type_N. */
static void test_unknown_event_type(void **state)
{
	struct compat_fixture *f = *state;
	struct ebr_writer_opts wo = { .sz = sizeof(wo), .force = 1,
				      .boot_to_wall_ns = 1000000000LL * 1700000000 };
	struct ebr_cursor_opts co = { .sz = sizeof(co) };
	struct ebr_buf b = { 0 }, got = { 0 };
	struct ebr_cursor_stats st;
	struct ebr_event_header *h;
	struct ebr_decoder *d;
	struct ebr_writer *w;
	struct ebr_reader *r;
	size_t off[3], got_len;
	char *out = NULL;
	FILE *mem;
	void *schema;
	size_t slen;

	off[0] = ebr_rec__begin(&b, sizeof(*h) + 16);
	off[1] = ebr_rec__begin(&b, sizeof(*h));
	off[2] = ebr_rec__begin(&b, sizeof(*h)); /* an exec record too short for its type */
	for (int i = 0; i < 3; i++) {
		h = ebr_rec__at(&b, off[i]);
		h->ts = 5000000000ULL + (uint64_t)i;
		h->size = (uint32_t)(i ? sizeof(*h) : sizeof(*h) + 16);
		h->type = i == 0 ? 300 : i == 1 ? 1500 : EBR_T_EXEC;
		h->cpu = 3;
		h->pid = 40 + (uint32_t)i;
		h->tid = 50 + (uint32_t)i;
		memcpy(h->comm, "newtool", 8);
	}
	memset(b.p + off[0] + sizeof(*h), 0xee, 16);
	w = ebr_writer__open(f->path, &wo);
	assert_non_null(w);
	assert_int_equal(ebr_schema__serialize(ebr_schema__builtin(), &schema, &slen), 0);
	assert_int_equal(ebr_writer__add_meta(w, EBR_META_SCHEMA, schema, slen), 0);
	free(schema);
	assert_int_equal(ebr_writer__add_segment(w, b.p, b.len, NULL, 0), 0);
	assert_int_equal(ebr_writer__close(w), 0);

	r = ebr_reader__open(f->path);
	assert_non_null(r);
	assert_int_equal(fx_read_all(r, &co, &got, &st), 2);
	assert_int_equal(st.records_invalid, 1); /* the short exec record */
	assert_int_equal(got.len, off[2]);
	assert_memory_equal(got.p, b.p, off[2]);
	assert_int_equal(ebr_reader__type_count(r, 300), 1);
	assert_int_equal(ebr_reader__type_count(r, 1500), 0); /* past EBR_T_MAX: not counted */
	assert_true(ebr_type_bitmap__test(ebr_reader__segment(r, 0)->type_bitmap, 1500));

	d = ebr_decoder__new(ebr_reader__schema(r), ebr_reader__info(r), NULL);
	assert_non_null(d);
	mem = open_memstream(&out, &got_len);
	for (size_t o = 0; o < got.len; o += ((struct ebr_event_header *)(got.p + o))->size) {
		assert_int_equal(ebr_decoder__text(d, (const void *)(got.p + o), mem), 0);
		assert_int_equal(ebr_decoder__json(d, (const void *)(got.p + o), mem), 0);
	}
	fclose(mem);
	assert_string_equal(out,
			    "0.000000000 cpu3 newtool[40/50] type_300 size=88 (not described by the capture's schema)\n"
			    "{\"ts\":5000000000,\"time\":\"2023-11-14T22:13:25.000000000Z\",\"type\":\"type_300\","
			    "\"pid\":40,\"tid\":50,\"size\":88}\n"
			    "0.000000001 cpu3 newtool[41/51] type_1500 size=72 (not described by the capture's schema)\n"
			    "{\"ts\":5000000001,\"time\":\"2023-11-14T22:13:25.000000001Z\",\"type\":\"type_1500\","
			    "\"pid\":41,\"tid\":51,\"size\":72}\n");
	free(out);
	ebr_decoder__free(d);
	ebr_reader__close(r);
	ebr_buf__free(&b);
	ebr_buf__free(&got);
}

/* Rewrites the file header payload in place and fixes its CRC. */
static void patch_header(char *file, void (*fn)(struct ebr_file_header_disk *h))
{
	struct ebr_block_prefix p;
	struct ebr_file_header_disk h;

	memcpy(&p, file, sizeof(p));
	memcpy(&h, file + sizeof(p), sizeof(h));
	fn(&h);
	memcpy(file + sizeof(p), &h, sizeof(h));
	p.crc32c = ebr_crc32c(0, file + sizeof(p), p.frame_len - (EBR_BLOCK_PREFIX_SIZE - 8));
	memcpy(file, &p, sizeof(p));
}

static void major_2(struct ebr_file_header_disk *h)
{
	h->major = 2;
	h->minor = 3;
}

static void minor_9(struct ebr_file_header_disk *h)
{
	h->minor = 9;
}

static void other_endian(struct ebr_file_header_disk *h)
{
	h->endian_mark = 0x04030201U;
}

static void test_future_major_refused(void **state)
{
	struct compat_fixture *f = *state;
	char *file = malloc(f->file_len), want[512];
	struct ebr_reader *r;

	memcpy(file, f->file, f->file_len);
	patch_header(file, major_2);
	fx_write_file(f->path, file, f->file_len);
	fx_log_capture();
	errno = 0;
	assert_null(ebr_reader__open(f->path));
	assert_int_equal(errno, EPROTONOSUPPORT);
	snprintf(want, sizeof(want),
		 "%s: capture format version 2.3 is not supported by this ebpfrec, which reads "
		 "version 1.x; upgrade ebpfrec to read it\n",
		 f->path);
	assert_string_equal(fx_log_text(), want);
	fx_log_restore();

	/* a newer minor version of the same major is read */
	memcpy(file, f->file, f->file_len);
	patch_header(file, minor_9);
	fx_write_file(f->path, file, f->file_len);
	r = open_all(f, 0);
	assert_int_equal(ebr_reader__info(r)->major, 1);
	assert_int_equal(ebr_reader__info(r)->minor, 9);
	ebr_reader__close(r);

	memcpy(file, f->file, f->file_len);
	patch_header(file, other_endian);
	fx_write_file(f->path, file, f->file_len);
	fx_log_capture();
	assert_null(ebr_reader__open(f->path));
	assert_int_equal(errno, EPROTONOSUPPORT);
	snprintf(want, sizeof(want), "%s: capture was written on a machine of the other byte order\n",
		 f->path);
	assert_string_equal(fx_log_text(), want);
	fx_log_restore();
	free(file);
}

static void test_not_a_capture(void **state)
{
	struct compat_fixture *f = *state;
	char *file = malloc(f->file_len), want[512];

	snprintf(want, sizeof(want), "%s: not an ebpfrec capture, or its header is damaged\n", f->path);
	fx_write_file(f->path, "hello, world\n", 13);
	fx_log_capture();
	assert_null(ebr_reader__open(f->path));
	assert_int_equal(errno, EBADMSG);
	assert_string_equal(fx_log_text(), want);
	fx_log_restore();

	memcpy(file, f->file, f->file_len);
	file[EBR_BLOCK_PREFIX_SIZE + 70] ^= 1; /* inside the host name: the CRC fails */
	fx_write_file(f->path, file, f->file_len);
	fx_log_capture();
	assert_null(ebr_reader__open(f->path));
	assert_int_equal(errno, EBADMSG);
	assert_string_equal(fx_log_text(), want);
	fx_log_restore();
	free(file);
}

/* A header grown by a later minor version: the known part is read, the rest ignored. */
static void test_longer_header(void **state)
{
	struct compat_fixture *f = *state;
	char ext[64];
	size_t len;
	char *file;
	struct ebr_block_prefix p;
	struct ebr_file_header_disk h;
	struct ebr_reader *r;

	memset(ext, 0x5a, sizeof(ext));
	file = fx_splice(f->file, f->file_len, f->header_end, ext, sizeof(ext), &len);
	memcpy(&p, file, sizeof(p));
	memcpy(&h, file + sizeof(p), sizeof(h));
	p.frame_len += sizeof(ext);
	p.body_len += sizeof(ext);
	h.header_size += sizeof(ext);
	memcpy(file + sizeof(p), &h, sizeof(h));
	p.crc32c = ebr_crc32c(0, file + sizeof(p), h.header_size);
	memcpy(file, &p, sizeof(p));
	fx_write_file(f->path, file, len);
	r = open_all(f, 0);
	assert_string_equal(ebr_reader__info(r)->host, "fixture-host");
	assert_string_equal(ebr_reader__info(r)->machine, "x86_64");
	ebr_reader__close(r);
	free(file);
}

struct section {
	uint32_t type;
	char *data;
	size_t len;
};

static size_t split_trailer(const char *t, size_t len, struct section *s, size_t max)
{
	size_t n = 0;

	for (size_t o = 0; o + sizeof(struct ebr_trailer_section_disk) <= len;) {
		struct ebr_trailer_section_disk sh;

		memcpy(&sh, t + o, sizeof(sh));
		o += sizeof(sh);
		assert_true(n < max);
		s[n].type = sh.section;
		s[n].len = sh.len;
		s[n].data = malloc(sh.len + 1);
		memcpy(s[n].data, t + o, sh.len);
		n++;
		o += sh.len;
	}
	return n;
}

static void put_section(struct ebr_buf *b, uint32_t type, const void *data, size_t len)
{
	struct ebr_trailer_section_disk sh = { .section = type, .len = (uint32_t)ebr_align8(len) };

	ebr_buf__put(b, &sh, sizeof(sh));
	ebr_buf__put(b, data, len);
	ebr_buf__put(b, NULL, sh.len - len);
}

/*
 * A trailer as a later minor version might write it: an unknown section
 * first, index entries 16 bytes longer plus one for a new kind of block,
 * and a longer summary. The reader still opens through it.
 */
static void test_grown_trailer(void **state)
{
	struct compat_fixture *f = *state;
	size_t blen, slen, tlen, n, flen;
	char *block = new_block(&blen);
	char *spliced = fx_splice(f->file, f->file_len, f->seg_off[5], block, blen, &slen);
	uint64_t toff;
	char *t = fx_trailer(spliced, slen, &toff, &tlen), *file;
	struct section s[16];
	struct ebr_buf nt = { 0 };
	struct ebr_reader *r;
	char unknown[20];

	memset(unknown, 0x77, sizeof(unknown));
	n = split_trailer(t, tlen, s, 16);
	put_section(&nt, 99, unknown, sizeof(unknown));
	for (size_t i = 0; i < n; i++) {
		if (s[i].type == EBR_TRAILER_INDEX) {
			struct ebr_index_header_disk ih;
			struct ebr_index_entry_disk e = { .offset = f->seg_off[5],
							  .block_type = NEW_BLOCK_TYPE,
							  .block_len = (uint32_t)blen };
			struct ebr_buf idx = { 0 };
			char pad[16];

			memset(pad, 0xab, sizeof(pad));
			memcpy(&ih, s[i].data, sizeof(ih));
			ih.entry_size += sizeof(pad);
			ih.n_entries++;
			ebr_buf__put(&idx, &ih, sizeof(ih));
			for (uint32_t k = 0; k + 1 < ih.n_entries; k++) {
				ebr_buf__put(&idx, s[i].data + sizeof(ih) + k * sizeof(e), sizeof(e));
				ebr_buf__put(&idx, pad, sizeof(pad));
			}
			ebr_buf__put(&idx, &e, sizeof(e));
			ebr_buf__put(&idx, pad, sizeof(pad));
			put_section(&nt, EBR_TRAILER_INDEX, idx.p, idx.len);
			ebr_buf__free(&idx);
		} else if (s[i].type == EBR_TRAILER_SUMMARY) {
			char longer[sizeof(struct ebr_summary_disk) + 24];

			memset(longer, 0x11, sizeof(longer));
			memcpy(longer, s[i].data, sizeof(struct ebr_summary_disk));
			put_section(&nt, EBR_TRAILER_SUMMARY, longer, sizeof(longer));
		} else {
			put_section(&nt, s[i].type, s[i].data, s[i].len);
		}
		free(s[i].data);
	}
	assert_int_equal(nt.err, 0);
	file = fx_reseal(spliced, toff, nt.p, nt.len, &flen);
	fx_write_file(f->path, file, flen);
	r = open_all(f, 0);
	assert_int_equal(ebr_reader__meta_count(r), 2);
	assert_true(ebr_reader__info(r)->ended_wall_ns != 0);
	for (unsigned d = 0; d < EBR_DROP_REASONS; d++)
		assert_int_equal(ebr_reader__info(r)->drops[d],
				 f->c.drops[(N_SEGS - 1) * EBR_DROP_REASONS + d]);
	ebr_reader__close(r);
	ebr_buf__free(&nt);
	free(file);
	free(t);
	free(spliced);
	free(block);
}

/* The segment's encoding field is changed (with a valid block CRC); it must be lost, not misread. */
static void check_segment_relabelled(void **state, uint16_t encoding, const char *why)
{
	struct compat_fixture *f = *state;
	char *file = malloc(f->file_len), want[512];
	uint64_t off = f->seg_off[2];
	struct ebr_block_prefix p;
	struct ebr_segment_disk sd;
	struct ebr_cursor_opts o = { .sz = sizeof(o) };
	struct ebr_cursor_stats st;
	struct ebr_buf got = { 0 };
	struct ebr_reader *r;
	size_t len_a, len_b;
	const void *a = fx_capture__recs(&f->c, 0, f->c.seg_rec[2], &len_a);
	const void *b = fx_capture__recs(&f->c, f->c.seg_rec[3], f->c.n_records, &len_b);

	memcpy(file, f->file, f->file_len);
	memcpy(&p, file + off, sizeof(p));
	memcpy(&sd, file + off + sizeof(p), sizeof(sd));
	sd.encoding = encoding;
	memcpy(file + off + sizeof(p), &sd, sizeof(sd));
	p.crc32c = ebr_crc32c(0, file + off + sizeof(p), p.frame_len - (EBR_BLOCK_PREFIX_SIZE - 8));
	memcpy(file + off, &p, sizeof(p));
	fx_write_file(f->path, file, f->file_len);

	r = ebr_reader__open(f->path);
	assert_non_null(r);
	assert_int_equal(ebr_reader__info(r)->recovered, 0);
	fx_log_capture();
	assert_int_equal(fx_read_all(r, &o, &got, &st), f->c.n_records - PER_SEG);
	snprintf(want, sizeof(want), "%s: segment 2 %s\n", f->path, why);
	assert_string_equal(fx_log_text(), want);
	fx_log_restore();
	assert_int_equal(st.segments_lost, 1);
	assert_int_equal(got.len, len_a + len_b);
	assert_memory_equal(got.p, a, len_a);
	assert_memory_equal(got.p + len_a, b, len_b);
	ebr_buf__free(&got);
	ebr_reader__close(r);
	free(file);
}

/*
 * A segment whose records use an encoding this reader does not know is
 * skipped with a message (reported lost), never misread as records.
 */
static void test_unknown_segment_encoding(void **state)
{
	check_segment_relabelled(state, 7,
				 "stores its events in encoding 7, which this ebpfrec cannot read; its 50 "
				 "events are skipped");
}

/* Records labelled as columns do not decode as columns: the segment is lost, nothing misread. */
static void test_records_labelled_columns(void **state)
{
	check_segment_relabelled(state, 1, "does not decompress; its 50 events are lost");
}

static void put_dbt(struct ebr_buf *b, uint16_t reason, uint16_t type, uint64_t count)
{
	struct ebr_drop_by_type_disk d = { .reason = reason, .type = type, .count = count };

	ebr_buf__put(b, &d, sizeof(d));
}

/*
 * The last segment's header with ext inserted after its drop counters (and
 * n_drops raised by extra_drops, whose counters lead ext), the block's
 * lengths and CRC made good: a header as a later writer may write it.
 */
static char *grown_segment(struct compat_fixture *f, const struct ebr_buf *ext, unsigned extra_drops,
			   size_t *len)
{
	uint64_t off = f->seg_off[N_SEGS - 1];
	size_t at = off + EBR_BLOCK_PREFIX_SIZE + sizeof(struct ebr_segment_disk) + 8 * EBR_DROP_REASONS;
	char *file = fx_splice(f->file, f->file_len, at, ext->p, ext->len, len);
	struct ebr_block_prefix p;
	struct ebr_segment_disk sd;

	memcpy(&p, file + off, sizeof(p));
	memcpy(&sd, file + off + sizeof(p), sizeof(sd));
	assert_int_equal(p.frame_len - (EBR_BLOCK_PREFIX_SIZE - 8), sizeof(sd) + 8 * EBR_DROP_REASONS);
	sd.n_drops += extra_drops;
	memcpy(file + off + sizeof(p), &sd, sizeof(sd));
	p.frame_len += ext->len;
	p.body_len += ext->len;
	p.crc32c = ebr_crc32c(0, file + off + sizeof(p), p.frame_len - (EBR_BLOCK_PREFIX_SIZE - 8));
	memcpy(file + off, &p, sizeof(p));
	return file;
}

/*
 * Sections after a segment header's drop counters (format.md 7.2), as this
 * version writes them and as later ones may: read through the index (the
 * trailer's drops by type stand) and, cut before the trailer, by the scan
 * (the last segment's stand). Unknown sections are skipped, only the first
 * DROPS_BY_TYPE counts, a section running past the header ends the walk,
 * and bytes that are no section at all are ignored: the records, the
 * per-reason counters and the segment itself are never lost to them.
 */
static void test_segment_sections(void **state)
{
	struct compat_fixture *f = *state;
	const uint64_t *drops = f->c.drops + (N_SEGS - 1) * EBR_DROP_REASONS;

	for (int variant = 0; variant < 4; variant++) {
		struct ebr_buf ext = { 0 }, dbt = { 0 }, junk = { 0 };
		uint64_t toff, extra = 77;
		unsigned extra_drops = 0;
		size_t len, tlen;
		char *file;
		struct ebr_reader *r;

		ebr_buf__put(&junk, NULL, 24);
		memset(junk.p, 0x5a, junk.len);
		put_dbt(&dbt, EBR_DROP_RINGBUF_FULL, EBR_T_SYSCALL, 7);
		put_dbt(&dbt, EBR_DROP_RATE_LIMITED, 127, 9);
		switch (variant) {
		case 0: /* as written now */
			put_section(&ext, EBR_TRAILER_DROPS_BY_TYPE, dbt.p, dbt.len);
			break;
		case 1: /* a later writer's: new sections around it, a second one ignored, a broken end */
			put_section(&ext, 99, junk.p, junk.len);
			put_section(&ext, EBR_TRAILER_DROPS_BY_TYPE, dbt.p, dbt.len);
			dbt.len = 0;
			put_dbt(&dbt, EBR_DROP_RINGBUF_FULL, EBR_T_EXEC, 1000);
			put_section(&ext, EBR_TRAILER_DROPS_BY_TYPE, dbt.p, dbt.len);
			put_section(&ext, 55, NULL, 0);
			{
				struct ebr_trailer_section_disk past = { .section = 56, .len = 4096 };

				ebr_buf__put(&ext, &past, sizeof(past));
				ebr_buf__put(&ext, junk.p, 3);
			}
			break;
		case 2: /* a ninth drop reason: the sections follow drops[9] */
			ebr_buf__put(&ext, &extra, sizeof(extra));
			put_section(&ext, EBR_TRAILER_DROPS_BY_TYPE, dbt.p, dbt.len);
			extra_drops = 1;
			break;
		default: /* trailing bytes that are no section */
			ebr_buf__put(&ext, junk.p, 5);
			break;
		}
		assert_int_equal(ext.err, 0);
		file = grown_segment(f, &ext, extra_drops, &len);
		fx_write_file(f->path, file, len);
		r = open_all(f, 0);
		for (unsigned d = 0; d < EBR_DROP_REASONS; d++)
			assert_int_equal(ebr_reader__info(r)->drops[d], drops[d]);
		/* the fixture's trailer has none: it wins */
		assert_int_equal(ebr_reader__drops_by_type(r, EBR_DROP_RINGBUF_FULL, EBR_T_SYSCALL), 0);
		ebr_reader__close(r);

		free(fx_trailer(file, len, &toff, &tlen));
		fx_write_file(f->path, file, toff);
		r = open_all(f, 1);
		for (unsigned d = 0; d < EBR_DROP_REASONS; d++)
			assert_int_equal(ebr_reader__info(r)->drops[d], drops[d]);
		assert_int_equal(ebr_reader__drops_by_type(r, EBR_DROP_RINGBUF_FULL, EBR_T_SYSCALL),
				 variant < 3 ? 7 : 0);
		assert_int_equal(ebr_reader__drops_by_type(r, EBR_DROP_RATE_LIMITED, 127), variant < 3 ? 9 : 0);
		assert_int_equal(ebr_reader__drops_by_type(r, EBR_DROP_RINGBUF_FULL, EBR_T_EXEC), 0);
		ebr_reader__close(r);
		free(file);
		ebr_buf__free(&ext);
		ebr_buf__free(&dbt);
		ebr_buf__free(&junk);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_block_type),
		cmocka_unit_test(test_unknown_meta_kind),
		cmocka_unit_test(test_unknown_event_type),
		cmocka_unit_test(test_future_major_refused),
		cmocka_unit_test(test_not_a_capture),
		cmocka_unit_test(test_longer_header),
		cmocka_unit_test(test_grown_trailer),
		cmocka_unit_test(test_unknown_segment_encoding),
		cmocka_unit_test(test_records_labelled_columns),
		cmocka_unit_test(test_segment_sections),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
