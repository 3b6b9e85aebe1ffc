// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The shared aggregations: series, drops spread over time, histograms, top-N tables, exact values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "aggregate.h"
#include "capture_fixture.h"
#include "events.h"
#include "hmap.h"
#include "text_format.h"
#include "viz_fixture.h"

#define S 1000000000ULL

static const struct vf_task A = { 100, 100, 1, "alpha" };
static const struct vf_task B = { 200, 201, 1, "beta" };

struct ctx {
	char *dir;
	char *path;
	struct ebr_reader *r;
};

/* The capture every test reads; values chosen so each expectation is worked out by hand. */
static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	uint64_t d2[EBR_DROP_REASONS] = { [EBR_DROP_RINGBUF_FULL] = 100, [EBR_DROP_RATE_LIMITED] = 10 };
	uint64_t d3[EBR_DROP_REASONS] = { [EBR_DROP_RINGBUF_FULL] = 100, [EBR_DROP_RATE_LIMITED] = 30 };
	struct vf v;

	c->dir = fx_tmpdir();
	c->path = fx_path(c->dir, "agg.ebc");
	assert_int_equal(vf__open(&v, c->path, NULL), 0);
	/* segment 1: [T0+1000, T0+0.5s] */
	vf__syscall(&v, &A, VF_T0 + 1000, 0, 10, 1000, 0);
	vf__syscall(&v, &A, VF_T0 + S / 2, 0, -2, 3000, 0);
	vf__file(&v, &A, EBR_T_READ, VF_T0 + 1000, "/etc/passwd", 100, 1000, 3);
	vf__file(&v, &A, EBR_T_READ, VF_T0 + 2000, "/etc/passwd", -9, 500, 3);
	vf__segment(&v, NULL);
	/* segment 2: [T0+1.2s, T0+1.6s] */
	vf__syscall(&v, &B, VF_T0 + 1200000000, 1, 5, 1000000, 0);
	vf__syscall(&v, &B, VF_T0 + 1300000000, 202, 0, 0, EBR_SYSCALL_UNPAIRED);
	vf__file(&v, &B, EBR_T_WRITE, VF_T0 + 1200000000, "/tmp/out", 4096, 1000000, 4);
	vf__net(&v, &A, EBR_T_TCP_CLOSE, VF_T0 + 1500000000, "10.0.0.2", 40000, "10.0.0.1", 443, EBR_DIR_OUT,
		1000, 2000, 5000, 0x10);
	vf__net(&v, &B, EBR_T_TCP_CLOSE, VF_T0 + 1600000000, "10.0.0.2", 8080, "10.0.0.9", 55555, EBR_DIR_IN,
		10, 20, 5000, 0x20);
	vf__segment(&v, d2);
	/* segment 3: [T0+2s, T0+2.5s] */
	vf__exec(&v, &B, VF_T0 + 2 * S, "/usr/bin/beta");
	vf__net(&v, &A, EBR_T_TCP_CLOSE, VF_T0 + 2500000000, "10.0.0.2", 40002, "10.0.0.1", 443, EBR_DIR_OUT,
		1, 2, 5000, 0x30);
	vf__segment(&v, d3);
	assert_int_equal(vf__close(&v), 0);
	c->r = ebr_reader__open(c->path);
	assert_non_null(c->r);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	ebr_reader__close(c->r);
	free(c->path);
	fx_rmtree(c->dir);
	free(c);
	return 0;
}

static struct agg *run(struct ctx *c, uint64_t from, uint64_t to, uint64_t bucket, const uint64_t *bitmap)
{
	struct agg_opts o = { .sz = sizeof(o), .from_ts = from, .to_ts = to, .bucket_ns = bucket };
	struct agg *a = agg__new(c->r, &o);

	assert_non_null(a);
	assert_int_equal(agg__run(a, bitmap), 0);
	return a;
}

static void test_hist_buckets(void **state)
{
	struct hist h = { 0 };
	unsigned lo, hi;

	(void)state;
	assert_int_equal(hist__bucket(0), 0);
	assert_int_equal(hist__bucket(1), 1);
	assert_int_equal(hist__bucket(2), 2);
	assert_int_equal(hist__bucket(3), 2);
	assert_int_equal(hist__bucket(4), 3);
	assert_int_equal(hist__bucket(1023), 10);
	assert_int_equal(hist__bucket(1024), 11);
	assert_int_equal(hist__bucket(UINT64_MAX), 64);
	assert_int_equal(hist__low(0), 0);
	assert_int_equal(hist__low(1), 1);
	assert_int_equal(hist__low(11), 1024);
	assert_true(hist__low(64) == 1ULL << 63);
	assert_int_equal(hist__range(&h, &lo, &hi), 0);
	hist__add(&h, 5);
	hist__add(&h, 0);
	hist__add(&h, 700);
	assert_int_equal(hist__range(&h, &lo, &hi), 1);
	assert_int_equal(lo, 0);
	assert_int_equal(hi, 10);
	assert_int_equal(h.count, 3);
	assert_int_equal(h.sum, 705);
	assert_int_equal(h.max, 700);
	assert_int_equal(h.b[3], 1);
}

static void test_hmap(void **state)
{
	struct hmap *m = hmap__new(sizeof(uint64_t));
	char key[32];
	size_t len;

	(void)state;
	assert_non_null(m);
	/* enough keys to grow the table several times; every one found again */
	for (unsigned i = 0; i < 5000; i++) {
		uint64_t *v;

		snprintf(key, sizeof(key), "k%u", i);
		v = hmap__get(m, key, strlen(key), 1);
		assert_non_null(v);
		assert_int_equal(*v, 0);
		*v = i * 3;
	}
	assert_int_equal(hmap__count(m), 5000);
	for (unsigned i = 0; i < 5000; i++) {
		uint64_t *v;

		snprintf(key, sizeof(key), "k%u", i);
		v = hmap__get(m, key, strlen(key), 0);
		assert_non_null(v);
		assert_int_equal(*v, i * 3);
	}
	assert_null(hmap__get(m, "nope", 4, 0));
	assert_string_equal(hmap__key_at(m, 4999, &len), "k4999");
	assert_int_equal(len, 5);
	assert_int_equal(*(uint64_t *)hmap__value_at(m, 7), 21);
	assert_null(hmap__value_at(m, 5000));
	/* integer keys live beside string keys of the same bytes without mixing */
	*(uint64_t *)hmap__get_u64(m, 42, 1) = 1;
	assert_int_equal(hmap__count(m), 5001);
	assert_int_equal(*(uint64_t *)hmap__get_u64(m, 42, 0), 1);
	assert_int_equal(hmap__u64_key_at(m, 5000), 42);
	assert_int_equal(hmap__u64_key_at(m, 0), 0); /* "k0" is no integer key */
	hmap__free(m);
	hmap__free(NULL);
}

static void test_series(void **state)
{
	struct ctx *c = *state;
	struct agg *a = run(c, 0, 0, S, NULL);

	/* buckets start at the first event, T0+1000 */
	assert_int_equal(agg__start_ts(a), VF_T0 + 1000);
	assert_int_equal(agg__bucket_ns(a), S);
	assert_int_equal(agg__n_buckets(a), 3);
	assert_int_equal(agg__events(a, 0, EBR_FAM_SYSCALL), 2);
	assert_int_equal(agg__events(a, 0, EBR_FAM_FILE), 2);
	assert_int_equal(agg__events(a, 0, EBR_FAM_NETWORK), 0);
	assert_int_equal(agg__events(a, 1, EBR_FAM_SYSCALL), 2);
	assert_int_equal(agg__events(a, 1, EBR_FAM_FILE), 1);
	assert_int_equal(agg__events(a, 1, EBR_FAM_NETWORK), 2);
	assert_int_equal(agg__events(a, 1, EBR_FAM_PROCESS), 1);
	assert_int_equal(agg__events(a, 2, EBR_FAM_NETWORK), 1);
	assert_int_equal(agg__events(a, 2, EBR_FAM_SYSCALL), 0);
	assert_int_equal(agg__events(a, 3, EBR_FAM_NETWORK), 0); /* out of range reads 0 */
	assert_int_equal(agg__total(a), 11);
	assert_int_equal(agg__family_total(a, EBR_FAM_SYSCALL), 4);
	assert_int_equal(agg__t_first(a), VF_T0 + 1000);
	assert_int_equal(agg__t_last(a), VF_T0 + 2500000000ULL);
	agg__free(a);
}

/*
 * Segment 2's counters (ring buffer +100, rate limit +10) cover
 * (T0+0.5s, T0+1.6s]: 500000999 ns of it fall in bucket 0, so 45 and 4 land
 * there. Segment 3's +20 cover (T0+1.6s, T0+2.5s]: 400000999 ns in bucket 1 -> 8.
 */
static void test_drops_spread(void **state)
{
	struct ctx *c = *state;
	struct agg *a = run(c, 0, 0, S, NULL);

	assert_int_equal(agg__drops(a, 0, EBR_DROP_RINGBUF_FULL), 45);
	assert_int_equal(agg__drops(a, 1, EBR_DROP_RINGBUF_FULL), 55);
	assert_int_equal(agg__drops(a, 2, EBR_DROP_RINGBUF_FULL), 0);
	assert_int_equal(agg__drops(a, 0, EBR_DROP_RATE_LIMITED), 4);
	assert_int_equal(agg__drops(a, 1, EBR_DROP_RATE_LIMITED), 14);
	assert_int_equal(agg__drops(a, 2, EBR_DROP_RATE_LIMITED), 12);
	assert_int_equal(agg__drop_total(a, EBR_DROP_RINGBUF_FULL), 100);
	assert_int_equal(agg__drop_total(a, EBR_DROP_RATE_LIMITED), 30);
	assert_int_equal(agg__drop_total(a, EBR_DROP_TRUNCATED), 0);
	/* a second call adds nothing */
	agg__add_drops(a);
	assert_int_equal(agg__drop_total(a, EBR_DROP_RINGBUF_FULL), 100);
	agg__free(a);
}

static void test_top_procs(void **state)
{
	struct ctx *c = *state;
	struct agg *a = run(c, 0, 0, S, NULL);
	const struct agg_proc *p[4];

	assert_int_equal(agg__top_procs(a, AGG_PROC_BY_EVENTS, p, 4), 2);
	assert_int_equal(p[0]->pid, 100);
	assert_string_equal(p[0]->comm, "alpha");
	assert_int_equal(p[0]->events, 6);
	assert_int_equal(p[0]->syscalls, 2);
	assert_int_equal(p[0]->syscall_ns, 4000);
	assert_int_equal(p[1]->pid, 200);
	assert_int_equal(p[1]->events, 5);
	assert_int_equal(agg__top_procs(a, AGG_PROC_BY_SYSCALL_NS, p, 1), 1);
	assert_int_equal(p[0]->pid, 200);
	assert_int_equal(p[0]->syscall_ns, 1000000);
	agg__free(a);
}

static void test_top_syscalls(void **state)
{
	struct ctx *c = *state;
	struct agg *a = run(c, 0, 0, S, NULL);
	const struct agg_syscall *s[4];

	assert_int_equal(agg__top_syscalls(a, AGG_SYSCALL_BY_COUNT, s, 4), 3);
	assert_string_equal(s[0]->name, "read");
	assert_int_equal(s[0]->ns.count, 2);
	assert_int_equal(s[0]->errors, 1);
	assert_int_equal(s[0]->ns.sum, 4000);
	assert_int_equal(s[0]->ns.max, 3000);
	assert_int_equal(s[0]->ns.b[10], 1); /* 1000 ns: [512, 1024) */
	assert_int_equal(s[0]->ns.b[12], 1); /* 3000 ns: [2048, 4096) */
	assert_int_equal(s[0]->us.b[1], 1); /* 1 us */
	assert_int_equal(s[0]->us.b[2], 1); /* 3 us: [2, 4) */
	/* equal counts: by number */
	assert_string_equal(s[1]->name, "write");
	assert_string_equal(s[2]->name, "futex");
	/* an unpaired call counts, but has no latency */
	assert_int_equal(s[2]->ns.count, 1);
	assert_int_equal(s[2]->ns.b[0], 0);
	assert_int_equal(agg__top_syscalls(a, AGG_SYSCALL_BY_NS, s, 2), 2);
	assert_string_equal(s[0]->name, "write");
	assert_int_equal(s[0]->us.b[10], 1); /* 1000 us: [512, 1024) */
	assert_string_equal(s[1]->name, "read");
	agg__free(a);
}

static void test_top_files_peers(void **state)
{
	struct ctx *c = *state;
	struct agg *a = run(c, 0, 0, S, NULL);
	const struct agg_file *f[4];
	const struct agg_peer *p[4];

	assert_int_equal(agg__top_files(a, f, 4), 2);
	assert_string_equal(f[0]->name, "/tmp/out");
	assert_int_equal(f[0]->writes, 1);
	assert_int_equal(f[0]->write_bytes, 4096);
	assert_string_equal(f[1]->name, "/etc/passwd");
	assert_int_equal(f[1]->reads, 2);
	assert_int_equal(f[1]->read_bytes, 100); /* the failed read adds no bytes */
	assert_int_equal(f[1]->io_ns, 1500);
	assert_int_equal(agg__top_peers(a, p, 4), 2);
	assert_string_equal(p[0]->name, "10.0.0.1:443");
	assert_int_equal(p[0]->conns, 2);
	assert_int_equal(p[0]->sent, 1001);
	assert_int_equal(p[0]->received, 2002);
	/* accepted: the service port, not the client's ephemeral one */
	assert_string_equal(p[1]->name, "10.0.0.9 -> :8080");
	assert_int_equal(p[1]->incoming, 1);
	assert_int_equal(p[1]->sent, 10);
	assert_int_equal(p[1]->received, 20);
	agg__free(a);
}

static void test_window_and_types(void **state)
{
	struct ctx *c = *state;
	uint64_t bitmap[2] = { 0 };
	struct agg *a = run(c, VF_T0 + S, VF_T0 + 2 * S, S / 10, NULL);
	const struct agg_proc *p[4];

	/* [T0+1s, T0+2s): the exec at exactly T0+2s is out */
	assert_int_equal(agg__total(a), 5);
	assert_int_equal(agg__start_ts(a), VF_T0 + S);
	assert_int_equal(agg__n_buckets(a), 10);
	assert_int_equal(agg__events(a, 2, EBR_FAM_SYSCALL), 1); /* T0+1.2s */
	assert_int_equal(agg__events(a, 3, EBR_FAM_SYSCALL), 1); /* T0+1.3s */
	assert_int_equal(agg__events(a, 6, EBR_FAM_NETWORK), 1);
	assert_int_equal(agg__family_total(a, EBR_FAM_PROCESS), 0);
	/* inside the window only the part of segment 3's drops up to T0+2s */
	assert_int_equal(agg__drop_total(a, EBR_DROP_RINGBUF_FULL), 55);
	assert_int_equal(agg__drop_total(a, EBR_DROP_RATE_LIMITED), 6 + 8);
	assert_int_equal(agg__top_procs(a, AGG_PROC_BY_EVENTS, p, 4), 2);
	assert_int_equal(p[0]->pid, 200);
	assert_int_equal(p[0]->events, 4);
	agg__free(a);

	ebr_type_bitmap__set(bitmap, EBR_T_SYSCALL);
	a = run(c, 0, 0, 0, bitmap);
	assert_int_equal(agg__total(a), 4);
	assert_int_equal(agg__family_total(a, EBR_FAM_FILE), 0);
	/* 2.5 s with at most 300 buckets: 10 ms each */
	assert_int_equal(agg__bucket_ns(a), 10000000);
	assert_int_equal(agg__n_buckets(a), 250);
	agg__free(a);
}

/* The bpftrace layout, byte for byte: label column 16, count 8, a 52-wide bar scaled to the largest. */
static void test_hist_print(void **state)
{
	struct hist h = { 0 };
	char *text = NULL, lbl[16], b[32];
	size_t len = 0;
	FILE *f;

	(void)state;
	for (int i = 0; i < 4; i++)
		hist__add(&h, 5); /* [4, 8) */
	hist__add(&h, 1500); /* [1K, 2K) */
	hist__add(&h, 2048); /* [2K, 4K) */
	f = open_memstream(&text, &len);
	assert_non_null(f);
	hist__print(&h, "@usecs[read]", f);
	fclose(f);
	assert_string_equal(text,
			    "@usecs[read]:\n"
			    "[4, 8)                 4 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
			    "[8, 16)                0 |                                                    |\n"
			    "[16, 32)               0 |                                                    |\n"
			    "[32, 64)               0 |                                                    |\n"
			    "[64, 128)              0 |                                                    |\n"
			    "[128, 256)             0 |                                                    |\n"
			    "[256, 512)             0 |                                                    |\n"
			    "[512, 1K)              0 |                                                    |\n"
			    "[1K, 2K)               1 |@@@@@@@@@@@@@                                       |\n"
			    "[2K, 4K)               1 |@@@@@@@@@@@@@                                       |\n");
	free(text);
	assert_string_equal(hist__label(3ULL << 20, lbl, sizeof(lbl)), "3M");
	assert_string_equal(hist__label(1536, lbl, sizeof(lbl)), "1536");
	assert_string_equal(fmt_ns(999, b, sizeof(b)), "999 ns");
	assert_string_equal(fmt_ns(3400, b, sizeof(b)), "3.40 us");
	assert_string_equal(fmt_ns(12500000, b, sizeof(b)), "12.50 ms");
	assert_string_equal(fmt_ns(1234000000, b, sizeof(b)), "1.234 s");
	assert_string_equal(fmt_bytes(1023, b, sizeof(b)), "1023 B");
	assert_string_equal(fmt_bytes(1536, b, sizeof(b)), "1.5 KiB");
	assert_string_equal(fmt_bytes(3ULL << 30, b, sizeof(b)), "3.0 GiB");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hist_buckets),
		cmocka_unit_test(test_hmap),
		cmocka_unit_test(test_hist_print),
		cmocka_unit_test(test_series),
		cmocka_unit_test(test_drops_spread),
		cmocka_unit_test(test_top_procs),
		cmocka_unit_test(test_top_syscalls),
		cmocka_unit_test(test_top_files_peers),
		cmocka_unit_test(test_window_and_types),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
