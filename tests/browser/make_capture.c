// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Synthetic captures for the browser test, written with the library's
 * writer. usage: make_capture demo|sparse|hostile OUT.ebc
 *   demo     a busy capture with every family and a burst of drops
 *   sparse   process events only: most charts have nothing to show
 *   hostile  names that try to break out of the page's script and markup
 *   empty    no events at all
 */
#include <stdio.h>
#include <string.h>

#include "events.h"
#include "viz_fixture.h"

static int sparse(const char *path)
{
	static const struct vf_task t = { 10, 10, 1, "init" };
	struct vf v;
	int err = vf__open(&v, path, NULL);

	if (err)
		return err;
	vf__exec(&v, &t, VF_T0, "/sbin/init");
	vf__fork(&v, &t, VF_T0 + 1000000, 11, 11);
	vf__exit(&v, &t, VF_T0 + 2000000, 0, 0);
	return vf__close(&v);
}

static int hostile(const char *path)
{
	static const struct vf_task t = { 66, 66, 1, "<!--<script>" };
	static const char evil[] = "</script><img src=x onerror=\"document.title='pwned'\"><!--";
	struct vf v;
	int err = vf__open(&v, path, "{\"redact\":\"</script><b>bold</b>\",\"x\":\"\\u2028\"}");

	if (err)
		return err;
	vf__proc(&v, &t, evil);
	vf__syscall(&v, &t, VF_T0 + 5000, 0, 64, 4000, 0);
	vf__file(&v, &t, EBR_T_READ, VF_T0 + 5000, evil, 64, 4000, 3);
	vf__file(&v, &t, EBR_T_WRITE, VF_T0 + 9000, "/tmp/\xff\xfe not utf-8 \xe2\x80\xa8 \"quoted\" \\", 10, 1000, 4);
	vf__net(&v, &t, EBR_T_TCP_CLOSE, VF_T0 + 20000, "10.0.0.1", 1, "10.0.0.2", 2, EBR_DIR_OUT, 5, 6, 100, 1);
	return vf__close(&v);
}

int main(int argc, char **argv)
{
	int err;

	if (argc != 3) {
		fprintf(stderr, "usage: make_capture demo|sparse|hostile|empty OUT.ebc\n");
		return 2;
	}
	if (!strcmp(argv[1], "demo"))
		err = vf__demo(argv[2], 42);
	else if (!strcmp(argv[1], "sparse"))
		err = sparse(argv[2]);
	else if (!strcmp(argv[1], "hostile"))
		err = hostile(argv[2]);
	else if (!strcmp(argv[1], "empty")) {
		struct vf v;

		err = vf__open(&v, argv[2], NULL);
		if (!err)
			err = vf__close(&v);
	}
	else
		err = -1;
	if (err) {
		fprintf(stderr, "make_capture: %s %s failed: %d\n", argv[1], argv[2], err);
		return 1;
	}
	return 0;
}
