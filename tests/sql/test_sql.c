// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* SQL over captures: exact answers on fixture captures (replay/sql*.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "ebpfrec/capture.h"
#include "ebpfrec/decode.h"
#include "ebpfrec/log.h"
#include "sql.h"
#include "sql_fixture.h"

struct env {
	char dir[64];
	char a[128], b[128], plain[128];
	struct fixture_truth ta, tb, tp;
};

static struct env E;

static void quiet_log(enum ebr_log_level level, const char *msg, void *ctx)
{
	(void)level;
	(void)msg;
	(void)ctx;
}

static int setup(void **state)
{
	struct fixture_opts oa = { .seed = 11, .n_segments = 40, .per_segment = 250, .host = "alpha",
				   .uuid_byte = 0xa1, .t0 = 7000000000ULL,
				   .boot_to_wall_ns = 1700000000123456789LL, .custom_schema = 1,
				   .shuffle = 1 };
	struct fixture_opts ob = { .seed = 22, .n_segments = 7, .per_segment = 100, .host = "beta",
				   .uuid_byte = 0xb2, .t0 = 9000000000ULL,
				   .boot_to_wall_ns = 1700000100000000000LL };
	struct fixture_opts op = { .seed = 33, .n_segments = 3, .per_segment = 50, .host = "plain",
				   .uuid_byte = 0xc3, .t0 = 1000, .boot_to_wall_ns = 1600000000000000000LL };

	(void)state;
	ebr_set_log(quiet_log, NULL);
	snprintf(E.dir, sizeof(E.dir), "/tmp/ebr-sql-test-XXXXXX");
	if (!mkdtemp(E.dir))
		return -1;
	snprintf(E.a, sizeof(E.a), "%s/a.ebc", E.dir);
	snprintf(E.b, sizeof(E.b), "%s/b.ebc", E.dir);
	snprintf(E.plain, sizeof(E.plain), "%s/plain.ebc", E.dir);
	if (fixture_write(E.a, &oa, &E.ta) || fixture_write(E.b, &ob, &E.tb) ||
	    fixture_write(E.plain, &op, &E.tp))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", E.dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct ebr_sql *open1(const char *path)
{
	struct ebr_sql *q = ebr_sql__open(&path, 1, NULL);

	assert_non_null(q);
	return q;
}

static sqlite3_stmt *prep(struct ebr_sql *q, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (ebr_sql__prepare(q, sql, &st, NULL))
		fail_msg("prepare failed: %s\n  %s", ebr_sql__errmsg(q), sql);
	assert_non_null(st);
	return st;
}

/* First column of the first row, as an integer. */
static int64_t q_int(struct ebr_sql *q, const char *fmt, ...)
{
	char sql[2048];
	va_list ap;
	sqlite3_stmt *st;
	int64_t v;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	st = prep(q, sql);
	if (sqlite3_step(st) != SQLITE_ROW)
		fail_msg("no row: %s (%s)", sql, sqlite3_errmsg(ebr_sql__db(q)));
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static char *q_text(struct ebr_sql *q, const char *sql)
{
	sqlite3_stmt *st = prep(q, sql);
	char *s = NULL;

	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		s = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return s;
}

/* Every row of a statement as text, values tagged with their type, so results compare exactly. */
static char *dump_stmt(sqlite3_stmt *st)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < sqlite3_column_count(st); i++) {
			switch (sqlite3_column_type(st, i)) {
			case SQLITE_INTEGER:
				fprintf(f, "i%lld|", (long long)sqlite3_column_int64(st, i));
				break;
			case SQLITE_FLOAT:
				fprintf(f, "f%.17g|", sqlite3_column_double(st, i));
				break;
			case SQLITE_TEXT:
				fprintf(f, "t");
				fwrite(sqlite3_column_text(st, i), 1, (size_t)sqlite3_column_bytes(st, i), f);
				fprintf(f, "|");
				break;
			case SQLITE_BLOB:
				fprintf(f, "b");
				for (int k = 0; k < sqlite3_column_bytes(st, i); k++)
					fprintf(f, "%02x", ((const unsigned char *)sqlite3_column_blob(st, i))[k]);
				fprintf(f, "|");
				break;
			default:
				fprintf(f, "N|");
			}
		}
		fprintf(f, "\n");
	}
	if (rc != SQLITE_DONE)
		fprintf(f, "ERROR %s\n", sqlite3_errmsg(sqlite3_db_handle(st)));
	fclose(f);
	return buf;
}

static char *dump(struct ebr_sql *q, const char *sql)
{
	sqlite3_stmt *st = prep(q, sql);
	char *s = dump_stmt(st);

	sqlite3_finalize(st);
	return s;
}

static char *dump_db(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	char *s;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("prepare failed on the exported db: %s\n  %s", sqlite3_errmsg(db), sql);
	s = dump_stmt(st);
	sqlite3_finalize(st);
	return s;
}

/* ------------------------------------------------------------ decoder truth */

struct json_truth {
	uint64_t count[EBR_T_MAX + 1];
	int64_t pid_sum[EBR_T_MAX + 1];
	int64_t exit_code_sum, signal_exits, argc_sum, delta_sum, dport_sum, core_dumps;
};

static int64_t json_num(const char *line, const char *key)
{
	char k[64];
	const char *p;

	snprintf(k, sizeof(k), "\"%s\":", key);
	p = strstr(line, k);
	assert_non_null(p);
	return strtoll(p + strlen(k), NULL, 10);
}

/* What `ebpfrec replay --output json` says: the same decoder, parsed back. */
static void decoder_truth(const char *path, struct json_truth *t)
{
	struct ebr_reader *r = ebr_reader__open(path);
	struct ebr_decoder *d;
	struct ebr_cursor *c;
	const struct ebr_event_header *rec;
	char *buf = NULL;
	size_t len = 0;

	memset(t, 0, sizeof(*t));
	assert_non_null(r);
	d = ebr_decoder__new(ebr_reader__schema(r), ebr_reader__info(r), NULL);
	c = ebr_cursor__open(r, NULL);
	assert_non_null(d);
	assert_non_null(c);
	while (ebr_cursor__next(c, &rec) > 0) {
		FILE *f = open_memstream(&buf, &len);
		unsigned type = 0;

		assert_int_equal(ebr_decoder__json(d, rec, f), 0);
		fclose(f);
		if (strstr(buf, "\"type\":\"exec\""))
			type = EBR_T_EXEC;
		else if (strstr(buf, "\"type\":\"fork\""))
			type = EBR_T_FORK;
		else if (strstr(buf, "\"type\":\"exit\""))
			type = EBR_T_EXIT;
		else if (strstr(buf, "\"type\":\"widget\""))
			type = FIX_WIDGET_ID;
		else if (strstr(buf, "\"type\":\"connect\""))
			type = FIX_CONNECT_ID;
		else
			fail_msg("unexpected record %s", buf);
		t->count[type]++;
		t->pid_sum[type] += json_num(buf, "pid");
		if (type == EBR_T_EXIT) {
			t->exit_code_sum += json_num(buf, "exit_code");
			t->signal_exits += json_num(buf, "signal") != 0;
			t->core_dumps += strstr(buf, "\"core_dumped\":true") != NULL;
		} else if (type == EBR_T_EXEC) {
			t->argc_sum += json_num(buf, "argc");
		} else if (type == FIX_WIDGET_ID) {
			t->delta_sum += json_num(buf, "delta");
		} else if (type == FIX_CONNECT_ID) {
			t->dport_sum += json_num(buf, "dport");
		}
		free(buf);
		buf = NULL;
	}
	ebr_cursor__close(c);
	ebr_decoder__free(d);
	ebr_reader__close(r);
}

/* ------------------------------------------------------------ tests */

/* For every family: counts and sums by SQL equal the decoder's (replay --output json) and the writer's. */
static void test_counts_and_sums(void **state)
{
	static const struct { unsigned id; const char *type_table, *family_table, *family; } t[] = {
		{ EBR_T_EXEC, "exec", "execs", "process" },
		{ EBR_T_FORK, "fork", "forks", "process" },
		{ EBR_T_EXIT, "exit", "exits", "process" },
		{ FIX_CONNECT_ID, "connect", "net", "network" },
		{ FIX_WIDGET_ID, "widget", "custom", "custom" },
	};
	struct ebr_sql *q = open1(E.a);
	struct json_truth j;
	uint64_t total = 0;

	(void)state;
	decoder_truth(E.a, &j);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		unsigned id = t[i].id;

		assert_true(E.ta.count[id] > 0);
		assert_int_equal(j.count[id], E.ta.count[id]);
		assert_int_equal(j.pid_sum[id], E.ta.pid_sum[id]);
		assert_int_equal(q_int(q, "SELECT count(*) FROM %s", t[i].type_table), j.count[id]);
		assert_int_equal(q_int(q, "SELECT sum(pid) FROM %s", t[i].type_table), j.pid_sum[id]);
		assert_int_equal(q_int(q, "SELECT count(*) FROM %s WHERE type = '%s'", t[i].family_table,
				       t[i].type_table),
				 j.count[id]);
		assert_int_equal(q_int(q, "SELECT sum(pid) FROM events WHERE type = '%s'", t[i].type_table),
				 j.pid_sum[id]);
		assert_int_equal(q_int(q, "SELECT count(*) FROM events WHERE type = '%s' AND family = '%s'",
				       t[i].type_table, t[i].family),
				 j.count[id]);
		total += j.count[id];
	}
	assert_int_equal(q_int(q, "SELECT count(*) FROM events"), total);
	assert_int_equal(q_int(q, "SELECT count(*) FROM events"), E.ta.n_events);
	assert_int_equal(q_int(q, "SELECT sum(exit_code) FROM exits"), j.exit_code_sum);
	assert_int_equal(q_int(q, "SELECT sum(exit_code) FROM exits"), E.ta.exit_code_sum);
	assert_int_equal(q_int(q, "SELECT count(*) FROM exits WHERE signal != 0"), j.signal_exits);
	assert_int_equal(q_int(q, "SELECT count(*) FROM exits WHERE core_dumped"), j.core_dumps);
	assert_int_equal(q_int(q, "SELECT count(*) FROM exits WHERE core_dumped"), E.ta.core_dumps);
	assert_int_equal(q_int(q, "SELECT sum(argc) FROM execs"), j.argc_sum);
	assert_int_equal(q_int(q, "SELECT sum(length(CAST(filename AS BLOB))) FROM execs"),
			 E.ta.filename_len_sum);
	assert_int_equal(q_int(q, "SELECT count(*) FROM forks WHERE thread"), E.ta.fork_threads);
	assert_int_equal(q_int(q, "SELECT sum(delta) FROM widget"), j.delta_sum);
	assert_int_equal(q_int(q, "SELECT sum(count) FROM custom"), E.ta.widget_count_sum);
	assert_int_equal(q_int(q, "SELECT sum(dport) FROM net"), j.dport_sum);
	assert_int_equal(q_int(q, "SELECT min(ts) FROM events"), E.ta.t_first);
	assert_int_equal(q_int(q, "SELECT max(ts) FROM events"), E.ta.t_last);
	/* a capture without those types still has the tables, empty */
	assert_int_equal(q_int(q, "SELECT count(*) FROM syscalls"), 0);
	assert_int_equal(q_int(q, "SELECT count(*) FROM mem"), 0);
	assert_int_equal(q_int(q, "SELECT count(*) FROM files"), 0);
	ebr_sql__close(q);
}

/* The made-up types get typed columns from the capture's schema alone. */
static void test_schema_driven_columns(void **state)
{
	struct ebr_sql *q = open1(E.a), *p = open1(E.plain);
	char *s;

	(void)state;
	s = dump(q, "SELECT count, ret, errno, big, sig, sig_name, flag, name, tags, blob, "
		    "typeof(big) FROM widget WHERE ret < 0 AND pid % 2 = 1 LIMIT 1");
	/* big is u64 0xffffffff000003xx: above 2^63, so it reads as negative */
	assert_non_null(strstr(s, "|i-13|tEACCES|i-4294"));
	assert_non_null(strstr(s, "|i6|tSIGABRT|i1|tw\xff|t[\"red\",\"green\"]|b010002|tinteger|"));
	free(s);
	s = q_text(q, "SELECT addr FROM widget WHERE pid % 2 = 1 LIMIT 1");
	assert_string_equal(s, "10.1.2.3");
	free(s);
	s = q_text(q, "SELECT addr FROM widget WHERE pid % 2 = 0 LIMIT 1");
	assert_string_equal(s, "2001:db8::1");
	free(s);
	s = q_text(q, "SELECT printf('%x', big) FROM widget WHERE pid = 1001 LIMIT 1");
	assert_string_equal(s, "ffffffff000003e9");
	free(s);
	s = q_text(q, "SELECT group_concat(column_name || ':' || type, ',') FROM schema_columns "
		      "WHERE table_name = 'net' AND position BETWEEN 14 AND 19");
	assert_string_equal(s, "saddr:TEXT,daddr:TEXT,sport:INTEGER,dport:INTEGER,ret:INTEGER,errno:TEXT");
	free(s);
	assert_int_equal(q_int(q, "SELECT count(*) FROM net WHERE errno = 'ECONNREFUSED'"),
			 q_int(q, "SELECT count(*) FROM connect WHERE ret = -111"));
	assert_int_equal(q_int(q, "SELECT count(*) FROM event_types WHERE name = 'widget' AND "
				  "sql_table = 'widget' AND events = %llu",
			       (unsigned long long)E.ta.count[FIX_WIDGET_ID]),
			 1);
	/* the builtin-only capture: net exists with the common columns, and no widget table */
	assert_int_equal(q_int(p, "SELECT count(*) FROM schema_columns WHERE table_name = 'widget'"), 0);
	assert_int_equal(q_int(p, "SELECT count(*) FROM net"), 0);
	assert_int_equal(q_int(p, "SELECT count(*) FROM events"), E.tp.n_events);
	ebr_sql__close(p);
	ebr_sql__close(q);
}

/* severity is the filter engine's; container comes from the capture's cgroup table. */
static void test_severity_and_container(void **state)
{
	struct ebr_sql *q = open1(E.a);
	uint64_t n_events = E.ta.n_events;

	(void)state;
	(void)n_events;
	/* format/severity.c: exit core_dumped critical, signal error, exit_code notice; -errno warning */
	assert_int_equal(q_int(q, "SELECT count(*) FROM exits WHERE severity = 'critical'"), E.ta.core_dumps);
	assert_int_equal(q_int(q, "SELECT count(*) FROM exits WHERE severity = 'error'"),
			 E.ta.signal_exits - E.ta.core_dumps);
	assert_int_equal(q_int(q, "SELECT count(*) FROM exits WHERE severity = 'notice'"),
			 q_int(q, "SELECT count(*) FROM exits WHERE signal = 0 AND exit_code != 0"));
	assert_int_equal(q_int(q, "SELECT count(*) FROM connect WHERE (ret < 0) = (severity = 'warning') "
				  "AND (ret = 0) = (severity = 'info')"),
			 E.ta.count[FIX_CONNECT_ID]);
	assert_int_equal(q_int(q, "SELECT count(*) FROM execs WHERE severity = 'info'"), E.ta.count[EBR_T_EXEC]);
	/* the events table says the same as the type tables */
	assert_int_equal(q_int(q, "SELECT count(*) FROM events WHERE severity = 'critical'"), E.ta.core_dumps);
	assert_int_equal(q_int(q, "SELECT count(*) FROM events WHERE severity IS NULL"), 0);
	assert_int_equal(q_int(q, "SELECT count(*) FROM events WHERE container = '" FIX_CONTAINER "'"),
			 q_int(q, "SELECT count(*) FROM events WHERE cgroup = 1000"));
	assert_int_equal(q_int(q, "SELECT count(*) FROM events WHERE container IS NOT NULL AND cgroup != 1000"), 0);
	assert_int_equal(q_int(q, "SELECT count(*) FROM containers WHERE cgroup = 1000 AND container = '"
				  FIX_CONTAINER "' AND runtime = 'docker'"),
			 1);
	assert_int_equal(q_int(q, "SELECT count(*) FROM processes WHERE container = '" FIX_CONTAINER "'"),
			 q_int(q, "SELECT count(*) FROM processes WHERE cgroup = 1000"));
	assert_int_equal(q_int(q, "SELECT count(*) FROM containers"), 3);
	ebr_sql__close(q);
}

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Pushdown returns what a full scan with the same WHERE returns, for random windows. */
static void test_pushdown_equivalence(void **state)
{
	static const char *const shapes[] = {
		"ts >= %1$llu AND ts < %2$llu",
		"ts > %1$llu AND ts <= %2$llu",
		"ts BETWEEN %1$llu AND %2$llu",
		"ts = %1$llu",
		"ts >= %1$llu",
		"ts < %2$llu",
		"ts >= %1$llu.5 AND ts < %2$llu.25",
		"ts > '%1$llu' AND ts < '%2$llu'",
		"%1$llu <= ts AND %2$llu > ts AND type IN ('exec', 'exit')",
		"ts >= %1$llu AND ts < %2$llu AND family = 'process'",
		"ts >= %1$llu AND ts < %2$llu AND type = 'widget' AND pid > 1010",
		"ts >= %1$llu AND ts < %2$llu AND comm = 'bash'",
		"ts >= %1$llu AND ts < %2$llu AND (pid = 1003 OR uid = 0)",
		"ts >= %1$llu AND ts < %2$llu AND type != 'fork'",
		"type = 'nope' OR ts = %1$llu",
		"ts IN (%1$llu, %2$llu, 5)",
		/* an OR of windows: SQLite merges the scans by rowid, which must name the record */
		"ts BETWEEN %1$llu AND %2$llu OR ts BETWEEN %2$llu + 1000 AND %2$llu + 90000",
		"(ts >= %1$llu AND ts < %2$llu) OR ts < %1$llu + 7000",
		"(ts > %2$llu AND type = 'exec') OR (ts <= %1$llu AND family = 'process')",
	};
	struct ebr_sql *q = open1(E.a);
	uint64_t span = E.ta.t_last - E.ta.t_first;
	uint32_t rs = 12345;

	(void)state;
	assert_int_equal(sqlite3_exec(ebr_sql__db(q), "CREATE TABLE m AS SELECT * FROM events", NULL, NULL, NULL), 0);
	for (int round = 0; round < 60; round++)
		for (size_t k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++) {
			unsigned long long a = E.ta.t_first - 50 + rnd(&rs) % (span + 100);
			unsigned long long b = a + rnd(&rs) % (span / (1 + rnd(&rs) % 50) + 1);
			char where[512], s1[1024], s2[1024];
			char *r1, *r2;

			if (k == 3 && round % 2) {
				/* an exact event time */
				char *t = q_text(q, "SELECT ts FROM m ORDER BY random() LIMIT 1");

				a = strtoull(t, NULL, 10);
				free(t);
			}
			snprintf(where, sizeof(where), shapes[k], a, b);
			snprintf(s1, sizeof(s1),
				 "SELECT count(*), sum(pid), sum(ts %% 1000003), group_concat(DISTINCT type) "
				 "FROM (SELECT * FROM events WHERE %s ORDER BY type)",
				 where);
			snprintf(s2, sizeof(s2),
				 "SELECT count(*), sum(pid), sum(ts %% 1000003), group_concat(DISTINCT type) "
				 "FROM (SELECT * FROM m WHERE %s ORDER BY type)",
				 where);
			r1 = dump(q, s1);
			r2 = dump(q, s2);
			if (strcmp(r1, r2))
				fail_msg("pushdown differs for WHERE %s:\n  vtab %s  scan %s", where, r1, r2);
			free(r1);
			free(r2);
		}
	ebr_sql__close(q);
}

/* time text windows: conservative, so the same rows as comparing the text. */
static void test_time_pushdown(void **state)
{
	struct ebr_sql *q = open1(E.a);
	uint32_t rs = 999;

	(void)state;
	assert_int_equal(sqlite3_exec(ebr_sql__db(q), "CREATE TABLE m AS SELECT * FROM events", NULL, NULL, NULL), 0);
	for (int i = 0; i < 80; i++) {
		char *t = q_text(q, "SELECT time FROM m ORDER BY random() LIMIT 1");
		char lo[64], where[256], s1[512], s2[512], *r1, *r2;
		size_t cut = 19 + rnd(&rs) % 12; /* seconds, or some digits of the fraction */

		snprintf(lo, sizeof(lo), "%.*s", (int)(cut > strlen(t) ? strlen(t) : cut), t);
		if (lo[strlen(lo) - 1] == '.')
			lo[strlen(lo) - 1] = 0;
		snprintf(where, sizeof(where), i % 3 == 0 ? "time >= '%s'" : i % 3 == 1 ? "time < '%s'" :
							 "time > '%s' AND ts < %llu",
			 lo, (unsigned long long)(E.ta.t_first + (E.ta.t_last - E.ta.t_first) / 2));
		snprintf(s1, sizeof(s1), "SELECT count(*), sum(pid) FROM events WHERE %s", where);
		snprintf(s2, sizeof(s2), "SELECT count(*), sum(pid) FROM m WHERE %s", where);
		r1 = dump(q, s1);
		r2 = dump(q, s2);
		if (strcmp(r1, r2))
			fail_msg("time pushdown differs for %s: %s vs %s", where, r1, r2);
		free(r1);
		free(r2);
		free(t);
	}
	ebr_sql__close(q);
}

/* A narrow window reads only the segments that overlap it. */
static void test_pushdown_reads_few_segments(void **state)
{
	struct ebr_sql *q = open1(E.a);
	struct ebr_reader *r = ebr_sql__reader(q, 0);
	const struct ebr_segment_info *s = ebr_reader__segment(r, 20);
	unsigned long long a = s->t_first + 10, b = s->t_last - 10;
	uint64_t overlapping = 0;

	(void)state;
	for (size_t i = 0; i < ebr_reader__segment_count(r); i++) {
		const struct ebr_segment_info *x = ebr_reader__segment(r, i);

		overlapping += x->n_records && x->t_last >= a && x->t_first < b;
	}
	assert_int_equal(overlapping, 1);
	ebr_sql__reset_stats(q);
	assert_true(q_int(q, "SELECT count(*) FROM events WHERE ts >= %llu AND ts < %llu", a, b) > 0);
	assert_int_equal(ebr_sql__stats(q)->segments_read, 1);
	assert_int_equal(ebr_sql__stats(q)->segments_total, ebr_reader__segment_count(r));

	/* time text window over the same span */
	ebr_sql__reset_stats(q);
	char sql[256], *t1, *t2;

	snprintf(sql, sizeof(sql), "SELECT time FROM events WHERE ts = %llu", (unsigned long long)s->t_first);
	t1 = q_text(q, sql);
	snprintf(sql, sizeof(sql), "SELECT time FROM events WHERE ts = %llu", (unsigned long long)s->t_last);
	t2 = q_text(q, sql);
	ebr_sql__reset_stats(q);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM events WHERE time >= '%s' AND time <= '%s'", t1, t2);
	assert_int_equal(q_int(q, "%s", sql), s->n_records);
	assert_true(ebr_sql__stats(q)->segments_read <= 2);
	free(t1);
	free(t2);

	/* LIMIT stops the scan: one segment for the first rows */
	ebr_sql__reset_stats(q);
	assert_int_equal(q_int(q, "SELECT count(*) FROM (SELECT * FROM events LIMIT 10)"), 10);
	assert_int_equal(ebr_sql__stats(q)->segments_read, 1);
	ebr_sql__reset_stats(q);
	assert_int_equal(q_int(q, "SELECT count(*) FROM (SELECT * FROM exits WHERE signal = 9 LIMIT 3)"), 3);
	assert_true(ebr_sql__stats(q)->segments_read < 5);

	/* ORDER BY ts LIMIT: ordered and early, on a capture whose segments do not overlap */
	ebr_sql__reset_stats(q);
	assert_int_equal(q_int(q, "SELECT ts FROM events ORDER BY ts LIMIT 1"), E.ta.t_first);
	assert_int_equal(ebr_sql__stats(q)->segments_read, 1);
	char *o1 = dump(q, "SELECT ts, type, pid FROM events ORDER BY ts LIMIT 700");
	char *o2 = dump(q, "SELECT ts, type, pid FROM (SELECT * FROM events) ORDER BY +ts LIMIT 700");

	assert_string_equal(o1, o2);
	free(o1);
	free(o2);

	/* a type that is in no segment: nothing read */
	ebr_sql__reset_stats(q);
	assert_int_equal(q_int(q, "SELECT count(*) FROM syscalls"), 0);
	assert_int_equal(ebr_sql__stats(q)->segments_read, 0);
	ebr_sql__close(q);
}

/* Bound parameters (not visible when planning) still give exact answers. */
static void test_bound_parameters(void **state)
{
	struct ebr_sql *q = open1(E.a);
	sqlite3_stmt *st = prep(q, "SELECT count(*) FROM events WHERE ts >= ?1 AND ts < ?2 AND type = ?3 "
				   "AND pid != ?4");
	uint64_t mid = E.ta.t_first + (E.ta.t_last - E.ta.t_first) / 3;

	(void)state;
	assert_int_equal(sqlite3_exec(ebr_sql__db(q), "CREATE TABLE m AS SELECT * FROM events", NULL, NULL, NULL), 0);
	sqlite3_bind_int64(st, 1, (int64_t)mid);
	sqlite3_bind_double(st, 2, (double)mid + 1e6 + 0.5);
	sqlite3_bind_text(st, 3, "exec", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, "1002", -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int64(st, 0),
			 q_int(q, "SELECT count(*) FROM m WHERE ts >= %llu AND ts < %llu.5 AND type = 'exec' "
				  "AND pid != '1002'",
			       (unsigned long long)mid, (unsigned long long)(mid + 1000000)));
	sqlite3_finalize(st);
	ebr_sql__close(q);
}

static void test_malformed_sql(void **state)
{
	struct ebr_sql *q = open1(E.a);
	sqlite3_stmt *st = NULL;
	char *msg = NULL;

	(void)state;
	assert_int_equal(ebr_sql__prepare(q, "SELEC * FROM events", &st, NULL), -EINVAL);
	assert_null(st);
	assert_non_null(strstr(ebr_sql__errmsg(q), "syntax error"));
	assert_int_equal(ebr_sql__prepare(q, "SELECT nope FROM events", &st, NULL), -EINVAL);
	assert_non_null(strstr(ebr_sql__errmsg(q), "no such column: nope"));
	assert_int_equal(ebr_sql__prepare(q, "SELECT * FROM nowhere", &st, NULL), -EINVAL);
	assert_non_null(strstr(ebr_sql__errmsg(q), "no such table: nowhere"));
	assert_int_equal(ebr_sql__prepare(q, "SELECT * FROM events WHERE", &st, NULL), -EINVAL);
	/* an error while running */
	st = prep(q, "SELECT abs(-9223372036854775807 - 1 + pid - pid) FROM events");
	assert_int_equal(ebr_sql__run(st, NULL, NULL, &msg), -EINVAL);
	assert_non_null(msg);
	assert_string_equal(msg, "integer overflow");
	sqlite3_free(msg);
	sqlite3_finalize(st);
	/* writes to the event tables are refused, and nothing breaks */
	assert_int_equal(ebr_sql__prepare(q, "DELETE FROM events", &st, NULL), -EINVAL);
	assert_non_null(strstr(ebr_sql__errmsg(q), "may not be modified"));
	assert_int_equal(q_int(q, "SELECT count(*) FROM events"), E.ta.n_events);
	ebr_sql__close(q);
}

static void test_multi_capture(void **state)
{
	const char *paths[] = { E.a, E.b };
	struct ebr_sql *q = ebr_sql__open(paths, 2, NULL);
	char *s;

	(void)state;
	assert_non_null(q);
	s = dump(q, "SELECT capture, host, count(*) FROM events GROUP BY 1, 2 ORDER BY 1");
	char want[256];

	snprintf(want, sizeof(want), "i1|talpha|i%llu|\ni2|tbeta|i%llu|\n",
		 (unsigned long long)E.ta.n_events, (unsigned long long)E.tb.n_events);
	assert_string_equal(s, want);
	free(s);
	assert_int_equal(q_int(q, "SELECT count(*) FROM exits WHERE host = 'beta'"), E.tb.count[EBR_T_EXIT]);
	ebr_sql__reset_stats(q);
	assert_int_equal(q_int(q, "SELECT count(*) FROM events WHERE capture = 2"), E.tb.n_events);
	assert_int_equal(ebr_sql__stats(q)->segments_total, 7); /* only b's segments were looked at */
	ebr_sql__reset_stats(q);
	assert_int_equal(q_int(q, "SELECT count(*) FROM events WHERE host IN ('beta', 'gamma')"),
			 E.tb.n_events);
	assert_int_equal(ebr_sql__stats(q)->segments_total, 7);
	/* the time column uses each capture's own clock offset */
	s = q_text(q, "SELECT min(time) FROM events WHERE capture = 2");
	char t[48];

	ebr_format_wall_time(E.tb.t_first + 1700000100000000000ULL, t, sizeof(t));
	assert_string_equal(s, t);
	free(s);
	s = dump(q, "SELECT id, host, uuid, events FROM capture ORDER BY id");
	snprintf(want, sizeof(want),
		 "i1|talpha|ta1a1a1a1-a1a1-a1a1-a1a1-a1a1a1a1a1a1|i%llu|\n"
		 "i2|tbeta|tb2b2b2b2-b2b2-b2b2-b2b2-b2b2b2b2b2b2|i%llu|\n",
		 (unsigned long long)E.ta.n_events, (unsigned long long)E.tb.n_events);
	assert_string_equal(s, want);
	free(s);
	/* processes of the two captures have their own upids */
	assert_int_equal(q_int(q, "SELECT count(DISTINCT upid) = count(*) FROM processes"), 1);
	assert_int_equal(q_int(q, "SELECT count(*) FROM processes WHERE source = 'snapshot'"), 8);
	ebr_sql__close(q);
}

static void test_processes_and_drops(void **state)
{
	struct ebr_sql *q = open1(E.a);
	uint64_t forks = E.ta.count[EBR_T_FORK] - E.ta.fork_threads;
	char *s;

	(void)state;
	assert_int_equal(q_int(q, "SELECT count(*) FROM processes WHERE source = 'snapshot'"), 4);
	assert_int_equal(q_int(q, "SELECT count(*) FROM processes WHERE source = 'fork'"), forks);
	assert_int_equal(q_int(q, "SELECT count(*) FROM processes WHERE end_ts IS NOT NULL"),
			 E.ta.count[EBR_T_EXIT]);
	assert_int_equal(q_int(q, "SELECT count(*) FROM processes WHERE core_dumped"), E.ta.core_dumps);
	assert_int_equal(q_int(q, "SELECT sum(exit_code) FROM processes"), E.ta.exit_code_sum);
	s = dump(q, "SELECT pid, ppid, parent_upid, comm, exe, cmdline, cgroup_path, kthread FROM processes "
		    "WHERE source = 'snapshot' ORDER BY upid");
	assert_string_equal(s, "i1|i0|N|tsystemd|t/usr/lib/systemd/systemd|t[\"/sbin/init\",\"splash\"]|"
			       "t/init.scope|i0|\n"
			       "i2|i0|N|tkthreadd|N|t[]|t/|i1|\n"
			       "i100|i1|i1|tbash|t/usr/bin/bash|t[\"-bash\"]|t/user.slice/session-1.scope|i0|\n"
			       "i101|i100|i3|tsleep|t/usr/bin/sleep|t[\"sleep\",\"100\"]|"
			       "t/system.slice/docker-0123abcd.scope|i0|\n");
	free(s);
	/* a forked child's parent is the process that forked it, by upid */
	assert_int_equal(q_int(q, "SELECT count(*) FROM forks f JOIN processes c ON c.pid = f.child_pid AND "
				  "c.start_ts = f.ts JOIN processes p ON p.upid = c.parent_upid AND p.pid = f.pid "
				  "WHERE NOT f.thread"),
			 forks);
	assert_int_equal(q_int(q, "SELECT sum(processes) FROM containers"),
			 q_int(q, "SELECT count(*) FROM processes"));
	/* drops: deltas over time add up to the final counters */
	assert_int_equal(q_int(q, "SELECT sum(count) FROM drops WHERE reason = 'ringbuf_full'"),
			 E.ta.drops_total[EBR_DROP_RINGBUF_FULL]);
	assert_int_equal(q_int(q, "SELECT max(total) FROM drops WHERE reason = 'rate_limited'"),
			 E.ta.drops_total[EBR_DROP_RATE_LIMITED]);
	assert_int_equal(q_int(q, "SELECT count(*) FROM drops WHERE count <= 0"), 0);
	s = dump(q, "SELECT reason, type, count FROM drops_by_type ORDER BY reason");
	char want[256];

	snprintf(want, sizeof(want), "trate_limited|texec|i%llu|\ntringbuf_full|tfork|i%llu|\n",
		 (unsigned long long)E.ta.drops_total[EBR_DROP_RATE_LIMITED],
		 (unsigned long long)E.ta.drops_total[EBR_DROP_RINGBUF_FULL]);
	assert_string_equal(s, want);
	free(s);
	s = dump(q, "SELECT name, attached, errno, message FROM probes ORDER BY name");
	assert_string_equal(s, "thandle_exec|i1|N|N|\nthandle_oom|i0|tENOENT|ttracepoint not found|\n");
	free(s);
	s = dump(q, "SELECT host, kernel, arch, config, command, recovered FROM capture");
	assert_string_equal(s, "talpha|t6.1.0-test|tx86_64|t{\"families\":[\"process\"]}|"
			       "tebpfrec record -o fixture.ebc|i0|\n");
	free(s);
	ebr_sql__close(q);
}

static char *format_result(struct ebr_sql *q, const char *sql, enum ebr_sql_format fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct ebr_sql_out *o = ebr_sql_out__new(f, fmt);
	sqlite3_stmt *st = prep(q, sql);

	assert_true(ebr_sql__run(st, o, NULL, NULL) >= 0);
	sqlite3_finalize(st);
	ebr_sql_out__free(o);
	fclose(f);
	return buf;
}

static void test_output_formats(void **state)
{
	struct ebr_sql *q = open1(E.a);
	const char *sql = "SELECT 1 AS n, 'a b\"c,d' AS s, NULL AS z, x'00ff' AS b, 2.5 AS r, "
			  "'line\nnext' AS nl, 'w\xff' AS u";
	char *s;

	(void)state;
	s = format_result(q, sql, EBR_SQL_FMT_CSV);
	assert_string_equal(s, "n,s,z,b,r,nl,u\n1,\"a b\"\"c,d\",,00ff,2.5,\"line\nnext\",w\xff\n");
	free(s);
	s = format_result(q, sql, EBR_SQL_FMT_JSONL);
	assert_string_equal(s, "{\"n\":1,\"s\":\"a b\\\"c,d\",\"z\":null,\"b\":\"00ff\",\"r\":2.5,"
			       "\"nl\":\"line\\nnext\",\"u\":\"w\\u00ff\"}\n");
	free(s);
	s = format_result(q, sql, EBR_SQL_FMT_JSON);
	assert_string_equal(s, "[\n{\"n\":1,\"s\":\"a b\\\"c,d\",\"z\":null,\"b\":\"00ff\",\"r\":2.5,"
			       "\"nl\":\"line\\nnext\",\"u\":\"w\\u00ff\"}\n]\n");
	free(s);
	s = format_result(q, "SELECT 1 AS n, 'x' AS s UNION ALL SELECT 100, 'long text'", EBR_SQL_FMT_TABLE);
	assert_string_equal(s, "  n  s\n---  ---------\n  1  x\n100  long text\n");
	free(s);
	s = format_result(q, "SELECT 1 AS n WHERE 0", EBR_SQL_FMT_JSON);
	assert_string_equal(s, "[]\n");
	free(s);
	s = format_result(q, "SELECT 1 AS n WHERE 0", EBR_SQL_FMT_CSV);
	assert_string_equal(s, "n\n");
	free(s);
	/* every value of a capture row survives CSV: the strings with quotes and newlines */
	s = format_result(q, "SELECT comm, filename FROM execs WHERE filename LIKE '/tmp/we%' AND "
			     "comm LIKE 'a b%' LIMIT 1",
			  EBR_SQL_FMT_CSV);
	assert_string_equal(s, "comm,filename\n\"a b\"\"c,d\",\"/tmp/we\"\"ird,\nname\"\n");
	free(s);
	ebr_sql__close(q);
}

/* The exported database answers every query as the capture does. */
static void test_export_sqlite(void **state)
{
	static const char *const queries[] = {
		"SELECT * FROM events ORDER BY ts, type, pid, tid, cpu",
		"SELECT * FROM execs ORDER BY ts, pid, tid",
		"SELECT * FROM forks ORDER BY ts, pid, tid",
		"SELECT * FROM exits ORDER BY ts, pid, tid",
		"SELECT * FROM net ORDER BY ts, pid, tid",
		"SELECT * FROM custom ORDER BY ts, pid, tid",
		"SELECT * FROM widget ORDER BY ts, pid, tid",
		"SELECT * FROM syscalls",
		"SELECT * FROM files",
		"SELECT * FROM processes ORDER BY upid",
		"SELECT * FROM containers ORDER BY capture, cgroup",
		"SELECT * FROM drops ORDER BY capture, segment, reason",
		"SELECT * FROM drops_by_type ORDER BY capture, reason, type",
		"SELECT * FROM capture ORDER BY id",
		"SELECT * FROM probes ORDER BY capture, name",
		"SELECT * FROM segments ORDER BY capture, seq",
		"SELECT * FROM event_types ORDER BY capture, id",
		"SELECT * FROM schema_columns ORDER BY table_name, position",
		"SELECT type, count(*), sum(pid), min(time), max(time) FROM events GROUP BY 1 ORDER BY 1",
		"SELECT host, family, count(*) FROM events GROUP BY 1, 2 ORDER BY 1, 2",
		"SELECT count(*) FROM events WHERE ts BETWEEN 7000100000 AND 7003000000 AND pid = 1003",
		"SELECT comm, count(*) FROM exits WHERE signal_name = 'SIGKILL' GROUP BY 1 ORDER BY 1",
	};
	const char *paths[] = { E.a, E.b };
	struct ebr_sql *q = ebr_sql__open(paths, 2, NULL);
	struct ebr_sql_export_opts o = { .sz = sizeof(o) };
	struct ebr_sql_export_stats st;
	char path[256];
	sqlite3 *db;

	(void)state;
	assert_non_null(q);
	snprintf(path, sizeof(path), "%s/out.db", E.dir);
	assert_int_equal(ebr_sql__export_sqlite(q, path, &o, &st), 0);
	assert_int_equal(st.events, E.ta.n_events + E.tb.n_events);
	/* an existing file is kept unless forced */
	assert_int_equal(ebr_sql__export_sqlite(q, path, &o, &st), -EEXIST);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		char *a = dump(q, queries[i]), *b = dump_db(db, queries[i]);

		if (strcmp(a, b)) {
			size_t k = 0;

			while (a[k] && a[k] == b[k])
				k++;
			fail_msg("exported db differs for %s at byte %zu:\n  capture: %.200s\n  db:      %.200s",
				 queries[i], k, a + (k > 80 ? k - 80 : 0), b + (k > 80 ? k - 80 : 0));
		}
		free(a);
		free(b);
	}
	/* the indexes the issue asks for exist and are used */
	char *plan = dump_db(db, "SELECT group_concat(name) FROM (SELECT name FROM sqlite_master WHERE "
				 "type = 'index' AND tbl_name = 'process_rows' ORDER BY name)");

	assert_string_equal(plan, "tprocess_rows_pid,process_rows_ts,process_rows_type|\n");
	free(plan);
	/* every table of events has the three */
	plan = dump_db(db, "SELECT count(*) FROM sqlite_master m WHERE type = 'table' AND name LIKE '%_rows' "
			   "AND (SELECT count(*) FROM sqlite_master i WHERE i.type = 'index' AND i.tbl_name = m.name "
			   "AND i.name IN (m.name || '_ts', m.name || '_pid', m.name || '_type')) != 3");
	assert_string_equal(plan, "i0|\n");
	free(plan);
	plan = dump_db(db, "EXPLAIN QUERY PLAN SELECT * FROM events WHERE ts > 5");
	assert_non_null(strstr(plan, "process_rows_ts"));
	assert_non_null(strstr(plan, "network_rows_ts"));
	free(plan);
	plan = dump_db(db, "EXPLAIN QUERY PLAN SELECT * FROM exits WHERE pid = 5");
	assert_non_null(strstr(plan, "process_rows_pid"));
	free(plan);
	sqlite3_close(db);
	ebr_sql__close(q);
}

static void test_export_files(void **state)
{
	struct ebr_sql *q = open1(E.a);
	struct ebr_sql_export_opts o = { .sz = sizeof(o) };
	char dir[256], path[300], line[4096];
	uint64_t n = 0;
	FILE *f;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/csv", E.dir);
	assert_int_equal(ebr_sql__export_files(q, dir, EBR_SQL_FMT_CSV, &o, NULL), 0);
	snprintf(path, sizeof(path), "%s/exit.csv", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "ts,time,type,family,pid,tid,ppid,uid,gid,comm,cpu,cgroup,container,"
				  "severity,exit_code,signal,signal_name,core_dumped,raw_status,start_ts,"
				  "pidns,mntns,truncated,capture,host\n");
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	assert_int_equal(n, E.ta.count[EBR_T_EXIT]);
	snprintf(path, sizeof(path), "%s/processes.csv", dir);
	assert_int_equal(access(path, R_OK), 0);
	assert_int_equal(ebr_sql__export_files(q, dir, EBR_SQL_FMT_CSV, &o, NULL), -EEXIST);

	snprintf(dir, sizeof(dir), "%s/jsonl", E.dir);
	assert_int_equal(ebr_sql__export_files(q, dir, EBR_SQL_FMT_JSONL, &o, NULL), 0);
	snprintf(path, sizeof(path), "%s/events.jsonl", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	n = 0;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	assert_int_equal(n, E.ta.n_events);
	ebr_sql__close(q);
}

/* docs/sql.md names every table and column this build presents. */
static void test_docs_in_step(void **state)
{
	const char *paths[] = { E.plain };
	struct ebr_sql *q = ebr_sql__open(paths, 1, NULL);
	const char *doc_path = getenv("EBR_SQL_DOC");
	char *doc = NULL, *missing = NULL;
	size_t len = 0, mlen = 0;
	FILE *f, *m;
	sqlite3_stmt *st;

	(void)state;
	if (!doc_path)
		skip();
	f = fopen(doc_path, "r");
	assert_non_null(f);
	assert_int_equal(getdelim(&doc, &len, 0, f) > 0, 1);
	fclose(f);
	m = open_memstream(&missing, &mlen);
	st = prep(q, "SELECT table_name, column_name, kind FROM schema_columns ORDER BY table_name, position");
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		const char *c = (const char *)sqlite3_column_text(st, 1);
		char key[200];

		/* tables are documented as headings "### `name`", columns as table rows "| `col` |" */
		snprintf(key, sizeof(key), "`%s`", t);
		if (!strstr(doc, key))
			fprintf(m, "table %s\n", t);
		snprintf(key, sizeof(key), "| `%s` |", c);
		if (!strstr(doc, key))
			fprintf(m, "column %s.%s\n", t, c);
	}
	sqlite3_finalize(st);
	fclose(m);
	if (mlen)
		fail_msg("docs/sql.md is behind the schema; add:\n%s", missing);
	free(missing);
	free(doc);
	ebr_sql__close(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_and_sums),
		cmocka_unit_test(test_schema_driven_columns),
		cmocka_unit_test(test_severity_and_container),
		cmocka_unit_test(test_pushdown_equivalence),
		cmocka_unit_test(test_time_pushdown),
		cmocka_unit_test(test_pushdown_reads_few_segments),
		cmocka_unit_test(test_bound_parameters),
		cmocka_unit_test(test_malformed_sql),
		cmocka_unit_test(test_multi_capture),
		cmocka_unit_test(test_processes_and_drops),
		cmocka_unit_test(test_output_formats),
		cmocka_unit_test(test_export_sqlite),
		cmocka_unit_test(test_export_files),
		cmocka_unit_test(test_docs_in_step),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
