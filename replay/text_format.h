/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Terminal output of the aggregations: bpftrace-style histograms and units. */
#ifndef EBPFREC_REPLAY_TEXT_FORMAT_H
#define EBPFREC_REPLAY_TEXT_FORMAT_H

#include <stdint.h>
#include <stdio.h>

#include "aggregate.h"

/*
 * A log2 histogram as bpftrace prints one:
 *   @usecs[read]:
 *   [0]                  12 |@@@@@@@                                             |
 *   [2, 4)               90 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
 * from the first to the last non-empty bucket. Nothing but the title for an
 * empty histogram.
 */
void hist__print(const struct hist *h, const char *title, FILE *out);
/* "512", "1K", "2M": a power of two with bpftrace's suffixes. Returns buf. */
const char *hist__label(uint64_t v, char *buf, size_t len);

/* "850 ns", "3.40 us", "12.5 ms", "1.234 s". Returns buf. */
const char *fmt_ns(uint64_t ns, char *buf, size_t len);
/* "1023 B", "1.5 KiB", "3.2 MiB". Returns buf. */
const char *fmt_bytes(uint64_t n, char *buf, size_t len);

#endif
