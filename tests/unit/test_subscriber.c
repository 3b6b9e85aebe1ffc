// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The CI-without-root use: a recorded capture (tests/data/procs50.ebc: 50
 * /bin/true execs, 50 children exiting 1..50, one killed by SIGKILL) read
 * through the subscriber API with filters, by an unprivileged user. When
 * run as root the test first drops to nobody. argv[1]: the fixture.
 */
#define _GNU_SOURCE /* setgroups */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "ebpfrec/events.h"
#include "ebpfrec/source.h"

static char fixture[512];

struct tally {
	uint64_t n;
	int64_t sum;
	uint64_t mask[2]; /* exit codes seen, 1..127 */
	char last_filename[64];
};

static int on_exit_event(const struct ebr_event *ev, void *ctx)
{
	struct tally *t = ctx;
	const struct ebr_field *f = ebr_type__field(ebr_schema__type(ev->schema, ev->rec->type), "exit_code");
	int64_t code = ebr_field__s64(f, ev->rec);

	t->n++;
	t->sum += code;
	if (code > 0 && code < 128)
		t->mask[code / 64] |= 1ULL << (code % 64);
	return 0;
}

static int on_any(const struct ebr_event *ev, void *ctx)
{
	struct tally *t = ctx;
	const struct ebr_field *f = ebr_type__field(ebr_schema__type(ev->schema, ev->rec->type), "filename");
	size_t len;

	t->n++;
	if (f) {
		const char *s = ebr_field__str(f, ev->rec, &len);

		snprintf(t->last_filename, sizeof(t->last_filename), "%.*s", (int)len, s);
	}
	return 0;
}

static struct ebr_source *open_fixture(double speed)
{
	const char *paths[] = { fixture };
	struct ebr_capture_source_opts co = { .sz = sizeof(co), .speed = speed };
	struct ebr_source *s = ebr_source__open_capture(paths, 1, &co);

	assert_non_null(s);
	return s;
}

static void run(struct ebr_source *s)
{
	while (!ebr_source__done(s))
		assert_true(ebr_source__poll(s, 100) >= 0);
	ebr_source__drain(s);
}

static void test_not_root(void **state)
{
	(void)state;
	assert_int_not_equal(geteuid(), 0);
}

static void test_filtered_subscribers(void **state)
{
	struct tally execs = {0}, exits = {0}, killed = {0}, everything = {0};
	struct ebr_subscribe_opts a = { .sz = sizeof(a), .fn = on_any, .ctx = &execs,
					.filter = "type = exec and filename = \"/bin/true\"" };
	struct ebr_subscribe_opts b = { .sz = sizeof(b), .fn = on_exit_event, .ctx = &exits,
					.filter = "type = exit and exit_code > 0" };
	struct ebr_subscribe_opts c = { .sz = sizeof(c), .fn = on_exit_event, .ctx = &killed,
					.filter = "signal = SIGKILL" };
	struct ebr_subscribe_opts d = { .sz = sizeof(d), .fn = on_any, .ctx = &everything };
	struct ebr_source *s = open_fixture(0);
	struct ebr_source_stats st;
	struct ebr_health h;
	uint64_t dl, fl, dr;
	struct ebr_subscription *sa;

	(void)state;
	assert_non_null(sa = ebr_source__subscribe(s, &a));
	assert_non_null(ebr_source__subscribe(s, &b));
	assert_non_null(ebr_source__subscribe(s, &c));
	assert_non_null(ebr_source__subscribe(s, &d));
	run(s);
	assert_int_equal(execs.n, 50);
	assert_string_equal(execs.last_filename, "/bin/true");
	assert_int_equal(exits.n, 50);
	assert_int_equal(exits.sum, 50 * 51 / 2);
	/* every code from 1 to 50 exactly once */
	assert_int_equal(exits.mask[0], ((1ULL << 51) - 1) & ~1ULL);
	assert_int_equal(killed.n, 1);
	assert_int_equal(everything.n, 254);
	assert_int_equal(ebr_subscription__stats(sa, &dl, &fl, &dr), 0);
	assert_int_equal(dl, 50);
	assert_int_equal(fl, 204);
	assert_int_equal(dr, 0);
	assert_int_equal(ebr_source__stats(s, &st), 0);
	assert_int_equal(st.collected, 254);
	assert_int_equal(st.delivered, 50 + 50 + 1 + 254);
	assert_int_equal(st.subscriber_dropped, 0);
	assert_int_equal(ebr_source__health(s, &h), 0);
	assert_int_equal(h.status, EBR_HEALTHY);
	ebr_source__close(s);
}

static void test_set_filter_and_bad_filter(void **state)
{
	struct tally forks = {0};
	struct ebr_subscribe_opts o = { .sz = sizeof(o), .fn = on_any, .ctx = &forks, .filter = "type = exec" };
	struct ebr_subscribe_opts bad = { .sz = sizeof(bad), .fn = on_any, .ctx = &forks,
					  .filter = "type = exek" };
	struct ebr_source *s = open_fixture(0);
	struct ebr_subscription *sub = ebr_source__subscribe(s, &o);
	struct ebr_filter_error err;

	(void)state;
	assert_non_null(sub);
	assert_null(ebr_source__subscribe(s, &bad));
	assert_int_equal(errno, EINVAL);
	assert_int_equal(ebr_subscription__set_filter(sub, "pid in (", &err), -EINVAL);
	assert_int_equal(err.column, 9);
	assert_int_equal(ebr_subscription__set_filter(sub, "type = fork and not thread", &err), 0);
	run(s);
	assert_int_equal(forks.n, 101);
	ebr_source__close(s);
}

static int stop_after_ten(const struct ebr_event *ev, void *ctx)
{
	(void)ev;
	return ++((struct tally *)ctx)->n >= 10;
}

static void test_callback_ends_subscription(void **state)
{
	struct tally t = {0};
	struct ebr_subscribe_opts o = { .sz = sizeof(o), .fn = stop_after_ten, .ctx = &t };
	struct ebr_source *s = open_fixture(0);

	(void)state;
	assert_non_null(ebr_source__subscribe(s, &o));
	run(s);
	ebr_source__close(s);
	assert_int_equal(t.n, 10);
}

/* A direct subscription: same events, in the polling thread, with the same rewritten timestamps. */
struct seen {
	uint64_t n;
	uint64_t ts[256];
	pthread_t poller;
	uint64_t other_thread; /* callbacks run elsewhere than the poller */
};

static int on_seen(const struct ebr_event *ev, void *ctx)
{
	struct seen *s = ctx;

	if (!pthread_equal(pthread_self(), s->poller))
		s->other_thread++;
	if (s->n < 256)
		s->ts[s->n] = ev->rec->ts;
	s->n++;
	return 0;
}

static void test_direct_subscription(void **state)
{
	const char *paths[] = { fixture };
	struct ebr_capture_source_opts co = { .sz = sizeof(co), .rebase = 1 };
	struct seen direct = { .poller = pthread_self() }, queued = { .poller = pthread_self() };
	struct seen plain = { .poller = pthread_self() };
	struct tally exits = {0};
	struct ebr_subscribe_opts d = { .sz = sizeof(d), .fn = on_seen, .ctx = &direct, .direct = 1 };
	struct ebr_subscribe_opts q = { .sz = sizeof(q), .fn = on_seen, .ctx = &queued };
	struct ebr_subscribe_opts e = { .sz = sizeof(e), .fn = on_exit_event, .ctx = &exits, .direct = 1,
					.filter = "type = exit and exit_code > 0" };
	struct ebr_subscribe_opts p = { .sz = sizeof(p), .fn = on_seen, .ctx = &plain, .direct = 1 };
	struct ebr_subscription *sd, *se;
	struct ebr_source_stats st;
	struct ebr_source *s;
	uint64_t dl, fl, dr;
	size_t moved = 0;

	(void)state;
	s = ebr_source__open_capture(paths, 1, &co);
	assert_non_null(s);
	assert_non_null(sd = ebr_source__subscribe(s, &d));
	assert_non_null(ebr_source__subscribe(s, &q));
	assert_non_null(se = ebr_source__subscribe(s, &e));
	run(s);
	assert_int_equal(direct.n, 254);
	assert_int_equal(direct.other_thread, 0);
	assert_int_equal(queued.n, 254);
	assert_int_equal(queued.other_thread, 254);
	/* the rebased timestamp each queued copy got is the one the direct callback saw */
	assert_memory_equal(direct.ts, queued.ts, sizeof(direct.ts[0]) * 254);
	assert_int_equal(exits.n, 50);
	assert_int_equal(exits.sum, 50 * 51 / 2);
	assert_int_equal(ebr_subscription__stats(sd, &dl, &fl, &dr), 0);
	assert_int_equal(dl, 254);
	assert_int_equal(fl, 0);
	assert_int_equal(dr, 0);
	assert_int_equal(ebr_subscription__stats(se, &dl, &fl, &dr), 0);
	assert_int_equal(dl, 50);
	assert_int_equal(fl, 204);
	assert_int_equal(dr, 0);
	assert_int_equal(ebr_source__stats(s, &st), 0);
	assert_int_equal(st.delivered, 254 + 254 + 50);
	assert_int_equal(st.subscriber_dropped, 0);
	ebr_source__close(s);
	/* and those were rewritten: the records as stored differ */
	s = open_fixture(0);
	assert_non_null(ebr_source__subscribe(s, &p));
	run(s);
	ebr_source__close(s);
	assert_int_equal(plain.n, 254);
	for (size_t i = 0; i < 254; i++)
		moved += plain.ts[i] != direct.ts[i];
	assert_int_equal(moved, 254);
}

static void test_direct_callback_ends_subscription(void **state)
{
	struct tally t = {0};
	struct ebr_subscribe_opts o = { .sz = sizeof(o), .fn = stop_after_ten, .ctx = &t, .direct = 1 };
	struct ebr_source *s = open_fixture(0);
	struct ebr_subscription *sub;
	uint64_t dl, fl, dr;

	(void)state;
	assert_non_null(sub = ebr_source__subscribe(s, &o));
	run(s);
	assert_int_equal(ebr_subscription__stats(sub, &dl, &fl, &dr), 0);
	ebr_source__close(s);
	assert_int_equal(t.n, 10);
	assert_int_equal(dl, 10);
	assert_int_equal(dr, 0);
}

static char dir[] = "/tmp/ebpfrec-sub-XXXXXX";

/* Copy the fixture where nobody can read it (in dir, made by the parent), then become nobody. */
static int drop_privileges(const char *src)
{
	char cmd[1200];

	snprintf(fixture, sizeof(fixture), "%s/procs50.ebc", dir);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s' && chmod 755 '%s' && chmod 644 '%s'", src, fixture, dir,
		 fixture);
	if (system(cmd))
		return -1;
	if (geteuid() == 0 && (setgroups(0, NULL) || setgid(65534) || setuid(65534)))
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_root),
		cmocka_unit_test(test_filtered_subscribers),
		cmocka_unit_test(test_set_filter_and_bad_filter),
		cmocka_unit_test(test_callback_ends_subscription),
		cmocka_unit_test(test_direct_subscription),
		cmocka_unit_test(test_direct_callback_ends_subscription),
	};

	char cmd[600];
	int status = 1;
	pid_t pid;

	if (argc < 2 || !mkdtemp(dir))
		return 2;
	pid = fork();
	if (pid == 0) {
		if (drop_privileges(argv[1])) {
			fprintf(stderr, "cannot set up: %s\n", strerror(errno));
			_exit(1);
		}
		_exit(cmocka_run_group_tests(tests, NULL, NULL));
	}
	/* the parent keeps its privileges only to clean up after the child */
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 1;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 && WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
