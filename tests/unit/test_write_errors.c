// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The writer on a full disk, without root: RLIMIT_FSIZE makes every write
 * past a size fail (EFBIG, with SIGXFSZ ignored) the way a full file system
 * does. The segment that did not fit is cut off again, so the file ends at
 * its last whole block and reads with nothing lost; ebr_writer__recover then
 * lets the writer close it with an index, in the room the cut freed.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "capture_fixture.h"
#include "events.h"
#include "layout.h"

static char *dir;

struct outcome {
	int failed_at; /* segment whose write failed */
	int err;
	int recovered; /* ebr_writer__recover */
	int closed; /* ebr_writer__close after it */
	uint64_t records_written;
};

/* In a child, under the limit: segments of ~12 KiB of incompressible records until one fails. */
static void write_until_full(const char *path, rlim_t limit, int close_after, struct outcome *res)
{
	int fds[2];
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { .rlim_cur = limit, .rlim_max = limit };
		struct outcome o = { .failed_at = -1 };
		struct fx_rng g = { .s = 42 };
		struct ebr_writer *w;
		uint64_t drops[EBR_DROP_REASONS] = {0};

		signal(SIGXFSZ, SIG_IGN);
		fx_log_capture();
		w = ebr_writer__open(path, NULL);
		if (!w)
			_exit(2);
		setrlimit(RLIMIT_FSIZE, &rl);
		for (int s = 0; s < 1000 && o.failed_at < 0; s++) {
			struct ebr_buf b = {0};

			for (int i = 0; i < 100; i++) {
				size_t off = b.len;
				struct ebr_event_header h = { .ts = 1000 + (uint64_t)(s * 100 + i), .size = 128,
							      .type = 300, .pid = (uint32_t)(s * 100 + i) };

				ebr_buf__put(&b, &h, sizeof(h));
				while (b.len < off + 128) {
					uint64_t v = fx_rand(&g);

					ebr_buf__put(&b, &v, 8);
				}
			}
			drops[0] = (uint64_t)s;
			o.err = ebr_writer__add_segment(w, b.p, b.len, drops, EBR_DROP_REASONS);
			if (o.err)
				o.failed_at = s;
			else
				o.records_written += 100;
			ebr_buf__free(&b);
		}
		o.recovered = ebr_writer__recover(w) == 0;
		if (close_after && o.recovered)
			o.closed = ebr_writer__close(w) == 0;
		else
			ebr_writer__abandon(w);
		if (write(fds[1], &o, sizeof(o)) != sizeof(o))
			_exit(3);
		_exit(0);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], res, sizeof(*res)), sizeof(*res));
	close(fds[0]);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
}

static void test_failed_segment_is_cut_off(void **state)
{
	char *path = fx_path(dir, "full.ebc");
	struct outcome o;
	struct ebr_reader *r;
	struct stat st;

	(void)state;
	write_until_full(path, 200000, 0, &o);
	print_message("segment %d failed (%s); %llu records written before\n", o.failed_at, strerror(-o.err),
		      (unsigned long long)o.records_written);
	assert_true(o.failed_at > 3);
	assert_int_equal(o.err, -EFBIG);
	assert_true(o.recovered);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size < 200000); /* the partial segment is gone */
	r = ebr_reader__open(path);
	assert_non_null(r);
	/* no footer, but not one byte that is not a whole block */
	assert_int_equal(ebr_reader__info(r)->recovered, 1);
	assert_int_equal(ebr_reader__info(r)->bytes_lost, 0);
	assert_int_equal(ebr_reader__info(r)->n_segments_lost, 0);
	assert_int_equal(ebr_reader__info(r)->bytes_recovered, (uint64_t)st.st_size);
	assert_int_equal(ebr_reader__info(r)->n_segments, (uint64_t)o.failed_at);
	assert_int_equal(ebr_reader__info(r)->n_records, o.records_written);
	ebr_reader__close(r);
	free(path);
}

static void test_closed_after_recover(void **state)
{
	char *path = fx_path(dir, "closed.ebc");
	struct outcome o;
	struct ebr_reader *r;
	struct ebr_buf got = {0};

	(void)state;
	write_until_full(path, 200000, 1, &o);
	assert_true(o.recovered);
	assert_true(o.closed);
	r = ebr_reader__open(path);
	assert_non_null(r);
	/* opens through its index, with every segment written before the failure */
	assert_int_equal(ebr_reader__info(r)->recovered, 0);
	assert_int_equal(ebr_reader__info(r)->n_segments, (uint64_t)o.failed_at);
	assert_int_equal(fx_read_all(r, NULL, &got, NULL), o.records_written);
	assert_int_equal(ebr_reader__info(r)->drops[0], (uint64_t)o.failed_at - 1);
	ebr_reader__close(r);
	ebr_buf__free(&got);
	free(path);
}

/* Not even the first segment fits: nothing is counted as written. */
static void test_full_from_the_start(void **state)
{
	char *path = fx_path(dir, "none.ebc");
	struct outcome o;

	(void)state;
	write_until_full(path, 300, 0, &o);
	assert_int_equal(o.failed_at, 0);
	assert_int_equal(o.records_written, 0);
	free(path);
}

static int setup(void **state)
{
	(void)state;
	dir = fx_tmpdir();
	return dir ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	fx_rmtree(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_failed_segment_is_cut_off),
		cmocka_unit_test(test_closed_after_recover),
		cmocka_unit_test(test_full_from_the_start),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
