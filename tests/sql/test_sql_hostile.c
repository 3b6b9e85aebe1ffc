// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * SQL over captures whose schema and tables are legal but hostile (what
 * fuzz_sql found, as exact tests): names that differ only in case from
 * ours, schemas with more fields than SQLite takes columns, a cgroup table
 * naming a cgroup twice. Each capture must open and answer exactly.
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

#define HOSTILE_ID 300 /* our extra types' ids, in the custom range */
#define REC_PAYLOAD 4096 /* bytes after the header in every extra type's records */

static char dir[64];
static char warnings[4096];

static void log_warnings(enum ebr_log_level level, const char *msg, void *ctx)
{
	(void)ctx;
	if (level <= EBR_LOG_WARN && strlen(warnings) + strlen(msg) + 2 < sizeof(warnings)) {
		strcat(warnings, msg);
		strcat(warnings, "\n");
	}
}

struct cgroup_row {
	uint64_t id;
	const char *container;
};

/*
 * A capture with this build's schema plus n_types extra custom types
 * (names[i], fields given), one record of each extra type (payload byte k
 * = k % 251 + 1) and one exec per cgroup of the table.
 */
static void write_capture(const char *path, const char *const *names, size_t n_types,
			  const struct ebr_field *fields, uint32_t n_fields, const struct cgroup_row *cgs,
			  size_t n_cgs)
{
	struct ebr_writer_opts wo = { .sz = sizeof(wo), .force = 1, .host = "hostile", .machine = "x86_64",
				      .boot_to_wall_ns = 1700000000000000000LL };
	struct ebr_type *types = calloc(n_types, sizeof(*types));
	uint64_t drops[EBR_DROP_NR] = {0};
	struct ebr_buf b = {0};
	struct ebr_writer *w;
	struct ebr_schema *s;
	void *buf;
	size_t len;

	assert_non_null(types);
	for (size_t i = 0; i < n_types; i++)
		types[i] = (struct ebr_type){ .name = names[i], .family_name = "custom",
					      .id = (uint16_t)(HOSTILE_ID + i), .family = EBR_FAM_CUSTOM,
					      .fixed_size = sizeof(struct ebr_event_header) + REC_PAYLOAD,
					      .n_fields = n_fields, .fields = fields };
	s = ebr_schema__extend(ebr_schema__builtin(), types, n_types);
	free(types);
	assert_non_null(s);
	assert_int_equal(ebr_schema__serialize(s, &buf, &len), 0);
	ebr_schema__free(s);
	w = ebr_writer__open(path, &wo);
	assert_non_null(w);
	assert_int_equal(ebr_writer__add_meta(w, EBR_META_SCHEMA, buf, len), 0);
	free(buf);
	for (size_t i = 0; i < n_cgs; i++) {
		size_t off = ebr_rec__begin(&b, sizeof(struct ebr_cgroup_info));
		struct ebr_cgroup_info *c = ebr_rec__at(&b, off);

		c->hdr.type = EBR_T_CGROUP_INFO;
		c->hdr.cgroup_id = cgs[i].id;
		ebr_rec__add_str(&b, off, offsetof(struct ebr_cgroup_info, path), "/system.slice/x.scope", 21);
		ebr_rec__add_str(&b, off, offsetof(struct ebr_cgroup_info, container_id), cgs[i].container,
				 strlen(cgs[i].container));
		ebr_rec__add_str(&b, off, offsetof(struct ebr_cgroup_info, runtime), "docker", 6);
		ebr_rec__end(&b, off);
	}
	if (n_cgs) {
		assert_int_equal(b.err, 0);
		assert_int_equal(ebr_writer__add_meta(w, EBR_META_CGROUPS, b.p, b.len), 0);
	}
	b.len = 0;
	for (size_t i = 0; i < n_types; i++) {
		size_t off = ebr_rec__begin(&b, sizeof(struct ebr_event_header) + REC_PAYLOAD);
		struct ebr_event_header *h = ebr_rec__at(&b, off);
		uint8_t *p = (uint8_t *)(h + 1);

		h->ts = 1000 + i;
		h->type = (uint16_t)(HOSTILE_ID + i);
		h->pid = 7;
		for (size_t k = 0; k < REC_PAYLOAD; k++)
			p[k] = (uint8_t)(k % 251 + 1);
		ebr_rec__end(&b, off);
	}
	for (size_t i = 0; i < n_cgs; i++) {
		size_t off = ebr_rec__begin(&b, sizeof(struct ebr_exec_event));
		struct ebr_exec_event *e = ebr_rec__at(&b, off);

		e->hdr.ts = 2000 + i;
		e->hdr.type = EBR_T_EXEC;
		e->hdr.pid = 8;
		e->hdr.cgroup_id = cgs[i].id;
		ebr_rec__end(&b, off);
	}
	assert_int_equal(b.err, 0);
	assert_int_equal(ebr_writer__add_segment(w, b.p, b.len, drops, EBR_DROP_NR), 0);
	ebr_buf__free(&b);
	assert_int_equal(ebr_writer__close(w), 0);
}

static struct ebr_sql *open_sql(const char *path)
{
	struct ebr_sql *q = ebr_sql__open(&path, 1, NULL);

	assert_non_null(q);
	return q;
}

/* The first column of the first row as an integer; -1 on an error or no row. */
static int64_t q_int(struct ebr_sql *q, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (ebr_sql__prepare(q, sql, &st, NULL) || !st)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The same as text (static buffer); "" on an error, "NULL" for NULL. */
static const char *q_text(struct ebr_sql *q, const char *sql)
{
	static char out[512];
	sqlite3_stmt *st;

	out[0] = 0;
	if (ebr_sql__prepare(q, sql, &st, NULL) || !st)
		return out;
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(out, sizeof(out), "%s",
			 sqlite3_column_type(st, 0) == SQLITE_NULL ? "NULL" : (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out;
}

#define U8(n, off) { n, EBR_FK_U8, EBR_FH_NONE, (uint32_t)(sizeof(struct ebr_event_header) + (off)), 1 }

/*
 * SQL names ignore ASCII case. A type named EVENTS once made CREATE VIRTUAL
 * TABLE fail (events exists), a field PID or a pair ts0/TS0 made a table
 * with a duplicate column: either way the capture could not be opened.
 */
static void test_names_differing_in_case(void **state)
{
	static const struct ebr_field fields[] = {
		U8("PID", 0), U8("ts0", 1), U8("TS0", 2), U8("Container", 3), U8("x", 4),
	};
	static const char *const names[] = { "EVENTS", "Processes", "Exec" };
	char path[128];
	struct ebr_sql *q;

	(void)state;
	snprintf(path, sizeof(path), "%s/case.ebc", dir);
	write_capture(path, names, 3, fields, 5, NULL, 0);
	q = open_sql(path);
	/* the types keep their names in `type`; their tables are named by id */
	assert_string_equal(q_text(q, "SELECT group_concat(sql_table, ' ') FROM (SELECT sql_table FROM event_types "
				     "WHERE id >= 300 ORDER BY id)"),
			    "type_300 type_301 type_302");
	assert_string_equal(q_text(q, "SELECT group_concat(type, ' ') FROM (SELECT type FROM custom ORDER BY ts)"),
			    "EVENTS Processes Exec");
	/* PID is not pid, Container not container: field_ columns; TS0 is the column ts0 */
	assert_string_equal(q_text(q, "SELECT group_concat(column_name, ' ') FROM (SELECT column_name FROM "
				     "schema_columns WHERE table_name = 'type_300' AND position BETWEEN 14 AND 17 "
				     "ORDER BY position)"),
			    "field_PID ts0 field_Container x");
	assert_int_equal(q_int(q, "SELECT count(*) FROM schema_columns WHERE table_name = 'type_300'"), 14 + 4 + 5);
	/* a column shows the field it was made from: ts0 is byte 1 (value 2), not TS0's */
	assert_int_equal(q_int(q, "SELECT field_PID * 1000000 + ts0 * 10000 + field_Container * 100 + x "
				  "FROM type_300"),
			 1 * 1000000 + 2 * 10000 + 4 * 100 + 5);
	assert_int_equal(q_int(q, "SELECT pid FROM type_301"), 7);
	assert_int_equal(q_int(q, "SELECT count(*) FROM events"), 3);
	assert_int_equal(q_int(q, "SELECT count(*) FROM exec"), 0); /* the builtin exec table is ours */
	ebr_sql__close(q);
	unlink(path);
}

/*
 * A schema may declare 4096 fields per type; SQLite refuses tables of more
 * than 2000 columns, which made the capture unreadable, and a family table
 * merging thousands of fields per type took the square of their number. A
 * table keeps its first 1000 own columns, all tables 20000 together (each
 * at least 64), with one warning.
 */
static void test_more_fields_than_columns(void **state)
{
	enum { N_FIELDS = 1500, N_TYPES = 24 };
	struct ebr_field *fields = calloc(N_FIELDS, sizeof(*fields));
	char (*fnames)[16] = calloc(N_FIELDS, 16), (*tnames)[16] = calloc(N_TYPES, 16);
	const char *names[N_TYPES];
	char path[128];
	struct ebr_sql *q;
	int64_t exec_cols;

	(void)state;
	assert_non_null(fields);
	assert_non_null(fnames);
	assert_non_null(tnames);
	for (unsigned k = 0; k < N_FIELDS; k++) {
		snprintf(fnames[k], 16, "f%04u", k);
		fields[k] = (struct ebr_field){ fnames[k], EBR_FK_U8, EBR_FH_NONE,
						(uint32_t)(sizeof(struct ebr_event_header) + k), 1 };
	}
	for (unsigned i = 0; i < N_TYPES; i++) {
		snprintf(tnames[i], 16, "wide%u", i);
		names[i] = tnames[i];
	}
	snprintf(path, sizeof(path), "%s/wide.ebc", dir);
	write_capture(path, names, N_TYPES, fields, N_FIELDS, NULL, 0);
	warnings[0] = 0;
	ebr_set_log(log_warnings, NULL);
	q = open_sql(path);
	ebr_set_log(NULL, NULL);
	assert_non_null(strstr(warnings, "more columns than kept (1000 per table, 20000 in all)"));
	/* the family table: its common columns and the first 1000 fields */
	assert_int_equal(q_int(q, "SELECT count(*) FROM schema_columns WHERE table_name = 'custom'"), 19 + 1000);
	assert_int_equal(q_int(q, "SELECT sum(f0999) FROM custom"), N_TYPES * (999 % 251 + 1));
	assert_int_equal(q_int(q, "SELECT count(*) FROM schema_columns WHERE column_name = 'f1000'"), 0);
	assert_int_equal(q_int(q, "SELECT max(n) FROM (SELECT count(*) - 19 AS n FROM schema_columns "
				  "WHERE kind != 'dimension' GROUP BY table_name)"),
			 1000);
	/* together at most 20000, but no table under 64 (or under what its type has) */
	assert_true(q_int(q, "SELECT sum(n) FROM (SELECT count(*) - 19 AS n FROM schema_columns "
			     "WHERE kind != 'dimension' GROUP BY table_name HAVING n > 64)") <= 20000);
	assert_int_equal(q_int(q, "SELECT min(n) FROM (SELECT count(*) - 19 AS n FROM schema_columns "
				  "WHERE table_name LIKE 'wide%' GROUP BY table_name)"),
			 64);
	assert_int_equal(q_int(q, "SELECT f0063 FROM wide23"), 63 + 1);
	/* this build's types keep every column */
	ebr_sql__close(q);
	write_capture(path, names, 0, fields, 0, NULL, 0);
	q = open_sql(path);
	exec_cols = q_int(q, "SELECT count(*) FROM schema_columns WHERE table_name = 'exec'");
	ebr_sql__close(q);
	write_capture(path, names, N_TYPES, fields, N_FIELDS, NULL, 0);
	ebr_set_log(log_warnings, NULL);
	q = open_sql(path);
	ebr_set_log(NULL, NULL);
	assert_true(exec_cols > 19);
	assert_int_equal(q_int(q, "SELECT count(*) FROM schema_columns WHERE table_name = 'exec'"), exec_cols);
	assert_int_equal(q_int(q, "SELECT count(*) FROM events"), N_TYPES);
	ebr_sql__close(q);
	unlink(path);
	free(fields);
	free(fnames);
	free(tnames);
}

/*
 * A cgroup named twice in the capture's cgroup table (a damaged or merged
 * capture) made filling `containers` fail on its unique index, so every
 * query reading it failed. One row per cgroup, agreeing with `container`.
 */
static void test_cgroup_named_twice(void **state)
{
	static const struct cgroup_row cgs[] = {
		{ 1000, "aaaaaaaaaaaa" }, { 1001, "" }, { 1000, "bbbbbbbbbbbb" },
	};
	char path[128];
	struct ebr_sql *q;

	(void)state;
	snprintf(path, sizeof(path), "%s/cgroups.ebc", dir);
	write_capture(path, NULL, 0, NULL, 0, cgs, 3);
	q = open_sql(path);
	assert_int_equal(q_int(q, "SELECT count(*) FROM containers"), 2);
	assert_int_equal(q_int(q, "SELECT count(*) FROM containers WHERE cgroup = 1000"), 1);
	assert_int_equal(q_int(q, "SELECT count(*) FROM containers c JOIN exec e ON e.cgroup = c.cgroup "
				  "WHERE c.container IS e.container"),
			 3);
	assert_int_equal(q_int(q, "SELECT count(DISTINCT container) FROM exec WHERE cgroup = 1000"), 1);
	assert_int_equal(q_int(q, "SELECT count(*) FROM containers WHERE cgroup = 1001 AND container IS NULL"), 1);
	ebr_sql__close(q);
	unlink(path);
}

/*
 * A forked process starts with its parent's exe and cmdline, so every fork
 * record copied them: 64 KiB of arguments (384 KiB as JSON) and a few
 * thousand forks, in a capture of 30 KiB, took gigabytes. The rows' text
 * has a budget of 64 MiB (or 64 times the file); past it the text is NULL.
 */
static void test_forks_copying_a_huge_cmdline(void **state)
{
	enum { N_FORKS = 1000, ARGS = 60000 };
	struct ebr_writer_opts wo = { .sz = sizeof(wo), .force = 1, .host = "hostile" };
	uint64_t drops[EBR_DROP_NR] = {0};
	struct ebr_buf b = {0};
	struct ebr_writer *w;
	char path[128], *args = malloc(ARGS);
	struct ebr_sql *q;
	int64_t json_len, with_text;
	size_t off;

	(void)state;
	assert_non_null(args);
	memset(args, 1, ARGS); /* each byte is 6 in JSON: \u0001 */
	snprintf(path, sizeof(path), "%s/forks.ebc", dir);
	w = ebr_writer__open(path, &wo);
	assert_non_null(w);
	off = ebr_rec__begin(&b, sizeof(struct ebr_exec_event));
	((struct ebr_exec_event *)ebr_rec__at(&b, off))->hdr =
		(struct ebr_event_header){ .ts = 1, .type = EBR_T_EXEC, .pid = 1 };
	ebr_rec__add_str(&b, off, offsetof(struct ebr_exec_event, args), args, ARGS);
	ebr_rec__end(&b, off);
	free(args);
	for (unsigned i = 0; i < N_FORKS; i++) {
		struct ebr_fork_event *f;

		off = ebr_rec__begin(&b, sizeof(*f));
		f = ebr_rec__at(&b, off);
		f->hdr = (struct ebr_event_header){ .ts = 2 + i, .type = EBR_T_FORK, .pid = 1 };
		f->child_pid = f->child_tid = 2 + i;
		ebr_rec__end(&b, off);
	}
	assert_int_equal(b.err, 0);
	assert_int_equal(ebr_writer__add_segment(w, b.p, b.len, drops, EBR_DROP_NR), 0);
	ebr_buf__free(&b);
	assert_int_equal(ebr_writer__close(w), 0);

	warnings[0] = 0;
	ebr_set_log(log_warnings, NULL);
	q = open_sql(path);
	assert_int_equal(q_int(q, "SELECT count(*) FROM processes"), 1 + N_FORKS);
	ebr_set_log(NULL, NULL);
	assert_non_null(strstr(warnings, "exceed 64 MiB; the rest are NULL in the processes table"));
	json_len = q_int(q, "SELECT length(cmdline) FROM processes WHERE pid = 1");
	assert_int_equal(json_len, 2 + 6 * ARGS + 2); /* ["\u0001...\u0001"] */
	with_text = q_int(q, "SELECT count(*) FROM processes WHERE cmdline IS NOT NULL");
	/* as many as fit in 64 MiB, in fork order, and then none */
	assert_int_equal(with_text, (int64_t)((64ull << 20) / (uint64_t)(json_len + 1)));
	assert_int_equal(q_int(q, "SELECT max(pid) FROM processes WHERE cmdline IS NOT NULL"), with_text);
	assert_int_equal(q_int(q, "SELECT count(*) FROM processes WHERE cmdline IS NULL AND source = 'fork'"),
			 1 + N_FORKS - with_text);
	ebr_sql__close(q);
	unlink(path);
}

/*
 * The table format holds its first rows to measure column widths: 1000 of
 * them, which with cells of hundreds of KiB (an argument list as escaped
 * JSON; identical records compress to nothing) was gigabytes. It holds at
 * most 8 MiB of cells: past them, later rows go out with the widths so far.
 */
static void test_table_holds_bounded_bytes(void **state)
{
	enum { MIB = 1 << 20 };
	static const size_t big[] = { 5 * MIB, 5 * MIB, 6 * MIB, 1 };
	struct ebr_sql_val v[2] = { { .type = SQLITE_TEXT }, { .type = SQLITE_INTEGER } };
	const char *names[] = { "s", "n" };
	char *text = malloc(6 * MIB), *out = NULL;
	size_t out_len = 0, line[4], at;
	FILE *f = open_memstream(&out, &out_len);
	struct ebr_sql_out *o;

	(void)state;
	assert_non_null(text);
	assert_non_null(f);
	memset(text, 'x', 6 * MIB);
	o = ebr_sql_out__new(f, EBR_SQL_FMT_TABLE);
	assert_non_null(o);
	assert_int_equal(ebr_sql_out__begin(o, 2, names), 0);
	for (int r = 0; r < 4; r++) {
		v[0].p = text;
		v[0].n = big[r];
		v[1].i = r;
		assert_int_equal(ebr_sql_out__row(o, v), 0);
	}
	assert_int_equal(ebr_sql_out__end(o), 0);
	ebr_sql_out__free(o);
	fclose(f);
	free(text);
	/* header, dashes, then the rows: the two held set the width, 5 MiB */
	at = strchr(strchr(out, '\n') + 1, '\n') + 1 - out;
	for (int r = 0; r < 4; r++) {
		char *nl = strchr(out + at, '\n');

		assert_non_null(nl);
		line[r] = (size_t)(nl - (out + at));
		at += line[r] + 1;
	}
	assert_int_equal(line[0], 5 * MIB + 2 + 1);
	assert_int_equal(line[1], 5 * MIB + 2 + 1);
	assert_int_equal(line[2], 6 * MIB + 2 + 1); /* wider than measured: not cut, not aligned */
	assert_int_equal(line[3], 5 * MIB + 2 + 1);
	assert_int_equal(at, out_len);
	free(out);
}

/* WHERE p, counted with the column visible to the planner (pushed down) and hidden from it (+). */
static int pushdown_differs(struct ebr_sql *q, const char *p)
{
	char a[512], b[512], *o = b;

	snprintf(a, sizeof(a), "SELECT count(*) FROM events WHERE %s", p);
	o += sprintf(o, "SELECT count(*) FROM events WHERE ");
	for (const char *s = p; *s; s++) {
		if ((!strncmp(s, "ts ", 3) || !strncmp(s, "time ", 5)) && (s == p || s[-1] == ' ' || s[-1] == '('))
			*o++ = '+';
		*o++ = *s;
	}
	*o = 0;
	if (q_int(q, a) != q_int(q, b)) {
		fprintf(stderr, "%s: %lld rows, %lld without pushdown\n", p, (long long)q_int(q, a),
			(long long)q_int(q, b));
		return 1;
	}
	return 0;
}

/*
 * Records' ts is a u64 that the ts column shows as a signed integer (a
 * damaged capture's 2^63 and up read negative), and `time` is ts plus the
 * capture's offset. The windows handed to the cursor followed the u64
 * order, so `ts > 0` also returned the negative ones, `ts < 0` none, and a
 * time after 2554 (past u64 nanoseconds) wrapped into a window in the past.
 */
static void test_pushdown_at_the_edges_of_time(void **state)
{
	static const uint64_t stamps[] = { 10, 20, (1ull << 63) + 5, UINT64_MAX - 1, UINT64_MAX };
	static const int64_t offsets[] = { 1, 1000000000000000000LL, -15 }; /* 0 would be measured */
	static const char *const preds[] = {
		"ts > 0", "ts >= 15", "ts < 15", "ts <= -1", "ts < 0", "ts = -1", "ts = -2", "ts BETWEEN -10 AND 15",
		"ts > -9223372036854775808", "ts >= -9223372036854775803", "ts < 9223372036854775807",
		"ts = 20", "ts IN (10, -1)", "ts > 1.5", "ts < -0.5", "ts <= -1.0", "ts >= -1e19", "ts < 1e19",
		"ts > -9223372036854775803 AND ts < 15", "ts >= 5 AND ts <= -5",
		"time >= '2262'", "time < '2100-01-01'", "time <= '2584-01-01'", "time > '2554-07-21T23:34:33Z'",
		"time IS NULL", "time IS NOT NULL", "time > '1970-01-01' AND time < '2554'", "time < '1970-01-01T00:00:01Z'",
		"time = '1970-01-01T00:00:00.000000010Z'",
	};
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/edges.ebc", dir);
	for (size_t k = 0; k < sizeof(offsets) / sizeof(offsets[0]); k++) {
		struct ebr_writer_opts wo = { .sz = sizeof(wo), .force = 1, .host = "edges",
					      .boot_to_wall_ns = offsets[k] };
		uint64_t drops[EBR_DROP_NR] = {0};
		struct ebr_buf b = {0};
		struct ebr_writer *w = ebr_writer__open(path, &wo);
		struct ebr_sql *q;
		char order[512];
		int wrong = 0;

		assert_non_null(w);
		for (size_t i = 0; i < sizeof(stamps) / sizeof(stamps[0]); i++) {
			size_t off = ebr_rec__begin(&b, sizeof(struct ebr_exit_event));

			((struct ebr_exit_event *)ebr_rec__at(&b, off))->hdr =
				(struct ebr_event_header){ .ts = stamps[i], .type = EBR_T_EXIT, .pid = 1 };
			ebr_rec__end(&b, off);
		}
		assert_int_equal(ebr_writer__add_segment(w, b.p, b.len, drops, EBR_DROP_NR), 0);
		ebr_buf__free(&b);
		assert_int_equal(ebr_writer__close(w), 0);
		q = open_sql(path);
		assert_int_equal(q_int(q, "SELECT count(*) FROM events"), 5);
		for (size_t i = 0; i < sizeof(preds) / sizeof(preds[0]); i++)
			wrong += pushdown_differs(q, preds[i]);
		assert_int_equal(wrong, 0);
		/* the values themselves: signed ts; time NULL where ts + offset leaves u64 nanoseconds */
		assert_string_equal(q_text(q, "SELECT group_concat(ts, ' ') FROM (SELECT ts FROM events ORDER BY +ts)"),
				    "-9223372036854775803 -2 -1 10 20");
		/* the cursor's order (u64) is not the column's here: ORDER BY is left to SQLite */
		assert_string_equal(q_text(q, "SELECT group_concat(ts, ' ') FROM (SELECT ts FROM events ORDER BY ts)"),
				    "-9223372036854775803 -2 -1 10 20");
		strcpy(order, q_text(q, "SELECT group_concat(coalesce(time, 'N'), ' ') FROM "
					"(SELECT time FROM events ORDER BY +time)"));
		assert_string_equal(q_text(q, "SELECT group_concat(coalesce(time, 'N'), ' ') FROM "
					      "(SELECT time FROM events ORDER BY time)"),
				    order);
		assert_int_equal(q_int(q, "SELECT count(*) FROM events WHERE +time IS NULL"),
				 offsets[k] == 1 ? 1 : offsets[k] > 0 ? 2 : 1);
		ebr_sql__close(q);
	}
	unlink(path);
}

static void add_header_rec(struct ebr_buf *b, size_t size, uint16_t type, uint64_t ts, uint32_t pid,
			   uint32_t child)
{
	size_t off = ebr_rec__begin(b, size);
	struct ebr_event_header *h = ebr_rec__at(b, off);

	*h = (struct ebr_event_header){ .ts = ts, .type = type, .pid = pid };
	if (type == EBR_T_FORK)
		((struct ebr_fork_event *)h)->child_pid = ((struct ebr_fork_event *)h)->child_tid = child;
	ebr_rec__end(b, off);
}

/*
 * pids from the file all sharing a slot of the processes table's pid map
 * (multiples of 2^17 did, with its fixed hash): each exit re-inserted the
 * whole cluster, so 4000 forks and exits took 6 s and 32000 an hour. The
 * rows must still be exact: exits in another order than the forks, pids
 * reused, execs landing on the current holder.
 */
static void test_colliding_pids(void **state)
{
	enum { N = 3000 };
	struct ebr_writer_opts wo = { .sz = sizeof(wo), .force = 1, .host = "hostile" };
	uint64_t drops[EBR_DROP_NR] = {0}, ts = 1;
	struct ebr_buf b = {0};
	struct ebr_writer *w;
	struct ebr_sql *q;
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/pids.ebc", dir);
	w = ebr_writer__open(path, &wo);
	assert_non_null(w);
	for (uint32_t i = 1; i <= N; i++)
		add_header_rec(&b, sizeof(struct ebr_fork_event), EBR_T_FORK, ts++, 1, i << 17);
	for (uint32_t i = N; i >= 1; i -= 2) /* every other one, from the end */
		add_header_rec(&b, sizeof(struct ebr_exit_event), EBR_T_EXIT, ts++, i << 17, 0);
	for (uint32_t i = 1; i <= N; i += 2)
		add_header_rec(&b, sizeof(struct ebr_exit_event), EBR_T_EXIT, ts++, i << 17, 0);
	for (uint32_t i = 1; i <= N; i++) /* the pids again: new processes */
		add_header_rec(&b, sizeof(struct ebr_fork_event), EBR_T_FORK, ts++, 1, i << 17);
	for (uint32_t i = 1; i <= N; i += 3)
		add_header_rec(&b, sizeof(struct ebr_exec_event), EBR_T_EXEC, ts++, i << 17, 0);
	assert_int_equal(b.err, 0);
	assert_int_equal(ebr_writer__add_segment(w, b.p, b.len, drops, EBR_DROP_NR), 0);
	ebr_buf__free(&b);
	assert_int_equal(ebr_writer__close(w), 0);

	q = open_sql(path);
	assert_int_equal(q_int(q, "SELECT count(*) FROM processes"), 1 + 2 * N);
	assert_int_equal(q_int(q, "SELECT count(DISTINCT pid) FROM processes WHERE source = 'fork'"), N);
	/* the first generation all ended, the second runs; execs only on the second */
	assert_int_equal(q_int(q, "SELECT count(*) FROM processes WHERE end_ts IS NOT NULL"), N);
	assert_int_equal(q_int(q, "SELECT count(*) FROM processes p WHERE end_ts IS NOT NULL AND "
				  "start_ts < (SELECT min(start_ts) FROM processes q WHERE q.end_ts IS NULL AND q.pid > 1)"),
			 N);
	assert_int_equal(q_int(q, "SELECT sum(execs) FROM processes WHERE end_ts IS NULL"), (N + 2) / 3);
	assert_int_equal(q_int(q, "SELECT sum(execs) FROM processes WHERE end_ts IS NOT NULL"), 0);
	assert_int_equal(q_int(q, "SELECT count(*) FROM processes WHERE parent_upid = 1"), 2 * N);
	ebr_sql__close(q);
	unlink(path);
}

/*
 * A segment of 256 MiB of fork records compresses to a few KiB, and each
 * record was a row of processes: a small file could ask for gigabytes. The
 * table holds a million rows, or one per two bytes of the file if more.
 */
static void test_more_forks_than_rows(void **state)
{
	enum { N = (1 << 20) + 100 };
	struct ebr_writer_opts wo = { .sz = sizeof(wo), .force = 1, .host = "hostile" };
	uint64_t drops[EBR_DROP_NR] = {0};
	struct ebr_buf b = {0};
	struct ebr_writer *w;
	struct ebr_sql *q;
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/many.ebc", dir);
	w = ebr_writer__open(path, &wo);
	assert_non_null(w);
	for (uint32_t i = 1; i <= N; i++) /* the same record: the file stays small */
		add_header_rec(&b, sizeof(struct ebr_fork_event), EBR_T_FORK, 5, 1, 2);
	assert_int_equal(b.err, 0);
	assert_int_equal(ebr_writer__add_segment(w, b.p, b.len, drops, EBR_DROP_NR), 0);
	ebr_buf__free(&b);
	assert_int_equal(ebr_writer__close(w), 0);
	warnings[0] = 0;
	ebr_set_log(log_warnings, NULL);
	q = open_sql(path);
	assert_int_equal(q_int(q, "SELECT count(*) FROM processes"), 1 << 20);
	ebr_set_log(NULL, NULL);
	assert_non_null(strstr(warnings, "more than 1048576 processes; the processes table leaves out the later ones"));
	/* pid 1, then a row for each fork of pid 2 (each a new process), as many as fit */
	assert_int_equal(q_int(q, "SELECT count(*) FROM processes WHERE pid = 2 AND source = 'fork'"), (1 << 20) - 1);
	assert_int_equal(q_int(q, "SELECT count(*) FROM forks"), N);
	ebr_sql__close(q);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_differing_in_case),
		cmocka_unit_test(test_more_fields_than_columns),
		cmocka_unit_test(test_cgroup_named_twice),
		cmocka_unit_test(test_forks_copying_a_huge_cmdline),
		cmocka_unit_test(test_table_holds_bounded_bytes),
		cmocka_unit_test(test_pushdown_at_the_edges_of_time),
		cmocka_unit_test(test_colliding_pids),
		cmocka_unit_test(test_more_forks_than_rows),
	};
	int rc;

	snprintf(dir, sizeof(dir), "/tmp/ebr-sql-hostile-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(dir);
	return rc;
}
