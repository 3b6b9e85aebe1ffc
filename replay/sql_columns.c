// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The column model: which event tables exist and what their columns are,
 * derived from the captures' own schemas (plus this build's, so a query
 * naming a family the capture lacks still compiles and returns no rows).
 * The virtual tables, the exported database and the CSV/JSON files all
 * take their columns and values from here, so they agree by construction.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ebpfrec/decode.h"
#include "internal.h"
#include "names.h"
#include "sql_internal.h"

#include "ebpfrec/container.h"

struct common_col {
	const char *name;
	enum ebr_sql_src src;
	int decl;
	const char *doc;
};

/* Before the type's own columns. */
static const struct common_col lead_cols[] = {
	{ "ts", EBR_SRC_TS, SQLITE_INTEGER, "event time: CLOCK_BOOTTIME ns of the recording host" },
	{ "time", EBR_SRC_TIME, SQLITE_TEXT, "event time as wall clock, ISO 8601 UTC with ns" },
	{ "type", EBR_SRC_TYPE, SQLITE_TEXT, "event type name (exec, fork, ...)" },
	{ "family", EBR_SRC_FAMILY, SQLITE_TEXT, "event family (process, syscall, network, memory, file)" },
	{ "pid", EBR_SRC_PID, SQLITE_INTEGER, "process (thread group) id" },
	{ "tid", EBR_SRC_TID, SQLITE_INTEGER, "thread id" },
	{ "ppid", EBR_SRC_PPID, SQLITE_INTEGER, "parent process id" },
	{ "uid", EBR_SRC_UID, SQLITE_INTEGER, "user id" },
	{ "gid", EBR_SRC_GID, SQLITE_INTEGER, "group id" },
	{ "comm", EBR_SRC_COMM, SQLITE_TEXT, "command name (task comm, at most 15 bytes)" },
	{ "cpu", EBR_SRC_CPU, SQLITE_INTEGER, "CPU the event was recorded on" },
	{ "cgroup", EBR_SRC_CGROUP, SQLITE_INTEGER, "cgroup v2 id" },
	{ "container", EBR_SRC_CONTAINER, SQLITE_TEXT, "container id, from the capture's cgroup table; NULL outside containers" },
	{ "severity", EBR_SRC_SEVERITY, SQLITE_TEXT, "info, warning or error (docs/sql.md)" },
};

/* After the type's own columns: rarely wanted in SELECT *. */
static const struct common_col trail_cols[] = {
	{ "pidns", EBR_SRC_PIDNS, SQLITE_INTEGER, "pid namespace inode number" },
	{ "mntns", EBR_SRC_MNTNS, SQLITE_INTEGER, "mount namespace inode number" },
	{ "truncated", EBR_SRC_TRUNCATED, SQLITE_INTEGER, "1 when a string or list was cut at its limit" },
	{ "capture", EBR_SRC_CAPTURE, SQLITE_INTEGER, "capture id (capture.id): which file the event is from" },
	{ "host", EBR_SRC_HOST, SQLITE_TEXT, "host name the capture was recorded on" },
};

#define N_LEAD (sizeof(lead_cols) / sizeof(lead_cols[0]))
#define N_TRAIL (sizeof(trail_cols) / sizeof(trail_cols[0]))

/*
 * Tables over families. The process family is split by type because exec,
 * fork and exit share no columns.
 */
static const struct family_table {
	const char *name;
	int family; /* -1: one type, by name */
	const char *type_name;
	const char *doc;
} family_tables[] = {
	{ "execs", -1, "exec", "successful execve: one row per exec" },
	{ "forks", -1, "fork", "fork/clone: one row per new process or thread" },
	{ "exits", -1, "exit", "process exits (the last thread of a process)" },
	{ "syscalls", EBR_FAM_SYSCALL, NULL, "syscall family: every syscall event type" },
	{ "net", EBR_FAM_NETWORK, NULL, "network family: connect, accept, TCP state, UDP, ..." },
	{ "mem", EBR_FAM_MEMORY, NULL, "memory family: kmalloc/kfree, pages, mmap/munmap/brk" },
	{ "files", EBR_FAM_FILE, NULL, "file I/O family: open, read, write, close" },
	{ "custom", EBR_FAM_CUSTOM, NULL, "user-supplied event types (ids 200 and up)" },
};

#define N_FAMILY_TABLES (sizeof(family_tables) / sizeof(family_tables[0]))

const char *ebr_sql__drop_reason(unsigned reason)
{
	static const char *const names[EBR_DROP_NR] = {
		[EBR_DROP_RINGBUF_FULL] = "ringbuf_full",
		[EBR_DROP_RATE_LIMITED] = "rate_limited",
		[EBR_DROP_FILTERED_KERNEL] = "filtered_kernel",
		[EBR_DROP_FILTERED_USER] = "filtered_user",
		[EBR_DROP_TRUNCATED] = "truncated",
		[EBR_DROP_WRITER_BACKLOG] = "writer_backlog",
		[EBR_DROP_CORRUPT] = "corrupt",
	};
	return reason < EBR_DROP_NR && names[reason] ? names[reason] : "other";
}

const char *ebr_sql__quote(const char *name, char *buf, size_t len)
{
	size_t o = 0;

	if (len < 3) {
		if (len)
			buf[0] = 0;
		return buf;
	}
	buf[o++] = '"';
	for (const char *p = name; *p && o + 3 < len; p++) {
		if (*p == '"')
			buf[o++] = '"';
		buf[o++] = *p;
	}
	buf[o++] = '"';
	buf[o] = 0;
	return buf;
}

int ebr_sql_col__is_common(const struct ebr_sql_col *c)
{
	return c->src < EBR_SRC_FIELD;
}

/* ------------------------------------------------------------ buffers */

int ebr_sql_buf__reserve(struct ebr_sql_buf *b, size_t more)
{
	if (b->len + more <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;

	while (cap < b->len + more)
		cap *= 2;
	char *n = realloc(b->p, cap);

	if (!n)
		return -ENOMEM;
	b->p = n;
	b->cap = cap;
	return 0;
}

void ebr_sql_buf__put(struct ebr_sql_buf *b, const void *s, size_t n)
{
	if (ebr_sql_buf__reserve(b, n))
		return; /* the value comes out short; the only cause is ENOMEM */
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

void ebr_sql_buf__free(struct ebr_sql_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

static size_t utf8_len(const unsigned char *s, size_t left)
{
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0 && s[0] >= 0xc2)
		n = 2;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3;
	else if ((s[0] & 0xf8) == 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void ebr_sql_buf__json_str(struct ebr_sql_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	char esc[8];

	ebr_sql_buf__put(b, "\"", 1);
	for (size_t i = 0; i < n;) {
		size_t run = i, k;

		/* copy plain runs at once: the common case */
		while (run < n && p[run] >= 0x20 && p[run] < 0x7f && p[run] != '"' && p[run] != '\\')
			run++;
		if (run > i) {
			ebr_sql_buf__put(b, p + i, run - i);
			i = run;
			continue;
		}
		if (p[i] == '"' || p[i] == '\\') {
			esc[0] = '\\';
			esc[1] = (char)p[i];
			ebr_sql_buf__put(b, esc, 2);
			i++;
		} else if (p[i] == '\n') {
			ebr_sql_buf__put(b, "\\n", 2);
			i++;
		} else if (p[i] == '\t') {
			ebr_sql_buf__put(b, "\\t", 2);
			i++;
		} else if (p[i] >= 0x80 && (k = utf8_len(p + i, n - i)) != 0) {
			ebr_sql_buf__put(b, p + i, k);
			i += k;
		} else {
			snprintf(esc, sizeof(esc), "\\u%04x", p[i]);
			ebr_sql_buf__put(b, esc, 6);
			i++;
		}
	}
	ebr_sql_buf__put(b, "\"", 1);
}

/* ------------------------------------------------------------ columns */

static int kind_decl(unsigned kind)
{
	switch (kind) {
	case EBR_FK_CHARS:
	case EBR_FK_VSTR:
	case EBR_FK_VSTRLIST:
	case EBR_FK_IPADDR:
		return SQLITE_TEXT;
	case EBR_FK_VBYTES:
		return SQLITE_BLOB;
	default:
		return SQLITE_INTEGER;
	}
}

static const char *hint_doc(unsigned hint)
{
	switch (hint) {
	case EBR_FH_HEX: return "bits or an address; printf('0x%x', col) shows hex";
	case EBR_FH_TS: return "CLOCK_BOOTTIME ns";
	case EBR_FH_DURATION: return "duration in ns";
	case EBR_FH_ERRNO: return "0 or more on success, -errno on failure";
	case EBR_FH_SYSCALL: return "syscall number of the capture's arch";
	case EBR_FH_SIGNAL: return "signal number, 0 for none";
	case EBR_FH_TYPE: return "event type id";
	case EBR_FH_FAMILY: return "address family (AF_*)";
	case EBR_FH_TCP_STATE: return "TCP state number";
	case EBR_FH_OPEN_FLAGS: return "open(2) flags";
	case EBR_FH_FD: return "file descriptor";
	case EBR_FH_BYTES: return "bytes";
	case EBR_FH_BOOL: return "0 or 1";
	case EBR_FH_PORT: return "port number";
	case EBR_FH_GFP: return "GFP flags";
	case EBR_FH_PROT: return "PROT_* flags";
	case EBR_FH_MAP_FLAGS: return "MAP_* flags";
	case EBR_FH_CLONE_FLAGS: return "CLONE_* flags, exit signal in the low byte";
	case EBR_FH_DIRECTION: return "direction";
	case EBR_FH_ERRNO_POS: return "errno, 0 for none";
	case EBR_FH_DROP_REASON: return "drop reason";
	case EBR_FH_OCTAL: return "mode bits; printf('%o', col) shows octal";
	case EBR_FH_FILE_OP: return "file operation";
	case EBR_FH_FTYPE: return "file type";
	case EBR_FH_PROTO: return "IP protocol number";
	case EBR_FH_HEX_ERRNO: return "an address, or -errno on failure";
	default: return NULL;
	}
}

static const char *kind_doc(unsigned kind)
{
	switch (kind) {
	case EBR_FK_CHARS:
	case EBR_FK_VSTR: return "text";
	case EBR_FK_VSTRLIST: return "JSON array of strings";
	case EBR_FK_IPADDR: return "IP address as text (IPv4 dotted, IPv6 RFC 5952)";
	case EBR_FK_VBYTES: return "raw bytes";
	case EBR_FK_U64: return "integer (u64: above 2^63 it reads negative)";
	default: return "integer";
	}
}

/* SQLite's identifiers ignore ASCII case: "PID" is the column pid. */
static int is_common_name(const char *name)
{
	for (size_t i = 0; i < N_LEAD; i++)
		if (!strcasecmp(lead_cols[i].name, name))
			return 1;
	for (size_t i = 0; i < N_TRAIL; i++)
		if (!strcasecmp(trail_cols[i].name, name))
			return 1;
	return 0;
}

/* A field that holds an errno: negative on failure, or positive. */
static int is_errno_hint(unsigned hint)
{
	if (hint == EBR_FH_HEX_ERRNO)
		return 1;
	return hint == EBR_FH_ERRNO || hint == EBR_FH_ERRNO_POS;
}

/* A field whose value has a name (derived column <field>_name). */
static int is_enum_hint(unsigned hint)
{
	switch (hint) {
	case EBR_FH_SYSCALL:
	case EBR_FH_TCP_STATE:
	case EBR_FH_FAMILY:
	case EBR_FH_PROTO:
	case EBR_FH_DIRECTION:
	case EBR_FH_FILE_OP:
	case EBR_FH_FTYPE:
		return 1;
	}
	return 0;
}

/* A flags field whose bits have names (derived column <field>_names). */
static int is_flags_hint(unsigned hint)
{
	return hint == EBR_FH_OPEN_FLAGS || hint == EBR_FH_PROT || hint == EBR_FH_MAP_FLAGS;
}

/* The type's own columns, in order, as (name, src, decl, field, doc). */
typedef int (*own_col_fn)(void *ctx, const char *name, enum ebr_sql_src src, int decl,
			  const struct ebr_field *f, const char *doc);

/* docs: whether fn wants the doc texts (mapping fields to columns does not: a schema may have millions) */
static int type_own_cols(const struct ebr_type *t, own_col_fn fn, void *ctx, int docs)
{
	/* looked up once: per field it would cost the square of a type's (up to 4096) fields */
	int has_errno = ebr_type__field(t, "errno") != NULL, has_syscall = ebr_type__field(t, "syscall") != NULL;
	int have_errno = 0, err;
	char name[80], doc[200] = "";

	for (uint32_t i = 0; i < t->n_fields; i++) {
		const struct ebr_field *f = &t->fields[i];
		const char *hd;

		if (f->offset < sizeof(struct ebr_event_header) || f->hint == EBR_FH_HIDDEN ||
		    f->kind < EBR_FK_U8 || f->kind > EBR_FK_VBYTES)
			continue;
		if (is_common_name(f->name))
			snprintf(name, sizeof(name), "field_%s", f->name);
		else
			snprintf(name, sizeof(name), "%s", f->name);
		hd = hint_doc(f->hint);
		if (docs)
			snprintf(doc, sizeof(doc), "%s.%s: %s%s%s", t->name, f->name, kind_doc(f->kind),
				 hd ? "; " : "", hd ? hd : "");
		err = fn(ctx, name, EBR_SRC_FIELD, kind_decl(f->kind), f, doc);
		if (err)
			return err;
		if (is_errno_hint(f->hint)) {
			if (!have_errno && !has_errno)
				snprintf(name, sizeof(name), "errno");
			else
				snprintf(name, sizeof(name), "%s_errno", f->name);
			have_errno = 1;
			if (docs)
				snprintf(doc, sizeof(doc), "name of the errno in %s (ENOENT, ...), NULL when none",
					 f->name);
			err = fn(ctx, name, EBR_SRC_ERRNO_NAME, SQLITE_TEXT, f, doc);
		} else if (f->hint == EBR_FH_SIGNAL) {
			snprintf(name, sizeof(name), "%s_name", f->name);
			if (docs)
				snprintf(doc, sizeof(doc), "name of the signal in %s (SIGKILL, ...), NULL when 0",
					 f->name);
			err = fn(ctx, name, EBR_SRC_SIGNAL_NAME, SQLITE_TEXT, f, doc);
		} else if (is_enum_hint(f->hint)) {
			/* the syscall's name is `syscall`, as in replay --output json */
			if (f->hint == EBR_FH_SYSCALL && !has_syscall)
				snprintf(name, sizeof(name), "syscall");
			else
				snprintf(name, sizeof(name), "%s_name", f->name);
			if (docs)
				snprintf(doc, sizeof(doc), "name of the value in %s (%s), NULL when unknown", f->name,
					 hd ? hd : "enumerated");
			err = fn(ctx, name, EBR_SRC_ENUM_NAME, SQLITE_TEXT, f, doc);
		} else if (is_flags_hint(f->hint)) {
			snprintf(name, sizeof(name), "%s_names", f->name);
			if (docs)
				snprintf(doc, sizeof(doc), "the bits of %s by name (O_WRONLY|O_CREAT, READ|WRITE, ...)",
					 f->name);
			err = fn(ctx, name, EBR_SRC_FLAG_NAMES, SQLITE_TEXT, f, doc);
		}
		if (err)
			return err;
	}
	return 0;
}

/*
 * Bounds on the column model. A capture's schema may declare 1024 types of
 * 4096 fields each, which compressed fits in a few KiB: unbounded, one such
 * file would have every query build millions of columns, and SQLite refuses
 * a table of more than 2000 columns, which would make the whole capture
 * unreadable. Past these bounds a table keeps the columns it has (its
 * events are all there; some fields are not columns) and a warning says so.
 */
#define MAX_OWN_COLS 1000 /* a table's own columns: with the common ones, under SQLite's 2000 */
#define MAX_ALL_OWN_COLS 20000 /* all tables' own columns together... */
#define MIN_OWN_COLS 64 /* ...but every table may have this many: a builtin type has fewer */

/*
 * The columns of the table being built, by name (ASCII case ignored, as
 * SQLite does): a family table merges the fields of all its types, and
 * looking each up in a list would cost the square of a large schema.
 */
struct col_names {
	struct ebr_sql_table *t;
	int *slot; /* column index + 1; 0: empty */
	size_t mask;
	size_t own_limit, n_own; /* own columns allowed, and added */
	int full; /* a column was left out */
};

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		h = (h ^ (c >= 'A' && c <= 'Z' ? c + 32 : c)) * 16777619u;
	}
	return h;
}

static int col_index(const struct col_names *h, const char *name)
{
	for (size_t i = name_hash(name) & h->mask; h->slot[i]; i = (i + 1) & h->mask)
		if (!strcasecmp(h->t->cols[h->slot[i] - 1].name, name))
			return h->slot[i] - 1;
	return -1;
}

static int add_col(struct col_names *h, const char *name, enum ebr_sql_src src, int decl,
		   const char *field, const char *doc)
{
	struct ebr_sql_table *t = h->t;
	struct ebr_sql_col *n = realloc(t->cols, (t->n_cols + 1) * sizeof(*t->cols));
	size_t i;

	if (!n)
		return -ENOMEM;
	t->cols = n;
	n = &t->cols[t->n_cols];
	memset(n, 0, sizeof(*n));
	n->name = strdup(name);
	n->src = src;
	n->decl = decl;
	n->field = field ? strdup(field) : NULL;
	n->doc = strdup(doc ? doc : "");
	t->n_cols++;
	if (!n->name || !n->doc || (field && !n->field))
		return -ENOMEM;
	/* the table never outgrows the slots: at most half of them are used */
	for (i = name_hash(name) & h->mask; h->slot[i]; i = (i + 1) & h->mask)
		;
	h->slot[i] = (int)t->n_cols;
	return 0;
}

static int add_own_col(void *ctx, const char *name, enum ebr_sql_src src, int decl,
		       const struct ebr_field *f, const char *doc)
{
	struct col_names *h = ctx;

	if (col_index(h, name) >= 0)
		return 0; /* the same column from another type of the family */
	if (h->n_own >= h->own_limit) {
		h->full = 1;
		return 0;
	}
	h->n_own++;
	return add_col(h, name, src, decl, f->name, doc);
}

/* Does this table take records of type ty? */
static int table_covers(const struct ebr_sql_table *t, const struct ebr_type *ty)
{
	switch (t->kind) {
	case EBR_TBL_EVENTS:
		return 1;
	case EBR_TBL_TYPE:
		return !strcmp(ty->name, t->type_name);
	case EBR_TBL_FAMILY:
		if (t->family < 0)
			return !strcmp(ty->name, t->type_name);
		return ty->family == t->family;
	}
	return 0;
}

/* Every schema in play: the captures', then this build's. */
static size_t n_schemas(const struct ebr_sql *q)
{
	return q->n_caps + 1;
}

static const struct ebr_schema *schema_at(const struct ebr_sql *q, size_t i)
{
	return i < q->n_caps ? q->caps[i].schema : ebr_schema__builtin();
}

static int build_columns(struct ebr_sql *q, struct ebr_sql_table *t, struct col_names *h)
{
	int err;

	for (size_t i = 0; i < N_LEAD; i++) {
		err = add_col(h, lead_cols[i].name, lead_cols[i].src, lead_cols[i].decl, NULL,
			      lead_cols[i].doc);
		if (err)
			return err;
	}
	t->n_common_lead = N_LEAD;
	if (t->kind != EBR_TBL_EVENTS) {
		/* own columns in type id order, from whichever schema knows the type */
		for (unsigned id = 0; id <= EBR_T_MAX; id++)
			for (size_t s = 0; s < n_schemas(q); s++) {
				const struct ebr_type *ty = ebr_schema__type(schema_at(q, s), id);

				if (!ty || ty->family == EBR_FAM_META || !table_covers(t, ty))
					continue;
				err = type_own_cols(ty, add_own_col, h, 1);
				if (err)
					return err;
			}
	}
	for (size_t i = 0; i < N_TRAIL; i++) {
		err = add_col(h, trail_cols[i].name, trail_cols[i].src, trail_cols[i].decl, NULL,
			      trail_cols[i].doc);
		if (err)
			return err;
	}
	return 0;
}

struct map_ctx {
	const struct col_names *h;
	const struct ebr_field **fields;
};

static int map_own_col(void *ctx, const char *name, enum ebr_sql_src src, int decl,
		       const struct ebr_field *f, const char *doc)
{
	struct map_ctx *m = ctx;
	int i = col_index(m->h, name);

	(void)src;
	(void)decl;
	(void)doc;
	/* two fields whose names differ only in case share a column: it shows the one it was made from */
	if (i >= 0 && !m->fields[i])
		m->fields[i] = f;
	return 0;
}

static int build_maps(struct ebr_sql *q, struct ebr_sql_table *t, const struct col_names *h)
{
	t->caps = calloc(q->n_caps, sizeof(*t->caps));
	if (!t->caps)
		return -ENOMEM;
	for (size_t c = 0; c < q->n_caps; c++) {
		struct ebr_sql_tcap *tc = &t->caps[c];
		const struct ebr_schema *s = q->caps[c].schema;
		struct ebr_reader *r = q->caps[c].r;
		uint64_t folded[2] = { 0, 0 };

		if (t->kind == EBR_TBL_EVENTS) {
			memset(tc->types, 0xff, sizeof(tc->types));
			folded[0] = folded[1] = ~0ULL;
		}
		for (size_t i = 0; t->kind != EBR_TBL_EVENTS && i < ebr_schema__type_count(s); i++) {
			const struct ebr_type *ty = ebr_schema__type_at(s, i);
			struct map_ctx m = { .h = h };

			if (ty->family == EBR_FAM_META || !table_covers(t, ty) ||
			    ebr_schema__type(s, ty->id) != ty)
				continue;
			tc->types[ty->id / 64] |= 1ULL << (ty->id % 64);
			ebr_type_bitmap__set(folded, ty->id);
			m.fields = calloc(t->n_cols, sizeof(*m.fields));
			if (!m.fields)
				return -ENOMEM;
			tc->fields[ty->id] = m.fields;
			type_own_cols(ty, map_own_col, &m, 0);
		}
		for (size_t i = 0; i < ebr_reader__segment_count(r); i++) {
			const struct ebr_segment_info *si = ebr_reader__segment(r, i);

			if ((si->type_bitmap[0] & folded[0]) || (si->type_bitmap[1] & folded[1]))
				tc->est_rows += si->n_records;
		}
	}
	return 0;
}

static int valid_ident(const char *s)
{
	if (!*s || (*s >= '0' && *s <= '9'))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_'))
			return 0;
	return 1;
}

/* Table names ignore ASCII case in SQL: a type named "Events" must not take a table named events. */
static int name_taken(const struct ebr_sql *q, const char *name)
{
	if (ebr_sql__is_reserved_name(name) || !strncasecmp(name, "sqlite_", 7))
		return 1;
	for (size_t i = 0; i < N_FAMILY_TABLES; i++)
		if (!strcasecmp(family_tables[i].name, name))
			return 1;
	for (size_t i = 0; i < q->n_tables; i++)
		if (!strcasecmp(q->tables[i].name, name))
			return 1;
	return 0;
}

static struct ebr_sql_table *new_table(struct ebr_sql *q)
{
	struct ebr_sql_table *n = realloc(q->tables, (q->n_tables + 1) * sizeof(*q->tables));

	if (!n)
		return NULL;
	q->tables = n;
	n = &q->tables[q->n_tables++];
	memset(n, 0, sizeof(*n));
	return n;
}

/* cut: incremented when the table does not get all of its columns */
static int finish_table(struct ebr_sql *q, struct ebr_sql_table *t, size_t *cut)
{
	struct col_names h = { .t = t, .own_limit = MAX_OWN_COLS };
	size_t slots = 1, all_own = 0;
	int err;

	for (size_t i = 0; i + 1 < q->n_tables; i++)
		all_own += q->tables[i].n_cols - N_LEAD - N_TRAIL;
	if (all_own + h.own_limit > MAX_ALL_OWN_COLS)
		h.own_limit = all_own + MIN_OWN_COLS < MAX_ALL_OWN_COLS ? MAX_ALL_OWN_COLS - all_own : MIN_OWN_COLS;
	while (slots < 2 * (N_LEAD + N_TRAIL + h.own_limit + 1))
		slots *= 2;
	h.slot = calloc(slots, sizeof(*h.slot));
	if (!h.slot)
		return -ENOMEM;
	h.mask = slots - 1;
	err = build_columns(q, t, &h);
	if (!err)
		err = build_maps(q, t, &h);
	free(h.slot);
	*cut += h.full;
	return err;
}

/* Type names in play, each once, with the id the first schema gives it. */
static int add_type_tables(struct ebr_sql *q, size_t *cut)
{
	char name[96], doc[160];

	for (unsigned id = 0; id <= EBR_T_MAX; id++)
		for (size_t s = 0; s < n_schemas(q); s++) {
			const struct ebr_type *ty = ebr_schema__type(schema_at(q, s), id);
			struct ebr_sql_table *t;
			int seen = 0, err;

			if (!ty || ty->family == EBR_FAM_META)
				continue;
			for (size_t i = 0; i < q->n_tables && !seen; i++)
				seen = q->tables[i].kind == EBR_TBL_TYPE &&
				       !strcmp(q->tables[i].type_name, ty->name);
			if (seen)
				continue;
			snprintf(name, sizeof(name), "%s", ty->name);
			if (!valid_ident(name) || name_taken(q, name))
				snprintf(name, sizeof(name), "type_%u", ty->id);
			for (unsigned k = 2; name_taken(q, name); k++)
				snprintf(name, sizeof(name), "type_%u_%u", ty->id, k);
			snprintf(doc, sizeof(doc), "events of type %s (family %s)", ty->name,
				 ty->family_name);
			t = new_table(q);
			if (!t)
				return -ENOMEM;
			t->kind = EBR_TBL_TYPE;
			t->name = strdup(name);
			t->type_name = strdup(ty->name);
			t->doc = strdup(doc);
			if (!t->name || !t->type_name || !t->doc)
				return -ENOMEM;
			err = finish_table(q, t, cut);
			if (err)
				return err;
		}
	return 0;
}

int ebr_sql__build_tables(struct ebr_sql *q)
{
	struct ebr_sql_table *t = new_table(q);
	size_t cut = 0;
	int err;

	if (!t)
		return -ENOMEM;
	t->kind = EBR_TBL_EVENTS;
	t->name = strdup("events");
	t->doc = strdup("every event of every type: the common columns");
	if (!t->name || !t->doc)
		return -ENOMEM;
	err = finish_table(q, t, &cut);
	for (size_t i = 0; !err && i < N_FAMILY_TABLES; i++) {
		const struct family_table *ft = &family_tables[i];

		t = new_table(q);
		if (!t)
			return -ENOMEM;
		t->kind = EBR_TBL_FAMILY;
		t->family = ft->family;
		t->name = strdup(ft->name);
		t->doc = strdup(ft->doc);
		t->type_name = ft->type_name ? strdup(ft->type_name) : NULL;
		if (!t->name || !t->doc || (ft->type_name && !t->type_name))
			return -ENOMEM;
		err = finish_table(q, t, &cut);
	}
	if (!err)
		err = add_type_tables(q, &cut);
	if (!err && cut)
		pr_warn("the captures' schemas give %zu SQL tables more columns than kept (%d per table, %d in all); "
			"those fields are not columns", cut, MAX_OWN_COLS, MAX_ALL_OWN_COLS);
	return err;
}

void ebr_sql__free_tables(struct ebr_sql *q)
{
	for (size_t i = 0; i < q->n_tables; i++) {
		struct ebr_sql_table *t = &q->tables[i];

		for (size_t c = 0; c < t->n_cols; c++) {
			free(t->cols[c].name);
			free(t->cols[c].field);
			free(t->cols[c].doc);
		}
		free(t->cols);
		for (size_t c = 0; t->caps && c < q->n_caps; c++)
			for (unsigned id = 0; id <= EBR_T_MAX; id++)
				free(t->caps[c].fields[id]);
		free(t->caps);
		free(t->name);
		free(t->type_name);
		free(t->doc);
	}
	free(q->tables);
	q->tables = NULL;
	q->n_tables = 0;
}

const struct ebr_sql_table *ebr_sql__table(const struct ebr_sql *q, const char *name)
{
	for (size_t i = 0; i < q->n_tables; i++)
		if (!strcmp(q->tables[i].name, name))
			return &q->tables[i];
	return NULL;
}

static const char *decl_name(int decl)
{
	return decl == SQLITE_TEXT ? "TEXT" : decl == SQLITE_BLOB ? "BLOB" : "INTEGER";
}

char *ebr_sql_table__ddl(const struct ebr_sql_table *t, const char *schema, const char *name,
			 int only_own)
{
	sqlite3_str *s = sqlite3_str_new(NULL);
	char q[160];
	int first = 1;

	sqlite3_str_appendf(s, "CREATE TABLE %s%s(", schema, ebr_sql__quote(name, q, sizeof(q)));
	if (only_own) {
		sqlite3_str_appendall(s, "id INTEGER PRIMARY KEY");
		first = 0;
	}
	for (size_t i = 0; i < t->n_cols; i++) {
		if (only_own && ebr_sql_col__is_common(&t->cols[i]))
			continue;
		sqlite3_str_appendf(s, "%s%s %s", first ? "" : ", ",
				    ebr_sql__quote(t->cols[i].name, q, sizeof(q)), decl_name(t->cols[i].decl));
		first = 0;
	}
	sqlite3_str_appendall(s, ")");
	return sqlite3_str_finish(s);
}

/* ------------------------------------------------------------ values */

static void set_text(struct ebr_sql_val *v, const char *p, size_t n)
{
	v->type = SQLITE_TEXT;
	v->p = p;
	v->n = n;
}

static void set_int(struct ebr_sql_val *v, int64_t i)
{
	v->type = SQLITE_INTEGER;
	v->i = i;
}

static void strlist_json(const char *s, size_t len, struct ebr_sql_buf *buf)
{
	size_t i = 0;

	ebr_sql_buf__put(buf, "[", 1);
	while (i < len) {
		size_t n = strnlen(s + i, len - i);

		if (i)
			ebr_sql_buf__put(buf, ",", 1);
		ebr_sql_buf__json_str(buf, s + i, n);
		i += n + 1;
	}
	ebr_sql_buf__put(buf, "]", 1);
}

static void field_value(const struct ebr_field *f, const struct ebr_event_header *rec,
			struct ebr_sql_val *v, struct ebr_sql_buf *buf)
{
	const char *s;
	size_t n;

	switch (f->kind) {
	case EBR_FK_CHARS:
	case EBR_FK_VSTR:
		s = ebr_field__str(f, rec, &n);
		set_text(v, s, n);
		return;
	case EBR_FK_VSTRLIST:
		s = ebr_field__str(f, rec, &n);
		strlist_json(s, n, buf);
		set_text(v, buf->p, buf->len);
		return;
	case EBR_FK_VBYTES:
		s = ebr_field__str(f, rec, &n);
		v->type = SQLITE_BLOB;
		v->p = s;
		v->n = n;
		return;
	case EBR_FK_IPADDR:
		if (ebr_sql_buf__reserve(buf, 64)) {
			v->type = SQLITE_NULL;
			return;
		}
		ebr_format_ip((const uint8_t *)rec + f->offset, buf->p, 64);
		set_text(v, buf->p, strlen(buf->p));
		return;
	default:
		break;
	}
	if (f->hint == EBR_FH_BOOL)
		set_int(v, ebr_field__u64(f, rec) != 0);
	else if (ebr_field__is_signed(f))
		set_int(v, ebr_field__s64(f, rec));
	else
		set_int(v, (int64_t)ebr_field__u64(f, rec));
}

/* The decoder's names for enumerated and flag fields (format/names.h). */
static void name_value(const struct ebr_sql_capture *cap, enum ebr_sql_src src, const struct ebr_field *f,
		       const struct ebr_event_header *rec, struct ebr_sql_val *v, struct ebr_sql_buf *buf)
{
	unsigned x = (unsigned)ebr_field__u64(f, rec);
	const char *name = NULL;

	if (src == EBR_SRC_FLAG_NAMES) {
		if (ebr_sql_buf__reserve(buf, 256))
			return;
		if (f->hint == EBR_FH_OPEN_FLAGS)
			name = ebr_open_flags_str(cap->info->machine, x, buf->p, 256);
		else if (f->hint == EBR_FH_PROT)
			name = ebr_prot_str(x, buf->p, 256);
		else
			name = ebr_map_flags_str(x, buf->p, 256);
		if (name)
			set_text(v, name, strlen(name));
		return;
	}
	switch (f->hint) {
	case EBR_FH_SYSCALL:
		name = ebr_syscall_name(cap->info->machine, x);
		break;
	case EBR_FH_TCP_STATE:
		name = x ? ebr_tcp_state_name(x) : NULL;
		break;
	case EBR_FH_FAMILY:
		name = ebr_af_name(x);
		break;
	case EBR_FH_PROTO:
		name = ebr_proto_name(x);
		break;
	case EBR_FH_DIRECTION:
		name = ebr_direction_name(x);
		break;
	case EBR_FH_FILE_OP:
		name = ebr_file_op_name(x);
		break;
	case EBR_FH_FTYPE:
		name = ebr_ftype_name(x);
		break;
	}
	if (name) {
		set_text(v, name, strlen(name));
		v->stable = 1; /* the name tables are static */
	}
}

void ebr_sql__value(const struct ebr_sql_capture *cap, const struct ebr_sql_col *col,
		    const struct ebr_field *f, const struct ebr_event_header *rec,
		    struct ebr_sql_val *v, struct ebr_sql_buf *buf)
{
	const struct ebr_type *t;
	int64_t x;

	buf->len = 0;
	v->type = SQLITE_NULL;
	v->stable = 0;
	switch (col->src) {
	case EBR_SRC_TS:
		set_int(v, (int64_t)rec->ts);
		return;
	case EBR_SRC_TIME: {
		uint64_t b2w = (uint64_t)cap->info->boot_to_wall_ns, wall = rec->ts + b2w;

		/*
		 * NULL when ts + offset leaves u64 nanoseconds (a damaged ts): a
		 * wrapped time would sort among real ones, out of ts order, and the
		 * time windows (sql_vtab.c) could not find it.
		 */
		if ((cap->info->boot_to_wall_ns >= 0 ? wall < rec->ts : wall > rec->ts) ||
		    ebr_sql_buf__reserve(buf, 48))
			return;
		ebr_format_wall_time(wall, buf->p, 48);
		set_text(v, buf->p, strlen(buf->p));
		return;
	}
	case EBR_SRC_TYPE:
		t = ebr_schema__type(cap->schema, rec->type);
		if (t) {
			set_text(v, t->name, strlen(t->name));
			v->stable = 1;
		} else if (!ebr_sql_buf__reserve(buf, 32)) {
			snprintf(buf->p, 32, "type_%u", rec->type);
			set_text(v, buf->p, strlen(buf->p));
		}
		return;
	case EBR_SRC_FAMILY:
		t = ebr_schema__type(cap->schema, rec->type);
		if (t) {
			set_text(v, t->family_name, strlen(t->family_name));
			v->stable = 1;
		}
		return;
	case EBR_SRC_PID:
		set_int(v, rec->pid);
		return;
	case EBR_SRC_TID:
		set_int(v, rec->tid);
		return;
	case EBR_SRC_PPID:
		set_int(v, rec->ppid);
		return;
	case EBR_SRC_UID:
		set_int(v, rec->uid);
		return;
	case EBR_SRC_GID:
		set_int(v, rec->gid);
		return;
	case EBR_SRC_COMM:
		set_text(v, rec->comm, strnlen(rec->comm, EBR_COMM_LEN));
		return;
	case EBR_SRC_CPU:
		set_int(v, rec->cpu);
		return;
	case EBR_SRC_CGROUP:
		set_int(v, (int64_t)rec->cgroup_id);
		return;
	case EBR_SRC_CONTAINER: {
		struct ebr_cgroup_view cg;

		/* the capture's cgroup table; its strings live as long as the reader */
		if (ebr_reader__cgroup(cap->r, rec->cgroup_id, &cg) == 0 && cg.container_id[0]) {
			set_text(v, cg.container_id, strlen(cg.container_id));
			v->stable = 1;
		}
		return;
	}
	case EBR_SRC_SEVERITY: {
		const char *s = ebr_sql_sev__of(cap->sev, rec);

		if (s) {
			set_text(v, s, strlen(s));
			v->stable = 1;
		}
		return;
	}
	case EBR_SRC_PIDNS:
		set_int(v, rec->pidns);
		return;
	case EBR_SRC_MNTNS:
		set_int(v, rec->mntns);
		return;
	case EBR_SRC_TRUNCATED:
		set_int(v, (rec->flags & EBR_HDR_TRUNCATED) != 0);
		return;
	case EBR_SRC_CAPTURE:
		set_int(v, cap->id);
		return;
	case EBR_SRC_HOST:
		set_text(v, cap->info->host, cap->host_len);
		v->stable = 1;
		return;
	case EBR_SRC_FIELD:
		if (f)
			field_value(f, rec, v, buf);
		return;
	case EBR_SRC_ERRNO_NAME: {
		const char *name;

		if (!f)
			return;
		x = ebr_field__s64(f, rec);
		if (f->hint != EBR_FH_ERRNO_POS)
			x = (int64_t)(0 - (uint64_t)x); /* -errno on failure; INT64_MIN stays itself, no name */
		name = x > 0 && x < 4096 ? ebr_errno_name((unsigned)x) : NULL;
		if (name)
			set_text(v, name, strlen(name));
		return;
	}
	case EBR_SRC_SIGNAL_NAME:
		if (!f)
			return;
		x = ebr_field__s64(f, rec);
		if (x > 0 && x < 4096 && !ebr_sql_buf__reserve(buf, 32)) {
			const char *name = ebr_signal_name((unsigned)x, buf->p, 32);

			set_text(v, name, strlen(name));
		}
		return;
	case EBR_SRC_ENUM_NAME:
	case EBR_SRC_FLAG_NAMES:
		if (f)
			name_value(cap, col->src, f, rec, v, buf);
		return;
	}
}

int ebr_sql__table_includes(const struct ebr_sql *q, const struct ebr_sql_table *t,
			    const struct ebr_sql_table *type_table)
{
	if (type_table->kind != EBR_TBL_TYPE)
		return 0;
	for (size_t s = 0; s < n_schemas(q); s++) {
		const struct ebr_type *ty = ebr_schema__type_by_name(schema_at(q, s), type_table->type_name);

		if (ty && ty->family != EBR_FAM_META && table_covers(t, ty))
			return 1;
	}
	return 0;
}

int ebr_sql_table__family(const struct ebr_sql *q, const struct ebr_sql_table *t)
{
	if (t->kind == EBR_TBL_FAMILY && t->family >= 0)
		return t->family;
	if (!t->type_name)
		return -1;
	for (size_t s = 0; s < n_schemas(q); s++) {
		const struct ebr_type *ty = ebr_schema__type_by_name(schema_at(q, s), t->type_name);

		if (ty)
			return ty->family;
	}
	return -1;
}
