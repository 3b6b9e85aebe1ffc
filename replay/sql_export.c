// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Export: the captures as real tables, in one pass over the segments.
 *
 * SQLite (docs/sql.md): <family>_rows tables hold one row per event with
 * what cannot be recomputed (sql_export_layout.c), filled through a
 * virtual table over buffers of rows (sql_export_load.c); views named like
 * the query tables (events, execs, net, exec, ...) give back every column,
 * so a query gives the same answer on the exported file as on the capture.
 * This file runs it: the transaction, the indexes and when they are made,
 * the dimension tables, the file renamed into place.
 *
 * CSV and JSON Lines: one file per table with the query tables' columns.
 */
#include <errno.h>
#include <stddef.h>
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
#include "sql_export_internal.h"

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* CPU time of the process, every thread: what a measurement costs when other work shares the machine */
static double cpu_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Threads for the export: asked for, or two when there are two CPUs to run them. */
static int export_threads(const struct ebr_sql_export_opts *o)
{
	long n;

	if (o->sz >= offsetof(struct ebr_sql_export_opts, threads) + sizeof(o->threads) && o->threads > 0)
		return o->threads > 1 ? 2 : 1;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 1 ? 2 : 1;
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

/* Every record of every capture, in capture then time order. */
static int for_each_record(struct ebr_sql *q, int (*fn)(void *, size_t, const struct ebr_event_header *),
			   void *ctx, uint64_t *n)
{
	for (size_t ci = 0; ci < q->n_caps; ci++) {
		struct ebr_cursor_opts o = { .sz = sizeof(o) };
		struct ebr_cursor *c = ebr_cursor__open(q->caps[ci].r, &o);
		const struct ebr_event_header *rec;
		int rc, err = 0;

		if (!c) {
			err = -errno;
			pr_err("cannot read %s: %s", ebr_reader__path(q->caps[ci].r), strerror(-err));
			return err;
		}
		while ((rc = ebr_cursor__next(c, &rec)) > 0 && !(err = fn(ctx, ci, rec)))
			(*n)++;
		ebr_cursor__close(c);
		if (err)
			return err;
		if (rc < 0) {
			/* the files written so far stop here: say so, not just fail */
			pr_err("cannot read %s: %s; the exported files end at that point",
			       ebr_reader__path(q->caps[ci].r), strerror(-rc));
			return rc;
		}
	}
	return 0;
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

/* How many event types (by name) the captures put into physical table i; other_rows: any number. */
static unsigned types_in(const struct ebr_sql *q, const struct ebr_xp_layout *L, size_t i)
{
	unsigned n = 0;

	if (i == 0)
		return ~0u;
	for (size_t k = 0; k < q->n_tables; k++) {
		int any = 0;

		if (L->of_table[k] != (int)i)
			continue;
		for (size_t ci = 0; ci < q->n_caps; ci++)
			for (unsigned w = 0; w < EBR_SQL_TYPE_WORDS; w++)
				any |= q->tables[k].caps[ci].types[w] != 0;
		n += any;
	}
	return n;
}

static int create_index(struct ebr_sql *q, const char *table, const char *col)
{
	return exec_owned(q, sqlite3_mprintf("CREATE INDEX out.%s_%s ON %s(%s)", table, col, table, col));
}

static const char *const index_cols[] = { "ts", "type", "pid" };

/*
 * How many of index_cols (in order) table i keeps while rows go in; the
 * rest are sorted once the rows are in. Rows come in time order, so the ts
 * index only ever grows at its end, and so does the type index of a table
 * holding one type (one key, growing rowids): appending to them costs less
 * than sorting them afterwards. Where types interleave, and for pid, a
 * row's entry lands anywhere in the tree: sorting at the end is cheaper.
 */
static size_t kept_while_loading(const struct ebr_sql *q, const struct ebr_xp_layout *L, size_t i)
{
	return types_in(q, L, i) <= 1 ? 2 : 1;
}

static int build_sqlite(struct ebr_sql *q, const struct ebr_sql_export_opts *o, const char *cache_key,
			struct ebr_sql_export_stats *st)
{
	struct ebr_xp_layout L;
	struct ebr_xp_load_stats ls;
	int threads = export_threads(o);
	double t0, c0;
	int err;

	st->threads = threads;
	err = ebr_sql__fill_all(q);
	if (!err)
		err = ebr_xp_layout__build(q, &L);
	else
		memset(&L, 0, sizeof(L));
	/*
	 * The sorter's helper threads cost more CPU than they save here (they
	 * write sorted runs to temporary files to merge them): one thread sorts.
	 */
	if (!err)
		err = ebr_sql__exec(q, "PRAGMA threads = 0; BEGIN");
	for (size_t i = 0; !err && i < L.n; i++) {
		err = exec_owned(q, ebr_xp_table__ddl(&L.t[i]));
		for (size_t c = 0; !err && !o->no_index && c < kept_while_loading(q, &L, i); c++)
			err = create_index(q, L.t[i].name, index_cols[c]);
	}
	if (!err)
		err = ebr_sql__exec(q, "CREATE TABLE out.value_names(capture INTEGER, kind INTEGER, value INTEGER, "
				       "name TEXT, PRIMARY KEY(capture, kind, value)) WITHOUT ROWID");
	if (!err)
		err = exec_owned(q, ebr_xp__contexts_ddl());
	t0 = now_s();
	c0 = cpu_s();
	if (!err)
		err = ebr_xp__load(q, &L, threads, &ls);
	st->events = st->rows = err ? 0 : ls.events;
	st->write_s = now_s() - t0;
	st->write_cpu_s = cpu_s() - c0;
	for (size_t k = 0; !err && k < q->n_tables; k++)
		err = exec_owned(q, ebr_xp__view_ddl(q, &L, &q->tables[k]));
	if (!err)
		err = copy_dims(q);
	if (!err)
		err = write_meta(q, cache_key);
	t0 = now_s();
	c0 = cpu_s();
	for (size_t i = 0; !err && !o->no_index && i < L.n; i++)
		for (size_t c = kept_while_loading(q, &L, i); !err && c < 3; c++)
			err = create_index(q, L.t[i].name, index_cols[c]);
	st->index_s = now_s() - t0;
	st->index_cpu_s = cpu_s() - c0;
	if (!err)
		err = ebr_sql__exec(q, "COMMIT");
	else
		sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
	ebr_xp_layout__free(&L);
	return err;
}

static long long main_cache_size(struct ebr_sql *q)
{
	sqlite3_stmt *st;
	long long v = -2000; /* SQLite's default */

	if (sqlite3_prepare_v2(q->db, "PRAGMA main.cache_size", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int export_sqlite_to(struct ebr_sql *q, const char *path, const struct ebr_sql_export_opts *o,
			    const char *cache_key, struct ebr_sql_export_stats *st)
{
	struct ebr_sql_export_opts dflt = { .sz = sizeof(dflt) };
	struct ebr_sql_export_stats dummy;
	double t0 = now_s(), c0 = cpu_s();
	char tmp[4096], tmp_pragma[64], *sql;
	long long main_cache;
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
		err = -errno;
		pr_err("cannot create %s: %s", tmp, strerror(-err));
		return err;
	}
	close(fd);
	/*
	 * A fresh file: no journal, no syncs; 64 KiB pages measured fastest.
	 * SQLite sizes the sorter's in-memory runs (CREATE INDEX) by the main
	 * database's cache_size, not by the one the index goes to: 64 MiB
	 * each, for the pages being written and for sorting, cost less than
	 * 128 MiB of pages and runs of 2 MiB spilled to temporary files, in the
	 * same memory.
	 */
	main_cache = main_cache_size(q);
	sql = sqlite3_mprintf("ATTACH %Q AS out; PRAGMA out.page_size = 65536; "
			      "PRAGMA out.journal_mode = OFF; PRAGMA out.synchronous = OFF; "
			      "PRAGMA out.cache_size = -65536; PRAGMA main.cache_size = -65536",
			      tmp);
	err = exec_owned(q, sql);
	if (!err) {
		err = build_sqlite(q, o, cache_key, st);
		sqlite3_exec(q->db, "DETACH out", NULL, NULL, NULL);
	}
	snprintf(tmp_pragma, sizeof(tmp_pragma), "PRAGMA main.cache_size = %lld", main_cache);
	sqlite3_exec(q->db, tmp_pragma, NULL, NULL, NULL);
	if (!err && rename(tmp, path)) {
		err = -errno;
		pr_err("cannot rename %s to %s: %s", tmp, path, strerror(errno));
	}
	if (err) {
		if (err != -EEXIST && q->errmsg)
			pr_err("export to %s failed: %s", path, q->errmsg);
		unlink(tmp);
	}
	st->total_s = now_s() - t0;
	st->total_cpu_s = cpu_s() - c0;
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
			int err = -errno;

			pr_err("cannot create %s: %s", path, strerror(-err));
			return err;
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
	x->map = ebr_xp__type_table_map(q);
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
		err = -errno;
		pr_err("cannot create %s: %s", path, strerror(-err));
		return err;
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
		err = -errno;
		pr_err("cannot create %s: %s", dir, strerror(-err));
		return err;
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
		err = -errno;
		pr_err("cannot create %s: %s", dir, strerror(-err));
		return err;
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
