// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A workload whose kernel-visible effects are known exactly, one part per
 * event family. It writes what it did (paths, ports, sizes) as key=value
 * lines to the file named by argv[1], for the test to compare against the
 * capture. Everything runs in this one process, so the test can select it
 * by pid.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define N_FILES 5
#define N_CONN 3
#define N_UDP 4

static FILE *facts;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void file_part(const char *dir)
{
	char path[256], buf[4096];

	for (int i = 0; i < N_FILES; i++) {
		size_t n = 1000 + (size_t)i;
		int fd;

		snprintf(path, sizeof(path), "%s/file-%d.dat", dir, i);
		fd = open(path, O_CREAT | O_RDWR | O_TRUNC | O_CLOEXEC, 0640);
		if (fd < 0)
			die("open");
		memset(buf, 'a' + i, n);
		if (write(fd, buf, n) != (ssize_t)n || pread(fd, buf, 4096, 0) != (ssize_t)n)
			die("write/pread");
		close(fd);
		fprintf(facts, "file=%s fd=%d bytes=%zu\n", path, fd, n);
	}
}

static void syscall_part(void)
{
	/* failures with known errnos, through the raw syscalls */
	if (syscall(SYS_openat, AT_FDCWD, "/nonexistent-ebpfrec/x", O_RDONLY) != -1 || errno != ENOENT)
		die("expected ENOENT");
	if (syscall(SYS_close, 9999) != -1 || errno != EBADF)
		die("expected EBADF");
	fprintf(facts, "enoent=openat ebadf=close\n");
}

static void exec_part(void)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		char *argv[] = { "/nonexistent-ebpfrec/prog", "arg1", NULL };

		execv(argv[0], argv); /* fails with ENOENT */
		_exit(errno == ENOENT ? 42 : 1);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || WEXITSTATUS(status) != 42)
		die("failed exec child");
	fprintf(facts, "failed_exec_pid=%d\n", pid);
}

static void memory_part(void)
{
	size_t len = 5 * 4096 + 123;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	memset(p, 1, len);
	if (munmap(p, len))
		die("munmap");
	fprintf(facts, "mmap_addr=%llu mmap_len=%zu\n", (unsigned long long)(uintptr_t)p, len);
}

static int listener(int af, struct sockaddr_storage *ss, socklen_t *len)
{
	int s = socket(af, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(ss, 0, sizeof(*ss));
	if (af == AF_INET) {
		struct sockaddr_in *a = (void *)ss;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		*len = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (void *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		*len = sizeof(*a);
	}
	if (s < 0 || bind(s, (void *)ss, *len) || listen(s, 16) || getsockname(s, (void *)ss, len))
		die("listener");
	return s;
}

static int port_of(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET ? ntohs(((const struct sockaddr_in *)ss)->sin_port)
					: ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

static void full_io(int fd, char *buf, size_t n, int writing)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r = writing ? write(fd, buf + done, n - done) : read(fd, buf + done, n - done);

		if (r <= 0)
			die("tcp io");
		done += (size_t)r;
	}
}

static void tcp_part(int af)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int l = listener(af, &ss, &len);
	char buf[65536];

	for (int i = 0; i < N_CONN; i++) {
		size_t up = 10000 + 1000 * (size_t)i, down = 20000 + 100 * (size_t)i;
		int c = socket(af, SOCK_STREAM | SOCK_CLOEXEC, 0), a;

		if (c < 0 || connect(c, (void *)&ss, len))
			die("connect");
		a = accept(l, NULL, NULL);
		if (a < 0)
			die("accept");
		memset(buf, 'x', sizeof(buf));
		full_io(c, buf, up, 1);
		full_io(a, buf, up, 0);
		full_io(a, buf, down, 1);
		full_io(c, buf, down, 0);
		close(c); /* client closes first: it goes to TIME_WAIT, the server to LAST_ACK */
		if (read(a, buf, 1) != 0)
			die("expected EOF");
		close(a);
		fprintf(facts, "tcp af=%d port=%d up=%zu down=%zu\n", af == AF_INET ? 4 : 6,
			port_of(&ss), up, down);
	}
	close(l);
}

static void refused_part(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int l = listener(AF_INET, &ss, &len), c;

	close(l); /* the port is now closed: connect is refused */
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (connect(c, (void *)&ss, len) == 0 || errno != ECONNREFUSED)
		die("expected ECONNREFUSED");
	close(c);
	fprintf(facts, "refused_port=%d\n", port_of(&ss));
}

static void udp_part(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int r = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	char buf[2048];

	if (r < 0 || s < 0 || bind(r, (void *)&a, len) || getsockname(r, (void *)&a, &len))
		die("udp");
	memset(buf, 'u', sizeof(buf));
	for (int i = 0; i < N_UDP; i++) {
		size_t n = 100 + 10 * (size_t)i;
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);

		if (sendto(s, buf, n, 0, (void *)&a, len) != (ssize_t)n ||
		    recvfrom(r, buf, sizeof(buf), 0, (void *)&from, &flen) != (ssize_t)n)
			die("udp io");
		fprintf(facts, "udp port=%d bytes=%zu\n", ntohs(a.sin_port), n);
	}
	close(r);
	close(s);
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/ebpfrec-wl-XXXXXX";
	char cmd[128];

	if (argc < 2)
		return 2;
	facts = fopen(argv[1], "w");
	if (!facts || !mkdtemp(dir))
		die("setup");
	fprintf(facts, "pid=%d\n", getpid());
	file_part(dir);
	syscall_part();
	exec_part();
	memory_part();
	tcp_part(AF_INET);
	tcp_part(AF_INET6);
	refused_part();
	udp_part();
	/* TCP closes complete in softirq after close(): give them time to land */
	usleep(300000);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	fclose(facts);
	return system(cmd) == 0 ? 0 : 1;
}
