// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A live source with two subscribers: a slow one with a small queue loses
 * events (counted, its own) while a fast one gets every event and the
 * recorder loses none. In low-latency mode (paced drains) every event of a
 * storm reaches a direct and a queued subscriber, with or without
 * real-time scheduling. argv: workload_storm.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "bpf_check.h"
#include "ebpfrec/events.h"
#include "ebpfrec/log.h"
#include "ebpfrec/recorder.h"
#include "ebpfrec/source.h"
#include "names.h"

#define CALLS 20000

static const char *storm_bin;

struct counter {
	uint64_t n;
	unsigned slow_us;
};

static int count(const struct ebr_event *ev, void *ctx)
{
	struct counter *c = ctx;

	if (ev->rec->type == EBR_T_SYSCALL)
		__atomic_add_fetch(&c->n, 1, __ATOMIC_RELAXED);
	if (c->slow_us)
		usleep(c->slow_us);
	return 0;
}

/* The storm's process, held until the kernel filter has its pid: other tests storm at the same time. */
static pid_t spawn_held(long calls, const char *rate, int *go)
{
	char n[16];
	int fds[2];
	pid_t pid;

	snprintf(n, sizeof(n), "%ld", calls);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", 1);
		struct sched_param sp = { 0 };
		char c;

		close(fds[1]);
		if (read(fds[0], &c, 1) != 1)
			_exit(126);
		sched_setscheduler(0, SCHED_OTHER, &sp);
		dup2(devnull, 1);
		execl(storm_bin, storm_bin, n, rate, (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	*go = fds[1];
	return pid;
}

struct ll_counter {
	uint64_t n;
	pthread_t poller;
	uint64_t in_poller; /* callbacks run in the polling thread */
	int policy; /* of the thread the callback last ran in */
};

static int ll_count(const struct ebr_event *ev, void *ctx)
{
	struct ll_counter *c = ctx;
	struct sched_param sp;

	if (ev->rec->type != EBR_T_SYSCALL)
		return 0;
	c->n++;
	c->in_poller += pthread_equal(pthread_self(), c->poller) != 0;
	pthread_getschedparam(pthread_self(), &c->policy, &sp);
	return 0;
}

static unsigned warnings;

static void count_warnings(enum ebr_log_level level, const char *msg, void *ctx)
{
	(void)ctx;
	if (level == EBR_LOG_WARN)
		warnings++;
	fprintf(stderr, "%s\n", msg);
}

static int policy_now(void)
{
	struct sched_param sp;
	int policy = -1;

	pthread_getschedparam(pthread_self(), &policy, &sp);
	return policy;
}

/*
 * Low latency: paced drains, no wake-up per event; nothing may be lost on
 * the way. rt_priority: the polling thread and the queued subscriber's run
 * SCHED_FIFO while the source polls (or a warning says why not), and the
 * polling thread gets its old scheduling back at close.
 */
static void low_latency_storm(uint32_t interval_us, int rt_priority, const char *rate)
{
	struct utsname u;
	uint32_t getppid_nr, child;
	struct ebr_kfilter_spec kf = { .sz = sizeof(kf), .uid = -1, .pids = &child, .n_pids = 1 };
	struct ebr_recorder_opts ro = {
		.sz = sizeof(ro),
		.families = EBR_FAMILY_BIT(EBR_FAM_SYSCALL),
		.kfilter = &kf,
		.low_latency = 1,
		.drain_interval_us = interval_us,
		.rt_priority = rt_priority,
	};
	struct ll_counter direct = { .poller = pthread_self() }, queued = { .poller = pthread_self() };
	struct ebr_subscribe_opts d = { .sz = sizeof(d), .fn = ll_count, .ctx = &direct, .direct = 1 };
	struct ebr_subscribe_opts q = { .sz = sizeof(q), .fn = ll_count, .ctx = &queued, .buffer_size = 64 << 20 };
	struct ebr_subscription *sd, *sq;
	struct ebr_source_stats st;
	struct ebr_source *src;
	uint64_t dl, fl, dr;
	unsigned warned;
	int status, go, polling_policy = -1;
	pid_t pid;

	uname(&u);
	getppid_nr = (uint32_t)ebr_syscall_nr(u.machine, "getppid");
	ro.syscalls = &getppid_nr;
	ro.n_syscalls = 1;
	pid = spawn_held(CALLS, rate, &go);
	child = (uint32_t)pid;
	warnings = 0;
	ebr_set_log(count_warnings, NULL);
	src = ebr_source__open_live(&ro);
	assert_non_null(src);
	assert_non_null(sd = ebr_source__subscribe(src, &d));
	assert_non_null(sq = ebr_source__subscribe(src, &q));
	assert_int_equal(write(go, "g", 1), 1);
	close(go);
	while (waitpid(pid, &status, WNOHANG) == 0) {
		assert_true(ebr_source__poll(src, 10) >= 0);
		polling_policy = policy_now();
	}
	assert_int_equal(WEXITSTATUS(status), 0);
	for (int i = 0; i < 5; i++)
		assert_true(ebr_source__poll(src, 10) >= 0);
	ebr_source__drain(src);
	ebr_source__stats(src, &st);
	ebr_subscription__stats(sq, &dl, &fl, &dr);
	warned = warnings;
	ebr_source__close(src);
	ebr_set_log(NULL, NULL);
	print_message("interval %u us, rt %d: direct %llu, queued %llu, lost %llu, warnings %u\n", interval_us,
		      rt_priority, (unsigned long long)direct.n, (unsigned long long)queued.n,
		      (unsigned long long)st.ringbuf_lost, warned);
	assert_int_equal(st.ringbuf_lost, 0);
	assert_int_equal(direct.n, CALLS);
	assert_int_equal(direct.in_poller, CALLS);
	assert_int_equal(queued.n, CALLS);
	assert_int_equal(queued.in_poller, 0);
	assert_int_equal(dl, CALLS);
	assert_int_equal(dr, 0);
	assert_int_equal(st.subscriber_dropped, 0);
	if (!rt_priority) {
		assert_int_equal(warned, 0);
		assert_int_equal(polling_policy, SCHED_OTHER);
		assert_int_equal(queued.policy, SCHED_OTHER);
	} else if (!warned) {
		/* where real-time scheduling is refused (a container), the warning said so */
		assert_int_equal(polling_policy, SCHED_FIFO);
		assert_int_equal(queued.policy, SCHED_FIFO);
	}
	assert_int_equal(policy_now(), SCHED_OTHER);
}

static void test_low_latency_delivers_every_event(void **state)
{
	(void)state;
	low_latency_storm(0, 0, "0"); /* the default 250 us, the storm flat out */
}

static void test_low_latency_realtime_paced(void **state)
{
	(void)state;
	low_latency_storm(0, 10, "100000");
}

static void test_low_latency_shortest_interval(void **state)
{
	(void)state;
	low_latency_storm(10, 0, "0");
}

static void test_slow_subscriber_does_not_stall(void **state)
{
	struct utsname u;
	uint32_t getppid_nr;
	struct ebr_kfilter_spec kf = { .sz = sizeof(kf), .uid = -1 };
	struct ebr_recorder_opts ro = {
		.sz = sizeof(ro),
		.families = EBR_FAMILY_BIT(EBR_FAM_SYSCALL),
		.kfilter = &kf,
	};
	struct counter fast = {0}, slow = { .slow_us = 200 };
	struct ebr_subscribe_opts fo = { .sz = sizeof(fo), .fn = count, .ctx = &fast, .buffer_size = 64 << 20,
					 .filter = "type = syscall" };
	struct ebr_subscribe_opts so = { .sz = sizeof(so), .fn = count, .ctx = &slow, .buffer_size = 128 << 10,
					 .filter = "type = syscall" };
	struct ebr_subscription *slow_sub;
	struct ebr_source_stats st;
	struct ebr_health h;
	struct ebr_source *src;
	uint64_t delivered, filtered, dropped;
	char n[16];
	uint32_t child;
	pid_t pid;
	int status, go[2];

	(void)state;
	uname(&u);
	getppid_nr = (uint32_t)ebr_syscall_nr(u.machine, "getppid");
	ro.syscalls = &getppid_nr;
	ro.n_syscalls = 1;
	snprintf(n, sizeof(n), "%d", CALLS);
	/*
	 * The workload waits until the kernel filter holds its pid: other tests
	 * run the same storm program at the same time, so its name is not enough.
	 */
	assert_int_equal(pipe(go), 0);
	pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", 1);
		char c;

		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(126);
		dup2(devnull, 1);
		execl(storm_bin, storm_bin, n, (char *)NULL);
		_exit(127);
	}
	close(go[0]);
	child = (uint32_t)pid;
	kf.pids = &child;
	kf.n_pids = 1;
	src = ebr_source__open_live(&ro);
	assert_non_null(src);
	assert_non_null(ebr_source__subscribe(src, &fo));
	assert_non_null(slow_sub = ebr_source__subscribe(src, &so));
	assert_int_equal(write(go[1], "g", 1), 1);
	close(go[1]);
	while (waitpid(pid, &status, WNOHANG) == 0)
		ebr_source__poll(src, 10);
	assert_int_equal(WEXITSTATUS(status), 0);
	for (int i = 0; i < 5; i++)
		ebr_source__poll(src, 10);
	ebr_source__stats(src, &st);
	ebr_source__health(src, &h);
	ebr_subscription__stats(slow_sub, &delivered, &filtered, &dropped);
	ebr_source__close(src);
	print_message("fast got %llu; slow delivered %llu, dropped %llu; health %s\n",
		      (unsigned long long)fast.n, (unsigned long long)delivered, (unsigned long long)dropped,
		      ebr_health_status__name(h.status));
	assert_int_equal(st.ringbuf_lost, 0);
	assert_int_equal(fast.n, CALLS);
	assert_true(dropped > 0);
	assert_int_equal(slow.n + dropped, CALLS);
	assert_int_equal(h.status, EBR_DEGRADED);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slow_subscriber_does_not_stall),
		cmocka_unit_test(test_low_latency_delivers_every_event),
		cmocka_unit_test(test_low_latency_realtime_paced),
		cmocka_unit_test(test_low_latency_shortest_interval),
	};

	if (argc < 2)
		return 2;
	if (bpf_skip_if_unavailable())
		return EXIT_SKIP;
	storm_bin = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
