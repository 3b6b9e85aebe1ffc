// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A source over a live recorder: the drain hands each record to the
 * subscribers' queues (a copy, no decoding), and the recording goes on to
 * disk as usual when an output is set.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "ebpfrec/recorder.h"
#include "ebpfrec/source.h"
#include "cgroups.h"
#include "clock.h"
#include "events.h"
#include "internal.h"
#include "recorder_internal.h"
#include "source_internal.h"


struct live_source {
	struct ebr_source base;
	struct ebr_recorder *r;
	const struct ebr_schema *schemas[1];
	const struct ebr_capture_info *infos[1];
	struct ebr_capture_info info;
	/* subscribers' filters resolve container, pod, ... through the cgroups there were at start */
	struct rec_cgroup_table table;
	struct ebr_filter_opts fopts[1];
	uint64_t next_rescan_ns;
	int stopped;
};

#define RESCAN_NS 1000000000ULL

/*
 * A subscription that names containers (pods, ...) matches the ones that
 * start later too: the cgroup tree is read again every second while such a
 * subscription exists, and its filter compiled again when cgroups appeared.
 */
static void rescan_cgroups(struct live_source *ls)
{
	struct ebr_source *s = &ls->base;
	uint64_t now = mono_ns();
	int added;

	if (now < ls->next_rescan_ns)
		return;
	ls->next_rescan_ns = now + RESCAN_NS;
	if (!ebr_source__filters_use_cgroups(s))
		return;
	pthread_mutex_lock(&s->compile_mu);
	added = rec_cgroup_table__refresh(&ls->table, REC_PODS_DIR, 0);
	ls->fopts[0].cgroups = ls->table.views;
	ls->fopts[0].n_cgroups = ls->table.n_views;
	pthread_mutex_unlock(&s->compile_mu);
	if (added > 0)
		ebr_source__recompile_cgroup_filters(s);
}

static void tap(void *ctx, const struct ebr_event_header *rec)
{
	ebr_source__publish(&((struct live_source *)ctx)->base, 0, rec, 0);
}

static int live_poll(struct ebr_source *s, int timeout_ms)
{
	struct live_source *ls = s->impl;

	int n;

	if (ls->stopped)
		return 0;
	n = ebr_recorder__poll(ls->r, timeout_ms);
	if (n >= 0)
		rescan_cgroups(ls);
	return n;
}

static int live_done(struct ebr_source *s)
{
	return ((struct live_source *)s->impl)->stopped;
}

static int live_health(struct ebr_source *s, struct ebr_health *out)
{
	struct live_source *ls = s->impl;

	ebr_recorder__health(ls->r, out);
	if (ls->stopped)
		ebr_health__add(out, EBR_ISSUE_INFO, "recorder", 0, "stopped");
	return 0;
}

static void live_stats(struct ebr_source *s, struct ebr_source_stats *out)
{
	struct live_source *ls = s->impl;

	memcpy(out->dropped, ebr_recorder__stats(ls->r)->drops, sizeof(out->dropped));
}

static void live_stop(struct ebr_source *s)
{
	struct live_source *ls = s->impl;

	if (!ls->stopped) {
		ls->stopped = 1;
		ebr_recorder__stop(ls->r); /* drains the ring: the last events still reach subscribers */
	}
}

static void live_free(struct ebr_source *s)
{
	struct live_source *ls = s->impl;

	ebr_recorder__free(ls->r);
	rec_cgroup_table__free(&ls->table);
	free(ls);
}

static struct ebr_recorder *live_recorder(struct ebr_source *s)
{
	return ((struct live_source *)s->impl)->r;
}

static const struct ebr_source_ops live_ops = {
	.recorder = live_recorder,
	.poll = live_poll,
	.done = live_done,
	.health = live_health,
	.stats = live_stats,
	.stop = live_stop,
	.free = live_free,
};

static void describe_host(struct ebr_capture_info *in)
{
	struct utsname u;
	struct timespec b, w;

	if (uname(&u) == 0) {
		ebr_strlcpy(in->host, u.nodename, sizeof(in->host));
		ebr_strlcpy(in->kernel_release, u.release, sizeof(in->kernel_release));
		ebr_strlcpy(in->kernel_version, u.version, sizeof(in->kernel_version));
		ebr_strlcpy(in->machine, u.machine, sizeof(in->machine));
	}
	ebr_strlcpy(in->tool_version, ebr_version(), sizeof(in->tool_version));
	clock_gettime(CLOCK_REALTIME, &w);
	clock_gettime(CLOCK_BOOTTIME, &b);
	in->boot_to_wall_ns = ((int64_t)w.tv_sec - b.tv_sec) * 1000000000LL + (w.tv_nsec - b.tv_nsec);
	in->created_wall_ns = (uint64_t)w.tv_sec * 1000000000ULL + (uint64_t)w.tv_nsec;
	in->ncpus = (uint32_t)sysconf(_SC_NPROCESSORS_ONLN);
	in->major = 1;
}

struct ebr_source *ebr_source__open_live(const struct ebr_recorder_opts *opts)
{
	struct live_source *ls = calloc(1, sizeof(*ls));
	int err;

	if (!ls) {
		errno = ENOMEM;
		return NULL;
	}
	ls->r = ebr_recorder__new(opts);
	if (!ls->r) {
		err = errno;
		free(ls);
		errno = err;
		return NULL;
	}
	describe_host(&ls->info);
	ls->base.rt_priority = rec_recorder__rt_priority(ls->r);
	ls->schemas[0] = ebr_schema__builtin();
	ls->infos[0] = &ls->info;
	err = ebr_source__init(&ls->base, &live_ops, ls, 1, ls->schemas, ls->infos, 0);
	if (!err) {
		rec_recorder__set_tap(ls->r, tap, ls);
		err = ebr_recorder__start(ls->r);
		/* custom programs add types: subscribers decode with the recorder's schema */
		ls->schemas[0] = ebr_recorder__schema(ls->r);
	}
	if (!err) {
		/* no cgroup v2 tree: an empty table, so names are refused rather than the field */
		rec_cgroup_table__refresh(&ls->table, REC_PODS_DIR, 0);
		ls->fopts[0] = (struct ebr_filter_opts){ .sz = sizeof(ls->fopts[0]), .flags = EBR_FILTER_CGROUPS,
							 .cgroups = ls->table.views,
							 .n_cgroups = ls->table.n_views };
		ls->base.fopts = ls->fopts;
		ls->base.late_cgroups = 1;
		ls->next_rescan_ns = mono_ns() + RESCAN_NS;
	}
	if (err) {
		ebr_recorder__free(ls->r);
		free(ls);
		errno = -err;
		return NULL;
	}
	return &ls->base;
}
