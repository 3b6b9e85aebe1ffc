/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* replay through the source/subscriber API: several captures, or paced "as if live". */
#ifndef EBPFREC_REPLAY_SOURCE_H
#define EBPFREC_REPLAY_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "ebpfrec/decode.h"
#include "ebpfrec/filter.h"

struct replay_paced {
	int json;
	uint64_t limit;
	double speed; /* 0: as fast as possible */
	int rebase;
	struct ebr_decoder_opts dopts;
	uint64_t from_ts, to_ts; /* on the first capture's boot clock */
};

/* Prints the events of the captures; returns an exit status. */
int replay_through_source(const char *const *paths, size_t n, const struct ebr_filter *filter,
			  const struct replay_paced *p);

#endif
