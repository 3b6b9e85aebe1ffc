/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Helpers shared inside libebpfrec; not installed. */
#ifndef EBPFREC_FORMAT_INTERNAL_H
#define EBPFREC_FORMAT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ebpfrec/log.h"
#include "layout.h"

#define EBR_PRINTF(a, b) __attribute__((format(printf, a, b)))

void ebr_log(enum ebr_log_level level, const char *fmt, ...) EBR_PRINTF(2, 3);
#define pr_err(...) ebr_log(EBR_LOG_ERROR, __VA_ARGS__)
#define pr_warn(...) ebr_log(EBR_LOG_WARN, __VA_ARGS__)
#define pr_info(...) ebr_log(EBR_LOG_INFO, __VA_ARGS__)
#define pr_debug(...) ebr_log(EBR_LOG_DEBUG, __VA_ARGS__)

uint32_t ebr_crc32c(uint32_t crc, const void *buf, size_t len);
/* The same without the CPU's instruction: what machines without SSE4.2 run (tested against it). */
uint32_t ebr_crc32c_portable(uint32_t crc, const void *buf, size_t len);

/* Whole reads and writes; -errno on failure, -EIO... never a short count. */
int ebr_write_full(int fd, const void *buf, size_t len);
/* Returns bytes read (short only at end of file) or -errno. */
ssize_t ebr_pread_full(int fd, void *buf, size_t len, uint64_t off);

/* Fill a block prefix for a payload of payload_len bytes as stored. */
void ebr_block_prefix_init(struct ebr_block_prefix *p, unsigned type, unsigned flags,
			   const void *payload, uint32_t payload_len, uint32_t body_len);

static inline size_t ebr_align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* Bounded string copy that always terminates. */
void ebr_strlcpy(char *dst, const char *src, size_t size);

#endif /* EBPFREC_FORMAT_INTERNAL_H */
