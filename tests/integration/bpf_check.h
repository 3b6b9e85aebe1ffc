/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Whether recording can work here (integration tests skip, exit 77, when not), and helpers they share. */
#ifndef EBPFREC_TEST_BPF_CHECK_H
#define EBPFREC_TEST_BPF_CHECK_H

#include <sys/types.h>

#define EXIT_SKIP 77

/* NULL when BPF ring buffers can be created; else why not. */
const char *bpf_unavailable_reason(void);
/* 1, with "SKIP: <why>" printed, when recording cannot work here: main() then returns EXIT_SKIP. */
int bpf_skip_if_unavailable(void);
/* Helpers the root tests share. */
/* /bin/sh -c cmd in a child; its pid (waitpid it). */
pid_t spawn_sh(const char *cmd);
/* CLOCK_MONOTONIC in seconds. */
double now_s(void);

#endif
