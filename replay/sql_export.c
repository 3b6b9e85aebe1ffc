// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Export: the captures as real tables, in one pass over the segments.
 *
 * SQLite layout (docs/sql.md): <family>_rows tables hold one row per
 * event, the common columns and the union of the family's own columns
 * (indexes on ts, pid, type); views named like the query tables (events,
 * execs, net, exec, ...) select their rows and columns from them, so a
 * query gives the same answer on the exported file as on the capture.
 * time, family, host and container are computed in the views, never
 * stored. One row per event is one INSERT: the fastest SQLite will write.
 *
 * CSV and JSON Lines: one file per table with the query tables' columns.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "internal.h"
#include "sql_internal.h"

#define BATCH 64 /* rows per INSERT statement: fewer VM round trips */

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* CPU time of this thread: what a measurement costs when other work shares the machine */
static double cpu_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int is_generated(const struct ebr_sql_col *c)
{
	return c->src == EBR_SRC_TIME || c->src == EBR_SRC_FAMILY || c->src == EBR_SRC_HOST ||
	       c->src == EBR_SRC_CONTAINER;
}

static const char *decl_name(int decl)
{
	return decl == SQLITE_TEXT ? "TEXT" : decl == SQLITE_BLOB ? "BLOB" : "INTEGER";
}

/* Type id -> index of the type table holding its events, per capture. */
static int16_t *type_table_map(const struct ebr_sql *q)
{
	int16_t *m = malloc(q->n_caps * (EBR_T_MAX + 1) * sizeof(*m));

	if (!m)
		return NULL;
	memset(m, 0xff, q->n_caps * (EBR_T_MAX + 1) * sizeof(*m));
	for (size_t k = 0; k < q->n_tables; k++) {
		if (q->tables[k].kind != EBR_TBL_TYPE)
			continue;
		for (size_t c = 0; c < q->n_caps; c++)
			for (unsigned id = 0; id <= EBR_T_MAX; id++)
				if ((q->tables[k].caps[c].types[id / 64] >> (id % 64)) & 1)
					m[c * (EBR_T_MAX + 1) + id] = (int16_t)k;
	}
	return m;
}

static void set_sqlite_err(struct ebr_sql *q, sqlite3 *db)
{
	ebr_sql__set_err(q, "%s", sqlite3_errmsg(db));
}

/* ------------------------------------------------------------ sqlite: DDL */

static void append_b2w(struct ebr_sql *q, sqlite3_str *s, const char *p)
{
	if (q->n_caps == 1) {
		sqlite3_str_appendf(s, "%lld", (long long)q->caps[0].info->boot_to_wall_ns);
		return;
	}
	sqlite3_str_appendf(s, "CASE %scapture", p);
	for (size_t c = 0; c < q->n_caps; c++)
		sqlite3_str_appendf(s, " WHEN %u THEN %lld", q->caps[c].id,
				    (long long)q->caps[c].info->boot_to_wall_ns);
	sqlite3_str_appendall(s, " END");
}

/*
 * Columns computed when read, in the views: storing them would cost more
 * than the rest of a row (and generated columns are computed on INSERT).
 * p is the table alias prefix ("e." or "").
 */
static void append_derived(struct ebr_sql *q, sqlite3_str *s, const struct ebr_sql_col *c, const char *p)
{
	switch (c->src) {
	case EBR_SRC_TIME:
		/* the same text as ebr_format_wall_time: seconds, then 9 digits of ns */
		sqlite3_str_appendf(s, "strftime('%%Y-%%m-%%dT%%H:%%M:%%S', (%sts + (", p);
		append_b2w(q, s, p);
		sqlite3_str_appendf(s, ")) / 1000000000, 'unixepoch') || printf('.%%09dZ', (%sts + (", p);
		append_b2w(q, s, p);
		sqlite3_str_appendall(s, ")) % 1000000000)");
		return;
	case EBR_SRC_HOST:
		sqlite3_str_appendf(s, "CASE %scapture", p);
		for (size_t k = 0; k < q->n_caps; k++)
			sqlite3_str_appendf(s, " WHEN %u THEN %Q", q->caps[k].id, q->caps[k].info->host);
		sqlite3_str_appendall(s, " END");
		return;
	case EBR_SRC_FAMILY: {
		int any = 0;

		sqlite3_str_appendf(s, "CASE %stype", p);
		for (size_t k = 0; k <= q->n_caps; k++) {
			const struct ebr_schema *sc = k < q->n_caps ? q->caps[k].schema : ebr_schema__builtin();

			for (size_t i = 0; i < ebr_schema__type_count(sc); i++) {
				const struct ebr_type *t = ebr_schema__type_at(sc, i);
				int dup = 0;

				/* first definition of a name wins, as everywhere else */
				for (size_t j = 0; j < k && !dup; j++)
					dup = ebr_schema__type_by_name(q->caps[j].schema, t->name) != NULL;
				for (size_t j = 0; j < i && !dup; j++)
					dup = !strcmp(ebr_schema__type_at(sc, j)->name, t->name);
				if (dup)
					continue;
				sqlite3_str_appendf(s, " WHEN %Q THEN %Q", t->name, t->family_name);
				any = 1;
			}
		}
		if (!any)
			sqlite3_str_appendall(s, " WHEN NULL THEN NULL");
		sqlite3_str_appendall(s, " END");
		return;
	}
	default:
		/* container: a cgroup's, from the containers table (never stored per event) */
		sqlite3_str_appendf(s, "(SELECT k.container FROM containers k WHERE k.capture = %scapture AND "
				       "k.cgroup = %scgroup)", p, p);
		return;
	}
}

static int exec_owned(struct ebr_sql *q, char *sql)
{
	int err;

	if (!sql)
		return -ENOMEM;
	err = ebr_sql__exec(q, sql);
	sqlite3_free(sql);
	return err;
}

/*
 * The physical tables: one per family, <family>_rows (process_rows,
 * syscall_rows, ...), and other_rows for events no schema describes. Each
 * holds the stored common columns and the union of its types' own columns
 * (a name shared by two types is one column, as in the family tables), and
 * is indexed on ts, pid and type. Per family rather than one table: a row
 * then carries its family's columns only, which is what keeps SQLite's
 * INSERT fast once every family is there.
 */
struct phys_table {
	char name[64];
	int family; /* -1: other_rows */
	size_t n;
	const struct ebr_sql_col **cols;
};

struct phys {
	size_t n;
	struct phys_table *t;
	int *of_table; /* [n_tables]: the physical table of each type table, or -1 */
};

static int phys_col_index(const struct phys_table *pt, const char *name)
{
	for (size_t i = 0; i < pt->n; i++)
		if (!strcmp(pt->cols[i]->name, name))
			return (int)i;
	return -1;
}

static int phys_of_family(const struct phys *ph, int family)
{
	for (size_t i = 0; i < ph->n; i++)
		if (ph->t[i].family == family)
			return (int)i;
	return -1;
}

static int phys_add(struct ebr_sql *q, const struct ebr_sql_table *ev, struct phys *ph, int family)
{
	struct phys_table *n = realloc(ph->t, (ph->n + 1) * sizeof(*ph->t));
	size_t cap = ev->n_cols;

	if (!n)
		return -ENOMEM;
	ph->t = n;
	n = &ph->t[ph->n++];
	memset(n, 0, sizeof(*n));
	n->family = family;
	snprintf(n->name, sizeof(n->name), "%s_rows", family < 0 ? "other" : ebr_family__name((unsigned)family));
	for (size_t k = 0; k < q->n_tables; k++)
		cap += q->tables[k].n_cols;
	n->cols = calloc(cap + 1, sizeof(*n->cols));
	if (!n->cols)
		return -ENOMEM;
	for (size_t i = 0; i < ev->n_cols; i++)
		if (!is_generated(&ev->cols[i]))
			n->cols[n->n++] = &ev->cols[i];
	return 0;
}

static int phys_build(struct ebr_sql *q, const struct ebr_sql_table *ev, struct phys *ph)
{
	int err = phys_add(q, ev, ph, -1);

	ph->of_table = calloc(q->n_tables + 1, sizeof(*ph->of_table));
	if (!ph->of_table)
		return -ENOMEM;
	for (size_t k = 0; !err && k < q->n_tables; k++) {
		const struct ebr_sql_table *t = &q->tables[k];
		int fam, i;

		ph->of_table[k] = -1;
		if (t->kind != EBR_TBL_TYPE)
			continue;
		fam = ebr_sql_table__family(q, t);
		if (fam < 0 || fam == EBR_FAM_META)
			fam = -1;
		i = phys_of_family(ph, fam);
		if (i < 0) {
			err = phys_add(q, ev, ph, fam);
			i = (int)ph->n - 1;
		}
		ph->of_table[k] = i;
		for (size_t c = 0; !err && c < t->n_cols; c++)
			if (!ebr_sql_col__is_common(&t->cols[c]) && phys_col_index(&ph->t[i], t->cols[c].name) < 0)
				ph->t[i].cols[ph->t[i].n++] = &t->cols[c];
	}
	return err;
}

static void phys_free(struct phys *ph)
{
	for (size_t i = 0; i < ph->n; i++)
		free(ph->t[i].cols);
	free(ph->t);
	free(ph->of_table);
}

static char *phys_ddl(const struct phys_table *pt)
{
	sqlite3_str *s = sqlite3_str_new(NULL);
	char qn[160];

	sqlite3_str_appendf(s, "CREATE TABLE out.%s(", pt->name);
	for (size_t i = 0; i < pt->n; i++)
		sqlite3_str_appendf(s, "%s%s %s", i ? ", " : "", ebr_sql__quote(pt->cols[i]->name, qn, sizeof(qn)),
				    decl_name(pt->cols[i]->decl));
	sqlite3_str_appendall(s, ")");
	return sqlite3_str_finish(s);
}

/* One SELECT of view v's columns from physical table pt (NULL for the columns it lacks). */
static void append_select(struct ebr_sql *q, sqlite3_str *s, const struct ebr_sql_table *v,
			  const struct phys_table *pt)
{
	char qn[160], prefix[80];

	snprintf(prefix, sizeof(prefix), "%s.", pt->name);
	sqlite3_str_appendall(s, "SELECT ");
	for (size_t i = 0; i < v->n_cols; i++) {
		const struct ebr_sql_col *c = &v->cols[i];

		ebr_sql__quote(c->name, qn, sizeof(qn));
		if (i)
			sqlite3_str_appendall(s, ", ");
		if (is_generated(c)) {
			append_derived(q, s, c, prefix);
			sqlite3_str_appendf(s, " AS %s", qn);
		} else if (phys_col_index(pt, c->name) >= 0) {
			sqlite3_str_appendall(s, qn);
		} else {
			sqlite3_str_appendf(s, "NULL AS %s", qn);
		}
	}
	sqlite3_str_appendf(s, " FROM %s", pt->name);
}

/* A view per query table, with its exact columns, over the physical tables. */
static char *view_ddl(struct ebr_sql *q, const struct phys *ph, const struct ebr_sql_table *v)
{
	sqlite3_str *s = sqlite3_str_new(NULL);
	char qn[160];
	int fam, i;

	sqlite3_str_appendf(s, "CREATE VIEW out.%s AS ", ebr_sql__quote(v->name, qn, sizeof(qn)));
	if (v->kind == EBR_TBL_EVENTS) {
		for (size_t k = 0; k < ph->n; k++) {
			if (k)
				sqlite3_str_appendall(s, " UNION ALL ");
			append_select(q, s, v, &ph->t[k]);
		}
		return sqlite3_str_finish(s);
	}
	fam = ebr_sql_table__family(q, v);
	if (fam < 0 || fam == EBR_FAM_META)
		fam = -1;
	i = phys_of_family(ph, fam);
	if (i < 0) {
		/* no type of this family in any schema: the columns, no rows */
		append_select(q, s, v, &ph->t[0]);
		sqlite3_str_appendall(s, " WHERE 0");
		return sqlite3_str_finish(s);
	}
	append_select(q, s, v, &ph->t[i]);
	if (v->kind == EBR_TBL_TYPE || v->family < 0)
		sqlite3_str_appendf(s, " WHERE type = %Q", v->type_name);
	else if (fam < 0)
		sqlite3_str_appendall(s, " WHERE 0");
	return sqlite3_str_finish(s);
}

/* ------------------------------------------------------------ sqlite: rows */

struct batch {
	sqlite3_stmt *st;
	int per_row; /* parameters per row, the first is the rowid */
	int pending;
	int *phys; /* [per_row - 1]: the value of parameter i+2 is column phys[i] of the table */
	const struct ebr_sql_table *t;
};

static int batch_prepare(struct ebr_sql *q, struct batch *b, const struct ebr_sql_table *t, int own,
			 const char *into)
{
	sqlite3_str *s = sqlite3_str_new(NULL);
	char qn[160], *sql;
	int rc;

	b->t = t;
	b->phys = calloc(t->n_cols + 1, sizeof(*b->phys));
	if (!b->phys)
		return -ENOMEM;
	sqlite3_str_appendf(s, "INSERT INTO out.%s(rowid", into);
	b->per_row = 1;
	for (size_t i = 0; i < t->n_cols; i++) {
		const struct ebr_sql_col *c = &t->cols[i];

		if (is_generated(c) || (!own && !ebr_sql_col__is_common(c)))
			continue;
		b->phys[b->per_row - 1] = (int)i;
		b->per_row++;
		sqlite3_str_appendf(s, ", %s", ebr_sql__quote(c->name, qn, sizeof(qn)));
	}
	sqlite3_str_appendall(s, ") VALUES ");
	for (int r = 0; r < BATCH; r++) {
		sqlite3_str_appendall(s, r ? ",(" : "(");
		for (int i = 0; i < b->per_row; i++)
			sqlite3_str_appendall(s, i ? ",?" : "?");
		sqlite3_str_appendall(s, ")");
	}
	sql = sqlite3_str_finish(s);
	if (!sql)
		return -ENOMEM;
	rc = sqlite3_prepare_v2(q->db, sql, -1, &b->st, NULL);
	sqlite3_free(sql);
	if (rc != SQLITE_OK) {
		set_sqlite_err(q, q->db);
		return -EINVAL;
	}
	return 0;
}

static void bind_val(sqlite3_stmt *st, int k, const struct ebr_sql_val *v)
{
	switch (v->type) {
	case SQLITE_INTEGER:
		sqlite3_bind_int64(st, k, v->i);
		break;
	case SQLITE_TEXT:
		sqlite3_bind_text64(st, k, v->p, v->n, v->stable ? SQLITE_STATIC : SQLITE_TRANSIENT,
				    SQLITE_UTF8);
		break;
	case SQLITE_BLOB:
		sqlite3_bind_blob64(st, k, v->p, v->n, SQLITE_TRANSIENT);
		break;
	default:
		sqlite3_bind_null(st, k);
		break;
	}
}

/* After a row's parameters are bound: run the statement when the batch is full. */
static int batch_row_done(struct ebr_sql *q, struct batch *b)
{
	if (++b->pending < BATCH)
		return 0;
	b->pending = 0;
	if (sqlite3_step(b->st) != SQLITE_DONE) {
		set_sqlite_err(q, q->db);
		sqlite3_reset(b->st);
		return -EINVAL;
	}
	sqlite3_reset(b->st);
	return 0;
}

/* The last, partial batch: padded with rows of rowid -1, -2, ... (*dummy), deleted afterwards. */
static int batch_finish(struct ebr_sql *q, struct batch *b, int64_t *dummy)
{
	int err = 0;

	if (!b->st)
		return 0;
	while (!err && b->pending) {
		int base = b->pending * b->per_row;

		sqlite3_bind_int64(b->st, base + 1, --*dummy);
		for (int i = 1; i < b->per_row; i++)
			sqlite3_bind_null(b->st, base + 1 + i);
		err = batch_row_done(q, b);
	}
	sqlite3_finalize(b->st);
	b->st = NULL;
	return err;
}

struct exporter {
	struct ebr_sql *q;
	const struct ebr_sql_table *ev;
	int16_t *map;
	struct phys ph;
	struct batch evb; /* events of types no table describes: common columns only */
	struct batch *tb; /* [n_tables] */
	struct ebr_sql_buf buf;
};

static int prepare_batches(struct exporter *x)
{
	struct ebr_sql *q = x->q;
	int err = batch_prepare(q, &x->evb, x->ev, 0, x->ph.t[0].name);

	for (size_t k = 0; !err && k < q->n_tables; k++)
		if (q->tables[k].kind == EBR_TBL_TYPE)
			err = batch_prepare(q, &x->tb[k], &q->tables[k], 1, x->ph.t[x->ph.of_table[k]].name);
	return err;
}

static int export_record(struct exporter *x, size_t ci, const struct ebr_event_header *rec)
{
	const struct ebr_sql_capture *cap = &x->q->caps[ci];
	int16_t k = rec->type <= EBR_T_MAX ? x->map[ci * (EBR_T_MAX + 1) + rec->type] : -1;
	struct batch *b = k >= 0 ? &x->tb[k] : &x->evb;
	const struct ebr_sql_table *t = b->t;
	const struct ebr_field **fields = k >= 0 ? t->caps[ci].fields[rec->type] : NULL;
	int p = b->pending * b->per_row + 1;
	struct ebr_sql_val v;

	sqlite3_bind_null(b->st, p++); /* rowid: the next one */
	for (int i = 0; i < b->per_row - 1; i++) {
		int c = b->phys[i];

		ebr_sql__value(cap, &t->cols[c], fields ? fields[c] : NULL, rec, &v, &x->buf);
		bind_val(b->st, p++, &v);
	}
	return batch_row_done(x->q, b);
}

/* Every record of every capture, in capture then time order. */
static int for_each_record(struct ebr_sql *q, int (*fn)(void *, size_t, const struct ebr_event_header *),
			   void *ctx, uint64_t *n)
{
	for (size_t ci = 0; ci < q->n_caps; ci++) {
		struct ebr_cursor_opts o = { .sz = sizeof(o) };
		struct ebr_cursor *c = ebr_cursor__open(q->caps[ci].r, &o);
		const struct ebr_event_header *rec;
		int rc, err = 0;

		if (!c)
			return -errno;
		while ((rc = ebr_cursor__next(c, &rec)) > 0 && !(err = fn(ctx, ci, rec)))
			(*n)++;
		ebr_cursor__close(c);
		if (err)
			return err;
		if (rc < 0) {
			ebr_sql__set_err(q, "cannot read %s: %s", ebr_reader__path(q->caps[ci].r), strerror(-rc));
			return rc;
		}
	}
	return 0;
}

static int export_one(void *ctx, size_t ci, const struct ebr_event_header *rec)
{
	return export_record(ctx, ci, rec);
}

static int write_meta(struct ebr_sql *q, const char *cache_key)
{
	sqlite3_str *s = sqlite3_str_new(NULL);

	sqlite3_str_appendall(s, "CREATE TABLE out.ebpfrec_meta(key TEXT PRIMARY KEY, value);");
	sqlite3_str_appendf(s, "INSERT INTO out.ebpfrec_meta VALUES('schema_version', %d);",
			    EBR_SQL_SCHEMA_VERSION);
	sqlite3_str_appendf(s, "INSERT INTO out.ebpfrec_meta VALUES('tool_version', %Q);", EBR_VERSION);
	if (cache_key)
		sqlite3_str_appendf(s, "INSERT INTO out.ebpfrec_meta VALUES('cache_key', %Q);", cache_key);
	return exec_owned(q, sqlite3_str_finish(s));
}

static int copy_dims(struct ebr_sql *q)
{
	int err = ebr_sql__create_dims_in(q, "out.");

	for (size_t i = 0; !err && ebr_sql_dim_names[i]; i++)
		err = exec_owned(q, sqlite3_mprintf("INSERT INTO out.%s SELECT * FROM main.%s",
						   ebr_sql_dim_names[i], ebr_sql_dim_names[i]));
	return err;
}

static int build_sqlite(struct ebr_sql *q, const struct ebr_sql_export_opts *o, const char *cache_key,
			struct ebr_sql_export_stats *st)
{
	struct exporter x = { .q = q, .ev = ebr_sql__table(q, "events") };
	int64_t dummy = 0;
	double t0, c0;
	int err;

	x.map = type_table_map(q);
	x.tb = calloc(q->n_tables, sizeof(*x.tb));
	if (!x.map || !x.tb) {
		err = -ENOMEM;
		goto out;
	}
	err = ebr_sql__fill_all(q);
	if (!err)
		err = phys_build(q, x.ev, &x.ph);
	if (!err)
		err = ebr_sql__exec(q, "BEGIN");
	for (size_t i = 0; !err && i < x.ph.n; i++) {
		err = exec_owned(q, phys_ddl(&x.ph.t[i]));
		/*
		 * ts and type are kept while rows go in: both only ever grow at a
		 * few places (time order, one end per type), which costs less than
		 * sorting them afterwards. pid is all over the tree: sorted at the end.
		 */
		if (!err && !o->no_index)
			err = exec_owned(q, sqlite3_mprintf("CREATE INDEX out.%s_ts ON %s(ts);"
							   "CREATE INDEX out.%s_type ON %s(type);",
							   x.ph.t[i].name, x.ph.t[i].name, x.ph.t[i].name,
							   x.ph.t[i].name));
	}
	if (!err)
		err = prepare_batches(&x);
	t0 = now_s();
	c0 = cpu_s();
	if (!err)
		err = for_each_record(q, export_one, &x, &st->events);
	if (!err)
		err = batch_finish(q, &x.evb, &dummy);
	for (size_t k = 0; !err && k < q->n_tables; k++)
		err = batch_finish(q, &x.tb[k], &dummy);
	for (size_t i = 0; !err && dummy && i < x.ph.n; i++)
		err = exec_owned(q, sqlite3_mprintf("DELETE FROM out.%s WHERE rowid < 0", x.ph.t[i].name));
	st->rows = st->events;
	st->write_s = now_s() - t0;
	st->write_cpu_s = cpu_s() - c0;
	for (size_t k = 0; !err && k < q->n_tables; k++)
		err = exec_owned(q, view_ddl(q, &x.ph, &q->tables[k]));
	if (!err)
		err = copy_dims(q);
	if (!err)
		err = write_meta(q, cache_key);
	t0 = now_s();
	c0 = cpu_s();
	for (size_t i = 0; !err && !o->no_index && i < x.ph.n; i++)
		err = exec_owned(q, sqlite3_mprintf("CREATE INDEX out.%s_pid ON %s(pid)", x.ph.t[i].name,
						   x.ph.t[i].name));
	st->index_s = now_s() - t0;
	st->index_cpu_s = cpu_s() - c0;
	if (!err)
		err = ebr_sql__exec(q, "COMMIT");
	else
		sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
out:
	if (x.evb.st)
		sqlite3_finalize(x.evb.st);
	free(x.evb.phys);
	for (size_t k = 0; x.tb && k < q->n_tables; k++) {
		if (x.tb[k].st)
			sqlite3_finalize(x.tb[k].st);
		free(x.tb[k].phys);
	}
	ebr_sql_buf__free(&x.buf);
	phys_free(&x.ph);
	free(x.tb);
	free(x.map);
	return err;
}

static int export_sqlite_to(struct ebr_sql *q, const char *path, const struct ebr_sql_export_opts *o,
			    const char *cache_key, struct ebr_sql_export_stats *st)
{
	struct ebr_sql_export_opts dflt = { .sz = sizeof(dflt) };
	struct ebr_sql_export_stats dummy;
	char tmp[4096], *sql;
	int err, fd;

	if (!o)
		o = &dflt;
	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	if (!o->force && access(path, F_OK) == 0) {
		pr_err("%s exists; use --force to replace it", path);
		return -EEXIST;
	}
	/* built beside the target, renamed into place when whole */
	snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		pr_err("cannot create %s: %s", tmp, strerror(errno));
		return -errno;
	}
	close(fd);
	sql = sqlite3_mprintf("ATTACH %Q AS out; PRAGMA out.page_size = 65536; "
			      "PRAGMA out.journal_mode = OFF; PRAGMA out.synchronous = OFF; "
			      "PRAGMA out.cache_size = -131072; PRAGMA threads = 4",
			      tmp);
	err = exec_owned(q, sql);
	if (!err) {
		err = build_sqlite(q, o, cache_key, st);
		sqlite3_exec(q->db, "DETACH out", NULL, NULL, NULL);
	}
	if (!err && rename(tmp, path)) {
		err = -errno;
		pr_err("cannot rename %s to %s: %s", tmp, path, strerror(errno));
	}
	if (err) {
		if (err != -EEXIST && q->errmsg)
			pr_err("export to %s failed: %s", path, q->errmsg);
		unlink(tmp);
	}
	return err;
}

int ebr_sql__export_sqlite(struct ebr_sql *q, const char *path, const struct ebr_sql_export_opts *o,
			   struct ebr_sql_export_stats *st)
{
	return export_sqlite_to(q, path, o, NULL, st);
}

/* ------------------------------------------------------------ csv, jsonl */

struct file_exporter {
	struct ebr_sql *q;
	enum ebr_sql_format fmt;
	const char *dir;
	int16_t *map;
	const struct ebr_sql_table *ev;
	FILE **files; /* [n_tables]; NULL: not opened yet */
	struct ebr_sql_out **outs;
	struct ebr_sql_val *vals;
	struct ebr_sql_buf *bufs;
	size_t max_cols;
	FILE *stream; /* jsonl to one stream: every table writes here */
	int err;
};

static const char *ext_of(enum ebr_sql_format f)
{
	return f == EBR_SQL_FMT_CSV ? "csv" : "jsonl";
}

static int open_out(struct file_exporter *x, size_t k)
{
	const struct ebr_sql_table *t = &x->q->tables[k];
	const char **names;
	char path[4096];

	if (x->outs[k])
		return 0;
	if (x->stream) {
		x->files[k] = x->stream;
	} else {
		snprintf(path, sizeof(path), "%s/%s.%s", x->dir, t->name, ext_of(x->fmt));
		x->files[k] = fopen(path, "w");
		if (!x->files[k]) {
			pr_err("cannot create %s: %s", path, strerror(errno));
			return -errno;
		}
	}
	x->outs[k] = ebr_sql_out__new(x->files[k], x->fmt);
	names = calloc(t->n_cols + 1, sizeof(*names));
	if (!x->outs[k] || !names) {
		free(names);
		return -ENOMEM;
	}
	for (size_t i = 0; i < t->n_cols; i++)
		names[i] = t->cols[i].name;
	int err = ebr_sql_out__begin(x->outs[k], (int)t->n_cols, names);

	free(names);
	return err;
}

static int file_row(struct file_exporter *x, size_t k, size_t ci, const struct ebr_event_header *rec)
{
	const struct ebr_sql_table *t = &x->q->tables[k];
	const struct ebr_field **fields = t->kind == EBR_TBL_TYPE ? t->caps[ci].fields[rec->type] : NULL;
	int err = open_out(x, k);

	if (err)
		return err;
	for (size_t i = 0; i < t->n_cols; i++)
		ebr_sql__value(&x->q->caps[ci], &t->cols[i], fields ? fields[i] : NULL, rec, &x->vals[i],
			       &x->bufs[i]);
	return ebr_sql_out__row(x->outs[k], x->vals);
}

static int file_one(void *ctx, size_t ci, const struct ebr_event_header *rec)
{
	struct file_exporter *x = ctx;
	int16_t k = rec->type <= EBR_T_MAX ? x->map[ci * (EBR_T_MAX + 1) + rec->type] : -1;
	size_t ev = (size_t)(x->ev - x->q->tables);
	int err = 0;

	if (!x->stream || k < 0)
		err = file_row(x, ev, ci, rec); /* a stream has each event once, with its own columns */
	if (!err && k >= 0)
		err = file_row(x, (size_t)k, ci, rec);
	return err;
}

static int files_close(struct file_exporter *x)
{
	int err = 0;

	for (size_t k = 0; k < x->q->n_tables; k++) {
		if (x->outs[k]) {
			int e = ebr_sql_out__end(x->outs[k]);

			if (!err)
				err = e;
			ebr_sql_out__free(x->outs[k]);
		}
		if (x->files[k] && x->files[k] != x->stream && fclose(x->files[k]) && !err)
			err = -errno;
	}
	if (err)
		pr_err("cannot write the exported files: %s", strerror(-err));
	return err;
}

static int files_run(struct ebr_sql *q, struct file_exporter *x, struct ebr_sql_export_stats *st)
{
	double t0 = now_s();
	int err;

	x->q = q;
	x->ev = ebr_sql__table(q, "events");
	x->map = type_table_map(q);
	for (size_t k = 0; k < q->n_tables; k++)
		if (q->tables[k].n_cols > x->max_cols)
			x->max_cols = q->tables[k].n_cols;
	x->files = calloc(q->n_tables, sizeof(*x->files));
	x->outs = calloc(q->n_tables, sizeof(*x->outs));
	x->vals = calloc(x->max_cols + 1, sizeof(*x->vals));
	x->bufs = calloc(x->max_cols + 1, sizeof(*x->bufs));
	if (!x->map || !x->files || !x->outs || !x->vals || !x->bufs) {
		err = -ENOMEM;
	} else {
		/* events exists even when empty */
		err = x->stream ? 0 : open_out(x, (size_t)(x->ev - q->tables));
		if (!err)
			err = for_each_record(q, file_one, x, &st->events);
		int e = files_close(x);

		if (!err)
			err = e;
	}
	st->rows = st->events;
	st->write_s = now_s() - t0;
	for (size_t i = 0; x->bufs && i < x->max_cols; i++)
		ebr_sql_buf__free(&x->bufs[i]);
	free(x->bufs);
	free(x->vals);
	free(x->outs);
	free(x->files);
	free(x->map);
	return err;
}

static int dim_to_file(struct ebr_sql *q, const char *dir, const char *name, enum ebr_sql_format fmt)
{
	char path[4096], *sql, *msg = NULL;
	sqlite3_stmt *st = NULL;
	struct ebr_sql_out *o;
	FILE *f;
	int err;

	snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext_of(fmt));
	f = fopen(path, "w");
	if (!f) {
		pr_err("cannot create %s: %s", path, strerror(errno));
		return -errno;
	}
	o = ebr_sql_out__new(f, fmt);
	sql = sqlite3_mprintf("SELECT * FROM main.%s", name);
	err = !o || !sql ? -ENOMEM : ebr_sql__prepare(q, sql, &st, NULL);
	if (!err) {
		int64_t n = ebr_sql__run(st, o, NULL, &msg);

		err = n < 0 ? (int)n : 0;
		if (msg)
			pr_err("%s: %s", name, msg);
		sqlite3_free(msg);
	}
	sqlite3_finalize(st);
	sqlite3_free(sql);
	ebr_sql_out__free(o);
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

int ebr_sql__export_files(struct ebr_sql *q, const char *dir, enum ebr_sql_format fmt,
			  const struct ebr_sql_export_opts *o, struct ebr_sql_export_stats *st)
{
	struct file_exporter x = { .fmt = fmt, .dir = dir };
	struct ebr_sql_export_stats dummy;
	char probe[4096];
	int err;

	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	if (mkdir(dir, 0755) && errno != EEXIST) {
		pr_err("cannot create %s: %s", dir, strerror(errno));
		return -errno;
	}
	snprintf(probe, sizeof(probe), "%s/events.%s", dir, ext_of(fmt));
	if ((!o || !o->force) && access(probe, F_OK) == 0) {
		pr_err("%s exists; use --force to replace the files in %s", probe, dir);
		return -EEXIST;
	}
	err = ebr_sql__fill_all(q);
	if (!err)
		err = files_run(q, &x, st);
	for (size_t i = 0; !err && ebr_sql_dim_names[i]; i++)
		err = dim_to_file(q, dir, ebr_sql_dim_names[i], fmt);
	return err;
}

int ebr_sql__export_jsonl_stream(struct ebr_sql *q, FILE *out, struct ebr_sql_export_stats *st)
{
	struct file_exporter x = { .fmt = EBR_SQL_FMT_JSONL, .stream = out };
	struct ebr_sql_export_stats dummy;

	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	return files_run(q, &x, st);
}

/* ------------------------------------------------------------ materialize */

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

int ebr_sql__materialize(struct ebr_sql *q, const char *cache_dir, char **path, int *built)
{
	struct ebr_sql_export_opts o = { .sz = sizeof(o), .force = 1 };
	char dir[4096], key[256], file[4096 + 512];
	uint64_t h = 0xcbf29ce484222325ULL;
	const char *base;
	sqlite3 *db = NULL;
	int err, ok = 0;

	*path = NULL;
	*built = 0;
	if (cache_dir) {
		snprintf(dir, sizeof(dir), "%s", cache_dir);
	} else if ((base = getenv("XDG_CACHE_HOME")) && *base) {
		snprintf(dir, sizeof(dir), "%s/ebpfrec", base);
	} else if ((base = getenv("HOME")) && *base) {
		snprintf(dir, sizeof(dir), "%s/.cache", base);
		mkdir(dir, 0700);
		snprintf(dir, sizeof(dir), "%s/.cache/ebpfrec", base);
	} else {
		pr_err("--materialize needs a cache directory: set --cache-dir, XDG_CACHE_HOME or HOME");
		return -EINVAL;
	}
	if (mkdir(dir, 0700) && errno != EEXIST) {
		pr_err("cannot create %s: %s", dir, strerror(errno));
		return -errno;
	}
	/* the key: every capture's UUID and extent, and what this build writes */
	for (size_t i = 0; i < q->n_caps; i++) {
		const struct ebr_capture_info *in = q->caps[i].info;

		h = fnv1a(h, in->uuid, sizeof(in->uuid));
		h = fnv1a(h, &in->file_size, sizeof(in->file_size));
		h = fnv1a(h, &in->n_segments, sizeof(in->n_segments));
	}
	snprintf(key, sizeof(key), "%s-%016llx-v%d-%s", q->caps[0].info->uuid_str, (unsigned long long)h,
		 EBR_SQL_SCHEMA_VERSION, EBR_VERSION);
	snprintf(file, sizeof(file), "%s/%s.db", dir, key);

	if (sqlite3_open_v2(file, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
		sqlite3_stmt *st = NULL;

		if (sqlite3_prepare_v2(db, "SELECT value FROM ebpfrec_meta WHERE key = 'cache_key'", -1, &st,
				       NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) &&
		    !strcmp((const char *)sqlite3_column_text(st, 0), key))
			ok = 1;
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	if (!ok) {
		err = export_sqlite_to(q, file, &o, key, NULL);
		if (err)
			return err;
		*built = 1;
	}
	*path = strdup(file);
	return *path ? 0 : -ENOMEM;
}
