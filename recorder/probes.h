/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Loading and attaching the BPF objects around maps they share: one ring
 * buffer, one set of drop counters, one set of rate-limit buckets, one
 * socket-owner table. The first object that loads creates a shared map;
 * every later object reuses it.
 */
#ifndef EBPFREC_RECORDER_PROBES_H
#define EBPFREC_RECORDER_PROBES_H

#include <stdint.h>

#include "ebpfrec/record_builder.h"
#include "events.h"
#include "families.h"

struct bpf_link;

struct rec_loaded {
	const struct rec_object *obj;
	void *skel;
	struct bpf_link **links;
	size_t n_links;
};

#define REC_SHARED_MAPS 7 /* events, drops, buckets, sk_owner, kfilter, kf_pids, kf_cgroups */

struct rec_probes {
	int shared_fds[REC_SHARED_MAPS];
	int rb_fd; /* == shared "events" */
	int drops_fd; /* == shared "drops" */
	int ncpus; /* possible CPUs: the width of a per-CPU value */
	struct rec_loaded loaded[8];
	size_t n_loaded;
	struct ebr_buf status; /* EBR_T_PROBE_STATUS records */
	unsigned attached, failed;
	unsigned families_ok; /* EBR_FAMILY_BIT mask with at least one probe attached */
	uint64_t *drop_vals; /* scratch for batch reads */
};

struct rec_probe_opts {
	unsigned families; /* EBR_FAMILY_BIT mask */
	uint32_t ringbuf_size;
	const struct ebr_bpf_config *cfg;
	const uint32_t *syscalls; /* syscall numbers to record; NULL: all */
	size_t n_syscalls;
	/* called once the shared maps exist, before any program attaches */
	int (*maps_ready)(struct rec_probes *p, void *ctx);
	void *ctx;
};

/* Marks every map as not yet created; call before anything else. */
void rec_probes__init(struct rec_probes *p);
/* Loads every object serving a selected family; 0 when at least one probe attached. */
int rec_probes__load(struct rec_probes *p, const struct rec_probe_opts *o);
/* Detach and unload the programs; the shared maps stay readable. */
void rec_probes__detach(struct rec_probes *p);
/* Sum the per-CPU drop counters into out[EBR_DROP_NR * EBR_DROP_TYPE_SLOTS]. */
int rec_probes__read_drops(struct rec_probes *p, uint64_t *out);
void rec_probes__close(struct rec_probes *p);
/* The fd of a shared map by name, or -1. */
int rec_probes__map_fd(const struct rec_probes *p, const char *name);

void rec_libbpf_setup(int verbose);

#endif
