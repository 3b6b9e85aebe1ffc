// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `ebpfrec stats`: what recorders running on this machine are doing. Each
 * recorder rewrites /run/ebpfrec/<pid>.json every second (see status.h);
 * this reads them, so any number of recorders can be watched at once.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_util.h"
#include "commands.h"
#include "status.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: ebpfrec stats [PID] [--json] [--watch]\n\n"
		     "Statistics and health of the recorders running on this machine: events, rate,\n"
		     "drops by reason, ring-buffer fill, bytes written, and health with its issues.\n"
		     "Each recorder publishes them in " REC_STATS_DIR "/PID.json every second.\n\n"
		     "options:\n"
		     "  -j, --json    one JSON object per recorder\n"
		     "  -w, --watch   refresh every second until interrupted\n"
		     "  -h, --help    this text\n\n"
		     "examples:\n"
		     "  ebpfrec stats                  every recorder running here\n"
		     "  ebpfrec stats 4242 --json      one recorder, for a monitoring script\n"
		     "  ebpfrec stats --watch          refreshed every second\n\n"
		     "exit status: 0 when at least one recorder was shown, 1 when none runs.\n");
}

static void show(const struct rec_snapshot *s, int json)
{
	char line[512];

	if (json) {
		rec_snapshot__print_json(s, stdout);
		return;
	}
	rec_snapshot__line(s, line, sizeof(line));
	printf("recorder %u -> %s\n  %s\n", s->pid, s->current_file[0] ? s->current_file : "(no file)", line);
	printf("  probes %u attached, %u failed\n", s->probes_attached, s->probes_failed);
	for (unsigned i = 0; i < s->health.n_issues; i++)
		printf("  %s %s: %s\n",
		       s->health.issues[i].severity == EBR_ISSUE_ERROR ? "ERROR" :
		       s->health.issues[i].severity == EBR_ISSUE_WARNING ? "WARNING" : "info",
		       s->health.issues[i].component, s->health.issues[i].message);
}

static int show_all(long only_pid, int json)
{
	DIR *d = opendir(REC_STATS_DIR);
	struct dirent *de;
	int shown = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char path[600];
		struct rec_snapshot s;
		size_t len = strlen(de->d_name);

		if (len < 6 || strcmp(de->d_name + len - 5, ".json"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", REC_STATS_DIR, de->d_name);
		if (rec_snapshot__load(&s, path) || (only_pid && s.pid != (uint32_t)only_pid))
			continue;
		if (!rec_snapshot__is_live(&s))
			continue; /* left behind by a recorder that was killed (its pid maybe reused) */
		show(&s, json);
		shown++;
	}
	closedir(d);
	return shown;
}

int cmd_stats(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "watch", no_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int json = 0, watch = 0, c, shown;
	long pid = 0;

	while ((c = getopt_long(argc, argv, "jwh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'w':
			watch = 1;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		char *end;

		pid = strtol(argv[optind], &end, 10);
		if (*end || pid <= 0) {
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	for (;;) {
		if (watch && !json)
			printf("\033[H\033[J");
		shown = show_all(pid, json);
		if (!shown)
			fprintf(stderr, "ebpfrec stats: no recorder%s is running\n", pid ? " with that pid" : "");
		if (!watch || finish_stdout() != EXIT_OK)
			break;
		sleep(1);
	}
	if (finish_stdout() != EXIT_OK)
		return EXIT_FAIL;
	return shown ? EXIT_OK : EXIT_FAIL;
}
