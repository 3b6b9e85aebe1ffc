// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A live source with two subscribers: a slow one with a small queue loses
 * events (counted, its own) while a fast one gets every event and the
 * recorder loses none. argv: workload_storm.
 */
#include <errno.h>
#include <fcntl.h>
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
	};
	const char *why = bpf_unavailable_reason();

	if (argc < 2)
		return 2;
	if (why) {
		printf("SKIP: %s\n", why);
		return EXIT_SKIP;
	}
	storm_bin = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
