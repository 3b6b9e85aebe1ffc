// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One pair of programs on sys_enter/sys_exit serves every family that is
 * seen through system calls: syscall (every call, paired with its return),
 * file I/O (open/read/write/close with paths), memory (mmap/munmap/brk),
 * network (connect/accept, UDP send/receive) and failed execs. One pair
 * instead of one per family keeps the per-syscall cost to a single entry
 * and a single exit program; disabled families are pruned by the verifier
 * because cfg is read-only.
 */
#include "common.bpf.h"
#include "sock.bpf.h"
#include "syscall_nrs.h"
#include "vfs.bpf.h"

#define EINPROGRESS 115
#define EAGAIN 11
#define O_WRONLY 01
#define O_CREAT 0100
#define O_TRUNC 01000
#define MAX_IOV 8
#define MAX_EXEC_ARGS 16

/* What sys_enter saw, per thread; freed with the task. */
struct enter_state {
	__u64 ts;
	__u64 args[6];
	__u64 file; /* close: the struct file, looked up before it goes away */
	__u32 nr;
	__u32 pad;
	__u8 sockaddr[28]; /* connect/sendto: the destination */
	__u32 pad2;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct enter_state);
} enter SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EBR_SYSCALL_SLOTS);
	__type(key, __u32);
	__type(value, __u8);
} syscall_filter SEC(".maps");

/*
 * One finished call, as every handler needs it. Handlers are global
 * functions so the verifier checks each once, on its own, instead of every
 * path through one huge sys_exit; global functions see pointers passed in
 * memory as plain numbers, so the task travels as one (only read through
 * BPF_CORE_READ) and the entry state as its own argument.
 */
struct call {
	__u64 task; /* struct task_struct * */
	__s64 ret;
	__u64 now;
	__u32 nr;
	__u32 pad;
};

static __always_inline bool syscall_wanted(__u32 nr)
{
	__u8 *on;

	if (!cfg.filter_syscalls)
		return true;
	on = bpf_map_lookup_elem(&syscall_filter, &nr);
	return on && *on;
}

/* ------------------------------------------------------------ syscall */

static __noinline void emit_syscall(struct enter_state *st, struct call *c, __u32 flags)
{
	struct ebr_syscall_event *e;

	if (!type_wanted(EBR_T_SYSCALL) || !rate_ok(EBR_FAM_SYSCALL, EBR_T_SYSCALL))
		return;
	e = reserve_event(sizeof(*e), EBR_T_SYSCALL);
	if (!e)
		return;
	fill_header_at(&e->hdr, EBR_T_SYSCALL, sizeof(*e), c->now);
	e->ret = c->ret;
	e->nr = c->nr;
	e->flags = flags;
	if (st) {
		e->duration_ns = flags & EBR_SYSCALL_NO_RETURN ? 0 : c->now - st->ts;
		for (int i = 0; i < 6; i++)
			e->args[i] = st->args[i];
	} else {
		e->duration_ns = 0;
		for (int i = 0; i < 6; i++)
			e->args[i] = 0;
	}
	submit_event(e);
}

/* ------------------------------------------------------------ file I/O */

static __always_inline int file_op(__u32 nr)
{
	if (nr == NR_openat || nr == NR_open || nr == NR_creat || nr == NR_openat2)
		return EBR_FILE_OP_OPEN;
	if (nr == NR_read)
		return EBR_FILE_OP_READ;
	if (nr == NR_pread64)
		return EBR_FILE_OP_PREAD;
	if (nr == NR_readv)
		return EBR_FILE_OP_READV;
	if (nr == NR_preadv || nr == NR_preadv2)
		return EBR_FILE_OP_PREADV;
	if (nr == NR_write)
		return EBR_FILE_OP_WRITE;
	if (nr == NR_pwrite64)
		return EBR_FILE_OP_PWRITE;
	if (nr == NR_writev)
		return EBR_FILE_OP_WRITEV;
	if (nr == NR_pwritev || nr == NR_pwritev2)
		return EBR_FILE_OP_PWRITEV;
	if (nr == NR_close)
		return EBR_FILE_OP_CLOSE;
	return 0;
}

static __always_inline __u16 file_type(__u16 op)
{
	if (op == EBR_FILE_OP_OPEN)
		return EBR_T_OPEN;
	if (op == EBR_FILE_OP_CLOSE)
		return EBR_T_CLOSE;
	return op <= EBR_FILE_OP_PREADV ? EBR_T_READ : EBR_T_WRITE;
}

static __always_inline __u64 iov_total(__u64 iov_ptr, __u64 iovcnt)
{
	__u64 total = 0;

	for (int i = 0; i < MAX_IOV; i++) {
		struct iovec iov;

		if (i >= iovcnt)
			break;
		if (bpf_probe_read_user(&iov, sizeof(iov), (void *)(iov_ptr + i * sizeof(iov))))
			break;
		total += iov.iov_len;
	}
	return total;
}

static __always_inline void open_args(struct ebr_file_event *e, struct enter_state *st, __u32 nr,
				      const char **user_path)
{
	if (nr == NR_openat) {
		*user_path = (const char *)st->args[1];
		e->flags = st->args[2];
		e->mode = st->args[3];
	} else if (nr == NR_openat2) {
		struct open_how how = {};

		*user_path = (const char *)st->args[1];
		bpf_probe_read_user(&how, sizeof(how), (void *)st->args[2]);
		e->flags = how.flags;
		e->mode = how.mode;
	} else if (nr == NR_creat) {
		*user_path = (const char *)st->args[0];
		e->flags = O_CREAT | O_WRONLY | O_TRUNC;
		e->mode = st->args[1];
	} else {
		*user_path = (const char *)st->args[0];
		e->flags = st->args[1];
		e->mode = st->args[2];
	}
}

static __always_inline void do_emit_file(struct enter_state *st, struct call *c)
{
	struct task_struct *task = (struct task_struct *)c->task;
	__u32 nr = c->nr;
	__s64 ret = c->ret;
	__u64 now = c->now;
	__u16 op = file_op(nr), type = file_type(op);
	struct ebr_file_event *e;
	const char *user_path = NULL;
	struct path_entry *pe = NULL;
	struct file *file = NULL;
	__u32 off = sizeof(*e), len = 0;
	__u64 key;

	if (!type_wanted(type) || !rate_ok(EBR_FAM_FILE, type))
		return;
	e = scratch_buffer();
	if (!e)
		return;
	fill_header_at(&e->hdr, type, 0, now);
	e->ret = ret;
	e->duration_ns = now - st->ts;
	e->offset = -1;
	e->count = 0;
	e->ino = 0;
	e->dev = 0;
	e->flags = 0;
	e->mode = 0;
	e->op = op;
	e->ftype = 0;
	e->fd = (__s32)st->args[0];
	if (op == EBR_FILE_OP_OPEN) {
		open_args(e, st, nr, &user_path);
		e->fd = ret >= 0 ? (__s32)ret : -1;
		if (ret >= 0)
			file = fd_to_file(task, (int)ret);
	} else if (op == EBR_FILE_OP_CLOSE) {
		file = (struct file *)st->file;
	} else {
		file = fd_to_file(task, (int)st->args[0]);
		if (op == EBR_FILE_OP_READV || op == EBR_FILE_OP_WRITEV || op == EBR_FILE_OP_PREADV ||
		    op == EBR_FILE_OP_PWRITEV)
			e->count = iov_total(st->args[1], st->args[2]);
		else
			e->count = st->args[2];
	}
	if (file) {
		__u16 mode = BPF_CORE_READ(file, f_inode, i_mode);

		e->ftype = (mode & S_IFMT) >> 12;
		e->ino = BPF_CORE_READ(file, f_inode, i_ino);
		e->dev = BPF_CORE_READ(file, f_inode, i_sb, s_dev);
		if (op == EBR_FILE_OP_PREAD || op == EBR_FILE_OP_PWRITE || op == EBR_FILE_OP_PREADV ||
		    op == EBR_FILE_OP_PWRITEV)
			e->offset = st->args[3];
		else if (op != EBR_FILE_OP_OPEN && op != EBR_FILE_OP_CLOSE && (mode & S_IFMT) == S_IFREG)
			e->offset = BPF_CORE_READ(file, f_pos) - (ret > 0 ? ret : 0);
		/* sockets have no path; their inode number names them */
		if ((mode & S_IFMT) != S_IFSOCK) {
			if (op == EBR_FILE_OP_CLOSE) {
				key = (__u64)file;
				pe = bpf_map_lookup_elem(&path_cache, &key);
			} else {
				pe = file_path(file);
			}
		}
	}
	if (pe) {
		len = copy_path((char *)e, off, pe, path_limit());
		if (pe->truncated)
			e->hdr.flags |= EBR_HDR_TRUNCATED;
	} else if (user_path) {
		long n = bpf_probe_read_user_str((char *)e + off, path_limit(), user_path);

		len = n > 0 ? n - 1 : 0;
		((char *)e)[(off + len) & (EBR_SCRATCH_SIZE - 1)] = 0;
	} else {
		((char *)e)[off] = 0;
	}
	if (op == EBR_FILE_OP_CLOSE && st->file) {
		key = st->file;
		bpf_map_delete_elem(&path_cache, &key);
	}
	e->filename.off = off;
	e->filename.len = len;
	e->hdr.size = record_size(off + len + 1);
	output_scratch(e, e->hdr.size, type);
	return;
}

/* ------------------------------------------------------------ memory */

static __always_inline void do_emit_mmap(struct enter_state *st, struct call *c)
{
	__u32 nr = c->nr;
	__s64 ret = c->ret;
	__u64 now = c->now;
	__u16 type = nr == NR_mmap ? EBR_T_MMAP : nr == NR_munmap ? EBR_T_MUNMAP : EBR_T_BRK;
	struct ebr_mmap_event *e;

	if (!type_wanted(type) || !rate_ok(EBR_FAM_MEMORY, type))
		return;
	e = reserve_event(sizeof(*e), type);
	if (!e)
		return;
	fill_header_at(&e->hdr, type, sizeof(*e), now);
	e->addr = st->args[0];
	e->len = nr == NR_brk ? 0 : st->args[1];
	e->ret = ret;
	e->offset = nr == NR_mmap ? st->args[5] : 0;
	e->duration_ns = now - st->ts;
	e->prot = nr == NR_mmap ? st->args[2] : 0;
	e->flags = nr == NR_mmap ? st->args[3] : 0;
	e->fd = nr == NR_mmap ? (__s32)st->args[4] : -1;
	e->pad = 0;
	submit_event(e);
	return;
}

/* ------------------------------------------------------------ network */

static __always_inline void do_emit_net(struct enter_state *st, struct call *c)
{
	struct task_struct *task = (struct task_struct *)c->task;
	__u32 nr = c->nr;
	__s64 ret = c->ret;
	__u64 now = c->now;
	bool is_accept = nr == NR_accept || nr == NR_accept4;
	bool is_send = nr == NR_sendto || nr == NR_sendmsg;
	bool is_connect = nr == NR_connect;
	int fd = is_accept ? (int)ret : (int)st->args[0];
	struct ebr_net_event *e;
	struct sock *sk;
	__u16 family, proto, type;
	__u8 sa[28] = {};
	__u64 name_ptr = 0;

	if (is_accept && ret < 0)
		return; /* nothing accepted: EAGAIN on non-blocking listeners is noise */
	sk = file_sock(fd_to_file(task, fd));
	if (!sk)
		return;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	proto = BPF_CORE_READ(sk, sk_protocol);
	if (family != AF_INET && family != AF_INET6)
		return;
	if (!is_connect && !is_accept && (proto != IPPROTO_UDP || ret == -EAGAIN))
		return; /* send/receive are recorded for UDP; TCP has its state events */
	type = is_connect ? EBR_T_CONNECT : is_accept ? EBR_T_ACCEPT : is_send ? EBR_T_UDP_SEND : EBR_T_UDP_RECV;
	if (!type_wanted(type) || !rate_ok(EBR_FAM_NETWORK, type))
		return;
	e = reserve_event(sizeof(*e), type);
	if (!e)
		return;
	__builtin_memset((char *)e + sizeof(e->hdr), 0, sizeof(*e) - sizeof(e->hdr));
	fill_header_at(&e->hdr, type, sizeof(*e), now);
	sock_addrs(sk, e);
	e->ret = (__s32)ret;
	e->fd = fd;
	e->duration_ns = now - st->ts;
	e->sock = (__u64)sk;
	e->direction = is_connect || is_send ? EBR_DIR_OUT : EBR_DIR_IN;
	if (is_connect || nr == NR_sendto) {
		/* the destination the caller asked for, even if the connect failed */
		if (st->args[is_connect ? 1 : 4])
			sockaddr_remote(st->sockaddr, e);
	} else if (nr == NR_recvfrom) {
		name_ptr = st->args[4];
	} else if (nr == NR_sendmsg || nr == NR_recvmsg) {
		struct user_msghdr msg = {};

		bpf_probe_read_user(&msg, sizeof(msg), (void *)st->args[1]);
		name_ptr = (__u64)msg.msg_name;
	}
	if (name_ptr && ret >= 0 && !bpf_probe_read_user(sa, sizeof(sa), (void *)name_ptr))
		sockaddr_remote(sa, e);
	if (type == EBR_T_UDP_SEND && ret > 0)
		e->bytes_sent = ret;
	if (type == EBR_T_UDP_RECV && ret > 0)
		e->bytes_received = ret;
	if (proto == IPPROTO_TCP && (is_accept || ret == 0 || ret == -EINPROGRESS))
		remember_owner(sk, &e->hdr, e->direction);
	submit_event(e);
	return;
}

/* ------------------------------------------------------------ failed exec */

/* Successful execs come from sched_process_exec; failures only show here. */
static __always_inline void do_emit_failed_exec(struct enter_state *st, struct call *c)
{
	__u32 nr = c->nr;
	__s64 ret = c->ret;
	__u64 now = c->now;
	const char *filename = (const char *)st->args[nr == NR_execveat ? 1 : 0];
	const char *const *argv = (const char *const *)st->args[nr == NR_execveat ? 2 : 1];
	struct ebr_exec_event *e = scratch_buffer();
	__u32 off = sizeof(*e), start;
	long n;

	if (!e || !type_wanted(EBR_T_EXEC))
		return;
	fill_header_at(&e->hdr, EBR_T_EXEC, 0, now);
	e->ret = (__s32)ret;
	e->old_pid = e->hdr.tid;
	e->argc = 0;
	e->pad = 0;
	n = bpf_probe_read_user_str((char *)e + off, path_limit(), filename);
	if (n <= 0) {
		((char *)e)[off] = 0;
		n = 1;
	}
	e->filename.off = off;
	e->filename.len = n - 1;
	off += n;
	start = off;
	for (int i = 0; i < MAX_EXEC_ARGS; i++) {
		const char *arg = NULL;

		if (bpf_probe_read_user(&arg, sizeof(arg), &argv[i]) || !arg)
			break;
		off &= EBR_SCRATCH_SIZE / 2 - 1;
		n = bpf_probe_read_user_str((char *)e + off, 256, arg);
		if (n <= 0)
			break;
		off += n;
		e->argc++;
		if (off - start >= cfg.max_args_size)
			break;
	}
	e->args.off = start;
	e->args.len = off > start ? off - start - 1 : 0;
	((char *)e)[off & (EBR_SCRATCH_SIZE - 1)] = 0;
	e->hdr.size = record_size(off + 1);
	output_scratch(e, e->hdr.size, EBR_T_EXEC);
	return;
}

/* ------------------------------------------------------------ handlers */

#define GLOBAL_HANDLER(NAME)                                                   \
	__noinline int NAME(struct enter_state *st, struct call *c)             \
	{                                                                       \
		if (st && c) /* the verifier cannot know a global's pointers are set */ \
			do_##NAME(st, c);                                       \
		return 0;                                                       \
	}

GLOBAL_HANDLER(emit_file)
GLOBAL_HANDLER(emit_mmap)
GLOBAL_HANDLER(emit_net)
GLOBAL_HANDLER(emit_failed_exec)

/* ------------------------------------------------------------ programs */

static __always_inline bool net_nr(__u32 nr)
{
	return nr == NR_connect || nr == NR_accept || nr == NR_accept4 || nr == NR_sendto ||
	       nr == NR_recvfrom || nr == NR_sendmsg || nr == NR_recvmsg;
}

/*
 * The type an exit is counted as when the kernel filter refuses its process;
 * 0: none, when no enabled family would have recorded the call anyway (a
 * call left out by --syscalls is not an event the filter took away).
 */
static __always_inline __u16 exit_type(__u32 nr)
{
	if (family_on(EBR_FAM_SYSCALL) && syscall_wanted(nr))
		return EBR_T_SYSCALL;
	if (family_on(EBR_FAM_FILE) && file_op(nr))
		return file_type(file_op(nr));
	if (family_on(EBR_FAM_MEMORY) && (nr == NR_mmap || nr == NR_munmap || nr == NR_brk))
		return EBR_T_MMAP;
	if (family_on(EBR_FAM_NETWORK) && net_nr(nr))
		return EBR_T_CONNECT;
	return 0;
}

/* Whether any enabled family needs this call's entry; most calls need none when syscall is off. */
static __always_inline bool entry_wanted(__u32 nr)
{
	return (family_on(EBR_FAM_SYSCALL) && syscall_wanted(nr)) ||
	       (family_on(EBR_FAM_FILE) && file_op(nr)) ||
	       (family_on(EBR_FAM_MEMORY) && (nr == NR_mmap || nr == NR_munmap || nr == NR_brk)) ||
	       (family_on(EBR_FAM_NETWORK) && net_nr(nr)) ||
	       (family_on(EBR_FAM_PROCESS) && (nr == NR_execve || nr == NR_execveat));
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	struct task_struct *task;
	struct enter_state *st;
	__u32 nr = (__u32)id;

	__u64 pid_tgid = bpf_get_current_pid_tgid();

	if (is_self(pid_tgid) || !entry_wanted(nr))
		return 0;
	/* an unwanted process is counted once, at exit, not twice */
	if (!who_ok_current(pid_tgid >> 32))
		return 0;
	task = bpf_get_current_task_btf();
	st = bpf_task_storage_get(&enter, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!st)
		return 0;
	st->ts = bpf_ktime_get_boot_ns();
	st->nr = nr;
	st->args[0] = PT_REGS_PARM1_SYSCALL(regs);
	st->args[1] = PT_REGS_PARM2_SYSCALL(regs);
	st->args[2] = PT_REGS_PARM3_SYSCALL(regs);
	st->args[3] = PT_REGS_PARM4_SYSCALL(regs);
	st->args[4] = PT_REGS_PARM5_SYSCALL(regs);
	st->args[5] = SYSCALL_ARG6(regs);
	st->file = 0;
	if (family_on(EBR_FAM_NETWORK) && (nr == NR_connect || nr == NR_sendto)) {
		const void *sa = (const void *)st->args[nr == NR_connect ? 1 : 4];

		if (!sa || bpf_probe_read_user(st->sockaddr, sizeof(st->sockaddr), sa))
			__builtin_memset(st->sockaddr, 0, sizeof(st->sockaddr));
	}
	if (family_on(EBR_FAM_FILE) && nr == NR_close) {
		/* after close the fd no longer names the file: find it now */
		struct file *f = fd_to_file(task, (int)st->args[0]);

		st->file = (__u64)f;
		if (f && (BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
			file_path(f);
	}
	if ((nr == NR_exit || nr == NR_exit_group) && family_on(EBR_FAM_SYSCALL) && syscall_wanted(nr)) {
		struct call c = { .task = (__u64)task, .ret = 0, .now = st->ts, .nr = nr };

		emit_syscall(st, &c, EBR_SYSCALL_NO_RETURN);
	}
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	struct call c = { .ret = ret };
	__u64 id = bpf_get_current_pid_tgid();
	struct task_struct *task;
	struct enter_state *st;

	if (is_self(id))
		return 0;
	c.nr = (__u32)SYSCALL_NR_OF(regs);
	if (!who_ok_current(id >> 32)) {
		if (exit_type(c.nr))
			count_drop(EBR_DROP_FILTERED_KERNEL, exit_type(c.nr));
		return 0;
	}
	task = bpf_get_current_task_btf();
	c.task = (__u64)task;
	c.now = bpf_ktime_get_boot_ns();
	st = bpf_task_storage_get(&enter, task, 0, 0);
	if (!st || st->nr != c.nr) {
		/* the call began before recording started (or was not wanted): only its end is known */
		if (family_on(EBR_FAM_SYSCALL) && syscall_wanted(c.nr))
			emit_syscall(NULL, &c, EBR_SYSCALL_UNPAIRED);
		return 0;
	}
	if (family_on(EBR_FAM_SYSCALL) && syscall_wanted(c.nr))
		emit_syscall(st, &c, 0);
	if (family_on(EBR_FAM_FILE) && file_op(c.nr))
		emit_file(st, &c);
	if (family_on(EBR_FAM_MEMORY) && (c.nr == NR_mmap || c.nr == NR_munmap || c.nr == NR_brk))
		emit_mmap(st, &c);
	if (family_on(EBR_FAM_NETWORK) && net_nr(c.nr))
		emit_net(st, &c);
	if (family_on(EBR_FAM_PROCESS) && ret < 0 && (c.nr == NR_execve || c.nr == NR_execveat))
		emit_failed_exec(st, &c);
	/* the entry is consumed: a stale one must never pair with a later exit */
	st->nr = (__u32)-1;
	return 0;
}
