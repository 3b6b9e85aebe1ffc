// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ebr_recorder__new checks the low-latency options before anything is
 * loaded (no privileges needed): the drain interval's and the real-time
 * priority's ranges, checked whatever the mode.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ebpfrec/log.h"
#include "ebpfrec/recorder.h"

static unsigned errors;

static void count_errors(enum ebr_log_level level, const char *msg, void *ctx)
{
	(void)msg;
	(void)ctx;
	errors += level == EBR_LOG_ERROR;
}

/* 1 accepted; 0 refused with EINVAL and one error message saying why */
static int accepted(int low_latency, uint32_t interval_us, int rt_priority)
{
	struct ebr_recorder_opts o = { .sz = sizeof(o), .low_latency = low_latency,
				       .drain_interval_us = interval_us, .rt_priority = rt_priority };
	struct ebr_recorder *r;
	unsigned before = errors;

	errno = 0;
	r = ebr_recorder__new(&o);
	if (!r) {
		assert_int_equal(errno, EINVAL);
		assert_int_equal(errors, before + 1);
		return 0;
	}
	assert_int_equal(errors, before);
	ebr_recorder__free(r);
	return 1;
}

static void test_drain_interval(void **state)
{
	(void)state;
	assert_true(accepted(1, 0, 0)); /* the default, 250 us */
	assert_true(accepted(1, 10, 0));
	assert_true(accepted(1, 100000, 0));
	assert_false(accepted(1, 9, 0));
	assert_false(accepted(1, 100001, 0));
	/* a bad value is refused even where it would not be used */
	assert_false(accepted(0, 5, 0));
	assert_true(accepted(0, 0, 0));
}

static void test_rt_priority(void **state)
{
	(void)state;
	assert_true(accepted(1, 0, 1));
	assert_true(accepted(0, 0, 99));
	assert_false(accepted(1, 0, 100));
	assert_false(accepted(1, 0, -1));
}

/* An options struct from before these fields (a smaller sz) leaves them at their defaults. */
static void test_older_opts(void **state)
{
	struct ebr_recorder_opts o = { .sz = offsetof(struct ebr_recorder_opts, drain_interval_us),
				       .low_latency = 1, .drain_interval_us = 5, .rt_priority = 500 };
	struct ebr_recorder *r;

	(void)state;
	r = ebr_recorder__new(&o);
	assert_non_null(r);
	ebr_recorder__free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drain_interval),
		cmocka_unit_test(test_rt_priority),
		cmocka_unit_test(test_older_opts),
	};

	ebr_set_log(count_errors, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
