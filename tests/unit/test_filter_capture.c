// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Filtering a real capture end to end: a synthetic capture written with the
 * writer (its own schema stored inside), read back through a cursor with
 * the filter's type bitmap and a time window, counted against a plain C
 * predicate over the same events. With the ebpfrec binary as argv[1], the
 * same through `ebpfrec replay`: counts, shorthands, --from/--to forms, and
 * the exact error output (with its caret) and exit status of bad input.
 */
#include <errno.h>
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

#include "cli/filter_args.h"
#include "ebpfrec/capture.h"
#include "ebpfrec/filter.h"
#include "ebpfrec/schema.h"
#include "events.h"
#include "filter_fixture.h"
#include "layout.h"

#define N_EVENTS 2000
#define PER_SEG 250
#define T0 1000000000ULL /* first event, boot ns */
#define STEP 10000000ULL /* 10 ms between events */
#define BOOT_TO_WALL 1795733240000000000LL /* boot 4 s = 2026-11-26T22:47:24Z */

struct fact {
	uint64_t ts;
	unsigned type;
	uint32_t pid, ppid, uid;
	int ret, sig;
	unsigned dport;
	int net10; /* daddr in 10.0.0.0/8 */
	int kworker;
};

static struct fact facts[N_EVENTS];
static char dir[64], path[128];
static const char *ebpfrec_bin;

/* Segments 0-5 mix every type; 6-7 hold only connects, so a process filter skips them. */
static void make_event(struct ebr_buf *b, int i)
{
	struct fact *f = &facts[i];
	struct hdr_spec h;
	int kind = i >= 6 * PER_SEG ? 3 : i % 4;

	f->ts = T0 + (uint64_t)i * STEP;
	f->pid = 1000 + (uint32_t)(i % 7);
	f->uid = i % 3 == 0 ? 0 : 1000;
	f->kworker = i % 5 == 0;
	f->ppid = f->kworker ? 2 : 1;
	h = (struct hdr_spec){ f->ts, f->pid, f->ppid, f->uid, f->kworker ? "kworker/0:0" : "app" };
	switch (kind) {
	case 0:
		f->type = EBR_T_EXEC;
		f->ret = i % 9 == 0 ? -2 : 0;
		add_exec(b, &h, f->ret, "/usr/bin/tool", "tool\0-v", 7);
		break;
	case 1:
		f->type = EBR_T_FORK;
		add_fork(b, &h, 5000, 0, 0);
		break;
	case 2:
		f->type = EBR_T_EXIT;
		f->sig = i % 13 == 0 ? 9 : 0;
		add_exit(b, &h, 0, (uint32_t)f->sig, 0, 0);
		break;
	default:
		f->type = T_CONNECT;
		f->dport = i % 2 ? 80 : 443;
		f->net10 = i % 3 != 0;
		add_connect(b, &h, "192.168.0.2", f->net10 ? "10.0.0.7" : "192.168.0.1",
			    (uint16_t)f->dport, 0, 0, 0);
		break;
	}
}

static int setup(void **state)
{
	struct ebr_writer_opts o = { .sz = sizeof(o), .force = 1, .created_wall_ns = 1,
				     .boot_to_wall_ns = BOOT_TO_WALL };
	struct ebr_writer *w;
	void *sch;
	size_t len;
	int err = 0;

	(void)state;
	strcpy(dir, "/tmp/ebr-filter-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/t.ebc", dir);
	w = ebr_writer__open(path, &o);
	if (!w || test_schema_bytes(&sch, &len))
		return -1;
	err = ebr_writer__add_meta(w, EBR_META_SCHEMA, sch, len);
	free(sch);
	for (int s = 0; !err && s < N_EVENTS / PER_SEG; s++) {
		struct ebr_buf b = { 0 };
		uint64_t drops[EBR_DROP_REASONS] = { 0 };

		for (int i = s * PER_SEG; i < (s + 1) * PER_SEG; i++)
			make_event(&b, i);
		err = b.err ? b.err : ebr_writer__add_segment(w, b.p, b.len, drops, EBR_DROP_REASONS);
		ebr_buf__free(&b);
	}
	if (err)
		return -1;
	return ebr_writer__close(w) ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) ? -1 : 0;
}

/* ------------------------------------------------------------ the library */

typedef int (*pred_fn)(const struct fact *f);

static int p_failed_exec(const struct fact *f)
{
	return f->type == EBR_T_EXEC && f->ret < 0;
}

static int p_root_killed(const struct fact *f)
{
	return f->type == EBR_T_EXIT && f->sig == 9 && f->uid == 0;
}

static int p_https_10(const struct fact *f)
{
	return f->type == T_CONNECT && f->net10 && f->dport == 443;
}

static int p_user_warnings(const struct fact *f)
{
	return !f->kworker && ((f->type == EBR_T_EXEC && f->ret < 0) || (f->type == EBR_T_EXIT && f->sig));
}

static int p_pids_or_kw(const struct fact *f)
{
	return f->pid == 1001 || f->pid == 1003 || f->kworker;
}

static const struct {
	const char *expr;
	pred_fn pred;
	int type_restricted;
} filters[] = {
	{ "type = exec and ret < 0", p_failed_exec, 1 },
	{ "type = exit and signal = SIGKILL and uid = 0", p_root_killed, 1 },
	{ "daddr in 10.0.0.0/8 and dport = 443", p_https_10, 1 },
	{ "not system and severity >= warning", p_user_warnings, 0 },
	{ "pid in (1001, 1003) or comm glob 'kw*'", p_pids_or_kw, 0 },
};

static uint64_t expected(pred_fn pred, uint64_t from, uint64_t to)
{
	uint64_t n = 0;

	for (int i = 0; i < N_EVENTS; i++)
		if ((!from || facts[i].ts >= from) && (!to || facts[i].ts < to) && pred(&facts[i]))
			n++;
	return n;
}

static uint64_t run_cursor(struct ebr_reader *r, const struct ebr_filter *f, uint64_t from, uint64_t to,
			   struct ebr_cursor_stats *stats)
{
	struct ebr_cursor_opts o = { .sz = sizeof(o), .from_ts = from, .to_ts = to };
	const struct ebr_event_header *rec;
	struct ebr_cursor *c;
	uint64_t n = 0;
	int err;

	ebr_filter__types(f, o.type_bitmap);
	c = ebr_cursor__open(r, &o);
	assert_non_null(c);
	while ((err = ebr_cursor__next(c, &rec)) > 0)
		n += (uint64_t)ebr_filter__match(f, rec);
	assert_int_equal(err, 0);
	*stats = *ebr_cursor__stats(c);
	ebr_cursor__close(c);
	return n;
}

static void test_cursor_and_filter(void **state)
{
	struct ebr_reader *r = ebr_reader__open(path);
	const uint64_t from = T0 + 3000000000ULL, to = T0 + 14000000000ULL;

	(void)state;
	assert_non_null(r);
	assert_int_equal(ebr_reader__segment_count(r), N_EVENTS / PER_SEG);
	for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
		struct ebr_filter_error err;
		struct ebr_filter *f = ebr_filter__compile(ebr_reader__schema(r), filters[i].expr, &err);
		struct ebr_cursor_stats st;
		uint64_t want, got, bm[2];

		if (!f)
			fail_msg("'%s': %s", filters[i].expr, err.message);
		assert_int_equal(ebr_filter__types(f, bm), filters[i].type_restricted);
		want = expected(filters[i].pred, 0, 0);
		assert_true(want > 0);
		got = run_cursor(r, f, 0, 0, &st);
		if (got != want)
			fail_msg("'%s': %llu matched, expected %llu", filters[i].expr,
				 (unsigned long long)got, (unsigned long long)want);
		/* exec and exit live in segments 0-5 only: the connect-only ones are never read */
		if (filters[i].pred == p_failed_exec || filters[i].pred == p_root_killed)
			assert_int_equal(st.segments_skipped, 2);
		if (!filters[i].type_restricted)
			assert_int_equal(st.segments_skipped, 0);

		want = expected(filters[i].pred, from, to);
		got = run_cursor(r, f, from, to, &st);
		if (got != want)
			fail_msg("'%s' in [3 s, 14 s): %llu matched, expected %llu", filters[i].expr,
				 (unsigned long long)got, (unsigned long long)want);
		/*
		 * 2.5 s segments: the first ends before 3 s and is never visited (the
		 * time index seeks past it), the last two start after 14 s.
		 */
		assert_int_equal(st.segments_read, 5);
		assert_int_equal(st.segments_skipped, 2);
		ebr_filter__free(f);
	}
	ebr_reader__close(r);
}

static void test_time_args(void **state)
{
	struct ebr_reader *r = ebr_reader__open(path);
	const struct ebr_capture_info *info;
	const uint64_t t_last = T0 + (N_EVENTS - 1) * STEP;
	static const struct {
		const char *arg;
		uint64_t want;
	} ok[] = {
		{ "5", T0 + 5000000000ULL },
		{ "1.5s", T0 + 1500000000ULL },
		{ "+1.5s", T0 + 1500000000ULL },
		{ "200ms", T0 + 200000000ULL },
		{ "2m", T0 + 120000000000ULL },
		{ "0", T0 },
		{ "-10s", T0 + (N_EVENTS - 1) * STEP - 10000000000ULL },
		{ "-1h", 1 },
		{ "2026-11-26T22:47:24Z", 4000000000ULL },
		{ "2026-11-26T22:47:24", 4000000000ULL },
		{ "2026-11-26 22:47:24.5Z", 4500000000ULL },
		{ "2026-11-26T23:47:24.25+01:00", 4250000000ULL },
		{ "2026-11-26T21:47:24-0100", 4000000000ULL },
		{ "1970-01-01T00:00:00Z", 1 },
		{ "@123", 123 },
	};
	static const char *const bad[] = { "", "abc", "5x", "-", "2026-13-01T00:00:00Z",
					   "2026-11-26T22:47", "2026-11-26T22:47:24Q", "@-5", "--5s" };
	const char *why;
	uint64_t ts;

	(void)state;
	assert_non_null(r);
	info = ebr_reader__info(r);
	assert_int_equal(info->t_first, T0);
	assert_int_equal(info->t_last, t_last);
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ts = 0;
		if (cli_parse_time(ok[i].arg, info, &ts, &why))
			fail_msg("'%s' rejected: %s", ok[i].arg, why);
		if (ts != ok[i].want)
			fail_msg("'%s': %llu, expected %llu", ok[i].arg, (unsigned long long)ts,
				 (unsigned long long)ok[i].want);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!cli_parse_time(bad[i], info, &ts, &why))
			fail_msg("'%s' accepted", bad[i]);
	ebr_reader__close(r);
}

/* ------------------------------------------------------------ the command */

struct run {
	int status;
	unsigned long lines;
	char err[2048];
};

static void run_replay(const char *args, struct run *out)
{
	char cmd[1024], outp[128], errp[128];
	FILE *f;
	int c;

	snprintf(outp, sizeof(outp), "%s/out", dir);
	snprintf(errp, sizeof(errp), "%s/err", dir);
	snprintf(cmd, sizeof(cmd), "'%s' replay '%s' %s >'%s' 2>'%s'", ebpfrec_bin, path, args, outp, errp);
	c = system(cmd);
	out->status = WIFEXITED(c) ? WEXITSTATUS(c) : -1;
	out->lines = 0;
	f = fopen(outp, "r");
	assert_non_null(f);
	while ((c = getc(f)) != EOF)
		out->lines += c == '\n';
	fclose(f);
	f = fopen(errp, "r");
	assert_non_null(f);
	out->err[fread(out->err, 1, sizeof(out->err) - 1, f)] = 0;
	fclose(f);
}

static void test_replay_command(void **state)
{
	const uint64_t from = T0 + 3000000000ULL, to = T0 + 14000000000ULL;
	struct run r;

	(void)state;
	if (!ebpfrec_bin)
		skip();
	run_replay("-f 'type = exec and ret < 0'", &r);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_int_equal(r.lines, expected(p_failed_exec, 0, 0));

	run_replay("--filter 'type = exec and ret < 0' --from 3s --to 14s", &r);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.lines, expected(p_failed_exec, from, to));

	run_replay("-f 'ret < 0' --type exec --from 2026-11-26T22:47:24Z --to 14000ms", &r);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.lines, expected(p_failed_exec, from, to));

	run_replay("--min-severity warning --exclude-system", &r);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.lines, expected(p_user_warnings, 0, 0));

	run_replay("--pid 1001,1003 --type exec,fork,exit,connect -f 'comm glob \"kw*\"'", &r);
	assert_int_equal(r.status, 0);
	{
		unsigned long n = 0;

		for (int i = 0; i < N_EVENTS; i++)
			n += (facts[i].pid == 1001 || facts[i].pid == 1003) && facts[i].kworker;
		assert_int_equal(r.lines, n);
	}

	run_replay("--from -1s", &r);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.lines, 101); /* t_last - 1 s .. t_last inclusive, 10 ms steps */

	run_replay("-f 'pid in (1001, 1003) or comm glob kw*' -n 7", &r);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.lines, 7);

	run_replay("-f 'type = exec and type = fork'", &r);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.lines, 0);

	/* bad input: exit status 2 and a message that points at the mistake */
	run_replay("-f 'pid = abc'", &r);
	assert_int_equal(r.status, 2);
	assert_int_equal(r.lines, 0);
	assert_string_equal(r.err, "ebpfrec replay: invalid filter at column 7: expected a number for "
				   "'pid', found 'abc'\n"
				   "  pid = abc\n"
				   "        ^\n");

	run_replay("-f 'comm = \"caf\xc3\xa9\" and'", &r);
	assert_int_equal(r.status, 2);
	assert_string_equal(r.err, "ebpfrec replay: invalid filter at column 19: expected a field name, "
				   "'(' or 'not', found end of expression\n"
				   "  comm = \"caf\xc3\xa9\" and\n"
				   "  " "                 ^\n"); /* 17 characters before the caret */

	run_replay("--pid x", &r);
	assert_int_equal(r.status, 2);
	assert_string_equal(r.err, "ebpfrec replay: --pid: 'x' is not a process id\n");

	run_replay("--type nope", &r);
	assert_int_equal(r.status, 2);
	assert_string_equal(r.err, "ebpfrec replay: --type nope: unknown event type 'nope'; did you mean "
				   "'open'?\n");

	run_replay("--container abc", &r);
	assert_int_equal(r.status, 2);
	/* this capture has no cgroup table: nothing can be a container (test_filter_cgroup has one) */
	assert_string_equal(r.err, "ebpfrec replay: --container abc: unknown container 'abc' (a short id "
				   "needs 12 or more hex digits); no cgroups are known (recorded without "
				   "cgroup v2?)\n");

	run_replay("--min-severity loud", &r);
	assert_int_equal(r.status, 2);

	run_replay("--from 10s --to 5s", &r);
	assert_int_equal(r.status, 2);
	assert_string_equal(r.err, "ebpfrec replay: --from 10s is not before --to 5s\n");

	run_replay("--from yesterday", &r);
	assert_int_equal(r.status, 2);
	assert_string_equal(r.err,
			    "ebpfrec replay: invalid --from 'yesterday': expected seconds from the "
			    "start (5, 1.5s, 200ms), a time before the end (-10s), an ISO time "
			    "(2026-11-26T22:47:24Z) or @BOOT_NS\n");
}

/*
 * Syscall names in a filter resolve through the capture's arch: openat is
 * 257 on x86_64 and 56 on aarch64, and a capture of each holds both numbers.
 */
static void test_syscall_names_by_arch(void **state)
{
	static const char *const machines[] = { "x86_64", "aarch64" };
	static const unsigned want[] = { 257, 56 };

	(void)state;
	for (int m = 0; m < 2; m++) {
		struct ebr_writer_opts o = { .sz = sizeof(o), .force = 1, .machine = machines[m] };
		struct ebr_cursor_opts co = { .sz = sizeof(co) };
		const struct ebr_event_header *rec;
		struct ebr_filter_error err;
		struct ebr_buf b = { 0 };
		uint64_t drops[EBR_DROP_REASONS] = { 0 };
		char p[160];
		struct ebr_reader *r;
		struct ebr_filter *f;
		struct ebr_cursor *c;
		struct ebr_writer *w;
		void *sch;
		size_t len;
		unsigned n = 0, nr = 0;

		snprintf(p, sizeof(p), "%s/%s.ebc", dir, machines[m]);
		w = ebr_writer__open(p, &o);
		assert_non_null(w);
		assert_int_equal(ebr_schema__serialize(ebr_schema__builtin(), &sch, &len), 0);
		assert_int_equal(ebr_writer__add_meta(w, EBR_META_SCHEMA, sch, len), 0);
		free(sch);
		for (unsigned i = 0; i < 2; i++) {
			struct ebr_syscall_event e = { .hdr = { .ts = 1000 + i, .size = sizeof(e),
								.type = EBR_T_SYSCALL, .pid = 1 } };

			e.nr = i ? 56 : 257;
			ebr_buf__put(&b, &e, sizeof(e));
		}
		assert_int_equal(ebr_writer__add_segment(w, b.p, b.len, drops, EBR_DROP_REASONS), 0);
		assert_int_equal(ebr_writer__close(w), 0);
		ebr_buf__free(&b);

		r = ebr_reader__open(p);
		assert_non_null(r);
		f = ebr_filter__compile(ebr_reader__schema(r), "type = syscall and nr = openat", &err);
		assert_non_null(f);
		c = ebr_cursor__open(r, &co);
		while (ebr_cursor__next(c, &rec) > 0)
			if (ebr_filter__match(f, rec)) {
				n++;
				nr = ((const struct ebr_syscall_event *)rec)->nr;
			}
		assert_int_equal(n, 1);
		assert_int_equal(nr, want[m]);
		ebr_filter__free(f);
		/* a name the arch does not have is an error naming the arch */
		assert_null(ebr_filter__compile(ebr_reader__schema(r), "nr = no_such_call", &err));
		assert_non_null(strstr(err.message, machines[m]));
		ebr_cursor__close(c);
		ebr_reader__close(r);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cursor_and_filter),
		cmocka_unit_test(test_time_args),
		cmocka_unit_test(test_replay_command),
		cmocka_unit_test(test_syscall_names_by_arch),
	};

	if (argc > 1)
		ebpfrec_bin = argv[1];
	return cmocka_run_group_tests(tests, setup, teardown);
}
