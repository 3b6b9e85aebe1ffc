// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli_util.h"
#include "commands.h"
#include "config.h"

#ifndef EBR_HAVE_RECORDER
/* This build reads captures only (meson -Drecorder=disabled). */
int cmd_record(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "ebpfrec: this ebpfrec was built without the recorder "
			"(meson -Drecorder=disabled); it can read captures but not record them\n");
	return EXIT_FAIL;
}

int cmd_stats(int argc, char **argv)
{
	return cmd_record(argc, argv);
}

int cmd_doctor(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "ebpfrec: this ebpfrec was built without the recorder "
			"(meson -Drecorder=disabled); it cannot record, and has nothing to check\n");
	return EXIT_FAIL;
}
#endif

static const struct ebr_command commands[] = {
	{ "record", cmd_record, "record kernel events into a capture file (root)" },
	{ "stats", cmd_stats, "statistics and health of the recorders running here" },
	{ "replay", cmd_replay, "print a capture's events as text or JSON" },
	{ "info", cmd_info, "describe a capture: host, time span, counts, drops, probes" },
	{ "query", cmd_query, "run SQL over captures (docs/sql.md)" },
	{ "export", cmd_export, "write captures as a SQLite database, CSV or JSON Lines" },
	{ "slice", cmd_slice, "copy a time window / some event types into a new capture" },
	{ "merge", cmd_merge, "combine captures (e.g. of several hosts) in time order" },
	{ "redact", cmd_redact, "hash or remove arguments, paths and addresses before sharing" },
	{ "repair", cmd_repair, "give a cut or unclosed capture a fresh index and footer" },
	{ "top", cmd_top, "top processes, syscalls, files, peers; syscall latency histograms" },
	{ "report", cmd_report, "write a self-contained HTML report with charts" },
	{ "doctor", cmd_doctor, "can this machine record? checks, probe test, loaded programs" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: ebpfrec COMMAND [OPTIONS] [ARGS]\n\n"
		     "eBPF record/replay tracer: capture what the kernel sees, read it anywhere.\n\n"
		     "commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nexamples:\n"
		     "  sudo ebpfrec record -o trace.ebc -d 10          record 10 seconds\n"
		     "  sudo ebpfrec record -o t.ebc -- make test       record while a command runs\n"
		     "  ebpfrec replay t.ebc --output json              every event as JSON lines\n"
		     "  ebpfrec info t.ebc                              what is in a capture\n"
		     "  ebpfrec top t.ebc                               top processes, latency histograms\n"
		     "  ebpfrec report t.ebc -o t.html                  charts in one HTML file\n"
		     "  ebpfrec query t.ebc \"SELECT * FROM exits\"       SQL over a capture\n\n"
		     "`ebpfrec COMMAND --help` describes a command. Version %s.\n",
		EBR_VERSION);
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : NULL;

	/* a closed pipe is reported as EPIPE by the write, then handled as a normal end */
	signal(SIGPIPE, SIG_IGN);
	cli_log_setup(0);
	if (!name || !strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
		usage(name ? stdout : stderr);
		return name ? EXIT_OK : EXIT_USAGE;
	}
	if (!strcmp(name, "--version") || !strcmp(name, "-V")) {
		printf("ebpfrec %s\n", EBR_VERSION);
		return finish_stdout();
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "ebpfrec: '%s' is not a command; see `ebpfrec --help`\n", name);
	return EXIT_USAGE;
}
