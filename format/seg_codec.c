// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "events.h"
#include "seg_codec.h"

#define COLUMNS_MAGIC 0x4c4f4345U /* "ECOL" */
#define MAX_GROUPS 4096 /* more distinct types than this: stored as records */

struct col_header {
	uint32_t magic;
	uint32_t n_records;
	uint32_t n_groups;
	uint32_t reserved;
};

/*
 * The records of one type. The first `fixed` bytes of each (the shortest
 * record's size) go in columns; the rest of each record, where strings of
 * varying length live, stays whole in the group's tail, where zstd finds
 * repeated paths and arguments as it would in plain records.
 */
struct col_group {
	uint16_t type;
	uint16_t reserved;
	uint32_t fixed; /* a multiple of 8, at least the event header */
	uint32_t count;
	uint32_t tail_bytes;
};

static uint32_t rec_size(const char *rec)
{
	uint32_t size;

	memcpy(&size, rec + offsetof(struct ebr_event_header, size), sizeof(size));
	return size;
}

static uint16_t rec_type(const char *rec)
{
	uint16_t type;

	memcpy(&type, rec + offsetof(struct ebr_event_header, type), sizeof(type));
	return type;
}

static uint64_t word_at(const char *base, uint32_t off, size_t w)
{
	uint64_t v;

	memcpy(&v, base + off + w * 8, 8);
	return v;
}

/*
 * Transpose an 8x8 byte matrix held as 8 little-endian words: byte j of
 * x[k] trades places with byte k of x[j]. Turning 8 values into 8 planes
 * and back is the same operation; doing it a block at a time keeps the
 * codec fast (a byte at a time cost three times as much).
 */
static inline __attribute__((always_inline)) void transpose8(uint64_t x[8])
{
	uint64_t t;

	for (int k = 0; k < 4; k++) {
		t = ((x[k] >> 32) ^ x[k + 4]) & 0x00000000ffffffffULL;
		x[k] ^= t << 32;
		x[k + 4] ^= t;
	}
	for (int k = 0; k < 8; k += 4)
		for (int j = k; j < k + 2; j++) {
			t = ((x[j] >> 16) ^ x[j + 2]) & 0x0000ffff0000ffffULL;
			x[j] ^= t << 16;
			x[j + 2] ^= t;
		}
	for (int k = 0; k < 8; k += 2) {
		t = ((x[k] >> 8) ^ x[k + 1]) & 0x00ff00ff00ff00ffULL;
		x[k] ^= t << 8;
		x[k + 1] ^= t;
	}
}

/*
 * One column of a group as 8 byte planes: plane k holds byte k of every
 * value, so constant high bytes become runs. Word 0, the timestamp, is
 * stored as deltas. (Choosing delta, xor or plain per column by what
 * compresses best gained under 1% on real captures; not worth a format field.)
 */
static void put_column(unsigned char *dst, const char *base, const uint32_t *offs, uint32_t count,
		       size_t w)
{
	uint64_t prev = 0, x[8];
	uint32_t i = 0;

	for (; i < count; i += 8) {
		unsigned n = count - i < 8 ? count - i : 8;

		for (unsigned j = 0; j < 8; j++) {
			x[j] = j < n ? word_at(base, offs[i + j], w) : 0;
			if (w == 0 && j < n) {
				uint64_t d = x[j] - prev;

				prev = x[j];
				x[j] = d;
			}
		}
		transpose8(x);
		if (n == 8)
			for (unsigned k = 0; k < 8; k++)
				memcpy(dst + (size_t)k * count + i, &x[k], 8);
		else
			for (unsigned k = 0; k < 8; k++) /* little-endian: the first n bytes */
				memcpy(dst + (size_t)k * count + i, &x[k], n);
	}
}

int ebr_seg__columns_encode(const void *recs, size_t len, struct ebr_buf *out)
{
	const char *p = recs;
	struct col_group *groups = NULL;
	uint16_t *order = NULL, slot[65536];
	uint32_t **members = NULL, n_groups = 0, n = 0;
	struct col_header hdr = { .magic = COLUMNS_MAGIC };
	size_t off = 0;
	int err = -ENOMEM;

	memset(slot, 0xff, sizeof(slot));
	/* one pass to check and count the records and find each type's shortest */
	while (off + sizeof(struct ebr_event_header) <= len) {
		uint32_t size = rec_size(p + off);
		uint16_t type = rec_type(p + off);

		if (size < sizeof(struct ebr_event_header) || size % 8 || size > len - off)
			return -EINVAL;
		if (slot[type] == 0xffff) {
			if (n_groups == MAX_GROUPS)
				return -E2BIG;
			slot[type] = (uint16_t)n_groups++;
		}
		off += size;
		n++;
	}
	if (off != len)
		return -EINVAL;
	order = malloc((n ? n : 1) * sizeof(*order));
	groups = calloc(n_groups ? n_groups : 1, sizeof(*groups));
	members = calloc(n_groups ? n_groups : 1, sizeof(*members));
	if (!order || !groups || !members)
		goto out;
	for (uint32_t g = 0; g < n_groups; g++)
		groups[g].fixed = UINT32_MAX;
	off = 0;
	for (uint32_t i = 0; i < n; i++) {
		struct col_group *gr = &groups[slot[rec_type(p + off)]];
		uint32_t size = rec_size(p + off);

		gr->type = rec_type(p + off);
		gr->count++;
		gr->tail_bytes += size; /* the whole size for now; less fixed * count below */
		if (size < gr->fixed)
			gr->fixed = size;
		order[i] = slot[gr->type];
		off += size;
	}
	for (uint32_t g = 0; g < n_groups; g++) {
		groups[g].tail_bytes -= groups[g].fixed * groups[g].count;
		members[g] = malloc(groups[g].count * sizeof(uint32_t));
		if (!members[g])
			goto out;
		groups[g].count = 0; /* counted again as members are placed */
	}
	off = 0;
	for (uint32_t i = 0; i < n; i++) {
		struct col_group *gr = &groups[order[i]];

		members[order[i]][gr->count++] = (uint32_t)off;
		off += rec_size(p + off);
	}
	hdr.n_records = n;
	hdr.n_groups = n_groups;
	ebr_buf__put(out, &hdr, sizeof(hdr));
	ebr_buf__put(out, groups, n_groups * sizeof(*groups));
	ebr_buf__put(out, order, n * sizeof(*order));
	ebr_buf__put(out, NULL, (8 - (n * sizeof(*order)) % 8) % 8);
	for (uint32_t g = 0; g < n_groups; g++) {
		const struct col_group *gr = &groups[g];

		for (size_t w = 0; w < gr->fixed / 8; w++) {
			size_t at = out->len;

			ebr_buf__put(out, NULL, (size_t)gr->count * 8);
			if (out->err)
				goto out;
			put_column((unsigned char *)out->p + at, p, members[g], gr->count, w);
		}
		for (uint32_t i = 0; i < gr->count; i++) {
			const char *rec = p + members[g][i];

			ebr_buf__put(out, rec + gr->fixed, rec_size(rec) - gr->fixed);
		}
	}
	err = out->err;
out:
	for (uint32_t g = 0; members && g < n_groups; g++)
		free(members[g]);
	free(members);
	free(groups);
	free(order);
	return err;
}

/* Un-plane a group's columns into rows of `fixed` bytes, summing the timestamp deltas. */
static void columns_to_rows(const unsigned char *cols, uint32_t count, uint32_t fixed, char *rows)
{
	uint64_t ts = 0, x[8];

	for (uint32_t i = 0; i < count; i += 8) {
		unsigned n = count - i < 8 ? count - i : 8;

		for (size_t w = 0; w < fixed / 8; w++) {
			const unsigned char *col = cols + w * 8 * (size_t)count + i;

			if (n == 8) {
				for (unsigned k = 0; k < 8; k++)
					memcpy(&x[k], col + (size_t)k * count, 8);
			} else {
				for (unsigned k = 0; k < 8; k++) {
					x[k] = 0;
					memcpy(&x[k], col + (size_t)k * count, n);
				}
			}
			transpose8(x);
			if (w == 0)
				for (unsigned j = 0; j < n; j++) {
					ts += x[j];
					x[j] = ts;
				}
			for (unsigned j = 0; j < n; j++)
				memcpy(rows + (size_t)(i + j) * fixed + w * 8, &x[j], 8);
		}
	}
}

struct group_cursor {
	const char *rows; /* the group's fixed parts, un-planed */
	const char *tail; /* its tail stream */
	uint32_t next; /* index of its next record */
	uint32_t tail_used;
};

int ebr_seg__columns_decode(const void *src, size_t src_len, void *dst, size_t raw_size)
{
	const char *s = src;
	struct col_header hdr;
	struct col_group *copy;
	const struct col_group *groups;
	const char *order;
	struct group_cursor *cur = NULL;
	size_t pos, order_len, o = 0, fixed_total = 0;
	char *d = dst, *rows = NULL;
	int err = -EBADMSG;

	if (src_len < sizeof(hdr))
		return -EBADMSG;
	memcpy(&hdr, s, sizeof(hdr));
	if (hdr.magic != COLUMNS_MAGIC || hdr.n_groups > MAX_GROUPS ||
	    (uint64_t)hdr.n_groups * sizeof(*groups) > src_len - sizeof(hdr))
		return -EBADMSG;
	/* a copy: the table need not be aligned where the frame was decompressed */
	groups = copy = malloc(hdr.n_groups ? hdr.n_groups * sizeof(*groups) : 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, s + sizeof(hdr), hdr.n_groups * sizeof(*groups));
	pos = sizeof(hdr) + hdr.n_groups * sizeof(*groups);
	order_len = (size_t)hdr.n_records * sizeof(uint16_t);
	if (order_len > src_len - pos)
		goto out;
	order = s + pos;
	pos += order_len + (8 - order_len % 8) % 8;
	if (pos > src_len)
		goto out;
	/* every length from the file is checked against the others before use */
	for (size_t g = 0, at = pos; g < hdr.n_groups; g++) {
		const struct col_group *gr = &groups[g];
		uint64_t fixed_bytes = (uint64_t)gr->fixed * gr->count;

		if (gr->fixed < sizeof(struct ebr_event_header) || gr->fixed % 8 ||
		    fixed_bytes + gr->tail_bytes > src_len - at || fixed_bytes > raw_size - fixed_total)
			goto out;
		fixed_total += (size_t)fixed_bytes;
		at += (size_t)(fixed_bytes + gr->tail_bytes);
	}
	cur = calloc(hdr.n_groups ? hdr.n_groups : 1, sizeof(*cur));
	rows = malloc(fixed_total ? fixed_total : 1);
	if (!cur || !rows) {
		err = -ENOMEM;
		goto out;
	}
	for (uint32_t g = 0, r = 0; g < hdr.n_groups; g++) {
		const struct col_group *gr = &groups[g];
		size_t fixed_bytes = (size_t)gr->fixed * gr->count;

		columns_to_rows((const unsigned char *)s + pos, gr->count, gr->fixed, rows + r);
		cur[g].rows = rows + r;
		cur[g].tail = s + pos + fixed_bytes;
		r += (uint32_t)fixed_bytes;
		pos += fixed_bytes + gr->tail_bytes;
	}
	if (pos != src_len)
		goto out;
	for (uint32_t i = 0; i < hdr.n_records; i++) {
		uint16_t g;
		const struct col_group *gr;
		struct group_cursor *c;
		uint32_t size, tail;

		memcpy(&g, order + (size_t)i * sizeof(g), sizeof(g));
		if (g >= hdr.n_groups)
			goto out;
		gr = &groups[g];
		c = &cur[g];
		if (c->next >= gr->count || gr->fixed > raw_size - o)
			goto out;
		memcpy(d + o, c->rows + (size_t)c->next * gr->fixed, gr->fixed);
		size = rec_size(d + o);
		if (size < gr->fixed || size % 8 || rec_type(d + o) != gr->type)
			goto out;
		tail = size - gr->fixed;
		if (tail > gr->tail_bytes - c->tail_used || tail > raw_size - o - gr->fixed)
			goto out;
		memcpy(d + o + gr->fixed, c->tail + c->tail_used, tail);
		c->tail_used += tail;
		c->next++;
		o += size;
	}
	for (uint32_t g = 0; g < hdr.n_groups; g++)
		if (cur[g].next != groups[g].count || cur[g].tail_used != groups[g].tail_bytes)
			goto out;
	err = o == raw_size ? 0 : -EBADMSG;
out:
	free(rows);
	free(cur);
	free(copy);
	return err;
}

static int grow(void **p, size_t *cap, size_t need)
{
	void *n;

	if (need <= *cap && *p)
		return 0;
	n = realloc(*p, need ? need : 8);
	if (!n)
		return -ENOMEM;
	*p = n;
	*cap = need;
	return 0;
}

int ebr_seg__decompress(void *zstd_dctx, unsigned encoding, void **cbuf, size_t *ccap,
			size_t comp_len, void **buf, size_t *cap, size_t raw_size)
{
	unsigned long long declared = ZSTD_getFrameContentSize(*cbuf, comp_len);
	size_t n, most;
	int err;

	if (encoding == EBR_SEG_ENC_RECORDS) {
		if (declared == ZSTD_CONTENTSIZE_ERROR ||
		    (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != raw_size))
			return -EBADMSG;
		err = grow(buf, cap, raw_size);
		if (err)
			return err;
		n = ZSTD_decompressDCtx(zstd_dctx, *buf, raw_size, *cbuf, comp_len);
		return ZSTD_isError(n) || n != raw_size ? -EBADMSG : 0;
	}
	if (encoding != EBR_SEG_ENC_COLUMNS)
		return -EPROTONOSUPPORT;
	/* the columns' size is in the frame; bounded by what raw_size bytes of records can take */
	most = sizeof(struct col_header) + MAX_GROUPS * sizeof(struct col_group) +
	       raw_size / sizeof(struct ebr_event_header) * sizeof(uint16_t) + 8 + raw_size;
	if (declared == ZSTD_CONTENTSIZE_UNKNOWN || declared == ZSTD_CONTENTSIZE_ERROR || declared > most)
		return -EBADMSG;
	err = grow(cbuf, ccap, comp_len + declared);
	if (!err)
		err = grow(buf, cap, raw_size);
	if (err)
		return err;
	n = ZSTD_decompressDCtx(zstd_dctx, (char *)*cbuf + comp_len, declared, *cbuf, comp_len);
	if (ZSTD_isError(n) || n != declared)
		return -EBADMSG;
	return ebr_seg__columns_decode((char *)*cbuf + comp_len, n, *buf, raw_size);
}
