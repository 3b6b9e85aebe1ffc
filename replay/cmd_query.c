// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `ebpfrec query`: SQL over one or more captures (docs/sql.md). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli_util.h"
#include "commands.h"
#include "sql.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ebpfrec query FILE... \"SQL\" [options]\n"
		"       ebpfrec query FILE... --schema\n"
		"       ebpfrec query FILE...            (SQL from stdin, or a prompt on a terminal)\n\n"
		"Run SQL over captures, without root. Tables: events (every event), execs, forks,\n"
		"exits, syscalls, net, mem, files (typed columns per family), one table per event\n"
		"type, and processes, containers, drops, capture, probes, segments, event_types.\n"
		"With several files, the capture and host columns tell them apart. docs/sql.md\n"
		"describes every table; --schema lists them.\n\n"
		"options:\n"
		"  -f, --format FMT     table (default on a terminal), csv (default otherwise),\n"
		"                       json (one array) or jsonl (one object per line)\n"
		"  -o, --output FILE    write the results to FILE instead of stdout\n"
		"  -e, --sql SQL        the SQL, when it should not be the last argument\n"
		"      --schema         list every table and column with its type and meaning\n"
		"      --assert COND    for CI: exit 1 unless the last statement's result meets\n"
		"                       COND: empty, nonempty, true (every row's first column is\n"
		"                       true, and there is a row), or rows OP N with OP one of\n"
		"                       == != < <= > >=, e.g. 'rows>=3'\n"
		"  -q, --quiet          do not print results (use with --assert)\n"
		"      --stats          report segments read/skipped, rows and time on stderr\n"
		"      --materialize    first copy the captures into an indexed SQLite cache\n"
		"                       (kept, keyed by capture UUID) for join-heavy queries\n"
		"      --cache-dir DIR  where --materialize keeps its databases\n"
		"                       (default $XDG_CACHE_HOME/ebpfrec or ~/.cache/ebpfrec)\n"
		"  -h, --help           this text\n\n"
		"examples:\n"
		"  ebpfrec query t.ebc \"SELECT comm, count(*) FROM events GROUP BY 1 ORDER BY 2 DESC\"\n"
		"  ebpfrec query t.ebc \"SELECT * FROM exits WHERE signal != 0\" -f json\n"
		"  ebpfrec query a.ebc b.ebc \"SELECT host, count(*) FROM execs GROUP BY host\"\n"
		"  ebpfrec query t.ebc \"SELECT * FROM exits WHERE core_dumped\" --assert empty -q\n");
}

struct assert_cond {
	int kind; /* 0 none, 1 empty, 2 nonempty, 3 true, 4 rows */
	char op[3];
	int64_t n;
	const char *text;
};

static int parse_assert(const char *s, struct assert_cond *a)
{
	const char *p;
	char *end;

	a->text = s;
	if (!strcmp(s, "empty"))
		a->kind = 1;
	else if (!strcmp(s, "nonempty"))
		a->kind = 2;
	else if (!strcmp(s, "true"))
		a->kind = 3;
	else if (!strncmp(s, "rows", 4)) {
		p = s + 4;
		while (*p == ' ')
			p++;
		size_t k = strspn(p, "=!<>");

		if (k < 1 || k > 2)
			return -EINVAL;
		memcpy(a->op, p, k);
		a->op[k] = 0;
		if (strcmp(a->op, "==") && strcmp(a->op, "!=") && strcmp(a->op, "<") &&
		    strcmp(a->op, "<=") && strcmp(a->op, ">") && strcmp(a->op, ">=") && strcmp(a->op, "="))
			return -EINVAL;
		p += k;
		errno = 0;
		a->n = strtoll(p, &end, 10);
		if (errno || end == p || *end)
			return -EINVAL;
		a->kind = 4;
	} else {
		return -EINVAL;
	}
	return 0;
}

static int assert_holds(const struct assert_cond *a, int64_t rows, int all_true)
{
	switch (a->kind) {
	case 1:
		return rows == 0;
	case 2:
		return rows > 0;
	case 3:
		return all_true;
	case 4:
		if (!strcmp(a->op, "==") || !strcmp(a->op, "="))
			return rows == a->n;
		if (!strcmp(a->op, "!="))
			return rows != a->n;
		if (!strcmp(a->op, "<"))
			return rows < a->n;
		if (!strcmp(a->op, "<="))
			return rows <= a->n;
		if (!strcmp(a->op, ">"))
			return rows > a->n;
		return rows >= a->n;
	}
	return 1;
}

struct session {
	struct ebr_sql *q;
	sqlite3 *mdb; /* --materialize: the cache database, queried instead */
	struct ebr_sql_out *out;
	FILE *f;
	int quiet;
	int64_t last_rows;
	int last_true, have_result;
};

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Every statement of sql, in order; results of each one that returns columns. */
static int run_sql(struct session *s, const char *sql)
{
	const char *p = sql, *tail;
	sqlite3_stmt *st;
	int results = 0;

	while (*p) {
		char *msg = NULL;
		int64_t rows;
		int all_true, rc;

		if (s->mdb) {
			rc = sqlite3_prepare_v2(s->mdb, p, -1, &st, &tail) == SQLITE_OK ? 0 : -EINVAL;
			if (rc)
				msg = sqlite3_mprintf("%s", sqlite3_errmsg(s->mdb));
		} else {
			rc = ebr_sql__prepare(s->q, p, &st, &tail);
			if (rc)
				msg = sqlite3_mprintf("%s", ebr_sql__errmsg(s->q));
		}
		if (rc) {
			fprintf(stderr, "ebpfrec query: %s\n", msg ? msg : "out of memory");
			sqlite3_free(msg);
			return -EINVAL;
		}
		p = tail;
		if (!st)
			continue; /* blank or a comment */
		if (results && sqlite3_column_count(st) && !s->quiet)
			fputc('\n', s->f); /* between result sets */
		rows = ebr_sql__run(st, s->quiet ? NULL : s->out, &all_true, &msg);
		if (rows < 0) {
			if (rows == -EINVAL)
				fprintf(stderr, "ebpfrec query: %s\n", msg ? msg : "SQL error");
			else if (rows == -ENOMEM)
				fprintf(stderr, "ebpfrec query: out of memory running the SQL\n");
			else if (rows != -EPIPE) /* the reader went away (| head): not a failure */
				fprintf(stderr, "ebpfrec query: cannot write the result: %s\n",
					strerror((int)-rows));
			sqlite3_free(msg);
			sqlite3_finalize(st);
			return (int)rows;
		}
		if (sqlite3_column_count(st)) {
			results++;
			s->last_rows = rows;
			s->last_true = all_true;
			s->have_result = 1;
		}
		sqlite3_finalize(st);
	}
	return 0;
}

static char *read_all(FILE *f)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);

	while (buf) {
		size_t n = fread(buf + len, 1, cap - len - 1, f);

		len += n;
		if (len + 1 < cap) {
			if (ferror(f)) {
				free(buf);
				return NULL;
			}
			buf[len] = 0;
			return buf;
		}
		char *nb = realloc(buf, cap * 2);

		if (!nb)
			free(buf);
		buf = nb;
		cap *= 2;
	}
	return NULL;
}

/* A small prompt: statements end with ';', dot-commands are .tables .schema .quit */
static int interactive(struct session *s)
{
	char line[8192];
	size_t cap = 0, len = 0;
	char *stmt = NULL;

	fprintf(stderr, "ebpfrec SQL prompt: end statements with ';'. .tables lists tables, "
			".schema [TABLE] their columns, .quit leaves.\n");
	for (;;) {
		fputs(len ? "   ...> " : "ebpfrec> ", stderr);
		fflush(stderr);
		if (!fgets(line, sizeof(line), stdin))
			break;
		if (!len && line[0] == '.') {
			char *arg = line + strcspn(line, " \t\n"), *sql;

			arg += strspn(arg, " \t");
			arg[strcspn(arg, " \t\n")] = 0;
			if (!strncmp(line, ".quit", 5) || !strncmp(line, ".exit", 5))
				break;
			if (!strncmp(line, ".tables", 7))
				sql = sqlite3_mprintf("SELECT table_name, kind, count(*) AS columns "
						      "FROM schema_columns GROUP BY table_name ORDER BY kind, table_name");
			else if (!strncmp(line, ".schema", 7))
				sql = *arg ? sqlite3_mprintf("SELECT column_name, type, description FROM "
							     "schema_columns WHERE table_name = %Q ORDER BY position",
							     arg) :
					     sqlite3_mprintf("SELECT table_name, column_name, type, description FROM "
							     "schema_columns ORDER BY table_name, position");
			else {
				fprintf(stderr, "unknown command; try .tables, .schema or .quit\n");
				continue;
			}
			if (sql)
				run_sql(s, sql);
			sqlite3_free(sql);
			fflush(s->f);
			continue;
		}
		size_t n = strlen(line);

		if (len + n + 1 > cap) {
			char *nb = realloc(stmt, (len + n + 1) * 2);

			if (!nb)
				break;
			stmt = nb;
			cap = (len + n + 1) * 2;
		}
		memcpy(stmt + len, line, n + 1);
		len += n;
		if (sqlite3_complete(stmt)) {
			run_sql(s, stmt);
			fflush(s->f);
			len = 0;
		}
	}
	free(stmt);
	fputc('\n', stderr);
	return 0;
}

static int is_file(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

int cmd_query(int argc, char **argv)
{
	enum { OPT_SCHEMA = 256, OPT_ASSERT, OPT_STATS, OPT_MATERIALIZE, OPT_CACHE_DIR };
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "sql", required_argument, NULL, 'e' },
		{ "schema", no_argument, NULL, OPT_SCHEMA },
		{ "assert", required_argument, NULL, OPT_ASSERT },
		{ "quiet", no_argument, NULL, 'q' },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "materialize", no_argument, NULL, OPT_MATERIALIZE },
		{ "cache-dir", required_argument, NULL, OPT_CACHE_DIR },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct session s = {0};
	struct assert_cond cond = {0};
	enum ebr_sql_format fmt = EBR_SQL_FMT_TABLE;
	const char *sql = NULL, *out_path = NULL, *cache_dir = NULL;
	int have_fmt = 0, schema = 0, stats = 0, materialize = 0, c, n_files, ret = EXIT_FAIL, err;
	char *stdin_sql = NULL, *mpath = NULL;
	FILE *out = stdout;
	double t0;

	while ((c = getopt_long(argc, argv, "f:o:e:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (ebr_sql_format__parse(optarg, &fmt)) {
				fprintf(stderr, "ebpfrec query: unknown format '%s': table, csv, json or jsonl\n",
					optarg);
				return EXIT_USAGE;
			}
			have_fmt = 1;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'e':
			sql = optarg;
			break;
		case OPT_SCHEMA:
			schema = 1;
			break;
		case OPT_ASSERT:
			if (parse_assert(optarg, &cond)) {
				fprintf(stderr, "ebpfrec query: --assert wants empty, nonempty, true or rows OP N "
						"(OP: == != < <= > >=), not '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'q':
			s.quiet = 1;
			break;
		case OPT_STATS:
			stats = 1;
			break;
		case OPT_MATERIALIZE:
			materialize = 1;
			break;
		case OPT_CACHE_DIR:
			cache_dir = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	n_files = argc - optind;
	/* the last argument is the SQL unless it names a file (or -e/--schema said otherwise) */
	if (!sql && !schema && n_files >= 2 && !is_file(argv[argc - 1])) {
		sql = argv[argc - 1];
		n_files--;
	}
	if (n_files < 1 || (schema && sql)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (int i = 0; i < n_files; i++)
		if (!is_file(argv[optind + i])) {
			fprintf(stderr, "ebpfrec query: %s is not a capture file%s\n", argv[optind + i],
				i == n_files - 1 && n_files > 1 ? " (the SQL goes last, in quotes)" : "");
			return EXIT_USAGE;
		}
	if (schema) {
		sql = "SELECT table_name, column_name, type, description FROM schema_columns "
		      "ORDER BY CASE kind WHEN 'events' THEN 0 WHEN 'family' THEN 1 WHEN 'type' THEN 2 "
		      "ELSE 3 END, table_name, position";
	}
	if (!sql && !isatty(STDIN_FILENO)) {
		stdin_sql = read_all(stdin);
		if (!stdin_sql) {
			fprintf(stderr, "ebpfrec query: cannot read SQL from stdin\n");
			return EXIT_FAIL;
		}
		sql = stdin_sql;
	}

	if (out_path) {
		out = fopen(out_path, "w");
		if (!out) {
			fprintf(stderr, "ebpfrec query: cannot create %s: %s\n", out_path, strerror(errno));
			free(stdin_sql);
			return EXIT_FAIL;
		}
	}
	if (!have_fmt)
		fmt = isatty(fileno(out)) ? EBR_SQL_FMT_TABLE : EBR_SQL_FMT_CSV;

	t0 = now_s();
	s.q = ebr_sql__open((const char *const *)argv + optind, (size_t)n_files, NULL);
	if (!s.q)
		goto out;
	if (materialize) {
		int built = 0;

		if (ebr_sql__materialize(s.q, cache_dir, &mpath, &built))
			goto out;
		if (sqlite3_open_v2(mpath, &s.mdb, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
			fprintf(stderr, "ebpfrec query: cannot open %s: %s\n", mpath,
				s.mdb ? sqlite3_errmsg(s.mdb) : "out of memory");
			goto out;
		}
		if (stats)
			fprintf(stderr, "ebpfrec query: %s %s\n", built ? "materialized into" : "using cache",
				mpath);
	}
	s.f = out;
	s.out = ebr_sql_out__new(out, fmt);
	if (!s.out) {
		fprintf(stderr, "ebpfrec query: out of memory\n");
		goto out;
	}
	if (!sql) {
		ret = interactive(&s);
		goto out;
	}
	err = run_sql(&s, sql);
	if (err) {
		if (err == -EPIPE)
			ret = EXIT_OK; /* as finish_stdout: whoever read the results has what it wanted */
		goto out;
	}
	if (stats) {
		const struct ebr_sql_stats *st = ebr_sql__stats(s.q);

		fflush(out); /* results first, then the report */
		fprintf(stderr,
			"ebpfrec query: %.3f s; scans %" PRIu64 ", segments read %" PRIu64 " of %" PRIu64
			" (skipped %" PRIu64 "), records read %" PRIu64 ", rows %" PRIu64 "\n",
			now_s() - t0, st->filters, st->segments_read, st->segments_total,
			st->segments_skipped, st->records, st->rows);
	}
	ret = EXIT_OK;
	if (cond.kind) {
		if (!s.have_result) {
			fprintf(stderr, "ebpfrec query: --assert: the SQL returned no result to check\n");
			ret = EXIT_FAIL;
		} else if (!assert_holds(&cond, s.last_rows, s.last_true)) {
			fprintf(stderr, "ebpfrec query: assertion '%s' failed: %" PRId64 " row%s%s\n", cond.text,
				s.last_rows, s.last_rows == 1 ? "" : "s",
				cond.kind == 3 && s.last_rows ? ", not all true" : "");
			ret = EXIT_FAIL;
		}
	}
out:
	ebr_sql_out__free(s.out);
	if (s.mdb)
		sqlite3_close(s.mdb);
	ebr_sql__close(s.q);
	free(mpath);
	free(stdin_sql);
	if (out != stdout) {
		if (fclose(out) && ret == EXIT_OK) {
			fprintf(stderr, "ebpfrec query: cannot write %s: %s\n", out_path, strerror(errno));
			ret = EXIT_FAIL;
		}
	} else if (finish_stdout() && ret == EXIT_OK) {
		ret = EXIT_FAIL;
	}
	return ret;
}
