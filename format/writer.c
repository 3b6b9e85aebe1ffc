// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Writing a capture: header, metadata, segments, then trailer and footer. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>
#if defined(__APPLE__)
#include <sys/random.h> /* getentropy; glibc declares it in unistd.h */
#endif

#include "config.h"
#include "ebpfrec/capture.h"
#include "events.h"
#include "ebpfrec/record_builder.h"
#include "internal.h"
#include "seg_codec.h"

#define META_COMPRESS_MIN 4096 /* smaller metadata is stored as is */

struct ebr_writer {
	int fd;
	char *name;
	uint64_t off;
	int level;
	unsigned encoding; /* of segments: EBR_SEG_ENC_* */
	struct ebr_buf enc; /* a segment in that encoding, before compression */
	ZSTD_CCtx *cctx;
	void *cbuf;
	size_t ccap;
	struct ebr_index_entry_disk *index;
	size_t n_index, cap_index;
	uint64_t *type_counts; /* [EBR_T_MAX + 1] */
	uint64_t *seg_counts; /* [EBR_T_MAX + 1]: the segment being added, merged once it is written */
	uint64_t *drops_by_type; /* [n_reasons][n_slots], cumulative: the trailer's and every later segment's */
	unsigned n_reasons, n_slots;
	struct ebr_buf seg_hdr; /* the segment block's payload being written; reused */
	struct ebr_buf dbt_cur, dbt_last; /* DROPS_BY_TYPE entries of this segment, of the last one written */
	uint64_t drops[EBR_DROP_NR];
	struct ebr_writer_stats stats;
	uint64_t seq;
	uint8_t uuid[16];
	int err; /* first write error; sticky, so close reports it */
	int taken_back; /* the block that failed was cut off: the file ends at a whole block */
};

_Static_assert(sizeof(struct ebr_block_prefix) == EBR_BLOCK_PREFIX_SIZE, "block prefix");
_Static_assert(sizeof(struct ebr_file_header_disk) == 384, "file header");
_Static_assert(sizeof(struct ebr_segment_disk) == 64, "segment header");
_Static_assert(sizeof(struct ebr_index_entry_disk) == 64, "index entry");
_Static_assert(sizeof(struct ebr_schema_type_disk) == 64, "schema type");
_Static_assert(sizeof(struct ebr_schema_field_disk) == 48, "schema field");
_Static_assert(sizeof(struct ebr_event_header) == 72, "event header");
_Static_assert(EBR_DROP_REASONS == EBR_DROP_NR, "drop reasons");
_Static_assert(sizeof(struct ebr_source_disk) == 344, "source entry");
_Static_assert(EBR_SEG_DBT_MAX_ENTRIES == EBR_DROP_NR * EBR_DROP_TYPE_SLOTS, "drops by type");

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int64_t measure_boot_to_wall(void)
{
#ifdef CLOCK_BOOTTIME
	/* bracket the boot clock read to halve the error of two syscalls */
	uint64_t w1 = clock_ns(CLOCK_REALTIME);
	uint64_t b = clock_ns(CLOCK_BOOTTIME);
	uint64_t w2 = clock_ns(CLOCK_REALTIME);

	return (int64_t)(w1 / 2 + w2 / 2) - (int64_t)b;
#else
	return 0;
#endif
}

static int emit(struct ebr_writer *w, const void *buf, size_t len)
{
	int err;

	if (w->err)
		return w->err;
	err = ebr_write_full(w->fd, buf, len);
	if (err) {
		w->err = err;
		pr_err("cannot write %s: %s", w->name, strerror(-err));
		return err;
	}
	w->off += len;
	w->stats.file_bytes += len;
	return 0;
}

/*
 * After a failed write (a full disk), the part of the block that did get
 * written is cut off again, so the file ends at its last whole block:
 * readable as it is, and ebr_writer__recover can let the writer go on to
 * close it with an index (the cut freed at least what the trailer needs,
 * unless the block was tiny).
 */
static void take_back(struct ebr_writer *w, uint64_t start)
{
	w->taken_back = 0;
	if (ftruncate(w->fd, (off_t)start) || lseek(w->fd, (off_t)start, SEEK_SET) != (off_t)start)
		return; /* a pipe, or worse: the reader's recovery scan will cope */
	w->stats.file_bytes -= w->off - start;
	w->off = start;
	w->taken_back = 1;
}

int ebr_writer__recover(struct ebr_writer *w)
{
	if (w->err && !w->taken_back)
		return w->err;
	w->err = 0;
	w->taken_back = 0;
	return 0;
}

static int emit_block(struct ebr_writer *w, unsigned type, unsigned flags, const void *payload,
		      uint32_t len, uint32_t body_len)
{
	struct ebr_block_prefix p;
	int err;

	ebr_block_prefix_init(&p, type, flags, payload, len, body_len);
	err = emit(w, &p, sizeof(p));
	return err ? err : emit(w, payload, len);
}

static int index_add(struct ebr_writer *w, const struct ebr_index_entry_disk *e)
{
	if (w->n_index == w->cap_index) {
		size_t cap = w->cap_index ? w->cap_index * 2 : 256;
		void *n = realloc(w->index, cap * sizeof(*w->index));

		if (!n)
			return -ENOMEM;
		w->index = n;
		w->cap_index = cap;
	}
	w->index[w->n_index++] = *e;
	return 0;
}

static void fill_header(struct ebr_file_header_disk *h, const struct ebr_writer_opts *o,
			const uint8_t uuid[16])
{
	struct utsname u;
	int have_uname = uname(&u) == 0;
	long ncpus = sysconf(_SC_NPROCESSORS_ONLN);

	memset(h, 0, sizeof(*h));
	memcpy(h->magic, EBR_FILE_MAGIC, sizeof(EBR_FILE_MAGIC));
	h->major = EBR_FORMAT_MAJOR;
	/* 1.1 adds the columnar encoding; a file without it stays 1.0 for older readers' sake */
	h->minor = o->segment_encoding ? EBR_FORMAT_MINOR : 0;
	h->header_size = sizeof(*h);
	memcpy(h->uuid, uuid, 16);
	h->created_wall_ns = o->created_wall_ns ? o->created_wall_ns : clock_ns(CLOCK_REALTIME);
	h->boot_to_wall_ns = o->boot_to_wall_ns ? o->boot_to_wall_ns : measure_boot_to_wall();
	h->clock_id = 7; /* CLOCK_BOOTTIME, what bpf_ktime_get_boot_ns reads */
	h->endian_mark = EBR_ENDIAN_MARK;
	h->page_size = o->page_size ? o->page_size : (uint32_t)sysconf(_SC_PAGESIZE);
	h->ncpus = o->ncpus ? o->ncpus : (uint32_t)(ncpus > 0 ? ncpus : 1);
	ebr_strlcpy(h->host, o->host ? o->host : have_uname ? u.nodename : "", sizeof(h->host));
	ebr_strlcpy(h->kernel_release, o->kernel_release ? o->kernel_release : have_uname ? u.release : "",
		    sizeof(h->kernel_release));
	ebr_strlcpy(h->kernel_version, o->kernel_version ? o->kernel_version : have_uname ? u.version : "",
		    sizeof(h->kernel_version));
	ebr_strlcpy(h->machine, o->machine ? o->machine : have_uname ? u.machine : "", sizeof(h->machine));
	ebr_strlcpy(h->tool_version, EBR_VERSION, sizeof(h->tool_version));
}

struct ebr_writer *ebr_writer__fdopen(int fd, const char *name, const struct ebr_writer_opts *opts)
{
	struct ebr_writer_opts o = {0};
	struct ebr_file_header_disk h;
	struct ebr_writer *w;

	if (opts)
		memcpy(&o, opts, opts->sz && opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	if (o.segment_encoding > EBR_SEG_ENC_COLUMNS) {
		pr_err("segment encoding %u is not one this ebpfrec writes", o.segment_encoding);
		errno = EINVAL;
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		goto nomem;
	w->fd = fd;
	w->name = strdup(name ? name : "capture");
	w->level = o.compression_level ? o.compression_level : 1;
	w->encoding = o.segment_encoding;
	w->cctx = ZSTD_createCCtx();
	w->type_counts = calloc(EBR_T_MAX + 1, sizeof(*w->type_counts));
	w->seg_counts = calloc(EBR_T_MAX + 1, sizeof(*w->seg_counts));
	if (!w->name || !w->cctx || !w->type_counts || !w->seg_counts)
		goto nomem;
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, w->level);
	/* content size in every frame lets `zstd -l` and readers size buffers */
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_contentSizeFlag, 1);
	if (o.uuid) {
		memcpy(w->uuid, o.uuid, 16);
	} else {
		if (getentropy(w->uuid, sizeof(w->uuid)) != 0) {
			pr_err("cannot get random bytes for the capture id: %s", strerror(errno));
			ebr_writer__abandon(w);
			return NULL;
		}
		w->uuid[6] = (w->uuid[6] & 0x0f) | 0x40; /* RFC 4122 version 4 */
		w->uuid[8] = (w->uuid[8] & 0x3f) | 0x80;
	}
	fill_header(&h, &o, w->uuid);
	if (emit_block(w, EBR_BLOCK_FILE_HEADER, 0, &h, sizeof(h), sizeof(h))) {
		int err = w->err;

		w->fd = -1; /* the caller still owns fd on failure */
		ebr_writer__abandon(w);
		errno = -err;
		return NULL;
	}
	return w;
nomem:
	if (w)
		w->fd = -1;
	ebr_writer__abandon(w);
	errno = ENOMEM;
	return NULL;
}

/*
 * The capture is always a new file of whoever records: 0600, or less under
 * a stricter umask. --force removes a regular file in the way rather than
 * writing into it, since that file's owner and mode (another user's, 0666)
 * would stay the capture's. Anything else in the way (a FIFO, /dev/null) is
 * written to as it is; a symbolic link is never followed. *created: a new
 * file was made (so it may be removed again on failure).
 */
static int create(const char *path, int force, int *created)
{
	int excl = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW;
	struct stat st;
	int fd = open(path, excl, 0600);

	*created = fd >= 0;
	if (fd >= 0 || errno != EEXIST || lstat(path, &st))
		return fd;
	if (S_ISLNK(st.st_mode)) {
		errno = ELOOP; /* O_EXCL refused the planted link before O_NOFOLLOW could: say why */
		return -1;
	}
	if (!force) {
		errno = EEXIST;
		return -1;
	}
	if (!S_ISREG(st.st_mode))
		return open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
	if (unlink(path) && errno != ENOENT)
		return -1;
	fd = open(path, excl, 0600);
	*created = fd >= 0;
	return fd;
}

struct ebr_writer *ebr_writer__open(const char *path, const struct ebr_writer_opts *opts)
{
	struct ebr_writer *w;
	int fd, err, created;

	fd = create(path, opts && opts->force, &created);
	if (fd < 0) {
		err = errno;
		if (err == EEXIST)
			pr_err("%s already exists (use --force to replace it)", path);
		else if (err == ELOOP)
			pr_err("%s is a symbolic link; refusing to write through it", path);
		else
			pr_err("cannot create %s: %s", path, strerror(err));
		errno = err;
		return NULL;
	}
	w = ebr_writer__fdopen(fd, path, opts);
	if (!w) {
		err = errno;
		close(fd);
		if (created)
			unlink(path);
		errno = err;
	}
	return w;
}

int ebr_writer__add_meta(struct ebr_writer *w, unsigned kind, const void *data, size_t len)
{
	struct ebr_index_entry_disk ie = {0};
	struct ebr_meta_disk m = { .kind = kind };
	size_t body_len = sizeof(m) + len;
	char *body = malloc(body_len), *comp = NULL;
	const void *payload = body;
	size_t payload_len = body_len;
	unsigned flags = 0;
	int err;

	if (w->err) {
		free(body);
		return w->err;
	}
	if (!body)
		return -ENOMEM;
	if (body_len > UINT32_MAX / 2) {
		free(body);
		return -EFBIG;
	}
	memcpy(body, &m, sizeof(m));
	if (len)
		memcpy(body + sizeof(m), data, len);
	if (body_len >= META_COMPRESS_MIN) {
		size_t bound = ZSTD_compressBound(body_len), n;

		comp = malloc(bound);
		if (comp) {
			n = ZSTD_compress2(w->cctx, comp, bound, body, body_len);
			if (!ZSTD_isError(n) && n < body_len) {
				payload = comp;
				payload_len = n;
				flags = EBR_BLOCK_F_ZSTD;
			}
		}
	}
	ie.offset = w->off;
	ie.block_type = EBR_BLOCK_META;
	ie.block_len = (uint32_t)(EBR_BLOCK_PREFIX_SIZE + payload_len);
	ie.raw_size = (uint32_t)body_len;
	err = emit_block(w, EBR_BLOCK_META, flags, payload, (uint32_t)payload_len, (uint32_t)body_len);
	if (err)
		take_back(w, ie.offset);
	if (!err)
		err = index_add(w, &ie);
	free(comp);
	free(body);
	return err;
}

/*
 * One pass over the records: validate, time span, type bitmap, and counts
 * per type (into counts, zeroed here). A segment is megabytes that are cold
 * in cache by the time the writer thread gets them on a busy machine, so each
 * extra pass can cost a cache miss per record (a second pass for the counts
 * held 12% of the recorder's perf samples under a storm). Only the first 16
 * bytes of each header are read: a header can straddle two cache lines.
 */
static int scan_records(const char *p, size_t len, struct ebr_segment_disk *s, uint64_t *counts)
{
	size_t off = 0;

	memset(counts, 0, (EBR_T_MAX + 1) * sizeof(*counts));
	s->t_first = UINT64_MAX;
	s->t_last = 0;
	while (off < len) {
		uint64_t ts;
		uint32_t size;
		uint16_t type;

		if (len - off < sizeof(struct ebr_event_header))
			return -EINVAL;
		memcpy(&ts, p + off + offsetof(struct ebr_event_header, ts), sizeof(ts));
		memcpy(&size, p + off + offsetof(struct ebr_event_header, size), sizeof(size));
		memcpy(&type, p + off + offsetof(struct ebr_event_header, type), sizeof(type));
		if (size < sizeof(struct ebr_event_header) || size % EBR_RECORD_ALIGN || size > len - off)
			return -EINVAL;
		if (ts < s->t_first)
			s->t_first = ts;
		if (ts > s->t_last)
			s->t_last = ts;
		ebr_type_bitmap__set(s->type_bitmap, type);
		if (type <= EBR_T_MAX)
			counts[type]++;
		s->n_records++;
		off += size;
	}
	if (!s->n_records)
		s->t_first = 0;
	return 0;
}

/*
 * The non-zero per-type drop counts as DROPS_BY_TYPE entries, by reason
 * then type slot. Only reasons with a counter and the recorder's 128 type
 * slots exist on disk, so a segment carries at most
 * EBR_SEG_DBT_MAX_ENTRIES of them (16 KiB); a recording has a few.
 */
static void put_drops_by_type(const struct ebr_writer *w, struct ebr_buf *b)
{
	unsigned nr = w->n_reasons < EBR_DROP_NR ? w->n_reasons : EBR_DROP_NR;
	unsigned ns = w->n_slots < EBR_DROP_TYPE_SLOTS ? w->n_slots : EBR_DROP_TYPE_SLOTS;

	for (unsigned r = 0; w->drops_by_type && r < nr; r++)
		for (unsigned t = 0; t < ns; t++) {
			struct ebr_drop_by_type_disk d = {
				.reason = (uint16_t)r,
				.type = (uint16_t)t,
				.count = w->drops_by_type[(size_t)r * w->n_slots + t],
			};
			if (d.count)
				ebr_buf__put(b, &d, sizeof(d));
		}
}

/* Whether the segment being added says other drops by type than the last one written. */
static int dbt_changed(const struct ebr_writer *w)
{
	return w->dbt_cur.len != w->dbt_last.len ||
	       (w->dbt_cur.len && memcmp(w->dbt_cur.p, w->dbt_last.p, w->dbt_cur.len));
}

int ebr_writer__add_segment(struct ebr_writer *w, const void *records, size_t len,
			    const uint64_t *drops, unsigned n_drops)
{
	struct {
		struct ebr_segment_disk s;
		uint64_t drops[EBR_DROP_NR];
	} payload;
	struct ebr_index_entry_disk ie = {0};
	struct ebr_buf spare;
	const void *src;
	size_t bound, comp, src_len;
	uint32_t payload_len;
	int err;

	if (w->err)
		return w->err;
	if (len > UINT32_MAX / 2)
		return -EFBIG;
	memset(&payload, 0, sizeof(payload));
	if (n_drops > EBR_DROP_NR)
		n_drops = EBR_DROP_NR;
	if (n_drops)
		memcpy(payload.drops, drops, n_drops * sizeof(*drops));
	w->dbt_cur.len = 0;
	put_drops_by_type(w, &w->dbt_cur);
	if (w->dbt_cur.err)
		return w->dbt_cur.err;
	if (!len && (!n_drops || (!memcmp(payload.drops, w->drops, sizeof(w->drops)) && !dbt_changed(w))))
		return 0; /* nothing new to say */
	err = scan_records(records, len, &payload.s, w->seg_counts);
	if (err) {
		pr_err("segment %llu holds a malformed record; not written", (unsigned long long)w->seq);
		return err;
	}
	src = records;
	src_len = len;
	if (w->encoding == EBR_SEG_ENC_COLUMNS && len) {
		w->enc.len = 0;
		err = ebr_seg__columns_encode(records, len, &w->enc);
		if (!err) {
			src = w->enc.p;
			src_len = w->enc.len;
			payload.s.encoding = EBR_SEG_ENC_COLUMNS;
		} else if (err != -E2BIG) {
			return err;
		} /* else too varied for columns to pay off: this one segment as records */
	}
	bound = ZSTD_compressBound(src_len);
	if (bound > w->ccap) {
		void *n = realloc(w->cbuf, bound);

		if (!n)
			return -ENOMEM;
		w->cbuf = n;
		w->ccap = bound;
	}
	comp = ZSTD_compress2(w->cctx, w->cbuf, w->ccap, src, src_len);
	if (ZSTD_isError(comp)) {
		pr_err("compression failed: %s", ZSTD_getErrorName(comp));
		return -EIO;
	}
	payload.s.seq = w->seq;
	payload.s.raw_size = (uint32_t)len;
	payload.s.comp_size = (uint32_t)comp;
	payload.s.n_drops = EBR_DROP_NR;
	payload.s.data_crc32c = ebr_crc32c(0, w->cbuf, comp);
	/*
	 * The per-type counts ride in every segment, after the per-reason
	 * ones, so a capture cut short (recorder killed, disk full) keeps them
	 * as of its last whole segment: older readers skip these bytes.
	 */
	w->seg_hdr.len = 0;
	ebr_buf__put(&w->seg_hdr, &payload, sizeof(payload));
	if (w->dbt_cur.len) {
		struct ebr_trailer_section_disk sh = { .section = EBR_TRAILER_DROPS_BY_TYPE,
						       .len = (uint32_t)w->dbt_cur.len };

		ebr_buf__put(&w->seg_hdr, &sh, sizeof(sh));
		ebr_buf__put(&w->seg_hdr, w->dbt_cur.p, w->dbt_cur.len);
	}
	if (w->seg_hdr.err)
		return w->seg_hdr.err;
	payload_len = (uint32_t)w->seg_hdr.len;

	ie.offset = w->off;
	ie.t_first = payload.s.t_first;
	ie.t_last = payload.s.t_last;
	ie.seq = w->seq;
	memcpy(ie.type_bitmap, payload.s.type_bitmap, sizeof(ie.type_bitmap));
	ie.n_records = payload.s.n_records;
	ie.block_len = (uint32_t)(EBR_BLOCK_PREFIX_SIZE + payload_len + comp);
	ie.raw_size = (uint32_t)len;
	ie.block_type = EBR_BLOCK_SEGMENT;

	err = emit_block(w, EBR_BLOCK_SEGMENT, 0, w->seg_hdr.p, payload_len, payload_len);
	if (!err)
		err = emit(w, w->cbuf, comp);
	if (err)
		take_back(w, ie.offset);
	if (!err)
		err = index_add(w, &ie);
	if (err)
		return err;
	/* counted only now: a rejected or unwritten segment must not reach the trailer */
	for (unsigned t = 0; t <= EBR_T_MAX; t++)
		w->type_counts[t] += w->seg_counts[t];
	memcpy(w->drops, payload.drops, sizeof(w->drops));
	spare = w->dbt_last; /* what was just written is what the next segment compares with */
	w->dbt_last = w->dbt_cur;
	w->dbt_cur = spare;
	w->seq++;
	w->stats.n_segments++;
	w->stats.n_records += payload.s.n_records;
	w->stats.raw_bytes += len;
	if (payload.s.n_records) {
		if (!w->stats.t_first || payload.s.t_first < w->stats.t_first)
			w->stats.t_first = payload.s.t_first;
		if (payload.s.t_last > w->stats.t_last)
			w->stats.t_last = payload.s.t_last;
	}
	return 0;
}

void ebr_writer__set_drops_by_type(struct ebr_writer *w, const uint64_t *counts, unsigned n_reasons,
				   unsigned n_slots)
{
	size_t n = (size_t)n_reasons * n_slots;
	uint64_t *copy = w->drops_by_type;

	/* the recorder's writer thread calls this before every segment: the same size, no allocation */
	if (!copy || n_reasons != w->n_reasons || n_slots != w->n_slots) {
		copy = malloc(n ? n * sizeof(*copy) : 1);
		if (!copy)
			return; /* the per-reason totals in segment headers still hold */
		free(w->drops_by_type);
		w->drops_by_type = copy;
		w->n_reasons = n_reasons;
		w->n_slots = n_slots;
	}
	if (n)
		memcpy(copy, counts, n * sizeof(*copy));
}

const struct ebr_writer_stats *ebr_writer__stats(const struct ebr_writer *w)
{
	return &w->stats;
}

const uint8_t *ebr_writer__uuid(const struct ebr_writer *w)
{
	return w->uuid;
}

static void gb_section(struct ebr_buf *b, unsigned section, const void *data, size_t len)
{
	struct ebr_trailer_section_disk sh = { .section = section, .len = (uint32_t)ebr_align8(len) };
	static const char zeros[8];

	ebr_buf__put(b, &sh, sizeof(sh));
	ebr_buf__put(b, data, len);
	ebr_buf__put(b, zeros, sh.len - len);
}

static int build_trailer(struct ebr_writer *w, struct ebr_buf *b)
{
	struct ebr_index_header_disk ih = { .n_entries = (uint32_t)w->n_index,
					    .entry_size = sizeof(struct ebr_index_entry_disk) };
	struct ebr_summary_disk sum = {
		.n_records = w->stats.n_records,
		.n_segments = w->stats.n_segments,
		.t_first = w->stats.t_first,
		.t_last = w->stats.t_last,
		.raw_bytes = w->stats.raw_bytes,
		.comp_bytes = w->stats.file_bytes,
		.ended_wall_ns = clock_ns(CLOCK_REALTIME),
	};
	struct ebr_buf part = {0};

	ebr_buf__put(&part, &ih, sizeof(ih));
	ebr_buf__put(&part, w->index, w->n_index * sizeof(*w->index));
	gb_section(b, EBR_TRAILER_INDEX, part.p, part.len);
	part.len = 0;
	for (unsigned t = 0; t <= EBR_T_MAX; t++) {
		struct ebr_type_count_disk tc = { .type = t, .count = w->type_counts[t] };

		if (tc.count)
			ebr_buf__put(&part, &tc, sizeof(tc));
	}
	gb_section(b, EBR_TRAILER_TYPE_COUNTS, part.p, part.len);
	gb_section(b, EBR_TRAILER_DROPS, w->drops, sizeof(w->drops));
	part.len = 0;
	put_drops_by_type(w, &part);
	gb_section(b, EBR_TRAILER_DROPS_BY_TYPE, part.p, part.len);
	gb_section(b, EBR_TRAILER_SUMMARY, &sum, sizeof(sum));
	free(part.p);
	return b->err ? b->err : part.err;
}

static void writer_free(struct ebr_writer *w)
{
	ZSTD_freeCCtx(w->cctx);
	free(w->cbuf);
	ebr_buf__free(&w->enc);
	free(w->index);
	free(w->type_counts);
	free(w->seg_counts);
	free(w->drops_by_type);
	ebr_buf__free(&w->seg_hdr);
	ebr_buf__free(&w->dbt_cur);
	ebr_buf__free(&w->dbt_last);
	free(w->name);
	free(w);
}

int ebr_writer__close(struct ebr_writer *w)
{
	struct ebr_buf b = {0};
	struct ebr_footer_disk f = {0};
	uint64_t trailer_off;
	int err;

	if (!w)
		return 0;
	err = build_trailer(w, &b);
	trailer_off = w->off;
	if (!err)
		err = emit_block(w, EBR_BLOCK_TRAILER, 0, b.p, (uint32_t)b.len, (uint32_t)b.len);
	if (!err) {
		f.trailer_offset = trailer_off;
		f.trailer_len = EBR_BLOCK_PREFIX_SIZE + b.len;
		memcpy(f.magic, EBR_FOOTER_MAGIC, sizeof(EBR_FOOTER_MAGIC));
		err = emit_block(w, EBR_BLOCK_FOOTER, 0, &f, sizeof(f), sizeof(f));
	}
	if (err)
		take_back(w, trailer_off); /* no half trailer: the file still ends at a whole block */
	free(b.p);
	if (!err && fsync(w->fd) && errno != EINVAL && errno != EROFS) {
		err = -errno;
		pr_err("cannot flush %s: %s", w->name, strerror(errno));
	}
	if (w->fd >= 0 && close(w->fd) && !err) {
		err = -errno;
		pr_err("cannot close %s: %s", w->name, strerror(errno));
	}
	if (!err && w->err)
		err = w->err;
	writer_free(w);
	return err;
}

void ebr_writer__abandon(struct ebr_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	writer_free(w);
}
