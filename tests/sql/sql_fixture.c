// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebpfrec/capture.h"
#include "ebpfrec/record_builder.h"
#include "layout.h"
#include "schema_internal.h"
#include "sql_fixture.h"

/* A made-up type of the custom family, with one field of every kind the SQL layer maps. */
struct widget_event {
	struct ebr_event_header hdr;
	uint32_t count;
	int32_t ret;
	int64_t delta;
	uint64_t big;
	uint32_t sig;
	uint32_t flag;
	uint8_t addr[16];
	struct ebr_vstr name;
	struct ebr_vstr tags;
	struct ebr_vstr blob;
	uint32_t pad;
};

/* A network-family type as a later ebpfrec might define it. */
struct connect_event {
	struct ebr_event_header hdr;
	uint8_t saddr[16];
	uint8_t daddr[16];
	uint16_t sport;
	uint16_t dport;
	int32_t ret;
};

#define F(T, m, name, kind, hint) { name, kind, hint, offsetof(T, m), sizeof(((T *)0)->m) }
#define H(m, name, kind, hint) F(struct ebr_event_header, m, name, kind, hint)
#define COMMON                                                                    \
	H(ts, "ts", EBR_FK_U64, EBR_FH_TS), H(size, "size", EBR_FK_U32, EBR_FH_HIDDEN), \
	H(type, "type", EBR_FK_U16, EBR_FH_TYPE), H(cpu, "cpu", EBR_FK_U16, 0),         \
	H(pid, "pid", EBR_FK_U32, 0), H(tid, "tid", EBR_FK_U32, 0),                     \
	H(ppid, "ppid", EBR_FK_U32, 0), H(uid, "uid", EBR_FK_U32, 0),                   \
	H(gid, "gid", EBR_FK_U32, 0), H(pidns, "pidns", EBR_FK_U32, 0),                 \
	H(cgroup_id, "cgroup", EBR_FK_U64, 0), H(mntns, "mntns", EBR_FK_U32, 0),        \
	H(flags, "hdr_flags", EBR_FK_U32, EBR_FH_HIDDEN), H(comm, "comm", EBR_FK_CHARS, 0)

static const struct ebr_field widget_fields[] = {
	COMMON,
	F(struct widget_event, count, "count", EBR_FK_U32, EBR_FH_NONE),
	F(struct widget_event, ret, "ret", EBR_FK_S32, EBR_FH_ERRNO),
	F(struct widget_event, delta, "delta", EBR_FK_S64, EBR_FH_NONE),
	F(struct widget_event, big, "big", EBR_FK_U64, EBR_FH_HEX),
	F(struct widget_event, sig, "sig", EBR_FK_U32, EBR_FH_SIGNAL),
	F(struct widget_event, flag, "flag", EBR_FK_U32, EBR_FH_BOOL),
	F(struct widget_event, addr, "addr", EBR_FK_IPADDR, EBR_FH_NONE),
	F(struct widget_event, name, "name", EBR_FK_VSTR, EBR_FH_NONE),
	F(struct widget_event, tags, "tags", EBR_FK_VSTRLIST, EBR_FH_NONE),
	F(struct widget_event, blob, "blob", EBR_FK_VBYTES, EBR_FH_NONE),
	F(struct widget_event, pad, "pad", EBR_FK_U32, EBR_FH_HIDDEN),
};

static const struct ebr_field connect_fields[] = {
	COMMON,
	F(struct connect_event, saddr, "saddr", EBR_FK_IPADDR, EBR_FH_NONE),
	F(struct connect_event, daddr, "daddr", EBR_FK_IPADDR, EBR_FH_NONE),
	F(struct connect_event, sport, "sport", EBR_FK_U16, EBR_FH_PORT),
	F(struct connect_event, dport, "dport", EBR_FK_U16, EBR_FH_PORT),
	F(struct connect_event, ret, "ret", EBR_FK_S32, EBR_FH_ERRNO),
};

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void header(struct ebr_event_header *h, uint16_t type, uint64_t ts, uint32_t pid, uint32_t *rs)
{
	static const char *const comms[] = { "bash", "make", "cc1", "sshd", "python3", "a b\"c,d" };

	h->ts = ts;
	h->type = type;
	h->cpu = (uint16_t)(rnd(rs) % 4);
	h->pid = pid;
	h->tid = pid + (rnd(rs) % 3 == 0 ? 1 : 0);
	h->ppid = pid > 10 ? pid / 2 : 1;
	h->uid = rnd(rs) % 2 ? 1000 : 0;
	h->gid = h->uid;
	h->pidns = 4026531836u;
	h->mntns = 4026531841u;
	h->cgroup_id = 1000 + pid % 3;
	snprintf(h->comm, sizeof(h->comm), "%s", comms[pid % 6]);
}

static int add_schema(struct ebr_writer *w, int custom)
{
	const struct ebr_schema *b = ebr_schema__builtin();
	struct ebr_schema s = {0};
	struct ebr_type *types;
	void *buf;
	size_t len, n = 0;
	int err;

	types = calloc(ebr_schema__type_count(b) + 2, sizeof(*types));
	if (!types)
		return -ENOMEM;
	for (size_t i = 0; i < ebr_schema__type_count(b); i++)
		types[n++] = *ebr_schema__type_at(b, i);
	if (custom) {
		types[n++] = (struct ebr_type){ .name = "connect", .family_name = "network",
						.id = FIX_CONNECT_ID, .family = EBR_FAM_NETWORK,
						.fixed_size = sizeof(struct connect_event),
						.n_fields = sizeof(connect_fields) / sizeof(connect_fields[0]),
						.fields = connect_fields };
		types[n++] = (struct ebr_type){ .name = "widget", .family_name = "custom",
						.id = FIX_WIDGET_ID, .family = EBR_FAM_CUSTOM,
						.fixed_size = sizeof(struct widget_event),
						.n_fields = sizeof(widget_fields) / sizeof(widget_fields[0]),
						.fields = widget_fields };
	}
	s.n_types = n;
	s.types = types;
	err = ebr_schema__serialize(&s, &buf, &len);
	free(types);
	if (err)
		return err;
	err = ebr_writer__add_meta(w, EBR_META_SCHEMA, buf, len);
	free(buf);
	return err;
}

static void add_proc(struct ebr_buf *b, uint32_t pid, uint32_t ppid, const char *comm, const char *exe,
		     const char *cmdline, size_t cmdline_len, const char *cg, uint64_t ts)
{
	size_t off = ebr_rec__begin(b, sizeof(struct ebr_proc_info));
	struct ebr_proc_info *p = ebr_rec__at(b, off);

	p->hdr.ts = ts;
	p->hdr.type = EBR_T_PROC_INFO;
	p->hdr.pid = p->hdr.tid = pid;
	p->hdr.ppid = ppid;
	p->hdr.cgroup_id = 1000 + pid % 3;
	snprintf(p->hdr.comm, sizeof(p->hdr.comm), "%s", comm);
	p->start_ns = ts / 2 + pid;
	p->flags = pid == 2 ? EBR_PROC_KTHREAD : 0;
	ebr_rec__add_str(b, off, offsetof(struct ebr_proc_info, exe), exe, strlen(exe));
	ebr_rec__add_str(b, off, offsetof(struct ebr_proc_info, cmdline), cmdline, cmdline_len);
	ebr_rec__add_str(b, off, offsetof(struct ebr_proc_info, cgroup), cg, strlen(cg));
	ebr_rec__end(b, off);
}

static void add_probe(struct ebr_buf *b, const char *name, const char *ap, int attached, int err,
		      const char *msg)
{
	size_t off = ebr_rec__begin(b, sizeof(struct ebr_probe_status));
	struct ebr_probe_status *p = ebr_rec__at(b, off);

	p->hdr.type = EBR_T_PROBE_STATUS;
	p->err = err;
	p->family = EBR_FAM_PROCESS;
	p->attached = (uint32_t)attached;
	ebr_rec__add_str(b, off, offsetof(struct ebr_probe_status, name), name, strlen(name));
	ebr_rec__add_str(b, off, offsetof(struct ebr_probe_status, attach_point), ap, strlen(ap));
	ebr_rec__add_str(b, off, offsetof(struct ebr_probe_status, message), msg, strlen(msg));
	ebr_rec__end(b, off);
}

static int add_meta(struct ebr_writer *w, const struct fixture_opts *o, struct fixture_truth *t)
{
	struct ebr_buf b = {0};
	int err;

	add_proc(&b, 1, 0, "systemd", "/usr/lib/systemd/systemd", "/sbin/init\0splash", 17,
		 "/init.scope", o->t0);
	add_proc(&b, 2, 0, "kthreadd", "", "", 0, "/", o->t0);
	add_proc(&b, 100, 1, "bash", "/usr/bin/bash", "-bash", 5, "/user.slice/session-1.scope", o->t0);
	add_proc(&b, 101, 100, "sleep", "/usr/bin/sleep", "sleep\0" "100", 9,
		 "/system.slice/docker-0123abcd.scope", o->t0);
	t->n_snapshot = 4;
	err = b.err ? b.err : ebr_writer__add_meta(w, EBR_META_PROCS, b.p, b.len);
	ebr_buf__free(&b);
	if (err)
		return err;
	/* the cgroup table of a tree that records one: cgroup 1000 is a docker container */
	static const struct {
		uint64_t id;
		const char *path, *container, *runtime, *unit;
	} cgs[] = {
		{ 1000, "/system.slice/docker-" FIX_CONTAINER ".scope", FIX_CONTAINER, "docker",
		  "docker-" FIX_CONTAINER ".scope" },
		{ 1001, "/user.slice/session-1.scope", "", "", "session-1.scope" },
	};

	for (size_t i = 0; i < sizeof(cgs) / sizeof(cgs[0]); i++) {
		size_t off = ebr_rec__begin(&b, sizeof(struct ebr_cgroup_info));
		struct ebr_cgroup_info *c = ebr_rec__at(&b, off);

		c->hdr.type = EBR_T_CGROUP_INFO;
		c->hdr.cgroup_id = cgs[i].id;
		ebr_rec__add_str(&b, off, offsetof(struct ebr_cgroup_info, path), cgs[i].path, strlen(cgs[i].path));
		ebr_rec__add_str(&b, off, offsetof(struct ebr_cgroup_info, container_id), cgs[i].container,
				 strlen(cgs[i].container));
		ebr_rec__add_str(&b, off, offsetof(struct ebr_cgroup_info, runtime), cgs[i].runtime,
				 strlen(cgs[i].runtime));
		ebr_rec__add_str(&b, off, offsetof(struct ebr_cgroup_info, unit), cgs[i].unit, strlen(cgs[i].unit));
		ebr_rec__end(&b, off);
	}
	err = b.err ? b.err : ebr_writer__add_meta(w, EBR_META_CGROUPS, b.p, b.len);
	ebr_buf__free(&b);
	if (err)
		return err;
	add_probe(&b, "handle_exec", "sched/sched_process_exec", 1, 0, "");
	add_probe(&b, "handle_oom", "oom/mark_victim", 0, -ENOENT, "tracepoint not found");
	err = b.err ? b.err : ebr_writer__add_meta(w, EBR_META_PROBES, b.p, b.len);
	ebr_buf__free(&b);
	if (!err)
		err = ebr_writer__add_meta(w, EBR_META_CONFIG, "{\"families\":[\"process\"]}", 24);
	if (!err)
		err = ebr_writer__add_meta(w, EBR_META_NOTE, "ebpfrec record -o fixture.ebc", 29);
	return err;
}

static void add_exec(struct ebr_buf *b, uint64_t ts, uint32_t pid, uint32_t *rs, struct fixture_truth *t)
{
	static const char *const files[] = { "/usr/bin/ls", "/usr/bin/make", "/usr/lib/gcc/cc1",
					     "/bin/sh", "/usr/bin/caf\xc3\xa9", "/tmp/we\"ird,\nname" };
	size_t off = ebr_rec__begin(b, sizeof(struct ebr_exec_event));
	struct ebr_exec_event *e = ebr_rec__at(b, off);
	const char *f = files[rnd(rs) % 6];
	char args[64];
	int n = snprintf(args, sizeof(args), "%s%c-l%c%u", f, 0, 0, pid);

	header(&e->hdr, EBR_T_EXEC, ts, pid, rs);
	e->old_pid = pid;
	e->argc = 3;
	if (rnd(rs) % 7 == 0)
		e->hdr.flags |= EBR_HDR_TRUNCATED;
	ebr_rec__add_str(b, off, offsetof(struct ebr_exec_event, filename), f, strlen(f));
	ebr_rec__add_str(b, off, offsetof(struct ebr_exec_event, args), args, (size_t)n);
	ebr_rec__end(b, off);
	t->argc_sum += 3;
	t->filename_len_sum += strlen(f);
}

static void add_fork(struct ebr_buf *b, uint64_t ts, uint32_t pid, uint32_t child, uint32_t *rs,
		     struct fixture_truth *t)
{
	size_t off = ebr_rec__begin(b, sizeof(struct ebr_fork_event));
	struct ebr_fork_event *e = ebr_rec__at(b, off);

	header(&e->hdr, EBR_T_FORK, ts, pid, rs);
	e->child_pid = child;
	e->child_tid = child;
	if (rnd(rs) % 5 == 0) {
		e->flags = EBR_FORK_THREAD;
		e->child_pid = pid;
		t->fork_threads++;
	}
	e->clone_flags = 0x1200011;
	ebr_rec__end(b, off);
}

static void add_exit(struct ebr_buf *b, uint64_t ts, uint32_t pid, uint32_t *rs, struct fixture_truth *t)
{
	size_t off = ebr_rec__begin(b, sizeof(struct ebr_exit_event));
	struct ebr_exit_event *e = ebr_rec__at(b, off);
	uint32_t r = rnd(rs) % 10;

	header(&e->hdr, EBR_T_EXIT, ts, pid, rs);
	if (r < 6) {
		e->exit_code = (int32_t)(r % 3);
	} else {
		e->signal = r == 9 ? 11 : 9;
		e->core_dumped = r == 9;
		t->signal_exits++;
		t->core_dumps += r == 9;
	}
	e->raw_status = (uint32_t)e->exit_code << 8 | e->signal | (e->core_dumped ? 0x80 : 0);
	e->start_ns = ts > 5000 ? ts - 5000 : 0;
	ebr_rec__end(b, off);
	t->exit_code_sum += e->exit_code;
}

static void add_widget(struct ebr_buf *b, uint64_t ts, uint32_t pid, uint32_t *rs, struct fixture_truth *t)
{
	size_t off = ebr_rec__begin(b, sizeof(struct widget_event));
	struct widget_event *e = ebr_rec__at(b, off);
	static const uint8_t v4[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	char tags[] = "red\0green";

	header(&e->hdr, FIX_WIDGET_ID, ts, pid, rs);
	e->count = rnd(rs) % 1000;
	e->ret = rnd(rs) % 4 == 0 ? -13 : 0;
	e->delta = (int64_t)(rnd(rs) % 2000) - 1000;
	e->big = 0xffffffff00000000ULL | pid;
	e->sig = e->ret ? 6 : 0;
	e->flag = 7;
	memcpy(e->addr, pid % 2 ? v4 : v6, 16);
	/* adding strings may move the buffer: e is not used after this */
	t->widget_delta_sum += e->delta;
	t->widget_count_sum += e->count;
	ebr_rec__add_str(b, off, offsetof(struct widget_event, name), "w\xff", 2);
	ebr_rec__add_str(b, off, offsetof(struct widget_event, tags), tags, sizeof(tags) - 1);
	ebr_rec__add_str(b, off, offsetof(struct widget_event, blob), "\x01\x00\x02", 3);
	ebr_rec__end(b, off);
}

static void add_connect(struct ebr_buf *b, uint64_t ts, uint32_t pid, uint32_t *rs,
			struct fixture_truth *t)
{
	size_t off = ebr_rec__begin(b, sizeof(struct connect_event));
	struct connect_event *e = ebr_rec__at(b, off);
	static const uint8_t lo[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1 };

	header(&e->hdr, FIX_CONNECT_ID, ts, pid, rs);
	memcpy(e->saddr, lo, 16);
	memcpy(e->daddr, lo, 16);
	e->sport = (uint16_t)(40000 + rnd(rs) % 1000);
	e->dport = rnd(rs) % 2 ? 443 : 80;
	e->ret = rnd(rs) % 3 == 0 ? -111 : 0;
	ebr_rec__end(b, off);
	t->connect_dport_sum += e->dport;
}

/* Records at offsets in b, put out of time order (but kept 8-byte aligned). */
static void shuffle_records(struct ebr_buf *b, uint32_t *rs)
{
	size_t n = 0, off = 0;
	size_t *offs;
	char *out;

	while (off < b->len) {
		n++;
		off += ((struct ebr_event_header *)(b->p + off))->size;
	}
	offs = malloc(n * sizeof(*offs));
	out = malloc(b->len);
	if (!offs || !out) {
		free(offs);
		free(out);
		return;
	}
	off = 0;
	for (size_t i = 0; i < n; i++) {
		offs[i] = off;
		off += ((struct ebr_event_header *)(b->p + off))->size;
	}
	for (size_t i = n; i > 1; i--) {
		size_t j = rnd(rs) % i, tmp = offs[i - 1];

		offs[i - 1] = offs[j];
		offs[j] = tmp;
	}
	off = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t sz = ((struct ebr_event_header *)(b->p + offs[i]))->size;

		memcpy(out + off, b->p + offs[i], sz);
		off += sz;
	}
	memcpy(b->p, out, b->len);
	free(out);
	free(offs);
}

int fixture_write(const char *path, const struct fixture_opts *o, struct fixture_truth *t)
{
	struct ebr_writer_opts wo = { .sz = sizeof(wo), .force = 1, .host = o->host,
				      .kernel_release = "6.1.0-test", .kernel_version = "#1 SMP test",
				      .machine = "x86_64", .ncpus = 4,
				      .created_wall_ns = (uint64_t)((int64_t)o->t0 + o->boot_to_wall_ns),
				      .boot_to_wall_ns = o->boot_to_wall_ns };
	uint8_t uuid[16];
	uint32_t rs = o->seed ? o->seed : 1;
	uint64_t ts = o->t0, drops[EBR_DROP_NR] = {0};
	uint64_t dbt[EBR_DROP_NR * EBR_DROP_TYPE_SLOTS] = {0};
	uint32_t next_pid = 1000;
	struct ebr_writer *w;
	struct ebr_buf b = {0};
	int err;

	memset(t, 0, sizeof(*t));
	memset(uuid, o->uuid_byte, sizeof(uuid));
	wo.uuid = uuid;
	w = ebr_writer__open(path, &wo);
	if (!w)
		return -errno;
	err = add_schema(w, o->custom_schema);
	if (!err)
		err = add_meta(w, o, t);
	for (unsigned s = 0; !err && s < o->n_segments; s++) {
		b.len = 0;
		for (unsigned i = 0; i < o->per_segment; i++) {
			uint32_t kind = rnd(&rs) % (o->custom_schema ? 5 : 3);
			uint32_t pid = 1000 + rnd(&rs) % (next_pid - 999);
			uint16_t type;

			ts += 1 + rnd(&rs) % 1000;
			switch (kind) {
			case 0:
				add_fork(&b, ts, pid, ++next_pid, &rs, t);
				type = EBR_T_FORK;
				break;
			case 1:
				add_exec(&b, ts, pid, &rs, t);
				type = EBR_T_EXEC;
				break;
			case 2:
				add_exit(&b, ts, pid, &rs, t);
				type = EBR_T_EXIT;
				break;
			case 3:
				add_widget(&b, ts, pid, &rs, t);
				type = FIX_WIDGET_ID;
				break;
			default:
				add_connect(&b, ts, pid, &rs, t);
				type = FIX_CONNECT_ID;
				break;
			}
			if (!t->t_first)
				t->t_first = ts;
			t->t_last = ts;
			t->count[type]++;
			t->pid_sum[type] += pid;
			t->n_events++;
		}
		if (b.err) {
			err = b.err;
			break;
		}
		if (o->shuffle)
			shuffle_records(&b, &rs);
		/* drops now and then: lost in the ring buffer, rate limited */
		if (s % 3 == 1) {
			drops[EBR_DROP_RINGBUF_FULL] += 5 + s;
			drops[EBR_DROP_RATE_LIMITED] += 2;
			dbt[EBR_DROP_RINGBUF_FULL * EBR_DROP_TYPE_SLOTS + EBR_T_FORK] += 5 + s;
			dbt[EBR_DROP_RATE_LIMITED * EBR_DROP_TYPE_SLOTS + EBR_T_EXEC] += 2;
		}
		err = ebr_writer__add_segment(w, b.p, b.len, drops, EBR_DROP_NR);
	}
	memcpy(t->drops_total, drops, sizeof(drops));
	ebr_buf__free(&b);
	if (err) {
		ebr_writer__abandon(w);
		return err;
	}
	ebr_writer__set_drops_by_type(w, dbt, EBR_DROP_NR, EBR_DROP_TYPE_SLOTS);
	return ebr_writer__close(w);
}
