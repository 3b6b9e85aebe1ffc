// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The exported database's layout: which physical table holds each event
 * type, which query columns are stored there and how, and the views that
 * turn the physical tables back into the query tables, column for column.
 *
 * A physical table per family (<family>_rows, other_rows for events no
 * schema describes) keeps rows narrow: a syscall row does not carry the
 * network columns as NULLs. Within it, what the views can recompute is not
 * stored: time, family, host and container from ts, type, capture and
 * cgroup; capture itself when there is one; names of numbers (errno,
 * syscall, signal, TCP state, flag bits, ...) from the value_names
 * dictionary, keyed by the number. severity is stored as its level. Every
 * stored value then is an integer but for type, comm and the fields that
 * are text in the capture itself (paths, arguments, addresses).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebpfrec/severity.h"
#include "sql_export_internal.h"

const char *ebr_xp__decl_name(int decl)
{
	return decl == SQLITE_TEXT ? "TEXT" : decl == SQLITE_BLOB ? "BLOB" : "INTEGER";
}

int16_t *ebr_xp__type_table_map(const struct ebr_sql *q)
{
	int16_t *m = malloc(q->n_caps * (EBR_T_MAX + 1) * sizeof(*m));

	if (!m)
		return NULL;
	memset(m, 0xff, q->n_caps * (EBR_T_MAX + 1) * sizeof(*m));
	for (size_t k = 0; k < q->n_tables; k++) {
		if (q->tables[k].kind != EBR_TBL_TYPE)
			continue;
		for (size_t c = 0; c < q->n_caps; c++)
			for (unsigned id = 0; id <= EBR_T_MAX; id++)
				if ((q->tables[k].caps[c].types[id / 64] >> (id % 64)) & 1)
					m[c * (EBR_T_MAX + 1) + id] = (int16_t)k;
	}
	return m;
}

static int col_index(const struct ebr_sql_table *t, const char *name)
{
	for (size_t i = 0; i < t->n_cols; i++)
		if (!strcmp(t->cols[i].name, name))
			return (int)i;
	return -1;
}

static int xp_col_index(const struct ebr_xp_table *pt, const char *name)
{
	for (size_t i = 0; i < pt->n; i++)
		if (!strcmp(pt->cols[i].col->name, name))
			return (int)i;
	return -1;
}

static int phys_of_family(const struct ebr_xp_layout *L, int family)
{
	for (size_t i = 0; i < L->n; i++)
		if (L->t[i].family == family)
			return (int)i;
	return -1;
}

static int phys_add(struct ebr_sql *q, const struct ebr_sql_table *ev, struct ebr_xp_layout *L, int family)
{
	struct ebr_xp_table *n = realloc(L->t, (L->n + 1) * sizeof(*L->t));
	size_t cap = ev->n_cols;

	if (!n)
		return -ENOMEM;
	L->t = n;
	n = &L->t[L->n++];
	memset(n, 0, sizeof(*n));
	n->family = family;
	snprintf(n->name, sizeof(n->name), "%s_rows", family < 0 ? "other" : ebr_family__name((unsigned)family));
	for (size_t k = 0; k < q->n_tables; k++)
		cap += q->tables[k].n_cols;
	n->cols = calloc(cap + 1, sizeof(*n->cols));
	n->stored = calloc(cap + 1, sizeof(*n->stored));
	if (!n->cols || !n->stored)
		return -ENOMEM;
	for (size_t i = 0; i < ev->n_cols; i++)
		n->cols[n->n++].col = &ev->cols[i];
	return 0;
}

static int is_name_src(enum ebr_sql_src s)
{
	return s == EBR_SRC_ERRNO_NAME || s == EBR_SRC_SIGNAL_NAME || s == EBR_SRC_ENUM_NAME ||
	       s == EBR_SRC_FLAG_NAMES;
}

static int is_int_kind(unsigned kind)
{
	return kind >= EBR_FK_U8 && kind <= EBR_FK_S64;
}

/*
 * Whether name column c of physical table i can come from value_names: in
 * every type stored there, either the type has the name, derived from the
 * same integer field that fills the source column with the same hint, or
 * it has neither. Then "the name of the source column's value" is exactly
 * what the query table shows, row for row; otherwise the name is stored.
 */
static int dict_ok(const struct ebr_sql *q, const struct ebr_xp_layout *L, size_t i, const struct ebr_xp_col *c,
		   const struct ebr_xp_col *src, unsigned *kind)
{
	int seen = 0;

	for (size_t ci = 0; ci < q->n_caps; ci++)
		for (unsigned id = 0; id <= EBR_T_MAX; id++) {
			int k = L->type_table[ci * (EBR_T_MAX + 1) + id], dc, sc;
			const struct ebr_sql_table *t;
			const struct ebr_field *fd, *fs;

			if (k < 0 || L->of_table[k] != (int)i)
				continue;
			t = &q->tables[k];
			if (!t->caps[ci].fields[id])
				continue;
			dc = col_index(t, c->col->name);
			sc = col_index(t, src->col->name);
			fd = dc >= 0 ? t->caps[ci].fields[id][dc] : NULL;
			fs = sc >= 0 ? t->caps[ci].fields[id][sc] : NULL;
			if (dc >= 0 && t->cols[dc].src != c->col->src)
				return 0;
			if (!fd && !fs)
				continue;
			if (fd != fs || !is_int_kind(fd->kind) || fd->hint == EBR_FH_BOOL)
				return 0;
			if (seen && fd->hint != *kind)
				return 0;
			*kind = fd->hint;
			seen = 1;
		}
	return seen;
}

static void unique_name(const struct ebr_xp_table *pt, const char *base, char *out, size_t len)
{
	snprintf(out, len, "%s", base);
	for (unsigned k = 2; xp_col_index(pt, out) >= 0; k++)
		snprintf(out, len, "%s_%u", base, k);
}

static void assign_roles(struct ebr_sql *q, struct ebr_xp_layout *L, size_t i)
{
	struct ebr_xp_table *pt = &L->t[i];

	for (size_t j = 0; j < pt->n; j++) {
		struct ebr_xp_col *c = &pt->cols[j];

		switch (c->col->src) {
		case EBR_SRC_TIME:
		case EBR_SRC_FAMILY:
		case EBR_SRC_HOST:
		case EBR_SRC_CONTAINER:
			c->role = EBR_XP_VIEW;
			break;
		case EBR_SRC_CAPTURE:
			c->role = q->n_caps == 1 ? EBR_XP_VIEW : EBR_XP_CONTEXT;
			break;
		case EBR_SRC_TID:
		case EBR_SRC_PPID:
		case EBR_SRC_UID:
		case EBR_SRC_GID:
		case EBR_SRC_COMM:
		case EBR_SRC_CGROUP:
		case EBR_SRC_PIDNS:
		case EBR_SRC_MNTNS:
			c->role = EBR_XP_CONTEXT;
			break;
		case EBR_SRC_SEVERITY:
			c->role = EBR_XP_SEVERITY;
			break;
		case EBR_SRC_TRUNCATED:
			c->role = EBR_XP_TRUNCATED;
			break;
		default:
			c->role = EBR_XP_STORED;
			break;
		}
	}
	/* names whose number is stored: from value_names when every type agrees */
	for (size_t j = 0; j < pt->n; j++) {
		struct ebr_xp_col *c = &pt->cols[j];

		if (!is_name_src(c->col->src) || !c->col->field)
			continue;
		for (size_t s = 0; s < pt->n; s++) {
			struct ebr_xp_col *src = &pt->cols[s];

			if (src->col->src != EBR_SRC_FIELD || strcmp(src->col->field, c->col->field) ||
			    src->col->decl != SQLITE_INTEGER)
				continue;
			if (dict_ok(q, L, i, c, src, &c->kind))
				c->role = EBR_XP_DICT;
			break;
		}
	}
	/* the context id and the severity level: under names no column of the family has */
	unique_name(pt, "ctx", pt->ctx_name, sizeof(pt->ctx_name));
	unique_name(pt, "sev_flags", pt->sev_name, sizeof(pt->sev_name));
	pt->ctx_col.name = pt->ctx_name;
	pt->ctx_col.src = EBR_SRC_FIELD;
	pt->ctx_col.decl = SQLITE_INTEGER;
	pt->ctx_id.col = &pt->ctx_col;
	pt->ctx_id.role = EBR_XP_CONTEXT_ID;
	pt->n_stored = 0;
	for (size_t j = 0; j < pt->n; j++) {
		if (pt->cols[j].role == EBR_XP_CONTEXT && !pt->ctx_id.pos) {
			/* where the first context column would be: after ts, type, pid */
			pt->ctx_id.pos = (int)pt->n_stored + 1;
			pt->stored[pt->n_stored++] = &pt->ctx_id;
		}
		if (pt->cols[j].role == EBR_XP_STORED || pt->cols[j].role == EBR_XP_SEVERITY) {
			pt->cols[j].pos = (int)pt->n_stored;
			pt->stored[pt->n_stored++] = &pt->cols[j];
		}
	}
	pt->ctx_id.pos--;
	for (size_t j = 0; j < pt->n; j++) {
		struct ebr_xp_col *c = &pt->cols[j];

		if (c->role != EBR_XP_DICT)
			continue;
		for (size_t s = 0; s < pt->n; s++)
			if (pt->cols[s].col->src == EBR_SRC_FIELD && !strcmp(pt->cols[s].col->field, c->col->field))
				c->pos = pt->cols[s].pos;
	}
}

int ebr_xp_layout__build(struct ebr_sql *q, struct ebr_xp_layout *L)
{
	const struct ebr_sql_table *ev = ebr_sql__table(q, "events");
	int err;

	memset(L, 0, sizeof(*L));
	L->type_table = ebr_xp__type_table_map(q);
	L->of_table = calloc(q->n_tables + 1, sizeof(*L->of_table));
	if (!L->type_table || !L->of_table || !ev)
		return -ENOMEM;
	err = phys_add(q, ev, L, -1);
	for (size_t k = 0; !err && k < q->n_tables; k++) {
		const struct ebr_sql_table *t = &q->tables[k];
		int fam, i;

		L->of_table[k] = -1;
		if (t->kind != EBR_TBL_TYPE)
			continue;
		fam = ebr_sql_table__family(q, t);
		if (fam < 0 || fam == EBR_FAM_META)
			fam = -1;
		i = phys_of_family(L, fam);
		if (i < 0) {
			err = phys_add(q, ev, L, fam);
			i = (int)L->n - 1;
		}
		L->of_table[k] = i;
		for (size_t c = 0; !err && c < t->n_cols; c++)
			if (!ebr_sql_col__is_common(&t->cols[c]) && xp_col_index(&L->t[i], t->cols[c].name) < 0)
				L->t[i].cols[L->t[i].n++].col = &t->cols[c];
	}
	for (size_t i = 0; !err && i < L->n; i++)
		assign_roles(q, L, i);
	return err;
}

void ebr_xp_layout__free(struct ebr_xp_layout *L)
{
	for (size_t i = 0; i < L->n; i++) {
		free(L->t[i].cols);
		free(L->t[i].stored);
	}
	free(L->t);
	free(L->of_table);
	free(L->type_table);
	memset(L, 0, sizeof(*L));
}

const char *ebr_xp_col__phys_name(const struct ebr_xp_table *pt, const struct ebr_xp_col *c)
{
	return c->role == EBR_XP_SEVERITY ? pt->sev_name : c->col->name;
}

const enum ebr_sql_src ebr_xp_context_srcs[] = {
	EBR_SRC_CAPTURE, EBR_SRC_TID, EBR_SRC_PPID, EBR_SRC_UID, EBR_SRC_GID,
	EBR_SRC_COMM, EBR_SRC_CGROUP, EBR_SRC_PIDNS, EBR_SRC_MNTNS,
};
const size_t ebr_xp_n_context_srcs = sizeof(ebr_xp_context_srcs) / sizeof(ebr_xp_context_srcs[0]);

char *ebr_xp__contexts_ddl(void)
{
	return sqlite3_mprintf("CREATE TABLE out.contexts(id INTEGER PRIMARY KEY, capture INTEGER, tid INTEGER, "
			       "ppid INTEGER, uid INTEGER, gid INTEGER, comm TEXT, cgroup INTEGER, pidns INTEGER, "
			       "mntns INTEGER)");
}

char *ebr_xp_table__ddl(const struct ebr_xp_table *pt)
{
	sqlite3_str *s = sqlite3_str_new(NULL);
	char qn[160];

	sqlite3_str_appendf(s, "CREATE TABLE out.%s(", pt->name);
	for (size_t i = 0; i < pt->n_stored; i++) {
		const struct ebr_xp_col *c = pt->stored[i];

		sqlite3_str_appendf(s, "%s%s %s", i ? ", " : "", ebr_sql__quote(ebr_xp_col__phys_name(pt, c), qn, sizeof(qn)),
				    c->role == EBR_XP_SEVERITY ? "INTEGER" : ebr_xp__decl_name(c->col->decl));
	}
	sqlite3_str_appendall(s, ")");
	return sqlite3_str_finish(s);
}

/* ------------------------------------------------------------ views */

/* A view's SELECT from one physical table: pt's columns are "<pt>.x", the context's "contexts.x". */
struct vsel {
	struct ebr_sql *q;
	const struct ebr_xp_table *pt;
	char p[80];
};

#define CTX "contexts."

/* The capture of a row: a constant when there is one. */
static void append_capture(const struct vsel *v, sqlite3_str *s)
{
	if (v->q->n_caps == 1)
		sqlite3_str_appendf(s, "%u", v->q->caps[0].id);
	else
		sqlite3_str_appendall(s, CTX "capture");
}

static void append_b2w(const struct vsel *v, sqlite3_str *s)
{
	struct ebr_sql *q = v->q;

	if (q->n_caps == 1) {
		sqlite3_str_appendf(s, "%lld", (long long)q->caps[0].info->boot_to_wall_ns);
		return;
	}
	sqlite3_str_appendall(s, "CASE " CTX "capture");
	for (size_t c = 0; c < q->n_caps; c++)
		sqlite3_str_appendf(s, " WHEN %u THEN %lld", q->caps[c].id,
				    (long long)q->caps[c].info->boot_to_wall_ns);
	sqlite3_str_appendall(s, " END");
}

static void append_family(const struct vsel *v, sqlite3_str *s)
{
	struct ebr_sql *q = v->q;
	int any = 0;

	sqlite3_str_appendf(s, "CASE %stype", v->p);
	for (size_t k = 0; k <= q->n_caps; k++) {
		const struct ebr_schema *sc = k < q->n_caps ? q->caps[k].schema : ebr_schema__builtin();

		for (size_t i = 0; i < ebr_schema__type_count(sc); i++) {
			const struct ebr_type *t = ebr_schema__type_at(sc, i);
			int dup = 0;

			/* first definition of a name wins, as everywhere else */
			for (size_t j = 0; j < k && !dup; j++)
				dup = ebr_schema__type_by_name(q->caps[j].schema, t->name) != NULL;
			for (size_t j = 0; j < i && !dup; j++)
				dup = !strcmp(ebr_schema__type_at(sc, j)->name, t->name);
			if (dup)
				continue;
			sqlite3_str_appendf(s, " WHEN %Q THEN %Q", t->name, t->family_name);
			any = 1;
		}
	}
	if (!any)
		sqlite3_str_appendall(s, " WHEN NULL THEN NULL");
	sqlite3_str_appendall(s, " END");
}

/* The value of pt's column xc, as the query table has it. */
static void append_col(const struct vsel *v, sqlite3_str *s, const struct ebr_xp_col *xc)
{
	struct ebr_sql *q = v->q;
	char qn[160];

	switch (xc->role) {
	case EBR_XP_STORED:
		sqlite3_str_appendf(s, "%s%s", v->p, ebr_sql__quote(xc->col->name, qn, sizeof(qn)));
		return;
	case EBR_XP_CONTEXT:
		if (xc->col->src == EBR_SRC_CAPTURE)
			append_capture(v, s);
		else
			sqlite3_str_appendf(s, CTX "%s", ebr_sql__quote(xc->col->name, qn, sizeof(qn)));
		return;
	case EBR_XP_SEVERITY:
		sqlite3_str_appendf(s, "CASE %s%s & 7", v->p, ebr_sql__quote(v->pt->sev_name, qn, sizeof(qn)));
		for (unsigned i = 0; i < EBR_SEV_NR; i++)
			sqlite3_str_appendf(s, " WHEN %u THEN %Q", i, ebr_severity__name(i));
		sqlite3_str_appendall(s, " END");
		return;
	case EBR_XP_TRUNCATED:
		sqlite3_str_appendf(s, "%s%s >> 3", v->p, ebr_sql__quote(v->pt->sev_name, qn, sizeof(qn)));
		return;
	case EBR_XP_DICT:
		/* the name of the number in the source column */
		sqlite3_str_appendall(s, "(SELECT n.name FROM value_names n WHERE n.capture = ");
		append_capture(v, s);
		sqlite3_str_appendf(s, " AND n.kind = %u AND n.value = %s%s)", xc->kind, v->p,
				    ebr_sql__quote(v->pt->stored[xc->pos]->col->name, qn, sizeof(qn)));
		return;
	default:
		break;
	}
	/* EBR_XP_VIEW: computed when read */
	switch (xc->col->src) {
	case EBR_SRC_TIME:
		/* the same text as ebr_format_wall_time: seconds, then 9 digits of ns */
		sqlite3_str_appendf(s, "strftime('%%Y-%%m-%%dT%%H:%%M:%%S', (%sts + (", v->p);
		append_b2w(v, s);
		sqlite3_str_appendf(s, ")) / 1000000000, 'unixepoch') || printf('.%%09dZ', (%sts + (", v->p);
		append_b2w(v, s);
		sqlite3_str_appendall(s, ")) % 1000000000)");
		return;
	case EBR_SRC_HOST:
		if (q->n_caps == 1) {
			sqlite3_str_appendf(s, "%Q", q->caps[0].info->host);
			return;
		}
		sqlite3_str_appendall(s, "CASE " CTX "capture");
		for (size_t k = 0; k < q->n_caps; k++)
			sqlite3_str_appendf(s, " WHEN %u THEN %Q", q->caps[k].id, q->caps[k].info->host);
		sqlite3_str_appendall(s, " END");
		return;
	case EBR_SRC_CAPTURE:
		append_capture(v, s);
		return;
	case EBR_SRC_FAMILY:
		append_family(v, s);
		return;
	case EBR_SRC_CONTAINER:
		/* a cgroup's, from the containers table (never stored per event) */
		sqlite3_str_appendall(s, "(SELECT k.container FROM containers k WHERE k.capture = ");
		append_capture(v, s);
		sqlite3_str_appendall(s, " AND k.cgroup = " CTX "cgroup)");
		return;
	default:
		sqlite3_str_appendall(s, "NULL");
		return;
	}
}

/* One SELECT of view v's columns from physical table pt (NULL for the columns it lacks). */
static void append_select(struct ebr_sql *q, sqlite3_str *s, const struct ebr_sql_table *v,
			  const struct ebr_xp_table *pt)
{
	struct vsel vs = { .q = q, .pt = pt };
	char qn[160];

	snprintf(vs.p, sizeof(vs.p), "%s.", pt->name);
	sqlite3_str_appendall(s, "SELECT ");
	for (size_t i = 0; i < v->n_cols; i++) {
		const struct ebr_sql_col *c = &v->cols[i];
		int j = xp_col_index(pt, c->name);

		if (i)
			sqlite3_str_appendall(s, ", ");
		if (j < 0)
			sqlite3_str_appendall(s, "NULL");
		else
			append_col(&vs, s, &pt->cols[j]);
		sqlite3_str_appendf(s, " AS %s", ebr_sql__quote(c->name, qn, sizeof(qn)));
	}
	/* LEFT: every row has its context; it also lets SQLite skip the join when no context column is read */
	sqlite3_str_appendf(s, " FROM %s LEFT JOIN contexts ON contexts.id = %s%s", pt->name, vs.p,
			    ebr_sql__quote(pt->ctx_name, qn, sizeof(qn)));
}

char *ebr_xp__view_ddl(struct ebr_sql *q, const struct ebr_xp_layout *L, const struct ebr_sql_table *v)
{
	sqlite3_str *s = sqlite3_str_new(NULL);
	char qn[160];
	int fam, i;

	sqlite3_str_appendf(s, "CREATE VIEW out.%s AS ", ebr_sql__quote(v->name, qn, sizeof(qn)));
	if (v->kind == EBR_TBL_EVENTS) {
		for (size_t k = 0; k < L->n; k++) {
			if (k)
				sqlite3_str_appendall(s, " UNION ALL ");
			append_select(q, s, v, &L->t[k]);
		}
		return sqlite3_str_finish(s);
	}
	fam = ebr_sql_table__family(q, v);
	if (fam < 0 || fam == EBR_FAM_META)
		fam = -1;
	i = phys_of_family(L, fam);
	if (i < 0) {
		/* no type of this family in any schema: the columns, no rows */
		append_select(q, s, v, &L->t[0]);
		sqlite3_str_appendall(s, " WHERE 0");
		return sqlite3_str_finish(s);
	}
	append_select(q, s, v, &L->t[i]);
	if (v->kind == EBR_TBL_TYPE || v->family < 0)
		sqlite3_str_appendf(s, " WHERE %s.type = %Q", L->t[i].name, v->type_name);
	else if (fam < 0)
		sqlite3_str_appendall(s, " WHERE 0");
	return sqlite3_str_finish(s);
}
