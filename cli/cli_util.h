/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Small helpers the commands share: argument parsing and output checks. */
#ifndef EBPFREC_CLI_UTIL_H
#define EBPFREC_CLI_UTIL_H

#include <stdint.h>
#include <stdio.h>

/* "16M", "4096", "1G", "64k": bytes. Returns 0 or -EINVAL. */
int parse_size(const char *s, uint64_t *out);
/* "10", "1.5", "500ms", "2m", "1h": nanoseconds. Returns 0 or -EINVAL. */
int parse_duration(const char *s, uint64_t *out);
/* Whole non-negative integer. */
int parse_u64(const char *s, uint64_t *out);

/*
 * Flush and check stdout before exiting: a full disk or a closed pipe must
 * not go unnoticed. A reader that went away (EPIPE) is not an error.
 */
int finish_stdout(void);
/* Human-readable bytes: "1.5 MiB". */
const char *human_bytes(uint64_t n, char *buf, size_t len);
/*
 * The option a value was refused for, as the user wrote it ("--speed", "-d"),
 * right after getopt_long returned it: argv[optind - 1] is the value itself
 * when it was a separate argument. buf receives "--speed" out of "--speed=0".
 */
const char *cli_option_name(char **argv, int optind, const char *optarg, char *buf, size_t len);
/* Route library messages to stderr with the program name; verbose adds info. */
void cli_log_setup(int verbose);

#endif
