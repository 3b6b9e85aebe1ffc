/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Hand-off between the drain (fills segment buffers) and the writer thread
 * (compresses and writes them). Buffers circulate through a fixed pool, so
 * nothing is allocated per segment and a slow disk stalls the drain only
 * once every buffer is waiting to be written.
 */
#ifndef EBPFREC_RECORDER_SEG_QUEUE_H
#define EBPFREC_RECORDER_SEG_QUEUE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "events.h"

struct ebr_writer;

struct seg_buf {
	char *data;
	size_t len, cap;
	uint64_t drops[EBR_DROP_NR]; /* cumulative by reason, as of this segment */
	uint64_t *drop_slots; /* [EBR_DROP_NR * EBR_DROP_TYPE_SLOTS], the same moment's by type */
	struct seg_buf *next;
};

struct seg_queue {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct seg_buf *free_list;
	struct seg_buf *full_head, *full_tail;
	struct seg_buf *pool;
	size_t n_pool;
	struct ebr_writer *w; /* the writer thread's; after_segment may replace it */
	/*
	 * In the writer thread, after each segment: may finish the file and set
	 * *w to NULL (rotation); open_next then makes the next file, lazily,
	 * when a segment with events comes. Both return -errno to fail.
	 */
	int (*after_segment)(void *ctx, struct ebr_writer **w, const struct seg_buf *b);
	int (*open_next)(void *ctx, struct ebr_writer **w);
	/* In the writer thread, before a segment is written: may hand back other records (redaction). */
	int (*transform)(void *ctx, const void *in, size_t len, const void **out, size_t *out_len);
	void *ctx;
	pthread_t thread;
	int running;
	int stopping;
	int err; /* first write error, -errno */
	uint64_t written_segments;
	uint64_t written_records; /* events in the segments written, over every file */
	uint64_t file_bytes;
};

int seg_queue__init(struct seg_queue *q, size_t n_buffers, size_t buf_size, struct ebr_writer *w);
/* Start the writer thread. */
int seg_queue__start(struct seg_queue *q);
/* A free buffer for the drain; waits when all are queued for writing. */
struct seg_buf *seg_queue__get(struct seg_queue *q);
/* Queue a filled buffer for writing. */
void seg_queue__put(struct seg_queue *q, struct seg_buf *b);
/* Write what is queued, stop the thread; returns the first write error. */
int seg_queue__finish(struct seg_queue *q);
int seg_queue__error(struct seg_queue *q);
void seg_queue__destroy(struct seg_queue *q);

#endif
