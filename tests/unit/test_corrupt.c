// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Damaged captures, many times over: real captures (the golden files and a
 * recording of every family) get random bytes flipped, ranges overwritten or
 * zeroed, and are cut at random offsets, 1000 times (EBR_CORRUPT_RUNS to
 * change). Every run must end in a clear error (open fails with errno set
 * and a message logged) or in a read: every record through the decoders,
 * then repair into a copy that opens through its index with the records the
 * damaged file gave. Never a crash or a hang (an alarm names the run), and
 * never an allocation beyond 64 MiB (every allocation of the library is
 * seen through --wrap): the inputs are at most 64 KiB and their segments
 * smaller, so anything bigger came from a length read out of damage.
 * Every tenth run also goes through `ebpfrec info` and `replay`, which must
 * exit 0 or 1 (with a message), never by a signal.
 * argv: ebpfrec, then the capture files.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "capture_fixture.h"
#include "ebpfrec/decode.h"
#include "ebpfrec/repair.h"
#include "layout.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);

static size_t largest;

void *__wrap_malloc(size_t n)
{
	if (n > largest)
		largest = n;
	return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t m)
{
	if (n * m > largest)
		largest = n * m;
	return __real_calloc(n, m);
}

void *__wrap_realloc(void *p, size_t n)
{
	if (n > largest)
		largest = n;
	return __real_realloc(p, n);
}

#define ALLOC_LIMIT (64u << 20)

static const char *ebpfrec;
static char **inputs;
static int n_inputs;
static char *dir;
static volatile sig_atomic_t current_run = -1;

static void on_alarm(int sig)
{
	char msg[96];
	int n = snprintf(msg, sizeof(msg), "run %d did not finish within 60 s: a hang\n", (int)current_run);

	(void)sig;
	if (write(2, msg, (size_t)n) < 0)
		_exit(3);
	_exit(3);
}

struct tally {
	unsigned refused, intact, recovered, cli_runs;
	uint64_t records, segments_lost, repaired;
	size_t largest;
};

static const char *mutate(struct fx_rng *g, char *f, size_t *len)
{
	unsigned kind = (unsigned)fx_below(g, 5);

	if (kind == 0 || kind == 2) {
		unsigned n = 1 + (unsigned)fx_below(g, 16);

		for (unsigned i = 0; i < n; i++)
			f[fx_below(g, *len)] ^= (char)(1u << fx_below(g, 8));
	}
	if (kind == 1 || kind == 2)
		*len = fx_below(g, *len);
	if (kind == 3 || kind == 4) {
		size_t at = fx_below(g, *len), n = 1 + fx_below(g, 256);

		if (n > *len - at)
			n = *len - at;
		for (size_t i = 0; i < n; i++)
			f[at + i] = kind == 3 ? (char)fx_rand(g) : 0;
	}
	return (const char *[]){ "flipped", "cut", "flipped+cut", "overwritten", "zeroed" }[kind];
}

static FILE *devnull;

static int decode_meta(const struct ebr_event_header *rec, void *ctx)
{
	ebr_decoder__text(ctx, rec, devnull);
	ebr_decoder__json(ctx, rec, devnull);
	return 0;
}

/* Every record of r, decoded; returns how many. */
static uint64_t read_everything(struct ebr_reader *r, uint64_t *lost)
{
	struct ebr_decoder *d = ebr_decoder__new(ebr_reader__schema(r), ebr_reader__info(r), NULL);
	struct ebr_cursor *c = ebr_cursor__open(r, NULL);
	const struct ebr_event_header *h;
	uint64_t n = 0;
	int ret;

	assert_non_null(d);
	assert_non_null(c);
	ebr_reader__meta_records(r, EBR_META_PROCS, decode_meta, d);
	ebr_reader__meta_records(r, EBR_META_PROBES, decode_meta, d);
	ebr_reader__cgroup_count(r);
	while ((ret = ebr_cursor__next(c, &h)) > 0) {
		ebr_decoder__text(d, h, devnull);
		ebr_decoder__json(d, h, devnull);
		n++;
	}
	assert_int_equal(ret, 0);
	if (lost)
		*lost = ebr_cursor__stats(c)->segments_lost;
	ebr_cursor__close(c);
	ebr_decoder__free(d);
	return n;
}

/* exit 0 or 1, a message on stderr when 1, never a signal */
static void cli(const char *sub, const char *path, struct tally *t)
{
	char cmd[1024], err[300], line[512] = "";
	FILE *f;
	int st;

	snprintf(err, sizeof(err), "%s/cli.err", dir);
	snprintf(cmd, sizeof(cmd), "'%s' %s '%s' >/dev/null 2>'%s'", ebpfrec, sub, path, err);
	st = system(cmd);
	if (!WIFEXITED(st) || WEXITSTATUS(st) > 1)
		fail_msg("run %d: `ebpfrec %s` ended with status 0x%x (signal %d)", (int)current_run, sub, st,
			 WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	f = fopen(err, "r");
	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = 0;
		fclose(f);
	}
	if (WEXITSTATUS(st) == 1 && strncmp(line, "ebpfrec", 7))
		fail_msg("run %d: `ebpfrec %s` failed without saying why", (int)current_run, sub);
	t->cli_runs++;
}

static void one_run(struct fx_rng *g, int run, struct tally *t)
{
	const char *src = inputs[fx_below(g, (uint64_t)n_inputs)], *how;
	char *path = fx_path(dir, "damaged.ebc"), *out = fx_path(dir, "repaired.ebc");
	size_t len;
	char *f = fx_read_file(src, &len);
	struct ebr_reader *r;

	current_run = run;
	how = mutate(g, f, &len);
	fx_write_file(path, f, len);
	free(f);
	alarm(60);
	fx_log_capture();
	largest = 0;
	errno = 0;
	r = ebr_reader__open(path);
	if (!r) {
		/* a clear error: errno says what, the log says why */
		if (!errno || !*fx_log_text())
			fail_msg("run %d (%s %s): refused without a reason (errno %d)", run, how, src, errno);
		t->refused++;
	} else {
		struct ebr_repair_opts ro = { .sz = sizeof(ro), .force = 1 };
		struct ebr_repair_report rep;
		uint64_t lost = 0, n = read_everything(r, &lost);
		int damaged = ebr_reader__info(r)->recovered || lost || ebr_reader__info(r)->n_segments_lost;
		int err;

		t->records += n;
		t->segments_lost += lost + ebr_reader__info(r)->n_segments_lost;
		damaged ? t->recovered++ : t->intact++;
		ebr_reader__close(r);
		/* repair: the copy opens through its index and holds what the damaged file gave */
		err = ebr_capture__repair(path, out, &ro, &rep);
		if (err)
			fail_msg("run %d (%s %s): repair failed: %s", run, how, src, strerror(-err));
		if (rep.written) {
			struct ebr_reader *rr = ebr_reader__open(out);

			assert_non_null(rr);
			assert_int_equal(ebr_reader__info(rr)->recovered, 0);
			if (read_everything(rr, NULL) != n)
				fail_msg("run %d (%s %s): the repaired copy reads differently", run, how, src);
			ebr_reader__close(rr);
			unlink(out);
			t->repaired++;
		}
	}
	alarm(0);
	fx_log_restore();
	if (largest > t->largest)
		t->largest = largest;
	if (largest > ALLOC_LIMIT)
		fail_msg("run %d (%s %s): an allocation of %zu bytes", run, how, src, largest);
	if (run % 10 == 0) {
		cli("info", path, t);
		cli("replay", path, t);
	}
	free(path);
	free(out);
}

static void test_damaged_captures(void **state)
{
	const char *env = getenv("EBR_CORRUPT_RUNS");
	int runs = env ? atoi(env) : 1000;
	struct fx_rng g = { .s = env && getenv("EBR_CORRUPT_SEED") ? strtoull(getenv("EBR_CORRUPT_SEED"), NULL, 0)
								    : 0x5eed0fc0ffeeULL };
	struct tally t = {0};

	(void)state;
	print_message("seed 0x%llx (EBR_CORRUPT_RUNS=%d EBR_CORRUPT_SEED=0x%llx to run these again)\n",
		      (unsigned long long)g.s, runs, (unsigned long long)g.s);
	signal(SIGALRM, on_alarm);
	for (int i = 0; i < runs; i++)
		one_run(&g, i, &t);
	print_message("%d runs: %u refused with a message, %u read intact, %u recovered (%llu segments lost), "
		      "%llu repaired copies; %llu records read; largest allocation %zu bytes; %u CLI runs\n",
		      runs, t.refused, t.intact, t.recovered, (unsigned long long)t.segments_lost,
		      (unsigned long long)t.repaired, (unsigned long long)t.records, t.largest, t.cli_runs);
	assert_int_equal(t.refused + t.intact + t.recovered, (unsigned)runs);
	/* the mix must exercise both outcomes, or the test proves little */
	assert_true(t.refused > 0 && t.recovered > 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_damaged_captures),
	};
	int ret;

	if (argc < 3)
		return 2;
	ebpfrec = argv[1];
	inputs = argv + 2;
	n_inputs = argc - 2;
	devnull = fopen("/dev/null", "w");
	dir = fx_tmpdir();
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	fx_rmtree(dir);
	return ret;
}
