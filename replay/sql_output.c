// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Result writers: an aligned table for a terminal, CSV (RFC 4180 quoting),
 * one JSON array, or JSON Lines. The table needs column widths before its
 * first line, so it holds back the first rows (1000, or 8 MiB of cells);
 * later rows stream with the widths those set, so memory stays bounded for
 * any result size and any cell size.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql_internal.h"

#define TABLE_HOLD_ROWS 1000 /* rows measured before the table starts... */
/*
 * ...or fewer, once their cells hold this much: a cell can be hundreds of
 * KiB (an argument list as JSON, escaped), and a thousand identical records
 * compress to nothing, so rows alone bounded nothing a terminal wants.
 */
#define TABLE_HOLD_BYTES (8u << 20)

struct ebr_sql_out {
	FILE *f;
	enum ebr_sql_format fmt;
	int n_cols;
	char **names;
	uint64_t rows;
	struct ebr_sql_buf line;
	/* table */
	size_t *width;
	int *numeric;
	char **held; /* TABLE_HOLD_ROWS * n_cols cells */
	size_t n_held, held_bytes;
	int started;
};

int ebr_sql_format__parse(const char *name, enum ebr_sql_format *fmt)
{
	static const char *const names[] = { "table", "csv", "json", "jsonl" };

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i])) {
			*fmt = (enum ebr_sql_format)i;
			return 0;
		}
	return -EINVAL;
}

struct ebr_sql_out *ebr_sql_out__new(FILE *f, enum ebr_sql_format fmt)
{
	struct ebr_sql_out *o = calloc(1, sizeof(*o));

	if (!o) {
		errno = ENOMEM;
		return NULL;
	}
	o->f = f;
	o->fmt = fmt;
	return o;
}

static void free_set(struct ebr_sql_out *o)
{
	for (int i = 0; i < o->n_cols; i++)
		free(o->names[i]);
	free(o->names);
	o->names = NULL;
	for (size_t i = 0; i < o->n_held * (size_t)o->n_cols; i++)
		free(o->held[i]);
	free(o->held);
	o->held = NULL;
	o->n_held = o->held_bytes = 0;
	free(o->width);
	o->width = NULL;
	free(o->numeric);
	o->numeric = NULL;
	o->n_cols = 0;
}

void ebr_sql_out__free(struct ebr_sql_out *o)
{
	if (!o)
		return;
	free_set(o);
	ebr_sql_buf__free(&o->line);
	free(o);
}

int ebr_sql_out__begin(struct ebr_sql_out *o, int n_cols, const char *const *names)
{
	free_set(o);
	o->rows = 0;
	o->started = 0;
	o->n_cols = n_cols;
	o->names = calloc((size_t)n_cols + 1, sizeof(*o->names));
	o->width = calloc((size_t)n_cols + 1, sizeof(*o->width));
	o->numeric = calloc((size_t)n_cols + 1, sizeof(*o->numeric));
	if (!o->names || !o->width || !o->numeric)
		return -ENOMEM;
	for (int i = 0; i < n_cols; i++) {
		o->names[i] = strdup(names[i] ? names[i] : "");
		if (!o->names[i])
			return -ENOMEM;
		o->numeric[i] = 1;
	}
	if (o->fmt == EBR_SQL_FMT_TABLE) {
		o->held = calloc((size_t)TABLE_HOLD_ROWS * (size_t)n_cols + 1, sizeof(*o->held));
		if (!o->held)
			return -ENOMEM;
	}
	return 0;
}

/* ------------------------------------------------------------ text of a value */

static void put_hex(struct ebr_sql_buf *b, const char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		char two[2] = { hex[(unsigned char)p[i] >> 4], hex[(unsigned char)p[i] & 15] };

		ebr_sql_buf__put(b, two, 2);
	}
}

static void put_number(struct ebr_sql_buf *b, const struct ebr_sql_val *v)
{
	char num[40];

	if (v->type == SQLITE_INTEGER)
		snprintf(num, sizeof(num), "%" PRId64, v->i);
	else
		snprintf(num, sizeof(num), "%.17g", v->d);
	ebr_sql_buf__put(b, num, strlen(num));
}

/* ------------------------------------------------------------ table */

/* Display width: UTF-8 code points, which is right for the text we hold. */
static size_t display_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

static char *table_cell(const struct ebr_sql_val *v)
{
	struct ebr_sql_buf b = {0};

	switch (v->type) {
	case SQLITE_NULL:
		ebr_sql_buf__put(&b, "NULL", 4);
		break;
	case SQLITE_INTEGER:
	case SQLITE_FLOAT:
		if (v->type == SQLITE_FLOAT) {
			char num[40];

			snprintf(num, sizeof(num), "%.15g", v->d);
			ebr_sql_buf__put(&b, num, strlen(num));
		} else {
			put_number(&b, v);
		}
		break;
	case SQLITE_BLOB:
		ebr_sql_buf__put(&b, "x'", 2);
		put_hex(&b, v->p, v->n);
		ebr_sql_buf__put(&b, "'", 1);
		break;
	default:
		/* one cell, one line: control characters are shown escaped */
		for (size_t i = 0; i < v->n; i++) {
			unsigned char c = (unsigned char)v->p[i];
			char esc[8];

			if (c == '\n')
				ebr_sql_buf__put(&b, "\\n", 2);
			else if (c == '\t')
				ebr_sql_buf__put(&b, "\\t", 2);
			else if (c < 0x20 || c == 0x7f) {
				snprintf(esc, sizeof(esc), "\\x%02x", c);
				ebr_sql_buf__put(&b, esc, 4);
			} else {
				ebr_sql_buf__put(&b, &v->p[i], 1);
			}
		}
		break;
	}
	ebr_sql_buf__put(&b, "", 1);
	return b.p;
}

static void table_line(struct ebr_sql_out *o, char *const *cells)
{
	for (int i = 0; i < o->n_cols; i++) {
		const char *s = cells[i] ? cells[i] : "";
		size_t w = display_width(s), pad = o->width[i] > w ? o->width[i] - w : 0;

		if (i)
			fputs("  ", o->f);
		if (o->numeric[i])
			fprintf(o->f, "%*s%s", (int)pad, "", s);
		else if (i == o->n_cols - 1)
			fputs(s, o->f); /* no trailing blanks */
		else
			fprintf(o->f, "%s%*s", s, (int)pad, "");
	}
	fputc('\n', o->f);
}

static void table_start(struct ebr_sql_out *o)
{
	for (int i = 0; i < o->n_cols; i++) {
		size_t w = display_width(o->names[i]);

		if (w > o->width[i])
			o->width[i] = w;
	}
	table_line(o, o->names);
	for (int i = 0; i < o->n_cols; i++) {
		if (i)
			fputs("  ", o->f);
		for (size_t k = 0; k < o->width[i]; k++)
			fputc('-', o->f);
	}
	fputc('\n', o->f);
	for (size_t r = 0; r < o->n_held; r++)
		table_line(o, &o->held[r * (size_t)o->n_cols]);
	for (size_t i = 0; i < o->n_held * (size_t)o->n_cols; i++) {
		free(o->held[i]);
		o->held[i] = NULL;
	}
	o->n_held = o->held_bytes = 0;
	o->started = 1;
}

static int table_row(struct ebr_sql_out *o, const struct ebr_sql_val *vals)
{
	char **cells;

	if (!o->started && (o->n_held == TABLE_HOLD_ROWS || o->held_bytes >= TABLE_HOLD_BYTES))
		table_start(o);
	cells = o->started ? calloc((size_t)o->n_cols + 1, sizeof(*cells)) :
			     &o->held[o->n_held * (size_t)o->n_cols];
	if (!cells)
		return -ENOMEM;
	for (int i = 0; i < o->n_cols; i++) {
		cells[i] = table_cell(&vals[i]);
		if (!cells[i])
			return -ENOMEM;
		if (!o->started) {
			size_t w = display_width(cells[i]);

			o->held_bytes += strlen(cells[i]) + 1;
			if (w > o->width[i])
				o->width[i] = w;
			if (vals[i].type != SQLITE_INTEGER && vals[i].type != SQLITE_FLOAT &&
			    vals[i].type != SQLITE_NULL)
				o->numeric[i] = 0;
		}
	}
	if (!o->started) {
		o->n_held++;
		return 0;
	}
	table_line(o, cells);
	for (int i = 0; i < o->n_cols; i++)
		free(cells[i]);
	free(cells);
	return 0;
}

/* ------------------------------------------------------------ csv, json */

/* An empty text is "" so that it differs from NULL (an empty field), as in the sqlite3 shell. */
static void csv_field(struct ebr_sql_buf *b, const char *s, size_t n)
{
	int quote = n == 0;

	for (size_t i = 0; i < n && !quote; i++)
		quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
	if (!quote) {
		ebr_sql_buf__put(b, s, n);
		return;
	}
	ebr_sql_buf__put(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			ebr_sql_buf__put(b, "\"", 1);
		ebr_sql_buf__put(b, &s[i], 1);
	}
	ebr_sql_buf__put(b, "\"", 1);
}

static void csv_row(struct ebr_sql_out *o, const struct ebr_sql_val *vals)
{
	struct ebr_sql_buf *b = &o->line;

	b->len = 0;
	for (int i = 0; i < o->n_cols; i++) {
		const struct ebr_sql_val *v = &vals[i];

		if (i)
			ebr_sql_buf__put(b, ",", 1);
		if (v->type == SQLITE_INTEGER || v->type == SQLITE_FLOAT)
			put_number(b, v);
		else if (v->type == SQLITE_TEXT)
			csv_field(b, v->p, v->n);
		else if (v->type == SQLITE_BLOB)
			put_hex(b, v->p, v->n);
	}
	ebr_sql_buf__put(b, "\n", 1);
	fwrite(b->p, 1, b->len, o->f);
}

static void json_row(struct ebr_sql_out *o, const struct ebr_sql_val *vals)
{
	struct ebr_sql_buf *b = &o->line;

	b->len = 0;
	if (o->fmt == EBR_SQL_FMT_JSON)
		ebr_sql_buf__put(b, o->rows ? ",\n" : "[\n", 2);
	ebr_sql_buf__put(b, "{", 1);
	for (int i = 0; i < o->n_cols; i++) {
		const struct ebr_sql_val *v = &vals[i];

		if (i)
			ebr_sql_buf__put(b, ",", 1);
		ebr_sql_buf__json_str(b, o->names[i], strlen(o->names[i]));
		ebr_sql_buf__put(b, ":", 1);
		if (v->type == SQLITE_INTEGER || (v->type == SQLITE_FLOAT && isfinite(v->d))) {
			put_number(b, v);
		} else if (v->type == SQLITE_TEXT) {
			ebr_sql_buf__json_str(b, v->p, v->n);
		} else if (v->type == SQLITE_BLOB) {
			ebr_sql_buf__put(b, "\"", 1);
			put_hex(b, v->p, v->n);
			ebr_sql_buf__put(b, "\"", 1);
		} else {
			ebr_sql_buf__put(b, "null", 4);
		}
	}
	ebr_sql_buf__put(b, o->fmt == EBR_SQL_FMT_JSONL ? "}\n" : "}", o->fmt == EBR_SQL_FMT_JSONL ? 2 : 1);
	fwrite(b->p, 1, b->len, o->f);
}

static void csv_header(struct ebr_sql_out *o)
{
	struct ebr_sql_buf *b = &o->line;

	b->len = 0;
	for (int i = 0; i < o->n_cols; i++) {
		if (i)
			ebr_sql_buf__put(b, ",", 1);
		csv_field(b, o->names[i], strlen(o->names[i]));
	}
	ebr_sql_buf__put(b, "\n", 1);
	fwrite(b->p, 1, b->len, o->f);
	o->started = 1;
}

/* -errno of the failed write (EPIPE: the reader went away; ENOSPC ...), or 0 */
static int write_error(FILE *f)
{
	return ferror(f) ? -(errno ? errno : EIO) : 0;
}

int ebr_sql_out__row(struct ebr_sql_out *o, const struct ebr_sql_val *vals)
{
	int err = 0;

	if (o->fmt == EBR_SQL_FMT_CSV && !o->started)
		csv_header(o);
	switch (o->fmt) {
	case EBR_SQL_FMT_TABLE:
		err = table_row(o, vals);
		break;
	case EBR_SQL_FMT_CSV:
		csv_row(o, vals);
		break;
	default:
		json_row(o, vals);
		break;
	}
	o->rows++;
	if (err)
		return err;
	return write_error(o->f);
}

int ebr_sql_out__end(struct ebr_sql_out *o)
{
	switch (o->fmt) {
	case EBR_SQL_FMT_TABLE:
		if (!o->started)
			table_start(o);
		break;
	case EBR_SQL_FMT_CSV:
		if (!o->started) /* an empty result still has its header */
			csv_header(o);
		break;
	case EBR_SQL_FMT_JSON:
		fputs(o->rows ? "\n]\n" : "[]\n", o->f);
		break;
	default:
		break;
	}
	o->started = 0;
	return write_error(o->f);
}
