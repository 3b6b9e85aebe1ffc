/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Clock readings in ns: monotonic for intervals, boot time for event timestamps. */
#ifndef EBPFREC_REC_CLOCK_H
#define EBPFREC_REC_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t rec_clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline uint64_t mono_ns(void)
{
	return rec_clock_ns(CLOCK_MONOTONIC);
}

/* the clock of bpf_ktime_get_boot_ns, which stamps every event */
static inline uint64_t boot_ns(void)
{
	return rec_clock_ns(CLOCK_BOOTTIME);
}

#endif
