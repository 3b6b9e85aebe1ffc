/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef EBPFREC_RECORDER_KFILTER_H
#define EBPFREC_RECORDER_KFILTER_H

#include <stddef.h>
#include <stdint.h>

#include "ebpfrec/recorder.h"
#include "probes.h"

/* Replace the kernel filter with spec (NULL: record everything). */
int rec_kfilter__apply(const struct rec_probes *p, const struct ebr_kfilter_spec *spec);
/* Add processes to a followed set (switching to following if needed). */
int rec_kfilter__add_pids(const struct rec_probes *p, const uint32_t *pids, size_t n);
/*
 * Add cgroups to the kernel's cgroup set, when it filters by one (a
 * container that started after the filter was set). Nothing is removed
 * first, so events of cgroups already in it are never refused meanwhile.
 */
int rec_kfilter__add_cgroups(const struct rec_probes *p, const uint64_t *ids, size_t n);

#endif
