// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: the filter language (lexer, parser, name resolution,
 * analysis) and its evaluator. The input is an expression, optionally
 * followed by a NUL and bytes that are laid over one record of every
 * builtin type, which a compiled filter is then matched against (size and
 * type are kept, as a cursor only delivers records of a valid size). A
 * first byte of 0x01 reads the rest as the command-line shorthands instead,
 * one per line: types, pids, containers, namespaces, min-severity. The
 * cgroup-derived fields resolve through a small fixed cgroup table.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ebpfrec/capture.h"
#include "ebpfrec/events.h"
#include "ebpfrec/filter.h"
#include "ebpfrec/log.h"
#include "ebpfrec/schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REC_SPACE 512

static void match_all(const struct ebr_filter *f, const uint8_t *overlay, size_t olen)
{
	const struct ebr_schema *s = ebr_schema__builtin();
	static uint64_t rec[REC_SPACE / 8 + 8192 / 8];

	for (size_t i = 0; i < ebr_schema__type_count(s); i++) {
		const struct ebr_type *t = ebr_schema__type_at(s, i);
		struct ebr_event_header *h = (struct ebr_event_header *)rec;
		uint32_t size = (t->fixed_size + REC_SPACE + 7) & ~7u;

		if (size > sizeof(rec))
			continue;
		memset(rec, 0, size);
		/* strings at the end of the record, so variable fields have something to point at */
		for (uint32_t j = 0; j < t->n_fields; j++) {
			const struct ebr_field *fl = &t->fields[j];

			if (fl->kind == EBR_FK_VSTR || fl->kind == EBR_FK_VSTRLIST || fl->kind == EBR_FK_VBYTES) {
				uint16_t vs[2] = { (uint16_t)t->fixed_size, 12 };

				memcpy((char *)rec + fl->offset, vs, sizeof(vs));
			}
		}
		memcpy((char *)rec + t->fixed_size, "/bin/sh\0-c\0x", 12);
		if (olen)
			memcpy(rec, overlay, olen < size ? olen : size);
		h->size = size;
		h->type = t->id;
		ebr_filter__match(f, h);
	}
}

/* A cgroup table for container, pod, ...: a container with a nested cgroup, a pod, a unit. */
static const struct ebr_cgroup_view table[] = {
	{ .id = 0, .path = "/", .container_id = "", .runtime = "", .pod_uid = "", .pod_namespace = "",
	  .pod_name = "", .unit = "" },
	{ .id = 7, .path = "/d", .container_id = "3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566778899",
	  .runtime = "docker", .pod_uid = "", .pod_namespace = "", .pod_name = "", .unit = "" },
	{ .id = 8, .path = "/d/i", .container_id = "3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566778899",
	  .runtime = "docker", .pod_uid = "", .pod_namespace = "", .pod_name = "", .unit = "" },
	{ .id = 9, .path = "/k", .container_id = "", .runtime = "", .pod_uid = "6c1f2a9e-4b7d-4e21-9d3a-0c5b8e7f1a2b",
	  .pod_namespace = "prod", .pod_name = "web", .unit = "" },
	{ .id = 8, .path = "/n", .container_id = "", .runtime = "", .pod_uid = "", .pod_namespace = "",
	  .pod_name = "", .unit = "nginx.service" },
};

static void compile_and_use(const char *expr, const uint8_t *overlay, size_t olen)
{
	struct ebr_filter_opts o = { .sz = sizeof(o), .cgroups = table, .n_cgroups = 5,
				     .flags = EBR_FILTER_CGROUPS };
	struct ebr_filter_error err;
	struct ebr_filter *f;
	uint64_t bitmap[2], *vals = NULL;
	size_t n;

	/* the expression's first byte picks: no table, the table, or the table accepting unknown names */
	if (expr[0] % 3 == 1)
		o.flags |= EBR_FILTER_UNKNOWN_OK;
	f = expr[0] % 3 ? ebr_filter__compile_opts(ebr_schema__builtin(), expr, &o, &err)
			: ebr_filter__compile(ebr_schema__builtin(), expr, &err);
	if (!f)
		return;
	ebr_filter__types(f, bitmap);
	if (ebr_filter__value_set(f, "pid", &vals, &n) > 0)
		free(vals);
	vals = NULL;
	if (ebr_filter__value_set(f, "uid", &vals, &n) > 0)
		free(vals);
	vals = NULL;
	if (ebr_filter__value_set(f, "cgroup", &vals, &n) > 0)
		free(vals);
	ebr_filter__expr(f);
	ebr_filter__uses_cgroups(f);
	match_all(f, overlay, olen);
	ebr_filter__free(f);
}

static void shorthands(const char *text)
{
	char *copy = strdup(text), *line[5] = { 0 }, *p = copy;
	struct ebr_filter_shorthand sh = { .sz = sizeof(sh) };
	struct ebr_filter_error err;
	char *expr;

	if (!copy)
		return;
	for (int i = 0; i < 5 && p; i++) {
		line[i] = p;
		p = strchr(p, '\n');
		if (p)
			*p++ = 0;
	}
	sh.types = line[0];
	sh.pids = line[1];
	sh.containers = line[2];
	sh.namespaces = line[3];
	sh.min_severity = line[4];
	sh.exclude_system = text[0] & 1;
	expr = ebr_filter__shorthand_expr(&sh, &err);
	if (expr) {
		char *joined = ebr_filter__join(expr, line[0] ? line[0] : "");

		compile_and_use(expr, NULL, 0);
		if (joined)
			compile_and_use(joined, NULL, 0);
		free(joined);
	}
	free(expr);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	size_t len;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	len = strlen(text);
	if (size && data[0] == 1)
		shorthands(text + 1);
	else
		compile_and_use(text, len < size ? data + len + 1 : NULL, len < size ? size - len - 1 : 0);
	free(text);
	return 0;
}
