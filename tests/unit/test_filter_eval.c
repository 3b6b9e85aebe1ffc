// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The evaluator: every operator on every kind of field, precedence, the
 * missing-field rule, derived fields (family, severity, errno, system), over
 * fourteen hand-built records. Each case lists the records it must match.
 */
#include <fnmatch.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ebpfrec/filter.h"
#include "ebpfrec/severity.h"
#include "filter_fixture.h"
#include "filter_internal.h"

#define NREC 14

static struct ebr_schema *schema;
static struct ebr_buf buf;
static const struct ebr_event_header *recs[NREC];

/*
 *  0 exec  bash  pid 100 ppid 1   uid 1000 ret 0    /usr/bin/ls [ls -l /tmp]
 *  1 exec  sh    pid 101 ppid 100 uid 0    ret -2   /nonexistent [x "y y"]
 *  2 fork  bash  pid 100 ppid 1   uid 1000 child 102
 *  3 fork  java  pid 200 ppid 1   uid 1001 child 201 thread
 *  4 exit  ls    pid 102 ppid 100 uid 1000 code 0
 *  5 exit  false pid 103 ppid 100 uid 1000 code 1             notice
 *  6 exit  sleep pid 104 ppid 100 uid 0    SIGKILL            error
 *  7 exit  crashy pid 105 ppid 100 uid 1000 SIGSEGV, core     critical
 *  8 exit  kworker/0:1 pid 50 ppid 2 uid 0                    system
 *  9 connect curl pid 300 192.168.1.5 -> 10.1.2.3:443 4096 B 1.5 ms
 * 10 connect wget pid 301 2001:db8::5 -> [2001:db8::1]:80 0 B 2 s ECONNREFUSED
 * 11 kmalloc swapper/0 pid 0 size 8192                        system
 * 12 custom_ev app pid 400 err EACCES data "ab\0cd"
 * 13 proc_info ksoftirqd/0 pid 7 ppid 0, kthread flag         system
 */
static int setup(void **state)
{
	size_t off[NREC];
	int i = 0;

	(void)state;
	schema = test_schema();
	if (!schema)
		return -1;
	off[i++] = add_exec(&buf, &(struct hdr_spec){ 1000000000, 100, 1, 1000, "bash" }, 0,
			    "/usr/bin/ls", "ls\0-l\0/tmp", 11);
	off[i++] = add_exec(&buf, &(struct hdr_spec){ 2000000000, 101, 100, 0, "sh" }, -2,
			    "/nonexistent", "x\0y y", 5);
	off[i++] = add_fork(&buf, &(struct hdr_spec){ 3000000000, 100, 1, 1000, "bash" }, 102, 0, 0x11);
	off[i++] = add_fork(&buf, &(struct hdr_spec){ 4000000000, 200, 1, 1001, "java" }, 201, 1,
			    0x50f00);
	off[i++] = add_exit(&buf, &(struct hdr_spec){ 5000000000, 102, 100, 1000, "ls" }, 0, 0, 0,
			    2500000000);
	off[i++] = add_exit(&buf, &(struct hdr_spec){ 6000000000, 103, 100, 1000, "false" }, 1, 0, 0, 0);
	off[i++] = add_exit(&buf, &(struct hdr_spec){ 7000000000, 104, 100, 0, "sleep" }, 0, 9, 0, 0);
	off[i++] = add_exit(&buf, &(struct hdr_spec){ 8000000000, 105, 100, 1000, "crashy" }, 0, 11, 1, 0);
	off[i++] = add_exit(&buf, &(struct hdr_spec){ 9000000000, 50, 2, 0, "kworker/0:1" }, 0, 0, 0, 0);
	off[i++] = add_connect(&buf, &(struct hdr_spec){ 10000000000, 300, 1, 1000, "curl" },
			       "192.168.1.5", "10.1.2.3", 443, 4096, 1500000, 0);
	off[i++] = add_connect(&buf, &(struct hdr_spec){ 11000000000, 301, 1, 1000, "wget" },
			       "2001:db8::5", "2001:db8::1", 80, 0, 2000000000, -111);
	off[i++] = add_kmalloc(&buf, &(struct hdr_spec){ 12000000000, 0, 0, 0, "swapper/0" }, 8192,
			       0xffff888000001000ULL, "slab", -5, -300);
	off[i++] = add_custom(&buf, &(struct hdr_spec){ 13000000000, 400, 1, 1000, "app" }, 13,
			      "ab\0cd", 5);
	off[i++] = add_proc_info(&buf, &(struct hdr_spec){ 14000000000, 7, 0, 0, "ksoftirqd/0" }, 1);
	if (buf.err)
		return -1;
	for (i = 0; i < NREC; i++)
		recs[i] = (const void *)(buf.p + off[i]);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ebr_buf__free(&buf);
	ebr_schema__free(schema);
	return 0;
}

struct ecase {
	const char *expr;
	const char *want; /* one '1' or '0' per record */
};

static const struct ecase cases[] = {
	/* numbers: header fields, every operator */
	{ "pid = 100", "10100000000000" },
	{ "pid == 100", "10100000000000" },
	{ "pid != 100", "01011111111111" },
	{ "pid < 101", "10100000100101" },
	{ "pid <= 101", "11100000100101" },
	{ "pid > 300", "00000000001010" },
	{ "pid >= 300", "00000000011010" },
	{ "pid in (101, 103, 400)", "01000100000010" },
	{ "pid in 101", "01000000000000" },
	{ "pid not in (100, 0)", "01011111111011" },
	{ "pid = 0x64", "10100000000000" },
	{ "pid = +100", "10100000000000" },
	{ "pid = -1", "00000000000000" },
	{ "pid != -1", "11111111111111" },
	{ "pid > -1", "11111111111111" },
	{ "pid < -1", "00000000000000" },
	{ "pid = 4294967396", "00000000000000" },
	{ "uid = 0", "01000010100101" },
	{ "uid != 0", "10111101011010" },
	{ "ppid = 100", "01001111000000" },
	{ "ppid = 2", "00000000100000" },
	{ "tid = 200", "00010000000000" },
	{ "gid = 1001", "00010000000000" },
	{ "cgroup = 77", "11111111111111" },
	{ "pidns = 4026531836", "11111111111111" },
	{ "mntns != 4026531840", "00000000000000" },
	{ "cpu = 0", "11111111111111" },
	/* timestamps with units */
	{ "ts >= 5s", "00001111111111" },
	{ "ts < 2500ms", "11000000000000" },
	{ "ts = 1000000000", "10000000000000" },
	{ "ts > 1m", "00000000000000" },
	{ "ts <= 0x3B9ACA00", "10000000000000" },
	{ "ts in (1s, 3s)", "10100000000000" },
	{ "ts > 10.5s", "00000000001111" },
	{ "ts < 1.000000001s", "10000000000000" },
	/* type and family, by name or number */
	{ "type = exec", "11000000000000" },
	{ "type = EXEC", "11000000000000" },
	{ "type != exec", "00111111111111" },
	{ "type in (fork, exit)", "00111111100000" },
	{ "type not in (exec, fork, exit)", "00000000011111" },
	{ "type = 3", "00001111100000" },
	{ "type > 100", "00000000000010" },
	{ "type >= 100", "00000000000011" },
	{ "type = custom_ev", "00000000000010" },
	{ "family = process", "11111111100000" },
	{ "family = network", "00000000011000" },
	{ "family != process", "00000000011111" },
	{ "family in (memory, custom)", "00000000000110" },
	{ "family = meta", "00000000000001" },
	{ "family = 1", "11111111100000" },
	/* fixed-size strings (comm) */
	{ "comm = bash", "10100000000000" },
	{ "comm = \"bash\"", "10100000000000" },
	{ "comm = 'bash'", "10100000000000" },
	{ "comm != bash", "01011111111111" },
	{ "comm glob \"k*\"", "00000000100001" },
	{ "comm glob */0", "00000000000101" },
	{ "comm glob ?ash", "10100000000000" },
	{ "comm glob \"[bc]*\"", "10100001010000" },
	{ "comm glob \"[!b]*\"", "01011111111111" },
	{ "comm not glob k*", "11111111011110" },
	{ "comm contains a", "10110101000110" },
	{ "comm contains \"/\"", "00000000100101" },
	{ "comm not contains a", "01001010111001" },
	{ "comm in (sh, ls, app)", "01001000000010" },
	{ "comm = \"\"", "00000000000000" },
	{ "comm glob \"*\"", "11111111111111" },
	{ "comm contains \"\"", "11111111111111" },
	{ "comm = 'kworker/0:1'", "00000000100000" },
	{ "comm = kworker/0:1", "00000000100000" },
	/* variable strings; one name with two kinds (exec VSTR, kmalloc CHARS) */
	{ "filename = \"/usr/bin/ls\"", "10000000000000" },
	{ "filename = /usr/bin/ls", "10000000000000" },
	{ "filename = slab", "00000000000100" },
	{ "filename glob \"/*\"", "11000000000000" },
	{ "filename contains non", "01000000000000" },
	{ "filename contains l", "10000000000100" },
	{ "filename != slab", "11000000000000" },
	{ "not filename = slab", "11111111111011" },
	/* string lists: any element */
	{ "args = \"-l\"", "10000000000000" },
	{ "args = \"y y\"", "01000000000000" },
	{ "args = x", "01000000000000" },
	{ "args contains tm", "10000000000000" },
	{ "args glob \"-*\"", "10000000000000" },
	{ "args in (ls, x)", "11000000000000" },
	{ "args != ls", "01000000000000" },
	{ "args contains \"s\\x00-\"", "00000000000000" },
	{ "args = \"\"", "00000000000000" },
	/* raw bytes */
	{ "data contains cd", "00000000000010" },
	{ "data = \"ab\\0cd\"", "00000000000010" },
	{ "data = ab", "00000000000000" },
	/* errno-coded fields, names or numbers */
	{ "ret = -ENOENT", "01000000000000" },
	{ "ret = ENOENT", "01000000000000" },
	{ "ret = -2", "01000000000000" },
	{ "ret < 0", "01000000001000" },
	{ "ret = 0", "10000000010000" },
	{ "ret = -ECONNREFUSED", "00000000001000" },
	{ "ret != 0", "01000000001000" },
	{ "ret < -100", "00000000001000" },
	{ "errno = ENOENT", "01000000000000" },
	{ "errno = 2", "01000000000000" },
	{ "errno != 0", "01000000001010" },
	{ "errno = 0", "10000000010000" },
	{ "errno = EACCES", "00000000000010" },
	{ "errno in (ENOENT, ECONNREFUSED)", "01000000001000" },
	{ "err = EACCES", "00000000000010" },
	/* signals */
	{ "signal = SIGKILL", "00000010000000" },
	{ "signal = KILL", "00000010000000" },
	{ "signal = sigsegv", "00000001000000" },
	{ "signal = 9", "00000010000000" },
	{ "signal != 0", "00000011000000" },
	{ "signal in (SIGKILL, SIGSEGV)", "00000011000000" },
	{ "signal = 0", "00001100100000" },
	/* plain signed and unsigned type fields */
	{ "exit_code = 1", "00000100000000" },
	{ "exit_code != 0", "00000100000000" },
	{ "exit_code >= 0", "00001111100000" },
	{ "child_pid = 102", "00100000000000" },
	{ "clone_flags = 0x11", "00100000000000" },
	{ "clone_flags > 0x100", "00010000000000" },
	{ "start_ts = 2.5s", "00001000000000" },
	{ "start_ts = 0", "00000111100001" },
	{ "argc = 3", "10000000000000" },
	{ "argc = 1", "01000000000000" },
	{ "s8 = -5", "00000000000100" },
	{ "s8 < 0", "00000000000100" },
	{ "s8 > -6", "00000000000100" },
	{ "s8 = 251", "00000000000000" },
	{ "s16 = -300", "00000000000100" },
	{ "s16 >= -299", "00000000000000" },
	{ "u8 = 200", "00000000000100" },
	{ "u8 > 255", "00000000000000" },
	{ "ptr = 0xffff888000001000", "00000000000100" },
	{ "ptr > 0x8000000000000000", "00000000000100" },
	/* booleans */
	{ "core_dumped", "00000001000000" },
	{ "core_dumped = true", "00000001000000" },
	{ "core_dumped = yes", "00000001000000" },
	{ "core_dumped = false", "00001110100000" },
	{ "not core_dumped", "11111110111111" },
	{ "thread", "00010000000000" },
	{ "thread = 0", "00100000000000" },
	{ "not thread", "11101111111111" },
	/* severity (derived) */
	{ "severity = info", "10111000110111" },
	{ "severity >= warning", "01000011001000" },
	{ "severity > notice", "01000011001000" },
	{ "severity >= notice", "01000111001000" },
	{ "severity = critical", "00000001000000" },
	{ "severity = error", "00000010000000" },
	{ "severity = warn", "01000000001000" },
	{ "severity >= 3", "00000011000000" },
	{ "severity in (notice, critical)", "00000101000000" },
	/* system: kernel threads and interrupt context */
	{ "system", "00000000100101" },
	{ "not system", "11111111011010" },
	{ "system = false", "11111111011010" },
	/* addresses and networks */
	{ "daddr = 10.1.2.3", "00000000010000" },
	{ "daddr = ::ffff:10.1.2.3", "00000000010000" },
	{ "daddr in 10.0.0.0/8", "00000000010000" },
	{ "daddr in (192.168.0.0/16, 2001:db8::/32)", "00000000001000" },
	{ "daddr != 10.1.2.3", "00000000001000" },
	{ "daddr not in 10.0.0.0/8", "00000000001000" },
	{ "saddr in 192.168.1.0/24", "00000000010000" },
	{ "daddr = 2001:db8::1", "00000000001000" },
	{ "daddr = 10.1.2.0/24", "00000000010000" },
	{ "daddr in 0.0.0.0/0", "00000000010000" },
	{ "daddr in ::/0", "00000000011000" },
	{ "daddr in 10.1.2.3/32", "00000000010000" },
	{ "daddr in 10.1.2.2/31", "00000000010000" },
	{ "daddr in 10.1.2.4/31", "00000000000000" },
	{ "daddr in 10.1.0.0/15", "00000000010000" },
	{ "daddr in 10.2.0.0/15", "00000000000000" },
	/* ports, sizes, durations */
	{ "dport = 443", "00000000010000" },
	{ "dport in (80, 443)", "00000000011000" },
	{ "dport < 1024", "00000000011000" },
	{ "bytes_sent >= 4k", "00000000010000" },
	{ "bytes_sent = 4KiB", "00000000010000" },
	{ "bytes_sent > 4k", "00000000000000" },
	{ "bytes_sent < 1M", "00000000011000" },
	{ "bytes_sent = 0", "00000000001000" },
	{ "duration > 1ms", "00000000011000" },
	{ "duration < 2ms", "00000000010000" },
	{ "duration = 1.5ms", "00000000010000" },
	{ "duration = 1500us", "00000000010000" },
	{ "duration >= 2s", "00000000001000" },
	{ "duration = 1500000", "00000000010000" },
	{ "duration > 1m", "00000000000000" },
	{ "duration < 0.002s", "00000000010000" },
	/* a type's own `size` shadows the hidden header field of that name */
	{ "size = 8k", "00000000000100" },
	{ "size > 4096", "00000000000100" },
	{ "size >= 72", "11111111111111" },
	/* precedence: not > and > or; parentheses; symbols; keyword case */
	{ "pid = 100 or pid = 101 and uid = 1000", "10100000000000" },
	{ "(pid = 100 or pid = 101) and uid = 0", "01000000000000" },
	{ "not pid = 100 and uid = 1000", "00001101011010" },
	{ "not (pid = 100 and uid = 1000)", "01011111111111" },
	{ "not not pid = 100", "10100000000000" },
	{ "! pid = 100", "01011111111111" },
	{ "!(pid = 100)", "01011111111111" },
	{ "pid = 100 && comm = bash || pid = 0", "10100000000100" },
	{ "type = exec and ret < 0 or type = exit and signal != 0", "01000011000000" },
	{ "((((pid = 100))))", "10100000000000" },
	{ "pid = 100 AND uid = 1000", "10100000000000" },
	{ "pid = 100 Or pid = 101", "11100000000000" },
	{ "uid = 1000 and comm != bash and type = exit", "00001101000000" },
	{ "pid = 1 or pid = 2 or pid = 3 or pid = 100", "10100000000000" },
	{ "type = exit and (signal = SIGKILL or core_dumped) and uid = 0", "00000010000000" },
	{ "not (type = exec or type = fork or family != process)", "00001111100000" },
	{ "pid=100", "10100000000000" },
	{ "pid!=100 and(uid=0)", "01000010100101" },
	{ "\tpid\n=\n100\t", "10100000000000" },
};

static void run_case(const struct ecase *c)
{
	struct ebr_filter_error err;
	struct ebr_filter *f = ebr_filter__compile(schema, c->expr, &err);
	char got[NREC + 1];

	if (!f)
		fail_msg("'%s' did not compile: column %u: %s", c->expr, err.column, err.message);
	for (int i = 0; i < NREC; i++)
		got[i] = ebr_filter__match(f, recs[i]) ? '1' : '0';
	got[NREC] = 0;
	if (strcmp(got, c->want))
		fail_msg("'%s': matched %s, expected %s", c->expr, got, c->want);
	ebr_filter__free(f);
}

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	print_message("%zu evaluation cases\n", sizeof(cases) / sizeof(cases[0]));
}

/* `pid != 100` stays false where the field is missing; `not` turns that around. */
static void test_missing_field_rule(void **state)
{
	struct ebr_filter *ne = ebr_filter__compile(schema, "dport != 443", NULL);
	struct ebr_filter *notq = ebr_filter__compile(schema, "not dport = 443", NULL);

	(void)state;
	assert_non_null(ne);
	assert_non_null(notq);
	assert_int_equal(ebr_filter__match(ne, recs[0]), 0); /* exec has no dport */
	assert_int_equal(ebr_filter__match(notq, recs[0]), 1);
	assert_int_equal(ebr_filter__match(ne, recs[10]), 1);
	assert_int_equal(ebr_filter__match(notq, recs[9]), 0);
	ebr_filter__free(ne);
	ebr_filter__free(notq);
}

/* A type the schema does not know: header fields still work, the rest is missing. */
static void test_unknown_type(void **state)
{
	struct ebr_event_header h = { .ts = 5, .size = sizeof(h), .type = 77, .pid = 100 };
	struct ebr_filter *a = ebr_filter__compile(schema, "pid = 100", NULL);
	struct ebr_filter *b = ebr_filter__compile(schema, "family = process", NULL);
	struct ebr_filter *c = ebr_filter__compile(schema, "not family = process", NULL);
	struct ebr_filter *d = ebr_filter__compile(schema, "severity = info and not system", NULL);
	struct ebr_filter *e = ebr_filter__compile(schema, "type = 77", NULL);

	(void)state;
	assert_int_equal(ebr_filter__match(a, &h), 1);
	assert_int_equal(ebr_filter__match(b, &h), 0);
	assert_int_equal(ebr_filter__match(c, &h), 1);
	assert_int_equal(ebr_filter__match(d, &h), 1);
	assert_int_equal(ebr_filter__match(e, &h), 1);
	h.type = 9000; /* beyond every table */
	assert_int_equal(ebr_filter__match(a, &h), 1);
	assert_int_equal(ebr_filter__match(b, &h), 0);
	ebr_filter__free(a);
	ebr_filter__free(b);
	ebr_filter__free(c);
	ebr_filter__free(d);
	ebr_filter__free(e);
}

/* A record cut short (its size below the type's field) does not match on that field. */
static void test_short_record(void **state)
{
	struct ebr_filter *f = ebr_filter__compile(schema, "dport = 443 or dport != 443", NULL);
	char copy[sizeof(struct test_connect)];
	struct ebr_event_header *h = (void *)copy;

	(void)state;
	assert_non_null(f);
	memcpy(copy, recs[9], sizeof(copy));
	assert_int_equal(ebr_filter__match(f, h), 1);
	h->size = sizeof(struct ebr_event_header);
	assert_int_equal(ebr_filter__match(f, h), 0);
	ebr_filter__free(f);
}

/* A comm that fills its 16 bytes has no NUL: compared by its length, never read past. */
static void test_full_comm(void **state)
{
	static const struct {
		const char *expr;
		int want;
	} c[] = {
		{ "comm = abcdefghijklmnop", 1 }, { "comm = abcdefghijklmnopq", 0 },
		{ "comm = abcdefghijklmno", 0 },	 { "comm glob \"*p\"", 1 },
		{ "comm contains nop", 1 },	 { "comm contains nopq", 0 },
	};
	struct ebr_buf b = { 0 };
	size_t off = add_fork(&b, &(struct hdr_spec){ 1, 5, 1, 0, "abcdefghijklmnop" }, 6, 0, 0);

	(void)state;
	assert_int_equal(b.err, 0);
	assert_int_equal(((const struct ebr_event_header *)(b.p + off))->comm[15], 'p');
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct ebr_filter *f = ebr_filter__compile(schema, c[i].expr, NULL);

		assert_non_null(f);
		if (ebr_filter__match(f, (const void *)(b.p + off)) != c[i].want)
			fail_msg("'%s' should give %d", c[i].expr, c[i].want);
		ebr_filter__free(f);
	}
	ebr_buf__free(&b);
}

/* A chain of 500 conditions costs no recursion depth. */
static void test_long_chain(void **state)
{
	char expr[16384];
	size_t o = 0;
	struct ebr_filter *f;

	(void)state;
	for (int i = 0; i < 500; i++)
		o += (size_t)snprintf(expr + o, sizeof(expr) - o, "%spid = %d", i ? " or " : "", i);
	f = ebr_filter__compile(schema, expr, NULL);
	assert_non_null(f);
	for (int i = 0; i < NREC; i++)
		assert_int_equal(ebr_filter__match(f, recs[i]), 1);
	ebr_filter__free(f);
}

/* Severity derived the slow way (by name) agrees with the filter's plans. */
static void test_severity_of(void **state)
{
	static const unsigned want[NREC] = {
		EBR_SEV_INFO, EBR_SEV_WARNING, EBR_SEV_INFO, EBR_SEV_INFO,  EBR_SEV_INFO,
		EBR_SEV_NOTICE, EBR_SEV_ERROR, EBR_SEV_CRITICAL, EBR_SEV_INFO, EBR_SEV_INFO,
		EBR_SEV_WARNING, EBR_SEV_INFO, EBR_SEV_INFO, EBR_SEV_INFO,
	};

	(void)state;
	for (int i = 0; i < NREC; i++)
		assert_int_equal(ebr_severity__of(ebr_schema__type(schema, recs[i]->type), recs[i]), want[i]);
	assert_int_equal(ebr_severity__of(NULL, recs[7]), EBR_SEV_INFO);
	assert_string_equal(ebr_severity__name(EBR_SEV_WARNING), "warning");
	assert_string_equal(ebr_severity__name(99), "unknown");
	assert_int_equal(ebr_severity__from_name("CRITICAL"), EBR_SEV_CRITICAL);
	assert_int_equal(ebr_severity__from_name("fatal"), -1);
}

/* The glob matcher agrees with fnmatch(3) without flags. */
static void test_glob_vs_fnmatch(void **state)
{
	static const char *const pats[] = {
		"*",	 "?",	   "a*",       "*a",	  "a*b*c",  "*.so.*", "[a-c]x",  "[!a-c]x",
		"[^a]*", "[]]*",   "[!]]*",    "\\*x",	  "a\\?",   "*[0-9]", "[[:digit:]]*",
		"[[:alpha:]_]*",   "[a-]x",    "[",	  "[ab",    "a[",     "**",	 "*/*",
		"x?z*",	 "",	   "abc",      "[[:upper:]]*", "[z-a]", "*a*a*a*b",
	};
	static const char *const strs[] = {
		"",	"a",	"ax",	  "bx",	    "dx",    "abc",	 "aXbYc", "libc.so.6", "]x",
		"*x",	"a?",	"ab",	  "x9",	    "9x",    "_id",	 "a-x",	  "-x",	       "[",
		"[ab",	"a[",	"/a/b",	  "xyzzy",  "Abc",   "aaaaaaaaaaaaaaaaaaaaaaaab", "aaaaaaaaaaaaaaaaaaaa",
	};
	int n = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++)
		for (size_t k = 0; k < sizeof(strs) / sizeof(strs[0]); k++) {
			int want = fnmatch(pats[i], strs[k], 0) == 0;
			int got = flt_glob(pats[i], strlen(pats[i]), strs[k], strlen(strs[k]));

			if (want != got)
				fail_msg("glob '%s' on '%s': got %d, fnmatch says %d", pats[i], strs[k], got,
					 want);
			n++;
		}
	print_message("%d glob pairs agree with fnmatch\n", n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_missing_field_rule),
		cmocka_unit_test(test_unknown_type),
		cmocka_unit_test(test_short_record),
		cmocka_unit_test(test_full_comm),
		cmocka_unit_test(test_long_chain),
		cmocka_unit_test(test_severity_of),
		cmocka_unit_test(test_glob_vs_fnmatch),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
