// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `ebpfrec repair`: a fresh index and footer for a cut or unclosed capture. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>

#include "cli_util.h"
#include "commands.h"
#include "ebpfrec/capture.h"
#include "ebpfrec/decode.h"
#include "ebpfrec/repair.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ebpfrec repair IN [-o OUT] [--force] [--dry-run]\n\n"
		"Make a capture whose recorder was killed, or whose disk filled up, whole again:\n"
		"every whole segment and metadata block is kept (each segment's data is checked\n"
		"against its CRC), and a fresh index and footer are written, so the capture\n"
		"opens through its index. Prints exactly what was kept and what was lost.\n\n"
		"Without -o, IN is repaired in place: it is cut after its last whole block (what\n"
		"follows could not be read) and the new index is appended. If that is\n"
		"interrupted, IN still reads as before and `repair` can be run again.\n"
		"With -o, a copy is written beside OUT and renamed to OUT when complete; IN is\n"
		"not changed.\n\n"
		"options:\n"
		"  -o, --output OUT   write the repaired capture to OUT instead\n"
		"      --force        replace OUT if it exists\n"
		"  -n, --dry-run      only report what would be kept and lost\n"
		"  -h, --help         this text\n\n"
		"examples:\n"
		"  ebpfrec repair crashed.ebc\n"
		"  ebpfrec repair crashed.ebc -o fixed.ebc && ebpfrec info fixed.ebc\n");
}

static void report(const char *in, const char *out, const struct ebr_repair_report *rp, int dry)
{
	char b1[32], b2[32], t1[48], t2[48];

	printf("input:      %s, %s, %s\n", in, human_bytes(rp->file_size, b1, sizeof(b1)),
	       rp->was_complete ? "complete (its index is valid and every segment verifies)" :
				  "incomplete or damaged");
	printf("kept:       header, %" PRIu64 " metadata blocks, %" PRIu64 " segments with %" PRIu64
	       " events, %s\n",
	       rp->meta_kept, rp->segments_kept, rp->records_kept,
	       human_bytes(rp->bytes_kept, b1, sizeof(b1)));
	if (rp->records_kept)
		printf("time kept:  %s .. %s (%.3f s)\n",
		       ebr_format_wall_time(rp->t_first + (uint64_t)rp->boot_to_wall_ns, t1, sizeof(t1)),
		       ebr_format_wall_time(rp->t_last + (uint64_t)rp->boot_to_wall_ns, t2, sizeof(t2)),
		       (double)(rp->t_last - rp->t_first) / 1e9);
	printf("lost:       %" PRIu64 " segments", rp->segments_lost);
	if (rp->segments_bad_data)
		printf(" (%" PRIu64 " with damaged data holding %" PRIu64 " events)",
		       rp->segments_bad_data, rp->records_bad_data);
	printf("; %s of the file not kept (%s)\n", human_bytes(rp->bytes_dropped, b2, sizeof(b2)),
	       rp->was_complete ? "its index and footer" : "cut or damaged blocks, any old index");
	if (dry)
		printf("result:     dry run, nothing written\n");
	else if (!rp->written)
		printf("result:     nothing to repair; %s is unchanged\n", in);
	else
		printf("result:     %s %s (%s), which opens through its index\n",
		       out ? "wrote" : "repaired in place", out ? out : in,
		       human_bytes(rp->out_size, b1, sizeof(b1)));
}

int cmd_repair(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct ebr_repair_opts ro = { .sz = sizeof(ro) };
	struct ebr_repair_report rp;
	const char *out = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "o:nh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'f': ro.force = 1; break;
		case 'n': ro.dry_run = 1; break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (ebr_capture__repair(argv[optind], out, &ro, &rp))
		return EXIT_FAIL;
	report(argv[optind], out, &rp, ro.dry_run);
	return finish_stdout();
}
