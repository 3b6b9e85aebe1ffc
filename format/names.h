/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef EBPFREC_NAMES_H
#define EBPFREC_NAMES_H

#include <stddef.h>

/* Linux errno name ("ENOENT"), or NULL when unknown. */
const char *ebr_errno_name(unsigned err);
/* Linux errno number for a name (case-insensitive), or -1. */
int ebr_errno_from_name(const char *name);
/* "SIGKILL", "SIGRTMIN+3", or the number written into buf. */
const char *ebr_signal_name(unsigned sig, char *buf, size_t len);

/* Syscall name for a capture's machine (uname -m: x86_64, aarch64); NULL when unknown. */
const char *ebr_syscall_name(const char *machine, unsigned nr);
/* Syscall number for a name on that machine, or -1. */
int ebr_syscall_nr(const char *machine, const char *name);
/* Numbers below this have a table entry on that machine (ebr_syscall_name may still be NULL). */
unsigned ebr_syscall_count(const char *machine);

/* Names of enumerated values; NULL when unknown (the caller prints the number). */
const char *ebr_tcp_state_name(unsigned state);
const char *ebr_af_name(unsigned af);
const char *ebr_proto_name(unsigned proto);
const char *ebr_direction_name(unsigned dir);
const char *ebr_file_op_name(unsigned op);
const char *ebr_ftype_name(unsigned ftype);
/* Flag sets as "O_WRONLY|O_CREAT|O_CLOEXEC", "rw-", "PRIVATE|ANONYMOUS"; return buf. */
const char *ebr_open_flags_str(const char *machine, unsigned flags, char *buf, size_t len);
const char *ebr_prot_str(unsigned prot, char *buf, size_t len);
const char *ebr_map_flags_str(unsigned flags, char *buf, size_t len);
const char *ebr_clone_flags_str(uint64_t flags, char *buf, size_t len);
/* Signal number for "SIGKILL", "kill", "SIGRTMIN+3" (case-insensitive), or -1. */
int ebr_signal_from_name(const char *name);

#endif
