// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ebpfrec/decode.h"
#include "events.h"
#include "internal.h"
#include "names.h"

struct ebr_decoder {
	const struct ebr_schema *schema;
	struct ebr_capture_info info;
	int have_info;
	struct ebr_decoder_opts o;
	char type_buf[32];
};

struct ebr_decoder *ebr_decoder__new(const struct ebr_schema *s, const struct ebr_capture_info *info,
				     const struct ebr_decoder_opts *opts)
{
	struct ebr_decoder *d = calloc(1, sizeof(*d));

	if (!d) {
		errno = ENOMEM;
		return NULL;
	}
	d->schema = s;
	if (info) {
		d->info = *info;
		d->have_info = 1;
	}
	if (opts)
		memcpy(&d->o, opts, opts->sz && opts->sz < sizeof(d->o) ? opts->sz : sizeof(d->o));
	if (!d->o.t0 && info)
		d->o.t0 = info->t_first;
	return d;
}

void ebr_decoder__free(struct ebr_decoder *d)
{
	free(d);
}

const char *ebr_decoder__type_name(struct ebr_decoder *d, unsigned type)
{
	const struct ebr_type *t = ebr_schema__type(d->schema, type);

	if (t)
		return t->name;
	snprintf(d->type_buf, sizeof(d->type_buf), "type_%u", type);
	return d->type_buf;
}

char *ebr_format_wall_time(uint64_t wall_ns, char *buf, size_t len)
{
	time_t secs = (time_t)(wall_ns / 1000000000ULL);
	struct tm tm;

	if (!gmtime_r(&secs, &tm)) {
		snprintf(buf, len, "%" PRIu64, wall_ns);
		return buf;
	}
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09uZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(wall_ns % 1000000000ULL));
	return buf;
}

static int is_common(const struct ebr_field *f)
{
	return f->offset < sizeof(struct ebr_event_header);
}

/* ------------------------------------------------------------------ text */

static void text_string(FILE *out, const char *s, size_t len)
{
	int plain = len > 0;

	for (size_t i = 0; i < len && plain; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == '"' || s[i] == '\\' || (unsigned char)s[i] >= 0x7f)
			plain = 0;
	if (plain) {
		fwrite(s, 1, len, out);
		return;
	}
	putc('"', out);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < ' ' || c == 0x7f)
			fprintf(out, "\\x%02x", c);
		else
			putc(c, out);
	}
	putc('"', out);
}

static void text_strlist(FILE *out, const char *s, size_t len)
{
	size_t i = 0;

	putc('[', out);
	while (i < len) {
		size_t n = strnlen(s + i, len - i);

		if (i)
			putc(' ', out);
		text_string(out, s + i, n);
		i += n + 1;
	}
	putc(']', out);
}

char *ebr_format_ip(const uint8_t addr[16], char *buf, size_t len)
{
	const uint8_t *a = addr;

	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (!memcmp(a, v4mapped, 12)) {
		snprintf(buf, len, "%u.%u.%u.%u", a[12], a[13], a[14], a[15]);
		return buf;
	}
	/* RFC 5952 short form: the longest run of zero groups becomes "::" */
	uint16_t g[8];
	int best = -1, best_len = 0;

	for (int i = 0; i < 8; i++)
		g[i] = (uint16_t)(a[2 * i] << 8 | a[2 * i + 1]);
	for (int i = 0; i < 8;) {
		int j = i;

		while (j < 8 && !g[j])
			j++;
		if (j - i > best_len && j - i > 1) {
			best = i;
			best_len = j - i;
		}
		i = j > i ? j : i + 1;
	}
	size_t o = 0;

	buf[0] = 0;
	for (int i = 0; i < 8 && o < len; i++) {
		if (i == best) {
			o += (size_t)snprintf(buf + o, len - o, "::");
			i += best_len - 1;
			continue;
		}
		o += (size_t)snprintf(buf + o, len - o, "%s%x", o && buf[o - 1] != ':' ? ":" : "", g[i]);
	}
	return buf;
}

static void text_value(struct ebr_decoder *d, const struct ebr_field *f,
		       const struct ebr_event_header *rec, FILE *out)
{
	char buf[64];
	size_t len;
	const char *s;
	int64_t v;

	switch (f->kind) {
	case EBR_FK_CHARS:
	case EBR_FK_VSTR:
	case EBR_FK_VBYTES:
		s = ebr_field__str(f, rec, &len);
		text_string(out, s, len);
		return;
	case EBR_FK_VSTRLIST:
		s = ebr_field__str(f, rec, &len);
		text_strlist(out, s, len);
		return;
	case EBR_FK_IPADDR:
		ebr_format_ip((const uint8_t *)rec + f->offset, buf, sizeof(buf));
		fputs(buf, out);
		return;
	default:
		break;
	}
	switch (f->hint) {
	case EBR_FH_HEX:
		fprintf(out, "0x%" PRIx64, ebr_field__u64(f, rec));
		return;
	case EBR_FH_ERRNO:
		v = ebr_field__s64(f, rec);
		if (v < 0 && ebr_errno_name((unsigned)-v))
			fprintf(out, "%" PRId64 "(%s)", v, ebr_errno_name((unsigned)-v));
		else
			fprintf(out, "%" PRId64, v);
		return;
	case EBR_FH_SIGNAL:
		v = ebr_field__s64(f, rec);
		fputs(v ? ebr_signal_name((unsigned)v, buf, sizeof(buf)) : "0", out);
		return;
	case EBR_FH_TYPE:
		fputs(ebr_decoder__type_name(d, (unsigned)ebr_field__u64(f, rec)), out);
		return;
	default:
		if (ebr_field__is_signed(f))
			fprintf(out, "%" PRId64, ebr_field__s64(f, rec));
		else
			fprintf(out, "%" PRIu64, ebr_field__u64(f, rec));
	}
}

static void text_time(struct ebr_decoder *d, uint64_t ts, FILE *out)
{
	char buf[48];

	switch (d->o.time_format) {
	case EBR_TIME_WALL:
		fputs(ebr_format_wall_time(ts + (uint64_t)d->info.boot_to_wall_ns, buf, sizeof(buf)), out);
		break;
	case EBR_TIME_BOOT:
		fprintf(out, "%" PRIu64, (uint64_t)ts);
		break;
	default: {
		int64_t rel = (int64_t)(ts - d->o.t0);
		uint64_t a = rel < 0 ? (uint64_t)-rel : (uint64_t)rel;

		fprintf(out, "%s%" PRIu64 ".%09" PRIu64, rel < 0 ? "-" : "", (uint64_t)(a / 1000000000U),
			(uint64_t)(a % 1000000000U));
	}
	}
}

int ebr_decoder__text(struct ebr_decoder *d, const struct ebr_event_header *rec, FILE *out)
{
	const struct ebr_type *t = ebr_schema__type(d->schema, rec->type);
	char comm[EBR_COMM_LEN + 1];

	memcpy(comm, rec->comm, EBR_COMM_LEN);
	comm[EBR_COMM_LEN] = 0;
	text_time(d, rec->ts, out);
	fprintf(out, " cpu%u %s[%u/%u] %s", rec->cpu, comm, rec->pid, rec->tid,
		ebr_decoder__type_name(d, rec->type));
	if (t && ebr_record__valid(t, rec)) {
		fprintf(out, " ppid=%u uid=%u gid=%u", rec->ppid, rec->uid, rec->gid);
		for (uint32_t i = 0; i < t->n_fields; i++) {
			const struct ebr_field *f = &t->fields[i];

			if (is_common(f) || f->hint == EBR_FH_HIDDEN)
				continue;
			fprintf(out, " %s=", f->name);
			text_value(d, f, rec, out);
		}
		if (rec->flags & EBR_HDR_TRUNCATED)
			fputs(" (truncated)", out);
	} else {
		fprintf(out, " size=%u (not described by the capture's schema)", rec->size);
	}
	putc('\n', out);
	return ferror(out) ? -EIO : 0;
}

/* ------------------------------------------------------------------ JSON */

static size_t utf8_seq_len(const unsigned char *s, size_t left)
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

/* JSON strings must be UTF-8: a byte that is not part of valid UTF-8 becomes \u00XX. */
static void json_string(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	putc('"', out);
	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		size_t n;

		if (c == '"' || c == '\\') {
			putc('\\', out);
			putc(c, out);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			if (c == '\n')
				fputs("\\n", out);
			else if (c == '\t')
				fputs("\\t", out);
			else
				fprintf(out, "\\u%04x", c);
			i++;
		} else if ((n = utf8_seq_len(p + i, len - i)) != 0) {
			fwrite(p + i, 1, n, out);
			i += n;
		} else {
			fprintf(out, "\\u%04x", c);
			i++;
		}
	}
	putc('"', out);
}

static void json_strlist(FILE *out, const char *s, size_t len)
{
	size_t i = 0;

	putc('[', out);
	while (i < len) {
		size_t n = strnlen(s + i, len - i);

		if (i)
			putc(',', out);
		json_string(out, s + i, n);
		i += n + 1;
	}
	putc(']', out);
}

static void json_field(struct ebr_decoder *d, const struct ebr_field *f,
		       const struct ebr_event_header *rec, FILE *out)
{
	char buf[64];
	size_t len;
	const char *s;
	int64_t v;

	fprintf(out, ",\"%s\":", f->name);
	switch (f->kind) {
	case EBR_FK_CHARS:
	case EBR_FK_VSTR:
	case EBR_FK_VBYTES:
		s = ebr_field__str(f, rec, &len);
		json_string(out, s, len);
		return;
	case EBR_FK_VSTRLIST:
		s = ebr_field__str(f, rec, &len);
		json_strlist(out, s, len);
		return;
	case EBR_FK_IPADDR:
		ebr_format_ip((const uint8_t *)rec + f->offset, buf, sizeof(buf));
		json_string(out, buf, strlen(buf));
		return;
	default:
		break;
	}
	switch (f->hint) {
	case EBR_FH_BOOL:
		fputs(ebr_field__u64(f, rec) ? "true" : "false", out);
		return;
	case EBR_FH_TYPE:
		s = ebr_decoder__type_name(d, (unsigned)ebr_field__u64(f, rec));
		json_string(out, s, strlen(s));
		return;
	case EBR_FH_ERRNO:
		v = ebr_field__s64(f, rec);
		fprintf(out, "%" PRId64, v);
		if (v < 0 && ebr_errno_name((unsigned)-v))
			fprintf(out, ",\"errno\":\"%s\"", ebr_errno_name((unsigned)-v));
		return;
	case EBR_FH_SIGNAL:
		v = ebr_field__s64(f, rec);
		fprintf(out, "%" PRId64, v);
		if (v)
			fprintf(out, ",\"%s_name\":\"%s\"", f->name,
				ebr_signal_name((unsigned)v, buf, sizeof(buf)));
		return;
	default:
		if (ebr_field__is_signed(f))
			fprintf(out, "%" PRId64, ebr_field__s64(f, rec));
		else
			fprintf(out, "%" PRIu64, ebr_field__u64(f, rec));
	}
}

int ebr_decoder__json(struct ebr_decoder *d, const struct ebr_event_header *rec, FILE *out)
{
	const struct ebr_type *t = ebr_schema__type(d->schema, rec->type);
	char buf[48];

	fprintf(out, "{\"ts\":%" PRIu64, (uint64_t)rec->ts);
	if (d->have_info)
		fprintf(out, ",\"time\":\"%s\"",
			ebr_format_wall_time(rec->ts + (uint64_t)d->info.boot_to_wall_ns, buf, sizeof(buf)));
	fputs(",\"type\":", out);
	json_string(out, ebr_decoder__type_name(d, rec->type), strlen(ebr_decoder__type_name(d, rec->type)));
	if (t) {
		fputs(",\"family\":", out);
		json_string(out, t->family_name, strlen(t->family_name));
	}
	if (t && ebr_record__valid(t, rec)) {
		for (uint32_t i = 0; i < t->n_fields; i++) {
			const struct ebr_field *f = &t->fields[i];

			if (f->hint == EBR_FH_HIDDEN || f->hint == EBR_FH_TYPE || f->offset == 0)
				continue; /* ts and type are already out */
			json_field(d, f, rec, out);
		}
		if (rec->flags & EBR_HDR_TRUNCATED)
			fputs(",\"truncated\":true", out);
	} else {
		fprintf(out, ",\"pid\":%u,\"tid\":%u,\"size\":%u", rec->pid, rec->tid, rec->size);
	}
	fputs("}\n", out);
	return ferror(out) ? -EIO : 0;
}
