// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Whether kprobes and fentry work here. ebpfrec attaches raw tracepoints
 * only, so these are facts for whoever reads the report (other tools, or a
 * custom object), never a reason recording fails. Each is tried for real on
 * one kernel function with a two-instruction program: a feature file can say
 * "present" while a security policy still refuses the attach.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "doctor.h"

#define PROBE_TARGET "vfs_read" /* exists on every kernel ebpfrec supports, never inlined */

static const struct bpf_insn return_zero[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
	{ .code = BPF_JMP | BPF_EXIT },
};

static int kprobe_pmu_type(void)
{
	FILE *f = fopen("/sys/bus/event_source/devices/kprobe/type", "r");
	int type = -1;

	if (!f)
		return -errno;
	if (fscanf(f, "%d", &type) != 1)
		type = -EINVAL;
	fclose(f);
	return type;
}

static const char *const not_needed = "ebpfrec does not need it";

void doctor__check_kprobes(struct doctor_check *c)
{
	struct perf_event_attr attr;
	int type, prog = -1, ev = -1, err = 0;
	const char *step = "load";

	if (!c)
		return;
	c->status = DOCTOR_ABSENT;
	type = kprobe_pmu_type();
	if (type < 0) {
		snprintf(c->detail, sizeof(c->detail),
			 "not available: no kprobe PMU (/sys/bus/event_source/devices/kprobe: %s; "
			 "kernel without CONFIG_KPROBES?); %s",
			 strerror(-type), not_needed);
		return;
	}
	prog = bpf_prog_load(BPF_PROG_TYPE_KPROBE, "ebr_doctor", "Dual BSD/GPL", return_zero,
			     sizeof(return_zero) / sizeof(return_zero[0]), NULL);
	if (prog < 0) {
		err = errno;
		goto out;
	}
	step = "attach";
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = (uint32_t)type;
	attr.config1 = (uint64_t)(uintptr_t)PROBE_TARGET; /* kprobe_func */
	ev = (int)syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (ev < 0 || ioctl(ev, PERF_EVENT_IOC_SET_BPF, prog))
		err = errno;
out:
	if (err)
		snprintf(c->detail, sizeof(c->detail), "refused: %s of a test kprobe on %s: %s; %s", step,
			 PROBE_TARGET, strerror(err), not_needed);
	else {
		c->status = DOCTOR_OK;
		snprintf(c->detail, sizeof(c->detail), "a test kprobe on %s attached; %s", PROBE_TARGET,
			 not_needed);
	}
	if (ev >= 0)
		close(ev);
	if (prog >= 0)
		close(prog);
}

void doctor__verifier_reason(const char *log, size_t len, char *out, size_t out_len)
{
	const char *p = log, *end = log + strnlen(log, len), *best = NULL;
	size_t best_len = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (n && strncmp(p, "processed ", 10) && strncmp(p, "verification time", 17) &&
		    strncmp(p, "stack depth", 11)) {
			best = p;
			best_len = n;
		}
		p += n + 1;
	}
	if (out_len)
		snprintf(out, out_len, "%.*s", (int)best_len, best ? best : "");
}

void doctor__check_fentry(struct doctor_check *c)
{
	char log[4096] = "", why[256] = "";
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FENTRY,
		    .log_buf = log, .log_size = sizeof(log), .log_level = 1);
	struct btf *btf;
	int id, prog, link, err;

	if (!c)
		return;
	c->status = DOCTOR_ABSENT;
	btf = btf__load_vmlinux_btf();
	if (!btf) {
		snprintf(c->detail, sizeof(c->detail), "not available: no kernel BTF to name a function; %s",
			 not_needed);
		return;
	}
	id = btf__find_by_name_kind(btf, PROBE_TARGET, BTF_KIND_FUNC);
	btf__free(btf);
	if (id <= 0) {
		snprintf(c->detail, sizeof(c->detail), "unknown: %s is not in the kernel's BTF; %s",
			 PROBE_TARGET, not_needed);
		return;
	}
	opts.attach_btf_id = (uint32_t)id;
	prog = bpf_prog_load(BPF_PROG_TYPE_TRACING, "ebr_doctor", "Dual BSD/GPL", return_zero,
			     sizeof(return_zero) / sizeof(return_zero[0]), &opts);
	if (prog < 0) {
		err = errno;
		doctor__verifier_reason(log, sizeof(log), why, sizeof(why));
		snprintf(c->detail, sizeof(c->detail), "refused: loading a test fentry program on %s: %s%s%s; %s",
			 PROBE_TARGET, strerror(err), why[0] ? ": " : "", why, not_needed);
		return;
	}
	link = bpf_link_create(prog, 0, BPF_TRACE_FENTRY, NULL);
	if (link < 0) {
		err = errno;
		snprintf(c->detail, sizeof(c->detail), "refused: attaching a test fentry program to %s: %s; %s",
			 PROBE_TARGET, strerror(err), not_needed);
	} else {
		c->status = DOCTOR_OK;
		snprintf(c->detail, sizeof(c->detail), "a test fentry program on %s attached; %s",
			 PROBE_TARGET, not_needed);
		close(link);
	}
	close(prog);
}
