// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The benchmark workload: a known number of system calls and process
 * events, so a tracer's capture can be checked for loss exactly.
 *
 * Everything measured happens between two marker calls, getpgid(0) — a call
 * the workload makes nowhere else — and every call in between is counted
 * here as it is made. Calls go straight to the kernel (syscall(2) or glibc
 * wrappers that are one call each); forked children exec a static program
 * that makes exactly one call (exit_group). Setup (files, the listening
 * socket) happens before the first marker, reporting after the last.
 *
 * What a tracer should see in the window, from the tally printed as JSON:
 *   entered+returned calls  "calls"      (raw_syscalls: an enter and an exit each)
 *   entered only            "no_return"  (exit_group)
 *   returned only           "return_only" (a clone child's return to user space)
 *   sched_process_fork/exec/exit  "forks" "execs" "exits"
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PROCS 64

struct tally {
	uint64_t calls, no_return, return_only;
	uint64_t forks, execs, exits;
	uint64_t storm, sleeps;
};

struct opts {
	long files, writes, forks, tcp, mmaps, storm;
	double rate;
	int procs;
	const char *exit0, *dir;
};

static struct tally t;

static void die(const char *what)
{
	fprintf(stderr, "workload: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* vDSO: no system call */
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* CPU seconds of this process and its reaped children: a tracer's own share is its total minus this. */
static double cpu_seconds(void)
{
	struct rusage self, kids;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	return (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec + kids.ru_utime.tv_sec + kids.ru_stime.tv_sec) +
	       (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec + kids.ru_utime.tv_usec +
			kids.ru_stime.tv_usec) / 1e6;
}

static void marker(void)
{
	syscall(SYS_getpgid, 0);
}

/* ------------------------------------------------------------ parts */

static void files_part(long n, const char *path)
{
	char buf[4096];

	for (long i = 0; i < n; i++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		if (fd < 0 || read(fd, buf, sizeof(buf)) <= 0)
			die("open/read");
		close(fd);
	}
	t.calls += 3 * (uint64_t)n;
}

static void writes_part(long n, const char *path)
{
	char buf[1024];

	memset(buf, 'w', sizeof(buf));
	for (long i = 0; i < n; i++) {
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		if (fd < 0 || write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			die("open/write");
		close(fd);
	}
	t.calls += 3 * (uint64_t)n;
}

/* A child by a bare clone: glibc's fork would add calls of its own. */
static long bare_fork(void)
{
	long pid = syscall(SYS_clone, (unsigned long)SIGCHLD, 0UL, 0UL, 0UL, 0UL);

	if (pid < 0)
		die("clone");
	return pid;
}

static void reap(long pid)
{
	int status;

	if (syscall(SYS_wait4, pid, &status, 0, NULL) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		die("child failed");
}

static void forks_part(long n, const char *exit0)
{
	char *argv[] = { (char *)exit0, NULL }, *envp[] = { NULL };

	for (long i = 0; i < n; i++) {
		long pid = bare_fork();

		if (pid == 0) {
			syscall(SYS_execve, exit0, argv, envp);
			syscall(SYS_exit_group, 127);
		}
		reap(pid);
	}
	/* parent: clone + wait4; child: clone's return, execve, exit_group */
	t.calls += 3 * (uint64_t)n;
	t.return_only += (uint64_t)n;
	t.no_return += (uint64_t)n;
	t.forks += (uint64_t)n;
	t.execs += (uint64_t)n;
	t.exits += (uint64_t)n;
}

static int tcp_listener(struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);
	int one = 1, l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(l, (void *)a, len) || listen(l, 128) || getsockname(l, (void *)a, &len))
		die("listener");
	return l;
}

static void tcp_part(long n, int l, const struct sockaddr_in *a)
{
	char buf[64];

	memset(buf, 't', sizeof(buf));
	for (long i = 0; i < n; i++) {
		int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), s;

		if (c < 0 || connect(c, (const void *)a, sizeof(*a)))
			die("connect");
		s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
		if (s < 0 || send(c, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf) ||
		    recv(s, buf, sizeof(buf), MSG_WAITALL) != (ssize_t)sizeof(buf))
			die("accept/send/recv");
		/* the server side closes first, so no client port lingers in TIME_WAIT */
		close(s);
		close(c);
	}
	t.calls += 7 * (uint64_t)n;
}

static void mmap_part(long n)
{
	size_t len = 4 * 4096;

	for (long i = 0; i < n; i++) {
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			die("mmap");
		for (size_t off = 0; off < len; off += 4096)
			p[off] = 1;
		if (munmap(p, len))
			die("munmap");
	}
	t.calls += 2 * (uint64_t)n;
}

/*
 * n getppid calls, at rate per second when rate > 0: the clock (vDSO) is
 * read every 64 calls and the process sleeps while ahead of schedule.
 * Returns how many sleeps (clock_nanosleep calls) that took.
 */
static uint64_t storm_loop(long n, double rate)
{
	uint64_t t0 = now_ns(), sleeps = 0;

	for (long i = 0; i < n; i++) {
		syscall(SYS_getppid);
		if (rate > 0 && !(i & 63)) {
			uint64_t due = t0 + (uint64_t)((double)i * 1e9 / rate);

			if (now_ns() < due) {
				struct timespec ts = { .tv_sec = (time_t)(due / 1000000000ULL),
						       .tv_nsec = (long)(due % 1000000000ULL) };

				syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
				sleeps++;
			}
		}
	}
	return sleeps;
}

static void storm_part(long n, double rate, int procs, uint64_t *shared)
{
	long pids[MAX_PROCS];

	if (procs <= 1) {
		uint64_t sleeps = storm_loop(n, rate);

		t.calls += (uint64_t)n + sleeps;
		t.sleeps += sleeps;
		t.storm += (uint64_t)n;
		return;
	}
	for (int p = 0; p < procs; p++) {
		long share = n / procs + (p < n % procs ? 1 : 0);

		pids[p] = bare_fork();
		if (pids[p] == 0) {
			shared[p] = storm_loop(share, rate / procs);
			syscall(SYS_exit_group, 0);
		}
	}
	for (int p = 0; p < procs; p++)
		reap(pids[p]);
	/* parent: clone + wait4 each; children: clone's return, the loop, exit_group */
	t.calls += 2 * (uint64_t)procs + (uint64_t)n;
	for (int p = 0; p < procs; p++) {
		t.calls += shared[p];
		t.sleeps += shared[p];
	}
	t.return_only += (uint64_t)procs;
	t.no_return += (uint64_t)procs;
	t.forks += (uint64_t)procs;
	t.exits += (uint64_t)procs;
	t.storm += (uint64_t)n;
}

/* ------------------------------------------------------------ main */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: bench_workload [OPTIONS]\n\n"
		"Make a known number of system calls and process events, then print a JSON\n"
		"tally of what was done between the two getpgid(0) markers.\n\n"
		"  --files N     open + read + close of one small file, N times (3 calls each)\n"
		"  --writes N    open(O_TRUNC) + write 1 KiB + close, N times (3 calls each)\n"
		"  --forks N     clone + exec of a static no-op + wait4, N times\n"
		"  --tcp N       loopback TCP: socket, connect, accept4, send, recv, close x2 (7 each)\n"
		"  --mmap N      mmap 16 KiB anonymous, touch, munmap, N times (2 each)\n"
		"  --storm N     N getppid calls (the cheapest call: a syscall storm)\n"
		"  --rate R      storm pace, calls/s over all storm processes (default: flat out)\n"
		"  --procs P     storm split over P child processes (default 1: this process)\n"
		"  --exit0 PATH  the static no-op the forks exec (default: bench_exit0 beside this)\n"
		"  --dir DIR     where the files go (default: a new directory under /tmp)\n\n"
		"example: bench_workload --files 20000 --forks 500 --tcp 2000\n");
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "files", required_argument, NULL, 'f' }, { "writes", required_argument, NULL, 'w' },
		{ "forks", required_argument, NULL, 'x' }, { "tcp", required_argument, NULL, 't' },
		{ "mmap", required_argument, NULL, 'm' }, { "storm", required_argument, NULL, 's' },
		{ "rate", required_argument, NULL, 'r' }, { "procs", required_argument, NULL, 'p' },
		{ "exit0", required_argument, NULL, 'e' }, { "dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' }, { 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': o->files = atol(optarg); break;
		case 'w': o->writes = atol(optarg); break;
		case 'x': o->forks = atol(optarg); break;
		case 't': o->tcp = atol(optarg); break;
		case 'm': o->mmaps = atol(optarg); break;
		case 's': o->storm = atol(optarg); break;
		case 'r': o->rate = atof(optarg); break;
		case 'p': o->procs = atoi(optarg); break;
		case 'e': o->exit0 = optarg; break;
		case 'd': o->dir = optarg; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (o->files < 0 || o->writes < 0 || o->forks < 0 || o->tcp < 0 || o->mmaps < 0 || o->storm < 0 ||
	    o->rate < 0 || o->procs < 0 || o->procs > MAX_PROCS || optind != argc) {
		usage(stderr);
		return -1;
	}
	return 0;
}

/* bench_exit0 in the directory of this program */
static char *default_exit0(void)
{
	static char path[4096];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 16);
	char *slash;

	if (n <= 0)
		die("readlink /proc/self/exe");
	path[n] = 0;
	slash = strrchr(path, '/');
	strcpy(slash ? slash + 1 : path, "bench_exit0");
	return path;
}

int main(int argc, char **argv)
{
	struct opts o = { .procs = 1 };
	char dirbuf[] = "/tmp/ebpfrec-bench-XXXXXX", rpath[4200], wpath[4200];
	struct sockaddr_in addr;
	uint64_t *shared, t0, t1;
	int l = -1, fd;

	if (parse(argc, argv, &o))
		return 2;
	if (!o.exit0)
		o.exit0 = default_exit0();
	if (o.forks && access(o.exit0, X_OK))
		die(o.exit0);
	if (!o.dir && (o.files || o.writes) && !(o.dir = mkdtemp(dirbuf)))
		die("mkdtemp");
	/* setup, outside the window */
	prctl(PR_SET_TIMERSLACK, 1000UL); /* pacing sleeps end on time */
	shared = mmap(NULL, MAX_PROCS * sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		      -1, 0);
	if (shared == MAP_FAILED)
		die("mmap");
	if (o.files) {
		char data[1024];

		snprintf(rpath, sizeof(rpath), "%s/read.dat", o.dir);
		memset(data, 'r', sizeof(data));
		fd = open(rpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, data, sizeof(data)) != (ssize_t)sizeof(data) || close(fd))
			die(rpath);
	}
	snprintf(wpath, sizeof(wpath), "%s/write.dat", o.dir ? o.dir : "/tmp");
	if (o.tcp)
		l = tcp_listener(&addr);

	marker();
	t0 = now_ns();
	files_part(o.files, rpath);
	writes_part(o.writes, wpath);
	forks_part(o.forks, o.exit0);
	tcp_part(o.tcp, l, &addr);
	mmap_part(o.mmaps);
	if (o.storm)
		storm_part(o.storm, o.rate, o.procs, shared);
	t1 = now_ns();
	marker();

	if (l >= 0)
		close(l);
	if (o.files)
		unlink(rpath);
	if (o.writes)
		unlink(wpath);
	if (o.dir == dirbuf)
		rmdir(dirbuf);
	printf("{\"pid\": %d, \"seconds\": %.6f, \"cpu_s\": %.6f, \"calls\": %llu, \"no_return\": %llu, \"return_only\": %llu, "
	       "\"forks\": %llu, \"execs\": %llu, \"exits\": %llu, \"storm\": %llu, \"sleeps\": %llu, "
	       "\"parts\": {\"files\": %ld, \"writes\": %ld, \"forks\": %ld, \"tcp\": %ld, \"mmap\": %ld, "
	       "\"storm\": %ld, \"rate\": %.0f, \"procs\": %d}}\n",
	       (int)getpid(), (double)(t1 - t0) / 1e9, cpu_seconds(), (unsigned long long)t.calls,
	       (unsigned long long)t.no_return, (unsigned long long)t.return_only, (unsigned long long)t.forks,
	       (unsigned long long)t.execs, (unsigned long long)t.exits, (unsigned long long)t.storm,
	       (unsigned long long)t.sleeps, o.files, o.writes, o.forks, o.tcp, o.mmaps, o.storm, o.rate,
	       o.procs);
	return 0;
}
