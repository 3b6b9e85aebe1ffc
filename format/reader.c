// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Opening a capture. The fast path reads the footer, then the trailer's
 * index. When the footer is missing or damaged (recorder killed, disk full)
 * the file is walked block by block from the start; every whole block whose
 * CRC verifies is kept, and what could not be kept is counted. Either way,
 * segment data is verified only when a cursor reads it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "events.h"
#include "reader_internal.h"
#include "seg_codec.h"
#include "schema_internal.h"

int ebr_type_bitmap__test(const uint64_t bitmap[2], unsigned type)
{
	unsigned bit = type < EBR_TYPE_BITMAP_BITS ? type : EBR_TYPE_BITMAP_BITS - 1;

	return (bitmap[bit / 64] >> (bit % 64)) & 1;
}

void ebr_type_bitmap__set(uint64_t bitmap[2], unsigned type)
{
	unsigned bit = type < EBR_TYPE_BITMAP_BITS ? type : EBR_TYPE_BITMAP_BITS - 1;

	bitmap[bit / 64] |= 1ULL << (bit % 64);
}

static int read_prefix(struct ebr_reader *r, uint64_t off, struct ebr_block_prefix *p)
{
	ssize_t n;

	if (r->info.file_size < EBR_BLOCK_PREFIX_SIZE || off > r->info.file_size - EBR_BLOCK_PREFIX_SIZE)
		return -ENODATA;
	n = ebr_pread_full(r->fd, p, sizeof(*p), off);
	if (n < 0)
		return (int)n;
	if ((size_t)n < sizeof(*p))
		return -ENODATA;
	if ((p->zstd_magic & EBR_ZSTD_SKIPPABLE_MASK) != EBR_ZSTD_SKIPPABLE_BASE ||
	    p->block_magic != EBR_BLOCK_MAGIC || p->frame_len < EBR_BLOCK_PREFIX_SIZE - 8)
		return -EBADMSG;
	if (p->frame_len > r->info.file_size - off - 8)
		return -ENODATA; /* the block runs past the end of the file */
	return 0;
}

/* Reads a block's payload (malloc'd) and checks its CRC. */
static int read_payload(struct ebr_reader *r, uint64_t off, const struct ebr_block_prefix *p,
			void **out, size_t *len)
{
	size_t n = p->frame_len - (EBR_BLOCK_PREFIX_SIZE - 8);
	void *buf;
	ssize_t got;

	if (n > EBR_MAX_META_BODY)
		return -EFBIG;
	buf = malloc(n ? n : 1);
	if (!buf)
		return -ENOMEM;
	got = ebr_pread_full(r->fd, buf, n, off + EBR_BLOCK_PREFIX_SIZE);
	if (got < 0 || (size_t)got != n) {
		free(buf);
		return got < 0 ? (int)got : -ENODATA;
	}
	if (ebr_crc32c(0, buf, n) != p->crc32c) {
		free(buf);
		return -EBADMSG;
	}
	*out = buf;
	*len = n;
	return 0;
}

static const char *version_hint(uint16_t major)
{
	return major > EBR_FORMAT_MAJOR ? "; upgrade ebpfrec to read it" : "";
}

static int parse_file_header(struct ebr_reader *r, const void *buf, size_t len)
{
	struct ebr_file_header_disk h = {0};

	if (len < offsetof(struct ebr_file_header_disk, host)) {
		pr_err("%s: file header is too short", r->path);
		return -EBADMSG;
	}
	memcpy(&h, buf, len < sizeof(h) ? len : sizeof(h));
	if (memcmp(h.magic, EBR_FILE_MAGIC, sizeof(EBR_FILE_MAGIC))) {
		pr_err("%s: not an ebpfrec capture (bad magic)", r->path);
		return -EBADMSG;
	}
	if (h.major != EBR_FORMAT_MAJOR) {
		pr_err("%s: capture format version %u.%u is not supported by this ebpfrec, which reads "
		       "version %u.x%s",
		       r->path, h.major, h.minor, EBR_FORMAT_MAJOR, version_hint(h.major));
		return -EPROTONOSUPPORT;
	}
	if (h.endian_mark != EBR_ENDIAN_MARK) {
		pr_err("%s: capture was written on a machine of the other byte order", r->path);
		return -EPROTONOSUPPORT;
	}
	r->info.major = h.major;
	r->info.minor = h.minor;
	memcpy(r->info.uuid, h.uuid, 16);
	snprintf(r->info.uuid_str, sizeof(r->info.uuid_str),
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", h.uuid[0],
		 h.uuid[1], h.uuid[2], h.uuid[3], h.uuid[4], h.uuid[5], h.uuid[6], h.uuid[7], h.uuid[8],
		 h.uuid[9], h.uuid[10], h.uuid[11], h.uuid[12], h.uuid[13], h.uuid[14], h.uuid[15]);
	r->info.created_wall_ns = h.created_wall_ns;
	r->info.boot_to_wall_ns = h.boot_to_wall_ns;
	r->info.ncpus = h.ncpus;
	r->info.page_size = h.page_size;
	ebr_strlcpy(r->info.host, h.host, sizeof(r->info.host));
	ebr_strlcpy(r->info.kernel_release, h.kernel_release, sizeof(r->info.kernel_release));
	ebr_strlcpy(r->info.kernel_version, h.kernel_version, sizeof(r->info.kernel_version));
	ebr_strlcpy(r->info.machine, h.machine, sizeof(r->info.machine));
	ebr_strlcpy(r->info.tool_version, h.tool_version, sizeof(r->info.tool_version));
	return 0;
}

/*
 * Metadata is kept in memory, decompressed. Compression lets a small file
 * claim bodies far larger than itself (zeros compress 10000-fold), so all
 * the bodies of one capture together get a budget: 256 MiB, or 128 times
 * the file for a large merged capture, whose metadata is that of all its
 * sources. A block beyond it is refused like a damaged one.
 */
static uint64_t meta_budget(const struct ebr_reader *r)
{
	uint64_t scaled = r->info.file_size * 128;

	return scaled > EBR_MAX_META_BODY ? scaled : EBR_MAX_META_BODY;
}

static int add_meta(struct ebr_reader *r, const struct ebr_block_prefix *p, void *payload, size_t len)
{
	struct ebr_meta_disk m;
	void *body = payload;
	size_t body_len = len;

	if (r->meta_bytes + (p->flags & EBR_BLOCK_F_ZSTD ? p->body_len : len) > meta_budget(r)) {
		pr_warn("%s: metadata beyond %llu MiB in all; the block at offset %llu is skipped", r->path,
			(unsigned long long)(meta_budget(r) >> 20), (unsigned long long)r->cur_block);
		return -EFBIG;
	}
	if (p->flags & EBR_BLOCK_F_ZSTD) {
		unsigned long long declared = ZSTD_getFrameContentSize(payload, len);
		size_t n;

		if (p->body_len > EBR_MAX_META_BODY)
			return -EFBIG;
		/* body_len is outside the CRC: believe it only if the frame agrees */
		if (declared == ZSTD_CONTENTSIZE_ERROR ||
		    (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != p->body_len))
			return -EBADMSG;
		body = malloc(p->body_len ? p->body_len : 1);
		if (!body)
			return -ENOMEM;
		n = ZSTD_decompress(body, p->body_len, payload, len);
		if (ZSTD_isError(n) || n != p->body_len) {
			free(body);
			return -EBADMSG;
		}
		body_len = n;
	}
	if (body_len < sizeof(m)) {
		if (body != payload)
			free(body);
		return -EBADMSG;
	}
	memcpy(&m, body, sizeof(m));
	if (r->n_metas == r->cap_metas) {
		size_t cap = r->cap_metas ? r->cap_metas * 2 : 16;
		void *n = realloc(r->metas, cap * sizeof(*r->metas));

		if (!n) {
			if (body != payload)
				free(body);
			return -ENOMEM;
		}
		r->metas = n;
		r->cap_metas = cap;
	}
	r->meta_bytes += body_len;
	r->metas[r->n_metas].kind = m.kind;
	r->metas[r->n_metas].len = body_len - sizeof(m);
	r->metas[r->n_metas].data = malloc(body_len - sizeof(m) + 1);
	if (!r->metas[r->n_metas].data) {
		if (body != payload)
			free(body);
		return -ENOMEM;
	}
	memcpy(r->metas[r->n_metas].data, (char *)body + sizeof(m), body_len - sizeof(m));
	((char *)r->metas[r->n_metas].data)[body_len - sizeof(m)] = 0; /* text metadata is a C string */
	r->n_metas++;
	if (body != payload)
		free(body);
	if (m.kind == EBR_META_SCHEMA && !r->schema) {
		r->schema = ebr_schema__parse(r->metas[r->n_metas - 1].data, r->metas[r->n_metas - 1].len);
		if (r->schema)
			ebr_strlcpy(r->schema->machine, r->info.machine, sizeof(r->schema->machine));
		if (!r->schema && errno == ENOMEM)
			return -ENOMEM; /* not damage: decoding with another schema would mislead */
		if (!r->schema)
			pr_warn("%s: the stored schema is damaged; using this build's schema", r->path);
	}
	return 0;
}

static int add_segment(struct ebr_reader *r, uint64_t off, const struct ebr_block_prefix *p,
		       const void *payload, size_t len)
{
	struct ebr_segment_disk s;
	struct ebr_segment_slot *slot;
	unsigned nd;

	if (len < sizeof(s))
		return -EBADMSG;
	memcpy(&s, payload, sizeof(s));
	if (s.raw_size > EBR_MAX_SEGMENT_RAW || s.comp_size > r->info.file_size ||
	    (size_t)s.n_drops * 8 > len - sizeof(s))
		return -EBADMSG;
	if (r->n_segs == r->cap_segs) {
		size_t cap = r->cap_segs ? r->cap_segs * 2 : 64;
		void *n = realloc(r->segs, cap * sizeof(*r->segs));

		if (!n)
			return -ENOMEM;
		r->segs = n;
		r->cap_segs = cap;
	}
	slot = &r->segs[r->n_segs];
	memset(slot, 0, sizeof(*slot));
	slot->info.offset = off;
	slot->info.seq = s.seq;
	slot->info.t_first = s.t_first;
	slot->info.t_last = s.t_last;
	memcpy(slot->info.type_bitmap, s.type_bitmap, sizeof(s.type_bitmap));
	slot->info.n_records = s.n_records;
	slot->info.raw_size = s.raw_size;
	slot->info.comp_size = s.comp_size;
	slot->info.data_crc32c = s.data_crc32c;
	nd = s.n_drops < EBR_DROP_REASONS ? s.n_drops : EBR_DROP_REASONS;
	memcpy(slot->info.drops, (const char *)payload + sizeof(s), nd * 8);
	slot->data_offset = off + 8 + p->frame_len;
	slot->encoding = s.encoding;
	r->n_segs++;
	return 0;
}

/*
 * Block at off: a metadata block or a segment header is loaded, anything
 * else skipped. A segment's data is not read here: its CRC is checked when
 * a cursor reads it, the same whether the file was opened through its index
 * or scanned, so a damaged segment is reported the same way in both cases.
 */
static int load_block(struct ebr_reader *r, uint64_t off, const struct ebr_block_prefix *p,
		      uint64_t *next)
{
	void *payload = NULL;
	size_t len;
	int err;

	*next = off + 8 + p->frame_len;
	r->cur_block = off;
	if (p->block_type != EBR_BLOCK_META && p->block_type != EBR_BLOCK_SEGMENT)
		return 0; /* header, trailer, footer or a newer block type: skipped */
	err = read_payload(r, off, p, &payload, &len);
	if (err)
		return err;
	if (p->block_type == EBR_BLOCK_META) {
		err = add_meta(r, p, payload, len);
		free(payload);
		if (!err) {
			r->metas[r->n_metas - 1].offset = off;
			r->metas[r->n_metas - 1].block_len = 8 + (uint64_t)p->frame_len;
		}
		return err;
	}
	err = add_segment(r, off, p, payload, len);
	free(payload);
	if (err)
		return err;
	*next = r->segs[r->n_segs - 1].data_offset + r->segs[r->n_segs - 1].info.comp_size;
	if (*next > r->info.file_size) {
		r->n_segs--;
		return -ENODATA;
	}
	return 0;
}

/* Next offset at or after off where a block prefix verifies, or file size. */
static uint64_t resync(struct ebr_reader *r, uint64_t off)
{
	static const uint8_t sig[4] = { 0x5E, 0x2A, 0x4D, 0x18 };
	uint8_t buf[65536];

	while (off < r->info.file_size) {
		ssize_t n = ebr_pread_full(r->fd, buf, sizeof(buf), off);

		if (n <= 0)
			break;
		for (ssize_t i = 0; i + 4 <= n; i++) {
			struct ebr_block_prefix p;

			if (memcmp(buf + i, sig, 4))
				continue;
			if (read_prefix(r, off + (uint64_t)i, &p) == 0)
				return off + (uint64_t)i;
		}
		if (n < 4)
			break;
		off += (uint64_t)n - 3;
	}
	return r->info.file_size;
}

/*
 * Walks every block from off. A block that fails (bad CRC, or a length that
 * runs past the end of the file, which a damaged prefix can also cause) is
 * skipped by searching for the next valid prefix. Segments are numbered
 * consecutively from 0, so a gap in seq also reveals a segment whose prefix
 * was too damaged to be recognised.
 */
static int scan_file(struct ebr_reader *r, uint64_t off)
{
	struct ebr_block_prefix p;
	uint64_t good_end = off, expect_seq = 0;

	r->info.recovered = 1;
	while (off < r->info.file_size) {
		uint64_t next;
		int err;

		memset(&p, 0, sizeof(p)); /* stays zero when not even a prefix is left */
		err = read_prefix(r, off, &p);
		if (err == 0)
			err = load_block(r, off, &p, &next);
		if (err == -ENOMEM)
			return err;
		if (err) {
			uint64_t again = resync(r, off + 1);

			if (p.block_magic == EBR_BLOCK_MAGIC && p.block_type == EBR_BLOCK_SEGMENT) {
				r->info.n_segments_lost++;
				expect_seq++;
			}
			r->info.bytes_lost += again - off;
			off = again;
			continue;
		}
		if (p.block_type == EBR_BLOCK_SEGMENT) {
			uint64_t seq = r->segs[r->n_segs - 1].info.seq;

			if (seq > expect_seq)
				r->info.n_segments_lost += seq - expect_seq;
			if (seq >= expect_seq)
				expect_seq = seq + 1;
		}
		off = next;
		good_end = next;
	}
	r->info.bytes_recovered = good_end;
	return 0;
}

static int parse_trailer(struct ebr_reader *r, const char *p, size_t len)
{
	const char *end = p + len;

	while ((size_t)(end - p) >= sizeof(struct ebr_trailer_section_disk)) {
		struct ebr_trailer_section_disk sh;
		const char *d;

		memcpy(&sh, p, sizeof(sh));
		p += sizeof(sh);
		if (sh.len > (size_t)(end - p))
			return -EBADMSG;
		d = p;
		p += sh.len;
		switch (sh.section) {
		case EBR_TRAILER_INDEX: {
			struct ebr_index_header_disk ih;

			if (sh.len < sizeof(ih))
				return -EBADMSG;
			memcpy(&ih, d, sizeof(ih));
			if (ih.entry_size < sizeof(struct ebr_index_entry_disk) ||
			    (uint64_t)ih.n_entries * ih.entry_size > sh.len - sizeof(ih))
				return -EBADMSG;
			break; /* entries are walked by load_index */
		}
		case EBR_TRAILER_TYPE_COUNTS:
			for (size_t o = 0; o + sizeof(struct ebr_type_count_disk) <= sh.len;
			     o += sizeof(struct ebr_type_count_disk)) {
				struct ebr_type_count_disk tc;

				memcpy(&tc, d + o, sizeof(tc));
				if (tc.type <= EBR_T_MAX)
					r->type_counts[tc.type] = tc.count;
			}
			r->type_counts_known = 1;
			break;
		case EBR_TRAILER_DROPS:
			memcpy(r->info.drops, d, sh.len < sizeof(r->info.drops) ? sh.len : sizeof(r->info.drops));
			break;
		case EBR_TRAILER_DROPS_BY_TYPE:
			free(r->dbt);
			r->n_dbt = sh.len / sizeof(*r->dbt);
			r->dbt = malloc(r->n_dbt * sizeof(*r->dbt) + 1);
			if (!r->dbt)
				return -ENOMEM;
			memcpy(r->dbt, d, r->n_dbt * sizeof(*r->dbt));
			break;
		case EBR_TRAILER_SUMMARY: {
			struct ebr_summary_disk s = {0};

			memcpy(&s, d, sh.len < sizeof(s) ? sh.len : sizeof(s));
			r->info.ended_wall_ns = s.ended_wall_ns;
			break;
		}
		default:
			break; /* a newer section */
		}
	}
	return 0;
}

static int load_index(struct ebr_reader *r, const char *p, size_t len)
{
	const char *end = p + len;
	uint64_t end_of_last = 0;

	while ((size_t)(end - p) >= sizeof(struct ebr_trailer_section_disk)) {
		struct ebr_trailer_section_disk sh;
		struct ebr_index_header_disk ih;

		memcpy(&sh, p, sizeof(sh));
		p += sizeof(sh);
		if (sh.section != EBR_TRAILER_INDEX) {
			p += sh.len;
			continue;
		}
		memcpy(&ih, p, sizeof(ih));
		for (uint32_t i = 0; i < ih.n_entries; i++) {
			struct ebr_index_entry_disk e;
			struct ebr_block_prefix bp;
			uint64_t next;
			int err, loaded;

			memcpy(&e, p + sizeof(ih) + (size_t)i * ih.entry_size, sizeof(e));
			/*
			 * The blocks a reader loads are listed in file order and do not
			 * overlap: an index naming one block many times would have it
			 * loaded, and its metadata copied, as many times. (Entries of
			 * other types are only checked, never loaded.)
			 */
			loaded = e.block_type == EBR_BLOCK_META || e.block_type == EBR_BLOCK_SEGMENT;
			if (loaded && e.offset < end_of_last)
				return -EBADMSG;
			err = read_prefix(r, e.offset, &bp);
			if (!err && bp.block_type != e.block_type)
				err = -EBADMSG;
			if (!err)
				err = load_block(r, e.offset, &bp, &next);
			if (err)
				return err;
			if (loaded)
				end_of_last = next;
		}
		return 0;
	}
	return -EBADMSG;
}

/*
 * The sections after a segment header's drop counters (format.md 7.2):
 * the first DROPS_BY_TYPE section is copied into *out (malloc'd), at most
 * EBR_SEG_DBT_MAX_ENTRIES entries of it. Unknown sections are skipped; a
 * section that runs past the payload ends the walk, and the segment stays
 * valid: these bytes are an addition 1.0 readers never looked at.
 */
static int segment_sections(const char *p, size_t len, struct ebr_drop_by_type_disk **out, size_t *n)
{
	for (size_t o = 0; len - o >= sizeof(struct ebr_trailer_section_disk);) {
		struct ebr_trailer_section_disk sh;

		memcpy(&sh, p + o, sizeof(sh));
		o += sizeof(sh);
		if (sh.len > len - o)
			break;
		if (sh.section == EBR_TRAILER_DROPS_BY_TYPE && !*out) {
			size_t k = sh.len / sizeof(**out);

			if (k > EBR_SEG_DBT_MAX_ENTRIES)
				k = EBR_SEG_DBT_MAX_ENTRIES;
			*out = malloc(k * sizeof(**out) + 1);
			if (!*out)
				return -ENOMEM;
			memcpy(*out, p + o, k * sizeof(**out));
			*n = k;
		}
		o += sh.len;
	}
	return 0;
}

int ebr_reader__segment_drops_by_type(struct ebr_reader *r, size_t i, struct ebr_drop_by_type_disk **out,
				      size_t *n)
{
	struct ebr_block_prefix p;
	struct ebr_segment_disk sd;
	void *payload = NULL;
	size_t len = 0, start = 0;
	int err;

	*out = NULL;
	*n = 0;
	if (i >= r->n_segs)
		return -ENOENT;
	/* read again rather than kept from opening: one segment's worth, not every segment's */
	err = read_prefix(r, r->segs[i].info.offset, &p);
	if (!err && p.block_type != EBR_BLOCK_SEGMENT)
		err = -EBADMSG;
	if (!err)
		err = read_payload(r, r->segs[i].info.offset, &p, &payload, &len);
	if (!err) {
		memset(&sd, 0, sizeof(sd));
		memcpy(&sd, payload, len < sizeof(sd) ? len : sizeof(sd));
		start = sizeof(sd) + (size_t)sd.n_drops * 8;
		if (len < sizeof(sd) || start > len)
			err = -EBADMSG;
	}
	if (!err)
		err = segment_sections((const char *)payload + start, len - start, out, n);
	free(payload);
	if (err) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	if (err && err != -ENOMEM) /* it read when the file was opened: the file is changing under us */
		pr_warn("%s: cannot read the header of segment %llu again (%s); its drops by type are not used",
			r->path, (unsigned long long)r->segs[i].info.seq, strerror(-err));
	return err;
}

/* 0: opened through the footer; <0: the caller falls back to scanning. */
static int open_by_footer(struct ebr_reader *r)
{
	struct ebr_block_prefix p;
	struct ebr_footer_disk f;
	void *payload = NULL, *trailer = NULL;
	size_t len, tlen;
	uint64_t off;
	int err;

	if (r->info.file_size < EBR_FOOTER_BLOCK_SIZE)
		return -ENODATA;
	off = r->info.file_size - EBR_FOOTER_BLOCK_SIZE;
	err = read_prefix(r, off, &p);
	if (err || p.block_type != EBR_BLOCK_FOOTER)
		return err ? err : -EBADMSG;
	err = read_payload(r, off, &p, &payload, &len);
	if (err)
		return err;
	memcpy(&f, payload, sizeof(f) <= len ? sizeof(f) : 0);
	free(payload);
	if (len < sizeof(f) || memcmp(f.magic, EBR_FOOTER_MAGIC, sizeof(EBR_FOOTER_MAGIC)) ||
	    f.trailer_offset >= off)
		return -EBADMSG;
	err = read_prefix(r, f.trailer_offset, &p);
	if (err || p.block_type != EBR_BLOCK_TRAILER)
		return err ? err : -EBADMSG;
	err = read_payload(r, f.trailer_offset, &p, &trailer, &tlen);
	if (err)
		return err;
	err = parse_trailer(r, trailer, tlen);
	if (!err)
		err = load_index(r, trailer, tlen);
	free(trailer);
	return err;
}

static void reset_contents(struct ebr_reader *r)
{
	for (size_t i = 0; i < r->n_metas; i++)
		free(r->metas[i].data);
	r->n_metas = 0;
	r->meta_bytes = 0;
	r->n_segs = 0;
	ebr_schema__free(r->schema);
	r->schema = NULL;
	if (r->type_counts) /* NULL when open ran out of memory */
		memset(r->type_counts, 0, (EBR_T_MAX + 1) * sizeof(*r->type_counts));
	r->type_counts_known = 0;
	memset(r->info.drops, 0, sizeof(r->info.drops));
	free(r->dbt); /* a trailer that was read, then not used: the scan does not use it */
	r->dbt = NULL;
	r->n_dbt = 0;
	r->info.ended_wall_ns = 0; /* only a trailer that was used may set it */
}

static void summarize(struct ebr_reader *r)
{
	uint64_t run = 0;

	r->info.n_segments = r->n_segs;
	r->info.n_records = 0;
	r->info.raw_bytes = 0;
	r->info.comp_bytes = r->info.file_size;
	r->info.t_first = 0;
	r->info.t_last = 0;
	for (size_t i = 0; i < r->n_segs; i++) {
		const struct ebr_segment_info *s = &r->segs[i].info;

		r->info.n_records += s->n_records;
		r->info.raw_bytes += s->raw_size;
		if (s->n_records) {
			if (!r->info.t_first || s->t_first < r->info.t_first)
				r->info.t_first = s->t_first;
			if (s->t_last > r->info.t_last)
				r->info.t_last = s->t_last;
		}
		if (s->t_last > run)
			run = s->t_last;
		r->t_last_max[i] = run;
		if (r->info.recovered)
			for (unsigned d = 0; d < EBR_DROP_REASONS; d++)
				if (s->drops[d] > r->info.drops[d])
					r->info.drops[d] = s->drops[d];
	}
}

struct ebr_reader *ebr_reader__open(const char *path)
{
	struct ebr_block_prefix p;
	struct ebr_reader *r;
	struct stat st;
	void *hdr = NULL;
	size_t hlen;
	int err;

	r = calloc(1, sizeof(*r));
	if (!r) {
		pr_err("cannot open %s: out of memory", path);
		errno = ENOMEM;
		return NULL;
	}
	r->fd = -1;
	r->path = strdup(path);
	r->type_counts = calloc(EBR_T_MAX + 1, sizeof(*r->type_counts));
	if (!r->path || !r->type_counts) {
		err = -ENOMEM;
		goto fail;
	}
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		err = -errno;
		pr_err("cannot open %s: %s", path, strerror(errno));
		goto fail;
	}
	if (fstat(r->fd, &st) || !S_ISREG(st.st_mode)) {
		err = -EINVAL;
		pr_err("%s is not a regular file", path);
		goto fail;
	}
	r->info.file_size = (uint64_t)st.st_size;
	err = read_prefix(r, 0, &p);
	if (!err && p.block_type != EBR_BLOCK_FILE_HEADER)
		err = -EBADMSG;
	if (!err)
		err = read_payload(r, 0, &p, &hdr, &hlen);
	if (err == -ENOMEM)
		goto fail;
	if (err) {
		pr_err("%s: not an ebpfrec capture, or its header is damaged", path);
		err = -EBADMSG;
		goto fail;
	}
	err = parse_file_header(r, hdr, hlen);
	free(hdr);
	if (err)
		goto fail;
	err = open_by_footer(r);
	if (err == -ENOMEM)
		goto fail; /* not a reason to distrust the index */
	if (err) {
		reset_contents(r);
		err = scan_file(r, 8 + p.frame_len);
		if (err)
			goto fail;
		/* counts are cumulative: the last segment kept has what a trailer would have said then */
		if (r->n_segs) {
			err = ebr_reader__segment_drops_by_type(r, r->n_segs - 1, &r->dbt, &r->n_dbt);
			if (err == -ENOMEM)
				goto fail;
		}
		pr_info("%s has no valid index: recovered %zu segments by scanning", path, r->n_segs);
	}
	r->t_last_max = calloc(r->n_segs ? r->n_segs : 1, sizeof(*r->t_last_max));
	if (!r->t_last_max) {
		err = -ENOMEM;
		goto fail;
	}
	summarize(r);
	if (!r->schema)
		pr_warn("%s holds no schema; decoding with this build's", path);
	return r;
fail:
	if (err == -ENOMEM)
		pr_err("cannot open %s: out of memory", path);
	ebr_reader__close(r);
	errno = -err;
	return NULL;
}

void ebr_reader__close(struct ebr_reader *r)
{
	if (!r)
		return;
	reset_contents(r);
	if (r->fd >= 0)
		close(r->fd);
	free(r->metas);
	free(r->segs);
	free(r->t_last_max);
	free(r->type_counts);
	free(r->dbt);
	free(r->cgroups);
	free(r->path);
	free(r);
}

const struct ebr_capture_info *ebr_reader__info(const struct ebr_reader *r)
{
	return &r->info;
}

const struct ebr_schema *ebr_reader__schema(const struct ebr_reader *r)
{
	return r->schema ? r->schema : ebr_schema__builtin();
}

const char *ebr_reader__path(const struct ebr_reader *r)
{
	return r->path;
}

size_t ebr_reader__segment_count(const struct ebr_reader *r)
{
	return r->n_segs;
}

const struct ebr_segment_info *ebr_reader__segment(const struct ebr_reader *r, size_t i)
{
	return i < r->n_segs ? &r->segs[i].info : NULL;
}

size_t ebr_reader__seek_segment(const struct ebr_reader *r, uint64_t ts)
{
	size_t lo = 0, hi = r->n_segs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->t_last_max[mid] < ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t ebr_reader__meta_count(const struct ebr_reader *r)
{
	return r->n_metas;
}

int ebr_reader__meta(const struct ebr_reader *r, size_t i, unsigned *kind, const void **data,
		     size_t *len)
{
	if (i >= r->n_metas)
		return -ENOENT;
	*kind = r->metas[i].kind;
	*data = r->metas[i].data;
	*len = r->metas[i].len;
	return 0;
}

int ebr_reader__meta_records(const struct ebr_reader *r, unsigned kind,
			     int (*fn)(const struct ebr_event_header *rec, void *ctx), void *ctx)
{
	const struct ebr_schema *s = ebr_reader__schema(r);

	for (size_t i = 0; i < r->n_metas; i++) {
		const char *p = r->metas[i].data;
		size_t off = 0, len = r->metas[i].len;
		void *copy = NULL;

		if (r->metas[i].kind != kind)
			continue;
		/* records are read in place: make sure they are 8-byte aligned */
		if ((uintptr_t)p % 8) {
			copy = malloc(len);
			if (!copy)
				return -ENOMEM;
			memcpy(copy, p, len);
			p = copy;
		}
		while (len - off >= sizeof(struct ebr_event_header)) {
			const struct ebr_event_header *h = (const void *)(p + off);
			const struct ebr_type *t = ebr_schema__type(s, h->type);
			int ret;

			if (h->size < sizeof(*h) || h->size % 8 || h->size > len - off)
				break;
			off += h->size;
			if (!t || !ebr_record__valid(t, h))
				continue;
			ret = fn(h, ctx);
			if (ret) {
				free(copy);
				return ret;
			}
		}
		free(copy);
	}
	return 0;
}

static void count_types(struct ebr_reader *r)
{
	struct ebr_cursor_opts o = { .sz = sizeof(o), .unordered = 1 };
	struct ebr_cursor *c = ebr_cursor__open(r, &o);
	const struct ebr_event_header *h;

	if (!c)
		return;
	while (ebr_cursor__next(c, &h) > 0)
		if (h->type <= EBR_T_MAX)
			r->type_counts[h->type]++;
	ebr_cursor__close(c);
	r->type_counts_known = 1;
}

uint64_t ebr_reader__type_count(struct ebr_reader *r, unsigned type)
{
	if (!r->type_counts_known)
		count_types(r);
	return type <= EBR_T_MAX ? r->type_counts[type] : 0;
}

uint64_t ebr_reader__drops_by_type(const struct ebr_reader *r, unsigned reason, unsigned type)
{
	for (size_t i = 0; i < r->n_dbt; i++)
		if (r->dbt[i].reason == reason && r->dbt[i].type == type)
			return r->dbt[i].count;
	return 0;
}

int ebr_reader__load_segment(struct ebr_reader *r, size_t i, void **cbuf, size_t *ccap, void **buf,
			     size_t *cap, void *dctx)
{
	const struct ebr_segment_slot *s = &r->segs[i];
	ssize_t got;
	int err;

	/* comp_size was checked against the file's size when the header was loaded */
	if (s->info.comp_size > *ccap || !*cbuf) {
		void *nb = realloc(*cbuf, s->info.comp_size ? s->info.comp_size : 8);

		if (!nb)
			return -ENOMEM;
		*cbuf = nb;
		*ccap = s->info.comp_size;
	}
	got = ebr_pread_full(r->fd, *cbuf, s->info.comp_size, s->data_offset);
	if (got < 0)
		return (int)got;
	if ((size_t)got != s->info.comp_size) {
		pr_warn("%s: segment %llu is cut short", r->path, (unsigned long long)s->info.seq);
		return -EBADMSG;
	}
	if (ebr_crc32c(0, *cbuf, s->info.comp_size) != s->info.data_crc32c) {
		pr_warn("%s: segment %llu fails its CRC check; its %u events are lost", r->path,
			(unsigned long long)s->info.seq, s->info.n_records);
		return -EBADMSG;
	}
	err = ebr_seg__decompress(dctx, s->encoding, cbuf, ccap, s->info.comp_size, buf, cap, s->info.raw_size);
	if (err == -EPROTONOSUPPORT)
		pr_warn("%s: segment %llu stores its events in encoding %u, which this ebpfrec cannot "
			"read; its %u events are skipped",
			r->path, (unsigned long long)s->info.seq, s->encoding, s->info.n_records);
	else if (err == -EBADMSG)
		pr_warn("%s: segment %llu does not decompress; its %u events are lost", r->path,
			(unsigned long long)s->info.seq, s->info.n_records);
	return err == -EPROTONOSUPPORT ? -EBADMSG : err;
}
