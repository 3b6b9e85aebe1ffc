// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `ebpfrec info`: what a capture holds and whether it is whole. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli_util.h"
#include "commands.h"
#include "ebpfrec/capture.h"
#include "ebpfrec/decode.h"
#include "ebpfrec/schema.h"
#include "events.h"
#include "info_sharing.h"
#include "layout.h"


static void usage(FILE *out)
{
	fprintf(out, "usage: ebpfrec info FILE [--segments]\n\n"
		     "Describe a capture: host and kernel it was recorded on, time span, events per\n"
		     "type, drops by reason, probe status, and whether the file was complete or had to\n"
		     "be recovered (recorder killed, disk full). No privileges needed.\n\n"
		     "options:\n"
		     "  -s, --segments   list every segment (time range, events, sizes)\n"
		     "  -h, --help       this text\n");
}

struct probe_ctx {
	unsigned ok, failed;
	int print;
};

static int print_probe(const struct ebr_event_header *rec, void *ctx)
{
	const struct ebr_probe_status *p = (const void *)rec;
	struct probe_ctx *c = ctx;
	const char *base = (const char *)rec;

	if (p->attached)
		c->ok++;
	else
		c->failed++;
	if (c->print)
		printf("  %-6s %-8s %-24s %-36s %s\n", p->attached ? "ok" : "FAILED",
		       ebr_family__name(p->family),
		       p->name.len ? base + p->name.off : "", p->attach_point.len ? base + p->attach_point.off : "",
		       p->attached ? "" : (p->message.len ? base + p->message.off : ""));
	return 0;
}

static int count_record(const struct ebr_event_header *rec, void *ctx)
{
	(void)rec;
	(*(uint64_t *)ctx)++;
	return 0;
}

static void print_time_span(const struct ebr_capture_info *in)
{
	char a[48], b[48];

	if (!in->n_records) {
		printf("events:     none\n");
		return;
	}
	printf("time:       %s .. %s (%.3f s)\n",
	       ebr_format_wall_time(in->t_first + (uint64_t)in->boot_to_wall_ns, a, sizeof(a)),
	       ebr_format_wall_time(in->t_last + (uint64_t)in->boot_to_wall_ns, b, sizeof(b)),
	       (double)(in->t_last - in->t_first) / 1e9);
}

static void print_status(const struct ebr_capture_info *in)
{
	char b1[32], b2[32];

	if (!in->recovered) {
		printf("status:     complete (closed with its index)\n");
		return;
	}
	printf("status:     RECOVERED: no valid index (recorder killed or disk full); kept %" PRIu64
	       " whole segments, %s readable",
	       in->n_segments, human_bytes(in->bytes_recovered, b1, sizeof(b1)));
	if (in->n_segments_lost || in->bytes_lost)
		printf("; lost %" PRIu64 " damaged or cut segments, %s unreadable", in->n_segments_lost,
		       human_bytes(in->bytes_lost, b2, sizeof(b2)));
	printf("\n");
}

static void print_counts(struct ebr_reader *r, const struct ebr_capture_info *in)
{
	const struct ebr_schema *s = ebr_reader__schema(r);
	char b1[32], b2[32];

	printf("events:     %" PRIu64 " in %" PRIu64 " segments; %s raw, %s on disk (%.1fx), %.1f "
	       "bytes/event\n",
	       in->n_records, in->n_segments, human_bytes(in->raw_bytes, b1, sizeof(b1)),
	       human_bytes(in->file_size, b2, sizeof(b2)),
	       in->file_size ? (double)in->raw_bytes / (double)in->file_size : 0.0,
	       in->n_records ? (double)in->file_size / (double)in->n_records : 0.0);
	for (unsigned t = 0; t <= EBR_T_MAX; t++) {
		uint64_t n = ebr_reader__type_count(r, t);
		const struct ebr_type *ty;

		if (!n)
			continue;
		ty = ebr_schema__type(s, t);
		printf("  %-16s %-8s %12" PRIu64 "\n", ty ? ty->name : "(unknown)",
		       ty ? ty->family_name : "", n);
	}
}

static void print_drops(struct ebr_reader *r, const struct ebr_capture_info *in)
{
	int any = 0;

	for (unsigned d = 0; d < EBR_DROP_NR; d++)
		any |= in->drops[d] != 0;
	if (!any) {
		printf("drops:      none\n");
		return;
	}
	printf("drops:\n");
	for (unsigned d = 0; d < EBR_DROP_NR; d++) {
		if (!in->drops[d])
			continue;
		printf("  %-34s %12" PRIu64, ebr_drop_reason__name(d), in->drops[d]);
		for (unsigned t = 0; t < 128; t++) {
			uint64_t n = ebr_reader__drops_by_type(r, d, t);
			const struct ebr_type *ty = ebr_schema__type(ebr_reader__schema(r), t);

			if (n)
				printf("  %s=%" PRIu64, ty ? ty->name : "?", n);
		}
		printf("\n");
	}
}

static void print_segments(struct ebr_reader *r)
{
	printf("segments:\n  %6s %12s %14s %14s %10s %10s %10s\n", "seq", "offset", "first (s)", "last (s)",
	       "events", "raw", "stored");
	uint64_t t0 = ebr_reader__info(r)->t_first;

	for (size_t i = 0; i < ebr_reader__segment_count(r); i++) {
		const struct ebr_segment_info *s = ebr_reader__segment(r, i);

		printf("  %6" PRIu64 " %12" PRIu64 " %14.6f %14.6f %10u %10u %10u\n", s->seq, s->offset,
		       s->n_records ? (double)(s->t_first - t0) / 1e9 : 0.0,
		       s->n_records ? (double)(s->t_last - t0) / 1e9 : 0.0, s->n_records, s->raw_size,
		       s->comp_size);
	}
}

static void print_cgroups(struct ebr_reader *r)
{
	size_t n = ebr_reader__cgroup_count(r), containers = 0, pods = 0;

	for (size_t i = 0; i < n; i++) {
		const struct ebr_cgroup_view *c = ebr_reader__cgroup_at(r, i);

		containers += c->container_id[0] != 0;
		pods += c->pod_uid[0] && !c->container_id[0];
	}
	printf("cgroups:    %zu (%zu containers, %zu pods)\n", n, containers, pods);
	for (size_t i = 0; i < n; i++) {
		const struct ebr_cgroup_view *c = ebr_reader__cgroup_at(r, i);

		if (c->container_id[0])
			printf("  %-12.12s %-11s %s%s%s%s%s\n", c->container_id, c->runtime, c->path,
			       c->pod_name[0] ? "  pod " : "", c->pod_namespace, c->pod_name[0] ? "/" : "",
			       c->pod_name);
	}
}

int cmd_info(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "segments", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const struct ebr_capture_info *in;
	struct probe_ctx probes = {0};
	struct ebr_reader *r;
	uint64_t n_procs = 0;
	int segments = 0, c;
	char when[48];

	while ((c = getopt_long(argc, argv, "sh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			segments = 1;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	r = ebr_reader__open(argv[optind]);
	if (!r)
		return EXIT_FAIL;
	in = ebr_reader__info(r);
	printf("file:       %s\n", argv[optind]);
	printf("capture:    %s, format %u.%u, written by ebpfrec %s\n", in->uuid_str, in->major, in->minor,
	       in->tool_version);
	printf("host:       %s, Linux %s, %s, %u CPUs\n", in->host, in->kernel_release, in->machine,
	       in->ncpus);
	printf("kernel:     %s\n", in->kernel_version);
	printf("started:    %s\n",
	       ebr_format_wall_time(in->created_wall_ns, when, sizeof(when)));
	for (size_t i = 0; i < ebr_reader__meta_count(r); i++) {
		unsigned kind;
		const void *data;
		size_t len;

		ebr_reader__meta(r, i, &kind, &data, &len);
		if (kind == EBR_META_NOTE)
			printf("command:    %s\n", (const char *)data);
	}
	print_time_span(in);
	print_status(in);
	print_counts(r, in);
	print_drops(r, in);
	ebr_reader__meta_records(r, EBR_META_PROBES, print_probe, &probes);
	printf("probes:     %u attached, %u failed\n", probes.ok, probes.failed);
	probes.print = 1;
	ebr_reader__meta_records(r, EBR_META_PROBES, print_probe, &probes);
	ebr_reader__meta_records(r, EBR_META_PROCS, count_record, &n_procs);
	printf("processes:  %" PRIu64 " in the snapshot taken at start\n", n_procs);
	print_cgroups(r);
	for (size_t i = 0; i < ebr_reader__meta_count(r); i++) {
		unsigned kind;
		const void *data;
		size_t len;

		ebr_reader__meta(r, i, &kind, &data, &len);
		if (kind == EBR_META_CONFIG)
			printf("config:     %s\n", (const char *)data);
	}
	info_print_derivation(r);
	if (segments)
		print_segments(r);
	ebr_reader__close(r);
	return finish_stdout();
}
