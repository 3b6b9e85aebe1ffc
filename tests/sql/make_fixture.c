// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Writes a fixture capture for the CLI tests: make_fixture PATH SEED SEGMENTS PER_SEGMENT HOST [custom] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql_fixture.h"

int main(int argc, char **argv)
{
	struct fixture_opts o = { .t0 = 5000000000ULL, .boot_to_wall_ns = 1700000000000000000LL };
	struct fixture_truth t;
	int err;

	if (argc < 6) {
		fprintf(stderr, "usage: make_fixture PATH SEED SEGMENTS PER_SEGMENT HOST [custom] [shuffle]\n");
		return 2;
	}
	o.seed = (uint32_t)strtoul(argv[2], NULL, 10);
	o.n_segments = (unsigned)strtoul(argv[3], NULL, 10);
	o.per_segment = (unsigned)strtoul(argv[4], NULL, 10);
	o.host = argv[5];
	o.uuid_byte = (uint8_t)o.seed;
	for (int i = 6; i < argc; i++) {
		o.custom_schema |= !strcmp(argv[i], "custom");
		o.shuffle |= !strcmp(argv[i], "shuffle");
	}
	err = fixture_write(argv[1], &o, &t);
	if (err) {
		fprintf(stderr, "make_fixture: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}
