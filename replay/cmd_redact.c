// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `ebpfrec redact`: a copy of a capture that is safe(r) to share. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "commands.h"
#include "ebpfrec/capture.h"
#include "ebpfrec/redact.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ebpfrec redact IN -o OUT [--args] [--paths GLOB]... [--addresses] [--env]\n"
		"                      [--mode hash|remove] [--force]\n\n"
		"Write a copy of IN in which what you name is replaced by a keyed hash (or\n"
		"removed) everywhere: in events, in the process snapshot, in the cgroup table,\n"
		"in the recorded command line and configuration. The key is random for each\n"
		"output and is not stored, so equal values stay equal within OUT but cannot be\n"
		"guessed back. OUT records what was redacted (see `ebpfrec info`).\n\n"
		"options:\n"
		"  -o, --output OUT     capture to write (never over an existing file unless --force)\n"
		"  -a, --args           exec arguments and process command lines: every argument\n"
		"                       after argv[0] (the program name is kept)\n"
		"  -p, --paths GLOB     file names matching GLOB (fnmatch; '*' also matches '/'),\n"
		"                       whole strings or /path tokens inside strings; repeatable\n"
		"  -A, --addresses      IP addresses: source and destination of network events,\n"
		"                       and addresses written in arguments, paths and metadata;\n"
		"                       loopback and unspecified addresses are kept. Hashed\n"
		"                       addresses become 240.x.y.z or 100::x:x:x:x pseudonyms\n"
		"  -e, --env            environment variables: ebpfrec records none, so this only\n"
		"                       notes in OUT that they were asked to be redacted\n"
		"  -m, --mode MODE      hash (default): [redacted-<16 hex digits>];\n"
		"                       remove: [redacted], arguments dropped, addresses zeroed\n"
		"      --force          replace OUT if it exists\n"
		"  -h, --help           this text\n\n"
		"Not redacted: task names (comm, 15 bytes), the host name and kernel in the\n"
		"header, kernel pointers, raw byte fields. Records of event types the capture's\n"
		"schema does not describe, and metadata of unknown kinds, are left out.\n\n"
		"examples:\n"
		"  ebpfrec redact t.ebc -o share.ebc --args --addresses\n"
		"  ebpfrec redact t.ebc -o share.ebc --paths '/home/*' --paths '*secret*'\n");
}

int cmd_redact(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "args", no_argument, NULL, 'a' },
		{ "paths", required_argument, NULL, 'p' },
		{ "addresses", no_argument, NULL, 'A' },
		{ "env", no_argument, NULL, 'e' },
		{ "mode", required_argument, NULL, 'm' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct ebr_redact_opts ro = { .sz = sizeof(ro) };
	struct ebr_redact_counts counts;
	const char **globs = NULL;
	const char *out = NULL;
	struct ebr_reader *r;
	int c, ret = EXIT_USAGE;

	globs = calloc((size_t)argc + 1, sizeof(*globs));
	if (!globs) {
		fprintf(stderr, "ebpfrec redact: out of memory\n");
		return EXIT_FAIL;
	}
	while ((c = getopt_long(argc, argv, "o:ap:Aem:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'a': ro.what |= EBR_REDACT_ARGS; break;
		case 'p':
			ro.what |= EBR_REDACT_PATHS;
			globs[ro.n_path_globs++] = optarg;
			break;
		case 'A': ro.what |= EBR_REDACT_ADDRESSES; break;
		case 'e': ro.what |= EBR_REDACT_ENV; break;
		case 'm':
			if (!strcmp(optarg, "remove")) {
				ro.mode = EBR_REDACT_REMOVE;
			} else if (strcmp(optarg, "hash")) {
				fprintf(stderr, "ebpfrec redact: --mode is hash or remove, not '%s'\n", optarg);
				goto out;
			}
			break;
		case 'f': ro.force = 1; break;
		case 'h':
			usage(stdout);
			ret = EXIT_OK;
			goto out;
		default:
			usage(stderr);
			goto out;
		}
	}
	if (optind != argc - 1 || !out) {
		fprintf(stderr, "ebpfrec redact: %s\n",
			!out ? "give the output capture with -o OUT" : "give exactly one input capture");
		goto out;
	}
	if (!(ro.what & (EBR_REDACT_ARGS | EBR_REDACT_PATHS | EBR_REDACT_ADDRESSES | EBR_REDACT_ENV))) {
		fprintf(stderr, "ebpfrec redact: nothing to redact: give --args, --paths GLOB, "
				"--addresses or --env\n");
		goto out;
	}
	ro.path_globs = globs;
	ret = EXIT_FAIL;
	r = ebr_reader__open(argv[optind]);
	if (!r)
		goto out;
	if (ro.what & EBR_REDACT_ENV)
		fprintf(stderr, "ebpfrec redact: --env: ebpfrec records no environment variables, so "
				"there are none to remove; OUT notes that they were asked for\n");
	if (ebr_capture__redact(r, out, &ro, &counts) == 0) {
		fprintf(stderr,
			"ebpfrec redact: wrote %s: %" PRIu64 " events; replaced %" PRIu64
			" arguments, %" PRIu64 " paths, %" PRIu64 " addresses\n",
			out, counts.events, counts.args, counts.paths, counts.addresses);
		if (counts.records_dropped || counts.meta_dropped)
			fprintf(stderr, "ebpfrec redact: left out %" PRIu64 " records of undescribed "
					"types and %" PRIu64 " metadata blocks of unknown kinds\n",
				counts.records_dropped, counts.meta_dropped);
		ret = EXIT_OK;
	}
	ebr_reader__close(r);
out:
	free(globs);
	return ret;
}
