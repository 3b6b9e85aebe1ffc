// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A source over capture files: their events merged in wall-clock order,
 * handed to subscribers as fast as they take them or at the original pace
 * (scaled by a speed), optionally with timestamps moved to now.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events.h"
#include "internal.h"
#include "source_internal.h"

struct input {
	struct ebr_reader *r;
	struct ebr_cursor *c;
	const struct ebr_event_header *cur; /* next record, or NULL when exhausted */
	int64_t to_wall; /* boot ns + this = wall-clock ns */
};

struct cap_source {
	struct ebr_source base;
	struct ebr_capture_source_opts o;
	struct input *in;
	size_t n;
	const struct ebr_schema **schemas;
	const struct ebr_capture_info **infos;
	struct ebr_filter_opts *fopts; /* each capture's cgroup table */
	int started, stopped;
	uint64_t t0_mono; /* when the first event was handed on */
	uint64_t t0_boot;
	int64_t first_wall;
};

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t boot_now(void)
{
#ifdef CLOCK_BOOTTIME
	return clock_ns(CLOCK_BOOTTIME);
#else
	return clock_ns(CLOCK_MONOTONIC);
#endif
}

static int advance(struct input *in)
{
	int ret = ebr_cursor__next(in->c, &in->cur);

	if (ret <= 0)
		in->cur = NULL;
	return ret < 0 ? ret : 0;
}

/* The input whose next event is earliest in wall-clock time. */
static struct input *next_input(struct cap_source *cs, size_t *idx)
{
	struct input *best = NULL;

	for (size_t i = 0; i < cs->n; i++) {
		struct input *in = &cs->in[i];

		if (in->cur && (!best || (int64_t)in->cur->ts + in->to_wall < (int64_t)best->cur->ts + best->to_wall)) {
			best = in;
			*idx = i;
		}
	}
	return best;
}

static void sleep_until(uint64_t mono_ns)
{
	struct timespec ts = { .tv_sec = (time_t)(mono_ns / 1000000000ULL),
			       .tv_nsec = (long)(mono_ns % 1000000000ULL) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static int cap_poll(struct ebr_source *s, int timeout_ms)
{
	struct cap_source *cs = s->impl;
	uint64_t deadline = clock_ns(CLOCK_MONOTONIC) + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000000ULL;
	int n = 0;

	while (!cs->stopped) {
		size_t idx = 0;
		struct input *in = next_input(cs, &idx);
		int64_t wall;
		uint64_t due = 0, rebased = 0;
		int err;

		if (!in)
			break;
		wall = (int64_t)in->cur->ts + in->to_wall;
		if (!cs->started) {
			cs->started = 1;
			cs->t0_mono = clock_ns(CLOCK_MONOTONIC);
			cs->t0_boot = boot_now();
			cs->first_wall = wall;
		}
		if (cs->o.speed > 0) {
			uint64_t offset = (uint64_t)((double)(wall - cs->first_wall) / cs->o.speed);

			due = cs->t0_mono + offset;
			rebased = cs->t0_boot + offset;
			if (due > deadline) {
				sleep_until(deadline);
				break;
			}
			sleep_until(due);
		} else if (cs->o.rebase) {
			rebased = boot_now();
		}
		ebr_source__publish(s, (unsigned)idx, in->cur, cs->o.rebase ? rebased : 0);
		n++;
		if (cs->o.speed > 0)
			ebr_source__flush(s); /* paced: the event is due now, not at the next batch */
		err = advance(in);
		if (err)
			return err;
		if (!cs->o.speed && n % 4096 == 0 && clock_ns(CLOCK_MONOTONIC) >= deadline)
			break;
	}
	return n;
}

static int cap_done(struct ebr_source *s)
{
	struct cap_source *cs = s->impl;
	size_t idx;

	return cs->stopped || !next_input(cs, &idx);
}

static int cap_health(struct ebr_source *s, struct ebr_health *out)
{
	struct cap_source *cs = s->impl;

	for (size_t i = 0; i < cs->n; i++) {
		const struct ebr_capture_info *in = cs->infos[i];
		const struct ebr_cursor_stats *st = ebr_cursor__stats(cs->in[i].c);
		uint64_t lost = 0;

		if (in->recovered)
			ebr_health__add(out, EBR_ISSUE_WARNING, "capture", in->created_wall_ns,
					"%s was recovered: %llu segments lost", ebr_reader__path(cs->in[i].r),
					(unsigned long long)in->n_segments_lost);
		if (st->segments_lost)
			ebr_health__add(out, EBR_ISSUE_WARNING, "capture", in->created_wall_ns,
					"%s: %llu damaged segments skipped", ebr_reader__path(cs->in[i].r),
					(unsigned long long)st->segments_lost);
		for (unsigned d = 0; d < EBR_DROP_NR; d++)
			if (d != EBR_DROP_TRUNCATED && d != EBR_DROP_FILTERED_KERNEL && d != EBR_DROP_FILTERED_USER)
				lost += in->drops[d];
		if (lost)
			ebr_health__add(out, EBR_ISSUE_INFO, "capture", in->created_wall_ns,
					"%s: the recorder lost %llu events while recording",
					ebr_reader__path(cs->in[i].r), (unsigned long long)lost);
	}
	return 0;
}

static void cap_stats(struct ebr_source *s, struct ebr_source_stats *out)
{
	struct cap_source *cs = s->impl;

	for (size_t i = 0; i < cs->n; i++)
		for (unsigned d = 0; d < EBR_DROP_NR; d++)
			out->dropped[d] += cs->infos[i]->drops[d];
}

static void cap_stop(struct ebr_source *s)
{
	((struct cap_source *)s->impl)->stopped = 1;
}

static void cap_destroy(struct cap_source *cs)
{
	for (size_t i = 0; cs->in && i < cs->n; i++) {
		ebr_cursor__close(cs->in[i].c);
		ebr_reader__close(cs->in[i].r);
	}
	free(cs->in);
	free(cs->schemas);
	free(cs->infos);
	free(cs->fopts);
	free(cs);
}

static void cap_free(struct ebr_source *s)
{
	cap_destroy(s->impl);
}

static const struct ebr_source_ops cap_ops = {
	.poll = cap_poll,
	.done = cap_done,
	.health = cap_health,
	.stats = cap_stats,
	.stop = cap_stop,
	.free = cap_free,
};

struct ebr_source *ebr_source__open_capture(const char *const *paths, size_t n,
					    const struct ebr_capture_source_opts *opts)
{
	struct cap_source *cs = calloc(1, sizeof(*cs));
	int64_t from_wall = 0, to_wall = 0;
	int err = -ENOMEM;

	if (!cs || !n)
		goto fail;
	if (opts)
		memcpy(&cs->o, opts, opts->sz && opts->sz < sizeof(cs->o) ? opts->sz : sizeof(cs->o));
	cs->in = calloc(n, sizeof(*cs->in));
	cs->schemas = calloc(n, sizeof(*cs->schemas));
	cs->infos = calloc(n, sizeof(*cs->infos));
	cs->fopts = calloc(n, sizeof(*cs->fopts));
	if (!cs->in || !cs->schemas || !cs->infos || !cs->fopts)
		goto fail;
	cs->n = n;
	for (size_t i = 0; i < n; i++) {
		struct ebr_cursor_opts co = { .sz = sizeof(co) };
		struct input *in = &cs->in[i];

		in->r = ebr_reader__open(paths[i]);
		if (!in->r) {
			err = -errno;
			goto fail;
		}
		cs->schemas[i] = ebr_reader__schema(in->r);
		cs->infos[i] = ebr_reader__info(in->r);
		cs->fopts[i] = (struct ebr_filter_opts){ .sz = sizeof(cs->fopts[i]), .flags = EBR_FILTER_CGROUPS };
		cs->fopts[i].cgroups = ebr_reader__cgroups(in->r, &cs->fopts[i].n_cgroups);
		in->to_wall = cs->infos[i]->boot_to_wall_ns;
		/* the window is given on the first capture's clock; other hosts convert it */
		if (i == 0) {
			from_wall = cs->o.from_ts ? (int64_t)cs->o.from_ts + in->to_wall : 0;
			to_wall = cs->o.to_ts ? (int64_t)cs->o.to_ts + in->to_wall : 0;
		}
		co.from_ts = from_wall ? (uint64_t)(from_wall - in->to_wall) : 0;
		co.to_ts = to_wall ? (uint64_t)(to_wall - in->to_wall) : 0;
		memcpy(co.type_bitmap, cs->o.type_bitmap, sizeof(co.type_bitmap));
		in->c = ebr_cursor__open(in->r, &co);
		if (!in->c) {
			err = -errno;
			goto fail;
		}
		err = advance(in);
		if (err)
			goto fail;
	}
	err = ebr_source__init(&cs->base, &cap_ops, cs, n, cs->schemas, cs->infos, 1);
	if (err)
		goto fail;
	cs->base.fopts = cs->fopts;
	return &cs->base;
fail:
	if (cs)
		cap_destroy(cs);
	errno = -err;
	return NULL;
}
