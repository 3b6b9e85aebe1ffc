/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The ABI between the kernel programs and the capture file.
 *
 * Every record starts with struct ebr_event_header. Records are copied
 * verbatim from the ring buffer into capture segments, so everything here is
 * on-disk format: fixed-width types only, explicit padding, sizes multiples
 * of 8, and fields are only ever appended (a reader finds them through the
 * schema stored in the capture, never through this header).
 */
#ifndef EBPFREC_EVENTS_H
#define EBPFREC_EVENTS_H

#if defined(__VMLINUX_H__) || defined(__bpf__)
/* BPF side: vmlinux.h provides __u8 .. __u64 */
#elif defined(__linux__)
#include <linux/types.h>
#else
#include <stdint.h>
typedef uint8_t __u8;
typedef uint16_t __u16;
typedef uint32_t __u32;
typedef uint64_t __u64;
typedef int8_t __s8;
typedef int16_t __s16;
typedef int32_t __s32;
typedef int64_t __s64;
#endif

#define EBR_COMM_LEN 16
#define EBR_RECORD_ALIGN 8

/* Event type ids. Stable forever: they are written into captures. */
enum ebr_event_type {
	EBR_T_NONE = 0,
	/* process family */
	EBR_T_EXEC = 1,
	EBR_T_FORK = 2,
	EBR_T_EXIT = 3,
	/* syscall family */
	EBR_T_SYSCALL = 10,
	/* network family */
	EBR_T_CONNECT = 20,
	EBR_T_ACCEPT = 21,
	EBR_T_TCP_STATE = 22,
	EBR_T_TCP_CLOSE = 23,
	EBR_T_TCP_RETRANSMIT = 24,
	EBR_T_UDP_SEND = 25,
	EBR_T_UDP_RECV = 26,
	/* memory family */
	EBR_T_KMALLOC = 40,
	EBR_T_KFREE = 41,
	EBR_T_PAGE_ALLOC = 42,
	EBR_T_PAGE_FREE = 43,
	EBR_T_MMAP = 44,
	EBR_T_MUNMAP = 45,
	EBR_T_BRK = 46,
	/* file I/O family */
	EBR_T_OPEN = 60,
	EBR_T_READ = 61,
	EBR_T_WRITE = 62,
	EBR_T_CLOSE = 63,
	/* metadata records (process snapshot, probe status, cgroups) */
	EBR_T_PROC_INFO = 100,
	EBR_T_PROBE_STATUS = 101,
	EBR_T_CGROUP_INFO = 102,
	/* user-supplied BPF objects get ids from here on */
	EBR_T_CUSTOM_FIRST = 200,
	EBR_T_MAX = 1023,
};

/* Type bitmaps in segment headers have this many bits; ids above fold into the last bit. */
#define EBR_TYPE_BITMAP_BITS 128

enum ebr_family {
	EBR_FAM_NONE = 0,
	EBR_FAM_PROCESS = 1,
	EBR_FAM_SYSCALL = 2,
	EBR_FAM_NETWORK = 3,
	EBR_FAM_MEMORY = 4,
	EBR_FAM_FILE = 5,
	EBR_FAM_META = 6,
	EBR_FAM_CUSTOM = 7,
	EBR_FAM_NR,
};

/* Why an event did not reach the capture. Counted per CPU, per type. */
enum ebr_drop_reason {
	EBR_DROP_RINGBUF_FULL = 0, /* bpf_ringbuf_reserve/output failed */
	EBR_DROP_RATE_LIMITED = 1, /* token bucket in the kernel said no */
	EBR_DROP_FILTERED_KERNEL = 2, /* kernel-side filter (pid/type/cgroup) */
	EBR_DROP_FILTERED_USER = 3, /* recorder-side filter */
	EBR_DROP_TRUNCATED = 4, /* recorded, but a string/args was cut at its limit */
	EBR_DROP_WRITER_BACKLOG = 5, /* recorder had no free segment buffer */
	EBR_DROP_CORRUPT = 6, /* malformed record from the ring buffer */
	EBR_DROP_NR = 8,
};

/* Slots of the per-CPU drop counter map: reason * EBR_DROP_TYPE_SLOTS + type slot. */
#define EBR_DROP_TYPE_SLOTS 128

/* A variable-length string inside a record: bytes at record + off, len bytes, NUL follows. */
struct ebr_vstr {
	__u16 off;
	__u16 len;
};

struct ebr_event_header {
	__u64 ts; /* CLOCK_BOOTTIME, ns */
	__u32 size; /* whole record including this header, multiple of 8 */
	__u16 type; /* enum ebr_event_type */
	__u16 cpu;
	__u32 pid; /* thread group id */
	__u32 tid;
	__u32 ppid; /* thread group id of the real parent */
	__u32 uid;
	__u32 gid;
	__u32 pidns; /* pid namespace inode number */
	__u64 cgroup_id; /* cgroup v2 id */
	__u32 mntns; /* mount namespace inode number */
	__u32 flags; /* EBR_HDR_* */
	char comm[EBR_COMM_LEN];
};

/* header flags */
#define EBR_HDR_TRUNCATED (1u << 0) /* a variable field was cut at its limit */
/* Bits 24..31: set only by `ebpfrec merge`, the id of the capture a record came from (never in BPF). */
#define EBR_HDR_SOURCE_SHIFT 24
#define EBR_HDR_SOURCE_MASK 0xff000000u

/* ---- process family ---- */

struct ebr_exec_event {
	struct ebr_event_header hdr;
	__s32 ret; /* 0: the exec succeeded; <0: -errno of a failed execve */
	__u32 old_pid; /* tid that called exec (differs when a thread execs) */
	__u32 argc; /* number of arguments seen (args may hold fewer) */
	__u32 pad;
	struct ebr_vstr filename;
	struct ebr_vstr args; /* NUL-separated argv strings */
	/* variable data follows */
};

#define EBR_FORK_THREAD (1u << 0) /* the child shares the parent's thread group */

struct ebr_fork_event {
	struct ebr_event_header hdr; /* the parent */
	__u32 child_pid;
	__u32 child_tid;
	__u32 flags; /* EBR_FORK_* */
	__u32 pad;
	__u64 clone_flags; /* 0 when unknown */
};

struct ebr_exit_event {
	struct ebr_event_header hdr;
	__s32 exit_code; /* status >> 8, valid when signal == 0 */
	__u32 signal; /* terminating signal, 0 for a normal exit */
	__u32 core_dumped;
	__u32 raw_status; /* task->exit_code as the kernel keeps it */
	__u64 start_ns; /* process start, CLOCK_BOOTTIME ns */
};

/* ---- syscall family ---- */

#define EBR_SYSCALL_NO_RETURN (1u << 0) /* exit/exit_group: recorded at entry */
#define EBR_SYSCALL_UNPAIRED (1u << 1) /* exit seen without its entry (started before recording) */

/* One completed system call; ts is when it returned, so it started at ts - duration_ns. */
struct ebr_syscall_event {
	struct ebr_event_header hdr;
	__s64 ret;
	__u64 duration_ns;
	__u64 args[6];
	__u32 nr; /* the capture's arch's syscall number */
	__u32 flags; /* EBR_SYSCALL_* */
};

/* ---- file I/O family (open, read, write, close) ---- */

enum ebr_file_op {
	EBR_FILE_OP_OPEN = 1, /* open, openat, openat2, creat */
	EBR_FILE_OP_READ = 2,
	EBR_FILE_OP_PREAD = 3,
	EBR_FILE_OP_READV = 4,
	EBR_FILE_OP_PREADV = 5,
	EBR_FILE_OP_WRITE = 6,
	EBR_FILE_OP_PWRITE = 7,
	EBR_FILE_OP_WRITEV = 8,
	EBR_FILE_OP_PWRITEV = 9,
	EBR_FILE_OP_CLOSE = 10,
};

struct ebr_file_event {
	struct ebr_event_header hdr;
	__s64 ret; /* open: the fd; read/write: bytes; close: 0; or -errno */
	__u64 duration_ns;
	__s64 offset; /* file position the I/O started at; -1 when not a seekable file */
	__u64 count; /* bytes requested (read/write) */
	__u64 ino; /* inode number of the file, 0 when unknown */
	__u32 dev; /* device of the file (kernel dev_t) */
	__s32 fd;
	__u32 flags; /* open flags */
	__u32 mode; /* open mode */
	__u16 op; /* enum ebr_file_op */
	__u16 ftype; /* S_IFMT >> 12 of the inode: 8 regular, 4 directory, 12 socket, 1 fifo, ... */
	struct ebr_vstr filename; /* absolute path, resolved in the kernel */
};

/* ---- network family ---- */

enum ebr_direction {
	EBR_DIR_UNKNOWN = 0,
	EBR_DIR_OUT = 1, /* we initiated (connect, send) */
	EBR_DIR_IN = 2, /* they initiated (accept, receive) */
};

/*
 * connect, accept, tcp_state, tcp_close, tcp_retransmit, udp_send, udp_recv.
 * Addresses are 16 bytes; IPv4 is stored IPv4-mapped (::ffff:a.b.c.d).
 */
struct ebr_net_event {
	struct ebr_event_header hdr;
	__u8 saddr[16]; /* local */
	__u8 daddr[16]; /* remote */
	__u16 sport; /* local, host order */
	__u16 dport; /* remote, host order */
	__u16 family; /* AF_INET / AF_INET6 */
	__u16 protocol; /* IPPROTO_TCP / IPPROTO_UDP */
	__s32 ret; /* connect/accept: 0, a fd, or -errno; udp: bytes or -errno */
	__u32 direction; /* enum ebr_direction */
	__u32 old_state; /* tcp_state: TCP_* before */
	__u32 new_state; /* tcp_state: TCP_* after */
	__u64 bytes_sent; /* tcp_close: acked bytes sent; udp_send: bytes */
	__u64 bytes_received; /* tcp_close: bytes received; udp_recv: bytes */
	__u32 retransmits; /* tcp_close: segments retransmitted on this connection */
	__s32 fd;
	__u64 duration_ns; /* connect/accept: syscall time; tcp_close: connection lifetime */
	__u64 sock; /* kernel socket address, to correlate one connection's events */
};

/* ---- memory family ---- */

/* kmalloc and kfree (kfree: ptr and call_site only) */
struct ebr_kmem_event {
	struct ebr_event_header hdr;
	__u64 ptr;
	__u64 call_site;
	__u64 bytes_req;
	__u64 bytes_alloc;
	__u32 gfp_flags;
	__s32 node;
};

/* page_alloc and page_free */
struct ebr_page_event {
	struct ebr_event_header hdr;
	__u64 page; /* kernel address of the struct page */
	__u32 order;
	__u32 gfp_flags;
	__s32 migratetype;
	__u32 pad;
};

/* mmap, munmap, brk */
struct ebr_mmap_event {
	struct ebr_event_header hdr;
	__u64 addr; /* requested address (brk: the requested break) */
	__u64 len;
	__s64 ret; /* mmap: mapped address; brk: the new break; munmap: 0; or -errno */
	__u64 offset;
	__u64 duration_ns;
	__u32 prot;
	__u32 flags;
	__s32 fd;
	__u32 pad;
};

/* ---- metadata records ---- */

#define EBR_PROC_KTHREAD (1u << 0)

/* One process of the /proc snapshot taken when a recording starts. */
struct ebr_proc_info {
	struct ebr_event_header hdr; /* pid, ppid, uid, gid, comm, cgroup_id, namespaces */
	__u64 start_ns; /* CLOCK_BOOTTIME ns */
	__u32 flags; /* EBR_PROC_* */
	__u32 pad;
	struct ebr_vstr exe;
	struct ebr_vstr cmdline; /* NUL-separated */
	struct ebr_vstr cgroup; /* cgroup v2 path */
	__u32 pad2;
};

/* Whether a probe attached, and the kernel's reason when it did not. */
struct ebr_probe_status {
	struct ebr_event_header hdr;
	__s32 err; /* 0 or -errno */
	__u32 family; /* enum ebr_family */
	__u32 attached;
	__u32 pad;
	struct ebr_vstr name;
	struct ebr_vstr attach_point;
	struct ebr_vstr message;
	__u32 pad2;
};

/* A cgroup seen in the recording, with the container it belongs to. */
struct ebr_cgroup_info {
	struct ebr_event_header hdr; /* cgroup_id is the cgroup */
	struct ebr_vstr path; /* cgroup v2 path */
	struct ebr_vstr container_id; /* full id, e.g. 64 hex digits; empty when none */
	struct ebr_vstr runtime; /* docker, containerd, cri-o, podman, systemd */
	struct ebr_vstr pod_uid; /* Kubernetes pod UID */
	struct ebr_vstr pod_namespace;
	struct ebr_vstr pod_name;
	struct ebr_vstr unit; /* systemd unit (service, scope) */
	__u32 pad;
};

/*
 * Recorder settings read by every BPF program, placed in .rodata so the
 * verifier can prune disabled paths.
 */
struct ebr_bpf_config {
	__u32 self_pid; /* the recorder's tgid; its own activity is not recorded */
	__u32 max_args_size; /* bytes of exec args to copy */
	__u32 max_path_size; /* bytes of a path to copy */
	__u32 wakeup_bytes; /* wake the recorder only past this much unread data; 0: when the ring was empty */
	__u32 families; /* bit per enum ebr_family: which families emit */
	__u32 filter_syscalls; /* only syscalls set in the syscall_filter map */
	__u32 pad;
	/* token bucket per family and CPU: events/s (0: unlimited) and burst */
	__u64 rate_per_cpu[EBR_FAM_NR];
	__u64 burst[EBR_FAM_NR];
};

#define EBR_MAX_ARGS_SIZE 4096
#define EBR_MAX_PATH_SIZE 4096
/* Per-CPU scratch space for building variable-size records. */
#define EBR_SCRATCH_SIZE 16384

#endif /* EBPFREC_EVENTS_H */
