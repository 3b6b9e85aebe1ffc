/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Values of the maps the recorder creates once and shares with every BPF
 * object (bpf_map__reuse_fd). Kernel-side state only: never written to a
 * capture, so it may change freely.
 */
#ifndef EBPFREC_MAPS_H
#define EBPFREC_MAPS_H

#include "events.h"

/* Token bucket of one family on one CPU. Tokens are scaled by 1e9 (one event = 1e9). */
struct ebr_bucket {
	__u64 tokens;
	__u64 last_ns;
};

/* Who owns a socket: TCP state changes often run in softirq, in no process's name. */
struct ebr_sk_owner {
	__u64 start_ns;
	__u64 cgroup_id;
	__u32 pid, tid, ppid, uid, gid, pidns, mntns;
	__u32 direction;
	char comm[EBR_COMM_LEN];
};

#define EBR_SK_OWNER_ENTRIES 65536
#define EBR_SYSCALL_SLOTS 1024

#endif
