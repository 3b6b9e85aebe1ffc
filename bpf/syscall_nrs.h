/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The syscall numbers the BPF side dispatches on, per target arch. Captures
 * store raw numbers; names come from format/syscalls_*.inc offline.
 * -1 marks a syscall the arch does not have.
 */
#ifndef EBPFREC_SYSCALL_NRS_H
#define EBPFREC_SYSCALL_NRS_H

#if defined(__TARGET_ARCH_x86)
/* the syscall number at sys_exit, for calls whose entry was not seen */
#define SYSCALL_NR_OF(regs) BPF_CORE_READ(regs, orig_ax)
/* libbpf before 1.2 has no PT_REGS_PARM6_CORE_SYSCALL */
#define SYSCALL_ARG6(regs) BPF_CORE_READ(regs, r9)
#define NR_read 0
#define NR_write 1
#define NR_open 2
#define NR_close 3
#define NR_mmap 9
#define NR_munmap 11
#define NR_brk 12
#define NR_pread64 17
#define NR_pwrite64 18
#define NR_readv 19
#define NR_writev 20
#define NR_connect 42
#define NR_accept 43
#define NR_sendto 44
#define NR_recvfrom 45
#define NR_sendmsg 46
#define NR_recvmsg 47
#define NR_execve 59
#define NR_exit 60
#define NR_creat 85
#define NR_exit_group 231
#define NR_openat 257
#define NR_accept4 288
#define NR_preadv 295
#define NR_pwritev 296
#define NR_execveat 322
#define NR_preadv2 327
#define NR_pwritev2 328
#define NR_openat2 437
#define NR_clone 56
#define NR_fork 57
#define NR_vfork 58
#define NR_clone3 435
#elif defined(__TARGET_ARCH_arm64)
#define SYSCALL_NR_OF(regs) BPF_CORE_READ(regs, syscallno)
#define SYSCALL_ARG6(regs) BPF_CORE_READ(regs, regs[5])
#define NR_read 63
#define NR_write 64
#define NR_open -1
#define NR_close 57
#define NR_mmap 222
#define NR_munmap 215
#define NR_brk 214
#define NR_pread64 67
#define NR_pwrite64 68
#define NR_readv 65
#define NR_writev 66
#define NR_connect 203
#define NR_accept 202
#define NR_sendto 206
#define NR_recvfrom 207
#define NR_sendmsg 211
#define NR_recvmsg 212
#define NR_execve 221
#define NR_exit 93
#define NR_creat -1
#define NR_exit_group 94
#define NR_openat 56
#define NR_accept4 242
#define NR_preadv 69
#define NR_pwritev 70
#define NR_execveat 281
#define NR_preadv2 286
#define NR_pwritev2 287
#define NR_openat2 437
#define NR_clone 220
#define NR_fork -1
#define NR_vfork -1
#define NR_clone3 435
#else
#error "syscall numbers for this arch are not in bpf/syscall_nrs.h yet"
#endif

#endif
