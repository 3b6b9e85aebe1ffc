/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The compiled form of a filter, shared by the parser (which builds it), the
 * evaluator (which only reads it) and the push-down analysis.
 *
 * A filter is a tree of nodes in one array; `and`/`or` nodes have any number
 * of children, so a long chain of conditions costs no recursion depth. Each
 * comparison resolves its field per event type once, at compile time: a
 * table indexed by type id says which field (and which parsed literal, the
 * "variant" for that field's kind) applies, or that the type lacks it.
 */
#ifndef EBPFREC_FILTER_INTERNAL_H
#define EBPFREC_FILTER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "ebpfrec/filter.h"
#include "ebpfrec/schema.h"
#include "severity_plan.h"

#define FLT_MAX_DEPTH 100 /* nested parentheses and `not`s */
#define FLT_MAX_VARIANTS 8
#define FLT_NONE 0xff /* variant index: this type lacks the field */

/* Value hints of the pseudo-fields, beyond enum ebr_field_hint. */
#define FLT_H_FAMILY 200
#define FLT_H_SEVERITY 201
/* cgroup-derived fields: FLT_H_CGROUP + enum flt_cg_attr */
#define FLT_H_CGROUP 210

enum flt_node_kind { FN_AND, FN_OR, FN_NOT, FN_CMP, FN_CONST };

enum flt_op {
	FOP_EQ,
	FOP_LT,
	FOP_LE,
	FOP_GT,
	FOP_GE,
	FOP_IN,
	FOP_GLOB,
	FOP_CONTAINS,
	FOP_TRUTH, /* a boolean field on its own: `thread`, `not system` */
};

/* Where a comparison's left side comes from. */
enum flt_src {
	FSRC_FIELD, /* a schema field */
	FSRC_FAMILY, /* the type's family */
	FSRC_SEVERITY, /* derived, severity.c */
	FSRC_ERRNO, /* derived from the type's errno-hinted field */
	FSRC_SYSTEM, /* kernel thread or interrupt context */
	FSRC_CGROUP, /* container, pod, ...: the record's cgroup id in a set resolved at compile time */
};

/* What a cgroup-derived field reads from the cgroup table. */
enum flt_cg_attr { FCG_CONTAINER, FCG_POD, FCG_POD_UID, FCG_NAMESPACE, FCG_UNIT, FCG_RUNTIME };

enum flt_class { FCL_NUM, FCL_STR, FCL_LIST, FCL_IP, FCL_CGSET };

struct flt_num {
	uint64_t u; /* the value when !neg */
	int64_t s; /* the value when neg */
	int neg;
};

struct flt_str {
	const char *p;
	uint32_t len;
};

/*
 * A cgroup-derived comparison, resolved: every cgroup id that has a value
 * (one search per record), and whether that value satisfies it. A cgroup
 * not among them has no value (not a container, or unknown): the field is
 * missing.
 */
struct flt_cgset {
	const uint64_t *ids; /* sorted, unique */
	const uint8_t *hit; /* [n] */
	const uint64_t *match; /* the ids with hit set, sorted: for push-down */
	uint32_t n, n_match;
};

struct flt_net {
	uint8_t addr[16]; /* masked to prefix */
	uint32_t prefix; /* bits, 0..128; IPv4 literals are mapped (+96) */
};

/* The literal(s) of one comparison, parsed for one kind of field. */
struct flt_variant {
	uint16_t kind; /* enum ebr_field_kind, or 0 for a pseudo-field */
	uint16_t hint;
	uint8_t cls; /* enum flt_class */
	uint8_t is_signed; /* compare the field as int64 */
	uint8_t ok; /* the literal parsed and the operator applies */
	uint32_t n; /* literals: 1, or the length of an `in` list */
	union {
		struct flt_num *num;
		struct flt_str *str;
		struct flt_net *net;
		struct flt_cgset *cg;
	} v;
};

struct flt_cmp {
	uint8_t src; /* enum flt_src */
	uint8_t op; /* enum flt_op */
	uint8_t neg; /* `!=`, `not in`, `not glob`, `not contains` */
	uint8_t uniform; /* one header field for every record: ufield, vars[0] */
	uint8_t any_type; /* present for every record, even of unknown types */
	uint8_t n_var;
	const struct ebr_field *ufield;
	const struct ebr_field **fld; /* [n_ids]: the field in each type */
	uint8_t *var; /* [n_ids]: index into vars, or FLT_NONE */
	struct flt_variant vars[FLT_MAX_VARIANTS];
	const char *name;
	unsigned column;
};

struct flt_node {
	uint8_t kind; /* enum flt_node_kind */
	uint8_t value; /* FN_CONST */
	uint32_t first; /* FN_AND/OR/NOT: index in kids; FN_CMP: index in cmps */
	uint32_t n; /* children */
};

struct flt_block;

struct ebr_filter {
	const struct ebr_schema *schema;
	char *expr;
	struct flt_node *nodes;
	uint32_t n_nodes, cap_nodes, root;
	uint32_t *kids;
	uint32_t n_kids, cap_kids;
	struct flt_cmp *cmps;
	uint32_t n_cmps, cap_cmps;
	uint32_t n_ids; /* type ids below this have table entries */
	uint8_t *family_of; /* [n_ids]: family of each type, FLT_NONE when unknown */
	struct ebr_severity_plan *sev; /* [n_ids], built when severity is used */
	struct flt_block *arena; /* everything else the compiled form points to */
	const struct ebr_filter_opts *copts; /* while compiling only: the cgroup table */
	uint8_t uses_cgroups;
};

/* Zeroed, 8-aligned memory that lives as long as the filter. NULL on ENOMEM. */
void *flt_alloc(struct ebr_filter *f, size_t n);
char *flt_strndup(struct ebr_filter *f, const char *s, size_t n);
void flt_arena_free(struct ebr_filter *f);

/* Type-indexed tables of a new filter (n_ids, family_of). */
int flt_init_tables(struct ebr_filter *f, struct ebr_filter_error *err);
/*
 * Resolve `name` for every type of the schema into c (src, variants, the
 * per-type field and variant tables). -EINVAL (unknown field) or -ENOMEM,
 * with err filled in.
 */
int flt_resolve_field(struct ebr_filter *f, struct flt_cmp *c, const char *name, unsigned col,
		      struct ebr_filter_error *err);

/*
 * A cgroup-derived field (container, pod, ...): 1 when name is one and c is
 * set up for it, 0 when it is not (or is a schema field to resolve as
 * such because no table was given), <0 with err filled in.
 */
int flt_cgroup_resolve(struct ebr_filter *f, struct flt_cmp *c, const char *name, unsigned col,
		       struct ebr_filter_error *err);

/* ------------------------------------------------------------------ lexer */

enum flt_tok_type {
	FT_END,
	FT_LPAREN,
	FT_RPAREN,
	FT_COMMA,
	FT_EQ, /* = == */
	FT_NE, /* != */
	FT_LT,
	FT_LE,
	FT_GT,
	FT_GE,
	FT_BANG, /* ! */
	FT_ANDAND, /* && */
	FT_OROR, /* || */
	FT_WORD,
	FT_STRING, /* quoted */
	FT_ERROR,
};

struct flt_tok {
	int type; /* enum flt_tok_type */
	unsigned col; /* 1-based */
	const char *text; /* NUL-terminated: a word as written, a string decoded */
	size_t len; /* of text (a string may hold NULs) */
};

struct flt_lexer {
	struct ebr_filter *f;
	const char *s;
	size_t pos, len;
	struct ebr_filter_error *err;
};

/* The next token; FT_ERROR with err filled in on a lexical error. */
struct flt_tok flt_lex_next(struct flt_lexer *lx);
/* "')'", "'foo'", "end of expression": how error messages name a token. */
void flt_tok_describe(const struct flt_tok *t, char *buf, size_t len);
/* A word that is a keyword (and, or, not, in, glob, contains), case-insensitive. */
int flt_tok_is(const struct flt_tok *t, const char *kw);

/* ----------------------------------------------------------------- values */

struct flt_lit {
	const char *text;
	size_t len;
	unsigned col;
	int quoted;
};

/*
 * Parse lits for variant v (kind, hint, cls set) of field `name`, compared
 * by op (written at op_col). On failure fills err (column of the offending
 * literal or operator) and returns -EINVAL, or -ENOMEM.
 */
int flt_value_parse(struct ebr_filter *f, struct flt_variant *v, unsigned op, unsigned op_col,
		    const char *name, const struct flt_lit *lits, size_t n,
		    struct ebr_filter_error *err);
/*
 * The literals of a cgroup-derived comparison, resolved through the table
 * into v->v.cg. -ENOENT when one matches nothing in the table (unless the
 * caller accepts that), -EINVAL, -ENOMEM; err filled in.
 */
int flt_cgroup_parse(struct ebr_filter *f, struct flt_variant *v, unsigned op, unsigned op_col,
		     const char *name, const struct flt_lit *lits, size_t n,
		     struct ebr_filter_error *err);

void flt_set_error(struct ebr_filter_error *err, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* --------------------------------------------------------------- matching */

/* Shell-style match of s against pattern p, as fnmatch(p, s, 0) with lengths. */
int flt_glob(const char *p, size_t plen, const char *s, size_t slen);
int flt_eval_node(const struct ebr_filter *f, uint32_t node, const struct ebr_event_header *rec);
/* A numeric value against a literal: -1, 0, 1. */
int flt_num_cmp(uint64_t raw, int is_signed, const struct flt_num *lit);
/*
 * The index of id in a sorted set, or -1. Without a branch on the
 * comparisons (a conditional move): records of many cgroups make them
 * unpredictable, and mispredictions would cost more than the search.
 */
static inline int64_t flt_id_find(const uint64_t *set, uint32_t n, uint64_t id)
{
	const uint64_t *base = set;

	if (!n)
		return -1;
	while (n > 1) {
		uint32_t half = n / 2;

		base = base[half] <= id ? base + half : base;
		n -= half;
	}
	return *base == id ? base - set : -1;
}
/* A numeric comparison's result (negation applied) for a left-hand value raw. */
int flt_cmp_num(const struct flt_cmp *c, const struct flt_variant *v, uint64_t raw);

#endif
