// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Loading the events into the physical tables of an exported database.
 *
 * Each record becomes a row of values in a buffer of its physical table,
 * computed by a plan made once per event type (which header field or
 * record offset each column takes: no per-row lookups by name, no strlen,
 * no allocation). A full buffer goes to SQLite as one
 * `INSERT INTO out.<t> SELECT * FROM temp.ebr_feed_<i>`, where ebr_feed is
 * a virtual table reading the buffer: SQLite pulls each value once,
 * without the parameter binding and register copies of a multi-row
 * VALUES statement, text by reference (SQLITE_STATIC: the buffer outlives
 * the statement's step).
 *
 * The names the views look up (errno, syscall, ...) are collected while
 * rows are made: each distinct (capture, kind, number) is named once, by
 * the same ebr_sql__value the query tables use, and written to value_names
 * at the end.
 *
 * With threads = 2 a second thread reads and decodes the captures and
 * fills the buffers while this one runs SQLite; buffers go between them
 * through a queue in the order they were filled, so every table receives
 * its rows in capture then time order either way.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "sql_export_internal.h"

#define FEED_ROWS 2048 /* rows per INSERT: the statement's start costs about a row's worth */
#define BUFS_PER_TABLE 3 /* one being inserted, one being filled, one spare */
#define FEED_MODULE "ebr_export_feed"
#define PLANS_PER_CAP (EBR_T_MAX + 1) /* one per type id */
#define DICT_SMALL 1024 /* errnos, syscall numbers, flags of a few bits: looked up in a bitmap */

/* ------------------------------------------------------------ plans */

enum op_code {
	OP_NULL,
	OP_TS,
	OP_PID,
	OP_TID,
	OP_PPID,
	OP_UID,
	OP_GID,
	OP_CPU,
	OP_CGROUP,
	OP_PIDNS,
	OP_MNTNS,
	OP_CONST, /* an integer fixed for the type: the capture id */
	OP_TEXT, /* a text fixed for the type: its name */
	OP_COMM,
	OP_SEV,
	OP_INT, /* an integer field at off, of kind */
	OP_BOOL,
	OP_GENERIC, /* anything else: ebr_sql__value, text copied */
	OP_CONTEXT, /* the id of the row's context in the contexts table */
};

struct op {
	uint8_t code;
	uint8_t kind;
	uint32_t off;
	int64_t k;
	const char *p;
	size_t n;
	const struct ebr_sql_col *col;
	const struct ebr_field *f;
};

/* A name to collect: of the number in stored column pos. */
struct dict_op {
	int pos;
	unsigned kind;
	const struct ebr_sql_col *col;
	const struct ebr_field *f;
	uint64_t seen[DICT_SMALL / 64]; /* values 0 .. DICT_SMALL - 1 already noted: no hashing */
};

struct plan {
	int pt;
	size_t n_ops;
	struct op *ops;
	size_t n_dict;
	struct dict_op *dict;
};

/* ------------------------------------------------------------ buffers */

enum { FV_NULL, FV_INT, FV_PTR, FV_TEXT, FV_BLOB };

struct fval {
	union {
		int64_t i;
		const char *p; /* FV_PTR: text that lives as long as the captures */
		size_t off; /* FV_TEXT, FV_BLOB: in the buffer's arena */
	} u;
	uint32_t n;
	uint8_t t;
};

struct fbuf {
	int pt;
	size_t rows;
	struct fval *v; /* [FEED_ROWS * n_stored] */
	struct ebr_sql_buf arena;
	struct fbuf *next; /* in the queue or a free list */
};

/* ------------------------------------------------------------ names */

struct dict_key {
	int64_t value;
	uint32_t ci;
	uint32_t kind; /* 0: empty slot (hints are never 0 here) */
};

struct name_ent {
	uint32_t ci, kind;
	int64_t value;
	size_t off, len;
};

/* What the contexts table holds of a record; compared whole (padding zeroed). */
struct ctx_key {
	uint64_t cgroup;
	uint32_t ci, tid, ppid, uid, gid, pidns, mntns;
	char comm[EBR_COMM_LEN]; /* the text, NUL-padded */
};

#define TID_CACHE 4096 /* the last context of each thread (by tid, direct-mapped) */

/* The header's bytes from tid to flags, and comm: what a context is made of, as recorded. */
#define RAW_A offsetof(struct ebr_event_header, tid)
#define RAW_A_LEN (offsetof(struct ebr_event_header, flags) - RAW_A)
#define RAW_B offsetof(struct ebr_event_header, comm)

struct tid_cache {
	unsigned char raw[RAW_A_LEN + EBR_COMM_LEN];
	size_t ci;
	int64_t id; /* 0: empty */
};

struct loader {
	struct ebr_sql *q;
	const struct ebr_xp_layout *L;
	int threads;
	struct plan **plans; /* [n_caps * PLANS_PER_CAP], made on first use */
	sqlite3_stmt **ins; /* [L->n] */
	const struct fbuf **cur; /* [L->n]: the buffer the feed table of each reads now */
	struct fbuf **fill; /* [L->n]: the buffer being filled */
	struct ebr_sql_buf scratch;
	uint64_t events;

	struct tid_cache *tids; /* [TID_CACHE] */
	struct ctx_key *ctxs; /* context id i + 1 is ctxs[i] */
	size_t n_ctxs, ctxs_cap;
	uint32_t *ctx_hash; /* open addressing: context id, 0 empty */
	size_t ctx_hash_cap;

	struct dict_key *dict;
	size_t dict_cap, dict_n;
	struct name_ent *names;
	size_t n_names, names_cap;
	struct ebr_sql_buf names_text;

	/* between the two threads */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct fbuf *qhead, *qtail; /* full buffers, in the order they were filled */
	struct fbuf **free; /* [L->n] */
	int *n_alloc; /* [L->n] */
	int decode_done;
	int decode_err, insert_err;
};

static void fbuf_free(struct fbuf *b)
{
	if (!b)
		return;
	free(b->v);
	ebr_sql_buf__free(&b->arena);
	free(b);
}

static int64_t field_int(const struct op *o, const struct ebr_event_header *rec)
{
	const char *p = (const char *)rec + o->off;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	int8_t s8;
	int16_t s16;
	int32_t s32;

	/* as ebr_field__s64 / __u64, which field_value stores */
	switch (o->kind) {
	case EBR_FK_U8:
		memcpy(&u8, p, 1);
		return u8;
	case EBR_FK_U16:
		memcpy(&u16, p, 2);
		return u16;
	case EBR_FK_U32:
		memcpy(&u32, p, 4);
		return u32;
	case EBR_FK_S8:
		memcpy(&s8, p, 1);
		return s8;
	case EBR_FK_S16:
		memcpy(&s16, p, 2);
		return s16;
	case EBR_FK_S32:
		memcpy(&s32, p, 4);
		return s32;
	default:
		memcpy(&u64, p, 8);
		return (int64_t)u64;
	}
}

static int col_index(const struct ebr_sql_table *t, const char *name)
{
	for (size_t i = 0; i < t->n_cols; i++)
		if (!strcmp(t->cols[i].name, name))
			return (int)i;
	return -1;
}

static void plan_op(const struct ebr_sql_capture *cap, const struct ebr_sql_col *col, const struct ebr_field *f,
		    unsigned type, struct op *o)
{
	const struct ebr_type *t;

	o->col = col;
	o->f = f;
	switch (col->src) {
	case EBR_SRC_TS: o->code = OP_TS; return;
	case EBR_SRC_PID: o->code = OP_PID; return;
	case EBR_SRC_TID: o->code = OP_TID; return;
	case EBR_SRC_PPID: o->code = OP_PPID; return;
	case EBR_SRC_UID: o->code = OP_UID; return;
	case EBR_SRC_GID: o->code = OP_GID; return;
	case EBR_SRC_CPU: o->code = OP_CPU; return;
	case EBR_SRC_CGROUP: o->code = OP_CGROUP; return;
	case EBR_SRC_PIDNS: o->code = OP_PIDNS; return;
	case EBR_SRC_MNTNS: o->code = OP_MNTNS; return;
	case EBR_SRC_COMM: o->code = OP_COMM; return;
	case EBR_SRC_SEVERITY: o->code = OP_SEV; return;
	case EBR_SRC_CAPTURE:
		o->code = OP_CONST;
		o->k = cap->id;
		return;
	case EBR_SRC_TYPE:
		t = ebr_schema__type(cap->schema, type);
		if (t) {
			o->code = OP_TEXT;
			o->p = t->name;
			o->n = strlen(t->name);
		} else {
			o->code = OP_GENERIC; /* type_<id> */
		}
		return;
	case EBR_SRC_FIELD:
		if (!f) {
			o->code = OP_NULL;
		} else if (f->kind >= EBR_FK_U8 && f->kind <= EBR_FK_S64) {
			o->code = f->hint == EBR_FH_BOOL ? OP_BOOL : OP_INT;
			o->kind = (uint8_t)f->kind;
			o->off = f->offset;
		} else {
			o->code = OP_GENERIC;
		}
		return;
	default:
		/* names stored as text; f NULL: the type has no such field */
		o->code = f ? OP_GENERIC : OP_NULL;
		return;
	}
}

static struct plan *plan_make(struct loader *x, size_t ci, unsigned type)
{
	const struct ebr_sql *q = x->q;
	int k = x->L->type_table[ci * (EBR_T_MAX + 1) + type];
	const struct ebr_sql_table *t = k >= 0 ? &q->tables[k] : ebr_sql__table(q, "events");
	const struct ebr_field **fields = k >= 0 ? t->caps[ci].fields[type] : NULL;
	const struct ebr_xp_table *pt;
	struct plan *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->pt = k >= 0 ? x->L->of_table[k] : 0;
	pt = &x->L->t[p->pt];
	p->n_ops = pt->n_stored;
	p->ops = calloc(pt->n_stored + 1, sizeof(*p->ops));
	p->dict = calloc(pt->n + 1, sizeof(*p->dict));
	if (!p->ops || !p->dict) {
		free(p->ops);
		free(p->dict);
		free(p);
		return NULL;
	}
	for (size_t j = 0; j < pt->n_stored; j++) {
		int c;

		if (pt->stored[j]->role == EBR_XP_CONTEXT_ID)
			p->ops[j].code = OP_CONTEXT;
		else if ((c = col_index(t, pt->stored[j]->col->name)) >= 0)
			plan_op(&q->caps[ci], &t->cols[c], fields ? fields[c] : NULL, type, &p->ops[j]);
	}
	for (size_t j = 0; j < pt->n; j++) {
		const struct ebr_xp_col *xc = &pt->cols[j];
		int c;

		if (xc->role != EBR_XP_DICT || (c = col_index(t, xc->col->name)) < 0 || !fields || !fields[c])
			continue;
		p->dict[p->n_dict++] = (struct dict_op){
			.pos = xc->pos, .kind = xc->kind, .col = &t->cols[c], .f = fields[c],
		};
	}
	return p;
}

/* ------------------------------------------------------------ names */

static size_t dict_slot(const struct dict_key *tab, size_t cap, size_t ci, unsigned kind, int64_t value)
{
	uint64_t h = (uint64_t)value * 0x9e3779b97f4a7c15ULL ^ ((uint64_t)ci << 32 | kind) * 0xc2b2ae3d27d4eb4fULL;
	size_t i = (size_t)(h ^ h >> 29) & (cap - 1);

	while (tab[i].kind && (tab[i].value != value || tab[i].ci != ci || tab[i].kind != kind))
		i = (i + 1) & (cap - 1);
	return i;
}

static int dict_grow(struct loader *x)
{
	size_t cap = x->dict_cap ? x->dict_cap * 2 : 1024;
	struct dict_key *n = calloc(cap, sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < x->dict_cap; i++)
		if (x->dict[i].kind)
			n[dict_slot(n, cap, x->dict[i].ci, x->dict[i].kind, x->dict[i].value)] = x->dict[i];
	free(x->dict);
	x->dict = n;
	x->dict_cap = cap;
	return 0;
}

/* The name of a number seen for the first time: computed as the query table does. */
static int dict_add(struct loader *x, size_t ci, const struct dict_op *d, int64_t value,
		    const struct ebr_event_header *rec)
{
	struct ebr_sql_val v;

	ebr_sql__value(&x->q->caps[ci], d->col, d->f, rec, &v, &x->scratch);
	if (v.type != SQLITE_TEXT)
		return 0;
	if (x->n_names == x->names_cap) {
		size_t cap = x->names_cap ? x->names_cap * 2 : 256;
		struct name_ent *n = realloc(x->names, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		x->names = n;
		x->names_cap = cap;
	}
	if (ebr_sql_buf__reserve(&x->names_text, v.n))
		return -ENOMEM;
	x->names[x->n_names++] = (struct name_ent){
		.ci = (uint32_t)ci, .kind = d->kind, .value = value, .off = x->names_text.len, .len = v.n,
	};
	ebr_sql_buf__put(&x->names_text, v.p, v.n);
	return 0;
}

static int dict_note(struct loader *x, size_t ci, struct dict_op *d, const struct fval *row,
		     const struct ebr_event_header *rec)
{
	const struct fval *src = &row[d->pos];
	size_t i;
	int err;

	if (src->t != FV_INT)
		return 0;
	if (src->u.i >= 0 && src->u.i < DICT_SMALL) {
		uint64_t bit = 1ULL << (src->u.i % 64);

		if (d->seen[src->u.i / 64] & bit)
			return 0;
		d->seen[src->u.i / 64] |= bit;
	}
	if (x->dict_n * 2 >= x->dict_cap && (err = dict_grow(x)))
		return err;
	i = dict_slot(x->dict, x->dict_cap, ci, d->kind, src->u.i);
	if (x->dict[i].kind)
		return 0;
	x->dict[i] = (struct dict_key){ .value = src->u.i, .ci = (uint32_t)ci, .kind = d->kind };
	x->dict_n++;
	return dict_add(x, ci, d, src->u.i, rec);
}

/* ------------------------------------------------------------ contexts */

static uint64_t ctx_hash(const struct ctx_key *k)
{
	const unsigned char *p = (const unsigned char *)k;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

static int ctx_rehash(struct loader *x)
{
	size_t cap = x->ctx_hash_cap ? x->ctx_hash_cap * 2 : 1024;
	uint32_t *n = calloc(cap, sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < x->n_ctxs; i++) {
		size_t j = (size_t)ctx_hash(&x->ctxs[i]) & (cap - 1);

		while (n[j])
			j = (j + 1) & (cap - 1);
		n[j] = (uint32_t)i + 1;
	}
	free(x->ctx_hash);
	x->ctx_hash = n;
	x->ctx_hash_cap = cap;
	return 0;
}

/* The id of a context, new ones numbered from 1 in the order they are first seen. */
static int64_t ctx_id(struct loader *x, const struct ctx_key *k)
{
	size_t j;

	if (x->n_ctxs * 2 >= x->ctx_hash_cap && ctx_rehash(x))
		return -ENOMEM;
	j = (size_t)ctx_hash(k) & (x->ctx_hash_cap - 1);
	while (x->ctx_hash[j]) {
		if (!memcmp(&x->ctxs[x->ctx_hash[j] - 1], k, sizeof(*k)))
			return x->ctx_hash[j];
		j = (j + 1) & (x->ctx_hash_cap - 1);
	}
	if (x->n_ctxs == x->ctxs_cap) {
		size_t cap = x->ctxs_cap ? x->ctxs_cap * 2 : 256;
		struct ctx_key *n = realloc(x->ctxs, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		x->ctxs = n;
		x->ctxs_cap = cap;
	}
	x->ctxs[x->n_ctxs++] = *k;
	x->ctx_hash[j] = (uint32_t)x->n_ctxs;
	return (int64_t)x->n_ctxs;
}

static int64_t rec_ctx(struct loader *x, size_t ci, const struct ebr_event_header *rec)
{
	struct tid_cache *c = &x->tids[rec->tid % TID_CACHE];
	const unsigned char *r = (const unsigned char *)rec;
	struct ctx_key k;
	size_t n;

	/* the thread's last context, recognised by its bytes: the usual case */
	if (c->id && c->ci == ci && !memcmp(c->raw, r + RAW_A, RAW_A_LEN) &&
	    !memcmp(c->raw + RAW_A_LEN, r + RAW_B, EBR_COMM_LEN))
		return c->id;
	n = strnlen(rec->comm, EBR_COMM_LEN);
	memset(&k, 0, sizeof(k));
	k.cgroup = rec->cgroup_id;
	k.ci = (uint32_t)ci;
	k.tid = rec->tid;
	k.ppid = rec->ppid;
	k.uid = rec->uid;
	k.gid = rec->gid;
	k.pidns = rec->pidns;
	k.mntns = rec->mntns;
	memcpy(k.comm, rec->comm, n);
	c->id = ctx_id(x, &k);
	if (c->id < 0) {
		int64_t err = c->id;

		c->id = 0;
		return err;
	}
	c->ci = ci;
	memcpy(c->raw, r + RAW_A, RAW_A_LEN);
	memcpy(c->raw + RAW_A_LEN, r + RAW_B, EBR_COMM_LEN);
	return c->id;
}

/* ------------------------------------------------------------ the feed table */

struct feed_vtab {
	sqlite3_vtab base;
	struct loader *x;
	int pt;
};

struct feed_cursor {
	sqlite3_vtab_cursor base;
	const struct fbuf *b;
	size_t row, ncols;
};

static int feed_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out,
			char **errmsg)
{
	struct loader *x = aux;
	struct feed_vtab *vt;
	sqlite3_str *s;
	char *sql;
	int pt, rc;

	if (!x || argc < 4 || (pt = atoi(argv[3])) < 0 || (size_t)pt >= x->L->n) {
		*errmsg = sqlite3_mprintf("%s is ebpfrec export's own", FEED_MODULE);
		return SQLITE_ERROR;
	}
	s = sqlite3_str_new(db);
	sqlite3_str_appendall(s, "CREATE TABLE x(");
	for (size_t i = 0; i < x->L->t[pt].n_stored; i++)
		sqlite3_str_appendf(s, "%sc%d", i ? ", " : "", (int)i);
	sqlite3_str_appendall(s, ")");
	sql = sqlite3_str_finish(s);
	if (!sql)
		return SQLITE_NOMEM;
	rc = sqlite3_declare_vtab(db, sql);
	sqlite3_free(sql);
	if (rc != SQLITE_OK)
		return rc;
	vt = sqlite3_malloc(sizeof(*vt));
	if (!vt)
		return SQLITE_NOMEM;
	memset(vt, 0, sizeof(*vt));
	vt->x = x;
	vt->pt = pt;
	*out = &vt->base;
	return SQLITE_OK;
}

static int feed_disconnect(sqlite3_vtab *vt)
{
	sqlite3_free(vt);
	return SQLITE_OK;
}

static int feed_best_index(sqlite3_vtab *vt, sqlite3_index_info *info)
{
	(void)vt;
	info->estimatedCost = FEED_ROWS;
	info->estimatedRows = FEED_ROWS;
	return SQLITE_OK;
}

static int feed_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out)
{
	struct feed_cursor *c = sqlite3_malloc(sizeof(*c));

	(void)vt;
	if (!c)
		return SQLITE_NOMEM;
	memset(c, 0, sizeof(*c));
	*out = &c->base;
	return SQLITE_OK;
}

static int feed_close(sqlite3_vtab_cursor *c)
{
	sqlite3_free(c);
	return SQLITE_OK;
}

static int feed_filter(sqlite3_vtab_cursor *cur, int idx, const char *idxs, int argc, sqlite3_value **argv)
{
	struct feed_cursor *c = (struct feed_cursor *)cur;
	struct feed_vtab *vt = (struct feed_vtab *)cur->pVtab;

	(void)idx;
	(void)idxs;
	(void)argc;
	(void)argv;
	c->b = vt->x->cur[vt->pt];
	c->ncols = vt->x->L->t[vt->pt].n_stored;
	c->row = 0;
	return SQLITE_OK;
}

static int feed_next(sqlite3_vtab_cursor *cur)
{
	((struct feed_cursor *)cur)->row++;
	return SQLITE_OK;
}

static int feed_eof(sqlite3_vtab_cursor *cur)
{
	struct feed_cursor *c = (struct feed_cursor *)cur;

	return !c->b || c->row >= c->b->rows;
}

static int feed_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i)
{
	struct feed_cursor *c = (struct feed_cursor *)cur;
	const struct fval *v = &c->b->v[c->row * c->ncols + (size_t)i];

	switch (v->t) {
	case FV_INT:
		sqlite3_result_int64(ctx, v->u.i);
		break;
	case FV_PTR:
		sqlite3_result_text(ctx, v->u.p, (int)v->n, SQLITE_STATIC);
		break;
	case FV_TEXT:
		sqlite3_result_text(ctx, c->b->arena.p + v->u.off, (int)v->n, SQLITE_STATIC);
		break;
	case FV_BLOB:
		sqlite3_result_blob(ctx, c->b->arena.p + v->u.off, (int)v->n, SQLITE_STATIC);
		break;
	default:
		break; /* NULL */
	}
	return SQLITE_OK;
}

static int feed_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
	*rowid = (sqlite3_int64)((struct feed_cursor *)cur)->row;
	return SQLITE_OK;
}

static const sqlite3_module feed_module = {
	.iVersion = 1,
	.xCreate = feed_connect,
	.xConnect = feed_connect,
	.xBestIndex = feed_best_index,
	.xDisconnect = feed_disconnect,
	.xDestroy = feed_disconnect,
	.xOpen = feed_open,
	.xClose = feed_close,
	.xFilter = feed_filter,
	.xNext = feed_next,
	.xEof = feed_eof,
	.xColumn = feed_column,
	.xRowid = feed_rowid,
};

/* ------------------------------------------------------------ rows */

/* Text copied into the buffer's arena; -ENOMEM when it does not fit in memory. */
static int put_text(struct fbuf *b, struct fval *v, const char *p, size_t n, uint8_t t)
{
	v->t = t;
	v->n = (uint32_t)n;
	v->u.off = b->arena.len;
	if (ebr_sql_buf__reserve(&b->arena, n))
		return -ENOMEM;
	ebr_sql_buf__put(&b->arena, p, n);
	return 0;
}

static int put_generic(struct loader *x, struct fbuf *b, struct fval *v, size_t ci, const struct op *o,
		       const struct ebr_event_header *rec)
{
	struct ebr_sql_val sv;

	ebr_sql__value(&x->q->caps[ci], o->col, o->f, rec, &sv, &x->scratch);
	switch (sv.type) {
	case SQLITE_INTEGER:
		v->t = FV_INT;
		v->u.i = sv.i;
		return 0;
	case SQLITE_TEXT:
		if (!sv.stable)
			return put_text(b, v, sv.p, sv.n, FV_TEXT);
		v->t = FV_PTR;
		v->u.p = sv.p;
		v->n = (uint32_t)sv.n;
		return 0;
	case SQLITE_BLOB:
		return put_text(b, v, sv.p, sv.n, FV_BLOB);
	default:
		v->t = FV_NULL;
		return 0;
	}
}

static int submit(struct loader *x, struct fbuf *b);
static struct fbuf *get_buf(struct loader *x, int pt);

static int put_row(struct loader *x, size_t ci, const struct ebr_event_header *rec)
{
	struct plan **pp = &x->plans[ci * PLANS_PER_CAP + rec->type];
	const struct ebr_sql_capture *cap = &x->q->caps[ci];
	struct plan *p;
	struct fbuf *b;
	struct fval *row;
	int sev;

	if (!*pp && !(*pp = plan_make(x, ci, rec->type)))
		return -ENOMEM;
	p = *pp;
	b = x->fill[p->pt];
	if (!b && !(b = x->fill[p->pt] = get_buf(x, p->pt)))
		return -ECANCELED; /* the inserting side failed and said why, or out of memory */
	row = &b->v[b->rows * p->n_ops];
	for (size_t j = 0; j < p->n_ops; j++) {
		const struct op *o = &p->ops[j];
		struct fval *v = &row[j];

		v->t = FV_INT;
		switch (o->code) {
		case OP_TS: v->u.i = (int64_t)rec->ts; break;
		case OP_PID: v->u.i = rec->pid; break;
		case OP_TID: v->u.i = rec->tid; break;
		case OP_PPID: v->u.i = rec->ppid; break;
		case OP_UID: v->u.i = rec->uid; break;
		case OP_GID: v->u.i = rec->gid; break;
		case OP_CPU: v->u.i = rec->cpu; break;
		case OP_CGROUP: v->u.i = (int64_t)rec->cgroup_id; break;
		case OP_PIDNS: v->u.i = rec->pidns; break;
		case OP_MNTNS: v->u.i = rec->mntns; break;
		case OP_CONST: v->u.i = o->k; break;
		case OP_INT: v->u.i = field_int(o, rec); break;
		case OP_BOOL: v->u.i = field_int(o, rec) != 0; break;
		case OP_SEV:
			/* the level, 7 for none; 8 more when truncated */
			sev = ebr_sql_sev__level(cap->sev, rec);
			v->u.i = (sev < 0 ? 7 : sev) | ((rec->flags & EBR_HDR_TRUNCATED) ? 8 : 0);
			break;
		case OP_TEXT:
			v->t = FV_PTR;
			v->u.p = o->p;
			v->n = (uint32_t)o->n;
			break;
		case OP_COMM:
			if (put_text(b, v, rec->comm, strnlen(rec->comm, EBR_COMM_LEN), FV_TEXT))
				return -ENOMEM;
			break;
		case OP_GENERIC:
			if (put_generic(x, b, v, ci, o, rec))
				return -ENOMEM;
			break;
		case OP_CONTEXT:
			v->u.i = rec_ctx(x, ci, rec);
			if (v->u.i < 0)
				return (int)v->u.i;
			break;
		default:
			v->t = FV_NULL;
			break;
		}
	}
	b->rows++;
	for (size_t d = 0; d < p->n_dict; d++) {
		int err = dict_note(x, ci, &p->dict[d], row, rec);

		if (err)
			return err;
	}
	if (b->rows == FEED_ROWS) {
		x->fill[p->pt] = NULL;
		return submit(x, b);
	}
	return 0;
}

/* ------------------------------------------------------------ inserting */

static int insert_buf(struct loader *x, struct fbuf *b)
{
	sqlite3_stmt *st = x->ins[b->pt];
	int rc;

	x->cur[b->pt] = b;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	x->cur[b->pt] = NULL;
	b->rows = 0;
	b->arena.len = 0;
	if (rc != SQLITE_DONE) {
		ebr_sql__set_err(x->q, "%s", sqlite3_errmsg(x->q->db));
		return -EINVAL;
	}
	return 0;
}

static struct fbuf *new_buf(struct loader *x, int pt)
{
	struct fbuf *b = calloc(1, sizeof(*b));
	size_t n = x->L->t[pt].n_stored;

	if (!b)
		return NULL;
	b->pt = pt;
	b->v = calloc(FEED_ROWS * (n ? n : 1), sizeof(*b->v));
	if (!b->v || ebr_sql_buf__reserve(&b->arena, FEED_ROWS * 32)) {
		fbuf_free(b);
		return NULL;
	}
	return b;
}

/* A buffer to fill for table pt: a free one, a new one, or (two threads) wait for one. */
static struct fbuf *get_buf(struct loader *x, int pt)
{
	struct fbuf *b = NULL;

	if (x->threads < 2) {
		b = x->free[pt];
		if (b)
			x->free[pt] = NULL;
		return b ? b : new_buf(x, pt);
	}
	pthread_mutex_lock(&x->mu);
	for (;;) {
		if (x->insert_err)
			break;
		if (x->free[pt]) {
			b = x->free[pt];
			x->free[pt] = b->next;
			break;
		}
		if (x->n_alloc[pt] < BUFS_PER_TABLE) {
			x->n_alloc[pt]++;
			pthread_mutex_unlock(&x->mu);
			return new_buf(x, pt);
		}
		pthread_cond_wait(&x->cv, &x->mu);
	}
	pthread_mutex_unlock(&x->mu);
	return b;
}

static int submit(struct loader *x, struct fbuf *b)
{
	int err;

	if (x->threads < 2) {
		err = insert_buf(x, b);
		b->next = NULL;
		x->free[b->pt] = b;
		return err;
	}
	pthread_mutex_lock(&x->mu);
	err = x->insert_err;
	b->next = NULL;
	if (x->qtail)
		x->qtail->next = b;
	else
		x->qhead = b;
	x->qtail = b;
	pthread_cond_broadcast(&x->cv);
	pthread_mutex_unlock(&x->mu);
	return err;
}

/* ------------------------------------------------------------ decoding */

static int decode_all(struct loader *x)
{
	struct ebr_sql *q = x->q;
	int err = 0;

	for (size_t ci = 0; !err && ci < q->n_caps; ci++) {
		struct ebr_cursor_opts o = { .sz = sizeof(o) };
		struct ebr_cursor *c = ebr_cursor__open(q->caps[ci].r, &o);
		const struct ebr_event_header *rec;
		int rc;

		if (!c)
			return -errno;
		while ((rc = ebr_cursor__next(c, &rec)) > 0) {
			/* a type id past EBR_T_MAX is in no query table (sql_vtab.c): not here either */
			if (rec->type > EBR_T_MAX)
				continue;
			err = put_row(x, ci, rec);
			if (err)
				break;
			x->events++;
		}
		ebr_cursor__close(c);
		if (!err && rc < 0) {
			pr_err("cannot read %s: %s", ebr_reader__path(q->caps[ci].r), strerror(-rc));
			err = rc;
		}
	}
	/* the partial buffers */
	for (size_t i = 0; !err && i < x->L->n; i++) {
		struct fbuf *b = x->fill[i];

		x->fill[i] = NULL;
		if (b && b->rows)
			err = submit(x, b);
		else if (b)
			fbuf_free(b);
	}
	return err;
}

static void *decode_thread(void *arg)
{
	struct loader *x = arg;
	int err = decode_all(x);

	pthread_mutex_lock(&x->mu);
	x->decode_err = err;
	x->decode_done = 1;
	pthread_cond_broadcast(&x->cv);
	pthread_mutex_unlock(&x->mu);
	return NULL;
}

/* This thread: insert what the decoding thread fills, in its order, until it is done. */
static int insert_loop(struct loader *x)
{
	pthread_mutex_lock(&x->mu);
	for (;;) {
		struct fbuf *b = x->qhead;
		int err;

		if (!b) {
			if (x->decode_done)
				break;
			pthread_cond_wait(&x->cv, &x->mu);
			continue;
		}
		x->qhead = b->next;
		if (!x->qhead)
			x->qtail = NULL;
		pthread_mutex_unlock(&x->mu);
		err = x->insert_err ? 0 : insert_buf(x, b);
		pthread_mutex_lock(&x->mu);
		if (err && !x->insert_err)
			x->insert_err = err;
		b->next = x->free[b->pt];
		x->free[b->pt] = b;
		pthread_cond_broadcast(&x->cv);
	}
	pthread_mutex_unlock(&x->mu);
	return x->insert_err ? x->insert_err : x->decode_err;
}

/* ------------------------------------------------------------ setup */

static int prepare_feeds(struct loader *x)
{
	struct ebr_sql *q = x->q;
	int rc = sqlite3_create_module_v2(q->db, FEED_MODULE, &feed_module, x, NULL);

	if (rc != SQLITE_OK) {
		ebr_sql__set_err(q, "%s", sqlite3_errmsg(q->db));
		return -EINVAL;
	}
	for (size_t i = 0; i < x->L->n; i++) {
		const struct ebr_xp_table *pt = &x->L->t[i];
		sqlite3_str *s;
		char qn[160], *sql, ddl[128];
		int err;

		snprintf(ddl, sizeof(ddl), "CREATE VIRTUAL TABLE temp.ebr_feed_%zu USING %s(%zu)", i, FEED_MODULE, i);
		err = ebr_sql__exec(q, ddl);
		if (err)
			return err;
		s = sqlite3_str_new(NULL);
		sqlite3_str_appendf(s, "INSERT INTO out.%s(", pt->name);
		for (size_t j = 0; j < pt->n_stored; j++)
			sqlite3_str_appendf(s, "%s%s", j ? ", " : "",
					    ebr_sql__quote(ebr_xp_col__phys_name(pt, pt->stored[j]), qn, sizeof(qn)));
		sqlite3_str_appendf(s, ") SELECT * FROM temp.ebr_feed_%d", (int)i);
		sql = sqlite3_str_finish(s);
		if (!sql)
			return -ENOMEM;
		rc = sqlite3_prepare_v2(q->db, sql, -1, &x->ins[i], NULL);
		sqlite3_free(sql);
		if (rc != SQLITE_OK) {
			ebr_sql__set_err(q, "%s", sqlite3_errmsg(q->db));
			return -EINVAL;
		}
	}
	return 0;
}

static void drop_feeds(struct loader *x)
{
	for (size_t i = 0; i < x->L->n; i++) {
		char sql[96];

		if (x->ins && x->ins[i])
			sqlite3_finalize(x->ins[i]);
		snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS temp.ebr_feed_%zu", i);
		sqlite3_exec(x->q->db, sql, NULL, NULL, NULL);
	}
	/* the module points at this loader: gone with it */
	sqlite3_create_module_v2(x->q->db, FEED_MODULE, NULL, NULL, NULL);
}

static int write_names(struct loader *x)
{
	struct ebr_sql *q = x->q;
	sqlite3_stmt *st;
	int err = 0;

	if (sqlite3_prepare_v2(q->db, "INSERT INTO out.value_names VALUES (?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK) {
		ebr_sql__set_err(q, "%s", sqlite3_errmsg(q->db));
		return -EINVAL;
	}
	for (size_t i = 0; !err && i < x->n_names; i++) {
		const struct name_ent *e = &x->names[i];

		sqlite3_bind_int64(st, 1, q->caps[e->ci].id);
		sqlite3_bind_int64(st, 2, e->kind);
		sqlite3_bind_int64(st, 3, e->value);
		sqlite3_bind_text64(st, 4, x->names_text.p + e->off, e->len, SQLITE_STATIC, SQLITE_UTF8);
		if (sqlite3_step(st) != SQLITE_DONE) {
			ebr_sql__set_err(q, "%s", sqlite3_errmsg(q->db));
			err = -EINVAL;
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return err;
}

static int write_contexts(struct loader *x)
{
	struct ebr_sql *q = x->q;
	sqlite3_stmt *st;
	int err = 0;

	if (sqlite3_prepare_v2(q->db, "INSERT INTO out.contexts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &st,
			       NULL) != SQLITE_OK) {
		ebr_sql__set_err(q, "%s", sqlite3_errmsg(q->db));
		return -EINVAL;
	}
	for (size_t i = 0; !err && i < x->n_ctxs; i++) {
		const struct ctx_key *k = &x->ctxs[i];

		sqlite3_bind_int64(st, 1, (int64_t)i + 1);
		sqlite3_bind_int64(st, 2, q->caps[k->ci].id);
		sqlite3_bind_int64(st, 3, k->tid);
		sqlite3_bind_int64(st, 4, k->ppid);
		sqlite3_bind_int64(st, 5, k->uid);
		sqlite3_bind_int64(st, 6, k->gid);
		sqlite3_bind_text(st, 7, k->comm, (int)strnlen(k->comm, EBR_COMM_LEN), SQLITE_STATIC);
		sqlite3_bind_int64(st, 8, (int64_t)k->cgroup);
		sqlite3_bind_int64(st, 9, k->pidns);
		sqlite3_bind_int64(st, 10, k->mntns);
		if (sqlite3_step(st) != SQLITE_DONE) {
			ebr_sql__set_err(q, "%s", sqlite3_errmsg(q->db));
			err = -EINVAL;
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return err;
}

int ebr_xp__load(struct ebr_sql *q, const struct ebr_xp_layout *L, int threads, struct ebr_xp_load_stats *st)
{
	struct loader x = { .q = q, .L = L, .threads = threads < 2 ? 1 : 2 };
	size_t n_plans = q->n_caps * PLANS_PER_CAP;
	pthread_t tid;
	int err;

	memset(st, 0, sizeof(*st));
	x.plans = calloc(n_plans, sizeof(*x.plans));
	x.ins = calloc(L->n, sizeof(*x.ins));
	x.cur = calloc(L->n, sizeof(*x.cur));
	x.fill = calloc(L->n, sizeof(*x.fill));
	x.free = calloc(L->n, sizeof(*x.free));
	x.n_alloc = calloc(L->n, sizeof(*x.n_alloc));
	x.tids = calloc(TID_CACHE, sizeof(*x.tids));
	if (!x.plans || !x.ins || !x.cur || !x.fill || !x.free || !x.n_alloc || !x.tids) {
		err = -ENOMEM;
		goto out;
	}
	pthread_mutex_init(&x.mu, NULL);
	pthread_cond_init(&x.cv, NULL);
	err = prepare_feeds(&x);
	if (!err && x.threads == 2 && pthread_create(&tid, NULL, decode_thread, &x) != 0)
		x.threads = 1; /* no second thread: do it all here */
	if (!err && x.threads == 2) {
		err = insert_loop(&x);
		pthread_join(tid, NULL);
	} else if (!err) {
		err = decode_all(&x);
	}
	if (!err)
		err = write_names(&x);
	if (!err)
		err = write_contexts(&x);
	if (err && !q->errmsg)
		ebr_sql__set_err(q, "%s", strerror(-err));
	drop_feeds(&x);
	pthread_cond_destroy(&x.cv);
	pthread_mutex_destroy(&x.mu);
	st->events = x.events;
	st->names = x.n_names;
	st->contexts = x.n_ctxs;
out:
	for (size_t i = 0; x.plans && i < n_plans; i++) {
		if (x.plans[i]) {
			free(x.plans[i]->ops);
			free(x.plans[i]->dict);
			free(x.plans[i]);
		}
	}
	for (size_t i = 0; x.free && i < L->n; i++) {
		while (x.free[i]) {
			struct fbuf *b = x.free[i];

			x.free[i] = b->next;
			fbuf_free(b);
		}
		fbuf_free(x.fill[i]);
	}
	while (x.qhead) {
		struct fbuf *b = x.qhead;

		x.qhead = b->next;
		fbuf_free(b);
	}
	free(x.plans);
	free(x.ins);
	free(x.cur);
	free(x.fill);
	free(x.free);
	free(x.n_alloc);
	free(x.tids);
	free(x.ctxs);
	free(x.ctx_hash);
	free(x.dict);
	free(x.names);
	ebr_sql_buf__free(&x.names_text);
	ebr_sql_buf__free(&x.scratch);
	return err;
}
