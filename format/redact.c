// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Redaction of records and of whole captures. A record is rebuilt, not
 * patched: its fixed part is copied, then every variable field is appended
 * again (redacted or not). Bytes of the old record that no field points at
 * are therefore never copied, whatever they held.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__APPLE__)
#include <sys/random.h> /* getentropy */
#endif

#include "events.h"
#include "internal.h"
#include "redact_internal.h"
#include "rewrite.h"

struct ebr_redactor *ebr_redactor__new(const struct ebr_schema *s, const struct ebr_redact_opts *opts)
{
	struct ebr_redact_opts o = {0};
	struct ebr_redactor *rd;

	if (opts)
		memcpy(&o, opts, opts->sz && opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	if ((o.what & EBR_REDACT_PATHS) && !o.n_path_globs) {
		pr_err("path redaction needs at least one pattern");
		errno = EINVAL;
		return NULL;
	}
	if (o.mode > EBR_REDACT_REMOVE) {
		pr_err("unknown redaction mode %u", o.mode);
		errno = EINVAL;
		return NULL;
	}
	rd = calloc(1, sizeof(*rd));
	if (!rd)
		goto nomem;
	rd->s = s ? s : ebr_schema__builtin();
	rd->what = o.what;
	rd->mode = o.mode;
	if (o.key) {
		memcpy(rd->key, o.key, sizeof(rd->key));
	} else if (getentropy(rd->key, sizeof(rd->key)) != 0) {
		pr_err("cannot get random bytes for the redaction key: %s", strerror(errno));
		free(rd);
		errno = EIO;
		return NULL;
	}
	/* addresses get a key of their own: a path and an address never share a hash */
	for (unsigned i = 0; i < sizeof(rd->key); i++)
		rd->ip_key[i] = rd->key[i] ^ 0x5c;
	if (o.what & EBR_REDACT_PATHS) {
		rd->globs = calloc(o.n_path_globs, sizeof(*rd->globs));
		if (!rd->globs)
			goto nomem;
		for (size_t i = 0; i < o.n_path_globs; i++) {
			rd->globs[i] = strdup(o.path_globs[i]);
			if (!rd->globs[i])
				goto nomem;
			rd->n_globs++;
		}
	}
	return rd;
nomem:
	ebr_redactor__free(rd);
	errno = ENOMEM;
	return NULL;
}

void ebr_redactor__free(struct ebr_redactor *rd)
{
	if (!rd)
		return;
	for (size_t i = 0; i < rd->n_globs; i++)
		free(rd->globs[i]);
	free(rd->globs);
	ebr_buf__free(&rd->s1);
	ebr_buf__free(&rd->s2);
	ebr_buf__free(&rd->z);
	ebr_buf__free(&rd->list);
	ebr_buf__free(&rd->json);
	/* the key is not left in freed memory */
	memset(rd->key, 0, sizeof(rd->key));
	memset(rd->ip_key, 0, sizeof(rd->ip_key));
	free(rd);
}

const struct ebr_redact_counts *ebr_redactor__counts(const struct ebr_redactor *rd)
{
	return &rd->counts;
}

/* An argument list (VSTRLIST): NUL-separated items; into rd->list. */
static int redact_list(struct ebr_redactor *rd, const char *s, size_t len)
{
	size_t i = 0, item = 0;

	rd->list.len = 0;
	if (len && s[len - 1] == 0)
		len--; /* a final NUL ends the last item; it is not an empty one */
	while (i <= len) {
		size_t j = i, n;
		const char *v;

		while (j < len && s[j])
			j++;
		if (item > 0 && (rd->what & EBR_REDACT_ARGS)) {
			rd->counts.args++;
			if (rd->mode == EBR_REDACT_HASH) {
				ebr_buf__put(&rd->list, "", 1);
				ebr_redact__token(rd, s + i, j - i, &rd->list);
			}
		} else {
			v = ebr_redact__string(rd, s + i, j - i, &n);
			if (!v)
				return -ENOMEM;
			if (item > 0)
				ebr_buf__put(&rd->list, "", 1);
			ebr_buf__put(&rd->list, v, n);
		}
		item++;
		i = j + 1;
	}
	return rd->list.err;
}

static int is_var(const struct ebr_field *f)
{
	return (f->kind == EBR_FK_VSTR || f->kind == EBR_FK_VSTRLIST || f->kind == EBR_FK_VBYTES) &&
	       f->size == sizeof(struct ebr_vstr);
}

int ebr_redactor__record(struct ebr_redactor *rd, const struct ebr_event_header *rec,
			 struct ebr_buf *out)
{
	const struct ebr_type *t = ebr_schema__type(rd->s, rec->type);
	size_t off, start = out->len;
	char *p;

	if (!t || !ebr_record__valid(t, rec)) {
		rd->counts.records_dropped++;
		return 0;
	}
	off = ebr_rec__begin(out, t->fixed_size);
	p = ebr_rec__at(out, off);
	if (!p)
		return -ENOMEM;
	memcpy(p, rec, t->fixed_size);
	/* no descriptor may point at the old record's bytes */
	for (uint32_t i = 0; i < t->n_fields; i++)
		if (is_var(&t->fields[i]))
			memset(p + t->fields[i].offset, 0, sizeof(struct ebr_vstr));
	for (uint32_t i = 0; i < t->n_fields; i++) {
		const struct ebr_field *f = &t->fields[i];
		const char *v;
		size_t len, n;

		if (f->kind == EBR_FK_IPADDR && f->size == 16) {
			p = ebr_rec__at(out, off);
			if (p)
				ebr_redact__ipaddr(rd, (uint8_t *)p + f->offset);
			continue;
		}
		if (!is_var(f))
			continue;
		v = ebr_field__str(f, rec, &len);
		if (!len)
			continue;
		if (f->kind == EBR_FK_VSTRLIST) {
			if (redact_list(rd, v, len))
				return -ENOMEM;
			v = rd->list.p;
			n = rd->list.len;
		} else if (f->kind == EBR_FK_VSTR) {
			v = ebr_redact__string(rd, v, len, &n);
			if (!v)
				return -ENOMEM;
		} else {
			n = len; /* raw bytes: no strings to find in them */
		}
		if (n)
			ebr_rec__add_str(out, off, f->offset, v, n);
	}
	ebr_rec__end(out, off);
	if (out->err) {
		out->len = start;
		return out->err;
	}
	rd->counts.records++;
	return 1;
}

int ebr_redactor__buffer(struct ebr_redactor *rd, const void *records, size_t len,
			 struct ebr_buf *out)
{
	const char *p = records;
	size_t off = 0;
	int n = 0;

	while (off < len) {
		const struct ebr_event_header *h = (const void *)(p + off);
		int ret;

		if (len - off < sizeof(*h) || h->size < sizeof(*h) || h->size % EBR_RECORD_ALIGN ||
		    h->size > len - off)
			return -EINVAL;
		ret = ebr_redactor__record(rd, h, out);
		if (ret < 0)
			return ret;
		n += ret;
		off += h->size;
	}
	return n;
}

int ebr_redactor__describe(const struct ebr_redactor *rd, const char *source_uuid,
			   struct ebr_buf *out)
{
	const struct ebr_redact_counts *c = &rd->counts;

	ebr_json__derived_begin(out, "redact", source_uuid);
	ebr_json__printf(out, ",\"mode\":\"%s\"", rd->mode == EBR_REDACT_HASH ? "hash" : "remove");
	if (rd->mode == EBR_REDACT_HASH)
		ebr_json__printf(out, ",\"hash\":\"siphash-2-4, 64 bits, random key per capture, not "
				      "stored\"");
	ebr_json__printf(out, ",\"args\":%s", rd->what & EBR_REDACT_ARGS ? "\"all but argv[0]\"" : "false");
	/* the patterns are not stored: they may spell out what they hide */
	ebr_json__printf(out, ",\"path_patterns\":%zu", rd->n_globs);
	ebr_json__printf(out, ",\"addresses\":%s",
			 rd->what & EBR_REDACT_ADDRESSES ? "\"all but loopback and unspecified\"" : "false");
	ebr_json__printf(out, ",\"env\":%s",
			 rd->what & EBR_REDACT_ENV ? "\"requested; ebpfrec records no environment "
						     "variables, so none were present\"" : "false");
	ebr_json__printf(out, ",\"replaced\":{\"args\":%llu,\"paths\":%llu,\"addresses\":%llu}",
			 (unsigned long long)c->args, (unsigned long long)c->paths,
			 (unsigned long long)c->addresses);
	ebr_json__printf(out, ",\"dropped\":{\"records\":%llu,\"metadata\":%llu}",
			 (unsigned long long)c->records_dropped, (unsigned long long)c->meta_dropped);
	ebr_json__printf(out, ",\"not_covered\":\"comm, the header's host and kernel, kernel "
			      "pointers, raw byte fields\"}");
	return out->err;
}

/* ------------------------------------------------------------ whole capture */

struct redact_run {
	struct ebr_reader *r;
	struct ebr_redactor *rd;
	struct ebr_writer *w;
	struct ebr_seg_out out;
	struct ebr_buf meta;
};

/* A metadata block of records: each rebuilt; undescribed types are dropped. */
static int redact_meta_records(struct redact_run *x, unsigned kind, const char *data, size_t len)
{
	size_t off = 0;
	int err;

	x->meta.len = 0;
	/* framing lost: what follows cannot be read, so it is not kept (as readers do) */
	while (len - off >= sizeof(struct ebr_event_header)) {
		struct ebr_event_header h;

		memcpy(&h, data + off, sizeof(h));
		if (h.size < sizeof(h) || h.size % EBR_RECORD_ALIGN || h.size > len - off)
			break;
		off += h.size;
	}
	/* the reader's copies are malloc'd, so records are aligned */
	err = ebr_redactor__buffer(x->rd, data, off, &x->meta);
	if (err < 0)
		return err;
	if (!x->meta.len)
		return 0;
	return ebr_writer__add_meta(x->w, kind, x->meta.p, x->meta.len);
}

static int redact_meta(struct redact_run *x)
{
	for (size_t i = 0; i < ebr_reader__meta_count(x->r); i++) {
		const void *data;
		unsigned kind;
		size_t len;
		int err = 0;

		ebr_reader__meta(x->r, i, &kind, &data, &len);
		switch (kind) {
		case EBR_META_SCHEMA:
		case EBR_META_SOURCES:
			err = ebr_writer__add_meta(x->w, kind, data, len);
			break;
		case EBR_META_PROCS:
		case EBR_META_PROBES:
		case EBR_META_CGROUPS:
			err = redact_meta_records(x, kind, data, len);
			break;
		case EBR_META_NOTE:
		case EBR_META_CONFIG:
		case EBR_META_DERIVED:
			x->meta.len = 0;
			err = ebr_redactor__text(x->rd, kind, data, len, &x->meta);
			if (err > 0)
				err = ebr_writer__add_meta(x->w, kind, x->meta.p ? x->meta.p : "",
							   x->meta.len);
			break;
		case EBR_META_ROTATION:
			break; /* a redacted copy is no file of the rotated set */
		default:
			/* what this ebpfrec cannot read, it cannot redact */
			x->rd->counts.meta_dropped++;
			pr_warn("%s: metadata block of unknown kind %u not copied: it cannot be redacted",
				ebr_reader__path(x->r), kind);
			break;
		}
		if (err < 0)
			return err;
	}
	return 0;
}

static int redact_events(struct redact_run *x)
{
	struct ebr_cursor_opts co = { .sz = sizeof(co) };
	const struct ebr_event_header *h;
	struct ebr_cursor *c = ebr_cursor__open(x->r, &co);
	int ret;

	if (!c)
		return -errno;
	while ((ret = ebr_cursor__next(c, &h)) > 0) {
		ret = ebr_redactor__record(x->rd, h, &x->out.buf);
		if (ret < 0)
			break;
		ret = ret ? ebr_seg_out__commit(&x->out) : 0;
		if (ret)
			break;
	}
	if (ebr_cursor__stats(c)->segments_lost)
		pr_warn("%s: %llu damaged segments skipped", ebr_reader__path(x->r),
			(unsigned long long)ebr_cursor__stats(c)->segments_lost);
	ebr_cursor__close(c);
	return ret ? ret : ebr_seg_out__flush(&x->out);
}

/* The same events: the capture's drops by type stand as they are, in every segment and the trailer. */
static int copy_drops_by_type(struct redact_run *x)
{
	uint64_t *dbt = calloc((size_t)EBR_DROP_NR * EBR_DROP_TYPE_SLOTS, sizeof(*dbt));

	if (!dbt)
		return -ENOMEM;
	ebr_rewrite__drops_by_type(x->r, dbt);
	ebr_writer__set_drops_by_type(x->w, dbt, EBR_DROP_NR, EBR_DROP_TYPE_SLOTS);
	free(dbt);
	return 0;
}

int ebr_capture__redact(struct ebr_reader *r, const char *out_path, const struct ebr_redact_opts *opts,
			struct ebr_redact_counts *counts)
{
	struct ebr_writer_opts wo = { .sz = sizeof(wo) };
	struct redact_run x = { .r = r };
	struct ebr_redact_opts o = {0};
	int err;

	if (opts)
		memcpy(&o, opts, opts->sz && opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	err = ebr_rewrite__check_paths(ebr_reader__path(r), out_path);
	if (err)
		return err;
	x.rd = ebr_redactor__new(ebr_reader__schema(r), &o);
	if (!x.rd)
		return -errno;
	ebr_rewrite__writer_opts(ebr_reader__info(r), &wo);
	wo.force = o.force;
	wo.compression_level = o.compression_level;
	x.w = ebr_writer__open(out_path, &wo);
	if (!x.w) {
		err = -errno;
		ebr_redactor__free(x.rd);
		return err;
	}
	x.out.w = x.w;
	/* the same events: the capture's drop totals stand as they are */
	memcpy(x.out.drops, ebr_reader__info(r)->drops, sizeof(x.out.drops));
	err = copy_drops_by_type(&x);
	if (!err)
		err = redact_meta(&x);
	if (!err)
		err = redact_events(&x);
	if (!err) {
		x.meta.len = 0;
		err = ebr_redactor__describe(x.rd, ebr_reader__info(r)->uuid_str, &x.meta);
		if (!err)
			err = ebr_writer__add_meta(x.w, EBR_META_DERIVED, x.meta.p, x.meta.len);
	}
	if (!err) {
		err = ebr_writer__close(x.w);
	} else {
		ebr_writer__abandon(x.w);
		unlink(out_path);
	}
	if (err == -ENOMEM)
		pr_err("out of memory while redacting %s", ebr_reader__path(r));
	x.rd->counts.events = x.out.n_records;
	if (counts)
		*counts = x.rd->counts;
	ebr_seg_out__free(&x.out);
	ebr_buf__free(&x.meta);
	ebr_redactor__free(x.rd);
	return err;
}
