/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Segment encodings. 0: records back to back (what `zstd -dc` then shows).
 * 1, columnar: records grouped by type, each group stored as one
 * column per 8-byte word, timestamps delta-coded and every column split
 * into byte planes, so zstd sees long runs of alike bytes. docs/format.md
 * gives the layout.
 */
#ifndef EBPFREC_SEG_CODEC_H
#define EBPFREC_SEG_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "ebpfrec/capture.h" /* EBR_SEG_ENC_* */
#include "ebpfrec/record_builder.h"


/* Encode len bytes of records into out (appended). -E2BIG: too varied to pay off; store as is. */
int ebr_seg__columns_encode(const void *recs, size_t len, struct ebr_buf *out);
/* Decode exactly raw_size bytes of records into dst; -EBADMSG when src does not add up. */
int ebr_seg__columns_decode(const void *src, size_t src_len, void *dst, size_t raw_size);

/*
 * Turn a segment's zstd frame, the first comp_len bytes of *cbuf (its CRC
 * already checked), into exactly raw_size bytes of records at *buf,
 * whatever its encoding. Room is made (*buf, and *cbuf for the columns on
 * their way to records) only once the frame's stated size fits raw_size.
 * -EBADMSG: it does not decompress or decode; -EPROTONOSUPPORT: an
 * unknown encoding; -ENOMEM.
 */
int ebr_seg__decompress(void *zstd_dctx, unsigned encoding, void **cbuf, size_t *ccap,
			size_t comp_len, void **buf, size_t *cap, size_t raw_size);

#endif
