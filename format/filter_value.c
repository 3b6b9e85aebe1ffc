// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Literals, read for the kind of field they are compared with: the same
 * word is a type name for `type`, an errno for `ret`, nanoseconds for a
 * duration and bytes for a size. Everything is converted here, once, so the
 * evaluator compares raw numbers and bytes.
 */
#define _GNU_SOURCE /* memmem */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "events.h"
#include "filter_internal.h"
#include "names.h"
#include "schema_internal.h"

void flt_set_error(struct ebr_filter_error *err, unsigned col, const char *fmt, ...)
{
	va_list ap;

	if (!err || err->message[0]) /* the first error is the one to report */
		return;
	err->column = col;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------- numbers */

struct unit {
	const char *name;
	uint64_t mult;
};

static const struct unit time_units[] = {
	{ "", 1 },		 { "ns", 1 },	      { "us", 1000 }, { "ms", 1000000 },
	{ "s", 1000000000ULL }, { "m", 60000000000ULL }, { "min", 60000000000ULL },
	{ "h", 3600000000000ULL }, { NULL, 0 },
};

static const struct unit no_units[] = { { "", 1 }, { NULL, 0 } };

/* k, K, kB, KiB, kib ...: binary multiples, as sizes are everywhere else in ebpfrec */
static uint64_t size_unit(const char *u)
{
	static const char letters[] = "kmgt";
	const char *l;
	uint64_t mult = 1;

	if (!*u)
		return 1;
	if ((u[0] == 'B' || u[0] == 'b') && !u[1])
		return 1;
	l = strchr(letters, tolower((unsigned char)u[0]));
	if (!l || !*l)
		return 0;
	for (const char *p = letters; p <= l; p++)
		mult <<= 10;
	u++;
	if (*u == 'i' || *u == 'I')
		u++;
	if (*u == 'B' || *u == 'b')
		u++;
	return *u ? 0 : mult;
}

enum num_status { NUM_OK, NUM_SYNTAX, NUM_RANGE };

/*
 * [+-] digits [.digits] unit, or [+-] 0x hexdigits. A fraction needs a unit
 * that makes it whole (1.5ms); it is truncated to the unit's resolution.
 */
static int parse_number(const char *s, const struct unit *units, int sizes, struct flt_num *out)
{
	uint64_t mag = 0, mult = 0, frac = 0, frac_div = 1;
	int neg = 0, digits = 0;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		for (; isxdigit((unsigned char)*s); s++, digits++) {
			unsigned d = isdigit((unsigned char)*s) ? (unsigned)(*s - '0')
								: (unsigned)(tolower((unsigned char)*s) - 'a' + 10);

			if (mag >> 60)
				return NUM_RANGE;
			mag = mag << 4 | d;
		}
		if (!digits || *s)
			return NUM_SYNTAX;
		mult = 1;
	} else {
		for (; isdigit((unsigned char)*s); s++, digits++)
			if (__builtin_mul_overflow(mag, 10, &mag) ||
			    __builtin_add_overflow(mag, (uint64_t)(*s - '0'), &mag))
				return NUM_RANGE;
		if (!digits)
			return NUM_SYNTAX;
		if (*s == '.') {
			int fd = 0;

			for (s++; isdigit((unsigned char)*s); s++, fd++)
				if (fd < 18) {
					frac = frac * 10 + (uint64_t)(*s - '0');
					frac_div *= 10;
				}
			if (!fd)
				return NUM_SYNTAX;
		}
		if (sizes) {
			mult = size_unit(s);
		} else {
			for (const struct unit *u = units; u->name; u++)
				if (!strcmp(u->name, s))
					mult = u->mult;
		}
		if (!mult || (frac_div > 1 && mult == 1))
			return NUM_SYNTAX;
		if (__builtin_mul_overflow(mag, mult, &mag))
			return NUM_RANGE;
		if (frac) {
			uint64_t add;

#ifdef __SIZEOF_INT128__
			add = (uint64_t)((unsigned __int128)frac * mult / frac_div);
#else
			add = (uint64_t)((long double)frac * mult / frac_div);
#endif
			if (__builtin_add_overflow(mag, add, &mag))
				return NUM_RANGE;
		}
	}
	out->neg = neg && mag;
	out->u = mag;
	if (out->neg) {
		if (mag > (uint64_t)INT64_MAX + 1)
			return NUM_RANGE;
		out->s = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
	} else {
		out->s = (int64_t)(mag > INT64_MAX ? INT64_MAX : mag);
	}
	return NUM_OK;
}

static void set_small(struct flt_num *n, int64_t v)
{
	n->neg = v < 0;
	n->s = v;
	n->u = v < 0 ? 0 : (uint64_t)v;
}

static int starts_name(const char *s)
{
	if (*s == '-')
		s++;
	return isalpha((unsigned char)*s) || *s == '_';
}

/* Edit distance, capped: enough to tell a typo from a different name. */
static unsigned distance(const char *a, const char *b)
{
	unsigned prev[33], cur[33];
	size_t la = strlen(a), lb = strlen(b);

	if (la > 32 || lb > 32)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned sub = prev[j - 1] + (tolower((unsigned char)a[i - 1]) != b[j - 1]);
			unsigned del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, sizeof(cur));
	}
	return prev[lb];
}

/*
 * A capture has too many types to list in one message: name the closest
 * (a typo, most likely), or say where the list is.
 */
static void unknown_type_hint(const struct ebr_schema *s, const char *name, char *buf, size_t len)
{
	const char *best = NULL;
	unsigned best_d = 3;

	for (size_t i = 0; i < ebr_schema__type_count(s); i++) {
		unsigned d = distance(name, ebr_schema__type_at(s, i)->name);

		if (d < best_d) {
			best_d = d;
			best = ebr_schema__type_at(s, i)->name;
		}
	}
	if (best)
		snprintf(buf, len, "did you mean '%s'?", best);
	else
		snprintf(buf, len, "docs/filter.md lists the types; `ebpfrec info FILE` shows a capture's");
}

static int family_by_name(const struct ebr_schema *s, const char *name)
{
	for (unsigned i = 0; i < EBR_FAM_NR; i++)
		if (!strcasecmp(ebr_family__name(i), name))
			return (int)i;
	for (size_t i = 0; i < ebr_schema__type_count(s); i++) {
		const struct ebr_type *t = ebr_schema__type_at(s, i);

		if (t->family_name && !strcasecmp(t->family_name, name))
			return t->family;
	}
	return -1;
}

static int parse_bool(const char *s)
{
	static const char *const yes[] = { "true", "yes", "on" }, *const no[] = { "false", "no", "off" };

	for (int i = 0; i < 3; i++) {
		if (!strcasecmp(s, yes[i]))
			return 1;
		if (!strcasecmp(s, no[i]))
			return 0;
	}
	return -1;
}

/* A name where this field's hint has names; 1 when handled (ok or error), 0 when not a name. */
static int parse_name(struct ebr_filter *f, const struct flt_variant *v, const char *name,
		      const struct flt_lit *l, struct flt_num *out, struct ebr_filter_error *err)
{
	const char *t = l->text;
	char buf[200];
	int x;

	if (!starts_name(t))
		return 0;
	switch (v->hint) {
	case EBR_FH_TYPE: {
		const struct ebr_type *ty = NULL;

		for (size_t i = 0; !ty && i < ebr_schema__type_count(f->schema); i++)
			if (!strcasecmp(ebr_schema__type_at(f->schema, i)->name, t))
				ty = ebr_schema__type_at(f->schema, i);
		if (!ty) {
			unknown_type_hint(f->schema, t, buf, sizeof(buf));
			flt_set_error(err, l->col, "unknown event type '%.40s'; %s", t, buf);
			return -EINVAL;
		}
		set_small(out, ty->id);
		return 1;
	}
	case FLT_H_FAMILY:
		x = family_by_name(f->schema, t);
		if (x < 0) {
			flt_set_error(err, l->col,
				      "unknown family '%.40s'; families are: process, syscall, network, "
				      "memory, file, meta, custom",
				      t);
			return -EINVAL;
		}
		set_small(out, x);
		return 1;
	case FLT_H_SEVERITY:
		x = ebr_severity__from_name(t);
		if (x < 0) {
			flt_set_error(err, l->col,
				      "unknown severity '%.40s'; severities are: info, notice, warning, "
				      "error, critical",
				      t);
			return -EINVAL;
		}
		set_small(out, x);
		return 1;
	case EBR_FH_ERRNO:
	case EBR_FH_HEX_ERRNO:
	case EBR_FH_ERRNO_POS:
		/* the field's own sign convention decides: ret = ENOENT means ret = -2 */
		x = ebr_errno_from_name(t + (*t == '-'));
		if (x < 0) {
			flt_set_error(err, l->col, "unknown errno name '%.40s' for '%s'", t, name);
			return -EINVAL;
		}
		set_small(out, v->hint == EBR_FH_ERRNO_POS ? x : -x);
		return 1;
	case EBR_FH_SYSCALL:
		/* numbers differ by arch: the capture's own table */
		x = ebr_syscall_nr(ebr_schema__machine(f->schema), t);
		if (x < 0) {
			flt_set_error(err, l->col, "unknown syscall name '%.40s' for '%s' (%s)", t, name,
				      ebr_schema__machine(f->schema));
			return -EINVAL;
		}
		set_small(out, x);
		return 1;
	case EBR_FH_SIGNAL:
		x = *t == '-' ? -1 : ebr_signal_from_name(t);
		if (x < 0) {
			flt_set_error(err, l->col, "unknown signal name '%.40s' for '%s'", t, name);
			return -EINVAL;
		}
		set_small(out, x);
		return 1;
	case EBR_FH_BOOL:
		x = parse_bool(t);
		if (x < 0) {
			flt_set_error(err, l->col, "expected true or false for '%s', found '%.40s'", name, t);
			return -EINVAL;
		}
		set_small(out, x);
		return 1;
	default:
		return 0;
	}
}

static int parse_num_lit(struct ebr_filter *f, const struct flt_variant *v, const char *name,
			 const struct flt_lit *l, struct flt_num *out, struct ebr_filter_error *err)
{
	int time = v->hint == EBR_FH_DURATION || v->hint == EBR_FH_TS;
	int sizes = v->hint == EBR_FH_BYTES;
	int r = parse_name(f, v, name, l, out, err);

	if (r)
		return r < 0 ? r : 0;
	r = parse_number(l->text, time ? time_units : no_units, sizes, out);
	if (r == NUM_OK)
		return 0;
	if (r == NUM_RANGE)
		flt_set_error(err, l->col, "number '%.40s' is out of range", l->text);
	else if (time)
		flt_set_error(err, l->col,
			      "expected a duration for '%s' (a number with ns, us, ms, s, m or h), "
			      "found '%.40s'",
			      name, l->text);
	else if (sizes)
		flt_set_error(err, l->col,
			      "expected a size for '%s' (a number with k, M, G or T), found '%.40s'", name,
			      l->text);
	else
		flt_set_error(err, l->col, "expected a number for '%s', found '%.40s'", name, l->text);
	return -EINVAL;
}

/* -------------------------------------------------------------- addresses */

static int parse_net(const char *name, const struct flt_lit *l, struct flt_net *out,
		     struct ebr_filter_error *err)
{
	char buf[64];
	const char *slash = memchr(l->text, '/', l->len);
	size_t alen = slash ? (size_t)(slash - l->text) : l->len;
	uint8_t v4[4];
	unsigned max = 128, add = 0;
	unsigned long prefix;

	memset(out, 0, sizeof(*out));
	if (alen >= sizeof(buf) || memchr(l->text, 0, l->len))
		goto bad;
	memcpy(buf, l->text, alen);
	buf[alen] = 0;
	if (inet_pton(AF_INET, buf, v4) == 1) {
		out->addr[10] = out->addr[11] = 0xff;
		memcpy(out->addr + 12, v4, 4);
		max = 32;
		add = 96;
	} else if (inet_pton(AF_INET6, buf, out->addr) != 1) {
		goto bad;
	}
	out->prefix = 128;
	if (slash) {
		const char *p = slash + 1;
		char *end;

		if (!isdigit((unsigned char)*p) || strlen(p) > 3)
			goto bad_prefix;
		prefix = strtoul(p, &end, 10);
		if (*end || prefix > max)
			goto bad_prefix;
		out->prefix = (uint32_t)prefix + add;
	}
	for (unsigned bit = out->prefix; bit < 128; bit++)
		out->addr[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
	return 0;
bad_prefix:
	flt_set_error(err, l->col, "invalid prefix length '%.10s' for an %s address (0 to %u)", slash,
		      max == 32 ? "IPv4" : "IPv6", max);
	return -EINVAL;
bad:
	flt_set_error(err, l->col,
		      "expected an IP address or network (10.0.0.1, 10.0.0.0/8, fe80::/10) for '%s', "
		      "found '%.40s'",
		      name, l->text);
	return -EINVAL;
}

/* --------------------------------------------------------------- operators */

static const char *op_name(unsigned op)
{
	static const char *const names[] = {
		[FOP_EQ] = "=",	  [FOP_LT] = "<",	    [FOP_LE] = "<=",
		[FOP_GT] = ">",	  [FOP_GE] = ">=",	    [FOP_IN] = "in",
		[FOP_GLOB] = "glob", [FOP_CONTAINS] = "contains", [FOP_TRUTH] = "(none)",
	};
	return op < sizeof(names) / sizeof(names[0]) ? names[op] : "?";
}

static int check_op(const struct flt_variant *v, unsigned op, const char *name, unsigned col,
		    struct ebr_filter_error *err)
{
	switch (v->cls) {
	case FCL_NUM:
		if ((op == FOP_GLOB || op == FOP_CONTAINS) && v->hint != EBR_FH_SYSCALL) {
			flt_set_error(err, col, "%s applies to text fields; '%s' is a number", op_name(op),
				      name);
			return -EINVAL;
		}
		if (op == FOP_TRUTH && v->hint != EBR_FH_BOOL) {
			flt_set_error(err, col,
				      "'%s' is not a true/false field: compare it (=, !=, <, <=, >, >=, in)",
				      name);
			return -EINVAL;
		}
		return 0;
	case FCL_STR:
	case FCL_LIST:
		if (op >= FOP_LT && op <= FOP_GE) {
			flt_set_error(err, col,
				      "'%s' does not apply to text field '%s' (use =, !=, in, glob or contains)",
				      op_name(op), name);
			return -EINVAL;
		}
		break;
	case FCL_IP:
		if (op != FOP_EQ && op != FOP_IN) {
			flt_set_error(err, col,
				      "'%s' does not apply to address field '%s' (use =, != or in)",
				      op_name(op), name);
			return -EINVAL;
		}
		break;
	}
	if (op == FOP_TRUTH) {
		flt_set_error(err, col, "'%s' is not a true/false field: compare it (=, !=, in, ...)", name);
		return -EINVAL;
	}
	return 0;
}

/*
 * `syscall glob "*stat*"`: the names of the capture's arch that match,
 * as the list of their numbers (evaluated as `in`).
 */
static int syscall_pattern(struct ebr_filter *f, struct flt_variant *v, unsigned op,
			   const char *name, const struct flt_lit *l, struct ebr_filter_error *err)
{
	const char *machine = ebr_schema__machine(f->schema);
	unsigned count = ebr_syscall_count(machine), k = 0;

	v->v.num = flt_alloc(f, (count ? count : 1) * sizeof(*v->v.num));
	if (!v->v.num) {
		flt_set_error(err, 0, "out of memory");
		return -ENOMEM;
	}
	for (unsigned nr = 0; nr < count; nr++) {
		const char *s = ebr_syscall_name(machine, nr);

		if (s && (op == FOP_GLOB ? flt_glob(l->text, l->len, s, strlen(s))
					 : memmem(s, strlen(s), l->text, l->len) != NULL))
			set_small(&v->v.num[k++], nr);
	}
	if (!k) {
		flt_set_error(err, l->col, "no syscall name %s '%.40s' for '%s' (%s)",
			      op == FOP_GLOB ? "matches" : "contains", l->text, name, machine);
		return -EINVAL;
	}
	v->n = k;
	return 0;
}

int flt_value_parse(struct ebr_filter *f, struct flt_variant *v, unsigned op, unsigned op_col,
		    const char *name, const struct flt_lit *lits, size_t n,
		    struct ebr_filter_error *err)
{
	int r;

	if (v->cls == FCL_CGSET)
		return flt_cgroup_parse(f, v, op, op_col, name, lits, n, err);
	r = check_op(v, op, name, op_col, err);
	if (r)
		return r;
	if (v->cls == FCL_NUM && (op == FOP_GLOB || op == FOP_CONTAINS))
		return syscall_pattern(f, v, op, name, &lits[0], err);
	v->n = (uint32_t)n;
	if (!n)
		return 0;
	switch (v->cls) {
	case FCL_NUM:
		v->v.num = flt_alloc(f, n * sizeof(*v->v.num));
		break;
	case FCL_STR:
	case FCL_LIST:
		v->v.str = flt_alloc(f, n * sizeof(*v->v.str));
		break;
	case FCL_IP:
		v->v.net = flt_alloc(f, n * sizeof(*v->v.net));
		break;
	}
	if (!v->v.num) {
		flt_set_error(err, 0, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		switch (v->cls) {
		case FCL_NUM:
			r = parse_num_lit(f, v, name, &lits[i], &v->v.num[i], err);
			break;
		case FCL_STR:
		case FCL_LIST:
			v->v.str[i].p = lits[i].text;
			v->v.str[i].len = (uint32_t)lits[i].len;
			break;
		case FCL_IP:
			r = parse_net(name, &lits[i], &v->v.net[i], err);
			break;
		}
		if (r)
			return r;
	}
	return 0;
}
