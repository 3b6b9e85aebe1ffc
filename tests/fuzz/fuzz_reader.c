// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: the capture reader on arbitrary bytes. Everything a
 * reading command touches is exercised: the header, the footer and trailer
 * (index, counts, drops), the recovery scan, metadata blocks (schema,
 * records of the snapshot/probes/cgroups tables, rotation, merge sources),
 * segment headers and data, every record through the decoder, and a
 * repair into a copy. The input is put in a memfd so the reader opens it
 * by path, as it opens any capture.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ebpfrec/capture.h"
#include "ebpfrec/decode.h"
#include "ebpfrec/log.h"
#include "ebpfrec/merge.h"
#include "ebpfrec/repair.h"
#include "layout.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int decode_meta_record(const struct ebr_event_header *rec, void *ctx)
{
	struct ebr_decoder *d = ctx;

	ebr_decoder__text(d, rec, sink());
	ebr_decoder__json(d, rec, sink());
	return 0;
}

static void read_records(struct ebr_reader *r, struct ebr_decoder *d, const struct ebr_cursor_opts *o)
{
	struct ebr_cursor *c = ebr_cursor__open(r, o);
	const struct ebr_event_header *h;
	unsigned n = 0;

	if (!c)
		return;
	while (ebr_cursor__next(c, &h) > 0) {
		/* every record once as text and JSON, enough of them to find bad ones */
		if (n++ < 4096) {
			ebr_decoder__text(d, h, sink());
			ebr_decoder__json(d, h, sink());
			ebr_decoder__json_fields(d, h, EBR_JSON_OWN_FIELDS | EBR_JSON_HEX_STRINGS, sink());
		}
	}
	ebr_cursor__close(c);
}

static void exercise(const char *path)
{
	struct ebr_reader *r = ebr_reader__open(path);
	const struct ebr_capture_info *info;
	struct ebr_merge_source *src = NULL;
	struct ebr_decoder *d;
	struct ebr_cursor_opts o = { .sz = sizeof(o) };
	uint8_t uuid[16];
	uint32_t index;
	char base[300];
	size_t n;

	if (!r)
		return;
	info = ebr_reader__info(r);
	d = ebr_decoder__new(ebr_reader__schema(r), info, NULL);
	if (!d) {
		ebr_reader__close(r);
		return;
	}
	for (size_t i = 0; i < ebr_reader__meta_count(r); i++) {
		const void *p;
		unsigned kind;
		size_t len;

		ebr_reader__meta(r, i, &kind, &p, &len);
	}
	ebr_reader__meta_records(r, EBR_META_PROCS, decode_meta_record, d);
	ebr_reader__meta_records(r, EBR_META_PROBES, decode_meta_record, d);
	ebr_reader__meta_records(r, EBR_META_CGROUPS, decode_meta_record, d);
	for (size_t i = 0; i < ebr_reader__cgroup_count(r); i++)
		ebr_reader__cgroup_at(r, i);
	ebr_reader__rotation(r, uuid, &index, base, sizeof(base));
	if (ebr_merge__sources(r, &src, &n) == 0)
		free(src);
	for (size_t i = 0; i < ebr_reader__segment_count(r); i++)
		ebr_reader__segment(r, i);
	ebr_reader__seek_segment(r, info->t_first + (info->t_last - info->t_first) / 2);
	read_records(r, d, &o);
	/* a window and a type set: the seek and skip paths */
	o.from_ts = info->t_first + (info->t_last - info->t_first) / 3;
	o.to_ts = info->t_last;
	o.type_bitmap[0] = 1u << 10 | 1u << 1;
	o.unordered = 1;
	read_records(r, d, &o);
	for (unsigned t = 0; t < 128; t++)
		ebr_reader__type_count(r, t);
	ebr_reader__drops_by_type(r, 0, 10);
	ebr_decoder__free(d);
	ebr_reader__close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64], out[64];
	struct ebr_repair_opts ro = { .sz = sizeof(ro), .force = 1 };

	if (fd < 0) {
		fd = memfd_create("capture", 0);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		/* on tmpfs when there is one: repair flushes what it writes */
		snprintf(out, sizeof(out), "%s/ebpfrec-fuzz-%d.ebc", access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm",
			 (int)getpid());
		ebr_set_log(quiet, NULL);
	}
	if (ftruncate(fd, 0) || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	exercise(path);
	/* repair copies the whole blocks into a new file, which must then read */
	if (ebr_capture__repair(path, out, &ro, NULL) == 0)
		exercise(out);
	unlink(out);
	return 0;
}
