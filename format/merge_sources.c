// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A merged capture's SOURCES metadata. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebpfrec/merge.h"
#include "events.h"
#include "internal.h"

unsigned ebr_record__source(const struct ebr_event_header *rec)
{
	return rec->flags >> EBR_HDR_SOURCE_SHIFT;
}

const struct ebr_merge_source *ebr_merge__find_source(const struct ebr_merge_source *s, size_t n,
						unsigned id)
{
	for (size_t i = 0; i < n; i++)
		if (s[i].id == id)
			return &s[i];
	return NULL;
}

static int parse(const char *data, size_t len, struct ebr_merge_source **out, size_t *n)
{
	struct ebr_sources_disk h;
	struct ebr_merge_source *v;

	if (len < sizeof(h))
		return -EBADMSG;
	memcpy(&h, data, sizeof(h));
	if (h.entry_size < offsetof(struct ebr_source_disk, host) || h.n_sources > EBR_MAX_SOURCES ||
	    (uint64_t)h.n_sources * h.entry_size > len - sizeof(h))
		return -EBADMSG;
	v = calloc(h.n_sources ? h.n_sources : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (uint32_t i = 0; i < h.n_sources; i++) {
		struct ebr_source_disk d = {0};
		const uint8_t *u = d.uuid;

		memcpy(&d, data + sizeof(h) + (size_t)i * h.entry_size,
		       h.entry_size < sizeof(d) ? h.entry_size : sizeof(d));
		v[i].id = d.id;
		memcpy(v[i].uuid, d.uuid, 16);
		snprintf(v[i].uuid_str, sizeof(v[i].uuid_str),
			 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0],
			 u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
			 u[14], u[15]);
		v[i].boot_to_wall_ns = d.boot_to_wall_ns;
		v[i].ts_offset_ns = d.ts_offset_ns;
		v[i].created_wall_ns = d.created_wall_ns;
		v[i].n_records = d.n_records;
		v[i].ncpus = d.ncpus;
		ebr_strlcpy(v[i].host, d.host, sizeof(v[i].host));
		ebr_strlcpy(v[i].kernel_release, d.kernel_release, sizeof(v[i].kernel_release));
		ebr_strlcpy(v[i].machine, d.machine, sizeof(v[i].machine));
		ebr_strlcpy(v[i].kernel_version, d.kernel_version, sizeof(v[i].kernel_version));
	}
	*out = v;
	*n = h.n_sources;
	return 0;
}

int ebr_merge__sources(const struct ebr_reader *r, struct ebr_merge_source **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	/* the last SOURCES block wins: a writer states the sources once */
	for (size_t i = ebr_reader__meta_count(r); i-- > 0;) {
		const void *data;
		unsigned kind;
		size_t len;
		int err;

		ebr_reader__meta(r, i, &kind, &data, &len);
		if (kind != EBR_META_SOURCES)
			continue;
		err = parse(data, len, out, n);
		if (err == -EBADMSG)
			pr_warn("%s: the list of merged sources is damaged", ebr_reader__path(r));
		return err;
	}
	return 0;
}
