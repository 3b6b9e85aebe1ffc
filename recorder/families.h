/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The BPF objects (bpf/<name>.bpf.c) behind a common shape, and which
 * event families each one serves: the syscalls object serves four, since
 * one sys_enter/sys_exit pair is cheaper than one per family.
 */
#ifndef EBPFREC_RECORDER_FAMILIES_H
#define EBPFREC_RECORDER_FAMILIES_H

#include <stddef.h>

#include "events.h"

struct bpf_object;

struct rec_object {
	const char *name;
	unsigned families; /* EBR_FAMILY_BIT mask of the families it serves */
	unsigned main_family; /* named in probe status */
	void *(*open)(void); /* the skeleton, opened, not loaded */
	struct bpf_object *(*object)(void *skel);
	struct ebr_bpf_config *(*config)(void *skel); /* writable until load */
	void (*destroy)(void *skel);
	/* choose program variants for this kernel before load; may be NULL */
	void (*prepare)(struct bpf_object *obj);
};

extern const struct rec_object rec_objects[];
extern const size_t rec_n_objects;

#endif
