// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "layout.h"
#include "viz_fixture.h"

int vf__open(struct vf *v, const char *path, const char *config)
{
	static const uint8_t uuid[16] = { 0x76, 0x69, 0x7a, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	struct ebr_writer_opts wo = {
		.sz = sizeof(wo),
		.created_wall_ns = (uint64_t)VF_WALL0 + VF_T0 - 1000,
		.boot_to_wall_ns = VF_WALL0,
		.uuid = uuid,
		.host = "viz-host",
		.kernel_release = "6.18.0-test",
		.kernel_version = "#1 SMP PREEMPT_DYNAMIC",
		.machine = "x86_64",
		.ncpus = 4,
	};
	void *schema;
	size_t len;
	int err;

	memset(v, 0, sizeof(*v));
	v->w = ebr_writer__open(path, &wo);
	if (!v->w)
		return -errno;
	err = ebr_schema__serialize(ebr_schema__builtin(), &schema, &len);
	if (!err) {
		err = ebr_writer__add_meta(v->w, EBR_META_SCHEMA, schema, len);
		free(schema);
	}
	if (!err)
		err = ebr_writer__add_meta(v->w, EBR_META_NOTE, "ebpfrec record -o viz.ebc --profile all", 40);
	if (!err && config)
		err = ebr_writer__add_meta(v->w, EBR_META_CONFIG, config, strlen(config) + 1);
	v->err = err;
	return err;
}

static size_t begin(struct ebr_buf *b, size_t size, unsigned type, const struct vf_task *t, uint64_t ts)
{
	size_t off = ebr_rec__begin(b, size);
	struct ebr_event_header *h = ebr_rec__at(b, off);

	if (!h)
		return off;
	h->ts = ts;
	h->type = (uint16_t)type;
	h->cpu = (uint16_t)(t->tid % 4);
	h->pid = t->pid;
	h->tid = t->tid;
	h->ppid = t->ppid;
	h->uid = t->pid < 100 ? 0 : 1000;
	h->gid = h->uid;
	h->pidns = 0xeffffffcU;
	h->cgroup_id = 1;
	h->mntns = 0xeffffff0U;
	strncpy(h->comm, t->comm, sizeof(h->comm) - 1);
	return off;
}

void vf__proc(struct vf *v, const struct vf_task *t, const char *exe)
{
	size_t off = begin(&v->procs, sizeof(struct ebr_proc_info), EBR_T_PROC_INFO, t, VF_T0 - 1000);
	struct ebr_proc_info *e = ebr_rec__at(&v->procs, off);

	if (e)
		e->start_ns = VF_T0 / 2;
	ebr_rec__add_str(&v->procs, off, offsetof(struct ebr_proc_info, exe), exe, strlen(exe));
	ebr_rec__add_str(&v->procs, off, offsetof(struct ebr_proc_info, cmdline), exe, strlen(exe));
	ebr_rec__add_str(&v->procs, off, offsetof(struct ebr_proc_info, cgroup), "/", 1);
	ebr_rec__end(&v->procs, off);
}

void vf__syscall(struct vf *v, const struct vf_task *t, uint64_t ts, uint32_t nr, int64_t ret, uint64_t dur,
		 uint32_t flags)
{
	size_t off = begin(&v->recs, sizeof(struct ebr_syscall_event), EBR_T_SYSCALL, t, ts);
	struct ebr_syscall_event *e = ebr_rec__at(&v->recs, off);

	if (e) {
		e->ret = ret;
		e->duration_ns = dur;
		e->nr = nr;
		e->flags = flags;
		for (int i = 0; i < 6; i++)
			e->args[i] = 0x1000u * (unsigned)i + nr;
		e->args[1] = 0xffff888105689bc0ULL; /* beyond 2^53: must stay exact */
	}
	ebr_rec__end(&v->recs, off);
}

void vf__file(struct vf *v, const struct vf_task *t, unsigned type, uint64_t ts, const char *path, int64_t ret,
	      uint64_t dur, int32_t fd)
{
	size_t off = begin(&v->recs, sizeof(struct ebr_file_event), type, t, ts);
	struct ebr_file_event *e = ebr_rec__at(&v->recs, off);

	if (e) {
		e->ret = ret;
		e->duration_ns = dur;
		e->offset = -1;
		e->count = ret > 0 ? (uint64_t)ret : 4096;
		e->fd = fd;
		e->op = type == EBR_T_OPEN ? EBR_FILE_OP_OPEN : type == EBR_T_READ ? EBR_FILE_OP_READ
				: type == EBR_T_WRITE ? EBR_FILE_OP_WRITE : EBR_FILE_OP_CLOSE;
		e->ftype = 8;
	}
	if (path)
		ebr_rec__add_str(&v->recs, off, offsetof(struct ebr_file_event, filename), path, strlen(path));
	ebr_rec__end(&v->recs, off);
}

static void v4(uint8_t out[16], const char *a)
{
	memset(out, 0, 16);
	out[10] = out[11] = 0xff;
	inet_pton(AF_INET, a, out + 12);
}

void vf__net(struct vf *v, const struct vf_task *t, unsigned type, uint64_t ts, const char *saddr, uint16_t sport,
	     const char *daddr, uint16_t dport, unsigned direction, uint64_t sent, uint64_t received,
	     uint64_t dur, uint64_t sock)
{
	size_t off = begin(&v->recs, sizeof(struct ebr_net_event), type, t, ts);
	struct ebr_net_event *e = ebr_rec__at(&v->recs, off);

	if (e) {
		v4(e->saddr, saddr);
		v4(e->daddr, daddr);
		e->sport = sport;
		e->dport = dport;
		e->family = 2;
		e->protocol = type == EBR_T_UDP_SEND || type == EBR_T_UDP_RECV ? 17 : 6;
		e->direction = direction;
		e->bytes_sent = sent;
		e->bytes_received = received;
		e->duration_ns = dur;
		e->sock = sock;
		e->fd = type == EBR_T_CONNECT || type == EBR_T_ACCEPT ? 3 : -1;
		e->ret = type == EBR_T_ACCEPT ? 4 : 0;
		if (type == EBR_T_TCP_CLOSE) {
			e->old_state = 9;
			e->new_state = 7;
		}
	}
	ebr_rec__end(&v->recs, off);
}

void vf__exec(struct vf *v, const struct vf_task *t, uint64_t ts, const char *filename)
{
	size_t off = begin(&v->recs, sizeof(struct ebr_exec_event), EBR_T_EXEC, t, ts);
	struct ebr_exec_event *e = ebr_rec__at(&v->recs, off);

	if (e) {
		e->old_pid = t->pid;
		e->argc = 1;
	}
	ebr_rec__add_str(&v->recs, off, offsetof(struct ebr_exec_event, filename), filename, strlen(filename));
	ebr_rec__add_str(&v->recs, off, offsetof(struct ebr_exec_event, args), filename, strlen(filename));
	ebr_rec__end(&v->recs, off);
}

void vf__fork(struct vf *v, const struct vf_task *parent, uint64_t ts, uint32_t child_pid, uint32_t child_tid)
{
	size_t off = begin(&v->recs, sizeof(struct ebr_fork_event), EBR_T_FORK, parent, ts);
	struct ebr_fork_event *e = ebr_rec__at(&v->recs, off);

	if (e) {
		e->child_pid = child_pid;
		e->child_tid = child_tid;
		e->flags = child_pid == parent->pid ? EBR_FORK_THREAD : 0;
		e->clone_flags = 0x11;
	}
	ebr_rec__end(&v->recs, off);
}

void vf__exit(struct vf *v, const struct vf_task *t, uint64_t ts, int32_t code, uint32_t sig)
{
	size_t off = begin(&v->recs, sizeof(struct ebr_exit_event), EBR_T_EXIT, t, ts);
	struct ebr_exit_event *e = ebr_rec__at(&v->recs, off);

	if (e) {
		e->exit_code = code;
		e->signal = sig;
		e->start_ns = VF_T0 / 2;
	}
	ebr_rec__end(&v->recs, off);
}

void vf__probe(struct vf *v, const char *name, unsigned family, const char *attach, int err, const char *msg)
{
	static const struct vf_task self = { 0, 0, 0, "ebpfrec" };
	size_t off = begin(&v->probes, sizeof(struct ebr_probe_status), EBR_T_PROBE_STATUS, &self, VF_T0 - 2000);
	struct ebr_probe_status *e = ebr_rec__at(&v->probes, off);

	if (e) {
		e->err = err;
		e->family = family;
		e->attached = err == 0;
	}
	ebr_rec__add_str(&v->probes, off, offsetof(struct ebr_probe_status, name), name, strlen(name));
	ebr_rec__add_str(&v->probes, off, offsetof(struct ebr_probe_status, attach_point), attach, strlen(attach));
	ebr_rec__add_str(&v->probes, off, offsetof(struct ebr_probe_status, message), msg, strlen(msg));
	ebr_rec__end(&v->probes, off);
}

void vf__kmalloc(struct vf *v, const struct vf_task *t, uint64_t ts, uint64_t bytes)
{
	size_t off = begin(&v->recs, sizeof(struct ebr_kmem_event), EBR_T_KMALLOC, t, ts);
	struct ebr_kmem_event *e = ebr_rec__at(&v->recs, off);

	if (e) {
		e->ptr = 0xffff888100000000ULL + ts % 65536 * 64;
		e->call_site = 0xffffffff81234567ULL;
		e->bytes_req = bytes;
		e->bytes_alloc = bytes;
	}
	ebr_rec__end(&v->recs, off);
}

void vf__segment(struct vf *v, const uint64_t *drops)
{
	uint64_t none[EBR_DROP_REASONS] = { 0 };

	if (v->err)
		return;
	if (v->recs.err) {
		v->err = v->recs.err;
		return;
	}
	v->err = ebr_writer__add_segment(v->w, v->recs.p, v->recs.len, drops ? drops : none, EBR_DROP_REASONS);
	v->recs.len = 0;
}

int vf__close(struct vf *v)
{
	int err;

	if (v->recs.len)
		vf__segment(v, NULL);
	if (!v->err && v->procs.err)
		v->err = v->procs.err;
	if (!v->err && v->procs.len)
		v->err = ebr_writer__add_meta(v->w, EBR_META_PROCS, v->procs.p, v->procs.len);
	if (!v->err && v->probes.err)
		v->err = v->probes.err;
	if (!v->err && v->probes.len)
		v->err = ebr_writer__add_meta(v->w, EBR_META_PROBES, v->probes.p, v->probes.len);
	err = v->err;
	if (err)
		ebr_writer__abandon(v->w);
	else
		err = ebr_writer__close(v->w);
	ebr_buf__free(&v->recs);
	ebr_buf__free(&v->procs);
	ebr_buf__free(&v->probes);
	v->w = NULL;
	return err;
}

/* ------------------------------------------------------------------ demo */

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* roughly log-uniform between lo and hi: latencies spread over many log2 buckets */
static uint64_t logrand(struct rng *r, uint64_t lo, uint64_t hi)
{
	unsigned bits_lo = 64 - (unsigned)__builtin_clzll(lo), bits_hi = 64 - (unsigned)__builtin_clzll(hi);
	unsigned b = bits_lo + (unsigned)(rnd(r) % (bits_hi - bits_lo + 1));
	uint64_t base = 1ULL << (b - 1);

	return base + rnd(r) % base;
}

static const struct vf_task demo_tasks[] = {
	{ 1, 1, 0, "systemd" },
	{ 412, 412, 1, "sshd" },
	{ 907, 907, 1, "nginx" },
	{ 908, 908, 907, "nginx" },
	{ 1201, 1201, 1, "postgres" },
	{ 1202, 1202, 1201, "postgres" },
	{ 2300, 2300, 412, "bash" },
	{ 2301, 2301, 2300, "make" },
	{ 2302, 2302, 2301, "cc1" },
	{ 2400, 2400, 1, "python3" },
	{ 2400, 2401, 1, "python3" },
	{ 3000, 3000, 1, "curl" },
};
#define N_TASKS (sizeof(demo_tasks) / sizeof(demo_tasks[0]))

/* x86_64 numbers: read write openat close futex epoll_wait sendto recvfrom fstat mmap */
static const uint32_t demo_nrs[] = { 0, 1, 257, 3, 202, 232, 44, 45, 5, 9 };
static const char *const demo_files[] = {
	"/var/lib/postgresql/15/main/base/16384/2619", "/var/log/nginx/access.log",
	"/usr/lib/x86_64-linux-gnu/libc.so.6", "/home/dev/src/main.c", "/tmp/cc8Xk2a.s",
	"/etc/ld.so.cache", "/srv/www/index.html",
};
static const char *const demo_peers[] = { "10.0.0.5", "10.0.0.7", "192.168.1.20", "93.184.216.34" };
static const uint16_t demo_ports[] = { 5432, 443, 8080, 80 };

int vf__demo(const char *path, uint64_t seed)
{
	struct rng r = { seed };
	uint64_t drops[EBR_DROP_REASONS] = { 0 };
	uint64_t ts = VF_T0, sock = 0xffff888100000000ULL;
	uint64_t busy_until[N_TASKS] = { 0 };
	struct vf v;
	int err = vf__open(&v, path,
			   "{\"families\":[\"process\",\"syscall\",\"network\",\"memory\",\"file\"],"
			   "\"rate_limits\":{\"memory\":10000},\"redact\":{\"args\":true,\"env\":true}}");

	if (err)
		return err;
	for (size_t i = 0; i < N_TASKS; i++)
		if (demo_tasks[i].pid == demo_tasks[i].tid && demo_tasks[i].pid < 3000)
			vf__proc(&v, &demo_tasks[i], "/usr/bin/demo");
	vf__probe(&v, "handle_exec", EBR_FAM_PROCESS, "raw_tp/sched_process_exec", 0, "");
	vf__probe(&v, "sys_enter", EBR_FAM_SYSCALL, "raw_tp/sys_enter", 0, "");
	vf__probe(&v, "sys_exit", EBR_FAM_SYSCALL, "raw_tp/sys_exit", 0, "");
	vf__probe(&v, "inet_sock_set_state", EBR_FAM_NETWORK, "raw_tp/inet_sock_set_state", 0, "");
	vf__probe(&v, "kmalloc_node", EBR_FAM_MEMORY, "raw_tp/kmalloc", 0, "");
	vf__probe(&v, "tcp_retransmit_skb", EBR_FAM_NETWORK, "raw_tp/tcp_retransmit_skb", -2,
		  "tracepoint not found in this kernel");
	for (unsigned sec = 0; sec < 6; sec++) {
		/* busier in the middle, and a burst the ring buffer could not hold */
		unsigned n = 2000 + 1500 * (sec == 2 || sec == 3) + (unsigned)(rnd(&r) % 500);

		for (unsigned i = 0; i < n; i++) {
			size_t k = (size_t)(rnd(&r) % N_TASKS);
			const struct vf_task *t = &demo_tasks[k];
			uint32_t nr = demo_nrs[rnd(&r) % (sizeof(demo_nrs) / sizeof(demo_nrs[0]))];
			unsigned tier = (unsigned)(rnd(&r) % 100);
			/* most calls are quick, a few wait: a long tail, as on a real machine */
			uint64_t dur = nr == 202 || nr == 232
					       ? (tier < 50 ? logrand(&r, 2000, 50000) : logrand(&r, 1000000, 50000000))
					       : (tier < 70 ? logrand(&r, 300, 3000)
						  : tier < 95 ? logrand(&r, 3000, 100000) : logrand(&r, 100000, 5000000));
			uint64_t start;

			ts += 1000000000ULL / n;
			/* a thread runs one call at a time: start after its previous one ended */
			start = ts > busy_until[k] ? ts : busy_until[k] + 100;
			if (start + dur >= VF_T0 + (sec + 1) * 1000000000ULL)
				continue;
			busy_until[k] = start + dur;
			vf__syscall(&v, t, start + dur, nr, rnd(&r) % 23 ? (int64_t)(rnd(&r) % 4096) : -11, dur, 0);
			if (nr == 0 || nr == 1) {
				const char *f = demo_files[rnd(&r) % (sizeof(demo_files) / sizeof(demo_files[0]))];

				vf__file(&v, t, nr ? EBR_T_WRITE : EBR_T_READ, start + dur, f,
					 (int64_t)logrand(&r, 64, 1 << 20), dur, 5);
			}
			if (rnd(&r) % 4 == 0)
				vf__kmalloc(&v, t, ts, 64ULL << (rnd(&r) % 6));
			if (rnd(&r) % 150 == 0) {
				unsigned p = (unsigned)(rnd(&r) % 4);
				uint64_t life = logrand(&r, 100000, 300000000);
				uint64_t cstart = busy_until[k] + 100, cdur = 30000;
				uint64_t sec_end = VF_T0 + (sec + 1) * 1000000000ULL;

				/* every record of a segment stays inside its second */
				if (cstart + cdur + 1000 >= sec_end)
					continue;
				if (cstart + cdur + life >= sec_end)
					life = sec_end - 1 - cstart - cdur;
				sock += 0x400;
				busy_until[k] = cstart + cdur;
				vf__syscall(&v, t, cstart + cdur, 42, 0, cdur, 0);
				vf__net(&v, t, EBR_T_CONNECT, cstart + cdur, "10.0.0.2", (uint16_t)(40000 + i % 20000),
					demo_peers[p], demo_ports[p], EBR_DIR_OUT, 0, 0, cdur, sock);
				vf__net(&v, t, EBR_T_TCP_CLOSE, cstart + cdur + life, "10.0.0.2",
					(uint16_t)(40000 + i % 20000), demo_peers[p], demo_ports[p], EBR_DIR_OUT,
					logrand(&r, 100, 100000), logrand(&r, 1000, 5000000), life, sock);
			}
		}
		if (sec == 1)
			vf__exec(&v, &demo_tasks[11], ts, "/usr/bin/curl");
		if (sec == 4) {
			vf__fork(&v, &demo_tasks[7], ts, 2303, 2303);
			vf__exit(&v, &demo_tasks[8], ts + 1000, 1, 0);
		}
		if (sec == 2 || sec == 3) {
			drops[EBR_DROP_RINGBUF_FULL] += 300 + 200 * sec;
			drops[EBR_DROP_RATE_LIMITED] += 1200;
		}
		vf__segment(&v, drops);
	}
	return vf__close(&v);
}
