// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A user's BPF object (examples/multi-program) recorded beside ours: its
 * records become a custom type whose fields, taken from the object's BTF,
 * read by name through the capture's schema and the filter engine.
 * argv: ebpfrec, multi_program.bpf.o.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bpf_check.h"
#include "ebpfrec/capture.h"
#include "ebpfrec/events.h"
#include "ebpfrec/filter.h"

static const char *ebpfrec, *object;
static char dir[] = "/tmp/ebpfrec-cus-XXXXXX";

static void test_custom_type_by_name(void **state)
{
	char cmd[1024], cap[300];
	const struct ebr_event_header *h;
	const struct ebr_schema *s;
	const struct ebr_type *t;
	struct ebr_filter_error ferr;
	struct ebr_filter *f;
	struct ebr_reader *r;
	struct ebr_cursor *c;
	int64_t sh_pid = -1;
	int exits = 0, execs = 0;

	(void)state;
	snprintf(cap, sizeof(cap), "%s/c.ebc", dir);
	snprintf(cmd, sizeof(cmd), "%s record -q -P process --bpf-object %s -o %s -- sh -c 'true; exit 3'", ebpfrec,
		 object, cap);
	assert_int_equal(system(cmd), 0);
	r = ebr_reader__open(cap);
	assert_non_null(r);
	s = ebr_reader__schema(r);
	t = ebr_schema__type_by_name(s, "event");
	assert_non_null(t);
	assert_int_equal(t->id, EBR_T_CUSTOM_FIRST);
	assert_string_equal(t->family_name, "custom");
	assert_int_equal(ebr_type__field(t, "exit_code")->kind, EBR_FK_S32);
	assert_int_equal(ebr_type__field(t, "kind")->kind, EBR_FK_U32);
	assert_int_equal(ebr_type__field(t, "filename")->kind, EBR_FK_CHARS);
	assert_int_equal(ebr_type__field(t, "filename")->size, 64);
	/* the sh that ran, as ebpfrec's own exec probe saw it */
	c = ebr_cursor__open(r, NULL);
	while (ebr_cursor__next(c, &h) > 0)
		if (h->type == EBR_T_EXEC && ((const struct ebr_exec_event *)h)->ret == 0 && !strcmp(h->comm, "sh"))
			sh_pid = h->pid;
	ebr_cursor__close(c);
	assert_true(sh_pid > 0);
	/* the custom program's view of it, selected by field names */
	f = ebr_filter__compile(s, "type = event and kind = 2 and exit_code = 3", &ferr);
	assert_non_null(f);
	c = ebr_cursor__open(r, NULL);
	while (ebr_cursor__next(c, &h) > 0) {
		if (h->type == t->id && h->pid == sh_pid &&
		    ebr_field__u64(ebr_type__field(t, "kind"), h) == 1) {
			size_t len;
			const char *fn = ebr_field__str(ebr_type__field(t, "filename"), h, &len);

			assert_true(len >= 3 && !memcmp(fn + len - 3, "/sh", 3));
			execs++;
		}
		if (!ebr_filter__match(f, h))
			continue;
		assert_int_equal(h->pid, sh_pid); /* from the struct's pid member */
		assert_string_equal(h->comm, "sh");
		assert_true(ebr_field__u64(ebr_type__field(t, "runtime_ns"), h) > 0);
		exits++;
	}
	ebr_cursor__close(c);
	ebr_filter__free(f);
	ebr_reader__close(r);
	assert_int_equal(exits, 1);
	assert_int_equal(execs, 1);
	/* the CLI reads it by name too */
	snprintf(cmd, sizeof(cmd), "test \"$(%s replay %s -f 'type = event and exit_code = 3' | wc -l)\" = 1", ebpfrec,
		 cap);
	assert_int_equal(system(cmd), 0);
	/* and SQL has a table named after the struct, with its members as columns */
	snprintf(cmd, sizeof(cmd),
		 "test \"$(%s query %s \"SELECT count(*) FROM event WHERE kind = 2 AND exit_code = 3 AND pid = %lld "
		 "AND comm = 'sh'\" --format csv | tail -1)\" = 1",
		 ebpfrec, cap, (long long)sh_pid);
	assert_int_equal(system(cmd), 0);
	/* a struct that is not in the object is a clear error */
	snprintf(cmd, sizeof(cmd), "%s record -q -d 1 --bpf-object %s --bpf-type nope -o %s/x.ebc 2>/dev/null", ebpfrec,
		 object, dir);
	assert_int_equal(WEXITSTATUS(system(cmd)), 1);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_custom_type_by_name),
	};
	char cmd[300];
	int ret;

	if (argc < 3)
		return 2;
	if (bpf_skip_if_unavailable())
		return EXIT_SKIP;
	ebpfrec = argv[1];
	object = argv[2];
	if (!mkdtemp(dir))
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? 1 : ret;
}
