// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Operating the recorder: rotation keeps a ring of complete files that
 * replay as one, and `ebpfrec stats` in another process sees what the
 * recorder reports at its end. argv: ebpfrec.
 */
#include <signal.h>
#include <setjmp.h>
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
#include <json-c/json.h>

#include "bpf_check.h"
#include "ebpfrec/capture.h"
#include "ebpfrec/events.h"

static const char *ebpfrec;
static char dir[] = "/tmp/ebpfrec-ops-XXXXXX";

static void test_rotation_ring(void **state)
{
	char cmd[1024], base[300];
	char **set = NULL;
	size_t n = 0;
	pid_t noise;
	int st;

	(void)state;
	snprintf(base, sizeof(base), "%s/rot.ebc", dir);
	/* something to record in every second */
	noise = spawn_sh("while true; do cat /etc/hostname >/dev/null; sleep 0.05; done");
	snprintf(cmd, sizeof(cmd), "%s record -q -P process,syscall -G 1 -W 3 -d 6 -o %s", ebpfrec, base);
	st = system(cmd);
	kill(noise, SIGKILL);
	waitpid(noise, NULL, 0);
	assert_int_equal(st, 0);
	/* the set, found from any one of its files */
	{
		FILE *ls;

		snprintf(cmd, sizeof(cmd), "ls %s/rot.*.ebc | head -1", dir);
		ls = popen(cmd, "r");
		assert_non_null(ls);
		assert_non_null(fgets(cmd, sizeof(cmd), ls));
		cmd[strcspn(cmd, "\n")] = 0;
		pclose(ls);
	}
	assert_int_equal(ebr_capture_set__expand(cmd, &set, &n), 0);
	assert_int_equal(n, 3);
	uint32_t first = 0;

	for (size_t i = 0; i < n; i++) {
		struct ebr_reader *r = ebr_reader__open(set[i]);
		uint32_t index;
		uint8_t uuid[16];
		char name[300];

		assert_non_null(r);
		assert_int_equal(ebr_reader__info(r)->recovered, 0);
		assert_int_equal(ebr_reader__rotation(r, uuid, &index, NULL, 0), 0);
		if (!i)
			first = index;
		/* about a file a second for six seconds: at least five were made, three are kept */
		assert_true(i || index >= 2);
		snprintf(name, sizeof(name), "%s/rot.%04u.ebc", dir, index);
		assert_string_equal(set[i], name);
		assert_int_equal(index, first + i);
		assert_true(ebr_reader__info(r)->n_records > 0);
		ebr_reader__close(r);
	}
	for (size_t i = 1; i < n; i++) {
		uint32_t a, b;
		uint8_t uuid[16];
		struct ebr_reader *ra = ebr_reader__open(set[i - 1]), *rb = ebr_reader__open(set[i]);

		ebr_reader__rotation(ra, uuid, &a, NULL, 0);
		ebr_reader__rotation(rb, uuid, &b, NULL, 0);
		assert_int_equal(b, a + 1); /* consecutive: no file of the ring is missing */
		ebr_reader__close(ra);
		ebr_reader__close(rb);
	}
	/* in order, and each file takes over where the previous one stopped */
	for (size_t i = 1; i < n; i++) {
		struct ebr_reader *a = ebr_reader__open(set[i - 1]), *b = ebr_reader__open(set[i]);
		const struct ebr_capture_info *ia = ebr_reader__info(a), *ib = ebr_reader__info(b);

		print_message("%s: %.3f .. %.3f\n", set[i - 1], ia->t_first / 1e9, ia->t_last / 1e9);
		assert_true(ib->t_first >= ia->t_last - 50000000ULL); /* a few ms of CPU skew at most */
		assert_true(ib->t_first - ia->t_last < 1500000000ULL);
		/* the segments were back to back: nothing dropped between files */
		for (unsigned d = 0; d < EBR_DROP_REASONS; d++)
			if (d != 4 && d != 2)
				assert_int_equal(ib->drops[d], 0);
		ebr_reader__close(a);
		ebr_reader__close(b);
	}
	/* only the newest three are left */
	snprintf(cmd, sizeof(cmd), "test $(ls %s/rot.*.ebc | wc -l) -eq 3", dir);
	assert_int_equal(system(cmd), 0);
	ebr_capture_set__free(set, n);
}

static uint64_t json_u64(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? (uint64_t)json_object_get_int64(v) : 0;
}

static void test_stats_from_another_process(void **state)
{
	char cmd[1024], cap[300], stats[300], err[300], line[8192];
	struct json_object *live = NULL, *final;
	unsigned long long summary_events = 0;
	struct ebr_reader *r;
	pid_t rec;
	FILE *f;
	int st;

	(void)state;
	snprintf(cap, sizeof(cap), "%s/s.ebc", dir);
	snprintf(stats, sizeof(stats), "%s/s.json", dir);
	snprintf(err, sizeof(err), "%s/s.err", dir);
	snprintf(cmd, sizeof(cmd), "exec %s record -P process,syscall -d 6 -o %s --stats-file %s 2>%s", ebpfrec, cap,
		 stats, err);
	rec = spawn_sh(cmd);
	/*
	 * A second process asks while it records, until events show: loading
	 * the programs can take seconds when the machine is busy with other tests.
	 */
	snprintf(cmd, sizeof(cmd), "%s stats %d --json 2>/dev/null", ebpfrec, rec);
	for (int i = 0; i < 40 && (!live || !json_u64(live, "events")); i++) {
		usleep(100 * 1000);
		json_object_put(live);
		live = NULL;
		f = popen(cmd, "r");
		assert_non_null(f);
		if (fgets(line, sizeof(line), f))
			live = json_tokener_parse(line);
		pclose(f);
	}
	assert_non_null(live);
	assert_int_equal(json_u64(live, "pid"), rec);
	assert_true(json_u64(live, "events") > 0);
	assert_int_equal(waitpid(rec, &st, 0), rec);
	assert_int_equal(WEXITSTATUS(st), 0);
	/* the final figures: the stats file, the summary and the capture agree */
	final = json_object_from_file(stats);
	assert_non_null(final);
	f = fopen(err, "r");
	while (f && fgets(line, sizeof(line), f))
		sscanf(line, "ebpfrec: recorded %llu events", &summary_events);
	if (f)
		fclose(f);
	r = ebr_reader__open(cap);
	assert_non_null(r);
	print_message("live %llu, final %llu, summary %llu, capture %llu\n",
		      (unsigned long long)json_u64(live, "events"), (unsigned long long)json_u64(final, "events"),
		      summary_events, (unsigned long long)ebr_reader__info(r)->n_records);
	assert_true(json_u64(final, "final"));
	assert_int_equal(json_u64(final, "events"), summary_events);
	assert_int_equal(json_u64(final, "events"), ebr_reader__info(r)->n_records);
	assert_true(json_u64(final, "events") >= json_u64(live, "events"));
	ebr_reader__close(r);
	json_object_put(live);
	json_object_put(final);
	/* once the recorder is gone, stats says so */
	snprintf(cmd, sizeof(cmd), "%s stats %d >/dev/null 2>&1", ebpfrec, rec);
	assert_int_equal(WEXITSTATUS(system(cmd)), 1);
}

/*
 * A recorder killed with SIGKILL leaves its stats file behind, and its pid
 * is soon another process's: stats must not show the dead recorder's
 * figures for it (pid reuse made the test above see another run's 205,087
 * events once).
 */
static void test_stats_ignores_stale_file(void **state)
{
	char path[300], cmd[400];
	pid_t other;
	FILE *f;

	(void)state;
	other = spawn_sh("exec sleep 30");
	snprintf(path, sizeof(path), "/run/ebpfrec/%d.json", (int)other);
	mkdir("/run/ebpfrec", 0755);
	f = fopen(path, "w");
	assert_non_null(f);
	/* what a recorder that had this pid before wrote: its start time is not this process's */
	fprintf(f, "{\"pid\":%d,\"proc_start_ticks\":1,\"events\":205087,\"final\":false}\n", (int)other);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "%s stats %d --json >/dev/null 2>&1", ebpfrec, (int)other);
	assert_int_equal(WEXITSTATUS(system(cmd)), 1);
	unlink(path);
	kill(other, SIGKILL);
	waitpid(other, NULL, 0);
}

/* --user: after loading, the recorder has nobody's ids and no capabilities, and still records */
static void test_drops_privileges(void **state)
{
	char cmd[1024], cap[300], path[320], line[256];
	unsigned uid = 0, found_uid = 0, found_cap = 0;
	unsigned long long capeff = 1;
	struct ebr_reader *r;
	pid_t rec;
	FILE *f;
	int st;

	(void)state;
	snprintf(cap, sizeof(cap), "%s/u.ebc", dir);
	snprintf(cmd, sizeof(cmd), "exec %s record -q -P process,syscall -d 2 -u nobody -o %s", ebpfrec, cap);
	rec = spawn_sh(cmd);
	sleep(1);
	snprintf(path, sizeof(path), "/proc/%d/status", rec);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		found_uid |= sscanf(line, "Uid: %u", &uid) == 1;
		found_cap |= sscanf(line, "CapEff: %llx", &capeff) == 1;
	}
	fclose(f);
	assert_int_equal(waitpid(rec, &st, 0), rec);
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_true(found_uid && found_cap);
	assert_int_equal(uid, 65534);
	assert_int_equal(capeff, 0);
	r = ebr_reader__open(cap);
	assert_non_null(r);
	assert_int_equal(ebr_reader__info(r)->recovered, 0);
	assert_true(ebr_reader__info(r)->n_records > 0);
	ebr_reader__close(r);
	/* an unknown user is refused before anything is recorded */
	snprintf(cmd, sizeof(cmd), "%s record -q -d 1 -u no-such-user-ebpfrec -o %s/x.ebc 2>/dev/null", ebpfrec, dir);
	assert_int_equal(WEXITSTATUS(system(cmd)), 2);
	snprintf(path, sizeof(path), "%s/x.ebc", dir);
	assert_int_not_equal(access(path, F_OK), 0);
}

static int contains(const void *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; i + k <= n; i++)
		if (!memcmp((const char *)hay + i, needle, k))
			return 1;
	return 0;
}

/* --redact-*: nothing of a redacted value anywhere in the file, compressed or not */
static void test_redacted_recording(void **state)
{
	char cmd[2048], cap[300], secret_dir[300], zout[320];
	const struct ebr_event_header *h;
	struct ebr_reader *r;
	struct ebr_cursor *c;
	size_t hits = 0, n_exec = 0;
	FILE *f;
	char *buf;
	long len;

	(void)state;
	snprintf(cap, sizeof(cap), "%s/red.ebc", dir);
	snprintf(secret_dir, sizeof(secret_dir), "%s/private-zebra", dir);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s && echo x > %s/ledger.txt", secret_dir, secret_dir);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd),
		 "%s record -q -P process,syscall,fileio --redact-args --redact-paths '*private-zebra*' -o %s -- "
		 "sh -c 'cat %s/ledger.txt >/dev/null; echo hunter2-password >/dev/null'",
		 ebpfrec, cap, secret_dir);
	assert_int_equal(system(cmd), 0);
	/* the decompressed segments */
	snprintf(zout, sizeof(zout), "%s/red.raw", dir);
	snprintf(cmd, sizeof(cmd), "zstd -q -dc %s > %s", cap, zout);
	assert_int_equal(system(cmd), 0);
	f = fopen(zout, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc((size_t)len + 1);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	hits += contains(buf, (size_t)len, "private-zebra") + contains(buf, (size_t)len, "hunter2");
	free(buf);
	/* every metadata block, decompressed by the reader */
	r = ebr_reader__open(cap);
	assert_non_null(r);
	for (size_t i = 0; i < ebr_reader__meta_count(r); i++) {
		unsigned kind;
		const void *data;
		size_t n;

		ebr_reader__meta(r, i, &kind, &data, &n);
		hits += contains(data, n, "private-zebra") + contains(data, n, "hunter2");
	}
	/* and the events still say what happened */
	c = ebr_cursor__open(r, NULL);
	while (ebr_cursor__next(c, &h) > 0)
		n_exec += h->type == EBR_T_EXEC;
	ebr_cursor__close(c);
	ebr_reader__close(r);
	/* the raw file, for anything stored uncompressed */
	f = fopen(cap, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc((size_t)len + 1);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	hits += contains(buf, (size_t)len, "private-zebra") + contains(buf, (size_t)len, "hunter2");
	free(buf);
	assert_int_equal(hits, 0);
	assert_true(n_exec >= 2); /* sh and cat */
}

/* Every record of the capture at path, concatenated, and how many segments were lost. */
static size_t read_records(const char *path, char **out, size_t *len, uint64_t *lost, unsigned *minor)
{
	struct ebr_cursor_opts o = { .sz = sizeof(o) };
	const struct ebr_event_header *rec;
	struct ebr_reader *r = ebr_reader__open(path);
	struct ebr_cursor *c;
	size_t n = 0, cap = 1 << 20;

	assert_non_null(r);
	*minor = ebr_reader__info(r)->minor;
	c = ebr_cursor__open(r, &o);
	assert_non_null(c);
	*out = malloc(cap);
	*len = 0;
	while (ebr_cursor__next(c, &rec) > 0) {
		while (*len + rec->size > cap)
			*out = realloc(*out, cap *= 2);
		memcpy(*out + *len, rec, rec->size);
		*len += rec->size;
		n++;
	}
	*lost = ebr_cursor__stats(c)->segments_lost;
	ebr_cursor__close(c);
	ebr_reader__close(r);
	return n;
}

/*
 * record --compact writes format 1.1 columns that read back whole, and
 * slice --no-compact turns them into plain records byte for byte.
 */
static void test_compact_recording(void **state)
{
	char cmd[1024], cap[300], plain[300], *a, *b;
	size_t na, nb, la, lb;
	uint64_t lost_a, lost_b;
	unsigned minor_a, minor_b;

	(void)state;
	snprintf(cap, sizeof(cap), "%s/compact.ebc", dir);
	snprintf(plain, sizeof(plain), "%s/plain.ebc", dir);
	snprintf(cmd, sizeof(cmd),
		 "%s record -q --compact -P process,syscall,fileio --segment-size 64K -o %s -- "
		 "sh -c 'for i in $(seq 200); do cat /etc/hostname /etc/passwd >/dev/null; done'",
		 ebpfrec, cap);
	assert_int_equal(WEXITSTATUS(system(cmd)), 0);
	snprintf(cmd, sizeof(cmd), "%s slice --no-compact %s -o %s", ebpfrec, cap, plain);
	assert_int_equal(WEXITSTATUS(system(cmd)), 0);
	na = read_records(cap, &a, &la, &lost_a, &minor_a);
	nb = read_records(plain, &b, &lb, &lost_b, &minor_b);
	assert_int_equal(minor_a, 1);
	assert_int_equal(minor_b, 0);
	assert_int_equal(lost_a, 0);
	assert_int_equal(lost_b, 0);
	assert_true(na > 200 * 6); /* an open, read and close per file per iteration at least */
	assert_int_equal(na, nb);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	free(a);
	free(b);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_redacted_recording),
		cmocka_unit_test(test_drops_privileges),
		cmocka_unit_test(test_rotation_ring),
		cmocka_unit_test(test_stats_from_another_process),
		cmocka_unit_test(test_stats_ignores_stale_file),
		cmocka_unit_test(test_compact_recording),
	};
	char cmd[300];
	int ret;

	if (argc < 2)
		return 2;
	if (bpf_skip_if_unavailable())
		return EXIT_SKIP;
	ebpfrec = argv[1];
	if (!mkdtemp(dir))
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? 1 : ret;
}
