/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The process table of a capture at a moment: the /proc snapshot taken when
 * recording started, brought forward by fork and exec events. Slicing uses
 * it to give a cut-out capture a snapshot that names every process in it,
 * including processes that started after the original snapshot. Not installed.
 */
#ifndef EBPFREC_FORMAT_PROC_HISTORY_H
#define EBPFREC_FORMAT_PROC_HISTORY_H

#include <stdint.h>

#include "ebpfrec/capture.h"
#include "ebpfrec/events.h"
#include "ebpfrec/record_builder.h"

struct ebr_proc_history;

/* Processes are keyed by source (merged captures, hdr.flags bits 24..31) and pid. */
static inline uint64_t ebr_proc_key(const struct ebr_event_header *h, uint32_t pid)
{
	return (uint64_t)(h->flags >> EBR_HDR_SOURCE_SHIFT) << 32 | pid;
}

/* Loads r's PROCS snapshot. NULL + errno on failure. */
struct ebr_proc_history *ebr_proc_history__new(struct ebr_reader *r);
/* Bring the table forward over one record (fork, exec; others are ignored). */
int ebr_proc_history__apply(struct ebr_proc_history *h, const struct ebr_event_header *rec);
/*
 * Append to out a proc_info record for key as the table knows it now, then
 * for its ancestors, skipping processes already described. The snapshot's
 * own record is copied when nothing changed it; otherwise one is built from
 * the fork and exec events. Returns the number of records appended, 0 when
 * key is unknown or was described before, or -ENOMEM.
 */
int ebr_proc_history__describe(struct ebr_proc_history *h, uint64_t key, struct ebr_buf *out);
/* Whether key was ever known (in the snapshot or through a fork or exec). */
int ebr_proc_history__known(const struct ebr_proc_history *h, uint64_t key);
/* proc_info records appended so far that were built rather than copied. */
uint64_t ebr_proc_history__synthesized(const struct ebr_proc_history *h);
void ebr_proc_history__free(struct ebr_proc_history *h);

#endif
