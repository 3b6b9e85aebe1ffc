/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* One entry per BPF object (bpf/<family>.bpf.c), behind a common shape. */
#ifndef EBPFREC_RECORDER_FAMILIES_H
#define EBPFREC_RECORDER_FAMILIES_H

#include <stddef.h>

#include "events.h"

struct bpf_object;

struct rec_family {
	const char *name;
	unsigned id; /* enum ebr_family */
	void *(*open)(void); /* the skeleton, opened, not loaded */
	struct bpf_object *(*object)(void *skel);
	struct ebr_bpf_config *(*config)(void *skel); /* writable until load */
	void (*destroy)(void *skel);
};

extern const struct rec_family rec_families[];
extern const size_t rec_n_families;

const struct rec_family *rec_family_by_id(unsigned id);

#endif
