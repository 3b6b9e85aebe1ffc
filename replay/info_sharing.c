// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `ebpfrec info` lines about how a capture was derived: slices, redactions, merges. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "ebpfrec/capture.h"
#include "ebpfrec/decode.h"
#include "ebpfrec/merge.h"
#include "info_sharing.h"
#include "layout.h"

void info_print_derivation(struct ebr_reader *r)
{
	struct ebr_merge_source *src = NULL;
	size_t n = 0;

	for (size_t i = 0; i < ebr_reader__meta_count(r); i++) {
		const void *data;
		unsigned kind;
		size_t len;

		ebr_reader__meta(r, i, &kind, &data, &len);
		if (kind == EBR_META_DERIVED)
			printf("derived:    %s\n", (const char *)data);
	}
	if (ebr_merge__sources(r, &src, &n) || !n)
		return;
	printf("sources:    %zu merged captures; each event carries its source's id\n", n);
	for (size_t i = 0; i < n; i++) {
		char when[48];

		printf("  [%u] %s, Linux %s, %s, capture %s, started %s, clock +%.9f s, %" PRIu64
		       " events\n",
		       src[i].id, src[i].host, src[i].kernel_release, src[i].machine, src[i].uuid_str,
		       ebr_format_wall_time(src[i].created_wall_ns, when, sizeof(when)),
		       (double)src[i].ts_offset_ns / 1e9, src[i].n_records);
	}
	free(src);
}
