// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Live delivery latency: from the kernel timestamp of an event (its ts,
 * CLOCK_BOOTTIME at the syscall's return) to the moment a subscriber's
 * callback runs (delivered_ns, same clock), through the public source API
 * with no capture file. The load is bench_workload's getppid storm at a
 * fixed rate; only getppid from that process (by pid: another storm may run
 * on a shared machine) is recorded.
 *
 *   bench_latency [--low-latency] [--interval US] [--direct] [--rt PRIO] [--fifo]
 *                 [--rate N] [--seconds S] [--workload PATH] [--dump FILE]
 *
 * --interval: the low-latency drain interval (drain_interval_us).
 * --direct: the callback runs in the draining thread (ebr_subscribe_opts.direct).
 * --rt: the library's rt_priority (the polling and subscriber threads SCHED_FIFO).
 * --fifo: this whole process SCHED_FIFO before the source starts, the workload
 *   not (works with libraries that have no rt_priority, for comparisons).
 * --dump: every event's kernel ts and latency (ns), one per line, to find stalls.
 *
 * Prints one JSON object: events, percentiles in microseconds, losses, CPU.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ebpfrec/events.h"
#include "ebpfrec/recorder.h"
#include "ebpfrec/source.h"

struct lat {
	uint64_t *v, *ts;
	size_t n, cap;
	uint64_t negative; /* delivered before the kernel stamp: a clock problem, counted */
	int have_sub_clock;
	clockid_t sub_clock; /* CPU time of the thread the callback runs in */
};

static int on_event(const struct ebr_event *ev, void *ctx)
{
	struct lat *l = ctx;
	const struct ebr_syscall_event *s = (const void *)ev->rec;

	if (!l->have_sub_clock)
		l->have_sub_clock = pthread_getcpuclockid(pthread_self(), &l->sub_clock) == 0;
	if (ev->rec->type != EBR_T_SYSCALL || s->nr != SYS_getppid)
		return 0;
	if (ev->delivered_ns < ev->rec->ts) {
		l->negative++;
		return 0;
	}
	if (l->n < l->cap) {
		l->ts[l->n] = ev->rec->ts;
		l->v[l->n++] = ev->delivered_ns - ev->rec->ts;
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double pct(const struct lat *l, double p)
{
	size_t i;

	if (!l->n)
		return 0;
	i = (size_t)(p / 100.0 * (double)(l->n - 1) + 0.5);
	return (double)l->v[i < l->n ? i : l->n - 1] / 1000.0;
}

/*
 * CPU seconds of this process (RUSAGE_SELF: recorder drain, writer-less
 * source, subscriber thread; not the workload) or of the calling thread.
 */
static double self_cpu(int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static double clock_s(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * The workload, held until *go is written: the kernel filter takes its pid
 * first (on a shared machine another bench_workload may run at the same time).
 */
static pid_t spawn(const char *workload, long calls, long rate, int *go)
{
	char n[32], r[32];
	int fds[2];
	pid_t pid;

	snprintf(n, sizeof(n), "%ld", calls);
	snprintf(r, sizeof(r), "%ld", rate);
	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid == 0) {
		struct sched_param sp = { 0 };
		char c;

		close(fds[1]);
		if (read(fds[0], &c, 1) != 1)
			_exit(126);
		sched_setscheduler(0, SCHED_OTHER, &sp); /* --fifo is for the recorder alone */
		/* the workload's report is not ours to print */
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		execl(workload, workload, "--storm", n, "--rate", r, (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	*go = fds[1];
	return pid;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "low-latency", no_argument, NULL, 'l' }, { "rate", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, 's' }, { "workload", required_argument, NULL, 'w' },
		{ "fifo", no_argument, NULL, 'f' }, { "interval", required_argument, NULL, 'i' },
		{ "direct", no_argument, NULL, 'd' }, { "rt", required_argument, NULL, 'R' },
		{ "dump", required_argument, NULL, 'D' }, { 0 },
	};
	const char *workload = "bench_workload", *dump = NULL;
	long rate = 100000;
	double seconds = 10;
	int low_latency = 0, fifo = 0, c, status = 0, go = -1;
	uint32_t nr = SYS_getppid, child;
	struct ebr_kfilter_spec kf = { .sz = sizeof(kf), .uid = -1, .pids = &child, .n_pids = 1 };
	struct ebr_recorder_opts ro = { .sz = sizeof(ro), .families = EBR_FAMILY_BIT(EBR_FAM_SYSCALL),
					.syscalls = &nr, .n_syscalls = 1, .kfilter = &kf };
	struct ebr_subscribe_opts so = { .sz = sizeof(so), .fn = on_event, .buffer_size = 64u << 20 };
	struct ebr_source_stats st;
	struct ebr_subscription *sub;
	struct ebr_source *src;
	struct lat l = { 0 };
	double cpu0, wall0, poll0, sub_cpu = 0;
	uint64_t delivered = 0, filtered = 0, sub_dropped = 0;
	long calls;
	pid_t pid;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': low_latency = 1; break;
		case 'r': rate = atol(optarg); break;
		case 's': seconds = atof(optarg); break;
		case 'w': workload = optarg; break;
		case 'f': fifo = 1; break;
		case 'd': so.direct = 1; break;
		case 'R': ro.rt_priority = atoi(optarg); break;
		case 'D': dump = optarg; break;
		case 'i': ro.drain_interval_us = (uint32_t)atol(optarg); break;
		default:
			fprintf(stderr, "usage: bench_latency [--low-latency] [--interval US] [--direct] [--rt PRIO] "
					"[--fifo] [--rate N] [--seconds S] [--workload PATH] [--dump FILE]\n");
			return 2;
		}
	}
	calls = (long)((double)rate * seconds);
	l.cap = (size_t)calls + 1024;
	l.v = malloc(l.cap * sizeof(*l.v));
	l.ts = malloc(l.cap * sizeof(*l.ts));
	if (!l.v || !l.ts)
		return 1;
	ro.low_latency = low_latency;
	if (fifo) {
		struct sched_param sp = { .sched_priority = 10 };

		/* before the source starts, so its threads inherit it */
		if (sched_setscheduler(0, SCHED_FIFO, &sp)) {
			fprintf(stderr, "bench_latency: SCHED_FIFO: %s\n", strerror(errno));
			return 1;
		}
	}
	so.ctx = &l;
	pid = spawn(workload, calls, rate, &go);
	if (pid < 0)
		return 1;
	child = (uint32_t)pid;
	src = ebr_source__open_live(&ro);
	if (!src) {
		fprintf(stderr, "bench_latency: cannot start the live source: %s\n", strerror(errno));
		return 1;
	}
	sub = ebr_source__subscribe(src, &so);
	if (!sub)
		return 1;
	cpu0 = self_cpu(RUSAGE_SELF);
	poll0 = self_cpu(RUSAGE_THREAD);
	wall0 = mono_s();
	if (write(go, "g", 1) != 1)
		return 1;
	close(go);
	while (waitpid(pid, &status, WNOHANG) == 0)
		ebr_source__poll(src, 100);
	/* the events of the last drain interval are still in the ring */
	for (int i = 0; i < 5; i++)
		ebr_source__poll(src, 20);
	ebr_source__drain(src);
	ebr_source__stats(src, &st);
	ebr_subscription__stats(sub, &delivered, &filtered, &sub_dropped);
	if (!so.direct && l.have_sub_clock)
		sub_cpu = clock_s(l.sub_clock); /* from its start: it was idle until the storm began */
	poll0 = self_cpu(RUSAGE_THREAD) - poll0;
	ebr_source__close(src);
	cpu0 = self_cpu(RUSAGE_SELF) - cpu0;
	wall0 = mono_s() - wall0;
	if (dump) {
		FILE *f = fopen(dump, "w");

		for (size_t i = 0; f && i < l.n; i++)
			fprintf(f, "%llu %llu\n", (unsigned long long)l.ts[i], (unsigned long long)l.v[i]);
		if (!f || fclose(f))
			fprintf(stderr, "bench_latency: cannot write %s\n", dump);
	}
	qsort(l.v, l.n, sizeof(*l.v), cmp_u64);
	printf("{\"mode\": \"%s%s%s%s\", \"rate\": %ld, \"seconds\": %.1f, \"calls\": %ld, \"events\": %zu, "
	       "\"p50_us\": %.1f, \"p90_us\": %.1f, \"p99_us\": %.1f, \"p999_us\": %.1f, \"max_us\": %.1f, "
	       "\"ringbuf_lost\": %llu, \"subscriber_dropped\": %llu, \"negative\": %llu, \"workload_status\": %d, "
	       "\"cpu_s\": %.3f, \"cpu_pct\": %.1f, \"poll_cpu_pct\": %.1f, \"sub_cpu_pct\": %.1f, "
	       "\"interval_us\": %u}\n",
	       low_latency ? "low-latency" : "default", so.direct ? " + direct" : "", fifo ? " + SCHED_FIFO" : "",
	       ro.rt_priority ? " + rt_priority" : "", rate, seconds, calls, l.n, pct(&l, 50), pct(&l, 90),
	       pct(&l, 99), pct(&l, 99.9), pct(&l, 100), (unsigned long long)st.dropped[EBR_DROP_RINGBUF_FULL],
	       (unsigned long long)sub_dropped, (unsigned long long)l.negative, status, cpu0,
	       100.0 * cpu0 / wall0, 100.0 * poll0 / wall0, 100.0 * sub_cpu / wall0, low_latency ? (ro.drain_interval_us ? ro.drain_interval_us : 250) : 0);
	free(l.v);
	free(l.ts);
	return 0;
}
