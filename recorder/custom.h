/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* User BPF objects: loaded beside ours, their records described by their own BTF. */
#ifndef EBPFREC_RECORDER_CUSTOM_H
#define EBPFREC_RECORDER_CUSTOM_H

#include <stdint.h>

#include "ebpfrec/record_builder.h"
#include "ebpfrec/recorder.h"
#include "ebpfrec/schema.h"

struct bpf_object;
struct bpf_link;

struct rec_custom {
	struct bpf_object *obj;
	struct bpf_link **links;
	size_t n_links;
	int ring_fd;
	uint32_t payload_size; /* sizeof the BTF struct */
	/* where header values come from in a record, or -1 */
	int off_ts, off_pid, off_tid, off_comm;
	struct ebr_type type; /* owned names and fields */
	void *recorder; /* for the ring callback */
};

/*
 * Load and attach one object, giving its records type id; status records
 * go to status (EBR_T_PROBE_STATUS). 0 or -errno with a message.
 */
int rec_custom__load(struct rec_custom *c, const struct ebr_custom_program *spec, uint16_t id,
		     const char *const *common_names, const struct ebr_field *common, size_t n_common,
		     struct ebr_buf *status);
/* Detach its programs; the ring buffer stays readable until close. */
void rec_custom__detach(struct rec_custom *c);
void rec_custom__close(struct rec_custom *c);

#endif
