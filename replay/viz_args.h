/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Options the visualization commands share: --type, --from, --to. */
#ifndef EBPFREC_REPLAY_VIZ_ARGS_H
#define EBPFREC_REPLAY_VIZ_ARGS_H

#include <stdint.h>

#include "ebpfrec/capture.h"
#include "ebpfrec/filter.h"

/*
 * "syscall,exec,network": type names and family names (a family stands for
 * all its types) into a type bitmap. 0, or -1 after explaining on stderr.
 */
int viz_parse_types(const struct ebr_schema *s, const char *list, uint64_t bitmap[2], const char *cmd);
/*
 * --from/--to as seconds from the capture's first event ("1.5", "200ms",
 * "2m") into boot-clock bounds; NULL leaves a bound open (0). 0, or -1
 * after explaining on stderr.
 */
int viz_parse_window(const char *from, const char *to, const struct ebr_capture_info *in, uint64_t *from_ts,
		     uint64_t *to_ts, const char *cmd);

/*
 * -f EXPR against the capture's schema (a caret under a bad column, like
 * replay); with no --type given, the filter's own types narrow bitmap so
 * segments without them are not read. 0 (and *out NULL without expr), or
 * the exit status to return.
 */
int viz_compile_filter(const char *cmd, struct ebr_reader *r, const char *expr, struct ebr_filter **out,
		       uint64_t bitmap[2]);

#endif
