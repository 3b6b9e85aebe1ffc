// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `ebpfrec replay`: print a capture's events, decoded through its own schema. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "commands.h"
#include "ebpfrec/capture.h"
#include "ebpfrec/decode.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ebpfrec replay FILE [--output text|json] [--time rel|wall|boot] [--limit N]\n"
		"                      [--type NAME[,NAME...]]\n\n"
		"Print every event of a capture in time order. No privileges needed.\n\n"
		"options:\n"
		"  -O, --output FORMAT   text (default): one line per event;\n"
		"                        json: one JSON object per line (ts, time, type, family,\n"
		"                        pid, tid, ppid, uid, gid, comm, and the type's fields)\n"
		"      --time FORMAT     text timestamps: rel (seconds from the first event,\n"
		"                        default), wall (ISO 8601 UTC) or boot (raw ns)\n"
		"  -n, --limit N         stop after N events\n"
		"  -t, --type NAMES      only these event types (exec,fork,exit,...)\n"
		"  -h, --help            this text\n\n"
		"examples:\n"
		"  ebpfrec replay t.ebc\n"
		"  ebpfrec replay t.ebc --output json | jq 'select(.type==\"exit\")'\n"
		"  ebpfrec replay t.ebc --type exec --time wall -n 20\n");
}

static int parse_types(const struct ebr_schema *s, char *list, uint64_t bitmap[2])
{
	for (char *name = strtok(list, ","); name; name = strtok(NULL, ",")) {
		const struct ebr_type *t = ebr_schema__type_by_name(s, name);

		if (!t) {
			fprintf(stderr, "ebpfrec replay: unknown event type '%s'; this capture has:", name);
			for (size_t i = 0; i < ebr_schema__type_count(s); i++)
				fprintf(stderr, " %s", ebr_schema__type_at(s, i)->name);
			fputc('\n', stderr);
			return -1;
		}
		ebr_type_bitmap__set(bitmap, t->id);
	}
	return 0;
}

int cmd_replay(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'O' },
		{ "time", required_argument, NULL, 'T' },
		{ "limit", required_argument, NULL, 'n' },
		{ "type", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct ebr_decoder_opts dopts = { .sz = sizeof(dopts) };
	struct ebr_cursor_opts copts = { .sz = sizeof(copts) };
	const struct ebr_event_header *rec;
	struct ebr_decoder *dec = NULL;
	struct ebr_cursor *cur = NULL;
	struct ebr_reader *r = NULL;
	char *types = NULL;
	uint64_t limit = 0, n = 0;
	int json = 0, c, ret = EXIT_FAIL, err = 0;

	while ((c = getopt_long(argc, argv, "O:n:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'O':
			if (!strcmp(optarg, "json"))
				json = 1;
			else if (strcmp(optarg, "text"))
				goto bad;
			break;
		case 'T':
			if (!strcmp(optarg, "wall"))
				dopts.time_format = EBR_TIME_WALL;
			else if (!strcmp(optarg, "boot"))
				dopts.time_format = EBR_TIME_BOOT;
			else if (strcmp(optarg, "rel"))
				goto bad;
			break;
		case 'n':
			if (parse_u64(optarg, &limit))
				goto bad;
			break;
		case 't':
			types = optarg;
			break;
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
	r = ebr_reader__open(argv[optind]);
	if (!r)
		return EXIT_FAIL;
	if (types && parse_types(ebr_reader__schema(r), types, copts.type_bitmap)) {
		ret = EXIT_USAGE;
		goto out;
	}
	dec = ebr_decoder__new(ebr_reader__schema(r), ebr_reader__info(r), &dopts);
	cur = ebr_cursor__open(r, &copts);
	if (!dec || !cur)
		goto out;
	while ((!limit || n < limit) && (err = ebr_cursor__next(cur, &rec)) > 0) {
		if ((json ? ebr_decoder__json(dec, rec, stdout) : ebr_decoder__text(dec, rec, stdout)) < 0)
			break; /* stdout failed; finish_stdout says why */
		n++;
	}
	if (err < 0)
		fprintf(stderr, "ebpfrec replay: reading %s failed: %s\n", argv[optind], strerror(-err));
	if (ebr_cursor__stats(cur)->segments_lost)
		fprintf(stderr, "ebpfrec replay: %llu damaged segments skipped\n",
			(unsigned long long)ebr_cursor__stats(cur)->segments_lost);
	ret = finish_stdout();
	if (err < 0)
		ret = EXIT_FAIL;
out:
	ebr_cursor__close(cur);
	ebr_decoder__free(dec);
	ebr_reader__close(r);
	return ret;
bad:
	fprintf(stderr, "ebpfrec replay: invalid value '%s' for %s\n", optarg, argv[optind - 1]);
	return EXIT_USAGE;
}
