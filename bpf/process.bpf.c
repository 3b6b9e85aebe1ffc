// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Process family: exec, fork and exit from the sched tracepoints (raw_tp). */
#include "common.bpf.h"
#include "syscall_nrs.h"

#define VAR_MASK (EBR_SCRATCH_SIZE / 2 - 1) /* keeps variable offsets provably in scratch */

static __always_inline __u32 bounded(__u32 want, __u32 limit)
{
	return want < limit ? want : limit;
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct ebr_exec_event *e;
	__u32 off = sizeof(*e), len, max_args;
	unsigned long arg_start, arg_end;
	const char *filename;
	char *buf;
	long n;

	if (!wanted(id, EBR_T_EXEC))
		return 0;
	e = scratch_buffer();
	if (!e)
		return 0;
	buf = (char *)e;
	fill_header(&e->hdr, EBR_T_EXEC, 0);
	e->ret = 0;
	e->old_pid = old_pid;
	e->argc = BPF_CORE_READ(bprm, argc);
	e->pad = 0;

	filename = BPF_CORE_READ(bprm, filename);
	n = bpf_probe_read_kernel_str(buf + off, path_limit(), filename);
	if (n <= 0) {
		buf[off] = 0;
		n = 1;
	}
	e->filename.off = off;
	e->filename.len = n - 1;
	off += n;

	arg_start = BPF_CORE_READ(p, mm, arg_start);
	arg_end = BPF_CORE_READ(p, mm, arg_end);
	max_args = bounded(cfg.max_args_size, EBR_MAX_ARGS_SIZE);
	len = arg_end > arg_start ? arg_end - arg_start : 0;
	if (len > max_args) {
		len = max_args;
		e->hdr.flags |= EBR_HDR_TRUNCATED;
		count_drop(EBR_DROP_TRUNCATED, EBR_T_EXEC);
	}
	off &= VAR_MASK;
	len &= EBR_MAX_ARGS_SIZE - 1 + EBR_MAX_ARGS_SIZE; /* [0, 8191] for the verifier */
	if (len > EBR_MAX_ARGS_SIZE)
		len = EBR_MAX_ARGS_SIZE;
	if (len && bpf_probe_read_user(buf + off, len, (const void *)arg_start))
		len = 0;
	/* argv strings end in NUL; drop the last one, the record adds its own */
	if (len && buf[(off + len - 1) & (EBR_SCRATCH_SIZE - 1)] == 0)
		len--;
	e->args.off = off;
	e->args.len = len;
	buf[(off + len) & (EBR_SCRATCH_SIZE - 1)] = 0;

	e->hdr.size = record_size(off + len + 1);
	output_scratch(e, e->hdr.size, EBR_T_EXEC);
	return 0;
}

#define PF_KTHREAD 0x00200000
#define SIGCHLD 17
#define CLONE_VM 0x00000100
#define CLONE_VFORK 0x00004000

/*
 * The flags of the clone, fork or vfork the parent is in the middle of,
 * from its syscall registers (clone3: from the struct it passed, which the
 * kernel has just copied, so it is resident; its exit_signal goes in the
 * low byte, as clone's). 0 when the child comes from
 * elsewhere: a kernel thread, or an io_uring worker.
 */
static __always_inline __u64 clone_flags_of_current(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs;
	__u64 flags = 0;
	long nr;

	if (task->flags & PF_KTHREAD)
		return 0;
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	nr = SYSCALL_NR_OF(regs);
	if (nr == NR_clone)
		return PT_REGS_PARM1_CORE_SYSCALL(regs);
	if (nr == NR_clone3) {
		/* struct clone_args: flags at 0, exit_signal at 32; folded as clone's low byte holds it */
		char *uargs = (char *)PT_REGS_PARM1_CORE_SYSCALL(regs);
		__u64 exit_signal = 0;

		if (bpf_probe_read_user(&flags, sizeof(flags), uargs) ||
		    bpf_probe_read_user(&exit_signal, sizeof(exit_signal), uargs + 32))
			return 0;
		return flags | (exit_signal & 0xff);
	}
	if (nr == NR_fork)
		return SIGCHLD;
	if (nr == NR_vfork)
		return CLONE_VFORK | CLONE_VM | SIGCHLD;
	return 0;
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct ebr_kfilter *f = kfilter_get();
	struct ebr_fork_event *e;
	__u32 child_tgid = BPF_CORE_READ(child, tgid), parent_tgid = id >> 32;
	__u8 one = 1;

	/* following a process tree: a child joins its parent's set before it can run */
	if (f && (f->flags & EBR_KF_FOLLOW) && child_tgid != parent_tgid &&
	    bpf_map_lookup_elem(&kf_pids, &parent_tgid))
		bpf_map_update_elem(&kf_pids, &child_tgid, &one, BPF_ANY);
	if (!wanted(id, EBR_T_FORK))
		return 0;
	e = reserve_event(sizeof(*e), EBR_T_FORK);
	if (!e)
		return 0;
	fill_header(&e->hdr, EBR_T_FORK, sizeof(*e));
	e->child_pid = child_tgid;
	e->child_tid = BPF_CORE_READ(child, pid);
	e->flags = child_tgid == (__u32)(id >> 32) ? EBR_FORK_THREAD : 0;
	e->pad = 0;
	e->clone_flags = clone_flags_of_current();
	submit_event(e);
	return 0;
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *p)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct ebr_kfilter *f = kfilter_get();
	__u32 tgid = id >> 32;
	struct ebr_exit_event *e;
	__u32 code;

	/* one event per process: only the last thread of the group reports */
	if (BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0;
	if (!wanted(id, EBR_T_EXIT))
		goto forget;
	e = reserve_event(sizeof(*e), EBR_T_EXIT);
	if (!e)
		goto forget;
	fill_header(&e->hdr, EBR_T_EXIT, sizeof(*e));
	code = BPF_CORE_READ(p, exit_code);
	e->raw_status = code;
	e->signal = code & 0x7f;
	e->core_dumped = (code & 0x80) ? 1 : 0;
	e->exit_code = (code >> 8) & 0xff;
	e->start_ns = BPF_CORE_READ(p, group_leader, start_boottime);
	submit_event(e);
forget:
	/* a followed process is gone: its pid may be reused by anyone */
	if (f && (f->flags & EBR_KF_FOLLOW))
		bpf_map_delete_elem(&kf_pids, &tgid);
	return 0;
}
