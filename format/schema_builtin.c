// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The schema this build records with: one entry per struct in bpf/events.h.
 * It is written into every capture; readers use the stored copy, so the
 * names here are part of the user interface (JSON keys, SQL columns,
 * filter fields). Append, never rename.
 */
#include <pthread.h>
#include <stddef.h>

#include "schema_internal.h"

#define MEMBER_SIZE(T, m) sizeof(((T *)0)->m)
#define FIELD(T, m, name, kind, hint) { name, kind, hint, offsetof(T, m), MEMBER_SIZE(T, m) }
#define HDR(m, name, kind, hint) FIELD(struct ebr_event_header, m, name, kind, hint)

#define COMMON_FIELDS                                              \
	HDR(ts, "ts", EBR_FK_U64, EBR_FH_TS),                      \
	HDR(size, "size", EBR_FK_U32, EBR_FH_HIDDEN),              \
	HDR(type, "type", EBR_FK_U16, EBR_FH_TYPE),                \
	HDR(cpu, "cpu", EBR_FK_U16, EBR_FH_NONE),                  \
	HDR(pid, "pid", EBR_FK_U32, EBR_FH_NONE),                  \
	HDR(tid, "tid", EBR_FK_U32, EBR_FH_NONE),                  \
	HDR(ppid, "ppid", EBR_FK_U32, EBR_FH_NONE),                \
	HDR(uid, "uid", EBR_FK_U32, EBR_FH_NONE),                  \
	HDR(gid, "gid", EBR_FK_U32, EBR_FH_NONE),                  \
	HDR(pidns, "pidns", EBR_FK_U32, EBR_FH_NONE),              \
	HDR(cgroup_id, "cgroup", EBR_FK_U64, EBR_FH_NONE),         \
	HDR(mntns, "mntns", EBR_FK_U32, EBR_FH_NONE),              \
	HDR(flags, "hdr_flags", EBR_FK_U32, EBR_FH_HIDDEN),        \
	HDR(comm, "comm", EBR_FK_CHARS, EBR_FH_NONE)

static const struct ebr_field exec_fields[] = {
	COMMON_FIELDS,
	FIELD(struct ebr_exec_event, ret, "ret", EBR_FK_S32, EBR_FH_ERRNO),
	FIELD(struct ebr_exec_event, old_pid, "old_pid", EBR_FK_U32, EBR_FH_NONE),
	FIELD(struct ebr_exec_event, argc, "argc", EBR_FK_U32, EBR_FH_NONE),
	FIELD(struct ebr_exec_event, filename, "filename", EBR_FK_VSTR, EBR_FH_NONE),
	FIELD(struct ebr_exec_event, args, "args", EBR_FK_VSTRLIST, EBR_FH_NONE),
};

static const struct ebr_field fork_fields[] = {
	COMMON_FIELDS,
	FIELD(struct ebr_fork_event, child_pid, "child_pid", EBR_FK_U32, EBR_FH_NONE),
	FIELD(struct ebr_fork_event, child_tid, "child_tid", EBR_FK_U32, EBR_FH_NONE),
	FIELD(struct ebr_fork_event, flags, "thread", EBR_FK_U32, EBR_FH_BOOL),
	FIELD(struct ebr_fork_event, clone_flags, "clone_flags", EBR_FK_U64, EBR_FH_CLONE_FLAGS),
};

static const struct ebr_field exit_fields[] = {
	COMMON_FIELDS,
	FIELD(struct ebr_exit_event, exit_code, "exit_code", EBR_FK_S32, EBR_FH_NONE),
	FIELD(struct ebr_exit_event, signal, "signal", EBR_FK_U32, EBR_FH_SIGNAL),
	FIELD(struct ebr_exit_event, core_dumped, "core_dumped", EBR_FK_U32, EBR_FH_BOOL),
	FIELD(struct ebr_exit_event, raw_status, "raw_status", EBR_FK_U32, EBR_FH_HEX),
	FIELD(struct ebr_exit_event, start_ns, "start_ts", EBR_FK_U64, EBR_FH_TS),
};

static const struct ebr_field syscall_fields[] = {
	COMMON_FIELDS,
	FIELD(struct ebr_syscall_event, ret, "ret", EBR_FK_S64, EBR_FH_ERRNO),
	FIELD(struct ebr_syscall_event, duration_ns, "duration", EBR_FK_U64, EBR_FH_DURATION),
	FIELD(struct ebr_syscall_event, args[0], "arg0", EBR_FK_U64, EBR_FH_HEX),
	FIELD(struct ebr_syscall_event, args[1], "arg1", EBR_FK_U64, EBR_FH_HEX),
	FIELD(struct ebr_syscall_event, args[2], "arg2", EBR_FK_U64, EBR_FH_HEX),
	FIELD(struct ebr_syscall_event, args[3], "arg3", EBR_FK_U64, EBR_FH_HEX),
	FIELD(struct ebr_syscall_event, args[4], "arg4", EBR_FK_U64, EBR_FH_HEX),
	FIELD(struct ebr_syscall_event, args[5], "arg5", EBR_FK_U64, EBR_FH_HEX),
	FIELD(struct ebr_syscall_event, nr, "nr", EBR_FK_U32, EBR_FH_SYSCALL),
	FIELD(struct ebr_syscall_event, flags, "syscall_flags", EBR_FK_U32, EBR_FH_HEX),
};

static const struct ebr_field file_fields[] = {
	COMMON_FIELDS,
	FIELD(struct ebr_file_event, ret, "ret", EBR_FK_S64, EBR_FH_ERRNO),
	FIELD(struct ebr_file_event, duration_ns, "duration", EBR_FK_U64, EBR_FH_DURATION),
	FIELD(struct ebr_file_event, offset, "offset", EBR_FK_S64, EBR_FH_NONE),
	FIELD(struct ebr_file_event, count, "count", EBR_FK_U64, EBR_FH_BYTES),
	FIELD(struct ebr_file_event, ino, "ino", EBR_FK_U64, EBR_FH_NONE),
	FIELD(struct ebr_file_event, dev, "dev", EBR_FK_U32, EBR_FH_HEX),
	FIELD(struct ebr_file_event, fd, "fd", EBR_FK_S32, EBR_FH_FD),
	FIELD(struct ebr_file_event, flags, "open_flags", EBR_FK_U32, EBR_FH_OPEN_FLAGS),
	FIELD(struct ebr_file_event, mode, "mode", EBR_FK_U32, EBR_FH_OCTAL),
	FIELD(struct ebr_file_event, op, "op", EBR_FK_U16, EBR_FH_FILE_OP),
	FIELD(struct ebr_file_event, ftype, "ftype", EBR_FK_U16, EBR_FH_FTYPE),
	FIELD(struct ebr_file_event, filename, "filename", EBR_FK_VSTR, EBR_FH_NONE),
};

static const struct ebr_field net_fields[] = {
	COMMON_FIELDS,
	FIELD(struct ebr_net_event, saddr, "saddr", EBR_FK_IPADDR, EBR_FH_NONE),
	FIELD(struct ebr_net_event, daddr, "daddr", EBR_FK_IPADDR, EBR_FH_NONE),
	FIELD(struct ebr_net_event, sport, "sport", EBR_FK_U16, EBR_FH_PORT),
	FIELD(struct ebr_net_event, dport, "dport", EBR_FK_U16, EBR_FH_PORT),
	FIELD(struct ebr_net_event, family, "af", EBR_FK_U16, EBR_FH_FAMILY),
	FIELD(struct ebr_net_event, protocol, "protocol", EBR_FK_U16, EBR_FH_PROTO),
	FIELD(struct ebr_net_event, ret, "ret", EBR_FK_S32, EBR_FH_ERRNO),
	FIELD(struct ebr_net_event, direction, "direction", EBR_FK_U32, EBR_FH_DIRECTION),
	FIELD(struct ebr_net_event, old_state, "old_state", EBR_FK_U32, EBR_FH_TCP_STATE),
	FIELD(struct ebr_net_event, new_state, "new_state", EBR_FK_U32, EBR_FH_TCP_STATE),
	FIELD(struct ebr_net_event, bytes_sent, "bytes_sent", EBR_FK_U64, EBR_FH_BYTES),
	FIELD(struct ebr_net_event, bytes_received, "bytes_received", EBR_FK_U64, EBR_FH_BYTES),
	FIELD(struct ebr_net_event, retransmits, "retransmits", EBR_FK_U32, EBR_FH_NONE),
	FIELD(struct ebr_net_event, fd, "fd", EBR_FK_S32, EBR_FH_FD),
	FIELD(struct ebr_net_event, duration_ns, "duration", EBR_FK_U64, EBR_FH_DURATION),
	FIELD(struct ebr_net_event, sock, "sock", EBR_FK_U64, EBR_FH_HEX),
};

static const struct ebr_field kmem_fields[] = {
	COMMON_FIELDS,
	FIELD(struct ebr_kmem_event, ptr, "ptr", EBR_FK_U64, EBR_FH_HEX),
	FIELD(struct ebr_kmem_event, call_site, "call_site", EBR_FK_U64, EBR_FH_HEX),
	FIELD(struct ebr_kmem_event, bytes_req, "bytes_req", EBR_FK_U64, EBR_FH_BYTES),
	FIELD(struct ebr_kmem_event, bytes_alloc, "bytes_alloc", EBR_FK_U64, EBR_FH_BYTES),
	FIELD(struct ebr_kmem_event, gfp_flags, "gfp_flags", EBR_FK_U32, EBR_FH_GFP),
	FIELD(struct ebr_kmem_event, node, "node", EBR_FK_S32, EBR_FH_NONE),
};

static const struct ebr_field page_fields[] = {
	COMMON_FIELDS,
	FIELD(struct ebr_page_event, page, "page", EBR_FK_U64, EBR_FH_HEX),
	FIELD(struct ebr_page_event, order, "order", EBR_FK_U32, EBR_FH_NONE),
	FIELD(struct ebr_page_event, gfp_flags, "gfp_flags", EBR_FK_U32, EBR_FH_GFP),
	FIELD(struct ebr_page_event, migratetype, "migratetype", EBR_FK_S32, EBR_FH_NONE),
};

static const struct ebr_field mmap_fields[] = {
	COMMON_FIELDS,
	FIELD(struct ebr_mmap_event, addr, "addr", EBR_FK_U64, EBR_FH_HEX),
	FIELD(struct ebr_mmap_event, len, "len", EBR_FK_U64, EBR_FH_BYTES),
	FIELD(struct ebr_mmap_event, ret, "ret", EBR_FK_S64, EBR_FH_HEX_ERRNO),
	FIELD(struct ebr_mmap_event, offset, "offset", EBR_FK_U64, EBR_FH_HEX),
	FIELD(struct ebr_mmap_event, duration_ns, "duration", EBR_FK_U64, EBR_FH_DURATION),
	FIELD(struct ebr_mmap_event, prot, "prot", EBR_FK_U32, EBR_FH_PROT),
	FIELD(struct ebr_mmap_event, flags, "map_flags", EBR_FK_U32, EBR_FH_MAP_FLAGS),
	FIELD(struct ebr_mmap_event, fd, "fd", EBR_FK_S32, EBR_FH_FD),
};

static const struct ebr_field cgroup_info_fields[] = {
	COMMON_FIELDS,
	FIELD(struct ebr_cgroup_info, path, "path", EBR_FK_VSTR, EBR_FH_NONE),
	FIELD(struct ebr_cgroup_info, container_id, "container_id", EBR_FK_VSTR, EBR_FH_NONE),
	FIELD(struct ebr_cgroup_info, runtime, "runtime", EBR_FK_VSTR, EBR_FH_NONE),
	FIELD(struct ebr_cgroup_info, pod_uid, "pod_uid", EBR_FK_VSTR, EBR_FH_NONE),
	FIELD(struct ebr_cgroup_info, pod_namespace, "pod_namespace", EBR_FK_VSTR, EBR_FH_NONE),
	FIELD(struct ebr_cgroup_info, pod_name, "pod_name", EBR_FK_VSTR, EBR_FH_NONE),
	FIELD(struct ebr_cgroup_info, unit, "unit", EBR_FK_VSTR, EBR_FH_NONE),
};

static const struct ebr_field proc_info_fields[] = {
	COMMON_FIELDS,
	FIELD(struct ebr_proc_info, start_ns, "start_ts", EBR_FK_U64, EBR_FH_TS),
	FIELD(struct ebr_proc_info, flags, "kthread", EBR_FK_U32, EBR_FH_BOOL),
	FIELD(struct ebr_proc_info, exe, "exe", EBR_FK_VSTR, EBR_FH_NONE),
	FIELD(struct ebr_proc_info, cmdline, "cmdline", EBR_FK_VSTRLIST, EBR_FH_NONE),
	FIELD(struct ebr_proc_info, cgroup, "cgroup_path", EBR_FK_VSTR, EBR_FH_NONE),
};

static const struct ebr_field probe_status_fields[] = {
	COMMON_FIELDS,
	FIELD(struct ebr_probe_status, err, "err", EBR_FK_S32, EBR_FH_ERRNO),
	FIELD(struct ebr_probe_status, family, "family", EBR_FK_U32, EBR_FH_NONE),
	FIELD(struct ebr_probe_status, attached, "attached", EBR_FK_U32, EBR_FH_BOOL),
	FIELD(struct ebr_probe_status, name, "name", EBR_FK_VSTR, EBR_FH_NONE),
	FIELD(struct ebr_probe_status, attach_point, "attach_point", EBR_FK_VSTR, EBR_FH_NONE),
	FIELD(struct ebr_probe_status, message, "message", EBR_FK_VSTR, EBR_FH_NONE),
};

#define TYPE(ID, NAME, FAM, STRUCT, FIELDS)                                              \
	{ .name = NAME, .family_name = NULL, .id = ID, .family = FAM,                    \
	  .fixed_size = sizeof(STRUCT), .n_fields = sizeof(FIELDS) / sizeof(FIELDS[0]), \
	  .fields = FIELDS }

static struct ebr_type builtin_types[] = {
	TYPE(EBR_T_EXEC, "exec", EBR_FAM_PROCESS, struct ebr_exec_event, exec_fields),
	TYPE(EBR_T_FORK, "fork", EBR_FAM_PROCESS, struct ebr_fork_event, fork_fields),
	TYPE(EBR_T_EXIT, "exit", EBR_FAM_PROCESS, struct ebr_exit_event, exit_fields),
	TYPE(EBR_T_SYSCALL, "syscall", EBR_FAM_SYSCALL, struct ebr_syscall_event, syscall_fields),
	TYPE(EBR_T_CONNECT, "connect", EBR_FAM_NETWORK, struct ebr_net_event, net_fields),
	TYPE(EBR_T_ACCEPT, "accept", EBR_FAM_NETWORK, struct ebr_net_event, net_fields),
	TYPE(EBR_T_TCP_STATE, "tcp_state", EBR_FAM_NETWORK, struct ebr_net_event, net_fields),
	TYPE(EBR_T_TCP_CLOSE, "tcp_close", EBR_FAM_NETWORK, struct ebr_net_event, net_fields),
	TYPE(EBR_T_TCP_RETRANSMIT, "tcp_retransmit", EBR_FAM_NETWORK, struct ebr_net_event, net_fields),
	TYPE(EBR_T_UDP_SEND, "udp_send", EBR_FAM_NETWORK, struct ebr_net_event, net_fields),
	TYPE(EBR_T_UDP_RECV, "udp_recv", EBR_FAM_NETWORK, struct ebr_net_event, net_fields),
	TYPE(EBR_T_KMALLOC, "kmalloc", EBR_FAM_MEMORY, struct ebr_kmem_event, kmem_fields),
	TYPE(EBR_T_KFREE, "kfree", EBR_FAM_MEMORY, struct ebr_kmem_event, kmem_fields),
	TYPE(EBR_T_PAGE_ALLOC, "page_alloc", EBR_FAM_MEMORY, struct ebr_page_event, page_fields),
	TYPE(EBR_T_PAGE_FREE, "page_free", EBR_FAM_MEMORY, struct ebr_page_event, page_fields),
	TYPE(EBR_T_MMAP, "mmap", EBR_FAM_MEMORY, struct ebr_mmap_event, mmap_fields),
	TYPE(EBR_T_MUNMAP, "munmap", EBR_FAM_MEMORY, struct ebr_mmap_event, mmap_fields),
	TYPE(EBR_T_BRK, "brk", EBR_FAM_MEMORY, struct ebr_mmap_event, mmap_fields),
	TYPE(EBR_T_OPEN, "open", EBR_FAM_FILE, struct ebr_file_event, file_fields),
	TYPE(EBR_T_READ, "read", EBR_FAM_FILE, struct ebr_file_event, file_fields),
	TYPE(EBR_T_WRITE, "write", EBR_FAM_FILE, struct ebr_file_event, file_fields),
	TYPE(EBR_T_CLOSE, "close", EBR_FAM_FILE, struct ebr_file_event, file_fields),
	TYPE(EBR_T_PROC_INFO, "proc_info", EBR_FAM_META, struct ebr_proc_info, proc_info_fields),
	TYPE(EBR_T_PROBE_STATUS, "probe_status", EBR_FAM_META, struct ebr_probe_status,
	     probe_status_fields),
	TYPE(EBR_T_CGROUP_INFO, "cgroup_info", EBR_FAM_META, struct ebr_cgroup_info, cgroup_info_fields),
};

static struct ebr_schema builtin;
static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;

static void builtin_init(void)
{
	builtin.n_types = sizeof(builtin_types) / sizeof(builtin_types[0]);
	builtin.types = builtin_types;
	for (size_t i = 0; i < builtin.n_types; i++) {
		builtin_types[i].family_name = ebr_family__name(builtin_types[i].family);
		builtin.by_id[builtin_types[i].id] = &builtin_types[i];
	}
}

const struct ebr_schema *ebr_schema__builtin(void)
{
	pthread_once(&builtin_once, builtin_init);
	return &builtin;
}
