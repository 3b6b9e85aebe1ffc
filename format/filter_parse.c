// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The filter parser: recursive descent over the grammar in docs/filter.md,
 * building the compiled form directly. Each field name is resolved against
 * the schema as it is read (filter_resolve.c), per event type, so
 * evaluation never looks a name up.
 *
 *   or      := and { ("or" | "||") and }
 *   and     := unary { ("and" | "&&") unary }
 *   unary   := ("not" | "!") unary | primary
 *   primary := "(" or ")" | field [ op value | ["not"] ("in" | "glob" | "contains") ... ]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebpfrec/capture.h"
#include "filter_internal.h"

/* ----------------------------------------------------------------- parser */

struct parser {
	struct ebr_filter *f;
	struct flt_lexer lx;
	struct flt_tok tok; /* the next token, not yet consumed */
	struct ebr_filter_error *err;
	int depth;
	int nomem;
	int unknown; /* the error is a name the cgroup table lacks: ENOENT */
};

static int oom(struct parser *p)
{
	p->nomem = 1;
	flt_set_error(p->err, 0, "out of memory");
	return -ENOMEM;
}

static int advance(struct parser *p)
{
	p->tok = flt_lex_next(&p->lx);
	return p->tok.type == FT_ERROR ? -EINVAL : 0;
}

static int expected(struct parser *p, const char *what)
{
	char found[80];

	flt_tok_describe(&p->tok, found, sizeof(found));
	flt_set_error(p->err, p->tok.col, "expected %s, found %s", what, found);
	return -EINVAL;
}

static int new_node(struct parser *p, unsigned kind, uint32_t *out)
{
	struct ebr_filter *f = p->f;

	if (f->n_nodes == f->cap_nodes) {
		uint32_t cap = f->cap_nodes ? f->cap_nodes * 2 : 16;
		void *n = realloc(f->nodes, cap * sizeof(*f->nodes));

		if (!n)
			return oom(p);
		f->nodes = n;
		f->cap_nodes = cap;
	}
	memset(&f->nodes[f->n_nodes], 0, sizeof(f->nodes[0]));
	f->nodes[f->n_nodes].kind = (uint8_t)kind;
	*out = f->n_nodes++;
	return 0;
}

/* A node over children kids[0..n) (copied into the filter's kids array). */
static int new_parent(struct parser *p, unsigned kind, const uint32_t *kids, uint32_t n, uint32_t *out)
{
	struct ebr_filter *f = p->f;
	int err;

	if (f->cap_kids - f->n_kids < n) {
		uint32_t cap = f->cap_kids ? f->cap_kids : 16;
		void *m;

		while (cap - f->n_kids < n)
			cap *= 2;
		m = realloc(f->kids, cap * sizeof(*f->kids));
		if (!m)
			return oom(p);
		f->kids = m;
		f->cap_kids = cap;
	}
	err = new_node(p, kind, out);
	if (err)
		return err;
	f->nodes[*out].first = f->n_kids;
	f->nodes[*out].n = n;
	memcpy(f->kids + f->n_kids, kids, n * sizeof(*kids));
	f->n_kids += n;
	return 0;
}

struct idx_vec {
	uint32_t *v;
	uint32_t n, cap;
};

static int vec_push(struct parser *p, struct idx_vec *vec, uint32_t x)
{
	if (vec->n == vec->cap) {
		uint32_t cap = vec->cap ? vec->cap * 2 : 8;
		void *n = realloc(vec->v, cap * sizeof(*vec->v));

		if (!n)
			return oom(p);
		vec->v = n;
		vec->cap = cap;
	}
	vec->v[vec->n++] = x;
	return 0;
}

/* ---------------------------------------------------------------- grammar */

static int parse_or(struct parser *p, uint32_t *out);

static int is_ident(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
		return 0;
	for (s++; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_'))
			return 0;
	return 1;
}

static int is_keyword(const struct flt_tok *t)
{
	static const char *const kws[] = { "and", "or", "not", "in", "glob", "contains" };

	for (size_t i = 0; i < sizeof(kws) / sizeof(kws[0]); i++)
		if (flt_tok_is(t, kws[i]))
			return 1;
	return 0;
}

static int is_and(const struct flt_tok *t)
{
	return t->type == FT_ANDAND || flt_tok_is(t, "and");
}

static int is_or(const struct flt_tok *t)
{
	return t->type == FT_OROR || flt_tok_is(t, "or");
}

struct lit_vec {
	struct flt_lit *v;
	size_t n, cap;
};

/* One value token: a word or a quoted string. */
static int parse_value(struct parser *p, struct lit_vec *lits, const char *after)
{
	char what[64];

	if (p->tok.type == FT_STRING || (p->tok.type == FT_WORD && !flt_tok_is(&p->tok, "and") &&
					 !flt_tok_is(&p->tok, "or"))) {
		if (lits->n == lits->cap) {
			size_t cap = lits->cap ? lits->cap * 2 : 8;
			void *n = realloc(lits->v, cap * sizeof(*lits->v));

			if (!n)
				return oom(p);
			lits->v = n;
			lits->cap = cap;
		}
		lits->v[lits->n++] = (struct flt_lit){
			.text = p->tok.text,
			.len = p->tok.len,
			.col = p->tok.col,
			.quoted = p->tok.type == FT_STRING,
		};
		return advance(p);
	}
	snprintf(what, sizeof(what), "a value after %s", after);
	if (p->tok.type == FT_WORD) {
		char found[80];

		flt_tok_describe(&p->tok, found, sizeof(found));
		flt_set_error(p->err, p->tok.col, "expected %s, found %s (quote it to compare with the word)",
			      what, found);
		return -EINVAL;
	}
	return expected(p, what);
}

/* `in` takes a parenthesized list, or one value (a network: daddr in 10.0.0.0/8). */
static int parse_list(struct parser *p, struct lit_vec *lits)
{
	int err;

	if (p->tok.type != FT_LPAREN)
		return parse_value(p, lits, "'in'");
	err = advance(p);
	if (err)
		return err;
	if (p->tok.type == FT_RPAREN)
		return expected(p, "a value in the list");
	for (;;) {
		err = parse_value(p, lits, lits->n ? "','" : "'('");
		if (err)
			return err;
		if (p->tok.type == FT_RPAREN)
			return advance(p);
		if (p->tok.type != FT_COMMA)
			return expected(p, "',' or ')' in the list");
		err = advance(p);
		if (err)
			return err;
	}
}

static int read_operator(struct parser *p, struct flt_cmp *c, const char **opname)
{
	static const struct {
		int tok;
		uint8_t op, neg;
		const char *name;
	} sym[] = {
		{ FT_EQ, FOP_EQ, 0, "'='" }, { FT_NE, FOP_EQ, 1, "'!='" }, { FT_LT, FOP_LT, 0, "'<'" },
		{ FT_LE, FOP_LE, 0, "'<='" }, { FT_GT, FOP_GT, 0, "'>'" }, { FT_GE, FOP_GE, 0, "'>='" },
	};
	static const struct {
		const char *kw;
		uint8_t op;
		const char *name;
	} words[] = { { "in", FOP_IN, "'in'" }, { "glob", FOP_GLOB, "'glob'" },
		      { "contains", FOP_CONTAINS, "'contains'" } };
	char what[120];

	for (size_t i = 0; i < sizeof(sym) / sizeof(sym[0]); i++)
		if (p->tok.type == sym[i].tok) {
			c->op = sym[i].op;
			c->neg = sym[i].neg;
			*opname = sym[i].name;
			return advance(p);
		}
	if (flt_tok_is(&p->tok, "not")) {
		int err = advance(p);

		if (err)
			return err;
		c->neg = 1;
		for (size_t i = 0; i < 3; i++)
			if (flt_tok_is(&p->tok, words[i].kw))
				goto word;
		return expected(p, "'in', 'glob' or 'contains' after 'not'");
	}
	for (size_t i = 0; i < 3; i++)
		if (flt_tok_is(&p->tok, words[i].kw))
			goto word;
	/* a field on its own: a true/false test, checked against the field's kind later */
	if (p->tok.type == FT_END || p->tok.type == FT_RPAREN || is_and(&p->tok) || is_or(&p->tok)) {
		c->op = FOP_TRUTH;
		*opname = NULL;
		return 0;
	}
	snprintf(what, sizeof(what), "an operator after '%s' (=, !=, <, <=, >, >=, in, glob, contains)",
		 c->name);
	return expected(p, what);
word:
	for (size_t i = 0; i < 3; i++)
		if (flt_tok_is(&p->tok, words[i].kw)) {
			c->op = words[i].op;
			*opname = words[i].name;
		}
	return advance(p);
}

static int parse_comparison(struct parser *p, uint32_t *out)
{
	struct ebr_filter *f = p->f;
	struct lit_vec lits = { 0 };
	struct ebr_filter_error first = { 0 };
	int first_code = 0;
	const char *opname = NULL;
	unsigned name_col = p->tok.col, op_col;
	struct flt_cmp *c;
	uint32_t ci, node;
	int err, any = 0;

	if (f->n_cmps == f->cap_cmps) {
		uint32_t cap = f->cap_cmps ? f->cap_cmps * 2 : 8;
		void *n = realloc(f->cmps, cap * sizeof(*f->cmps));

		if (!n)
			return oom(p);
		f->cmps = n;
		f->cap_cmps = cap;
	}
	ci = f->n_cmps++;
	c = &f->cmps[ci];
	memset(c, 0, sizeof(*c));
	c->name = p->tok.text;
	c->column = name_col;
	err = flt_resolve_field(f, c, c->name, name_col, p->err);
	if (err == -ENOMEM)
		p->nomem = 1;
	if (!err)
		err = advance(p);
	op_col = p->tok.col;
	if (!err)
		err = read_operator(p, c, &opname);
	if (!err && c->op == FOP_IN)
		err = parse_list(p, &lits);
	else if (!err && c->op != FOP_TRUTH)
		err = parse_value(p, &lits, opname);
	if (err)
		goto out;
	if (c->op == FOP_TRUTH)
		op_col = name_col;
	/*
	 * Parse the literal once per kind of field the name has. Types whose
	 * kind cannot take it behave as if they lacked the field; only when no
	 * type can is it an error (the first one found is reported).
	 */
	for (unsigned v = 0; v < c->n_var; v++) {
		struct ebr_filter_error e = { 0 };

		err = flt_value_parse(f, &c->vars[v], c->op, op_col, c->name, lits.v, lits.n, &e);
		if (err == -ENOMEM) {
			oom(p);
			goto out;
		}
		c->vars[v].ok = !err;
		any |= !err;
		if (err && !first.message[0]) {
			first = e;
			first_code = err;
		}
	}
	if (!any) {
		flt_set_error(p->err, first.column, "%s", first.message);
		p->unknown = first_code == -ENOENT;
		err = -EINVAL;
		goto out;
	}
	for (uint32_t id = 0; id < f->n_ids; id++)
		if (c->var[id] != FLT_NONE && !c->vars[c->var[id]].ok)
			c->var[id] = FLT_NONE;
	err = new_node(p, FN_CMP, &node);
	if (err)
		goto out;
	f->nodes[node].first = ci;
	*out = node;
out:
	free(lits.v);
	return err;
}

static int parse_primary(struct parser *p, uint32_t *out)
{
	int err;

	if (p->tok.type == FT_LPAREN) {
		unsigned col = p->tok.col;

		if (++p->depth > FLT_MAX_DEPTH) {
			flt_set_error(p->err, col, "expression nests deeper than %d levels", FLT_MAX_DEPTH);
			return -EINVAL;
		}
		err = advance(p);
		if (!err)
			err = parse_or(p, out);
		if (err)
			return err;
		if (p->tok.type != FT_RPAREN) {
			char what[64];

			snprintf(what, sizeof(what), "')' to close '(' at column %u", col);
			return expected(p, what);
		}
		p->depth--;
		return advance(p);
	}
	if (p->tok.type == FT_WORD && !is_keyword(&p->tok)) {
		if (!is_ident(p->tok.text)) {
			char found[80];

			flt_tok_describe(&p->tok, found, sizeof(found));
			flt_set_error(p->err, p->tok.col,
				      "expected a field name (letters, digits, '_'), found %s", found);
			return -EINVAL;
		}
		return parse_comparison(p, out);
	}
	return expected(p, "a field name, '(' or 'not'");
}

static int parse_unary(struct parser *p, uint32_t *out)
{
	uint32_t kid;
	int err;

	if (p->tok.type != FT_BANG && !flt_tok_is(&p->tok, "not"))
		return parse_primary(p, out);
	if (++p->depth > FLT_MAX_DEPTH) {
		flt_set_error(p->err, p->tok.col, "expression nests deeper than %d levels", FLT_MAX_DEPTH);
		return -EINVAL;
	}
	err = advance(p);
	if (!err)
		err = parse_unary(p, &kid);
	if (!err)
		err = new_parent(p, FN_NOT, &kid, 1, out);
	p->depth--;
	return err;
}

/* and/or chains become one node with every operand as a child */
static int parse_chain(struct parser *p, uint32_t *out, unsigned kind,
		       int (*is_op)(const struct flt_tok *), int (*operand)(struct parser *, uint32_t *))
{
	struct idx_vec kids = { 0 };
	uint32_t k;
	int err = operand(p, &k);

	while (!err && is_op(&p->tok)) {
		err = vec_push(p, &kids, k);
		if (!err)
			err = advance(p);
		if (!err)
			err = operand(p, &k);
	}
	if (!err && kids.n) {
		err = vec_push(p, &kids, k);
		if (!err)
			err = new_parent(p, kind, kids.v, kids.n, &k);
	}
	if (!err)
		*out = k;
	free(kids.v);
	return err;
}

static int parse_and(struct parser *p, uint32_t *out)
{
	return parse_chain(p, out, FN_AND, is_and, parse_unary);
}

static int parse_or(struct parser *p, uint32_t *out)
{
	return parse_chain(p, out, FN_OR, is_or, parse_and);
}

/* ----------------------------------------------------------- entry points */

struct ebr_filter *ebr_filter__compile(const struct ebr_schema *schema, const char *expr,
				       struct ebr_filter_error *err)
{
	return ebr_filter__compile_opts(schema, expr, NULL, err);
}

struct ebr_filter *ebr_filter__compile_reader(struct ebr_reader *r, const char *expr,
					      struct ebr_filter_error *err)
{
	struct ebr_filter_opts o = { .sz = sizeof(o), .flags = EBR_FILTER_CGROUPS };

	o.cgroups = ebr_reader__cgroups(r, &o.n_cgroups);
	return ebr_filter__compile_opts(ebr_reader__schema(r), expr, &o, err);
}

int ebr_filter__uses_cgroups(const struct ebr_filter *f)
{
	return f->uses_cgroups;
}

struct ebr_filter *ebr_filter__compile_opts(const struct ebr_schema *schema, const char *expr,
					    const struct ebr_filter_opts *opts,
					    struct ebr_filter_error *err)
{
	struct ebr_filter_opts o = { 0 };
	struct ebr_filter_error local;
	struct parser p = { 0 };
	struct ebr_filter *f;
	int r;

	if (!err)
		err = &local;
	memset(err, 0, sizeof(*err));
	if (!schema || !expr) {
		flt_set_error(err, 0, "no schema or no expression");
		errno = EINVAL;
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (!f || !(f->expr = strdup(expr))) {
		free(f);
		flt_set_error(err, 0, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	if (opts)
		memcpy(&o, opts, opts->sz && opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	if (o.n_cgroups && !o.cgroups)
		o.n_cgroups = 0;
	f->schema = schema;
	f->copts = &o;
	p.f = f;
	p.err = err;
	p.lx = (struct flt_lexer){ .f = f, .s = f->expr, .len = strlen(f->expr), .err = err };
	r = flt_init_tables(f, err);
	if (!r)
		r = advance(&p);
	if (!r && p.tok.type == FT_END) {
		flt_set_error(err, 1, "empty expression: write a condition such as 'type = exec'");
		r = -EINVAL;
	}
	if (!r)
		r = parse_or(&p, &f->root);
	if (!r && p.tok.type == FT_RPAREN) {
		flt_set_error(err, p.tok.col, "unbalanced ')': no '(' before it");
		r = -EINVAL;
	} else if (!r && p.tok.type != FT_END) {
		r = expected(&p, "'and', 'or' or end of expression");
	}
	f->copts = NULL; /* the table is the caller's: nothing refers to it after compiling */
	if (r) {
		ebr_filter__free(f);
		errno = p.nomem || r == -ENOMEM ? ENOMEM : p.unknown ? ENOENT : EINVAL;
		return NULL;
	}
	return f;
}
