/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The kernel/file ABI lives in include/ebpfrec/events.h: it is public (library
 * users read records through it) and installed. The BPF programs include it
 * from here.
 */
#include "../include/ebpfrec/events.h"
