// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli_util.h"
#include "commands.h"
#include "ebpfrec/log.h"

int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

#define U64_LIMIT 18446744073709551616.0 /* 2^64: doubles at or above it do not fit a uint64_t */

int parse_size(const char *s, uint64_t *out)
{
	char *end;
	double v;
	uint64_t mult = 1;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	v = strtod(s, &end);
	if (end == s)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': mult = 1ULL << 10; end++; break;
	case 'm': case 'M': mult = 1ULL << 20; end++; break;
	case 'g': case 'G': mult = 1ULL << 30; end++; break;
	default: break;
	}
	if (*end == 'i' && mult > 1)
		end++;
	if (*end == 'B' || *end == 'b')
		end++;
	/* !(v >= 0) also refuses "nan"; "inf" and huge values would not convert */
	if (*end || !(v >= 0) || v * (double)mult >= U64_LIMIT)
		return -EINVAL;
	*out = (uint64_t)(v * (double)mult);
	return 0;
}

int parse_duration(const char *s, uint64_t *out)
{
	static const struct { const char *unit; double ns; } units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "m", 60e9 },
		{ "min", 60e9 }, { "h", 3600e9 }, { "", 1e9 },
	};
	char *end;
	double v;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	v = strtod(s, &end);
	if (end == s || !(v >= 0))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(end, units[i].unit)) {
			if (v * units[i].ns >= U64_LIMIT)
				return -EINVAL;
			*out = (uint64_t)(v * units[i].ns);
			return 0;
		}
	return -EINVAL;
}

int finish_stdout(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return EXIT_OK;
	if (errno == EPIPE)
		return EXIT_OK;
	fprintf(stderr, "ebpfrec: cannot write output: %s\n", strerror(errno));
	return EXIT_FAIL;
}

const char *human_bytes(uint64_t n, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	unsigned u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)n);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
	return buf;
}

const char *cli_option_name(char **argv, int optind, const char *optarg, char *buf, size_t len)
{
	const char *arg = argv[optind - 1], *eq;

	if (optarg == arg && optind >= 2) {
		arg = argv[optind - 2]; /* "--speed 0", "-d 5" */
		if (arg[0] == '-' && arg[1] != '-' && strlen(arg) > 2) {
			snprintf(buf, len, "-%c", arg[strlen(arg) - 1]); /* "-qd 5" */
			return buf;
		}
		return arg;
	}
	eq = strchr(arg, '=');
	if (arg[0] == '-' && arg[1] == '-' && eq) {
		snprintf(buf, len, "%.*s", (int)(eq - arg), arg); /* "--speed=0" */
		return buf;
	}
	if (arg[0] == '-' && arg[1] && arg[1] != '-') {
		/* "-d5", or the last of grouped short options "-qd5" */
		snprintf(buf, len, "-%c", optarg > arg + 1 ? optarg[-1] : arg[1]);
		return buf;
	}
	return arg;
}

static void log_to_stderr(enum ebr_log_level level, const char *msg, void *ctx)
{
	(void)ctx;
	fprintf(stderr, "ebpfrec: %s%s\n", level == EBR_LOG_WARN ? "warning: " : "", msg);
}

void cli_log_setup(int verbose)
{
	ebr_set_log(log_to_stderr, NULL);
	ebr_set_log_level(verbose > 1 ? EBR_LOG_DEBUG : verbose ? EBR_LOG_INFO : EBR_LOG_WARN);
}
