/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef EBPFREC_RECORDER_HEALTH_H
#define EBPFREC_RECORDER_HEALTH_H

#include <stdint.h>

struct ebr_recorder;
struct ebr_health;

/* What a judgement remembers between calls: when losses last grew. */
struct rec_health {
	uint64_t started_wall;
	uint64_t seen_lost, lost_grew_mono, lost_grew_wall;
};

void rec_health__judge(struct rec_health *h, struct ebr_recorder *r, struct ebr_health *out);
double rec_ring_fill(int rb_fd, uint32_t size);

#endif
