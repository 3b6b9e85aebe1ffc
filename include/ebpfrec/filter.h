/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The filter engine (docs/filter.md): one expression language, compiled once
 * against a schema, evaluated on raw records. The recorder and every offline
 * command use the same compiled form, so a filter means the same thing live
 * and on replay.
 *
 *     struct ebr_filter_error err;
 *     struct ebr_filter *f = ebr_filter__compile(schema, "type = exec and uid != 0", &err);
 *     if (!f)
 *             fprintf(stderr, "column %u: %s\n", err.column, err.message);
 *     ...
 *     if (ebr_filter__match(f, rec))
 *             ...
 *     ebr_filter__free(f);
 */
#ifndef EBPFREC_FILTER_H
#define EBPFREC_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "schema.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ebr_event_header;
struct ebr_filter;
struct ebr_cgroup_view; /* capture.h */

struct ebr_filter_error {
	/* 1-based byte column in the expression; 0 when the error has no position */
	unsigned column;
	char message[240];
};

/*
 * Compile expr against schema (a capture's schema, or the builtin one when
 * recording). The schema must outlive the filter. On error returns NULL,
 * sets errno (EINVAL for a malformed expression, ENOMEM) and, when err is
 * not NULL, fills it in.
 */
struct ebr_filter *ebr_filter__compile(const struct ebr_schema *schema, const char *expr,
				       struct ebr_filter_error *err);

/*
 * What a filter may resolve names against beyond the schema.
 *
 * The cgroup-derived fields (container, pod, pod_uid, k8s_namespace, unit,
 * runtime) are resolved at compile time, through a cgroup table, to a set
 * of cgroup ids; a record matches by the cgroup id in its header. Pass a
 * capture's table (ebr_reader__cgroups, or ebr_filter__compile_reader), or
 * when recording the live system's.
 */
struct ebr_filter_opts {
	size_t sz; /* sizeof(struct ebr_filter_opts) */
	/* the cgroup table, in any order; read only while compiling */
	const struct ebr_cgroup_view *cgroups;
	size_t n_cgroups;
	unsigned flags; /* EBR_FILTER_* */
};

/* cgroups[0..n_cgroups) is the table, even when empty (no cgroup names to match) */
#define EBR_FILTER_CGROUPS (1u << 0)
/*
 * A container, pod, namespace, unit or pattern the table does not have
 * matches nothing instead of failing with ENOENT: for a recording that
 * waits for a container to start, or for one table among several.
 */
#define EBR_FILTER_UNKNOWN_OK (1u << 1)

/*
 * ebr_filter__compile with options (NULL: none). Besides EINVAL and ENOMEM,
 * fails with errno ENOENT when the expression is well formed but names a
 * container, pod, namespace or unit that the cgroup table lacks (err says
 * which, and what the table has); EBR_FILTER_UNKNOWN_OK accepts it.
 */
struct ebr_filter *ebr_filter__compile_opts(const struct ebr_schema *schema, const char *expr,
					    const struct ebr_filter_opts *opts,
					    struct ebr_filter_error *err);

struct ebr_reader;
/* Compile against a capture: its schema and its cgroup table (the reader must outlive the filter). */
struct ebr_filter *ebr_filter__compile_reader(struct ebr_reader *r, const char *expr,
					      struct ebr_filter_error *err);

/*
 * 1 when the filter uses cgroup-derived fields, so its cgroup id sets come
 * from the table it was compiled with (a recorder recompiles it when new
 * cgroups appear).
 */
int ebr_filter__uses_cgroups(const struct ebr_filter *f);

/*
 * 1 when the record matches, else 0. rec must hold at least a whole
 * ebr_event_header and rec->size bytes (what a cursor or the recorder
 * delivers). Never allocates, never writes to the filter: one compiled
 * filter can be shared by threads.
 */
int ebr_filter__match(const struct ebr_filter *f, const struct ebr_event_header *rec);

void ebr_filter__free(struct ebr_filter *f);

/* The expression the filter was compiled from. */
const char *ebr_filter__expr(const struct ebr_filter *f);

/* ------------------------------------------------------------- push-down */

/*
 * The event types the filter can possibly match, as a segment-header type
 * bitmap (EBR_TYPE_BITMAP_BITS bits; ids above 126 share the last bit).
 * Conservative: a type that is in doubt is included. Returns 1 when the set
 * is smaller than every type, 0 when every bit is set. Note: an all-zero
 * bitmap here means "matches nothing", whereas a cursor reads all-zero as
 * "every type": check before passing it on.
 */
int ebr_filter__types(const struct ebr_filter *f, uint64_t bitmap[2]);

/*
 * When every record the filter matches must have a numeric header field
 * (pid, tid, uid, gid, cgroup, pidns, ...) in a known set, because the
 * top-level expression is a comparison `field = N` / `field in (...)` or an
 * `and` containing one, returns 1 and a malloc'd sorted array of the values
 * in *vals (possibly empty: nothing can match). For "cgroup", a positive
 * comparison on a cgroup-derived field (container = X, pod in (...), unit
 * glob ...) pins it too, to the cgroup ids it was resolved to. Returns 0 when there is no
 * such constraint, -ENOMEM on allocation failure. The caller frees *vals.
 */
int ebr_filter__value_set(const struct ebr_filter *f, const char *field, uint64_t **vals,
			  size_t *n);

/* ------------------------------------------------------------ shorthands */

/*
 * The command-line shorthands (`--type exec,exit --pid 42 --min-severity
 * warning --exclude-system`) as an expression. Every member is optional
 * (NULL / 0); lists are comma-separated.
 */
struct ebr_filter_shorthand {
	size_t sz; /* sizeof(struct ebr_filter_shorthand) */
	const char *types; /* event type names:    type in (exec, exit) */
	const char *pids; /* process ids:          pid in (1, 2) */
	const char *containers; /* container ids or 12+ hex digit prefixes: container in ("a", "b") */
	const char *namespaces; /* numbers: pid or mount namespace inode; else Kubernetes namespaces */
	const char *min_severity; /* a severity name: severity >= warning */
	int exclude_system; /* not system */
};

/*
 * The shorthands joined by `and` (malloc'd; "" when none is set). Values are
 * checked for form only (a pid must be a number); names are checked by
 * ebr_filter__compile. NULL + errno (EINVAL, err filled in; ENOMEM) on error.
 */
char *ebr_filter__shorthand_expr(const struct ebr_filter_shorthand *sh,
				 struct ebr_filter_error *err);

/*
 * "(a) and (b)", or whichever is not empty (malloc'd). Compile each part on
 * its own first to report errors against what the user typed.
 */
char *ebr_filter__join(const char *a, const char *b);

#ifdef __cplusplus
}
#endif

#endif /* EBPFREC_FILTER_H */
