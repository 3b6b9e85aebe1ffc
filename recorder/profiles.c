// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebpfrec/recorder.h"
#include "internal.h"
#include "ebpfrec/schema.h"
#include "profiles.h"

#define B(f) EBR_FAMILY_BIT(f)

/*
 * Every profile keeps the process family: it is cheap and it is what lets
 * replay name the processes that the other events come from.
 */
static const struct rec_profile profiles[] = {
	{ "minimal", B(EBR_FAM_PROCESS), "process lifecycle only (exec, fork, exit)" },
	{ "process", B(EBR_FAM_PROCESS), "process lifecycle, including failed execs" },
	{ "syscall", B(EBR_FAM_PROCESS) | B(EBR_FAM_SYSCALL),
	  "every system call with args, return value and duration" },
	{ "network", B(EBR_FAM_PROCESS) | B(EBR_FAM_NETWORK),
	  "TCP connect/accept/state/close/retransmit, UDP send/receive" },
	{ "fileio", B(EBR_FAM_PROCESS) | B(EBR_FAM_FILE), "open/read/write/close with file names" },
	{ "memory", B(EBR_FAM_PROCESS) | B(EBR_FAM_MEMORY),
	  "kmalloc/kfree, page alloc/free, mmap/munmap/brk (rate-limited to 10000/s)" },
	{ "default", EBR_FAMILIES_DEFAULT, "all families but memory (what record does without --profile)" },
	{ "all", B(EBR_FAM_PROCESS) | B(EBR_FAM_SYSCALL) | B(EBR_FAM_NETWORK) | B(EBR_FAM_FILE) |
			 B(EBR_FAM_MEMORY),
	  "every family (memory rate-limited to 10000/s)" },
};

int rec_profiles__parse(const char *list, unsigned *families, uint64_t *rates, char *bad, size_t bad_len)
{
	char *copy = strdup(list), *save = NULL;

	if (!copy)
		return -ENOMEM;
	*families = 0;
	for (char *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
			if (!strcmp(profiles[i].name, name))
				break;
		if (i == sizeof(profiles) / sizeof(profiles[0])) {
			snprintf(bad, bad_len, "%s", name);
			free(copy);
			return -EINVAL;
		}
		*families |= profiles[i].families;
	}
	free(copy);
	if (!*families) {
		snprintf(bad, bad_len, "%s", list);
		return -EINVAL;
	}
	if ((*families & B(EBR_FAM_MEMORY)) && !rates[EBR_FAM_MEMORY])
		rates[EBR_FAM_MEMORY] = REC_MEMORY_DEFAULT_RATE;
	return 0;
}

void rec_profiles__print(FILE *out)
{
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		fprintf(out, "    %-9s %s\n", profiles[i].name, profiles[i].description);
}

int rec_profiles__parse_families(const char *list, unsigned *families)
{
	char *copy = strdup(list), *save = NULL;
	int err = 0;

	if (!copy)
		return -ENOMEM;
	*families = 0;
	for (char *name = strtok_r(copy, ",", &save); name && !err; name = strtok_r(NULL, ",", &save)) {
		unsigned f;

		for (f = EBR_FAM_PROCESS; f <= EBR_FAM_FILE; f++)
			if (!strcmp(ebr_family__name(f), name))
				break;
		if (f > EBR_FAM_FILE)
			err = -EINVAL;
		else
			*families |= EBR_FAMILY_BIT(f);
	}
	free(copy);
	return err ? err : *families ? 0 : -EINVAL;
}
