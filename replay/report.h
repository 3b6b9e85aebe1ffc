/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `ebpfrec report`: one self-contained HTML file (styles, script and data
 * inline, nothing fetched when it is opened) with charts of a capture:
 * events and drops over time, top processes, syscall latency histograms,
 * network peers and files by bytes, and the capture's metadata.
 */
#ifndef EBPFREC_REPLAY_REPORT_H
#define EBPFREC_REPLAY_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "aggregate.h"
#include "ebpfrec/filter.h"
#include "ebpfrec/capture.h"

struct report_opts {
	size_t sz; /* sizeof(struct report_opts) */
	uint64_t from_ts; /* window on the boot clock; 0: open */
	uint64_t to_ts;
	uint64_t type_bitmap[2]; /* only these types; all zero: every type */
	unsigned top_n; /* rows per table; 0: 15 */
	unsigned n_hists; /* latency histograms; 0: 8 */
	const struct ebr_filter *filter; /* only matching events; NULL: all */
};

/* The report's data as one JSON object (what the page draws from). 0 or -errno. */
int report_write_data(struct ebr_reader *r, struct agg *a, const struct report_opts *o, FILE *out);
/* The whole page. 0, or -errno after explaining through the log. */
int report_write_html(struct ebr_reader *r, const struct report_opts *o, FILE *out);

#endif
