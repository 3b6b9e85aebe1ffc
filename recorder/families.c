// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "families.h"

#include "process.skel.h"

/* Adapts a bpftool skeleton (struct NAME_bpf) to struct rec_family. */
#define DEFINE_FAMILY(NAME)                                                         \
	static void *NAME##_open(void)                                              \
	{                                                                           \
		return NAME##_bpf__open();                                          \
	}                                                                           \
	static struct bpf_object *NAME##_object(void *skel)                         \
	{                                                                           \
		return ((struct NAME##_bpf *)skel)->obj;                            \
	}                                                                           \
	static struct ebr_bpf_config *NAME##_config(void *skel)                     \
	{                                                                           \
		return (struct ebr_bpf_config *)&((struct NAME##_bpf *)skel)->rodata->cfg; \
	}                                                                           \
	static void NAME##_destroy(void *skel)                                      \
	{                                                                           \
		NAME##_bpf__destroy(skel);                                          \
	}

#define FAMILY_ENTRY(NAME, ID) { #NAME, ID, NAME##_open, NAME##_object, NAME##_config, NAME##_destroy }

DEFINE_FAMILY(process)

const struct rec_family rec_families[] = {
	FAMILY_ENTRY(process, EBR_FAM_PROCESS),
};
const size_t rec_n_families = sizeof(rec_families) / sizeof(rec_families[0]);

const struct rec_family *rec_family_by_id(unsigned id)
{
	for (size_t i = 0; i < rec_n_families; i++)
		if (rec_families[i].id == id)
			return &rec_families[i];
	return NULL;
}
