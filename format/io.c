// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

int ebr_write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t ebr_pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, p + done, len - done, (off_t)(off + done));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

void ebr_block_prefix_init(struct ebr_block_prefix *p, unsigned type, unsigned flags,
			   const void *payload, uint32_t payload_len, uint32_t body_len)
{
	p->zstd_magic = EBR_ZSTD_SKIPPABLE_MAGIC;
	p->frame_len = EBR_BLOCK_PREFIX_SIZE - 8 + payload_len;
	p->block_magic = EBR_BLOCK_MAGIC;
	p->block_type = (uint16_t)type;
	p->flags = (uint16_t)flags;
	p->body_len = body_len;
	p->crc32c = ebr_crc32c(0, payload, payload_len);
}

void ebr_strlcpy(char *dst, const char *src, size_t size)
{
	size_t n;

	if (!size)
		return;
	n = src ? strnlen(src, size - 1) : 0;
	if (n)
		memcpy(dst, src, n);
	dst[n] = 0;
}
