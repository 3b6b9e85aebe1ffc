/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * On-disk structures of the capture format, v1. docs/format.md is the
 * specification; this header must agree with it byte for byte.
 * All integers are little-endian. Structs are declared with explicit
 * padding so their layout is the same on every ABI we build for.
 */
#ifndef EBPFREC_FORMAT_LAYOUT_H
#define EBPFREC_FORMAT_LAYOUT_H

#include <stdint.h>

#define EBR_FORMAT_MAJOR 1
#define EBR_FORMAT_MINOR 1 /* 1.1: segment encoding 1 (columns) */

/* Every block is a zstd skippable frame with this magic (0x184D2A50 + 0xE). */
#define EBR_ZSTD_SKIPPABLE_MAGIC 0x184D2A5EU
#define EBR_ZSTD_SKIPPABLE_MASK 0xFFFFFFF0U
#define EBR_ZSTD_SKIPPABLE_BASE 0x184D2A50U
#define EBR_ZSTD_FRAME_MAGIC 0xFD2FB528U
#define EBR_BLOCK_MAGIC 0x42524245U /* "EBRB" */

enum ebr_block_type {
	EBR_BLOCK_FILE_HEADER = 1,
	EBR_BLOCK_META = 2,
	EBR_BLOCK_SEGMENT = 3,
	EBR_BLOCK_TRAILER = 4,
	EBR_BLOCK_FOOTER = 5,
};

#define EBR_BLOCK_F_ZSTD (1u << 0) /* payload is one zstd frame of body_len bytes */

/* Bytes 0..23 of every block. */
struct ebr_block_prefix {
	uint32_t zstd_magic; /* EBR_ZSTD_SKIPPABLE_MAGIC */
	uint32_t frame_len; /* bytes after this field, i.e. block length - 8 */
	uint32_t block_magic; /* EBR_BLOCK_MAGIC */
	uint16_t block_type; /* enum ebr_block_type */
	uint16_t flags; /* EBR_BLOCK_F_* */
	uint32_t body_len; /* payload length once decompressed */
	uint32_t crc32c; /* of the payload as stored (frame_len - 16 bytes) */
};
#define EBR_BLOCK_PREFIX_SIZE 24u

#define EBR_FILE_MAGIC "EBPFREC"
#define EBR_ENDIAN_MARK 0x01020304U

struct ebr_file_header_disk {
	char magic[8]; /* "EBPFREC\0" */
	uint16_t major;
	uint16_t minor;
	uint32_t header_size; /* sizeof this struct as written; grows by appending */
	uint8_t uuid[16];
	uint64_t created_wall_ns; /* CLOCK_REALTIME at start */
	int64_t boot_to_wall_ns; /* wall = ts + boot_to_wall_ns */
	uint32_t clock_id; /* 7 = CLOCK_BOOTTIME */
	uint32_t endian_mark; /* EBR_ENDIAN_MARK as the writer saw it */
	uint32_t page_size;
	uint32_t ncpus;
	char host[64];
	char kernel_release[64];
	char kernel_version[128];
	char machine[32]; /* uname -m, names the syscall table */
	char tool_version[32];
};

enum ebr_meta_kind {
	EBR_META_SCHEMA = 1, /* struct ebr_schema_disk ... */
	EBR_META_CONFIG = 2, /* JSON text: the recorder's effective configuration */
	EBR_META_PROCS = 3, /* records of type EBR_T_PROC_INFO */
	EBR_META_PROBES = 4, /* records of type EBR_T_PROBE_STATUS */
	EBR_META_CGROUPS = 5, /* records of type EBR_T_CGROUP_INFO */
	EBR_META_NOTE = 6, /* free text, e.g. the command line that recorded */
	EBR_META_ROTATION = 7, /* struct ebr_rotation_disk: one file of a rotated set */
	EBR_META_DERIVED = 8, /* JSON text: how this capture was made from others (slice, redact, ...) */
	EBR_META_SOURCES = 9, /* struct ebr_sources_disk: the captures a merge combined */
};

/* Files of one rotated recording name each other through this. */
struct ebr_rotation_disk {
	uint8_t set_uuid[16]; /* the uuid of the set's first file */
	uint32_t index; /* 0, 1, 2, ... in recording order */
	uint32_t reserved;
	char base[256]; /* the output name given to record, e.g. "trace.ebc" */
};

struct ebr_meta_disk {
	uint32_t kind; /* enum ebr_meta_kind */
	uint32_t reserved;
	/* kind-specific bytes follow */
};

/* EBR_META_SOURCES content: a header, then n_sources entries of entry_size bytes. */
struct ebr_sources_disk {
	uint32_t n_sources;
	uint32_t entry_size; /* sizeof(struct ebr_source_disk) as written */
};

struct ebr_source_disk {
	uint32_t id; /* 1..255: the value records carry in hdr.flags bits 24..31 */
	uint32_t ncpus;
	uint8_t uuid[16]; /* of the source capture */
	int64_t boot_to_wall_ns; /* the source's own offset */
	int64_t ts_offset_ns; /* boot ns here = the source's boot ns + this */
	uint64_t created_wall_ns;
	uint64_t n_records; /* records of this source in this capture */
	char host[64];
	char kernel_release[64];
	char machine[32];
	char kernel_version[128];
};

struct ebr_schema_disk {
	uint32_t n_types;
	uint32_t type_entry_size; /* sizeof(struct ebr_schema_type_disk) as written */
	uint32_t field_entry_size; /* sizeof(struct ebr_schema_field_disk) as written */
	uint32_t reserved;
	/* n_types x { type entry, n_fields x field entry } */
};

struct ebr_schema_type_disk {
	uint16_t id;
	uint16_t family;
	uint32_t fixed_size; /* smallest valid record of this type */
	uint32_t n_fields;
	uint32_t flags;
	char name[32];
	char family_name[16];
};

struct ebr_schema_field_disk {
	char name[32];
	uint16_t kind; /* enum ebr_field_kind */
	uint16_t hint; /* enum ebr_field_hint */
	uint32_t offset;
	uint32_t size;
	uint32_t flags;
};

/* Segment block payload; the zstd frame of records follows the block. */
struct ebr_segment_disk {
	uint64_t seq;
	uint64_t t_first; /* smallest ts in the segment */
	uint64_t t_last; /* largest ts in the segment */
	uint32_t n_records;
	uint32_t raw_size;
	uint32_t comp_size; /* bytes of the zstd frame after this block */
	uint16_t encoding; /* EBR_SEG_ENC_*: 0 records back to back, 1 columns (seg_codec.h) */
	uint16_t n_drops; /* drop counters that follow */
	uint32_t data_crc32c; /* of the comp_size bytes */
	uint32_t reserved;
	uint64_t type_bitmap[2];
	/* uint64_t drops[n_drops]: cumulative, by enum ebr_drop_reason */
	/*
	 * then, to the end of the payload, segment sections framed like the
	 * trailer's (struct ebr_trailer_section_disk + data) and numbered like
	 * them: DROPS_BY_TYPE, cumulative, when any count is non-zero.
	 * docs/format.md section 7.2.
	 */
};

/* A segment's DROPS_BY_TYPE section holds at most this many entries (reason x type slot). */
#define EBR_SEG_DBT_MAX_ENTRIES (8u * 128u)

enum ebr_trailer_section {
	EBR_TRAILER_INDEX = 1,
	EBR_TRAILER_TYPE_COUNTS = 2,
	EBR_TRAILER_DROPS = 3,
	EBR_TRAILER_DROPS_BY_TYPE = 4,
	EBR_TRAILER_SUMMARY = 5,
};

struct ebr_trailer_section_disk {
	uint32_t section; /* enum ebr_trailer_section */
	uint32_t len; /* bytes of data after this header, multiple of 8 */
};

struct ebr_index_header_disk {
	uint32_t n_entries;
	uint32_t entry_size; /* sizeof(struct ebr_index_entry_disk) as written */
};

struct ebr_index_entry_disk {
	uint64_t offset; /* of the block */
	uint64_t t_first;
	uint64_t t_last;
	uint64_t seq;
	uint64_t type_bitmap[2];
	uint32_t n_records;
	uint32_t block_len; /* block and, for segments, its zstd frame */
	uint32_t raw_size;
	uint16_t block_type;
	uint16_t reserved;
};

struct ebr_type_count_disk {
	uint32_t type;
	uint32_t reserved;
	uint64_t count;
};

struct ebr_drop_by_type_disk {
	uint16_t reason;
	uint16_t type;
	uint32_t reserved;
	uint64_t count;
};

struct ebr_summary_disk {
	uint64_t n_records;
	uint64_t n_segments;
	uint64_t t_first;
	uint64_t t_last;
	uint64_t raw_bytes;
	uint64_t comp_bytes;
	uint64_t ended_wall_ns;
};

#define EBR_FOOTER_MAGIC "EBRFOOT"

struct ebr_footer_disk {
	uint64_t trailer_offset;
	uint64_t trailer_len; /* whole trailer block */
	char magic[8]; /* "EBRFOOT\0" */
};
/* The footer block is always the last 48 bytes of a closed capture. */
#define EBR_FOOTER_BLOCK_SIZE (EBR_BLOCK_PREFIX_SIZE + 24u)

#endif /* EBPFREC_FORMAT_LAYOUT_H */
