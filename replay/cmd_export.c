// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `ebpfrec export`: captures as a SQLite database, CSV or JSON Lines files (docs/sql.md). */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli_util.h"
#include "commands.h"
#include "sql.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ebpfrec export FILE... (--sqlite OUT.db | --csv DIR | --jsonl DIR|-) [options]\n"
		"       ebpfrec export FILE --chrome-trace OUT.json [options]  (see --chrome-trace --help)\n\n"
		"Write captures out as real tables for other tools, without root.\n\n"
		"  --chrome-trace OUT.json\n"
		"                    a Chrome trace (Trace Event Format) for the Perfetto UI and\n"
		"                    chrome://tracing: threads as tracks, syscalls as slices,\n"
		"                    connections, counters (docs/visualize.md)\n"
		"  --sqlite OUT.db   a SQLite database: a table of events per family (process_rows,\n"
		"                    syscall_rows, ...; indexes on ts, pid, type), views named\n"
		"                    like the query tables (events, execs, net, exec, ...), and\n"
		"                    processes, drops, capture, ...; opens in the stock sqlite3\n"
		"                    shell and gives the same answers as `query`\n"
		"  --csv DIR         one CSV file per table (events.csv, exec.csv, processes.csv,\n"
		"                    ...), header line, RFC 4180 quoting: for DuckDB, ClickHouse\n"
		"  --jsonl DIR       the same as JSON Lines files; '-': every event with all of its\n"
		"                    type's columns as one JSON object per line on stdout\n\n"
		"options:\n"
		"      --force       replace an existing output\n"
		"      --no-index    sqlite: skip the indexes (faster to write, slower to query)\n"
		"      --threads N   sqlite: 1 = everything on one thread; 2 = read and decode the\n"
		"                    captures on a second thread (default: 2 when there are 2 CPUs)\n"
		"      --stats       report events, rows/s, write and index time on stderr\n"
		"  -h, --help        this text\n\n"
		"examples:\n"
		"  ebpfrec export t.ebc --sqlite t.db && sqlite3 t.db 'SELECT count(*) FROM execs'\n"
		"  ebpfrec export t.ebc --csv t.csv/ && duckdb -c \"SELECT * FROM 't.csv/exec.csv'\"\n"
		"  ebpfrec export a.ebc b.ebc --jsonl - | clickhouse-local --input-format JSONEachRow ...\n");
}

int cmd_export(int argc, char **argv)
{
	/* the Chrome trace has options of its own: hand the whole command line over */
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--chrome-trace") || !strncmp(argv[i], "--chrome-trace=", 15))
			return cmd_trace_export(argc, argv);

	enum { OPT_SQLITE = 256, OPT_CSV, OPT_JSONL, OPT_FORCE, OPT_NO_INDEX, OPT_STATS, OPT_THREADS };
	static const struct option longopts[] = {
		{ "sqlite", required_argument, NULL, OPT_SQLITE },
		{ "csv", required_argument, NULL, OPT_CSV },
		{ "jsonl", required_argument, NULL, OPT_JSONL },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "no-index", no_argument, NULL, OPT_NO_INDEX },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct ebr_sql_export_opts o = { .sz = sizeof(o) };
	struct ebr_sql_export_stats st = {0};
	const char *target = NULL;
	int mode = 0, stats = 0, c, err, ret;
	struct ebr_sql *q;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_SQLITE:
		case OPT_CSV:
		case OPT_JSONL:
			if (mode) {
				fprintf(stderr, "ebpfrec export: give one of --sqlite, --csv, --jsonl\n");
				return EXIT_USAGE;
			}
			mode = c;
			target = optarg;
			break;
		case OPT_FORCE:
			o.force = 1;
			break;
		case OPT_NO_INDEX:
			o.no_index = 1;
			break;
		case OPT_STATS:
			stats = 1;
			break;
		case OPT_THREADS:
			if (strcmp(optarg, "1") && strcmp(optarg, "2")) {
				fprintf(stderr, "ebpfrec export: --threads takes 1 or 2, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			o.threads = optarg[0] - '0';
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!mode || optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	q = ebr_sql__open((const char *const *)argv + optind, (size_t)(argc - optind), NULL);
	if (!q)
		return EXIT_FAIL;
	if (mode == OPT_SQLITE)
		err = ebr_sql__export_sqlite(q, target, &o, &st);
	else if (mode == OPT_JSONL && !strcmp(target, "-"))
		err = ebr_sql__export_jsonl_stream(q, stdout, &st);
	else
		err = ebr_sql__export_files(q, target, mode == OPT_CSV ? EBR_SQL_FMT_CSV : EBR_SQL_FMT_JSONL,
					    &o, &st);
	ebr_sql__close(q);
	ret = err ? EXIT_FAIL : finish_stdout();
	if (!err && stats && mode == OPT_SQLITE) {
		double tot = st.total_s > 0 ? st.total_s : 1e-9, cpu = st.total_cpu_s > 0 ? st.total_cpu_s : 1e-9;

		fprintf(stderr,
			"ebpfrec export: %" PRIu64 " events in %.3f s end to end, %.0f rows/s (CPU %.3f s on %d thread%s: "
			"%.0f rows per CPU second)\n"
			"ebpfrec export: rows written in %.3f s (CPU %.3f s), indexes built in %.3f s (CPU %.3f s)\n",
			st.events, st.total_s, (double)st.rows / tot, st.total_cpu_s, st.threads,
			st.threads == 1 ? "" : "s", (double)st.rows / cpu, st.write_s, st.write_cpu_s, st.index_s,
			st.index_cpu_s);
	} else if (!err && stats) {
		fprintf(stderr, "ebpfrec export: %" PRIu64 " events written in %.3f s (%.0f rows/s; CPU %.3f s)\n",
			st.events, st.write_s, st.write_s > 0 ? (double)st.rows / st.write_s : 0.0, st.write_cpu_s);
	}
	return ret;
}
