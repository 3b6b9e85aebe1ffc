/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `ebpfrec doctor`: can this machine record, and if not, why and what to
 * run. System checks (kernel, BTF, privileges, mounts, ring buffer), a real
 * load-and-attach of every family's programs, and a list of the BPF
 * programs loaded on the system. Results are plain data; printing them as
 * text or JSON is the command's business.
 */
#ifndef EBPFREC_RECORDER_DOCTOR_H
#define EBPFREC_RECORDER_DOCTOR_H

#include <stddef.h>
#include <stdint.h>

enum doctor_status {
	DOCTOR_OK = 0, /* present and working */
	DOCTOR_INFO, /* a fact worth knowing; nothing to do */
	DOCTOR_ABSENT, /* not available, and ebpfrec does not need it */
	DOCTOR_WARN, /* recording works, with less */
	DOCTOR_FAIL, /* recording cannot work until this is fixed */
};

/* "ok", "info", "absent", "warning", "failed" */
const char *doctor_status__name(enum doctor_status s);

struct doctor_check {
	const char *name; /* stable identifier: "btf", "privileges", ... */
	enum doctor_status status;
	char detail[320];
	char fix[256]; /* what to run or do; "" when nothing applies */
};

struct doctor_probe {
	unsigned family; /* enum ebr_family: the main family of its object */
	unsigned serves; /* EBR_FAMILY_BIT mask: every family its object feeds */
	char object[16]; /* bpf/<object>.bpf.c */
	char name[64];
	char attach_point[96];
	int err; /* 0 or -errno */
	char reason[320]; /* "attached", or the kernel's reason: verifier line or errno text */
};

struct doctor_family {
	unsigned family; /* enum ebr_family */
	enum doctor_status status; /* ok: every program attached; warning: some; failed: none */
	unsigned attached, failed;
};

#define DOCTOR_MAX_CHECKS 16
#define DOCTOR_MAX_PROBES 32
#define DOCTOR_MAX_FAMILIES 8

struct doctor_report {
	char release[65], machine[65];
	uint32_t euid;
	uint64_t cap_eff; /* CapEff of /proc/self/status */
	char missing_caps[96]; /* "CAP_BPF, CAP_PERFMON"; "" when privileged enough */
	struct doctor_check checks[DOCTOR_MAX_CHECKS];
	size_t n_checks;
	/* the load-and-attach test */
	int probes_tested;
	int probe_err; /* what rec_probes__load returned */
	struct doctor_probe probes[DOCTOR_MAX_PROBES];
	size_t n_probes;
	struct doctor_family families[DOCTOR_MAX_FAMILIES];
	size_t n_families;
	char probe_fix[256];
	int can_record; /* the answer: `ebpfrec record` would start */
};

struct doctor_opts {
	size_t sz; /* sizeof(struct doctor_opts) */
	unsigned families; /* EBR_FAMILY_BIT mask to test; 0: every family */
	int skip_probes; /* system checks only; can_record is then a guess from them */
	int verbose; /* pass libbpf's messages (verifier logs) on to the log */
};

/* Run every check. Returns 0 (the report says what works) or -errno. */
int doctor__run(struct doctor_report *r, const struct doctor_opts *o);

/* The load-and-attach test alone (doctor__run calls it). */
void doctor__probe_test(struct doctor_report *r, unsigned families, int verbose);

/* Whether kprobes and fentry attach here; informational, ebpfrec needs neither. */
void doctor__check_kprobes(struct doctor_check *c);
void doctor__check_fentry(struct doctor_check *c);

/*
 * The line of a verifier log that says why (the last one that is not a
 * statistic), at most len bytes of log; "" when there is none.
 */
void doctor__verifier_reason(const char *log, size_t len, char *out, size_t out_len);

/* ---- `doctor --list`: BPF programs loaded on the system ---- */

#define DOCTOR_MAX_OWNERS 4

struct doctor_prog {
	uint32_t id;
	char type[32]; /* "raw_tracepoint", "cgroup_skb", ... */
	char name[64]; /* full name (from BTF) when the kernel's 15 bytes were cut */
	char attach[128]; /* from the program's links; "" when not known */
	uint32_t uid; /* who loaded it */
	uint64_t load_time_ns; /* CLOCK_BOOTTIME */
	uint64_t run_cnt, run_time_ns; /* 0 unless kernel.bpf_stats_enabled */
	struct {
		uint32_t pid;
		char comm[16];
	} owners[DOCTOR_MAX_OWNERS]; /* processes holding it, directly or through a link */
	size_t n_owners;
	int ours; /* one of ebpfrec's programs (by name) */
};

struct doctor_prog_list {
	struct doctor_prog *progs;
	size_t n;
	int stats_enabled; /* kernel.bpf_stats_enabled; -1 when unknown */
};

/* Needs CAP_SYS_ADMIN. 0 or -errno (explained through the log). */
int doctor__list_progs(struct doctor_prog_list *l);
void doctor_prog_list__free(struct doctor_prog_list *l);

/* Whether name is one of the programs of bpf/ (the kernel's name may be cut to 15 bytes). */
int doctor__is_our_prog(const char *name);

#endif
