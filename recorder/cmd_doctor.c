// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `ebpfrec doctor`: can this machine record? The report as text or JSON; --list. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "cli_util.h"
#include "commands.h"
#include "doctor.h"
#include "ebpfrec/log.h"
#include "ebpfrec/recorder.h"
#include "ebpfrec/schema.h"
#include "events.h"
#include "names.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ebpfrec doctor [--json] [--no-probes] [-v]\n"
		"       ebpfrec doctor --list [--json]\n\n"
		"Say whether this machine can record, and what to run where it cannot: kernel,\n"
		"BTF, privileges and capabilities, lockdown, bpffs, tracefs and cgroup v2 mounts,\n"
		"BPF ring buffer support, kprobes and fentry (for information: ebpfrec needs\n"
		"neither), then a real load and attach of every family's programs, exactly as\n"
		"`ebpfrec record` does, detached again at once. Each program is reported ok or\n"
		"failed with the kernel's reason. Exit status 0: recording works; 1: it does not.\n\n"
		"options:\n"
		"  -j, --json       the report as one JSON object\n"
		"  -l, --list       list the BPF programs loaded on this system (id, type, name,\n"
		"                   attach point, run statistics, holders), ebpfrec's marked *;\n"
		"                   needs root\n"
		"      --no-probes  system checks only, no load-and-attach test\n"
		"  -v, --verbose    show libbpf's messages, with the verifier's full log\n"
		"  -h, --help       this text\n\n"
		"examples:\n"
		"  sudo ebpfrec doctor\n"
		"  ebpfrec doctor                       as a user: names the missing privileges\n"
		"  sudo ebpfrec doctor --json | jq '.families[] | select(.status != \"ok\")'\n"
		"  sudo ebpfrec doctor --list\n");
}

/* Library messages during the checks are the report's business: shown only with -v. */
static void quiet_log(enum ebr_log_level level, const char *msg, void *ctx)
{
	(void)level;
	(void)msg;
	(void)ctx;
}

static const char *status_label(enum doctor_status s)
{
	switch (s) {
	case DOCTOR_OK: return "ok";
	case DOCTOR_INFO: return "info";
	case DOCTOR_ABSENT: return "no";
	case DOCTOR_WARN: return "WARNING";
	case DOCTOR_FAIL: return "FAILED";
	}
	return "?";
}

static const struct doctor_check *find_check(const struct doctor_report *r, const char *name)
{
	for (size_t i = 0; i < r->n_checks; i++)
		if (!strcmp(r->checks[i].name, name))
			return &r->checks[i];
	return NULL;
}

/* The reason every program failed for, when it is one and the same; else NULL. */
static const char *common_failure(const struct doctor_report *r)
{
	if (!r->n_probes)
		return NULL;
	for (size_t i = 0; i < r->n_probes; i++)
		if (!r->probes[i].err || strcmp(r->probes[i].reason, r->probes[0].reason))
			return NULL;
	return r->probes[0].reason;
}

static void print_probes(const struct doctor_report *r, int verbose)
{
	const char *same = verbose ? NULL : common_failure(r);

	printf("\nprobes (loaded and attached as `ebpfrec record` does, then detached):\n");
	for (size_t i = 0; i < r->n_families; i++) {
		const struct doctor_family *df = &r->families[i];

		printf("  %-8s %-8s %u attached, %u failed\n", ebr_family__name(df->family),
		       status_label(df->status), df->attached, df->failed);
		for (size_t k = 0; k < r->n_probes && !same; k++) {
			const struct doctor_probe *p = &r->probes[k];

			if (!(p->serves & EBR_FAMILY_BIT(df->family)))
				continue;
			if (p->family != df->family) /* a program of another family's object, shared */
				printf("    %-7s %-22s %-32s (%s object)\n", p->err ? "FAILED" : "ok", p->name,
				       p->attach_point, p->object);
			else
				printf("    %-7s %-22s %s\n", p->err ? "FAILED" : "ok", p->name, p->attach_point);
			if (p->err)
				printf("            %s\n", p->reason);
		}
	}
	if (same)
		printf("  every program failed: %s\n", same);
	if (r->probe_fix[0])
		printf("  fix: %s\n", r->probe_fix);
}

static void print_verdict(const struct doctor_report *r)
{
	unsigned full = 0;

	for (size_t i = 0; i < r->n_families; i++)
		full += r->families[i].status == DOCTOR_OK;
	if (!r->probes_tested) {
		printf("\n%s (no probe test: --no-probes)\n",
		       r->can_record ? "recording should work" : "recording is NOT possible");
		return;
	}
	if (!r->can_record) {
		const struct doctor_check *priv = find_check(r, "privileges");

		printf("\nrecording is NOT possible: ");
		if (r->missing_caps[0])
			printf("missing %s (or CAP_SYS_ADMIN)\n  fix: %s\n", r->missing_caps,
			       priv ? priv->fix : "run as root");
		else
			printf("no program could be attached (reasons above)\n");
		return;
	}
	if (full == r->n_families)
		printf("\nrecording works: every family's programs attach (%zu families)\n", r->n_families);
	else
		printf("\nrecording works, partly: %u of %zu families attach completely (see above)\n", full,
		       r->n_families);
}

static void print_text(const struct doctor_report *r, int verbose)
{
	printf("checks:\n");
	for (size_t i = 0; i < r->n_checks; i++) {
		const struct doctor_check *c = &r->checks[i];

		printf("  %-17s %-8s %s\n", c->name, status_label(c->status), c->detail);
		if (c->fix[0])
			printf("  %-17s %-8s fix: %s\n", "", "", c->fix);
	}
	if (r->probes_tested)
		print_probes(r, verbose);
	print_verdict(r);
}

static void add_str(struct json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, json_object_new_string(v));
}

static struct json_object *report_json(const struct doctor_report *r)
{
	struct json_object *o = json_object_new_object(), *arr, *kernel = json_object_new_object();
	char buf[64];

	json_object_object_add(o, "can_record", json_object_new_boolean(r->can_record));
	add_str(kernel, "release", r->release);
	add_str(kernel, "machine", r->machine);
	json_object_object_add(o, "kernel", kernel);
	json_object_object_add(o, "euid", json_object_new_int64(r->euid));
	snprintf(buf, sizeof(buf), "0x%016" PRIx64, r->cap_eff);
	add_str(o, "cap_eff", buf);
	arr = json_object_new_array();
	for (const char *p = r->missing_caps; *p;) {
		size_t n = strcspn(p, ", ");

		if (n) {
			snprintf(buf, sizeof(buf), "%.*s", (int)n, p);
			json_object_array_add(arr, json_object_new_string(buf));
		}
		p += n;
		p += strspn(p, ", ");
	}
	json_object_object_add(o, "missing_capabilities", arr);
	arr = json_object_new_array();
	for (size_t i = 0; i < r->n_checks; i++) {
		struct json_object *c = json_object_new_object();

		add_str(c, "name", r->checks[i].name);
		add_str(c, "status", doctor_status__name(r->checks[i].status));
		add_str(c, "detail", r->checks[i].detail);
		if (r->checks[i].fix[0])
			add_str(c, "fix", r->checks[i].fix);
		json_object_array_add(arr, c);
	}
	json_object_object_add(o, "checks", arr);
	json_object_object_add(o, "probes_tested", json_object_new_boolean(r->probes_tested));
	arr = json_object_new_array();
	for (size_t i = 0; i < r->n_probes; i++) {
		const struct doctor_probe *p = &r->probes[i];
		struct json_object *j = json_object_new_object(), *serves = json_object_new_array();
		const char *en = p->err ? ebr_errno_name((unsigned)-p->err) : NULL;

		add_str(j, "family", ebr_family__name(p->family));
		for (unsigned f = 1; f < EBR_FAM_NR; f++)
			if (p->serves & EBR_FAMILY_BIT(f))
				json_object_array_add(serves, json_object_new_string(ebr_family__name(f)));
		json_object_object_add(j, "serves", serves);
		add_str(j, "object", p->object);
		add_str(j, "name", p->name);
		add_str(j, "attach_point", p->attach_point);
		add_str(j, "status", p->err ? "failed" : "ok");
		json_object_object_add(j, "err", json_object_new_int(p->err));
		if (en)
			add_str(j, "errno", en);
		add_str(j, "reason", p->reason);
		json_object_array_add(arr, j);
	}
	json_object_object_add(o, "probes", arr);
	arr = json_object_new_array();
	for (size_t i = 0; i < r->n_families; i++) {
		struct json_object *j = json_object_new_object();

		add_str(j, "name", ebr_family__name(r->families[i].family));
		add_str(j, "status", doctor_status__name(r->families[i].status));
		json_object_object_add(j, "attached", json_object_new_int((int)r->families[i].attached));
		json_object_object_add(j, "failed", json_object_new_int((int)r->families[i].failed));
		json_object_array_add(arr, j);
	}
	json_object_object_add(o, "families", arr);
	if (r->probe_fix[0])
		add_str(o, "fix", r->probe_fix);
	return o;
}

static void print_json(struct json_object *o)
{
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static void print_list_text(const struct doctor_prog_list *l)
{
	size_t ours = 0;

	printf("   %-6s %-16s %-22s %-34s %10s %10s  %s\n", "ID", "TYPE", "NAME", "ATTACHED TO", "RUNS",
	       "AVG NS", "HELD BY");
	for (size_t i = 0; i < l->n; i++) {
		const struct doctor_prog *p = &l->progs[i];
		char runs[24] = "-", avg[24] = "-";

		if (l->stats_enabled > 0) {
			snprintf(runs, sizeof(runs), "%" PRIu64, p->run_cnt);
			if (p->run_cnt)
				snprintf(avg, sizeof(avg), "%" PRIu64, p->run_time_ns / p->run_cnt);
		}
		ours += p->ours != 0;
		printf("%s  %-6u %-16s %-22s %-34s %10s %10s ", p->ours ? "*" : " ", p->id, p->type, p->name,
		       p->attach[0] ? p->attach : "-", runs, avg);
		for (size_t k = 0; k < p->n_owners; k++)
			printf(" %s(%u)", p->owners[k].comm, p->owners[k].pid);
		if (!p->n_owners)
			printf(" -");
		putchar('\n');
	}
	fprintf(stderr, "ebpfrec: %zu programs, %zu of them ebpfrec's (marked *)\n", l->n, ours);
	if (l->stats_enabled <= 0)
		fprintf(stderr, "ebpfrec: run counts are off; `sudo sysctl -w kernel.bpf_stats_enabled=1` "
				"turns them on (every program run then costs two clock reads)\n");
}

static struct json_object *list_json(const struct doctor_prog_list *l)
{
	struct json_object *o = json_object_new_object(), *arr = json_object_new_array();

	json_object_object_add(o, "stats_enabled", json_object_new_boolean(l->stats_enabled > 0));
	for (size_t i = 0; i < l->n; i++) {
		const struct doctor_prog *p = &l->progs[i];
		struct json_object *j = json_object_new_object(), *holders = json_object_new_array();

		json_object_object_add(j, "id", json_object_new_int64(p->id));
		add_str(j, "type", p->type);
		add_str(j, "name", p->name);
		if (p->attach[0])
			add_str(j, "attach", p->attach);
		json_object_object_add(j, "uid", json_object_new_int64(p->uid));
		json_object_object_add(j, "load_time_ns", json_object_new_int64((int64_t)p->load_time_ns));
		if (l->stats_enabled > 0) {
			json_object_object_add(j, "run_cnt", json_object_new_int64((int64_t)p->run_cnt));
			json_object_object_add(j, "run_time_ns", json_object_new_int64((int64_t)p->run_time_ns));
		}
		for (size_t k = 0; k < p->n_owners; k++) {
			struct json_object *h = json_object_new_object();

			json_object_object_add(h, "pid", json_object_new_int64(p->owners[k].pid));
			add_str(h, "comm", p->owners[k].comm);
			json_object_array_add(holders, h);
		}
		json_object_object_add(j, "held_by", holders);
		json_object_object_add(j, "ours", json_object_new_boolean(p->ours));
		json_object_array_add(arr, j);
	}
	json_object_object_add(o, "programs", arr);
	return o;
}

static int run_list(int json)
{
	struct doctor_prog_list l;

	if (doctor__list_progs(&l))
		return EXIT_FAIL;
	if (json)
		print_json(list_json(&l));
	else
		print_list_text(&l);
	doctor_prog_list__free(&l);
	return finish_stdout() ? EXIT_FAIL : EXIT_OK;
}

int cmd_doctor(int argc, char **argv)
{
	enum { OPT_NO_PROBES = 256 };
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "list", no_argument, NULL, 'l' },
		{ "no-probes", no_argument, NULL, OPT_NO_PROBES },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct doctor_opts o = { .sz = sizeof(o) };
	struct doctor_report r;
	int c, json = 0, list = 0, err;

	while ((c = getopt_long(argc, argv, "jlvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'l':
			list = 1;
			break;
		case OPT_NO_PROBES:
			o.skip_probes = 1;
			break;
		case 'v':
			o.verbose++;
			break;
		case 'h':
			usage(stdout);
			return finish_stdout() ? EXIT_FAIL : EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ebpfrec doctor: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	cli_log_setup(o.verbose);
	if (list)
		return run_list(json);
	if (!o.verbose)
		ebr_set_log(quiet_log, NULL);
	err = doctor__run(&r, &o);
	cli_log_setup(o.verbose);
	if (err) {
		fprintf(stderr, "ebpfrec doctor: %s\n", strerror(-err));
		return EXIT_FAIL;
	}
	if (json)
		print_json(report_json(&r));
	else
		print_text(&r, o.verbose);
	if (finish_stdout())
		return EXIT_FAIL;
	return r.can_record ? EXIT_OK : EXIT_FAIL;
}
