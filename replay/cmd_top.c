// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `ebpfrec top`: where the time and the bytes went, as tables and latency histograms. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "cli_util.h"
#include "commands.h"
#include "text_format.h"
#include "viz_args.h"

#define MAX_ROWS 1000

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ebpfrec top FILE [-n N] [--hist N] [--nsecs] [--from T] [--to T] [--type NAMES]\n\n"
		"Summarize a capture in the terminal: processes by events and by syscall time,\n"
		"syscalls by total time, files by bytes read and written, network peers by bytes,\n"
		"then log2 latency histograms (as bpftrace prints them) of the syscalls that took\n"
		"the most time. No privileges needed.\n\n"
		"options:\n"
		"  -n, --top N        rows per table (default 10)\n"
		"      --hist N       histograms for the N syscalls with the most total time\n"
		"                     (default 5; 0: none)\n"
		"      --hist-only    only the histograms\n"
		"      --nsecs        histograms in nanoseconds (default: microseconds, @usecs)\n"
		"      --from T       from T seconds after the first event (2, 1.5, 200ms, 1m)\n"
		"      --to T         up to T seconds after the first event (exclusive)\n"
		"  -t, --type NAMES   only these event types or families (syscall,read,network)\n"
		"  -f, --filter EXPR  only events matching EXPR (docs/filter.md)\n"
		"  -h, --help         this text\n\n"
		"examples:\n"
		"  ebpfrec top t.ebc\n"
		"  ebpfrec top t.ebc --hist 10 --hist-only\n"
		"  ebpfrec top t.ebc --from 5 --to 10 -n 20\n");
}

static void print_header(struct ebr_reader *r, struct agg *a, const char *path)
{
	const struct ebr_capture_info *in = ebr_reader__info(r);
	uint64_t span = agg__total(a) ? agg__t_last(a) - agg__t_first(a) : 0;

	printf("%s: %s, Linux %s; %" PRIu64 " events over %.3f s", path, in->host, in->kernel_release,
	       agg__total(a), (double)span / 1e9);
	if (agg__total(a))
		printf(" (%.3f s .. %.3f s after the first event)", (double)(agg__t_first(a) - in->t_first) / 1e9,
		       (double)(agg__t_last(a) - in->t_first) / 1e9);
	printf("\n");
	for (unsigned d = 0; d < EBR_DROP_NR; d++)
		if (agg__drop_total(a, d))
			printf("  dropped: %" PRIu64 " %s\n", agg__drop_total(a, d), ebr_drop_reason__name(d));
}

static void print_procs(struct agg *a, enum agg_order by, size_t n, const struct agg_proc **rows)
{
	char b1[32];

	n = agg__top_procs(a, by, rows, n);
	printf("\nprocesses by %s\n", by == AGG_PROC_BY_EVENTS ? "events" : "syscall time");
	if (!n) {
		printf("  (none)\n");
		return;
	}
	printf("  %8s  %-16s %12s %12s %14s\n", "PID", "COMM", "EVENTS", "SYSCALLS", "SYSCALL TIME");
	for (size_t i = 0; i < n; i++)
		printf("  %8u  %-16s %12" PRIu64 " %12" PRIu64 " %14s\n", rows[i]->pid, rows[i]->comm,
		       rows[i]->events, rows[i]->syscalls, fmt_ns(rows[i]->syscall_ns, b1, sizeof(b1)));
}

static void print_syscalls(struct agg *a, size_t n, const struct agg_syscall **rows)
{
	char b1[32], b2[32], b3[32];

	n = agg__top_syscalls(a, AGG_SYSCALL_BY_NS, rows, n);
	printf("\nsyscalls by total time\n");
	if (!n) {
		printf("  (none)\n");
		return;
	}
	printf("  %-20s %12s %10s %14s %12s %12s\n", "SYSCALL", "COUNT", "ERRORS", "TOTAL", "AVG", "MAX");
	for (size_t i = 0; i < n; i++) {
		uint64_t timed = 0;

		for (unsigned b = 0; b < HIST_BUCKETS; b++)
			timed += rows[i]->ns.b[b];
		printf("  %-20s %12" PRIu64 " %10" PRIu64 " %14s %12s %12s\n", rows[i]->name, rows[i]->ns.count,
		       rows[i]->errors, fmt_ns(rows[i]->ns.sum, b1, sizeof(b1)),
		       fmt_ns(timed ? rows[i]->ns.sum / timed : 0, b2, sizeof(b2)),
		       fmt_ns(rows[i]->ns.max, b3, sizeof(b3)));
	}
}

static void print_files(struct agg *a, size_t n, const struct agg_file **rows)
{
	char b1[32], b2[32];

	n = agg__top_files(a, rows, n);
	printf("\nfiles by bytes read and written\n");
	if (!n) {
		printf("  (none: no read or write events)\n");
		return;
	}
	printf("  %12s %12s %10s %10s  %s\n", "READ", "WRITTEN", "READS", "WRITES", "FILE");
	for (size_t i = 0; i < n; i++)
		printf("  %12s %12s %10" PRIu64 " %10" PRIu64 "  %s\n", fmt_bytes(rows[i]->read_bytes, b1, sizeof(b1)),
		       fmt_bytes(rows[i]->write_bytes, b2, sizeof(b2)), rows[i]->reads, rows[i]->writes,
		       rows[i]->name);
}

static void print_peers(struct agg *a, size_t n, const struct agg_peer **rows)
{
	char b1[32], b2[32];

	n = agg__top_peers(a, rows, n);
	printf("\nnetwork peers by bytes\n");
	if (!n) {
		printf("  (none: no tcp_close or udp events)\n");
		return;
	}
	printf("  %12s %12s %8s %8s  %s\n", "SENT", "RECEIVED", "CONNS", "RETRANS", "PEER");
	for (size_t i = 0; i < n; i++)
		printf("  %12s %12s %8" PRIu64 " %8" PRIu64 "  %s\n", fmt_bytes(rows[i]->sent, b1, sizeof(b1)),
		       fmt_bytes(rows[i]->received, b2, sizeof(b2)), rows[i]->conns, rows[i]->retransmits,
		       rows[i]->name);
}

static void print_hists(struct agg *a, size_t n, int nsecs, const struct agg_syscall **rows)
{
	n = agg__top_syscalls(a, AGG_SYSCALL_BY_NS, rows, n);
	for (size_t i = 0; i < n; i++) {
		char title[64];

		snprintf(title, sizeof(title), "\n@%s[%s]", nsecs ? "nsecs" : "usecs", rows[i]->name);
		hist__print(nsecs ? &rows[i]->ns : &rows[i]->us, title, stdout);
	}
}

int cmd_top(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "top", required_argument, NULL, 'n' },
		{ "hist", required_argument, NULL, 'H' },
		{ "hist-only", no_argument, NULL, 'O' },
		{ "nsecs", no_argument, NULL, 'N' },
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'U' },
		{ "type", required_argument, NULL, 't' },
		{ "filter", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *from = NULL, *to = NULL, *types = NULL, *filter_expr = NULL;
	struct ebr_filter *filter = NULL;
	uint64_t n_rows = 10, n_hist = 5, bitmap[2] = { 0 };
	struct agg_opts ao = { .sz = sizeof(ao) };
	int hist_only = 0, nsecs = 0, c, ret = EXIT_FAIL;
	struct ebr_reader *r = NULL;
	struct agg *a = NULL;
	const void **rows = NULL;

	while ((c = getopt_long(argc, argv, "n:t:hf:", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_u64(optarg, &n_rows) || !n_rows || n_rows > MAX_ROWS)
				goto bad;
			break;
		case 'H':
			if (parse_u64(optarg, &n_hist) || n_hist > MAX_ROWS)
				goto bad;
			break;
		case 'O':
			hist_only = 1;
			break;
		case 'N':
			nsecs = 1;
			break;
		case 'F':
			from = optarg;
			break;
		case 'U':
			to = optarg;
			break;
		case 't':
			types = optarg;
			break;
		case 'f':
			filter_expr = optarg;
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
	if ((types && viz_parse_types(ebr_reader__schema(r), types, bitmap, "top")) ||
	    viz_parse_window(from, to, ebr_reader__info(r), &ao.from_ts, &ao.to_ts, "top") ||
	    viz_compile_filter("top", r, filter_expr, &filter, bitmap)) {
		ret = EXIT_USAGE;
		goto out;
	}
	ao.filter = filter;
	rows = calloc(MAX_ROWS, sizeof(*rows));
	a = agg__new(r, &ao);
	if (!rows || !a || agg__run(a, bitmap))
		goto out;
	print_header(r, a, argv[optind]);
	if (!hist_only) {
		print_procs(a, AGG_PROC_BY_EVENTS, n_rows, (const struct agg_proc **)rows);
		print_procs(a, AGG_PROC_BY_SYSCALL_NS, n_rows, (const struct agg_proc **)rows);
		print_syscalls(a, n_rows, (const struct agg_syscall **)rows);
		print_files(a, n_rows, (const struct agg_file **)rows);
		print_peers(a, n_rows, (const struct agg_peer **)rows);
	}
	if (n_hist)
		print_hists(a, n_hist, nsecs, (const struct agg_syscall **)rows);
	ret = finish_stdout();
out:
	agg__free(a);
	ebr_filter__free(filter);
	free(rows);
	ebr_reader__close(r);
	return ret;
bad:
	{
		char name[64];

		fprintf(stderr, "ebpfrec top: invalid value '%s' for %s\n", optarg,
			cli_option_name(argv, optind, optarg, name, sizeof(name)));
	}
	return EXIT_USAGE;
}
