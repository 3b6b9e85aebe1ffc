// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Redaction of strings: path patterns, IP addresses written as text, and
 * the text metadata (the command line, JSON configuration).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "ebpfrec/record_builder.h"
#include "internal.h"
#include "layout.h"
#include "redact_internal.h"
#include "rewrite.h"

#define REMOVED "[redacted]"

void ebr_redact__token(struct ebr_redactor *rd, const char *s, size_t len, struct ebr_buf *out)
{
	char tok[40];
	int n;

	if (rd->mode == EBR_REDACT_REMOVE) {
		ebr_buf__put(out, REMOVED, sizeof(REMOVED) - 1);
		return;
	}
	n = snprintf(tok, sizeof(tok), "[redacted-%016" PRIx64 "]", ebr_siphash24(rd->key, s, len));
	ebr_buf__put(out, tok, (size_t)n);
}

/* NUL-terminated copy for fnmatch, in rd->z. */
static const char *cstr(struct ebr_redactor *rd, const char *s, size_t len)
{
	rd->z.len = 0;
	ebr_buf__put(&rd->z, s, len);
	ebr_buf__put(&rd->z, "", 1);
	return rd->z.err ? NULL : rd->z.p;
}

static int glob_match(struct ebr_redactor *rd, const char *s, size_t len)
{
	const char *z = cstr(rd, s, len);

	for (size_t i = 0; z && i < rd->n_globs; i++)
		if (fnmatch(rd->globs[i], z, 0) == 0)
			return 1;
	return 0;
}

static int path_start(const char *s, size_t i)
{
	return s[i] == '/' && (i == 0 || strchr(" \t\n\r=:,;\"'(<>|&[{", s[i - 1]));
}

static int path_end(char c)
{
	return c == 0 || strchr(" \t\n\r\"',;:)>|&]}", c) != NULL;
}

/* Step 1: path patterns. Returns 1 and fills out when something was replaced. */
static int redact_paths(struct ebr_redactor *rd, const char *s, size_t len, struct ebr_buf *out)
{
	int changed = 0;
	size_t i = 0, copied = 0;

	out->len = 0;
	if (!(rd->what & EBR_REDACT_PATHS) || !rd->n_globs || !len)
		return 0;
	if (glob_match(rd, s, len)) {
		ebr_redact__token(rd, s, len, out);
		rd->counts.paths++;
		return 1;
	}
	while (i < len) {
		size_t j = i;

		if (!path_start(s, i)) {
			i++;
			continue;
		}
		while (j < len && !path_end(s[j]))
			j++;
		if (glob_match(rd, s + i, j - i)) {
			ebr_buf__put(out, s + copied, i - copied);
			ebr_redact__token(rd, s + i, j - i, out);
			rd->counts.paths++;
			copied = j;
			changed = 1;
		}
		i = j;
	}
	if (changed)
		ebr_buf__put(out, s + copied, len - copied);
	return changed;
}

static int is_v4mapped(const uint8_t a[16])
{
	static const uint8_t prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return !memcmp(a, prefix, sizeof(prefix));
}

/* Unspecified and loopback addresses name no one: they are kept. */
static int keep_addr(const uint8_t a[16])
{
	static const uint8_t zero[16], one[16] = { [15] = 1 };

	if (!memcmp(a, zero, 16) || !memcmp(a, one, 16))
		return 1;
	return is_v4mapped(a) && (a[12] == 127 || !memcmp(a + 12, zero, 4));
}

/*
 * The pseudonym of an address: IPv4 maps into 240.0.0.0/4 (reserved, never
 * routed), IPv6 into 100::/64 (the discard prefix), so a reader sees at once
 * that the address is not real, and equal addresses keep equal pseudonyms.
 */
static void pseudonym(struct ebr_redactor *rd, const uint8_t in[16], uint8_t out[16])
{
	uint64_t h = ebr_siphash24(rd->ip_key, in, 16);

	memset(out, 0, 16);
	if (is_v4mapped(in)) {
		out[10] = out[11] = 0xff;
		out[12] = (uint8_t)(0xf0 | (h & 0x0f));
		out[13] = (uint8_t)(h >> 8);
		out[14] = (uint8_t)(h >> 16);
		out[15] = (uint8_t)(h >> 24);
		return;
	}
	out[0] = 0x01;
	for (unsigned i = 0; i < 8; i++)
		out[8 + i] = (uint8_t)(h >> (56 - 8 * i));
}

int ebr_redact__ipaddr(struct ebr_redactor *rd, uint8_t addr[16])
{
	uint8_t out[16] = {0};

	if (!(rd->what & EBR_REDACT_ADDRESSES) || keep_addr(addr))
		return 0;
	if (rd->mode == EBR_REDACT_HASH)
		pseudonym(rd, addr, out);
	memcpy(addr, out, 16);
	rd->counts.addresses++;
	return 1;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A dotted quad at s[i..]: its end in *end and the address as IPv4-mapped. */
static int parse_v4(const char *s, size_t len, size_t i, size_t *end, uint8_t a[16])
{
	memset(a, 0, 16);
	a[10] = a[11] = 0xff;
	for (unsigned part = 0; part < 4; part++) {
		unsigned v = 0, digits = 0;

		if (part) {
			if (i >= len || s[i] != '.')
				return 0;
			i++;
		}
		while (i < len && is_digit(s[i]) && digits < 4) {
			v = v * 10 + (unsigned)(s[i++] - '0');
			digits++;
		}
		if (!digits || digits > 3 || v > 255)
			return 0;
		a[12 + part] = (uint8_t)v;
	}
	/* "1.2.3.4.5" or "1.2.3.4x" is something else (a version, a name) */
	if (i < len && (is_alnum(s[i]) || (s[i] == '.' && i + 1 < len && is_digit(s[i + 1]))))
		return 0;
	*end = i;
	return 1;
}

static int parse_v6(const char *s, size_t len, size_t i, size_t *end, uint8_t a[16])
{
	char tmp[INET6_ADDRSTRLEN + 1];
	size_t j = i, colons = 0;

	while (j < len && (is_hex(s[j]) || s[j] == ':' || s[j] == '.') && j - i < INET6_ADDRSTRLEN) {
		colons += s[j] == ':';
		j++;
	}
	if (colons < 2 || (j < len && is_alnum(s[j])))
		return 0;
	/* a trailing '.' or ':' belongs to the sentence, not the address */
	while (j > i && (s[j - 1] == '.' || (s[j - 1] == ':' && (j - i < 2 || s[j - 2] != ':'))))
		j--;
	memcpy(tmp, s + i, j - i);
	tmp[j - i] = 0;
	if (inet_pton(AF_INET6, tmp, a) != 1)
		return 0;
	*end = j;
	return 1;
}

static void put_addr_text(struct ebr_redactor *rd, const uint8_t a[16], int as_v4, struct ebr_buf *out)
{
	char txt[INET6_ADDRSTRLEN];
	uint8_t p[16];

	if (rd->mode == EBR_REDACT_REMOVE) {
		ebr_buf__put(out, REMOVED, sizeof(REMOVED) - 1);
		return;
	}
	pseudonym(rd, a, p);
	if (as_v4)
		inet_ntop(AF_INET, p + 12, txt, sizeof(txt));
	else
		inet_ntop(AF_INET6, p, txt, sizeof(txt));
	ebr_buf__put(out, txt, strlen(txt));
}

/* Step 2: IP addresses written as text. */
static int redact_addr_text(struct ebr_redactor *rd, const char *s, size_t len, struct ebr_buf *out)
{
	size_t i = 0, copied = 0;
	int changed = 0;

	out->len = 0;
	if (!(rd->what & EBR_REDACT_ADDRESSES))
		return 0;
	while (i < len) {
		uint8_t a[16];
		size_t end;
		int v6 = 0, v4 = 0;

		char prev = i ? s[i - 1] : ' ';

		/* inside a word or a number; after ':' only an IPv4 address starts */
		if (is_alnum(prev) || prev == '.') {
			i++;
			continue;
		}
		if (prev != ':' && (is_hex(s[i]) || s[i] == ':'))
			v6 = parse_v6(s, len, i, &end, a);
		if (!v6 && is_digit(s[i]))
			v4 = parse_v4(s, len, i, &end, a);
		if ((!v4 && !v6) || keep_addr(a)) {
			i++;
			continue;
		}
		ebr_buf__put(out, s + copied, i - copied);
		put_addr_text(rd, a, v4, out);
		rd->counts.addresses++;
		copied = i = end;
		changed = 1;
	}
	if (changed)
		ebr_buf__put(out, s + copied, len - copied);
	return changed;
}

const char *ebr_redact__string(struct ebr_redactor *rd, const char *s, size_t len, size_t *out_len)
{
	const char *cur = s;
	size_t n = len;

	if (redact_paths(rd, cur, n, &rd->s1)) {
		cur = rd->s1.p;
		n = rd->s1.len;
	}
	if (redact_addr_text(rd, cur, n, &rd->s2)) {
		cur = rd->s2.p;
		n = rd->s2.len;
	}
	if (rd->s1.err || rd->s2.err || rd->z.err) {
		*out_len = 0;
		return NULL;
	}
	*out_len = n;
	return cur;
}

/*
 * A command line (NOTE): words separated by spaces. After a "--" word come
 * the traced command's arguments; with EBR_REDACT_ARGS every one after the
 * command's own name is replaced, as in exec records.
 */
static int redact_command_line(struct ebr_redactor *rd, const char *text, size_t len,
			       struct ebr_buf *out)
{
	size_t i = 0;
	int after_dashes = 0, argi = 0;

	while (i <= len) {
		size_t j = i, n;
		const char *w;

		while (j < len && text[j] != ' ')
			j++;
		if (after_dashes && argi > 0 && (rd->what & EBR_REDACT_ARGS)) {
			rd->counts.args++;
			if (rd->mode == EBR_REDACT_HASH)
				ebr_redact__token(rd, text + i, j - i, out);
			else if (out->len && out->p[out->len - 1] == ' ')
				out->len--; /* the word is gone, and its separator with it */
		} else {
			w = ebr_redact__string(rd, text + i, j - i, &n);
			if (!w)
				return -ENOMEM;
			ebr_buf__put(out, w, n);
		}
		if (after_dashes)
			argi++;
		else if (j - i == 2 && !memcmp(text + i, "--", 2))
			after_dashes = 1;
		if (j < len)
			ebr_buf__put(out, " ", 1);
		i = j + 1;
	}
	return out->err;
}

static void put_utf8(struct ebr_buf *b, uint32_t cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	ebr_buf__put(b, u, n);
}

static int hex4(const char *p, uint32_t *v)
{
	*v = 0;
	for (unsigned k = 0; k < 4; k++) {
		char c = p[k];

		if (!is_hex(c))
			return -1;
		*v = *v * 16 + (uint32_t)(is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	return 0;
}

/* Decode the JSON string whose body is s[0..len) (no quotes) into out. */
static void json_unescape(const char *s, size_t len, struct ebr_buf *out)
{
	out->len = 0;
	for (size_t i = 0; i < len; i++) {
		uint32_t cp, lo;
		char c = s[i];

		if (c != '\\' || i + 1 >= len) {
			ebr_buf__put(out, &c, 1);
			continue;
		}
		c = s[++i];
		switch (c) {
		case 'b': ebr_buf__put(out, "\b", 1); break;
		case 'f': ebr_buf__put(out, "\f", 1); break;
		case 'n': ebr_buf__put(out, "\n", 1); break;
		case 'r': ebr_buf__put(out, "\r", 1); break;
		case 't': ebr_buf__put(out, "\t", 1); break;
		case 'u':
			if (i + 4 >= len || hex4(s + i + 1, &cp)) {
				ebr_buf__put(out, "\\u", 2);
				break;
			}
			i += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && i + 6 < len && s[i + 1] == '\\' &&
			    s[i + 2] == 'u' && !hex4(s + i + 3, &lo) && lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				i += 6;
			}
			put_utf8(out, cp);
			break;
		default: ebr_buf__put(out, &c, 1); break; /* \" \\ \/ */
		}
	}
}

/* JSON text (CONFIG, DERIVED): the string rules apply to every string literal. */
/* Right after "command": or "argv": comes an argument list: [program, arg, ...] */
static int argv_key(const char *text, size_t key_start, size_t key_end, size_t len, size_t *list_start)
{
	size_t k = key_end + 1, n = key_end - key_start - 1;

	if (!((n == 7 && !memcmp(text + key_start + 1, "command", 7)) ||
	      (n == 4 && !memcmp(text + key_start + 1, "argv", 4))))
		return 0;
	while (k < len && (text[k] == ' ' || text[k] == '\n' || text[k] == '\t'))
		k++;
	if (k >= len || text[k] != ':')
		return 0;
	for (k++; k < len && (text[k] == ' ' || text[k] == '\n' || text[k] == '\t'); k++)
		;
	if (k >= len || text[k] != '[')
		return 0;
	*list_start = k;
	return 1;
}

static int redact_json(struct ebr_redactor *rd, const char *text, size_t len, struct ebr_buf *out)
{
	size_t i = 0, list_at = 0;
	int in_argv = 0, item = 0;

	while (i < len) {
		size_t j;
		const char *v;
		size_t n;

		if (text[i] != '"') {
			if (in_argv && text[i] == ']')
				in_argv = 0;
			ebr_buf__put(out, text + i, 1);
			i++;
			continue;
		}
		for (j = i + 1; j < len && text[j] != '"'; j++)
			if (text[j] == '\\')
				j++;
		if (j >= len)
			j = len; /* unterminated: treat the rest as the string */
		json_unescape(text + i + 1, j - i - 1, &rd->json);
		if (in_argv && item++ > 0 && (rd->what & EBR_REDACT_ARGS)) {
			/* an argument of a recorded command line: as exec arguments are */
			ebr_buf__put(out, "\"", 1);
			ebr_redact__token(rd, rd->json.p ? rd->json.p : "", rd->json.len, out);
			ebr_buf__put(out, "\"", 1);
			i = j + 1;
			continue;
		}
		v = ebr_redact__string(rd, rd->json.p ? rd->json.p : "", rd->json.len, &n);
		if (!v)
			return -ENOMEM;
		if (v == rd->json.p || (!rd->json.p && !n))
			ebr_buf__put(out, text + i, (j < len ? j + 1 : len) - i); /* unchanged */
		else
			ebr_json__str(out, v, n);
		if (!in_argv && j < len && argv_key(text, i, j, len, &list_at)) {
			in_argv = 1;
			item = 0;
		}
		i = j + 1;
	}
	return out->err ? out->err : rd->json.err;
}

int ebr_redactor__text(struct ebr_redactor *rd, unsigned kind, const char *text, size_t len,
		       struct ebr_buf *out)
{
	int err;

	if (kind == EBR_META_NOTE)
		err = redact_command_line(rd, text, len, out);
	else if (kind == EBR_META_CONFIG || kind == EBR_META_DERIVED)
		err = redact_json(rd, text, len, out);
	else
		return 0;
	return err ? err : 1;
}
