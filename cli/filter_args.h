/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Command-line side of filtering: -f EXPR plus the shorthands compiled into
 * one filter with errors shown under the column, and --from/--to times.
 */
#ifndef EBPFREC_CLI_FILTER_ARGS_H
#define EBPFREC_CLI_FILTER_ARGS_H

#include <stdint.h>
#include <stdio.h>

#include "ebpfrec/capture.h"
#include "ebpfrec/filter.h"

struct cli_filter_opts {
	const char *expr; /* -f EXPR, or NULL */
	struct ebr_filter_shorthand sh; /* --type, --pid, ... */
	/* the cgroup table container, pod, ... resolve through (cli_filter_tables); zeroed: none */
	struct ebr_filter_opts compile;
	/*
	 * A container, pod, ... the table lacks is a warning, and compiled to
	 * match once it appears (record: it may start later), not an error.
	 */
	int unknown_warns;
};

/*
 * o->compile: the cgroup tables of readers[0..n) together (names known in
 * any of several captures are accepted). *buf is malloc'd when n > 1: free
 * it after compiling. 0 or -ENOMEM (reported).
 */
int cli_filter_tables(const char *prog, struct cli_filter_opts *o, struct ebr_reader *const *readers,
		      size_t n, struct ebr_cgroup_view **buf);

/*
 * Compile o against s into *out (NULL when no filter was asked for).
 * Returns EXIT_OK, or EXIT_USAGE after printing what is wrong (prefixed
 * with prog, the expression with a caret under the column), or EXIT_FAIL.
 */
int cli_filter_compile(const char *prog, const struct ebr_schema *s,
		       const struct cli_filter_opts *o, struct ebr_filter **out);

/* The expression on one line and a '^' under byte column col (1-based). */
void cli_print_caret(FILE *out, const char *expr, unsigned col);

/*
 * A --from/--to value as a CLOCK_BOOTTIME timestamp of the capture:
 *   5  1.5s  200ms  2m        from the capture's first event
 *   -10s                      before its last event
 *   2026-11-26T22:47:24Z      wall clock: UTC (Z or no zone) or +hh:mm
 *   @123456789                raw boot-clock nanoseconds
 * Returns 0, or -EINVAL with *why set to a reason.
 */
int cli_parse_time(const char *s, const struct ebr_capture_info *info, uint64_t *boot_ns,
		   const char **why);

#endif
