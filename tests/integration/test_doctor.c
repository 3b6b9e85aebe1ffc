// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `ebpfrec doctor` for real: as root every family attaches and the exit
 * status is 0; as nobody it names the missing capabilities and exits 1;
 * `--list` while a recorder runs marks exactly that recorder's programs.
 * argv: ebpfrec binary.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "bpf_check.h"

#define NOBODY 65534

static const char *ebpfrec_bin;

struct run {
	char *out; /* stdout, NUL-terminated */
	size_t len;
	int status; /* exit status, or 128 + signal */
};

/* Run ebpfrec with args, as nobody when asked; stdout kept, stderr passed through. */
static void run_ebpfrec(struct run *r, int as_nobody, const char *const *args)
{
	char *argv[16];
	size_t n = 0, cap = 0;
	int fds[2], st;
	pid_t pid;

	argv[n++] = (char *)ebpfrec_bin;
	for (; *args && n < 15; args++)
		argv[n++] = (char *)*args;
	argv[n] = NULL;
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		if (as_nobody && (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY)))
			_exit(126);
		execv(ebpfrec_bin, argv);
		fprintf(stderr, "test_doctor: cannot run %s: %s\n", ebpfrec_bin, strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	r->out = NULL;
	r->len = 0;
	for (;;) {
		ssize_t got;

		if (cap - r->len < 4096) {
			cap = cap ? cap * 2 : 65536;
			r->out = realloc(r->out, cap);
			assert_non_null(r->out);
		}
		got = read(fds[0], r->out + r->len, cap - r->len - 1);
		if (got <= 0)
			break;
		r->len += (size_t)got;
	}
	r->out[r->len] = 0;
	close(fds[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

static int64_t num(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : -1;
}

static struct json_object *arr(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	assert_true(json_object_object_get_ex(o, key, &v));
	assert_true(json_object_is_type(v, json_type_array));
	return v;
}

static struct json_object *check_named(struct json_object *report, const char *name)
{
	struct json_object *checks = arr(report, "checks");

	for (size_t i = 0; i < json_object_array_length(checks); i++) {
		struct json_object *c = json_object_array_get_idx(checks, i);

		if (!strcmp(str(c, "name"), name))
			return c;
	}
	fail_msg("no check named %s", name);
	return NULL;
}

static void test_root_every_family_ok(void **state)
{
	static const char *const families[] = { "process", "syscall", "network", "memory", "file" };
	const char *args[] = { "doctor", "--json", NULL };
	struct json_object *o, *fams, *probes, *v;
	struct run r;

	(void)state;
	run_ebpfrec(&r, 0, args);
	o = json_tokener_parse(r.out);
	assert_non_null(o);
	assert_int_equal(r.status, 0);
	assert_true(json_object_object_get_ex(o, "can_record", &v) && json_object_get_boolean(v));
	assert_string_equal(str(check_named(o, "privileges"), "status"), "ok");
	assert_string_equal(str(check_named(o, "btf"), "status"), "ok");
	assert_string_equal(str(check_named(o, "ringbuf"), "status"), "ok");
	assert_int_equal(json_object_array_length(arr(o, "missing_capabilities")), 0);

	fams = arr(o, "families");
	assert_int_equal(json_object_array_length(fams), 5);
	for (size_t i = 0; i < 5; i++) {
		struct json_object *f = json_object_array_get_idx(fams, i);

		assert_string_equal(str(f, "name"), families[i]);
		assert_string_equal(str(f, "status"), "ok");
		assert_int_equal(num(f, "failed"), 0);
		assert_true(num(f, "attached") >= 2); /* sys_enter and sys_exit serve every family */
	}
	/* one program per raw tracepoint, and the one kmalloc variant this kernel takes */
	probes = arr(o, "probes");
	assert_int_equal(json_object_array_length(probes), 11);
	for (size_t i = 0; i < json_object_array_length(probes); i++) {
		struct json_object *p = json_object_array_get_idx(probes, i);

		assert_string_equal(str(p, "status"), "ok");
		assert_int_equal(num(p, "err"), 0);
		assert_string_equal(str(p, "reason"), "attached");
		/* raw tracepoints, and BTF-typed ones (sys_enter and sys_exit: their pt_regs read directly) */
		assert_true(!strncmp(str(p, "attach_point"), "raw_tp/", 7) ||
			    !strncmp(str(p, "attach_point"), "tp_btf/", 7));
	}
	json_object_put(o);
	free(r.out);
}

static void test_nobody_told_what_is_missing(void **state)
{
	const char *json_args[] = { "doctor", "--json", NULL }, *text_args[] = { "doctor", NULL };
	struct json_object *o, *missing, *priv, *probes, *fams, *v;
	struct run r;

	(void)state;
	run_ebpfrec(&r, 1, json_args);
	assert_int_equal(r.status, 1);
	o = json_tokener_parse(r.out);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "can_record", &v) && !json_object_get_boolean(v));
	assert_int_equal(num(o, "euid"), NOBODY);
	missing = arr(o, "missing_capabilities");
	assert_int_equal(json_object_array_length(missing), 2);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(missing, 0)), "CAP_BPF");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(missing, 1)), "CAP_PERFMON");
	priv = check_named(o, "privileges");
	assert_string_equal(str(priv, "status"), "failed");
	assert_non_null(strstr(str(priv, "detail"), "missing CAP_BPF, CAP_PERFMON (or CAP_SYS_ADMIN)"));
	assert_non_null(strstr(str(priv, "fix"), "setcap cap_bpf,cap_perfmon+ep"));
	assert_string_equal(str(check_named(o, "ringbuf"), "status"), "failed");
	probes = arr(o, "probes");
	assert_true(json_object_array_length(probes) > 0);
	for (size_t i = 0; i < json_object_array_length(probes); i++) {
		struct json_object *p = json_object_array_get_idx(probes, i);

		assert_string_equal(str(p, "status"), "failed");
		assert_string_equal(str(p, "errno"), "EPERM");
	}
	fams = arr(o, "families");
	for (size_t i = 0; i < json_object_array_length(fams); i++)
		assert_string_equal(str(json_object_array_get_idx(fams, i), "status"), "failed");
	json_object_put(o);
	free(r.out);

	run_ebpfrec(&r, 1, text_args);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.out, "recording is NOT possible: missing CAP_BPF, CAP_PERFMON (or CAP_SYS_ADMIN)"));
	assert_non_null(strstr(r.out, "fix: run as root"));
	free(r.out);
}

static void test_list_needs_root(void **state)
{
	const char *args[] = { "doctor", "--list", NULL };
	struct run r;

	(void)state;
	run_ebpfrec(&r, 1, args);
	assert_int_equal(r.status, 1);
	assert_int_equal(r.len, 0); /* the explanation goes to stderr */
	free(r.out);
}

static int held_by(struct json_object *prog, pid_t pid)
{
	struct json_object *h = arr(prog, "held_by");

	for (size_t i = 0; i < json_object_array_length(h); i++)
		if (num(json_object_array_get_idx(h, i), "pid") == pid)
			return 1;
	return 0;
}

static void test_list_marks_a_running_recorder(void **state)
{
	/* the default families: process, syscall, network and file (no memory) */
	static const char *const expected[] = { "handle_exec", "handle_fork", "handle_exit", "sys_enter",
						"sys_exit", "inet_sock_set_state", "tcp_retransmit_skb" };
	const char *args[] = { "doctor", "--list", "--json", NULL };
	char dir[] = "/tmp/ebpfrec-doctor-XXXXXX", capture[256];
	int seen[sizeof(expected) / sizeof(expected[0])] = { 0 };
	struct json_object *o, *progs;
	struct timespec nap = { 0, 50 * 1000000L };
	struct stat st;
	struct run r;
	size_t n_ours = 0;
	pid_t rec;
	int status;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(capture, sizeof(capture), "%s/x.ebc", dir);
	rec = fork();
	assert_true(rec >= 0);
	if (rec == 0) {
		execl(ebpfrec_bin, ebpfrec_bin, "record", "-q", "-o", capture, "-d", "3", (char *)NULL);
		_exit(127);
	}
	/* the capture is created only once every probe is attached */
	for (int i = 0; i < 200 && stat(capture, &st); i++)
		nanosleep(&nap, NULL);
	assert_int_equal(stat(capture, &st), 0);

	run_ebpfrec(&r, 0, args);
	assert_int_equal(r.status, 0);
	o = json_tokener_parse(r.out);
	assert_non_null(o);
	progs = arr(o, "programs");
	for (size_t i = 0; i < json_object_array_length(progs); i++) {
		struct json_object *p = json_object_array_get_idx(progs, i), *ours;

		if (!held_by(p, rec))
			continue;
		assert_true(json_object_object_get_ex(p, "ours", &ours));
		assert_true(json_object_get_boolean(ours));
		n_ours++;
		for (size_t k = 0; k < sizeof(expected) / sizeof(expected[0]); k++)
			if (!strcmp(str(p, "name"), expected[k])) {
				seen[k]++;
				/*
				 * sys_enter attaches to raw_tp/sys_enter, handle_exec to sched_process_exec, ...;
				 * the syscall pair are BTF-typed (tp_btf), so tracing programs
				 */
				assert_string_equal(str(p, "type"), strncmp(expected[k], "sys_", 4) ? "raw_tracepoint"
												 : "tracing");
				assert_non_null(strstr(str(p, "attach"), "raw_tp/"));
			}
	}
	assert_int_equal(n_ours, sizeof(expected) / sizeof(expected[0]));
	for (size_t k = 0; k < sizeof(expected) / sizeof(expected[0]); k++)
		assert_int_equal(seen[k], 1);
	json_object_put(o);
	free(r.out);

	assert_int_equal(waitpid(rec, &status, 0), rec);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	unlink(capture);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_every_family_ok),
		cmocka_unit_test(test_nobody_told_what_is_missing),
		cmocka_unit_test(test_list_needs_root),
		cmocka_unit_test(test_list_marks_a_running_recorder),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s EBPFREC\n", argv[0]);
		return 2;
	}
	if (bpf_skip_if_unavailable())
		return EXIT_SKIP;
	ebpfrec_bin = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
