// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `ebpfrec slice`: a smaller, complete capture of the events that matter. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "commands.h"
#include "ebpfrec/capture.h"
#include "ebpfrec/filter.h"
#include "ebpfrec/slice.h"
#include "filter_args.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ebpfrec slice IN -o OUT [--from T] [--to T] [-f EXPR] [--type NAMES]\n"
		"                     [--pid PIDS] [--container IDS] [--namespace NS]\n"
		"                     [--min-severity S] [--exclude-system] [--compact|--no-compact]\n"
		"                     [--force]\n\n"
		"Write a new, complete capture holding only the events of IN in a time window\n"
		"that match a filter: exactly what `ebpfrec replay` with the same options shows.\n"
		"Its process snapshot names every process those events mention, and their\n"
		"ancestors (rebuilt from fork/exec events where the original snapshot predates\n"
		"them). Only segments that can match are read for the events. The new capture\n"
		"keeps IN's host, kernel and clock, gets a new id, and records what it was cut\n"
		"from (see `ebpfrec info`).\n\n"
		"options:\n"
		"  -o, --output OUT      capture to write (never over an existing file unless --force)\n"
		"      --from T          first instant kept: 5, 1.5s, 200ms after the first event;\n"
		"                        -10s before the last; 2026-11-26T22:47:24Z (UTC, or +hh:mm);\n"
		"                        @BOOT_NS\n"
		"      --to T            first instant no longer kept (exclusive)\n"
		"  -f, --filter EXPR     a filter expression (docs/filter.md): 'type = exec and uid != 0'\n"
		"  -t, --type NAMES      only these event types (exec,fork,exit,...)\n"
		"      --pid PIDS        only these processes\n"
		"      --container IDS   only these containers (ids, or prefixes of 12+ hex digits)\n"
		"      --namespace NS    only these pid/mount namespaces or Kubernetes namespaces\n"
		"      --min-severity S  only events at least this severe\n"
		"      --exclude-system  leave out system daemons and kernel threads\n"
		"      --compact         store OUT's segments as columns (format 1.1, smaller);\n"
		"      --no-compact      ... as plain records (readable with zstd -dc). Default:\n"
		"                        as IN. Without filters, this converts a whole capture\n"
		"      --force           replace OUT if it exists\n"
		"  -h, --help            this text\n\n"
		"examples:\n"
		"  ebpfrec slice t.ebc -o first-10s.ebc --to 10s\n"
		"  ebpfrec slice t.ebc -o net.ebc --type connect,accept,tcp_close --from -1m\n"
		"  ebpfrec slice t.ebc -o build.ebc -f 'comm = \"make\" or ppid = 4242'\n"
		"  ebpfrec slice t.ebc -o incident.ebc --from 2026-11-26T22:47:20Z --to 2026-11-26T22:47:30Z\n");
}

static int time_arg(const char *opt, const char *value, const struct ebr_capture_info *info,
		    uint64_t *ts)
{
	const char *why;

	if (!value || !cli_parse_time(value, info, ts, &why))
		return 0;
	fprintf(stderr, "ebpfrec slice: invalid %s '%s': %s\n", opt, value, why);
	return -1;
}

static int keep_matching(const struct ebr_event_header *rec, void *filter)
{
	return ebr_filter__match(filter, rec);
}

int cmd_slice(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'U' },
		{ "filter", required_argument, NULL, 'f' },
		{ "type", required_argument, NULL, 't' },
		{ "pid", required_argument, NULL, 'P' },
		{ "container", required_argument, NULL, 'C' },
		{ "namespace", required_argument, NULL, 'N' },
		{ "min-severity", required_argument, NULL, 'S' },
		{ "exclude-system", no_argument, NULL, 'X' },
		{ "force", no_argument, NULL, 'W' },
		{ "compact", no_argument, NULL, 'K' },
		{ "no-compact", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct cli_filter_opts fopts = { .sh = { .sz = sizeof(fopts.sh) } };
	struct ebr_cgroup_view *table; /* only with several readers */
	struct ebr_slice_opts so = { .sz = sizeof(so) };
	struct ebr_filter *filter = NULL;
	struct ebr_slice_stats st;
	const char *out = NULL, *from = NULL, *to = NULL;
	struct ebr_reader *r;
	int c, ret;

	while ((c = getopt_long(argc, argv, "o:f:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'F': from = optarg; break;
		case 'U': to = optarg; break;
		case 'f': fopts.expr = optarg; break;
		case 't': fopts.sh.types = optarg; break;
		case 'P': fopts.sh.pids = optarg; break;
		case 'C': fopts.sh.containers = optarg; break;
		case 'N': fopts.sh.namespaces = optarg; break;
		case 'S': fopts.sh.min_severity = optarg; break;
		case 'X': fopts.sh.exclude_system = 1; break;
		case 'W': so.force = 1; break;
		case 'K': so.compact = 1; break;
		case 'R': so.compact = -1; break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || !out) {
		fprintf(stderr, "ebpfrec slice: %s\n",
			!out ? "give the output capture with -o OUT" : "give exactly one input capture");
		return EXIT_USAGE;
	}
	r = ebr_reader__open(argv[optind]);
	if (!r)
		return EXIT_FAIL;
	ret = cli_filter_tables("ebpfrec slice", &fopts, &r, 1, &table) ? EXIT_FAIL
		: cli_filter_compile("ebpfrec slice", ebr_reader__schema(r), &fopts, &filter);
	if (ret)
		goto out;
	ret = EXIT_USAGE;
	if (time_arg("--from", from, ebr_reader__info(r), &so.from_ts) ||
	    time_arg("--to", to, ebr_reader__info(r), &so.to_ts))
		goto out;
	if (so.to_ts && so.from_ts >= so.to_ts) {
		fprintf(stderr, "ebpfrec slice: the window is empty: --from must be before --to\n");
		goto out;
	}
	if (filter) {
		so.keep = keep_matching;
		so.keep_ctx = filter;
		so.keep_desc = ebr_filter__expr(filter);
		/* segments holding none of the filter's types are never decompressed */
		if (ebr_filter__types(filter, so.type_bitmap) && !so.type_bitmap[0] && !so.type_bitmap[1])
			ebr_type_bitmap__set(so.type_bitmap, 0); /* matches nothing: no record has type 0 */
	}
	ret = EXIT_FAIL;
	if (ebr_capture__slice(r, out, &so, &st))
		goto out;
	fprintf(stderr,
		"ebpfrec slice: wrote %s: %" PRIu64 " events; read %" PRIu64 " of %zu segments%s; "
		"snapshot of %" PRIu64 " processes (%" PRIu64 " rebuilt from fork/exec), %" PRIu64
		" cgroups\n",
		out, st.records, st.segments_read, ebr_reader__segment_count(r),
		st.history_segments_read ? " (and the process history)" : "", st.procs,
		st.procs_synthesized, st.cgroups);
	if (st.pids_unnamed)
		fprintf(stderr, "ebpfrec slice: %" PRIu64 " pids in the slice are not named by the "
				"original capture either\n", st.pids_unnamed);
	if (st.segments_lost)
		fprintf(stderr, "ebpfrec slice: %" PRIu64 " damaged segments of %s were skipped\n",
			st.segments_lost, argv[optind]);
	ret = EXIT_OK;
out:
	ebr_filter__free(filter);
	ebr_reader__close(r);
	return ret;
}
