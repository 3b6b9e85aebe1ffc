// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "cgroups.h"
#include "ebpfrec/container.h"
#include "events.h"

#define MAX_DEPTH 32

struct walk {
	struct rec_cgroups *c;
	struct ebr_buf *out;
	const char *root;
	const char *pods_dir;
	uint64_t now;
	int added;
};

/* Insert id if new; 1 when it was new. */
static int remember(struct rec_cgroups *c, uint64_t id)
{
	size_t lo = 0, hi = c->n_seen;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (c->seen[mid] == id)
			return 0;
		if (c->seen[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (c->n_seen == c->cap_seen) {
		size_t cap = c->cap_seen ? c->cap_seen * 2 : 256;
		uint64_t *n = realloc(c->seen, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		c->seen = n;
		c->cap_seen = cap;
	}
	memmove(c->seen + lo + 1, c->seen + lo, (c->n_seen - lo) * sizeof(*c->seen));
	c->seen[lo] = id;
	c->n_seen++;
	return 1;
}

static void pod_names(const char *pods_dir, const char *uid, char *ns, size_t ns_len, char *name,
		      size_t name_len)
{
	DIR *d = pods_dir ? opendir(pods_dir) : NULL;
	struct dirent *de;

	ns[0] = name[0] = 0;
	if (!d)
		return;
	while ((de = readdir(d)))
		if (!ebr_container__pod_from_log_dir(de->d_name, uid, ns, ns_len, name, name_len))
			break;
	closedir(d);
}

static void add_record(struct walk *w, const char *path, uint64_t id)
{
	struct ebr_container_info ci;
	char ns[256] = "", pod[256] = "";
	struct ebr_cgroup_info *e;
	size_t off;

	ebr_container__parse(path, &ci);
	if (ci.pod_uid[0])
		pod_names(w->pods_dir, ci.pod_uid, ns, sizeof(ns), pod, sizeof(pod));
	off = ebr_rec__begin(w->out, sizeof(*e));
	e = ebr_rec__at(w->out, off);
	if (!e)
		return;
	e->hdr.ts = w->now;
	e->hdr.type = EBR_T_CGROUP_INFO;
	e->hdr.cgroup_id = id;
#define STR(field, s) ebr_rec__add_str(w->out, off, offsetof(struct ebr_cgroup_info, field), s, strlen(s))
	STR(path, path);
	STR(container_id, ci.container_id);
	STR(runtime, ci.runtime);
	STR(pod_uid, ci.pod_uid);
	STR(pod_namespace, ns);
	STR(pod_name, pod);
	STR(unit, ci.unit);
#undef STR
	ebr_rec__end(w->out, off);
	w->added++;
}

static int walk_dir(struct walk *w, char *path, size_t len, size_t cap, int depth)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int fresh;

	if (stat(path, &st) || !S_ISDIR(st.st_mode))
		return 0;
	fresh = remember(w->c, (uint64_t)st.st_ino);
	if (fresh < 0)
		return fresh;
	if (fresh) {
		const char *rel = path + strlen(w->root);

		add_record(w, *rel ? rel : "/", (uint64_t)st.st_ino);
	}
	if (depth >= MAX_DEPTH || !(d = opendir(path)))
		return 0;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (de->d_type != DT_DIR || de->d_name[0] == '.' || len + n + 2 > cap)
			continue;
		path[len] = '/';
		memcpy(path + len + 1, de->d_name, n + 1);
		walk_dir(w, path, len + 1 + n, cap, depth + 1);
		path[len] = 0;
	}
	closedir(d);
	return 0;
}

int rec_cgroups__collect(struct rec_cgroups *c, struct ebr_buf *out, const char *root,
			 const char *pods_dir, uint64_t now_boot_ns)
{
	struct walk w = { .c = c, .out = out, .root = root, .pods_dir = pods_dir, .now = now_boot_ns };
	char path[4096];
	size_t len = strlen(root);
	int err;

	if (len >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, root, len + 1);
	err = walk_dir(&w, path, len, sizeof(path), 0);
	if (err)
		return err;
	return out->err ? out->err : w.added;
}

void rec_cgroups__free(struct rec_cgroups *c)
{
	free(c->seen);
	c->seen = NULL;
	c->n_seen = c->cap_seen = 0;
}

int rec_cgroups__add_known(struct rec_cgroups *c, struct ebr_buf *out, const struct ebr_buf *recs)
{
	size_t off = 0;
	int added = 0;

	while (recs->len - off >= sizeof(struct ebr_event_header)) {
		const struct ebr_event_header *h = (const void *)(recs->p + off);
		int fresh;

		if (h->size < sizeof(*h) || h->size > recs->len - off)
			break;
		off += h->size;
		fresh = remember(c, h->cgroup_id);
		if (fresh < 0)
			return fresh;
		if (fresh) {
			ebr_buf__put(out, h, h->size);
			added++;
		}
	}
	return out->err ? out->err : added;
}

int rec_cgroup_table__refresh(struct rec_cgroup_table *t, const char *pods_dir, uint64_t now_boot_ns)
{
	struct ebr_cgroup_view *views;
	char root[512];
	size_t n;
	int added, err;

	if (!rec_cgroup2_root(root, sizeof(root)))
		return -ENOENT;
	added = rec_cgroups__collect(&t->seen, &t->recs, root, pods_dir, now_boot_ns);
	if (added < 0 || (!added && t->views))
		return added;
	/* records were appended (and may have moved): the views point into them */
	err = ebr_cgroup_views__parse(t->recs.p, t->recs.len, &views, &n);
	if (err)
		return err;
	free(t->views);
	t->views = views;
	t->n_views = n;
	return added;
}

void rec_cgroup_table__free(struct rec_cgroup_table *t)
{
	rec_cgroups__free(&t->seen);
	ebr_buf__free(&t->recs);
	free(t->views);
	memset(t, 0, sizeof(*t));
}

#define CGROUP2_SUPER_MAGIC 0x63677270

static int is_cgroup2(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

const char *rec_cgroup2_root(char *buf, size_t len)
{
	static const char *const usual[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
	char line[1024], dev[256], mnt[512], type[64];
	FILE *f;

	for (size_t i = 0; i < sizeof(usual) / sizeof(usual[0]); i++)
		if (is_cgroup2(usual[i])) {
			snprintf(buf, len, "%s", usual[i]);
			return buf;
		}
	f = fopen("/proc/mounts", "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%255s %511s %63s", dev, mnt, type) == 3 && !strcmp(type, "cgroup2")) {
			snprintf(buf, len, "%s", mnt);
			fclose(f);
			return buf;
		}
	if (f)
		fclose(f);
	return NULL;
}
