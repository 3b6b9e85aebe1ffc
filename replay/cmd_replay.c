// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `ebpfrec replay`: print a capture's events, decoded through its own schema. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "commands.h"
#include "filter_args.h"
#include "replay_source.h"
#include "ebpfrec/capture.h"
#include "ebpfrec/decode.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ebpfrec replay FILE... [--output text|json] [--time rel|wall|boot] [--limit N]\n"
		"                      [-f EXPR] [--type NAMES] [--pid PIDS] [--min-severity S]\n"
		"                      [--exclude-system] [--from T] [--to T] [--pace | --speed X]\n\n"
		"Print the events of a capture in time order; several captures (say, from several\n"
		"hosts) are merged by wall-clock time. No privileges needed.\n\n"
		"options:\n"
		"  -O, --output FORMAT   text (default): one line per event;\n"
		"                        json: one JSON object per line (ts, time, type, family,\n"
		"                        pid, tid, ppid, uid, gid, comm, and the type's fields)\n"
		"      --time FORMAT     text timestamps: rel (seconds from the first event,\n"
		"                        default), wall (ISO 8601 UTC) or boot (raw ns)\n"
		"  -n, --limit N         stop after N matching events\n"
		"      --pace            replay at the original pace, as if live\n"
		"      --speed X         replay X times faster than it happened (0.5: slower)\n"
		"      --rebase          with --pace/--speed: timestamps moved to now\n"
		"      --no-set          one file of a rotated recording (-C/-G): only that file,\n"
		"                        not the whole set it belongs to\n\n"
		"filtering (every condition given must hold; see docs/filter.md):\n"
		"  -f, --filter EXPR     a filter expression: 'type = exec and uid != 0'\n"
		"  -t, --type NAMES      only these event types (exec,fork,exit,...)\n"
		"      --pid PIDS        only these processes (comma-separated)\n"
		"      --min-severity S  this severity and above: info, notice, warning, error,\n"
		"                        critical\n"
		"      --exclude-system  leave out kernel threads (pid 0, pid 2, children of pid 2)\n"
		"      --container IDS   only these containers: ids, or prefixes of 12+ hex digits\n"
		"                        (docker ps); resolved through the capture's cgroup table\n"
		"      --namespace NS    only these Kubernetes namespaces (names), or pid or mount\n"
		"                        namespaces (inode numbers)\n"
		"      --from T          from time T: 5, 1.5s, 200ms after the first event;\n"
		"                        -10s before the last event; 2026-11-26T22:47:24Z;\n"
		"                        @NS on the boot clock. Seeks through the time index.\n"
		"      --to T            up to T (exclusive), same forms\n"
		"  -h, --help            this text\n\n"
		"examples:\n"
		"  ebpfrec replay t.ebc\n"
		"  ebpfrec replay t.ebc --output json | jq 'select(.type==\"exit\")'\n"
		"  ebpfrec replay t.ebc --type exec --time wall -n 20\n"
		"  ebpfrec replay t.ebc -f 'type = exec and filename glob \"/usr/bin/*\"'\n"
		"  ebpfrec replay t.ebc --min-severity warning --exclude-system --from -10s\n"
		"  ebpfrec replay t.ebc --container 0123456789ab -f 'syscall in (read, write)'\n");
}

/*
 * The filter, compiled against the first capture's schema, with the names
 * of every input's cgroup table: a container known in any of them is
 * accepted (each input resolves it again through its own table).
 */
static int compile_filter(char *const *paths, size_t n, struct ebr_reader *first,
			  struct cli_filter_opts *fo, struct ebr_filter **out)
{
	struct ebr_reader **rs = calloc(n, sizeof(*rs));
	struct ebr_cgroup_view *buf = NULL;
	int ret = EXIT_FAIL;

	if (!rs) {
		fprintf(stderr, "ebpfrec replay: out of memory\n");
		return EXIT_FAIL;
	}
	/* (first may be any file of a rotated set: paths are all of them) */
	for (size_t i = 0; i < n; i++)
		if (!(rs[i] = n == 1 ? first : ebr_reader__open(paths[i])))
			goto out;
	if (cli_filter_tables("ebpfrec replay", fo, rs, n, &buf))
		goto out;
	ret = cli_filter_compile("ebpfrec replay", ebr_reader__schema(first), fo, out);
out:
	for (size_t i = 0; i < n && n > 1; i++)
		ebr_reader__close(rs[i]);
	free(rs);
	free(buf);
	return ret;
}

static int time_arg(const char *opt, const char *value, const struct ebr_capture_info *info,
		    uint64_t *ts)
{
	const char *why;

	if (!value)
		return 0;
	if (!cli_parse_time(value, info, ts, &why))
		return 0;
	fprintf(stderr, "ebpfrec replay: invalid %s '%s': %s\n", opt, value, why);
	return -1;
}

int cmd_replay(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'O' },
		{ "time", required_argument, NULL, 'T' },
		{ "limit", required_argument, NULL, 'n' },
		{ "type", required_argument, NULL, 't' },
		{ "filter", required_argument, NULL, 'f' },
		{ "pid", required_argument, NULL, 'P' },
		{ "min-severity", required_argument, NULL, 'S' },
		{ "exclude-system", no_argument, NULL, 'X' },
		{ "container", required_argument, NULL, 'C' },
		{ "namespace", required_argument, NULL, 'N' },
		{ "from", required_argument, NULL, 'F' },
		{ "pace", no_argument, NULL, 'A' },
		{ "speed", required_argument, NULL, 'E' },
		{ "rebase", no_argument, NULL, 'B' },
		{ "no-set", no_argument, NULL, 'Z' },
		{ "to", required_argument, NULL, 'U' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct ebr_decoder_opts dopts = { .sz = sizeof(dopts) };
	struct ebr_cursor_opts copts = { .sz = sizeof(copts) };
	const struct ebr_event_header *rec;
	struct ebr_decoder *dec = NULL;
	struct ebr_cursor *cur = NULL;
	struct cli_filter_opts fopts = { .sh = { .sz = sizeof(fopts.sh) } };
	struct ebr_filter *filter = NULL;
	struct ebr_reader *r = NULL;
	const char *from = NULL, *to = NULL;
	uint64_t limit = 0, n = 0;
	double speed = 0;
	char **set = NULL;
	size_t n_set = 0;
	int rebase = 0, no_set = 0;
	int json = 0, c, ret = EXIT_FAIL, err = 0, none = 0;

	while ((c = getopt_long(argc, argv, "O:n:t:f:h", longopts, NULL)) != -1) {
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
			fopts.sh.types = optarg;
			break;
		case 'f':
			fopts.expr = optarg;
			break;
		case 'P':
			fopts.sh.pids = optarg;
			break;
		case 'S':
			fopts.sh.min_severity = optarg;
			break;
		case 'X':
			fopts.sh.exclude_system = 1;
			break;
		case 'C':
			fopts.sh.containers = optarg;
			break;
		case 'N':
			fopts.sh.namespaces = optarg;
			break;
		case 'F':
			from = optarg;
			break;
		case 'U':
			to = optarg;
			break;
		case 'A':
			speed = 1.0;
			break;
		case 'E': {
			char *end;

			speed = strtod(optarg, &end);
			if (*end || !(speed > 0) || speed > 1e6)
				goto bad;
			break;
		}
		case 'B':
			rebase = 1;
			break;
		case 'Z':
			no_set = 1;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (rebase && !speed) {
		fprintf(stderr, "ebpfrec replay: --rebase needs --pace or --speed\n");
		return EXIT_USAGE;
	}
	r = ebr_reader__open(argv[optind]);
	if (!r)
		return EXIT_FAIL;
	if (argc - optind == 1 && !no_set) {
		/* one file of a rotated recording stands for the whole set */
		if (ebr_capture_set__expand(argv[optind], &set, &n_set) == 0 && n_set > 1) {
			argv = set;
			argc = (int)n_set;
			optind = 0;
		}
	}
	ret = compile_filter(argv + optind, (size_t)(argc - optind), r, &fopts, &filter);
	if (ret)
		goto out;
	ret = EXIT_USAGE;
	if (time_arg("--from", from, ebr_reader__info(r), &copts.from_ts) ||
	    time_arg("--to", to, ebr_reader__info(r), &copts.to_ts))
		goto out;
	if (from && to && copts.from_ts >= copts.to_ts) {
		fprintf(stderr, "ebpfrec replay: --from %s is not before --to %s\n", from, to);
		goto out;
	}
	ret = EXIT_FAIL;
	if (argc - optind > 1 || speed > 0) {
		struct replay_paced p = { .json = json, .limit = limit, .speed = speed, .rebase = rebase,
					  .dopts = dopts, .from_ts = copts.from_ts, .to_ts = copts.to_ts };

		ret = replay_through_source((const char *const *)argv + optind, (size_t)(argc - optind),
					    filter, &p);
		goto out;
	}
	/* segments holding none of the filter's types are never decompressed */
	if (filter && ebr_filter__types(filter, copts.type_bitmap))
		none = !copts.type_bitmap[0] && !copts.type_bitmap[1];
	dec = ebr_decoder__new(ebr_reader__schema(r), ebr_reader__info(r), &dopts);
	cur = ebr_cursor__open(r, &copts);
	if (!dec || !cur)
		goto out;
	while (!none && (!limit || n < limit) && (err = ebr_cursor__next(cur, &rec)) > 0) {
		if (filter && !ebr_filter__match(filter, rec))
			continue;
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
	ebr_capture_set__free(set, n_set);
	ebr_cursor__close(cur);
	ebr_filter__free(filter);
	ebr_decoder__free(dec);
	ebr_reader__close(r);
	return ret;
bad:
	{
		char name[64];

		fprintf(stderr, "ebpfrec replay: invalid value '%s' for %s\n", optarg,
			cli_option_name(argv, optind, optarg, name, sizeof(name)));
	}
	return EXIT_USAGE;
}
