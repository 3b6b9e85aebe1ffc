/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A small open-addressing map from u64 keys to u64 values. Not installed. */
#ifndef EBPFREC_FORMAT_U64MAP_H
#define EBPFREC_FORMAT_U64MAP_H

#include <stddef.h>
#include <stdint.h>

struct ebr_u64map {
	uint64_t *keys;
	uint64_t *vals;
	uint8_t *used;
	size_t cap, n; /* cap: a power of two, or 0 */
};

/* Pointer to the value of key, or NULL. */
uint64_t *ebr_u64map__get(const struct ebr_u64map *m, uint64_t key);
/* Pointer to key's value, inserted as init when new; NULL when out of memory. */
uint64_t *ebr_u64map__upsert(struct ebr_u64map *m, uint64_t key, uint64_t init);
void ebr_u64map__free(struct ebr_u64map *m);

#endif
