/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A capture as a Chrome Trace Event Format file (JSON), which the Perfetto
 * UI and chrome://tracing open: a track per process and thread, syscalls and
 * file, memory-map and socket calls as duration slices, TCP connections as
 * async slices from connect/accept to close, process and other events as
 * instants, and counters of events/s per family and drops/s per reason.
 * Timestamps are microseconds since the capture's first event.
 */
#ifndef EBPFREC_REPLAY_EXPORT_CHROME_H
#define EBPFREC_REPLAY_EXPORT_CHROME_H

#include <stdint.h>
#include <stdio.h>

#include "ebpfrec/capture.h"
#include "ebpfrec/filter.h"

/* The counters' track: a process id no kernel hands out (PID_MAX_LIMIT is 2^22). */
#define CHROME_COUNTER_PID 4194304

struct chrome_trace_stats {
	uint64_t records; /* read from the capture in the window */
	uint64_t slices; /* "X" */
	uint64_t instants; /* "i" */
	uint64_t connections; /* "b"/"e" pairs */
	uint64_t counters; /* "C" samples */
	uint64_t metadata; /* "M" */
	uint64_t moved; /* slices whose start was moved to nest properly */
	uint64_t unplaced; /* slices shown as instants: they could not nest */
	uint64_t bytes; /* JSON written */
};

struct chrome_trace_opts {
	size_t sz; /* sizeof(struct chrome_trace_opts) */
	uint64_t from_ts; /* window on the boot clock: events that ended in [from_ts, to_ts); 0: open */
	uint64_t to_ts;
	uint64_t type_bitmap[2]; /* only these types; all zero: every type */
	int no_counters; /* leave out the "C" tracks */
	uint64_t bucket_ns; /* the counters' resolution; 0: chosen from the span */
	struct chrome_trace_stats *stats; /* filled when not NULL */
	const struct ebr_filter *filter; /* only matching events; NULL: all */
};

/* Write the whole trace to out. 0, or -errno after explaining through the log. */
int export_chrome_trace(struct ebr_reader *r, const struct chrome_trace_opts *o, FILE *out);

#endif
