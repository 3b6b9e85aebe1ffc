// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The Chrome trace export: valid JSON (parsed by json-c) with the fields
 * viewers need, exact timestamps and args, slices nested on every thread,
 * windows and type filters, and the nesting guard on random input.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "capture_fixture.h"
#include "chrome_check.h"
#include "ebpfrec/decode.h"
#include "events.h"
#include "export_chrome.h"
#include "slice_nest.h"
#include "viz_fixture.h"

static const struct vf_task A = { 100, 100, 1, "alpha" };
static const struct vf_task B = { 200, 201, 1, "beta" };

struct ctx {
	char *dir;
	char *path;
	struct ebr_reader *r;
};

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	uint64_t drops[EBR_DROP_REASONS] = { [EBR_DROP_RINGBUF_FULL] = 7 };
	struct vf v;

	c->dir = fx_tmpdir();
	c->path = fx_path(c->dir, "chrome.ebc");
	assert_int_equal(vf__open(&v, c->path, NULL), 0);
	vf__proc(&v, &A, "/usr/bin/alpha");
	vf__exec(&v, &B, VF_T0, "/usr/bin/beta"); /* the first event: time 0 */
	vf__syscall(&v, &A, VF_T0 + 10000, 0, 10, 4000, 0);
	vf__file(&v, &A, EBR_T_READ, VF_T0 + 10000, "/etc/passwd", 10, 4000, 3);
	vf__syscall(&v, &A, VF_T0 + 20000, 257, -2, 1000, 0);
	vf__syscall(&v, &A, VF_T0 + 30000, 202, 0, 0, EBR_SYSCALL_UNPAIRED);
	vf__syscall(&v, &A, VF_T0 + 50000, 7, 0, 10000, 0); /* poll [40, 50] us */
	vf__syscall(&v, &A, VF_T0 + 60000, 7, 0, 15000, 0); /* [45, 60]: overlaps the one before */
	vf__segment(&v, NULL);
	/* the next segment starts with a call that ended before the one before (the cursor sorts within a segment) */
	vf__syscall(&v, &A, VF_T0 + 55000, 7, 0, 1000, 0);
	vf__syscall(&v, &A, VF_T0 + 100000, 42, 0, 2000, 0);
	vf__net(&v, &A, EBR_T_CONNECT, VF_T0 + 100000, "10.0.0.2", 40000, "10.0.0.1", 443, EBR_DIR_OUT, 0, 0,
		2000, 0x77);
	vf__net(&v, &A, EBR_T_TCP_CLOSE, VF_T0 + 500000, "10.0.0.2", 40000, "10.0.0.1", 443, EBR_DIR_OUT, 1000,
		2000, 400000, 0x77);
	vf__net(&v, &B, EBR_T_TCP_CLOSE, VF_T0 + 600000, "10.0.0.2", 8080, "10.0.0.9", 55555, EBR_DIR_IN, 5, 6,
		100000, 0x88);
	vf__fork(&v, &B, VF_T0 + 700000, 300, 300);
	vf__exit(&v, &B, VF_T0 + 800000, 1, 0);
	vf__kmalloc(&v, &A, VF_T0 + 900000, 128);
	vf__segment(&v, drops);
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

static char *export(struct ctx *c, const char *name, struct chrome_trace_opts *o)
{
	char *out = fx_path(c->dir, name);
	FILE *f = fopen(out, "w");

	assert_non_null(f);
	assert_int_equal(export_chrome_trace(c->r, o, f), 0);
	assert_int_equal(fclose(f), 0);
	return out;
}

/* ------------------------------------------------------------ tests */

static void test_whole_capture(void **state)
{
	struct ctx *c = *state;
	struct chrome_trace_stats st;
	struct chrome_trace_opts o = { .sz = sizeof(o), .stats = &st };
	char *path = export(c, "all.json", &o);
	size_t n_slices;
	json_object *root = check_trace(path, &n_slices), *e;

	/* read, file read, openat, 2 polls, connect syscall, connect */
	assert_int_equal(n_slices, 7);
	assert_int_equal(st.slices, 7);
	assert_int_equal(st.moved, 1);
	assert_int_equal(st.unplaced, 1);
	assert_int_equal(st.connections, 2);
	assert_int_equal(st.records, 15);

	/* a syscall: started at ts - duration, in microseconds from the first event */
	e = find(root, "X", "read", 100);
	assert_non_null(e);
	assert_int_equal(ns_of(member(e, "ts")), 6000);
	assert_int_equal(ns_of(member(e, "dur")), 4000);
	assert_string_equal(json_object_get_string(member(e, "cat")), "syscall");
	assert_int_equal(arg_int(e, "ret"), 10);
	assert_int_equal(arg_int(e, "duration"), 4000);
	/* a pointer beyond 2^53 stays exact as a string */
	assert_string_equal(arg_str(e, "arg1"), "0xffff888105689bc0");
	assert_null(member(member(e, "args"), "comm")); /* the header's fields are the track's */
	/* the same call seen by the file family: same span, so they nest */
	e = find(root, "X", "read /etc/passwd", 100);
	assert_non_null(e);
	assert_int_equal(ns_of(member(e, "ts")), 6000);
	assert_int_equal(ns_of(member(e, "dur")), 4000);
	assert_string_equal(arg_str(e, "filename"), "/etc/passwd");
	/* errno by name */
	e = find(root, "X", "openat", 100);
	assert_non_null(e);
	assert_int_equal(arg_int(e, "ret"), -2);
	assert_string_equal(arg_str(e, "errno"), "ENOENT");
	/* began before recording: an instant */
	e = find(root, "i", "futex", 100);
	assert_non_null(e);
	assert_int_equal(ns_of(member(e, "ts")), 30000);
	assert_string_equal(json_object_get_string(member(e, "s")), "t");
	/* [45, 60] overlapped [40, 50] partly: it starts at 50 */
	e = find(root, "X", "poll", 100);
	assert_non_null(e);
	assert_int_equal(ns_of(member(e, "ts")), 40000);
	assert_int_equal(ns_of(member(e, "dur")), 10000);
	e = json_object_array_get_idx(member(root, "traceEvents"), 0);
	{
		json_object *events = member(root, "traceEvents");
		int seen = 0;

		for (size_t i = 0; i < json_object_array_length(events); i++) {
			e = json_object_array_get_idx(events, i);
			if (strcmp(json_object_get_string(member(e, "name")), "poll"))
				continue;
			if (!strcmp(json_object_get_string(member(e, "ph")), "X") &&
			    ns_of(member(e, "ts")) == 50000) {
				assert_int_equal(ns_of(member(e, "dur")), 10000);
				assert_int_equal(arg_int(e, "duration"), 15000); /* the recorded value is kept */
				seen |= 1;
			}
			if (!strcmp(json_object_get_string(member(e, "ph")), "i")) {
				assert_int_equal(ns_of(member(e, "ts")), 55000);
				seen |= 2;
			}
		}
		assert_int_equal(seen, 3);
	}
	/* a connection from connect to close, with its bytes */
	e = find(root, "b", "tcp to 10.0.0.1:443", -1);
	assert_non_null(e);
	assert_int_equal(ns_of(member(e, "ts")), 98000);
	assert_int_equal(json_object_get_int64(member(e, "pid")), 100);
	assert_int_equal(arg_int(e, "bytes_sent"), 1000);
	assert_int_equal(arg_int(e, "bytes_received"), 2000);
	{
		int64_t id = json_object_get_int64(member(e, "id"));

		e = find(root, "e", "tcp to 10.0.0.1:443", -1);
		assert_non_null(e);
		assert_int_equal(ns_of(member(e, "ts")), 500000);
		assert_int_equal(json_object_get_int64(member(e, "id")), id);
	}
	/* a close without its connect: the close's lifetime gives the start */
	e = find(root, "b", "tcp from 10.0.0.9:55555 to :8080", -1);
	assert_non_null(e);
	assert_int_equal(ns_of(member(e, "ts")), 500000);
	assert_int_equal(json_object_get_int64(member(e, "tid")), 201);
	assert_int_equal(count(root, "b"), 2);
	assert_int_equal(count(root, "e"), 2);
	/* process lifecycle */
	assert_non_null(find(root, "i", "exec /usr/bin/beta", 201));
	assert_non_null(find(root, "i", "fork 300", 201));
	e = find(root, "i", "exit 1", 201);
	assert_non_null(e);
	assert_int_equal(ns_of(member(e, "ts")), 800000);
	assert_non_null(find(root, "i", "kmalloc", 100));
	/* names */
	e = find(root, "M", "thread_name", 201);
	assert_non_null(e);
	assert_int_equal(json_object_get_int64(member(e, "pid")), 200);
	assert_string_equal(arg_str(e, "name"), "beta");
	e = find(root, "M", "process_name", 100);
	assert_non_null(e);
	assert_string_equal(arg_str(e, "name"), "alpha");
	e = find(root, "M", "process_labels", 100);
	assert_non_null(e);
	assert_string_equal(arg_str(e, "labels"), "/usr/bin/alpha");
	e = find(root, "M", "process_labels", 200);
	assert_non_null(e);
	assert_string_equal(arg_str(e, "labels"), "/usr/bin/beta");
	/* counters: events per second by family, drops per second */
	e = find(root, "C", "events/s", -1);
	assert_non_null(e);
	assert_int_equal(json_object_get_int64(member(e, "pid")), CHROME_COUNTER_PID);
	assert_non_null(member(member(e, "args"), "syscall"));
	assert_non_null(find(root, "C", "drops/s", -1));
	json_object_put(root);
	free(path);
}

/* Counters' values are exact rates: 1 ms buckets, the syscalls in the first one. */
static void test_counter_values(void **state)
{
	struct ctx *c = *state;
	struct chrome_trace_opts o = { .sz = sizeof(o), .bucket_ns = 1000000 };
	char *path = export(c, "counters.json", &o);
	json_object *root = check_trace(path, NULL), *e = find(root, "C", "events/s", -1);

	assert_int_equal(ns_of(member(e, "ts")), 0);
	/* in [0, 1 ms): 7 syscalls -> 7000/s; 1 exec + 1 fork + 1 exit; 2 file... */
	assert_int_equal(arg_int(e, "syscall"), 7000);
	assert_int_equal(arg_int(e, "process"), 3000);
	assert_int_equal(arg_int(e, "network"), 3000);
	assert_int_equal(arg_int(e, "file"), 1000);
	assert_int_equal(arg_int(e, "memory"), 1000);
	/* 7 drops over (55 us, 900 us]: all in the only bucket */
	e = find(root, "C", "drops/s", -1);
	assert_non_null(e);
	assert_int_equal(arg_int(e, "ring buffer full"), 7000);
	json_object_put(root);
	free(path);
}

static void test_window_and_types(void **state)
{
	struct ctx *c = *state;
	struct chrome_trace_stats st;
	struct chrome_trace_opts o = { .sz = sizeof(o), .stats = &st,
				       .from_ts = VF_T0 + 15000, .to_ts = VF_T0 + 550000 };
	char *path = export(c, "window.json", &o);
	json_object *root = check_trace(path, NULL);

	/* openat, futex, 3 polls, connect syscall, connect, close */
	assert_int_equal(st.records, 8);
	assert_null(find(root, "X", "read", -1));
	assert_null(find(root, "i", "exit 1", -1));
	assert_non_null(find(root, "X", "openat", 100));
	/* times stay relative to the capture's first event */
	assert_int_equal(ns_of(member(find(root, "X", "openat", 100), "ts")), 19000);
	assert_int_equal(count(root, "b"), 1);
	json_object_put(root);
	free(path);

	memset(o.type_bitmap, 0, sizeof(o.type_bitmap));
	ebr_type_bitmap__set(o.type_bitmap, EBR_T_SYSCALL);
	o.from_ts = o.to_ts = 0;
	o.no_counters = 1;
	path = export(c, "types.json", &o);
	root = check_trace(path, NULL);
	assert_int_equal(st.records, 7);
	assert_int_equal(count(root, "b"), 0);
	assert_int_equal(count(root, "C"), 0);
	assert_null(find(root, "X", "read /etc/passwd", -1));
	assert_non_null(find(root, "X", "read", -1));
	json_object_put(root);
	free(path);
}

static void test_write_error(void **state)
{
	struct ctx *c = *state;
	FILE *f = fopen("/dev/full", "w");

	if (!f)
		skip();
	fx_log_capture();
	assert_int_equal(export_chrome_trace(c->r, NULL, f), -ENOSPC);
	assert_non_null(strstr(fx_log_text(), "writing the trace failed"));
	fx_log_restore();
	fclose(f);
}

/* A busy synthetic capture: thousands of slices, all nested, all valid. */
static void test_demo_capture(void **state)
{
	struct ctx *c = *state;
	char *cap = fx_path(c->dir, "demo.ebc"), *out = fx_path(c->dir, "demo.json");
	struct chrome_trace_stats st;
	struct chrome_trace_opts o = { .sz = sizeof(o), .stats = &st };
	struct ebr_reader *r;
	json_object *root;
	size_t n_slices;
	FILE *f;

	assert_int_equal(vf__demo(cap, 42), 0);
	r = ebr_reader__open(cap);
	assert_non_null(r);
	f = fopen(out, "w");
	assert_non_null(f);
	assert_int_equal(export_chrome_trace(r, &o, f), 0);
	assert_int_equal(fclose(f), 0);
	root = check_trace(out, &n_slices);
	assert_true(n_slices > 10000);
	assert_int_equal(n_slices, st.slices);
	assert_true(st.connections > 20);
	assert_int_equal(st.unplaced, 0);
	json_object_put(root);
	ebr_reader__close(r);
	free(cap);
	free(out);
}

/* The guard on random slices arriving by end time: whatever comes in, what goes out nests. */
static void test_nest_random(void **state)
{
	struct slice_nest *n = slice_nest__new();
	struct fx_rng rng = { 7 };
	struct span *placed = calloc(20000, sizeof(*placed));
	uint64_t end[3] = { 1000, 1000, 1000 };
	size_t np = 0, moved = 0;

	(void)state;
	assert_non_null(n);
	assert_non_null(placed);
	for (int i = 0; i < 20000; i++) {
		uint32_t tid = (uint32_t)fx_below(&rng, 3);
		uint64_t e = end[tid] + fx_below(&rng, 50), s = e - fx_below(&rng, 300), s0 = s;
		int ret = slice_nest__place(n, tid, &s, e);

		end[tid] = e;
		assert_true(ret == SLICE_PLACED || ret == SLICE_MOVED);
		assert_true(s >= s0 && s <= e);
		assert_true((ret == SLICE_MOVED) == (s != s0));
		moved += ret == SLICE_MOVED;
		placed[np++] = (struct span){ 0, tid, (int64_t)s, (int64_t)e };
	}
	assert_true(moved > 100); /* the input did overlap */
	qsort(placed, np, sizeof(*placed), by_thread_then_start);
	for (size_t i = 0, depth = 0; i < np; i++) {
		static struct span stack[64];

		if (i && placed[i].tid != placed[i - 1].tid)
			depth = 0;
		while (depth && stack[depth - 1].end <= placed[i].start)
			depth--;
		assert_false(depth && placed[i].end > stack[depth - 1].end);
		if (depth < 64)
			stack[depth++] = placed[i];
	}
	/* out of order: ends before the thread's latest end */
	{
		uint64_t s = 0;

		assert_int_equal(slice_nest__place(n, 0, &s, 5), SLICE_UNPLACED);
	}
	/* identical spans nest, as the syscall and file events of one call do */
	{
		uint64_t s1 = 1000000, s2 = 1000000, s3 = 1000000;

		assert_int_equal(slice_nest__place(n, 9, &s1, 1000100), SLICE_PLACED);
		assert_int_equal(slice_nest__place(n, 9, &s2, 1000100), SLICE_PLACED);
		assert_int_equal(slice_nest__place(n, 9, &s3, 1000100), SLICE_PLACED);
	}
	free(placed);
	slice_nest__free(n);
}

/* The decoder's args object: own fields only, hex as strings. */
static void test_json_fields(void **state)
{
	struct ctx *c = *state;
	struct ebr_cursor_opts co = { .sz = sizeof(co) };
	struct ebr_cursor *cur = ebr_cursor__open(c->r, &co);
	struct ebr_decoder *d = ebr_decoder__new(ebr_reader__schema(c->r), ebr_reader__info(c->r), NULL);
	const struct ebr_event_header *rec;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	assert_non_null(cur);
	assert_non_null(d);
	do
		assert_int_equal(ebr_cursor__next(cur, &rec), 1);
	while (rec->type != EBR_T_SYSCALL);
	f = open_memstream(&text, &len);
	assert_int_equal(ebr_decoder__json_fields(d, rec, EBR_JSON_OWN_FIELDS | EBR_JSON_HEX_STRINGS, f), 0);
	fclose(f);
	assert_string_equal(text, "{\"ret\":10,\"duration\":4000,\"arg0\":\"0x0\",\"arg1\":\"0xffff888105689bc0\","
				  "\"arg2\":\"0x2000\",\"arg3\":\"0x3000\",\"arg4\":\"0x4000\",\"arg5\":\"0x5000\","
				  "\"nr\":0,\"syscall\":\"read\",\"syscall_flags\":\"0x0\"}");
	free(text);
	f = open_memstream(&text, &len);
	assert_int_equal(ebr_decoder__json_fields(d, rec, 0, f), 0);
	fclose(f);
	/* without flags: the header's fields too, numbers as numbers */
	assert_non_null(strstr(text, "{\"cpu\":0,\"pid\":100,\"tid\":100,"));
	assert_non_null(strstr(text, "\"arg1\":18446612686455741376,"));
	free(text);
	ebr_decoder__free(d);
	ebr_cursor__close(cur);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_fields),
		cmocka_unit_test(test_whole_capture),
		cmocka_unit_test(test_counter_values),
		cmocka_unit_test(test_window_and_types),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_nest_random),
		cmocka_unit_test(test_demo_capture),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
