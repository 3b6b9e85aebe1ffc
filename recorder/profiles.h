/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Built-in recording profiles: which families, and their default rate limits. */
#ifndef EBPFREC_RECORDER_PROFILES_H
#define EBPFREC_RECORDER_PROFILES_H

#include <stdint.h>
#include <stdio.h>

#include "events.h"

/* Default budget of the memory family, events/s: it can produce millions. */
#define REC_MEMORY_DEFAULT_RATE 10000

struct rec_profile {
	const char *name;
	unsigned families; /* EBR_FAMILY_BIT mask */
	const char *description;
};

/*
 * "syscall,process" or "all": the union of the named profiles' families,
 * and the default rate limits they imply (rates[EBR_FAM_NR]). -EINVAL with
 * the unknown name in bad.
 */
int rec_profiles__parse(const char *list, unsigned *families, uint64_t *rates, char *bad, size_t bad_len);
void rec_profiles__print(FILE *out);
/* "process,syscall": family names, without a profile's default rate limits. */
int rec_profiles__parse_families(const char *list, unsigned *families);

#endif
