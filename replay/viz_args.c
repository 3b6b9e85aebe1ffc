// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "commands.h"
#include "filter_args.h"
#include "viz_args.h"

int viz_parse_types(const struct ebr_schema *s, const char *list, uint64_t bitmap[2], const char *cmd)
{
	char *copy = strdup(list), *save = NULL;
	int ret = 0;

	if (!copy) {
		fprintf(stderr, "ebpfrec %s: out of memory\n", cmd);
		return -1;
	}
	for (char *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		const struct ebr_type *t = ebr_schema__type_by_name(s, name);
		int family = 0;

		if (t) {
			ebr_type_bitmap__set(bitmap, t->id);
			continue;
		}
		for (size_t i = 0; i < ebr_schema__type_count(s); i++) {
			const struct ebr_type *ti = ebr_schema__type_at(s, i);

			if (ti->family_name && !strcmp(ti->family_name, name)) {
				ebr_type_bitmap__set(bitmap, ti->id);
				family = 1;
			}
		}
		if (family)
			continue;
		fprintf(stderr, "ebpfrec %s: '%s' is neither an event type nor a family; this capture has:", cmd,
			name);
		for (size_t i = 0; i < ebr_schema__type_count(s); i++)
			fprintf(stderr, " %s", ebr_schema__type_at(s, i)->name);
		fprintf(stderr, " (families: process syscall network memory file)\n");
		ret = -1;
		break;
	}
	free(copy);
	return ret;
}

static int one_bound(const char *opt, const char *v, const struct ebr_capture_info *in, uint64_t *ts,
		     const char *cmd)
{
	uint64_t ns;

	if (!v)
		return 0;
	if (parse_duration(v, &ns)) {
		fprintf(stderr, "ebpfrec %s: invalid %s '%s': seconds from the capture's first event, "
				"e.g. 2, 1.5, 200ms, 1m\n", cmd, opt, v);
		return -1;
	}
	*ts = in->t_first + ns;
	/* 0 means "open"; a window starting exactly at boot time 0 cannot exist */
	if (!*ts)
		*ts = 1;
	return 0;
}

int viz_parse_window(const char *from, const char *to, const struct ebr_capture_info *in, uint64_t *from_ts,
		     uint64_t *to_ts, const char *cmd)
{
	*from_ts = *to_ts = 0;
	if (one_bound("--from", from, in, from_ts, cmd) || one_bound("--to", to, in, to_ts, cmd))
		return -1;
	if (from && to && *from_ts >= *to_ts) {
		fprintf(stderr, "ebpfrec %s: --from %s is not before --to %s\n", cmd, from, to);
		return -1;
	}
	if (from && in->n_records && *from_ts > in->t_last)
		fprintf(stderr, "ebpfrec %s: --from %s is after the last event (%.3f s): nothing to show\n", cmd,
			from, (double)(in->t_last - in->t_first) / 1e9);
	return 0;
}

int viz_compile_filter(const char *cmd, struct ebr_reader *r, const char *expr, struct ebr_filter **out,
		       uint64_t bitmap[2])
{
	struct cli_filter_opts fo = { .expr = expr, .sh = { .sz = sizeof(fo.sh) } };
	struct ebr_cgroup_view *table; /* only with several readers */
	char prog[64];
	uint64_t types[2];
	int ret;

	*out = NULL;
	if (!expr)
		return 0;
	snprintf(prog, sizeof(prog), "ebpfrec %s", cmd);
	if (cli_filter_tables(prog, &fo, &r, 1, &table))
		return EXIT_FAIL;
	ret = cli_filter_compile(prog, ebr_reader__schema(r), &fo, out);
	if (ret)
		return ret;
	if (!bitmap[0] && !bitmap[1] && ebr_filter__types(*out, types) && (types[0] || types[1])) {
		bitmap[0] = types[0];
		bitmap[1] = types[1];
	}
	return 0;
}
