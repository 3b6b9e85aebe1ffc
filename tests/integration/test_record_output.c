// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Where `record` writes (docs/security.md): the capture is created 0600, or
 * stricter under a stricter umask; a symbolic link planted at the output
 * path is refused, with or without --force, and neither its target nor a
 * file the link dangles to is touched or created; an existing file is kept
 * unless --force. And reading needs no privileges: info, replay, slice and
 * repair run as nobody. argv: ebpfrec.
 */
#define _GNU_SOURCE /* setgroups */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "bpf_check.h"
#include "ebpfrec/capture.h"

static const char *ebpfrec;
static char dir[] = "/tmp/ebpfrec-out-XXXXXX";

/* record for a moment into path, under umask; exit status, and stderr in err */
static int record(const char *path, const char *umask_s, const char *extra, char *err, size_t len)
{
	char cmd[1200], errf[300];
	FILE *f;
	int st;

	snprintf(errf, sizeof(errf), "%s/err.txt", dir);
	snprintf(cmd, sizeof(cmd), "umask %s; exec %s record -q -P process -d 300ms %s -o %s 2>%s", umask_s, ebpfrec,
		 extra, path, errf);
	st = system(cmd);
	err[0] = 0;
	f = fopen(errf, "r");
	if (f) {
		err[fread(err, 1, len - 1, f)] = 0;
		fclose(f);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void make_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void assert_content(const char *path, const char *text)
{
	char buf[256] = "";
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	buf[fread(buf, 1, sizeof(buf) - 1, f)] = 0;
	fclose(f);
	assert_string_equal(buf, text);
}

static unsigned mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static void test_modes(void **state)
{
	static const struct {
		const char *umask_s;
		unsigned mode;
	} cases[] = { { "022", 0600 }, { "000", 0600 }, { "077", 0600 }, { "277", 0400 }, { "377", 0400 }, { "177", 0600 }, { "777", 0000 } };
	char path[300], err[4096];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(path, sizeof(path), "%s/mode-%zu.ebc", dir, i);
		assert_int_equal(record(path, cases[i].umask_s, "", err, sizeof(err)), 0);
		print_message("umask %s: mode %04o\n", cases[i].umask_s, mode_of(path));
		assert_int_equal(mode_of(path), cases[i].mode);
	}
}

static void test_symlink_refused(void **state)
{
	char path[300], target[300], dangling[300], err[4096];
	struct stat before, after;

	(void)state;
	snprintf(path, sizeof(path), "%s/link.ebc", dir);
	snprintf(target, sizeof(target), "%s/precious", dir);
	snprintf(dangling, sizeof(dangling), "%s/created-through-link", dir);
	make_file(target, "precious\n");
	assert_int_equal(stat(target, &before), 0);
	assert_int_equal(symlink(target, path), 0);
	for (int force = 0; force < 2; force++) {
		assert_int_equal(record(path, "022", force ? "--force" : "", err, sizeof(err)), 1);
		print_message("%s", err);
		assert_non_null(strstr(err, "is a symbolic link; refusing to write through it"));
		assert_content(target, "precious\n");
		assert_int_equal(stat(target, &after), 0);
		assert_int_equal(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
		assert_int_equal(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
		assert_int_equal(after.st_mode, before.st_mode);
	}
	/* a link to nowhere: following it would create the file it names */
	unlink(path);
	assert_int_equal(symlink(dangling, path), 0);
	assert_int_equal(record(path, "022", "--force", err, sizeof(err)), 1);
	assert_int_not_equal(access(dangling, F_OK), 0);
	/* rotation names its files itself: a link planted at the first is refused too */
	snprintf(path, sizeof(path), "%s/rot.0000.ebc", dir);
	assert_int_equal(symlink(target, path), 0);
	snprintf(path, sizeof(path), "%s/rot.ebc", dir);
	assert_int_equal(record(path, "022", "-C 1M", err, sizeof(err)), 1);
	assert_non_null(strstr(err, "is a symbolic link"));
	assert_content(target, "precious\n");
}

static void test_existing_file(void **state)
{
	char path[300], err[4096];
	struct ebr_reader *r;

	(void)state;
	snprintf(path, sizeof(path), "%s/exists.ebc", dir);
	make_file(path, "not a capture\n");
	chmod(path, 0644);
	assert_int_equal(record(path, "022", "", err, sizeof(err)), 1);
	assert_non_null(strstr(err, "already exists (use --force to replace it)"));
	assert_content(path, "not a capture\n");
	/*
	 * --force replaces it with a new file: not written into, which would keep
	 * the old one's owner and mode (here another user's, readable by all)
	 */
	{
		struct passwd *pw = getpwnam("nobody");
		struct stat before, after;
		char old[320];

		/* a second name for the old file: what it holds must not change */
		snprintf(old, sizeof(old), "%s.old", path);
		assert_int_equal(link(path, old), 0);
		if (pw)
			assert_int_equal(chown(path, pw->pw_uid, pw->pw_gid), 0);
		assert_int_equal(chmod(path, 0666), 0);
		assert_int_equal(stat(path, &before), 0);
		assert_int_equal(record(path, "022", "--force", err, sizeof(err)), 0);
		assert_int_equal(stat(path, &after), 0);
		print_message("--force over a 0666 file of uid %u: now mode %04o, uid %u\n", (unsigned)before.st_uid,
			      after.st_mode & 07777, (unsigned)after.st_uid);
		assert_int_equal(after.st_mode & 07777, 0600);
		assert_int_equal(after.st_uid, geteuid());
		assert_content(old, "not a capture\n");
	}
	r = ebr_reader__open(path);
	assert_non_null(r);
	ebr_reader__close(r);
	/* what is not a regular file is written to, never removed */
	assert_int_equal(record("/dev/null", "022", "--force", err, sizeof(err)), 0);
	{
		struct stat st;

		assert_int_equal(stat("/dev/null", &st), 0);
		assert_true(S_ISCHR(st.st_mode));
	}
}

/* the offline commands, as nobody, on a capture root made readable to all */
static void test_reading_needs_no_privileges(void **state)
{
	char path[300], out[300], cmd[1500], err[4096];
	struct passwd *pw = getpwnam("nobody");
	const char *subs[] = { "info %s", "replay %s", "replay %s --output json", "slice %s -o %s/n-slice.ebc --to 100ms",
			       "repair %s -o %s/n-repaired.ebc", "top %s" };

	(void)state;
	if (!pw)
		skip();
	snprintf(path, sizeof(path), "%s/shared.ebc", dir);
	snprintf(out, sizeof(out), "%s/nobody", dir);
	assert_int_equal(record(path, "022", "", err, sizeof(err)), 0);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(mkdir(out, 0700), 0);
	assert_int_equal(chown(out, pw->pw_uid, pw->pw_gid), 0);
	chmod(dir, 0755);
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		char sub[600];
		pid_t pid;
		int st;

		snprintf(sub, sizeof(sub), subs[i], path, out);
		snprintf(cmd, sizeof(cmd), "%s %s >/dev/null", ebpfrec, sub);
		pid = fork();
		if (pid == 0) {
			if (setgroups(0, NULL) || setgid(pw->pw_gid) || setuid(pw->pw_uid))
				_exit(99);
			execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
			_exit(127);
		}
		assert_int_equal(waitpid(pid, &st, 0), pid);
		print_message("as nobody: ebpfrec %s: status %d\n", sub, WEXITSTATUS(st));
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_symlink_refused),
		cmocka_unit_test(test_existing_file),
		cmocka_unit_test(test_reading_needs_no_privileges),
	};
	char cmd[300];
	int ret;

	if (argc < 2)
		return 2;
	if (bpf_skip_if_unavailable())
		return EXIT_SKIP;
	ebpfrec = argv[1];
	if (!mkdtemp(dir))
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? 1 : ret;
}
