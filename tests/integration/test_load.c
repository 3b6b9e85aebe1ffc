// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The recorder under load, for real (root):
 * - an event storm far beyond a 4 KiB ring buffer, from two processes at
 *   once: every getresgid call (a call hardly anything else makes, so other
 *   work on the machine does not blur the counts) is either in the capture or counted as a
 *   ring-buffer-full drop of type syscall, exactly; the drops are in the
 *   capture's trailer, in `info`, in the stats file and in the summary;
 *   the recorder's memory stays bounded; syscalls of processes the filter
 *   refuses count as filtered only when they would have been recorded;
 * - process churn: 100,000 short-lived children (pids reused many times
 *   over, pid_max being 32768 here) while another process churns outside
 *   the followed tree: every child's fork and exit is recorded, no event of
 *   the outsider (whose children take the pids of exited followed ones),
 *   the kernel's followed-pid set holds only the live workload at the end,
 *   and the recorder's memory does not grow with the processes.
 * argv: ebpfrec, workload_storm, workload_churn.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
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
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include <json-c/json.h>

#include "bpf_check.h"
#include "ebpfrec/capture.h"
#include "ebpfrec/events.h"
#include "names.h"

/* ASan's shadow memory and quarantine roughly double what the recorder holds */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_LIMIT_KB (192u << 10)
#else
#define RSS_LIMIT_KB (96u << 10)
#endif

static const char *ebpfrec, *storm, *churn;
static char dir[] = "/tmp/ebpfrec-load-XXXXXX";

/* VmHWM or VmRSS of pid in kB; 0 when it is gone */
static unsigned long status_kb(pid_t pid, const char *key)
{
	char path[64], line[256];
	unsigned long kb = 0;
	size_t klen = strlen(key);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':')
			kb = strtoul(line + klen + 1, NULL, 10);
	fclose(f);
	return kb;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 16);

	assert_non_null(buf);
	if (f) {
		buf[fread(buf, 1, (1 << 16) - 1, f)] = 0;
		fclose(f);
	}
	return buf;
}

static uint64_t json_drop(const char *path, const char *reason)
{
	struct json_object *o = json_object_from_file(path), *d, *v;
	uint64_t n = UINT64_MAX;

	if (o && json_object_object_get_ex(o, "drops", &d) && json_object_object_get_ex(d, reason, &v))
		n = (uint64_t)json_object_get_int64(v);
	json_object_put(o);
	return n;
}

static void test_storm(void **state)
{
	const long per_proc = 300000, procs = 2;
	char cap[300], stats[300], err_path[300], cmd[1500], info[16384], want[128], *err;
	unsigned long hwm = 0, kb;
	uint64_t recorded = 0, ringbuf, by_type_sum = 0, filtered;
	struct ebr_reader *r;
	struct ebr_cursor *c;
	const struct ebr_event_header *h;
	pid_t rec, outsider;
	int st, nr;
	FILE *p;

	(void)state;
	snprintf(cap, sizeof(cap), "%s/storm.ebc", dir);
	snprintf(stats, sizeof(stats), "%s/storm.json", dir);
	snprintf(err_path, sizeof(err_path), "%s/storm.err", dir);
	/* outside the followed tree: thousands of syscalls, none of them getresgid */
	snprintf(cmd, sizeof(cmd), "exec %s 3000 16 0 outsider >/dev/null", churn);
	outsider = spawn_sh(cmd);
	snprintf(cmd, sizeof(cmd),
		 "exec %s record -P syscall --syscalls getresgid -b 4096 --stats-file %s -o %s -- %s %ld 0 %ld "
		 "getresgid >/dev/null 2>%s",
		 ebpfrec, stats, cap, storm, per_proc, procs, err_path);
	rec = spawn_sh(cmd);
	while ((kb = status_kb(rec, "VmHWM")) || waitpid(rec, &st, WNOHANG) == 0) {
		if (kb > hwm)
			hwm = kb;
		usleep(20000);
	}
	waitpid(outsider, NULL, 0);
	err = slurp(err_path);
	print_message("%s", err);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	r = ebr_reader__open(cap);
	assert_non_null(r);
	nr = ebr_syscall_nr(ebr_reader__info(r)->machine, "getresgid");
	c = ebr_cursor__open(r, NULL);
	while (ebr_cursor__next(c, &h) > 0)
		if (h->type == EBR_T_SYSCALL && ((const struct ebr_syscall_event *)h)->nr == (uint32_t)nr)
			recorded++;
	ebr_cursor__close(c);
	ringbuf = ebr_reader__drops_by_type(r, EBR_DROP_RINGBUF_FULL, EBR_T_SYSCALL);
	filtered = ebr_reader__drops_by_type(r, EBR_DROP_FILTERED_KERNEL, EBR_T_SYSCALL);
	for (unsigned t = 0; t < 128; t++)
		by_type_sum += ebr_reader__drops_by_type(r, EBR_DROP_RINGBUF_FULL, t);
	print_message("storm of %ld calls: %llu recorded + %llu dropped (ring buffer full, syscall) = %llu; "
		      "recorder peak RSS %lu kB; %llu syscalls of others counted as filtered\n",
		      per_proc * procs, (unsigned long long)recorded, (unsigned long long)ringbuf,
		      (unsigned long long)(recorded + ringbuf), hwm, (unsigned long long)filtered);
	/* nothing disappears without a count: exactly */
	assert_int_equal(recorded + ringbuf, (uint64_t)(per_proc * procs));
	assert_true(ringbuf > 0);
	/* the total by reason is the sum over types, in the capture and in the stats file */
	assert_int_equal(ebr_reader__info(r)->drops[EBR_DROP_RINGBUF_FULL], by_type_sum);
	assert_int_equal(json_drop(stats, "ring buffer full"), by_type_sum);
	/* info shows it */
	snprintf(cmd, sizeof(cmd), "%s info %s", ebpfrec, cap);
	p = popen(cmd, "r");
	info[fread(info, 1, sizeof(info) - 1, p)] = 0;
	pclose(p);
	snprintf(want, sizeof(want), "syscall=%llu", (unsigned long long)ringbuf);
	if (!strstr(info, "ring buffer full") || !strstr(info, want))
		fail_msg("info does not show the drops (%s):\n%s", want, info);
	/* SQL's drops table: its per-segment deltas add up to the same counts */
	snprintf(cmd, sizeof(cmd),
		 "%s query %s \"SELECT sum(count), max(total) FROM drops WHERE reason = 'ringbuf_full'\" -f csv",
		 ebpfrec, cap);
	p = popen(cmd, "r");
	info[fread(info, 1, sizeof(info) - 1, p)] = 0;
	assert_int_equal(pclose(p), 0);
	snprintf(want, sizeof(want), "%llu,%llu\n", (unsigned long long)by_type_sum,
		 (unsigned long long)by_type_sum);
	if (!strstr(info, want))
		fail_msg("query's drops table does not add up to %llu:\n%s", (unsigned long long)by_type_sum,
			 info);
	/* and the summary says so */
	snprintf(want, sizeof(want), "ring buffer full %llu;", (unsigned long long)by_type_sum);
	assert_non_null(strstr(err, "ebpfrec: NOT recorded: "));
	assert_non_null(strstr(err, want));
	/*
	 * Syscalls the recording would not have taken anyway are not "filtered":
	 * the outsider's thousands of calls are not counted, only getresgid calls
	 * of other processes (none, or a few).
	 */
	assert_true(filtered < 1000);
	assert_true(hwm > 0 && hwm < RSS_LIMIT_KB);
	ebr_reader__close(r);
	free(err);
}

/* Entries of the map named name among the BPF maps pid holds open. */
static long map_entries(pid_t pid, const char *name)
{
	char path[64];
	struct dirent *e;
	long count = -1;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo", (int)pid);
	d = opendir(path);
	while (d && (e = readdir(d)) && count < 0) {
		char fdinfo[320], line[256];
		unsigned id = 0;
		FILE *f;

		snprintf(fdinfo, sizeof(fdinfo), "%s/%s", path, e->d_name);
		f = fopen(fdinfo, "r");
		while (f && fgets(line, sizeof(line), f))
			sscanf(line, "map_id: %u", &id);
		if (f)
			fclose(f);
		if (id) {
			struct bpf_map_info info = {0};
			__u32 len = sizeof(info);
			int fd = bpf_map_get_fd_by_id(id);

			if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len) && !strcmp(info.name, name)) {
				__u32 key, next;
				int err = bpf_map_get_next_key(fd, NULL, &next);

				count = 0;
				while (!err) {
					count++;
					key = next;
					err = bpf_map_get_next_key(fd, &key, &next);
				}
			}
			if (fd >= 0)
				close(fd);
		}
	}
	if (d)
		closedir(d);
	return count;
}

static void test_churn(void **state)
{
	const long children = 100000;
	char cap[300], out[300], cmd[1500], *text;
	unsigned long early_hwm = 0, hwm = 0, kb;
	long kf = -2;
	uint64_t forks = 0, exits = 0, child_exits = 0, outsiders = 0;
	uint32_t workload = 0;
	struct ebr_reader *r;
	struct ebr_cursor *c;
	const struct ebr_event_header *h;
	double t0 = now_s(), t_done = 0;
	pid_t rec, outsider;
	int st;

	(void)state;
	snprintf(cap, sizeof(cap), "%s/churn.ebc", dir);
	snprintf(out, sizeof(out), "%s/churn.out", dir);
	snprintf(cmd, sizeof(cmd), "exec %s 30000 64 0 outsider >/dev/null", churn);
	outsider = spawn_sh(cmd);
	snprintf(cmd, sizeof(cmd), "exec %s record -q -P process,syscall -o %s -- %s %ld 64 3000 >%s", ebpfrec, cap,
		 churn, children, out);
	rec = spawn_sh(cmd);
	while ((kb = status_kb(rec, "VmHWM")) || waitpid(rec, &st, WNOHANG) == 0) {
		if (kb > hwm)
			hwm = kb;
		if (now_s() - t0 < 3)
			early_hwm = hwm;
		if (!t_done) {
			text = slurp(out);
			if (strstr(text, "churned")) {
				/* the workload holds for 3 s: its children are gone, it is still followed */
				t_done = now_s();
				kf = map_entries(rec, "kf_pids");
			}
			free(text);
		}
		usleep(50000);
	}
	waitpid(outsider, NULL, 0);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	r = ebr_reader__open(cap);
	assert_non_null(r);
	c = ebr_cursor__open(r, NULL);
	while (ebr_cursor__next(c, &h) > 0) {
		if (!strncmp(h->comm, "outsider", 8))
			outsiders++;
		if (h->type == EBR_T_EXEC && !workload)
			workload = h->pid;
		if (h->type == EBR_T_FORK && h->pid == workload)
			forks++;
		if (h->type == EBR_T_EXIT) {
			exits++;
			child_exits += h->ppid == workload;
		}
	}
	ebr_cursor__close(c);
	print_message("churn of %ld children in %.1f s: %llu forks, %llu exits recorded (%llu of children), "
		      "%llu events of the outsider; kf_pids held %ld entries after the churn; recorder peak RSS "
		      "%lu kB (%lu kB after 3 s)\n",
		      children, t_done - t0, (unsigned long long)forks, (unsigned long long)exits,
		      (unsigned long long)child_exits, (unsigned long long)outsiders, kf, hwm, early_hwm);
	assert_int_equal(forks, (uint64_t)children);
	assert_int_equal(child_exits, (uint64_t)children);
	assert_int_equal(exits, (uint64_t)children + 1);
	/* no stale entry let an outsider in on a reused pid */
	assert_int_equal(outsiders, 0);
	/* the followed set: only the workload itself, every child removed at its exit */
	assert_int_equal(kf, 1);
	assert_true(hwm > 0 && hwm < RSS_LIMIT_KB);
	assert_true(hwm - early_hwm < (16u << 10));
	ebr_reader__close(r);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_storm),
		cmocka_unit_test(test_churn),
	};
	char cmd[300];
	int ret;

	if (argc < 4)
		return 2;
	if (bpf_skip_if_unavailable())
		return EXIT_SKIP;
	ebpfrec = argv[1];
	storm = argv[2];
	churn = argv[3];
	if (!mkdtemp(dir))
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? 1 : ret;
}
