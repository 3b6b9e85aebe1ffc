// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE /* nftw's FTW_DEPTH / FTW_PHYS */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "capture_fixture.h"
#include "events.h"
#include "internal.h"

uint64_t fx_rand(struct fx_rng *r)
{
	/* splitmix64: fast, and every seed gives a good stream */
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t fx_below(struct fx_rng *r, uint64_t n)
{
	return n ? fx_rand(r) % n : 0;
}

static const char *const words[] = {
	"usr", "bin", "lib", "x86_64-linux-gnu", "local", "share", "etc", "proc", "self", "home",
	"build", "src", "cc1", "ld", "python3", "bash", "make", "ninja", "git", "--quiet",
	"-O2", "-c", "main.c", "out.o", "é", "\"q\"", "tab\there", "",
};
#define N_WORDS (sizeof(words) / sizeof(words[0]))

/* A path-like string of up to max bytes (max >= 1), NUL-free unless sep is 0. */
static size_t fill_str(struct fx_rng *r, char *buf, size_t max, char sep)
{
	size_t len = 0, n = fx_below(r, 6);

	for (size_t i = 0; i < n; i++) {
		const char *w = words[fx_below(r, N_WORDS)];
		size_t wl = strlen(w);

		if (len + wl + 1 > max)
			break;
		buf[len++] = sep;
		memcpy(buf + len, w, wl);
		len += wl;
	}
	if (len + 4 <= max && fx_below(r, 2)) {
		uint32_t v = (uint32_t)fx_rand(r);

		memcpy(buf + len, &v, 4); /* arbitrary bytes, invalid UTF-8 included */
		len += 4;
	}
	return len;
}

static const char *const comms[] = { "bash", "make", "cc1", "kworker/0:1", "systemd", "ld",
				     "a b", ("x\x1b" "y") /* split: \x1by would be one escape */ };

size_t fx_append_record(struct ebr_buf *b, struct fx_rng *r, uint64_t ts, uint32_t id,
			int with_unknown)
{
	unsigned pick = (unsigned)fx_below(r, 100);
	struct ebr_event_header *h;
	char s[160];
	size_t off, len;

	if (pick < 30) {
		struct ebr_exec_event *e;

		off = ebr_rec__begin(b, sizeof(*e));
		e = ebr_rec__at(b, off);
		e->hdr.type = EBR_T_EXEC;
		e->ret = -(int32_t)fx_below(r, 14);
		e->old_pid = id + 1;
		e->argc = (uint32_t)fx_below(r, 9);
		len = fill_str(r, s, sizeof(s), '/');
		ebr_rec__add_str(b, off, offsetof(struct ebr_exec_event, filename), s, len);
		len = fill_str(r, s, sizeof(s), 0);
		ebr_rec__add_str(b, off, offsetof(struct ebr_exec_event, args), s, len);
	} else if (pick < 50) {
		struct ebr_fork_event *e;

		off = ebr_rec__begin(b, sizeof(*e));
		e = ebr_rec__at(b, off);
		e->hdr.type = EBR_T_FORK;
		e->child_pid = (uint32_t)fx_rand(r);
		e->child_tid = e->child_pid + 1;
		e->flags = (uint32_t)fx_below(r, 2);
		e->clone_flags = fx_rand(r) & 0xffffff;
	} else if (pick < 65) {
		struct ebr_exit_event *e;

		off = ebr_rec__begin(b, sizeof(*e));
		e = ebr_rec__at(b, off);
		e->hdr.type = EBR_T_EXIT;
		e->exit_code = (int32_t)fx_below(r, 256);
		e->signal = (uint32_t)fx_below(r, 3) * 9;
		e->raw_status = (uint32_t)fx_rand(r) & 0xffff;
		e->start_ns = ts / 2;
	} else if (pick < 80) {
		struct ebr_proc_info *e;

		off = ebr_rec__begin(b, sizeof(*e));
		e = ebr_rec__at(b, off);
		e->hdr.type = EBR_T_PROC_INFO;
		e->start_ns = ts / 3;
		e->flags = (uint32_t)fx_below(r, 2);
		len = fill_str(r, s, sizeof(s), '/');
		ebr_rec__add_str(b, off, offsetof(struct ebr_proc_info, exe), s, len);
		len = fill_str(r, s, sizeof(s), 0);
		ebr_rec__add_str(b, off, offsetof(struct ebr_proc_info, cmdline), s, len);
		len = fill_str(r, s, sizeof(s), '/');
		ebr_rec__add_str(b, off, offsetof(struct ebr_proc_info, cgroup), s, len);
	} else if (pick < 90 || !with_unknown) {
		struct ebr_probe_status *e;

		off = ebr_rec__begin(b, sizeof(*e));
		e = ebr_rec__at(b, off);
		e->hdr.type = EBR_T_PROBE_STATUS;
		e->err = -(int32_t)fx_below(r, 3);
		e->family = (uint32_t)fx_below(r, EBR_FAM_NR);
		e->attached = e->err == 0;
		len = fill_str(r, s, 24, '_');
		ebr_rec__add_str(b, off, offsetof(struct ebr_probe_status, name), s, len);
		len = fill_str(r, s, sizeof(s), '/');
		ebr_rec__add_str(b, off, offsetof(struct ebr_probe_status, attach_point), s, len);
		len = fill_str(r, s, sizeof(s), ' ');
		ebr_rec__add_str(b, off, offsetof(struct ebr_probe_status, message), s, len);
	} else {
		size_t extra = 8 * fx_below(r, 17);

		off = ebr_rec__begin(b, sizeof(*h) + extra);
		if (!b->err)
			for (size_t i = 0; i < extra; i += 8) {
				uint64_t v = fx_rand(r);

				memcpy(b->p + off + sizeof(*h) + i, &v, 8);
			}
		h = ebr_rec__at(b, off);
		h->type = FX_UNKNOWN_TYPE;
	}
	ebr_rec__end(b, off);
	h = ebr_rec__at(b, off);
	assert_non_null(h);
	h->ts = ts;
	h->cpu = (uint16_t)fx_below(r, 8);
	h->pid = id;
	h->tid = id ^ (uint32_t)fx_below(r, 4);
	h->ppid = (uint32_t)fx_below(r, 1000);
	h->uid = (uint32_t)fx_below(r, 3) * 1000;
	h->gid = h->uid;
	h->pidns = 0xeffffffcU;
	h->cgroup_id = fx_below(r, 50);
	h->mntns = 0xeffffff0U + (uint32_t)fx_below(r, 2);
	h->flags = (uint32_t)fx_below(r, 8) == 0 ? EBR_HDR_TRUNCATED : 0;
	ebr_strlcpy(h->comm, comms[fx_below(r, sizeof(comms) / sizeof(comms[0]))], sizeof(h->comm));
	return off;
}

uint64_t fx_drops_by_type(size_t seg, unsigned reason, unsigned type)
{
	uint64_t total = (seg + 1) * (reason + 1);
	uint64_t open = seg / 2, folded = reason == EBR_DROP_RATE_LIMITED ? seg / 3 : 0;

	if (reason > EBR_DROP_TRUNCATED)
		return 0;
	if (type == EBR_T_OPEN)
		return open;
	if (type == EBR_DROP_TYPE_SLOTS - 1)
		return folded;
	return type == EBR_T_SYSCALL ? total - open - folded : 0;
}

static void set_fixture_dbt(struct ebr_writer *w, size_t seg)
{
	uint64_t dbt[EBR_DROP_NR * EBR_DROP_TYPE_SLOTS];

	for (unsigned d = 0; d < EBR_DROP_NR; d++)
		for (unsigned t = 0; t < EBR_DROP_TYPE_SLOTS; t++)
			dbt[d * EBR_DROP_TYPE_SLOTS + t] = fx_drops_by_type(seg, d, t);
	ebr_writer__set_drops_by_type(w, dbt, EBR_DROP_NR, EBR_DROP_TYPE_SLOTS);
}

int fx_capture__build(struct fx_capture *c, const char *path, const struct fx_opts *o)
{
	static const uint8_t uuid[16] = { 0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78,
					  0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0 };
	struct ebr_writer_opts wo = {
		.sz = sizeof(wo),
		.created_wall_ns = 1700000000000000000ULL,
		.boot_to_wall_ns = 1690000000000000000LL,
		.uuid = uuid,
		.host = "fixture-host",
		.kernel_release = "6.1.0-test",
		.kernel_version = "#1 SMP",
		.machine = "x86_64",
		.ncpus = 8,
		.segment_encoding = o->segment_encoding,
	};
	struct fx_rng rng = { o->seed };
	uint64_t ts = o->ts_start ? o->ts_start : 1000000000ULL;
	uint64_t gap = o->max_gap ? o->max_gap : 1000;
	size_t per = o->per_segment ? o->per_segment : 1000;
	struct ebr_writer *w;
	int err = 0;

	memset(c, 0, sizeof(*c));
	c->n_records = o->n_records;
	c->n_segs = (o->n_records + per - 1) / per;
	c->rec_off = calloc(o->n_records + 1, sizeof(*c->rec_off));
	c->seg_rec = calloc(c->n_segs + 1, sizeof(*c->seg_rec));
	c->drops = calloc(c->n_segs * EBR_DROP_REASONS + 1, sizeof(*c->drops));
	assert_non_null(c->rec_off);
	assert_non_null(c->seg_rec);
	assert_non_null(c->drops);
	w = ebr_writer__open(path, &wo);
	if (!w)
		return -errno;
	if (!o->no_schema) {
		void *schema;
		size_t len;

		err = ebr_schema__serialize(ebr_schema__builtin(), &schema, &len);
		if (!err)
			err = ebr_writer__add_meta(w, EBR_META_SCHEMA, schema, len);
		free(schema);
	}
	if (!err)
		err = ebr_writer__add_meta(w, EBR_META_NOTE, "fixture", 7);
	for (size_t s = 0; s < c->n_segs && !err; s++) {
		size_t first = s * per, last = first + per < o->n_records ? first + per : o->n_records;
		size_t start = c->recs.len;
		uint64_t *drops = c->drops + s * EBR_DROP_REASONS;

		c->seg_rec[s] = first;
		for (size_t i = first; i < last; i++) {
			c->rec_off[i] = c->recs.len;
			ts += fx_below(&rng, gap + 1);
			fx_append_record(&c->recs, &rng, ts, (uint32_t)i, o->with_unknown);
		}
		assert_int_equal(c->recs.err, 0);
		for (unsigned d = 0; d < EBR_DROP_REASONS; d++)
			drops[d] = (s + 1) * (d + 1);
		if (o->drops_by_type)
			set_fixture_dbt(w, s);
		err = ebr_writer__add_segment(w, c->recs.p + start, c->recs.len - start, drops,
					      EBR_DROP_REASONS);
	}
	c->rec_off[o->n_records] = c->recs.len;
	c->seg_rec[c->n_segs] = o->n_records;
	if (err) {
		ebr_writer__abandon(w);
		return err;
	}
	if (o->no_trailer) {
		ebr_writer__abandon(w);
		return 0;
	}
	return ebr_writer__close(w);
}

void fx_capture__free(struct fx_capture *c)
{
	ebr_buf__free(&c->recs);
	free(c->rec_off);
	free(c->seg_rec);
	free(c->drops);
	memset(c, 0, sizeof(*c));
}

const void *fx_capture__recs(const struct fx_capture *c, size_t from, size_t to, size_t *len)
{
	*len = c->rec_off[to] - c->rec_off[from];
	return c->recs.p + c->rec_off[from];
}

char *fx_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *dir;

	if (!base || !*base)
		base = "/tmp";
	if (asprintf(&dir, "%s/ebpfrec-test-XXXXXX", base) < 0)
		fail_msg("out of memory");
	assert_non_null(mkdtemp(dir));
	return dir;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void fx_rmtree(char *dir)
{
	if (!dir)
		return;
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

char *fx_path(const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		fail_msg("out of memory");
	return p;
}

void *fx_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

void fx_write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

size_t fx_read_all(struct ebr_reader *r, const struct ebr_cursor_opts *opts, struct ebr_buf *out,
		   struct ebr_cursor_stats *stats)
{
	struct ebr_cursor *c = ebr_cursor__open(r, opts);
	const struct ebr_event_header *h;
	size_t n = 0;
	int ret;

	assert_non_null(c);
	while ((ret = ebr_cursor__next(c, &h)) > 0) {
		ebr_buf__put(out, h, h->size);
		n++;
	}
	assert_int_equal(ret, 0);
	assert_int_equal(out->err, 0);
	if (stats)
		*stats = *ebr_cursor__stats(c);
	ebr_cursor__close(c);
	return n;
}

void *fx_block(unsigned type, unsigned flags, const void *payload, uint32_t payload_len,
	       uint32_t body_len, size_t *len)
{
	struct ebr_block_prefix p;
	char *b = malloc(sizeof(p) + payload_len + 1);

	assert_non_null(b);
	ebr_block_prefix_init(&p, type, flags, payload, payload_len, body_len);
	memcpy(b, &p, sizeof(p));
	memcpy(b + sizeof(p), payload, payload_len);
	*len = sizeof(p) + payload_len;
	return b;
}

void fx_segment_data(const void *file, uint64_t seg_off, uint64_t *data_off, uint32_t *data_len)
{
	const char *f = file;
	struct ebr_block_prefix p;
	struct ebr_segment_disk s;

	memcpy(&p, f + seg_off, sizeof(p));
	assert_int_equal(p.block_type, EBR_BLOCK_SEGMENT);
	memcpy(&s, f + seg_off + sizeof(p), sizeof(s));
	*data_off = seg_off + 8 + p.frame_len;
	*data_len = s.comp_size;
}

void *fx_trailer(const void *file, size_t file_len, uint64_t *trailer_off, size_t *len)
{
	const char *f = file;
	struct ebr_block_prefix p;
	struct ebr_footer_disk foot;
	void *out;

	assert_true(file_len >= EBR_FOOTER_BLOCK_SIZE);
	memcpy(&p, f + file_len - EBR_FOOTER_BLOCK_SIZE, sizeof(p));
	assert_int_equal(p.block_type, EBR_BLOCK_FOOTER);
	memcpy(&foot, f + file_len - EBR_FOOTER_BLOCK_SIZE + sizeof(p), sizeof(foot));
	memcpy(&p, f + foot.trailer_offset, sizeof(p));
	assert_int_equal(p.block_type, EBR_BLOCK_TRAILER);
	*trailer_off = foot.trailer_offset;
	*len = p.frame_len - (EBR_BLOCK_PREFIX_SIZE - 8);
	out = malloc(*len + 1);
	assert_non_null(out);
	memcpy(out, f + foot.trailer_offset + sizeof(p), *len);
	return out;
}

void *fx_reseal(const void *file, uint64_t trailer_off, const void *payload, size_t len,
		size_t *new_len)
{
	struct ebr_footer_disk foot = { .trailer_offset = trailer_off,
					.trailer_len = EBR_BLOCK_PREFIX_SIZE + len };
	size_t tlen, flen;
	char *t, *f, *out;

	memcpy(foot.magic, EBR_FOOTER_MAGIC, sizeof(EBR_FOOTER_MAGIC));
	t = fx_block(EBR_BLOCK_TRAILER, 0, payload, (uint32_t)len, (uint32_t)len, &tlen);
	f = fx_block(EBR_BLOCK_FOOTER, 0, &foot, sizeof(foot), sizeof(foot), &flen);
	out = malloc(trailer_off + tlen + flen);
	assert_non_null(out);
	memcpy(out, file, trailer_off);
	memcpy(out + trailer_off, t, tlen);
	memcpy(out + trailer_off + tlen, f, flen);
	*new_len = trailer_off + tlen + flen;
	free(t);
	free(f);
	return out;
}

void *fx_splice(const void *file, size_t file_len, uint64_t at, const void *bytes, size_t n,
		size_t *new_len)
{
	uint64_t toff;
	size_t tlen;
	char *t = fx_trailer(file, file_len, &toff, &tlen), *body, *out;

	assert_true(at <= toff);
	for (size_t o = 0; o + sizeof(struct ebr_trailer_section_disk) <= tlen;) {
		struct ebr_trailer_section_disk sh;

		memcpy(&sh, t + o, sizeof(sh));
		o += sizeof(sh);
		if (sh.section == EBR_TRAILER_INDEX) {
			struct ebr_index_header_disk ih;

			memcpy(&ih, t + o, sizeof(ih));
			for (uint32_t i = 0; i < ih.n_entries; i++) {
				char *e = t + o + sizeof(ih) + (size_t)i * ih.entry_size;
				uint64_t off;

				memcpy(&off, e, 8); /* offset is an entry's first field */
				if (off >= at)
					off += n;
				memcpy(e, &off, 8);
			}
		}
		o += sh.len;
	}
	body = malloc(toff + n);
	assert_non_null(body);
	memcpy(body, file, at);
	memcpy(body + at, bytes, n);
	memcpy(body + at + n, (const char *)file + at, toff - at);
	out = fx_reseal(body, toff + n, t, tlen, new_len);
	free(body);
	free(t);
	return out;
}

static struct ebr_buf log_text;

static void log_to_buf(enum ebr_log_level level, const char *msg, void *ctx)
{
	(void)level;
	(void)ctx;
	ebr_buf__put(&log_text, msg, strlen(msg));
	ebr_buf__put(&log_text, "\n", 1);
}

void fx_log_capture(void)
{
	ebr_buf__free(&log_text);
	ebr_set_log(log_to_buf, NULL);
}

const char *fx_log_text(void)
{
	ebr_buf__put(&log_text, "", 1);
	log_text.len--; /* keep the NUL out of the text */
	return log_text.p ? log_text.p : "";
}

void fx_log_restore(void)
{
	ebr_set_log(NULL, NULL);
	ebr_buf__free(&log_text);
}
