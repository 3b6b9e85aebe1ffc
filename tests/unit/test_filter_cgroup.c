// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Filters on what a record's cgroup belongs to (container, pod, pod_uid,
 * k8s_namespace, unit, runtime) and on syscall names (syscall), against
 * synthetic captures whose cgroup table is built the way the recorder
 * builds it: each cgroup path parsed by ebr_container__parse, pods named
 * from a kubelet log directory. Every filter's matches are checked event by
 * event against the cgroups they must come from; with the ebpfrec binary
 * as argv[1], the same through `ebpfrec replay` and its shorthands.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "ebpfrec/capture.h"
#include "ebpfrec/container.h"
#include "ebpfrec/filter.h"
#include "ebpfrec/record_builder.h"
#include "events.h"
#include "layout.h"

#define DOCKER_ID "3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566778899"
#define CRI_ID "aa11bb22cc33dd44ee55ff6600778899aabbccddeeff00112233445566778899"
#define POD_UID "6c1f2a9e-4b7d-4e21-9d3a-0c5b8e7f1a2b"
#define POD_UID_ "6c1f2a9e_4b7d_4e21_9d3a_0c5b8e7f1a2b" /* as the systemd driver writes it */
#define POD_LOG_DIR "prod_web-7f9c_" POD_UID

/* cgroup ids */
enum { CG_ROOT = 1, CG_DOCKER = 100, CG_DOCKER_INNER = 101, CG_POD = 200, CG_CRI = 201,
       CG_NGINX = 300, CG_SESSION = 400, CG_UNKNOWN = 999 };

static const struct {
	uint64_t id;
	const char *path;
} cgroups[] = {
	{ CG_ROOT, "/" },
	{ CG_DOCKER, "/system.slice/docker-" DOCKER_ID ".scope" },
	{ CG_DOCKER_INNER, "/system.slice/docker-" DOCKER_ID ".scope/init.scope" },
	{ CG_POD, "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" POD_UID_ ".slice" },
	{ CG_CRI, "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" POD_UID_
		  ".slice/cri-containerd-" CRI_ID ".scope" },
	{ CG_NGINX, "/system.slice/nginx.service" },
	{ CG_SESSION, "/user.slice/user-1000.slice/session-3.scope" },
};

/* Events: in every cgroup (and one the table does not know), of syscalls 257/0/1 and exec. */
static const uint64_t event_cgroups[] = { CG_ROOT, CG_DOCKER, CG_DOCKER_INNER, CG_POD, CG_CRI,
					  CG_NGINX, CG_SESSION, CG_UNKNOWN };
static const unsigned x86_nrs[] = { 257, 0, 1 }; /* openat, read, write on x86_64 */
#define N_CG (sizeof(event_cgroups) / sizeof(event_cgroups[0]))
#define PER_CG 4 /* three syscalls and an exec */

static char dir[64], path_x86[128], path_arm[128], path_other[128];
static const char *ebpfrec_bin;

/* One cgroup_info record as the recorder writes it (recorder/cgroups.c). */
static void add_cgroup(struct ebr_buf *b, uint64_t id, const char *path)
{
	struct ebr_container_info ci;
	char ns[64] = "", pod[64] = "";
	size_t off = ebr_rec__begin(b, sizeof(struct ebr_cgroup_info));
	struct ebr_cgroup_info *e = ebr_rec__at(b, off);

	ebr_container__parse(path, &ci);
	if (ci.pod_uid[0])
		ebr_container__pod_from_log_dir(POD_LOG_DIR, ci.pod_uid, ns, sizeof(ns), pod, sizeof(pod));
	e->hdr.type = EBR_T_CGROUP_INFO;
	e->hdr.cgroup_id = id;
#define STR(field, s) ebr_rec__add_str(b, off, offsetof(struct ebr_cgroup_info, field), s, strlen(s))
	STR(path, path);
	STR(container_id, ci.container_id);
	STR(runtime, ci.runtime);
	STR(pod_uid, ci.pod_uid);
	STR(pod_namespace, ns);
	STR(pod_name, pod);
	STR(unit, ci.unit);
#undef STR
	ebr_rec__end(b, off);
}

/*
 * A capture from machine, its events numbered so that event i is in
 * event_cgroups[i / PER_CG], with the first n_table cgroups in its table
 * (0: no table at all).
 */
static void write_capture(const char *path, const char *machine, size_t n_table)
{
	struct ebr_writer_opts o = { .sz = sizeof(o), .force = 1, .machine = machine };
	uint64_t drops[EBR_DROP_REASONS] = { 0 };
	struct ebr_buf b = { 0 }, t = { 0 };
	struct ebr_writer *w = ebr_writer__open(path, &o);
	uint64_t ts = 1000;
	void *sch;
	size_t len;

	assert_non_null(w);
	assert_int_equal(ebr_schema__serialize(ebr_schema__builtin(), &sch, &len), 0);
	assert_int_equal(ebr_writer__add_meta(w, EBR_META_SCHEMA, sch, len), 0);
	free(sch);
	for (size_t i = 0; i < n_table; i++)
		add_cgroup(&t, cgroups[i].id, cgroups[i].path);
	if (n_table)
		assert_int_equal(ebr_writer__add_meta(w, EBR_META_CGROUPS, t.p, t.len), 0);
	for (size_t c = 0; c < N_CG; c++) {
		for (int k = 0; k < 3; k++) {
			struct ebr_syscall_event e = { .hdr = { .ts = ts++, .size = sizeof(e),
								.type = EBR_T_SYSCALL,
								.pid = (uint32_t)(10 + c),
								.cgroup_id = event_cgroups[c] } };

			/* aarch64: openat 56, read 63, write 64 */
			e.nr = strcmp(machine, "aarch64") ? x86_nrs[k] : k == 0 ? 56 : 62 + (unsigned)k;
			ebr_buf__put(&b, &e, sizeof(e));
		}
		{
			size_t off = ebr_rec__begin(&b, sizeof(struct ebr_exec_event));
			struct ebr_exec_event *e = ebr_rec__at(&b, off);

			e->hdr.ts = ts++;
			e->hdr.type = EBR_T_EXEC;
			e->hdr.pid = (uint32_t)(10 + c);
			e->hdr.cgroup_id = event_cgroups[c];
			ebr_rec__add_str(&b, off, offsetof(struct ebr_exec_event, filename), "/bin/x", 6);
			ebr_rec__add_str(&b, off, offsetof(struct ebr_exec_event, args), "x", 2);
			ebr_rec__end(&b, off);
		}
	}
	assert_int_equal(b.err, 0);
	assert_int_equal(ebr_writer__add_segment(w, b.p, b.len, drops, EBR_DROP_REASONS), 0);
	assert_int_equal(ebr_writer__close(w), 0);
	ebr_buf__free(&b);
	ebr_buf__free(&t);
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/ebr-cgfilter-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path_x86, sizeof(path_x86), "%s/x86.ebc", dir);
	snprintf(path_arm, sizeof(path_arm), "%s/arm.ebc", dir);
	snprintf(path_other, sizeof(path_other), "%s/other.ebc", dir);
	write_capture(path_x86, "x86_64", sizeof(cgroups) / sizeof(cgroups[0]));
	write_capture(path_arm, "aarch64", 0);
	write_capture(path_other, "x86_64", 2); /* knows only / and the docker container */
	return 0;
}

static int teardown(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) ? -1 : 0;
}

/* ------------------------------------------------------------ the library */

#define CG(x) (1u << (x))
enum { B_ROOT, B_DOCKER, B_DOCKER_INNER, B_POD, B_CRI, B_NGINX, B_SESSION, B_UNKNOWN };

/*
 * Which (cgroup, kind) pairs the filter matches: bit c of the result for an
 * event in event_cgroups[c]; kinds: 0..2 the three syscalls, 3 the exec.
 * Returns the cgroup bitmask of matches of `kind`, or of any kind (-1).
 */
static unsigned match_mask(struct ebr_reader *r, const struct ebr_filter *f, int kind)
{
	struct ebr_cursor_opts co = { .sz = sizeof(co) };
	struct ebr_cursor *c = ebr_cursor__open(r, &co);
	const struct ebr_event_header *rec;
	unsigned mask = 0, i = 0;

	assert_non_null(c);
	while (ebr_cursor__next(c, &rec) > 0) {
		if (ebr_filter__match(f, rec) && (kind < 0 || (int)(i % PER_CG) == kind))
			mask |= CG(i / PER_CG);
		i++;
	}
	assert_int_equal(i, N_CG * PER_CG);
	ebr_cursor__close(c);
	return mask;
}

static struct ebr_filter *compile_ok(struct ebr_reader *r, const char *expr)
{
	struct ebr_filter_error err;
	struct ebr_filter *f = ebr_filter__compile_reader(r, expr, &err);

	if (!f)
		fail_msg("'%s': %s (errno %d)", expr, err.message, errno);
	return f;
}

static void test_cgroup_fields(void **state)
{
	static const struct {
		const char *expr;
		unsigned cgroups; /* where the matching exec events are */
	} cases[] = {
		{ "container = " DOCKER_ID, CG(B_DOCKER) | CG(B_DOCKER_INNER) },
		{ "container = 3f4e5d6c7b8a", CG(B_DOCKER) | CG(B_DOCKER_INNER) }, /* docker ps's short id */
		{ "container = 3F4E5D6C7B8A9988", CG(B_DOCKER) | CG(B_DOCKER_INNER) },
		{ "container = \"" DOCKER_ID "\"", CG(B_DOCKER) | CG(B_DOCKER_INNER) },
		{ "container_id = " DOCKER_ID, CG(B_DOCKER) | CG(B_DOCKER_INNER) },
		{ "container = aa11bb22cc33", CG(B_CRI) },
		{ "container in (3f4e5d6c7b8a, aa11bb22cc33)", CG(B_DOCKER) | CG(B_DOCKER_INNER) | CG(B_CRI) },
		{ "container glob '*'", CG(B_DOCKER) | CG(B_DOCKER_INNER) | CG(B_CRI) },
		{ "container glob 'aa11*'", CG(B_CRI) },
		{ "container contains 7b8a9988", CG(B_DOCKER) | CG(B_DOCKER_INNER) },
		/* a comparison on a field the event lacks is false: != only covers other containers */
		{ "container != 3f4e5d6c7b8a", CG(B_CRI) },
		{ "container not in (aa11bb22cc33)", CG(B_DOCKER) | CG(B_DOCKER_INNER) },
		{ "not container = 3f4e5d6c7b8a",
		  CG(B_ROOT) | CG(B_POD) | CG(B_CRI) | CG(B_NGINX) | CG(B_SESSION) | CG(B_UNKNOWN) },
		{ "not container glob '*'", CG(B_ROOT) | CG(B_POD) | CG(B_NGINX) | CG(B_SESSION) | CG(B_UNKNOWN) },
		{ "runtime = docker", CG(B_DOCKER) | CG(B_DOCKER_INNER) },
		{ "runtime = containerd", CG(B_CRI) },
		{ "pod = web-7f9c", CG(B_POD) | CG(B_CRI) },
		{ "pod_name = web-7f9c", CG(B_POD) | CG(B_CRI) },
		{ "pod_uid = " POD_UID, CG(B_POD) | CG(B_CRI) },
		{ "k8s_namespace = prod", CG(B_POD) | CG(B_CRI) },
		{ "pod_namespace in (prod)", CG(B_POD) | CG(B_CRI) },
		{ "k8s_namespace = prod and container glob '*'", CG(B_CRI) },
		{ "unit = nginx.service", CG(B_NGINX) },
		{ "unit glob 'session-*.scope'", CG(B_SESSION) },
		{ "unit contains .s", CG(B_NGINX) | CG(B_SESSION) },
		{ "unit = nginx.service or pod = web-7f9c", CG(B_POD) | CG(B_CRI) | CG(B_NGINX) },
		{ "cgroup = 999", CG(B_UNKNOWN) },
	};
	struct ebr_reader *r = ebr_reader__open(path_x86);

	(void)state;
	assert_non_null(r);
	assert_int_equal(ebr_reader__cgroup_count(r), sizeof(cgroups) / sizeof(cgroups[0]));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ebr_filter *f = compile_ok(r, cases[i].expr);
		unsigned got = match_mask(r, f, 3), any = match_mask(r, f, -1);

		if (got != cases[i].cgroups)
			fail_msg("'%s': matched cgroups 0x%x, expected 0x%x", cases[i].expr, got,
				 cases[i].cgroups);
		/* all four events of a cgroup match alike */
		assert_int_equal(any, got);
		assert_int_equal(ebr_filter__uses_cgroups(f), strncmp(cases[i].expr, "cgroup", 6) != 0);
		ebr_filter__free(f);
	}
	ebr_reader__close(r);
}

/* Names the table lacks fail with ENOENT and say what it has; UNKNOWN_OK accepts them. */
static void test_unknown_names(void **state)
{
	static const struct {
		const char *expr;
		unsigned column;
		const char *msg;
	} bad[] = {
		{ "container = 0123456789ab", 13,
		  "unknown container '0123456789ab'; known containers: 3f4e5d6c7b8a, aa11bb22cc33" },
		{ "container = 3f4e5d6c7b8", 13,
		  "unknown container '3f4e5d6c7b8' (a short id needs 12 or more hex digits); known "
		  "containers: 3f4e5d6c7b8a, aa11bb22cc33" },
		{ "container in (3f4e5d6c7b8a, web)", 29,
		  "unknown container 'web'; known containers: 3f4e5d6c7b8a, aa11bb22cc33" },
		{ "container != nope", 14, "unknown container 'nope'; known containers: 3f4e5d6c7b8a, aa11bb22cc33" },
		{ "container glob 'ff*'", 16,
		  "no container matches 'ff*'; known containers: 3f4e5d6c7b8a, aa11bb22cc33" },
		{ "pod = api", 7, "unknown pod 'api'; known pods: web-7f9c" },
		{ "k8s_namespace = default", 17, "unknown Kubernetes namespace 'default'; known Kubernetes "
						 "namespaces: prod" },
		{ "unit = sshd.service", 8, "unknown systemd unit 'sshd.service'; known systemd units: "
					    "nginx.service, session-3.scope" },
	};
	struct ebr_reader *r = ebr_reader__open(path_x86);
	struct ebr_filter_opts o = { .sz = sizeof(o), .flags = EBR_FILTER_CGROUPS | EBR_FILTER_UNKNOWN_OK };
	struct ebr_filter_error err;
	struct ebr_filter *f;

	(void)state;
	assert_non_null(r);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		f = ebr_filter__compile_reader(r, bad[i].expr, &err);
		if (f)
			fail_msg("'%s' compiled", bad[i].expr);
		assert_int_equal(errno, ENOENT);
		assert_string_equal(err.message, bad[i].msg);
		assert_int_equal(err.column, bad[i].column);
	}
	/* accepted when asked: matches nothing, or only what the table knows */
	o.cgroups = ebr_reader__cgroups(r, &o.n_cgroups);
	f = ebr_filter__compile_opts(ebr_reader__schema(r), "container = 0123456789ab", &o, &err);
	assert_non_null(f);
	assert_int_equal(match_mask(r, f, -1), 0);
	ebr_filter__free(f);
	f = ebr_filter__compile_opts(ebr_reader__schema(r), "container in (0123456789ab, aa11bb22cc33)", &o,
				     &err);
	assert_non_null(f);
	assert_int_equal(match_mask(r, f, -1), CG(B_CRI));
	ebr_filter__free(f);
	/* an operator the field cannot take is a plain EINVAL */
	errno = 0;
	assert_null(ebr_filter__compile_reader(r, "container < 5", &err));
	assert_int_equal(errno, EINVAL);
	assert_string_equal(err.message, "'<' does not apply to 'container' (use =, !=, in, glob or contains)");
	assert_null(ebr_filter__compile_reader(r, "pod", &err));
	assert_string_equal(err.message, "'pod' is not a true/false field: compare it (=, !=, in, glob, "
					 "contains; 'pod glob \"*\"' is any)");
	ebr_reader__close(r);

	/* a capture without a cgroup table */
	r = ebr_reader__open(path_arm);
	assert_non_null(r);
	errno = 0;
	assert_null(ebr_filter__compile_reader(r, "container = 3f4e5d6c7b8a", &err));
	assert_int_equal(errno, ENOENT);
	assert_string_equal(err.message, "unknown container '3f4e5d6c7b8a'; no cgroups are known "
					 "(recorded without cgroup v2?)");
	/* no table given at all: a derived field says what is missing */
	errno = 0;
	assert_null(ebr_filter__compile(ebr_reader__schema(r), "pod = web", &err));
	assert_int_equal(errno, EINVAL);
	assert_string_equal(err.message, "'pod' is resolved through the capture's cgroup table, and none "
					 "was given (compile with ebr_filter__compile_opts or "
					 "ebr_filter__compile_reader)");
	/* ... while cgroup_info's own fields keep their meaning without a table */
	f = ebr_filter__compile(ebr_reader__schema(r), "pod_uid = " POD_UID, &err);
	assert_non_null(f);
	assert_int_equal(ebr_filter__uses_cgroups(f), 0);
	ebr_filter__free(f);
	ebr_reader__close(r);
}

/* Long lists are cut short; pods without names say how they are known. */
static void test_unknown_lists(void **state)
{
	static char ids[30][65];
	struct ebr_cgroup_view t[31];
	struct ebr_filter_opts o = { .sz = sizeof(o), .cgroups = t, .n_cgroups = 31, .flags = EBR_FILTER_CGROUPS };
	struct ebr_filter_error err;

	(void)state;
	for (int i = 0; i < 30; i++) {
		/* the first twelve digits tell containers apart; 20 and 21 share them: listed once */
		snprintf(ids[i], sizeof(ids[i]), "%012d%052d", i == 21 ? 20 : i, i);
		t[i] = (struct ebr_cgroup_view){ .id = (uint64_t)i + 10, .path = "", .container_id = ids[i],
						 .runtime = "docker", .pod_uid = "", .pod_namespace = "",
						 .pod_name = "", .unit = "" };
	}
	t[30] = (struct ebr_cgroup_view){ .id = 5, .path = "", .container_id = "", .runtime = "",
					  .pod_uid = POD_UID, .pod_namespace = "", .pod_name = "", .unit = "" };
	assert_null(ebr_filter__compile_opts(ebr_schema__builtin(), "container = ffffffffffff", &o, &err));
	assert_int_equal(errno, ENOENT);
	assert_string_equal(err.message,
			    "unknown container 'ffffffffffff'; known containers: 000000000000, 000000000001, "
			    "000000000002, 000000000003, 000000000004, 000000000005, 000000000006, "
			    "000000000007, 000000000008, ...");
	/* 20 and 21 share a short id: it names both */
	{
		struct ebr_filter *f = ebr_filter__compile_opts(ebr_schema__builtin(), "container = 000000000020",
								&o, &err);
		uint64_t *v;
		size_t n;

		assert_non_null(f);
		assert_int_equal(ebr_filter__value_set(f, "cgroup", &v, &n), 1);
		assert_int_equal(n, 2);
		assert_int_equal(v[0], 30);
		assert_int_equal(v[1], 31);
		free(v);
		ebr_filter__free(f);
	}
	assert_null(ebr_filter__compile_opts(ebr_schema__builtin(), "pod = web", &o, &err));
	assert_string_equal(err.message, "unknown pod 'web'; pods are known by uid only (pod_uid): " POD_UID);
}

/* The cgroup set a container filter resolves to is what the recorder pushes into the kernel. */
static void test_cgroup_value_set(void **state)
{
	struct ebr_reader *r = ebr_reader__open(path_x86);
	struct ebr_filter *f;
	uint64_t *v;
	size_t n;

	(void)state;
	assert_non_null(r);
	f = compile_ok(r, "type = syscall and container in (aa11bb22cc33, 3f4e5d6c7b8a)");
	assert_int_equal(ebr_filter__value_set(f, "cgroup", &v, &n), 1);
	assert_int_equal(n, 3);
	assert_int_equal(v[0], CG_DOCKER);
	assert_int_equal(v[1], CG_DOCKER_INNER);
	assert_int_equal(v[2], CG_CRI);
	free(v);
	ebr_filter__free(f);
	/* and two of them: the intersection */
	f = compile_ok(r, "k8s_namespace = prod and container glob '*'");
	assert_int_equal(ebr_filter__value_set(f, "cgroup", &v, &n), 1);
	assert_int_equal(n, 1);
	assert_int_equal(v[0], CG_CRI);
	free(v);
	ebr_filter__free(f);
	/* a negation pins nothing */
	f = compile_ok(r, "container != aa11bb22cc33");
	assert_int_equal(ebr_filter__value_set(f, "cgroup", &v, &n), 0);
	ebr_filter__free(f);
	f = compile_ok(r, "pod = web-7f9c or uid = 0");
	assert_int_equal(ebr_filter__value_set(f, "cgroup", &v, &n), 0);
	ebr_filter__free(f);
	ebr_reader__close(r);
}

/* syscall is the syscall number by name, in the capture's arch; glob and contains work on names. */
static void test_syscall_field(void **state)
{
	static const struct {
		const char *expr;
		unsigned kinds; /* bit k: the k-th syscall of each cgroup (openat, read, write) */
	} cases[] = {
		{ "syscall = openat", 1 },
		{ "syscall in (read, write)", 2 | 4 },
		{ "syscall != read", 1 | 4 },
		{ "syscall glob 'open*'", 1 },
		{ "syscall glob '*at'", 1 }, /* openat, not read/write */
		{ "syscall contains rit", 4 },
		{ "not syscall glob 're*'", 1 | 4 | 8 },
		{ "type = syscall and syscall = openat", 1 },
	};
	const char *paths[] = { path_x86, path_arm };

	(void)state;
	for (int p = 0; p < 2; p++) {
		struct ebr_reader *r = ebr_reader__open(paths[p]);
		struct ebr_filter_error err;

		assert_non_null(r);
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			struct ebr_filter *f = compile_ok(r, cases[i].expr);
			unsigned kinds = 0;

			for (int k = 0; k < PER_CG; k++) {
				unsigned m = match_mask(r, f, k);

				/* the same in every cgroup */
				assert_true(m == 0 || m == (1u << N_CG) - 1);
				if (m)
					kinds |= 1u << k;
			}
			if (kinds != cases[i].kinds)
				fail_msg("%s: '%s' matched kinds 0x%x, expected 0x%x", paths[p], cases[i].expr,
					 kinds, cases[i].kinds);
			ebr_filter__free(f);
		}
		assert_null(ebr_filter__compile_reader(r, "syscall glob 'nosuch*'", &err));
		assert_string_equal(err.message, p ? "no syscall name matches 'nosuch*' for 'syscall' (aarch64)"
						   : "no syscall name matches 'nosuch*' for 'syscall' (x86_64)");
		assert_int_equal(err.column, 14);
		assert_null(ebr_filter__compile_reader(r, "syscall = nosuch", &err));
		assert_string_equal(err.message, p ? "unknown syscall name 'nosuch' for 'syscall' (aarch64)"
						   : "unknown syscall name 'nosuch' for 'syscall' (x86_64)");
		ebr_reader__close(r);
	}
}

/* ------------------------------------------------------------ the command */

struct run {
	int status;
	unsigned long lines;
	char err[2048];
};

static void run_replay(const char *files, const char *args, struct run *out)
{
	char cmd[1024], outp[128], errp[128];
	FILE *f;
	int c;

	snprintf(outp, sizeof(outp), "%s/out", dir);
	snprintf(errp, sizeof(errp), "%s/err", dir);
	snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' replay %s %s >'%s' 2>'%s'", dir, ebpfrec_bin, files,
		 args, outp, errp);
	c = system(cmd);
	out->status = WIFEXITED(c) ? WEXITSTATUS(c) : -1;
	out->lines = 0;
	f = fopen(outp, "r");
	assert_non_null(f);
	while ((c = getc(f)) != EOF)
		out->lines += c == '\n';
	fclose(f);
	f = fopen(errp, "r");
	assert_non_null(f);
	out->err[fread(out->err, 1, sizeof(out->err) - 1, f)] = 0;
	fclose(f);
}

static void test_replay_shorthands(void **state)
{
	struct run r;

	(void)state;
	if (!ebpfrec_bin)
		skip();
	run_replay("x86.ebc", "--container 3f4e5d6c7b8a", &r);
	assert_string_equal(r.err, "");
	assert_int_equal(r.status, 0);
	assert_int_equal(r.lines, 2 * PER_CG); /* the container's cgroup and the one inside it */

	run_replay("x86.ebc", "--container " DOCKER_ID ",aa11bb22cc33 --type exec", &r);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.lines, 3);

	run_replay("x86.ebc", "--namespace prod", &r);
	assert_string_equal(r.err, "");
	assert_int_equal(r.lines, 2 * PER_CG);

	run_replay("x86.ebc", "--namespace prod --container aa11bb22cc33 -f 'syscall = openat'", &r);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.lines, 1);

	run_replay("x86.ebc", "-f 'pod = web-7f9c and syscall in (read, write)'", &r);
	assert_int_equal(r.lines, 4);

	run_replay("x86.ebc", "-f 'unit = nginx.service' --output json", &r);
	assert_int_equal(r.lines, PER_CG);

	/* unknown names: exit 2, what was asked and what the capture has */
	run_replay("x86.ebc", "--container 0123456789ab", &r);
	assert_int_equal(r.status, 2);
	assert_int_equal(r.lines, 0);
	assert_string_equal(r.err, "ebpfrec replay: --container 0123456789ab: unknown container "
				   "'0123456789ab'; known containers: 3f4e5d6c7b8a, aa11bb22cc33\n");

	run_replay("x86.ebc", "--namespace default", &r);
	assert_int_equal(r.status, 2);
	assert_string_equal(r.err, "ebpfrec replay: --namespace default: unknown Kubernetes namespace "
				   "'default'; known Kubernetes namespaces: prod\n");

	run_replay("x86.ebc", "-f 'pid > 0 and pod = api'", &r);
	assert_int_equal(r.status, 2);
	assert_string_equal(r.err, "ebpfrec replay: invalid filter at column 19: unknown pod 'api'; known "
				   "pods: web-7f9c\n"
				   "  pid > 0 and pod = api\n"
				   "                    ^\n");

	run_replay("arm.ebc", "--container 3f4e5d6c7b8a", &r);
	assert_int_equal(r.status, 2);
	assert_string_equal(r.err, "ebpfrec replay: --container 3f4e5d6c7b8a: unknown container "
				   "'3f4e5d6c7b8a'; no cgroups are known (recorded without cgroup v2?)\n");

	/* syscall names through each capture's own arch */
	run_replay("x86.ebc", "-f 'syscall = openat'", &r);
	assert_int_equal(r.lines, N_CG);
	run_replay("arm.ebc", "-f 'syscall = openat'", &r);
	assert_int_equal(r.lines, N_CG);

	/*
	 * Several captures: a container known to one of them is accepted, and
	 * each resolves it through its own table (other.ebc knows the docker
	 * container; arm.ebc knows nothing, so none of its events match).
	 */
	run_replay("other.ebc arm.ebc", "--container 3f4e5d6c7b8a", &r);
	assert_string_equal(r.err, "");
	assert_int_equal(r.status, 0);
	assert_int_equal(r.lines, PER_CG); /* other.ebc's table lacks the inner cgroup */
	run_replay("arm.ebc other.ebc", "--container aa11bb22cc33", &r);
	assert_int_equal(r.status, 2);
	assert_string_equal(r.err, "ebpfrec replay: --container aa11bb22cc33: unknown container "
				   "'aa11bb22cc33'; known containers: 3f4e5d6c7b8a\n");
	run_replay("x86.ebc other.ebc", "--container aa11bb22cc33 -n 100", &r);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.lines, PER_CG);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cgroup_fields),
		cmocka_unit_test(test_unknown_names),
		cmocka_unit_test(test_unknown_lists),
		cmocka_unit_test(test_cgroup_value_set),
		cmocka_unit_test(test_syscall_field),
		cmocka_unit_test(test_replay_shorthands),
	};

	/* the commands run in the captures' directory */
	if (argc > 1 && !(ebpfrec_bin = realpath(argv[1], NULL)))
		return 2;
	return cmocka_run_group_tests(tests, setup, teardown);
}
