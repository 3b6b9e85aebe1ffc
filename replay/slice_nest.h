/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Keeps the duration slices of each thread properly nested, as trace
 * viewers require: two slices on one thread either do not overlap or one
 * contains the other. Slices arrive in the order their events were recorded,
 * which for one thread is the order they ended. A slice that would overlap
 * an earlier one only partly (clock skew, a thread that exec'd and took
 * over its leader's id) gets its start moved to where the earlier one
 * ended; one that arrives after a later-ending slice cannot be placed.
 */
#ifndef EBPFREC_REPLAY_SLICE_NEST_H
#define EBPFREC_REPLAY_SLICE_NEST_H

#include <stdint.h>

struct slice_nest;

struct slice_nest *slice_nest__new(void);
void slice_nest__free(struct slice_nest *n);

enum {
	SLICE_UNPLACED = 0, /* ended before an earlier slice of the thread did: show it as an instant */
	SLICE_PLACED = 1,
	SLICE_MOVED = 2, /* placed, with *start moved later */
};

/* Place [*start, end] on thread tid. Returns SLICE_* or -ENOMEM. */
int slice_nest__place(struct slice_nest *n, uint32_t tid, uint64_t *start, uint64_t end);

#endif
