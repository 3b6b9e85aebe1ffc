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

/*
 * The symbolic form of an enumerated or flag field ("ESTABLISHED", "out",
 * "O_RDONLY|O_CLOEXEC", "openat"), or NULL when the field is plain.
 */
static const char *symbolic(struct ebr_decoder *d, const struct ebr_field *f,
			    const struct ebr_event_header *rec)
{
	uint64_t v = ebr_field__u64(f, rec);
	const char *machine = d->have_info ? d->info.machine : NULL;

	switch (f->hint) {
	case EBR_FH_SYSCALL:
		return ebr_syscall_name(machine, (unsigned)v);
	case EBR_FH_TCP_STATE:
		return v ? ebr_tcp_state_name((unsigned)v) : "-";
	case EBR_FH_FAMILY:
		return ebr_af_name((unsigned)v);
	case EBR_FH_PROTO:
		return ebr_proto_name((unsigned)v);
	case EBR_FH_DIRECTION:
		return ebr_direction_name((unsigned)v);
	case EBR_FH_FILE_OP:
		return ebr_file_op_name((unsigned)v);
	case EBR_FH_FTYPE:
		return ebr_ftype_name((unsigned)v);
	default:
		return NULL;
	}
}

/* Flag fields: text shows the names, JSON keeps the number. */
static const char *flags_text(struct ebr_decoder *d, const struct ebr_field *f,
			      const struct ebr_event_header *rec, char *buf, size_t len)
{
	uint64_t v = ebr_field__u64(f, rec);

	switch (f->hint) {
	case EBR_FH_OPEN_FLAGS:
		return ebr_open_flags_str(d->have_info ? d->info.machine : NULL, (unsigned)v, buf, len);
	case EBR_FH_PROT:
		return ebr_prot_str((unsigned)v, buf, len);
	case EBR_FH_MAP_FLAGS:
		return ebr_map_flags_str((unsigned)v, buf, len);
	case EBR_FH_CLONE_FLAGS:
		return ebr_clone_flags_str(v, buf, len);
	case EBR_FH_OCTAL:
		snprintf(buf, len, "0%llo", (unsigned long long)v);
		return buf;
	case EBR_FH_GFP:
		snprintf(buf, len, "0x%llx", (unsigned long long)v);
		return buf;
	default:
		return NULL;
	}
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
	char buf[256]; /* the longest flag list: every CLONE_* name */
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
	case EBR_FK_BYTES:
		for (uint32_t i = 0; i < f->size; i++)
			fprintf(out, "%02x", ((const uint8_t *)rec)[f->offset + i]);
		return;
	default:
		break;
	}
	if ((s = symbolic(d, f, rec)) || (s = flags_text(d, f, rec, buf, sizeof(buf)))) {
		fputs(s, out);
		return;
	}
	switch (f->hint) {
	case EBR_FH_HEX:
		fprintf(out, "0x%" PRIx64, ebr_field__u64(f, rec));
		return;
	case EBR_FH_HEX_ERRNO:
		v = ebr_field__s64(f, rec);
		if (v < 0 && v > -4096) {
			fprintf(out, "%" PRId64 "(%s)", v, ebr_errno_name((unsigned)-v) ?: "?");
			return;
		}
		fprintf(out, "0x%" PRIx64, (uint64_t)v);
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
		break;
	}
	if (ebr_field__is_signed(f))
		fprintf(out, "%" PRId64, ebr_field__s64(f, rec));
	else
		fprintf(out, "%" PRIu64, ebr_field__u64(f, rec));
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

/*
 * Any process can set its comm (prctl PR_SET_NAME), so control bytes are
 * escaped rather than sent to a terminal; spaces stay as they are.
 */
static void text_comm(FILE *out, const char *comm)
{
	size_t n = strnlen(comm, EBR_COMM_LEN);

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)comm[i];

		if (c < ' ' || c == 0x7f)
			fprintf(out, "\\x%02x", c);
		else
			putc(c, out);
	}
}

int ebr_decoder__text(struct ebr_decoder *d, const struct ebr_event_header *rec, FILE *out)
{
	const struct ebr_type *t = ebr_schema__type(d->schema, rec->type);

	text_time(d, rec->ts, out);
	fprintf(out, " cpu%u ", rec->cpu);
	text_comm(out, rec->comm);
	fprintf(out, "[%u/%u] %s", rec->pid, rec->tid, ebr_decoder__type_name(d, rec->type));
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

/*
 * Length of the well-formed UTF-8 sequence at s, or 0 (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF); strict JSON
 * parsers reject those.
 */
static size_t utf8_seq_len(const unsigned char *s, size_t left)
{
	unsigned char lo = 0x80, hi = 0xbf; /* range of the second byte */
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (n > left || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
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

/* json_field flag: no comma before the key (the object's first member) */
#define JSON_FIRST (1u << 31)

static void json_field(struct ebr_decoder *d, const struct ebr_field *f,
		       const struct ebr_event_header *rec, unsigned flags, FILE *out)
{
	char buf[64];
	size_t len;
	const char *s;
	int64_t v;

	/* names come from the capture's schema, which is untrusted: escape them */
	if (!(flags & JSON_FIRST))
		putc(',', out);
	json_string(out, f->name, strlen(f->name));
	putc(':', out);
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
	case EBR_FK_BYTES:
		putc('"', out);
		for (uint32_t i = 0; i < f->size; i++)
			fprintf(out, "%02x", ((const uint8_t *)rec)[f->offset + i]);
		putc('"', out);
		return;
	default:
		break;
	}
	if (f->hint == EBR_FH_SYSCALL) {
		/* the number stays exact; the name is what people search for */
		fprintf(out, "%" PRIu64, ebr_field__u64(f, rec));
		s = symbolic(d, f, rec);
		if (s)
			fprintf(out, ",\"syscall\":\"%s\"", s);
		return;
	}
	s = symbolic(d, f, rec);
	if (s) {
		json_string(out, s, strlen(s));
		return;
	}
	switch (f->hint) {
	case EBR_FH_BOOL:
		fputs(ebr_field__u64(f, rec) ? "true" : "false", out);
		return;
	case EBR_FH_HEX:
		if (flags & EBR_JSON_HEX_STRINGS) {
			fprintf(out, "\"0x%" PRIx64 "\"", ebr_field__u64(f, rec));
			return;
		}
		break;
	case EBR_FH_ERRNO:
	case EBR_FH_HEX_ERRNO:
		v = ebr_field__s64(f, rec);
		if (f->hint == EBR_FH_HEX_ERRNO && v >= 0 && (flags & EBR_JSON_HEX_STRINGS)) {
			fprintf(out, "\"0x%" PRIx64 "\"", (uint64_t)v);
			return;
		}
		fprintf(out, "%" PRId64, v);
		if (v < 0 && v > -4096 && ebr_errno_name((unsigned)-v))
			fprintf(out, ",\"errno\":\"%s\"", ebr_errno_name((unsigned)-v));
		return;
	case EBR_FH_TYPE:
		s = ebr_decoder__type_name(d, (unsigned)ebr_field__u64(f, rec));
		json_string(out, s, strlen(s));
		return;
	case EBR_FH_SIGNAL:
		v = ebr_field__s64(f, rec);
		fprintf(out, "%" PRId64, v);
		if (v) {
			char key[80];

			snprintf(key, sizeof(key), "%s_name", f->name);
			putc(',', out);
			json_string(out, key, strlen(key));
			s = ebr_signal_name((unsigned)v, buf, sizeof(buf));
			fputs(":", out);
			json_string(out, s, strlen(s));
		}
		return;
	default:
		break;
	}
	if (ebr_field__is_signed(f))
		fprintf(out, "%" PRId64, ebr_field__s64(f, rec));
	else
		fprintf(out, "%" PRIu64, ebr_field__u64(f, rec));
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
			json_field(d, f, rec, 0, out);
		}
		if (rec->flags & EBR_HDR_TRUNCATED)
			fputs(",\"truncated\":true", out);
	} else {
		fprintf(out, ",\"pid\":%u,\"tid\":%u,\"size\":%u", rec->pid, rec->tid, rec->size);
	}
	fputs("}\n", out);
	return ferror(out) ? -EIO : 0;
}

void ebr_json_string(FILE *out, const char *s, size_t len)
{
	json_string(out, s, len);
}

int ebr_decoder__json_fields(struct ebr_decoder *d, const struct ebr_event_header *rec, unsigned flags,
			     FILE *out)
{
	const struct ebr_type *t = ebr_schema__type(d->schema, rec->type);
	unsigned first = JSON_FIRST;

	putc('{', out);
	if (t && ebr_record__valid(t, rec)) {
		for (uint32_t i = 0; i < t->n_fields; i++) {
			const struct ebr_field *f = &t->fields[i];

			if (f->hint == EBR_FH_HIDDEN || f->hint == EBR_FH_TYPE || f->offset == 0)
				continue;
			if ((flags & EBR_JSON_OWN_FIELDS) && is_common(f))
				continue;
			json_field(d, f, rec, (flags & ~JSON_FIRST) | first, out);
			first = 0;
		}
		if (rec->flags & EBR_HDR_TRUNCATED)
			fputs(first ? "\"truncated\":true" : ",\"truncated\":true", out);
	}
	putc('}', out);
	return ferror(out) ? -EIO : 0;
}
