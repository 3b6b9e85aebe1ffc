/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef EBPFREC_INFO_SHARING_H
#define EBPFREC_INFO_SHARING_H

struct ebr_reader;

/* "derived:" lines (slice, redact, merge, repair) and the sources of a merge. */
void info_print_derivation(struct ebr_reader *r);

#endif
