/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What the live source needs of a recorder beyond the public API. */
#ifndef EBPFREC_RECORDER_INTERNAL_H
#define EBPFREC_RECORDER_INTERNAL_H

#include "ebpfrec/recorder.h"
#include "probes.h"

struct ebr_event_header;

/* Called in the drain for every record that passed the filter: copy and return. */
void rec_recorder__set_tap(struct ebr_recorder *r, void (*tap)(void *ctx, const struct ebr_event_header *rec),
			   void *ctx);
const struct rec_probes *rec_recorder__probes(const struct ebr_recorder *r);
/* opts.rt_priority: the live source runs its subscriber threads at it too. */
int rec_recorder__rt_priority(const struct ebr_recorder *r);
/* The writer thread's first error, -errno, or 0. */
int rec_recorder__write_error(struct ebr_recorder *r);

#endif
