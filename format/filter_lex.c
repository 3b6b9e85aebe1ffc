// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Filter tokens. A value can be written bare (`/usr/bin/x*`, `10.0.0.0/8`,
 * `-ENOENT`, `1.5ms`), so a word runs until white space or one of the few
 * characters that are operators: ( ) , = ! < > & | and the quotes.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "filter_internal.h"

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int ends_word(const struct flt_lexer *lx, size_t i)
{
	char c = lx->s[i];

	if (is_space(c) || strchr("(),=<>&|\"'", c))
		return 1;
	/* `!` stays inside a word (a glob's [!a-z]) unless it starts `!=` */
	return c == '!' && i + 1 < lx->len && lx->s[i + 1] == '=';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static struct flt_tok error_tok(unsigned col)
{
	return (struct flt_tok){ .type = FT_ERROR, .col = col };
}

static struct flt_tok lex_string(struct flt_lexer *lx, unsigned col)
{
	char quote = lx->s[lx->pos];
	size_t i = lx->pos + 1, o = 0;
	char *out = flt_alloc(lx->f, lx->len - lx->pos + 1);

	if (!out) {
		flt_set_error(lx->err, 0, "out of memory");
		return error_tok(0);
	}
	for (;; i++) {
		char c;

		if (i >= lx->len) {
			flt_set_error(lx->err, col, "unterminated string: no closing %c", quote);
			return error_tok(col);
		}
		c = lx->s[i];
		if (c == quote)
			break;
		if (c != '\\' || i + 1 >= lx->len) {
			out[o++] = c;
			continue;
		}
		switch (lx->s[++i]) {
		case 'n': out[o++] = '\n'; break;
		case 't': out[o++] = '\t'; break;
		case 'r': out[o++] = '\r'; break;
		case '0': out[o++] = '\0'; break;
		case '\\': out[o++] = '\\'; break;
		case '"': out[o++] = '"'; break;
		case '\'': out[o++] = '\''; break;
		case 'x': {
			int hi = i + 1 < lx->len ? hexval(lx->s[i + 1]) : -1;
			int lo = i + 2 < lx->len ? hexval(lx->s[i + 2]) : -1;

			if (hi < 0 || lo < 0) {
				flt_set_error(lx->err, (unsigned)i, "invalid escape '\\x': expected two hex digits");
				return error_tok((unsigned)i);
			}
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
			break;
		}
		default:
			/* kept as written, so a glob's own escapes (\*, \?) pass through */
			out[o++] = '\\';
			out[o++] = lx->s[i];
			break;
		}
	}
	lx->pos = i + 1;
	out[o] = 0;
	return (struct flt_tok){ .type = FT_STRING, .col = col, .text = out, .len = o };
}

static struct flt_tok punct(struct flt_lexer *lx, int type, size_t n, unsigned col)
{
	lx->pos += n;
	return (struct flt_tok){ .type = type, .col = col };
}

struct flt_tok flt_lex_next(struct flt_lexer *lx)
{
	unsigned col;
	size_t start;
	char c, next;

	while (lx->pos < lx->len && is_space(lx->s[lx->pos]))
		lx->pos++;
	col = (unsigned)lx->pos + 1;
	if (lx->pos >= lx->len)
		return (struct flt_tok){ .type = FT_END, .col = col };
	c = lx->s[lx->pos];
	next = lx->pos + 1 < lx->len ? lx->s[lx->pos + 1] : 0;
	switch (c) {
	case '(':
		return punct(lx, FT_LPAREN, 1, col);
	case ')':
		return punct(lx, FT_RPAREN, 1, col);
	case ',':
		return punct(lx, FT_COMMA, 1, col);
	case '=':
		return punct(lx, FT_EQ, next == '=' ? 2 : 1, col);
	case '!':
		return next == '=' ? punct(lx, FT_NE, 2, col) : punct(lx, FT_BANG, 1, col);
	case '<':
		return next == '=' ? punct(lx, FT_LE, 2, col) : punct(lx, FT_LT, 1, col);
	case '>':
		return next == '=' ? punct(lx, FT_GE, 2, col) : punct(lx, FT_GT, 1, col);
	case '&':
		if (next == '&')
			return punct(lx, FT_ANDAND, 2, col);
		flt_set_error(lx->err, col, "unexpected '&': write 'and'");
		return error_tok(col);
	case '|':
		if (next == '|')
			return punct(lx, FT_OROR, 2, col);
		flt_set_error(lx->err, col, "unexpected '|': write 'or'");
		return error_tok(col);
	case '"':
	case '\'':
		return lex_string(lx, col);
	default:
		break;
	}
	if ((unsigned char)c < 0x20 || c == 0x7f) {
		flt_set_error(lx->err, col, "unexpected control character 0x%02x", (unsigned char)c);
		return error_tok(col);
	}
	start = lx->pos;
	while (lx->pos < lx->len && !ends_word(lx, lx->pos))
		lx->pos++;
	{
		char *w = flt_strndup(lx->f, lx->s + start, lx->pos - start);

		if (!w) {
			flt_set_error(lx->err, 0, "out of memory");
			return error_tok(0);
		}
		return (struct flt_tok){ .type = FT_WORD, .col = col, .text = w, .len = lx->pos - start };
	}
}

int flt_tok_is(const struct flt_tok *t, const char *kw)
{
	return t->type == FT_WORD && !strcasecmp(t->text, kw);
}

void flt_tok_describe(const struct flt_tok *t, char *buf, size_t len)
{
	static const char *const punct_names[] = {
		[FT_LPAREN] = "'('", [FT_RPAREN] = "')'", [FT_COMMA] = "','",	  [FT_EQ] = "'='",
		[FT_NE] = "'!='",    [FT_LT] = "'<'",	   [FT_LE] = "'<='",	  [FT_GT] = "'>'",
		[FT_GE] = "'>='",    [FT_BANG] = "'!'",	   [FT_ANDAND] = "'&&'", [FT_OROR] = "'||'",
	};

	switch (t->type) {
	case FT_END:
		snprintf(buf, len, "end of expression");
		break;
	case FT_WORD:
		snprintf(buf, len, "'%.40s%s'", t->text, t->len > 40 ? "..." : "");
		break;
	case FT_STRING:
		snprintf(buf, len, "string \"%.40s%s\"", t->text, t->len > 40 ? "..." : "");
		break;
	default:
		snprintf(buf, len, "%s", t->type < FT_WORD ? punct_names[t->type] : "?");
		break;
	}
}
