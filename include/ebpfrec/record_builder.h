/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Building records in user space (process snapshot, probe status, rewritten
 * captures): a growable byte buffer, and records with variable strings
 * appended after their fixed part.
 */
#ifndef EBPFREC_RECORD_BUILDER_H
#define EBPFREC_RECORD_BUILDER_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ebr_buf {
	char *p;
	size_t len, cap;
	int err; /* sticky -ENOMEM */
};

void ebr_buf__put(struct ebr_buf *b, const void *data, size_t len);
void ebr_buf__free(struct ebr_buf *b);

/*
 * Start a record of fixed_size zeroed bytes (a struct from events.h).
 * Returns its offset in b; use ebr_rec__at() to fill the fixed part.
 */
size_t ebr_rec__begin(struct ebr_buf *b, size_t fixed_size);
void *ebr_rec__at(struct ebr_buf *b, size_t rec_off);
/*
 * Append a string (len bytes, NUL added) and point the struct ebr_vstr at
 * field_off inside the record to it. Strings are cut to fit a record's
 * 64 KiB limit.
 */
void ebr_rec__add_str(struct ebr_buf *b, size_t rec_off, size_t field_off, const char *s, size_t len);
/* Pad to the record alignment and set the header's size. */
void ebr_rec__end(struct ebr_buf *b, size_t rec_off);

#ifdef __cplusplus
}
#endif

#endif
