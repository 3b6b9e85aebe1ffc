// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Filter evaluation speed on one core: evaluations per second of a few
 * typical filters over a ring of 4096 process-family records built in
 * memory (exec with strings, fork, exit), against the builtin schema.
 *
 *   meson setup build -Dbench=true && ninja -C build && build/bench/filter_bench [seconds]
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ebpfrec/capture.h"
#include "ebpfrec/filter.h"
#include "ebpfrec/record_builder.h"
#include "events.h"

#define NREC 4096
#define NCG 2000 /* cgroups in the table; every fourth a container, in one of 8 namespaces */

static struct ebr_cgroup_view table[NCG];
static char ids[NCG][65], nss[8][8];

static void build_table(void)
{
	for (unsigned i = 0; i < NCG; i++) {
		if (i < 8)
			snprintf(nss[i], sizeof(nss[i]), "ns%u", i);
		/* distinct leading digits, as real ids have */
		snprintf(ids[i], sizeof(ids[i]), "%016llx%048x", (unsigned long long)(i + 1) * 0x9e3779b97f4a7c15ULL, i);
		table[i] = (struct ebr_cgroup_view){ .id = 1 + i, .path = "", .runtime = "", .pod_uid = "",
						     .pod_name = "", .unit = "",
						     .container_id = i % 4 ? "" : ids[i],
						     .pod_namespace = i % 4 ? "" : nss[i / 4 % 8] };
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void header(struct ebr_event_header *h, unsigned type, unsigned i)
{
	static const char *const comms[] = { "bash", "make", "cc1", "kworker/0:1", "sshd", "python3" };
	const char *c = comms[i % 6];

	h->ts = 1000000000ULL + i * 1000ULL;
	h->type = (uint16_t)type;
	h->pid = 1000 + i % 500;
	h->tid = h->pid;
	h->ppid = i % 6 == 3 ? 2 : 1;
	h->uid = i % 4 ? 1000 : 0;
	h->gid = h->uid;
	h->cgroup_id = 1 + i % NCG;
	memcpy(h->comm, c, strlen(c));
}

static void build(struct ebr_buf *b, size_t *offs)
{
	static const char args[] = "cc\0-O2\0-c\0main.c";

	for (unsigned i = 0; i < NREC; i++) {
		size_t off;

		switch (i % 3) {
		case 0: {
			struct ebr_exec_event *e;

			off = ebr_rec__begin(b, sizeof(*e));
			e = ebr_rec__at(b, off);
			header(&e->hdr, EBR_T_EXEC, i);
			e->ret = i % 7 ? 0 : -2;
			ebr_rec__add_str(b, off, offsetof(struct ebr_exec_event, filename),
					 i % 2 ? "/usr/bin/cc" : "/home/u/bin/tool", i % 2 ? 11 : 16);
			ebr_rec__add_str(b, off, offsetof(struct ebr_exec_event, args), args, sizeof(args));
			break;
		}
		case 1: {
			struct ebr_fork_event *e;

			off = ebr_rec__begin(b, sizeof(*e));
			e = ebr_rec__at(b, off);
			header(&e->hdr, EBR_T_FORK, i);
			e->child_pid = 5000 + i;
			break;
		}
		default: {
			struct ebr_exit_event *e;

			off = ebr_rec__begin(b, sizeof(*e));
			e = ebr_rec__at(b, off);
			header(&e->hdr, EBR_T_EXIT, i);
			e->signal = i % 11 ? 0 : 9;
			break;
		}
		}
		ebr_rec__end(b, off);
		offs[i] = off;
	}
}

int main(int argc, char **argv)
{
	static const char *const exprs[] = {
		"pid = 1234",
		"type = exec and uid != 0",
		"comm = bash",
		"comm glob \"k*\"",
		"filename contains bin",
		"pid in (1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010)",
		"severity >= warning and not system",
		"type = exec and (filename glob \"/usr/*\" or args contains O2) and not comm in (make, sshd)",
		"container = 9e3779b97f4a", /* a 12-digit prefix: cgroup 1's container */
		"container glob \"*\"",
		"k8s_namespace in (ns1, ns2) and type = exec",
	};
	struct ebr_filter_opts fo = { .sz = sizeof(fo), .cgroups = table, .n_cgroups = NCG,
				      .flags = EBR_FILTER_CGROUPS };
	double secs = argc > 1 ? atof(argv[1]) : 1.0;
	struct ebr_buf b = { 0 };
	static size_t offs[NREC];
	const struct ebr_event_header *recs[NREC];

	build_table();
	build(&b, offs);
	if (b.err) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	for (unsigned i = 0; i < NREC; i++)
		recs[i] = (const void *)(b.p + offs[i]);
	printf("%-90s %14s %8s %7s\n", "filter", "evals/s", "ns/eval", "match%");
	for (size_t e = 0; e < sizeof(exprs) / sizeof(exprs[0]); e++) {
		struct ebr_filter_error err;
		struct ebr_filter *f = ebr_filter__compile_opts(ebr_schema__builtin(), exprs[e], &fo, &err);
		uint64_t n = 0, hits = 0;
		double t0, dt;

		if (!f) {
			fprintf(stderr, "'%s': column %u: %s\n", exprs[e], err.column, err.message);
			return 1;
		}
		t0 = now();
		do {
			for (unsigned i = 0; i < NREC; i++)
				hits += (uint64_t)ebr_filter__match(f, recs[i]);
			n += NREC;
		} while ((dt = now() - t0) < secs);
		printf("%-90s %14.0f %8.1f %6.1f%%\n", exprs[e], (double)n / dt, dt * 1e9 / (double)n,
		       100.0 * (double)hits / (double)n);
		ebr_filter__free(f);
	}
	ebr_buf__free(&b);
	return 0;
}
