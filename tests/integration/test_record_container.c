// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A process moved into a cgroup shaped like a docker container scope is
 * recorded under that container: its events' cgroup id resolves, through
 * the capture's cgroup table, to the container id and runtime. Recording
 * with --container ID keeps only that container's events, the rest refused
 * in the kernel, also for a container whose cgroup appears only after the
 * recording began. A library subscriber on a live source filtering on a
 * container that does not exist yet gets that container's events once it
 * starts.
 * argv: ebpfrec binary.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "bpf_check.h"
#include "ebpfrec/capture.h"
#include "ebpfrec/recorder.h"
#include "ebpfrec/source.h"
#include "events.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define LATE_ID "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define LIVE_ID "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"

static const char *ebpfrec_bin;
static char root[256], slice[512], scope[600], late_scope[600], live_scope[600];

static const char *cgroup2_root(void)
{
	static const char *const c[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
	struct statfs sf;

	for (size_t i = 0; i < 2; i++)
		if (statfs(c[i], &sf) == 0 && sf.f_type == 0x63677270)
			return c[i];
	return NULL;
}

static void test_container_attribution(void **state)
{
	char dir[] = "/tmp/ebpfrec-ctr-XXXXXX", capture[300], cmd[2048];
	const struct ebr_event_header *h;
	struct ebr_cgroup_view cg;
	struct ebr_reader *r;
	struct ebr_cursor *c;
	int found = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(capture, sizeof(capture), "%s/t.ebc", dir);
	snprintf(cmd, sizeof(cmd),
		 "%s record -q --profile process -o %s -- sh -c 'echo $$ > %s/cgroup.procs && exec /bin/true ctr-marker'",
		 ebpfrec_bin, capture, scope);
	assert_int_equal(system(cmd), 0);
	r = ebr_reader__open(capture);
	assert_non_null(r);
	c = ebr_cursor__open(r, NULL);
	while (ebr_cursor__next(c, &h) > 0) {
		const struct ebr_exec_event *e = (const void *)h;

		/* sh itself starts in the recorder's cgroup; the /bin/true it becomes is inside */
		if (h->type != EBR_T_EXEC || e->ret != 0 || e->args.len < 10 ||
		    strncmp((const char *)h + e->args.off, "/bin/true", 9) ||
		    !memmem((const char *)h + e->args.off, e->args.len, "ctr-marker", 10))
			continue;
		assert_int_equal(ebr_reader__cgroup(r, h->cgroup_id, &cg), 0);
		assert_string_equal(cg.container_id, ID);
		assert_string_equal(cg.runtime, "docker");
		assert_string_equal(cg.path, "/ebpfrec-test.slice/docker-" ID ".scope");
		found++;
	}
	ebr_cursor__close(c);
	ebr_reader__close(r);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(found, 1);
}

struct counts {
	unsigned events, execs_inside, execs_outside, elsewhere;
	uint64_t filtered_kernel;
};

/* What a capture holds: its events, by where they come from. */
static void count_capture(const char *capture, uint64_t cgroup_id, const char *inside,
			  const char *outside, struct counts *n)
{
	struct ebr_reader *r = ebr_reader__open(capture);
	const struct ebr_event_header *h;
	struct ebr_cursor *c;

	memset(n, 0, sizeof(*n));
	assert_non_null(r);
	c = ebr_cursor__open(r, NULL);
	assert_non_null(c);
	while (ebr_cursor__next(c, &h) > 0) {
		const struct ebr_exec_event *e = (const void *)h;

		n->events++;
		n->elsewhere += h->cgroup_id != cgroup_id;
		if (h->type != EBR_T_EXEC || e->ret != 0)
			continue;
		if (memmem((const char *)h + e->args.off, e->args.len, inside, strlen(inside)))
			n->execs_inside++;
		if (memmem((const char *)h + e->args.off, e->args.len, outside, strlen(outside)))
			n->execs_outside++;
	}
	n->filtered_kernel = ebr_reader__info(r)->drops[EBR_DROP_FILTERED_KERNEL];
	ebr_cursor__close(c);
	ebr_reader__close(r);
}

static unsigned long replay_lines(const char *args)
{
	char cmd[1024], line[4096];
	unsigned long n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "%s replay %s", ebpfrec_bin, args);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p))
		n++;
	assert_int_equal(pclose(p), 0);
	return n;
}

/*
 * The whole system is recorded (--all), but only the container: the shell
 * that moves itself in, and the /bin/true it becomes, are recorded; a
 * /bin/true run outside it, by the same parent, is refused in the kernel.
 */
static void test_record_only_container(void **state)
{
	char dir[] = "/tmp/ebpfrec-ctr-XXXXXX", capture[300], cmd[2048], args[400];
	struct counts n;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(stat(scope, &st), 0);
	snprintf(capture, sizeof(capture), "%s/t.ebc", dir);
	snprintf(cmd, sizeof(cmd),
		 "%s record -q --profile process,syscall -o %s --all --container 0123456789ab -- "
		 "sh -c '/bin/true outside-marker; sh -c \"echo \\$\\$ > %s/cgroup.procs && "
		 "exec /bin/true inside-marker\"; /bin/true outside-marker'",
		 ebpfrec_bin, capture, scope);
	assert_int_equal(system(cmd), 0);
	count_capture(capture, (uint64_t)st.st_ino, "inside-marker", "outside-marker", &n);
	assert_int_equal(n.execs_inside, 1);
	assert_int_equal(n.execs_outside, 0);
	assert_int_equal(n.elsewhere, 0); /* not one event from another cgroup */
	assert_true(n.events > 10); /* the shell's syscalls after the move, /bin/true's */
	assert_true(n.filtered_kernel > 0); /* the outside /bin/true at least */
	/* offline, the same container filter selects all of it */
	snprintf(args, sizeof(args), "%s --container " ID, capture);
	assert_int_equal(replay_lines(args), n.events);
	snprintf(args, sizeof(args), "%s -f 'not container = 0123456789ab'", capture);
	assert_int_equal(replay_lines(args), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* The cgroup of the exec whose args hold marker (0 when there is none). */
static uint64_t exec_cgroup(const char *capture, const char *marker)
{
	struct ebr_reader *r = ebr_reader__open(capture);
	const struct ebr_event_header *h;
	struct ebr_cursor *c;
	uint64_t id = 0;

	assert_non_null(r);
	c = ebr_cursor__open(r, NULL);
	while (ebr_cursor__next(c, &h) > 0) {
		const struct ebr_exec_event *e = (const void *)h;

		if (h->type == EBR_T_EXEC && e->ret == 0 &&
		    memmem((const char *)h + e->args.off, e->args.len, marker, strlen(marker)))
			id = h->cgroup_id;
	}
	ebr_cursor__close(c);
	ebr_reader__close(r);
	return id;
}

/*
 * A container that does not exist when recording starts: a warning, then
 * its events are recorded once its cgroup appears (the recorder looks for
 * new cgroups every second; the process waits two before moving in). The
 * container is gone before the recording ends, and the capture still names
 * it: the recorder wrote what it saw appear.
 */
static void test_record_late_container(void **state)
{
	char dir[] = "/tmp/ebpfrec-ctr-XXXXXX", capture[300], cmd[3000], errp[300], msg[1024] = "";
	struct ebr_cgroup_view cg;
	struct ebr_reader *r;
	struct counts n;
	struct stat st;
	uint64_t id;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	rmdir(late_scope);
	snprintf(capture, sizeof(capture), "%s/t.ebc", dir);
	snprintf(errp, sizeof(errp), "%s/err", dir);
	snprintf(cmd, sizeof(cmd),
		 "%s record -q --profile process,syscall -o %s --all --container " LATE_ID " -- "
		 "sh -c 'mkdir %s && sleep 2 && sh -c \"echo \\$\\$ > %s/cgroup.procs && "
		 "exec /bin/true late-marker\"; rmdir %s; /bin/true outside-marker' 2>%s",
		 ebpfrec_bin, capture, late_scope, late_scope, late_scope, errp);
	assert_int_equal(system(cmd), 0);
	f = fopen(errp, "r");
	assert_non_null(f);
	msg[fread(msg, 1, sizeof(msg) - 1, f)] = 0;
	fclose(f);
	assert_string_equal(msg, "ebpfrec record: warning: --container " LATE_ID ": unknown container '"
				 LATE_ID "'; known containers: 0123456789ab; it is recorded once it appears\n");
	assert_int_not_equal(stat(late_scope, &st), 0); /* removed while recording */
	id = exec_cgroup(capture, "late-marker");
	assert_int_not_equal(id, 0);
	r = ebr_reader__open(capture);
	assert_non_null(r);
	assert_int_equal(ebr_reader__cgroup(r, id, &cg), 0);
	assert_string_equal(cg.container_id, LATE_ID);
	ebr_reader__close(r);
	count_capture(capture, id, "late-marker", "outside-marker", &n);
	assert_int_equal(n.execs_inside, 1);
	assert_int_equal(n.execs_outside, 0);
	assert_int_equal(n.elsewhere, 0);
	assert_true(n.filtered_kernel > 0);
	/* the capture's table names the late container too */
	snprintf(cmd, sizeof(cmd), "%s --container fedcba987654", capture);
	assert_int_equal(replay_lines(cmd), n.events);
	rmdir(late_scope);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

struct exec_tally {
	unsigned inside, outside, other;
};

static int tally_exec(const struct ebr_event *ev, void *ctx)
{
	struct exec_tally *t = ctx;
	const struct ebr_type *ty = ebr_schema__type(ev->schema, ev->rec->type);
	const struct ebr_field *args = ty ? ebr_type__field(ty, "args") : NULL;
	const char *a;
	size_t len = 0;

	if (ev->rec->type != EBR_T_EXEC || !args) {
		t->other++;
		return 0;
	}
	a = ebr_field__str(args, ev->rec, &len);
	if (a && memmem(a, len, "live-inside", 11))
		t->inside++;
	else
		t->outside++;
	return 0;
}

/*
 * The subscription names a container that is not there yet: accepted (the
 * library warns), and once the container's cgroup appears its exec is
 * delivered; the execs outside it never are.
 */
static void test_live_subscriber_late_container(void **state)
{
	struct ebr_recorder_opts ro = { .sz = sizeof(ro), .families = EBR_FAMILY_BIT(EBR_FAM_PROCESS) };
	struct exec_tally t = {0};
	struct ebr_subscribe_opts so = { .sz = sizeof(so), .fn = tally_exec, .ctx = &t,
					 .filter = "container = " LIVE_ID " and type = exec" };
	struct ebr_source *src;
	char cmd[2000];
	pid_t pid;
	int status;

	(void)state;
	rmdir(live_scope);
	src = ebr_source__open_live(&ro);
	assert_non_null(src);
	assert_non_null(ebr_source__subscribe(src, &so));
	snprintf(cmd, sizeof(cmd),
		 "/bin/true live-outside; mkdir %s && sleep 2 && sh -c \"echo \\$\\$ > %s/cgroup.procs && "
		 "exec /bin/true live-inside\"; rmdir %s; /bin/true live-outside",
		 live_scope, live_scope, live_scope);
	pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	assert_true(pid > 0);
	while (waitpid(pid, &status, WNOHANG) == 0)
		assert_true(ebr_source__poll(src, 10) >= 0);
	for (int i = 0; i < 5; i++)
		ebr_source__poll(src, 10);
	ebr_source__close(src);
	rmdir(live_scope);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(t.inside, 1);
	assert_int_equal(t.outside, 0);
	assert_int_equal(t.other, 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_container_attribution),
		cmocka_unit_test(test_record_only_container),
		cmocka_unit_test(test_record_late_container),
		cmocka_unit_test(test_live_subscriber_late_container),
	};
	const char *r2 = cgroup2_root();
	int ret;

	if (argc < 2)
		return 2;
	if (bpf_skip_if_unavailable())
		return EXIT_SKIP;
	if (!r2) {
		printf("SKIP: no cgroup v2 hierarchy mounted\n");
		return EXIT_SKIP;
	}
	ebpfrec_bin = argv[1];
	snprintf(root, sizeof(root), "%s", r2);
	snprintf(slice, sizeof(slice), "%s/ebpfrec-test.slice", root);
	snprintf(scope, sizeof(scope), "%s/docker-" ID ".scope", slice);
	snprintf(late_scope, sizeof(late_scope), "%s/docker-" LATE_ID ".scope", slice);
	snprintf(live_scope, sizeof(live_scope), "%s/docker-" LIVE_ID ".scope", slice);
	if ((mkdir(slice, 0755) && errno != EEXIST) || (mkdir(scope, 0755) && errno != EEXIST)) {
		printf("SKIP: cannot create a cgroup under %s: %s\n", root, strerror(errno));
		return EXIT_SKIP;
	}
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(late_scope);
	rmdir(live_scope);
	rmdir(scope);
	rmdir(slice);
	return ret;
}
