/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared between the sql_*.c files; not an interface. */
#ifndef EBPFREC_REPLAY_SQL_INTERNAL_H
#define EBPFREC_REPLAY_SQL_INTERNAL_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "ebpfrec/capture.h"
#include "ebpfrec/schema.h"
#include "events.h"
#include "sql.h"

#define EBR_SQL_TYPE_WORDS ((EBR_T_MAX + 1 + 63) / 64)

/* Where a column's value comes from. */
enum ebr_sql_src {
	EBR_SRC_TS,
	EBR_SRC_TIME,
	EBR_SRC_TYPE,
	EBR_SRC_FAMILY,
	EBR_SRC_PID,
	EBR_SRC_TID,
	EBR_SRC_PPID,
	EBR_SRC_UID,
	EBR_SRC_GID,
	EBR_SRC_COMM,
	EBR_SRC_CPU,
	EBR_SRC_CGROUP,
	EBR_SRC_CONTAINER,
	EBR_SRC_SEVERITY,
	EBR_SRC_PIDNS,
	EBR_SRC_MNTNS,
	EBR_SRC_TRUNCATED,
	EBR_SRC_CAPTURE,
	EBR_SRC_HOST,
	EBR_SRC_FIELD, /* a field of the type, by name */
	EBR_SRC_ERRNO_NAME, /* name of the errno held in a field */
	EBR_SRC_SIGNAL_NAME, /* name of the signal held in a field */
	EBR_SRC_ENUM_NAME, /* name of an enumerated value: syscall, TCP state, ... (by hint) */
	EBR_SRC_FLAG_NAMES, /* "O_WRONLY|O_CREAT": names of the bits of a flags field */
};

struct ebr_sql_col {
	char *name;
	enum ebr_sql_src src;
	int decl; /* SQLITE_INTEGER, SQLITE_TEXT or SQLITE_BLOB */
	char *field; /* EBR_SRC_FIELD and the *_NAME sources: the field's name */
	char *doc;
};

enum ebr_sql_table_kind {
	EBR_TBL_EVENTS, /* every record, common columns */
	EBR_TBL_TYPE, /* one event type */
	EBR_TBL_FAMILY, /* the types of one family (or one named type) */
};

/* Per capture: which type ids a table covers there, and their fields per column. */
struct ebr_sql_tcap {
	uint64_t types[EBR_SQL_TYPE_WORDS];
	const struct ebr_field **fields[EBR_T_MAX + 1]; /* [type][col], NULL when not covered */
	uint64_t est_rows; /* records in segments whose bitmap intersects the table's */
};

struct ebr_sql_table {
	char *name;
	enum ebr_sql_table_kind kind;
	int family; /* EBR_TBL_FAMILY: the family, or -1 when it is one named type */
	char *type_name; /* EBR_TBL_TYPE, and EBR_TBL_FAMILY of one type */
	char *doc;
	size_t n_cols;
	struct ebr_sql_col *cols;
	size_t n_common_lead; /* common columns before the type's own */
	struct ebr_sql_tcap *caps; /* [n_caps] */
};

struct ebr_sql_capture {
	unsigned id; /* 1-based, the `capture` column */
	struct ebr_reader *r;
	const struct ebr_schema *schema;
	const struct ebr_capture_info *info;
	int ordered; /* no segment starts before an earlier one ends */
	/* by the index (damaged captures): a ts of 2^63 or more, which reads negative; a
	 * ts + boot_to_wall_ns beyond u64, whose time is NULL */
	int high_ts, late_time_null;
	uint64_t segment_base; /* segments of the captures before this one: rowids (sql_vtab.c) */
	struct ebr_sql_sev *sev;
	size_t host_len;
};

/* Dimension tables filled on first use. */
enum ebr_sql_lazy {
	EBR_LAZY_PROCESSES = 1u << 0,
	EBR_LAZY_CONTAINERS = 1u << 1,
	EBR_LAZY_EVENT_TYPES = 1u << 2,
};

struct ebr_sql {
	sqlite3 *db;
	size_t n_caps;
	struct ebr_sql_capture *caps;
	size_t n_tables;
	struct ebr_sql_table *tables;
	struct ebr_sql_stats stats;
	unsigned lazy_wanted, lazy_done;
	char *errmsg;
};

/* A growable byte buffer for values built per row (JSON lists, times). */
struct ebr_sql_buf {
	char *p;
	size_t len, cap;
};

int ebr_sql_buf__reserve(struct ebr_sql_buf *b, size_t more);
void ebr_sql_buf__put(struct ebr_sql_buf *b, const void *s, size_t n);
void ebr_sql_buf__free(struct ebr_sql_buf *b);
/* A JSON string literal of s: quotes, escapes; invalid UTF-8 bytes as \u00XX. */
void ebr_sql_buf__json_str(struct ebr_sql_buf *b, const char *s, size_t n);

/* sql_columns.c: the column model, built from the captures' schemas. */
int ebr_sql__build_tables(struct ebr_sql *q);
void ebr_sql__free_tables(struct ebr_sql *q);
const struct ebr_sql_table *ebr_sql__table(const struct ebr_sql *q, const char *name);
/* The family of a type table, or of a family table (-1: none known). */
int ebr_sql_table__family(const struct ebr_sql *q, const struct ebr_sql_table *t);
/* Whether a type table's events are also rows of table t (a family table, or events). */
int ebr_sql__table_includes(const struct ebr_sql *q, const struct ebr_sql_table *t,
			    const struct ebr_sql_table *type_table);
/*
 * CREATE TABLE schema.name with t's columns (sqlite3_malloc'd); only_own:
 * an id INTEGER PRIMARY KEY and the type's own columns, for export.
 */
char *ebr_sql_table__ddl(const struct ebr_sql_table *t, const char *schema, const char *name,
			 int only_own);
/*
 * The value of column col of rec (a record of capture cap; fields from the
 * table's map for rec's type, or NULL). buf holds text built on the fly and
 * must outlive the use of v.
 */
void ebr_sql__value(const struct ebr_sql_capture *cap, const struct ebr_sql_col *col,
		    const struct ebr_field *f, const struct ebr_event_header *rec,
		    struct ebr_sql_val *v, struct ebr_sql_buf *buf);
/* Whether a column is one of the common columns every event table has. */
int ebr_sql_col__is_common(const struct ebr_sql_col *c);
/* Short names of drop reasons ("ringbuf_full", ...). */
const char *ebr_sql__drop_reason(unsigned reason);
/* An SQL identifier in double quotes, into buf. */
const char *ebr_sql__quote(const char *name, char *buf, size_t len);

/* sql_severity.c: the severity column, rules picked per type when a capture opens */
struct ebr_sql_sev;
struct ebr_sql_sev *ebr_sql_sev__new(const struct ebr_schema *s);
void ebr_sql_sev__free(struct ebr_sql_sev *sev);
/* "info", "warning" or "error"; NULL for a type the schema does not describe. */
const char *ebr_sql_sev__of(const struct ebr_sql_sev *sev, const struct ebr_event_header *rec);
/* The same as a level (enum ebr_severity), -1 for a type the schema does not describe. */
int ebr_sql_sev__level(const struct ebr_sql_sev *sev, const struct ebr_event_header *rec);

/* sql_vtab.c */
int ebr_sql__register_vtab(struct ebr_sql *q);

/* sql_tables.c: dimension tables */
int ebr_sql__create_dims(struct ebr_sql *q);
int ebr_sql__fill_lazy(struct ebr_sql *q, unsigned which);
/* The dimension tables' DDL in another schema ("out."), for export. */
int ebr_sql__create_dims_in(struct ebr_sql *q, const char *schema);
/* The lazy table a name refers to, or 0. */
unsigned ebr_sql__lazy_of(const char *table);
/* Names of every dimension table, NULL-terminated; and whether a name is one. */
extern const char *const ebr_sql_dim_names[];
int ebr_sql__is_reserved_name(const char *name);

/* Run SQL with no result; the error is put in q->errmsg. */
int ebr_sql__exec(struct ebr_sql *q, const char *sql);
void ebr_sql__set_err(struct ebr_sql *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ISO 8601 time text to UTC ns, and the width of the last given unit (conservative bounds). */
int ebr_sql__parse_iso(const char *s, size_t n, uint64_t *wall_ns, uint64_t *unit_ns);

#endif
