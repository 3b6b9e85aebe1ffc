// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Records workload_families with every family on and checks exact values
 * for each: file names, fds, byte counts, errnos, addresses, ports,
 * directions, bytes at close. argv: ebpfrec binary, workload binary.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bpf_check.h"
#include "ebpfrec/capture.h"
#include "events.h"
#include "names.h"

static const char *ebpfrec_bin, *workload_bin;
static char dir[] = "/tmp/ebpfrec-fam-XXXXXX";
static struct ebr_reader *reader;
static const struct ebr_schema *schema;
static char facts[64][512];
static int n_facts;
static long wl_pid;

struct rec {
	struct ebr_event_header *h;
};
static struct rec *recs;
static size_t n_recs;

static int setup(void **state)
{
	char cmd[1024], path[300], capture[300];
	const struct ebr_event_header *h;
	struct ebr_cursor *c;
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
	if (!reader)
		return -1;
	schema = ebr_reader__schema(reader);
	c = ebr_cursor__open(reader, NULL);
	while (ebr_cursor__next(c, &h) > 0) {
		recs = realloc(recs, (n_recs + 1) * sizeof(*recs));
		recs[n_recs].h = malloc(h->size);
		memcpy(recs[n_recs].h, h, h->size);
		n_recs++;
	}
	ebr_cursor__close(c);
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	for (size_t i = 0; i < n_recs; i++)
		free(recs[i].h);
	free(recs);
	ebr_reader__close(reader);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const struct ebr_field *fld(const struct ebr_event_header *h, const char *name)
{
	const struct ebr_field *f = ebr_type__field(ebr_schema__type(schema, h->type), name);

	assert_non_null(f);
	return f;
}

static int64_t num(const struct ebr_event_header *h, const char *name)
{
	return ebr_field__s64(fld(h, name), h);
}

static int str_is(const struct ebr_event_header *h, const char *name, const char *want)
{
	size_t len;
	const char *s = ebr_field__str(fld(h, name), h, &len);

	return len == strlen(want) && !memcmp(s, want, len);
}

static void ip_str(const struct ebr_event_header *h, const char *name, char *buf, size_t len)
{
	const uint8_t *a = (const uint8_t *)h + fld(h, name)->offset;
	static const uint8_t v4[12] = { [10] = 0xff, [11] = 0xff };

	if (!memcmp(a, v4, 12))
		inet_ntop(AF_INET, a + 12, buf, (socklen_t)len);
	else
		inet_ntop(AF_INET6, a, buf, (socklen_t)len);
}

/* The events of one type from one process, in time order. */
static size_t select_events(unsigned type, long pid, const struct ebr_event_header **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < n_recs && n < max; i++)
		if (recs[i].h->type == type && (pid < 0 || recs[i].h->pid == pid))
			out[n++] = recs[i].h;
	return n;
}

static void test_file_family(void **state)
{
	const struct ebr_event_header *ev[4096];
	int checked = 0;

	(void)state;
	for (int k = 0; k < n_facts; k++) {
		char path[256];
		int fd;
		size_t bytes, n;
		int opens = 0, writes = 0, reads = 0, closes = 0;

		if (sscanf(facts[k], "file=%255s fd=%d bytes=%zu", path, &fd, &bytes) != 3)
			continue;
		n = select_events(EBR_T_OPEN, wl_pid, ev, 4096);
		for (size_t i = 0; i < n; i++)
			if (str_is(ev[i], "filename", path)) {
				assert_int_equal(num(ev[i], "ret"), fd);
				assert_int_equal(num(ev[i], "fd"), fd);
				assert_true(num(ev[i], "open_flags") & 0100); /* O_CREAT */
				assert_int_equal(num(ev[i], "mode"), 0640);
				assert_int_equal(num(ev[i], "ftype"), 8);
				opens++;
			}
		n = select_events(EBR_T_WRITE, wl_pid, ev, 4096);
		for (size_t i = 0; i < n; i++)
			if (str_is(ev[i], "filename", path)) {
				assert_int_equal(num(ev[i], "ret"), bytes);
				assert_int_equal(num(ev[i], "count"), bytes);
				assert_int_equal(num(ev[i], "offset"), 0);
				assert_int_equal(num(ev[i], "op"), EBR_FILE_OP_WRITE);
				writes++;
			}
		n = select_events(EBR_T_READ, wl_pid, ev, 4096);
		for (size_t i = 0; i < n; i++)
			if (str_is(ev[i], "filename", path)) {
				assert_int_equal(num(ev[i], "ret"), bytes);
				assert_int_equal(num(ev[i], "count"), 4096);
				assert_int_equal(num(ev[i], "offset"), 0);
				assert_int_equal(num(ev[i], "op"), EBR_FILE_OP_PREAD);
				reads++;
			}
		n = select_events(EBR_T_CLOSE, wl_pid, ev, 4096);
		for (size_t i = 0; i < n; i++)
			if (str_is(ev[i], "filename", path)) {
				assert_int_equal(num(ev[i], "fd"), fd);
				assert_int_equal(num(ev[i], "ret"), 0);
				closes++;
			}
		assert_int_equal(opens, 1);
		assert_int_equal(writes, 1);
		assert_int_equal(reads, 1);
		assert_int_equal(closes, 1);
		checked++;
	}
	assert_int_equal(checked, 5);
}

static void test_syscall_errnos(void **state)
{
	const struct ebr_event_header *ev[65536];
	const char *machine = ebr_reader__info(reader)->machine;
	int nr_openat = ebr_syscall_nr(machine, "openat"), nr_close = ebr_syscall_nr(machine, "close");
	size_t n = select_events(EBR_T_SYSCALL, wl_pid, ev, 65536);
	int enoent = 0, ebadf = 0;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		if (num(ev[i], "nr") == nr_openat && num(ev[i], "ret") == -2) {
			assert_true(num(ev[i], "duration") > 0);
			enoent++;
		}
		if (num(ev[i], "nr") == nr_close && num(ev[i], "arg0") == 9999) {
			assert_int_equal(num(ev[i], "ret"), -9);
			ebadf++;
		}
	}
	assert_int_equal(enoent, 1);
	assert_int_equal(ebadf, 1);
}

static void test_failed_exec(void **state)
{
	const struct ebr_event_header *ev[64];
	long child = -1;
	size_t n, args_len;

	(void)state;
	for (int k = 0; k < n_facts; k++)
		sscanf(facts[k], "failed_exec_pid=%ld", &child);
	assert_true(child > 0);
	n = select_events(EBR_T_EXEC, child, ev, 64);
	assert_int_equal(n, 1);
	assert_int_equal(num(ev[0], "ret"), -2);
	assert_true(str_is(ev[0], "filename", "/nonexistent-ebpfrec/prog"));
	assert_memory_equal(ebr_field__str(fld(ev[0], "args"), ev[0], &args_len),
			    "/nonexistent-ebpfrec/prog\0arg1", sizeof("/nonexistent-ebpfrec/prog\0arg1") - 1);
	assert_int_equal(args_len, sizeof("/nonexistent-ebpfrec/prog\0arg1") - 1);
}

static void test_mmap(void **state)
{
	const struct ebr_event_header *ev[4096];
	unsigned long long addr = 0;
	size_t len = 0, n;
	int maps = 0, unmaps = 0;

	(void)state;
	for (int k = 0; k < n_facts; k++)
		sscanf(facts[k], "mmap_addr=%llu mmap_len=%zu", &addr, &len);
	assert_true(addr && len);
	n = select_events(EBR_T_MMAP, wl_pid, ev, 4096);
	for (size_t i = 0; i < n; i++)
		if ((unsigned long long)num(ev[i], "ret") == addr && num(ev[i], "len") == (int64_t)len) {
			assert_int_equal(num(ev[i], "prot"), 3);
			assert_int_equal(num(ev[i], "map_flags"), 0x22);
			assert_int_equal(num(ev[i], "fd"), -1);
			maps++;
		}
	n = select_events(EBR_T_MUNMAP, wl_pid, ev, 4096);
	for (size_t i = 0; i < n; i++)
		if ((unsigned long long)num(ev[i], "addr") == addr) {
			assert_int_equal(num(ev[i], "len"), len);
			assert_int_equal(num(ev[i], "ret"), 0);
			unmaps++;
		}
	assert_int_equal(maps, 1);
	assert_int_equal(unmaps, 1);
}

static void test_kmalloc_plausible(void **state)
{
	const struct ebr_event_header *ev[65536];
	size_t n = select_events(EBR_T_KMALLOC, wl_pid, ev, 65536), ok = 0;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		int64_t req = num(ev[i], "bytes_req"), alloc = num(ev[i], "bytes_alloc");

		assert_true(alloc >= req);
		assert_true(num(ev[i], "ptr") != 0);
		ok += req > 0;
	}
	assert_true(ok > 0);
}

static void test_tcp(void **state)
{
	const struct ebr_event_header *ev[4096];
	int checked = 0;

	(void)state;
	for (int k = 0; k < n_facts; k++) {
		int af, port;
		size_t up, down, n;
		int connects = 0, accepts = 0, client_close = 0, server_close = 0;
		const char *lo;
		char ip[64];

		if (sscanf(facts[k], "tcp af=%d port=%d up=%zu down=%zu", &af, &port, &up, &down) != 4)
			continue;
		lo = af == 4 ? "127.0.0.1" : "::1";
		n = select_events(EBR_T_CONNECT, wl_pid, ev, 4096);
		for (size_t i = 0; i < n; i++)
			if (num(ev[i], "dport") == port) {
				ip_str(ev[i], "daddr", ip, sizeof(ip));
				assert_string_equal(ip, lo);
				assert_int_equal(num(ev[i], "ret"), 0);
				assert_int_equal(num(ev[i], "direction"), EBR_DIR_OUT);
				assert_int_equal(num(ev[i], "af"), af == 4 ? 2 : 10);
				assert_int_equal(num(ev[i], "protocol"), 6);
				connects++;
			}
		n = select_events(EBR_T_ACCEPT, wl_pid, ev, 4096);
		for (size_t i = 0; i < n; i++)
			if (num(ev[i], "sport") == port) {
				ip_str(ev[i], "saddr", ip, sizeof(ip));
				assert_string_equal(ip, lo);
				assert_int_equal(num(ev[i], "direction"), EBR_DIR_IN);
				assert_true(num(ev[i], "ret") >= 0);
				accepts++;
			}
		/* the three connections to a port differ in their byte counts */
		n = select_events(EBR_T_TCP_CLOSE, wl_pid, ev, 4096);
		for (size_t i = 0; i < n; i++) {
			if (num(ev[i], "dport") == port && num(ev[i], "bytes_sent") == (int64_t)up) {
				assert_int_equal(num(ev[i], "bytes_received"), down);
				assert_int_equal(num(ev[i], "direction"), EBR_DIR_OUT);
				assert_int_equal(num(ev[i], "retransmits"), 0);
				ip_str(ev[i], "daddr", ip, sizeof(ip));
				assert_string_equal(ip, lo);
				client_close++;
			} else if (num(ev[i], "sport") == port && num(ev[i], "bytes_received") == (int64_t)up) {
				assert_int_equal(num(ev[i], "bytes_sent"), down);
				assert_int_equal(num(ev[i], "direction"), EBR_DIR_IN);
				server_close++;
			}
		}
		/* each port serves three connections */
		assert_int_equal(connects, 3);
		assert_int_equal(accepts, 3);
		assert_int_equal(client_close, 1);
		assert_int_equal(server_close, 1);
		checked++;
	}
	assert_int_equal(checked, 6);
}

static void test_refused(void **state)
{
	const struct ebr_event_header *ev[4096];
	int port = -1, found = 0;
	size_t n;

	(void)state;
	for (int k = 0; k < n_facts; k++)
		sscanf(facts[k], "refused_port=%d", &port);
	n = select_events(EBR_T_CONNECT, wl_pid, ev, 4096);
	for (size_t i = 0; i < n; i++)
		if (num(ev[i], "dport") == port) {
			char ip[64];

			ip_str(ev[i], "daddr", ip, sizeof(ip));
			assert_string_equal(ip, "127.0.0.1");
			assert_int_equal(num(ev[i], "ret"), -111); /* ECONNREFUSED */
			found++;
		}
	assert_int_equal(found, 1);
}

static void test_udp(void **state)
{
	const struct ebr_event_header *sends[256], *recvs[256];
	size_t ns = select_events(EBR_T_UDP_SEND, wl_pid, sends, 256);
	size_t nr = select_events(EBR_T_UDP_RECV, wl_pid, recvs, 256);
	int checked = 0;

	(void)state;
	for (int k = 0; k < n_facts; k++) {
		int port, s = 0, r = 0;
		size_t bytes;
		char ip[64];

		if (sscanf(facts[k], "udp port=%d bytes=%zu", &port, &bytes) != 2)
			continue;
		for (size_t i = 0; i < ns; i++)
			if (num(sends[i], "dport") == port && num(sends[i], "bytes_sent") == (int64_t)bytes) {
				ip_str(sends[i], "daddr", ip, sizeof(ip));
				assert_string_equal(ip, "127.0.0.1");
				assert_int_equal(num(sends[i], "direction"), EBR_DIR_OUT);
				assert_int_equal(num(sends[i], "protocol"), 17);
				s++;
			}
		for (size_t i = 0; i < nr; i++)
			if (num(recvs[i], "sport") == port && num(recvs[i], "bytes_received") == (int64_t)bytes) {
				assert_int_equal(num(recvs[i], "direction"), EBR_DIR_IN);
				r++;
			}
		assert_int_equal(s, 1);
		assert_int_equal(r, 1);
		checked++;
	}
	assert_int_equal(checked, 4);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_family),
		cmocka_unit_test(test_syscall_errnos),
		cmocka_unit_test(test_failed_exec),
		cmocka_unit_test(test_mmap),
		cmocka_unit_test(test_kmalloc_plausible),
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_udp),
	};

	if (argc < 3)
		return 2;
	if (bpf_skip_if_unavailable())
		return EXIT_SKIP;
	ebpfrec_bin = argv[1];
	workload_bin = argv[2];
	return cmocka_run_group_tests(tests, setup, teardown);
}
