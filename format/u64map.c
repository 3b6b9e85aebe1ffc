// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>

#include "u64map.h"

static size_t slot_of(uint64_t key, size_t cap)
{
	/* pids and cgroup ids are dense: mix them before masking */
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return (size_t)key & (cap - 1);
}

uint64_t *ebr_u64map__get(const struct ebr_u64map *m, uint64_t key)
{
	if (!m->cap)
		return NULL;
	for (size_t i = slot_of(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (!m->used[i])
			return NULL;
		if (m->keys[i] == key)
			return &m->vals[i];
	}
}

static int grow(struct ebr_u64map *m)
{
	struct ebr_u64map n = { .cap = m->cap ? m->cap * 2 : 64 };

	n.keys = malloc(n.cap * sizeof(*n.keys));
	n.vals = malloc(n.cap * sizeof(*n.vals));
	n.used = calloc(n.cap, 1);
	if (!n.keys || !n.vals || !n.used) {
		ebr_u64map__free(&n);
		return -1;
	}
	for (size_t i = 0; i < m->cap; i++)
		if (m->used[i])
			*ebr_u64map__upsert(&n, m->keys[i], m->vals[i]) = m->vals[i];
	ebr_u64map__free(m);
	*m = n;
	return 0;
}

uint64_t *ebr_u64map__upsert(struct ebr_u64map *m, uint64_t key, uint64_t init)
{
	size_t i;

	if ((m->n + 1) * 4 > m->cap * 3 && grow(m))
		return NULL;
	for (i = slot_of(key, m->cap); m->used[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key)
			return &m->vals[i];
	m->used[i] = 1;
	m->keys[i] = key;
	m->vals[i] = init;
	m->n++;
	return &m->vals[i];
}

void ebr_u64map__free(struct ebr_u64map *m)
{
	free(m->keys);
	free(m->vals);
	free(m->used);
	m->keys = m->vals = NULL;
	m->used = NULL;
	m->cap = m->n = 0;
}
