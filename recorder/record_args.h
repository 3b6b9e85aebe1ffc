/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Everything `ebpfrec record` can be told, from its options or a --config file. */
#ifndef EBPFREC_RECORDER_RECORD_ARGS_H
#define EBPFREC_RECORDER_RECORD_ARGS_H

#include <stdint.h>
#include <sys/types.h>

#include "ebpfrec/filter.h"
#include "ebpfrec/recorder.h"
#include "filter_args.h"
#include "maps.h"

#define MAX_PIDS 64
#define MAX_OWNED 64

struct record_args {
	struct ebr_recorder_opts ro;
	uint32_t syscalls[EBR_SYSCALL_SLOTS];
	uint32_t pids[MAX_PIDS];
	size_t n_pids;
	int all;
	uint64_t max_size, max_events;
	int live_output; /* 1 text, 2 json */
	size_t live_buffer; /* bytes queued for --output; 0: default */
	int test;
	int print_config;
	const char *name; /* a label for the recording (--config "name") */
	const char *stats_file; /* explicit --stats-file, kept at exit */
	const char *user; /* --user: run unprivileged once recording */
	struct ebr_custom_program custom[8]; /* --bpf-object */
	struct ebr_redact_opts redact; /* --redact-* */
	const char *redact_globs[16];
	pid_t child; /* COMMAND, held until the recorder is ready */
	int go_fd;
	struct ebr_kfilter_spec kf;
	struct cli_filter_opts filt;
	struct ebr_filter *filter;
	uint32_t *followed; /* -p processes and their descendants, and COMMAND */
	size_t n_followed;
	uint64_t duration_ns;
	int verbose, quiet;
	char **command;
	char *owned[MAX_OWNED]; /* strings from a config file, freed at exit */
	int n_owned;
};

/*
 * Apply a JSON config file to a (before the command line, which overrides
 * it). Every error names the file, line, column and key; -EINVAL then.
 */
int rec_config__load(const char *path, struct record_args *a);
/* The same on text already in memory (text[len] must be 0); name is used in messages. */
int rec_config__parse(const char *name, const char *text, size_t len, struct record_args *a);
/* The effective configuration as JSON, valid input for --config. Caller frees. */
char *rec_config__to_json(const struct record_args *a, int pretty);
void rec_config__free(struct record_args *a);
/* "openat,read" into a->syscalls for this machine; -1 and a message when one is unknown. */
int rec_args__set_syscalls(struct record_args *a, const char *const *names, size_t n);

#endif
