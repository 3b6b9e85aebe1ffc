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

/*
 * The part of a filter the kernel decides, so unwanted events never cross
 * the ring buffer. In a map, not rodata: a running recorder can change it.
 */
#define EBR_KF_TYPES (1u << 0) /* only types set in types[] */
#define EBR_KF_PIDS (1u << 1) /* only thread groups in kf_pids */
#define EBR_KF_FOLLOW (1u << 2) /* children of a kf_pids process join it at fork */
#define EBR_KF_UID (1u << 3) /* only this uid */
#define EBR_KF_CGROUPS (1u << 4) /* only cgroups in kf_cgroups */
#define EBR_KF_COMM (1u << 5) /* only this comm */

struct ebr_kfilter {
	__u64 types[2]; /* bit per event type, as in segment type bitmaps */
	__u32 flags; /* EBR_KF_* */
	__u32 uid;
	char comm[EBR_COMM_LEN];
};

#define EBR_KF_PID_ENTRIES 65536
#define EBR_KF_CGROUP_ENTRIES 4096
#define EBR_SK_OWNER_ENTRIES 65536
#define EBR_SYSCALL_SLOTS 1024

#endif
