// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The visualizations on a real recording: workload_families runs under
 * `ebpfrec record --profile all`, then the Chrome trace, the aggregation and
 * the report are made from the capture and compared with what the workload
 * says it did (paths, byte counts, ports). argv: ebpfrec binary, workload.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "aggregate.h"
#include "bpf_check.h"
#include "chrome_check.h"
#include "export_chrome.h"
#include "report.h"

static const char *ebpfrec_bin, *workload_bin;
static char dir[] = "/tmp/ebpfrec-viz-XXXXXX";
static char capture[300];
static struct ebr_reader *reader;
static char facts[64][512];
static int n_facts;
static long wl_pid;

static int setup(void **state)
{
	char cmd[1024], path[300];
	FILE *f;

	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(capture, sizeof(capture), "%s/t.ebc", dir);
	snprintf(path, sizeof(path), "%s/facts", dir);
	snprintf(cmd, sizeof(cmd), "%s record -q --profile all --rate memory=10000000 -o %s -- %s %s",
		 ebpfrec_bin, capture, workload_bin, path);
	if (system(cmd) != 0)
		return -1;
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (n_facts < 64 && fgets(facts[n_facts], sizeof(facts[0]), f))
		n_facts++;
	fclose(f);
	if (sscanf(facts[0], "pid=%ld", &wl_pid) != 1)
		return -1;
	reader = ebr_reader__open(capture);
	return reader ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	ebr_reader__close(reader);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Every TCP connection of the workload: an async slice per side with the bytes it moved. */
static void test_chrome_trace(void **state)
{
	char out[400];
	struct chrome_trace_stats st;
	struct chrome_trace_opts o = { .sz = sizeof(o), .stats = &st };
	json_object *root, *events;
	size_t n_slices, tcp4 = 0, files = 0;
	FILE *f;

	(void)state;
	snprintf(out, sizeof(out), "%s/t.json", dir);
	f = fopen(out, "w");
	assert_non_null(f);
	assert_int_equal(export_chrome_trace(reader, &o, f), 0);
	assert_int_equal(fclose(f), 0);
	root = check_trace(out, &n_slices);
	assert_true(n_slices > 100);
	events = member(root, "traceEvents");
	for (int k = 0; k < n_facts; k++) {
		unsigned port;
		size_t up, down, bytes;
		int af, fd;
		char path[256], name[300];
		int client = 0, server = 0;

		if (sscanf(facts[k], "file=%255s fd=%d bytes=%zu", path, &fd, &bytes) == 3) {
			json_object *e;

			snprintf(name, sizeof(name), "write %s", path);
			e = find(root, "X", name, wl_pid);
			assert_non_null(e);
			assert_int_equal(arg_int(e, "ret"), bytes);
			assert_int_equal(arg_int(e, "fd"), fd);
			files++;
			continue;
		}
		if (sscanf(facts[k], "tcp af=%d port=%u up=%zu down=%zu", &af, &port, &up, &down) != 4 || af != 4)
			continue;
		for (size_t i = 0; i < json_object_array_length(events); i++) {
			json_object *e = json_object_array_get_idx(events, i);
			const char *ph = json_object_get_string(member(e, "ph"));
			const char *nm = json_object_get_string(member(e, "name"));
			char want[96];

			if (strcmp(ph, "b"))
				continue;
			snprintf(want, sizeof(want), "tcp to 127.0.0.1:%u", port);
			if (!strcmp(nm, want) && arg_int(e, "bytes_sent") == (int64_t)up &&
			    arg_int(e, "bytes_received") == (int64_t)down) {
				assert_int_equal(json_object_get_int64(member(e, "pid")), wl_pid);
				client++;
			}
			snprintf(want, sizeof(want), ":%u", port);
			if (strstr(nm, "tcp from 127.0.0.1:") && strstr(nm, want) &&
			    arg_int(e, "bytes_sent") == (int64_t)down && arg_int(e, "bytes_received") == (int64_t)up)
				server++;
		}
		assert_int_equal(client, 1);
		assert_int_equal(server, 1);
		tcp4++;
	}
	assert_int_equal(tcp4, 3);
	assert_int_equal(files, 5);
	/* the failed open, with its errno */
	{
		json_object *e = find(root, "X", "openat", wl_pid);
		int enoent = 0;

		for (size_t i = 0; i < json_object_array_length(events); i++) {
			e = json_object_array_get_idx(events, i);
			if (!strcmp(json_object_get_string(member(e, "name")), "openat") &&
			    json_object_get_int64(member(e, "pid")) == wl_pid && arg_str(e, "errno") &&
			    !strcmp(arg_str(e, "errno"), "ENOENT"))
				enoent++;
		}
		assert_true(enoent >= 1);
	}
	assert_non_null(find(root, "M", "process_name", wl_pid));
	assert_non_null(find(root, "C", "events/s", -1));
	json_object_put(root);
}

/* The aggregation's peers and files add up to what the workload moved. */
static void test_aggregate(void **state)
{
	struct agg *a = agg__new(reader, NULL);
	const struct agg_peer *peers[64];
	const struct agg_file *files[4096];
	size_t n_peers, n_files, up_sum = 0, down_sum = 0;
	unsigned port4 = 0;

	(void)state;
	assert_non_null(a);
	assert_int_equal(agg__run(a, NULL), 0);
	for (int k = 0; k < n_facts; k++) {
		unsigned port;
		size_t up, down;
		int af;

		if (sscanf(facts[k], "tcp af=%d port=%u up=%zu down=%zu", &af, &port, &up, &down) == 4 && af == 4) {
			port4 = port;
			up_sum += up;
			down_sum += down;
		}
	}
	assert_true(port4 != 0);
	n_peers = agg__top_peers(a, peers, 64);
	{
		char out_name[64], in_name[64];
		int seen = 0;

		snprintf(out_name, sizeof(out_name), "127.0.0.1:%u", port4);
		snprintf(in_name, sizeof(in_name), "127.0.0.1 -> :%u", port4);
		for (size_t i = 0; i < n_peers; i++) {
			if (!strcmp(peers[i]->name, out_name)) {
				assert_int_equal(peers[i]->conns, 3);
				assert_int_equal(peers[i]->sent, up_sum);
				assert_int_equal(peers[i]->received, down_sum);
				seen |= 1;
			}
			if (!strcmp(peers[i]->name, in_name)) {
				assert_int_equal(peers[i]->conns, 3);
				assert_int_equal(peers[i]->sent, down_sum);
				assert_int_equal(peers[i]->received, up_sum);
				seen |= 2;
			}
		}
		assert_int_equal(seen, 3);
	}
	n_files = agg__top_files(a, files, 4096);
	for (int k = 0; k < n_facts; k++) {
		char path[256];
		int fd, found = 0;
		size_t bytes;

		if (sscanf(facts[k], "file=%255s fd=%d bytes=%zu", path, &fd, &bytes) != 3)
			continue;
		for (size_t i = 0; i < n_files; i++)
			if (!strcmp(files[i]->name, path)) {
				assert_int_equal(files[i]->write_bytes, bytes);
				assert_int_equal(files[i]->read_bytes, bytes);
				found = 1;
			}
		assert_true(found);
	}
	agg__free(a);
}

static void test_report(void **state)
{
	char out[400];
	struct stat sb;
	FILE *f;

	(void)state;
	snprintf(out, sizeof(out), "%s/t.html", dir);
	f = fopen(out, "w");
	assert_non_null(f);
	assert_int_equal(report_write_html(reader, NULL, f), 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(stat(out, &sb), 0);
	assert_true(sb.st_size > 20000);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chrome_trace),
		cmocka_unit_test(test_aggregate),
		cmocka_unit_test(test_report),
	};

	if (argc < 3)
		return 2;
	if (bpf_skip_if_unavailable())
		return EXIT_SKIP;
	ebpfrec_bin = argv[1];
	workload_bin = argv[2];
	return cmocka_run_group_tests(tests, setup, teardown);
}
