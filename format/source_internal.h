/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What a source implementation (capture files, live recorder) plugs into. */
#ifndef EBPFREC_SOURCE_INTERNAL_H
#define EBPFREC_SOURCE_INTERNAL_H

#include <pthread.h>

#include "ebpfrec/source.h"

struct ebr_source_ops {
	int (*poll)(struct ebr_source *s, int timeout_ms);
	int (*done)(struct ebr_source *s);
	int (*health)(struct ebr_source *s, struct ebr_health *out);
	void (*stats)(struct ebr_source *s, struct ebr_source_stats *out);
	void (*stop)(struct ebr_source *s); /* no more publishing after this */
	void (*free)(struct ebr_source *s);
	struct ebr_recorder *(*recorder)(struct ebr_source *s); /* live sources only */
};

struct ebr_source {
	const struct ebr_source_ops *ops;
	void *impl;
	/* one schema and capture description per input (live: one) */
	size_t n_inputs;
	const struct ebr_schema **schemas;
	const struct ebr_capture_info **infos;
	/* per input: the cgroup table filters resolve container, pod, ... through; NULL: none */
	const struct ebr_filter_opts *fopts;
	int lossless; /* wait for queue space instead of dropping (capture files) */
	/*
	 * Live: a container (pod, ...) a filter names may start later; the
	 * filter is accepted with a warning and compiled again as it appears.
	 */
	int late_cgroups;
	pthread_mutex_t compile_mu; /* held while filters read fopts' tables (the live one changes) */
	int rt_priority; /* subscriber threads run SCHED_FIFO at this priority; 0: as created */
	pthread_mutex_t mu; /* the subscription list */
	struct ebr_subscription *subs;
	unsigned n_subs;
	uint64_t collected;
};

/* Set up the common part; schemas/infos arrays are owned by the implementation. */
int ebr_source__init(struct ebr_source *s, const struct ebr_source_ops *ops, void *impl,
		     size_t n_inputs, const struct ebr_schema **schemas,
		     const struct ebr_capture_info **infos, int lossless);
/*
 * Hand one record to every subscriber that wants it. ts_override, when not
 * 0, replaces the timestamp in the copies (rebased replay).
 */
void ebr_source__publish(struct ebr_source *s, unsigned input, const struct ebr_event_header *rec,
			 uint64_t ts_override);
/* Wake subscribers that have events waiting (publish batches its wakeups). */
void ebr_source__flush(struct ebr_source *s);
/* Whether some subscription's filter names containers, pods, ... (cgroup-derived fields). */
int ebr_source__filters_use_cgroups(struct ebr_source *s);
/*
 * The cgroup tables changed (new containers): compile those filters again
 * from their text. Call with compile_mu NOT held.
 */
void ebr_source__recompile_cgroup_filters(struct ebr_source *s);
/* Totals over subscriptions, for the stats call. */
void ebr_source__sub_totals(struct ebr_source *s, uint64_t *delivered, uint64_t *filtered,
			    uint64_t *dropped);
/* Append an issue to a health report. */
void ebr_health__add(struct ebr_health *h, enum ebr_issue_severity sev, const char *component,
		     uint64_t since_ns, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
