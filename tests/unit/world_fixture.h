/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A synthetic capture with a realistic process tree, for the slice, merge
 * and redact tests: a /proc snapshot (init, sshd, a shell), a cgroup table,
 * then children forked by the shell that exec tools, open files, connect,
 * and exit. Some children start before any window a test picks, so a slice
 * must rebuild them from fork/exec. Everything is deterministic per seed.
 */
#ifndef EBPFREC_TEST_WORLD_FIXTURE_H
#define EBPFREC_TEST_WORLD_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "ebpfrec/capture.h"
#include "ebpfrec/record_builder.h"

#define W_SHELL_PID 200
#define W_SSHD_PID 100
#define W_CHILD_PID0 1000 /* children get 1000, 1001, ... */
#define W_SECRET_DIR "/home/alice/Project-XYZZY" /* under it: files children open */
#define W_SECRET_ARG "hunter2-SECRET-ARG" /* an argument of some execs */
#define W_SECRET_IP "203.0.113.77" /* a remote address, also given as an argument */
#define W_OTHER_IP "198.51.100.9"

struct w_opts {
	uint64_t seed;
	unsigned n_children; /* default 40 */
	size_t per_segment; /* records per segment; default 50 */
	uint64_t ts_start; /* default 10 s */
	int64_t boot_to_wall_ns; /* default 1.7e18 */
	const char *host; /* default "world" */
	const char *machine; /* default "x86_64" */
	const uint8_t *uuid; /* NULL: random */
};

struct w_capture {
	uint64_t t_first, t_last;
	size_t n_events;
	size_t n_segments;
};

/* Build the capture at path. */
void w_build(const char *path, const struct w_opts *o, struct w_capture *out);

/* Every record a cursor delivers, into out (concatenated). Returns the count. */
size_t w_read(struct ebr_reader *r, uint64_t from, uint64_t to, const uint64_t bitmap[2],
	      int (*keep)(const struct ebr_event_header *, void *), void *ctx, struct ebr_buf *out);

/* Records of one metadata kind, concatenated. Returns the count. */
size_t w_meta_records(struct ebr_reader *r, unsigned kind, struct ebr_buf *out);

/* Does buf (len bytes) contain needle? */
int w_contains(const void *buf, size_t len, const void *needle, size_t nlen);

/*
 * Every byte a capture holds, decoded: the file as it is, every metadata
 * payload decompressed, every segment's records decompressed.
 */
void w_all_bytes(const char *path, struct ebr_buf *out);

#endif
