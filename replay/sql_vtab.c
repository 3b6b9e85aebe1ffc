// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The event tables: a SQLite virtual table module streaming a capture's
 * segments through the format library's cursor. Memory stays at one
 * decompressed segment per open scan whatever the capture's size.
 *
 * Pushdown (docs/sql.md): ts and time ranges become the cursor's time
 * window, which reads only the segments the index says can match; type and
 * family become its type bitmap, which skips segments by their header; the
 * capture and host columns pick which files are read at all. Simple
 * comparisons on any column are evaluated here, before SQLite sees the row,
 * and when every constraint was handled exactly LIMIT stops the scan early.
 * Columns are decoded only when SQLite asks for them (xColumn).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sql_internal.h"

/* idxNum flags */
#define PLAN_ORDERED 1 /* ORDER BY ts consumed: the cursor sorts */

/* per-argv flags in idxStr */
#define ARG_OMIT 1 /* SQLite does not re-check: the match must be exact */
#define ARG_IN_ALL 2 /* an IN list handed over at once (sqlite3_vtab_in) */

#define OP_LIMIT SQLITE_INDEX_CONSTRAINT_LIMIT
#define OP_OFFSET SQLITE_INDEX_CONSTRAINT_OFFSET

struct sql_vtab {
	sqlite3_vtab base;
	struct ebr_sql *q;
	const struct ebr_sql_table *t;
};

struct pred {
	int col;
	int op; /* SQLITE_INDEX_CONSTRAINT_* */
	int vtype; /* SQLITE_INTEGER or SQLITE_TEXT */
	int64_t i;
	char *s;
	size_t n;
};

/* A type or family restriction: the names one constraint allows. */
struct name_set {
	int family; /* names are families, else types */
	size_t n;
	char **names;
};

struct sql_cursor {
	sqlite3_vtab_cursor base;
	struct sql_vtab *vt;

	/* the plan's values */
	int64_t tlo, thi; /* ts window [tlo, thi] as the column shows ts: signed */
	uint64_t wlo, whi; /* wall-clock window from `time`, [wlo, whi); whi == UINT64_MAX: open */
	int empty; /* a constraint no row can meet */
	struct name_set *sets;
	size_t n_sets;
	uint8_t *cap_ok; /* [n_caps] */
	struct pred *preds;
	size_t n_preds;
	int64_t stop_after; /* rows to produce at most; -1: all */
	int ordered;

	/* the scan */
	size_t ci;
	struct ebr_cursor *ec;
	const struct ebr_sql_tcap *tc;
	uint64_t types[EBR_SQL_TYPE_WORDS];
	const struct ebr_event_header *rec;
	const struct ebr_field **fields;
	int64_t emitted;
	int eof;
	struct ebr_sql_buf buf;
};

static int type_bit(const uint64_t *set, unsigned id)
{
	return id <= EBR_T_MAX && (set[id / 64] >> (id % 64)) & 1;
}

/* ------------------------------------------------------------ time text */

static int digits(const char *s, size_t n, size_t at, size_t k, int *out)
{
	int v = 0;

	if (at + k > n)
		return -1;
	for (size_t i = 0; i < k; i++) {
		if (s[at + i] < '0' || s[at + i] > '9')
			return -1;
		v = v * 10 + (s[at + i] - '0');
	}
	*out = v;
	return 0;
}

/*
 * "YYYY-MM-DD[THH[:MM[:SS[.fffffffff]]]][Z]": the instant (missing parts
 * zero) and the width of the last part given, so that every row whose
 * `time` text sorts at or after s has wall >= *wall_ns, and every row whose
 * text sorts at or before s has wall < *wall_ns + *unit_ns.
 */
int ebr_sql__parse_iso(const char *s, size_t n, uint64_t *wall_ns, uint64_t *unit_ns)
{
	struct tm tm = {0};
	int y, mo, d, h = 0, mi = 0, se = 0;
	uint64_t frac = 0, unit = 86400ULL * 1000000000ULL;
	size_t at = 10;
	time_t t;

	if (digits(s, n, 0, 4, &y) || n < 10 || s[4] != '-' || digits(s, n, 5, 2, &mo) || s[7] != '-' ||
	    digits(s, n, 8, 2, &d))
		return -EINVAL;
	if (at < n && s[at] == 'T') {
		if (digits(s, n, at + 1, 2, &h))
			return -EINVAL;
		at += 3;
		unit = 3600ULL * 1000000000ULL;
		if (at < n && s[at] == ':') {
			if (digits(s, n, at + 1, 2, &mi))
				return -EINVAL;
			at += 3;
			unit = 60ULL * 1000000000ULL;
			if (at < n && s[at] == ':') {
				if (digits(s, n, at + 1, 2, &se))
					return -EINVAL;
				at += 3;
				unit = 1000000000ULL;
				if (at < n && s[at] == '.') {
					size_t k = 0;

					at++;
					unit = 1000000000ULL;
					while (at < n && s[at] >= '0' && s[at] <= '9' && k < 9) {
						frac = frac * 10 + (uint64_t)(s[at++] - '0');
						unit /= 10;
						k++;
					}
					if (!k)
						return -EINVAL;
					for (size_t r = k; r < 9; r++)
						frac *= 10;
				}
			}
		}
	}
	if (at < n && s[at] == 'Z')
		at++;
	if (at != n || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60 || y < 1970)
		return -EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	t = timegm(&tm);
	/* past 2554 a time is beyond u64 ns, which no row has: no window (it wrapped to one in the past) */
	if (t < 0 || (uint64_t)t > (UINT64_MAX - frac) / 1000000000ULL)
		return -ERANGE;
	*wall_ns = (uint64_t)t * 1000000000ULL + frac;
	*unit_ns = unit;
	return 0;
}

/* ------------------------------------------------------------ plan */

static int is_int_col(const struct ebr_sql_col *c)
{
	return c->decl == SQLITE_INTEGER;
}

static void best_index_cost(const struct sql_vtab *vt, sqlite3_index_info *info, double scan_f,
			    double rows_f)
{
	uint64_t rows = 0;

	for (size_t c = 0; c < vt->q->n_caps; c++)
		rows += vt->t->caps[c].est_rows;
	info->estimatedCost = 10.0 + (double)rows * scan_f;
	info->estimatedRows = (sqlite3_int64)((double)rows * scan_f * rows_f) + 1;
}

static int x_best_index(sqlite3_vtab *tab, sqlite3_index_info *info)
{
	struct sql_vtab *vt = (struct sql_vtab *)tab;
	const struct ebr_sql_table *t = vt->t;
	sqlite3_str *plan = sqlite3_str_new(NULL);
	int n_arg = 0, all_exact = 1, limit_i = -1, offset_i = -1;
	int ts_lo = 0, ts_hi = 0, ts_eq = 0, typed = 0, capped = 0, in_loop = 0;
	double rows_f = 1.0;

	for (int i = 0; i < info->nConstraint; i++) {
		const struct sqlite3_index_constraint *c = &info->aConstraint[i];
		const struct ebr_sql_col *col;
		sqlite3_value *rv = NULL;
		const char *coll;
		int use = 0, omit = 0, in_all = 0, binary, lit;

		if (c->op == OP_LIMIT || c->op == OP_OFFSET) {
			if (c->usable) {
				if (c->op == OP_LIMIT)
					limit_i = i;
				else
					offset_i = i;
			}
			continue;
		}
		if (!c->usable || c->iColumn < 0 || (size_t)c->iColumn >= t->n_cols) {
			all_exact = 0;
			continue;
		}
		col = &t->cols[c->iColumn];
		coll = sqlite3_vtab_collation(info, i);
		binary = !coll || !strcasecmp(coll, "BINARY");
		lit = sqlite3_vtab_rhs_value(info, i, &rv) == SQLITE_OK && rv;

		switch (col->src) {
		case EBR_SRC_TS:
			if (c->op == SQLITE_INDEX_CONSTRAINT_EQ || c->op == SQLITE_INDEX_CONSTRAINT_IS ||
			    c->op == SQLITE_INDEX_CONSTRAINT_GT || c->op == SQLITE_INDEX_CONSTRAINT_GE ||
			    c->op == SQLITE_INDEX_CONSTRAINT_LT || c->op == SQLITE_INDEX_CONSTRAINT_LE) {
				use = 1;
				omit = lit && sqlite3_value_type(rv) == SQLITE_INTEGER;
			}
			break;
		case EBR_SRC_TIME:
			/* the text's order is the clock's: a conservative window, SQLite re-checks */
			if (binary && (c->op == SQLITE_INDEX_CONSTRAINT_EQ || c->op == SQLITE_INDEX_CONSTRAINT_GT ||
				       c->op == SQLITE_INDEX_CONSTRAINT_GE || c->op == SQLITE_INDEX_CONSTRAINT_LT ||
				       c->op == SQLITE_INDEX_CONSTRAINT_LE) &&
			    !sqlite3_vtab_in(info, i, -1))
				use = 1;
			break;
		case EBR_SRC_TYPE:
		case EBR_SRC_FAMILY:
		case EBR_SRC_HOST:
			if (binary && c->op == SQLITE_INDEX_CONSTRAINT_EQ) {
				use = omit = 1;
				if (sqlite3_vtab_in(info, i, -1))
					in_all = sqlite3_vtab_in(info, i, 1);
			}
			break;
		default:
			if (c->op == SQLITE_INDEX_CONSTRAINT_ISNULL || c->op == SQLITE_INDEX_CONSTRAINT_ISNOTNULL) {
				use = omit = 1;
			} else if ((c->op == SQLITE_INDEX_CONSTRAINT_EQ || c->op == SQLITE_INDEX_CONSTRAINT_NE ||
				    c->op == SQLITE_INDEX_CONSTRAINT_LT || c->op == SQLITE_INDEX_CONSTRAINT_LE ||
				    c->op == SQLITE_INDEX_CONSTRAINT_GT || c->op == SQLITE_INDEX_CONSTRAINT_GE ||
				    c->op == SQLITE_INDEX_CONSTRAINT_IS ||
				    c->op == SQLITE_INDEX_CONSTRAINT_ISNOT) &&
				   lit) {
				int vt_type = sqlite3_value_type(rv);

				/* exact only when the literal needs no conversion to compare */
				if ((is_int_col(col) && vt_type == SQLITE_INTEGER) ||
				    (!is_int_col(col) && col->decl == SQLITE_TEXT && vt_type == SQLITE_TEXT && binary))
					use = omit = 1;
			}
			break;
		}
		if (!use) {
			all_exact = 0;
			continue;
		}
		if (!omit)
			all_exact = 0;
		/* an IN list SQLite walks itself means one scan per value */
		if (c->op == SQLITE_INDEX_CONSTRAINT_EQ && !in_all && sqlite3_vtab_in(info, i, -1))
			in_loop = 1;
		info->aConstraintUsage[i].argvIndex = ++n_arg;
		info->aConstraintUsage[i].omit = (unsigned char)omit;
		sqlite3_str_appendf(plan, "%d,%d,%d;", c->iColumn, c->op,
				    (omit ? ARG_OMIT : 0) | (in_all ? ARG_IN_ALL : 0));
		if (col->src == EBR_SRC_TS || col->src == EBR_SRC_TIME) {
			if (c->op == SQLITE_INDEX_CONSTRAINT_EQ || c->op == SQLITE_INDEX_CONSTRAINT_IS)
				ts_eq = 1;
			else if (c->op == SQLITE_INDEX_CONSTRAINT_GT || c->op == SQLITE_INDEX_CONSTRAINT_GE)
				ts_lo = 1;
			else
				ts_hi = 1;
		} else if (col->src == EBR_SRC_TYPE || col->src == EBR_SRC_FAMILY) {
			typed = 1;
		} else if (col->src == EBR_SRC_HOST || (col->src == EBR_SRC_CAPTURE &&
							c->op == SQLITE_INDEX_CONSTRAINT_EQ)) {
			capped = 1;
		} else {
			rows_f *= c->op == SQLITE_INDEX_CONSTRAINT_EQ ? 0.1 : 0.5;
		}
	}

	info->idxNum = 0;
	/*
	 * The cursor's order is that of ts as a u64: it is the column's while no
	 * ts reads negative, and the order of `time` while no time is NULL at
	 * the end (see ebr_sql_capture).
	 */
	if (info->nOrderBy == 1 && info->aOrderBy[0].iColumn >= 0 && !info->aOrderBy[0].desc &&
	    ((t->cols[info->aOrderBy[0].iColumn].src == EBR_SRC_TS && !vt->q->caps[0].high_ts) ||
	     (t->cols[info->aOrderBy[0].iColumn].src == EBR_SRC_TIME && !vt->q->caps[0].late_time_null)) &&
	    vt->q->n_caps == 1 && vt->q->caps[0].ordered && !in_loop) {
		info->orderByConsumed = 1;
		info->idxNum |= PLAN_ORDERED;
	}
	/*
	 * LIMIT may end the scan early only when no row we produce is later
	 * refused by SQLite: every constraint handled exactly, and the order
	 * SQLite wants is ours. SQLite still applies LIMIT and OFFSET itself.
	 */
	if (limit_i >= 0 && all_exact && (info->nOrderBy == 0 || info->orderByConsumed)) {
		info->aConstraintUsage[limit_i].argvIndex = ++n_arg;
		sqlite3_str_appendf(plan, "%d,%d,0;", -1, OP_LIMIT);
		if (offset_i >= 0) {
			info->aConstraintUsage[offset_i].argvIndex = ++n_arg;
			sqlite3_str_appendf(plan, "%d,%d,0;", -1, OP_OFFSET);
		}
	}

	double scan_f = 1.0;

	if (ts_eq)
		scan_f *= 1e-4;
	else if (ts_lo && ts_hi)
		scan_f *= 0.02;
	else if (ts_lo || ts_hi)
		scan_f *= 0.3;
	if (typed)
		scan_f *= 0.3;
	if (capped)
		scan_f *= 0.5;
	best_index_cost(vt, info, scan_f, rows_f);

	info->idxStr = sqlite3_str_finish(plan);
	info->needToFreeIdxStr = 1;
	if (!info->idxStr) {
		info->idxStr = sqlite3_mprintf("");
		if (!info->idxStr)
			return SQLITE_NOMEM;
	}
	return SQLITE_OK;
}

/* ------------------------------------------------------------ filter */

static void cursor_reset(struct sql_cursor *c)
{
	const struct ebr_cursor_stats *st;
	struct ebr_sql *q = c->vt->q;

	if (c->ec) {
		st = ebr_cursor__stats(c->ec);
		q->stats.segments_read += st->segments_read;
		q->stats.segments_skipped += st->segments_skipped;
		q->stats.records += st->records;
		ebr_cursor__close(c->ec);
		c->ec = NULL;
	}
}

static void plan_free(struct sql_cursor *c)
{
	for (size_t i = 0; i < c->n_preds; i++)
		free(c->preds[i].s);
	free(c->preds);
	c->preds = NULL;
	c->n_preds = 0;
	for (size_t i = 0; i < c->n_sets; i++) {
		for (size_t k = 0; k < c->sets[i].n; k++)
			free(c->sets[i].names[k]);
		free(c->sets[i].names);
	}
	free(c->sets);
	c->sets = NULL;
	c->n_sets = 0;
}

static void bound_lo(uint64_t *lo, uint64_t v)
{
	if (v > *lo)
		*lo = v;
}

static void bound_hi(uint64_t *hi, uint64_t v)
{
	if (v < *hi)
		*hi = v;
}

/* Narrows the ts window to [lo, hi]. */
static void ts_range(struct sql_cursor *c, int64_t lo, int64_t hi)
{
	if (lo > c->tlo)
		c->tlo = lo;
	if (hi < c->thi)
		c->thi = hi;
	if (c->tlo > c->thi)
		c->empty = 1;
}

/*
 * ts OP value, as a window. The window is in the column's terms: a record's
 * ts is a u64, which the column shows as a signed integer (a damaged
 * capture's 2^63 and up read negative), and SQLite compares that; the
 * cursor's window is made from it per capture (open_next_capture) and every
 * row is checked against it (advance). Values that are not numbers leave it
 * open (SQLite re-checks).
 */
static void ts_constraint(struct sql_cursor *c, int op, sqlite3_value *v)
{
	int t = sqlite3_value_type(v);
	double d;
	int64_t i;

	if (t == SQLITE_NULL) {
		c->empty = 1; /* ts is never NULL: = NULL is unknown, IS NULL false */
		return;
	}
	if (t == SQLITE_INTEGER) {
		i = sqlite3_value_int64(v);
		switch (op) {
		case SQLITE_INDEX_CONSTRAINT_EQ:
		case SQLITE_INDEX_CONSTRAINT_IS:
			ts_range(c, i, i);
			return;
		case SQLITE_INDEX_CONSTRAINT_GT:
			if (i == INT64_MAX)
				c->empty = 1;
			else
				ts_range(c, i + 1, INT64_MAX);
			return;
		case SQLITE_INDEX_CONSTRAINT_GE:
			ts_range(c, i, INT64_MAX);
			return;
		case SQLITE_INDEX_CONSTRAINT_LT:
			if (i == INT64_MIN)
				c->empty = 1;
			else
				ts_range(c, INT64_MIN, i - 1);
			return;
		case SQLITE_INDEX_CONSTRAINT_LE:
			ts_range(c, INT64_MIN, i);
			return;
		}
		return;
	}
	if (t != SQLITE_FLOAT)
		return;
	d = sqlite3_value_double(v);
	if (isnan(d))
		return;
	/* integers compared with a real: round the bound outwards, SQLite re-checks */
	if (d >= 9223372036854775808.0) { /* 2^63: above every integer */
		if (op != SQLITE_INDEX_CONSTRAINT_LT && op != SQLITE_INDEX_CONSTRAINT_LE)
			c->empty = 1;
		return;
	}
	if (d < -9223372036854775808.0) { /* below every integer */
		if (op != SQLITE_INDEX_CONSTRAINT_GT && op != SQLITE_INDEX_CONSTRAINT_GE)
			c->empty = 1;
		return;
	}
	switch (op) {
	case SQLITE_INDEX_CONSTRAINT_EQ:
	case SQLITE_INDEX_CONSTRAINT_IS:
		if (floor(d) != d)
			c->empty = 1;
		else
			ts_range(c, (int64_t)d, (int64_t)d);
		return;
	case SQLITE_INDEX_CONSTRAINT_GT:
	case SQLITE_INDEX_CONSTRAINT_GE:
		ts_range(c, (int64_t)floor(d), INT64_MAX);
		return;
	case SQLITE_INDEX_CONSTRAINT_LT:
	case SQLITE_INDEX_CONSTRAINT_LE:
		/* below 2^63 doubles are integers from 2^53 on, so ceil(d) fits */
		ts_range(c, INT64_MIN, (int64_t)ceil(d));
		return;
	}
}

static void time_constraint(struct sql_cursor *c, int op, sqlite3_value *v)
{
	uint64_t wall, unit, end;

	if (sqlite3_value_type(v) == SQLITE_NULL) {
		c->empty = 1;
		return;
	}
	if (sqlite3_value_type(v) != SQLITE_TEXT ||
	    ebr_sql__parse_iso((const char *)sqlite3_value_text(v), (size_t)sqlite3_value_bytes(v), &wall,
			       &unit))
		return; /* not a time we can read: no window, SQLite compares the text */
	/* the end of the last unit given, at most the end of u64 nanoseconds (open) */
	end = wall + unit < wall ? UINT64_MAX : wall + unit;
	switch (op) {
	case SQLITE_INDEX_CONSTRAINT_EQ:
		bound_lo(&c->wlo, wall);
		bound_hi(&c->whi, end);
		return;
	case SQLITE_INDEX_CONSTRAINT_GT:
	case SQLITE_INDEX_CONSTRAINT_GE:
		bound_lo(&c->wlo, wall);
		return;
	case SQLITE_INDEX_CONSTRAINT_LT:
	case SQLITE_INDEX_CONSTRAINT_LE:
		bound_hi(&c->whi, end);
		return;
	}
}

static int set_add(struct name_set *s, sqlite3_value *v)
{
	char **n;

	if (sqlite3_value_type(v) == SQLITE_NULL || sqlite3_value_type(v) == SQLITE_BLOB)
		return 0; /* = NULL matches nothing; a blob never equals a text */
	n = realloc(s->names, (s->n + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	s->names = n;
	s->names[s->n] = strdup((const char *)sqlite3_value_text(v));
	if (!s->names[s->n])
		return -ENOMEM;
	s->n++;
	return 0;
}

static int names_constraint(struct sql_cursor *c, const struct ebr_sql_col *col, int flags,
			    sqlite3_value *v)
{
	struct name_set *n = realloc(c->sets, (c->n_sets + 1) * sizeof(*n));
	struct name_set *s;
	int err = 0;

	if (!n)
		return -ENOMEM;
	c->sets = n;
	s = &c->sets[c->n_sets++];
	memset(s, 0, sizeof(*s));
	s->family = col->src == EBR_SRC_FAMILY ? 1 : col->src == EBR_SRC_HOST ? 2 : 0;
	if (flags & ARG_IN_ALL) {
		sqlite3_value *x;
		int rc;

		for (rc = sqlite3_vtab_in_first(v, &x); rc == SQLITE_OK && x && !err;
		     rc = sqlite3_vtab_in_next(v, &x))
			err = set_add(s, x);
		if (rc != SQLITE_OK && rc != SQLITE_DONE)
			return -EIO;
		return err;
	}
	return set_add(s, v);
}

static int pred_add(struct sql_cursor *c, int col, int op, sqlite3_value *v)
{
	struct pred *n = realloc(c->preds, (c->n_preds + 1) * sizeof(*n));
	struct pred *p;

	if (!n)
		return -ENOMEM;
	c->preds = n;
	p = &c->preds[c->n_preds++];
	memset(p, 0, sizeof(*p));
	p->col = col;
	p->op = op;
	if (op == SQLITE_INDEX_CONSTRAINT_ISNULL || op == SQLITE_INDEX_CONSTRAINT_ISNOTNULL)
		return 0;
	p->vtype = sqlite3_value_type(v);
	if (p->vtype == SQLITE_INTEGER) {
		p->i = sqlite3_value_int64(v);
	} else if (p->vtype == SQLITE_TEXT) {
		p->n = (size_t)sqlite3_value_bytes(v);
		p->s = malloc(p->n + 1);
		if (!p->s)
			return -ENOMEM;
		memcpy(p->s, sqlite3_value_text(v), p->n + 1);
	}
	/* other value types cannot reach here: only exact literals are handed over */
	return 0;
}

static int value_class(int type)
{
	return type == SQLITE_INTEGER ? 1 : type == SQLITE_TEXT ? 2 : 3;
}

/* SQLite's comparison of a column value with an already-typed constant (BINARY collation). */
static int pred_match(const struct pred *p, const struct ebr_sql_val *v)
{
	int c;

	switch (p->op) {
	case SQLITE_INDEX_CONSTRAINT_ISNULL:
		return v->type == SQLITE_NULL;
	case SQLITE_INDEX_CONSTRAINT_ISNOTNULL:
		return v->type != SQLITE_NULL;
	}
	if (v->type == SQLITE_NULL)
		return p->op == SQLITE_INDEX_CONSTRAINT_ISNOT;
	if (value_class(v->type) != value_class(p->vtype)) {
		c = value_class(v->type) - value_class(p->vtype);
	} else if (v->type == SQLITE_INTEGER) {
		c = (v->i > p->i) - (v->i < p->i);
	} else {
		size_t m = v->n < p->n ? v->n : p->n;

		c = memcmp(v->p, p->s, m);
		if (!c)
			c = (v->n > p->n) - (v->n < p->n);
	}
	switch (p->op) {
	case SQLITE_INDEX_CONSTRAINT_EQ:
	case SQLITE_INDEX_CONSTRAINT_IS:
		return c == 0;
	case SQLITE_INDEX_CONSTRAINT_NE:
	case SQLITE_INDEX_CONSTRAINT_ISNOT:
		return c != 0;
	case SQLITE_INDEX_CONSTRAINT_LT:
		return c < 0;
	case SQLITE_INDEX_CONSTRAINT_LE:
		return c <= 0;
	case SQLITE_INDEX_CONSTRAINT_GT:
		return c > 0;
	case SQLITE_INDEX_CONSTRAINT_GE:
		return c >= 0;
	}
	return 1;
}

static int in_set(const struct name_set *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->names[i], name))
			return 1;
	return 0;
}

/* Type ids of capture ci this scan takes: the table's, narrowed by type/family constraints. */
static int capture_types(struct sql_cursor *c, size_t ci)
{
	const struct ebr_sql_capture *cap = &c->vt->q->caps[ci];
	int any = 0;

	memcpy(c->types, c->tc->types, sizeof(c->types));
	for (size_t k = 0; k < c->n_sets; k++) {
		const struct name_set *s = &c->sets[k];

		if (s->family == 2)
			continue;
		for (unsigned id = 0; id <= EBR_T_MAX; id++) {
			const struct ebr_type *t;
			char buf[32];
			const char *name;

			if (!type_bit(c->types, id))
				continue;
			t = ebr_schema__type(cap->schema, id);
			if (s->family) {
				name = t ? t->family_name : NULL;
			} else if (t) {
				name = t->name;
			} else {
				snprintf(buf, sizeof(buf), "type_%u", id);
				name = buf;
			}
			if (!name || !in_set(s, name))
				c->types[id / 64] &= ~(1ULL << (id % 64));
		}
	}
	for (size_t w = 0; w < EBR_SQL_TYPE_WORDS; w++)
		any |= c->types[w] != 0;
	return any;
}

/*
 * The ts of a wall-clock time. A record whose ts + offset leaves u64 has a
 * NULL time (ebr_sql__value), so the map is monotonic on the rest: a wall
 * before any the offset can give is ts 0, one after any is UINT64_MAX.
 */
static uint64_t wall_to_ts(uint64_t wall, int64_t b2w)
{
	uint64_t back = 0 - (uint64_t)b2w; /* -b2w without overflow at INT64_MIN */

	if (wall == UINT64_MAX)
		return UINT64_MAX;
	if (b2w >= 0)
		return wall > (uint64_t)b2w ? wall - (uint64_t)b2w : 0;
	return wall + back < wall ? UINT64_MAX : wall + back;
}

/* Open the cursor over the next capture that can hold rows; 0 when none is left. */
static int open_next_capture(struct sql_cursor *c)
{
	struct ebr_sql *q = c->vt->q;

	for (; c->ci < q->n_caps; c->ci++) {
		const struct ebr_sql_capture *cap = &q->caps[c->ci];
		struct ebr_cursor_opts o = { .sz = sizeof(o) };
		uint64_t lo, hi;
		int all = 1;

		if (!c->cap_ok[c->ci])
			continue;
		c->tc = &c->vt->t->caps[c->ci];
		if (!capture_types(c, c->ci))
			continue;
		/*
		 * The signed ts window as u64: [0, 2^63) read as themselves, the
		 * rest as negatives. A window across 0 is two ranges: the second
		 * only matters when the index says some segment reaches 2^63.
		 */
		if (c->tlo >= 0) {
			lo = (uint64_t)c->tlo;
			hi = (uint64_t)c->thi + 1;
		} else if (c->thi < 0) {
			lo = (uint64_t)c->tlo;
			hi = c->thi == -1 ? UINT64_MAX : (uint64_t)c->thi + 1;
		} else {
			lo = 0;
			hi = cap->high_ts ? UINT64_MAX : (uint64_t)c->thi + 1;
		}
		/* wlo 0 is no bound: with a negative offset it would be ts -offset */
		if (c->wlo)
			bound_lo(&lo, wall_to_ts(c->wlo, cap->info->boot_to_wall_ns));
		bound_hi(&hi, wall_to_ts(c->whi, cap->info->boot_to_wall_ns));
		if (hi != UINT64_MAX && lo >= hi) /* UINT64_MAX: open, which holds ts UINT64_MAX */
			continue;
		o.from_ts = lo;
		o.to_ts = hi == UINT64_MAX ? 0 : hi;
		for (size_t w = 0; w < EBR_SQL_TYPE_WORDS; w++)
			all &= c->types[w] == ~0ULL;
		if (!all)
			for (unsigned id = 0; id <= EBR_T_MAX; id++)
				if (type_bit(c->types, id))
					ebr_type_bitmap__set(o.type_bitmap, id);
		o.unordered = !c->ordered;
		c->ec = ebr_cursor__open(cap->r, &o);
		if (!c->ec)
			return -errno;
		q->stats.segments_total += ebr_reader__segment_count(cap->r);
		return 1;
	}
	return 0;
}

static int row_matches(struct sql_cursor *c)
{
	const struct ebr_sql_capture *cap = &c->vt->q->caps[c->ci];

	for (size_t i = 0; i < c->n_preds; i++) {
		const struct pred *p = &c->preds[i];
		const struct ebr_sql_col *col = &c->vt->t->cols[p->col];
		struct ebr_sql_val v;

		ebr_sql__value(cap, col, c->fields ? c->fields[p->col] : NULL, c->rec, &v, &c->buf);
		if (!pred_match(p, &v))
			return 0;
	}
	return 1;
}

static int advance(struct sql_cursor *c)
{
	struct ebr_sql *q = c->vt->q;

	if (c->stop_after >= 0 && c->emitted >= c->stop_after) {
		c->eof = 1;
		return SQLITE_OK;
	}
	for (;;) {
		const struct ebr_event_header *rec;
		int rc;

		if (!c->ec) {
			rc = open_next_capture(c);
			if (rc < 0) {
				c->vt->base.zErrMsg = sqlite3_mprintf("cannot read %s: %s",
								      ebr_reader__path(q->caps[c->ci].r),
								      strerror(-rc));
				return SQLITE_ERROR;
			}
			if (!rc) {
				c->eof = 1;
				return SQLITE_OK;
			}
		}
		rc = ebr_cursor__next(c->ec, &rec);
		if (rc < 0) {
			c->vt->base.zErrMsg = sqlite3_mprintf("cannot read %s: %s",
							      ebr_reader__path(q->caps[c->ci].r), strerror(-rc));
			return SQLITE_ERROR;
		}
		if (rc == 0) {
			cursor_reset(c);
			c->ci++;
			continue;
		}
		if (!type_bit(c->types, rec->type))
			continue;
		/* exact: the cursor's window may hold more (see open_next_capture) */
		if ((int64_t)rec->ts < c->tlo || (int64_t)rec->ts > c->thi)
			continue;
		c->rec = rec;
		c->fields = c->tc->fields[rec->type];
		if (c->n_preds && !row_matches(c))
			continue;
		c->emitted++;
		q->stats.rows++;
		return SQLITE_OK;
	}
}

static int x_filter(sqlite3_vtab_cursor *cur, int idx_num, const char *idx_str, int argc,
		    sqlite3_value **argv)
{
	struct sql_cursor *c = (struct sql_cursor *)cur;
	struct ebr_sql *q = c->vt->q;
	const struct ebr_sql_table *t = c->vt->t;
	const char *p = idx_str ? idx_str : "";
	int64_t limit = -1, offset = 0;
	int err = 0;

	cursor_reset(c);
	plan_free(c);
	c->tlo = INT64_MIN;
	c->thi = INT64_MAX;
	c->wlo = 0;
	c->whi = UINT64_MAX;
	c->empty = 0;
	c->ordered = idx_num & PLAN_ORDERED;
	c->ci = 0;
	c->emitted = 0;
	c->eof = 0;
	memset(c->cap_ok, 1, q->n_caps);
	q->stats.filters++;

	for (int k = 0; k < argc && *p && !err; k++) {
		int col, op, flags, used;

		if (sscanf(p, "%d,%d,%d;%n", &col, &op, &flags, &used) != 3)
			break;
		p += used;
		if (op == OP_LIMIT) {
			limit = sqlite3_value_type(argv[k]) == SQLITE_INTEGER ? sqlite3_value_int64(argv[k]) : -1;
			continue;
		}
		if (op == OP_OFFSET) {
			offset = sqlite3_value_type(argv[k]) == SQLITE_INTEGER ? sqlite3_value_int64(argv[k]) : -1;
			continue;
		}
		if (col < 0 || (size_t)col >= t->n_cols)
			continue;
		switch (t->cols[col].src) {
		case EBR_SRC_TS:
			ts_constraint(c, op, argv[k]);
			break;
		case EBR_SRC_TIME:
			time_constraint(c, op, argv[k]);
			break;
		case EBR_SRC_TYPE:
		case EBR_SRC_FAMILY:
		case EBR_SRC_HOST:
			err = names_constraint(c, &t->cols[col], flags, argv[k]);
			break;
		default:
			err = pred_add(c, col, op, argv[k]);
			break;
		}
	}
	if (err) {
		c->vt->base.zErrMsg = sqlite3_mprintf("%s", strerror(-err));
		return err == -ENOMEM ? SQLITE_NOMEM : SQLITE_ERROR;
	}
	/* capture and host pick the files */
	for (size_t i = 0; i < c->n_preds; i++) {
		const struct pred *pr = &c->preds[i];

		if (t->cols[pr->col].src == EBR_SRC_CAPTURE && pr->op == SQLITE_INDEX_CONSTRAINT_EQ)
			for (size_t ci = 0; ci < q->n_caps; ci++)
				if (pr->vtype != SQLITE_INTEGER || q->caps[ci].id != pr->i)
					c->cap_ok[ci] = 0;
	}
	for (size_t i = 0; i < c->n_sets; i++)
		if (c->sets[i].family == 2)
			for (size_t ci = 0; ci < q->n_caps; ci++)
				if (!in_set(&c->sets[i], q->caps[ci].info->host))
					c->cap_ok[ci] = 0;
	c->stop_after = limit >= 0 && offset >= 0 ? limit + offset : -1;
	if (c->empty || c->stop_after == 0) {
		c->eof = 1;
		return SQLITE_OK;
	}
	return advance(c);
}

/* ------------------------------------------------------------ module */

static int x_next(sqlite3_vtab_cursor *cur)
{
	return advance((struct sql_cursor *)cur);
}

static int x_eof(sqlite3_vtab_cursor *cur)
{
	return ((struct sql_cursor *)cur)->eof;
}

static int x_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i)
{
	struct sql_cursor *c = (struct sql_cursor *)cur;
	const struct ebr_sql_table *t = c->vt->t;
	struct ebr_sql_val v;

	if (i < 0 || (size_t)i >= t->n_cols)
		return SQLITE_OK;
	ebr_sql__value(&c->vt->q->caps[c->ci], &t->cols[i], c->fields ? c->fields[i] : NULL, c->rec, &v,
		       &c->buf);
	switch (v.type) {
	case SQLITE_INTEGER:
		sqlite3_result_int64(ctx, v.i);
		break;
	case SQLITE_TEXT:
		sqlite3_result_text64(ctx, v.p, v.n, v.stable ? SQLITE_STATIC : SQLITE_TRANSIENT, SQLITE_UTF8);
		break;
	case SQLITE_BLOB:
		sqlite3_result_blob64(ctx, v.p, v.n, SQLITE_TRANSIENT);
		break;
	default:
		break; /* NULL is the default result */
	}
	return SQLITE_OK;
}

/*
 * A row's id names its record: SQLite merges the scans of the terms of an
 * OR by rowid (WHERE ts BETWEEN a AND b OR ts BETWEEN c AND d), so a count
 * of rows per scan, as it was, made rows of one term vanish as duplicates
 * of rows of the other. Segment and offset within the segment's records
 * (a u32) are the same in every scan; captures follow one another.
 */
static int x_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
	struct sql_cursor *c = (struct sql_cursor *)cur;
	size_t seg = 0;
	uint32_t off = 0;

	if (c->ec)
		ebr_cursor__position(c->ec, &seg, &off);
	*rowid = (sqlite3_int64)(((uint64_t)c->vt->q->caps[c->ci].segment_base + seg) << 32 | off);
	return SQLITE_OK;
}

static int x_open(sqlite3_vtab *tab, sqlite3_vtab_cursor **out)
{
	struct sql_vtab *vt = (struct sql_vtab *)tab;
	struct sql_cursor *c = calloc(1, sizeof(*c));

	if (!c)
		return SQLITE_NOMEM;
	c->cap_ok = calloc(vt->q->n_caps ? vt->q->n_caps : 1, 1);
	if (!c->cap_ok) {
		free(c);
		return SQLITE_NOMEM;
	}
	c->vt = vt;
	c->eof = 1;
	*out = &c->base;
	return SQLITE_OK;
}

static int x_close(sqlite3_vtab_cursor *cur)
{
	struct sql_cursor *c = (struct sql_cursor *)cur;

	cursor_reset(c);
	plan_free(c);
	ebr_sql_buf__free(&c->buf);
	free(c->cap_ok);
	free(c);
	return SQLITE_OK;
}

static int x_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out,
		     char **err)
{
	struct ebr_sql *q = aux;
	const struct ebr_sql_table *t = argc > 3 ? ebr_sql__table(q, argv[3]) : NULL;
	struct sql_vtab *vt;
	char *ddl;
	int rc;

	if (!t) {
		*err = sqlite3_mprintf("ebpfrec: no event table named %s", argc > 3 ? argv[3] : "?");
		return SQLITE_ERROR;
	}
	ddl = ebr_sql_table__ddl(t, "", "x", 0);
	if (!ddl)
		return SQLITE_NOMEM;
	rc = sqlite3_declare_vtab(db, ddl);
	sqlite3_free(ddl);
	if (rc != SQLITE_OK)
		return rc;
	vt = sqlite3_malloc(sizeof(*vt));
	if (!vt)
		return SQLITE_NOMEM;
	memset(vt, 0, sizeof(*vt));
	vt->q = q;
	vt->t = t;
	*out = &vt->base;
	return SQLITE_OK;
}

static int x_disconnect(sqlite3_vtab *tab)
{
	sqlite3_free(tab);
	return SQLITE_OK;
}

static const sqlite3_module module = {
	.iVersion = 1,
	.xCreate = x_connect,
	.xConnect = x_connect,
	.xBestIndex = x_best_index,
	.xDisconnect = x_disconnect,
	.xDestroy = x_disconnect,
	.xOpen = x_open,
	.xClose = x_close,
	.xFilter = x_filter,
	.xNext = x_next,
	.xEof = x_eof,
	.xColumn = x_column,
	.xRowid = x_rowid,
};

int ebr_sql__register_vtab(struct ebr_sql *q)
{
	char quoted[160], *sql;
	int rc;

	rc = sqlite3_create_module(q->db, "ebpfrec", &module, q);
	if (rc != SQLITE_OK) {
		ebr_sql__set_err(q, "%s", sqlite3_errmsg(q->db));
		return -EINVAL;
	}
	for (size_t i = 0; i < q->n_tables; i++) {
		sql = sqlite3_mprintf("CREATE VIRTUAL TABLE %s USING ebpfrec(%s)",
				      ebr_sql__quote(q->tables[i].name, quoted, sizeof(quoted)),
				      q->tables[i].name);
		if (!sql)
			return -ENOMEM;
		rc = ebr_sql__exec(q, sql);
		sqlite3_free(sql);
		if (rc)
			return rc;
	}
	return 0;
}
