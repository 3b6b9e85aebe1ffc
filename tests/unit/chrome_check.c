// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "chrome_check.h"

int64_t ns_of(json_object *v)
{
	/* three decimals of a microsecond are exact nanoseconds */
	return (int64_t)llround(json_object_get_double(v) * 1000.0);
}

json_object *member(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

static void require(json_object *e, const char *key, json_type type)
{
	json_object *v = member(e, key);

	if (!v || (!json_object_is_type(v, type) &&
		   !(type == json_type_double && json_object_is_type(v, json_type_int))))
		fail_msg("event %s lacks '%s' of the right type", json_object_to_json_string(e), key);
}

int by_thread_then_start(const void *x, const void *y)
{
	const struct span *a = x, *b = y;

	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	if (a->tid != b->tid)
		return a->tid < b->tid ? -1 : 1;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return a->end > b->end ? -1 : a->end < b->end; /* the longer one first: it is the parent */
}

/*
 * Every event has the fields its phase requires; the X events of each thread
 * nest (no two overlap only partly). Returns the parsed trace.
 */
json_object *check_trace(const char *path, size_t *n_slices)
{
	json_object *root = json_object_from_file(path), *events;
	struct span *spans;
	size_t n, ns = 0;

	if (!root)
		fail_msg("%s is not valid JSON: %s", path, json_util_get_last_err());
	events = member(root, "traceEvents");
	assert_non_null(events);
	assert_true(json_object_is_type(events, json_type_array));
	assert_string_equal(json_object_get_string(member(root, "displayTimeUnit")), "ns");
	n = json_object_array_length(events);
	spans = calloc(n + 1, sizeof(*spans));
	assert_non_null(spans);
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(events, i);
		const char *ph;

		require(e, "ph", json_type_string);
		require(e, "name", json_type_string);
		require(e, "pid", json_type_int);
		require(e, "tid", json_type_int);
		ph = json_object_get_string(member(e, "ph"));
		if (strcmp(ph, "M")) {
			require(e, "ts", json_type_double);
			assert_true(ns_of(member(e, "ts")) >= 0);
		}
		if (!strcmp(ph, "X")) {
			require(e, "dur", json_type_double);
			require(e, "cat", json_type_string);
			require(e, "args", json_type_object);
			assert_true(ns_of(member(e, "dur")) >= 0);
			spans[ns++] = (struct span){ json_object_get_int64(member(e, "pid")),
						     json_object_get_int64(member(e, "tid")),
						     ns_of(member(e, "ts")),
						     ns_of(member(e, "ts")) + ns_of(member(e, "dur")) };
		} else if (!strcmp(ph, "i")) {
			require(e, "s", json_type_string);
			require(e, "args", json_type_object);
		} else if (!strcmp(ph, "b") || !strcmp(ph, "e")) {
			require(e, "cat", json_type_string);
			require(e, "id", json_type_int);
		} else if (!strcmp(ph, "C")) {
			json_object_object_foreach(member(e, "args"), k, v) {
				(void)k;
				assert_true(json_object_is_type(v, json_type_double) ||
					    json_object_is_type(v, json_type_int));
			}
		} else if (!strcmp(ph, "M")) {
			require(e, "args", json_type_object);
			assert_true(member(member(e, "args"), "name") || member(member(e, "args"), "labels"));
		} else {
			fail_msg("unexpected phase %s", ph);
		}
	}
	/* sorted by start, longest first: each slice must end within every open one it starts in */
	qsort(spans, ns, sizeof(*spans), by_thread_then_start);
	for (size_t i = 0, depth = 0; i < ns; i++) {
		static struct span stack[64];

		if (i && (spans[i].pid != spans[i - 1].pid || spans[i].tid != spans[i - 1].tid))
			depth = 0;
		while (depth && stack[depth - 1].end <= spans[i].start)
			depth--;
		if (depth && spans[i].end > stack[depth - 1].end)
			fail_msg("slices overlap on tid %lld: [%lld, %lld] and [%lld, %lld]", (long long)spans[i].tid,
				 (long long)stack[depth - 1].start, (long long)stack[depth - 1].end,
				 (long long)spans[i].start, (long long)spans[i].end);
		assert_true(depth < 64);
		stack[depth++] = spans[i];
	}
	free(spans);
	if (n_slices)
		*n_slices = ns;
	return root;
}

/* The first event of phase ph named name (NULL: any name), or NULL. */
json_object *find(json_object *root, const char *ph, const char *name, int64_t tid)
{
	json_object *events = member(root, "traceEvents");

	for (size_t i = 0; i < json_object_array_length(events); i++) {
		json_object *e = json_object_array_get_idx(events, i);

		if (strcmp(json_object_get_string(member(e, "ph")), ph))
			continue;
		if (name && strcmp(json_object_get_string(member(e, "name")), name))
			continue;
		if (tid >= 0 && json_object_get_int64(member(e, "tid")) != tid)
			continue;
		return e;
	}
	return NULL;
}

size_t count(json_object *root, const char *ph)
{
	json_object *events = member(root, "traceEvents");
	size_t n = 0;

	for (size_t i = 0; i < json_object_array_length(events); i++)
		n += !strcmp(json_object_get_string(member(json_object_array_get_idx(events, i), "ph")), ph);
	return n;
}

const char *arg_str(json_object *e, const char *key)
{
	json_object *v = member(member(e, "args"), key);

	return v ? json_object_get_string(v) : NULL;
}

int64_t arg_int(json_object *e, const char *key)
{
	json_object *v = member(member(e, "args"), key);

	if (!v)
		fail_msg("no args.%s in %s", key, json_object_to_json_string(e));
	return json_object_get_int64(v);
}

