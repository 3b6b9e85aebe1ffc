// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A process moved into a cgroup shaped like a docker container scope is
 * recorded under that container: its events' cgroup id resolves, through
 * the capture's cgroup table, to the container id and runtime.
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
#include <unistd.h>
#include <cmocka.h>

#include "bpf_check.h"
#include "ebpfrec/capture.h"
#include "events.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const char *ebpfrec_bin;
static char root[256], slice[512], scope[600];

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

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_container_attribution),
	};
	const char *why = bpf_unavailable_reason();
	const char *r2 = cgroup2_root();
	int ret;

	if (argc < 2)
		return 2;
	if (why) {
		printf("SKIP: %s\n", why);
		return EXIT_SKIP;
	}
	if (!r2) {
		printf("SKIP: no cgroup v2 hierarchy mounted\n");
		return EXIT_SKIP;
	}
	ebpfrec_bin = argv[1];
	snprintf(root, sizeof(root), "%s", r2);
	snprintf(slice, sizeof(slice), "%s/ebpfrec-test.slice", root);
	snprintf(scope, sizeof(scope), "%s/docker-" ID ".scope", slice);
	if ((mkdir(slice, 0755) && errno != EEXIST) || (mkdir(scope, 0755) && errno != EEXIST)) {
		printf("SKIP: cannot create a cgroup under %s: %s\n", root, strerror(errno));
		return EXIT_SKIP;
	}
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(scope);
	rmdir(slice);
	return ret;
}
