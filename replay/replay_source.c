// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `replay` over several captures or at a pace: the same source/subscriber
 * path a library user gets, with one subscriber that prints.
 */
#include <stdio.h>
#include <string.h>

#include "cli_util.h"
#include "commands.h"
#include "ebpfrec/source.h"
#include "replay_source.h"

#define MAX_INPUTS 64

struct printer {
	const struct replay_paced *p;
	struct ebr_decoder *dec[MAX_INPUTS];
	uint64_t printed; /* read by the main thread: atomic */
	int failed;
};

static int print_event(const struct ebr_event *ev, void *ctx)
{
	struct printer *pr = ctx;
	struct ebr_decoder **dec = &pr->dec[ev->source];
	int err;

	if (!*dec) {
		*dec = ebr_decoder__new(ev->schema, ev->capture, &pr->p->dopts);
		if (!*dec) {
			pr->failed = 1;
			return 1;
		}
	}
	err = pr->p->json ? ebr_decoder__json(*dec, ev->rec, stdout) : ebr_decoder__text(*dec, ev->rec, stdout);
	if (err) {
		pr->failed = 1; /* stdout failed: finish_stdout says why */
		return 1;
	}
	return __atomic_add_fetch(&pr->printed, 1, __ATOMIC_RELAXED) >= pr->p->limit && pr->p->limit;
}

int replay_through_source(const char *const *paths, size_t n, const struct ebr_filter *filter,
			  const struct replay_paced *p)
{
	struct ebr_capture_source_opts co = { .sz = sizeof(co), .speed = p->speed, .rebase = p->rebase,
					      .from_ts = p->from_ts, .to_ts = p->to_ts };
	struct printer pr = { .p = p };
	struct ebr_subscribe_opts so = { .sz = sizeof(so), .fn = print_event, .ctx = &pr,
					 .filter = filter ? ebr_filter__expr(filter) : NULL };
	struct replay_paced local = *p;
	struct ebr_source *src;
	int ret;

	if (n > MAX_INPUTS) {
		fprintf(stderr, "ebpfrec replay: at most %d captures at once\n", MAX_INPUTS);
		return EXIT_USAGE;
	}
	/* seconds from each capture's own start would not line up across hosts */
	if (n > 1 && local.dopts.time_format == EBR_TIME_RELATIVE)
		local.dopts.time_format = EBR_TIME_WALL;
	pr.p = &local;
	if (filter)
		ebr_filter__types(filter, co.type_bitmap);
	src = ebr_source__open_capture(paths, n, &co);
	if (!src)
		return EXIT_FAIL;
	if (!ebr_source__subscribe(src, &so)) {
		ebr_source__close(src);
		return EXIT_FAIL;
	}
	while (!ebr_source__done(src) && !pr.failed &&
	       (!p->limit || __atomic_load_n(&pr.printed, __ATOMIC_RELAXED) < p->limit)) {
		int got = ebr_source__poll(src, 100);

		if (got < 0) {
			fprintf(stderr, "ebpfrec replay: reading failed: %s\n", strerror(-got));
			pr.failed = 1;
		}
	}
	ebr_source__close(src); /* the subscriber prints what is still queued */
	for (size_t i = 0; i < n; i++)
		ebr_decoder__free(pr.dec[i]);
	ret = finish_stdout();
	return pr.failed && ret == EXIT_OK ? EXIT_FAIL : ret;
}
