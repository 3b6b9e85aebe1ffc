// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: SQL over a capture (`ebpfrec query`, docs/sql.md). The
 * input is a capture, put in a memfd and opened by path through
 * ebr_sql__open, the entry `query` uses: the column model built from the
 * capture's own schema, the event tables (virtual tables over the cursor)
 * and the dimension tables. Statements are prepared with ebr_sql__prepare
 * (which fills the lazy dimension tables they read) and stepped to their
 * end, every column of every row read as its type and as text, so every
 * field of every record is decoded.
 *
 * A capture starts with a zstd skippable frame (first byte 0x5e): the
 * input's size picks one group of statements below and whether the file is
 * also opened a second time (several captures in one connection), so that
 * mutations keep their group unless they change the size. Any other first
 * byte picks the group (low 6 bits) and the second file (bit 7) itself;
 * the capture is the rest. Built as a unit test (EBR_FUZZ_REPLAY) the
 * target then runs every group on the input as well, so each committed
 * seed and regression goes through all of them.
 *
 * Besides memory errors, the target checks what must hold on any capture:
 * what the reader opens SQL opens too, a statement never fails, the JSON
 * the tables build is valid, and a comparison evaluated inside the virtual
 * table (pushed down: comparisons, ts and time windows, type sets) keeps
 * exactly the rows SQLite's own evaluation keeps (the unary + hides a
 * column from the planner), and an ORDER BY the table takes over comes out
 * in order.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ebpfrec/capture.h"
#include "ebpfrec/log.h"
#include "sql.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Rows read per statement at most, and SQLite VM steps (in units of PROGRESS_OPS): a big
 * capture must not turn one input into minutes of sorting; our own loops are not bounded by it. */
#define MAX_ROWS 50000
#define PROGRESS_OPS 10000
#define MAX_PROGRESS 5000
/* type tables scanned one by one: a hostile schema declares up to 1024 */
#define MAX_TYPE_TABLES 64

enum {
	ANY = 0, /* rows, or a SQLite error (a query the capture cannot answer: ok) */
	OK = 1, /* must not fail */
	FALSE = 2, /* must not fail; the first column of every row is 0 or NULL */
	ASC = 3, /* must not fail; the first column never decreases (NULL < integers < text) */
};

struct stmt {
	const char *sql;
	int check;
};

static const struct stmt g_scans[] = {
	{ "SELECT * FROM events", OK },
	{ "SELECT * FROM syscalls", OK },
	{ "SELECT * FROM execs", OK },
	{ "SELECT * FROM exits", OK },
	{ "SELECT * FROM forks", OK },
	{ "SELECT * FROM net", OK },
	{ "SELECT * FROM files", OK },
	{ "SELECT * FROM mem", OK },
	{ "SELECT * FROM custom", OK },
	{ NULL, 0 },
};

/* @types: every type table of the capture (the names come from its schema) */
static const struct stmt g_types[] = {
	{ "@types", OK },
	{ NULL, 0 },
};

static const struct stmt g_time[] = {
	{ "SELECT * FROM events WHERE ts >= (SELECT first_ts + (last_ts - first_ts) / 3 FROM capture) "
	  "AND ts <= (SELECT last_ts FROM capture)", OK },
	{ "SELECT ts, type, pid FROM events WHERE ts > 0 AND ts < 9223372036854775807", OK },
	{ "SELECT * FROM syscalls WHERE ts = (SELECT last_ts FROM capture)", OK },
	{ "SELECT ts FROM events WHERE ts BETWEEN 1.5 AND 1e19", OK },
	{ "SELECT ts FROM events WHERE ts > -1 AND ts <= 9223372036854775807 AND ts IS NOT NULL", OK },
	{ "SELECT ts FROM events WHERE ts IN (SELECT first_ts FROM segments) OR ts = 5", OK },
	{ "SELECT ts FROM events WHERE ts < 0 OR ts > 9223372036854775807 OR ts = NULL OR ts = 'x'", OK },
	{ "SELECT * FROM files WHERE time >= (SELECT start FROM capture) AND time < '2100-01-01T00:00:00.5Z'", OK },
	{ "SELECT time FROM events WHERE time = substr((SELECT start FROM capture), 1, 10)", OK },
	{ "SELECT time FROM events WHERE time > '1970-01-01T00' AND time <= '9999-12-31T23:59:60.999999999Z'", OK },
	{ "SELECT time FROM events WHERE time < '2026-13-45' OR time = NULL", OK },
	/* the windows keep what SQLite keeps: ts reads signed, time is NULL out of range */
	{ "SELECT (SELECT count(*) FROM events WHERE ts > 0) != (SELECT count(*) FROM events WHERE +ts > 0)", FALSE },
	{ "SELECT (SELECT count(*) FROM events WHERE ts < 0) != (SELECT count(*) FROM events WHERE +ts < 0)", FALSE },
	{ "SELECT (SELECT count(*) FROM events WHERE ts BETWEEN -5 AND 1e13) != "
	  "(SELECT count(*) FROM events WHERE +ts BETWEEN -5 AND 1e13)", FALSE },
	{ "SELECT (SELECT count(*) FROM events WHERE ts >= (SELECT first_ts + (last_ts - first_ts) / 2 FROM capture)) "
	  "!= (SELECT count(*) FROM events WHERE +ts >= (SELECT first_ts + (last_ts - first_ts) / 2 FROM capture))",
	  FALSE },
	{ "SELECT (SELECT count(*) FROM events WHERE ts = (SELECT max(first_ts) FROM segments) OR ts <= -1) != "
	  "(SELECT count(*) FROM events WHERE +ts = (SELECT max(first_ts) FROM segments) OR +ts <= -1)", FALSE },
	{ "SELECT (SELECT count(*) FROM events WHERE time >= (SELECT start FROM capture) AND time < '2554') != "
	  "(SELECT count(*) FROM events WHERE +time >= (SELECT start FROM capture) AND +time < '2554')", FALSE },
	{ "SELECT (SELECT count(*) FROM events WHERE time > '2262' OR time <= '2000-01-01T00:00:00.5') != "
	  "(SELECT count(*) FROM events WHERE +time > '2262' OR +time <= '2000-01-01T00:00:00.5')", FALSE },
	{ "SELECT (SELECT count(*) FROM events WHERE time <= '2584-01-01') != "
	  "(SELECT count(*) FROM events WHERE +time <= '2584-01-01')", FALSE },
	{ "SELECT ts FROM events ORDER BY ts", ASC },
	{ "SELECT time FROM events ORDER BY time", ASC },
	{ "SELECT ts FROM syscalls WHERE ts > 0 ORDER BY ts LIMIT 100", ASC },
	{ NULL, 0 },
};

static const struct stmt g_types_filter[] = {
	{ "SELECT * FROM events WHERE type IN ('exec', 'exit', 'fork', 'open', 'connect', 'widget', "
	  "'type_250')", OK },
	{ "SELECT * FROM events WHERE family = 'network'", OK },
	{ "SELECT ts, type, family FROM events WHERE family IN (SELECT family FROM event_types)", OK },
	{ "SELECT ts, type FROM events WHERE type IN (SELECT name FROM event_types WHERE events > 0)", OK },
	{ "SELECT * FROM net WHERE type = 'udp_send' OR type = 'connect'", OK },
	{ "SELECT ts FROM mem WHERE family = NULL OR type = x'00' OR host = 'nohost'", OK },
	{ "SELECT ts, host FROM events WHERE host IN (SELECT host FROM capture)", OK },
	{ "SELECT (SELECT count(*) FROM events WHERE type IN ('exec', 'open', 'type_250', 'widget')) != "
	  "(SELECT count(*) FROM events WHERE +type IN ('exec', 'open', 'type_250', 'widget'))", FALSE },
	{ "SELECT (SELECT count(*) FROM events WHERE family = 'network' OR family IS NULL) != "
	  "(SELECT count(*) FROM events WHERE +family = 'network' OR +family IS NULL)", FALSE },
	{ "SELECT (SELECT count(*) FROM mem WHERE family IN ('file', 'memory') AND type != 'brk') != "
	  "(SELECT count(*) FROM mem WHERE +family IN ('file', 'memory') AND +type != 'brk')", FALSE },
	{ NULL, 0 },
};

static const struct stmt g_limit[] = {
	{ "SELECT * FROM events LIMIT 7 OFFSET 3", OK },
	{ "SELECT * FROM events WHERE pid > 0 AND comm >= 'a' LIMIT 5", OK },
	{ "SELECT * FROM syscalls ORDER BY ts LIMIT 10", OK },
	{ "SELECT * FROM events WHERE type = 'exec' LIMIT 1", OK },
	{ "SELECT * FROM events LIMIT -1 OFFSET -5", OK },
	{ "SELECT * FROM events LIMIT 0", OK },
	{ "SELECT (SELECT count(*) FROM (SELECT ts FROM events WHERE pid >= 0 LIMIT 5 OFFSET 2)) != "
	  "min(5, max(0, (SELECT count(*) FROM events WHERE +pid >= 0) - 2))", FALSE },
	{ NULL, 0 },
};

static const struct stmt g_dims[] = {
	{ "SELECT * FROM processes", OK },
	{ "SELECT * FROM containers", OK },
	{ "SELECT * FROM drops", OK },
	{ "SELECT * FROM drops_by_type", OK },
	{ "SELECT * FROM capture", OK },
	{ "SELECT * FROM probes", OK },
	{ "SELECT * FROM segments", OK },
	{ "SELECT * FROM event_types", OK },
	{ "SELECT * FROM schema_columns", OK },
	{ NULL, 0 },
};

static const struct stmt g_joins[] = {
	{ "SELECT e.ts, e.filename, p.upid, p.exe, p.cmdline, p.parent_upid FROM execs e "
	  "JOIN processes p ON p.pid = e.pid AND p.capture = e.capture", OK },
	{ "WITH f AS MATERIALIZED (SELECT child_pid, ts, capture FROM forks) "
	  "SELECT x.pid, x.exit_code, x.signal_name, f.ts FROM exits x "
	  "LEFT JOIN f ON f.child_pid = x.pid AND f.capture = x.capture", OK },
	{ "SELECT c.container, c.pod_name, count(*) FROM events e LEFT JOIN containers c "
	  "ON c.cgroup = e.cgroup AND c.capture = e.capture GROUP BY 1, 2", OK },
	{ "SELECT s.first_ts, s.seq, count(e.ts) FROM segments s LEFT JOIN events e "
	  "ON e.ts = s.first_ts AND e.capture = s.capture GROUP BY 1, 2 LIMIT 64", OK },
	{ "SELECT t.name, t.sql_table, d.count FROM event_types t JOIN drops_by_type d "
	  "ON d.type_id = t.id AND d.capture = t.capture", OK },
	{ NULL, 0 },
};

static const struct stmt g_aggregates[] = {
	{ "SELECT type, family, count(*), min(ts), max(ts), sum(length(comm)), count(DISTINCT pid), "
	  "group_concat(DISTINCT severity), count(container) FROM events GROUP BY type, family", OK },
	{ "SELECT syscall, errno, count(*), avg(duration), max(ret), total(arg0) FROM syscalls "
	  "GROUP BY 1, 2 ORDER BY 3 DESC", OK },
	{ "SELECT af_name, protocol_name, saddr, daddr, sport, dport, sum(bytes_sent), "
	  "max(old_state_name), max(new_state_name), max(direction_name) FROM net GROUP BY 1, 2, 3, 4, 5, 6", OK },
	{ "SELECT op_name, ftype_name, open_flags_names, count(*), sum(count) FROM files GROUP BY 1, 2, 3", OK },
	{ "SELECT type, prot_names, map_flags_names, count(*), sum(len), sum(bytes_alloc) FROM mem "
	  "GROUP BY 1, 2, 3", OK },
	{ "WITH x AS MATERIALIZED (SELECT ts, pid, signal_name FROM exits), "
	  "c AS MATERIALIZED (SELECT ts, pid, errno FROM execs) "
	  "SELECT x.signal_name, c.errno, count(*) FROM events e LEFT JOIN x ON x.ts = e.ts AND x.pid = e.pid "
	  "LEFT JOIN c ON c.ts = e.ts AND c.pid = e.pid GROUP BY 1, 2", OK },
	{ NULL, 0 },
};

static const struct stmt g_order[] = {
	{ "SELECT ts, time, type, pid FROM events ORDER BY ts", OK },
	{ "SELECT ts, time, type, pid FROM events ORDER BY time DESC, pid", OK },
	{ "SELECT * FROM files ORDER BY filename, ts DESC LIMIT 50", OK },
	{ "SELECT * FROM execs ORDER BY ts LIMIT 3 OFFSET 1", OK },
	{ "SELECT count(*) FROM (SELECT ts FROM events ORDER BY ts) WHERE ts < 0", OK },
	{ NULL, 0 },
};

/* Comparisons the virtual table evaluates itself, against SQLite's (the + hides the column). */
static const struct stmt g_pushdown[] = {
	{ "SELECT * FROM events WHERE pid = 1 OR comm = 'bash'", OK },
	{ "SELECT * FROM events WHERE container IS NULL AND cgroup IS NOT NULL AND capture = 1", OK },
	{ "SELECT * FROM files WHERE ret < 0 AND filename != '' AND open_flags_names IS NOT NULL", OK },
	{ "SELECT * FROM syscalls WHERE nr >= 0 AND errno IS NOT NULL AND syscall > 'a'", OK },
	{ "SELECT * FROM events WHERE severity IN ('error', 'critical') OR severity = 'warning'", OK },
	{ "SELECT * FROM events WHERE tid IS 5 OR uid IS NOT 0 OR gid IS NULL", OK },
	{ "SELECT (SELECT count(*) FROM events WHERE pid > 100 AND comm < 'p' AND truncated = 0) != "
	  "(SELECT count(*) FROM events WHERE +pid > 100 AND +comm < 'p' AND +truncated = 0)", FALSE },
	{ "SELECT (SELECT count(*) FROM files WHERE ret < 0 AND filename >= '/' AND fd IS NOT NULL) != "
	  "(SELECT count(*) FROM files WHERE +ret < 0 AND +filename >= '/' AND +fd IS NOT NULL)", FALSE },
	{ "SELECT (SELECT count(*) FROM syscalls WHERE nr = 0 OR syscall = 'read') != "
	  "(SELECT count(*) FROM syscalls WHERE +nr = 0 OR +syscall = 'read')", FALSE },
	{ "SELECT (SELECT count(*) FROM events WHERE container IS NULL AND severity != 'info' AND uid <= 1000) != "
	  "(SELECT count(*) FROM events WHERE +container IS NULL AND +severity != 'info' AND +uid <= 1000)", FALSE },
	{ "SELECT (SELECT count(*) FROM exits WHERE signal_name IS NOT NULL AND exit_code != 0 AND cpu < 64) != "
	  "(SELECT count(*) FROM exits WHERE +signal_name IS NOT NULL AND +exit_code != 0 AND +cpu < 64)", FALSE },
	{ "SELECT (SELECT count(*) FROM net WHERE daddr = '127.0.0.1' OR dport = 9 OR af_name IS 'AF_INET6') != "
	  "(SELECT count(*) FROM net WHERE +daddr = '127.0.0.1' OR +dport = 9 OR +af_name IS 'AF_INET6')", FALSE },
	{ NULL, 0 },
};

/* The JSON the tables build (strings of a record, probes) is valid whatever the bytes. */
static const struct stmt g_json[] = {
	{ "SELECT count(*) FROM execs WHERE NOT json_valid(args)", FALSE },
	{ "SELECT count(*) FROM processes WHERE cmdline IS NOT NULL AND NOT json_valid(cmdline)", FALSE },
	{ "SELECT count(*) FROM capture WHERE NOT json_valid(probes)", FALSE },
	{ "SELECT json_group_array(json_object('a', json(args), 'f', filename, 'c', comm)) FROM execs", OK },
	{ NULL, 0 },
};

/* Through the result writers of `query` (every format), and the JSON Lines export. */
static const struct stmt g_output[] = {
	{ "@out SELECT * FROM events LIMIT 300", OK },
	{ "@out SELECT * FROM execs", OK },
	{ "@out SELECT * FROM capture", OK },
	{ "@export", OK },
	{ NULL, 0 },
};

/* Several captures: what only holds with two files (the same bytes twice here). */
static const struct stmt g_multi[] = {
	{ "SELECT capture, host, count(*) FROM events GROUP BY 1, 2", OK },
	{ "SELECT * FROM events WHERE capture = 2 ORDER BY ts LIMIT 100", OK },
	{ "SELECT a.ts, a.type FROM events a JOIN capture c ON c.id = a.capture "
	  "WHERE c.id = 1 AND a.capture IN (1, 2)", OK },
	{ "SELECT * FROM processes WHERE capture = 2", OK },
	{ "SELECT (SELECT count(*) FROM events WHERE capture = 2 AND pid >= 0) != "
	  "(SELECT count(*) FROM events WHERE +capture = 2 AND +pid >= 0)", FALSE },
	{ NULL, 0 },
};

static const struct stmt *const groups[] = {
	g_scans, g_types, g_time, g_types_filter, g_limit, g_dims, g_joins,
	g_aggregates, g_order, g_pushdown, g_json, g_output, g_multi,
};

#define N_GROUPS (sizeof(groups) / sizeof(groups[0]))

static int progress(void *arg)
{
	unsigned *n = arg;

	return ++*n > MAX_PROGRESS;
}

static void fail(const char *sql, const char *why)
{
	fprintf(stderr, "fuzz_sql: %s: %s\n", sql, why);
	abort();
}

/* SQLite's order of the first column of this row against the previous one's (kept in *prev). */
static int before_previous(sqlite3_stmt *st, sqlite3_value **prev)
{
	sqlite3_value *v = sqlite3_column_value(st, 0);
	int type = sqlite3_value_type(v), ptype, c = 0;
	static const int rank[] = { [SQLITE_NULL] = 0, [SQLITE_INTEGER] = 1, [SQLITE_FLOAT] = 1,
				    [SQLITE_TEXT] = 2, [SQLITE_BLOB] = 3 };

	if (*prev) {
		ptype = sqlite3_value_type(*prev);
		if (rank[type] != rank[ptype])
			c = rank[type] < rank[ptype];
		else if (type == SQLITE_INTEGER && ptype == SQLITE_INTEGER)
			c = sqlite3_value_int64(v) < sqlite3_value_int64(*prev);
		else if (type == SQLITE_TEXT)
			c = strcmp((const char *)sqlite3_value_text(v), (const char *)sqlite3_value_text(*prev)) < 0;
	}
	sqlite3_value_free(*prev);
	*prev = sqlite3_value_dup(v);
	return c;
}

/* Every row, every column: as its own type, then as text (which converts numbers). */
static int step_all(sqlite3_stmt *st, const char *sql, int check)
{
	int n = sqlite3_column_count(st), rc;
	sqlite3_value *prev = NULL;
	unsigned rows = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW && rows++ < MAX_ROWS) {
		if (check == ASC && n && before_previous(st, &prev)) {
			sqlite3_value_free(prev);
			fail(sql, "a row sorts before the previous one");
		}
		for (int i = 0; i < n; i++) {
			const unsigned char *t;
			const void *b;
			int len;

			switch (sqlite3_column_type(st, i)) {
			case SQLITE_INTEGER:
				if (check == FALSE && i == 0 && sqlite3_column_int64(st, i))
					fail(sql, "a check failed");
				break;
			case SQLITE_FLOAT:
				(void)sqlite3_column_double(st, i);
				break;
			case SQLITE_BLOB:
				b = sqlite3_column_blob(st, i);
				len = sqlite3_column_bytes(st, i);
				if (len && !b)
					fail(sql, "a blob without bytes");
				break;
			case SQLITE_TEXT:
				t = sqlite3_column_text(st, i);
				len = sqlite3_column_bytes(st, i);
				if (!t && len)
					fail(sql, "a text without bytes");
				break;
			default:
				break;
			}
			t = sqlite3_column_text(st, i);
			len = sqlite3_column_bytes(st, i);
			if (t && len)
				(void)memchr(t, 0, (size_t)len); /* every byte is readable */
		}
	}
	sqlite3_value_free(prev);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : rc;
}

static void run_stmt(struct ebr_sql *q, const char *sql, int check)
{
	const char *p = sql, *tail;
	sqlite3_stmt *st;
	int rc;

	while (*p) {
		rc = ebr_sql__prepare(q, p, &st, &tail);
		if (rc) {
			/* interrupted while filling a dimension table: big, not wrong */
			if (check != ANY && !strstr(ebr_sql__errmsg(q), "interrupt"))
				fail(sql, ebr_sql__errmsg(q));
			return;
		}
		p = tail;
		if (!st)
			continue;
		rc = step_all(st, sql, check);
		/* interrupted: the statement was big, not wrong */
		if (rc && rc != SQLITE_INTERRUPT && check != ANY)
			fail(sql, sqlite3_errmsg(ebr_sql__db(q)));
		sqlite3_finalize(st);
	}
}

/* The same statement through query's result writers, in every format. */
static void run_out(struct ebr_sql *q, const char *sql)
{
	for (int fmt = EBR_SQL_FMT_TABLE; fmt <= EBR_SQL_FMT_JSONL; fmt++) {
		struct ebr_sql_out *o = ebr_sql_out__new(sink(), (enum ebr_sql_format)fmt);
		sqlite3_stmt *st;
		char *msg = NULL;
		int64_t rows;
		int all_true;

		if (!o)
			return;
		if (ebr_sql__prepare(q, sql, &st, NULL) || !st) {
			ebr_sql_out__free(o);
			if (strstr(ebr_sql__errmsg(q), "interrupt"))
				return;
			fail(sql, ebr_sql__errmsg(q));
		}
		rows = ebr_sql__run(st, o, &all_true, &msg);
		if (rows < 0 && !(msg && strstr(msg, "interrupt")))
			fail(sql, msg ? msg : "cannot write the result");
		sqlite3_free(msg);
		sqlite3_finalize(st);
		ebr_sql_out__free(o);
	}
}

static void run_type_tables(struct ebr_sql *q)
{
	static const char *list = "SELECT DISTINCT table_name FROM schema_columns WHERE kind = 'type'";
	sqlite3_stmt *st;
	char *names[MAX_TYPE_TABLES];
	size_t n = 0;

	if (ebr_sql__prepare(q, list, &st, NULL) || !st)
		fail(list, ebr_sql__errmsg(q)); /* schema_columns is filled at open */
	while (n < MAX_TYPE_TABLES && sqlite3_step(st) == SQLITE_ROW)
		names[n++] = sqlite3_mprintf("SELECT * FROM \"%w\"", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	for (size_t i = 0; i < n; i++) {
		if (names[i])
			run_stmt(q, names[i], OK);
		sqlite3_free(names[i]);
	}
}

static void run_group(struct ebr_sql *q, const struct stmt *g)
{
	unsigned steps = 0;

	sqlite3_progress_handler(ebr_sql__db(q), PROGRESS_OPS, progress, &steps);
	for (; g->sql; g++) {
		steps = 0;
		if (!strcmp(g->sql, "@types"))
			run_type_tables(q);
		else if (!strncmp(g->sql, "@out ", 5))
			run_out(q, g->sql + 5);
		else if (!strcmp(g->sql, "@export"))
			ebr_sql__export_jsonl_stream(q, sink(), NULL);
		else
			run_stmt(q, g->sql, g->check);
	}
	sqlite3_progress_handler(ebr_sql__db(q), 0, NULL, NULL);
}

/* group: an index into groups, or -1 for all of them. */
static void exercise(const char *path, int group, int twice)
{
	const char *paths[2] = { path, path };
	struct ebr_sql *q = ebr_sql__open(paths, twice ? 2 : 1, NULL);

	if (!q) {
		/* what the reader opens, SQL opens: a schema, a name or a table never makes it refuse */
		struct ebr_reader *r = ebr_reader__open(path);

		if (r) {
			ebr_reader__close(r);
			fail("ebr_sql__open", "refused a capture the reader opens");
		}
		return; /* not a capture: fuzz_reader's concern */
	}
	for (size_t i = 0; i < N_GROUPS; i++)
		if (group < 0 || (size_t)group == i)
			run_group(q, groups[i]);
	ebr_sql__close(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	int group, twice;

	if (fd < 0) {
		fd = memfd_create("capture", 0);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		ebr_set_log(quiet, NULL);
	}
	if (size && data[0] != 0x5e) {
		group = (int)((data[0] & 0x3f) % N_GROUPS);
		twice = data[0] >> 7;
		data++;
		size--;
	} else {
		group = (int)(size % N_GROUPS);
		twice = (int)(size / N_GROUPS % 2);
	}
	if (ftruncate(fd, 0) || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	exercise(path, group, twice);
#ifdef EBR_FUZZ_REPLAY
	exercise(path, -1, 0);
	exercise(path, (int)N_GROUPS - 1, 1);
#endif
	return 0;
}
