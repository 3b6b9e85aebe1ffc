/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The subcommand table: one file per command, each exporting cmd_NAME. */
#ifndef EBPFREC_CLI_COMMANDS_H
#define EBPFREC_CLI_COMMANDS_H

/* Exit statuses shared by every command. */
#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2

struct ebr_command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

int cmd_record(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_slice(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_redact(int argc, char **argv);
int cmd_repair(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_trace_export(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_export(int argc, char **argv);

#endif
