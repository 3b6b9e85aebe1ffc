// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * SQL over captures, measured: synthesizes captures, then reports
 *   - full scan: SELECT count(*), sum(pid) FROM events, rows/s (one core)
 *   - a time range touching 1% of the capture: time and segments read
 *   - export to SQLite: rows/s writing, index build time
 *   - peak RSS of a query process over the small and the large capture
 * Each measurement runs in a child process so RSS is the query's own.
 *
 * Mixes: "syscall" (default): 85% syscall events of a type the capture's
 * own schema defines (nr, ret, duration, three args), 15% fork/exit/exec;
 * "process": forks, exits and execs only (every fork a new process, so
 * the processes table is as large as it can get).
 *
 *   query_bench [--events N] [--small N] [--mix syscall|process] [--dir DIR] [--keep]
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ebpfrec/capture.h"
#include "ebpfrec/record_builder.h"
#include "events.h"
#include "layout.h"
#include "schema_internal.h"
#include "sql.h"

/* A syscall record as the syscall family might define it; described by the capture's schema. */
struct bench_syscall {
	struct ebr_event_header hdr;
	uint32_t nr;
	uint32_t pad;
	int64_t ret;
	uint64_t duration_ns;
	uint64_t args[3];
};

#define F(T, m, name, kind, hint) { name, kind, hint, offsetof(T, m), sizeof(((T *)0)->m) }
#define H(m, name, kind, hint) F(struct ebr_event_header, m, name, kind, hint)

static const struct ebr_field syscall_fields[] = {
	H(ts, "ts", EBR_FK_U64, EBR_FH_TS), H(size, "size", EBR_FK_U32, EBR_FH_HIDDEN),
	H(type, "type", EBR_FK_U16, EBR_FH_TYPE), H(cpu, "cpu", EBR_FK_U16, 0),
	H(pid, "pid", EBR_FK_U32, 0), H(tid, "tid", EBR_FK_U32, 0), H(ppid, "ppid", EBR_FK_U32, 0),
	H(uid, "uid", EBR_FK_U32, 0), H(gid, "gid", EBR_FK_U32, 0), H(pidns, "pidns", EBR_FK_U32, 0),
	H(cgroup_id, "cgroup", EBR_FK_U64, 0), H(mntns, "mntns", EBR_FK_U32, 0),
	H(flags, "hdr_flags", EBR_FK_U32, EBR_FH_HIDDEN), H(comm, "comm", EBR_FK_CHARS, 0),
	F(struct bench_syscall, nr, "nr", EBR_FK_U32, EBR_FH_SYSCALL),
	F(struct bench_syscall, ret, "ret", EBR_FK_S64, EBR_FH_ERRNO),
	F(struct bench_syscall, duration_ns, "duration", EBR_FK_U64, EBR_FH_DURATION),
	F(struct bench_syscall, args[0], "arg0", EBR_FK_U64, EBR_FH_HEX),
	F(struct bench_syscall, args[1], "arg1", EBR_FK_U64, EBR_FH_HEX),
	F(struct bench_syscall, args[2], "arg2", EBR_FK_U64, EBR_FH_HEX),
};

static int add_schema(struct ebr_writer *w)
{
	const struct ebr_schema *b = ebr_schema__builtin();
	struct ebr_schema s = {0};
	struct ebr_type *types = calloc(ebr_schema__type_count(b) + 1, sizeof(*types));
	size_t n = 0, len;
	void *buf;
	int err;

	if (!types)
		return -ENOMEM;
	for (size_t i = 0; i < ebr_schema__type_count(b); i++)
		if (ebr_schema__type_at(b, i)->id != EBR_T_SYSCALL)
			types[n++] = *ebr_schema__type_at(b, i);
	types[n++] = (struct ebr_type){ .name = "syscall", .family_name = "syscall", .id = EBR_T_SYSCALL,
					.family = EBR_FAM_SYSCALL, .fixed_size = sizeof(struct bench_syscall),
					.n_fields = sizeof(syscall_fields) / sizeof(syscall_fields[0]),
					.fields = syscall_fields };
	s.n_types = n;
	s.types = types;
	err = ebr_schema__serialize(&s, &buf, &len);
	free(types);
	if (!err)
		err = ebr_writer__add_meta(w, EBR_META_SCHEMA, buf, len);
	free(buf);
	return err;
}

#define SEGMENT_BYTES (4u << 20) /* the recorder's default segment size */

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void header(struct ebr_event_header *h, uint16_t type, uint64_t ts, uint32_t pid, uint32_t r)
{
	static const char *const comms[] = { "bash", "make", "cc1", "sshd", "python3", "node", "java", "git" };

	h->ts = ts;
	h->type = type;
	h->cpu = (uint16_t)(r % 8);
	h->pid = pid;
	h->tid = pid;
	h->ppid = pid / 3 + 1;
	h->uid = r & 16 ? 1000 : 0;
	h->gid = h->uid;
	h->cgroup_id = 4000 + pid % 17;
	snprintf(h->comm, sizeof(h->comm), "%s", comms[pid % 8]);
}

static int synthesize(const char *path, uint64_t n, int syscalls, uint64_t *raw)
{
	struct ebr_writer_opts wo = { .sz = sizeof(wo), .force = 1, .host = "bench", .kernel_release = "6.1",
				      .kernel_version = "#1", .machine = "x86_64", .ncpus = 8,
				      .boot_to_wall_ns = 1700000000000000000LL,
				      .created_wall_ns = 1700000001000000000ULL };
	struct ebr_buf b = {0};
	struct ebr_writer *w = ebr_writer__open(path, &wo);
	uint64_t ts = 1000000000ULL, drops[EBR_DROP_NR] = {0};
	uint32_t rs = 42, next_pid = 1000;
	int err;

	if (!w)
		return -errno;
	err = add_schema(w);
	for (uint64_t i = 0; !err && i < n; i++) {
		uint32_t r = rnd(&rs), pid = 1000 + r % (next_pid - 999);
		size_t off;

		ts += 100 + r % 200; /* ~5M events/s of machine time */
		if (syscalls && r % 100 < 85) {
			struct bench_syscall *e;

			off = ebr_rec__begin(&b, sizeof(*e));
			e = ebr_rec__at(&b, off);
			header(&e->hdr, EBR_T_SYSCALL, ts, 1000 + r % 500, r);
			e->nr = (r >> 8) % 300;
			e->ret = (r >> 16) % 9 == 0 ? -2 : (int64_t)((r >> 4) % 4096);
			e->duration_ns = 200 + (r >> 12) % 5000;
			e->args[0] = r;
			e->args[1] = 0x7ffd00000000ULL | (r & 0xfff0);
			e->args[2] = (r >> 20) % 64;
		} else switch (r % 10) {
		case 0 ... 4: {
			struct ebr_fork_event *e;

			off = ebr_rec__begin(&b, sizeof(*e));
			e = ebr_rec__at(&b, off);
			header(&e->hdr, EBR_T_FORK, ts, pid, r);
			e->child_pid = e->child_tid = ++next_pid;
			e->clone_flags = 0x1200011;
			break;
		}
		case 5 ... 8: {
			struct ebr_exit_event *e;

			off = ebr_rec__begin(&b, sizeof(*e));
			e = ebr_rec__at(&b, off);
			header(&e->hdr, EBR_T_EXIT, ts, pid, r);
			e->exit_code = (int32_t)(r >> 8) % 3;
			e->start_ns = ts - 1000;
			break;
		}
		default: {
			static const char args[] = "/usr/bin/cc\0-O2\0-c\0main.c";
			struct ebr_exec_event *e;

			off = ebr_rec__begin(&b, sizeof(*e));
			e = ebr_rec__at(&b, off);
			header(&e->hdr, EBR_T_EXEC, ts, pid, r);
			e->argc = 4;
			ebr_rec__add_str(&b, off, offsetof(struct ebr_exec_event, filename), "/usr/bin/cc", 11);
			ebr_rec__add_str(&b, off, offsetof(struct ebr_exec_event, args), args, sizeof(args) - 1);
			break;
		}
		}
		ebr_rec__end(&b, off);
		if (b.len >= SEGMENT_BYTES || i + 1 == n) {
			if (b.err) {
				err = b.err;
				break;
			}
			drops[EBR_DROP_RINGBUF_FULL] += r % 3;
			*raw += b.len;
			err = ebr_writer__add_segment(w, b.p, b.len, drops, EBR_DROP_NR);
			b.len = 0;
		}
	}
	ebr_buf__free(&b);
	if (err) {
		ebr_writer__abandon(w);
		return err;
	}
	return ebr_writer__close(w);
}

struct result {
	double seconds, cpu_seconds; /* wall, and CPU of the query alone (the machine may be busy) */
	int64_t rows, v1, v2;
	uint64_t segments_read, segments_total;
	long maxrss_kb;
	int ok;
};

static double cpu_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int run_sql(const char *path, const char *sql, struct result *r)
{
	struct ebr_sql *q;
	sqlite3_stmt *st = NULL;
	double t0, c0;
	int rc;

	/* the whole query, opening the capture included */
	t0 = now_s();
	c0 = cpu_s();
	q = ebr_sql__open(&path, 1, NULL);
	if (!q)
		return -1;
	if (ebr_sql__prepare(q, sql, &st, NULL)) {
		fprintf(stderr, "query_bench: %s\n", ebr_sql__errmsg(q));
		ebr_sql__close(q);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r->rows++;
		r->v1 = sqlite3_column_int64(st, 0);
		r->v2 = sqlite3_column_count(st) > 1 ? sqlite3_column_int64(st, 1) : 0;
	}
	r->seconds = now_s() - t0;
	r->cpu_seconds = cpu_s() - c0;
	r->segments_read = ebr_sql__stats(q)->segments_read;
	r->segments_total = ebr_sql__stats(q)->segments_total;
	sqlite3_finalize(st);
	ebr_sql__close(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Run fn in a child; its peak RSS comes back through wait4. */
static int in_child(const char *path, const char *sql, struct result *r)
{
	int fds[2];
	struct rusage ru;
	pid_t pid;
	int status;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct result x = {0};

		close(fds[0]);
		x.ok = run_sql(path, sql, &x) == 0;
		if (write(fds[1], &x, sizeof(x)) != sizeof(x))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	memset(r, 0, sizeof(*r));
	if (read(fds[0], r, sizeof(*r)) != sizeof(*r))
		r->ok = 0;
	close(fds[0]);
	if (wait4(pid, &status, 0, &ru) < 0)
		return -1;
	r->maxrss_kb = ru.ru_maxrss;
	return r->ok ? 0 : -1;
}

static int export_child(const char *path, const char *out, int no_index, int threads,
			struct ebr_sql_export_stats *st, long *rss)
{
	int fds[2];
	struct rusage ru;
	pid_t pid;
	int status;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid == 0) {
		struct ebr_sql_export_opts o = { .sz = sizeof(o), .force = 1, .no_index = no_index,
						 .threads = threads };
		struct ebr_sql_export_stats x = {0};
		struct ebr_sql *q = ebr_sql__open(&path, 1, NULL);
		int err = q ? ebr_sql__export_sqlite(q, out, &o, &x) : -1;

		ebr_sql__close(q);
		close(fds[0]);
		if (write(fds[1], &x, sizeof(x)) != sizeof(x))
			_exit(1);
		_exit(err ? 1 : 0);
	}
	close(fds[1]);
	if (read(fds[0], st, sizeof(*st)) != sizeof(*st))
		return -1;
	close(fds[0]);
	wait4(pid, &status, 0, &ru);
	*rss = ru.ru_maxrss;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void time_window(const char *path, double frac_at, double frac_len, uint64_t *a, uint64_t *b)
{
	struct ebr_reader *r = ebr_reader__open(path);
	const struct ebr_capture_info *in = ebr_reader__info(r);
	double span = (double)(in->t_last - in->t_first);

	*a = in->t_first + (uint64_t)(span * frac_at);
	*b = *a + (uint64_t)(span * frac_len);
	ebr_reader__close(r);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "events", required_argument, NULL, 'n' },
		{ "small", required_argument, NULL, 's' },
		{ "dir", required_argument, NULL, 'd' },
		{ "keep", no_argument, NULL, 'k' },
		{ "mix", required_argument, NULL, 'm' },
		{ 0 },
	};
	uint64_t n_big = 10000000, n_small = 1000000, raw_big = 0, raw_small = 0, a, b;
	const char *dir = "/tmp";
	char big[4096], small[4096], db[4200], sql[512];
	struct result full_small, full_big, range, range_rows;
	struct ebr_sql_export_stats ex;
	long ex_rss = 0;
	int keep = 0, syscalls = 1, c;
	double t0;

	while ((c = getopt_long(argc, argv, "n:s:d:k", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			n_big = strtoull(optarg, NULL, 10);
			break;
		case 's':
			n_small = strtoull(optarg, NULL, 10);
			break;
		case 'd':
			dir = optarg;
			break;
		case 'k':
			keep = 1;
			break;
		case 'm':
			syscalls = strcmp(optarg, "process") != 0;
			break;
		default:
			fprintf(stderr, "usage: query_bench [--events N] [--small N] [--mix syscall|process] "
					"[--dir DIR] [--keep]\n");
			return 2;
		}
	}
	const char *mix = syscalls ? "syscall" : "process";

	snprintf(big, sizeof(big), "%s/query_bench_%s_%" PRIu64 ".ebc", dir, mix, n_big);
	snprintf(small, sizeof(small), "%s/query_bench_%s_%" PRIu64 ".ebc", dir, mix, n_small);
	snprintf(db, sizeof(db), "%s/query_bench_%s_%" PRIu64 ".db", dir, mix, n_big);

	t0 = now_s();
	if (synthesize(small, n_small, syscalls, &raw_small) || synthesize(big, n_big, syscalls, &raw_big)) {
		fprintf(stderr, "query_bench: cannot write the captures in %s\n", dir);
		return 1;
	}
	printf("mix %s: synthesized %" PRIu64 " + %" PRIu64 " events (%.0f MB raw) in %.1f s\n", mix, n_small,
	       n_big, (double)(raw_small + raw_big) / 1e6, now_s() - t0);

	const char *full = "SELECT count(*), sum(pid) FROM events";

	if (in_child(small, full, &full_small) || in_child(big, full, &full_big))
		return 1;
	printf("full scan  %-44s %10" PRId64 " rows %7.3f s (CPU %.3f s) %6.2f M rows/s (per CPU s %.2f M)  "
	       "RSS %ld MB\n",
	       full, full_small.v1, full_small.seconds, full_small.cpu_seconds,
	       (double)full_small.v1 / full_small.seconds / 1e6,
	       (double)full_small.v1 / full_small.cpu_seconds / 1e6, full_small.maxrss_kb / 1024);
	printf("full scan  %-44s %10" PRId64 " rows %7.3f s (CPU %.3f s) %6.2f M rows/s (per CPU s %.2f M)  "
	       "RSS %ld MB\n",
	       full, full_big.v1, full_big.seconds, full_big.cpu_seconds,
	       (double)full_big.v1 / full_big.seconds / 1e6, (double)full_big.v1 / full_big.cpu_seconds / 1e6,
	       full_big.maxrss_kb / 1024);

	time_window(big, 0.5, 0.01, &a, &b);
	snprintf(sql, sizeof(sql), "SELECT count(*), sum(pid) FROM events WHERE ts >= %" PRIu64 " AND ts < %" PRIu64,
		 a, b);
	if (in_child(big, sql, &range))
		return 1;
	printf("1%% range   count/sum over [t+50%%, t+51%%)            %10" PRId64 " rows %7.3f s (CPU %.3f s)  "
	       "segments read %" PRIu64 " of %" PRIu64 "\n",
	       range.v1, range.seconds, range.cpu_seconds, range.segments_read, range.segments_total);
	snprintf(sql, sizeof(sql), "SELECT * FROM %s WHERE ts >= %" PRIu64 " AND ts < %" PRIu64,
		 syscalls ? "syscalls" : "exits", a, b);
	if (in_child(big, sql, &range_rows))
		return 1;
	printf("1%% range   SELECT * FROM %-8s (all columns)       %10" PRId64 " rows %7.3f s (CPU %.3f s)  "
	       "segments read %" PRIu64 " of %" PRIu64 "\n",
	       syscalls ? "syscalls" : "exits", range_rows.rows, range_rows.seconds, range_rows.cpu_seconds,
	       range_rows.segments_read,
	       range_rows.segments_total);

	for (int threads = 1; threads <= 2; threads++) {
		if (export_child(big, db, 1, threads, &ex, &ex_rss))
			return 1;
		printf("export     --sqlite --no-index --threads %d: %" PRIu64 " events in %.2f s end to end (CPU %.2f s) "
		       "= %.2f M rows/s (per CPU s %.2f M); RSS %ld MB\n",
		       threads, ex.events, ex.total_s, ex.total_cpu_s, (double)ex.rows / ex.total_s / 1e6,
		       (double)ex.rows / ex.total_cpu_s / 1e6, ex_rss / 1024);
		if (export_child(big, db, 0, threads, &ex, &ex_rss))
			return 1;
		printf("export     --sqlite --threads %d: %.2f s end to end (CPU %.2f s) = %.2f M rows/s (per CPU s "
		       "%.2f M): rows %.2f s, indexes after %.2f s; RSS %ld MB\n",
		       threads, ex.total_s, ex.total_cpu_s, (double)ex.rows / ex.total_s / 1e6,
		       (double)ex.rows / ex.total_cpu_s / 1e6, ex.write_s, ex.index_s, ex_rss / 1024);
	}
	if (!keep) {
		unlink(big);
		unlink(small);
		unlink(db);
	}
	return 0;
}
