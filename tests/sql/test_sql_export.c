// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * export --sqlite on the built-in syscall and file families (replay/sql_export*.c):
 * the views of the exported database give exactly what the query tables
 * give, although the physical tables store names as numbers (value_names),
 * severity as its level and the thread's context once (contexts). Two
 * captures of different architectures, so names are per capture; one and
 * two threads write the same database.
 */
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
#include "ebpfrec/log.h"
#include "ebpfrec/record_builder.h"
#include "ebpfrec/schema.h"
#include "events.h"
#include "layout.h"
#include "sql.h"

static char dir[64], cap_a[128], cap_b[128];

static void quiet_log(enum ebr_log_level level, const char *msg, void *ctx)
{
	(void)level;
	(void)msg;
	(void)ctx;
}

static void header(struct ebr_event_header *h, uint16_t type, uint64_t ts, uint32_t pid, uint32_t tid,
		   const char *comm, size_t comm_len, uint32_t uid)
{
	h->ts = ts;
	h->type = type;
	h->cpu = (uint16_t)(ts % 2);
	h->pid = pid;
	h->tid = tid;
	h->ppid = 1;
	h->uid = uid;
	h->gid = uid;
	h->pidns = 4026531836u;
	h->mntns = 4026531841u;
	h->cgroup_id = 77;
	memcpy(h->comm, comm, comm_len < EBR_COMM_LEN ? comm_len : EBR_COMM_LEN);
	if (ts % 11 == 0)
		h->flags |= EBR_HDR_TRUNCATED;
}

/*
 * Calls that succeed and fail (known errnos, an errno no table names, a
 * huge negative), syscall numbers known and not, and threads whose context
 * changes: an exec renames one, a setuid changes another, a comm of 16
 * bytes with no NUL, and one with bytes after its NUL (the same comm).
 */
static void add_events(struct ebr_buf *b, uint64_t t0, uint32_t seed)
{
	static const int64_t rets[] = { 0, 3, -2, -13, -4000, -5000, INT64_MIN, 1 << 20 };
	static const uint32_t nrs[] = { 0, 1, 2, 59, 257, 9999 };
	static const char *const paths[] = { "/etc/passwd", "/tmp/we\"ird,\nname", "" };
	uint64_t ts = t0;

	for (unsigned i = 0; i < 600; i++) {
		uint32_t pid = 500 + (i + seed) % 5, tid = pid + (i % 3 == 0);
		const char *comm = i < 300 ? "make" : "cc1";
		size_t comm_len = strlen(comm);
		uint32_t uid = i % 97 < 50 ? 0 : 1000;
		size_t off;

		ts += 1000 + (i * 7919 + seed) % 5000;
		if (pid == 503) {
			comm = "sixteen-bytes-xx";
			comm_len = 16;
		} else if (pid == 504) {
			comm = "ls\0garbage";
			comm_len = 10;
		}
		if (i % 4 != 3) {
			struct ebr_syscall_event *e;

			off = ebr_rec__begin(b, sizeof(*e));
			e = ebr_rec__at(b, off);
			header(&e->hdr, EBR_T_SYSCALL, ts, pid, tid, comm, comm_len, uid);
			e->ret = rets[(i + seed) % 8];
			e->duration_ns = 100 + i;
			e->nr = nrs[(i / 2 + seed) % 6];
			for (int k = 0; k < 6; k++)
				e->args[k] = (uint64_t)i * 0x100000001ULL + (uint64_t)k;
			e->args[5] = UINT64_MAX - i;
			e->flags = i % 2;
			ebr_rec__end(b, off);
		} else {
			struct ebr_file_event *e;
			static const uint16_t types[] = { EBR_T_OPEN, EBR_T_READ, EBR_T_WRITE, EBR_T_CLOSE };
			uint16_t type = types[(i / 4) % 4];

			off = ebr_rec__begin(b, sizeof(*e));
			e = ebr_rec__at(b, off);
			header(&e->hdr, type, ts, pid, tid, comm, comm_len, uid);
			e->ret = (i / 4) % 5 == 0 ? -2 : (int64_t)(i % 100);
			e->duration_ns = 50 + i;
			e->offset = (i / 4) % 3 == 0 ? -1 : (int64_t)i * 4096;
			e->count = i * 10;
			e->ino = 1000 + i % 7;
			e->dev = 0x801;
			e->fd = (int32_t)(3 + i % 5);
			e->flags = (uint32_t)((i % 3) | (i % 2 ? 0100 | 01000000 : 0));
			e->mode = 0644;
			e->op = (uint16_t)(type == EBR_T_OPEN ? EBR_FILE_OP_OPEN : type == EBR_T_READ ? EBR_FILE_OP_PREAD
					   : type == EBR_T_WRITE ? EBR_FILE_OP_WRITEV : EBR_FILE_OP_CLOSE);
			e->ftype = (uint16_t)(i % 2 ? 8 : 12);
			ebr_rec__add_str(b, off, offsetof(struct ebr_file_event, filename), paths[i % 3],
					 strlen(paths[i % 3]));
			ebr_rec__end(b, off);
		}
		if (i % 100 == 7) {
			/* types no schema describes: other_rows, type_900; past EBR_T_MAX: in no table */
			struct ebr_event_header *h;

			off = ebr_rec__begin(b, sizeof(*h) + 8);
			h = ebr_rec__at(b, off);
			header(h, i % 200 == 7 ? 900 : 1500, ts + 2, pid, tid, comm, comm_len, uid);
			ebr_rec__end(b, off);
		}
		if (i == 250) {
			/* an exec in between: a process family row too */
			struct ebr_exec_event *x;

			off = ebr_rec__begin(b, sizeof(*x));
			x = ebr_rec__at(b, off);
			header(&x->hdr, EBR_T_EXEC, ts + 1, pid, pid, "cc1", 3, uid);
			ebr_rec__add_str(b, off, offsetof(struct ebr_exec_event, filename), "/usr/bin/cc1", 12);
			ebr_rec__end(b, off);
		}
	}
}

static int write_capture(const char *path, const char *machine, const char *host, uint64_t t0, uint32_t seed)
{
	struct ebr_writer_opts wo = { .sz = sizeof(wo), .force = 1, .host = host, .kernel_release = "6.1.0-test",
				      .kernel_version = "#1 test", .machine = machine, .ncpus = 2,
				      .created_wall_ns = t0 + 1700000000000000000ULL,
				      .boot_to_wall_ns = 1700000000000000000LL };
	struct ebr_writer *w = ebr_writer__open(path, &wo);
	struct ebr_buf b = {0};
	void *schema;
	size_t len;
	int err;

	if (!w)
		return -errno;
	err = ebr_schema__serialize(ebr_schema__builtin(), &schema, &len);
	if (!err) {
		err = ebr_writer__add_meta(w, EBR_META_SCHEMA, schema, len);
		free(schema);
	}
	for (int s = 0; !err && s < 3; s++) {
		b.len = 0;
		add_events(&b, t0 + (uint64_t)s * 100000000ULL, seed + (uint32_t)s);
		err = b.err ? b.err : ebr_writer__add_segment(w, b.p, b.len, NULL, 0);
	}
	ebr_buf__free(&b);
	if (err) {
		ebr_writer__abandon(w);
		return err;
	}
	return ebr_writer__close(w);
}

static int setup(void **state)
{
	(void)state;
	ebr_set_log(quiet_log, NULL);
	snprintf(dir, sizeof(dir), "/tmp/ebr-sqlx-test-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(cap_a, sizeof(cap_a), "%s/a.ebc", dir);
	snprintf(cap_b, sizeof(cap_b), "%s/b.ebc", dir);
	if (write_capture(cap_a, "x86_64", "alpha", 5000000000ULL, 1) ||
	    write_capture(cap_b, "aarch64", "beta", 8000000000ULL, 2))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Every row of a statement as text, values tagged with their type. */
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
			case SQLITE_TEXT:
				fprintf(f, "t%d:", sqlite3_column_bytes(st, i));
				fwrite(sqlite3_column_text(st, i), 1, (size_t)sqlite3_column_bytes(st, i), f);
				fputc('|', f);
				break;
			case SQLITE_BLOB:
				fprintf(f, "b%d|", sqlite3_column_bytes(st, i));
				break;
			case SQLITE_FLOAT:
				fprintf(f, "f%.17g|", sqlite3_column_double(st, i));
				break;
			default:
				fputs("n|", f);
				break;
			}
		}
		fputc('\n', f);
	}
	if (rc != SQLITE_DONE)
		fprintf(f, "ERROR %s\n", sqlite3_errmsg(sqlite3_db_handle(st)));
	fclose(f);
	return buf;
}

static char *dump_q(struct ebr_sql *q, const char *sql)
{
	sqlite3_stmt *st = NULL;
	char *s;

	if (ebr_sql__prepare(q, sql, &st, NULL) || !st)
		fail_msg("prepare failed: %s\n  %s", ebr_sql__errmsg(q), sql);
	s = dump_stmt(st);
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

static void same(struct ebr_sql *q, sqlite3 *db, const char *sql)
{
	char *a = dump_q(q, sql), *b = dump_db(db, sql);

	if (strcmp(a, b)) {
		size_t k = 0;

		while (a[k] && a[k] == b[k])
			k++;
		fail_msg("exported db differs for %s at byte %zu:\n  capture: %.300s\n  db:      %.300s", sql, k,
			 a + (k > 100 ? k - 100 : 0), b + (k > 100 ? k - 100 : 0));
	}
	assert_true(strlen(a) > 0);
	free(a);
	free(b);
}

static int64_t db_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static sqlite3 *export_to(struct ebr_sql *q, const char *name, int threads)
{
	struct ebr_sql_export_opts o = { .sz = sizeof(o), .force = 1, .threads = threads };
	struct ebr_sql_export_stats st;
	char path[256];
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(ebr_sql__export_sqlite(q, path, &o, &st), 0);
	assert_int_equal(st.events, 2 * 3 * (600 + 1 + 3));
	assert_int_equal(st.threads, threads);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	return db;
}

static void test_export_syscalls_files(void **state)
{
	static const char *const queries[] = {
		"SELECT * FROM syscalls",
		"SELECT * FROM files",
		"SELECT * FROM syscall",
		"SELECT * FROM open",
		"SELECT * FROM read",
		"SELECT * FROM write",
		"SELECT * FROM close",
		"SELECT * FROM execs",
		"SELECT * FROM events ORDER BY capture, ts, type",
		"SELECT capture, syscall, errno, severity, count(*) FROM syscalls GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
		"SELECT host, comm, tid, uid, count(*) FROM events GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
		"SELECT * FROM files WHERE type = 'read' AND errno = 'ENOENT'",
		"SELECT ts, type, pid FROM events WHERE type = 'close' AND capture = 2 ORDER BY ts",
		"SELECT * FROM syscalls WHERE syscall = 'openat' OR nr = 9999",
		"SELECT * FROM files WHERE comm = 'sixteen-bytes-xx' AND open_flags_names LIKE '%CREAT%'",
		"SELECT type, severity, truncated, count(*) FROM events GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
		"SELECT * FROM events WHERE type IN ('type_900', 'type_1500') ORDER BY capture, ts",
	};
	const char *paths[] = { cap_a, cap_b };
	struct ebr_sql *q = ebr_sql__open(paths, 2, NULL);
	sqlite3 *db1, *db2;
	char *plan, *a, *b;

	(void)state;
	assert_non_null(q);
	db1 = export_to(q, "one.db", 1);
	db2 = export_to(q, "two.db", 2);
	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		same(q, db1, queries[i]);
		same(q, db2, queries[i]);
	}
	/* the names differ by architecture: openat is 257 on x86_64, 56 on aarch64 */
	a = dump_db(db1, "SELECT DISTINCT capture, syscall FROM syscalls WHERE nr = 257 ORDER BY 1");
	assert_string_equal(a, "i1|t6:openat|\ni2|n|\n");
	free(a);
	assert_true(db_int(db1, "SELECT count(*) FROM events WHERE truncated = 1 AND severity = 'warning'") > 0);
	assert_int_equal(db_int(db1, "SELECT count(*) FROM other_rows WHERE type = 'type_900'"), 2 * 3 * 3);
	assert_int_equal(db_int(db1, "SELECT count(*) FROM events WHERE type = 'type_1500'"), 0);
	/* an errno no table names is NULL, as in the capture */
	assert_int_equal(db_int(db1, "SELECT count(*) FROM syscalls WHERE ret IN (-4000, -5000) AND errno IS NULL"),
			 db_int(db1, "SELECT count(*) FROM syscalls WHERE ret IN (-4000, -5000)"));
	/* names are stored once, contexts once: 5 pids x 2 tids x 2 comms x 2 uids at most, per capture */
	assert_true(db_int(db1, "SELECT count(*) FROM contexts") <= 2 * 5 * 2 * 2 * 2);
	assert_int_equal(db_int(db1, "SELECT count(*) FROM contexts WHERE comm = 'ls'"),
			 db_int(db1, "SELECT count(DISTINCT capture || '/' || tid || '/' || uid) FROM contexts WHERE comm = 'ls'"));
	assert_int_equal(db_int(db1, "SELECT count(*) FROM pragma_table_info('syscall_rows') WHERE name IN "
				     "('comm', 'errno', 'syscall', 'severity', 'uid')"),
			 0);
	/* one and two threads write the same rows */
	a = dump_db(db1, "SELECT * FROM syscall_rows");
	b = dump_db(db2, "SELECT * FROM syscall_rows");
	assert_string_equal(a, b);
	free(a);
	free(b);
	/* the indexes serve type, ts and pid through the views */
	plan = dump_db(db1, "EXPLAIN QUERY PLAN SELECT * FROM files WHERE type = 'read'");
	assert_non_null(strstr(plan, "file_rows_type"));
	free(plan);
	plan = dump_db(db1, "EXPLAIN QUERY PLAN SELECT * FROM events WHERE type = 'read'");
	assert_non_null(strstr(plan, "file_rows_type"));
	assert_non_null(strstr(plan, "syscall_rows_type"));
	free(plan);
	plan = dump_db(db1, "EXPLAIN QUERY PLAN SELECT * FROM syscalls WHERE ts BETWEEN 5000000000 AND 5000100000");
	assert_non_null(strstr(plan, "syscall_rows_ts"));
	free(plan);
	plan = dump_db(db1, "EXPLAIN QUERY PLAN SELECT count(*) FROM read WHERE pid = 502");
	assert_non_null(strstr(plan, "file_rows_pid"));
	free(plan);
	sqlite3_close(db1);
	sqlite3_close(db2);
	ebr_sql__close(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_export_syscalls_files),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
