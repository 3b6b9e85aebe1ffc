/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A hash map from byte-string keys to fixed-size values, for the offline
 * aggregations (per process, per file, per peer). Entries are never removed;
 * the tables only grow, by doubling, so adding to an existing key costs no
 * allocation.
 */
#ifndef EBPFREC_REPLAY_HMAP_H
#define EBPFREC_REPLAY_HMAP_H

#include <stddef.h>
#include <stdint.h>

struct hmap;

/* NULL + errno on failure. */
struct hmap *hmap__new(size_t value_size);
void hmap__free(struct hmap *m);

/*
 * The value stored for key: created (zeroed) when absent and create is set,
 * else NULL. NULL + ENOMEM when memory runs out. The pointer stays valid
 * until the next call that creates an entry.
 */
void *hmap__get(struct hmap *m, const void *key, size_t key_len, int create);
/* Same, for an integer key. */
void *hmap__get_u64(struct hmap *m, uint64_t key, int create);

size_t hmap__count(const struct hmap *m);
/* The i-th entry in insertion order. */
void *hmap__value_at(const struct hmap *m, size_t i);
const void *hmap__key_at(const struct hmap *m, size_t i, size_t *key_len);
/* The integer key of the i-th entry (keys are stored unaligned: do not cast them). */
uint64_t hmap__u64_key_at(const struct hmap *m, size_t i);

#endif
