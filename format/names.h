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

/* Signal number for "SIGKILL", "kill", "SIGRTMIN+3" (case-insensitive), or -1. */
int ebr_signal_from_name(const char *name);

#endif
