// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `ebpfrec report`: a capture as one self-contained HTML page of charts. */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_util.h"
#include "commands.h"
#include "report.h"
#include "viz_args.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ebpfrec report FILE -o REPORT.html [--from T] [--to T] [--type NAMES] [-n N]\n\n"
		"Write one self-contained HTML page about a capture: events per second by family,\n"
		"drops over time, top processes by events and by syscall time, syscall latency\n"
		"histograms, top network peers and files by bytes, and the capture's metadata\n"
		"(host, kernel, duration, probes, drops, redaction). Styles, script and data are\n"
		"inside the file: it opens offline in any browser and can be attached to a bug.\n\n"
		"options:\n"
		"  -o, --output FILE   the HTML file to write ('-': standard output)\n"
		"      --from T        only events from T seconds after the first event\n"
		"      --to T          only events before T seconds after the first event\n"
		"  -t, --type NAMES    only these event types or families\n"
		"  -f, --filter EXPR   only events matching EXPR (docs/filter.md)\n"
		"  -n, --top N         rows per table (default 15)\n"
		"      --hist N        latency histograms for the N syscalls with the most time\n"
		"                      (default 8)\n"
		"  -h, --help          this text\n\n"
		"examples:\n"
		"  ebpfrec report t.ebc -o t.html && xdg-open t.html\n"
		"  ebpfrec report t.ebc -o busy.html --from 30 --to 40\n");
}

static int write_file(struct ebr_reader *r, const struct report_opts *o, const char *path)
{
	char *tmp = NULL;
	FILE *f;
	int err;

	if (!strcmp(path, "-"))
		return report_write_html(r, o, stdout) ? EXIT_FAIL : finish_stdout();
	if (asprintf(&tmp, "%s.partial", path) < 0) {
		fprintf(stderr, "ebpfrec report: out of memory\n");
		return EXIT_FAIL;
	}
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "ebpfrec report: cannot create %s: %s\n", tmp, strerror(errno));
		free(tmp);
		return EXIT_FAIL;
	}
	err = report_write_html(r, o, f);
	if (fclose(f) && !err) {
		err = -errno;
		fprintf(stderr, "ebpfrec report: writing %s failed: %s\n", tmp, strerror(errno));
	}
	if (!err && rename(tmp, path)) {
		err = -errno;
		fprintf(stderr, "ebpfrec report: cannot rename %s to %s: %s\n", tmp, path, strerror(errno));
	}
	if (err)
		unlink(tmp);
	free(tmp);
	return err ? EXIT_FAIL : EXIT_OK;
}

int cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'U' },
		{ "type", required_argument, NULL, 't' },
		{ "filter", required_argument, NULL, 'f' },
		{ "top", required_argument, NULL, 'n' },
		{ "hist", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct report_opts o = { .sz = sizeof(o) };
	const char *out = NULL, *from = NULL, *to = NULL, *types = NULL, *filter_expr = NULL;
	struct ebr_filter *filter = NULL;
	struct ebr_reader *r;
	uint64_t v;
	int c, ret;

	while ((c = getopt_long(argc, argv, "o:t:n:hf:", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
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
		case 'n':
		case 'H':
			if (parse_u64(optarg, &v) || !v || v > 1000) {
				char name[64];

				fprintf(stderr, "ebpfrec report: invalid value '%s' for %s: 1 to 1000\n", optarg,
					cli_option_name(argv, optind, optarg, name, sizeof(name)));
				return EXIT_USAGE;
			}
			if (c == 'n')
				o.top_n = (unsigned)v;
			else
				o.n_hists = (unsigned)v;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || !out) {
		if (optind == argc - 1)
			fprintf(stderr, "ebpfrec report: say where to write: -o REPORT.html\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	r = ebr_reader__open(argv[optind]);
	if (!r)
		return EXIT_FAIL;
	if ((types && viz_parse_types(ebr_reader__schema(r), types, o.type_bitmap, "report")) ||
	    viz_parse_window(from, to, ebr_reader__info(r), &o.from_ts, &o.to_ts, "report") ||
	    viz_compile_filter("report", r, filter_expr, &filter, o.type_bitmap)) {
		ebr_reader__close(r);
		return EXIT_USAGE;
	}
	o.filter = filter;
	ret = write_file(r, &o, out);
	if (ret == EXIT_OK && strcmp(out, "-"))
		fprintf(stderr, "ebpfrec report: wrote %s\n", out);
	ebr_filter__free(filter);
	ebr_reader__close(r);
	return ret;
}
