// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The process table at a moment: the start-of-recording snapshot plus fork and exec. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ebpfrec/schema.h"
#include "events.h"
#include "internal.h"
#include "proc_history.h"
#include "u64map.h"

struct str {
	char *p;
	size_t len;
};

struct proc {
	uint64_t key;
	void *snap; /* the snapshot's own record, while no fork or exec replaced it */
	struct ebr_event_header hdr; /* identity: comm, uid, cgroup, ppid, ... */
	uint64_t start_ns;
	uint32_t pflags; /* the proc_info flags word (kernel thread) */
	struct str exe, cmdline, cgroup;
	int described;
};

struct fields {
	const struct ebr_type *t;
	const struct ebr_field *f[5];
};

struct ebr_proc_history {
	struct ebr_reader *r;
	struct proc *procs;
	size_t n, cap;
	struct ebr_u64map index; /* key -> position in procs */
	struct fields info; /* proc_info: start_ts, kthread, exe, cmdline, cgroup_path */
	struct fields exec; /* exec: ret, filename, args */
	struct fields fork; /* fork: child_pid, thread */
	uint64_t synthesized;
	int err;
};

static void fields_init(struct fields *fs, const struct ebr_schema *s, unsigned type,
			const char *const names[5])
{
	fs->t = ebr_schema__type(s, type);
	if (!fs->t)
		fs->t = ebr_schema__type(ebr_schema__builtin(), type);
	for (unsigned i = 0; i < 5; i++)
		fs->f[i] = names[i] ? ebr_type__field(fs->t, names[i]) : NULL;
}

static int str_set(struct str *s, const char *p, size_t len)
{
	char *n = malloc(len + 1);

	if (!n)
		return -ENOMEM;
	memcpy(n, p, len);
	n[len] = 0;
	free(s->p);
	s->p = n;
	s->len = len;
	return 0;
}

static int str_field(struct str *s, const struct ebr_field *f, const struct ebr_event_header *rec)
{
	size_t len = 0;
	const char *p = f ? ebr_field__str(f, rec, &len) : "";

	return str_set(s, p, len);
}

static void proc_clear(struct proc *p)
{
	free(p->snap);
	free(p->exe.p);
	free(p->cmdline.p);
	free(p->cgroup.p);
	memset(p, 0, sizeof(*p));
}

/* The entry for key, created empty when new; NULL on ENOMEM. */
static struct proc *proc_get(struct ebr_proc_history *h, uint64_t key, int create)
{
	uint64_t *slot = ebr_u64map__get(&h->index, key);

	if (slot)
		return &h->procs[*slot];
	if (!create)
		return NULL;
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 256;
		void *n = realloc(h->procs, cap * sizeof(*h->procs));

		if (!n)
			return NULL;
		h->procs = n;
		h->cap = cap;
	}
	slot = ebr_u64map__upsert(&h->index, key, h->n);
	if (!slot)
		return NULL;
	memset(&h->procs[h->n], 0, sizeof(h->procs[h->n]));
	h->procs[h->n].key = key;
	return &h->procs[h->n++];
}

static int load_snapshot(const struct ebr_event_header *rec, void *ctx)
{
	struct ebr_proc_history *h = ctx;
	const struct fields *fi = &h->info;
	struct proc *p;

	if (rec->type != EBR_T_PROC_INFO || !ebr_record__valid(fi->t, rec))
		return 0;
	p = proc_get(h, ebr_proc_key(rec, rec->pid), 1);
	if (!p)
		return h->err = -ENOMEM;
	if (p->snap)
		return 0; /* the first description of a pid wins */
	p->snap = malloc(rec->size);
	if (!p->snap)
		return h->err = -ENOMEM;
	memcpy(p->snap, rec, rec->size);
	p->hdr = *rec;
	p->start_ns = fi->f[0] ? ebr_field__u64(fi->f[0], rec) : 0;
	p->pflags = fi->f[1] ? (uint32_t)ebr_field__u64(fi->f[1], rec) : 0;
	if (str_field(&p->exe, fi->f[2], rec) || str_field(&p->cmdline, fi->f[3], rec) ||
	    str_field(&p->cgroup, fi->f[4], rec))
		return h->err = -ENOMEM;
	return 0;
}

struct ebr_proc_history *ebr_proc_history__new(struct ebr_reader *r)
{
	static const char *const info[5] = { "start_ts", "kthread", "exe", "cmdline", "cgroup_path" };
	static const char *const exec[5] = { "ret", "filename", "args", NULL, NULL };
	static const char *const fork[5] = { "child_pid", "thread", NULL, NULL, NULL };
	const struct ebr_schema *s = ebr_reader__schema(r);
	struct ebr_proc_history *h = calloc(1, sizeof(*h));
	int err;

	if (!h) {
		errno = ENOMEM;
		return NULL;
	}
	h->r = r;
	fields_init(&h->info, s, EBR_T_PROC_INFO, info);
	fields_init(&h->exec, s, EBR_T_EXEC, exec);
	fields_init(&h->fork, s, EBR_T_FORK, fork);
	err = ebr_reader__meta_records(r, EBR_META_PROCS, load_snapshot, h);
	if (err || h->err) {
		ebr_proc_history__free(h);
		errno = ENOMEM;
		return NULL;
	}
	return h;
}

static int apply_fork(struct ebr_proc_history *h, const struct ebr_event_header *rec)
{
	const struct fields *ff = &h->fork;
	uint32_t child;
	struct proc *parent, *c;
	uint64_t pkey = ebr_proc_key(rec, rec->pid);

	if (!ff->f[0] || (ff->f[1] && (ebr_field__u64(ff->f[1], rec) & EBR_FORK_THREAD)))
		return 0; /* a new thread: the process is unchanged */
	child = (uint32_t)ebr_field__u64(ff->f[0], rec);
	if (!child || child == rec->pid)
		return 0;
	c = proc_get(h, ebr_proc_key(rec, child), 1);
	if (!c)
		return -ENOMEM;
	proc_clear(c); /* a reused pid is a new process */
	c->key = ebr_proc_key(rec, child);
	parent = proc_get(h, pkey, 0); /* after proc_get(create): procs may have moved */
	c->hdr = *rec; /* the child starts with its parent's identity */
	c->hdr.pid = child;
	c->hdr.tid = child;
	c->hdr.ppid = rec->pid;
	c->start_ns = rec->ts;
	if (parent && (str_set(&c->exe, parent->exe.p ? parent->exe.p : "", parent->exe.len) ||
		       str_set(&c->cmdline, parent->cmdline.p ? parent->cmdline.p : "",
			       parent->cmdline.len) ||
		       str_set(&c->cgroup, parent->cgroup.p ? parent->cgroup.p : "", parent->cgroup.len)))
		return -ENOMEM;
	return 0;
}

static int apply_exec(struct ebr_proc_history *h, const struct ebr_event_header *rec)
{
	const struct fields *fe = &h->exec;
	struct proc *p;

	if (fe->f[0] && ebr_field__s64(fe->f[0], rec) < 0)
		return 0; /* a failed execve changes nothing */
	p = proc_get(h, ebr_proc_key(rec, rec->pid), 1);
	if (!p)
		return -ENOMEM;
	free(p->snap);
	p->snap = NULL; /* described from now on by what the exec says */
	p->hdr = *rec;
	if (str_field(&p->exe, fe->f[1], rec) || str_field(&p->cmdline, fe->f[2], rec))
		return -ENOMEM;
	return 0;
}

int ebr_proc_history__apply(struct ebr_proc_history *h, const struct ebr_event_header *rec)
{
	const struct ebr_type *t = rec->type == EBR_T_FORK ? h->fork.t :
				   rec->type == EBR_T_EXEC ? h->exec.t : NULL;

	if (!t || !ebr_record__valid(t, rec))
		return 0;
	return rec->type == EBR_T_FORK ? apply_fork(h, rec) : apply_exec(h, rec);
}

static void put_u(struct ebr_buf *b, size_t off, const struct ebr_field *f, uint64_t v)
{
	char *p = ebr_rec__at(b, off);

	if (!p || !f)
		return;
	if (f->kind == EBR_FK_U64 || f->kind == EBR_FK_S64)
		memcpy(p + f->offset, &v, 8);
	else if (f->kind == EBR_FK_U32 || f->kind == EBR_FK_S32) {
		uint32_t v32 = (uint32_t)v;

		memcpy(p + f->offset, &v32, 4);
	}
}

static void put_s(struct ebr_buf *b, size_t off, const struct ebr_field *f, const struct str *s)
{
	if (f && f->kind != EBR_FK_CHARS && f->size == sizeof(struct ebr_vstr) && s->len)
		ebr_rec__add_str(b, off, f->offset, s->p, s->len);
}

static void build(struct ebr_proc_history *h, struct proc *p, struct ebr_buf *out)
{
	const struct fields *fi = &h->info;
	struct ebr_event_header *hdr;
	struct ebr_cgroup_view cg;
	struct str cgpath = p->cgroup;
	size_t off = ebr_rec__begin(out, fi->t->fixed_size);

	hdr = ebr_rec__at(out, off);
	if (!hdr)
		return;
	*hdr = p->hdr;
	hdr->type = EBR_T_PROC_INFO;
	hdr->tid = p->hdr.pid;
	put_u(out, off, fi->f[0], p->start_ns);
	put_u(out, off, fi->f[1], p->pflags);
	/* an exec or a move may have changed the cgroup: prefer the capture's table */
	if (ebr_reader__cgroup(h->r, p->hdr.cgroup_id, &cg) == 0 && cg.path[0]) {
		cgpath.p = (char *)cg.path;
		cgpath.len = strlen(cg.path);
	}
	put_s(out, off, fi->f[2], &p->exe);
	put_s(out, off, fi->f[3], &p->cmdline);
	put_s(out, off, fi->f[4], &cgpath);
	ebr_rec__end(out, off);
	h->synthesized++;
}

int ebr_proc_history__describe(struct ebr_proc_history *h, uint64_t key, struct ebr_buf *out)
{
	int n = 0;

	for (;;) {
		struct proc *p = proc_get(h, key, 0);

		if (!p || p->described)
			break;
		p->described = 1;
		if (p->snap)
			ebr_buf__put(out, p->snap, ((struct ebr_event_header *)p->snap)->size);
		else
			build(h, p, out);
		if (out->err)
			return out->err;
		n++;
		if (!p->hdr.ppid || p->hdr.ppid == p->hdr.pid)
			break;
		key = (key & ~0xffffffffULL) | p->hdr.ppid;
	}
	return n;
}

int ebr_proc_history__known(const struct ebr_proc_history *h, uint64_t key)
{
	return ebr_u64map__get(&h->index, key) != NULL;
}

uint64_t ebr_proc_history__synthesized(const struct ebr_proc_history *h)
{
	return h->synthesized;
}

void ebr_proc_history__free(struct ebr_proc_history *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n; i++)
		proc_clear(&h->procs[i]);
	free(h->procs);
	ebr_u64map__free(&h->index);
	free(h);
}
