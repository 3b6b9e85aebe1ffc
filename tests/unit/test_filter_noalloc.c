// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The evaluator never allocates. This program is linked with
 * -Wl,--wrap=malloc,... so every allocation made by libebpfrec's code (and
 * this file) goes through a counter. Calls made from inside libc itself are
 * not wrapped; the evaluator's only libc calls are memchr, memcmp and
 * memmem, which do not allocate, and glibc's own counters (mallinfo2) are
 * checked as well.
 */
#include <malloc.h>
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

static unsigned long n_alloc;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);

void *__wrap_malloc(size_t n)
{
	n_alloc++;
	return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t m)
{
	n_alloc++;
	return __real_calloc(n, m);
}

void *__wrap_realloc(void *p, size_t n)
{
	n_alloc++;
	return __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
	n_alloc++;
	return __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
	n_alloc++;
	return __real_strndup(s, n);
}

/* One filter using every operator and every kind of field. */
static const char *const expr =
	"(type = exec and ret < 0 and filename glob \"/*\" and args contains \"l\" and "
	"args in (ls, x) and comm != bash) or "
	"(family = process and severity >= notice and errno in (ENOENT, 0) and not system) or "
	"(daddr in (10.0.0.0/8, 2001:db8::/32) and dport in (80, 443) and bytes_sent >= 4k and "
	"duration < 1s) or "
	"(type = kmalloc and size > 1k and filename = slab and s8 < 0) or "
	"(data contains cd and err = EACCES) or comm glob \"k*[0-9]\" or pid not in (1, 2, 3) or "
	"core_dumped or thread or "
	"(container glob \"ab*\" and pod = web) or container != abcdef0123456789 or "
	"not unit in (x.service, y.service) or syscall glob \"open*\"";

/* The cgroup table the cgroup-derived fields resolve through (the records' cgroup is 77). */
static const struct ebr_cgroup_view table[] = {
	{ .id = 77, .path = "/a", .container_id = "abcdef0123456789", .runtime = "docker", .pod_uid = "",
	  .pod_namespace = "prod", .pod_name = "web", .unit = "" },
	{ .id = 78, .path = "/b", .container_id = "", .runtime = "", .pod_uid = "", .pod_namespace = "",
	  .pod_name = "", .unit = "x.service" },
	{ .id = 79, .path = "/c", .container_id = "", .runtime = "", .pod_uid = "", .pod_namespace = "",
	  .pod_name = "", .unit = "y.service" },
};

static void test_no_allocation(void **state)
{
	struct ebr_schema *schema = test_schema();
	struct ebr_buf b = { 0 };
	size_t offs[16], n = 0;
	struct ebr_filter *f;
	struct mallinfo2 before, after;
	unsigned long counted, matched = 0;

	(void)state;
	assert_non_null(schema);
	offs[n++] = add_exec(&b, &(struct hdr_spec){ 1, 100, 1, 0, "sh" }, -2, "/bin/x", "ls\0-l", 5);
	offs[n++] = add_fork(&b, &(struct hdr_spec){ 2, 100, 1, 0, "bash" }, 5, 1, 0);
	offs[n++] = add_exit(&b, &(struct hdr_spec){ 3, 2, 1, 0, "kthreadd" }, 1, 9, 1, 0);
	offs[n++] = add_connect(&b, &(struct hdr_spec){ 4, 3, 1, 0, "curl" }, "1.2.3.4", "10.0.0.1",
				443, 8192, 1000, 0);
	offs[n++] = add_kmalloc(&b, &(struct hdr_spec){ 5, 1, 0, 0, "kworker/1" }, 4096, 0, "slab", -1, 0);
	offs[n++] = add_custom(&b, &(struct hdr_spec){ 6, 1, 1, 0, "app" }, 13, "ab\0cd", 5);
	offs[n++] = add_proc_info(&b, &(struct hdr_spec){ 7, 9, 0, 0, "ksoftirqd/1" }, 1);
	assert_int_equal(b.err, 0);
	f = ebr_filter__compile_opts(schema, expr,
				     &(struct ebr_filter_opts){ .sz = sizeof(struct ebr_filter_opts),
								.cgroups = table, .n_cgroups = 3,
								.flags = EBR_FILTER_CGROUPS },
				     NULL);
	assert_non_null(f);
	assert_int_equal(ebr_filter__uses_cgroups(f), 1);
	assert_true(n_alloc > 0); /* the wrap is in place: compiling allocated */

	counted = n_alloc;
	before = mallinfo2();
	for (int round = 0; round < 20000; round++)
		for (size_t i = 0; i < n; i++)
			matched += (unsigned long)ebr_filter__match(f, (const void *)(b.p + offs[i]));
	after = mallinfo2();
	assert_int_equal(n_alloc, counted);
	assert_int_equal(after.uordblks, before.uordblks);
	assert_int_equal(after.hblks, before.hblks);
	assert_true(matched > 0);
	ebr_filter__free(f);
	ebr_buf__free(&b);
	ebr_schema__free(schema);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_allocation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
