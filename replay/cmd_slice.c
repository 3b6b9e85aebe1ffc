// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `ebpfrec slice`: a smaller, complete capture of the events that matter. */
#define _DEFAULT_SOURCE /* timegm */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_util.h"
#include "commands.h"
#include "ebpfrec/capture.h"
#include "ebpfrec/slice.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ebpfrec slice IN -o OUT [--from T] [--to T] [--type NAMES] [--force]\n\n"
		"Write a new, complete capture holding only the events of IN in a time window\n"
		"and of some types. Its process snapshot names every process those events\n"
		"mention, and their ancestors (rebuilt from fork/exec events where the\n"
		"original snapshot predates them). Only segments that can match are read for\n"
		"the events. The new capture keeps IN's host, kernel and clock, gets a new id,\n"
		"and records what it was cut from (see `ebpfrec info`).\n\n"
		"options:\n"
		"  -o, --output OUT     capture to write (never over an existing file unless --force)\n"
		"      --from T         first instant kept, T as in `replay --from`:\n"
		"                         5, 1.5s, 200ms, 2m   from the capture's first event\n"
		"                         -10s                 before its last event\n"
		"                         2026-11-26T22:47:24Z wall clock (UTC, or +hh:mm)\n"
		"                         @123456789           raw boot-clock nanoseconds\n"
		"      --to T           first instant no longer kept (exclusive)\n"
		"  -t, --type NAMES     only these event types (exec,fork,exit,...)\n"
		"      --force          replace OUT if it exists\n"
		"  -h, --help           this text\n\n"
		"examples:\n"
		"  ebpfrec slice t.ebc -o first-10s.ebc --to 10s\n"
		"  ebpfrec slice t.ebc -o net.ebc --type connect,accept,tcp_close --from -1m\n"
		"  ebpfrec slice t.ebc -o incident.ebc --from 2026-11-26T22:47:20Z --to 2026-11-26T22:47:30Z\n");
}

/* 2026-11-26T22:47:24[.123456789][Z|+hh:mm|-hhmm] -> wall-clock ns. */
static int parse_iso(const char *s, uint64_t *wall_ns)
{
	struct tm tm = {0};
	uint64_t frac = 0, scale = 1000000000ULL;
	int n = 0, zone = 0;
	char sep;
	time_t secs;

	if (sscanf(s, "%4d-%2d-%2d%c%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &sep,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 7 || (sep != 'T' && sep != ' '))
		return -EINVAL;
	s += n;
	if (*s == '.')
		for (s++; isdigit((unsigned char)*s); s++)
			if (scale > 1) {
				scale /= 10;
				frac += (uint64_t)(*s - '0') * scale;
			}
	if (*s == 'Z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		int sign = *s == '-' ? -1 : 1, hh = 0, mm = 0;

		if (sscanf(s + 1, "%2d%n", &hh, &n) != 1 || n != 2)
			return -EINVAL;
		s += 3;
		if (*s == ':')
			s++;
		if (*s && (sscanf(s, "%2d%n", &mm, &n) != 1 || n != 2))
			return -EINVAL;
		s += *s ? 2 : 0;
		zone = sign * (hh * 3600 + mm * 60);
	}
	if (*s || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -EINVAL;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	secs = timegm(&tm) - zone;
	if (secs < 0)
		return -EINVAL;
	*wall_ns = (uint64_t)secs * 1000000000ULL + frac;
	return 0;
}

/* The same forms as `replay --from/--to`. */
static int parse_time(const char *s, const struct ebr_capture_info *in, uint64_t *ts)
{
	uint64_t d, wall;

	if (!s || !*s)
		return -EINVAL;
	if (*s == '@')
		return parse_u64(s + 1, ts);
	if (strchr(s + 1, '-') || strchr(s, 'T') || strchr(s, ':')) {
		if (parse_iso(s, &wall) || !in->boot_to_wall_ns)
			return -EINVAL;
		/* before the machine booted is before every event */
		*ts = (int64_t)wall > in->boot_to_wall_ns ? wall - (uint64_t)in->boot_to_wall_ns : 1;
		return 0;
	}
	if (*s == '-') {
		if (parse_duration(s + 1, &d))
			return -EINVAL;
		*ts = in->t_last > d ? in->t_last - d : 1;
		return 0;
	}
	if (parse_duration(*s == '+' ? s + 1 : s, &d))
		return -EINVAL;
	*ts = in->t_first + d;
	return 0;
}

static int parse_types(const struct ebr_schema *s, char *list, uint64_t bitmap[2])
{
	for (char *name = strtok(list, ","); name; name = strtok(NULL, ",")) {
		const struct ebr_type *t = ebr_schema__type_by_name(s, name);

		if (!t) {
			fprintf(stderr, "ebpfrec slice: unknown event type '%s'; this capture has:", name);
			for (size_t i = 0; i < ebr_schema__type_count(s); i++)
				fprintf(stderr, " %s", ebr_schema__type_at(s, i)->name);
			fputc('\n', stderr);
			return -1;
		}
		ebr_type_bitmap__set(bitmap, t->id);
	}
	return 0;
}

int cmd_slice(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'T' },
		{ "type", required_argument, NULL, 't' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct ebr_slice_opts so = { .sz = sizeof(so) };
	struct ebr_slice_stats st;
	const char *out = NULL, *from = NULL, *to = NULL, *bad = NULL;
	char *types = NULL;
	struct ebr_reader *r;
	int c, err, ret = EXIT_FAIL;

	while ((c = getopt_long(argc, argv, "o:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'F': from = optarg; break;
		case 'T': to = optarg; break;
		case 't': types = optarg; break;
		case 'f': so.force = 1; break;
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
	if (from && parse_time(from, ebr_reader__info(r), &so.from_ts))
		bad = from;
	else if (to && parse_time(to, ebr_reader__info(r), &so.to_ts))
		bad = to;
	if (bad) {
		fprintf(stderr, "ebpfrec slice: invalid time '%s': expected seconds from the start (5, "
				"1.5s, 200ms), a time before the end (-10s), an ISO time "
				"(2026-11-26T22:47:24Z) or @BOOT_NS\n", bad);
		ret = EXIT_USAGE;
		goto out;
	}
	if (so.to_ts && so.from_ts >= so.to_ts) {
		fprintf(stderr, "ebpfrec slice: the window is empty: --from must be before --to\n");
		ret = EXIT_USAGE;
		goto out;
	}
	if (types && parse_types(ebr_reader__schema(r), types, so.type_bitmap)) {
		ret = EXIT_USAGE;
		goto out;
	}
	err = ebr_capture__slice(r, out, &so, &st);
	if (err)
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
	ebr_reader__close(r);
	return ret;
}
