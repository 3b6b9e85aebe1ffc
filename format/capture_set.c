// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The files of a rotated recording name each other: each holds the set's
 * id, its index and the base name, so any one of them finds the rest in
 * its directory.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebpfrec/capture.h"
#include "internal.h"

struct member {
	uint32_t index;
	char *path;
};

int ebr_reader__rotation(const struct ebr_reader *r, uint8_t set_uuid[16], uint32_t *index,
			 char *base, size_t base_len)
{
	for (size_t i = 0; i < ebr_reader__meta_count(r); i++) {
		struct ebr_rotation_disk rot = {0};
		const void *data;
		unsigned kind;
		size_t len;

		ebr_reader__meta(r, i, &kind, &data, &len);
		if (kind != EBR_META_ROTATION || len < offsetof(struct ebr_rotation_disk, base))
			continue;
		memcpy(&rot, data, len < sizeof(rot) ? len : sizeof(rot));
		memcpy(set_uuid, rot.set_uuid, 16);
		*index = rot.index;
		if (base)
			ebr_strlcpy(base, rot.base, base_len < sizeof(rot.base) ? base_len : sizeof(rot.base));
		return 0;
	}
	return -ENOENT;
}

static int by_index(const void *a, const void *b)
{
	uint32_t x = ((const struct member *)a)->index, y = ((const struct member *)b)->index;

	return x < y ? -1 : x > y;
}

/* "dir/trace.0003.ebc" -> dir "dir", prefix "trace." */
static void split(const char *path, char *dir, size_t dlen, char *prefix, size_t plen)
{
	const char *slash = strrchr(path, '/'), *name = slash ? slash + 1 : path;
	const char *dot;
	size_t n;

	snprintf(dir, dlen, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
	/* strip ".NNNN.ebc" */
	n = strlen(name);
	dot = n > 9 && !strcmp(name + n - 4, ".ebc") ? name + n - 9 : NULL;
	snprintf(prefix, plen, "%.*s", dot ? (int)(dot - name + 1) : (int)n, name);
}

int ebr_capture_set__expand(const char *path, char ***out, size_t *n_out)
{
	struct ebr_reader *r = ebr_reader__open(path);
	uint8_t set[16], other[16];
	char dir[4096], prefix[1024], full[5200];
	struct member *m = NULL;
	size_t n = 0;
	uint32_t index;
	struct dirent *de;
	DIR *d;

	if (!r)
		return -errno;
	if (ebr_reader__rotation(r, set, &index, NULL, 0)) {
		ebr_reader__close(r);
		*out = calloc(1, sizeof(char *));
		if (!*out || !((*out)[0] = strdup(path)))
			return -ENOMEM;
		*n_out = 1;
		return 0;
	}
	ebr_reader__close(r);
	split(path, dir, sizeof(dir), prefix, sizeof(prefix));
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		struct ebr_reader *o;
		void *grown;

		if (strncmp(de->d_name, prefix, strlen(prefix)) || len < 4 || strcmp(de->d_name + len - 4, ".ebc"))
			continue;
		snprintf(full, sizeof(full), "%s/%s", dir, de->d_name);
		ebr_set_log_level(EBR_LOG_ERROR); /* a stranger file matching the name is not our business */
		o = ebr_reader__open(full);
		ebr_set_log_level(EBR_LOG_WARN);
		if (!o)
			continue;
		if (!ebr_reader__rotation(o, other, &index, NULL, 0) && !memcmp(other, set, 16) &&
		    (grown = realloc(m, (n + 1) * sizeof(*m)))) {
			m = grown;
			m[n].index = index;
			m[n].path = strdup(full);
			if (m[n].path)
				n++;
		}
		ebr_reader__close(o);
	}
	closedir(d);
	qsort(m, n, sizeof(*m), by_index);
	*out = calloc(n ? n : 1, sizeof(char *));
	if (!*out) {
		for (size_t i = 0; i < n; i++)
			free(m[i].path);
		free(m);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		(*out)[i] = m[i].path;
	free(m);
	*n_out = n;
	return 0;
}

void ebr_capture_set__free(char **paths, size_t n)
{
	for (size_t i = 0; paths && i < n; i++)
		free(paths[i]);
	free(paths);
}
