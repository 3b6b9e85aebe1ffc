// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Opening captures into a SQLite connection: one reader per file, the
 * event tables over all of them (the `capture` and `host` columns tell the
 * files apart), the dimension tables, and statement preparation that fills
 * the lazy dimension tables a statement reads.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "sql_internal.h"

static int segments_ordered(struct ebr_reader *r)
{
	uint64_t seen = 0;

	for (size_t i = 0; i < ebr_reader__segment_count(r); i++) {
		const struct ebr_segment_info *s = ebr_reader__segment(r, i);

		if (!s->n_records)
			continue;
		if (s->t_first < seen)
			return 0;
		seen = s->t_last;
	}
	return 1;
}

static void ts_extremes(struct ebr_sql_capture *c)
{
	int64_t b2w = c->info->boot_to_wall_ns;
	uint64_t last = 0;

	for (size_t i = 0; i < ebr_reader__segment_count(c->r); i++) {
		const struct ebr_segment_info *s = ebr_reader__segment(c->r, i);

		if (s->n_records && s->t_last > last)
			last = s->t_last;
	}
	c->high_ts = last >> 63;
	c->late_time_null = b2w > 0 && last > UINT64_MAX - (uint64_t)b2w;
}

void ebr_sql__close(struct ebr_sql *q)
{
	if (!q)
		return;
	sqlite3_close_v2(q->db); /* after the vtabs are gone the tables can go */
	ebr_sql__free_tables(q);
	for (size_t i = 0; i < q->n_caps; i++) {
		ebr_sql_sev__free(q->caps[i].sev);
		ebr_reader__close(q->caps[i].r);
	}
	free(q->caps);
	sqlite3_free(q->errmsg);
	free(q);
}

static void sqlite_setup(void)
{
	/* memory statistics take a global mutex on every allocation; nothing here reads them */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

struct ebr_sql *ebr_sql__open(const char *const *paths, size_t n, const struct ebr_sql_opts *opts)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	struct ebr_sql *q;
	int err = -EINVAL;

	(void)opts;
	pthread_once(&once, sqlite_setup);
	if (!n) {
		pr_err("no capture to open");
		errno = EINVAL;
		return NULL;
	}
	q = calloc(1, sizeof(*q));
	if (!q || !(q->caps = calloc(n, sizeof(*q->caps)))) {
		free(q);
		errno = ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		struct ebr_sql_capture *c = &q->caps[i];

		c->r = ebr_reader__open(paths[i]);
		if (!c->r) {
			err = -errno;
			goto fail; /* the reader said why */
		}
		q->n_caps++;
		c->id = (unsigned)i + 1;
		c->schema = ebr_reader__schema(c->r);
		c->info = ebr_reader__info(c->r);
		c->ordered = segments_ordered(c->r);
		ts_extremes(c);
		if (i)
			c->segment_base = c[-1].segment_base + ebr_reader__segment_count(c[-1].r);
		c->host_len = strlen(c->info->host);
		c->sev = ebr_sql_sev__new(c->schema);
		if (!c->sev) {
			err = -ENOMEM;
			goto fail;
		}
	}
	/* one thread uses the connection: no per-call mutex */
	if (sqlite3_open_v2(":memory:", &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) !=
	    SQLITE_OK) {
		pr_err("cannot open an in-memory SQLite database: %s",
		       q->db ? sqlite3_errmsg(q->db) : "out of memory");
		err = -ENOMEM;
		goto fail;
	}
	err = ebr_sql__build_tables(q);
	if (!err)
		err = ebr_sql__register_vtab(q);
	if (!err)
		err = ebr_sql__create_dims(q);
	if (err) {
		pr_err("cannot set up the SQL tables: %s", q->errmsg ? q->errmsg : strerror(-err));
		goto fail;
	}
	return q;
fail:
	ebr_sql__close(q);
	errno = -err;
	return NULL;
}

sqlite3 *ebr_sql__db(struct ebr_sql *q)
{
	return q->db;
}

const char *ebr_sql__errmsg(struct ebr_sql *q)
{
	return q->errmsg ? q->errmsg : sqlite3_errmsg(q->db);
}

const struct ebr_sql_stats *ebr_sql__stats(const struct ebr_sql *q)
{
	return &q->stats;
}

void ebr_sql__reset_stats(struct ebr_sql *q)
{
	memset(&q->stats, 0, sizeof(q->stats));
}

size_t ebr_sql__capture_count(const struct ebr_sql *q)
{
	return q->n_caps;
}

struct ebr_reader *ebr_sql__reader(const struct ebr_sql *q, size_t i)
{
	return i < q->n_caps ? q->caps[i].r : NULL;
}

/* Notes which lazy dimension tables a statement being prepared reads (views included). */
static int authorize(void *arg, int action, const char *a1, const char *a2, const char *db,
		     const char *trigger)
{
	struct ebr_sql *q = arg;

	(void)a2;
	(void)trigger;
	if (action == SQLITE_READ && a1 && (!db || !strcmp(db, "main")))
		q->lazy_wanted |= ebr_sql__lazy_of(a1);
	return SQLITE_OK;
}

int ebr_sql__prepare(struct ebr_sql *q, const char *sql, sqlite3_stmt **stmt, const char **tail)
{
	int rc, err;

	sqlite3_free(q->errmsg);
	q->errmsg = NULL;
	q->lazy_wanted = 0;
	sqlite3_set_authorizer(q->db, authorize, q);
	rc = sqlite3_prepare_v2(q->db, sql, -1, stmt, tail);
	sqlite3_set_authorizer(q->db, NULL, NULL);
	if (rc != SQLITE_OK) {
		ebr_sql__set_err(q, "%s", sqlite3_errmsg(q->db));
		*stmt = NULL;
		return -EINVAL;
	}
	err = ebr_sql__fill_lazy(q, q->lazy_wanted);
	if (err) {
		sqlite3_finalize(*stmt);
		*stmt = NULL;
	}
	return err;
}

int ebr_sql__fill_all(struct ebr_sql *q)
{
	return ebr_sql__fill_lazy(q, EBR_LAZY_PROCESSES | EBR_LAZY_CONTAINERS | EBR_LAZY_EVENT_TYPES);
}

static void column_val(sqlite3_stmt *st, int i, struct ebr_sql_val *v)
{
	v->type = sqlite3_column_type(st, i);
	switch (v->type) {
	case SQLITE_INTEGER:
		v->i = sqlite3_column_int64(st, i);
		break;
	case SQLITE_FLOAT:
		v->d = sqlite3_column_double(st, i);
		break;
	case SQLITE_TEXT:
		v->p = (const char *)sqlite3_column_text(st, i);
		v->n = (size_t)sqlite3_column_bytes(st, i);
		break;
	case SQLITE_BLOB:
		v->p = sqlite3_column_blob(st, i);
		v->n = (size_t)sqlite3_column_bytes(st, i);
		break;
	default:
		break;
	}
}

static int is_true(const struct ebr_sql_val *v)
{
	switch (v->type) {
	case SQLITE_INTEGER:
		return v->i != 0;
	case SQLITE_FLOAT:
		return v->d != 0;
	case SQLITE_TEXT:
		/* SQLite's truth of a text is that of its numeric prefix */
		return strtod(v->p, NULL) != 0;
	default:
		return 0;
	}
}

int64_t ebr_sql__run(sqlite3_stmt *st, struct ebr_sql_out *o, int *all_true, char **errmsg)
{
	int n = sqlite3_column_count(st), rc = SQLITE_DONE, err = 0, truth = 1;
	struct ebr_sql_val *vals = calloc((size_t)n + 1, sizeof(*vals));
	const char **names = calloc((size_t)n + 1, sizeof(*names));
	int64_t rows = 0;

	if (!vals || !names) {
		free(vals);
		free(names);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++)
		names[i] = sqlite3_column_name(st, i);
	if (o && n)
		err = ebr_sql_out__begin(o, n, names);
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < n; i++)
			column_val(st, i, &vals[i]);
		if (n && !is_true(&vals[0]))
			truth = 0;
		rows++;
		if (o && n)
			err = ebr_sql_out__row(o, vals);
	}
	if (!err && rc != SQLITE_DONE) {
		if (errmsg)
			*errmsg = sqlite3_mprintf("%s", sqlite3_errmsg(sqlite3_db_handle(st)));
		err = -EINVAL;
	}
	if (o && n) {
		int e = ebr_sql_out__end(o);

		if (!err)
			err = e;
	}
	sqlite3_reset(st);
	free(vals);
	free(names);
	if (all_true)
		*all_true = rows > 0 && truth;
	return err ? err : rows;
}
