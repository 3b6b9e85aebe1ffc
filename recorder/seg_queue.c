// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ebpfrec/capture.h"
#include "seg_queue.h"

int seg_queue__init(struct seg_queue *q, size_t n_buffers, size_t buf_size, struct ebr_writer *w)
{
	memset(q, 0, sizeof(*q));
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	q->w = w;
	q->pool = calloc(n_buffers, sizeof(*q->pool));
	if (!q->pool)
		return -ENOMEM;
	q->n_pool = n_buffers;
	for (size_t i = 0; i < n_buffers; i++) {
		/* untouched pages cost no memory: a mostly idle recorder stays small */
		q->pool[i].data = malloc(buf_size);
		q->pool[i].drop_slots = calloc((size_t)EBR_DROP_NR * EBR_DROP_TYPE_SLOTS, sizeof(uint64_t));
		if (!q->pool[i].data || !q->pool[i].drop_slots)
			return -ENOMEM;
		q->pool[i].cap = buf_size;
		q->pool[i].next = q->free_list;
		q->free_list = &q->pool[i];
	}
	return 0;
}

static void *writer_main(void *arg)
{
	struct seg_queue *q = arg;

	pthread_mutex_lock(&q->mu);
	for (;;) {
		struct seg_buf *b = q->full_head;
		uint64_t records = 0;
		int err = 0;

		if (!b) {
			if (q->stopping)
				break;
			pthread_cond_wait(&q->cv, &q->mu);
			continue;
		}
		q->full_head = b->next;
		if (!q->full_head)
			q->full_tail = NULL;
		pthread_mutex_unlock(&q->mu);

		/* after a rotation, an empty segment does not deserve a file of its own */
		if (!q->err && !q->w && b->len && q->open_next)
			err = q->open_next(q->ctx, &q->w);
		if (!err && !q->err && q->w) {
			const void *recs = b->data;
			size_t len = b->len;
			uint64_t before = ebr_writer__stats(q->w)->n_records;

			if (q->transform && len)
				err = q->transform(q->ctx, b->data, b->len, &recs, &len);
			/* by type as of the same moment as by reason: both go into this segment's header */
			if (!err)
				ebr_writer__set_drops_by_type(q->w, b->drop_slots, EBR_DROP_NR, EBR_DROP_TYPE_SLOTS);
			if (!err)
				err = ebr_writer__add_segment(q->w, recs, len, b->drops, EBR_DROP_NR);
			if (!err)
				records = ebr_writer__stats(q->w)->n_records - before;
		}
		if (!err && !q->err && q->w && q->after_segment)
			err = q->after_segment(q->ctx, &q->w, b);

		pthread_mutex_lock(&q->mu);
		if (err && !q->err)
			q->err = err;
		q->written_records += records; /* written, even if closing the file then failed */
		if (!err) {
			q->written_segments++;
			q->file_bytes = q->w ? ebr_writer__stats(q->w)->file_bytes : 0;
		}
		b->len = 0;
		b->next = q->free_list;
		q->free_list = b;
		pthread_cond_broadcast(&q->cv);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

int seg_queue__start(struct seg_queue *q)
{
	int err = pthread_create(&q->thread, NULL, writer_main, q);

	if (err)
		return -err;
	q->running = 1;
	return 0;
}

struct seg_buf *seg_queue__get(struct seg_queue *q)
{
	struct seg_buf *b;

	pthread_mutex_lock(&q->mu);
	while (!q->free_list)
		pthread_cond_wait(&q->cv, &q->mu);
	b = q->free_list;
	q->free_list = b->next;
	pthread_mutex_unlock(&q->mu);
	b->next = NULL;
	b->len = 0;
	return b;
}

void seg_queue__put(struct seg_queue *q, struct seg_buf *b)
{
	pthread_mutex_lock(&q->mu);
	b->next = NULL;
	if (q->full_tail)
		q->full_tail->next = b;
	else
		q->full_head = b;
	q->full_tail = b;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

int seg_queue__error(struct seg_queue *q)
{
	int err;

	pthread_mutex_lock(&q->mu);
	err = q->err;
	pthread_mutex_unlock(&q->mu);
	return err;
}

int seg_queue__finish(struct seg_queue *q)
{
	if (q->running) {
		pthread_mutex_lock(&q->mu);
		q->stopping = 1;
		pthread_cond_broadcast(&q->cv);
		pthread_mutex_unlock(&q->mu);
		pthread_join(q->thread, NULL);
		q->running = 0;
	}
	return q->err;
}

void seg_queue__destroy(struct seg_queue *q)
{
	seg_queue__finish(q);
	for (size_t i = 0; q->pool && i < q->n_pool; i++) {
		free(q->pool[i].data);
		free(q->pool[i].drop_slots);
	}
	free(q->pool);
	q->pool = NULL;
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv);
}
