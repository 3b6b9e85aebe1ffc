/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Synthetic captures for the SQL tests: exec/fork/exit records with
 * strings, a process snapshot, probe status, drop counters, and optionally
 * a custom schema with made-up types (a "widget" of family custom and a
 * "connect" of the network family) to show the SQL layer follows the
 * capture's schema. Everything derives from a seed, and the truth the tests
 * assert against is counted while writing.
 */
#ifndef EBPFREC_TESTS_SQL_FIXTURE_H
#define EBPFREC_TESTS_SQL_FIXTURE_H

#include <stdint.h>

#include "events.h"

#define FIX_WIDGET_ID 200
#define FIX_CONNECT_ID 20
/* the container of cgroup 1000, where the tree records a cgroup table */
#define FIX_CONTAINER "0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd"

struct fixture_opts {
	uint32_t seed;
	unsigned n_segments;
	unsigned per_segment;
	const char *host;
	uint8_t uuid_byte; /* fills the UUID */
	uint64_t t0; /* ts of the first event */
	int64_t boot_to_wall_ns;
	int custom_schema; /* add widget and connect types and records */
	int shuffle; /* records within a segment out of time order */
};

struct fixture_truth {
	uint64_t n_events;
	uint64_t count[EBR_T_MAX + 1];
	uint64_t pid_sum[EBR_T_MAX + 1];
	int64_t exit_code_sum;
	uint64_t signal_exits;
	uint64_t core_dumps;
	uint64_t fork_threads;
	uint64_t argc_sum;
	uint64_t filename_len_sum;
	int64_t widget_delta_sum;
	uint64_t widget_count_sum;
	uint64_t connect_dport_sum;
	uint64_t drops_total[EBR_DROP_NR];
	uint64_t t_first, t_last;
	unsigned n_snapshot;
};

/* Writes the capture at path (replacing it). Returns 0 or -errno. */
int fixture_write(const char *path, const struct fixture_opts *o, struct fixture_truth *truth);

#endif
