// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The filter is one engine, live and offline: two recorders follow the same
 * workload run, one with -f F, one without; the first capture must hold
 * exactly the events the second holds that match F (lifecycle events
 * aside). And rate limiting accounts for every event it refuses.
 * argv: ebpfrec, workload_families, workload_storm.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "bpf_check.h"
#include "ebpfrec/capture.h"
#include "ebpfrec/decode.h"
#include "ebpfrec/events.h"
#include "ebpfrec/filter.h"
#include "names.h"

static const char *ebpfrec_bin, *families_bin, *storm_bin;
static char dir[] = "/tmp/ebpfrec-flt-XXXXXX";

static int wait_file(const char *path)
{
	struct stat st;

	for (int i = 0; i < 200; i++) {
		if (stat(path, &st) == 0)
			return 0;
		usleep(20000);
	}
	return -1;
}

/* One line per event: its JSON without the fields two recorders measure differently. */
static char **canonical(const char *path, const struct ebr_filter **filter_out, const char *expr,
			size_t *n)
{
	struct ebr_reader *r = ebr_reader__open(path);
	struct ebr_decoder *d;
	struct ebr_cursor *c;
	struct ebr_filter *f = NULL;
	struct ebr_filter_error err;
	const struct ebr_event_header *h;
	char **lines = NULL;

	assert_non_null(r);
	if (expr) {
		f = ebr_filter__compile(ebr_reader__schema(r), expr, &err);
		assert_non_null(f);
	}
	d = ebr_decoder__new(ebr_reader__schema(r), NULL, NULL);
	c = ebr_cursor__open(r, NULL);
	*n = 0;
	while (ebr_cursor__next(c, &h) > 0) {
		char *buf = NULL, *p, *q;
		size_t len = 0;
		FILE *m;

		if (h->type == EBR_T_EXEC || h->type == EBR_T_FORK || h->type == EBR_T_EXIT)
			continue; /* kept by the recorder whatever the filter */
		if (f && !ebr_filter__match(f, h))
			continue;
		m = open_memstream(&buf, &len);
		ebr_decoder__json(d, h, m);
		fclose(m);
		/* drop "ts":N, "cpu":N, "duration":N: each recorder takes its own clock readings */
		for (const char *key = "\"ts\":"; key; key = !strcmp(key, "\"ts\":") ? ",\"cpu\":" :
							!strcmp(key, ",\"cpu\":") ? ",\"duration\":" : NULL)
			while ((p = strstr(buf, key))) {
				q = p + strlen(key);
				while (*q && *q != ',' && *q != '}')
					q++;
				memmove(p, q, strlen(q) + 1);
			}
		lines = realloc(lines, (*n + 1) * sizeof(*lines));
		lines[(*n)++] = buf;
	}
	ebr_cursor__close(c);
	ebr_decoder__free(d);
	ebr_filter__free(f);
	ebr_reader__close(r);
	(void)filter_out;
	return lines;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void check_equivalent(const char *expr, size_t min_events)
{
	char fifo[300], a[300], b[300], facts[300], cmd[2048];
	size_t na, nb;
	char **la, **lb;
	pid_t holder, ra, rb;
	int fd, st;

	snprintf(fifo, sizeof(fifo), "%s/go", dir);
	snprintf(a, sizeof(a), "%s/filtered.ebc", dir);
	snprintf(b, sizeof(b), "%s/all.ebc", dir);
	snprintf(facts, sizeof(facts), "%s/facts", dir);
	unlink(a);
	unlink(b);
	unlink(fifo);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	/* the workload waits at the fifo until both recorders follow it */
	snprintf(cmd, sizeof(cmd), "read x < %s; exec %s %s", fifo, families_bin, facts);
	holder = spawn_sh(cmd);
	snprintf(cmd, sizeof(cmd), "exec %s record -q -P all --rate memory=100000000 -o %s -p %d -f '%s'",
		 ebpfrec_bin, a, holder, expr);
	ra = spawn_sh(cmd);
	snprintf(cmd, sizeof(cmd), "exec %s record -q -P all --rate memory=100000000 -o %s -p %d", ebpfrec_bin, b,
		 holder);
	rb = spawn_sh(cmd);
	assert_int_equal(wait_file(a), 0);
	assert_int_equal(wait_file(b), 0);
	fd = open(fifo, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "go\n", 3), 3);
	close(fd);
	assert_int_equal(waitpid(holder, &st, 0), holder);
	assert_int_equal(waitpid(ra, &st, 0), ra);
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(waitpid(rb, &st, 0), rb);
	assert_int_equal(WEXITSTATUS(st), 0);
	la = canonical(a, NULL, NULL, &na);
	lb = canonical(b, NULL, expr, &nb);
	print_message("%-60s live %zu, replayed %zu\n", expr, na, nb);
	qsort(la, na, sizeof(*la), cmp_str);
	qsort(lb, nb, sizeof(*lb), cmp_str);
	for (size_t i = 0; i < na && i < nb; i++)
		if (strcmp(la[i], lb[i])) {
			print_message("first difference:\n  live:     %s  replayed: %s", la[i], lb[i]);
			break;
		}
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++)
		assert_string_equal(la[i], lb[i]);
	assert_true(na >= min_events);
	for (size_t i = 0; i < na; i++)
		free(la[i]);
	for (size_t i = 0; i < nb; i++)
		free(lb[i]);
	free(la);
	free(lb);
}

/* only in the kernel: a type set */
static void test_types_pushed_down(void **state)
{
	(void)state;
	check_equivalent("type in (connect, accept, tcp_close, udp_send)", 10);
}

/* in the recorder only: a path pattern on the file family */
static void test_userspace_glob(void **state)
{
	(void)state;
	check_equivalent("type in (open, write, read) and filename glob \"/tmp/ebpfrec-wl-*\"", 15);
}

/* mixed: types in the kernel, errno and severity in the recorder */
static void test_mixed(void **state)
{
	(void)state;
	check_equivalent("(type = syscall and ret < 0) or severity >= warning", 3);
}

static void test_comm_and_size(void **state)
{
	(void)state;
	check_equivalent("comm = workload_famili and (type = mmap and len > 16k or type = close)", 5);
}

static void test_rate_limit_accounts_for_everything(void **state)
{
	const long calls = 200000, rate = 20000;
	char cap[300], cmd[2048];
	struct ebr_reader *r;
	struct ebr_cursor *c;
	const struct ebr_event_header *h;
	uint64_t recorded = 0, limited;
	int nr, st;

	(void)state;
	snprintf(cap, sizeof(cap), "%s/storm.ebc", dir);
	/* about 0.1 s of storm at full speed: far over the budget */
	snprintf(cmd, sizeof(cmd),
		 "%s record -q -P syscall --syscalls getppid --rate syscall=%ld -o %s -- %s %ld >/dev/null",
		 ebpfrec_bin, rate, cap, storm_bin, calls);
	st = system(cmd);
	assert_int_equal(st, 0);
	r = ebr_reader__open(cap);
	assert_non_null(r);
	nr = ebr_syscall_nr(ebr_reader__info(r)->machine, "getppid");
	c = ebr_cursor__open(r, NULL);
	while (ebr_cursor__next(c, &h) > 0)
		if (h->type == EBR_T_SYSCALL && ((const struct ebr_syscall_event *)h)->nr == (uint32_t)nr)
			recorded++;
	ebr_cursor__close(c);
	limited = ebr_reader__drops_by_type(r, EBR_DROP_RATE_LIMITED, EBR_T_SYSCALL);
	print_message("%ld calls: %llu recorded, %llu rate-limited\n", calls, (unsigned long long)recorded,
		      (unsigned long long)limited);
	/* nothing disappears without a count */
	assert_int_equal(recorded + limited, calls);
	/* and no more than the budget: a second's burst plus the rate over the run */
	assert_true(recorded <= (uint64_t)rate * 2);
	assert_true(limited > 0);
	ebr_reader__close(r);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types_pushed_down),
		cmocka_unit_test(test_userspace_glob),
		cmocka_unit_test(test_mixed),
		cmocka_unit_test(test_comm_and_size),
		cmocka_unit_test(test_rate_limit_accounts_for_everything),
	};
	char cmd[300];
	int ret;

	if (argc < 4)
		return 2;
	if (bpf_skip_if_unavailable())
		return EXIT_SKIP;
	ebpfrec_bin = argv[1];
	families_bin = argv[2];
	storm_bin = argv[3];
	if (!mkdtemp(dir))
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? 1 : ret;
}
