// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What a capture holds of one bench_workload run, counted from the capture
 * itself, as JSON on stdout:
 *
 *   count_ebc FILE PID
 *
 * PID is the workload's (it prints it). Its process tree is rebuilt from
 * the capture's fork events; the workload's own events count between its
 * two getpgid markers, its children's events all count (they live inside
 * the window). Whole-capture figures (records, bytes, drops) come along.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "ebpfrec/capture.h"
#include "ebpfrec/schema.h"
#include "events.h"

#define MAX_TREE 65536

struct tree {
	uint32_t pids[MAX_TREE];
	size_t n;
};

static int in_tree(const struct tree *t, uint32_t pid)
{
	for (size_t i = t->n; i-- > 0;)
		if (t->pids[i] == pid)
			return 1;
	return 0;
}

static void leave_tree(struct tree *t, uint32_t pid)
{
	for (size_t i = t->n; i-- > 1;) /* never the root */
		if (t->pids[i] == pid)
			t->pids[i] = 0;
}

/*
 * Children join when their parent is in; repeat until no fork adds one.
 * A child's pid is only trusted up to its exit: it may be reused later by a
 * stranger, so count_workload takes it out of the tree there.
 */
static int build_tree(struct ebr_reader *r, uint32_t root, struct tree *t)
{
	int grew = 1;

	t->pids[0] = root;
	t->n = 1;
	while (grew) {
		struct ebr_cursor_opts co = { .sz = sizeof(co), .unordered = 1 };
		struct ebr_cursor *c;
		const struct ebr_event_header *h;
		int rc;

		ebr_type_bitmap__set(co.type_bitmap, EBR_T_FORK);
		c = ebr_cursor__open(r, &co);
		if (!c)
			return -1;
		grew = 0;
		while ((rc = ebr_cursor__next(c, &h)) == 1) {
			const struct ebr_fork_event *f = (const void *)h;

			if (h->type != EBR_T_FORK || !in_tree(t, h->pid) || in_tree(t, f->child_pid))
				continue;
			if (t->n == MAX_TREE)
				break;
			t->pids[t->n++] = f->child_pid;
			grew = 1;
		}
		ebr_cursor__close(c);
		if (rc < 0)
			return -1;
	}
	return 0;
}

struct counts {
	uint64_t syscall, entered, unpaired, getppid, fork, exec, exit, other;
	uint64_t by_type[EBR_T_MAX + 1];
};

static int count_workload(struct ebr_reader *r, uint32_t root, struct tree *t, struct counts *n)
{
	struct ebr_cursor_opts co = { .sz = sizeof(co) };
	struct ebr_cursor *c = ebr_cursor__open(r, &co);
	const struct ebr_event_header *h;
	int window = 0, rc;

	if (!c)
		return -1;
	while ((rc = ebr_cursor__next(c, &h)) == 1) {
		if (h->type == EBR_T_SYSCALL && h->pid == root &&
		    ((const struct ebr_syscall_event *)h)->nr == SYS_getpgid) {
			window = !window;
			continue;
		}
		if (h->pid == root ? !window : !in_tree(t, h->pid))
			continue;
		n->by_type[h->type & EBR_T_MAX]++;
		switch (h->type) {
		case EBR_T_SYSCALL: {
			const struct ebr_syscall_event *s = (const void *)h;

			n->syscall++;
			if (s->flags & EBR_SYSCALL_UNPAIRED)
				n->unpaired++;
			else
				n->entered++;
			if (s->nr == SYS_getppid)
				n->getppid++;
			break;
		}
		case EBR_T_FORK: n->fork++; break;
		case EBR_T_EXEC: n->exec++; break;
		case EBR_T_EXIT:
			n->exit++;
			if (h->pid != root)
				leave_tree(t, h->pid);
			break;
		default: n->other++; break;
		}
	}
	ebr_cursor__close(c);
	return rc < 0 ? -1 : 0;
}

static void print_types(const char *key, const struct ebr_schema *s, const uint64_t *counts)
{
	const char *sep = "";

	printf("\"%s\": {", key);
	for (unsigned id = 0; id <= EBR_T_MAX; id++) {
		const struct ebr_type *ty;

		if (!counts[id])
			continue;
		ty = ebr_schema__type(s, id);
		printf("%s\"%s\": %llu", sep, ty ? ty->name : "?", (unsigned long long)counts[id]);
		sep = ", ";
	}
	printf("}");
}

int main(int argc, char **argv)
{
	static struct tree t;
	static struct counts n;
	static uint64_t all[EBR_T_MAX + 1];
	struct ebr_reader *r;
	const struct ebr_capture_info *info;
	const struct ebr_schema *s;
	uint64_t seg_bytes = 0;
	uint32_t root;
	const char *sep = "";

	if (argc != 3) {
		fprintf(stderr, "usage: count_ebc FILE WORKLOAD_PID\n");
		return 2;
	}
	root = (uint32_t)strtoul(argv[2], NULL, 10);
	r = ebr_reader__open(argv[1]);
	if (!r)
		return 1;
	info = ebr_reader__info(r);
	s = ebr_reader__schema(r);
	if (build_tree(r, root, &t) || count_workload(r, root, &t, &n)) {
		fprintf(stderr, "count_ebc: %s cannot be read to the end\n", argv[1]);
		ebr_reader__close(r);
		return 1;
	}
	for (unsigned id = 0; id <= EBR_T_MAX; id++)
		all[id] = ebr_reader__type_count(r, id);
	/* events alone, without the metadata (process snapshot, schema) every capture carries */
	for (size_t i = 0; i < ebr_reader__segment_count(r); i++)
		seg_bytes += ebr_reader__segment(r, i)->comp_size;
	printf("{\"file_bytes\": %llu, \"records\": %llu, \"segments\": %llu, \"raw_bytes\": %llu, "
	       "\"segment_bytes\": %llu, \"recovered\": %d, ",
	       (unsigned long long)info->file_size, (unsigned long long)info->n_records,
	       (unsigned long long)info->n_segments, (unsigned long long)info->raw_bytes,
	       (unsigned long long)seg_bytes, info->recovered);
	print_types("types", s, all);
	printf(", \"drops\": {");
	for (unsigned d = 0; d < EBR_DROP_REASONS; d++) {
		if (!info->drops[d])
			continue;
		printf("%s\"%s\": %llu", sep, ebr_drop_reason__name(d), (unsigned long long)info->drops[d]);
		sep = ", ";
	}
	printf("}, \"ringbuf_lost\": %llu, ", (unsigned long long)info->drops[EBR_DROP_RINGBUF_FULL]);
	printf("\"workload\": {\"tree\": %zu, \"syscall\": %llu, \"entered\": %llu, \"unpaired\": %llu, "
	       "\"getppid\": %llu, \"fork\": %llu, \"exec\": %llu, \"exit\": %llu, \"other\": %llu, ",
	       t.n, (unsigned long long)n.syscall, (unsigned long long)n.entered,
	       (unsigned long long)n.unpaired, (unsigned long long)n.getppid, (unsigned long long)n.fork,
	       (unsigned long long)n.exec, (unsigned long long)n.exit, (unsigned long long)n.other);
	print_types("types", s, n.by_type);
	printf("}}\n");
	ebr_reader__close(r);
	return 0;
}
