// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Dimension tables: real SQLite tables, small (one row per process, probe,
 * segment, ...). Those read from the capture's metadata and index are filled
 * at open; `processes`, `containers` and `event_types` need a pass over
 * events (or a count of them), so they are created empty and filled the
 * first time a statement reads them (ebr_sql__prepare).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ebpfrec/decode.h"
#include "internal.h"
#include "layout.h"
#include "names.h"
#include "proc_history.h"
#include "sql_internal.h"

#include "ebpfrec/container.h"

struct dim_col {
	const char *name;
	const char *decl; /* with constraints */
	const char *doc;
};

struct dim_table {
	const char *name;
	unsigned lazy; /* enum ebr_sql_lazy, 0: filled at open */
	const char *doc;
	const struct dim_col *cols;
	const char *indexes; /* extra DDL, %s is the schema prefix */
};

static const struct dim_col capture_cols[] = {
	{ "id", "INTEGER PRIMARY KEY", "capture id: the `capture` column of every other table" },
	{ "path", "TEXT", "file the capture was read from" },
	{ "uuid", "TEXT", "the capture's UUID" },
	{ "host", "TEXT", "host name of the recording machine" },
	{ "kernel", "TEXT", "kernel release (uname -r)" },
	{ "kernel_version", "TEXT", "kernel version string (uname -v)" },
	{ "arch", "TEXT", "machine (uname -m); names the syscall table" },
	{ "ncpus", "INTEGER", "online CPUs when recording" },
	{ "tool_version", "TEXT", "ebpfrec version that recorded" },
	{ "format", "TEXT", "capture format version major.minor" },
	{ "start", "TEXT", "recording start, wall clock ISO 8601 UTC" },
	{ "end", "TEXT", "recording end, wall clock; NULL when unknown (recovered file)" },
	{ "first_ts", "INTEGER", "ts of the first event; NULL when there are none" },
	{ "last_ts", "INTEGER", "ts of the last event" },
	{ "boot_to_wall_ns", "INTEGER", "wall clock ns = ts + boot_to_wall_ns" },
	{ "events", "INTEGER", "events in the capture" },
	{ "segments", "INTEGER", "segments in the capture" },
	{ "file_bytes", "INTEGER", "file size" },
	{ "raw_bytes", "INTEGER", "event bytes before compression" },
	{ "recovered", "INTEGER", "1 when the file had no valid index and was scanned" },
	{ "segments_lost", "INTEGER", "damaged or cut segments skipped when recovering" },
	{ "config", "TEXT", "the recorder's effective configuration (JSON), NULL if absent" },
	{ "command", "TEXT", "the command line that recorded, NULL if absent" },
	{ "probes", "TEXT", "JSON array of probes: name, family, attach_point, attached, err" },
	{ NULL, NULL, NULL },
};

static const struct dim_col probes_cols[] = {
	{ "capture", "INTEGER", "capture id" },
	{ "name", "TEXT", "probe (BPF program) name" },
	{ "family", "TEXT", "event family it feeds" },
	{ "attach_point", "TEXT", "tracepoint or function it attaches to" },
	{ "attached", "INTEGER", "1 when attached" },
	{ "err", "INTEGER", "0 or -errno of the failed attach" },
	{ "errno", "TEXT", "name of that errno" },
	{ "message", "TEXT", "why it failed, NULL when attached" },
	{ NULL, NULL, NULL },
};

static const struct dim_col segments_cols[] = {
	{ "capture", "INTEGER", "capture id" },
	{ "seq", "INTEGER", "segment sequence number" },
	{ "first_ts", "INTEGER", "smallest ts in the segment (NULL: no events)" },
	{ "last_ts", "INTEGER", "largest ts in the segment" },
	{ "events", "INTEGER", "events in the segment" },
	{ "raw_bytes", "INTEGER", "bytes of records" },
	{ "stored_bytes", "INTEGER", "bytes compressed" },
	{ "offset", "INTEGER", "file offset of the segment" },
	{ NULL, NULL, NULL },
};

static const struct dim_col drops_cols[] = {
	{ "capture", "INTEGER", "capture id" },
	{ "segment", "INTEGER", "seq of the segment whose counters reported them" },
	{ "ts", "INTEGER", "the drops happened before this time (last event of that segment)" },
	{ "time", "TEXT", "ts as wall clock, ISO 8601 UTC" },
	{ "reason", "TEXT", "ringbuf_full, rate_limited, filtered_kernel, filtered_user, truncated, "
			      "writer_backlog, corrupt" },
	{ "description", "TEXT", "the reason in words" },
	{ "count", "INTEGER", "events lost (or filtered, truncated) since the previous report" },
	{ "total", "INTEGER", "cumulative count for this reason up to here" },
	{ NULL, NULL, NULL },
};

static const struct dim_col drops_by_type_cols[] = {
	{ "capture", "INTEGER", "capture id" },
	{ "reason", "TEXT", "drop reason (as in drops.reason)" },
	{ "type", "TEXT", "event type" },
	{ "type_id", "INTEGER", "event type id" },
	{ "count", "INTEGER", "events of this type dropped for this reason, whole capture" },
	{ NULL, NULL, NULL },
};

static const struct dim_col event_types_cols[] = {
	{ "capture", "INTEGER", "capture id" },
	{ "id", "INTEGER", "type id" },
	{ "name", "TEXT", "type name (the `type` column)" },
	{ "family", "TEXT", "family name" },
	{ "sql_table", "TEXT", "the table holding its events with typed columns" },
	{ "record_size", "INTEGER", "fixed part of its records, bytes" },
	{ "events", "INTEGER", "events of this type in the capture" },
	{ NULL, NULL, NULL },
};

static const struct dim_col processes_cols[] = {
	{ "upid", "INTEGER PRIMARY KEY", "unique process key (pids are reused; upid is not)" },
	{ "capture", "INTEGER", "capture id" },
	{ "pid", "INTEGER", "process id" },
	{ "ppid", "INTEGER", "parent process id" },
	{ "parent_upid", "INTEGER", "upid of the parent, NULL when unknown" },
	{ "comm", "TEXT", "command name (after its last exec)" },
	{ "exe", "TEXT", "executable (snapshot exe, or filename of the last exec)" },
	{ "cmdline", "TEXT", "JSON array of arguments (snapshot, or args of the last exec)" },
	{ "uid", "INTEGER", "user id" },
	{ "gid", "INTEGER", "group id" },
	{ "cgroup", "INTEGER", "cgroup v2 id" },
	{ "cgroup_path", "TEXT", "cgroup v2 path (snapshot only)" },
	{ "container", "TEXT", "container id of its cgroup; NULL when not in a container" },
	{ "start_ts", "INTEGER", "start, CLOCK_BOOTTIME ns; NULL when unknown" },
	{ "end_ts", "INTEGER", "exit time; NULL while running at the end or unknown" },
	{ "exit_code", "INTEGER", "exit status (valid when signal is 0)" },
	{ "signal", "INTEGER", "terminating signal, 0 for a normal exit" },
	{ "core_dumped", "INTEGER", "1 when it dumped core" },
	{ "execs", "INTEGER", "execs seen during the capture" },
	{ "kthread", "INTEGER", "1 for a kernel thread" },
	{ "source", "TEXT", "snapshot (running at start), fork (born during the capture) or "
			     "event (first seen in an event)" },
	{ NULL, NULL, NULL },
};

static const struct dim_col containers_cols[] = {
	{ "capture", "INTEGER", "capture id" },
	{ "cgroup", "INTEGER", "cgroup v2 id" },
	{ "cgroup_path", "TEXT", "cgroup v2 path, when known" },
	{ "container", "TEXT", "container id derived from the path; NULL when not a container" },
	{ "runtime", "TEXT", "docker, containerd, cri-o, podman, kubernetes, systemd-nspawn" },
	{ "pod_uid", "TEXT", "Kubernetes pod UID" },
	{ "pod_namespace", "TEXT", "Kubernetes namespace of the pod, when known" },
	{ "pod_name", "TEXT", "Kubernetes pod name, when known" },
	{ "unit", "TEXT", "innermost systemd unit (nginx.service, session-3.scope)" },
	{ "processes", "INTEGER", "processes seen in this cgroup" },
	{ "first_ts", "INTEGER", "earliest known start of one of them" },
	{ NULL, NULL, NULL },
};

static const struct dim_col schema_cols[] = {
	{ "table_name", "TEXT", "table or view" },
	{ "kind", "TEXT", "events, type, family (event tables) or dimension" },
	{ "position", "INTEGER", "column position, from 0" },
	{ "column_name", "TEXT", "column" },
	{ "type", "TEXT", "declared type" },
	{ "description", "TEXT", "what the column means" },
	{ NULL, NULL, NULL },
};

static const struct dim_table dims[] = {
	{ "capture", 0, "one row per capture file: host, kernel, arch, span, config, probes",
	  capture_cols, NULL },
	{ "probes", 0, "whether each probe attached, and why not", probes_cols, NULL },
	{ "segments", 0, "the capture's segments (what the time index points at)", segments_cols,
	  NULL },
	{ "drops", 0, "events lost, rate-limited or filtered, over time, by reason", drops_cols,
	  NULL },
	{ "drops_by_type", 0, "events lost per reason and event type, whole capture",
	  drops_by_type_cols, NULL },
	{ "event_types", EBR_LAZY_EVENT_TYPES, "event types in the capture's schema and their counts",
	  event_types_cols, NULL },
	{ "processes", EBR_LAZY_PROCESSES,
	  "processes: the snapshot taken at start plus exec/fork/exit events", processes_cols,
	  "CREATE INDEX %sprocesses_pid ON processes(pid)" },
	{ "containers", EBR_LAZY_CONTAINERS,
	  "cgroups: the capture's cgroup table and those processes ran in, with container ids",
	  containers_cols, "CREATE UNIQUE INDEX %scontainers_cgroup ON containers(capture, cgroup)" },
	{ "schema_columns", 0, "every table's columns with their meaning (--schema)", schema_cols,
	  NULL },
};

#define N_DIMS (sizeof(dims) / sizeof(dims[0]))

const char *const ebr_sql_dim_names[] = {
	"capture", "probes", "segments", "drops", "drops_by_type", "event_types",
	"processes", "containers", "schema_columns", NULL,
};

/* ASCII case is ignored, as SQL does for names. */
int ebr_sql__is_reserved_name(const char *name)
{
	/* events; and contexts, value_names: the exported database's own (sql_export_layout.c) */
	if (!strcasecmp(name, "events") || !strcasecmp(name, "contexts") || !strcasecmp(name, "value_names"))
		return 1;
	for (size_t i = 0; i < N_DIMS; i++)
		if (!strcasecmp(dims[i].name, name))
			return 1;
	return 0;
}

unsigned ebr_sql__lazy_of(const char *table)
{
	for (size_t i = 0; i < N_DIMS; i++)
		if (!strcasecmp(dims[i].name, table))
			return dims[i].lazy;
	return 0;
}

/* ------------------------------------------------------------ helpers */

void ebr_sql__set_err(struct ebr_sql *q, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sqlite3_free(q->errmsg);
	q->errmsg = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
}

int ebr_sql__exec(struct ebr_sql *q, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(q->db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	ebr_sql__set_err(q, "%s", msg ? msg : sqlite3_errmsg(q->db));
	sqlite3_free(msg);
	return -EINVAL;
}

/*
 * Bind one row by a spec: i int64, I int64 or NULL when 0, N an int (0:
 * NULL) then an int64, t text (NULL: SQL NULL), n NULL; then step and reset.
 */
static int put_row(struct ebr_sql *q, sqlite3_stmt *st, const char *spec, ...)
{
	va_list ap;
	int k = 1, rc;

	va_start(ap, spec);
	for (const char *s = spec; *s; s++, k++) {
		switch (*s) {
		case 'i':
			sqlite3_bind_int64(st, k, va_arg(ap, int64_t));
			break;
		case 'I': {
			int64_t v = va_arg(ap, int64_t);

			if (v)
				sqlite3_bind_int64(st, k, v);
			else
				sqlite3_bind_null(st, k);
			break;
		}
		case 'N': {
			int has = va_arg(ap, int);
			int64_t v = va_arg(ap, int64_t);

			if (has)
				sqlite3_bind_int64(st, k, v);
			else
				sqlite3_bind_null(st, k);
			break;
		}
		case 't': {
			const char *v = va_arg(ap, const char *);

			if (v)
				sqlite3_bind_text(st, k, v, -1, SQLITE_TRANSIENT);
			else
				sqlite3_bind_null(st, k);
			break;
		}
		default:
			sqlite3_bind_null(st, k);
			break;
		}
	}
	va_end(ap);
	rc = sqlite3_step(st);
	sqlite3_reset(st); /* every parameter is bound again for the next row */
	if (rc != SQLITE_DONE) {
		ebr_sql__set_err(q, "%s", sqlite3_errmsg(q->db));
		return -EINVAL;
	}
	return 0;
}

static int prepare_insert(struct ebr_sql *q, const char *table, size_t n, sqlite3_stmt **st)
{
	sqlite3_str *s = sqlite3_str_new(NULL);
	char *sql;
	int rc;

	sqlite3_str_appendf(s, "INSERT INTO %s VALUES(", table);
	for (size_t i = 0; i < n; i++)
		sqlite3_str_appendall(s, i ? ",?" : "?");
	sqlite3_str_appendall(s, ")");
	sql = sqlite3_str_finish(s);
	if (!sql)
		return -ENOMEM;
	rc = sqlite3_prepare_v2(q->db, sql, -1, st, NULL);
	sqlite3_free(sql);
	if (rc != SQLITE_OK) {
		ebr_sql__set_err(q, "%s", sqlite3_errmsg(q->db));
		return -EINVAL;
	}
	return 0;
}

static size_t ncols(const struct dim_col *c)
{
	size_t n = 0;

	while (c[n].name)
		n++;
	return n;
}

static char *wall_text(uint64_t wall_ns, char *buf, size_t len)
{
	return wall_ns ? ebr_format_wall_time(wall_ns, buf, len) : NULL;
}

static char *ts_text(const struct ebr_sql_capture *c, uint64_t ts, char *buf, size_t len)
{
	return ts ? ebr_format_wall_time(ts + (uint64_t)c->info->boot_to_wall_ns, buf, len) : NULL;
}

/* A string field (NULL: absent) of a record, copied; NULL when absent. */
static char *field_str(const struct ebr_field *f, const struct ebr_event_header *rec)
{
	const char *s;
	size_t n;
	char *d;

	if (!f || !ebr_field__is_string(f))
		return NULL;
	s = ebr_field__str(f, rec, &n);
	d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

static int64_t field_int(const struct ebr_field *f, const struct ebr_event_header *rec, int64_t dflt)
{
	if (!f || ebr_field__is_string(f) || f->kind == EBR_FK_IPADDR)
		return dflt;
	return ebr_field__s64(f, rec);
}

static char *field_strlist_json(const struct ebr_field *f, const struct ebr_event_header *rec)
{
	struct ebr_sql_buf b = {0};
	const char *s;
	size_t n, i = 0;

	if (!f || !ebr_field__is_string(f))
		return NULL;
	s = ebr_field__str(f, rec, &n);
	ebr_sql_buf__put(&b, "[", 1);
	while (i < n) {
		size_t k = strnlen(s + i, n - i);

		if (i)
			ebr_sql_buf__put(&b, ",", 1);
		ebr_sql_buf__json_str(&b, s + i, k);
		i += k + 1;
	}
	ebr_sql_buf__put(&b, "]", 2); /* with its NUL */
	return b.p;
}

/* The same, with the field found by name through the capture's schema (metadata: few records). */
static char *rec_str(const struct ebr_type *t, const struct ebr_event_header *rec, const char *name)
{
	return field_str(ebr_type__field(t, name), rec);
}

static int64_t rec_int(const struct ebr_type *t, const struct ebr_event_header *rec, const char *name,
		       int64_t dflt)
{
	return field_int(ebr_type__field(t, name), rec, dflt);
}

static char *rec_strlist_json(const struct ebr_type *t, const struct ebr_event_header *rec,
			      const char *name)
{
	return field_strlist_json(ebr_type__field(t, name), rec);
}

/* ------------------------------------------------------------ capture, probes */

struct probe_ctx {
	struct ebr_sql *q;
	const struct ebr_sql_capture *cap;
	sqlite3_stmt *st;
	struct ebr_sql_buf json;
	int err;
};

static int probe_row(const struct ebr_event_header *rec, void *arg)
{
	struct probe_ctx *p = arg;
	const struct ebr_type *t = ebr_schema__type(p->cap->schema, rec->type);
	char *name = rec_str(t, rec, "name"), *ap = rec_str(t, rec, "attach_point");
	char *msg = rec_str(t, rec, "message");
	int64_t err = rec_int(t, rec, "err", 0), attached = rec_int(t, rec, "attached", 0) != 0;
	const char *fam = ebr_family__name((unsigned)rec_int(t, rec, "family", 0));
	const char *en = err < 0 && err > -4096 ? ebr_errno_name((unsigned)-err) : NULL;
	char num[32];

	if (p->st)
		p->err = put_row(p->q, p->st, "itttiitt", (int64_t)p->cap->id, name, fam, ap, attached, err,
				 en, attached || !msg || !*msg ? NULL : msg);
	else {
		ebr_sql_buf__put(&p->json, p->json.len > 1 ? ",{\"name\":" : "{\"name\":", p->json.len > 1 ? 9 : 8);
		ebr_sql_buf__json_str(&p->json, name ? name : "", name ? strlen(name) : 0);
		ebr_sql_buf__put(&p->json, ",\"family\":", 10);
		ebr_sql_buf__json_str(&p->json, fam, strlen(fam));
		ebr_sql_buf__put(&p->json, ",\"attach_point\":", 16);
		ebr_sql_buf__json_str(&p->json, ap ? ap : "", ap ? strlen(ap) : 0);
		snprintf(num, sizeof(num), ",\"attached\":%s", attached ? "true" : "false");
		ebr_sql_buf__put(&p->json, num, strlen(num));
		snprintf(num, sizeof(num), ",\"err\":%lld}", (long long)err);
		ebr_sql_buf__put(&p->json, num, strlen(num));
	}
	free(name);
	free(ap);
	free(msg);
	return p->err;
}

static const char *meta_text(struct ebr_reader *r, unsigned kind)
{
	for (size_t i = 0; i < ebr_reader__meta_count(r); i++) {
		unsigned k;
		const void *data;
		size_t len;

		if (ebr_reader__meta(r, i, &k, &data, &len) == 0 && k == kind)
			return data; /* the reader NUL-terminates metadata */
	}
	return NULL;
}

static int fill_capture(struct ebr_sql *q)
{
	sqlite3_stmt *st = NULL, *pst = NULL;
	int err;

	err = prepare_insert(q, "capture", ncols(capture_cols), &st);
	if (!err)
		err = prepare_insert(q, "probes", ncols(probes_cols), &pst);
	for (size_t i = 0; !err && i < q->n_caps; i++) {
		const struct ebr_sql_capture *c = &q->caps[i];
		const struct ebr_capture_info *in = c->info;
		struct probe_ctx pc = { .q = q, .cap = c };
		char start[48], end[48], fmt[16];

		ebr_sql_buf__put(&pc.json, "[", 1);
		err = ebr_reader__meta_records(c->r, EBR_META_PROBES, probe_row, &pc);
		ebr_sql_buf__put(&pc.json, "]", 2);
		if (!err) {
			pc.st = pst;
			err = ebr_reader__meta_records(c->r, EBR_META_PROBES, probe_row, &pc);
		}
		snprintf(fmt, sizeof(fmt), "%u.%u", in->major, in->minor);
		if (!err)
			err = put_row(q, st, "itttttti" "tttt" "II" "iiiiiii" "ttt", (int64_t)c->id, ebr_reader__path(c->r),
				      in->uuid_str, in->host, in->kernel_release, in->kernel_version,
				      in->machine, (int64_t)in->ncpus, in->tool_version, fmt,
				      wall_text(in->created_wall_ns, start, sizeof(start)),
				      wall_text(in->ended_wall_ns, end, sizeof(end)), (int64_t)in->t_first,
				      (int64_t)in->t_last, in->boot_to_wall_ns, (int64_t)in->n_records,
				      (int64_t)in->n_segments, (int64_t)in->file_size, (int64_t)in->raw_bytes,
				      (int64_t)in->recovered, (int64_t)in->n_segments_lost,
				      meta_text(c->r, EBR_META_CONFIG), meta_text(c->r, EBR_META_NOTE),
				      pc.json.p ? pc.json.p : "[]");
		ebr_sql_buf__free(&pc.json);
	}
	sqlite3_finalize(st);
	sqlite3_finalize(pst);
	return err;
}

/* ------------------------------------------------------------ segments, drops */

static int fill_segments_drops(struct ebr_sql *q)
{
	sqlite3_stmt *sst = NULL, *dst = NULL, *tst = NULL;
	int err;

	err = prepare_insert(q, "segments", ncols(segments_cols), &sst);
	if (!err)
		err = prepare_insert(q, "drops", ncols(drops_cols), &dst);
	if (!err)
		err = prepare_insert(q, "drops_by_type", ncols(drops_by_type_cols), &tst);
	for (size_t ci = 0; !err && ci < q->n_caps; ci++) {
		const struct ebr_sql_capture *c = &q->caps[ci];
		uint64_t prev[EBR_DROP_REASONS] = {0}, seen_ts = 0;
		char when[48];

		for (size_t i = 0; !err && i < ebr_reader__segment_count(c->r); i++) {
			const struct ebr_segment_info *s = ebr_reader__segment(c->r, i);

			err = put_row(q, sst, "iiIiiiii", (int64_t)c->id, (int64_t)s->seq,
				      (int64_t)(s->n_records ? s->t_first : 0), (int64_t)s->t_last,
				      (int64_t)s->n_records, (int64_t)s->raw_size, (int64_t)s->comp_size,
				      (int64_t)s->offset);
			if (s->n_records && s->t_last > seen_ts)
				seen_ts = s->t_last;
			for (unsigned r = 0; !err && r < EBR_DROP_REASONS; r++) {
				/* counters are cumulative; a row is what changed since the last one */
				if (s->drops[r] <= prev[r])
					continue;
				err = put_row(q, dst, "iiItttii", (int64_t)c->id, (int64_t)s->seq, (int64_t)seen_ts,
					      ts_text(c, seen_ts, when, sizeof(when)), ebr_sql__drop_reason(r),
					      ebr_drop_reason__name(r), (int64_t)(s->drops[r] - prev[r]),
					      (int64_t)s->drops[r]);
				prev[r] = s->drops[r];
			}
		}
		for (unsigned r = 0; !err && r < EBR_DROP_REASONS; r++)
			for (unsigned t = 0; !err && t < EBR_DROP_TYPE_SLOTS; t++) {
				uint64_t n = ebr_reader__drops_by_type(c->r, r, t);
				const struct ebr_type *ty = ebr_schema__type(c->schema, t);
				char name[32];

				if (!n)
					continue;
				snprintf(name, sizeof(name), "type_%u", t);
				err = put_row(q, tst, "ittii", (int64_t)c->id, ebr_sql__drop_reason(r),
					      ty ? ty->name : name, (int64_t)t, (int64_t)n);
			}
	}
	sqlite3_finalize(sst);
	sqlite3_finalize(dst);
	sqlite3_finalize(tst);
	return err;
}

/* ------------------------------------------------------------ schema_columns */

static int fill_schema_columns(struct ebr_sql *q)
{
	static const char *const kinds[] = { "events", "type", "family" };
	sqlite3_stmt *st = NULL;
	int err = prepare_insert(q, "schema_columns", ncols(schema_cols), &st);

	for (size_t i = 0; !err && i < q->n_tables; i++) {
		const struct ebr_sql_table *t = &q->tables[i];

		for (size_t k = 0; !err && k < t->n_cols; k++) {
			const struct ebr_sql_col *c = &t->cols[k];

			err = put_row(q, st, "ttitt" "t", t->name, kinds[t->kind], (int64_t)k, c->name,
				      c->decl == SQLITE_TEXT ? "TEXT" : c->decl == SQLITE_BLOB ? "BLOB" : "INTEGER",
				      c->doc);
		}
	}
	for (size_t i = 0; !err && i < N_DIMS; i++)
		for (size_t k = 0; !err && dims[i].cols[k].name; k++) {
			char decl[16];

			snprintf(decl, sizeof(decl), "%s", dims[i].cols[k].decl);
			decl[strcspn(decl, " ")] = 0;
			err = put_row(q, st, "ttittt", dims[i].name, "dimension", (int64_t)k,
				      dims[i].cols[k].name, decl, dims[i].cols[k].doc);
		}
	sqlite3_finalize(st);
	return err;
}

/* ------------------------------------------------------------ event_types */

static int fill_event_types(struct ebr_sql *q)
{
	sqlite3_stmt *st = NULL;
	int err = prepare_insert(q, "event_types", ncols(event_types_cols), &st);

	for (size_t ci = 0; !err && ci < q->n_caps; ci++) {
		const struct ebr_sql_capture *c = &q->caps[ci];

		for (size_t i = 0; !err && i < ebr_schema__type_count(c->schema); i++) {
			const struct ebr_type *ty = ebr_schema__type_at(c->schema, i);
			const char *table = NULL;

			if (ebr_schema__type(c->schema, ty->id) != ty)
				continue;
			for (size_t k = 0; k < q->n_tables && !table; k++)
				if (q->tables[k].kind == EBR_TBL_TYPE && !strcmp(q->tables[k].type_name, ty->name))
					table = q->tables[k].name;
			err = put_row(q, st, "iitttii", (int64_t)c->id, (int64_t)ty->id, ty->name,
				      ty->family_name, table, (int64_t)ty->fixed_size,
				      (int64_t)ebr_reader__type_count(c->r, ty->id));
		}
	}
	sqlite3_finalize(st);
	return err;
}

/* ------------------------------------------------------------ processes */

struct proc {
	uint32_t pid, ppid, uid, gid;
	int64_t parent_upid;
	char comm[EBR_COMM_LEN + 1];
	char *exe, *cmdline, *cgroup_path;
	uint64_t cgroup;
	uint64_t start_ts, end_ts;
	int exited;
	int32_t exit_code;
	uint32_t signal, core_dumped, execs, kthread;
	const char *source;
	uint64_t key; /* ebr_proc_key: a merged capture's hosts each have their own pid 1234 */
};

/*
 * Process key (ebr_proc_key: source and pid) -> index of the process row
 * currently holding that pid. The pids
 * come from the file: with a fixed hash a damaged or hostile capture can
 * pick thousands that share a slot, and forks and exits of them took hours
 * (each removal re-inserted its whole cluster). The multiplier is drawn per
 * map, so no file knows which pids collide, and removal shifts the cluster
 * back in one pass.
 */
struct pid_map {
	uint64_t *keys; /* key + 1; 0: empty */
	size_t *vals;
	size_t cap, n; /* cap: a power of two, or 0 */
	uint64_t mul; /* odd */
	unsigned shift; /* 64 - log2(cap) */
};

static size_t pid_map__home(const struct pid_map *m, uint64_t key)
{
	return (size_t)((key * m->mul) >> m->shift);
}

static size_t *pid_map__find(struct pid_map *m, uint64_t key)
{
	if (!m->cap)
		return NULL;
	for (size_t i = pid_map__home(m, key + 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->keys[i])
			return NULL;
		if (m->keys[i] == key + 1)
			return &m->vals[i];
	}
}

static void pid_map__insert(struct pid_map *m, uint64_t key, size_t val)
{
	size_t i = pid_map__home(m, key);

	while (m->keys[i])
		i = (i + 1) & (m->cap - 1);
	m->keys[i] = key;
	m->vals[i] = val;
	m->n++;
}

static int pid_map__put(struct pid_map *m, uint64_t key, size_t val)
{
	size_t *v = pid_map__find(m, key);

	if (v) {
		*v = val;
		return 0;
	}
	if ((m->n + 1) * 2 > m->cap) {
		struct pid_map g = { .cap = m->cap ? m->cap * 2 : 1024, .mul = m->mul };

		if (!g.mul) {
			struct timespec t;

			/* not for secrecy: a value no file can know, cheap, never a syscall error */
			clock_gettime(CLOCK_MONOTONIC, &t);
			g.mul = ((uint64_t)t.tv_nsec * 0x9e3779b97f4a7c15ULL ^ (uint64_t)(uintptr_t)m ^
				 (uint64_t)t.tv_sec << 32) | 1;
		}
		g.shift = 64 - (unsigned)__builtin_ctzll(g.cap);
		g.keys = calloc(g.cap, sizeof(*g.keys));
		g.vals = calloc(g.cap, sizeof(*g.vals));
		if (!g.keys || !g.vals) {
			free(g.keys);
			free(g.vals);
			return -ENOMEM;
		}
		for (size_t i = 0; i < m->cap; i++)
			if (m->keys[i])
				pid_map__insert(&g, m->keys[i], m->vals[i]);
		free(m->keys);
		free(m->vals);
		*m = g;
	}
	pid_map__insert(m, key + 1, val);
	return 0;
}

/* Removal from linear probing: later entries of the cluster move back into the hole. */
static void pid_map__del(struct pid_map *m, uint64_t key)
{
	size_t *v = pid_map__find(m, key), i, j, mask = m->cap - 1;

	if (!v)
		return;
	i = (size_t)(v - m->vals);
	for (j = (i + 1) & mask; m->keys[j]; j = (j + 1) & mask) {
		size_t home = pid_map__home(m, m->keys[j]);

		/* an entry stays when its home lies cyclically in (i, j]: the hole is not on its path */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		m->keys[i] = m->keys[j];
		m->vals[i] = m->vals[j];
		i = j;
	}
	m->keys[i] = 0;
	m->n--;
}

/* The lifecycle fields, looked up once per capture rather than per event. */
struct lifecycle_fields {
	const struct ebr_field *child_pid, *thread;
	const struct ebr_field *ret, *filename, *args;
	const struct ebr_field *exit_code, *signal, *core_dumped, *start_ts;
};

struct procs {
	struct ebr_sql *q;
	const struct ebr_sql_capture *cap;
	struct lifecycle_fields lf;
	struct proc *v;
	size_t n, cap_v;
	struct pid_map live;
	uint64_t text_left; /* bytes of exe, cmdline and cgroup_path the rows may still hold */
	int text_cut; /* some were left NULL */
	size_t max_rows; /* proc_rows_budget */
	int rows_cut; /* processes were left out */
	int err;
};

/*
 * A forked process starts with its parent's exe and cmdline, so each fork
 * record (96 bytes, compressing to almost nothing) copies them: a parent
 * with 64 KiB of arguments (384 KiB as JSON) and a few thousand forks made
 * a 30 KiB capture take gigabytes. The text of all rows of a capture gets a
 * budget, as the reader gives metadata one: 64 MiB, or 64 times the file
 * for a large capture. Past it, exe, cmdline and cgroup_path are NULL.
 */
#define PROC_TEXT_MIN (64ull << 20)
#define PROC_TEXT_PER_FILE_BYTE 64

static uint64_t proc_text_budget(const struct ebr_sql_capture *c)
{
	uint64_t scaled = c->info->file_size * PROC_TEXT_PER_FILE_BYTE;

	return scaled > PROC_TEXT_MIN ? scaled : PROC_TEXT_MIN;
}

/*
 * Rows, likewise: a segment may hold 256 MiB of fork records that compress
 * to a few KiB, and each is a row. A real fork record takes ten bytes or
 * more on disk, so a row per two bytes of the file, and a million for small
 * files, is more than any recording has.
 */
#define PROC_ROWS_MIN (1u << 20)

static size_t proc_rows_budget(const struct ebr_sql_capture *c)
{
	uint64_t scaled = c->info->file_size / 2;

	return scaled > PROC_ROWS_MIN ? (size_t)scaled : PROC_ROWS_MIN;
}

/* s (malloc'd, may be NULL) if the budget has room for it, else NULL (s freed). */
static char *proc_text(struct procs *p, char *s)
{
	size_t n;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	if (n > p->text_left) {
		free(s);
		p->text_cut = 1;
		p->text_left = 0;
		return NULL;
	}
	p->text_left -= n;
	return s;
}

/* A process of pid, from the source (merged capture) h came from. */
static struct proc *proc_new(struct procs *p, const struct ebr_event_header *h, uint32_t pid, const char *source)
{
	struct proc *r;

	if (p->n >= p->max_rows) {
		p->rows_cut = 1; /* not an error: the process has no row */
		return NULL;
	}
	if (p->n == p->cap_v) {
		size_t cap = p->cap_v ? p->cap_v * 2 : 256;
		struct proc *n = realloc(p->v, cap * sizeof(*n));

		if (!n) {
			p->err = -ENOMEM;
			return NULL;
		}
		p->v = n;
		p->cap_v = cap;
	}
	r = &p->v[p->n];
	memset(r, 0, sizeof(*r));
	r->pid = pid;
	r->parent_upid = -1;
	r->source = source;
	r->key = ebr_proc_key(h, pid);
	if (pid_map__put(&p->live, r->key, p->n)) {
		p->err = -ENOMEM;
		return NULL;
	}
	p->n++;
	return r;
}

static void proc_from_header(struct proc *r, const struct ebr_event_header *h)
{
	r->ppid = h->ppid;
	r->uid = h->uid;
	r->gid = h->gid;
	r->cgroup = h->cgroup_id;
	memcpy(r->comm, h->comm, EBR_COMM_LEN);
	r->comm[EBR_COMM_LEN] = 0;
}

/* The process that holds pid now; one is made up from the event when none is known. */
static struct proc *proc_of(struct procs *p, const struct ebr_event_header *h)
{
	size_t *i = pid_map__find(&p->live, ebr_proc_key(h, h->pid));
	struct proc *r;

	if (i)
		return &p->v[*i];
	r = proc_new(p, h, h->pid, "event");
	if (r)
		proc_from_header(r, h);
	return r;
}

static int snapshot_row(const struct ebr_event_header *rec, void *arg)
{
	struct procs *p = arg;
	const struct ebr_type *t = ebr_schema__type(p->cap->schema, rec->type);
	struct proc *r = proc_new(p, rec, rec->pid, "snapshot");

	if (!r)
		return p->err;
	proc_from_header(r, rec);
	r->start_ts = (uint64_t)rec_int(t, rec, "start_ts", 0);
	r->kthread = rec_int(t, rec, "kthread", 0) != 0;
	r->exe = proc_text(p, rec_str(t, rec, "exe"));
	r->cmdline = proc_text(p, rec_strlist_json(t, rec, "cmdline"));
	r->cgroup_path = proc_text(p, rec_str(t, rec, "cgroup_path"));
	if (r->exe && !*r->exe) {
		free(r->exe);
		r->exe = NULL;
	}
	return 0;
}

static void on_proc_fork(struct procs *p, const struct ebr_event_header *h)
{
	uint32_t child = (uint32_t)field_int(p->lf.child_pid, h, 0);
	struct proc *parent, *r;
	size_t parent_i;

	if (field_int(p->lf.thread, h, 0) || !child)
		return; /* a new thread of the same process */
	parent = proc_of(p, h);
	if (!parent)
		return;
	parent_i = (size_t)(parent - p->v);
	pid_map__del(&p->live, ebr_proc_key(h, child)); /* a reused pid: its old holder ended unseen */
	r = proc_new(p, h, child, "fork");
	if (!r)
		return;
	parent = &p->v[parent_i]; /* proc_new may have moved the array */
	proc_from_header(r, h); /* the child starts as a copy of its parent */
	r->ppid = h->pid;
	r->parent_upid = (int64_t)parent_i;
	r->start_ts = h->ts;
	r->exe = proc_text(p, parent->exe ? strdup(parent->exe) : NULL);
	r->cmdline = proc_text(p, parent->cmdline ? strdup(parent->cmdline) : NULL);
	r->cgroup_path = proc_text(p, parent->cgroup_path ? strdup(parent->cgroup_path) : NULL);
}

static void on_proc_exec(struct procs *p, const struct ebr_event_header *h)
{
	struct proc *r;

	if (field_int(p->lf.ret, h, 0) != 0)
		return; /* a failed exec changes nothing */
	r = proc_of(p, h);
	if (!r)
		return;
	free(r->exe);
	free(r->cmdline);
	r->exe = proc_text(p, field_str(p->lf.filename, h));
	r->cmdline = proc_text(p, field_strlist_json(p->lf.args, h));
	proc_from_header(r, h);
	r->execs++;
}

static void on_proc_exit(struct procs *p, const struct ebr_event_header *h)
{
	struct proc *r = proc_of(p, h);

	if (!r)
		return;
	r->exited = 1;
	r->end_ts = h->ts;
	r->exit_code = (int32_t)field_int(p->lf.exit_code, h, 0);
	r->signal = (uint32_t)field_int(p->lf.signal, h, 0);
	r->core_dumped = field_int(p->lf.core_dumped, h, 0) != 0;
	if (!r->start_ts)
		r->start_ts = (uint64_t)field_int(p->lf.start_ts, h, 0);
	pid_map__del(&p->live, ebr_proc_key(h, h->pid));
}

static int scan_lifecycle(struct procs *p)
{
	const struct ebr_schema *s = p->cap->schema;
	const struct ebr_type *te = ebr_schema__type_by_name(s, "exec");
	const struct ebr_type *tf = ebr_schema__type_by_name(s, "fork");
	const struct ebr_type *tx = ebr_schema__type_by_name(s, "exit");
	struct ebr_cursor_opts o = { .sz = sizeof(o) };
	const struct ebr_event_header *h;
	struct ebr_cursor *c;
	int rc = 0;

	if (!te && !tf && !tx)
		return 0;
	p->lf = (struct lifecycle_fields){
		.child_pid = ebr_type__field(tf, "child_pid"), .thread = ebr_type__field(tf, "thread"),
		.ret = ebr_type__field(te, "ret"), .filename = ebr_type__field(te, "filename"),
		.args = ebr_type__field(te, "args"), .exit_code = ebr_type__field(tx, "exit_code"),
		.signal = ebr_type__field(tx, "signal"), .core_dumped = ebr_type__field(tx, "core_dumped"),
		.start_ts = ebr_type__field(tx, "start_ts"),
	};
	if (te)
		ebr_type_bitmap__set(o.type_bitmap, te->id);
	if (tf)
		ebr_type_bitmap__set(o.type_bitmap, tf->id);
	if (tx)
		ebr_type_bitmap__set(o.type_bitmap, tx->id);
	c = ebr_cursor__open(p->cap->r, &o);
	if (!c)
		return -errno;
	while (!p->err && (rc = ebr_cursor__next(c, &h)) > 0) {
		if (tf && h->type == tf->id)
			on_proc_fork(p, h);
		else if (te && h->type == te->id)
			on_proc_exec(p, h);
		else if (tx && h->type == tx->id)
			on_proc_exit(p, h);
	}
	ebr_cursor__close(c);
	if (rc < 0 && !p->err)
		p->err = rc;
	return p->err;
}

/* The container id of a cgroup, from the capture's cgroup table; NULL when none. */
static const char *container_of(const struct ebr_sql_capture *c, uint64_t cgroup)
{
	struct ebr_cgroup_view v;

	if (ebr_reader__cgroup(c->r, cgroup, &v) == 0 && v.container_id[0])
		return v.container_id;
	return NULL;
}

static int fill_processes(struct ebr_sql *q)
{
	sqlite3_stmt *st = NULL;
	int64_t base = 1;
	int err = prepare_insert(q, "processes", ncols(processes_cols), &st);

	for (size_t ci = 0; !err && ci < q->n_caps; ci++) {
		struct procs p = { .q = q, .cap = &q->caps[ci], .text_left = proc_text_budget(&q->caps[ci]),
				   .max_rows = proc_rows_budget(&q->caps[ci]) };

		err = ebr_reader__meta_records(p.cap->r, EBR_META_PROCS, snapshot_row, &p);
		/* snapshot parents: whoever holds the ppid in the snapshot */
		for (size_t i = 0; !err && i < p.n; i++) {
			/* the parent in the same source: the key's upper half */
			size_t *pi = pid_map__find(&p.live, (p.v[i].key & ~0xffffffffULL) | p.v[i].ppid);

			if (pi && *pi != i)
				p.v[i].parent_upid = (int64_t)*pi;
		}
		if (!err)
			err = scan_lifecycle(&p);
		for (size_t i = 0; !err && i < p.n; i++) {
			const struct proc *r = &p.v[i];

			err = put_row(q, st, "iiiiI" "ttt" "iiit" "t" "II" "NNN" "iit", base + (int64_t)i,
				      (int64_t)p.cap->id, (int64_t)r->pid, (int64_t)r->ppid,
				      r->parent_upid >= 0 ? base + r->parent_upid : (int64_t)0, r->comm, r->exe,
				      r->cmdline, (int64_t)r->uid, (int64_t)r->gid, (int64_t)r->cgroup,
				      r->cgroup_path, container_of(p.cap, r->cgroup), (int64_t)r->start_ts,
				      (int64_t)r->end_ts, r->exited,
				      (int64_t)r->exit_code, r->exited, (int64_t)r->signal, r->exited,
				      (int64_t)r->core_dumped, (int64_t)r->execs, (int64_t)r->kthread, r->source);
		}
		if (p.rows_cut)
			pr_warn("%s: more than %zu processes; the processes table leaves out the later ones",
				ebr_reader__path(p.cap->r), p.max_rows);
		if (p.text_cut)
			pr_warn("%s: the processes' exe, cmdline and cgroup paths exceed %llu MiB; "
				"the rest are NULL in the processes table",
				ebr_reader__path(p.cap->r), (unsigned long long)(proc_text_budget(p.cap) >> 20));
		base += (int64_t)p.n;
		for (size_t i = 0; i < p.n; i++) {
			free(p.v[i].exe);
			free(p.v[i].cmdline);
			free(p.v[i].cgroup_path);
		}
		free(p.v);
		free(p.live.keys);
		free(p.live.vals);
		if (!err && p.err)
			err = p.err;
	}
	sqlite3_finalize(st);
	return err;
}

/* ------------------------------------------------------------ public */

static int create_dim(struct ebr_sql *q, const struct dim_table *d, const char *schema)
{
	sqlite3_str *s = sqlite3_str_new(NULL);
	char *sql, quoted[64];
	int err;

	sqlite3_str_appendf(s, "CREATE TABLE %s%s(", schema, d->name);
	for (size_t k = 0; d->cols[k].name; k++)
		sqlite3_str_appendf(s, "%s%s %s", k ? ", " : "",
				    ebr_sql__quote(d->cols[k].name, quoted, sizeof(quoted)), d->cols[k].decl);
	sqlite3_str_appendall(s, ");");
	if (d->indexes)
		sqlite3_str_appendf(s, d->indexes, schema);
	sql = sqlite3_str_finish(s);
	if (!sql)
		return -ENOMEM;
	err = ebr_sql__exec(q, sql);
	sqlite3_free(sql);
	return err;
}

int ebr_sql__create_dims(struct ebr_sql *q)
{
	int err = 0;

	for (size_t i = 0; !err && i < N_DIMS; i++)
		err = create_dim(q, &dims[i], "");
	if (!err)
		err = ebr_sql__exec(q, "BEGIN");
	if (!err)
		err = fill_capture(q);
	if (!err)
		err = fill_segments_drops(q);
	if (!err)
		err = fill_schema_columns(q);
	if (!err)
		err = ebr_sql__exec(q, "COMMIT");
	else
		sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
	return err;
}

/* The capture's cgroup table, when this tree reads one (EBR_META_CGROUPS). */
static int fill_cgroup_table(struct ebr_sql *q, sqlite3_stmt *st)
{
	int err = 0;

	for (size_t ci = 0; !err && ci < q->n_caps; ci++) {
		struct ebr_reader *r = q->caps[ci].r;

		for (size_t i = 0; !err && i < ebr_reader__cgroup_count(r); i++) {
			const struct ebr_cgroup_view *v = ebr_reader__cgroup_at(r, i);
			struct ebr_cgroup_view by_id;

			/*
			 * The table may name a cgroup twice (a damaged or merged capture):
			 * one row per cgroup, or containers' unique index refuses the whole
			 * fill. The row is the entry lookups by id give, as the `container`
			 * column of the event tables does. The table is sorted by id.
			 */
			if (i && ebr_reader__cgroup_at(r, i - 1)->id == v->id)
				continue;
			if (ebr_reader__cgroup(r, v->id, &by_id) == 0)
				v = &by_id;
			err = put_row(q, st, "iittttttt", (int64_t)q->caps[ci].id, (int64_t)v->id, v->path,
				      v->container_id, v->runtime, v->pod_uid, v->pod_namespace, v->pod_name,
				      v->unit);
		}
	}
	return err;
}

/*
 * Every cgroup the capture's cgroup table knows or a process ran in, with
 * what the table says of it and how many processes ran there.
 */
static int fill_containers(struct ebr_sql *q)
{
	sqlite3_stmt *st = NULL;
	int err = ebr_sql__exec(q, "CREATE TEMP TABLE ebr_cgroups(capture, cgroup, path, container, runtime, "
				   "pod_uid, pod_namespace, pod_name, unit)");

	if (!err)
		err = prepare_insert(q, "temp.ebr_cgroups", 9, &st);
	if (!err)
		err = fill_cgroup_table(q, st);
	sqlite3_finalize(st);
	if (!err)
		err = ebr_sql__exec(
			q, "WITH pc AS (SELECT capture, cgroup, count(*) AS n, min(start_ts) AS first, "
			   "max(cgroup_path) AS path FROM processes GROUP BY capture, cgroup), "
			   "k AS (SELECT capture, cgroup FROM temp.ebr_cgroups UNION SELECT capture, cgroup FROM pc) "
			   "INSERT INTO containers SELECT k.capture, k.cgroup, coalesce(nullif(c.path, ''), pc.path), "
			   "nullif(c.container, ''), nullif(c.runtime, ''), nullif(c.pod_uid, ''), "
			   "nullif(c.pod_namespace, ''), nullif(c.pod_name, ''), nullif(c.unit, ''), "
			   "coalesce(pc.n, 0), pc.first FROM k "
			   "LEFT JOIN temp.ebr_cgroups c ON c.capture = k.capture AND c.cgroup = k.cgroup "
			   "LEFT JOIN pc ON pc.capture = k.capture AND pc.cgroup = k.cgroup ORDER BY 1, 2");
	sqlite3_exec(q->db, "DROP TABLE IF EXISTS temp.ebr_cgroups", NULL, NULL, NULL);
	return err;
}

int ebr_sql__fill_lazy(struct ebr_sql *q, unsigned which)
{
	int err = 0;

	if (which & EBR_LAZY_CONTAINERS)
		which |= EBR_LAZY_PROCESSES;
	which &= ~q->lazy_done;
	if (!which)
		return 0;
	/* inside the user's transaction, if any: our rows are then theirs to roll back */
	int own_tx = sqlite3_get_autocommit(q->db);

	if (own_tx)
		err = ebr_sql__exec(q, "BEGIN");
	if (!err && (which & EBR_LAZY_PROCESSES))
		err = fill_processes(q);
	if (!err && (which & EBR_LAZY_CONTAINERS))
		err = fill_containers(q);
	if (!err && (which & EBR_LAZY_EVENT_TYPES))
		err = fill_event_types(q);
	if (own_tx) {
		if (!err)
			err = ebr_sql__exec(q, "COMMIT");
		else
			sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
	}
	if (!err)
		q->lazy_done |= which;
	return err;
}

int ebr_sql__create_dims_in(struct ebr_sql *q, const char *schema)
{
	int err = 0;

	for (size_t i = 0; !err && i < N_DIMS; i++)
		err = create_dim(q, &dims[i], schema);
	return err;
}
