// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The parser: malformed expressions with their exact message and column,
 * literals converted for each kind of field (units, names, signs), and the
 * command-line shorthands.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ebpfrec/filter.h"
#include "filter_fixture.h"
#include "filter_internal.h"

static struct ebr_schema *schema;

static int setup(void **state)
{
	(void)state;
	schema = test_schema();
	return schema ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	ebr_schema__free(schema);
	return 0;
}

struct bad {
	const char *expr;
	unsigned col;
	const char *msg;
};

static const struct bad bad_cases[] = {
	{ "", 1, "empty expression: write a condition such as 'type = exec'" },
	{ "   ", 1, "empty expression: write a condition such as 'type = exec'" },
	{ "pid =", 6, "expected a value after '=', found end of expression" },
	{ "pid = 1 and", 12, "expected a field name, '(' or 'not', found end of expression" },
	{ "(pid = 1", 9, "expected ')' to close '(' at column 1, found end of expression" },
	{ "pid = 1)", 8, "unbalanced ')': no '(' before it" },
	{ "foo = 1", 1, "unknown field 'foo': not in this capture's schema" },
	{ "container = abc", 1, "'container' is resolved through the capture's cgroup table, and none was given "
	  "(compile with ebr_filter__compile_opts or ebr_filter__compile_reader)" },
	{ "pid = 1 and namespace = x", 13, "unknown field 'namespace': not in this capture's schema "
					     "(the Kubernetes namespace is k8s_namespace; pidns and mntns are "
					     "namespace inodes)" },
	{ "pid < foo", 7, "expected a number for 'pid', found 'foo'" },
	{ "pid = 4k", 7, "expected a number for 'pid', found '4k'" },
	{ "pid = 1.5", 7, "expected a number for 'pid', found '1.5'" },
	{ "pid = 0x", 7, "expected a number for 'pid', found '0x'" },
	{ "pid = -", 7, "expected a number for 'pid', found '-'" },
	{ "pid!=100and uid=0", 6, "expected a number for 'pid', found '100and'" },
	{ "pid in (1, foo)", 12, "expected a number for 'pid', found 'foo'" },
	{ "pid = 99999999999999999999", 7, "number '99999999999999999999' is out of range" },
	{ "s8 = -9999999999999999999", 6, "number '-9999999999999999999' is out of range" },
	{ "comm < a", 6, "'<' does not apply to text field 'comm' (use =, !=, in, glob or contains)" },
	{ "args >= a", 6, "'>=' does not apply to text field 'args' (use =, !=, in, glob or contains)" },
	{ "pid glob 1", 5, "glob applies to text fields; 'pid' is a number" },
	{ "pid contains 1", 5, "contains applies to text fields; 'pid' is a number" },
	{ "pid not glob 1", 5, "glob applies to text fields; 'pid' is a number" },
	{ "daddr > 10.0.0.1", 7, "'>' does not apply to address field 'daddr' (use =, != or in)" },
	{ "daddr glob x", 7, "'glob' does not apply to address field 'daddr' (use =, != or in)" },
	{ "daddr = 10.0.0.256", 9,
	  "expected an IP address or network (10.0.0.1, 10.0.0.0/8, fe80::/10) for 'daddr', found "
	  "'10.0.0.256'" },
	{ "daddr = fe80:::1", 9,
	  "expected an IP address or network (10.0.0.1, 10.0.0.0/8, fe80::/10) for 'daddr', found "
	  "'fe80:::1'" },
	{ "daddr in 10.0.0.0/33", 10, "invalid prefix length '/33' for an IPv4 address (0 to 32)" },
	{ "daddr in ::/129", 10, "invalid prefix length '/129' for an IPv6 address (0 to 128)" },
	{ "daddr in 10.0.0.0/", 10, "invalid prefix length '/' for an IPv4 address (0 to 32)" },
	{ "pid", 1, "'pid' is not a true/false field: compare it (=, !=, <, <=, >, >=, in)" },
	{ "comm", 1, "'comm' is not a true/false field: compare it (=, !=, in, ...)" },
	{ "pid = 1 & uid = 2", 9, "unexpected '&': write 'and'" },
	{ "pid = 1 | uid = 2", 9, "unexpected '|': write 'or'" },
	{ "comm = \"abc", 8, "unterminated string: no closing \"" },
	{ "comm = 'abc", 8, "unterminated string: no closing '" },
	{ "comm = \"a\\x4\"", 10, "invalid escape '\\x': expected two hex digits" },
	{ "pid in ()", 9, "expected a value in the list, found ')'" },
	{ "pid in (1 2)", 11, "expected ',' or ')' in the list, found '2'" },
	{ "pid in (1,", 11, "expected a value after ',', found end of expression" },
	{ "pid in", 7, "expected a value after 'in', found end of expression" },
	{ "type = nope", 8,
	  "unknown event type 'nope'; did you mean 'open'?" },
	{ "type = sysctl_frobnicate", 8,
	  "unknown event type 'sysctl_frobnicate'; docs/filter.md lists the types; `ebpfrec info FILE` shows a capture's" },
	{ "family = nope", 10,
	  "unknown family 'nope'; families are: process, syscall, network, memory, file, meta, custom" },
	{ "severity >= bad", 13,
	  "unknown severity 'bad'; severities are: info, notice, warning, error, critical" },
	{ "thread = maybe", 10, "expected true or false for 'thread', found 'maybe'" },
	{ "ret = -EFOO", 7, "unknown errno name '-EFOO' for 'ret'" },
	{ "errno = ENOTANERROR", 9, "unknown errno name 'ENOTANERROR' for 'errno'" },
	{ "signal = SIGFOO", 10, "unknown signal name 'SIGFOO' for 'signal'" },
	{ "signal = -SIGKILL", 10, "unknown signal name '-SIGKILL' for 'signal'" },
	{ "duration > 5x", 12,
	  "expected a duration for 'duration' (a number with ns, us, ms, s, m or h), found '5x'" },
	{ "ts > 1.5", 6, "expected a duration for 'ts' (a number with ns, us, ms, s, m or h), found '1.5'" },
	{ "bytes_sent > 4q", 14, "expected a size for 'bytes_sent' (a number with k, M, G or T), found '4q'" },
	{ "bytes_sent > 4kk", 14,
	  "expected a size for 'bytes_sent' (a number with k, M, G or T), found '4kk'" },
	{ "comm = and", 8, "expected a value after '=', found 'and' (quote it to compare with the word)" },
	{ "pid ! 3", 5,
	  "expected an operator after 'pid' (=, !=, <, <=, >, >=, in, glob, contains), found '!'" },
	{ "pid 3", 5,
	  "expected an operator after 'pid' (=, !=, <, <=, >, >=, in, glob, contains), found '3'" },
	{ "123 = 4", 1, "expected a field name (letters, digits, '_'), found '123'" },
	{ "comm.x = 4", 1, "expected a field name (letters, digits, '_'), found 'comm.x'" },
	{ "not", 4, "expected a field name, '(' or 'not', found end of expression" },
	{ "pid not 3", 9, "expected 'in', 'glob' or 'contains' after 'not', found '3'" },
	{ "pid = 1 uid = 2", 9, "expected 'and', 'or' or end of expression, found 'uid'" },
	{ "and pid = 1", 1, "expected a field name, '(' or 'not', found 'and'" },
	{ "pid = = 1", 7, "expected a value after '=', found '='" },
	{ "( )", 3, "expected a field name, '(' or 'not', found ')'" },
	{ "pid = 1 or or", 12, "expected a field name, '(' or 'not', found 'or'" },
	{ "pid = \x01", 7, "unexpected control character 0x01" },
	{ "type = exec,", 12, "expected 'and', 'or' or end of expression, found ','" },
	{ "comm = \"a\" \"b\"", 12, "expected 'and', 'or' or end of expression, found string \"b\"" },
	{ "pid = 1 and (uid = 0 or (gid = 0)", 34,
	  "expected ')' to close '(' at column 13, found end of expression" },
	{ "pid <> 1", 6, "expected a value after '<', found '>'" },
	{ "in = 1", 1, "expected a field name, '(' or 'not', found 'in'" },
};

static void test_malformed(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad *b = &bad_cases[i];
		struct ebr_filter_error err;
		struct ebr_filter *f;

		errno = 0;
		f = ebr_filter__compile(schema, b->expr, &err);
		if (f)
			fail_msg("'%s' compiled; expected an error", b->expr);
		assert_int_equal(errno, EINVAL);
		if (strcmp(err.message, b->msg) || err.column != b->col)
			fail_msg("'%s': got column %u '%s'\n   expected column %u '%s'", b->expr, err.column,
				 err.message, b->col, b->msg);
	}
	print_message("%zu malformed expressions\n", sizeof(bad_cases) / sizeof(bad_cases[0]));
}

/* Nesting is bounded: the evaluator recurses once per level. */
static void test_nesting_limit(void **state)
{
	char expr[512];
	struct ebr_filter_error err;
	struct ebr_filter *f;
	size_t o = 0;

	(void)state;
	for (int i = 0; i < 100; i++)
		expr[o++] = '(';
	o += (size_t)sprintf(expr + o, "pid = 1");
	for (int i = 0; i < 100; i++)
		expr[o++] = ')';
	expr[o] = 0;
	f = ebr_filter__compile(schema, expr, &err);
	assert_non_null(f);
	ebr_filter__free(f);

	o = 0;
	for (int i = 0; i < 101; i++)
		expr[o++] = '(';
	strcpy(expr + o, "pid = 1");
	assert_null(ebr_filter__compile(schema, expr, &err));
	assert_int_equal(err.column, 101);
	assert_string_equal(err.message, "expression nests deeper than 100 levels");

	o = 0;
	for (int i = 0; i < 101; i++)
		o += (size_t)sprintf(expr + o, "not ");
	strcpy(expr + o, "pid = 1");
	assert_null(ebr_filter__compile(schema, expr, &err));
	assert_int_equal(err.column, 401);
	assert_string_equal(err.message, "expression nests deeper than 100 levels");
}

/* No schema type with an error code: `errno` says so rather than matching nothing. */
static void test_errno_without_field(void **state)
{
	static const struct ebr_field fields[] = { TCOMMON };
	struct ebr_type t = { "bare", "custom", 5, EBR_FAM_CUSTOM, sizeof(struct ebr_event_header),
			      sizeof(fields) / sizeof(fields[0]), fields };
	struct ebr_schema s = { .n_types = 1, .types = &t };
	struct ebr_filter_error err;

	(void)state;
	s.by_id[5] = &t;
	assert_null(ebr_filter__compile(&s, "errno = ENOENT", &err));
	assert_int_equal(err.column, 1);
	assert_string_equal(err.message,
			    "unknown field 'errno': no event type in this capture's schema has an error code");
	assert_null(ebr_filter__compile(NULL, "pid = 1", &err));
	assert_null(ebr_filter__compile(&s, NULL, NULL));
}

/* ------------------------------------------------------------- literals */

struct lit {
	const char *expr; /* one comparison */
	int neg;
	uint64_t u; /* when !neg */
	int64_t s; /* when neg */
};

static const struct lit lits[] = {
	{ "duration = 10ms", 0, 10000000, 0 },
	{ "duration = 5us", 0, 5000, 0 },
	{ "duration = 2s", 0, 2000000000, 0 },
	{ "duration = 1m", 0, 60000000000ULL, 0 },
	{ "duration = 1min", 0, 60000000000ULL, 0 },
	{ "duration = 1h", 0, 3600000000000ULL, 0 },
	{ "duration = 1.5s", 0, 1500000000, 0 },
	{ "duration = 0.5ms", 0, 500000, 0 },
	{ "duration = 100", 0, 100, 0 },
	{ "duration = 100ns", 0, 100, 0 },
	{ "duration = 0x10", 0, 16, 0 },
	{ "duration = 1.000000001s", 0, 1000000001, 0 },
	{ "duration = 2.5h", 0, 9000000000000ULL, 0 },
	{ "ts = 3s", 0, 3000000000, 0 },
	{ "bytes_sent = 4k", 0, 4096, 0 },
	{ "bytes_sent = 4K", 0, 4096, 0 },
	{ "bytes_sent = 1M", 0, 1048576, 0 },
	{ "bytes_sent = 2G", 0, 2147483648ULL, 0 },
	{ "bytes_sent = 1T", 0, 1099511627776ULL, 0 },
	{ "bytes_sent = 4KiB", 0, 4096, 0 },
	{ "bytes_sent = 4kB", 0, 4096, 0 },
	{ "bytes_sent = 1.5M", 0, 1572864, 0 },
	{ "bytes_sent = 512B", 0, 512, 0 },
	{ "bytes_sent = 10", 0, 10, 0 },
	{ "bytes_sent = 0.5k", 0, 512, 0 },
	{ "pid = -5", 1, 0, -5 },
	{ "pid = +5", 0, 5, 0 },
	{ "pid = 0xff", 0, 255, 0 },
	{ "pid = 0XFF", 0, 255, 0 },
	{ "pid = -0", 0, 0, 0 },
	{ "pid = 18446744073709551615", 0, UINT64_MAX, 0 },
	{ "pid = -9223372036854775808", 1, 0, INT64_MIN },
	{ "ret = -ENOENT", 1, 0, -2 },
	{ "ret = ENOENT", 1, 0, -2 },
	{ "ret = eperm", 1, 0, -1 },
	{ "errno = ENOENT", 0, 2, 0 },
	{ "errno = -ENOENT", 0, 2, 0 },
	{ "signal = SIGKILL", 0, 9, 0 },
	{ "signal = kill", 0, 9, 0 },
	{ "signal = SIGRTMIN", 0, 34, 0 },
	{ "signal = SIGRTMIN+3", 0, 37, 0 },
	{ "signal = SIGTERM", 0, 15, 0 },
	{ "type = exec", 0, 1, 0 },
	{ "type = custom_ev", 0, 200, 0 },
	{ "family = network", 0, 3, 0 },
	{ "severity = critical", 0, 4, 0 },
	{ "severity = warn", 0, 2, 0 },
	{ "thread = true", 0, 1, 0 },
	{ "thread = no", 0, 0, 0 },
	{ "thread = on", 0, 1, 0 },
};

static void test_literals(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(lits) / sizeof(lits[0]); i++) {
		struct ebr_filter_error err;
		struct ebr_filter *f = ebr_filter__compile(schema, lits[i].expr, &err);
		const struct flt_num *n;

		if (!f)
			fail_msg("'%s': column %u: %s", lits[i].expr, err.column, err.message);
		assert_int_equal(f->n_cmps, 1);
		n = &f->cmps[0].vars[0].v.num[0];
		if (n->neg != lits[i].neg || (n->neg ? n->s != lits[i].s : n->u != lits[i].u))
			fail_msg("'%s': got neg=%d u=%llu s=%lld", lits[i].expr, n->neg,
				 (unsigned long long)n->u, (long long)n->s);
		ebr_filter__free(f);
	}
	print_message("%zu literals\n", sizeof(lits) / sizeof(lits[0]));
}

/* Quoted strings: escapes decoded, unknown escapes kept for globs. */
static void test_strings(void **state)
{
	static const struct {
		const char *expr, *want;
		size_t len;
	} strs[] = {
		{ "comm = \"a b\"", "a b", 3 },
		{ "comm = 'it''s'", NULL, 0 }, /* two strings: an error, checked below */
		{ "comm = \"say \\\"hi\\\"\"", "say \"hi\"", 8 },
		{ "comm = 'a\\'b'", "a'b", 3 },
		{ "comm = \"tab\\there\"", "tab\there", 8 },
		{ "comm = \"nl\\n\"", "nl\n", 3 },
		{ "comm = \"\\x41\\x42\"", "AB", 2 },
		{ "comm = \"back\\\\slash\"", "back\\slash", 10 },
		{ "comm glob \"\\*x\"", "\\*x", 3 },
		{ "comm = \"nul\\0in\"", "nul\0in", 6 },
		{ "comm = /bin/[a-z]*", "/bin/[a-z]*", 11 },
		{ "comm = caf\xc3\xa9", "caf\xc3\xa9", 5 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		struct ebr_filter *f = ebr_filter__compile(schema, strs[i].expr, NULL);
		const struct flt_str *s;

		if (!strs[i].want) {
			assert_null(f);
			continue;
		}
		if (!f)
			fail_msg("'%s' did not compile", strs[i].expr);
		s = &f->cmps[0].vars[0].v.str[0];
		assert_int_equal(s->len, strs[i].len);
		assert_memory_equal(s->p, strs[i].want, strs[i].len);
		ebr_filter__free(f);
	}
}

/* ----------------------------------------------------------- shorthands */

static void test_shorthands(void **state)
{
	static const struct {
		struct ebr_filter_shorthand sh;
		const char *want;
	} ok[] = {
		{ { .types = "exec,exit" }, "type in (exec, exit)" },
		{ { .types = " exec , fork " }, "type in (exec, fork)" },
		{ { .pids = "1, 2" }, "pid in (1, 2)" },
		{ { .min_severity = "warning" }, "severity >= warning" },
		{ { .min_severity = "3" }, "severity >= error" },
		{ { .min_severity = "WARN" }, "severity >= warning" },
		{ { .exclude_system = 1 }, "not system" },
		{ { .types = "exec", .pids = "42", .min_severity = "error", .exclude_system = 1 },
		  "type in (exec) and pid in (42) and severity >= error and not system" },
		{ { .containers = "abc,d\"e" }, "container in (\"abc\", \"d\\\"e\")" },
		{ { .namespaces = "4026531836,default" },
		  "(pidns in (4026531836) or mntns in (4026531836) or k8s_namespace in (\"default\"))" },
		{ { .namespaces = "1,2" }, "(pidns in (1, 2) or mntns in (1, 2))" },
		{ { 0 }, "" },
	};
	static const struct {
		struct ebr_filter_shorthand sh;
		const char *msg;
	} bad[] = {
		{ { .pids = "12a" }, "--pid: '12a' is not a process id" },
		{ { .pids = "1,,2" }, "--pid: '' is not a process id" },
		{ { .pids = "99999999999" }, "--pid: '99999999999' is not a process id" },
		{ { .types = "exec)" }, "--type: 'exec)' is not an event type name" },
		{ { .types = "" }, "--type: '' is not an event type name" },
		{ { .containers = "a,,b" }, "--container: empty name in the list" },
		{ { .min_severity = "bad" },
		  "--min-severity: unknown severity 'bad'; severities are: info, notice, warning, error, "
		  "critical" },
	};
	struct ebr_filter_error err;
	char *s;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct ebr_filter_shorthand sh = ok[i].sh;

		sh.sz = sizeof(sh);
		s = ebr_filter__shorthand_expr(&sh, &err);
		assert_non_null(s);
		assert_string_equal(s, ok[i].want);
		free(s);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ebr_filter_shorthand sh = bad[i].sh;

		sh.sz = sizeof(sh);
		errno = 0;
		assert_null(ebr_filter__shorthand_expr(&sh, &err));
		assert_int_equal(errno, EINVAL);
		assert_int_equal(err.column, 0);
		assert_string_equal(err.message, bad[i].msg);
	}
	s = ebr_filter__join("pid = 1 or uid = 0", "type in (exec)");
	assert_string_equal(s, "(pid = 1 or uid = 0) and (type in (exec))");
	free(s);
	s = ebr_filter__join(NULL, "not system");
	assert_string_equal(s, "not system");
	free(s);
	s = ebr_filter__join("pid = 1", "");
	assert_string_equal(s, "pid = 1");
	free(s);
	s = ebr_filter__join(NULL, NULL);
	assert_string_equal(s, "");
	free(s);
}

/* A shorthand expression compiles, and a bad type name is caught by the compiler. */
static void test_shorthand_compiles(void **state)
{
	struct ebr_filter_shorthand sh = { .sz = sizeof(sh), .types = "exec,exit", .pids = "100,102",
					   .min_severity = "info", .exclude_system = 1 };
	struct ebr_filter_error err;
	struct ebr_filter *f;
	char *s = ebr_filter__shorthand_expr(&sh, &err);

	(void)state;
	f = ebr_filter__compile(schema, s, &err);
	assert_non_null(f);
	assert_string_equal(ebr_filter__expr(f), s);
	ebr_filter__free(f);
	free(s);
	sh = (struct ebr_filter_shorthand){ .sz = sizeof(sh), .types = "exek" };
	s = ebr_filter__shorthand_expr(&sh, &err);
	assert_null(ebr_filter__compile(schema, s, &err));
	assert_int_equal(err.column, 10);
	assert_string_equal(err.message,
			    "unknown event type 'exek'; did you mean 'exec'?");
	free(s);
	sh = (struct ebr_filter_shorthand){ .sz = sizeof(sh), .containers = "abc" };
	s = ebr_filter__shorthand_expr(&sh, &err);
	assert_null(ebr_filter__compile(schema, s, &err));
	assert_string_equal(err.message, "'container' is resolved through the capture's cgroup table, and "
					 "none was given (compile with ebr_filter__compile_opts or "
					 "ebr_filter__compile_reader)");
	free(s);
}

/*
 * Expressions glued from random tokens (fixed seed): each either compiles
 * and evaluates, or fails with a message and a column inside the text.
 */
static void test_random_expressions(void **state)
{
	static const char *const toks[] = {
		"pid", "comm", "args", "daddr", "ret", "type", "family", "severity", "errno", "system",
		"thread", "ts", "size", "data", "=", "!=", "<", ">=", "in", "not", "and", "or", "glob",
		"contains", "(", ")", ",", "!", "&&", "||", "1", "-1", "0x", "4k", "1.5s", "exec",
		"ENOENT", "SIGKILL", "10.0.0.0/8", "::1/200", "\"a*\"", "'x", "\"\\x", "[", "*", "&",
		"\x01", "warning", "true", "abc",
	};
	struct ebr_buf b = { 0 };
	size_t off = add_exec(&b, &(struct hdr_spec){ 1, 2, 3, 4, "x" }, -2, "/a", "a\0b", 3);
	unsigned seed = 12345, compiled = 0;
	char expr[256];

	(void)state;
	for (int i = 0; i < 20000; i++) {
		struct ebr_filter_error err;
		struct ebr_filter *f;
		size_t o = 0;
		int n = 1 + (int)((seed = seed * 1103515245 + 12345) >> 16) % 9;

		for (int k = 0; k < n; k++) {
			const char *t = toks[((seed = seed * 1103515245 + 12345) >> 16) % (sizeof(toks) / sizeof(toks[0]))];

			o += (size_t)snprintf(expr + o, sizeof(expr) - o, "%s%s", k ? " " : "", t);
		}
		f = ebr_filter__compile(schema, expr, &err);
		if (f) {
			compiled++;
			(void)ebr_filter__match(f, (const void *)(b.p + off));
			ebr_filter__free(f);
			continue;
		}
		if (!err.message[0] || err.column < 1 || err.column > strlen(expr) + 1)
			fail_msg("'%s': column %u, message '%s'", expr, err.column, err.message);
	}
	print_message("%u of 20000 random expressions compiled\n", compiled);
	assert_true(compiled > 50);
	ebr_buf__free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_nesting_limit),
		cmocka_unit_test(test_errno_without_field),
		cmocka_unit_test(test_literals),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_shorthands),
		cmocka_unit_test(test_shorthand_compiles),
		cmocka_unit_test(test_random_expressions),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
