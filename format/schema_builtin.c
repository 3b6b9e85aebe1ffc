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
	FIELD(struct ebr_fork_event, clone_flags, "clone_flags", EBR_FK_U64, EBR_FH_HEX),
};

static const struct ebr_field exit_fields[] = {
	COMMON_FIELDS,
	FIELD(struct ebr_exit_event, exit_code, "exit_code", EBR_FK_S32, EBR_FH_NONE),
	FIELD(struct ebr_exit_event, signal, "signal", EBR_FK_U32, EBR_FH_SIGNAL),
	FIELD(struct ebr_exit_event, core_dumped, "core_dumped", EBR_FK_U32, EBR_FH_BOOL),
	FIELD(struct ebr_exit_event, raw_status, "raw_status", EBR_FK_U32, EBR_FH_HEX),
	FIELD(struct ebr_exit_event, start_ns, "start_ts", EBR_FK_U64, EBR_FH_TS),
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
	TYPE(EBR_T_PROC_INFO, "proc_info", EBR_FAM_META, struct ebr_proc_info, proc_info_fields),
	TYPE(EBR_T_PROBE_STATUS, "probe_status", EBR_FAM_META, struct ebr_probe_status,
	     probe_status_fields),
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
