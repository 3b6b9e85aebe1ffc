// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_util.h"
#include "commands.h"
#include "filter_args.h"

void cli_print_caret(FILE *out, const char *expr, unsigned col)
{
	size_t len = strlen(expr);

	fputs("  ", out);
	for (size_t i = 0; i < len; i++)
		fputc(expr[i] == '\n' || expr[i] == '\r' ? ' ' : expr[i], out);
	fputs("\n  ", out);
	/* one column per character: UTF-8 continuation bytes take no room */
	for (size_t i = 0; i + 1 < col && i < len; i++)
		if (((unsigned char)expr[i] & 0xc0) != 0x80)
			fputc(expr[i] == '\t' ? '\t' : ' ', out);
	fputs("^\n", out);
}

int cli_filter_tables(const char *prog, struct cli_filter_opts *o, struct ebr_reader *const *readers,
		      size_t n, struct ebr_cgroup_view **buf)
{
	size_t total = 0, k = 0;

	*buf = NULL;
	o->compile = (struct ebr_filter_opts){ .sz = sizeof(o->compile), .flags = EBR_FILTER_CGROUPS };
	if (n == 1) {
		o->compile.cgroups = ebr_reader__cgroups(readers[0], &o->compile.n_cgroups);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		total += ebr_reader__cgroup_count(readers[i]);
	*buf = malloc((total ? total : 1) * sizeof(**buf));
	if (!*buf) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		size_t m;
		const struct ebr_cgroup_view *v = ebr_reader__cgroups(readers[i], &m);

		if (m)
			memcpy(*buf + k, v, m * sizeof(*v));
		k += m;
	}
	o->compile.cgroups = *buf;
	o->compile.n_cgroups = k;
	return 0;
}

static int compile_one(const char *prog, const struct ebr_schema *s, const char *what,
		       const char *expr, const struct cli_filter_opts *o, struct ebr_filter **out)
{
	struct ebr_filter_error err;
	struct ebr_filter *f = ebr_filter__compile_opts(s, expr, &o->compile, &err);

	if (!f && errno == ENOENT && o->unknown_warns) {
		/* not there yet: it matches once the recorder sees its cgroup appear */
		struct ebr_filter_opts later = o->compile;

		if (!out) /* the whole is compiled last: its parts were warned about */
			fprintf(stderr, "%s: warning: %s%s%s; it is recorded once it appears\n", prog,
				what ? what : "", what ? ": " : "", err.message);
		later.flags |= EBR_FILTER_UNKNOWN_OK;
		f = ebr_filter__compile_opts(s, expr, &later, &err);
	}
	if (f) {
		if (out)
			*out = f;
		else
			ebr_filter__free(f);
		return EXIT_OK;
	}
	if (errno == ENOMEM) {
		fprintf(stderr, "%s: out of memory compiling the filter\n", prog);
		return EXIT_FAIL;
	}
	if (!what && err.column) {
		fprintf(stderr, "%s: invalid filter at column %u: %s\n", prog, err.column, err.message);
		cli_print_caret(stderr, expr, err.column);
	} else {
		fprintf(stderr, "%s: %s%s%s\n", prog, what ? what : "invalid filter", ": ", err.message);
	}
	return EXIT_USAGE;
}

/* Each shorthand alone first, so that an error names the option that caused it. */
static int check_shorthands(const char *prog, const struct ebr_schema *s,
			    const struct cli_filter_opts *o)
{
	const struct ebr_filter_shorthand *sh = &o->sh;
	struct ebr_filter_error err;
	const struct {
		const char *opt, *value;
		size_t off;
	} opts[] = {
		{ "--type", sh->types, offsetof(struct ebr_filter_shorthand, types) },
		{ "--pid", sh->pids, offsetof(struct ebr_filter_shorthand, pids) },
		{ "--container", sh->containers, offsetof(struct ebr_filter_shorthand, containers) },
		{ "--namespace", sh->namespaces, offsetof(struct ebr_filter_shorthand, namespaces) },
		{ "--min-severity", sh->min_severity,
		  offsetof(struct ebr_filter_shorthand, min_severity) },
	};

	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		struct ebr_filter_shorthand one = { .sz = sizeof(one) };
		char what[200];
		char *expr;
		int ret;

		if (!opts[i].value)
			continue;
		memcpy((char *)&one + opts[i].off, &opts[i].value, sizeof(opts[i].value));
		expr = ebr_filter__shorthand_expr(&one, &err);
		if (!expr) {
			fprintf(stderr, "%s: %s\n", prog, errno == ENOMEM ? "out of memory" : err.message);
			return errno == ENOMEM ? EXIT_FAIL : EXIT_USAGE;
		}
		snprintf(what, sizeof(what), "%s %.150s", opts[i].opt, opts[i].value);
		ret = compile_one(prog, s, what, expr, o, NULL);
		free(expr);
		if (ret)
			return ret;
	}
	return EXIT_OK;
}

int cli_filter_compile(const char *prog, const struct ebr_schema *s,
		       const struct cli_filter_opts *o, struct ebr_filter **out)
{
	struct ebr_filter_error err;
	char *sh = NULL, *all = NULL;
	int ret;

	*out = NULL;
	if (o->expr) {
		ret = compile_one(prog, s, NULL, o->expr, o, NULL);
		if (ret)
			return ret;
	}
	ret = check_shorthands(prog, s, o);
	if (ret)
		return ret;
	sh = ebr_filter__shorthand_expr(&o->sh, &err);
	if (!sh) {
		fprintf(stderr, "%s: %s\n", prog, errno == ENOMEM ? "out of memory" : err.message);
		return errno == ENOMEM ? EXIT_FAIL : EXIT_USAGE;
	}
	all = ebr_filter__join(o->expr, sh);
	if (!all) {
		free(sh);
		fprintf(stderr, "%s: out of memory\n", prog);
		return EXIT_FAIL;
	}
	ret = *all ? compile_one(prog, s, "filter", all, o, out) : EXIT_OK;
	free(sh);
	free(all);
	return ret;
}

/* ------------------------------------------------------------------ times */

/* 2026-11-26T22:47:24[.123456789][Z|+01:00|-0530] → wall-clock ns. */
static int parse_iso(const char *s, uint64_t *wall_ns)
{
	struct tm tm = { 0 };
	int n = 0, off = 0;
	uint64_t frac = 0, frac_div = 1;
	time_t secs;
	char sep;

	if (sscanf(s, "%4d-%2d-%2d%c%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &sep,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 7 || (sep != 'T' && sep != ' '))
		return -EINVAL;
	s += n;
	if (*s == '.' || *s == ',') {
		for (s++; isdigit((unsigned char)*s); s++)
			if (frac_div < 1000000000) {
				frac = frac * 10 + (uint64_t)(*s - '0');
				frac_div *= 10;
			}
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		int sign = *s == '-' ? -1 : 1, hh, mm = 0;

		if (sscanf(s + 1, "%2d%n", &hh, &n) != 1 || n != 2)
			return -EINVAL;
		s += 3;
		if (*s == ':')
			s++;
		if (isdigit((unsigned char)*s)) {
			if (sscanf(s, "%2d%n", &mm, &n) != 1 || n != 2)
				return -EINVAL;
			s += 2;
		}
		off = sign * (hh * 3600 + mm * 60);
	}
	if (*s || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -EINVAL;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	secs = timegm(&tm) - off;
	if (secs < 0)
		return -EINVAL;
	*wall_ns = (uint64_t)secs * 1000000000ULL + frac * (1000000000ULL / frac_div);
	return 0;
}

int cli_parse_time(const char *s, const struct ebr_capture_info *info, uint64_t *boot_ns,
		   const char **why)
{
	uint64_t d, wall;

	*why = "expected seconds from the start (5, 1.5s, 200ms), a time before the end (-10s), "
	       "an ISO time (2026-11-26T22:47:24Z) or @BOOT_NS";
	if (!s || !*s)
		return -EINVAL;
	if (*s == '@')
		return parse_u64(s + 1, boot_ns);
	if (strchr(s + 1, '-') || strchr(s, 'T') || strchr(s, ':')) {
		if (parse_iso(s, &wall))
			return -EINVAL;
		if (!info->boot_to_wall_ns) {
			*why = "this capture has no wall-clock offset; give a time from its start";
			return -EINVAL;
		}
		/* a wall time before the machine booted is before every event */
		*boot_ns = (int64_t)wall > info->boot_to_wall_ns ? wall - (uint64_t)info->boot_to_wall_ns
								 : 1;
		return 0;
	}
	if (*s == '-') {
		if (parse_duration(s + 1, &d))
			return -EINVAL;
		*boot_ns = info->t_last > d ? info->t_last - d : 1;
		return 0;
	}
	if (parse_duration(*s == '+' ? s + 1 : s, &d))
		return -EINVAL;
	*boot_ns = info->t_first + d;
	return 0;
}
