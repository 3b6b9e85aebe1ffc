// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `ebpfrec export`: a capture as a Chrome trace (Perfetto UI,
 * chrome://tracing). A separate command for now; it is meant to become
 * `ebpfrec export FILE --chrome-trace OUT.json` beside the SQL exports.
 */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_util.h"
#include "commands.h"
#include "events.h"
#include "export_chrome.h"
#include "viz_args.h"

/* JSON bytes per exported event, measured on real captures (syscall slices with their args) */
#define BYTES_PER_EVENT 300
/* beyond this the Perfetto UI struggles in a browser tab, and chrome://tracing long before */
#define BIG_TRACE (1ULL << 30)

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ebpfrec export FILE --chrome-trace OUT.json [--from T] [--to T]\n"
		"                            [--type NAMES] [--no-counters] [--bucket D] [-q]\n"
		"                            [--force]\n\n"
		"Write a capture as a Chrome trace (Trace Event Format JSON) that the Perfetto UI\n"
		"(ui.perfetto.dev, works offline once loaded) and chrome://tracing open: one track\n"
		"per process and thread, syscalls and file/socket/mmap calls as slices with their\n"
		"arguments, return value and errno, TCP connections as slices from connect/accept\n"
		"to close with their bytes, exec/fork/exit and other events as instants, and\n"
		"counters of events/s per family and drops/s. Times are microseconds since the\n"
		"capture's first event.\n\n"
		"options:\n"
		"      --chrome-trace OUT  the JSON file to write ('-': standard output)\n"
		"      --from T            only events from T seconds after the first event\n"
		"                          (2, 1.5, 200ms, 1m)\n"
		"      --to T              only events before T seconds after the first event\n"
		"  -t, --type NAMES        only these event types or families\n"
		"                          (syscall,exec,network,file,...)\n"
		"  -f, --filter EXPR       only events matching EXPR (docs/filter.md)\n"
		"      --no-counters       leave out the events/s and drops/s counters\n"
		"      --bucket D          the counters' resolution (default: from the span)\n"
		"  -q, --quiet             no size estimate or summary on stderr\n"
		"      --force             replace OUT if it exists (a regular file only)\n"
		"  -h, --help              this text\n\n"
		"examples:\n"
		"  ebpfrec export t.ebc --chrome-trace t.json\n"
		"  ebpfrec export t.ebc --chrome-trace t.json --from 10 --to 12\n"
		"  ebpfrec export t.ebc --chrome-trace t.json --type process,network,file\n");
}

/*
 * Records the export will write: those of the segments in the window (partly
 * covered ones pro rata), times the share the chosen types have in the
 * whole capture.
 */
static uint64_t estimate_events(struct ebr_reader *r, const uint64_t *bitmap, uint64_t from, uint64_t to)
{
	const struct ebr_capture_info *in = ebr_reader__info(r);
	double n = 0, share = 1;

	if ((bitmap[0] | bitmap[1]) && in->n_records) {
		uint64_t chosen = 0;

		for (unsigned t = 0; t < EBR_TYPE_BITMAP_BITS; t++)
			if (ebr_type_bitmap__test(bitmap, t))
				chosen += ebr_reader__type_count(r, t);
		share = (double)chosen / (double)in->n_records;
	}
	for (size_t i = 0; i < ebr_reader__segment_count(r); i++) {
		const struct ebr_segment_info *s = ebr_reader__segment(r, i);
		uint64_t lo = s->t_first, hi = s->t_last + 1;
		uint64_t a = from > lo ? from : lo, b = to && to < hi ? to : hi;

		if (s->n_records && a < b)
			n += (double)s->n_records * (double)(b - a) / (double)(hi - lo);
	}
	return (uint64_t)(n * share);
}

static int export_to(struct ebr_reader *r, const struct chrome_trace_opts *o, const char *out_path,
		     int force, int *exit_code)
{
	struct stat st;
	char *tmp = NULL;
	FILE *f;
	int fd, err;

	if (!strcmp(out_path, "-"))
		return export_chrome_trace(r, o, stdout);
	*exit_code = EXIT_FAIL;
	/* renaming over a device, FIFO or symbolic link would replace it: only regular files */
	if (lstat(out_path, &st) == 0 && !S_ISREG(st.st_mode)) {
		fprintf(stderr, "ebpfrec export: %s is not a regular file (%s); not replacing it\n", out_path,
			S_ISLNK(st.st_mode) ? "a symbolic link" : "a device, FIFO or directory");
		return -EINVAL;
	}
	if (!force && access(out_path, F_OK) == 0) {
		fprintf(stderr, "ebpfrec export: %s exists; use --force to replace it\n", out_path);
		return -EEXIST;
	}
	/* the file appears whole or not at all: readers never see half a trace */
	if (asprintf(&tmp, "%s.tmp-XXXXXX", out_path) < 0) {
		fprintf(stderr, "ebpfrec export: out of memory\n");
		return -ENOMEM;
	}
	fd = mkstemp(tmp); /* a fresh file, 0600, never through a planted link */
	f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		err = -errno;
		fprintf(stderr, "ebpfrec export: cannot create a file beside %s: %s\n", out_path, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		free(tmp);
		return err;
	}
	err = export_chrome_trace(r, o, f);
	if (fclose(f) && !err) {
		err = -errno;
		fprintf(stderr, "ebpfrec export: writing %s failed: %s\n", tmp, strerror(errno));
	}
	if (!err && !force && link(tmp, out_path) == 0) {
		unlink(tmp); /* without --force, a file that appeared at out_path meanwhile is kept */
	} else if (!err && !force && errno == EEXIST) {
		err = -EEXIST;
		fprintf(stderr, "ebpfrec export: %s exists; use --force to replace it\n", out_path);
	} else if (!err && rename(tmp, out_path)) {
		err = -errno;
		fprintf(stderr, "ebpfrec export: cannot rename %s to %s: %s\n", tmp, out_path,
			strerror(errno));
	}
	if (err)
		unlink(tmp);
	else
		*exit_code = EXIT_OK;
	free(tmp);
	return err;
}

int cmd_trace_export(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "chrome-trace", required_argument, NULL, 'o' },
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'U' },
		{ "type", required_argument, NULL, 't' },
		{ "filter", required_argument, NULL, 'f' },
		{ "no-counters", no_argument, NULL, 'C' },
		{ "bucket", required_argument, NULL, 'B' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "force", no_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct chrome_trace_stats st = { 0 };
	struct chrome_trace_opts o = { .sz = sizeof(o), .stats = &st };
	const char *out_path = NULL, *from = NULL, *to = NULL, *types = NULL, *filter_expr = NULL;
	struct ebr_filter *filter = NULL;
	int quiet = 0, force = 0, c, ret = EXIT_FAIL;
	struct ebr_reader *r;
	char b1[32];
	uint64_t est;

	while ((c = getopt_long(argc, argv, "t:qhf:", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out_path = optarg;
			break;
		case 'F':
			from = optarg;
			break;
		case 'U':
			to = optarg;
			break;
		case 't':
			types = optarg;
			break;
		case 'f':
			filter_expr = optarg;
			break;
		case 'C':
			o.no_counters = 1;
			break;
		case 'B':
			if (parse_duration(optarg, &o.bucket_ns) || o.bucket_ns < 1000) {
				fprintf(stderr, "ebpfrec export: invalid --bucket '%s': a duration of at "
						"least 1us, e.g. 10ms, 1s\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'q':
			quiet = 1;
			break;
		case 'W':
			force = 1;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || !out_path) {
		if (optind == argc - 1)
			fprintf(stderr, "ebpfrec export: say where to write: --chrome-trace OUT.json\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	r = ebr_reader__open(argv[optind]);
	if (!r)
		return EXIT_FAIL;
	if ((types && viz_parse_types(ebr_reader__schema(r), types, o.type_bitmap, "export")) ||
	    viz_parse_window(from, to, ebr_reader__info(r), &o.from_ts, &o.to_ts, "export") ||
	    viz_compile_filter("export", r, filter_expr, &filter, o.type_bitmap)) {
		ebr_reader__close(r);
		return EXIT_USAGE;
	}
	o.filter = filter;
	est = estimate_events(r, o.type_bitmap, o.from_ts, o.to_ts);
	if (!quiet)
		fprintf(stderr, "ebpfrec export: about %" PRIu64 " events to export, roughly %s of JSON\n",
			est, human_bytes(est * BYTES_PER_EVENT, b1, sizeof(b1)));
	if (est * BYTES_PER_EVENT > BIG_TRACE)
		fprintf(stderr, "ebpfrec export: that is more than the Perfetto UI handles comfortably "
				"in a browser tab; --from/--to or --type make it smaller\n");
	if (!export_to(r, &o, out_path, force, &ret)) {
		ret = out_path[0] == '-' && !out_path[1] ? finish_stdout() : EXIT_OK;
		if (!quiet)
			fprintf(stderr, "ebpfrec export: wrote %s: %s, %" PRIu64 " events in: %" PRIu64
					" slices, %" PRIu64 " instants, %" PRIu64 " connections, %" PRIu64
					" counter samples, %" PRIu64 " names\n",
				out_path, human_bytes(st.bytes, b1, sizeof(b1)), st.records, st.slices, st.instants,
				st.connections, st.counters, st.metadata);
		if (!quiet && (st.moved || st.unplaced))
			fprintf(stderr, "ebpfrec export: to keep each thread's slices nested, %" PRIu64
					" slices start later than recorded and %" PRIu64 " are shown as instants\n",
				st.moved, st.unplaced);
	} else {
		ret = EXIT_FAIL;
	}
	ebr_filter__free(filter);
	ebr_reader__close(r);
	return ret;
}
