// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The smallest ebpfrec program: count events by type, from capture files
 * or (as root) live for a few seconds. The same callback serves both.
 *
 *   basic trace.ebc [more.ebc ...]
 *   sudo basic --live 5
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ebpfrec/events.h>
#include <ebpfrec/recorder.h>
#include <ebpfrec/source.h>

struct counts {
	unsigned long long by_type[1024];
	char name[1024][32]; /* the schema goes away with the source: keep the names */
};

static int on_event(const struct ebr_event *ev, void *ctx)
{
	struct counts *c = ctx;
	unsigned t = ev->rec->type & 1023;

	if (!c->by_type[t]++) {
		const struct ebr_type *ty = ebr_schema__type(ev->schema, t);

		snprintf(c->name[t], sizeof(c->name[t]), "%s", ty ? ty->name : "?");
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct counts c;
	struct ebr_subscribe_opts so = { .sz = sizeof(so), .fn = on_event, .ctx = &c };
	struct ebr_source *src;
	time_t end = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s CAPTURE... | --live SECONDS\n", argv[0]);
		return 2;
	}
	if (!strcmp(argv[1], "--live")) {
		struct ebr_recorder_opts ro = { .sz = sizeof(ro) }; /* no output: subscribers only */

		src = ebr_source__open_live(&ro);
		end = time(NULL) + (argc > 2 ? atoi(argv[2]) : 3);
	} else {
		struct ebr_capture_source_opts co = { .sz = sizeof(co) };

		src = ebr_source__open_capture((const char *const *)argv + 1, (size_t)argc - 1, &co);
	}
	if (!src || !ebr_source__subscribe(src, &so))
		return 1;
	while (!ebr_source__done(src) && (!end || time(NULL) < end))
		ebr_source__poll(src, 100);
	ebr_source__close(src); /* every queued event reaches on_event before this returns */
	for (unsigned t = 0; t < 1024; t++)
		if (c.by_type[t])
			printf("%-16s %llu\n", c.name[t], c.by_type[t]);
	return 0;
}
