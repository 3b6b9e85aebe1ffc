// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Helpers for commands that write a new capture from existing ones. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "internal.h"
#include "reader_internal.h"
#include "rewrite.h"
#include "seg_codec.h"

int ebr_seg_out__flush(struct ebr_seg_out *o)
{
	int err;

	if (o->buf.err)
		return o->buf.err;
	if (!o->buf.len)
		return 0;
	err = ebr_writer__add_segment(o->w, o->buf.p, o->buf.len, o->drops, EBR_DROP_NR);
	o->buf.len = 0;
	return err;
}

int ebr_seg_out__commit(struct ebr_seg_out *o)
{
	if (o->buf.err)
		return o->buf.err;
	o->n_records++;
	if (o->buf.len >= (o->limit ? o->limit : EBR_REWRITE_SEGMENT_BYTES))
		return ebr_seg_out__flush(o);
	return 0;
}

int ebr_seg_out__add(struct ebr_seg_out *o, const struct ebr_event_header *rec)
{
	ebr_buf__put(&o->buf, rec, rec->size);
	return ebr_seg_out__commit(o);
}

void ebr_seg_out__free(struct ebr_seg_out *o)
{
	ebr_buf__free(&o->buf);
}

void ebr_rewrite__writer_opts(const struct ebr_capture_info *in, struct ebr_writer_opts *o)
{
	o->created_wall_ns = in->created_wall_ns;
	/* 0 would make the writer measure this machine's offset; a real capture never has 0 */
	o->boot_to_wall_ns = in->boot_to_wall_ns;
	o->host = in->host;
	o->kernel_release = in->kernel_release;
	o->kernel_version = in->kernel_version;
	o->machine = in->machine;
	o->ncpus = in->ncpus;
	o->page_size = in->page_size;
	/* a compact capture stays compact: 1.1 is the version that brought columns */
	o->segment_encoding = in->major == 1 && in->minor >= 1 ? EBR_SEG_ENC_COLUMNS : EBR_SEG_ENC_RECORDS;
}

int ebr_rewrite__check_paths(const char *in_path, const char *out)
{
	struct stat a, b;

	if (stat(in_path, &a) == 0 && stat(out, &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino) {
		pr_err("%s is the input capture; write to another file", out);
		return -EINVAL;
	}
	return 0;
}

void ebr_json__str(struct ebr_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";

	ebr_buf__put(b, "\"", 1);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

		if (c == '"' || c == '\\') {
			ebr_buf__put(b, "\\", 1);
			ebr_buf__put(b, &s[i], 1);
		} else if (c < 0x20 || c == 0x7f) {
			ebr_buf__put(b, esc, sizeof(esc));
		} else {
			ebr_buf__put(b, &s[i], 1);
		}
	}
	ebr_buf__put(b, "\"", 1);
}

void ebr_json__printf(struct ebr_buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		ebr_buf__put(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

void ebr_json__derived_begin(struct ebr_buf *b, const char *op, const char *source_uuid)
{
	ebr_json__printf(b, "{\"op\":\"%s\"", op);
	if (source_uuid)
		ebr_json__printf(b, ",\"source\":\"%s\"", source_uuid);
	ebr_json__printf(b, ",\"tool\":\"%s\"", EBR_VERSION);
}

int ebr_rewrite__copy_meta(struct ebr_reader *r, struct ebr_writer *w, const unsigned *skip)
{
	for (size_t i = 0; i < ebr_reader__meta_count(r); i++) {
		const void *data;
		unsigned kind;
		size_t len;
		int keep = 1, err;

		ebr_reader__meta(r, i, &kind, &data, &len);
		for (const unsigned *k = skip; k && *k; k++)
			keep &= kind != *k;
		if (!keep)
			continue;
		err = ebr_writer__add_meta(w, kind, data, len);
		if (err)
			return err;
	}
	return 0;
}

void ebr_rewrite__window_drops(const struct ebr_reader *r, size_t first, size_t last,
			       uint64_t out[EBR_DROP_NR])
{
	uint64_t before[EBR_DROP_NR] = {0};
	size_t n = ebr_reader__segment_count(r);

	memset(out, 0, EBR_DROP_NR * sizeof(*out));
	/* counters are cumulative; a recovered file may have gaps, so take maxima */
	for (size_t i = 0; i < n && i <= last; i++) {
		const struct ebr_segment_info *s = ebr_reader__segment(r, i);

		for (unsigned d = 0; d < EBR_DROP_NR; d++) {
			if (i < first && s->drops[d] > before[d])
				before[d] = s->drops[d];
			if (s->drops[d] > out[d])
				out[d] = s->drops[d];
		}
	}
	for (unsigned d = 0; d < EBR_DROP_NR; d++)
		out[d] = out[d] > before[d] ? out[d] - before[d] : 0;
}

/* Segment i's drops by type: stored into out, or (subtract) taken from it, never below 0. */
static int segment_dbt(struct ebr_reader *r, size_t i, int subtract, uint64_t *out)
{
	struct ebr_drop_by_type_disk *d;
	size_t n;
	int err = ebr_reader__segment_drops_by_type(r, i, &d, &n);

	if (err == -ENOMEM)
		return err;
	for (size_t k = 0; k < n; k++) {
		uint64_t *v;

		if (d[k].reason >= EBR_DROP_NR || d[k].type >= EBR_DROP_TYPE_SLOTS)
			continue;
		v = &out[d[k].reason * EBR_DROP_TYPE_SLOTS + d[k].type];
		if (!subtract)
			*v = d[k].count;
		else
			*v = *v > d[k].count ? *v - d[k].count : 0;
	}
	free(d);
	return 0; /* a header that no longer reads says nothing (the reader said so) */
}

int ebr_rewrite__window_drops_by_type(struct ebr_reader *r, size_t first, size_t last, uint64_t *out)
{
	int err;

	memset(out, 0, (size_t)EBR_DROP_NR * EBR_DROP_TYPE_SLOTS * sizeof(*out));
	if (last >= ebr_reader__segment_count(r) || first > last)
		return 0; /* a window past every segment: nothing counted in it, as by reason */
	err = segment_dbt(r, last, 0, out);
	if (!err && first > 0)
		err = segment_dbt(r, first - 1, 1, out);
	return err;
}

void ebr_rewrite__drops_by_type(const struct ebr_reader *r, uint64_t *out)
{
	for (unsigned d = 0; d < EBR_DROP_NR; d++)
		for (unsigned t = 0; t < EBR_DROP_TYPE_SLOTS; t++)
			out[d * EBR_DROP_TYPE_SLOTS + t] = ebr_reader__drops_by_type(r, d, t);
}
