// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Read-back speed of a capture through the library, one core:
 *   decode         open + cursor over every record (decompress, CRC, validate, order)
 *   decode+filter  the same plus ebr_filter__match on every record
 *   unordered      decode+filter with the cursor's per-segment ordering off
 *
 *   bench_replay FILE FILTER [PASSES]
 *
 * Prints one JSON object; each figure is the median of PASSES (default 3).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ebpfrec/capture.h"
#include "ebpfrec/filter.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One pass: records seen and matched, or -1. */
static int pass(const char *path, const char *expr, int unordered, uint64_t *seen, uint64_t *matched,
		double *secs)
{
	double t0 = now();
	struct ebr_reader *r = ebr_reader__open(path);
	struct ebr_cursor_opts co = { .sz = sizeof(co), .unordered = unordered };
	struct ebr_filter *f = NULL;
	struct ebr_filter_error fe;
	struct ebr_cursor *c;
	const struct ebr_event_header *h;
	int rc;

	if (!r)
		return -1;
	if (expr && !(f = ebr_filter__compile(ebr_reader__schema(r), expr, &fe))) {
		fprintf(stderr, "bench_replay: %s (column %u)\n", fe.message, fe.column);
		ebr_reader__close(r);
		return -1;
	}
	c = ebr_cursor__open(r, &co);
	*seen = *matched = 0;
	while (c && (rc = ebr_cursor__next(c, &h)) == 1) {
		(*seen)++;
		if (f && ebr_filter__match(f, h))
			(*matched)++;
	}
	ebr_cursor__close(c);
	ebr_filter__free(f);
	ebr_reader__close(r);
	*secs = now() - t0;
	return c ? 0 : -1;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int median_rate(const char *path, const char *expr, int unordered, int passes, uint64_t *seen,
		       uint64_t *matched, double *rate)
{
	double secs[32];

	if (passes > 32)
		passes = 32;
	for (int i = 0; i < passes; i++)
		if (pass(path, expr, unordered, seen, matched, &secs[i]))
			return -1;
	qsort(secs, (size_t)passes, sizeof(double), cmp_d);
	*rate = (double)*seen / secs[passes / 2];
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t seen, matched, m2;
	double decode, filtered, unordered;
	int passes = argc > 3 ? atoi(argv[3]) : 3;

	if (argc < 3 || passes < 1) {
		fprintf(stderr, "usage: bench_replay FILE FILTER [PASSES]\n");
		return 2;
	}
	if (median_rate(argv[1], NULL, 0, passes, &seen, &m2, &decode) ||
	    median_rate(argv[1], argv[2], 0, passes, &seen, &matched, &filtered) ||
	    median_rate(argv[1], argv[2], 1, passes, &seen, &m2, &unordered))
		return 1;
	printf("{\"records\": %llu, \"matched\": %llu, \"decode_per_s\": %.0f, \"filter_per_s\": %.0f, "
	       "\"unordered_filter_per_s\": %.0f, \"passes\": %d}\n",
	       (unsigned long long)seen, (unsigned long long)matched, decode, filtered, unordered, passes);
	return 0;
}
