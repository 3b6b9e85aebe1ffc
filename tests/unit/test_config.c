// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * record --config / --print-config, through the real binary (printing the
 * configuration needs no privileges): valid files, the original collector's
 * keys, a round trip, and invalid files with their exact messages.
 * argv[1]: ebpfrec.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "capture_fixture.h"

static const char *ebpfrec;
static char *dir;

struct result {
	int status;
	char out[8192];
	char err[2048];
};

static void run(const char *config_text, const char *extra, struct result *r)
{
	char *cfg = fx_path(dir, "c.json"), *out = fx_path(dir, "out"), *err = fx_path(dir, "err");
	char cmd[4096];
	size_t n;
	void *buf;
	int st;

	fx_write_file(cfg, config_text, strlen(config_text));
	snprintf(cmd, sizeof(cmd), "'%s' record --config '%s' %s --print-config >'%s' 2>'%s'", ebpfrec, cfg,
		 extra ? extra : "", out, err);
	st = system(cmd);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	buf = fx_read_file(out, &n);
	snprintf(r->out, sizeof(r->out), "%.*s", (int)n, (char *)buf);
	free(buf);
	buf = fx_read_file(err, &n);
	snprintf(r->err, sizeof(r->err), "%.*s", (int)n, (char *)buf);
	free(buf);
	free(cfg);
	free(out);
	free(err);
}

static void test_valid_and_round_trip(void **state)
{
	struct result a, b;

	(void)state;
	run("{ \"profile\": \"syscall\", \"ring_buffer_size\": \"1M\", \"segment_time\": \"500ms\",\n"
	    "  \"rate_limits\": { \"syscall\": 1000 }, \"syscalls\": [\"openat\", \"read\"],\n"
	    "  \"filter\": \"ret < 0\", \"rotate_time\": 60, \"rotate_keep\": 5, \"output\": \"x.ebc\" }",
	    NULL, &a);
	assert_int_equal(a.status, 0);
	assert_string_equal(a.err, "");
	assert_non_null(strstr(a.out, "\"ring_buffer_size\": 1048576"));
	assert_non_null(strstr(a.out, "\"segment_time\": 0.5"));
	assert_non_null(strstr(a.out, "\"syscall\": 1000"));
	assert_non_null(strstr(a.out, "\"openat\""));
	assert_non_null(strstr(a.out, "\"filter\": \"ret < 0\""));
	assert_non_null(strstr(a.out, "\"rotate_keep\": 5"));
	/* what --print-config prints is a configuration that prints the same */
	run(a.out, NULL, &b);
	assert_int_equal(b.status, 0);
	assert_string_equal(b.out, a.out);
}

static void test_original_collector_keys(void **state)
{
	struct result r;

	(void)state;
	run("{ \"name\": \"custom-monitor\", \"enabled\": true, \"event_buffer_size\": 10000,\n"
	    "  \"ring_buffer_size\": 65536, \"batch_size\": 100, \"collection_interval\": \"50ms\",\n"
	    "  \"max_events_per_second\": 10000, \"timeout\": \"30s\",\n"
	    "  \"programs\": [ { \"family\": \"network\" }, { \"family\": \"syscall\", \"syscalls\": [\"connect\"],\n"
	    "                  \"max_events_per_second\": 500 } ],\n"
	    "  \"filter\": { \"event_types\": [\"connect\", \"syscall\"], \"exclude_system_processes\": true } }",
	    NULL, &r);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "\"name\": \"custom-monitor\""));
	assert_non_null(strstr(r.out, "\"families\": [\n    \"syscall\",\n    \"network\"\n  ]"));
	assert_non_null(strstr(r.out, "\"all\": 10000"));
	assert_non_null(strstr(r.out, "\"syscall\": 500"));
	assert_non_null(strstr(r.out, "\"batch_size\": 100"));
	assert_non_null(strstr(r.out, "\"collection_interval\": 0.05"));
	assert_non_null(strstr(r.out, "\"duration\": 30.0"));
	assert_non_null(strstr(r.out, "\"filter\": \"type in (connect, syscall) and not system\""));
}

static void test_low_latency(void **state)
{
	struct result a, b;

	(void)state;
	/* an interval means the low-latency mode, and prints as one */
	run("{ \"drain_interval\": \"100us\", \"rt_priority\": 5 }", NULL, &a);
	assert_int_equal(a.status, 0);
	assert_string_equal(a.err, "");
	assert_non_null(strstr(a.out, "\"low_latency\": true,\n  \"drain_interval\": \"100us\",\n  \"rt_priority\": 5"));
	run(a.out, NULL, &b);
	assert_int_equal(b.status, 0);
	assert_string_equal(b.out, a.out);
	run("{ \"low_latency\": true }", NULL, &a);
	assert_non_null(strstr(a.out, "\"drain_interval\": \"250us\""));
	assert_null(strstr(a.out, "rt_priority"));
	run("{ \"drain_interval\": 0.0005 }", NULL, &a);
	assert_non_null(strstr(a.out, "\"drain_interval\": \"500us\""));
	/* the default mode has no drain interval of its own (collection_interval is its) */
	run("{ \"collection_interval\": \"20ms\" }", NULL, &a);
	assert_non_null(strstr(a.out, "\"low_latency\": false"));
	assert_null(strstr(a.out, "drain_interval"));
	run("{ \"drain_interval\": \"100us\" }", "--drain-interval 1ms --rt-priority 7", &a);
	assert_int_equal(a.status, 0);
	assert_non_null(strstr(a.out, "\"drain_interval\": \"1000us\""));
	assert_non_null(strstr(a.out, "\"rt_priority\": 7"));
	run("{ }", "--drain-interval 5us", &a);
	assert_int_equal(a.status, 2);
	assert_string_equal(a.err, "ebpfrec record: invalid value '5us' for --drain-interval\n");
	run("{ }", "--rt-priority 0", &a);
	assert_int_equal(a.status, 2);
	assert_string_equal(a.err, "ebpfrec record: invalid value '0' for --rt-priority\n");
}

static void test_command_line_overrides(void **state)
{
	struct result r;

	(void)state;
	run("{ \"segment_size\": \"2M\", \"compression_level\": 3 }", "-z 9", &r);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "\"segment_size\": 2097152"));
	assert_non_null(strstr(r.out, "\"compression_level\": 9"));
}

struct bad {
	const char *text;
	const char *message; /* after "ebpfrec record: PATH:" */
};

static const struct bad bads[] = {
	{ "{ \"a\": [1, }", "1:12: invalid JSON: unexpected character" },
	{ "[1, 2]", " expected a JSON object at the top" },
	{ "{\n \"ring_buffer_size\": 65537 }", "2:2: 'ring_buffer_size': must be a power of two from 4096 to 2G, got 65537" },
	{ "{ \"ring_buffer_size\": 1024 }", "1:3: 'ring_buffer_size': must be a power of two from 4096 to 2G, got 1024" },
	{ "{ \"ring_buffer_size\": true }", "1:3: 'ring_buffer_size': expected a non-negative integer, got boolean" },
	{ "{ \"ring_buffer_size\": \"lots\" }", "1:3: 'ring_buffer_size': 'lots' is not a size (4096, 64k, 16M)" },
	{ "{\n\n  \"colection_interval\": 5 }", "3:3: 'colection_interval': unknown key (docs/config.md lists them)" },
	{ "{ \"collection_interval\": \"5h\" }", "1:3: 'collection_interval': must be from 1ms to 1s" },
	{ "{ \"collection_interval\": \"soon\" }", "1:3: 'collection_interval': 'soon' is not a duration (10, 1.5s, 500ms, 2m)" },
	{ "{ \"timeout\": [] }", "1:3: 'timeout': expected a duration (seconds, or a string like \"500ms\"), got array" },
	/* found by fuzz_config: durations that do not fit in 64 bits of ns */
	{ "{ \"segment_time\": 1e300 }", "1:3: 'segment_time': 1e+300 is not a duration in seconds" },
	{ "{ \"duration\": \"1e300h\" }", "1:3: 'duration': '1e300h' is not a duration (10, 1.5s, 500ms, 2m)" },
	{ "{ \"ring_buffer_size\": \"inf\" }", "1:3: 'ring_buffer_size': 'inf' is not a size (4096, 64k, 16M)" },
	{ "{ \"batch_size\": 0 }", "1:3: 'batch_size': must be from 1 to 1000000 events" },
	{ "{ \"batch_size\": -5 }", "1:3: 'batch_size': expected a non-negative integer, got int" },
	{ "{ \"segment_size\": \"1k\" }", "1:3: 'segment_size': must be from 64k to 64M" },
	{ "{ \"compression_level\": 42 }", "1:3: 'compression_level': must be from 1 to 19" },
	{ "{ \"profile\": \"everything\" }", "1:3: 'profile': unknown profile 'everything' (minimal, process, syscall, network, fileio, memory, default, all)" },
	{ "{ \"families\": [\"process\", \"gpu\"] }", "1:3: 'families': families are process, syscall, network, memory, file" },
	{ "{ \"families\": [\"process\", 7] }", "1:3: 'families': item 1: expected a string, got int" },
	{ "{ \"rate_limits\": { \"disk\": 5 } }", "1:20: 'disk': not a family (all, process, syscall, network, memory, file)" },
	{ "{ \"rate_limits\": { \"memory\": \"x\" } }", "1:20: 'memory': expected a non-negative integer, got string" },
	{ "{ \"rate_limits\": 5 }", "1:3: 'rate_limits': expected an object of family: events per second, got int" },
	{ "{ \"enabled\": false }", "1:3: 'enabled': this configuration is disabled; set \"enabled\": true to record with it" },
	{ "{ \"enabled\": \"yes\" }", "1:3: 'enabled': expected true or false, got string" },
	{ "{ \"output\": 5 }", "1:3: 'output': expected a file name, got int" },
	{ "{ \"filter\": { \"expression\": \"x\" } }", "1:15: 'expression': unknown key in \"filter\" (expr, event_types, pids, containers, namespaces, min_severity, exclude_system_processes)" },
	{ "{ \"filter\": { \"expr\": 5 } }", "1:15: 'expr': expected an expression, got int" },
	{ "{ \"filter\": 5 }", "1:3: 'filter': expected an expression or an object, got int" },
	{ "{ \"programs\": [ { \"enabled\": true } ] }", "1:3: 'programs': entry 0 needs a \"family\" name" },
	{ "{ \"programs\": [ { \"family\": \"disk\" } ] }", "1:19: 'family': 'disk' is not a family (process, syscall, network, memory, file)" },
	{ "{ \"programs\": [ { \"family\": \"file\", \"code\": \"x\" } ] }", "1:37: 'code': unknown key in a program (family, enabled, max_events_per_second)" },
	{ "{ \"max_args_size\": 5000 }", "1:3: 'max_args_size': must be from 1 to 4096" },
	{ "{ \"rotate_size\": 1000 }", "1:3: 'rotate_size': must be at least 64k" },
	{ "{ \"output_format\": \"xml\" }", "1:3: 'output_format': expected \"text\" or \"json\", got \"xml\"" },
	{ "{ \"pids\": [0] }", "1:3: 'pids': item 0: not a process id, or too many (at most 64)" },
	{ "{ \"command\": [] }", "1:3: 'command': needs a program and at most a few dozen arguments" },
	{ "{ \"drain_interval\": \"5us\" }", "1:3: 'drain_interval': must be from 10us to 100ms" },
	{ "{ \"drain_interval\": 1 }", "1:3: 'drain_interval': must be from 10us to 100ms" },
	{ "{ \"drain_interval\": true }", "1:3: 'drain_interval': expected a duration (seconds, or a string like \"500ms\"), got boolean" },
	{ "{ \"rt_priority\": 0 }", "1:3: 'rt_priority': must be from 1 to 99" },
	{ "{ \"rt_priority\": 100 }", "1:3: 'rt_priority': must be from 1 to 99" },
};

static void test_invalid(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		char *cfg = fx_path(dir, "c.json"), want[1024];
		struct result r;

		run(bads[i].text, NULL, &r);
		snprintf(want, sizeof(want), "ebpfrec record: %s:%s\n", cfg, bads[i].message);
		if (r.status != 2 || strcmp(r.err, want))
			fail_msg("case %zu: %s\n got status %d: %s\nwant: %s", i, bads[i].text, r.status, r.err, want);
		free(cfg);
	}
}

static void test_missing_file(void **state)
{
	char cmd[1024];
	int st;

	(void)state;
	snprintf(cmd, sizeof(cmd), "'%s' record --config /nonexistent/c.json --print-config 2>/dev/null", ebpfrec);
	st = system(cmd);
	assert_int_equal(WEXITSTATUS(st), 2);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_and_round_trip),
		cmocka_unit_test(test_original_collector_keys),
		cmocka_unit_test(test_low_latency),
		cmocka_unit_test(test_command_line_overrides),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_missing_file),
	};
	int ret;

	if (argc < 2)
		return 2;
	ebpfrec = argv[1];
	dir = fx_tmpdir();
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	fx_rmtree(dir);
	return ret;
}
