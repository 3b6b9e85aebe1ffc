// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The command line's number parsers: exact values, and refusals instead of undefined conversions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cli_util.h"

static void test_sizes(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_int_equal(parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(parse_size("16M", &v), 0);
	assert_int_equal(v, 16u << 20);
	assert_int_equal(parse_size("1.5KiB", &v), 0);
	assert_int_equal(v, 1536);
	assert_int_equal(parse_size("2gb", &v), 0);
	assert_int_equal(v, 2ULL << 30);
	v = 7;
	/* found by fuzz_config: these once reached a double-to-integer conversion out of range */
	assert_int_not_equal(parse_size("251111111111111111111111111111111111111111111116M", &v), 0);
	assert_int_not_equal(parse_size("inf", &v), 0);
	assert_int_not_equal(parse_size("nan", &v), 0);
	assert_int_not_equal(parse_size("1e30", &v), 0);
	assert_int_not_equal(parse_size("16777216T", &v), 0);
	assert_int_not_equal(parse_size("-1", &v), 0);
	assert_int_not_equal(parse_size("12x", &v), 0);
	assert_int_equal(v, 7); /* untouched on refusal */
}

static void test_durations(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_int_equal(parse_duration("1.5s", &v), 0);
	assert_int_equal(v, 1500000000ULL);
	assert_int_equal(parse_duration("10", &v), 0);
	assert_int_equal(v, 10000000000ULL);
	assert_int_equal(parse_duration("2m", &v), 0);
	assert_int_equal(v, 120000000000ULL);
	v = 7;
	assert_int_not_equal(parse_duration("inf", &v), 0);
	assert_int_not_equal(parse_duration("nan", &v), 0);
	assert_int_not_equal(parse_duration("1e300h", &v), 0);
	assert_int_not_equal(parse_duration("100000000000", &v), 0); /* 1e11 s does not fit in ns */
	assert_int_not_equal(parse_duration("5 parsecs", &v), 0);
	assert_int_equal(v, 7);
}

/* what getopt_long leaves: argv[optind - 1] is the last argument it consumed */
static void test_option_names(void **state)
{
	char a1[] = "--speed", a2[] = "0", a3[] = "--speed=0", a4[] = "-n", a5[] = "-nx", a6[] = "-qd", a7[] = "5",
	     a8[] = "-qd5";
	char *argv1[] = { "ebpfrec", a1, a2 }, *argv2[] = { "ebpfrec", a3 }, *argv3[] = { "ebpfrec", a4, a2 },
	     *argv4[] = { "ebpfrec", a5 }, *argv5[] = { "ebpfrec", a6, a7 }, *argv6[] = { "ebpfrec", a8 };
	char buf[64];

	(void)state;
	assert_string_equal(cli_option_name(argv1, 3, a2, buf, sizeof(buf)), "--speed");
	assert_string_equal(cli_option_name(argv2, 2, a3 + 8, buf, sizeof(buf)), "--speed");
	assert_string_equal(cli_option_name(argv3, 3, a2, buf, sizeof(buf)), "-n");
	assert_string_equal(cli_option_name(argv4, 2, a5 + 2, buf, sizeof(buf)), "-n");
	assert_string_equal(cli_option_name(argv5, 3, a7, buf, sizeof(buf)), "-d");
	assert_string_equal(cli_option_name(argv6, 2, a8 + 3, buf, sizeof(buf)), "-d");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_option_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
