/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The SQLite export's layout and loader (sql_export_layout.c,
 * sql_export_load.c), shared with sql_export.c; not an interface.
 *
 * Physical tables (<family>_rows) store what cannot be recomputed and
 * store it as cheaply as SQLite takes it: integers where a name is a
 * function of a number (severity as its level, with the truncated bit; errno/syscall/... names in
 * the value_names dictionary), nothing for what the views compute (time,
 * family, host, container, and capture when there is one), and what stays
 * the same over many events of a thread (tid, ppid, uid, gid, comm,
 * cgroup, namespaces, capture) once, in the contexts table, each row
 * pointing at its context. The views named like the query tables put
 * everything back.
 */
#ifndef EBPFREC_REPLAY_SQL_EXPORT_INTERNAL_H
#define EBPFREC_REPLAY_SQL_EXPORT_INTERNAL_H

#include "sql_internal.h"

/* How a query column lives in a physical table. */
enum ebr_xp_role {
	EBR_XP_STORED, /* a column of its own, holding the query column's value */
	EBR_XP_SEVERITY, /* stored with truncated in one column: level (0 info .. 4 critical, 7 none) + 8 if truncated */
	EBR_XP_TRUNCATED, /* read from the severity column */
	EBR_XP_VIEW, /* computed by the views from other columns: time, family, host, container, capture */
	EBR_XP_DICT, /* a name of a stored integer, looked up in value_names */
	EBR_XP_CONTEXT, /* in the contexts table, by the row's context id: tid, ppid, uid, gid, comm, ... */
	EBR_XP_CONTEXT_ID, /* the stored context id (not a query column) */
};

struct ebr_xp_col {
	const struct ebr_sql_col *col; /* the query column (name, source, type) */
	enum ebr_xp_role role;
	int pos; /* STORED, SEVERITY: position among the stored columns; DICT: its source's */
	unsigned kind; /* DICT: the source field's hint, the value_names.kind */
};

struct ebr_xp_table {
	char name[64];
	int family; /* -1: other_rows */
	size_t n; /* the common columns and the union of the family's own, in query order */
	struct ebr_xp_col *cols;
	size_t n_stored;
	const struct ebr_xp_col **stored; /* the physical columns, in order */
	struct ebr_xp_col ctx_id; /* EBR_XP_CONTEXT_ID, among the stored */
	struct ebr_sql_col ctx_col; /* its column: name ctx_name, INTEGER */
	char ctx_name[32], sev_name[32]; /* names not taken by a column of the family */
};

struct ebr_xp_layout {
	size_t n;
	struct ebr_xp_table *t; /* [0] is other_rows */
	int *of_table; /* [q->n_tables]: the physical table of each type table, or -1 */
	int16_t *type_table; /* [n_caps * (EBR_T_MAX + 1)]: type id -> type table index, or -1 */
};

/* sql_export_layout.c */
int ebr_xp_layout__build(struct ebr_sql *q, struct ebr_xp_layout *L);
void ebr_xp_layout__free(struct ebr_xp_layout *L);
/* Name of a stored column in its physical table. */
const char *ebr_xp_col__phys_name(const struct ebr_xp_table *pt, const struct ebr_xp_col *c);
/* The contexts table's columns after its id, in order: the query columns they hold. */
extern const enum ebr_sql_src ebr_xp_context_srcs[];
extern const size_t ebr_xp_n_context_srcs;
char *ebr_xp__contexts_ddl(void);
/* CREATE TABLE out.<name>(...) of the stored columns (sqlite3_malloc'd). */
char *ebr_xp_table__ddl(const struct ebr_xp_table *pt);
/* CREATE VIEW out.<v> over the physical tables, columns exactly v's. */
char *ebr_xp__view_ddl(struct ebr_sql *q, const struct ebr_xp_layout *L, const struct ebr_sql_table *v);
/* Type id -> index of the type table holding its events, per capture (malloc'd). */
int16_t *ebr_xp__type_table_map(const struct ebr_sql *q);
const char *ebr_xp__decl_name(int decl);

/* sql_export_load.c: every event into its physical table. */
struct ebr_xp_load_stats {
	uint64_t events;
	uint64_t names; /* value_names rows */
	uint64_t contexts; /* contexts rows */
};

/*
 * threads 1: one thread decodes and inserts; 2: a second thread decodes
 * while this one inserts. Rows go in in capture then time order, so rowid
 * order is ts order within a capture.
 */
int ebr_xp__load(struct ebr_sql *q, const struct ebr_xp_layout *L, int threads, struct ebr_xp_load_stats *st);

#endif
