/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Records and a schema for the filter tests. The schema is the builtin
 * process types plus stand-ins for families still to come (a network
 * connect with addresses, a memory event whose `size` shadows the header's,
 * a custom type above id 127), serialized and parsed back, so the tests run
 * against a schema as a reader sees it in a file.
 */
#ifndef EBPFREC_TEST_FILTER_FIXTURE_H
#define EBPFREC_TEST_FILTER_FIXTURE_H

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ebpfrec/record_builder.h"
#include "ebpfrec/schema.h"
#include "events.h"
#include "schema_internal.h"

#define T_CONNECT 20
#define T_KMALLOC 40
#define T_CUSTOM 200

struct test_connect {
	struct ebr_event_header hdr;
	uint8_t saddr[16];
	uint8_t daddr[16];
	uint16_t sport, dport;
	uint32_t pad;
	uint64_t bytes_sent;
	uint64_t duration;
	int64_t ret;
};

struct test_kmalloc {
	struct ebr_event_header hdr;
	uint64_t size; /* shadows the header's hidden `size` */
	uint64_t ptr;
	char filename[16]; /* CHARS, where exec's filename is a VSTR */
	int8_t s8;
	uint8_t u8;
	int16_t s16;
	uint32_t pad;
};

struct test_custom {
	struct ebr_event_header hdr;
	uint32_t err; /* positive errno */
	struct ebr_vstr data; /* VBYTES */
};

#define TF(T, m, name, kind, hint) { name, kind, hint, offsetof(T, m), sizeof(((T *)0)->m) }
#define THDR(m, name, kind, hint) TF(struct ebr_event_header, m, name, kind, hint)
#define TCOMMON                                                       \
	THDR(ts, "ts", EBR_FK_U64, EBR_FH_TS),                        \
	THDR(size, "size", EBR_FK_U32, EBR_FH_HIDDEN),                \
	THDR(type, "type", EBR_FK_U16, EBR_FH_TYPE),                  \
	THDR(cpu, "cpu", EBR_FK_U16, EBR_FH_NONE),                    \
	THDR(pid, "pid", EBR_FK_U32, EBR_FH_NONE),                    \
	THDR(tid, "tid", EBR_FK_U32, EBR_FH_NONE),                    \
	THDR(ppid, "ppid", EBR_FK_U32, EBR_FH_NONE),                  \
	THDR(uid, "uid", EBR_FK_U32, EBR_FH_NONE),                    \
	THDR(gid, "gid", EBR_FK_U32, EBR_FH_NONE),                    \
	THDR(pidns, "pidns", EBR_FK_U32, EBR_FH_NONE),                \
	THDR(cgroup_id, "cgroup", EBR_FK_U64, EBR_FH_NONE),           \
	THDR(mntns, "mntns", EBR_FK_U32, EBR_FH_NONE),                \
	THDR(flags, "hdr_flags", EBR_FK_U32, EBR_FH_HIDDEN),          \
	THDR(comm, "comm", EBR_FK_CHARS, EBR_FH_NONE)

static const struct ebr_field test_connect_fields[] = {
	TCOMMON,
	TF(struct test_connect, saddr, "saddr", EBR_FK_IPADDR, EBR_FH_NONE),
	TF(struct test_connect, daddr, "daddr", EBR_FK_IPADDR, EBR_FH_NONE),
	TF(struct test_connect, sport, "sport", EBR_FK_U16, EBR_FH_PORT),
	TF(struct test_connect, dport, "dport", EBR_FK_U16, EBR_FH_PORT),
	TF(struct test_connect, bytes_sent, "bytes_sent", EBR_FK_U64, EBR_FH_BYTES),
	TF(struct test_connect, duration, "duration", EBR_FK_U64, EBR_FH_DURATION),
	TF(struct test_connect, ret, "ret", EBR_FK_S64, EBR_FH_ERRNO),
};

static const struct ebr_field test_kmalloc_fields[] = {
	TCOMMON,
	TF(struct test_kmalloc, size, "size", EBR_FK_U64, EBR_FH_BYTES),
	TF(struct test_kmalloc, ptr, "ptr", EBR_FK_U64, EBR_FH_HEX),
	TF(struct test_kmalloc, filename, "filename", EBR_FK_CHARS, EBR_FH_NONE),
	TF(struct test_kmalloc, s8, "s8", EBR_FK_S8, EBR_FH_NONE),
	TF(struct test_kmalloc, u8, "u8", EBR_FK_U8, EBR_FH_NONE),
	TF(struct test_kmalloc, s16, "s16", EBR_FK_S16, EBR_FH_NONE),
};

static const struct ebr_field test_custom_fields[] = {
	TCOMMON,
	TF(struct test_custom, err, "err", EBR_FK_U32, EBR_FH_ERRNO_POS),
	TF(struct test_custom, data, "data", EBR_FK_VBYTES, EBR_FH_NONE),
};

/* The test schema, as a reader would parse it from a capture. Free with ebr_schema__free. */
static inline struct ebr_schema *test_schema(void)
{
	static struct ebr_type extra[] = {
		{ "connect", "network", T_CONNECT, EBR_FAM_NETWORK, sizeof(struct test_connect),
		  sizeof(test_connect_fields) / sizeof(test_connect_fields[0]), test_connect_fields },
		{ "kmalloc", "memory", T_KMALLOC, EBR_FAM_MEMORY, sizeof(struct test_kmalloc),
		  sizeof(test_kmalloc_fields) / sizeof(test_kmalloc_fields[0]), test_kmalloc_fields },
		{ "custom_ev", "custom", T_CUSTOM, EBR_FAM_CUSTOM, sizeof(struct test_custom),
		  sizeof(test_custom_fields) / sizeof(test_custom_fields[0]), test_custom_fields },
	};
	const struct ebr_schema *b = ebr_schema__builtin();
	struct ebr_type types[EBR_T_MAX + 1];
	struct ebr_schema *s = calloc(1, sizeof(*s)), *parsed;
	size_t n = 0, len;
	void *buf;

	/* the stand-ins replace the builtin types of the same id: the tests rely on their fields */
	for (size_t i = 0; i < ebr_schema__type_count(b); i++) {
		const struct ebr_type *t = ebr_schema__type_at(b, i);
		int replaced = 0;

		for (size_t k = 0; k < sizeof(extra) / sizeof(extra[0]); k++)
			replaced |= extra[k].id == t->id;
		if (!replaced)
			types[n++] = *t;
	}
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
		types[n++] = extra[i];
	s->n_types = n;
	s->types = types;
	if (ebr_schema__serialize(s, &buf, &len)) {
		free(s);
		return NULL;
	}
	free(s);
	parsed = ebr_schema__parse(buf, len);
	free(buf);
	return parsed;
}

/* Serialized form of test_schema(), for writing captures. */
static inline int test_schema_bytes(void **buf, size_t *len)
{
	struct ebr_schema *s = test_schema();
	int err = s ? ebr_schema__serialize(s, buf, len) : -1;

	ebr_schema__free(s);
	return err;
}

struct hdr_spec {
	uint64_t ts;
	uint32_t pid, ppid, uid;
	const char *comm;
};

/* A NUL-padded char array, full to the last byte when the text is that long (as comm is). */
static inline void set_chars(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	memset(dst, 0, size);
	memcpy(dst, src, n < size ? n : size);
}

static inline void fill_hdr(struct ebr_event_header *h, unsigned type, const struct hdr_spec *s)
{
	h->ts = s->ts;
	h->type = (uint16_t)type;
	h->pid = s->pid;
	h->tid = s->pid;
	h->ppid = s->ppid;
	h->uid = s->uid;
	h->gid = s->uid;
	h->pidns = 4026531836u;
	h->mntns = 4026531840u;
	h->cgroup_id = 77;
	set_chars(h->comm, sizeof(h->comm), s->comm);
}

/* Each builder appends one record to b and returns its offset. */
static inline size_t add_exec(struct ebr_buf *b, const struct hdr_spec *s, int32_t ret,
			      const char *filename, const char *args, size_t args_len)
{
	size_t off = ebr_rec__begin(b, sizeof(struct ebr_exec_event));
	struct ebr_exec_event *e = ebr_rec__at(b, off);

	fill_hdr(&e->hdr, EBR_T_EXEC, s);
	e->ret = ret;
	e->old_pid = s->pid;
	e->argc = 0;
	for (size_t i = 0; i < args_len; i++)
		e->argc += args[i] == 0;
	ebr_rec__add_str(b, off, offsetof(struct ebr_exec_event, filename), filename, strlen(filename));
	ebr_rec__add_str(b, off, offsetof(struct ebr_exec_event, args), args, args_len);
	ebr_rec__end(b, off);
	return off;
}

static inline size_t add_fork(struct ebr_buf *b, const struct hdr_spec *s, uint32_t child,
			      uint32_t thread, uint64_t clone_flags)
{
	size_t off = ebr_rec__begin(b, sizeof(struct ebr_fork_event));
	struct ebr_fork_event *e = ebr_rec__at(b, off);

	fill_hdr(&e->hdr, EBR_T_FORK, s);
	e->child_pid = child;
	e->child_tid = child;
	e->flags = thread ? EBR_FORK_THREAD : 0;
	e->clone_flags = clone_flags;
	ebr_rec__end(b, off);
	return off;
}

static inline size_t add_exit(struct ebr_buf *b, const struct hdr_spec *s, int32_t code,
			      uint32_t sig, uint32_t core, uint64_t start_ns)
{
	size_t off = ebr_rec__begin(b, sizeof(struct ebr_exit_event));
	struct ebr_exit_event *e = ebr_rec__at(b, off);

	fill_hdr(&e->hdr, EBR_T_EXIT, s);
	e->exit_code = code;
	e->signal = sig;
	e->core_dumped = core;
	e->raw_status = sig ? sig | (core ? 0x80 : 0) : (uint32_t)code << 8;
	e->start_ns = start_ns;
	ebr_rec__end(b, off);
	return off;
}

static inline void ip_parse(const char *s, uint8_t out[16])
{
	uint8_t v4[4];

	memset(out, 0, 16);
	if (inet_pton(AF_INET, s, v4) == 1) {
		out[10] = out[11] = 0xff;
		memcpy(out + 12, v4, 4);
	} else {
		inet_pton(AF_INET6, s, out);
	}
}

static inline size_t add_connect(struct ebr_buf *b, const struct hdr_spec *s, const char *saddr,
				 const char *daddr, uint16_t dport, uint64_t sent, uint64_t dur,
				 int64_t ret)
{
	size_t off = ebr_rec__begin(b, sizeof(struct test_connect));
	struct test_connect *e = ebr_rec__at(b, off);

	fill_hdr(&e->hdr, T_CONNECT, s);
	ip_parse(saddr, e->saddr);
	ip_parse(daddr, e->daddr);
	e->sport = 40000;
	e->dport = dport;
	e->bytes_sent = sent;
	e->duration = dur;
	e->ret = ret;
	ebr_rec__end(b, off);
	return off;
}

static inline size_t add_kmalloc(struct ebr_buf *b, const struct hdr_spec *s, uint64_t size,
				 uint64_t ptr, const char *name, int8_t s8, int16_t s16)
{
	size_t off = ebr_rec__begin(b, sizeof(struct test_kmalloc));
	struct test_kmalloc *e = ebr_rec__at(b, off);

	fill_hdr(&e->hdr, T_KMALLOC, s);
	e->size = size;
	e->ptr = ptr;
	set_chars(e->filename, sizeof(e->filename), name);
	e->s8 = s8;
	e->u8 = 200;
	e->s16 = s16;
	ebr_rec__end(b, off);
	return off;
}

static inline size_t add_custom(struct ebr_buf *b, const struct hdr_spec *s, uint32_t err,
				const char *data, size_t len)
{
	size_t off = ebr_rec__begin(b, sizeof(struct test_custom));
	struct test_custom *e = ebr_rec__at(b, off);

	fill_hdr(&e->hdr, T_CUSTOM, s);
	e->err = err;
	ebr_rec__add_str(b, off, offsetof(struct test_custom, data), data, len);
	ebr_rec__end(b, off);
	return off;
}

static inline size_t add_proc_info(struct ebr_buf *b, const struct hdr_spec *s, uint32_t kthread)
{
	size_t off = ebr_rec__begin(b, sizeof(struct ebr_proc_info));
	struct ebr_proc_info *e = ebr_rec__at(b, off);

	fill_hdr(&e->hdr, EBR_T_PROC_INFO, s);
	e->flags = kthread ? EBR_PROC_KTHREAD : 0;
	ebr_rec__add_str(b, off, offsetof(struct ebr_proc_info, exe), "", 0);
	ebr_rec__end(b, off);
	return off;
}

#endif
