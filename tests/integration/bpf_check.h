/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Whether recording can work here; integration tests skip (exit 77) when not. */
#ifndef EBPFREC_TEST_BPF_CHECK_H
#define EBPFREC_TEST_BPF_CHECK_H

#define EXIT_SKIP 77

/* NULL when BPF ring buffers can be created; else why not. */
const char *bpf_unavailable_reason(void);

#endif
