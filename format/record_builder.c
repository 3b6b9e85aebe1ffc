// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ebpfrec/record_builder.h"
#include "events.h"

#define MAX_RECORD 65528u /* ebr_vstr offsets are 16-bit */

void ebr_buf__put(struct ebr_buf *b, const void *data, size_t len)
{
	if (b->err || !len)
		return;
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *n;

		while (cap < b->len + len)
			cap *= 2;
		n = realloc(b->p, cap);
		if (!n) {
			b->err = -ENOMEM;
			return;
		}
		b->p = n;
		b->cap = cap;
	}
	if (data)
		memcpy(b->p + b->len, data, len);
	else
		memset(b->p + b->len, 0, len);
	b->len += len;
}

void ebr_buf__free(struct ebr_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->err = 0;
}

size_t ebr_rec__begin(struct ebr_buf *b, size_t fixed_size)
{
	size_t off = b->len;

	ebr_buf__put(b, NULL, fixed_size);
	return off;
}

void *ebr_rec__at(struct ebr_buf *b, size_t rec_off)
{
	return b->err ? NULL : b->p + rec_off;
}

void ebr_rec__add_str(struct ebr_buf *b, size_t rec_off, size_t field_off, const char *s, size_t len)
{
	struct ebr_vstr v;
	size_t used = b->len - rec_off;

	if (b->err)
		return;
	if (used + 1 >= MAX_RECORD)
		len = 0;
	else if (len > MAX_RECORD - used - 1)
		len = MAX_RECORD - used - 1;
	v.off = (uint16_t)used;
	v.len = (uint16_t)len;
	ebr_buf__put(b, s, len);
	ebr_buf__put(b, "", 1);
	if (!b->err)
		memcpy(b->p + rec_off + field_off, &v, sizeof(v));
}

void ebr_rec__end(struct ebr_buf *b, size_t rec_off)
{
	size_t used = b->len - rec_off;
	size_t pad = (EBR_RECORD_ALIGN - used % EBR_RECORD_ALIGN) % EBR_RECORD_ALIGN;
	uint32_t size;

	ebr_buf__put(b, NULL, pad);
	if (b->err)
		return;
	size = (uint32_t)(used + pad);
	memcpy(b->p + rec_off + offsetof(struct ebr_event_header, size), &size, sizeof(size));
}
