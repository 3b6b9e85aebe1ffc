// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>

#include "hmap.h"
#include "slice_nest.h"

/* deeper than any real nesting: a syscall, the file or socket event of the same call */
#define MAX_DEPTH 16

struct open_slice {
	uint64_t start, end;
	uint64_t child_floor; /* end of its latest finished child: later children start after it */
};

/*
 * A thread's right edge: the latest top-level slice, its latest child, and
 * so on. Slices off the edge have ended; only where they ended matters.
 */
struct thread_edge {
	uint64_t max_end;
	uint64_t floor; /* end of the latest finished top-level slice */
	uint32_t depth;
	uint32_t seen;
	struct open_slice chain[MAX_DEPTH];
};

struct slice_nest {
	struct hmap *threads;
};

struct slice_nest *slice_nest__new(void)
{
	struct slice_nest *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->threads = hmap__new(sizeof(struct thread_edge));
	if (!n->threads) {
		free(n);
		errno = ENOMEM;
		return NULL;
	}
	return n;
}

void slice_nest__free(struct slice_nest *n)
{
	if (!n)
		return;
	hmap__free(n->threads);
	free(n);
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* The top slice has finished: its parent's later children must start after it. */
static void pop(struct thread_edge *t)
{
	uint64_t end = t->chain[--t->depth].end;

	if (t->depth)
		t->chain[t->depth - 1].child_floor = max_u64(t->chain[t->depth - 1].child_floor, end);
	else
		t->floor = max_u64(t->floor, end);
}

int slice_nest__place(struct slice_nest *n, uint32_t tid, uint64_t *start, uint64_t end)
{
	struct thread_edge *t = hmap__get_u64(n->threads, tid, 1);
	uint64_t s = *start, inner_floor = 0;
	uint32_t parent_depth = 0; /* elements [0, parent_depth) contain the new slice */

	if (!t)
		return -ENOMEM;
	if (t->seen && end < t->max_end)
		return SLICE_UNPLACED;
	t->seen = 1;
	t->max_end = end;
	if (s > end)
		s = end;
	while (t->depth && t->chain[t->depth - 1].end <= s)
		pop(t);
	while (parent_depth < t->depth && t->chain[parent_depth].start <= s && t->chain[parent_depth].end >= end)
		parent_depth++;
	if (parent_depth < t->depth) {
		/* the slices above the parent end inside the new one (they ended no later) */
		if (t->chain[parent_depth].start < s) {
			/* partly inside: start where the outermost of them ended */
			s = t->chain[parent_depth].end;
			while (t->depth > parent_depth)
				pop(t);
		} else {
			/* wholly inside: they become its children */
			inner_floor = t->chain[parent_depth].end;
			t->depth = parent_depth;
		}
	}
	s = max_u64(s, parent_depth ? t->chain[parent_depth - 1].child_floor : t->floor);
	if (t->depth == MAX_DEPTH)
		return SLICE_UNPLACED;
	t->chain[t->depth++] = (struct open_slice){ .start = s, .end = end, .child_floor = inner_floor };
	if (s == *start)
		return SLICE_PLACED;
	*start = s;
	return SLICE_MOVED;
}
