// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `ebpfrec doctor --list`: every BPF program loaded on the system, with
 * where it is attached (from the links that hold it), who holds it (from
 * /proc/PID/fdinfo), its run statistics, and whether it is one of ours.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "doctor.h"
#include "families.h"
#include "internal.h"

#define KERNEL_NAME_MAX (BPF_OBJ_NAME_LEN - 1) /* the kernel keeps 15 bytes of a name */

#define MAX_OUR_PROGS 32

struct our_names {
	char v[MAX_OUR_PROGS][64];
	size_t n;
};

/* Taken from the skeletons themselves, so they follow bpf/ without a list to maintain. */
static void our_names__load(struct our_names *on)
{
	on->n = 0;
	for (size_t i = 0; i < rec_n_objects; i++) {
		void *skel = rec_objects[i].open();
		struct bpf_program *prog;

		if (!skel)
			continue;
		bpf_object__for_each_program(prog, rec_objects[i].object(skel))
			if (on->n < MAX_OUR_PROGS)
				ebr_strlcpy(on->v[on->n++], bpf_program__name(prog), sizeof(on->v[0]));
		rec_objects[i].destroy(skel);
	}
}

static int our_names__has(const struct our_names *on, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < on->n; i++)
		if (!strcmp(on->v[i], name) || (len == KERNEL_NAME_MAX && !strncmp(on->v[i], name, len)))
			return 1;
	return 0;
}

int doctor__is_our_prog(const char *name)
{
	struct our_names on;

	our_names__load(&on);
	return our_names__has(&on, name);
}

/* Where links say a program is attached; indexed by program id through a small table. */
struct attach_note {
	uint32_t prog_id;
	char where[128];
};

struct attach_notes {
	struct attach_note *v;
	size_t n, cap;
};

static void note_attach(struct attach_notes *a, uint32_t prog_id, const char *where)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].prog_id == prog_id) {
			size_t used = strlen(a->v[i].where);

			/* one program, several links: list them all */
			snprintf(a->v[i].where + used, sizeof(a->v[i].where) - used, ", %s", where);
			return;
		}
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 32;
		struct attach_note *v = realloc(a->v, cap * sizeof(*v));

		if (!v)
			return;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n].prog_id = prog_id;
	ebr_strlcpy(a->v[a->n].where, where, sizeof(a->v[0].where));
	a->n++;
}

static void describe_link(int fd, const struct bpf_link_info *first, char *out, size_t len)
{
	const char *type = libbpf_bpf_link_type_str(first->type);
	struct bpf_link_info info;
	uint32_t info_len = sizeof(info);
	char name[96] = "", ifname[IF_NAMESIZE];

	switch (first->type) {
	case BPF_LINK_TYPE_RAW_TRACEPOINT:
	case BPF_LINK_TYPE_ITER:
		/* a second call, with room for the name (the same field in both) */
		memset(&info, 0, sizeof(info));
		info.raw_tracepoint.tp_name = (uint64_t)(uintptr_t)name;
		info.raw_tracepoint.tp_name_len = sizeof(name);
		if (bpf_obj_get_info_by_fd(fd, &info, &info_len))
			name[0] = 0;
		snprintf(out, len, "%s/%s", first->type == BPF_LINK_TYPE_ITER ? "iter" : "raw_tp", name);
		return;
	case BPF_LINK_TYPE_TRACING: {
		const char *at = libbpf_bpf_attach_type_str(first->tracing.attach_type);

		snprintf(out, len, "%s btf_id %u", at ? at : "tracing", first->tracing.target_btf_id);
		return;
	}
	case BPF_LINK_TYPE_CGROUP: {
		const char *at = libbpf_bpf_attach_type_str(first->cgroup.attach_type);

		snprintf(out, len, "%s cgroup %llu", at ? at : "cgroup",
			 (unsigned long long)first->cgroup.cgroup_id);
		return;
	}
	case BPF_LINK_TYPE_XDP:
		snprintf(out, len, "xdp %s", if_indextoname(first->xdp.ifindex, ifname) ? ifname : "?");
		return;
	case BPF_LINK_TYPE_NETNS: {
		const char *at = libbpf_bpf_attach_type_str(first->netns.attach_type);

		snprintf(out, len, "%s netns %u", at ? at : "netns", first->netns.netns_ino);
		return;
	}
	default:
		snprintf(out, len, "%s link", type ? type : "unknown");
	}
}

static int collect_links(struct attach_notes *a)
{
	uint32_t id = 0;

	while (!bpf_link_get_next_id(id, &id)) {
		struct bpf_link_info info;
		uint32_t len = sizeof(info);
		char where[128];
		int fd = bpf_link_get_fd_by_id(id);

		if (fd < 0) {
			if (errno == ENOENT)
				continue; /* went away meanwhile */
			return -errno;
		}
		memset(&info, 0, sizeof(info));
		if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
			describe_link(fd, &info, where, sizeof(where));
			note_attach(a, info.prog_id, where);
		}
		close(fd);
	}
	return errno == ENOENT ? 0 : -errno;
}

/* Processes holding a program, directly or through a link. */
struct owner {
	uint32_t prog_id;
	uint32_t pid;
	char comm[16];
};

struct owners {
	struct owner *v;
	size_t n, cap;
};

static void add_owner(struct owners *o, uint32_t prog_id, const char *comm, int pid)
{
	for (size_t i = 0; i < o->n; i++)
		if (o->v[i].prog_id == prog_id && o->v[i].pid == (uint32_t)pid)
			return; /* one process, several fds */
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 64;
		struct owner *v = realloc(o->v, cap * sizeof(*v));

		if (!v)
			return;
		o->v = v;
		o->cap = cap;
	}
	o->v[o->n].prog_id = prog_id;
	o->v[o->n].pid = (uint32_t)pid;
	ebr_strlcpy(o->v[o->n].comm, comm, sizeof(o->v[0].comm));
	o->n++;
}

static void scan_process(struct owners *o, int pid)
{
	char path[320], comm[32] = "?", target[64], line[128];
	DIR *d;
	struct dirent *de;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "r");
	if (f) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = 0;
		fclose(f);
	}
	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	while (d && (de = readdir(d))) {
		ssize_t n;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd/%s", pid, de->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = 0;
		if (strcmp(target, "anon_inode:bpf-prog") && strcmp(target, "anon_inode:bpf_link"))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", pid, de->d_name);
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f)) {
			unsigned id;

			if (sscanf(line, "prog_id: %u", &id) == 1)
				add_owner(o, id, comm, pid);
		}
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
}

static void collect_owners(struct owners *o)
{
	DIR *d = opendir("/proc");
	struct dirent *de;

	while (d && (de = readdir(d)))
		if (isdigit((unsigned char)de->d_name[0]))
			scan_process(o, atoi(de->d_name));
	if (d)
		closedir(d);
}

/* The name in the program's BTF, when the kernel's copy may have been cut. */
static void full_name(int fd, const struct bpf_prog_info *first, char *name, size_t len)
{
	struct bpf_func_info fi;
	struct bpf_prog_info info;
	uint32_t info_len = sizeof(info);
	struct btf *btf;
	const struct btf_type *t;
	const char *n;

	if (strlen(first->name) < KERNEL_NAME_MAX || !first->btf_id || !first->nr_func_info)
		return;
	memset(&info, 0, sizeof(info));
	info.nr_func_info = 1;
	info.func_info_rec_size = sizeof(fi);
	info.func_info = (uint64_t)(uintptr_t)&fi;
	if (bpf_obj_get_info_by_fd(fd, &info, &info_len))
		return;
	btf = btf__load_from_kernel_by_id(first->btf_id);
	if (!btf)
		return;
	t = btf__type_by_id(btf, fi.type_id);
	n = t ? btf__name_by_offset(btf, t->name_off) : NULL;
	if (n && *n && !strncmp(n, first->name, KERNEL_NAME_MAX))
		ebr_strlcpy(name, n, len);
	btf__free(btf);
}

static int stats_enabled(void)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "r");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static int describe_prog(uint32_t id, struct doctor_prog *dp, const struct attach_notes *a,
			 const struct owners *o, const struct our_names *on)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);
	const char *type;
	int fd = bpf_prog_get_fd_by_id(id), err;

	if (fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	err = bpf_obj_get_info_by_fd(fd, &info, &len) ? -errno : 0;
	if (err) {
		close(fd);
		return err;
	}
	memset(dp, 0, sizeof(*dp));
	dp->id = info.id;
	type = libbpf_bpf_prog_type_str(info.type);
	if (type)
		ebr_strlcpy(dp->type, type, sizeof(dp->type));
	else
		snprintf(dp->type, sizeof(dp->type), "type %u", info.type);
	ebr_strlcpy(dp->name, info.name, sizeof(dp->name));
	full_name(fd, &info, dp->name, sizeof(dp->name));
	close(fd);
	dp->uid = info.created_by_uid;
	dp->load_time_ns = info.load_time;
	dp->run_cnt = info.run_cnt;
	dp->run_time_ns = info.run_time_ns;
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].prog_id == id)
			ebr_strlcpy(dp->attach, a->v[i].where, sizeof(dp->attach));
	for (size_t i = 0; i < o->n && dp->n_owners < DOCTOR_MAX_OWNERS; i++)
		if (o->v[i].prog_id == id) {
			dp->owners[dp->n_owners].pid = o->v[i].pid;
			ebr_strlcpy(dp->owners[dp->n_owners].comm, o->v[i].comm, sizeof(dp->owners[0].comm));
			dp->n_owners++;
		}
	dp->ours = dp->name[0] && our_names__has(on, dp->name);
	return 0;
}

int doctor__list_progs(struct doctor_prog_list *l)
{
	struct attach_notes a = { 0 };
	struct owners o = { 0 };
	struct our_names on;
	size_t cap = 0;
	uint32_t id = 0;
	int err;

	memset(l, 0, sizeof(*l));
	l->stats_enabled = stats_enabled();
	err = collect_links(&a);
	if (err) {
		if (err == -EPERM)
			pr_err("listing BPF programs needs root (CAP_SYS_ADMIN)");
		else
			pr_err("cannot list BPF links: %s", strerror(-err));
		free(a.v);
		return err;
	}
	collect_owners(&o);
	our_names__load(&on);
	while (!bpf_prog_get_next_id(id, &id)) {
		if (l->n == cap) {
			struct doctor_prog *v = realloc(l->progs, (cap = cap ? cap * 2 : 32) * sizeof(*v));

			if (!v) {
				err = -ENOMEM;
				break;
			}
			l->progs = v;
		}
		err = describe_prog(id, &l->progs[l->n], &a, &o, &on);
		if (err == -ENOENT) {
			err = 0; /* unloaded meanwhile */
			continue;
		}
		if (err)
			break;
		l->n++;
	}
	if (!err && errno != ENOENT)
		err = -errno;
	free(a.v);
	free(o.v);
	if (err) {
		if (err == -EPERM)
			pr_err("listing BPF programs needs root (CAP_SYS_ADMIN)");
		else
			pr_err("cannot list BPF programs: %s", strerror(-err));
		doctor_prog_list__free(l);
	}
	return err;
}

void doctor_prog_list__free(struct doctor_prog_list *l)
{
	if (!l)
		return;
	free(l->progs);
	l->progs = NULL;
	l->n = 0;
}
