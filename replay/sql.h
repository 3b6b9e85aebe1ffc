/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * SQL over captures (docs/sql.md). One or more captures are opened into a
 * SQLite connection: event tables are virtual tables streaming the
 * captures' segments (time/type pushdown, flat memory), dimension tables
 * (processes, drops, ...) are real tables, small, and filled on first use.
 *
 * Conventions as in capture.h: int functions return 0 or -errno, pointer
 * functions NULL + errno; failures are explained through the log callback.
 */
#ifndef EBPFREC_REPLAY_SQL_H
#define EBPFREC_REPLAY_SQL_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct ebr_sql;

/* Version of the SQL schema this build presents; stored in exported databases. */
#define EBR_SQL_SCHEMA_VERSION 1

struct ebr_sql_opts {
	size_t sz; /* sizeof(struct ebr_sql_opts) */
};

/* Work done by the event tables since the last reset: what pushdown saved. */
struct ebr_sql_stats {
	uint64_t filters; /* xFilter calls: scans started */
	uint64_t segments_total; /* segments of the captures the scans were over */
	uint64_t segments_read; /* decompressed */
	uint64_t segments_skipped; /* by time index or type bitmap */
	uint64_t records; /* records looked at */
	uint64_t rows; /* rows handed to SQLite */
};

/* Open captures (at least one) into a new in-memory SQLite connection. */
struct ebr_sql *ebr_sql__open(const char *const *paths, size_t n, const struct ebr_sql_opts *opts);
void ebr_sql__close(struct ebr_sql *q);
sqlite3 *ebr_sql__db(struct ebr_sql *q);

/*
 * Prepare one statement (sqlite3_prepare_v2 semantics: *stmt may be NULL for
 * an empty statement, *tail points after it). Dimension tables the
 * statement reads are filled first. On error, returns -EINVAL and the
 * SQLite message is in ebr_sql__errmsg().
 */
int ebr_sql__prepare(struct ebr_sql *q, const char *sql, sqlite3_stmt **stmt, const char **tail);
const char *ebr_sql__errmsg(struct ebr_sql *q);
/* Fill every dimension table now (export does this). */
int ebr_sql__fill_all(struct ebr_sql *q);

const struct ebr_sql_stats *ebr_sql__stats(const struct ebr_sql *q);
void ebr_sql__reset_stats(struct ebr_sql *q);

size_t ebr_sql__capture_count(const struct ebr_sql *q);
struct ebr_reader *ebr_sql__reader(const struct ebr_sql *q, size_t i);

/* ------------------------------------------------------------- output */

enum ebr_sql_format {
	EBR_SQL_FMT_TABLE = 0, /* aligned columns, for a terminal */
	EBR_SQL_FMT_CSV = 1, /* RFC 4180 quoting, header line, LF line ends */
	EBR_SQL_FMT_JSON = 2, /* one array of objects */
	EBR_SQL_FMT_JSONL = 3, /* one object per line */
};

int ebr_sql_format__parse(const char *name, enum ebr_sql_format *fmt);

/* One value: of a column of a record, or of a result row. */
struct ebr_sql_val {
	int type; /* SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT, SQLITE_BLOB or SQLITE_NULL */
	int64_t i;
	double d;
	const char *p; /* TEXT (not NUL-terminated) and BLOB */
	size_t n;
	int stable; /* p stays valid while the captures are open (a name from the schema) */
};

struct ebr_sql_out;

struct ebr_sql_out *ebr_sql_out__new(FILE *f, enum ebr_sql_format fmt);
/* A result set starts; names are copied. */
int ebr_sql_out__begin(struct ebr_sql_out *o, int n_cols, const char *const *names);
int ebr_sql_out__row(struct ebr_sql_out *o, const struct ebr_sql_val *vals);
/* The result set ends; returns -EIO when writing failed. */
int ebr_sql_out__end(struct ebr_sql_out *o);
void ebr_sql_out__free(struct ebr_sql_out *o);

/*
 * Step a prepared statement (of any connection) to its end, writing every
 * row to o (o may be NULL: rows are only counted). Returns the row count,
 * or -EINVAL after a SQLite error (*errmsg gets SQLite's message, to be
 * freed with sqlite3_free) or -EIO when writing failed. all_true (may be
 * NULL) is set to 1 when there was at least one row and the first column of
 * every row was true (non-zero, not NULL), else 0.
 */
int64_t ebr_sql__run(sqlite3_stmt *stmt, struct ebr_sql_out *o, int *all_true, char **errmsg);

/* ------------------------------------------------------------- export */

struct ebr_sql_export_opts {
	size_t sz; /* sizeof(struct ebr_sql_export_opts) */
	int force; /* replace an existing output */
	int no_index; /* sqlite: skip CREATE INDEX (faster; for one-off use) */
	int threads; /* sqlite: 1 = one thread; 2 = decode on a second thread; 0 = 2 when there are 2 CPUs */
};

struct ebr_sql_export_stats {
	uint64_t events;
	uint64_t rows; /* event rows written, counting a type-table row separately */
	double write_s; /* time spent writing rows */
	double index_s; /* time spent building the indexes once the rows are in */
	double write_cpu_s, index_cpu_s; /* the same in CPU time of the process, all threads */
	double total_s, total_cpu_s; /* sqlite: the whole export, from the first read to the file in place */
	int threads; /* sqlite: threads it ran on */
};

/* Real tables, indexes on ts, pid and type; opens in the stock sqlite3 shell. */
int ebr_sql__export_sqlite(struct ebr_sql *q, const char *path, const struct ebr_sql_export_opts *opts,
			   struct ebr_sql_export_stats *st);
/* One file per table in dir (created if missing): TABLE.csv or TABLE.jsonl. */
int ebr_sql__export_files(struct ebr_sql *q, const char *dir, enum ebr_sql_format fmt,
			  const struct ebr_sql_export_opts *opts, struct ebr_sql_export_stats *st);
/* Every event with all of its type's columns, one JSON object per line. */
int ebr_sql__export_jsonl_stream(struct ebr_sql *q, FILE *out, struct ebr_sql_export_stats *st);

/*
 * A materialized copy of the captures (the export above) kept in cache_dir,
 * keyed by the captures' UUIDs and sizes; built when missing. *path gets the
 * database's path (malloc'd). cache_dir NULL: $XDG_CACHE_HOME/ebpfrec or
 * ~/.cache/ebpfrec.
 */
int ebr_sql__materialize(struct ebr_sql *q, const char *cache_dir, char **path, int *built);

#endif
