// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hmap.h"

/* entries are stored back to back: this header, then the value */
struct entry {
	uint64_t hash;
	size_t key_off; /* in keys */
	size_t key_len;
};

struct hmap {
	size_t value_size; /* rounded up to 8 */
	size_t stride; /* sizeof(struct entry) + value_size */
	char *entries;
	size_t n, cap;
	char *keys;
	size_t keys_len, keys_cap;
	uint32_t *slots; /* entry index + 1; 0 is empty */
	size_t n_slots; /* a power of two, at least 2 * n */
};

static uint64_t hash_bytes(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a, then a final mix for the low bits */

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

struct hmap *hmap__new(size_t value_size)
{
	struct hmap *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->value_size = (value_size + 7) & ~(size_t)7;
	m->stride = sizeof(struct entry) + m->value_size;
	m->n_slots = 64;
	m->slots = calloc(m->n_slots, sizeof(*m->slots));
	if (!m->slots) {
		free(m);
		errno = ENOMEM;
		return NULL;
	}
	return m;
}

void hmap__free(struct hmap *m)
{
	if (!m)
		return;
	free(m->entries);
	free(m->keys);
	free(m->slots);
	free(m);
}

static struct entry *entry_at(const struct hmap *m, size_t i)
{
	return (struct entry *)(m->entries + i * m->stride);
}

static int rehash(struct hmap *m)
{
	size_t n_slots = m->n_slots * 2;
	uint32_t *slots = calloc(n_slots, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < m->n; i++) {
		size_t s = entry_at(m, i)->hash & (n_slots - 1);

		while (slots[s])
			s = (s + 1) & (n_slots - 1);
		slots[s] = (uint32_t)(i + 1);
	}
	free(m->slots);
	m->slots = slots;
	m->n_slots = n_slots;
	return 0;
}

static int grow(void **p, size_t *cap, size_t need, size_t unit)
{
	size_t c = *cap ? *cap : 64;
	void *q;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	q = realloc(*p, c * unit);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = c;
	return 0;
}

void *hmap__get(struct hmap *m, const void *key, size_t key_len, int create)
{
	uint64_t h = hash_bytes(key, key_len);
	size_t s = h & (m->n_slots - 1);
	struct entry *e;

	for (; m->slots[s]; s = (s + 1) & (m->n_slots - 1)) {
		e = entry_at(m, m->slots[s] - 1);
		if (e->hash == h && e->key_len == key_len && !memcmp(m->keys + e->key_off, key, key_len))
			return e + 1;
	}
	if (!create)
		return NULL;
	if ((m->n + 1) * 2 > m->n_slots) {
		if (rehash(m)) {
			errno = ENOMEM;
			return NULL;
		}
		for (s = h & (m->n_slots - 1); m->slots[s]; s = (s + 1) & (m->n_slots - 1))
			;
	}
	if (m->n >= UINT32_MAX - 1 || grow((void **)&m->entries, &m->cap, m->n + 1, m->stride) ||
	    grow((void **)&m->keys, &m->keys_cap, m->keys_len + key_len + 1, 1)) {
		errno = ENOMEM;
		return NULL;
	}
	e = entry_at(m, m->n);
	memset(e, 0, m->stride);
	e->hash = h;
	e->key_off = m->keys_len;
	e->key_len = key_len;
	if (key_len)
		memcpy(m->keys + m->keys_len, key, key_len);
	m->keys[m->keys_len + key_len] = 0; /* string keys can be used as C strings */
	m->keys_len += key_len + 1;
	m->slots[s] = (uint32_t)(++m->n);
	return entry_at(m, m->n - 1) + 1;
}

void *hmap__get_u64(struct hmap *m, uint64_t key, int create)
{
	return hmap__get(m, &key, sizeof(key), create);
}

size_t hmap__count(const struct hmap *m)
{
	return m->n;
}

void *hmap__value_at(const struct hmap *m, size_t i)
{
	return i < m->n ? entry_at(m, i) + 1 : NULL;
}

const void *hmap__key_at(const struct hmap *m, size_t i, size_t *key_len)
{
	struct entry *e;

	if (i >= m->n)
		return NULL;
	e = entry_at(m, i);
	if (key_len)
		*key_len = e->key_len;
	return m->keys + e->key_off;
}

uint64_t hmap__u64_key_at(const struct hmap *m, size_t i)
{
	uint64_t k = 0;
	size_t len = 0;
	const void *p = hmap__key_at(m, i, &len);

	if (p && len == sizeof(k))
		memcpy(&k, p, sizeof(k));
	return k;
}
