// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A user's own BPF object, recorded beside ebpfrec's probes:
 *
 *   sudo ebpfrec record --bpf-object multi_program.bpf.o -o t.ebc -- make
 *   ebpfrec replay t.ebc --type event -f 'kind = 2 and exit_code != 0'
 *
 * Two programs share one ring buffer map named `events`; its records are
 * `struct event`, which ebpfrec finds in this object's BTF. No ebpfrec
 * header is needed: members named ts, pid, tid and comm fill the common
 * header, every other member becomes a field of the `event` type.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

enum kind { KIND_EXEC = 1, KIND_EXIT = 2 };

struct event {
	__u64 ts; /* bpf_ktime_get_boot_ns(): the clock ebpfrec records with */
	__u32 pid;
	__u32 tid;
	__u32 kind; /* enum kind */
	__s32 exit_code;
	__u64 runtime_ns; /* exit: how long the process lived */
	char comm[16];
	char filename[64];
};

/* keeps struct event in the object's BTF, where ebpfrec reads its layout */
struct event *unused_event __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

static __always_inline struct event *start(__u32 kind)
{
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	__u64 id = bpf_get_current_pid_tgid();

	if (!e)
		return NULL;
	__builtin_memset(e, 0, sizeof(*e));
	e->ts = bpf_ktime_get_boot_ns();
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->kind = kind;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	return e;
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct event *e = start(KIND_EXEC);

	if (!e)
		return 0;
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), BPF_CORE_READ(bprm, filename));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *p)
{
	struct event *e;

	if (BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0; /* one event per process, from its last thread */
	e = start(KIND_EXIT);
	if (!e)
		return 0;
	e->exit_code = (BPF_CORE_READ(p, exit_code) >> 8) & 0xff;
	e->runtime_ns = e->ts - BPF_CORE_READ(p, group_leader, start_boottime);
	bpf_ringbuf_submit(e, 0);
	return 0;
}
