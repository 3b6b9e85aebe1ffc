// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Replay "as if live": a capture spanning exactly 2 s is delivered in 2 s
 * at the original pace and in 0.2 s at ten times the speed, and rebased
 * timestamps follow the clock of the replay.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <cmocka.h>

#include "capture_fixture.h"
#include "ebpfrec/capture.h"
#include "ebpfrec/events.h"
#include "ebpfrec/record_builder.h"
#include "ebpfrec/source.h"

#define SPAN_NS 2000000000ULL
#define N_EVENTS 2001 /* one every millisecond, first and last 2 s apart */

static char *dir, *path;

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int setup(void **state)
{
	struct ebr_writer_opts wo = { .sz = sizeof(wo) };
	struct ebr_buf b = {0};
	struct fx_rng rng = { 42 };
	struct ebr_writer *w;
	void *schema;
	size_t schema_len;

	(void)state;
	dir = fx_tmpdir();
	path = fx_path(dir, "paced.ebc");
	for (uint64_t i = 0; i < N_EVENTS; i++)
		fx_append_record(&b, &rng, 5000000000ULL + i * (SPAN_NS / (N_EVENTS - 1)), (uint32_t)i, 0);
	w = ebr_writer__open(path, &wo);
	if (!w || ebr_schema__serialize(ebr_schema__builtin(), &schema, &schema_len))
		return -1;
	ebr_writer__add_meta(w, 1 /* EBR_META_SCHEMA */, schema, schema_len);
	free(schema);
	/* several segments, so pacing crosses segment boundaries */
	for (size_t off = 0; off < b.len;) {
		size_t start = off, k = 0;

		while (off < b.len && k < 500) {
			off += ((const struct ebr_event_header *)(b.p + off))->size;
			k++;
		}
		if (ebr_writer__add_segment(w, b.p + start, off - start, NULL, 0))
			return -1;
	}
	ebr_buf__free(&b);
	return ebr_writer__close(w);
}

static int teardown(void **state)
{
	(void)state;
	free(path);
	fx_rmtree(dir);
	return 0;
}

struct seen {
	uint64_t n;
	uint64_t first_ts, last_ts;
	uint64_t first_delivery, last_delivery;
};

static int on_event(const struct ebr_event *ev, void *ctx)
{
	struct seen *s = ctx;

	if (!s->n++) {
		s->first_ts = ev->rec->ts;
		s->first_delivery = ev->delivered_ns;
	}
	s->last_ts = ev->rec->ts;
	s->last_delivery = ev->delivered_ns;
	return 0;
}

static double replay_seconds(double speed, int rebase, struct seen *seen)
{
	const char *paths[] = { path };
	struct ebr_capture_source_opts co = { .sz = sizeof(co), .speed = speed, .rebase = rebase };
	struct ebr_subscribe_opts so = { .sz = sizeof(so), .fn = on_event, .ctx = seen };
	struct ebr_source *s = ebr_source__open_capture(paths, 1, &co);
	uint64_t t0;

	assert_non_null(s);
	assert_non_null(ebr_source__subscribe(s, &so));
	t0 = mono_ns();
	while (!ebr_source__done(s))
		assert_true(ebr_source__poll(s, 50) >= 0);
	ebr_source__drain(s);
	t0 = mono_ns() - t0;
	ebr_source__close(s);
	assert_int_equal(seen->n, N_EVENTS);
	return (double)t0 / 1e9;
}

static void test_original_pace(void **state)
{
	struct seen seen = {0};
	double secs = replay_seconds(1.0, 0, &seen);

	(void)state;
	print_message("2 s capture replayed in %.3f s\n", secs);
	assert_true(secs >= 2.0 * 0.95 && secs <= 2.0 * 1.05);
	/* not rebased: original timestamps */
	assert_int_equal(seen.last_ts - seen.first_ts, SPAN_NS);
}

static void test_ten_times_faster(void **state)
{
	struct seen seen = {0};
	double secs = replay_seconds(10.0, 0, &seen);

	(void)state;
	print_message("2 s capture at 10x in %.3f s\n", secs);
	assert_true(secs >= 0.2 * 0.8 && secs <= 0.2 * 1.2);
}

static void test_rebased_to_now(void **state)
{
	struct seen seen = {0};
	uint64_t before = boot_ns();
	double secs = replay_seconds(4.0, 1, &seen);

	(void)state;
	assert_true(secs > 0.4);
	/* timestamps are on the replay's clock, 4x compressed: 0.5 s apart */
	assert_true(seen.first_ts >= before);
	assert_true(seen.last_ts - seen.first_ts >= SPAN_NS / 4 - 1000);
	assert_true(seen.last_ts - seen.first_ts <= SPAN_NS / 4 + 1000);
	/* and each was delivered no earlier than its rebased time */
	assert_true(seen.last_delivery >= seen.last_ts);
}

static void test_as_fast_as_possible(void **state)
{
	struct seen seen = {0};
	double secs = replay_seconds(0, 0, &seen);

	(void)state;
	assert_true(secs < 1.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_original_pace),
		cmocka_unit_test(test_ten_times_faster),
		cmocka_unit_test(test_rebased_to_now),
		cmocka_unit_test(test_as_fast_as_possible),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
