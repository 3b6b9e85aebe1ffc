// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Golden captures (tests/data/): files written by released format versions
 * must stay readable, with exactly the values they hold.
 *
 *   v1.0-process.ebc    a real recording of the process family (ebpfrec 0.1.0):
 *                       sh -c '/nonexistent 2>/dev/null; /bin/true; /bin/echo golden >/dev/null; exit 3'
 *   v1.0-synthetic.ebc  one record of every event type, every metadata kind, and
 *                       a merge's source ids; written by `test_golden --write DIR`
 *                       from the records built below, which this test compares
 *                       with the file byte for byte.
 *
 * A new format version adds files; existing ones are never rewritten.
 */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "ebpfrec/capture.h"
#include "ebpfrec/merge.h"
#include "ebpfrec/redact.h"
#include "ebpfrec/repair.h"
#include "ebpfrec/slice.h"
#include "ebpfrec/record_builder.h"
#include "ebpfrec/schema.h"
#include "events.h"
#include "internal.h"
#include "layout.h"

#ifndef EBR_TEST_DATA
#error "EBR_TEST_DATA must name tests/data"
#endif

static const uint8_t syn_uuid[16] = { 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x47, 0x80,
				      0x90, 0xa0, 0xb0, 0xc0, 0xd0, 0xe0, 0xf0, 0x01 };
static const char syn_note[] = "ebpfrec record -o golden.ebc --profile all";
static const char syn_config[] = "{\"families\":[\"process\",\"syscall\",\"network\",\"memory\",\"file\"]}";
static const char syn_derived[] = "{\"op\":\"merge\",\"tool\":\"0.1.0\",\"sources\":[],\"records\":22}";

/* ------------------------------------------------------- the synthetic file */

static size_t rec(struct ebr_buf *b, size_t size, unsigned type, unsigned i)
{
	size_t off = ebr_rec__begin(b, size);
	struct ebr_event_header *h = ebr_rec__at(b, off);

	h->ts = 5000000000ULL + i * 1000;
	h->type = (uint16_t)type;
	h->cpu = (uint16_t)(i % 2);
	h->pid = 300 + i;
	h->tid = 300 + i;
	h->ppid = 1;
	h->uid = i % 2 ? 1000 : 0;
	h->gid = h->uid;
	h->pidns = 4026531836U;
	h->cgroup_id = 7 + i % 2;
	h->mntns = 4026531840U;
	h->flags = (1u + i % 2) << EBR_HDR_SOURCE_SHIFT; /* sources 1 and 2 alternate */
	snprintf(h->comm, sizeof(h->comm), "proc-%u", i);
	return off;
}

static void ip4(uint8_t a[16], uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
	memset(a, 0, 16);
	a[10] = a[11] = 0xff;
	a[12] = x, a[13] = y, a[14] = z, a[15] = w;
}

#define ADD_STR(b, off, T, m, s) ebr_rec__add_str(b, off, offsetof(T, m), s, sizeof(s) - 1)
#define AT(T, b, off) ((T *)ebr_rec__at(b, off))

static void syn_events(struct ebr_buf *b)
{
	static const unsigned net[] = { EBR_T_CONNECT, EBR_T_ACCEPT, EBR_T_TCP_STATE, EBR_T_TCP_CLOSE,
					EBR_T_TCP_RETRANSMIT, EBR_T_UDP_SEND, EBR_T_UDP_RECV };
	static const unsigned mm[] = { EBR_T_MMAP, EBR_T_MUNMAP, EBR_T_BRK };
	static const unsigned file[] = { EBR_T_OPEN, EBR_T_READ, EBR_T_WRITE, EBR_T_CLOSE };
	unsigned i = 0;
	size_t off;

	off = rec(b, sizeof(struct ebr_exec_event), EBR_T_EXEC, i++);
	AT(struct ebr_exec_event, b, off)->argc = 2;
	AT(struct ebr_exec_event, b, off)->old_pid = 300;
	ADD_STR(b, off, struct ebr_exec_event, filename, "/usr/bin/ls");
	ADD_STR(b, off, struct ebr_exec_event, args, "ls\0-l");
	ebr_rec__end(b, off);
	off = rec(b, sizeof(struct ebr_fork_event), EBR_T_FORK, i++);
	AT(struct ebr_fork_event, b, off)->child_pid = 400;
	AT(struct ebr_fork_event, b, off)->child_tid = 401;
	AT(struct ebr_fork_event, b, off)->flags = EBR_FORK_THREAD;
	AT(struct ebr_fork_event, b, off)->clone_flags = 0x3d0f00;
	ebr_rec__end(b, off);
	off = rec(b, sizeof(struct ebr_exit_event), EBR_T_EXIT, i++);
	AT(struct ebr_exit_event, b, off)->exit_code = 0;
	AT(struct ebr_exit_event, b, off)->signal = 9;
	AT(struct ebr_exit_event, b, off)->raw_status = 9;
	AT(struct ebr_exit_event, b, off)->start_ns = 4000000000ULL;
	ebr_rec__end(b, off);
	off = rec(b, sizeof(struct ebr_syscall_event), EBR_T_SYSCALL, i++);
	AT(struct ebr_syscall_event, b, off)->ret = -11;
	AT(struct ebr_syscall_event, b, off)->duration_ns = 1234;
	for (unsigned k = 0; k < 6; k++)
		AT(struct ebr_syscall_event, b, off)->args[k] = 0x1000 + k;
	AT(struct ebr_syscall_event, b, off)->nr = 202;
	AT(struct ebr_syscall_event, b, off)->flags = EBR_SYSCALL_UNPAIRED;
	ebr_rec__end(b, off);
	for (unsigned k = 0; k < sizeof(net) / sizeof(net[0]); k++) {
		struct ebr_net_event *n;

		off = rec(b, sizeof(*n), net[k], i++);
		n = ebr_rec__at(b, off);
		ip4(n->saddr, 192, 0, 2, 1);
		ip4(n->daddr, 198, 51, 100, (uint8_t)(10 + k));
		n->sport = (uint16_t)(50000 + k);
		n->dport = 443;
		n->family = 2;
		n->protocol = k >= 5 ? 17 : 6;
		n->ret = (int32_t)k;
		n->direction = k % 2 ? EBR_DIR_IN : EBR_DIR_OUT;
		n->old_state = 2;
		n->new_state = 1;
		n->bytes_sent = 100 * k;
		n->bytes_received = 200 * k;
		n->retransmits = k;
		n->fd = 5;
		n->duration_ns = 777;
		n->sock = 0xffff888812345600ULL + k;
		ebr_rec__end(b, off);
	}
	for (unsigned k = 0; k < 2; k++) {
		off = rec(b, sizeof(struct ebr_kmem_event), k ? EBR_T_KFREE : EBR_T_KMALLOC, i++);
		AT(struct ebr_kmem_event, b, off)->ptr = 0xffff888800001000ULL;
		AT(struct ebr_kmem_event, b, off)->call_site = 0xffffffff81234567ULL;
		AT(struct ebr_kmem_event, b, off)->bytes_req = k ? 0 : 100;
		AT(struct ebr_kmem_event, b, off)->bytes_alloc = k ? 0 : 128;
		AT(struct ebr_kmem_event, b, off)->gfp_flags = k ? 0 : 0xcc0;
		AT(struct ebr_kmem_event, b, off)->node = -1;
		ebr_rec__end(b, off);
	}
	for (unsigned k = 0; k < 2; k++) {
		off = rec(b, sizeof(struct ebr_page_event), k ? EBR_T_PAGE_FREE : EBR_T_PAGE_ALLOC, i++);
		AT(struct ebr_page_event, b, off)->page = 0xffffea0000040000ULL;
		AT(struct ebr_page_event, b, off)->order = 2;
		AT(struct ebr_page_event, b, off)->gfp_flags = k ? 0 : 0x400dc0;
		AT(struct ebr_page_event, b, off)->migratetype = k ? -1 : 1;
		ebr_rec__end(b, off);
	}
	for (unsigned k = 0; k < sizeof(mm) / sizeof(mm[0]); k++) {
		off = rec(b, sizeof(struct ebr_mmap_event), mm[k], i++);
		AT(struct ebr_mmap_event, b, off)->addr = 0x7f0000000000ULL;
		AT(struct ebr_mmap_event, b, off)->len = 8192;
		AT(struct ebr_mmap_event, b, off)->ret = k == 1 ? 0 : 0x7f0000000000LL;
		AT(struct ebr_mmap_event, b, off)->duration_ns = 300;
		AT(struct ebr_mmap_event, b, off)->prot = 3;
		AT(struct ebr_mmap_event, b, off)->flags = 0x22;
		AT(struct ebr_mmap_event, b, off)->fd = -1;
		ebr_rec__end(b, off);
	}
	for (unsigned k = 0; k < sizeof(file) / sizeof(file[0]); k++) {
		struct ebr_file_event *f;

		off = rec(b, sizeof(*f), file[k], i++);
		f = ebr_rec__at(b, off);
		f->ret = k == 0 ? 3 : k == 3 ? 0 : 4096;
		f->duration_ns = 2000 + k;
		f->offset = k == 0 || k == 3 ? -1 : 8192;
		f->count = k == 1 || k == 2 ? 4096 : 0;
		f->ino = 131074;
		f->dev = 0x800001;
		f->fd = 3;
		f->flags = k == 0 ? 0x80000 : 0;
		f->mode = k == 0 ? 0644 : 0;
		f->op = (uint16_t)(k == 0 ? EBR_FILE_OP_OPEN : k == 1 ? EBR_FILE_OP_PREAD :
				   k == 2 ? EBR_FILE_OP_WRITE : EBR_FILE_OP_CLOSE);
		f->ftype = 8;
		ebr_rec__add_str(b, off, offsetof(struct ebr_file_event, filename), "/etc/golden.conf", 16);
		ebr_rec__end(b, off);
	}
	assert_int_equal(i, 22);
	assert_int_equal(b->err, 0);
}

static void syn_procs(struct ebr_buf *b)
{
	size_t off = rec(b, sizeof(struct ebr_proc_info), EBR_T_PROC_INFO, 0);

	AT(struct ebr_proc_info, b, off)->start_ns = 100;
	ADD_STR(b, off, struct ebr_proc_info, exe, "/usr/lib/systemd/systemd");
	ADD_STR(b, off, struct ebr_proc_info, cmdline, "/sbin/init\0splash");
	ADD_STR(b, off, struct ebr_proc_info, cgroup, "/init.scope");
	ebr_rec__end(b, off);
	off = rec(b, sizeof(struct ebr_proc_info), EBR_T_PROC_INFO, 1);
	AT(struct ebr_proc_info, b, off)->flags = EBR_PROC_KTHREAD;
	ebr_rec__end(b, off);
}

static void syn_probes(struct ebr_buf *b)
{
	size_t off = rec(b, sizeof(struct ebr_probe_status), EBR_T_PROBE_STATUS, 0);

	AT(struct ebr_probe_status, b, off)->family = EBR_FAM_PROCESS;
	AT(struct ebr_probe_status, b, off)->attached = 1;
	ADD_STR(b, off, struct ebr_probe_status, name, "handle_exec");
	ADD_STR(b, off, struct ebr_probe_status, attach_point, "raw_tp/sched_process_exec");
	ebr_rec__end(b, off);
	off = rec(b, sizeof(struct ebr_probe_status), EBR_T_PROBE_STATUS, 1);
	AT(struct ebr_probe_status, b, off)->err = -2;
	AT(struct ebr_probe_status, b, off)->family = EBR_FAM_MEMORY;
	ADD_STR(b, off, struct ebr_probe_status, name, "kfree");
	ADD_STR(b, off, struct ebr_probe_status, attach_point, "raw_tp/kfree");
	ADD_STR(b, off, struct ebr_probe_status, message, "no such tracepoint");
	ebr_rec__end(b, off);
}

static void syn_cgroups(struct ebr_buf *b)
{
	size_t off = rec(b, sizeof(struct ebr_cgroup_info), EBR_T_CGROUP_INFO, 0);

	ADD_STR(b, off, struct ebr_cgroup_info, path, "/system.slice/docker-0123abcd.scope");
	ADD_STR(b, off, struct ebr_cgroup_info, container_id, "0123abcd");
	ADD_STR(b, off, struct ebr_cgroup_info, runtime, "docker");
	ADD_STR(b, off, struct ebr_cgroup_info, unit, "docker-0123abcd.scope");
	ebr_rec__end(b, off);
	off = rec(b, sizeof(struct ebr_cgroup_info), EBR_T_CGROUP_INFO, 1);
	ADD_STR(b, off, struct ebr_cgroup_info, path, "/kubepods/burstable/pod1234/cafe");
	ADD_STR(b, off, struct ebr_cgroup_info, pod_uid, "1234");
	ADD_STR(b, off, struct ebr_cgroup_info, pod_namespace, "default");
	ADD_STR(b, off, struct ebr_cgroup_info, pod_name, "web-0");
	ebr_rec__end(b, off);
}

static void syn_sources(struct ebr_buf *b)
{
	struct ebr_sources_disk h = { .n_sources = 2, .entry_size = sizeof(struct ebr_source_disk) };
	struct ebr_source_disk s[2];

	memset(s, 0, sizeof(s));
	for (unsigned i = 0; i < 2; i++) {
		s[i].id = i + 1;
		s[i].ncpus = 2 + i;
		memset(s[i].uuid, 0x11 * (i + 1), 16);
		s[i].boot_to_wall_ns = 1700000000000000000LL + (int64_t)i * 3000000000LL;
		s[i].ts_offset_ns = (int64_t)i * 3000000000LL;
		s[i].created_wall_ns = 1700000005000000000ULL;
		s[i].n_records = 11; /* the records alternate between the two */
		snprintf(s[i].host, sizeof(s[i].host), "host-%c", 'a' + i);
		snprintf(s[i].kernel_release, sizeof(s[i].kernel_release), "6.1.0-golden");
		snprintf(s[i].machine, sizeof(s[i].machine), "x86_64");
		snprintf(s[i].kernel_version, sizeof(s[i].kernel_version), "#1 SMP golden");
	}
	ebr_buf__put(b, &h, sizeof(h));
	ebr_buf__put(b, s, sizeof(s));
}

static void write_synthetic(const char *path)
{
	struct ebr_writer_opts wo = {
		.sz = sizeof(wo), .force = 1, .created_wall_ns = 1700000005000000000ULL,
		.boot_to_wall_ns = 1700000000000000000LL, .uuid = syn_uuid, .host = "host-a,host-b",
		.kernel_release = "6.1.0-golden", .kernel_version = "#1 SMP golden", .machine = "x86_64",
		.ncpus = 3, .page_size = 4096,
	};
	struct ebr_buf b = {0};
	struct ebr_writer *w = ebr_writer__open(path, &wo);
	uint64_t drops1[EBR_DROP_NR] = { 1, 0, 0, 0, 2 }, drops2[EBR_DROP_NR] = { 3, 0, 0, 0, 2, 0, 1 };
	uint64_t dbt[EBR_DROP_NR * EBR_DROP_TYPE_SLOTS] = {0};
	void *schema;
	size_t len, split;

	assert_non_null(w);
	assert_int_equal(ebr_schema__serialize(ebr_schema__builtin(), &schema, &len), 0);
	assert_int_equal(ebr_writer__add_meta(w, EBR_META_SCHEMA, schema, len), 0);
	free(schema);
	assert_int_equal(ebr_writer__add_meta(w, EBR_META_CONFIG, syn_config, strlen(syn_config)), 0);
	assert_int_equal(ebr_writer__add_meta(w, EBR_META_NOTE, syn_note, strlen(syn_note)), 0);
	syn_procs(&b);
	assert_int_equal(ebr_writer__add_meta(w, EBR_META_PROCS, b.p, b.len), 0);
	b.len = 0;
	syn_probes(&b);
	assert_int_equal(ebr_writer__add_meta(w, EBR_META_PROBES, b.p, b.len), 0);
	b.len = 0;
	syn_cgroups(&b);
	assert_int_equal(ebr_writer__add_meta(w, EBR_META_CGROUPS, b.p, b.len), 0);
	b.len = 0;
	{
		struct ebr_rotation_disk rot = { .index = 0 };

		memcpy(rot.set_uuid, syn_uuid, 16);
		snprintf(rot.base, sizeof(rot.base), "golden.ebc");
		assert_int_equal(ebr_writer__add_meta(w, EBR_META_ROTATION, &rot, sizeof(rot)), 0);
	}
	syn_events(&b);
	split = 0;
	for (unsigned k = 0; k < 12; k++)
		split += ((struct ebr_event_header *)(b.p + split))->size;
	assert_int_equal(ebr_writer__add_segment(w, b.p, split, drops1, EBR_DROP_NR), 0);
	assert_int_equal(ebr_writer__add_segment(w, b.p + split, b.len - split, drops2, EBR_DROP_NR), 0);
	b.len = 0;
	syn_sources(&b);
	assert_int_equal(ebr_writer__add_meta(w, EBR_META_SOURCES, b.p, b.len), 0);
	assert_int_equal(ebr_writer__add_meta(w, EBR_META_DERIVED, syn_derived, strlen(syn_derived)), 0);
	dbt[0 * EBR_DROP_TYPE_SLOTS + EBR_T_EXEC] = 3;
	dbt[4 * EBR_DROP_TYPE_SLOTS + EBR_T_OPEN] = 2;
	dbt[6 * EBR_DROP_TYPE_SLOTS + EBR_T_SYSCALL] = 1;
	ebr_writer__set_drops_by_type(w, dbt, EBR_DROP_NR, EBR_DROP_TYPE_SLOTS);
	assert_int_equal(ebr_writer__close(w), 0);
	ebr_buf__free(&b);
}

/* ------------------------------------------------------------------ reading */

static char *data_path(const char *name)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", EBR_TEST_DATA, name) > 0);
	return p;
}

static int append(const struct ebr_event_header *h, void *ctx)
{
	ebr_buf__put(ctx, h, h->size);
	return 0;
}

static void assert_meta_records(struct ebr_reader *r, unsigned kind, void (*build)(struct ebr_buf *))
{
	struct ebr_buf want = {0}, got = {0};

	build(&want);
	assert_int_equal(ebr_reader__meta_records(r, kind, append, &got), 0);
	assert_int_equal(got.len, want.len);
	assert_memory_equal(got.p, want.p, want.len);
	ebr_buf__free(&want);
	ebr_buf__free(&got);
}

static void test_synthetic_v1_0(void **state)
{
	static const unsigned kinds[] = { EBR_META_SCHEMA, EBR_META_CONFIG, EBR_META_NOTE, EBR_META_PROCS,
					  EBR_META_PROBES, EBR_META_CGROUPS, EBR_META_ROTATION,
					  EBR_META_SOURCES, EBR_META_DERIVED };
	char *path = data_path("v1.0-synthetic.ebc");
	struct ebr_reader *r = ebr_reader__open(path);
	const struct ebr_capture_info *in;
	struct ebr_cursor_opts co = { .sz = sizeof(co) };
	struct ebr_cursor *c;
	const struct ebr_event_header *h;
	struct ebr_buf want = {0}, got = {0};
	struct ebr_merge_source *src;
	const struct ebr_schema *s;
	size_t ns;

	(void)state;
	assert_non_null(r);
	in = ebr_reader__info(r);
	assert_int_equal(in->major, 1);
	assert_int_equal(in->minor, 0);
	assert_memory_equal(in->uuid, syn_uuid, 16);
	assert_string_equal(in->uuid_str, "10203040-5060-4780-90a0-b0c0d0e0f001");
	assert_int_equal(in->created_wall_ns, 1700000005000000000ULL);
	assert_int_equal(in->boot_to_wall_ns, 1700000000000000000LL);
	assert_string_equal(in->host, "host-a,host-b");
	assert_string_equal(in->kernel_release, "6.1.0-golden");
	assert_string_equal(in->kernel_version, "#1 SMP golden");
	assert_string_equal(in->machine, "x86_64");
	assert_string_equal(in->tool_version, "0.1.0");
	assert_int_equal(in->ncpus, 3);
	assert_int_equal(in->page_size, 4096);
	assert_false(in->recovered);
	assert_int_equal(in->n_records, 22);
	assert_int_equal(in->n_segments, 2);
	assert_int_equal(in->t_first, 5000000000ULL);
	assert_int_equal(in->t_last, 5000021000ULL);
	assert_int_equal(in->drops[0], 3);
	assert_int_equal(in->drops[4], 2);
	assert_int_equal(in->drops[6], 1);
	assert_int_equal(ebr_reader__drops_by_type(r, 0, EBR_T_EXEC), 3);
	assert_int_equal(ebr_reader__drops_by_type(r, 4, EBR_T_OPEN), 2);
	assert_int_equal(ebr_reader__drops_by_type(r, 6, EBR_T_SYSCALL), 1);
	/* every record, byte for byte, and one of each type */
	syn_events(&want);
	c = ebr_cursor__open(r, &co);
	while (ebr_cursor__next(c, &h) > 0)
		ebr_buf__put(&got, h, h->size);
	assert_int_equal(ebr_cursor__stats(c)->records_invalid, 0);
	ebr_cursor__close(c);
	assert_int_equal(got.len, want.len);
	assert_memory_equal(got.p, want.p, want.len);
	s = ebr_reader__schema(r);
	for (size_t i = 0; i < ebr_schema__type_count(s); i++) {
		const struct ebr_type *t = ebr_schema__type_at(s, i);

		assert_int_equal(t->fixed_size, ebr_schema__type(ebr_schema__builtin(), t->id)->fixed_size);
		assert_int_equal(ebr_reader__type_count(r, t->id), t->family == EBR_FAM_META ? 0 : 1);
	}
	/* metadata: every kind, in order, with its content */
	assert_int_equal(ebr_reader__meta_count(r), sizeof(kinds) / sizeof(kinds[0]));
	for (size_t i = 0; i < ebr_reader__meta_count(r); i++) {
		const void *data;
		unsigned kind;
		size_t len;

		assert_int_equal(ebr_reader__meta(r, i, &kind, &data, &len), 0);
		assert_int_equal(kind, kinds[i]);
		if (kind == EBR_META_NOTE)
			assert_string_equal(data, syn_note);
		if (kind == EBR_META_CONFIG)
			assert_string_equal(data, syn_config);
		if (kind == EBR_META_DERIVED)
			assert_string_equal(data, syn_derived);
	}
	assert_meta_records(r, EBR_META_PROCS, syn_procs);
	assert_meta_records(r, EBR_META_PROBES, syn_probes);
	assert_meta_records(r, EBR_META_CGROUPS, syn_cgroups);
	{
		struct ebr_cgroup_view v;

		assert_int_equal(ebr_reader__cgroup(r, 8, &v), 0);
		assert_string_equal(v.pod_name, "web-0");
	}
	{
		uint8_t set[16];
		uint32_t index = 9;
		char base[64];

		assert_int_equal(ebr_reader__rotation(r, set, &index, base, sizeof(base)), 0);
		assert_memory_equal(set, syn_uuid, 16);
		assert_int_equal(index, 0);
		assert_string_equal(base, "golden.ebc");
	}
	assert_int_equal(ebr_merge__sources(r, &src, &ns), 0);
	assert_int_equal(ns, 2);
	assert_int_equal(src[1].id, 2);
	assert_string_equal(src[1].host, "host-b");
	assert_int_equal(src[1].ts_offset_ns, 3000000000LL);
	assert_int_equal(src[0].n_records, 11);
	assert_string_equal(src[0].uuid_str, "11111111-1111-1111-1111-111111111111");
	assert_int_equal(ebr_record__source((const void *)got.p), 1);
	free(src);
	ebr_reader__close(r);
	ebr_buf__free(&want);
	ebr_buf__free(&got);
	free(path);
}

static const char *vs(const void *rec, struct ebr_vstr v)
{
	return v.len ? (const char *)rec + v.off : "";
}

static void test_process_v1_0(void **state)
{
	char *path = data_path("v1.0-process.ebc");
	struct ebr_reader *r = ebr_reader__open(path);
	const struct ebr_capture_info *in;
	struct ebr_cursor_opts co = { .sz = sizeof(co) };
	struct ebr_buf ev = {0}, procs = {0}, probes = {0};
	const struct ebr_event_header *h;
	struct ebr_cursor *c;
	unsigned n = 0, failed_execs = 0;
	const void *note;
	unsigned kind;
	size_t len;

	(void)state;
	assert_non_null(r);
	in = ebr_reader__info(r);
	assert_string_equal(in->uuid_str, "3e00b6d1-78d6-4660-8379-3430ed4aab20");
	assert_int_equal(in->major, 1);
	assert_int_equal(in->minor, 0);
	assert_string_equal(in->host, "vm");
	assert_string_equal(in->kernel_release, "6.18.44-fc-v769");
	assert_string_equal(in->machine, "x86_64");
	assert_int_equal(in->ncpus, 2);
	assert_false(in->recovered);
	assert_int_equal(in->n_records, 20);
	assert_int_equal(in->n_segments, 1);
	assert_int_equal(in->t_first, 2367187288336ULL);
	assert_int_equal(ebr_reader__type_count(r, EBR_T_EXEC), 13);
	assert_int_equal(ebr_reader__type_count(r, EBR_T_FORK), 3);
	assert_int_equal(ebr_reader__type_count(r, EBR_T_EXIT), 4);
	for (unsigned d = 0; d < EBR_DROP_REASONS; d++)
		assert_int_equal(in->drops[d], 0);
	assert_int_equal(ebr_reader__meta(r, 2, &kind, &note, &len), 0);
	assert_int_equal(kind, EBR_META_NOTE);
	assert_string_equal(note, "ebpfrec record -o /tmp/g.ebc --profile process -- sh -c '/nonexistent "
				  "2>/dev/null; /bin/true; /bin/echo golden >/dev/null; exit 3'");
	c = ebr_cursor__open(r, &co);
	while (ebr_cursor__next(c, &h) > 0) {
		ebr_buf__put(&ev, h, h->size);
		n++;
	}
	ebr_cursor__close(c);
	assert_int_equal(n, 20);
	for (size_t off = 0; off < ev.len; off += ((struct ebr_event_header *)(ev.p + off))->size) {
		const struct ebr_exec_event *e = (const void *)(ev.p + off);
		const struct ebr_exit_event *x = (const void *)(ev.p + off);
		const struct ebr_fork_event *f = (const void *)(ev.p + off);

		if (e->hdr.type == EBR_T_EXEC && e->ret < 0)
			failed_execs++;
		if (e->hdr.type == EBR_T_EXEC && !strcmp(vs(e, e->filename), "/bin/true")) {
			assert_int_equal(e->hdr.pid, 4317);
			assert_int_equal(e->hdr.ppid, 4315);
			assert_int_equal(e->ret, 0);
			assert_int_equal(e->argc, 1);
			assert_string_equal(e->hdr.comm, "true");
		}
		if (e->hdr.type == EBR_T_EXEC && !strcmp(vs(e, e->filename), "/nonexistent"))
			assert_int_equal(e->ret, -2);
		if (x->hdr.type == EBR_T_EXIT && x->hdr.pid == 4315) {
			assert_int_equal(x->exit_code, 3);
			assert_int_equal(x->raw_status, 0x300);
			assert_int_equal(x->start_ns, 2367187211428ULL);
		}
		if (f->hdr.type == EBR_T_FORK)
			assert_int_equal(f->hdr.pid, 4315);
	}
	assert_int_equal(failed_execs, 10); /* PATH lookup of sh (9) and /nonexistent */
	assert_int_equal(ebr_reader__meta_records(r, EBR_META_PROCS, append, &procs), 0);
	assert_int_equal(ebr_reader__meta_records(r, EBR_META_PROBES, append, &probes), 0);
	n = 0;
	for (size_t off = 0; off < procs.len; off += ((struct ebr_event_header *)(procs.p + off))->size)
		n++;
	assert_int_equal(n, 83);
	n = 0;
	for (size_t off = 0; off < probes.len; off += ((struct ebr_event_header *)(probes.p + off))->size)
		n += ((const struct ebr_probe_status *)(probes.p + off))->attached;
	assert_int_equal(n, 5);
	ebr_reader__close(r);
	ebr_buf__free(&ev);
	ebr_buf__free(&procs);
	ebr_buf__free(&probes);
	free(path);
}

/*
 * Derived captures are new captures: a slice, a redacted copy or a merge of
 * one file of a rotated recording is no file of that set; a repaired file
 * still is. And each reads back whole through its index.
 */
static void test_derived_leave_the_set(void **state)
{
	char *in = data_path("v1.0-synthetic.ebc"), dir[] = "/tmp/ebpfrec-golden-XXXXXX", out[64];
	struct ebr_slice_opts so = { .sz = sizeof(so) };
	struct ebr_redact_opts ro = { .sz = sizeof(ro), .what = EBR_REDACT_ARGS };
	struct ebr_reader *r = ebr_reader__open(in), *o;
	uint8_t set[16];
	uint32_t index;
	unsigned n = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (unsigned k = 0; k < 3; k++) {
		snprintf(out, sizeof(out), "%s/out-%u.ebc", dir, k);
		if (k == 0)
			assert_int_equal(ebr_capture__slice(r, out, &so, NULL), 0);
		else if (k == 1)
			assert_int_equal(ebr_capture__redact(r, out, &ro, NULL), 0);
		else
			assert_int_equal(ebr_capture__merge(&r, 1, out, NULL, NULL), 0);
		o = ebr_reader__open(out);
		assert_non_null(o);
		assert_false(ebr_reader__info(o)->recovered);
		assert_int_equal(ebr_reader__info(o)->n_records, 22);
		assert_int_equal(ebr_reader__rotation(o, set, &index, NULL, 0), -ENOENT);
		ebr_reader__close(o);
		unlink(out);
		n++;
	}
	/* repair keeps the file what it was, its place in the set included */
	snprintf(out, sizeof(out), "%s/repaired.ebc", dir);
	assert_int_equal(ebr_capture__repair(in, out, NULL, NULL), 0);
	o = ebr_reader__open(out);
	assert_int_equal(ebr_reader__rotation(o, set, &index, NULL, 0), 0);
	assert_memory_equal(ebr_reader__info(o)->uuid, syn_uuid, 16);
	ebr_reader__close(o);
	unlink(out);
	rmdir(dir);
	ebr_reader__close(r);
	free(in);
	assert_int_equal(n, 3);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_synthetic_v1_0),
		cmocka_unit_test(test_process_v1_0),
		cmocka_unit_test(test_derived_leave_the_set),
	};

	if (argc == 3 && !strcmp(argv[1], "--write")) {
		char *p;

		if (asprintf(&p, "%s/v1.0-synthetic.ebc", argv[2]) < 0)
			return 1;
		write_synthetic(p);
		free(p);
		return 0;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
