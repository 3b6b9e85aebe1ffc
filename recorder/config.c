// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `record --config FILE.json` and `--print-config`. Keys follow the
 * original collector's configuration (name, ring_buffer_size, batch_size,
 * collection_interval, max_events_per_second, timeout, programs, filter)
 * plus every option of `record`; docs/config.md lists them. Parsing is
 * json-c's; positions in messages come from finding the key in the text,
 * since json-c keeps none.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <json-c/json.h>

#include "cli_util.h"
#include "ebpfrec/schema.h"
#include "events.h"
#include "names.h"
#include "profiles.h"
#include "record_args.h"

struct cfg {
	const char *path;
	const char *text;
	struct record_args *a;
	size_t search_from; /* nested keys are looked for after their parent */
};

/* line:col of "key": in the text, or 0:0 */
static void where(const struct cfg *c, const char *key, unsigned *line, unsigned *col)
{
	char quoted[96];
	const char *hit, *p;

	*line = *col = 0;
	snprintf(quoted, sizeof(quoted), "\"%s\"", key);
	hit = strstr(c->text + c->search_from, quoted);
	if (!hit)
		hit = strstr(c->text, quoted);
	if (!hit)
		return;
	*line = 1;
	*col = 1;
	for (p = c->text; p < hit; p++) {
		if (*p == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

__attribute__((format(printf, 3, 4))) static int fail(const struct cfg *c, const char *key, const char *fmt, ...)
{
	unsigned line, col;
	va_list ap;

	where(c, key, &line, &col);
	fprintf(stderr, "ebpfrec record: %s:%u:%u: '%s': ", c->path, line, col, key);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -EINVAL;
}

static const char *keep(struct cfg *c, const char *s)
{
	char *d;

	if (c->a->n_owned == MAX_OWNED)
		return NULL;
	d = strdup(s);
	if (d)
		c->a->owned[c->a->n_owned++] = d;
	return d;
}

static const char *type_name(struct json_object *v)
{
	return json_type_to_name(json_object_get_type(v));
}

static int want(struct cfg *c, const char *key, struct json_object *v, enum json_type t, const char *what)
{
	if (json_object_is_type(v, t))
		return 0;
	return fail(c, key, "expected %s, got %s", what, type_name(v));
}

static int get_u64(struct cfg *c, const char *key, struct json_object *v, uint64_t *out)
{
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
		return fail(c, key, "expected a non-negative integer, got %s", type_name(v));
	*out = (uint64_t)json_object_get_int64(v);
	return 0;
}

/* 4096, or "16M" */
static int get_size(struct cfg *c, const char *key, struct json_object *v, uint64_t *out)
{
	if (json_object_is_type(v, json_type_string)) {
		if (parse_size(json_object_get_string(v), out))
			return fail(c, key, "'%s' is not a size (4096, 64k, 16M)", json_object_get_string(v));
		return 0;
	}
	return get_u64(c, key, v, out);
}

/* seconds as a number, or "500ms" */
static int get_duration(struct cfg *c, const char *key, struct json_object *v, uint64_t *ns)
{
	if (json_object_is_type(v, json_type_string)) {
		if (parse_duration(json_object_get_string(v), ns))
			return fail(c, key, "'%s' is not a duration (10, 1.5s, 500ms, 2m)", json_object_get_string(v));
		return 0;
	}
	if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)) {
		double secs = json_object_get_double(v);

		/* json-c reads NaN and Infinity too; neither, nor 2^64 ns and more, converts */
		if (!(secs >= 0) || secs * 1e9 >= 18446744073709551616.0)
			return fail(c, key, "%g is not a duration in seconds", secs);
		*ns = (uint64_t)(secs * 1e9);
		return 0;
	}
	return fail(c, key, "expected a duration (seconds, or a string like \"500ms\"), got %s", type_name(v));
}

/* ["a", "b"] or "a,b" into one comma-separated string */
static int get_list(struct cfg *c, const char *key, struct json_object *v, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = 0;
	if (json_object_is_type(v, json_type_string)) {
		snprintf(buf, len, "%s", json_object_get_string(v));
		return 0;
	}
	if (!json_object_is_type(v, json_type_array))
		return fail(c, key, "expected a list of names, got %s", type_name(v));
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		struct json_object *e = json_object_array_get_idx(v, i);

		if (!json_object_is_type(e, json_type_string))
			return fail(c, key, "item %zu: expected a string, got %s", i, type_name(e));
		used += (size_t)snprintf(buf + used, len > used ? len - used : 0, "%s%s", i ? "," : "",
					 json_object_get_string(e));
	}
	return used < len ? 0 : fail(c, key, "the list is too long");
}

static int apply_filter(struct cfg *c, struct json_object *v)
{
	struct record_args *a = c->a;
	char buf[2048];
	int err = 0;

	if (json_object_is_type(v, json_type_string)) {
		a->filt.expr = keep(c, json_object_get_string(v));
		return 0;
	}
	if (want(c, "filter", v, json_type_object, "an expression or an object"))
		return -EINVAL;
	json_object_object_foreach(v, k, e) {
		if (!strcmp(k, "expr")) {
			err = want(c, k, e, json_type_string, "an expression");
			if (!err)
				a->filt.expr = keep(c, json_object_get_string(e));
		} else if (!strcmp(k, "event_types") || !strcmp(k, "types")) {
			err = get_list(c, k, e, buf, sizeof(buf));
			if (!err)
				a->filt.sh.types = keep(c, buf);
		} else if (!strcmp(k, "min_severity")) {
			err = want(c, k, e, json_type_string, "a severity name");
			if (!err)
				a->filt.sh.min_severity = keep(c, json_object_get_string(e));
		} else if (!strcmp(k, "exclude_system_processes") || !strcmp(k, "exclude_system")) {
			err = want(c, k, e, json_type_boolean, "true or false");
			if (!err)
				a->filt.sh.exclude_system = json_object_get_boolean(e);
		} else if (!strcmp(k, "pids") || !strcmp(k, "process_ids")) {
			err = get_list(c, k, e, buf, sizeof(buf));
			if (err && json_object_is_type(e, json_type_array)) {
				size_t used = 0;

				err = 0;
				for (size_t i = 0; i < json_object_array_length(e) && !err; i++) {
					uint64_t pid;

					err = get_u64(c, k, json_object_array_get_idx(e, i), &pid);
					used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%llu", i ? "," : "",
								 (unsigned long long)pid);
				}
			}
			if (!err)
				a->filt.sh.pids = keep(c, buf);
		} else if (!strcmp(k, "containers") || !strcmp(k, "container_ids")) {
			err = get_list(c, k, e, buf, sizeof(buf));
			if (!err)
				a->filt.sh.containers = keep(c, buf);
		} else if (!strcmp(k, "namespaces")) {
			err = get_list(c, k, e, buf, sizeof(buf));
			if (!err)
				a->filt.sh.namespaces = keep(c, buf);
		} else {
			err = fail(c, k, "unknown key in \"filter\" (expr, event_types, pids, containers, namespaces, "
					 "min_severity, exclude_system_processes)");
		}
		if (err)
			return err;
	}
	return 0;
}

static int apply_rates(struct cfg *c, const char *key, struct json_object *v)
{
	if (want(c, key, v, json_type_object, "an object of family: events per second"))
		return -EINVAL;
	json_object_object_foreach(v, fam, n) {
		uint64_t rate;
		unsigned f;

		for (f = 0; f < EBR_FAM_NR; f++)
			if (f ? !strcmp(fam, ebr_family__name(f)) : !strcmp(fam, "all"))
				break;
		if (f == EBR_FAM_NR)
			return fail(c, fam, "not a family (all, process, syscall, network, memory, file)");
		if (get_u64(c, fam, n, &rate))
			return -EINVAL;
		c->a->ro.rate_limit[f] = rate;
	}
	return 0;
}

/* The original collector's "programs": one entry per family, with its own options. */
static int apply_programs(struct cfg *c, struct json_object *v)
{
	char buf[4096];

	if (want(c, "programs", v, json_type_array, "a list of program objects"))
		return -EINVAL;
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		struct json_object *p = json_object_array_get_idx(v, i), *e;
		unsigned f;

		if (want(c, "programs", p, json_type_object, "objects in \"programs\""))
			return -EINVAL;
		if (!json_object_object_get_ex(p, "family", &e) || !json_object_is_type(e, json_type_string))
			return fail(c, "programs", "entry %zu needs a \"family\" name", i);
		for (f = 1; f < EBR_FAM_NR; f++)
			if (!strcmp(json_object_get_string(e), ebr_family__name(f)))
				break;
		if (f == EBR_FAM_NR || f == EBR_FAM_META || f == EBR_FAM_CUSTOM)
			return fail(c, "family", "'%s' is not a family (process, syscall, network, memory, file)",
				    json_object_get_string(e));
		json_object_object_foreach(p, k, val) {
			int err = 0;

			if (!strcmp(k, "family")) {
				continue;
			} else if (!strcmp(k, "enabled")) {
				err = want(c, k, val, json_type_boolean, "true or false");
				if (!err && json_object_get_boolean(val))
					c->a->ro.families |= EBR_FAMILY_BIT(f);
				else if (!err)
					c->a->ro.families &= ~EBR_FAMILY_BIT(f);
				continue;
			} else if (!strcmp(k, "max_events_per_second")) {
				err = get_u64(c, k, val, &c->a->ro.rate_limit[f]);
			} else if (!strcmp(k, "syscalls") && f == EBR_FAM_SYSCALL) {
				err = get_list(c, k, val, buf, sizeof(buf));
				if (!err)
					err = rec_args__set_syscalls(c->a, (const char *const[]){ buf }, 1) ? -EINVAL : 0;
			} else {
				err = fail(c, k, "unknown key in a program (family, enabled, max_events_per_second%s)",
					   f == EBR_FAM_SYSCALL ? ", syscalls" : "");
			}
			if (err)
				return err;
		}
		if (!json_object_object_get_ex(p, "enabled", &e))
			c->a->ro.families |= EBR_FAMILY_BIT(f);
	}
	return 0;
}

static int apply_key(struct cfg *c, const char *k, struct json_object *v)
{
	struct record_args *a = c->a;
	char buf[4096];
	uint64_t u;
	int err = 0;

	if (!strcmp(k, "name")) {
		err = want(c, k, v, json_type_string, "a string");
		if (!err)
			a->name = keep(c, json_object_get_string(v));
	} else if (!strcmp(k, "enabled")) {
		err = want(c, k, v, json_type_boolean, "true or false");
		if (!err && !json_object_get_boolean(v))
			err = fail(c, k, "this configuration is disabled; set \"enabled\": true to record with it");
	} else if (!strcmp(k, "output")) {
		err = want(c, k, v, json_type_string, "a file name");
		if (!err)
			a->ro.output = keep(c, json_object_get_string(v));
	} else if (!strcmp(k, "profile")) {
		char bad[64];

		err = get_list(c, k, v, buf, sizeof(buf));
		if (!err && rec_profiles__parse(buf, &a->ro.families, a->ro.rate_limit, bad, sizeof(bad)))
			err = fail(c, k, "unknown profile '%s' (minimal, process, syscall, network, fileio, memory, "
					 "default, all)", bad);
	} else if (!strcmp(k, "families")) {
		unsigned fams;

		err = get_list(c, k, v, buf, sizeof(buf));
		if (!err && rec_profiles__parse_families(buf, &fams))
			err = fail(c, k, "families are process, syscall, network, memory, file");
		if (!err)
			a->ro.families = fams;
	} else if (!strcmp(k, "duration") || !strcmp(k, "timeout")) {
		err = get_duration(c, k, v, &a->duration_ns);
	} else if (!strcmp(k, "ring_buffer_size") || !strcmp(k, "ringbuf_size")) {
		err = get_size(c, k, v, &u);
		if (!err && (u < 4096 || (u & (u - 1)) || u > (1ULL << 31)))
			err = fail(c, k, "must be a power of two from 4096 to 2G, got %llu", (unsigned long long)u);
		if (!err)
			a->ro.ringbuf_size = (uint32_t)u;
	} else if (!strcmp(k, "event_buffer_size")) {
		err = get_u64(c, k, v, &u);
		if (!err)
			a->live_buffer = u * 256; /* events, at a typical 256 bytes each */
	} else if (!strcmp(k, "batch_size")) {
		err = get_u64(c, k, v, &u);
		if (!err && (!u || u > 1000000))
			err = fail(c, k, "must be from 1 to 1000000 events");
		if (!err)
			a->ro.wakeup_bytes = (uint32_t)(u * 128);
	} else if (!strcmp(k, "collection_interval")) {
		err = get_duration(c, k, v, &u);
		if (!err && (u < 1000000 || u > 1000000000ULL))
			err = fail(c, k, "must be from 1ms to 1s");
		if (!err)
			a->ro.drain_ms = (uint32_t)(u / 1000000);
	} else if (!strcmp(k, "segment_size")) {
		err = get_size(c, k, v, &u);
		if (!err && (u < 65536 || u > (64ULL << 20)))
			err = fail(c, k, "must be from 64k to 64M");
		if (!err)
			a->ro.segment_size = (uint32_t)u;
	} else if (!strcmp(k, "segment_time")) {
		err = get_duration(c, k, v, &u);
		if (!err && u < 1000000)
			err = fail(c, k, "must be at least 1ms");
		if (!err)
			a->ro.segment_ms = (uint32_t)(u / 1000000);
	} else if (!strcmp(k, "compression_level")) {
		err = get_u64(c, k, v, &u);
		if (!err && (u < 1 || u > 19))
			err = fail(c, k, "must be from 1 to 19");
		if (!err)
			a->ro.compression_level = (int)u;
	} else if (!strcmp(k, "max_events_per_second")) {
		err = get_u64(c, k, v, &a->ro.rate_limit[0]);
	} else if (!strcmp(k, "rate_limits")) {
		err = apply_rates(c, k, v);
	} else if (!strcmp(k, "syscalls")) {
		err = get_list(c, k, v, buf, sizeof(buf));
		if (!err && rec_args__set_syscalls(a, (const char *const[]){ buf }, 1))
			err = fail(c, k, "see above");
	} else if (!strcmp(k, "max_args_size") || !strcmp(k, "max_path_size")) {
		err = get_size(c, k, v, &u);
		if (!err && (!u || u > 4096))
			err = fail(c, k, "must be from 1 to 4096");
		if (!err && k[4] == 'a')
			a->ro.max_args_size = (uint32_t)u;
		else if (!err)
			a->ro.max_path_size = (uint32_t)u;
	} else if (!strcmp(k, "compact")) {
		err = want(c, k, v, json_type_boolean, "true or false");
		if (!err)
			a->ro.compact = json_object_get_boolean(v);
	} else if (!strcmp(k, "low_latency") || !strcmp(k, "all")) {
		err = want(c, k, v, json_type_boolean, "true or false");
		if (!err && k[0] == 'l')
			a->ro.low_latency = json_object_get_boolean(v);
		else if (!err)
			a->all = json_object_get_boolean(v);
	} else if (!strcmp(k, "drain_interval")) {
		err = get_duration(c, k, v, &u);
		if (!err && (u < 10000 || u > 100000000))
			err = fail(c, k, "must be from 10us to 100ms");
		if (!err)
			a->ro.drain_interval_us = (uint32_t)((u + 500) / 1000);
	} else if (!strcmp(k, "rt_priority")) {
		err = get_u64(c, k, v, &u);
		if (!err && (u < 1 || u > 99))
			err = fail(c, k, "must be from 1 to 99");
		if (!err)
			a->ro.rt_priority = (int)u;
	} else if (!strcmp(k, "rotate_size") || !strcmp(k, "max_size")) {
		err = get_size(c, k, v, &u);
		if (!err && k[1] == 'o' && u < 65536)
			err = fail(c, k, "must be at least 64k");
		if (!err && k[1] == 'o')
			a->ro.rotate_size = u;
		else if (!err)
			a->max_size = u;
	} else if (!strcmp(k, "rotate_time")) {
		err = get_duration(c, k, v, &u);
		if (!err && u < 1000000000ULL)
			err = fail(c, k, "must be at least 1s");
		if (!err)
			a->ro.rotate_seconds = (uint32_t)(u / 1000000000ULL);
	} else if (!strcmp(k, "rotate_keep") || !strcmp(k, "max_events")) {
		err = get_u64(c, k, v, &u);
		if (!err && k[1] == 'o')
			a->ro.rotate_keep = (uint32_t)u;
		else if (!err)
			a->max_events = u;
	} else if (!strcmp(k, "filter")) {
		c->search_from = 0;
		err = apply_filter(c, v);
	} else if (!strcmp(k, "programs")) {
		err = apply_programs(c, v);
	} else if (!strcmp(k, "pids")) {
		err = want(c, k, v, json_type_array, "a list of process ids");
		for (size_t i = 0; !err && i < json_object_array_length(v); i++) {
			err = get_u64(c, k, json_object_array_get_idx(v, i), &u);
			if (!err && (!u || u > UINT32_MAX || a->n_pids == MAX_PIDS))
				err = fail(c, k, "item %zu: not a process id, or too many (at most %d)", i, MAX_PIDS);
			if (!err)
				a->pids[a->n_pids++] = (uint32_t)u;
		}
	} else if (!strcmp(k, "stats_file")) {
		err = want(c, k, v, json_type_string, "a file name");
		if (!err)
			a->stats_file = keep(c, json_object_get_string(v));
	} else if (!strcmp(k, "output_format")) {
		err = want(c, k, v, json_type_string, "\"text\" or \"json\"");
		if (!err && !strcmp(json_object_get_string(v), "text"))
			a->live_output = 1;
		else if (!err && !strcmp(json_object_get_string(v), "json"))
			a->live_output = 2;
		else if (!err)
			err = fail(c, k, "expected \"text\" or \"json\", got \"%s\"", json_object_get_string(v));
	} else if (!strcmp(k, "command")) {
		err = want(c, k, v, json_type_array, "a list of strings (program and arguments)");
		if (!err && !a->command) {
			size_t n = json_object_array_length(v);
			char **argv = calloc(n + 1, sizeof(*argv));

			if (!argv || !n || a->n_owned + (int)n >= MAX_OWNED) {
				free(argv);
				return fail(c, k, "needs a program and at most a few dozen arguments");
			}
			for (size_t i = 0; i < n && !err; i++) {
				struct json_object *e = json_object_array_get_idx(v, i);

				err = want(c, k, e, json_type_string, "strings");
				if (!err)
					argv[i] = (char *)keep(c, json_object_get_string(e));
			}
			/* the argv array itself is owned too: it is kept in the last slot */
			a->owned[a->n_owned++] = (char *)argv;
			a->command = argv;
		}
	} else {
		err = fail(c, k, "unknown key (docs/config.md lists them)");
	}
	return err;
}

int rec_config__parse(const char *name, const char *text, size_t len, struct record_args *a)
{
	struct json_tokener *tok;
	struct json_object *root;
	struct cfg c = { .path = name, .text = text, .a = a };
	int err = 0;

	if (len > INT32_MAX - 1)
		return -EFBIG;
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	root = json_tokener_parse_ex(tok, text, (int)len + 1);
	if (!root) {
		size_t off = json_tokener_get_parse_end(tok);
		unsigned line = 1, col = 1;

		for (size_t i = 0; i < off && i < len; i++) {
			line += text[i] == '\n';
			col = text[i] == '\n' ? 1 : col + 1;
		}
		fprintf(stderr, "ebpfrec record: %s:%u:%u: invalid JSON: %s\n", name, line, col,
			json_tokener_error_desc(json_tokener_get_error(tok)));
		err = -EINVAL;
	} else if (!json_object_is_type(root, json_type_object)) {
		fprintf(stderr, "ebpfrec record: %s: expected a JSON object at the top\n", name);
		err = -EINVAL;
	} else {
		json_object_object_foreach(root, k, v) {
			c.search_from = 0;
			err = apply_key(&c, k, v);
			if (err)
				break;
		}
	}
	json_object_put(root);
	json_tokener_free(tok);
	return err;
}

int rec_config__load(const char *path, struct record_args *a)
{
	char *text;
	size_t len = 0;
	FILE *f = fopen(path, "r");
	int err;

	if (!f) {
		err = -errno;
		fprintf(stderr, "ebpfrec record: cannot read %s: %s\n", path, strerror(errno));
		return err;
	}
	text = malloc(1 << 20);
	if (text)
		len = fread(text, 1, (1 << 20) - 1, f);
	fclose(f);
	if (!text)
		return -ENOMEM;
	text[len] = 0;
	err = rec_config__parse(path, text, len, a);
	free(text);
	return err;
}

static void add_int(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_int64((int64_t)v));
}

char *rec_config__to_json(const struct record_args *a, int pretty)
{
	struct json_object *o = json_object_new_object(), *fams = json_object_new_array();
	struct json_object *rates = json_object_new_object();
	const struct ebr_recorder_opts *r = &a->ro;
	char *s;

	if (a->name)
		json_object_object_add(o, "name", json_object_new_string(a->name));
	if (r->output)
		json_object_object_add(o, "output", json_object_new_string(r->output));
	for (unsigned f = 1; f < EBR_FAM_NR; f++)
		if ((r->families ? r->families : EBR_FAMILIES_DEFAULT) & EBR_FAMILY_BIT(f))
			json_object_array_add(fams, json_object_new_string(ebr_family__name(f)));
	json_object_object_add(o, "families", fams);
	for (unsigned f = 0; f < EBR_FAM_NR; f++)
		if (r->rate_limit[f])
			add_int(rates, f ? ebr_family__name(f) : "all", r->rate_limit[f]);
	json_object_object_add(o, "rate_limits", rates);
	if (r->syscalls) {
		struct json_object *sc = json_object_new_array();
		struct utsname u;

		uname(&u);
		for (size_t i = 0; i < r->n_syscalls; i++)
			json_object_array_add(sc, json_object_new_string(ebr_syscall_name(u.machine, a->syscalls[i])));
		json_object_object_add(o, "syscalls", sc);
	}
	add_int(o, "ring_buffer_size", r->ringbuf_size ? r->ringbuf_size : 16u << 20);
	if (r->wakeup_bytes)
		add_int(o, "batch_size", r->wakeup_bytes / 128);
	add_int(o, "segment_size", r->segment_size ? r->segment_size : 1u << 20);
	json_object_object_add(o, "segment_time",
			       json_object_new_double((r->segment_ms ? r->segment_ms : 1000) / 1000.0));
	json_object_object_add(o, "collection_interval",
			       json_object_new_double((r->drain_ms ? r->drain_ms : 10) / 1000.0));
	json_object_object_add(o, "low_latency", json_object_new_boolean(r->low_latency));
	if (r->low_latency) {
		char us[24];

		snprintf(us, sizeof(us), "%uus", r->drain_interval_us ? r->drain_interval_us : 250);
		json_object_object_add(o, "drain_interval", json_object_new_string(us));
	}
	if (r->rt_priority)
		add_int(o, "rt_priority", (uint64_t)r->rt_priority);
	add_int(o, "compression_level", r->compression_level ? (uint64_t)r->compression_level : 1);
	json_object_object_add(o, "compact", json_object_new_boolean(r->compact));
	add_int(o, "max_args_size", r->max_args_size ? r->max_args_size : 1024);
	add_int(o, "max_path_size", r->max_path_size ? r->max_path_size : 256);
	if (a->filter)
		json_object_object_add(o, "filter", json_object_new_string(ebr_filter__expr(a->filter)));
	else if (a->filt.expr)
		json_object_object_add(o, "filter", json_object_new_string(a->filt.expr));
	if (r->rotate_size)
		add_int(o, "rotate_size", r->rotate_size);
	if (r->rotate_seconds)
		add_int(o, "rotate_time", r->rotate_seconds);
	if (r->rotate_keep)
		add_int(o, "rotate_keep", r->rotate_keep);
	if (a->max_size)
		add_int(o, "max_size", a->max_size);
	if (a->max_events)
		add_int(o, "max_events", a->max_events);
	if (a->duration_ns)
		json_object_object_add(o, "duration", json_object_new_double((double)a->duration_ns / 1e9));
	if (a->n_pids) {
		struct json_object *pids = json_object_new_array();

		for (size_t i = 0; i < a->n_pids; i++)
			json_object_array_add(pids, json_object_new_int64(a->pids[i]));
		json_object_object_add(o, "pids", pids);
	}
	if (a->all)
		json_object_object_add(o, "all", json_object_new_boolean(1));
	if (a->live_output)
		json_object_object_add(o, "output_format", json_object_new_string(a->live_output == 2 ? "json" : "text"));
	if (a->stats_file)
		json_object_object_add(o, "stats_file", json_object_new_string(a->stats_file));
	if (a->command) {
		struct json_object *cmd = json_object_new_array();

		for (char **p = a->command; *p; p++)
			json_object_array_add(cmd, json_object_new_string(*p));
		json_object_object_add(o, "command", cmd);
	}
	s = strdup(json_object_to_json_string_ext(o, pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
								 : JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

void rec_config__free(struct record_args *a)
{
	for (int i = 0; i < a->n_owned; i++)
		free(a->owned[i]);
	a->n_owned = 0;
}

int rec_args__set_syscalls(struct record_args *a, const char *const *lists, size_t n)
{
	struct utsname u;

	if (uname(&u))
		return -1;
	a->ro.n_syscalls = 0;
	for (size_t l = 0; l < n; l++) {
		char *copy = strdup(lists[l]), *save = NULL;

		for (char *name = copy ? strtok_r(copy, ",", &save) : NULL; name; name = strtok_r(NULL, ",", &save)) {
			int nr = ebr_syscall_nr(u.machine, name);

			if (nr < 0 || nr >= EBR_SYSCALL_SLOTS) {
				fprintf(stderr, "ebpfrec record: '%s' is not a syscall on %s\n", name, u.machine);
				free(copy);
				return -1;
			}
			a->syscalls[a->ro.n_syscalls++] = (uint32_t)nr;
		}
		free(copy);
	}
	a->ro.syscalls = a->ro.n_syscalls ? a->syscalls : NULL;
	return 0;
}
