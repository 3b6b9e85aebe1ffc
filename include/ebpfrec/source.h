/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Sources and subscribers: the same calls whether events come from a live
 * recorder or from capture files. A source delivers each event to every
 * subscriber whose filter matches, through that subscriber's own bounded
 * queue and thread: a slow subscriber loses events (counted, per
 * subscriber) but never stalls the source.
 *
 *     struct ebr_source *src = ebr_source__open_capture(paths, 1, &copts);
 *     struct ebr_subscribe_opts so = { .sz = sizeof(so), .filter = "type = exec",
 *                                      .fn = on_event, .ctx = &state };
 *     struct ebr_subscription *sub = ebr_source__subscribe(src, &so);
 *     while (!ebr_source__done(src))
 *             ebr_source__poll(src, 100);
 *     ebr_source__close(src);   // drains every subscriber, then frees
 */
#ifndef EBPFREC_SOURCE_H
#define EBPFREC_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "capture.h"
#include "filter.h"
#include "schema.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ebr_event_header;
struct ebr_recorder_opts;

struct ebr_event {
	const struct ebr_event_header *rec; /* valid during the callback only */
	const struct ebr_schema *schema; /* decodes rec; lives until ebr_source__close */
	const struct ebr_capture_info *capture; /* which capture it came from; host, clocks */
	unsigned source; /* index of that capture among the source's files (0 when live) */
	uint64_t delivered_ns; /* CLOCK_BOOTTIME when the callback was entered */
};

/* Return 0 to go on; anything else ends this subscription (its thread stops). */
typedef int (*ebr_event_fn)(const struct ebr_event *ev, void *ctx);

struct ebr_subscribe_opts {
	size_t sz; /* sizeof(struct ebr_subscribe_opts) */
	const char *filter; /* expression (docs/filter.md); NULL: every event */
	size_t buffer_size; /* bytes of queued events; 0: 4 MiB */
	ebr_event_fn fn;
	void *ctx;
	/*
	 * 1: the callback runs in the thread that calls ebr_source__poll, as
	 * each event is drained: no queue, no thread, no wake-up between the
	 * recorder and the callback (the lowest latency and CPU). The callback
	 * must be quick, since the source waits for it (a slow one makes a live
	 * recorder fall behind: the kernel ring fills and loses events, counted
	 * as ring-buffer drops), and must not call this source's functions.
	 * buffer_size is then unused and nothing is ever dropped for the
	 * subscriber.
	 */
	int direct;
};

struct ebr_subscription;

struct ebr_capture_source_opts {
	size_t sz; /* sizeof(struct ebr_capture_source_opts) */
	double speed; /* 0: as fast as possible; 1: original pace; 10: ten times faster */
	int rebase; /* timestamps moved to now, as if the events were happening */
	uint64_t from_ts, to_ts; /* boot ns of the first capture; 0: unbounded */
	uint64_t type_bitmap[2]; /* only segments holding these types are read; all zero: every type */
};

/* Capture files, merged in wall-clock order. NULL + errno on error (explained via the log). */
struct ebr_source *ebr_source__open_capture(const char *const *paths, size_t n,
					    const struct ebr_capture_source_opts *opts);
/*
 * A live recorder (root). opts->output may be NULL to record nothing to
 * disk and only deliver to subscribers. Available when built with the
 * recorder; otherwise NULL with errno ENOTSUP.
 */
struct ebr_source *ebr_source__open_live(const struct ebr_recorder_opts *opts);

/* The recorder behind a live source (stats, follow, filters); NULL for capture sources. */
struct ebr_recorder *ebr_source__recorder(struct ebr_source *s);

/* Subscribe before or while the source runs. NULL + errno (EINVAL and a log line for a bad filter). */
struct ebr_subscription *ebr_source__subscribe(struct ebr_source *s, const struct ebr_subscribe_opts *o);
/* Replace a subscription's filter; its queue is kept. */
int ebr_subscription__set_filter(struct ebr_subscription *sub, const char *expr,
				 struct ebr_filter_error *err);

/*
 * Move events to subscribers for up to timeout_ms (a paced capture source
 * sleeps until events are due). Returns events handed on, or -errno.
 */
int ebr_source__poll(struct ebr_source *s, int timeout_ms);
/* Wait until every subscriber has taken every queued event (its callback returned). */
void ebr_source__drain(struct ebr_source *s);
/* A capture source has handed on its last event; a live source never is. */
int ebr_source__done(struct ebr_source *s);

enum ebr_health_status {
	EBR_HEALTHY = 0,
	EBR_DEGRADED = 1,
	EBR_UNHEALTHY = 2,
};

enum ebr_issue_severity {
	EBR_ISSUE_INFO = 0,
	EBR_ISSUE_WARNING = 1,
	EBR_ISSUE_ERROR = 2,
};

#define EBR_HEALTH_MAX_ISSUES 16

struct ebr_health_issue {
	enum ebr_issue_severity severity;
	char component[32]; /* "probe:sys_exit", "ringbuf", "writer", "capture", "subscriber:2" */
	char message[160];
	uint64_t since_ns; /* CLOCK_REALTIME when it was first seen */
};

struct ebr_health {
	enum ebr_health_status status;
	unsigned programs_loaded;
	unsigned programs_healthy;
	unsigned n_issues;
	struct ebr_health_issue issues[EBR_HEALTH_MAX_ISSUES];
};

struct ebr_source_stats {
	uint64_t collected; /* events the source produced */
	uint64_t delivered; /* handed to subscriber callbacks, all subscribers */
	uint64_t filtered; /* not matching a subscriber's filter */
	uint64_t dropped[EBR_DROP_REASONS]; /* by the kernel and recorder (live) or recorded in captures */
	uint64_t subscriber_dropped; /* a subscriber's queue was full */
	uint64_t ringbuf_lost; /* == dropped[ring buffer full] */
};

int ebr_source__health(struct ebr_source *s, struct ebr_health *out);
int ebr_source__stats(struct ebr_source *s, struct ebr_source_stats *out);
/* Per subscription: delivered, filtered and dropped (queue full) counts. */
int ebr_subscription__stats(struct ebr_subscription *sub, uint64_t *delivered, uint64_t *filtered,
			    uint64_t *dropped);
/* Stop the source, let every subscriber drain its queue, free everything. */
void ebr_source__close(struct ebr_source *s);
const char *ebr_health_status__name(enum ebr_health_status s);

#ifdef __cplusplus
}
#endif

#endif /* EBPFREC_SOURCE_H */
