// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <zstd.h>

#include "events.h"
#include "internal.h"
#include "world_fixture.h"

struct gen {
	struct ebr_buf recs;
	size_t *off;
	size_t n, cap;
	uint64_t rng;
	uint64_t seq;
};

static uint64_t rnd(struct gen *g, uint64_t n)
{
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return n ? (z ^ (z >> 31)) % n : 0;
}

struct who {
	uint32_t pid, ppid, uid;
	uint64_t cgroup;
	const char *comm;
};

/* Begin a record: header filled from w; returns its offset. */
static size_t begin(struct gen *g, size_t fixed, unsigned type, uint64_t ts, const struct who *w)
{
	size_t off = ebr_rec__begin(&g->recs, fixed);
	struct ebr_event_header *h = ebr_rec__at(&g->recs, off);

	assert_non_null(h);
	/* distinct timestamps: the order of records is then the same however they are sorted */
	h->ts = ts * 1000 + (g->seq++ % 1000);
	h->type = (uint16_t)type;
	h->cpu = (uint16_t)(w->pid % 4);
	h->pid = h->tid = w->pid;
	h->ppid = w->ppid;
	h->uid = h->gid = w->uid;
	h->pidns = 0xeffffffcU;
	h->mntns = 0xeffffff0U;
	h->cgroup_id = w->cgroup;
	ebr_strlcpy(h->comm, w->comm, sizeof(h->comm));
	return off;
}

static void end(struct gen *g, size_t off)
{
	ebr_rec__end(&g->recs, off);
	assert_int_equal(g->recs.err, 0);
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 256;
		g->off = realloc(g->off, g->cap * sizeof(*g->off));
		assert_non_null(g->off);
	}
	g->off[g->n++] = off;
}

static void str(struct gen *g, size_t off, size_t field, const char *s, size_t len)
{
	ebr_rec__add_str(&g->recs, off, field, s, len);
}

static void proc_info(struct ebr_buf *b, const struct who *w, uint64_t ts, const char *exe,
		      const char *cmd, size_t cmd_len, const char *cg)
{
	size_t off = ebr_rec__begin(b, sizeof(struct ebr_proc_info));
	struct ebr_proc_info *p = ebr_rec__at(b, off);

	p->hdr.ts = ts;
	p->hdr.type = EBR_T_PROC_INFO;
	p->hdr.pid = p->hdr.tid = w->pid;
	p->hdr.ppid = w->ppid;
	p->hdr.uid = p->hdr.gid = w->uid;
	p->hdr.cgroup_id = w->cgroup;
	ebr_strlcpy(p->hdr.comm, w->comm, sizeof(p->hdr.comm));
	p->start_ns = ts / 2;
	ebr_rec__add_str(b, off, offsetof(struct ebr_proc_info, exe), exe, strlen(exe));
	ebr_rec__add_str(b, off, offsetof(struct ebr_proc_info, cmdline), cmd, cmd_len);
	ebr_rec__add_str(b, off, offsetof(struct ebr_proc_info, cgroup), cg, strlen(cg));
	ebr_rec__end(b, off);
}

static void cgroup_info(struct ebr_buf *b, uint64_t id, const char *path)
{
	size_t off = ebr_rec__begin(b, sizeof(struct ebr_cgroup_info));
	struct ebr_cgroup_info *c = ebr_rec__at(b, off);

	c->hdr.type = EBR_T_CGROUP_INFO;
	c->hdr.cgroup_id = id;
	ebr_rec__add_str(b, off, offsetof(struct ebr_cgroup_info, path), path, strlen(path));
	ebr_rec__end(b, off);
}

static const char *const cg_paths[] = { "", "/init.scope", "/system.slice/ssh.service",
					"/user.slice/user-1000.slice/session-1.scope",
					"/user.slice/user-1000.slice/app-Project-XYZZY.scope" };

static void file_event(struct gen *g, uint64_t ts, const struct who *w, unsigned type, unsigned op,
		       const char *name)
{
	size_t off = begin(g, sizeof(struct ebr_file_event), type, ts, w);
	struct ebr_file_event *e = ebr_rec__at(&g->recs, off);

	e->op = (uint16_t)op;
	e->ret = type == EBR_T_OPEN ? 3 : 512;
	e->fd = 3;
	e->count = 4096;
	e->ino = 77;
	e->ftype = 8;
	e->duration_ns = 1000 + rnd(g, 1000);
	str(g, off, offsetof(struct ebr_file_event, filename), name, strlen(name));
	end(g, off);
}

static void v4(uint8_t a[16], const char *dotted)
{
	unsigned x[4];

	assert_int_equal(sscanf(dotted, "%u.%u.%u.%u", &x[0], &x[1], &x[2], &x[3]), 4);
	memset(a, 0, 16);
	a[10] = a[11] = 0xff;
	for (unsigned i = 0; i < 4; i++)
		a[12 + i] = (uint8_t)x[i];
}

static void child(struct gen *g, unsigned k, uint64_t t)
{
	static const char *const tools[] = { "/usr/bin/grep", "/usr/bin/curl", W_SECRET_DIR "/bin/build.sh" };
	struct who shell = { W_SHELL_PID, W_SSHD_PID, 1000, 3, "bash" };
	struct who c = { W_CHILD_PID0 + k, W_SHELL_PID, 1000, 3 + (k % 2), "bash" };
	const char *tool = tools[k % 3];
	char args[256], name[128];
	size_t off, alen;
	struct ebr_fork_event *f;
	struct ebr_exec_event *e;
	struct ebr_net_event *n;
	uint64_t fork_ts;

	off = begin(g, sizeof(*f), EBR_T_FORK, t, &shell);
	f = ebr_rec__at(&g->recs, off);
	fork_ts = f->hdr.ts;
	f->child_pid = f->child_tid = c.pid;
	f->clone_flags = 0x1200011;
	end(g, off);
	t += 100 + rnd(g, 100);
	c.comm = strrchr(tool, '/') + 1;
	off = begin(g, sizeof(*e), EBR_T_EXEC, t, &c);
	e = ebr_rec__at(&g->recs, off);
	e->old_pid = c.pid;
	if (k % 3 == 1)
		alen = (size_t)snprintf(args, sizeof(args), "%s%c-s%chttp://%s/x", tool, 0, 0, W_SECRET_IP);
	else if (k % 2 == 0)
		alen = (size_t)snprintf(args, sizeof(args), "%s%c--password%c%s", tool, 0, 0, W_SECRET_ARG);
	else
		alen = (size_t)snprintf(args, sizeof(args), "%s%c-q%c/etc/hosts", tool, 0, 0);
	e->argc = 3;
	str(g, off, offsetof(struct ebr_exec_event, filename), tool, strlen(tool));
	str(g, off, offsetof(struct ebr_exec_event, args), args, alen);
	end(g, off);
	if (k % 5 == 0) { /* a thread: the process stays the same */
		t += 50;
		off = begin(g, sizeof(*f), EBR_T_FORK, t, &c);
		f = ebr_rec__at(&g->recs, off);
		f->child_pid = c.pid;
		f->child_tid = c.pid + 50000;
		f->flags = EBR_FORK_THREAD;
		end(g, off);
	}
	for (unsigned i = 0; i < 4; i++) {
		t += 300 + rnd(g, 300);
		snprintf(name, sizeof(name), "%s/notes-%u.txt", W_SECRET_DIR, (k + i) % 4);
		file_event(g, t, &c, EBR_T_OPEN, EBR_FILE_OP_OPEN, i % 2 ? "/etc/hosts" : name);
		t += 100;
		file_event(g, t, &c, EBR_T_READ, EBR_FILE_OP_READ, i % 2 ? "/etc/hosts" : name);
		t += 100;
		off = begin(g, sizeof(struct ebr_syscall_event), EBR_T_SYSCALL, t, &c);
		((struct ebr_syscall_event *)ebr_rec__at(&g->recs, off))->nr = 0;
		((struct ebr_syscall_event *)ebr_rec__at(&g->recs, off))->args[0] = 0x7fff0000 + k;
		end(g, off);
	}
	if (k % 3 == 1) {
		t += 200;
		off = begin(g, sizeof(*n), EBR_T_CONNECT, t, &c);
		n = ebr_rec__at(&g->recs, off);
		v4(n->saddr, "10.0.0.5");
		v4(n->daddr, k % 2 ? W_SECRET_IP : W_OTHER_IP);
		n->sport = (uint16_t)(40000 + k);
		n->dport = 443;
		n->family = 2;
		n->protocol = 6;
		n->direction = EBR_DIR_OUT;
		n->sock = 0xffff888000000000ULL + k;
		end(g, off);
	}
	t += 500;
	off = begin(g, sizeof(struct ebr_exit_event), EBR_T_EXIT, t, &c);
	((struct ebr_exit_event *)ebr_rec__at(&g->recs, off))->exit_code = (int32_t)(k % 3);
	((struct ebr_exit_event *)ebr_rec__at(&g->recs, off))->start_ns = fork_ts;
	end(g, off);
}

static const struct gen *sort_gen;

static int by_ts(const void *a, const void *b)
{
	const struct ebr_event_header *x = (const void *)(sort_gen->recs.p + *(const size_t *)a);
	const struct ebr_event_header *y = (const void *)(sort_gen->recs.p + *(const size_t *)b);

	return (x->ts > y->ts) - (x->ts < y->ts);
}

void w_build(const char *path, const struct w_opts *o, struct w_capture *out)
{
	struct ebr_writer_opts wo = {
		.sz = sizeof(wo),
		.created_wall_ns = 1700000000000000000ULL,
		.boot_to_wall_ns = o->boot_to_wall_ns ? o->boot_to_wall_ns : 1690000000000000000LL,
		.uuid = o->uuid,
		.host = o->host ? o->host : "world",
		.kernel_release = "6.1.0-world",
		.kernel_version = "#1 SMP",
		.machine = o->machine ? o->machine : "x86_64",
		.ncpus = 4,
		.page_size = 4096,
	};
	unsigned n_children = o->n_children ? o->n_children : 40;
	size_t per = o->per_segment ? o->per_segment : 50;
	uint64_t t0 = (o->ts_start ? o->ts_start : 10000000000ULL) / 1000;
	struct gen g = { .rng = o->seed };
	struct ebr_buf meta = {0}, seg = {0};
	struct who init = { 1, 0, 0, 1, "systemd" }, sshd = { W_SSHD_PID, 1, 0, 2, "sshd" };
	struct who shell = { W_SHELL_PID, W_SSHD_PID, 1000, 3, "zsh" };
	uint64_t drops[EBR_DROP_NR] = {0};
	struct ebr_writer *w;
	void *schema;
	size_t slen;
	static const char note[] = "ebpfrec record -o w.ebc -- /usr/bin/tool --password " W_SECRET_ARG
				   " " W_SECRET_DIR "/data " W_SECRET_IP;
	/* json-c writes '/' as "\/": the redactor must see through that */
	static const char config[] = "{\"families\":[\"process\"],\"output\":"
				     "\"\\/home\\/alice\\/Project-XYZZY\\/w.ebc\",\"peer\":\"" W_SECRET_IP "\"}";

	memset(out, 0, sizeof(*out));
	for (unsigned k = 0; k < n_children; k++)
		child(&g, k, t0 + (uint64_t)k * 1000 + rnd(&g, 500));
	{
		/* at the very end the shell becomes another program: slices before that must not say so */
		size_t off = begin(&g, sizeof(struct ebr_exec_event), EBR_T_EXEC,
				   t0 + (uint64_t)n_children * 1000 + 20000, &shell);

		str(&g, off, offsetof(struct ebr_exec_event, filename), "/usr/bin/zsh", 12);
		str(&g, off, offsetof(struct ebr_exec_event, args), "zsh", 3);
		end(&g, off);
	}
	sort_gen = &g;
	qsort(g.off, g.n, sizeof(*g.off), by_ts);

	w = ebr_writer__open(path, &wo);
	assert_non_null(w);
	assert_int_equal(ebr_schema__serialize(ebr_schema__builtin(), &schema, &slen), 0);
	assert_int_equal(ebr_writer__add_meta(w, EBR_META_SCHEMA, schema, slen), 0);
	free(schema);
	assert_int_equal(ebr_writer__add_meta(w, EBR_META_NOTE, note, strlen(note)), 0);
	assert_int_equal(ebr_writer__add_meta(w, EBR_META_CONFIG, config, strlen(config)), 0);
	proc_info(&meta, &init, t0 * 1000 - 1, "/usr/lib/systemd/systemd", "/sbin/init\0splash", 17,
		  cg_paths[1]);
	proc_info(&meta, &sshd, t0 * 1000 - 1, "/usr/sbin/sshd", "/usr/sbin/sshd\0-D", 17, cg_paths[2]);
	shell.comm = "bash";
	proc_info(&meta, &shell, t0 * 1000 - 1, "/usr/bin/bash",
		  "-bash\0--rcfile\0" W_SECRET_DIR "/.bashrc", 15 + sizeof(W_SECRET_DIR "/.bashrc") - 1,
		  cg_paths[3]);
	assert_int_equal(ebr_writer__add_meta(w, EBR_META_PROCS, meta.p, meta.len), 0);
	meta.len = 0;
	for (unsigned i = 1; i < 5; i++)
		cgroup_info(&meta, i, cg_paths[i]);
	assert_int_equal(ebr_writer__add_meta(w, EBR_META_CGROUPS, meta.p, meta.len), 0);

	for (size_t i = 0; i < g.n; i += per) {
		seg.len = 0;
		for (size_t k = i; k < g.n && k < i + per; k++) {
			const struct ebr_event_header *h = (const void *)(g.recs.p + g.off[k]);

			ebr_buf__put(&seg, h, h->size);
		}
		drops[0] += 1;
		drops[4] += 2;
		assert_int_equal(ebr_writer__add_segment(w, seg.p, seg.len, drops, EBR_DROP_NR), 0);
		out->n_segments++;
	}
	out->n_events = g.n;
	out->t_first = ((const struct ebr_event_header *)(g.recs.p + g.off[0]))->ts;
	out->t_last = ((const struct ebr_event_header *)(g.recs.p + g.off[g.n - 1]))->ts;
	assert_int_equal(ebr_writer__close(w), 0);
	ebr_buf__free(&g.recs);
	ebr_buf__free(&meta);
	ebr_buf__free(&seg);
	free(g.off);
}

size_t w_read(struct ebr_reader *r, uint64_t from, uint64_t to, const uint64_t bitmap[2],
	      int (*keep)(const struct ebr_event_header *, void *), void *ctx, struct ebr_buf *out)
{
	struct ebr_cursor_opts co = { .sz = sizeof(co), .from_ts = from, .to_ts = to };
	const struct ebr_event_header *h;
	struct ebr_cursor *c;
	size_t n = 0;
	int ret;

	if (bitmap)
		memcpy(co.type_bitmap, bitmap, sizeof(co.type_bitmap));
	c = ebr_cursor__open(r, &co);
	assert_non_null(c);
	while ((ret = ebr_cursor__next(c, &h)) > 0) {
		if (keep && !keep(h, ctx))
			continue;
		ebr_buf__put(out, h, h->size);
		n++;
	}
	assert_int_equal(ret, 0);
	assert_int_equal(out->err, 0);
	ebr_cursor__close(c);
	return n;
}

static int append(const struct ebr_event_header *rec, void *ctx)
{
	ebr_buf__put(ctx, rec, rec->size);
	return 0;
}

size_t w_meta_records(struct ebr_reader *r, unsigned kind, struct ebr_buf *out)
{
	size_t n = 0;

	assert_int_equal(ebr_reader__meta_records(r, kind, append, out), 0);
	for (size_t off = 0; off < out->len; n++)
		off += ((const struct ebr_event_header *)(out->p + off))->size;
	return n;
}

int w_contains(const void *buf, size_t len, const void *needle, size_t nlen)
{
	const char *p = buf;

	for (size_t i = 0; nlen <= len && i <= len - nlen; i++)
		if (!memcmp(p + i, needle, nlen))
			return 1;
	return 0;
}

void w_all_bytes(const char *path, struct ebr_buf *out)
{
	FILE *f = fopen(path, "rb");
	char *file;
	long n;
	size_t len, off = 0;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	file = malloc((size_t)n + 1);
	assert_non_null(file);
	assert_int_equal(fread(file, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	len = (size_t)n;
	ebr_buf__put(out, file, len);
	/* walk the blocks as a zstd decoder would, decompressing what is compressed */
	while (off + EBR_BLOCK_PREFIX_SIZE <= len) {
		struct ebr_block_prefix p;
		const char *payload;
		size_t plen;

		memcpy(&p, file + off, sizeof(p));
		assert_int_equal(p.block_magic, EBR_BLOCK_MAGIC);
		payload = file + off + EBR_BLOCK_PREFIX_SIZE;
		plen = p.frame_len - (EBR_BLOCK_PREFIX_SIZE - 8);
		off += 8 + p.frame_len;
		if (p.block_type == EBR_BLOCK_META && (p.flags & EBR_BLOCK_F_ZSTD)) {
			size_t at = out->len;

			ebr_buf__put(out, NULL, p.body_len);
			assert_int_equal(ZSTD_decompress(out->p + at, p.body_len, payload, plen), p.body_len);
		} else if (p.block_type == EBR_BLOCK_SEGMENT) {
			struct ebr_segment_disk s;
			size_t at = out->len;

			memcpy(&s, payload, sizeof(s));
			ebr_buf__put(out, NULL, s.raw_size);
			assert_int_equal(ZSTD_decompress(out->p + at, s.raw_size, file + off, s.comp_size),
					 s.raw_size);
			off += s.comp_size;
		}
	}
	assert_int_equal(off, len);
	assert_int_equal(out->err, 0);
	free(file);
}
