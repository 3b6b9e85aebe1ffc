// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Repair: open a capture (by its index, or by the recovery scan when it has
 * none), verify every segment's data, and write a trailer and footer that
 * index exactly the whole blocks. Kept blocks are never rewritten: in place
 * they stay where they are, in a copy their bytes are copied as they are.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "ebpfrec/record_builder.h"
#include "ebpfrec/repair.h"
#include "events.h"
#include "reader_internal.h"
#include "seg_codec.h"
#include "rewrite.h"

struct kept {
	uint64_t off, len; /* in the input */
	struct ebr_index_entry_disk e; /* offset filled in when written */
};

struct repair {
	struct ebr_reader *r;
	struct ebr_repair_report rep;
	struct kept *k;
	size_t n, cap;
	uint64_t header_len;
	uint64_t counts[EBR_T_MAX + 1];
	uint64_t drops[EBR_DROP_NR];
	size_t last_whole; /* index + 1 of the last segment whose data verified; 0: none */
	struct ebr_drop_by_type_disk *dbt; /* for the trailer */
	size_t n_dbt;
	uint64_t raw_bytes;
};

static int by_off(const void *a, const void *b)
{
	const struct kept *x = a, *y = b;

	return (x->off > y->off) - (x->off < y->off);
}

static void count_records(struct repair *x, const char *p, size_t len)
{
	for (size_t off = 0; len - off >= sizeof(struct ebr_event_header);) {
		struct ebr_event_header h;

		memcpy(&h, p + off, sizeof(h));
		if (h.size < sizeof(h) || h.size % EBR_RECORD_ALIGN || h.size > len - off)
			break;
		if (h.type <= EBR_T_MAX)
			x->counts[h.type]++;
		off += h.size;
	}
}

/* 1: the segment's data is whole; 0: it is not; <0: error. */
static int verify_segment(struct repair *x, const struct ebr_segment_slot *s, void **cbuf,
			  size_t *ccap, void **buf, size_t *cap, ZSTD_DCtx *dctx)
{
	ssize_t got;
	int err;

	if (s->info.comp_size > *ccap || !*cbuf) {
		void *nb = realloc(*cbuf, s->info.comp_size ? s->info.comp_size : 8);

		if (!nb)
			return -ENOMEM;
		*cbuf = nb;
		*ccap = s->info.comp_size;
	}
	got = ebr_pread_full(x->r->fd, *cbuf, s->info.comp_size, s->data_offset);
	if (got < 0)
		return (int)got;
	if ((size_t)got != s->info.comp_size || ebr_crc32c(0, *cbuf, s->info.comp_size) != s->info.data_crc32c)
		return 0;
	err = ebr_seg__decompress(dctx, s->encoding, cbuf, ccap, s->info.comp_size, buf, cap, s->info.raw_size);
	if (err == -EPROTONOSUPPORT)
		return 1; /* a newer encoding: whole by its CRC, though this ebpfrec cannot count it */
	if (err == -ENOMEM)
		return err;
	if (err)
		return 0;
	count_records(x, *buf, s->info.raw_size);
	return 1;
}

static int add_kept(struct repair *x, uint64_t off, uint64_t len, const struct ebr_index_entry_disk *e)
{
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 64;
		void *nk = realloc(x->k, cap * sizeof(*x->k));

		if (!nk)
			return -ENOMEM;
		x->k = nk;
		x->cap = cap;
	}
	x->k[x->n].off = off;
	x->k[x->n].len = len;
	x->k[x->n].e = *e;
	x->n++;
	x->rep.bytes_kept += len;
	return 0;
}

/*
 * Drops by type for the new trailer, as of the same segment as the
 * per-reason counters there (the last one kept): the old trailer's when it
 * was read and that segment is the last, else those in that segment's
 * header. A segment whose data is lost is dropped with its counters.
 */
static int collect_drops_by_type(struct repair *x)
{
	const struct ebr_reader *r = x->r;
	int err;

	if (!r->info.recovered && x->last_whole == r->n_segs) {
		x->n_dbt = r->n_dbt;
		x->dbt = malloc(r->n_dbt * sizeof(*x->dbt) + 1);
		if (!x->dbt)
			return -ENOMEM;
		if (r->n_dbt)
			memcpy(x->dbt, r->dbt, r->n_dbt * sizeof(*x->dbt));
		return 0;
	}
	if (!x->last_whole)
		return 0;
	err = ebr_reader__segment_drops_by_type(x->r, x->last_whole - 1, &x->dbt, &x->n_dbt);
	return err == -ENOMEM ? err : 0; /* a header that no longer reads: none (the reader said why) */
}

static int collect(struct repair *x)
{
	struct ebr_reader *r = x->r;
	ZSTD_DCtx *dctx = ZSTD_createDCtx();
	void *cbuf = NULL, *buf = NULL;
	size_t ccap = 0, cap = 0;
	int err = 0;

	if (!dctx)
		return -ENOMEM;
	for (size_t i = 0; !err && i < r->n_metas; i++) {
		struct ebr_index_entry_disk e = {
			.block_type = EBR_BLOCK_META,
			.block_len = (uint32_t)r->metas[i].block_len,
			.raw_size = (uint32_t)(r->metas[i].len + sizeof(struct ebr_meta_disk)),
		};

		x->rep.meta_kept++;
		err = add_kept(x, r->metas[i].offset, r->metas[i].block_len, &e);
	}
	for (size_t i = 0; !err && i < r->n_segs; i++) {
		const struct ebr_segment_slot *s = &r->segs[i];
		uint64_t len = s->data_offset + s->info.comp_size - s->info.offset;
		struct ebr_index_entry_disk e = {
			.t_first = s->info.t_first,
			.t_last = s->info.t_last,
			.seq = s->info.seq,
			.n_records = s->info.n_records,
			.block_len = (uint32_t)len,
			.raw_size = s->info.raw_size,
			.block_type = EBR_BLOCK_SEGMENT,
		};
		int whole = verify_segment(x, s, &cbuf, &ccap, &buf, &cap, dctx);

		if (whole < 0) {
			err = whole;
			break;
		}
		if (!whole) {
			x->rep.segments_bad_data++;
			x->rep.records_bad_data += s->info.n_records;
			continue;
		}
		memcpy(e.type_bitmap, s->info.type_bitmap, sizeof(e.type_bitmap));
		err = add_kept(x, s->info.offset, len, &e);
		x->rep.segments_kept++;
		x->rep.records_kept += s->info.n_records;
		x->raw_bytes += s->info.raw_size;
		if (s->info.n_records) {
			if (!x->rep.t_first || s->info.t_first < x->rep.t_first)
				x->rep.t_first = s->info.t_first;
			if (s->info.t_last > x->rep.t_last)
				x->rep.t_last = s->info.t_last;
		}
		for (unsigned d = 0; d < EBR_DROP_NR; d++)
			if (s->info.drops[d] > x->drops[d])
				x->drops[d] = s->info.drops[d];
		x->last_whole = i + 1;
	}
	ZSTD_freeDCtx(dctx);
	free(cbuf);
	free(buf);
	if (!err && x->n)
		qsort(x->k, x->n, sizeof(*x->k), by_off);
	if (!err)
		err = collect_drops_by_type(x);
	return err;
}

static void section(struct ebr_buf *b, unsigned type, const void *data, size_t len)
{
	struct ebr_trailer_section_disk sh = { .section = type, .len = (uint32_t)ebr_align8(len) };
	static const char zeros[8];

	ebr_buf__put(b, &sh, sizeof(sh));
	ebr_buf__put(b, data, len);
	ebr_buf__put(b, zeros, sh.len - len);
}

static void put_block(struct ebr_buf *b, unsigned type, const void *payload, size_t len)
{
	struct ebr_block_prefix p;

	ebr_block_prefix_init(&p, type, 0, payload, (uint32_t)len, (uint32_t)len);
	ebr_buf__put(b, &p, sizeof(p));
	ebr_buf__put(b, payload, len);
}

/*
 * What follows the kept blocks: a DERIVED metadata block saying what repair
 * did, the trailer (index, counts, drops, summary) and the footer. at is
 * the offset the first of them will have.
 */
static int build_tail(struct repair *x, uint64_t at, int in_place, struct ebr_buf *out)
{
	const struct ebr_capture_info *in = ebr_reader__info(x->r);
	struct ebr_index_header_disk ih = { .entry_size = sizeof(struct ebr_index_entry_disk) };
	struct ebr_summary_disk sum = {
		.n_records = x->rep.records_kept,
		.n_segments = x->rep.segments_kept,
		.t_first = x->rep.t_first,
		.t_last = x->rep.t_last,
		.raw_bytes = x->raw_bytes,
		/* a recovered capture's end is unknown: 0 says so */
		.ended_wall_ns = in->recovered ? 0 : in->ended_wall_ns,
	};
	struct ebr_index_entry_disk de = { .offset = at, .block_type = EBR_BLOCK_META };
	struct ebr_meta_disk md = { .kind = EBR_META_DERIVED };
	struct ebr_buf json = {0}, meta = {0}, part = {0}, trailer = {0};
	struct ebr_footer_disk f = {0};
	int err;

	ebr_json__derived_begin(&json, "repair", NULL);
	ebr_json__printf(&json,
			 ",\"in_place\":%s,\"opened\":\"%s\",\"segments_kept\":%llu,\"records_kept\":%llu,"
			 "\"segments_lost\":%llu,\"records_lost_at_least\":%llu,\"bytes_dropped\":%llu}",
			 in_place ? "true" : "false", in->recovered ? "recovery scan" : "index",
			 (unsigned long long)x->rep.segments_kept, (unsigned long long)x->rep.records_kept,
			 (unsigned long long)x->rep.segments_lost,
			 (unsigned long long)x->rep.records_bad_data,
			 (unsigned long long)x->rep.bytes_dropped);
	ebr_buf__put(&meta, &md, sizeof(md));
	ebr_buf__put(&meta, json.p, json.len);
	put_block(out, EBR_BLOCK_META, meta.p, meta.len);
	de.block_len = (uint32_t)(EBR_BLOCK_PREFIX_SIZE + meta.len);
	de.raw_size = (uint32_t)meta.len;

	ih.n_entries = (uint32_t)x->n + 1;
	ebr_buf__put(&part, &ih, sizeof(ih));
	for (size_t i = 0; i < x->n; i++)
		ebr_buf__put(&part, &x->k[i].e, sizeof(x->k[i].e));
	ebr_buf__put(&part, &de, sizeof(de));
	section(&trailer, EBR_TRAILER_INDEX, part.p, part.len);
	part.len = 0;
	for (unsigned t = 0; t <= EBR_T_MAX; t++) {
		struct ebr_type_count_disk tc = { .type = t, .count = x->counts[t] };

		if (tc.count)
			ebr_buf__put(&part, &tc, sizeof(tc));
	}
	section(&trailer, EBR_TRAILER_TYPE_COUNTS, part.p, part.len);
	section(&trailer, EBR_TRAILER_DROPS, x->drops, sizeof(x->drops));
	section(&trailer, EBR_TRAILER_DROPS_BY_TYPE, x->dbt, x->n_dbt * sizeof(*x->dbt));
	sum.comp_bytes = at + out->len;
	section(&trailer, EBR_TRAILER_SUMMARY, &sum, sizeof(sum));

	f.trailer_offset = at + out->len;
	f.trailer_len = EBR_BLOCK_PREFIX_SIZE + trailer.len;
	memcpy(f.magic, EBR_FOOTER_MAGIC, sizeof(EBR_FOOTER_MAGIC));
	put_block(out, EBR_BLOCK_TRAILER, trailer.p, trailer.len);
	put_block(out, EBR_BLOCK_FOOTER, &f, sizeof(f));
	err = json.err ? json.err : meta.err ? meta.err : part.err ? part.err : trailer.err;
	if (!err)
		err = out->err;
	ebr_buf__free(&json);
	ebr_buf__free(&meta);
	ebr_buf__free(&part);
	ebr_buf__free(&trailer);
	return err;
}

static int write_all(int fd, const char *path, const void *p, size_t len)
{
	int err = ebr_write_full(fd, p, len);

	if (err)
		pr_err("cannot write %s: %s", path, strerror(-err));
	return err;
}

static int copy_range(int in, int out, const char *out_path, uint64_t off, uint64_t len)
{
	char buf[1 << 16];

	while (len) {
		size_t n = len < sizeof(buf) ? (size_t)len : sizeof(buf);
		ssize_t got = ebr_pread_full(in, buf, n, off);
		int err;

		if (got < 0 || (size_t)got != n) {
			pr_err("cannot read the capture being repaired");
			return got < 0 ? (int)got : -EIO;
		}
		err = write_all(out, out_path, buf, n);
		if (err)
			return err;
		off += n;
		len -= n;
	}
	return 0;
}

static int sync_close(int fd, const char *path)
{
	int err = 0;

	if (fsync(fd) && errno != EINVAL && errno != EROFS) {
		err = -errno;
		pr_err("cannot flush %s: %s", path, strerror(errno));
	}
	if (close(fd) && !err) {
		err = -errno;
		pr_err("cannot close %s: %s", path, strerror(errno));
	}
	return err;
}

/* A fresh copy, written beside out and renamed over it only when whole. */
static int repair_copy(struct repair *x, const char *out, int force)
{
	struct ebr_buf tail = {0};
	size_t dlen = strlen(out);
	char *tmp = malloc(dlen + 16);
	struct stat st;
	uint64_t pos;
	int fd, err;

	if (!tmp)
		return -ENOMEM;
	/*
	 * The copy is renamed over out: that would replace a device or FIFO node,
	 * or a symbolic link, by a file (root repairing to /dev/null would remove
	 * it). Only a regular file is ever replaced, and only with force.
	 */
	if (lstat(out, &st) == 0 && !S_ISREG(st.st_mode)) {
		pr_err("%s is not a regular file (%s); repair writes a new file there and will not replace it", out,
		       S_ISLNK(st.st_mode) ? "a symbolic link" : "a device, FIFO or directory");
		free(tmp);
		return -EINVAL;
	}
	if (!force && access(out, F_OK) == 0) {
		pr_err("%s already exists (use --force to replace it)", out);
		free(tmp);
		return -EEXIST;
	}
	snprintf(tmp, dlen + 16, "%s.tmp-XXXXXX", out);
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = -errno;
		pr_err("cannot create a file beside %s: %s", out, strerror(errno));
		free(tmp);
		return err;
	}
	err = copy_range(x->r->fd, fd, tmp, 0, x->header_len);
	pos = x->header_len;
	for (size_t i = 0; !err && i < x->n; i++) {
		x->k[i].e.offset = pos;
		err = copy_range(x->r->fd, fd, tmp, x->k[i].off, x->k[i].len);
		pos += x->k[i].len;
	}
	if (!err)
		err = build_tail(x, pos, 0, &tail);
	if (!err)
		err = write_all(fd, tmp, tail.p, tail.len);
	x->rep.out_size = pos + tail.len;
	ebr_buf__free(&tail);
	if (!err)
		err = sync_close(fd, tmp);
	else
		close(fd);
	if (!err && !force && link(tmp, out) == 0) {
		unlink(tmp); /* in place without replacing: a file that appeared at out meanwhile is kept */
	} else if (!err && !force && errno == EEXIST) {
		err = -EEXIST;
		pr_err("%s already exists (use --force to replace it)", out);
	} else if (!err && rename(tmp, out)) {
		err = -errno;
		pr_err("cannot rename %s to %s: %s", tmp, out, strerror(errno));
	}
	if (err)
		unlink(tmp);
	free(tmp);
	return err;
}

/*
 * In place: cut after the last whole block, then append. Until the new
 * footer is written the file reads as before (by the recovery scan), and
 * nothing a scan could read is ever cut off.
 */
static int repair_in_place(struct repair *x, const char *path)
{
	struct ebr_buf tail = {0};
	uint64_t end = x->header_len;
	int fd, err;

	for (size_t i = 0; i < x->n; i++) {
		x->k[i].e.offset = x->k[i].off;
		if (x->k[i].off + x->k[i].len > end)
			end = x->k[i].off + x->k[i].len;
	}
	err = build_tail(x, end, 1, &tail);
	if (err) {
		ebr_buf__free(&tail);
		return err;
	}
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		err = -errno;
		pr_err("cannot open %s for writing: %s", path, strerror(errno));
		ebr_buf__free(&tail);
		return err;
	}
	if (ftruncate(fd, (off_t)end) || lseek(fd, (off_t)end, SEEK_SET) < 0) {
		err = -errno;
		pr_err("cannot cut %s at its last whole block: %s", path, strerror(errno));
	}
	if (!err)
		err = write_all(fd, path, tail.p, tail.len);
	x->rep.out_size = end + tail.len;
	ebr_buf__free(&tail);
	if (!err)
		err = sync_close(fd, path);
	else
		close(fd);
	return err;
}

int ebr_capture__repair(const char *in_path, const char *out_path, const struct ebr_repair_opts *opts,
			struct ebr_repair_report *report)
{
	struct ebr_repair_opts o = {0};
	struct repair x = {0};
	struct ebr_block_prefix p;
	int err;

	if (opts)
		memcpy(&o, opts, opts->sz && opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	if (out_path) {
		err = ebr_rewrite__check_paths(in_path, out_path);
		if (err)
			return err;
	}
	x.r = ebr_reader__open(in_path);
	if (!x.r)
		return -errno;
	x.rep.file_size = x.r->info.file_size;
	x.rep.boot_to_wall_ns = x.r->info.boot_to_wall_ns;
	if (ebr_pread_full(x.r->fd, &p, sizeof(p), 0) != (ssize_t)sizeof(p)) {
		err = -EIO;
		goto out;
	}
	x.header_len = 8 + (uint64_t)p.frame_len;
	x.rep.bytes_kept = x.header_len;
	err = collect(&x);
	if (err)
		goto out;
	x.rep.segments_lost = x.r->info.n_segments_lost + x.rep.segments_bad_data;
	x.rep.bytes_dropped = x.rep.file_size - x.rep.bytes_kept;
	x.rep.was_complete = !x.r->info.recovered && !x.rep.segments_bad_data;
	x.rep.out_size = x.rep.file_size;
	if (o.dry_run || (!out_path && x.rep.was_complete))
		goto out;
	err = out_path ? repair_copy(&x, out_path, o.force) : repair_in_place(&x, in_path);
	x.rep.written = !err;
out:
	if (err == -ENOMEM)
		pr_err("out of memory while repairing %s", in_path);
	ebr_reader__close(x.r);
	free(x.k);
	free(x.dbt);
	if (report)
		*report = x.rep;
	return err;
}
