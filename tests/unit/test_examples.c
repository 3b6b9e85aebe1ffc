// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The examples in examples/ are programs people copy: run each on the
 * recorded fixture and check its exact output.
 * argv: fixture, basic, filtering, custom-parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static char **args;

static char *run(const char *cmd)
{
	static char out[16384];
	FILE *p = popen(cmd, "r");
	size_t n;

	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	assert_int_equal(pclose(p), 0);
	return out;
}

static void test_basic(void **state)
{
	char cmd[2048];

	(void)state;
	snprintf(cmd, sizeof(cmd), "'%s' '%s'", args[2], args[1]);
	assert_string_equal(run(cmd), "exec             51\n"
				      "fork             101\n"
				      "exit             102\n");
}

static void test_filtering(void **state)
{
	char cmd[2048];

	(void)state;
	snprintf(cmd, sizeof(cmd), "'%s' '%s' 'type = exec' 'type = exit and exit_code != 0'", args[3], args[1]);
	assert_string_equal(run(cmd),
			    "first: type = exec: delivered 51 filtered 203 dropped 0\n"
			    "second: type = exit and exit_code != 0: delivered 50 filtered 204 dropped 0\n"
			    "source: collected 254 delivered 101 health healthy\n"
			    "callbacks: first 51, second 50\n");
}

static void test_custom_parser(void **state)
{
	char cmd[2048], *out, *line;
	int n_true = 0, n_other = 0;

	(void)state;
	snprintf(cmd, sizeof(cmd), "'%s' '%s'", args[4], args[1]);
	out = run(cmd);
	for (line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		if (!strcmp(line, "/bin/true exit=0 signal=0"))
			n_true++;
		else
			n_other++;
	}
	assert_int_equal(n_true, 50);
	assert_int_equal(n_other, 1); /* the workload itself */
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_filtering),
		cmocka_unit_test(test_custom_parser),
	};

	if (argc < 5)
		return 2;
	args = argv;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
