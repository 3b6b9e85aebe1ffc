// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Export: the captures as real tables, in one pass over the segments.
 *
 * SQLite layout (docs/sql.md): event_rows holds every event's common
 * columns (indexes on ts, pid, type); <table>_fields holds each type's own
 * columns keyed by the same id; views named like the query tables (events,
 * execs, net, exec, ...) join them back, so a query gives the same answer on
 * the exported file as on the capture. time, family, host and container are
 * generated columns: computed when read, never stored.
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
		sqlite3_str_appendall(s, "NULL");
		return;
	}
}

static char *fields_name(const struct ebr_sql_table *t, char *buf, size_t len)
{
	char raw[128];

	snprintf(raw, sizeof(raw), "%s_fields", t->name);
	return (char *)ebr_sql__quote(raw, buf, len);
}

static char *event_rows_ddl(const struct ebr_sql_table *ev)
{
	sqlite3_str *s = sqlite3_str_new(NULL);
	char qn[160];

	sqlite3_str_appendall(s, "CREATE TABLE out.event_rows(id INTEGER PRIMARY KEY");
	for (size_t i = 0; i < ev->n_cols; i++) {
		const struct ebr_sql_col *c = &ev->cols[i];

		if (is_generated(c))
			continue;
		sqlite3_str_appendf(s, ", %s %s", ebr_sql__quote(c->name, qn, sizeof(qn)), decl_name(c->decl));
	}
	sqlite3_str_appendall(s, ")");
	return sqlite3_str_finish(s);
}

/* SELECT list of one arm: the columns of view v, from a type table (or none). */
static void append_arm(struct ebr_sql *q, sqlite3_str *s, const struct ebr_sql_table *v,
		       const struct ebr_sql_table *from)
{
	char qn[160], fn[160];

	sqlite3_str_appendall(s, "SELECT ");
	for (size_t i = 0; i < v->n_cols; i++) {
		const struct ebr_sql_col *c = &v->cols[i];
		int have = 0;

		ebr_sql__quote(c->name, qn, sizeof(qn));
		if (i)
			sqlite3_str_appendall(s, ", ");
		if (is_generated(c)) {
			append_derived(q, s, c, "e.");
			sqlite3_str_appendf(s, " AS %s", qn);
			continue;
		}
		if (ebr_sql_col__is_common(c)) {
			sqlite3_str_appendf(s, "e.%s AS %s", qn, qn);
			continue;
		}
		for (size_t k = 0; from && k < from->n_cols && !have; k++)
			have = !strcmp(from->cols[k].name, c->name);
		if (have)
			sqlite3_str_appendf(s, "d.%s AS %s", qn, qn);
		else
			sqlite3_str_appendf(s, "NULL AS %s", qn);
	}
	if (from)
		sqlite3_str_appendf(s, " FROM event_rows e JOIN %s d ON d.id = e.id",
				    fields_name(from, fn, sizeof(fn)));
	else
		sqlite3_str_appendall(s, " FROM event_rows e WHERE 0");
}

static char *view_ddl(struct ebr_sql *q, const struct ebr_sql_table *v)
{
	sqlite3_str *s = sqlite3_str_new(NULL);
	char qn[160];
	int arms = 0;

	sqlite3_str_appendf(s, "CREATE VIEW out.%s AS ", ebr_sql__quote(v->name, qn, sizeof(qn)));
	if (v->kind == EBR_TBL_EVENTS) {
		sqlite3_str_appendall(s, "SELECT ");
		for (size_t i = 0; i < v->n_cols; i++) {
			ebr_sql__quote(v->cols[i].name, qn, sizeof(qn));
			if (i)
				sqlite3_str_appendall(s, ", ");
			if (is_generated(&v->cols[i])) {
				append_derived(q, s, &v->cols[i], "");
				sqlite3_str_appendf(s, " AS %s", qn);
			} else {
				sqlite3_str_appendall(s, qn);
			}
		}
		sqlite3_str_appendall(s, " FROM event_rows");
		return sqlite3_str_finish(s);
	}
	if (v->kind == EBR_TBL_TYPE) {
		append_arm(q, s, v, v);
		return sqlite3_str_finish(s);
	}
	for (size_t k = 0; k < q->n_tables; k++) {
		if (!ebr_sql__table_includes(q, v, &q->tables[k]))
			continue;
		if (arms++)
			sqlite3_str_appendall(s, " UNION ALL ");
		append_arm(q, s, v, &q->tables[k]);
	}
	if (!arms)
		append_arm(q, s, v, NULL);
	return sqlite3_str_finish(s);
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

/* ------------------------------------------------------------ sqlite: rows */

struct batch {
	sqlite3_stmt *st;
	int per_row; /* parameters per row */
	int pending;
	int64_t dummy; /* padding rows get ids -1, -2, ... and are deleted at the end */
	char name[160]; /* quoted table name */
};

static int batch_prepare(struct ebr_sql *q, struct batch *b, const char *name, const char *cols,
			 int per_row)
{
	sqlite3_str *s = sqlite3_str_new(NULL);
	char *sql;
	int rc;

	snprintf(b->name, sizeof(b->name), "%s", name);
	b->per_row = per_row;
	sqlite3_str_appendf(s, "INSERT INTO out.%s(%s) VALUES ", name, cols);
	for (int r = 0; r < BATCH; r++) {
		sqlite3_str_appendall(s, r ? ",(" : "(");
		for (int i = 0; i < per_row; i++)
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

static int batch_finish(struct ebr_sql *q, struct batch *b)
{
	int err = 0;

	if (!b->st)
		return 0;
	if (b->pending) {
		while (!err && b->pending) {
			int base = b->pending * b->per_row;

			sqlite3_bind_int64(b->st, base + 1, --b->dummy);
			for (int i = 1; i < b->per_row; i++)
				sqlite3_bind_null(b->st, base + 1 + i);
			err = batch_row_done(q, b);
		}
		if (!err)
			err = exec_owned(q, sqlite3_mprintf("DELETE FROM out.%s WHERE id < 0", b->name));
	}
	sqlite3_finalize(b->st);
	b->st = NULL;
	return err;
}

struct exporter {
	struct ebr_sql *q;
	const struct ebr_sql_table *ev;
	int16_t *map;
	struct batch evb;
	struct batch *tb; /* [n_tables] */
	struct ebr_sql_buf buf;
	int64_t next_id;
	/* the columns each table stores, so the per-event loop does not filter */
	uint16_t *ev_cols;
	size_t n_ev_cols;
	uint16_t **own_cols; /* [n_tables] */
	size_t *n_own_cols;
};

static int stored_columns(struct exporter *x)
{
	struct ebr_sql *q = x->q;

	x->ev_cols = calloc(x->ev->n_cols + 1, sizeof(*x->ev_cols));
	x->own_cols = calloc(q->n_tables, sizeof(*x->own_cols));
	x->n_own_cols = calloc(q->n_tables, sizeof(*x->n_own_cols));
	if (!x->ev_cols || !x->own_cols || !x->n_own_cols)
		return -ENOMEM;
	for (size_t i = 0; i < x->ev->n_cols; i++)
		if (!is_generated(&x->ev->cols[i]))
			x->ev_cols[x->n_ev_cols++] = (uint16_t)i;
	for (size_t k = 0; k < q->n_tables; k++) {
		const struct ebr_sql_table *t = &q->tables[k];

		if (t->kind != EBR_TBL_TYPE)
			continue;
		x->own_cols[k] = calloc(t->n_cols + 1, sizeof(**x->own_cols));
		if (!x->own_cols[k])
			return -ENOMEM;
		for (size_t i = 0; i < t->n_cols; i++)
			if (!ebr_sql_col__is_common(&t->cols[i]))
				x->own_cols[k][x->n_own_cols[k]++] = (uint16_t)i;
	}
	return 0;
}

static int prepare_batches(struct exporter *x)
{
	struct ebr_sql *q = x->q;
	sqlite3_str *s = sqlite3_str_new(NULL);
	char qn[160], *cols;
	int n = 1, err;

	sqlite3_str_appendall(s, "id");
	for (size_t i = 0; i < x->ev->n_cols; i++)
		if (!is_generated(&x->ev->cols[i])) {
			sqlite3_str_appendf(s, ", %s", ebr_sql__quote(x->ev->cols[i].name, qn, sizeof(qn)));
			n++;
		}
	cols = sqlite3_str_finish(s);
	if (!cols)
		return -ENOMEM;
	err = batch_prepare(q, &x->evb, "event_rows", cols, n);
	sqlite3_free(cols);
	for (size_t k = 0; !err && k < q->n_tables; k++) {
		const struct ebr_sql_table *t = &q->tables[k];

		if (t->kind != EBR_TBL_TYPE)
			continue;
		s = sqlite3_str_new(NULL);
		sqlite3_str_appendall(s, "id");
		n = 1;
		for (size_t i = 0; i < t->n_cols; i++)
			if (!ebr_sql_col__is_common(&t->cols[i])) {
				sqlite3_str_appendf(s, ", %s", ebr_sql__quote(t->cols[i].name, qn, sizeof(qn)));
				n++;
			}
		cols = sqlite3_str_finish(s);
		if (!cols)
			return -ENOMEM;
		err = batch_prepare(q, &x->tb[k], fields_name(t, qn, sizeof(qn)), cols, n);
		sqlite3_free(cols);
	}
	return err;
}

static int export_record(struct exporter *x, size_t ci, const struct ebr_event_header *rec)
{
	const struct ebr_sql_capture *cap = &x->q->caps[ci];
	int16_t k = rec->type <= EBR_T_MAX ? x->map[ci * (EBR_T_MAX + 1) + rec->type] : -1;
	int64_t id = ++x->next_id;
	struct ebr_sql_val v;
	struct batch *b = &x->evb;
	int p = b->pending * b->per_row + 1, err;

	sqlite3_bind_int64(b->st, p++, id);
	for (size_t i = 0; i < x->n_ev_cols; i++) {
		ebr_sql__value(cap, &x->ev->cols[x->ev_cols[i]], NULL, rec, &v, &x->buf);
		bind_val(b->st, p++, &v);
	}
	err = batch_row_done(x->q, b);
	if (err || k < 0)
		return err;

	const struct ebr_sql_table *t = &x->q->tables[k];
	const struct ebr_field **fields = t->caps[ci].fields[rec->type];
	const uint16_t *own = x->own_cols[k];

	b = &x->tb[k];
	p = b->pending * b->per_row + 1;
	sqlite3_bind_int64(b->st, p++, id);
	for (size_t i = 0; i < x->n_own_cols[k]; i++) {
		ebr_sql__value(cap, &t->cols[own[i]], fields ? fields[own[i]] : NULL, rec, &v, &x->buf);
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
	double t0;
	int err;

	x.map = type_table_map(q);
	x.tb = calloc(q->n_tables, sizeof(*x.tb));
	if (!x.map || !x.tb) {
		err = -ENOMEM;
		goto out;
	}
	err = ebr_sql__fill_all(q);
	if (!err)
		err = ebr_sql__exec(q, "BEGIN");
	if (!err)
		err = exec_owned(q, event_rows_ddl(x.ev));
	for (size_t k = 0; !err && k < q->n_tables; k++) {
		char raw[128];

		snprintf(raw, sizeof(raw), "%s_fields", q->tables[k].name);
		if (q->tables[k].kind == EBR_TBL_TYPE)
			err = exec_owned(q, ebr_sql_table__ddl(&q->tables[k], "out.", raw, 1));
	}
	if (!err)
		err = stored_columns(&x);
	if (!err)
		err = prepare_batches(&x);
	t0 = now_s();
	if (!err)
		err = for_each_record(q, export_one, &x, &st->events);
	if (!err)
		err = batch_finish(q, &x.evb);
	for (size_t k = 0; k < q->n_tables; k++) {
		int e = err ? 0 : batch_finish(q, &x.tb[k]);

		if (!err)
			err = e;
		if (x.tb[k].st)
			sqlite3_finalize(x.tb[k].st);
	}
	st->rows = st->events;
	st->write_s = now_s() - t0;
	for (size_t k = 0; !err && k < q->n_tables; k++)
		err = exec_owned(q, view_ddl(q, &q->tables[k]));
	if (!err)
		err = copy_dims(q);
	if (!err)
		err = write_meta(q, cache_key);
	t0 = now_s();
	if (!err && !o->no_index)
		err = ebr_sql__exec(q, "CREATE INDEX out.event_rows_ts ON event_rows(ts);"
				       "CREATE INDEX out.event_rows_pid ON event_rows(pid);"
				       "CREATE INDEX out.event_rows_type ON event_rows(type);");
	st->index_s = now_s() - t0;
	if (!err)
		err = ebr_sql__exec(q, "COMMIT");
	else
		sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
out:
	if (x.evb.st)
		sqlite3_finalize(x.evb.st);
	ebr_sql_buf__free(&x.buf);
	for (size_t k = 0; x.own_cols && k < q->n_tables; k++)
		free(x.own_cols[k]);
	free(x.own_cols);
	free(x.n_own_cols);
	free(x.ev_cols);
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
