/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * From a file descriptor to its file, inode and absolute path, in the
 * kernel. Paths come from a bounded dentry walk that crosses mount points;
 * the result is cached per struct file (validated by its dentry), so a
 * read or write costs a map lookup, not a walk.
 */
#ifndef EBPFREC_VFS_BPF_H
#define EBPFREC_VFS_BPF_H

#include "common.bpf.h"

#define PATH_BUF 1024 /* the walk writes backwards from the end of this */
#define PATH_MASK (PATH_BUF - 1)
#define NAME_MASK 255 /* NAME_MAX */
#define PATH_DEPTH 24 /* components; deeper paths keep their last 24 */

#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define S_IFREG 0100000

struct path_entry {
	__u64 dentry; /* the file's dentry when resolved: a reused struct file must match */
	__u32 start; /* the path is buf[start .. PATH_BUF - 1), NUL at PATH_BUF - 1 */
	__u32 truncated;
	char buf[PATH_BUF + NAME_MASK + 1]; /* slack keeps masked writes provably in bounds */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64); /* struct file * */
	__type(value, struct path_entry);
} path_cache SEC(".maps");

/* Building an entry needs room the stack does not have. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct path_entry);
} path_scratch SEC(".maps");

static __always_inline struct file *fd_to_file(struct task_struct *task, int fd)
{
	struct files_struct *files = BPF_CORE_READ(task, files);
	struct fdtable *fdt;
	struct file **fds;
	struct file *f = NULL;

	if (fd < 0 || !files)
		return NULL;
	fdt = BPF_CORE_READ(files, fdt);
	if (!fdt || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

static __always_inline struct mount *real_mount(struct vfsmount *mnt)
{
	return (struct mount *)((char *)mnt - bpf_core_field_offset(struct mount, mnt));
}

struct walk {
	__u64 dentry; /* struct dentry * */
	__u64 vfsmnt; /* struct vfsmount * */
	__u64 mnt; /* struct mount * */
	__u32 pos; /* the path so far starts at buf[pos] */
	__u32 truncated;
};

/*
 * One step up: prepend this dentry's name, or cross from a mount's root to
 * its mount point. Run under bpf_loop, so the verifier checks one step
 * rather than every combination of steps.
 */
static long walk_step(__u32 i, void *arg)
{
	struct walk *w = arg;
	struct dentry *dentry = (struct dentry *)w->dentry;
	struct vfsmount *vfsmnt = (struct vfsmount *)w->vfsmnt;
	struct mount *mnt = (struct mount *)w->mnt;
	struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
	struct dentry *mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
	struct path_entry *e;
	__u32 zero = 0, len, pos;
	struct qstr name;

	if (dentry == mnt_root || dentry == parent) {
		struct mount *mnt_parent = BPF_CORE_READ(mnt, mnt_parent);

		if (dentry != mnt_root || mnt_parent == mnt)
			return 1; /* the root of everything */
		w->dentry = (__u64)BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = (__u64)mnt_parent;
		w->vfsmnt = (__u64)mnt_parent + bpf_core_field_offset(struct mount, mnt);
		return 0;
	}
	e = bpf_map_lookup_elem(&path_scratch, &zero);
	if (!e)
		return 1;
	name = BPF_CORE_READ(dentry, d_name);
	len = name.len & NAME_MASK;
	pos = w->pos & PATH_MASK;
	if (len + 1 >= pos) {
		w->truncated = 1;
		return 1;
	}
	pos -= len;
	bpf_probe_read_kernel(&e->buf[pos & PATH_MASK], len, name.name);
	pos -= 1;
	e->buf[pos & PATH_MASK] = '/';
	w->pos = pos;
	w->dentry = (__u64)parent;
	return 0;
}

/* Resolve a file's absolute path (in its mount namespace) into the per-CPU path_scratch. */
static __always_inline struct path_entry *resolve_path(struct file *file)
{
	struct vfsmount *vfsmnt = BPF_CORE_READ(file, f_path.mnt);
	struct walk w = {
		.dentry = (__u64)BPF_CORE_READ(file, f_path.dentry),
		.vfsmnt = (__u64)vfsmnt,
		.mnt = (__u64)real_mount(vfsmnt),
		.pos = PATH_BUF - 1,
	};
	struct path_entry *e;
	__u32 zero = 0;
	long steps;

	e = bpf_map_lookup_elem(&path_scratch, &zero);
	if (!e)
		return NULL;
	e->buf[PATH_BUF - 1] = 0;
	steps = bpf_loop(PATH_DEPTH, walk_step, &w, 0);
	e->dentry = (__u64)BPF_CORE_READ(file, f_path.dentry);
	e->truncated = w.truncated || steps >= PATH_DEPTH;
	if (w.pos >= PATH_BUF - 1) {
		w.pos = PATH_BUF - 2;
		e->buf[w.pos] = '/';
	}
	e->start = w.pos & PATH_MASK;
	return e;
}

/* The cached path of a file, resolving it on a miss. NULL when no memory. */
static __always_inline struct path_entry *file_path(struct file *file)
{
	__u64 key = (__u64)file;
	struct path_entry *e = bpf_map_lookup_elem(&path_cache, &key);

	if (e && e->dentry == (__u64)BPF_CORE_READ(file, f_path.dentry))
		return e;
	e = resolve_path(file);
	if (!e)
		return NULL;
	bpf_map_update_elem(&path_cache, &key, e, BPF_ANY);
	return bpf_map_lookup_elem(&path_cache, &key) ?: e;
}

/* Copy a resolved path into a record at off; returns its length (no NUL). */
static __always_inline __u32 copy_path(char *rec, __u32 off, struct path_entry *e, __u32 max)
{
	__u32 start = e->start & PATH_MASK;
	__u32 len = PATH_BUF - 1 - start;

	if (len > max)
		len = max; /* keep the head: the directory tells more than the tail */
	len &= PATH_MASK;
	off &= (EBR_SCRATCH_SIZE / 2 - 1);
	if (len)
		bpf_probe_read_kernel(rec + off, len, &e->buf[start]);
	rec[(off + len) & (EBR_SCRATCH_SIZE - 1)] = 0;
	return len;
}

#endif
