// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Schema lookup, record field access, and the schema's stored form. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ebpfrec/schema.h"
#include "events.h"
#include "internal.h"
#include "schema_internal.h"

const struct ebr_type *ebr_schema__type(const struct ebr_schema *s, unsigned id)
{
	return s && id <= EBR_T_MAX ? s->by_id[id] : NULL;
}

const struct ebr_type *ebr_schema__type_by_name(const struct ebr_schema *s, const char *name)
{
	for (size_t i = 0; s && i < s->n_types; i++)
		if (!strcmp(s->types[i].name, name))
			return &s->types[i];
	return NULL;
}

size_t ebr_schema__type_count(const struct ebr_schema *s)
{
	return s ? s->n_types : 0;
}

const struct ebr_type *ebr_schema__type_at(const struct ebr_schema *s, size_t i)
{
	return s && i < s->n_types ? &s->types[i] : NULL;
}

const struct ebr_field *ebr_type__field(const struct ebr_type *t, const char *name)
{
	for (uint32_t i = 0; t && i < t->n_fields; i++)
		if (!strcmp(t->fields[i].name, name))
			return &t->fields[i];
	return NULL;
}

const char *ebr_family__name(unsigned family)
{
	static const char *const names[EBR_FAM_NR] = {
		[EBR_FAM_NONE] = "none",       [EBR_FAM_PROCESS] = "process",
		[EBR_FAM_SYSCALL] = "syscall", [EBR_FAM_NETWORK] = "network",
		[EBR_FAM_MEMORY] = "memory",   [EBR_FAM_FILE] = "file",
		[EBR_FAM_META] = "meta",       [EBR_FAM_CUSTOM] = "custom",
	};
	return family < EBR_FAM_NR ? names[family] : "unknown";
}

static uint32_t kind_size(unsigned kind)
{
	switch (kind) {
	case EBR_FK_U8:
	case EBR_FK_S8:
		return 1;
	case EBR_FK_U16:
	case EBR_FK_S16:
		return 2;
	case EBR_FK_U32:
	case EBR_FK_S32:
	case EBR_FK_VSTR:
	case EBR_FK_VSTRLIST:
	case EBR_FK_VBYTES:
		return 4;
	case EBR_FK_U64:
	case EBR_FK_S64:
		return 8;
	case EBR_FK_IPADDR:
		return 16;
	default: /* CHARS and BYTES: any size */
		return 0; /* CHARS: any size; unknown kinds: opaque */
	}
}

int ebr_record__valid(const struct ebr_type *t, const struct ebr_event_header *rec)
{
	return t && rec->size >= t->fixed_size && rec->size % EBR_RECORD_ALIGN == 0;
}

int ebr_field__is_signed(const struct ebr_field *f)
{
	return f->kind >= EBR_FK_S8 && f->kind <= EBR_FK_S64;
}

int ebr_field__is_string(const struct ebr_field *f)
{
	return f->kind == EBR_FK_CHARS || f->kind == EBR_FK_VSTR || f->kind == EBR_FK_VSTRLIST ||
	       f->kind == EBR_FK_VBYTES;
}

uint64_t ebr_field__u64(const struct ebr_field *f, const struct ebr_event_header *rec)
{
	const char *p = (const char *)rec + f->offset;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	switch (f->kind) {
	case EBR_FK_U8:
		memcpy(&u8, p, 1);
		return u8;
	case EBR_FK_U16:
		memcpy(&u16, p, 2);
		return u16;
	case EBR_FK_U32:
		memcpy(&u32, p, 4);
		return u32;
	case EBR_FK_U64:
		memcpy(&u64, p, 8);
		return u64;
	case EBR_FK_S8:
	case EBR_FK_S16:
	case EBR_FK_S32:
	case EBR_FK_S64:
		return (uint64_t)ebr_field__s64(f, rec);
	default:
		return 0;
	}
}

int64_t ebr_field__s64(const struct ebr_field *f, const struct ebr_event_header *rec)
{
	const char *p = (const char *)rec + f->offset;
	int8_t s8;
	int16_t s16;
	int32_t s32;
	int64_t s64;

	switch (f->kind) {
	case EBR_FK_S8:
		memcpy(&s8, p, 1);
		return s8;
	case EBR_FK_S16:
		memcpy(&s16, p, 2);
		return s16;
	case EBR_FK_S32:
		memcpy(&s32, p, 4);
		return s32;
	case EBR_FK_S64:
		memcpy(&s64, p, 8);
		return s64;
	default:
		return (int64_t)ebr_field__u64(f, rec);
	}
}

const char *ebr_field__str(const struct ebr_field *f, const struct ebr_event_header *rec,
			   size_t *len)
{
	const char *base = (const char *)rec;
	struct ebr_vstr v;

	switch (f->kind) {
	case EBR_FK_CHARS:
		*len = strnlen(base + f->offset, f->size);
		return base + f->offset;
	case EBR_FK_VSTR:
	case EBR_FK_VSTRLIST:
	case EBR_FK_VBYTES:
		memcpy(&v, base + f->offset, sizeof(v));
		/* a descriptor from a file is untrusted: it must stay inside the record */
		if (!v.len || (uint32_t)v.off + v.len > rec->size) {
			*len = 0;
			return "";
		}
		*len = v.len;
		return base + v.off;
	default:
		*len = 0;
		return "";
	}
}

/* ------------------------------------------------------------ stored form */

int ebr_schema__serialize(const struct ebr_schema *s, void **buf, size_t *len)
{
	struct ebr_schema_disk hdr = {
		.n_types = (uint32_t)s->n_types,
		.type_entry_size = sizeof(struct ebr_schema_type_disk),
		.field_entry_size = sizeof(struct ebr_schema_field_disk),
	};
	size_t total = sizeof(hdr);
	char *out, *p;

	for (size_t i = 0; i < s->n_types; i++)
		total += sizeof(struct ebr_schema_type_disk) +
			 s->types[i].n_fields * sizeof(struct ebr_schema_field_disk);
	out = calloc(1, total);
	if (!out)
		return -ENOMEM;
	memcpy(out, &hdr, sizeof(hdr));
	p = out + sizeof(hdr);
	for (size_t i = 0; i < s->n_types; i++) {
		const struct ebr_type *t = &s->types[i];
		struct ebr_schema_type_disk td = {
			.id = t->id,
			.family = t->family,
			.fixed_size = t->fixed_size,
			.n_fields = t->n_fields,
		};

		ebr_strlcpy(td.name, t->name, sizeof(td.name));
		ebr_strlcpy(td.family_name, t->family_name, sizeof(td.family_name));
		memcpy(p, &td, sizeof(td));
		p += sizeof(td);
		for (uint32_t k = 0; k < t->n_fields; k++) {
			const struct ebr_field *f = &t->fields[k];
			struct ebr_schema_field_disk fd = {
				.kind = f->kind,
				.hint = f->hint,
				.offset = f->offset,
				.size = f->size,
			};

			ebr_strlcpy(fd.name, f->name, sizeof(fd.name));
			memcpy(p, &fd, sizeof(fd));
			p += sizeof(fd);
		}
	}
	*buf = out;
	*len = total;
	return 0;
}

static char *dup_fixed(const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

void ebr_schema__free(struct ebr_schema *s)
{
	if (!s || !s->owned)
		return;
	for (size_t i = 0; i < s->n_types; i++) {
		struct ebr_type *t = &s->types[i];

		for (uint32_t k = 0; k < t->n_fields; k++)
			free((char *)t->fields[k].name);
		free((struct ebr_field *)t->fields);
		free((char *)t->name);
		free((char *)t->family_name);
	}
	free(s->types);
	free(s);
}

static int field_valid(const struct ebr_field *f, uint32_t fixed_size)
{
	uint32_t want = kind_size(f->kind);

	if (want && f->size != want)
		return 0;
	return f->offset <= fixed_size && f->size <= fixed_size - f->offset;
}

static int parse_type(struct ebr_schema *s, const struct ebr_schema_type_disk *td,
		      const char *fields, uint32_t field_entry_size)
{
	struct ebr_type *t = &s->types[s->n_types];
	struct ebr_field *fs;

	if (td->id > EBR_T_MAX || td->fixed_size < sizeof(struct ebr_event_header)) {
		pr_err("schema: type %u has an invalid id or size", td->id);
		return -EINVAL;
	}
	fs = calloc(td->n_fields ? td->n_fields : 1, sizeof(*fs));
	t->name = dup_fixed(td->name, sizeof(td->name));
	t->family_name = dup_fixed(td->family_name, sizeof(td->family_name));
	t->fields = fs;
	t->id = td->id;
	t->family = td->family;
	t->fixed_size = td->fixed_size;
	s->n_types++; /* from here on ebr_schema__free owns it */
	if (!fs || !t->name || !t->family_name)
		return -ENOMEM;
	for (uint32_t k = 0; k < td->n_fields; k++) {
		struct ebr_schema_field_disk fd = {0};

		memcpy(&fd, fields + (size_t)k * field_entry_size,
		       field_entry_size < sizeof(fd) ? field_entry_size : sizeof(fd));
		fs[k].name = dup_fixed(fd.name, sizeof(fd.name));
		t->n_fields = k + 1;
		if (!fs[k].name)
			return -ENOMEM;
		fs[k].kind = fd.kind;
		fs[k].hint = fd.hint;
		fs[k].offset = fd.offset;
		fs[k].size = fd.size;
		if (!field_valid(&fs[k], td->fixed_size)) {
			pr_err("schema: field %s.%s lies outside its record", t->name, fs[k].name);
			return -EINVAL;
		}
		/* a newer (or invalid) kind: keep it, do not decode it */
		if (fs[k].kind < EBR_FK_U8 || fs[k].kind > EBR_FK_VBYTES)
			fs[k].hint = EBR_FH_HIDDEN;
	}
	if (s->by_id[t->id])
		pr_warn("schema: type id %u defined twice; the later one is used", t->id);
	return 0;
}

struct ebr_schema *ebr_schema__parse(const void *buf, size_t len)
{
	const char *p = buf, *end = p + len;
	struct ebr_schema_disk hdr;
	struct ebr_schema *s;
	int err = -EINVAL;

	if (len < sizeof(hdr))
		goto bad;
	memcpy(&hdr, p, sizeof(hdr));
	p += sizeof(hdr);
	if (hdr.type_entry_size < offsetof(struct ebr_schema_type_disk, family_name) ||
	    hdr.field_entry_size < offsetof(struct ebr_schema_field_disk, flags) ||
	    hdr.n_types > EBR_T_MAX + 1)
		goto bad;
	s = calloc(1, sizeof(*s));
	if (!s) {
		errno = ENOMEM;
		return NULL;
	}
	s->owned = 1;
	s->types = calloc(hdr.n_types ? hdr.n_types : 1, sizeof(*s->types));
	if (!s->types) {
		err = -ENOMEM;
		goto fail;
	}
	for (uint32_t i = 0; i < hdr.n_types; i++) {
		struct ebr_schema_type_disk td = {0};
		size_t fields_len;

		if ((size_t)(end - p) < hdr.type_entry_size)
			goto trunc;
		memcpy(&td, p, hdr.type_entry_size < sizeof(td) ? hdr.type_entry_size : sizeof(td));
		p += hdr.type_entry_size;
		fields_len = (size_t)td.n_fields * hdr.field_entry_size;
		if (td.n_fields > 4096 || (size_t)(end - p) < fields_len)
			goto trunc;
		err = parse_type(s, &td, p, hdr.field_entry_size);
		if (err)
			goto fail;
		p += fields_len;
	}
	for (size_t i = 0; i < s->n_types; i++)
		s->by_id[s->types[i].id] = &s->types[i];
	return s;
trunc:
	pr_err("schema block is truncated");
	err = -EINVAL;
fail:
	ebr_schema__free(s);
	errno = -err;
	return NULL;
bad:
	pr_err("schema block header is invalid");
	errno = EINVAL;
	return NULL;
}

static char *dup_str(const char *s)
{
	return dup_fixed(s ? s : "", 256);
}

struct ebr_schema *ebr_schema__extend(const struct ebr_schema *base, const struct ebr_type *extra,
				      size_t n_extra)
{
	size_t n = ebr_schema__type_count(base) + n_extra;
	struct ebr_schema *s = calloc(1, sizeof(*s));

	if (!s || !(s->types = calloc(n ? n : 1, sizeof(*s->types)))) {
		free(s);
		errno = ENOMEM;
		return NULL;
	}
	s->owned = 1;
	for (size_t i = 0; i < n; i++) {
		const struct ebr_type *src = i < n - n_extra ? ebr_schema__type_at(base, i) : &extra[i - (n - n_extra)];
		struct ebr_type *t = &s->types[s->n_types];
		struct ebr_field *fs = calloc(src->n_fields ? src->n_fields : 1, sizeof(*fs));

		*t = *src;
		t->name = dup_str(src->name);
		t->family_name = dup_str(src->family_name);
		t->fields = fs;
		t->n_fields = 0;
		s->n_types++;
		if (!fs || !t->name || !t->family_name || src->id > EBR_T_MAX) {
			ebr_schema__free(s);
			errno = src->id > EBR_T_MAX ? EINVAL : ENOMEM;
			return NULL;
		}
		for (uint32_t k = 0; k < src->n_fields; k++) {
			fs[k] = src->fields[k];
			fs[k].name = dup_str(src->fields[k].name);
			t->n_fields = k + 1;
			if (!fs[k].name) {
				ebr_schema__free(s);
				errno = ENOMEM;
				return NULL;
			}
		}
	}
	for (size_t i = 0; i < s->n_types; i++)
		s->by_id[s->types[i].id] = &s->types[i];
	return s;
}

const char *ebr_schema__machine(const struct ebr_schema *s)
{
	if (s && s->machine[0])
		return s->machine;
#if defined(__aarch64__)
	return "aarch64";
#else
	return "x86_64";
#endif
}
