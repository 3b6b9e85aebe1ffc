// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `ebpfrec merge`: one capture from several, in wall-clock order. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli_util.h"
#include "commands.h"
#include "ebpfrec/capture.h"
#include "ebpfrec/merge.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ebpfrec merge IN1 IN2 ... -o OUT [--force]\n\n"
		"Combine captures, e.g. of several hosts, into one whose events are in wall-clock\n"
		"order. Every event keeps which capture it came from: `ebpfrec info OUT` lists the\n"
		"sources (host, kernel, capture id, clock offset), and each record carries its\n"
		"source's id. Timestamps move to the clock of the host that booted first; the\n"
		"shift of every source is stored, so original timestamps can be recovered.\n"
		"Captures of different architectures cannot be merged.\n\n"
		"options:\n"
		"  -o, --output OUT   capture to write (never over an existing file unless --force)\n"
		"      --force        replace OUT if it exists\n"
		"  -h, --help         this text\n\n"
		"examples:\n"
		"  ebpfrec merge web1.ebc web2.ebc db.ebc -o cluster.ebc\n"
		"  ebpfrec info cluster.ebc\n");
}

int cmd_merge(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct ebr_merge_opts mo = { .sz = sizeof(mo) };
	struct ebr_merge_stats st;
	struct ebr_reader **in;
	const char *out = NULL;
	size_t n = 0;
	int c, ret = EXIT_FAIL;

	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'f': mo.force = 1; break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!out || optind >= argc) {
		fprintf(stderr, "ebpfrec merge: %s\n",
			!out ? "give the output capture with -o OUT" : "give the captures to merge");
		return EXIT_USAGE;
	}
	in = calloc((size_t)(argc - optind), sizeof(*in));
	if (!in) {
		fprintf(stderr, "ebpfrec merge: out of memory\n");
		return EXIT_FAIL;
	}
	for (int i = optind; i < argc; i++) {
		in[n] = ebr_reader__open(argv[i]);
		if (!in[n])
			goto out;
		n++;
	}
	if (ebr_capture__merge(in, n, out, &mo, &st) == 0) {
		fprintf(stderr, "ebpfrec merge: wrote %s: %" PRIu64 " events from %u sources\n", out,
			st.records, st.n_sources);
		if (st.segments_lost)
			fprintf(stderr, "ebpfrec merge: %" PRIu64 " damaged input segments were skipped\n",
				st.segments_lost);
		ret = EXIT_OK;
	}
out:
	for (size_t i = 0; i < n; i++)
		ebr_reader__close(in[i]);
	free(in);
	return ret;
}
