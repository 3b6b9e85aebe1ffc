// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The recorder under faults, for real (root):
 * - SIGKILL at 20 random moments under load (EBR_KILL_RUNS to change): every
 *   whole segment reads, whatever was lost is only the block being written
 *   at the end, `info` says RECOVERED and how much was kept, and `repair`
 *   makes a copy that opens through its index with the same events; every
 *   other run under a rate limit, and in every run the drops by type (in
 *   the reader, in `info`, in the repaired copy) add up to the per-reason
 *   totals of the last whole segment;
 * - a full disk (a 2 MiB tmpfs): a clear message, exit status 1, a capture
 *   closed at its last whole segment holding every event the recorder says
 *   it wrote, the rest counted as lost (writer backlog);
 * - SIGINT, SIGTERM, SIGHUP: exit 0 and a capture closed with its index;
 *   with COMMAND, the command gets the signal too;
 * - the reader of --output (-O) going away (SIGPIPE): a clean exit, the
 *   capture closed with its index.
 * argv: ebpfrec, workload_storm.
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
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "bpf_check.h"
#include "ebpfrec/capture.h"
#include "ebpfrec/events.h"

static const char *ebpfrec, *storm;
static char dir[] = "/tmp/ebpfrec-faults-XXXXXX";

static int wait_file(const char *path, double seconds)
{
	struct stat st;

	for (double t0 = now_s(); now_s() - t0 < seconds; usleep(10000))
		if (stat(path, &st) == 0)
			return 0;
	return -1;
}

/* stdout of a shell command, at most len - 1 bytes */
static int run_out(const char *cmd, char *buf, size_t len)
{
	FILE *p = popen(cmd, "r");
	size_t n;

	assert_non_null(p);
	n = fread(buf, 1, len - 1, p);
	buf[n] = 0;
	return pclose(p);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 65536);

	assert_non_null(buf);
	if (f) {
		size_t n = fread(buf, 1, 65535, f);

		buf[n] = 0;
		fclose(f);
	}
	return buf;
}

/* A load the recorder sees: getppid calls at rate per second, until killed. */
static pid_t start_load(long rate)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "exec %s 1000000000000 %ld >/dev/null", storm, rate);
	return spawn_sh(cmd);
}

static void stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* Every record of r through a cursor: how many, with no segment lost and nothing invalid. */
static uint64_t read_all_checked(struct ebr_reader *r)
{
	struct ebr_cursor *c = ebr_cursor__open(r, NULL);
	const struct ebr_event_header *h;
	uint64_t n = 0;

	assert_non_null(c);
	while (ebr_cursor__next(c, &h) > 0)
		n++;
	assert_int_equal(ebr_cursor__stats(c)->segments_lost, 0);
	assert_int_equal(ebr_cursor__stats(c)->records_invalid, 0);
	ebr_cursor__close(c);
	return n;
}

/*
 * For each reason the kernel counts by type, r's drops by type add up to
 * its per-reason total, and `info` (out) says so on the reason's line:
 * "  rate limited   297551  syscall=297551". Returns the rate-limited total.
 */
static uint64_t assert_drops_add_up(struct ebr_reader *r, const char *out, const char *what)
{
	const struct ebr_capture_info *in = ebr_reader__info(r);

	for (unsigned d = 0; d <= EBR_DROP_TRUNCATED; d++) {
		uint64_t sum = 0, shown = 0, total = 0;
		char key[64];
		const char *line, *end;

		for (unsigned t = 0; t < EBR_DROP_TYPE_SLOTS; t++)
			sum += ebr_reader__drops_by_type(r, d, t);
		if (sum != in->drops[d])
			fail_msg("%s: %s: %llu by type, %llu in all", what, ebr_drop_reason__name(d),
				 (unsigned long long)sum, (unsigned long long)in->drops[d]);
		if (!out || !in->drops[d])
			continue;
		snprintf(key, sizeof(key), "\n  %s ", ebr_drop_reason__name(d));
		line = strstr(out, key);
		if (!line)
			fail_msg("%s: info has no line for %s:\n%s", what, ebr_drop_reason__name(d), out);
		line += strlen(key);
		end = strchr(line, '\n');
		total = strtoull(line, (char **)&line, 10);
		while (line && line < end && (line = strchr(line, '=')) && line < end)
			shown += strtoull(line + 1, (char **)&line, 10);
		if (total != in->drops[d] || shown != total)
			fail_msg("%s: info says %llu %s, %llu of them by type:\n%s", what, (unsigned long long)total,
				 ebr_drop_reason__name(d), (unsigned long long)shown, out);
	}
	return in->drops[EBR_DROP_RATE_LIMITED];
}

static pid_t sigkill_load; /* stopped by the teardown when an assertion leaves test_sigkill early */

static int stop_sigkill_load(void **state)
{
	(void)state;
	if (sigkill_load > 0)
		stop(sigkill_load);
	sigkill_load = 0;
	return 0;
}

static void test_sigkill(void **state)
{
	const char *env = getenv("EBR_KILL_RUNS");
	int runs = env ? atoi(env) : 20, no_file = 0, no_header = 0, killed_writing = 0, limited_runs = 0;
	uint64_t segs = 0, recs = 0;
	unsigned seed = (unsigned)time(NULL);
	pid_t load = sigkill_load = start_load(200000);

	(void)state;
	srand(seed);
	print_message("seed %u\n", seed);
	for (int i = 0; i < runs; i++) {
		char path[300], fixed[320], cmd[1200], out[8192], want[128];
		int delay_ms = 150 + rand() % 1850, st;
		struct ebr_reader *r, *rf;
		const struct ebr_capture_info *info;
		struct stat sb;
		uint64_t n;
		pid_t rec;

		snprintf(path, sizeof(path), "%s/kill-%02d.ebc", dir, i);
		snprintf(fixed, sizeof(fixed), "%s/kill-%02d-fixed.ebc", dir, i);
		snprintf(cmd, sizeof(cmd), "exec %s record -q -P process,syscall --segment-time 100ms %s-o %s 2>/dev/null",
			 ebpfrec, i % 2 ? "--rate syscall=20000 " : "", path);
		rec = spawn_sh(cmd);
		usleep((useconds_t)delay_ms * 1000);
		kill(rec, SIGKILL);
		assert_int_equal(waitpid(rec, &st, 0), rec);
		/* it was recording, not gone already */
		assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
		if (stat(path, &sb)) {
			no_file++; /* killed before it created the file */
			continue;
		}
		r = ebr_reader__open(path);
		if (!r) {
			/* only a header cut in the middle may be refused */
			assert_true(sb.st_size < 24 + 384);
			no_header++;
			continue;
		}
		info = ebr_reader__info(r);
		assert_int_equal(info->recovered, 1);
		/* at most the block being written when it died is lost, and only at the end */
		assert_true(info->n_segments_lost <= 1);
		assert_int_equal(info->bytes_recovered + info->bytes_lost, (uint64_t)sb.st_size);
		killed_writing += info->bytes_lost > 0;
		for (size_t s = 0; s < ebr_reader__segment_count(r); s++)
			assert_int_equal(ebr_reader__segment(r, s)->seq, s);
		n = read_all_checked(r);
		assert_int_equal(n, info->n_records);
		segs += info->n_segments;
		recs += n;
		/* info says what was recovered */
		snprintf(cmd, sizeof(cmd), "%s info %s", ebpfrec, path);
		assert_int_equal(run_out(cmd, out, sizeof(out)), 0);
		snprintf(want, sizeof(want), "status:     RECOVERED: no valid index (recorder killed or disk full); kept %llu whole segments",
			 (unsigned long long)info->n_segments);
		if (!strstr(out, want))
			fail_msg("run %d: info does not say '%s':\n%s", i, want, out);
		/* drops by type survive the kill: those of the last whole segment */
		limited_runs += assert_drops_add_up(r, out, "recovered") > 0;
		/* repair: a copy that opens through its index, with the same events */
		snprintf(cmd, sizeof(cmd), "%s repair %s -o %s >/dev/null 2>&1", ebpfrec, path, fixed);
		assert_int_equal(system(cmd), 0);
		rf = ebr_reader__open(fixed);
		assert_non_null(rf);
		assert_int_equal(ebr_reader__info(rf)->recovered, 0);
		assert_int_equal(ebr_reader__info(rf)->n_segments, info->n_segments);
		assert_int_equal(read_all_checked(rf), n);
		/* and repair writes them into the copy's trailer */
		for (unsigned d = 0; d < EBR_DROP_NR; d++) {
			assert_int_equal(ebr_reader__info(rf)->drops[d], info->drops[d]);
			for (unsigned t = 0; t < EBR_DROP_TYPE_SLOTS; t++)
				assert_int_equal(ebr_reader__drops_by_type(rf, d, t), ebr_reader__drops_by_type(r, d, t));
		}
		print_message("kill %2d: %llu rate limited, %llu filtered in kernel, all by type\n", i,
			      (unsigned long long)info->drops[EBR_DROP_RATE_LIMITED],
			      (unsigned long long)info->drops[EBR_DROP_FILTERED_KERNEL]);
		print_message("kill %2d after %4d ms: %3llu segments, %7llu events recovered%s\n", i, delay_ms,
			      (unsigned long long)info->n_segments, (unsigned long long)n,
			      info->bytes_lost ? ", a cut block at the end" : "");
		ebr_reader__close(rf);
		ebr_reader__close(r);
		unlink(path);
		unlink(fixed);
	}
	stop(load);
	sigkill_load = 0;
	print_message("%d kills: %llu segments and %llu events recovered and repaired; %d killed mid-block, "
		      "%d before the file, %d in its header\n",
		      runs, (unsigned long long)segs, (unsigned long long)recs, killed_writing, no_file, no_header);
	assert_true(segs > 0);
	/* the rate limit did drop, and the drops were counted by type in what was recovered */
	if (runs >= 4)
		assert_true(limited_runs > 0);
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

static void test_disk_full(void **state)
{
	char mnt[300], path[320], stats[300], err_path[300], cmd[1200], *err;
	unsigned long long held = 0, segs = 0, lost = 0;
	struct ebr_reader *r;
	const char *p;
	double t0;
	pid_t load;
	int st;

	(void)state;
	snprintf(mnt, sizeof(mnt), "%s/full", dir);
	snprintf(path, sizeof(path), "%s/f.ebc", mnt);
	snprintf(stats, sizeof(stats), "%s/full.json", dir);
	snprintf(err_path, sizeof(err_path), "%s/full.err", dir);
	assert_int_equal(mkdir(mnt, 0700), 0);
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=2m")) {
		print_message("SKIP: cannot mount a tmpfs: %s\n", strerror(errno));
		skip();
	}
	load = start_load(300000);
	snprintf(cmd, sizeof(cmd), "%s record -P process,syscall --segment-time 100ms -d 30 -o %s --stats-file %s 2>%s",
		 ebpfrec, path, stats, err_path);
	t0 = now_s();
	st = system(cmd);
	stop(load);
	err = slurp(err_path);
	print_message("after %.1f s, status %d:\n%s", now_s() - t0, WEXITSTATUS(st), err);
	/* it stops on the error, well before -d, and fails */
	assert_int_equal(WEXITSTATUS(st), 1);
	assert_true(now_s() - t0 < 25);
	assert_non_null(strstr(err, "No space left on device"));
	r = ebr_reader__open(path);
	assert_non_null(r);
	if ((p = strstr(err, "is closed with its index"))) {
		assert_non_null(p = strstr(err, "it holds "));
		assert_int_equal(sscanf(p, "it holds %llu events in %llu segments", &held, &segs), 2);
		assert_non_null(p = strstr(err, "; the "));
		assert_int_equal(sscanf(p, "; the %llu events that could not be written", &lost), 1);
		assert_int_equal(ebr_reader__info(r)->recovered, 0);
		assert_int_equal(ebr_reader__info(r)->n_segments, segs);
		/* the events it could not write are in the capture as lost, and in the stats */
		assert_int_equal(ebr_reader__info(r)->drops[EBR_DROP_WRITER_BACKLOG], lost);
		assert_int_equal(json_drop(stats, "writer backlog"), lost);
		assert_true(lost > 0);
	} else {
		/* not even the index fitted: the file still ends at its last whole segment */
		assert_non_null(p = strstr(err, "it holds "));
		assert_int_equal(sscanf(p, "it holds %llu events", &held), 1);
		assert_int_equal(ebr_reader__info(r)->recovered, 1);
		assert_int_equal(ebr_reader__info(r)->bytes_lost, 0);
	}
	assert_drops_add_up(r, NULL, "disk full");
	/* nothing it had written is lost */
	assert_true(held > 0);
	assert_int_equal(ebr_reader__info(r)->n_records, held);
	assert_int_equal(read_all_checked(r), held);
	print_message("disk full: %llu events in %llu segments kept, %llu counted as lost\n", held, segs, lost);
	ebr_reader__close(r);
	free(err);
	assert_int_equal(umount(mnt), 0);
}

static void test_stop_signals(void **state)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };

	(void)state;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		char path[300], cmd[900];
		struct ebr_reader *r;
		pid_t rec;
		int st;

		snprintf(path, sizeof(path), "%s/sig-%d.ebc", dir, sigs[i]);
		snprintf(cmd, sizeof(cmd), "exec %s record -q -P process,syscall -o %s", ebpfrec, path);
		rec = spawn_sh(cmd);
		assert_int_equal(wait_file(path, 10), 0);
		usleep(700000);
		kill(rec, sigs[i]);
		assert_int_equal(waitpid(rec, &st, 0), rec);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
		r = ebr_reader__open(path);
		assert_non_null(r);
		assert_int_equal(ebr_reader__info(r)->recovered, 0);
		assert_true(ebr_reader__info(r)->n_records > 0);
		assert_true(ebr_reader__info(r)->ended_wall_ns > 0);
		ebr_reader__close(r);
		print_message("signal %d: exit 0, closed with its index\n", sigs[i]);
	}
	/* with COMMAND: the command is stopped by the same signal, and its death is recorded */
	{
		char path[300], cmd[900];
		struct ebr_reader *r;
		struct ebr_cursor *c;
		const struct ebr_event_header *h;
		int st, found = 0;
		pid_t rec;

		snprintf(path, sizeof(path), "%s/sig-cmd.ebc", dir);
		snprintf(cmd, sizeof(cmd), "exec %s record -q -P process -o %s -- /bin/sleep 60", ebpfrec, path);
		rec = spawn_sh(cmd);
		assert_int_equal(wait_file(path, 10), 0);
		usleep(700000);
		kill(rec, SIGTERM);
		assert_int_equal(waitpid(rec, &st, 0), rec);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
		r = ebr_reader__open(path);
		assert_non_null(r);
		assert_int_equal(ebr_reader__info(r)->recovered, 0);
		c = ebr_cursor__open(r, NULL);
		while (ebr_cursor__next(c, &h) > 0)
			if (h->type == EBR_T_EXIT && !strncmp(h->comm, "sleep", 5))
				found = ((const struct ebr_exit_event *)h)->signal == SIGTERM;
		ebr_cursor__close(c);
		ebr_reader__close(r);
		assert_true(found);
	}
}

static void test_sigpipe(void **state)
{
	char path[300], line[4096];
	int fds[2], st;
	struct ebr_reader *r;
	pid_t rec, load = start_load(20000);
	FILE *in;
	double t0;

	(void)state;
	snprintf(path, sizeof(path), "%s/pipe.ebc", dir);
	assert_int_equal(pipe(fds), 0);
	rec = fork();
	if (rec == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execl(ebpfrec, ebpfrec, "record", "-q", "-P", "process,syscall", "-O", "text", "-o", path, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	in = fdopen(fds[0], "r");
	assert_non_null(in);
	assert_non_null(fgets(line, sizeof(line), in));
	/* the reader goes away, as `| head -1` would */
	fclose(in);
	t0 = now_s();
	assert_int_equal(waitpid(rec, &st, 0), rec);
	stop(load);
	print_message("after the reader left: exit after %.2f s, status 0x%x\n", now_s() - t0, st);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_true(now_s() - t0 < 10);
	r = ebr_reader__open(path);
	assert_non_null(r);
	assert_int_equal(ebr_reader__info(r)->recovered, 0);
	assert_true(ebr_reader__info(r)->n_records > 0);
	ebr_reader__close(r);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stop_signals),
		cmocka_unit_test(test_sigpipe),
		cmocka_unit_test(test_disk_full),
		cmocka_unit_test_teardown(test_sigkill, stop_sigkill_load),
	};
	char cmd[300];
	int ret;

	if (argc < 3)
		return 2;
	if (bpf_skip_if_unavailable())
		return EXIT_SKIP;
	ebpfrec = argv[1];
	storm = argv[2];
	if (!mkdtemp(dir))
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "umount %s/full 2>/dev/null; rm -rf %s", dir, dir);
	return system(cmd) ? 1 : ret;
}
