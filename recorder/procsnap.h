/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The process table at the start of a recording, so replay can name
 * processes that started before it.
 */
#ifndef EBPFREC_RECORDER_PROCSNAP_H
#define EBPFREC_RECORDER_PROCSNAP_H

#include <stdint.h>

#include "ebpfrec/record_builder.h"

/*
 * Append one EBR_T_PROC_INFO record per process under proc_root ("/proc");
 * cgroup ids are looked up under cgroup2_root (NULL: left 0).
 */
int procsnap__collect(struct ebr_buf *out, const char *proc_root, const char *cgroup2_root,
		      uint64_t now_boot_ns);

/*
 * pid and every process below it now, from /proc (ppid links). *out is
 * malloc'd. Returns the count or -errno.
 */
int procsnap__descendants(const char *proc_root, uint32_t pid, uint32_t **out);

#endif
