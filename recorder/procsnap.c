// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "events.h"
#include "procsnap.h"

#define PF_KTHREAD 0x00200000

static ssize_t read_small(int dirfd, const char *name, char *buf, size_t len)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	ssize_t n, total = 0;

	if (fd < 0)
		return -errno;
	while ((size_t)total < len - 1 && (n = read(fd, buf + total, len - 1 - (size_t)total)) > 0)
		total += n;
	close(fd);
	buf[total] = 0;
	return total;
}

static uint32_t ns_inode(int dirfd, const char *link)
{
	char buf[64];
	ssize_t n = readlinkat(dirfd, link, buf, sizeof(buf) - 1);
	char *open_br;

	if (n <= 0)
		return 0;
	buf[n] = 0;
	open_br = strchr(buf, '[');
	return open_br ? (uint32_t)strtoul(open_br + 1, NULL, 10) : 0;
}

/* cgroup v2 path from "0::/path"; and its id, which is the directory's inode. */
static uint64_t cgroup_of(int dirfd, const char *root, char *path, size_t len)
{
	char buf[4096];
	char full[4700];
	struct stat st;
	char *line;

	path[0] = 0;
	if (read_small(dirfd, "cgroup", buf, sizeof(buf)) <= 0)
		return 0;
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		if (!strncmp(line, "0::", 3)) {
			snprintf(path, len, "%s", line + 3);
			break;
		}
	if (!path[0] || !root)
		return 0;
	snprintf(full, sizeof(full), "%s%s", root, path);
	return stat(full, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

/* /proc/PID/stat: the comm may hold spaces and parentheses; parse after the last ')'. */
static int parse_stat(const char *buf, uint32_t *ppid, uint32_t *flags, uint64_t *start_ticks)
{
	const char *p = strrchr(buf, ')');
	unsigned long long v[20];
	char state;

	if (!p)
		return -EINVAL;
	/* fields 3.. : state ppid pgrp session tty tpgid flags ... starttime is field 22 */
	if (sscanf(p + 2, "%c %llu %*d %*d %*d %*d %llu %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
		   &state, &v[0], &v[1], &v[2]) != 4)
		return -EINVAL;
	*ppid = (uint32_t)v[0];
	*flags = (uint32_t)v[1];
	*start_ticks = v[2];
	return 0;
}

static void status_ids(int dirfd, uint32_t *uid, uint32_t *gid)
{
	char buf[4096];
	char *p;

	if (read_small(dirfd, "status", buf, sizeof(buf)) <= 0)
		return;
	p = strstr(buf, "\nUid:");
	if (p)
		*uid = (uint32_t)strtoul(p + 5, NULL, 10);
	p = strstr(buf, "\nGid:");
	if (p)
		*gid = (uint32_t)strtoul(p + 5, NULL, 10);
}

static void add_process(struct ebr_buf *out, int dirfd, const char *cg_root, uint32_t pid,
			uint64_t now, long ticks)
{
	char stat_buf[1024], comm[64], exe[4096], cmdline[4096], cg[4096];
	struct ebr_proc_info *e;
	uint32_t ppid = 0, flags = 0;
	uint64_t start_ticks = 0;
	ssize_t n, cmd_len;
	size_t off;

	if (read_small(dirfd, "stat", stat_buf, sizeof(stat_buf)) <= 0 ||
	    parse_stat(stat_buf, &ppid, &flags, &start_ticks))
		return; /* the process exited while we looked */
	off = ebr_rec__begin(out, sizeof(*e));
	e = ebr_rec__at(out, off);
	if (!e)
		return;
	e->hdr.ts = now;
	e->hdr.type = EBR_T_PROC_INFO;
	e->hdr.pid = e->hdr.tid = pid;
	e->hdr.ppid = ppid;
	status_ids(dirfd, &e->hdr.uid, &e->hdr.gid);
	e->hdr.pidns = ns_inode(dirfd, "ns/pid");
	e->hdr.mntns = ns_inode(dirfd, "ns/mnt");
	e->hdr.cgroup_id = cgroup_of(dirfd, cg_root, cg, sizeof(cg));
	n = read_small(dirfd, "comm", comm, sizeof(comm));
	if (n > 0 && comm[n - 1] == '\n')
		comm[--n] = 0;
	memcpy(e->hdr.comm, comm, n > 0 ? ((size_t)n < EBR_COMM_LEN ? (size_t)n : EBR_COMM_LEN) : 0);
	e->start_ns = ticks > 0 ? start_ticks * (1000000000ULL / (uint64_t)ticks) : 0;
	e->flags = (flags & PF_KTHREAD) ? EBR_PROC_KTHREAD : 0;

	n = readlinkat(dirfd, "exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = 0;
	cmd_len = read_small(dirfd, "cmdline", cmdline, sizeof(cmdline));
	if (cmd_len > 0 && cmdline[cmd_len - 1] == 0)
		cmd_len--;
	ebr_rec__add_str(out, off, offsetof(struct ebr_proc_info, exe), exe, n > 0 ? (size_t)n : 0);
	ebr_rec__add_str(out, off, offsetof(struct ebr_proc_info, cmdline), cmdline,
			 cmd_len > 0 ? (size_t)cmd_len : 0);
	ebr_rec__add_str(out, off, offsetof(struct ebr_proc_info, cgroup), cg, strlen(cg));
	ebr_rec__end(out, off);
}

int procsnap__collect(struct ebr_buf *out, const char *proc_root, const char *cgroup2_root,
		      uint64_t now_boot_ns)
{
	long ticks = sysconf(_SC_CLK_TCK);
	DIR *d = opendir(proc_root);
	struct dirent *de;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		int pfd;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pfd < 0)
			continue;
		add_process(out, pfd, cgroup2_root, (uint32_t)strtoul(de->d_name, NULL, 10), now_boot_ns,
			    ticks);
		close(pfd);
	}
	closedir(d);
	return out->err;
}

struct pp {
	uint32_t pid, ppid;
};

int procsnap__descendants(const char *proc_root, uint32_t pid, uint32_t **out)
{
	DIR *d = opendir(proc_root);
	struct pp *all = NULL;
	size_t n = 0, cap = 0, n_out = 1;
	uint32_t *res = malloc(sizeof(*res));
	struct dirent *de;

	if (!d || !res) {
		int err = d ? -ENOMEM : -errno;

		if (d)
			closedir(d);
		free(res);
		return err;
	}
	res[0] = pid;
	while ((de = readdir(d))) {
		char stat_buf[1024];
		uint32_t ppid, flags;
		uint64_t start;
		int pfd;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pfd < 0)
			continue;
		if (read_small(pfd, "stat", stat_buf, sizeof(stat_buf)) > 0 &&
		    !parse_stat(stat_buf, &ppid, &flags, &start)) {
			if (n == cap) {
				void *m = realloc(all, (cap = cap ? cap * 2 : 256) * sizeof(*all));

				if (!m) {
					close(pfd);
					break;
				}
				all = m;
			}
			all[n++] = (struct pp){ (uint32_t)strtoul(de->d_name, NULL, 10), ppid };
		}
		close(pfd);
	}
	closedir(d);
	/* breadth first: res grows as children of its members are found */
	for (size_t i = 0; i < n_out; i++)
		for (size_t k = 0; k < n; k++)
			if (all[k].ppid == res[i] && all[k].pid != res[i]) {
				void *m = realloc(res, (n_out + 1) * sizeof(*res));

				if (!m)
					break;
				res = m;
				res[n_out++] = all[k].pid;
			}
	free(all);
	*out = res;
	return (int)n_out;
}
