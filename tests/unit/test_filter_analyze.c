// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Push-down analysis: the type bitmap a filter can match, and the value
 * sets it pins. Besides exact expectations, a brute-force check: for every
 * type id a record of that type that matches must have its bit set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ebpfrec/capture.h"
#include "ebpfrec/filter.h"
#include "filter_fixture.h"

static struct ebr_schema *schema;

static int setup(void **state)
{
	(void)state;
	schema = test_schema();
	return schema ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	ebr_schema__free(schema);
	return 0;
}

#define ALL (-1)
#define END (-2)

struct tcase {
	const char *expr;
	int restricted;
	int bits[24]; /* bit numbers, END-terminated; ALL: every bit; ALL then n: every bit but n */
};

static const struct tcase tcases[] = {
	{ "type = exec", 1, { 1, END } },
	{ "pid = 1", 0, { ALL, END } },
	{ "filename = x", 1, { 1, 40, 60, 61, 62, 63, END } },
	{ "type = custom_ev", 1, { 127, END } },
	{ "not type = exec", 1, { ALL, 1, END } },
	{ "dport = 80", 1, { 20, 21, 22, 23, 24, 25, 26, END } },
	{ "type = exec and pid = 1", 1, { 1, END } },
	{ "type = exec or dport = 80", 1, { 1, 20, 21, 22, 23, 24, 25, 26, END } },
	{ "not (type = exec or type = fork)", 1, { ALL, 1, 2, END } },
	{ "not dport = 80", 0, { ALL, END } },
	{ "family = network", 1, { 20, 21, 22, 23, 24, 25, 26, END } },
	{ "not family = network", 1, { ALL, 20, 21, 22, 23, 24, 25, 26, END } },
	{ "family = custom", 1, { 127, END } },
	{ "not family = custom", 0, { ALL, END } },
	{ "type = exec and type = fork", 1, { END } },
	{ "errno = 0", 1, { 1, 10, 20, 21, 22, 23, 24, 25, 26, 44, 45, 46, 60, 61, 62, 63, 101, 127, END } },
	{ "severity >= error", 0, { ALL, END } },
	{ "type > 150", 1, { 127, END } },
	{ "type < 2", 1, { 0, 1, END } },
	{ "type in (exec, fork) and not type = fork", 1, { 1, END } },
	{ "type != exec and family = process", 1, { 2, 3, END } },
	{ "core_dumped or thread", 1, { 2, 3, END } },
	{ "not (dport = 80 and type = connect)", 0, { ALL, END } },
	{ "not not type = exit", 1, { 3, END } },
	{ "system", 0, { ALL, END } },
	{ "daddr in 10.0.0.0/8 or args = x", 1, { 1, 20, 21, 22, 23, 24, 25, 26, END } },
};

static void expect_bits(const char *expr, const int *bits, uint64_t want[2])
{
	want[0] = want[1] = 0;
	for (int i = 0; bits[i] != END; i++) {
		if (bits[i] == ALL) {
			want[0] = want[1] = ~0ULL;
			for (i++; bits[i] != END; i++)
				want[bits[i] / 64] &= ~(1ULL << (bits[i] % 64));
			return;
		}
		want[bits[i] / 64] |= 1ULL << (bits[i] % 64);
	}
	(void)expr;
}

static void test_type_bitmaps(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(tcases) / sizeof(tcases[0]); i++) {
		struct ebr_filter_error err;
		struct ebr_filter *f = ebr_filter__compile(schema, tcases[i].expr, &err);
		uint64_t got[2], want[2];
		int r;

		if (!f)
			fail_msg("'%s': %s", tcases[i].expr, err.message);
		r = ebr_filter__types(f, got);
		expect_bits(tcases[i].expr, tcases[i].bits, want);
		if (r != tcases[i].restricted || got[0] != want[0] || got[1] != want[1])
			fail_msg("'%s': got %d %016llx:%016llx, expected %d %016llx:%016llx",
				 tcases[i].expr, r, (unsigned long long)got[1], (unsigned long long)got[0],
				 tcases[i].restricted, (unsigned long long)want[1],
				 (unsigned long long)want[0]);
		ebr_filter__free(f);
	}
}

/*
 * Soundness: build records of every schema type with varied field values;
 * whenever one matches, its type's bit must be in the bitmap.
 */
static void test_bitmap_is_conservative(void **state)
{
	static const char *const exprs[] = {
		"not type = exec",   "not (family = process and pid = 1)", "not dport = 80",
		"not errno = 0",     "type = exec or not family = memory", "severity >= warning",
		"not (type in (exec, connect) or family = meta)",	    "not not not type = fork",
	};
	struct ebr_buf b = { 0 };
	size_t offs[64], n = 0;

	(void)state;
	for (uint32_t pid = 0; pid < 3; pid++) {
		struct hdr_spec h = { 1000 + pid, pid, 1, pid, "x" };

		offs[n++] = add_exec(&b, &h, -(int32_t)pid, "/bin/x", "x", 1);
		offs[n++] = add_fork(&b, &h, 5, pid & 1, 0);
		offs[n++] = add_exit(&b, &h, 0, pid, pid == 2, 0);
		offs[n++] = add_connect(&b, &h, "1.2.3.4", "10.0.0.1", (uint16_t)(79 + pid), 0, 0,
					-(int64_t)pid);
		offs[n++] = add_kmalloc(&b, &h, 64, 0, "k", 0, 0);
		offs[n++] = add_custom(&b, &h, pid, "d", 1);
		offs[n++] = add_proc_info(&b, &h, pid == 2);
	}
	assert_int_equal(b.err, 0);
	for (size_t e = 0; e < sizeof(exprs) / sizeof(exprs[0]); e++) {
		struct ebr_filter *f = ebr_filter__compile(schema, exprs[e], NULL);
		uint64_t bm[2];

		assert_non_null(f);
		ebr_filter__types(f, bm);
		for (size_t i = 0; i < n; i++) {
			const struct ebr_event_header *h = (const void *)(b.p + offs[i]);

			if (ebr_filter__match(f, h) && !ebr_type_bitmap__test(bm, h->type))
				fail_msg("'%s' matches a type %u record outside its bitmap", exprs[e], h->type);
		}
		ebr_filter__free(f);
	}
	ebr_buf__free(&b);
}

struct vcase {
	const char *expr, *field;
	int r;
	size_t n;
	uint64_t v[4];
};

static const struct vcase vcases[] = {
	{ "pid = 5", "pid", 1, 1, { 5 } },
	{ "pid in (3, 1, 3, 2) and uid = 0", "pid", 1, 3, { 1, 2, 3 } },
	{ "pid in (3, 1, 3, 2) and uid = 0", "uid", 1, 1, { 0 } },
	{ "pid in (1, 2, 3) and pid in (2, 3, 4)", "pid", 1, 2, { 2, 3 } },
	{ "pid = 1 or pid = 2", "pid", 0, 0, { 0 } },
	{ "pid != 1", "pid", 0, 0, { 0 } },
	{ "pid = -1", "pid", 1, 0, { 0 } },
	{ "pid in (-1, 7, 4294967296)", "pid", 1, 1, { 7 } },
	{ "not pid = 1", "pid", 0, 0, { 0 } },
	{ "uid = 1000 and (pid = 1 or pid = 2)", "pid", 0, 0, { 0 } },
	{ "uid = 1000 and (pid = 1 or pid = 2)", "uid", 1, 1, { 1000 } },
	{ "comm = bash", "comm", 0, 0, { 0 } },
	{ "type = exec and cgroup = 0x10", "cgroup", 1, 1, { 16 } },
	{ "pid > 5", "pid", 0, 0, { 0 } },
	{ "child_pid = 5", "child_pid", 0, 0, { 0 } },
};

static void test_value_sets(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vcases) / sizeof(vcases[0]); i++) {
		const struct vcase *c = &vcases[i];
		struct ebr_filter *f = ebr_filter__compile(schema, c->expr, NULL);
		uint64_t *v = NULL;
		size_t n = 99;
		int r;

		assert_non_null(f);
		r = ebr_filter__value_set(f, c->field, &v, &n);
		if (r != c->r)
			fail_msg("'%s' (%s): returned %d, expected %d", c->expr, c->field, r, c->r);
		if (r) {
			assert_int_equal(n, c->n);
			for (size_t k = 0; k < n; k++)
				assert_int_equal(v[k], c->v[k]);
		} else {
			assert_null(v);
			assert_int_equal(n, 0);
		}
		free(v);
		ebr_filter__free(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_bitmaps),
		cmocka_unit_test(test_bitmap_is_conservative),
		cmocka_unit_test(test_value_sets),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
