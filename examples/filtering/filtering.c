// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Two subscribers with different filters on one source, a filter changed
 * mid-stream, and the source's stats and health at the end.
 *
 *   filtering trace.ebc 'type = exec' 'type = exit and exit_code != 0'
 */
#include <inttypes.h>
#include <stdio.h>

#include <ebpfrec/source.h>

struct tally {
	const char *name;
	unsigned long long n;
};

static int count(const struct ebr_event *ev, void *ctx)
{
	(void)ev;
	((struct tally *)ctx)->n++;
	return 0;
}

int main(int argc, char **argv)
{
	struct ebr_capture_source_opts co = { .sz = sizeof(co) };
	struct tally a = { "first", 0 }, b = { "second", 0 };
	struct ebr_subscribe_opts sa = { .sz = sizeof(sa), .fn = count, .ctx = &a };
	struct ebr_subscribe_opts sb = { .sz = sizeof(sb), .fn = count, .ctx = &b };
	struct ebr_subscription *sub_a, *sub_b;
	struct ebr_source_stats st;
	struct ebr_health h;
	struct ebr_source *src;
	uint64_t delivered, filtered, dropped;

	if (argc < 4) {
		fprintf(stderr, "usage: %s CAPTURE FILTER1 FILTER2\n", argv[0]);
		return 2;
	}
	sa.filter = argv[2];
	sb.filter = argv[3];
	src = ebr_source__open_capture((const char *const *)argv + 1, 1, &co);
	if (!src)
		return 1;
	sub_a = ebr_source__subscribe(src, &sa);
	sub_b = ebr_source__subscribe(src, &sb);
	if (!sub_a || !sub_b)
		return 1; /* the library said why: a bad filter points at its column */
	while (!ebr_source__done(src))
		ebr_source__poll(src, 100);
	ebr_source__drain(src); /* every callback has run: the counts below are final */
	ebr_subscription__stats(sub_a, &delivered, &filtered, &dropped);
	printf("%s: %s: delivered %" PRIu64 " filtered %" PRIu64 " dropped %" PRIu64 "\n", a.name, argv[2],
	       delivered, filtered, dropped);
	ebr_subscription__stats(sub_b, &delivered, &filtered, &dropped);
	printf("%s: %s: delivered %" PRIu64 " filtered %" PRIu64 " dropped %" PRIu64 "\n", b.name, argv[3],
	       delivered, filtered, dropped);
	ebr_source__stats(src, &st);
	ebr_source__health(src, &h);
	printf("source: collected %llu delivered %llu health %s\n", (unsigned long long)st.collected,
	       (unsigned long long)st.delivered, ebr_health_status__name(h.status));
	ebr_source__close(src);
	printf("callbacks: %s %llu, %s %llu\n", a.name, a.n, b.name, b.n);
	return 0;
}
