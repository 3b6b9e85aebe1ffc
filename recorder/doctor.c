// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The system checks of `ebpfrec doctor`: what recording needs, each with a fix. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "cgroups.h"
#include "doctor.h"
#include "ebpfrec/recorder.h"
#include "events.h"
#include "internal.h"

#define BPF_FS_MAGIC 0xcafe4a11
#define TRACEFS_MAGIC 0x74726163
#define SECURITYFS_MAGIC 0x73636673

/* Capability numbers (linux/capability.h); CAP_BPF and CAP_PERFMON exist since 5.8. */
#define DOC_CAP_SYS_ADMIN 21
#define DOC_CAP_PERFMON 38
#define DOC_CAP_BPF 39

const char *doctor_status__name(enum doctor_status s)
{
	switch (s) {
	case DOCTOR_OK: return "ok";
	case DOCTOR_INFO: return "info";
	case DOCTOR_ABSENT: return "absent";
	case DOCTOR_WARN: return "warning";
	case DOCTOR_FAIL: return "failed";
	}
	return "unknown";
}

static struct doctor_check *add_check(struct doctor_report *r, const char *name)
{
	struct doctor_check *c;

	if (r->n_checks == DOCTOR_MAX_CHECKS)
		return NULL;
	c = &r->checks[r->n_checks++];
	memset(c, 0, sizeof(*c));
	c->name = name;
	return c;
}

/* First line of a small file, without its newline; -errno when unreadable. */
static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return 0;
}

static int fs_is(const char *path, long magic)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && (long)sf.f_type == magic;
}

static void check_kernel(struct doctor_report *r)
{
	struct doctor_check *c = add_check(r, "kernel");
	struct utsname u;
	unsigned major = 0, minor = 0;

	if (uname(&u)) {
		c->status = DOCTOR_WARN;
		snprintf(c->detail, sizeof(c->detail), "uname failed: %s", strerror(errno));
		return;
	}
	ebr_strlcpy(r->release, u.release, sizeof(r->release));
	ebr_strlcpy(r->machine, u.machine, sizeof(r->machine));
	sscanf(u.release, "%u.%u", &major, &minor);
	if (major > 5 || (major == 5 && minor >= 8)) {
		c->status = DOCTOR_OK;
		snprintf(c->detail, sizeof(c->detail), "Linux %s (%s)", u.release, u.machine);
		return;
	}
	/* the ring buffer and CAP_BPF arrived in 5.8; the ring buffer check says for sure */
	c->status = DOCTOR_WARN;
	snprintf(c->detail, sizeof(c->detail),
		 "Linux %s (%s): ebpfrec needs 5.8 or later (BPF ring buffer)", u.release, u.machine);
	snprintf(c->fix, sizeof(c->fix), "boot a Linux 5.8 or later kernel");
}

static void check_btf(struct doctor_report *r)
{
	struct doctor_check *c = add_check(r, "btf");
	const char *path = "/sys/kernel/btf/vmlinux";
	struct stat st;

	if (stat(path, &st) == 0 && access(path, R_OK) == 0) {
		c->status = DOCTOR_OK;
		snprintf(c->detail, sizeof(c->detail), "%s (%lld KiB)", path, (long long)st.st_size / 1024);
		return;
	}
	c->status = DOCTOR_FAIL;
	snprintf(c->detail, sizeof(c->detail),
		 "%s: %s; ebpfrec's programs find kernel struct fields through the kernel's BTF",
		 path, strerror(errno));
	snprintf(c->fix, sizeof(c->fix), "boot a kernel built with CONFIG_DEBUG_INFO_BTF=y");
}

static uint64_t cap_eff(void)
{
	char line[256];
	unsigned long long v = 0;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &v) == 1)
			break;
	if (f)
		fclose(f);
	return v;
}

static int has_cap(uint64_t caps, unsigned cap)
{
	return (caps >> cap) & 1;
}

static void self_path(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);

	if (n > 0)
		buf[n] = 0;
	else
		ebr_strlcpy(buf, "$(command -v ebpfrec)", len);
}

static void check_privileges(struct doctor_report *r)
{
	struct doctor_check *c = add_check(r, "privileges");
	uint64_t caps = r->cap_eff = cap_eff();
	int bpf = has_cap(caps, DOC_CAP_BPF), perfmon = has_cap(caps, DOC_CAP_PERFMON);
	int admin = has_cap(caps, DOC_CAP_SYS_ADMIN);
	char have[96] = "", exe[PATH_MAX];

	r->euid = (uint32_t)geteuid();
	snprintf(have, sizeof(have), "%s%s%s", bpf ? "CAP_BPF " : "", perfmon ? "CAP_PERFMON " : "",
		 admin ? "CAP_SYS_ADMIN " : "");
	if (have[0])
		have[strlen(have) - 1] = 0;
	/* CAP_SYS_ADMIN stands in for both; without it, both are needed */
	if (admin || (bpf && perfmon)) {
		c->status = DOCTOR_OK;
		snprintf(c->detail, sizeof(c->detail), "uid %u; effective: %s", r->euid, have);
		return;
	}
	snprintf(r->missing_caps, sizeof(r->missing_caps), "%s%s%s", bpf ? "" : "CAP_BPF",
		 !bpf && !perfmon ? ", " : "", perfmon ? "" : "CAP_PERFMON");
	c->status = DOCTOR_FAIL;
	snprintf(c->detail, sizeof(c->detail),
		 "uid %u; effective capabilities: %s; missing %s (or CAP_SYS_ADMIN): "
		 "loading tracing programs and reading kernel memory need them",
		 r->euid, have[0] ? have : "none", r->missing_caps);
	self_path(exe, sizeof(exe));
	snprintf(c->fix, sizeof(c->fix),
		 "run as root (sudo ebpfrec ...), or grant them: sudo setcap cap_bpf,cap_perfmon+ep %.150s",
		 exe);
}

static void check_unprivileged_bpf(struct doctor_report *r)
{
	struct doctor_check *c = add_check(r, "unprivileged_bpf");
	char v[32];
	int err = read_line("/proc/sys/kernel/unprivileged_bpf_disabled", v, sizeof(v));

	if (err) {
		c->status = DOCTOR_ABSENT;
		snprintf(c->detail, sizeof(c->detail), "kernel.unprivileged_bpf_disabled: %s", strerror(-err));
		return;
	}
	c->status = DOCTOR_INFO;
	if (!strcmp(v, "0"))
		snprintf(c->detail, sizeof(c->detail),
			 "kernel.unprivileged_bpf_disabled = 0: users may load socket filters; "
			 "tracing always needs the capabilities above");
	else if (!strcmp(v, "1"))
		snprintf(c->detail, sizeof(c->detail),
			 "kernel.unprivileged_bpf_disabled = 1: BPF needs privileges (until reboot); "
			 "ebpfrec needs them anyway");
	else
		snprintf(c->detail, sizeof(c->detail),
			 "kernel.unprivileged_bpf_disabled = %s: BPF needs privileges; ebpfrec needs them anyway", v);
}

/* lockdown= on the kernel command line, if any. */
static int cmdline_lockdown(char *buf, size_t len)
{
	char line[4096], *p;

	if (read_line("/proc/cmdline", line, sizeof(line)))
		return 0;
	for (p = strstr(line, "lockdown="); p; p = strstr(p + 1, "lockdown="))
		if (p == line || p[-1] == ' ') {
			snprintf(buf, len, "%.*s", (int)strcspn(p + 9, " "), p + 9);
			return 1;
		}
	return 0;
}

static void check_lockdown(struct doctor_report *r)
{
	struct doctor_check *c = add_check(r, "lockdown");
	char line[128], mode[32] = "", boot[32];
	const char *open_b, *close_b;
	int err = read_line("/sys/kernel/security/lockdown", line, sizeof(line));

	if (err) {
		c->status = DOCTOR_INFO;
		if (!fs_is("/sys/kernel/security", SECURITYFS_MAGIC)) {
			int on_cmdline = cmdline_lockdown(boot, sizeof(boot));

			snprintf(c->detail, sizeof(c->detail), "unknown: securityfs is not mounted%s%s",
				 on_cmdline ? "; kernel command line: lockdown=" : "", on_cmdline ? boot : "");
			snprintf(c->fix, sizeof(c->fix),
				 "to see it: mount -t securityfs securityfs /sys/kernel/security");
		} else {
			snprintf(c->detail, sizeof(c->detail), "none (this kernel has no lockdown LSM)");
		}
		return;
	}
	open_b = strchr(line, '[');
	close_b = open_b ? strchr(open_b, ']') : NULL;
	if (open_b && close_b)
		snprintf(mode, sizeof(mode), "%.*s", (int)(close_b - open_b - 1), open_b + 1);
	else
		snprintf(mode, sizeof(mode), "%.31s", line);
	if (!strcmp(mode, "confidentiality")) {
		/* bpf_probe_read_kernel is withheld: every program reading task fields is refused */
		c->status = DOCTOR_WARN;
		snprintf(c->detail, sizeof(c->detail),
			 "confidentiality: BPF may not read kernel memory; the probe test shows what loads");
		snprintf(c->fix, sizeof(c->fix),
			 "boot with lockdown=integrity (or without lockdown) to record");
		return;
	}
	c->status = DOCTOR_OK;
	snprintf(c->detail, sizeof(c->detail), "%s%s", mode,
		 !strcmp(mode, "integrity") ? ": BPF may read kernel memory, not write it (ebpfrec only reads)" : "");
}

static void check_bpffs(struct doctor_report *r)
{
	struct doctor_check *c = add_check(r, "bpffs");

	if (fs_is("/sys/fs/bpf", BPF_FS_MAGIC)) {
		c->status = DOCTOR_OK;
		snprintf(c->detail, sizeof(c->detail), "mounted at /sys/fs/bpf");
		return;
	}
	c->status = DOCTOR_ABSENT;
	snprintf(c->detail, sizeof(c->detail),
		 "not mounted at /sys/fs/bpf; ebpfrec pins nothing, bpftool and other tools use it");
	snprintf(c->fix, sizeof(c->fix), "mount -t bpf bpf /sys/fs/bpf");
}

static void check_tracefs(struct doctor_report *r)
{
	struct doctor_check *c = add_check(r, "tracefs");
	static const char *const where[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };

	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++)
		if (fs_is(where[i], TRACEFS_MAGIC)) {
			c->status = DOCTOR_OK;
			snprintf(c->detail, sizeof(c->detail), "mounted at %s", where[i]);
			return;
		}
	c->status = DOCTOR_ABSENT;
	snprintf(c->detail, sizeof(c->detail),
		 "not mounted; ebpfrec attaches raw tracepoints by name and does not need it "
		 "(trace_pipe and perf do)");
	snprintf(c->fix, sizeof(c->fix), "mount -t tracefs tracefs /sys/kernel/tracing");
}

static void check_cgroup2(struct doctor_report *r)
{
	struct doctor_check *c = add_check(r, "cgroup2");
	char root[512];

	if (rec_cgroup2_root(root, sizeof(root))) {
		c->status = DOCTOR_OK;
		snprintf(c->detail, sizeof(c->detail), "mounted at %.200s%s", root,
			 strcmp(root, "/sys/fs/cgroup") ? " (hybrid hierarchy)" : "");
		return;
	}
	c->status = DOCTOR_WARN;
	snprintf(c->detail, sizeof(c->detail),
		 "no cgroup v2 mount: events keep their cgroup ids, but containers and pods cannot be named");
	snprintf(c->fix, sizeof(c->fix),
		 "mkdir -p /sys/fs/cgroup/unified && mount -t cgroup2 cgroup2 /sys/fs/cgroup/unified");
}

static void check_ringbuf(struct doctor_report *r)
{
	struct doctor_check *c = add_check(r, "ringbuf");
	long page = sysconf(_SC_PAGESIZE);
	int fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "ebr_doctor", 0, 0,
				(uint32_t)(page > 0 ? page : 4096), NULL);
	int err = fd < 0 ? errno : 0;

	if (fd >= 0) {
		close(fd);
		c->status = DOCTOR_OK;
		snprintf(c->detail, sizeof(c->detail), "created a BPF_MAP_TYPE_RINGBUF map");
		return;
	}
	c->status = DOCTOR_FAIL;
	snprintf(c->detail, sizeof(c->detail), "cannot create a BPF_MAP_TYPE_RINGBUF map: %s", strerror(err));
	if (err == EPERM || err == EACCES)
		snprintf(c->fix, sizeof(c->fix), "%s",
			 r->missing_caps[0] ? "see privileges above" : "see lockdown above, or a security module (dmesg)");
	else if (err == EINVAL || err == ENOTSUP || err == EOPNOTSUPP)
		snprintf(c->fix, sizeof(c->fix), "boot Linux 5.8 or later (BPF ring buffer)");
	else if (err == ENOSYS)
		snprintf(c->fix, sizeof(c->fix), "boot a kernel built with CONFIG_BPF_SYSCALL=y");
}

int doctor__run(struct doctor_report *r, const struct doctor_opts *o)
{
	unsigned families = o && o->families ? o->families
					      : EBR_FAMILY_BIT(EBR_FAM_PROCESS) | EBR_FAMILY_BIT(EBR_FAM_SYSCALL) |
							EBR_FAMILY_BIT(EBR_FAM_NETWORK) | EBR_FAMILY_BIT(EBR_FAM_MEMORY) |
							EBR_FAMILY_BIT(EBR_FAM_FILE);

	if (o && o->sz < sizeof(*o))
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	check_kernel(r);
	check_btf(r);
	check_privileges(r);
	check_unprivileged_bpf(r);
	check_lockdown(r);
	check_bpffs(r);
	check_tracefs(r);
	check_cgroup2(r);
	check_ringbuf(r);
	doctor__check_kprobes(add_check(r, "kprobes"));
	doctor__check_fentry(add_check(r, "fentry"));
	if (o && o->skip_probes) {
		r->can_record = 1;
		for (size_t i = 0; i < r->n_checks; i++)
			if (r->checks[i].status == DOCTOR_FAIL)
				r->can_record = 0;
		return 0;
	}
	doctor__probe_test(r, families, o ? o->verbose : 0);
	return 0;
}
