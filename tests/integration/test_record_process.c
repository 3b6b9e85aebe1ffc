// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Records a workload of known processes with the real `ebpfrec record`,
 * then checks `ebpfrec replay --output json` shows exactly them.
 * argv: ebpfrec binary, workload binary.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "bpf_check.h"

#define N 50

static const char *ebpfrec_bin, *workload_bin;
static char dir[] = "/tmp/ebpfrec-test-XXXXXX";
static char capture[256];

struct ev {
	char type[16];
	int64_t pid, ppid, child_pid, exit_code, signal, ret, clone_flags;
	char filename[256];
	char comm[32];
};

static struct ev *events;
static size_t n_events;

static int64_t get_int(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : -1;
}

static void get_str(struct json_object *o, const char *key, char *buf, size_t len)
{
	struct json_object *v;

	buf[0] = 0;
	if (json_object_object_get_ex(o, key, &v))
		snprintf(buf, len, "%s", json_object_get_string(v));
}

static int record_and_load(void **state)
{
	char cmd[1024], line[8192];
	FILE *p;

	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(capture, sizeof(capture), "%s/t.ebc", dir);
	snprintf(cmd, sizeof(cmd), "%s record -q -o %s -- %s %d", ebpfrec_bin, capture, workload_bin, N);
	if (system(cmd) != 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "%s replay %s --output json", ebpfrec_bin, capture);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		struct json_object *o = json_tokener_parse(line);
		struct ev *e;

		if (!o)
			return -1; /* every line must be valid JSON */
		events = realloc(events, (n_events + 1) * sizeof(*events));
		e = &events[n_events++];
		memset(e, 0, sizeof(*e));
		get_str(o, "type", e->type, sizeof(e->type));
		get_str(o, "filename", e->filename, sizeof(e->filename));
		get_str(o, "comm", e->comm, sizeof(e->comm));
		e->pid = get_int(o, "pid");
		e->ppid = get_int(o, "ppid");
		e->child_pid = get_int(o, "child_pid");
		e->exit_code = get_int(o, "exit_code");
		e->signal = get_int(o, "signal");
		e->ret = get_int(o, "ret");
		e->clone_flags = get_int(o, "clone_flags");
		json_object_put(o);
	}
	return pclose(p) == 0 ? 0 : -1;
}

static int cleanup(void **state)
{
	char cmd[512];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	free(events);
	return system(cmd) == 0 ? 0 : -1;
}

/* The workload's pid: the process that exec'd the workload binary. */
static int64_t workload_pid(void)
{
	const char *base = strrchr(workload_bin, '/') ? strrchr(workload_bin, '/') + 1 : workload_bin;

	for (size_t i = 0; i < n_events; i++) {
		const char *fb = strrchr(events[i].filename, '/');

		if (!strcmp(events[i].type, "exec") && fb && !strcmp(fb + 1, base))
			return events[i].pid;
	}
	return -1;
}

static void test_execs_of_true(void **state)
{
	int64_t wl = workload_pid();
	size_t n = 0;

	(void)state;
	assert_true(wl > 0);
	for (size_t i = 0; i < n_events; i++)
		if (!strcmp(events[i].type, "exec") && events[i].ppid == wl) {
			assert_string_equal(events[i].filename, "/bin/true");
			assert_int_equal(events[i].ret, 0);
			n++;
		}
	assert_int_equal(n, N);
}

static int exec_seen(int64_t pid)
{
	for (size_t i = 0; i < n_events; i++)
		if (!strcmp(events[i].type, "exec") && events[i].pid == pid)
			return 1;
	return 0;
}

static void test_exits_and_codes(void **state)
{
	int64_t wl = workload_pid();
	size_t n_true = 0, n_coded = 0, n_killed = 0;

	(void)state;
	for (size_t i = 0; i < n_events; i++) {
		const struct ev *e = &events[i];

		if (strcmp(e->type, "exit") || e->ppid != wl)
			continue;
		if (exec_seen(e->pid)) {
			assert_int_equal(e->exit_code, 0);
			assert_int_equal(e->signal, 0);
			n_true++;
		} else if (e->signal) {
			assert_int_equal(e->signal, 9);
			n_killed++;
		} else {
			/* children exit one after another with 1..N, in time order */
			assert_int_equal(e->exit_code, (int64_t)n_coded + 1);
			n_coded++;
		}
	}
	assert_int_equal(n_true, N);
	assert_int_equal(n_coded, N);
	assert_int_equal(n_killed, 1);
}

static void test_forks_match_children(void **state)
{
	int64_t wl = workload_pid();
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < n_events; i++)
		if (!strcmp(events[i].type, "fork") && events[i].pid == wl) {
			/* glibc's fork(): clone(CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD) */
			assert_int_equal(events[i].clone_flags, 0x1200011);
			n++;
		}
	assert_int_equal(n, 2 * N + 1);
}

static void test_workload_exit_recorded(void **state)
{
	int64_t wl = workload_pid();
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < n_events; i++)
		if (!strcmp(events[i].type, "exit") && events[i].pid == wl) {
			assert_int_equal(events[i].exit_code, 0);
			n++;
		}
	assert_int_equal(n, 1);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_execs_of_true),
		cmocka_unit_test(test_exits_and_codes),
		cmocka_unit_test(test_forks_match_children),
		cmocka_unit_test(test_workload_exit_recorded),
	};

	if (argc < 3) {
		fprintf(stderr, "usage: %s EBPFREC WORKLOAD\n", argv[0]);
		return 2;
	}
	if (bpf_skip_if_unavailable())
		return EXIT_SKIP;
	ebpfrec_bin = argv[1];
	workload_bin = argv[2];
	return cmocka_run_group_tests(tests, record_and_load, cleanup);
}
