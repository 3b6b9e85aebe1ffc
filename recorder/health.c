// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A recorder's health: failed probes, recent losses, a failed writer. The
 * same judgement serves the live status line, `ebpfrec stats` and the live
 * source of the library.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "ebpfrec/recorder.h"
#include "ebpfrec/source.h"
#include "clock.h"
#include "events.h"
#include "health.h"
#include "internal.h"
#include "recorder_internal.h"
#include "source_internal.h"

#define LOSS_WINDOW_NS (10 * 1000000000ULL) /* losses this recent make a recorder degraded */

static void probe_issues(const struct rec_probes *p, uint64_t since, struct ebr_health *out)
{
	size_t off = 0;

	out->programs_loaded = p->attached + p->failed;
	out->programs_healthy = p->attached;
	while (p->status.len - off >= sizeof(struct ebr_probe_status)) {
		const struct ebr_probe_status *st = (const void *)(p->status.p + off);
		const char *base = (const char *)st;
		char component[32];

		if (st->hdr.size < sizeof(*st) || st->hdr.size > p->status.len - off)
			break;
		off += st->hdr.size;
		if (st->attached)
			continue;
		snprintf(component, sizeof(component), "probe:%s", base + st->name.off);
		ebr_health__add(out, EBR_ISSUE_WARNING, component, since, "%s: %s", base + st->attach_point.off,
				base + st->message.off);
	}
}

void rec_health__judge(struct rec_health *h, struct ebr_recorder *r, struct ebr_health *out)
{
	const struct ebr_recorder_stats *st = ebr_recorder__stats(r);
	uint64_t lost = st->drops[EBR_DROP_RINGBUF_FULL] + st->drops[EBR_DROP_WRITER_BACKLOG];
	uint64_t now = rec_clock_ns(CLOCK_MONOTONIC);

	memset(out, 0, sizeof(*out));
	if (!h->started_wall)
		h->started_wall = rec_clock_ns(CLOCK_REALTIME);
	probe_issues(rec_recorder__probes(r), h->started_wall, out);
	if (lost > h->seen_lost) {
		if (!h->lost_grew_mono || now - h->lost_grew_mono > LOSS_WINDOW_NS)
			h->lost_grew_wall = rec_clock_ns(CLOCK_REALTIME);
		h->lost_grew_mono = now;
		h->seen_lost = lost;
	}
	if (h->lost_grew_mono && now - h->lost_grew_mono <= LOSS_WINDOW_NS)
		ebr_health__add(out, EBR_ISSUE_WARNING, "ringbuf", h->lost_grew_wall,
				"events are being lost (%llu so far): the ring buffer or writer cannot keep up; "
				"raise --ringbuf-size, narrow the profile or add a filter",
				(unsigned long long)lost);
	if (rec_recorder__write_error(r))
		ebr_health__add(out, EBR_ISSUE_ERROR, "writer", h->started_wall, "writing the capture failed: %s",
				strerror(-rec_recorder__write_error(r)));
	if (!out->programs_healthy)
		ebr_health__add(out, EBR_ISSUE_ERROR, "probes", h->started_wall, "no probe is attached");
	for (unsigned i = 0; i < out->n_issues; i++)
		if (out->issues[i].severity == EBR_ISSUE_WARNING && out->status == EBR_HEALTHY)
			out->status = EBR_DEGRADED;
}

/* The ring's consumer and producer positions are two pages the kernel lets us map read-only. */
double rec_ring_fill(int rb_fd, uint32_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	void *cons, *prod;
	double fill = -1;

	if (rb_fd < 0 || page <= 0)
		return -1;
	cons = mmap(NULL, (size_t)page, PROT_READ, MAP_SHARED, rb_fd, 0);
	prod = mmap(NULL, (size_t)page, PROT_READ, MAP_SHARED, rb_fd, page);
	if (cons != MAP_FAILED && prod != MAP_FAILED) {
		uint64_t c = __atomic_load_n((uint64_t *)cons, __ATOMIC_ACQUIRE);
		uint64_t p = __atomic_load_n((uint64_t *)prod, __ATOMIC_ACQUIRE);

		fill = size ? (double)(p - c) / (double)size : -1;
	}
	if (cons != MAP_FAILED)
		munmap(cons, (size_t)page);
	if (prod != MAP_FAILED)
		munmap(prod, (size_t)page);
	return fill;
}
