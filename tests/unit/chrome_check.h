/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Checks of an exported Chrome trace, parsed with json-c (independently of
 * the exporter): the fields each phase needs, and slices nested on every
 * thread. Shared by the unit test and the recording integration test.
 */
#ifndef EBPFREC_TEST_CHROME_CHECK_H
#define EBPFREC_TEST_CHROME_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

struct span {
	int64_t pid, tid, start, end;
};

/* Parse path and check it; fails the test on any violation. *n_slices: the X events. */
json_object *check_trace(const char *path, size_t *n_slices);
/* A "ts"/"dur" value in integer nanoseconds (three decimals of a microsecond are exact). */
int64_t ns_of(json_object *v);
json_object *member(json_object *o, const char *key);
/* The first event of phase ph named name (NULL: any) on tid (-1: any), or NULL. */
json_object *find(json_object *root, const char *ph, const char *name, int64_t tid);
size_t count(json_object *root, const char *ph);
const char *arg_str(json_object *e, const char *key);
int64_t arg_int(json_object *e, const char *key);
/* Sort order: thread, then start, the longer first (it is the parent). */
int by_thread_then_start(const void *x, const void *y);

#endif
