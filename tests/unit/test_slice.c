// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * slice: the events of a slice are exactly those a cursor delivers over the
 * same window and types; its snapshot names every process in it; only the
 * segments that can match are read for the events.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capture_fixture.h"
#include "ebpfrec/slice.h"
#include "events.h"
#include "layout.h"
#include "world_fixture.h"

struct env {
	char *dir, *in;
	struct w_capture w;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	struct w_opts o = { .seed = 7, .n_children = 60, .per_segment = 40 };

	e->dir = fx_tmpdir();
	e->in = fx_path(e->dir, "world.ebc");
	w_build(e->in, &o, &e->w);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	free(e->in);
	fx_rmtree(e->dir);
	free(e);
	return 0;
}

/* The pids of proc_info records, and of exec records, and checks. */
static int has_proc(const struct ebr_buf *procs, uint32_t pid, const struct ebr_proc_info **out)
{
	for (size_t off = 0; off < procs->len;) {
		const struct ebr_proc_info *p = (const void *)(procs->p + off);

		if (p->hdr.pid == pid) {
			if (out)
				*out = p;
			return 1;
		}
		off += p->hdr.size;
	}
	return 0;
}

static int has_exec(const struct ebr_buf *events, uint32_t pid)
{
	for (size_t off = 0; off < events->len;) {
		const struct ebr_event_header *h = (const void *)(events->p + off);

		if (h->type == EBR_T_EXEC && h->pid == pid)
			return 1;
		off += h->size;
	}
	return 0;
}

static const char *vs(const void *rec, struct ebr_vstr v)
{
	return v.len ? (const char *)rec + v.off : "";
}

static int uid1000_and_no_syscall(const struct ebr_event_header *h, void *ctx)
{
	(*(int *)ctx)++;
	return h->uid == 1000 && h->type != EBR_T_SYSCALL;
}

struct check {
	uint64_t from, to;
	uint64_t bitmap[2];
	int with_keep;
};

static void check_slice(struct env *e, const struct check *ck, const char *name)
{
	struct ebr_slice_opts so = { .sz = sizeof(so), .from_ts = ck->from, .to_ts = ck->to };
	struct ebr_buf want = {0}, got = {0}, procs = {0}, cgroups = {0};
	struct ebr_slice_stats st;
	struct ebr_reader *in, *out;
	char *path = fx_path(e->dir, name);
	int calls = 0, want_calls = 0;
	size_t n_want, n_got, expect_read = 0;

	memcpy(so.type_bitmap, ck->bitmap, sizeof(so.type_bitmap));
	if (ck->with_keep) {
		so.keep = uid1000_and_no_syscall;
		so.keep_ctx = &calls;
		so.keep_desc = "uid = 1000 and type != syscall";
	}
	in = ebr_reader__open(e->in);
	assert_non_null(in);
	assert_int_equal(ebr_capture__slice(in, path, &so, &st), 0);
	n_want = w_read(in, ck->from, ck->to, ck->bitmap, so.keep, &want_calls, &want);

	out = ebr_reader__open(path);
	assert_non_null(out);
	assert_false(ebr_reader__info(out)->recovered);
	n_got = w_read(out, 0, 0, NULL, NULL, NULL, &got);
	/* the same records, byte for byte, in the same order */
	assert_int_equal(n_got, n_want);
	assert_int_equal(st.records, n_want);
	assert_int_equal(got.len, want.len);
	assert_memory_equal(got.p, want.p, want.len);
	if (ck->with_keep)
		assert_int_equal(calls, want_calls);

	/* only segments that can hold the window were read for the events */
	for (size_t i = 0; i < ebr_reader__segment_count(in); i++) {
		const struct ebr_segment_info *s = ebr_reader__segment(in, i);

		expect_read += s->n_records && (!ck->from || s->t_last >= ck->from) &&
			       (!ck->to || s->t_first < ck->to) &&
			       ((!ck->bitmap[0] && !ck->bitmap[1]) || (s->type_bitmap[0] & ck->bitmap[0]) ||
				(s->type_bitmap[1] & ck->bitmap[1]));
	}
	assert_int_equal(st.segments_read, expect_read);

	/* identity kept, new id */
	assert_string_equal(ebr_reader__info(out)->host, ebr_reader__info(in)->host);
	assert_string_equal(ebr_reader__info(out)->kernel_release, ebr_reader__info(in)->kernel_release);
	assert_string_equal(ebr_reader__info(out)->machine, ebr_reader__info(in)->machine);
	assert_int_equal(ebr_reader__info(out)->boot_to_wall_ns, ebr_reader__info(in)->boot_to_wall_ns);
	assert_int_equal(ebr_reader__info(out)->ncpus, ebr_reader__info(in)->ncpus);
	assert_memory_not_equal(ebr_reader__info(out)->uuid, ebr_reader__info(in)->uuid, 16);
	assert_memory_equal(ebr_reader__info(out)->uuid, st.uuid, 16);

	/* every pid in the events has a proc_info or an exec record, and so has its parent */
	w_meta_records(out, EBR_META_PROCS, &procs);
	assert_int_equal(procs.len > 0, n_got > 0);
	assert_int_equal(w_meta_records(out, EBR_META_PROCS, &cgroups), st.procs);
	cgroups.len = 0;
	for (size_t off = 0; off < got.len;) {
		const struct ebr_event_header *h = (const void *)(got.p + off);

		assert_true(has_proc(&procs, h->pid, NULL) || has_exec(&got, h->pid));
		if (h->ppid)
			assert_true(has_proc(&procs, h->ppid, NULL) || has_exec(&got, h->ppid));
		off += h->size;
	}
	for (size_t off = 0; off < procs.len;) {
		const struct ebr_proc_info *p = (const void *)(procs.p + off);

		/* ancestors are named too, up to init */
		if (p->hdr.ppid)
			assert_true(has_proc(&procs, p->hdr.ppid, NULL));
		off += p->hdr.size;
	}
	assert_int_equal(st.pids_unnamed, 0);
	/* the cgroup table holds exactly the cgroups named by events and processes */
	w_meta_records(out, EBR_META_CGROUPS, &cgroups);
	for (size_t off = 0; off < cgroups.len;) {
		const struct ebr_event_header *c = (const void *)(cgroups.p + off);
		int used = 0;

		for (size_t o2 = 0; o2 < got.len && !used;) {
			used = ((const struct ebr_event_header *)(got.p + o2))->cgroup_id == c->cgroup_id;
			o2 += ((const struct ebr_event_header *)(got.p + o2))->size;
		}
		for (size_t o2 = 0; o2 < procs.len && !used;) {
			used = ((const struct ebr_event_header *)(procs.p + o2))->cgroup_id == c->cgroup_id;
			o2 += ((const struct ebr_event_header *)(procs.p + o2))->size;
		}
		assert_true(used);
		off += c->size;
	}
	ebr_reader__close(out);
	ebr_reader__close(in);
	ebr_buf__free(&want);
	ebr_buf__free(&got);
	ebr_buf__free(&procs);
	ebr_buf__free(&cgroups);
	free(path);
}

static void test_windows_and_types(void **state)
{
	struct env *e = *state;
	uint64_t span = e->w.t_last - e->w.t_first;
	struct check cks[] = {
		{ 0, 0, { 0, 0 }, 0 }, /* everything */
		{ e->w.t_first + span / 3, e->w.t_first + span / 2, { 0, 0 }, 0 },
		{ e->w.t_first + span / 2, 0, { 0, 0 }, 0 },
		{ 0, e->w.t_first + span / 4, { 0, 0 }, 0 },
		{ e->w.t_first + span / 3, e->w.t_first + span / 3 + span / 20, { 0, 0 }, 0 },
		{ e->w.t_first + span / 5, e->w.t_first + span * 4 / 5, { 0, 0 }, 1 },
		{ e->w.t_last + 1, 0, { 0, 0 }, 0 }, /* nothing */
	};
	char name[32];

	ebr_type_bitmap__set(cks[2].bitmap, EBR_T_READ);
	ebr_type_bitmap__set(cks[2].bitmap, EBR_T_CONNECT);
	ebr_type_bitmap__set(cks[4].bitmap, EBR_T_OPEN);
	for (size_t i = 0; i < sizeof(cks) / sizeof(cks[0]); i++) {
		snprintf(name, sizeof(name), "slice-%zu.ebc", i);
		check_slice(e, &cks[i], name);
	}
}

/* A child that forked and exec'd before the window is described as it ran. */
static void test_rebuilt_process(void **state)
{
	struct env *e = *state;
	uint64_t span = e->w.t_last - e->w.t_first;
	struct ebr_slice_opts so = { .sz = sizeof(so), .from_ts = e->w.t_first + span / 2 };
	struct ebr_buf got = {0}, procs = {0};
	struct ebr_slice_stats st;
	struct ebr_reader *in, *out;
	const struct ebr_proc_info *p = NULL, *shell = NULL;
	char *path = fx_path(e->dir, "rebuilt.ebc");
	uint32_t pid = 0;

	ebr_type_bitmap__set(so.type_bitmap, EBR_T_READ);
	in = ebr_reader__open(e->in);
	assert_int_equal(ebr_capture__slice(in, path, &so, &st), 0);
	out = ebr_reader__open(path);
	w_read(out, 0, 0, NULL, NULL, NULL, &got);
	w_meta_records(out, EBR_META_PROCS, &procs);
	assert_true(st.procs_synthesized > 0);
	assert_true(st.history_segments_read > 0);
	/* the first read's process: its fork and exec precede the window */
	pid = ((const struct ebr_event_header *)got.p)->pid;
	assert_true(pid >= W_CHILD_PID0);
	assert_false(has_exec(&got, pid));
	assert_true(has_proc(&procs, pid, &p));
	assert_int_equal(p->hdr.ppid, W_SHELL_PID);
	assert_int_equal(p->hdr.uid, 1000);
	assert_true(p->start_ns > 0 && p->start_ns < so.from_ts);
	{
		unsigned k = pid - W_CHILD_PID0;
		static const char *const tools[] = { "/usr/bin/grep", "/usr/bin/curl",
						     W_SECRET_DIR "/bin/build.sh" };

		assert_string_equal(vs(p, p->exe), tools[k % 3]);
		assert_string_equal(vs(p, p->cmdline), tools[k % 3]); /* first item */
		assert_string_equal(p->hdr.comm, strrchr(tools[k % 3], '/') + 1);
	}
	/* the shell comes from the original snapshot, byte for byte */
	assert_true(has_proc(&procs, W_SHELL_PID, &shell));
	assert_string_equal(vs(shell, shell->exe), "/usr/bin/bash");
	assert_string_equal(vs(shell, shell->cgroup), "/user.slice/user-1000.slice/session-1.scope");
	assert_true(has_proc(&procs, W_SSHD_PID, NULL));
	assert_true(has_proc(&procs, 1, NULL));
	ebr_reader__close(out);
	ebr_reader__close(in);
	ebr_buf__free(&got);
	ebr_buf__free(&procs);
	free(path);
}

static void test_metadata_says_where_from(void **state)
{
	struct env *e = *state;
	struct ebr_slice_opts so = { .sz = sizeof(so), .from_ts = e->w.t_first + 5, .to_ts = e->w.t_last };
	struct ebr_reader *in, *out;
	char *path = fx_path(e->dir, "meta.ebc");
	char expect[200];
	int derived = 0, notes = 0;

	ebr_type_bitmap__set(so.type_bitmap, EBR_T_EXEC);
	in = ebr_reader__open(e->in);
	assert_int_equal(ebr_capture__slice(in, path, &so, NULL), 0);
	out = ebr_reader__open(path);
	snprintf(expect, sizeof(expect), "{\"op\":\"slice\",\"source\":\"%s\",", ebr_reader__info(in)->uuid_str);
	for (size_t i = 0; i < ebr_reader__meta_count(out); i++) {
		const char *data;
		unsigned kind;
		size_t len;
		char window[100];

		ebr_reader__meta(out, i, &kind, (const void **)&data, &len);
		notes += kind == EBR_META_NOTE;
		if (kind != EBR_META_DERIVED)
			continue;
		derived++;
		assert_memory_equal(data, expect, strlen(expect));
		snprintf(window, sizeof(window), "\"from_ts\":%llu,\"to_ts\":%llu,\"types\":[\"exec\"]",
			 (unsigned long long)so.from_ts, (unsigned long long)so.to_ts);
		assert_non_null(strstr(data, window));
	}
	assert_int_equal(derived, 1);
	assert_int_equal(notes, 1); /* the original command line is kept */
	/* an output that exists is refused without force, and the input never */
	assert_int_equal(ebr_capture__slice(in, path, &so, NULL), -EEXIST);
	so.force = 1;
	assert_int_equal(ebr_capture__slice(in, e->in, &so, NULL), -EINVAL);
	ebr_reader__close(out);
	ebr_reader__close(in);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_windows_and_types),
		cmocka_unit_test(test_rebuilt_process),
		cmocka_unit_test(test_metadata_says_where_from),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
