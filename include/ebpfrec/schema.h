/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The schema: every event type's name, family and fields (name, kind,
 * offset, size). A capture carries its own schema, so a reader decodes any
 * record by name without compiled-in knowledge of its layout.
 */
#ifndef EBPFREC_SCHEMA_H
#define EBPFREC_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ebr_event_header;

/* How a field's bytes are stored. Values are written into captures. */
enum ebr_field_kind {
	EBR_FK_U8 = 1,
	EBR_FK_U16 = 2,
	EBR_FK_U32 = 3,
	EBR_FK_U64 = 4,
	EBR_FK_S8 = 5,
	EBR_FK_S16 = 6,
	EBR_FK_S32 = 7,
	EBR_FK_S64 = 8,
	EBR_FK_CHARS = 9, /* fixed char array, NUL-padded */
	EBR_FK_VSTR = 10, /* struct ebr_vstr pointing into the record */
	EBR_FK_VSTRLIST = 11, /* ebr_vstr of NUL-separated strings */
	EBR_FK_IPADDR = 12, /* 16 bytes, IPv4 as ::ffff:a.b.c.d */
	EBR_FK_VBYTES = 13, /* ebr_vstr of raw bytes */
	EBR_FK_BYTES = 14, /* fixed-size raw bytes (a custom program's arrays and structs) */
};

/* How a field is presented. Values are written into captures. */
enum ebr_field_hint {
	EBR_FH_NONE = 0,
	EBR_FH_HEX = 1,
	EBR_FH_TS = 2, /* CLOCK_BOOTTIME ns */
	EBR_FH_DURATION = 3, /* ns */
	EBR_FH_ERRNO = 4, /* negative errno on failure */
	EBR_FH_SYSCALL = 5, /* syscall number of the capture's arch */
	EBR_FH_SIGNAL = 6,
	EBR_FH_TYPE = 7, /* event type id */
	EBR_FH_FAMILY = 8, /* address family */
	EBR_FH_TCP_STATE = 9,
	EBR_FH_OPEN_FLAGS = 10,
	EBR_FH_FD = 11,
	EBR_FH_BYTES = 12, /* a size in bytes */
	EBR_FH_BOOL = 13,
	EBR_FH_PORT = 14,
	EBR_FH_GFP = 15,
	EBR_FH_PROT = 16,
	EBR_FH_MAP_FLAGS = 17,
	EBR_FH_DIRECTION = 18,
	EBR_FH_ERRNO_POS = 19, /* positive errno */
	EBR_FH_DROP_REASON = 20,
	EBR_FH_HIDDEN = 21, /* padding or a length: not shown */
	EBR_FH_OCTAL = 22, /* file modes */
	EBR_FH_FILE_OP = 23, /* enum ebr_file_op */
	EBR_FH_FTYPE = 24, /* inode type, S_IFMT >> 12 */
	EBR_FH_PROTO = 25, /* IP protocol number */
	EBR_FH_HEX_ERRNO = 26, /* an address, or a negative errno */
	EBR_FH_CLONE_FLAGS = 27, /* CLONE_* flags, exit signal in the low byte */
};

struct ebr_field {
	const char *name;
	uint16_t kind; /* enum ebr_field_kind */
	uint16_t hint; /* enum ebr_field_hint */
	uint32_t offset;
	uint32_t size;
};

struct ebr_type {
	const char *name;
	const char *family_name;
	uint16_t id;
	uint16_t family;
	uint32_t fixed_size;
	uint32_t n_fields;
	const struct ebr_field *fields; /* common header fields first */
};

struct ebr_schema;

/* The schema this build of ebpfrec records with. Never NULL. */
const struct ebr_schema *ebr_schema__builtin(void);

const struct ebr_type *ebr_schema__type(const struct ebr_schema *s, unsigned id);
const struct ebr_type *ebr_schema__type_by_name(const struct ebr_schema *s, const char *name);
size_t ebr_schema__type_count(const struct ebr_schema *s);
/* i-th type in id order */
const struct ebr_type *ebr_schema__type_at(const struct ebr_schema *s, size_t i);
const struct ebr_field *ebr_type__field(const struct ebr_type *t, const char *name);
const char *ebr_family__name(unsigned family);

/*
 * A new schema: base's types plus extra ones (custom programs' types, ids
 * from EBR_T_CUSTOM_FIRST). Names and fields are copied. NULL + errno.
 */
struct ebr_schema *ebr_schema__extend(const struct ebr_schema *base, const struct ebr_type *extra,
				      size_t n_extra);

/* Serialized form as stored in a capture's EBR_META_SCHEMA block. */
int ebr_schema__serialize(const struct ebr_schema *s, void **buf, size_t *len);
/* Parse a stored schema; validates every offset and size. NULL + errno on error. */
struct ebr_schema *ebr_schema__parse(const void *buf, size_t len);
void ebr_schema__free(struct ebr_schema *s);

/*
 * Field access on a raw record. A record is validated once (ebr_record__valid)
 * and then the getters never read outside it.
 */
int ebr_record__valid(const struct ebr_type *t, const struct ebr_event_header *rec);
uint64_t ebr_field__u64(const struct ebr_field *f, const struct ebr_event_header *rec);
int64_t ebr_field__s64(const struct ebr_field *f, const struct ebr_event_header *rec);
/* For CHARS, VSTR, VSTRLIST, VBYTES: pointer to the bytes and their length. */
const char *ebr_field__str(const struct ebr_field *f, const struct ebr_event_header *rec, size_t *len);
int ebr_field__is_signed(const struct ebr_field *f);
int ebr_field__is_string(const struct ebr_field *f);

#ifdef __cplusplus
}
#endif

#endif /* EBPFREC_SCHEMA_H */
