/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Loading and attaching the families' BPF objects around one shared ring buffer. */
#ifndef EBPFREC_RECORDER_PROBES_H
#define EBPFREC_RECORDER_PROBES_H

#include <stdint.h>

#include "ebpfrec/record_builder.h"
#include "events.h"
#include "families.h"

struct bpf_link;

struct rec_loaded {
	const struct rec_family *fam;
	void *skel;
	struct bpf_link **links;
	size_t n_links;
};

struct rec_probes {
	int rb_fd;
	int drops_fd;
	int ncpus; /* possible CPUs: the width of a per-CPU value */
	struct rec_loaded loaded[EBR_FAM_NR];
	size_t n_loaded;
	struct ebr_buf status; /* EBR_T_PROBE_STATUS records */
	unsigned attached, failed;
	unsigned families_ok; /* EBR_FAMILY_BIT mask of families with a probe attached */
	uint64_t *drop_vals; /* scratch for batch reads */
};

/* Loads every family in mask; 0 when at least one probe attached, else -errno. */
int rec_probes__load(struct rec_probes *p, unsigned mask, const struct ebr_bpf_config *cfg,
		     uint32_t ringbuf_size);
/* Detach and unload the programs; the shared maps stay readable. */
void rec_probes__detach(struct rec_probes *p);
/* Sum the per-CPU drop counters into out[EBR_DROP_NR * EBR_DROP_TYPE_SLOTS]. */
int rec_probes__read_drops(struct rec_probes *p, uint64_t *out);
void rec_probes__close(struct rec_probes *p);

/* The last message libbpf logged at warning level (for probe status). */
const char *rec_libbpf_last_error(void);
void rec_libbpf_setup(int verbose);

#endif
