/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Shared by every family's BPF object. Each object declares the same
 * `events` ring buffer and `drops` counters; the recorder creates them once
 * and hands the same map to every object (bpf_map__reuse_fd), so all
 * families feed one ring buffer and one set of counters.
 */
#ifndef EBPFREC_COMMON_BPF_H
#define EBPFREC_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "events.h"
#include "maps.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile struct ebr_bpf_config cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 24); /* the recorder sets the real size */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EBR_DROP_NR * EBR_DROP_TYPE_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EBR_FAM_NR);
	__type(key, __u32);
	__type(value, struct ebr_bucket);
} buckets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ebr_kfilter);
} kfilter SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EBR_KF_PID_ENTRIES);
	__type(key, __u32); /* tgid */
	__type(value, __u8);
} kf_pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EBR_KF_CGROUP_ENTRIES);
	__type(key, __u64);
	__type(value, __u8);
} kf_cgroups SEC(".maps");

/* Scratch space for variable-size records: too big for the 512-byte stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u8[EBR_SCRATCH_SIZE]);
} scratch SEC(".maps");

static __always_inline void count_drop(__u32 reason, __u32 type)
{
	__u32 slot = type < EBR_DROP_TYPE_SLOTS ? type : EBR_DROP_TYPE_SLOTS - 1;
	__u32 key = reason * EBR_DROP_TYPE_SLOTS + slot;
	__u64 *c = bpf_map_lookup_elem(&drops, &key);

	/* atomic: a preempted program and another on the same CPU would otherwise lose a count */
	if (c)
		__sync_fetch_and_add(c, 1);
}

static __always_inline bool is_self(__u64 pid_tgid)
{
	return cfg.self_pid && (__u32)(pid_tgid >> 32) == cfg.self_pid;
}

static __always_inline struct ebr_kfilter *kfilter_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&kfilter, &zero);
}

static __always_inline bool type_bit(const struct ebr_kfilter *f, __u16 type)
{
	__u32 bit = type < EBR_TYPE_BITMAP_BITS ? type : EBR_TYPE_BITMAP_BITS - 1;

	return (f->types[(bit / 64) & 1] >> (bit % 64)) & 1;
}

static __always_inline bool comm_equal(const char *a, const char *b)
{
	for (int i = 0; i < EBR_COMM_LEN; i++) {
		if (a[i] != b[i])
			return false;
		if (!a[i])
			break;
	}
	return true;
}

/*
 * Whether a process is wanted: pid set, uid, cgroup, comm. With current
 * set, the values are the current task's, each fetched only when the
 * filter asks for it (a followed tree needs only the pid: the uid and
 * cgroup helpers would be two wasted calls at every entry and exit);
 * otherwise uid, cgroup and comm are given (softirq events pass their
 * owner's).
 */
static __always_inline bool who_ok_of(__u32 tgid, bool current, __u32 uid, __u64 cgroup, const char *comm)
{
	struct ebr_kfilter *f = kfilter_get();

	if (!f || !f->flags)
		return true;
	if ((f->flags & EBR_KF_PIDS) && !bpf_map_lookup_elem(&kf_pids, &tgid))
		return false;
	if (f->flags & EBR_KF_UID) {
		if (current)
			uid = (__u32)bpf_get_current_uid_gid();
		if (uid != f->uid)
			return false;
	}
	if (f->flags & EBR_KF_CGROUPS) {
		if (current)
			cgroup = bpf_get_current_cgroup_id();
		if (!bpf_map_lookup_elem(&kf_cgroups, &cgroup))
			return false;
	}
	if (f->flags & EBR_KF_COMM) {
		char cur[EBR_COMM_LEN];

		if (current) {
			bpf_get_current_comm(cur, sizeof(cur));
			comm = cur;
		}
		if (!comm_equal(comm, f->comm))
			return false;
	}
	return true;
}

static __always_inline bool who_ok(__u32 tgid, __u32 uid, __u64 cgroup, const char *comm)
{
	return who_ok_of(tgid, false, uid, cgroup, comm);
}

/* who_ok for the current task */
static __always_inline bool who_ok_current(__u32 tgid)
{
	return who_ok_of(tgid, true, 0, 0, NULL);
}

static __always_inline bool who_wanted(__u32 tgid, __u16 type)
{
	if (who_ok_current(tgid))
		return true;
	count_drop(EBR_DROP_FILTERED_KERNEL, type);
	return false;
}

/* Whether an event of this type is wanted at all. */
static __always_inline bool type_wanted(__u16 type)
{
	struct ebr_kfilter *f = kfilter_get();

	if (!f || !(f->flags & EBR_KF_TYPES) || type_bit(f, type))
		return true;
	count_drop(EBR_DROP_FILTERED_KERNEL, type);
	return false;
}

/* The current task, its type permitting: the common early exit of every program. */
static __always_inline bool wanted(__u64 pid_tgid, __u16 type)
{
	return !is_self(pid_tgid) && type_wanted(type) && who_wanted(pid_tgid >> 32, type);
}

/*
 * The header of an event of the current task at time ts. The task is read
 * through its BTF pointer: plain loads the verifier guards, instead of a
 * probe-read helper call per field (a fifth of a traced syscall's cost).
 */
static __always_inline void fill_header_at(struct ebr_event_header *h, __u16 type, __u32 size, __u64 ts)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();
	struct nsproxy *ns = task->nsproxy; /* NULL once an exiting task has let go of it */

	h->ts = ts;
	h->size = size;
	h->type = type;
	h->cpu = (__u16)bpf_get_smp_processor_id();
	h->pid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	h->ppid = task->real_parent->tgid;
	h->uid = (__u32)uid_gid;
	h->gid = uid_gid >> 32;
	h->pidns = ns ? ns->pid_ns_for_children->ns.inum : 0;
	h->cgroup_id = bpf_get_current_cgroup_id();
	h->mntns = ns ? ns->mnt_ns->ns.inum : 0;
	h->flags = 0;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

static __always_inline void fill_header(struct ebr_event_header *h, __u16 type, __u32 size)
{
	fill_header_at(h, type, size, bpf_ktime_get_boot_ns());
}

/* cfg is read-only, so the verifier knows these exactly. */
static __always_inline __u32 path_limit(void)
{
	__u32 n = cfg.max_path_size;

	return n == 0 ? 1 : n > EBR_MAX_PATH_SIZE ? EBR_MAX_PATH_SIZE : n;
}

static __always_inline bool family_on(__u32 family)
{
	return cfg.families & (1u << family);
}

/*
 * Token bucket per family and CPU. The recorder divides the family's budget
 * among CPUs, so the total never exceeds it; every refusal is counted.
 * Bucket 0 (no family) is the budget of all families together.
 */
static __always_inline bool bucket_take(__u32 key, __u16 type)
{
	__u64 rate = cfg.rate_per_cpu[key & (EBR_FAM_NR - 1)], now, elapsed, tokens, cap;
	struct ebr_bucket *b;

	if (!rate)
		return true;
	b = bpf_map_lookup_elem(&buckets, &key);
	if (!b)
		return true;
	now = bpf_ktime_get_ns();
	elapsed = now - b->last_ns;
	if (elapsed > 1000000000ULL) /* keeps elapsed * rate far from overflow */
		elapsed = 1000000000ULL;
	b->last_ns = now;
	cap = cfg.burst[key & (EBR_FAM_NR - 1)] * 1000000000ULL; /* re-masked: a spill loses bounds */
	tokens = b->tokens + elapsed * rate;
	if (tokens > cap)
		tokens = cap;
	if (tokens < 1000000000ULL) {
		b->tokens = tokens;
		count_drop(EBR_DROP_RATE_LIMITED, type);
		return false;
	}
	b->tokens = tokens - 1000000000ULL;
	return true;
}

static __always_inline bool rate_ok(__u32 family, __u16 type)
{
	return bucket_take(0, type) && bucket_take(family & (EBR_FAM_NR - 1), type);
}

/* Reserve a fixed-size record, counting the drop when the ring is full. */
static __always_inline void *reserve_event(__u32 size, __u16 type)
{
	void *e = bpf_ringbuf_reserve(&events, size, 0);

	if (!e)
		count_drop(EBR_DROP_RINGBUF_FULL, type);
	return e;
}

/*
 * Waking the recorder costs more than writing the event. Unless asked for
 * low latency, the recorder polls on a timer and is woken early only when
 * the ring fills past wakeup_bytes. In low-latency mode (wakeup_bytes 0)
 * flags 0 let the kernel notify only when the ring goes from empty to not:
 * once per drain at most, since the recorder drains on a cadence while
 * events flow.
 */
static __always_inline __u64 wakeup_flags(void)
{
	if (!cfg.wakeup_bytes)
		return 0;
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= cfg.wakeup_bytes ? BPF_RB_FORCE_WAKEUP
										 : BPF_RB_NO_WAKEUP;
}

static __always_inline void submit_event(void *e)
{
	bpf_ringbuf_submit(e, wakeup_flags());
}

static __always_inline void *scratch_buffer(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch, &zero);
}

/* Round a variable-size record up to the record alignment, within scratch bounds. */
static __always_inline __u32 record_size(__u32 used)
{
	__u32 sz = (used + EBR_RECORD_ALIGN - 1) & ~(__u32)(EBR_RECORD_ALIGN - 1);

	return sz > EBR_SCRATCH_SIZE ? EBR_SCRATCH_SIZE : sz;
}

/* Emit a record built in scratch space (variable size); counts a full ring. */
static __always_inline void output_scratch(void *rec, __u32 size, __u16 type)
{
	size &= EBR_SCRATCH_SIZE - 1 + EBR_SCRATCH_SIZE; /* bound for the verifier */
	if (size > EBR_SCRATCH_SIZE || size < sizeof(struct ebr_event_header))
		return;
	if (bpf_ringbuf_output(&events, rec, size, wakeup_flags()))
		count_drop(EBR_DROP_RINGBUF_FULL, type);
}

#endif /* EBPFREC_COMMON_BPF_H */
