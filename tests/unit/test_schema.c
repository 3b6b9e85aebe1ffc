// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The schema's stored form, its validation, and field access on records. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capture_fixture.h"
#include "events.h"
#include "internal.h"

static const char *const common_names[] = { "ts",  "size",  "type",   "cpu",   "pid",
					    "tid", "ppid",  "uid",    "gid",   "pidns",
					    "cgroup", "mntns", "hdr_flags", "comm" };
#define N_COMMON (sizeof(common_names) / sizeof(common_names[0]))

static void assert_same_schema(const struct ebr_schema *a, const struct ebr_schema *b)
{
	assert_int_equal(ebr_schema__type_count(a), ebr_schema__type_count(b));
	for (size_t i = 0; i < ebr_schema__type_count(a); i++) {
		const struct ebr_type *ta = ebr_schema__type_at(a, i), *tb = ebr_schema__type_at(b, i);

		assert_string_equal(ta->name, tb->name);
		assert_string_equal(ta->family_name, tb->family_name);
		assert_int_equal(ta->id, tb->id);
		assert_int_equal(ta->family, tb->family);
		assert_int_equal(ta->fixed_size, tb->fixed_size);
		assert_int_equal(ta->n_fields, tb->n_fields);
		for (uint32_t k = 0; k < ta->n_fields; k++) {
			assert_string_equal(ta->fields[k].name, tb->fields[k].name);
			assert_int_equal(ta->fields[k].kind, tb->fields[k].kind);
			assert_int_equal(ta->fields[k].hint, tb->fields[k].hint);
			assert_int_equal(ta->fields[k].offset, tb->fields[k].offset);
			assert_int_equal(ta->fields[k].size, tb->fields[k].size);
		}
		assert_ptr_equal(ebr_schema__type(b, ta->id), tb);
		assert_ptr_equal(ebr_schema__type_by_name(b, ta->name), tb);
	}
}

/* The builtin schema describes bpf/events.h exactly. */
static void test_builtin_matches_events_h(void **state)
{
	const struct ebr_schema *s = ebr_schema__builtin();
	const struct ebr_type *exec = ebr_schema__type(s, EBR_T_EXEC);

	(void)state;
	static const struct {
		unsigned id;
		size_t size;
		const char *family;
	} sizes[] = {
		{ EBR_T_EXEC, sizeof(struct ebr_exec_event), "process" },
		{ EBR_T_FORK, sizeof(struct ebr_fork_event), "process" },
		{ EBR_T_EXIT, sizeof(struct ebr_exit_event), "process" },
		{ EBR_T_SYSCALL, sizeof(struct ebr_syscall_event), "syscall" },
		{ EBR_T_CONNECT, sizeof(struct ebr_net_event), "network" },
		{ EBR_T_TCP_CLOSE, sizeof(struct ebr_net_event), "network" },
		{ EBR_T_UDP_RECV, sizeof(struct ebr_net_event), "network" },
		{ EBR_T_KMALLOC, sizeof(struct ebr_kmem_event), "memory" },
		{ EBR_T_PAGE_FREE, sizeof(struct ebr_page_event), "memory" },
		{ EBR_T_BRK, sizeof(struct ebr_mmap_event), "memory" },
		{ EBR_T_OPEN, sizeof(struct ebr_file_event), "file" },
		{ EBR_T_CLOSE, sizeof(struct ebr_file_event), "file" },
		{ EBR_T_CGROUP_INFO, sizeof(struct ebr_cgroup_info), "meta" },
	};

	assert_int_equal(ebr_schema__type_count(s), 25);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		const struct ebr_type *t = ebr_schema__type(s, sizes[i].id);

		assert_non_null(t);
		assert_int_equal(t->fixed_size, sizes[i].size);
		assert_string_equal(t->family_name, sizes[i].family);
	}
	for (size_t i = 0; i < ebr_schema__type_count(s); i++) {
		const struct ebr_type *t = ebr_schema__type_at(s, i);

		assert_true(t->n_fields > N_COMMON);
		for (size_t k = 0; k < N_COMMON; k++) {
			assert_string_equal(t->fields[k].name, common_names[k]);
			assert_true(t->fields[k].offset < sizeof(struct ebr_event_header));
		}
		for (size_t k = N_COMMON; k < t->n_fields; k++)
			assert_true(t->fields[k].offset >= sizeof(struct ebr_event_header));
		if (i)
			assert_true(ebr_schema__type_at(s, i - 1)->id < t->id);
	}
	assert_int_equal(exec->fixed_size, sizeof(struct ebr_exec_event));
	assert_string_equal(exec->family_name, "process");
	assert_int_equal(ebr_type__field(exec, "filename")->offset, offsetof(struct ebr_exec_event, filename));
	assert_int_equal(ebr_type__field(exec, "filename")->kind, EBR_FK_VSTR);
	assert_int_equal(ebr_type__field(exec, "args")->kind, EBR_FK_VSTRLIST);
	assert_int_equal(ebr_type__field(exec, "cgroup")->offset, offsetof(struct ebr_event_header, cgroup_id));
	assert_int_equal(ebr_type__field(exec, "comm")->size, EBR_COMM_LEN);
	assert_int_equal(ebr_schema__type(s, EBR_T_PROBE_STATUS)->fixed_size, sizeof(struct ebr_probe_status));
	assert_string_equal(ebr_schema__type(s, EBR_T_PROC_INFO)->family_name, "meta");
	assert_int_equal(ebr_type__field(ebr_schema__type(s, EBR_T_TCP_CLOSE), "bytes_sent")->offset,
			 offsetof(struct ebr_net_event, bytes_sent));
	assert_int_equal(ebr_type__field(ebr_schema__type(s, EBR_T_OPEN), "filename")->offset,
			 offsetof(struct ebr_file_event, filename));
	assert_null(ebr_schema__type(s, 11));
	assert_null(ebr_schema__type(s, 5000));
	assert_null(ebr_type__field(exec, "nope"));
}

static void test_serialize_parse_round_trip(void **state)
{
	const struct ebr_schema *b = ebr_schema__builtin();
	struct ebr_schema *p;
	void *buf, *again;
	size_t len, len2, want = sizeof(struct ebr_schema_disk);

	(void)state;
	assert_int_equal(ebr_schema__serialize(b, &buf, &len), 0);
	for (size_t i = 0; i < ebr_schema__type_count(b); i++)
		want += sizeof(struct ebr_schema_type_disk) +
			ebr_schema__type_at(b, i)->n_fields * sizeof(struct ebr_schema_field_disk);
	assert_int_equal(len, want);
	p = ebr_schema__parse(buf, len);
	assert_non_null(p);
	assert_same_schema(b, p);
	assert_int_equal(ebr_schema__serialize(p, &again, &len2), 0);
	assert_int_equal(len2, len);
	assert_memory_equal(again, buf, len);
	free(again);
	ebr_schema__free(p);
	free(buf);
}

/* Serialized builtin schema, and the stored entry of one field in it. */
static char *serialized(size_t *len)
{
	void *buf;

	assert_int_equal(ebr_schema__serialize(ebr_schema__builtin(), &buf, len), 0);
	return buf;
}

static struct ebr_schema_field_disk *stored_field(char *buf, unsigned type, const char *name,
						   struct ebr_schema_type_disk **tdp)
{
	struct ebr_schema_disk h;
	char *p = buf + sizeof(h);

	memcpy(&h, buf, sizeof(h));
	for (uint32_t i = 0; i < h.n_types; i++) {
		struct ebr_schema_type_disk *td = (void *)p;

		p += h.type_entry_size;
		for (uint32_t k = 0; k < td->n_fields; k++, p += h.field_entry_size) {
			struct ebr_schema_field_disk *fd = (void *)p;

			if (td->id == type && !strcmp(fd->name, name)) {
				if (tdp)
					*tdp = td;
				return fd;
			}
		}
	}
	fail_msg("no field %s", name);
	return NULL;
}

static void expect_rejected(const char *buf, size_t len, const char *msg)
{
	fx_log_capture();
	errno = 0;
	assert_null(ebr_schema__parse(buf, len));
	assert_int_equal(errno, EINVAL);
	assert_string_equal(fx_log_text(), msg);
	fx_log_restore();
}

static void test_field_outside_record_rejected(void **state)
{
	size_t len;
	char *buf = serialized(&len);
	struct ebr_schema_type_disk *td;
	struct ebr_schema_field_disk *fd = stored_field(buf, EBR_T_EXEC, "args", &td);
	const struct ebr_schema_field_disk saved = *fd;
	struct ebr_schema *p;

	(void)state;
	/* ends exactly at the end of the record: fine */
	fd->offset = td->fixed_size - 4;
	p = ebr_schema__parse(buf, len);
	assert_non_null(p);
	ebr_schema__free(p);

	fd->offset = td->fixed_size - 2; /* straddles the end */
	expect_rejected(buf, len, "schema: field exec.args lies outside its record\n");
	fd->offset = td->fixed_size;
	expect_rejected(buf, len, "schema: field exec.args lies outside its record\n");
	fd->offset = 0xfffffffeU; /* offset + size wraps */
	expect_rejected(buf, len, "schema: field exec.args lies outside its record\n");
	*fd = saved;
	fd->size = 8; /* a VSTR descriptor is 4 bytes */
	expect_rejected(buf, len, "schema: field exec.args lies outside its record\n");
	*fd = saved;

	fd = stored_field(buf, EBR_T_EXIT, "comm", &td);
	fd->size = td->fixed_size; /* chars may be any size, but not past the record */
	expect_rejected(buf, len, "schema: field exit.comm lies outside its record\n");
	fd->size = EBR_COMM_LEN;

	td->fixed_size = sizeof(struct ebr_event_header) - 8;
	expect_rejected(buf, len, "schema: type 3 has an invalid id or size\n");
	td->fixed_size = sizeof(struct ebr_exit_event);
	td->id = EBR_T_MAX + 1;
	expect_rejected(buf, len, "schema: type 1024 has an invalid id or size\n");
	td->id = EBR_T_EXIT;

	p = ebr_schema__parse(buf, len); /* all restored */
	assert_non_null(p);
	ebr_schema__free(p);
	free(buf);
}

static void test_truncated_rejected(void **state)
{
	size_t len;
	char *buf = serialized(&len);

	(void)state;
	fx_log_capture();
	for (size_t cut = 0; cut < len; cut++) {
		errno = 0;
		assert_null(ebr_schema__parse(buf, cut));
		assert_int_equal(errno, EINVAL);
	}
	fx_log_restore();
	expect_rejected(buf, 8, "schema block header is invalid\n");
	expect_rejected(buf, len - 1, "schema block is truncated\n");
	free(buf);
}

/* Entries longer than this build's (a later minor version appended fields) parse the same. */
static void test_longer_entries(void **state)
{
	const size_t t_extra = 16, f_extra = 8;
	size_t len;
	char *buf = serialized(&len), *p = buf + sizeof(struct ebr_schema_disk);
	struct ebr_schema_disk h;
	struct ebr_buf out = { 0 };
	struct ebr_schema *s;
	char junk[16];

	(void)state;
	memset(junk, 0xcd, sizeof(junk));
	memcpy(&h, buf, sizeof(h));
	h.type_entry_size += t_extra;
	h.field_entry_size += f_extra;
	ebr_buf__put(&out, &h, sizeof(h));
	for (uint32_t i = 0; i < h.n_types; i++) {
		struct ebr_schema_type_disk td;

		memcpy(&td, p, sizeof(td));
		ebr_buf__put(&out, p, sizeof(td));
		ebr_buf__put(&out, junk, t_extra);
		p += sizeof(td);
		for (uint32_t k = 0; k < td.n_fields; k++) {
			ebr_buf__put(&out, p, sizeof(struct ebr_schema_field_disk));
			ebr_buf__put(&out, junk, f_extra);
			p += sizeof(struct ebr_schema_field_disk);
		}
	}
	assert_int_equal((size_t)(p - buf), len);
	s = ebr_schema__parse(out.p, out.len);
	assert_non_null(s);
	assert_same_schema(ebr_schema__builtin(), s);
	ebr_schema__free(s);
	ebr_buf__free(&out);
	free(buf);
}

/* Kinds this build does not know are kept but hidden, never decoded. */
static void test_unknown_field_kind(void **state)
{
	size_t len;
	char *buf = serialized(&len);
	struct ebr_schema *s;
	const struct ebr_type *t;

	(void)state;
	stored_field(buf, EBR_T_FORK, "clone_flags", NULL)->kind = 99;
	stored_field(buf, EBR_T_FORK, "child_tid", NULL)->kind = 0;
	s = ebr_schema__parse(buf, len);
	assert_non_null(s);
	t = ebr_schema__type(s, EBR_T_FORK);
	assert_int_equal(ebr_type__field(t, "clone_flags")->kind, 99);
	assert_int_equal(ebr_type__field(t, "clone_flags")->hint, EBR_FH_HIDDEN);
	assert_int_equal(ebr_type__field(t, "child_tid")->hint, EBR_FH_HIDDEN);
	assert_int_equal(ebr_type__field(t, "child_pid")->hint, EBR_FH_NONE);
	ebr_schema__free(s);
	free(buf);
}

static void test_field_access(void **state)
{
	const struct ebr_type *t = ebr_schema__type(ebr_schema__builtin(), EBR_T_EXEC);
	struct ebr_buf b = { 0 };
	struct ebr_exec_event *e;
	struct ebr_vstr bad = { .off = 90, .len = 60 };
	size_t off = ebr_rec__begin(&b, sizeof(*e)), len;
	const struct ebr_event_header *h;
	const char *s;

	(void)state;
	e = ebr_rec__at(&b, off);
	e->hdr.type = EBR_T_EXEC;
	e->hdr.ts = 123456789012345ULL;
	e->ret = -2;
	e->argc = 3;
	memcpy(e->hdr.comm, "0123456789abcdef", 16); /* no NUL */
	ebr_rec__add_str(&b, off, offsetof(struct ebr_exec_event, filename), "/bin/ls", 7);
	ebr_rec__add_str(&b, off, offsetof(struct ebr_exec_event, args), "ls\0-l\0/tmp", 10);
	ebr_rec__end(&b, off);
	h = ebr_rec__at(&b, off);
	assert_int_equal(h->size, 120); /* 96 + 8 + 11, padded to 8 */
	assert_true(ebr_record__valid(t, h));
	assert_int_equal(ebr_field__u64(ebr_type__field(t, "ts"), h), 123456789012345ULL);
	assert_int_equal(ebr_field__s64(ebr_type__field(t, "ret"), h), -2);
	assert_int_equal(ebr_field__u64(ebr_type__field(t, "ret"), h), (uint64_t)-2);
	assert_int_equal(ebr_field__u64(ebr_type__field(t, "argc"), h), 3);
	assert_true(ebr_field__is_signed(ebr_type__field(t, "ret")));
	assert_false(ebr_field__is_signed(ebr_type__field(t, "argc")));
	assert_true(ebr_field__is_string(ebr_type__field(t, "args")));
	s = ebr_field__str(ebr_type__field(t, "filename"), h, &len);
	assert_int_equal(len, 7);
	assert_memory_equal(s, "/bin/ls", 8); /* NUL follows */
	s = ebr_field__str(ebr_type__field(t, "args"), h, &len);
	assert_int_equal(len, 10);
	assert_memory_equal(s, "ls\0-l\0/tmp", 11);
	s = ebr_field__str(ebr_type__field(t, "comm"), h, &len);
	assert_int_equal(len, 16);
	assert_memory_equal(s, "0123456789abcdef", 16);

	/* a descriptor pointing past the record yields an empty string */
	memcpy((char *)b.p + off + offsetof(struct ebr_exec_event, filename), &bad, sizeof(bad));
	s = ebr_field__str(ebr_type__field(t, "filename"), h, &len);
	assert_int_equal(len, 0);
	assert_string_equal(s, "");
	/* a record shorter than its type's fixed part is not valid */
	((struct ebr_event_header *)ebr_rec__at(&b, off))->size = 88;
	assert_false(ebr_record__valid(t, h));
	ebr_buf__free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_matches_events_h),
		cmocka_unit_test(test_serialize_parse_round_trip),
		cmocka_unit_test(test_field_outside_record_rejected),
		cmocka_unit_test(test_truncated_rejected),
		cmocka_unit_test(test_longer_entries),
		cmocka_unit_test(test_unknown_field_kind),
		cmocka_unit_test(test_field_access),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
