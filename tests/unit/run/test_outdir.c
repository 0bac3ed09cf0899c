// SPDX-License-Identifier: GPL-2.0
/*
 * outdir: output folders and files that a planted symlink, hard link or file cannot redirect.
 * In a scratch folder under /tmp; the parts about another user's files need root (chown) and
 * are skipped without it.
 */
/* MODULES: outdir */
/* WRAP: getrandom */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "run/outdir.h"

#define NOBODY 65534

/* Temporary names are random; with predictable ones a test can plant them first. */
static bool fixed_random;
static uint64_t next_random = 0x111111111111ull;
ssize_t __real_getrandom(void *buf, size_t len, unsigned flags);
ssize_t __wrap_getrandom(void *buf, size_t len, unsigned flags)
{
	if (!fixed_random || len != sizeof(uint64_t))
		return __real_getrandom(buf, len, flags);
	memcpy(buf, &next_random, sizeof(next_random));
	next_random += 0x111111111111ull;
	return len;
}

struct fx {
	char dir[64];
	char why[512];
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	umask(022);
	strcpy(fx->dir, "/tmp/twl-test-outdir.XXXXXX");
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	if (system(cmd))
		return -1;
	free(fx);
	return 0;
}

static char *path(const struct fx *fx, const char *rel)
{
	static char buf[8][256];
	static int k;

	k = (k + 1) % 8;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", fx->dir, rel);
	return buf[k];
}

static void write_text(const char *p, const char *text)
{
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static char *read_text(const char *p)
{
	static char buf[256];
	FILE *f = fopen(p, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void put(struct outdir *d, const char *name, const char *text)
{
	struct outfile of;

	assert_int_equal(outfile_open(d, name, &of), 0);
	fputs(text, of.f);
	assert_int_equal(outfile_commit(&of), 0);
}

/* no names left in the folder but the expected ones: temporary files are gone */
static int entries(const char *dir)
{
	char cmd[160];
	FILE *p;
	int n = 0;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

static void test_creates_nested_0755(void **state)
{
	struct fx *fx = *state;
	struct outdir d, sub;
	struct stat st;

	assert_int_equal(outdir_open(path(fx, "a/b/c"), true, &d, fx->why, sizeof(fx->why)), 0);
	assert_int_equal(stat(path(fx, "a/b/c"), &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(outdir_sub(&d, "pcap", &sub, fx->why, sizeof(fx->why)), 0);
	assert_string_equal(sub.path, path(fx, "a/b/c/pcap"));
	put(&sub, "x.pcap", "pcap");
	assert_string_equal(read_text(path(fx, "a/b/c/pcap/x.pcap")), "pcap");
	assert_int_equal(stat(path(fx, "a/b/c/pcap/x.pcap"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	outdir_close(&sub);
	outdir_close(&d);
	/* without create, a missing folder is an error */
	assert_int_equal(outdir_open(path(fx, "nosuch"), false, &d, fx->why, sizeof(fx->why)),
			 -ENOENT);
}

static void test_planted_links_replaced(void **state)
{
	struct fx *fx = *state;
	struct outdir d;
	struct stat st;

	assert_int_equal(mkdir(path(fx, "out"), 0755), 0);
	write_text(path(fx, "victim"), "victim\n");
	write_text(path(fx, "hardvictim"), "hard\n");
	assert_int_equal(symlink(path(fx, "victim"), path(fx, "out/result.json")), 0);
	assert_int_equal(link(path(fx, "hardvictim"), path(fx, "out/events.jsonl")), 0);
	assert_int_equal(symlink(path(fx, "nothere"), path(fx, "out/report.html")), 0);

	assert_int_equal(outdir_open(path(fx, "out"), true, &d, fx->why, sizeof(fx->why)), 0);
	put(&d, "result.json", "{}\n");
	put(&d, "events.jsonl", "{\"t\":0}\n");
	put(&d, "report.html", "<html>");
	outdir_close(&d);

	assert_string_equal(read_text(path(fx, "victim")), "victim\n");
	assert_string_equal(read_text(path(fx, "hardvictim")), "hard\n");
	assert_int_equal(access(path(fx, "nothere"), F_OK), -1);
	assert_int_equal(lstat(path(fx, "out/result.json"), &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_string_equal(read_text(path(fx, "out/result.json")), "{}\n");
	assert_int_equal(lstat(path(fx, "out/events.jsonl"), &st), 0);
	assert_int_equal(st.st_nlink, 1);
	assert_int_equal(entries(path(fx, "out")), 3);
}

/* Someone who guessed the temporary name and planted a symlink (or a file) there: never
 * opened, another name is taken. */
static void test_planted_temporary_name(void **state)
{
	struct fx *fx = *state;
	struct outdir d;
	struct outfile of;

	assert_int_equal(mkdir(path(fx, "out"), 0755), 0);
	write_text(path(fx, "victim"), "victim\n");
	assert_int_equal(symlink(path(fx, "victim"), path(fx, "out/.result.json.111111111111")), 0);
	write_text(path(fx, "out/.result.json.222222222222"), "theirs\n");
	assert_int_equal(outdir_open(path(fx, "out"), false, &d, fx->why, sizeof(fx->why)), 0);
	next_random = 0x111111111111ull;
	fixed_random = true;
	assert_int_equal(outfile_open(&d, "result.json", &of), 0);
	fixed_random = false;
	assert_string_equal(of.tmp, ".result.json.333333333333");
	fputs("ours\n", of.f);
	assert_int_equal(outfile_commit(&of), 0);
	outdir_close(&d);
	assert_string_equal(read_text(path(fx, "victim")), "victim\n");
	assert_string_equal(read_text(path(fx, "out/.result.json.222222222222")), "theirs\n");
	assert_string_equal(read_text(path(fx, "out/result.json")), "ours\n");
}

static void test_read_never_follows(void **state)
{
	struct fx *fx = *state;
	struct outdir d;

	assert_int_equal(mkdir(path(fx, "out"), 0755), 0);
	write_text(path(fx, "secret"), "secret");
	assert_int_equal(symlink(path(fx, "secret"), path(fx, "out/events.jsonl")), 0);
	assert_int_equal(outdir_open(path(fx, "out"), false, &d, fx->why, sizeof(fx->why)), 0);
	errno = 0;
	assert_null(outdir_fopen_read(&d, "events.jsonl"));
	assert_int_equal(errno, ELOOP);
	outdir_close(&d);
}

static void test_unsafe_folders_refused(void **state)
{
	struct fx *fx = *state;
	struct outdir d;

	assert_int_equal(mkdir(path(fx, "ww"), 0755), 0);
	assert_int_equal(chmod(path(fx, "ww"), 0777), 0);
	assert_int_equal(outdir_open(path(fx, "ww"), true, &d, fx->why, sizeof(fx->why)), -EPERM);
	assert_non_null(strstr(fx->why, "every user"));
	assert_non_null(strstr(fx->why, path(fx, "ww")));
	/* sticky: others may add names but not replace ours */
	assert_int_equal(chmod(path(fx, "ww"), 01777), 0);
	assert_int_equal(outdir_open(path(fx, "ww"), true, &d, fx->why, sizeof(fx->why)), 0);
	/* a subfolder is checked too */
	assert_int_equal(mkdir(path(fx, "ww/pcap"), 0755), 0);
	assert_int_equal(chmod(path(fx, "ww/pcap"), 0777), 0);
	assert_int_equal(outdir_sub(&d, "pcap", &(struct outdir){}, fx->why, sizeof(fx->why)),
			 -EPERM);
	outdir_close(&d);
	/* a file where the folder should be */
	write_text(path(fx, "file"), "");
	assert_int_equal(outdir_open(path(fx, "file"), true, &d, fx->why, sizeof(fx->why)),
			 -ENOTDIR);
}

/* The first cgroup2 mount point (a plain one), if any. */
static bool cgroup2_at(char *buf, size_t len)
{
	char line[512], mnt[256];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	bool found = false;

	while (f && !found && fgets(line, sizeof(line), f))
		found = strstr(line, " - cgroup2 ") &&
			sscanf(line, "%*s %*s %*s %*s %255s", mnt) == 1 && !strchr(mnt, '\\') &&
			(size_t)snprintf(buf, len, "%s", mnt) < len;
	if (f)
		fclose(f);
	return found;
}

/* A kernel file system is no place for output: there mkdir makes a cgroup or a BPF folder and
 * a write changes a kernel setting (as root it would succeed). */
static void test_kernel_file_systems_refused(void **state)
{
	struct fx *fx = *state;
	const char *dirs[] = { "/proc/self", "/sys/kernel", "/dev" };
	char cg[256];
	struct stat st;
	struct outdir d;
	bool made;
	int err;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (stat(dirs[i], &st))
			continue;
		assert_int_equal(outdir_open(dirs[i], false, &d, fx->why, sizeof(fx->why)), -EPERM);
		assert_non_null(strstr(fx->why, "kernel file system"));
	}
	if (!cgroup2_at(cg, sizeof(cg)))
		return;
	snprintf(cg + strlen(cg), sizeof(cg) - strlen(cg), "/twlab-outdir-test-%d/out",
		 (int)getpid());
	err = outdir_open(cg, true, &d, fx->why, sizeof(fx->why));
	made = !stat(cg, &st);
	rmdir(cg);
	*strrchr(cg, '/') = 0;
	made |= !stat(cg, &st);
	rmdir(cg);	/* made a cgroup: the test fails, the cgroup goes */
	assert_int_equal(err, -EPERM);
	assert_false(made);
}

static void test_own_symlink_followed(void **state)
{
	struct fx *fx = *state;
	struct outdir d;

	assert_int_equal(mkdir(path(fx, "real"), 0755), 0);
	assert_int_equal(symlink("real", path(fx, "link")), 0);
	assert_int_equal(outdir_open(path(fx, "link/sub"), true, &d, fx->why, sizeof(fx->why)), 0);
	put(&d, "result.json", "ok");
	outdir_close(&d);
	assert_string_equal(read_text(path(fx, "real/sub/result.json")), "ok");
}

static void test_other_users_refused(void **state)
{
	struct fx *fx = *state;
	struct outdir d;

	if (geteuid() != 0)
		skip();
	/* a symlink of another user is not followed, wherever it is on the path */
	assert_int_equal(mkdir(path(fx, "real"), 0755), 0);
	assert_int_equal(symlink("real", path(fx, "link")), 0);
	assert_int_equal(lchown(path(fx, "link"), NOBODY, NOBODY), 0);
	assert_int_equal(outdir_open(path(fx, "link"), true, &d, fx->why, sizeof(fx->why)),
			 -EPERM);
	assert_non_null(strstr(fx->why, "symlink"));
	assert_int_equal(outdir_open(path(fx, "link/sub"), true, &d, fx->why, sizeof(fx->why)),
			 -EPERM);
	assert_int_equal(access(path(fx, "real/sub"), F_OK), -1);
	/* a folder of another user */
	assert_int_equal(mkdir(path(fx, "theirs"), 0755), 0);
	assert_int_equal(chown(path(fx, "theirs"), NOBODY, NOBODY), 0);
	assert_int_equal(outdir_open(path(fx, "theirs"), true, &d, fx->why, sizeof(fx->why)),
			 -EPERM);
	assert_non_null(strstr(fx->why, "uid 65534"));
	/* ... also in a sticky world-writable folder, where anyone may make one */
	assert_int_equal(mkdir(path(fx, "tmp"), 01777), 0);
	assert_int_equal(chmod(path(fx, "tmp"), 01777), 0);
	assert_int_equal(mkdir(path(fx, "tmp/out"), 0755), 0);
	assert_int_equal(chown(path(fx, "tmp/out"), NOBODY, NOBODY), 0);
	assert_int_equal(outdir_open(path(fx, "tmp/out"), true, &d, fx->why, sizeof(fx->why)),
			 -EPERM);
}

static void test_commit_failure_and_discard(void **state)
{
	struct fx *fx = *state;
	struct outdir d;
	struct outfile of;

	assert_int_equal(mkdir(path(fx, "out"), 0755), 0);
	assert_int_equal(mkdir(path(fx, "out/result.json"), 0755), 0);
	assert_int_equal(outdir_open(path(fx, "out"), false, &d, fx->why, sizeof(fx->why)), 0);
	assert_int_equal(outfile_open(&d, "result.json", &of), 0);
	fputs("{}", of.f);
	assert_int_equal(outfile_commit(&of), -EISDIR);
	assert_int_equal(outfile_open(&d, "report.html", &of), 0);
	outfile_discard(&of);
	assert_int_equal(access(path(fx, "out/report.html"), F_OK), -1);
	assert_int_equal(entries(path(fx, "out")), 1);	/* no temporary file left */
	assert_int_equal(outfile_open(&d, "a/b", &of), -EINVAL);
	assert_int_equal(outfile_open(&d, "..", &of), -EINVAL);
	outdir_close(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_creates_nested_0755, setup, teardown),
		cmocka_unit_test_setup_teardown(test_planted_links_replaced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_planted_temporary_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_never_follows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsafe_folders_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kernel_file_systems_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_own_symlink_followed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_users_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_failure_and_discard, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
