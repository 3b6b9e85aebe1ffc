// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Iterating a capture's records: segments outside the time window or type
 * set are skipped by their headers alone; within a segment records come in
 * timestamp order (the ring buffer interleaves CPUs, so a segment may be
 * slightly out of order and is then sorted).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "events.h"
#include "reader_internal.h"

struct ebr_cursor {
	struct ebr_reader *r;
	struct ebr_cursor_opts o;
	int any_type;
	size_t seg;
	ZSTD_DCtx *dctx;
	void *cbuf, *buf;
	size_t ccap, cap;
	uint32_t *order; /* record offsets in buf, in delivery order */
	size_t n_order, cap_order, pos;
	struct ebr_cursor_stats stats;
};

struct ebr_cursor *ebr_cursor__open(struct ebr_reader *r, const struct ebr_cursor_opts *opts)
{
	struct ebr_cursor *c = calloc(1, sizeof(*c));

	if (!c) {
		errno = ENOMEM;
		return NULL;
	}
	if (opts)
		memcpy(&c->o, opts, opts->sz && opts->sz < sizeof(c->o) ? opts->sz : sizeof(c->o));
	c->r = r;
	c->any_type = !c->o.type_bitmap[0] && !c->o.type_bitmap[1];
	c->dctx = ZSTD_createDCtx();
	if (!c->dctx) {
		free(c);
		errno = ENOMEM;
		return NULL;
	}
	c->seg = c->o.from_ts ? ebr_reader__seek_segment(r, c->o.from_ts) : 0;
	return c;
}

void ebr_cursor__close(struct ebr_cursor *c)
{
	if (!c)
		return;
	ZSTD_freeDCtx(c->dctx);
	free(c->cbuf);
	free(c->buf);
	free(c->order);
	free(c);
}

const struct ebr_cursor_stats *ebr_cursor__stats(const struct ebr_cursor *c)
{
	return &c->stats;
}

void ebr_cursor__position(const struct ebr_cursor *c, size_t *segment, uint32_t *offset)
{
	/* records come from the segment loaded last; seg is one past it */
	*segment = c->seg ? c->seg - 1 : 0;
	*offset = c->pos ? c->order[c->pos - 1] : 0;
}

static int wanted(const struct ebr_cursor *c, const struct ebr_segment_info *s)
{
	if (!s->n_records)
		return 0;
	if (c->o.from_ts && s->t_last < c->o.from_ts)
		return 0;
	if (c->o.to_ts && s->t_first >= c->o.to_ts)
		return 0;
	if (!c->any_type && !(s->type_bitmap[0] & c->o.type_bitmap[0]) &&
	    !(s->type_bitmap[1] & c->o.type_bitmap[1]))
		return 0;
	return 1;
}

/* qsort has no context argument; the buffer being sorted is per-thread state. */
static __thread const char *sort_base;

static int by_ts(const void *a, const void *b)
{
	uint32_t oa = *(const uint32_t *)a, ob = *(const uint32_t *)b;
	uint64_t ta = ((const struct ebr_event_header *)(sort_base + oa))->ts;
	uint64_t tb = ((const struct ebr_event_header *)(sort_base + ob))->ts;

	if (ta != tb)
		return ta < tb ? -1 : 1;
	return oa < ob ? -1 : oa > ob; /* stable: keeps ring-buffer order on ties */
}

static uint64_t ts_at(const char *base, uint32_t off)
{
	return ((const struct ebr_event_header *)(base + off))->ts;
}

/*
 * A segment is nearly in time order: each CPU's records are, and CPUs
 * interleave with a small skew. Insertion sort costs a few comparisons per
 * record on that, where qsort cost a quarter of a whole `replay -f` (callgrind:
 * msort + by_ts 27% of instructions). A segment that is far from sorted
 * (more than 8 moves per record) goes to qsort; both keep file order on ties.
 */
static void sort_order(struct ebr_cursor *c)
{
	uint32_t *order = c->order;
	size_t n = c->n_order, budget = 8 * n, moves = 0;

	for (size_t i = 1; i < n; i++) {
		uint32_t o = order[i];
		uint64_t t = ts_at(c->buf, o);
		size_t j = i;

		while (j > 0 && ts_at(c->buf, order[j - 1]) > t && moves < budget) {
			order[j] = order[j - 1];
			j--;
			moves++;
		}
		order[j] = o;
		if (moves >= budget) {
			sort_base = c->buf;
			qsort(order, n, sizeof(*order), by_ts);
			return;
		}
	}
}

static int index_records(struct ebr_cursor *c, size_t raw_size)
{
	const struct ebr_schema *schema = ebr_reader__schema(c->r);
	const char *p = c->buf;
	size_t off = 0;
	int sorted = 1;
	uint64_t last = 0;

	c->n_order = 0;
	c->pos = 0;
	while (raw_size - off >= sizeof(struct ebr_event_header)) {
		const struct ebr_event_header *h = (const void *)(p + off);
		const struct ebr_type *t;

		if (h->size < sizeof(*h) || h->size % EBR_RECORD_ALIGN || h->size > raw_size - off) {
			c->stats.records_invalid++;
			break; /* framing is lost for the rest of this segment */
		}
		t = ebr_schema__type(schema, h->type);
		if (t && h->size < t->fixed_size) {
			c->stats.records_invalid++;
			off += h->size;
			continue;
		}
		if (c->n_order == c->cap_order) {
			size_t cap = c->cap_order ? c->cap_order * 2 : 4096;
			void *n = realloc(c->order, cap * sizeof(*c->order));

			if (!n)
				return -ENOMEM;
			c->order = n;
			c->cap_order = cap;
		}
		if (h->ts < last)
			sorted = 0;
		last = h->ts;
		c->order[c->n_order++] = (uint32_t)off;
		off += h->size;
	}
	if (!sorted && !c->o.unordered)
		sort_order(c);
	return 0;
}

static int load_next_segment(struct ebr_cursor *c)
{
	size_t n = ebr_reader__segment_count(c->r);

	while (c->seg < n) {
		const struct ebr_segment_info *s = ebr_reader__segment(c->r, c->seg);
		size_t i = c->seg++;
		int err;

		if (!wanted(c, s)) {
			c->stats.segments_skipped++;
			continue;
		}
		err = ebr_reader__load_segment(c->r, i, &c->cbuf, &c->ccap, &c->buf, &c->cap, c->dctx);
		if (err == -EBADMSG) {
			c->stats.segments_lost++;
			continue;
		}
		if (err)
			return err;
		c->stats.segments_read++;
		err = index_records(c, s->raw_size);
		if (err)
			return err;
		return 1;
	}
	return 0;
}

int ebr_cursor__next(struct ebr_cursor *c, const struct ebr_event_header **rec)
{
	for (;;) {
		while (c->pos < c->n_order) {
			const struct ebr_event_header *h =
				(const void *)((const char *)c->buf + c->order[c->pos++]);

			if (c->o.from_ts && h->ts < c->o.from_ts)
				continue;
			if (c->o.to_ts && h->ts >= c->o.to_ts)
				continue;
			/* ids past the bitmap share its last bit, as in segment headers */
			if (!c->any_type && !ebr_type_bitmap__test(c->o.type_bitmap, h->type))
				continue;
			c->stats.records++;
			*rec = h;
			return 1;
		}
		int ret = load_next_segment(c);

		if (ret <= 0)
			return ret;
	}
}
