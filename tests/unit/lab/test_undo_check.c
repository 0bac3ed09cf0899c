// SPDX-License-Identifier: GPL-2.0
/* The pure checks on what a state file says (undo_entry_check, the line parser in undo_load,
 * the name checks): every rule that keeps down and clean off what twlab did not make. */
/* MODULES: undo bpfpin cgroup netns nl topo value keys kver model */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "lab/netns.h"
#include "lab/undo.h"
#include "topo/topo.h"

static char statedir[] = "/tmp/twlab-unit-check-XXXXXX";

static struct undo_entry ns_entry(const char *name, uint64_t ino)
{
	struct undo_entry e = { .kind = UNDO_NETNS, .id = ino };

	snprintf(e.name, sizeof(e.name), "%s", name);
	return e;
}

static struct undo_entry proc_entry(uint64_t pid, uint64_t start, const char *ns)
{
	struct undo_entry e = { .kind = UNDO_PROC, .id = pid, .start = start };

	snprintf(e.name, sizeof(e.name), "server agent");
	snprintf(e.ns, sizeof(e.ns), "%s", ns);
	return e;
}

/* check(lab, e) must fail with a reason containing want (NULL: must pass) */
static void expect(const char *lab, struct undo_entry e, const char *want)
{
	char why[240] = "";
	int err = undo_entry_check(lab, &e, why, sizeof(why));

	if (!want) {
		if (err)
			fail_msg("%s: rejected: %s", e.name, why);
		return;
	}
	if (!err)
		fail_msg("%s (ns %s): accepted, want '%s'", e.name, e.ns, want);
	assert_int_equal(err, -EINVAL);
	if (!strstr(why, want))
		fail_msg("why '%s' does not say '%s'", why, want);
}

static void test_netns_names(void **state)
{
	expect("demo", ns_entry("twl-demo-server", 4026532300), NULL);
	expect("demo", ns_entry("twl-demo-alice_1", 4026532300), NULL);
	expect("nat-recycle", ns_entry("twl-nat-recycle-q-server", 7), NULL);
	expect("demo", ns_entry("twl-demo-", 7), "is not twl-demo-<node>");
	expect("demo", ns_entry("twl-other-server", 7), "is not twl-demo-<node>");
	expect("demo", ns_entry("twl-demoX-server", 7), "is not twl-demo-<node>");
	expect("demo", ns_entry("demo-server", 7), "is not twl-demo-<node>");
	expect("demo", ns_entry("st-decoy-plain", 7), "is not twl-demo-<node>");
	expect("demo", ns_entry("../../proc/1/ns/net", 7), "is not twl-demo-<node>");
	expect("demo", ns_entry("../../tmp/x/file", 7), "is not twl-demo-<node>");
	expect("demo", ns_entry("twl-demo-../../tmp/x/mnt", 7), "is not twl-demo-<node>");
	expect("demo", ns_entry("twl-demo-a/b", 7), "is not twl-demo-<node>");
	expect("demo", ns_entry("twl-demo-a.b", 7), "is not twl-demo-<node>");
	expect("demo", ns_entry("twl-demo-a b", 7), "is not twl-demo-<node>");
	expect("demo", ns_entry("twl-demo-\x1b[31m", 7), "\\x1b");
	expect("demo", ns_entry("", 7), "is not twl-demo-<node>");
}

static void test_netns_needs_ino(void **state)
{
	struct undo_entry e = ns_entry("twl-demo-server", 0);

	expect("demo", e, "no inode");
	e = ns_entry("twl-demo-server", 5);
	snprintf(e.ns, sizeof(e.ns), "twl-demo-router");
	expect("demo", e, "has an \"ns\"");
}

static void test_proc_rules(void **state)
{
	expect("demo", proc_entry(1234, 99, "twl-demo-server"), NULL);
	expect("demo", proc_entry(1234, 0, "twl-demo-server"), "no start time");
	expect("demo", proc_entry(1, 99, "twl-demo-server"), "not a pid twlab could have started");
	expect("demo", proc_entry(0, 99, "twl-demo-server"), "not a pid twlab could have started");
	expect("demo", proc_entry(1ull << 40, 99, "twl-demo-server"), "not a pid");
	expect("demo", proc_entry(1234, 99, ""), "is not twl-demo-<node>");
	expect("demo", proc_entry(1234, 99, "twl-other-server"), "is not twl-demo-<node>");
	expect("demo", proc_entry(1234, 99, "../../proc/77/ns/net"), "is not twl-demo-<node>");
}

static void test_inner_objects_name_a_lab_namespace(void **state)
{
	struct undo_entry e = { .kind = UNDO_LINK };

	snprintf(e.name, sizeof(e.name), "eth0");
	snprintf(e.ns, sizeof(e.ns), "twl-demo-server");
	expect("demo", e, NULL);
	snprintf(e.ns, sizeof(e.ns), "../x");
	expect("demo", e, "is not twl-demo-<node>");
	snprintf(e.ns, sizeof(e.ns), "twl-demo-server");
	snprintf(e.name, sizeof(e.name), "../../x");
	expect("demo", e, "has '/'");
}

/* The lab's cgroup: only the one named after this lab, with the inode that proves it */
static void test_cgroup_entries(void **state)
{
	struct undo_entry e = { .kind = UNDO_CGROUP, .id = 1234 };

	snprintf(e.name, sizeof(e.name), "twlab/demo");
	expect("demo", e, NULL);
	expect("other", e, "is not twlab/other");
	snprintf(e.name, sizeof(e.name), "twlab/../system.slice");
	expect("demo", e, "is not twlab/demo");
	snprintf(e.name, sizeof(e.name), "twlab/demo");
	e.id = 0;
	expect("demo", e, "no inode");
	e.id = 1234;
	snprintf(e.ns, sizeof(e.ns), "twl-demo-server");
	expect("demo", e, "has an \"ns\"");
}

/* The lab's bpffs: only bpf/<this lab>, with the device that proves it */
static void test_pin_entries(void **state)
{
	struct undo_entry e = { .kind = UNDO_PIN, .id = 77 };

	snprintf(e.name, sizeof(e.name), "bpf/demo");
	expect("demo", e, NULL);
	expect("other", e, "is not bpf/other");
	snprintf(e.name, sizeof(e.name), "bpf/../../sys/fs/bpf");
	expect("demo", e, "is not bpf/demo");
	snprintf(e.name, sizeof(e.name), "bpf/demo");
	e.id = 0;
	expect("demo", e, "no device");
	e.id = 77;
	snprintf(e.ns, sizeof(e.ns), "twl-demo-server");
	expect("demo", e, "has an \"ns\"");
}

static void test_lab_names(void **state)
{
	assert_true(topo_name_valid("demo"));
	assert_true(topo_name_valid("nat-recycle"));
	assert_true(topo_name_valid("a_b-1"));
	assert_false(topo_name_valid(""));
	assert_false(topo_name_valid("-rf"));
	assert_false(topo_name_valid("."));
	assert_false(topo_name_valid(".."));
	assert_false(topo_name_valid("../../tmp/adv/foo"));
	assert_false(topo_name_valid("a/b"));
	assert_false(topo_name_valid("a b"));
	assert_false(topo_name_valid("aaaaaaaaaaaaaaaaaaaaaaaaa"));	/* 25 > TOPO_NAME_MAX */
	/* the check applies to the entries too: a lab that is not a name has no entries */
	expect("../x", ns_entry("twl-../x-a", 7), "is not a lab name");
}

static void test_netns_paths_stay_in_run_dir(void **state)
{
	uint64_t ino;

	assert_true(netns_name_ok("twl-demo-server"));
	assert_false(netns_name_ok(""));
	assert_false(netns_name_ok("."));
	assert_false(netns_name_ok(".."));
	assert_false(netns_name_ok("../../tmp/x/file"));
	assert_false(netns_name_ok("a/b"));
	assert_int_equal(netns_ino("../../proc/self/ns/net", &ino), -EINVAL);
	assert_int_equal(netns_delete("../../tmp/x/file", 0), -EINVAL);
	assert_false(netns_marked("../../proc/self/ns/net"));
}

/* ---- undo_load: each bad line is reported with its number and skipped ---- */

static void write_state(const char *lab, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.json", statedir, lab);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const char *skip_why(const struct undo *u, int line)
{
	for (size_t i = 0; i < u->n_skip; i++)
		if (u->skip[i].line == line)
			return u->skip[i].why;
	return NULL;
}

static void test_load_skips_bad_lines(void **state)
{
	struct undo u;

	write_state("lt", "{\"lab\":\"lt\",\"owner\":0}\n"
			  "{\"kind\":\"netns\",\"name\":\"twl-lt-server\",\"ino\":11}\n"
			  "junk\n"
			  "{\"kind\":\"proc\",\"name\":\"server agent\",\"ns\":\"twl-lt-server\",\"pid\":77}\n"
			  "{\"kind\":\"proc\",\"name\":\"x\",\"ns\":\"twl-lt-server\",\"pid\":\"77\",\"start\":5}\n"
			  "{\"kind\":\"netns\",\"name\":\"twl-lt-a\",\"ino\":-3}\n"
			  "{\"kind\":\"netns\",\"name\":\"twl-lt-a\",\"ino\":1,\"ino\":12}\n"
			  "{\"kind\":\"netns\",\"name\":\"twl-lt-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"ino\":12}\n"
			  "{\"kind\":\"mount\",\"name\":\"/tmp/x\"}\n"
			  "[1,2]\n"
			  "{\"kind\":\"owner\",\"owner\":4242}\n"
			  "{\"kind\":\"netns\",\"name\":\"twl-lt-client\",\"ino\":13}\n"
			  "{\"kind\":\"netns\",\"name\":\"twl-lt-c\"}\n"
			  "{\"kind\":\"netns\",\"name\":\"twl-lt-b\",\"in");
	assert_int_equal(undo_load("lt", false, &u), 0);
	/* the good lines are used */
	assert_int_equal(u.n, 2);
	assert_string_equal(u.v[0].name, "twl-lt-server");
	assert_int_equal(u.v[0].line, 2);
	assert_string_equal(u.v[1].name, "twl-lt-client");
	assert_int_equal(u.v[1].line, 12);
	assert_false(u.no_header);
	assert_true(u.torn);
	/* every other line is reported, with why */
	assert_int_equal(u.n_skip, 11);
	assert_non_null(strstr(skip_why(&u, 3), "not JSON"));
	assert_non_null(strstr(skip_why(&u, 4), "no \"start\""));
	assert_non_null(strstr(skip_why(&u, 5), "\"pid\" is not an integer"));
	assert_non_null(strstr(skip_why(&u, 6), "\"ino\" is -3"));
	assert_non_null(strstr(skip_why(&u, 7), "not JSON"));	/* duplicate key */
	assert_non_null(strstr(skip_why(&u, 8), "longer than 63"));
	assert_non_null(strstr(skip_why(&u, 9), "unknown kind"));
	assert_non_null(strstr(skip_why(&u, 10), "not a JSON object"));
	assert_non_null(strstr(skip_why(&u, 11), "\"owner\" is 4242"));
	assert_non_null(strstr(skip_why(&u, 13), "no \"ino\""));
	assert_non_null(strstr(skip_why(&u, 14), "cut short"));
	undo_close(&u);
}

static void test_load_bad_header(void **state)
{
	struct undo u;

	write_state("lh", "garbage\n{\"kind\":\"netns\",\"name\":\"twl-lh-a\",\"ino\":5}\n");
	assert_int_equal(undo_load("lh", false, &u), 0);
	assert_true(u.no_header);
	assert_int_equal(u.owner, 0);
	assert_int_equal(u.n, 1);
	assert_non_null(strstr(skip_why(&u, 1), "not JSON"));
	undo_close(&u);
	write_state("lh", "{\"lab\":\"other\",\"owner\":1}\n");
	assert_int_equal(undo_load("lh", false, &u), 0);
	assert_true(u.no_header);
	assert_int_equal(u.owner, 0);
	assert_non_null(strstr(skip_why(&u, 1), "header names lab \"other\""));
	undo_close(&u);
}

static void test_load_refuses_names_and_untrusted_files(void **state)
{
	char path[512], target[512];
	struct undo u;

	assert_int_equal(undo_load("../x", false, &u), -EINVAL);
	assert_int_equal(undo_load("-rf", false, &u), -EINVAL);
	write_state("lw", "{\"lab\":\"lw\",\"owner\":0}\n");
	snprintf(path, sizeof(path), "%s/lw.json", statedir);
	assert_int_equal(chmod(path, 0666), 0);
	assert_int_equal(undo_load("lw", false, &u), -EPERM);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(undo_load("lw", false, &u), 0);
	undo_close(&u);
	snprintf(target, sizeof(target), "%s/ll.json", statedir);
	assert_int_equal(symlink(path, target), 0);
	assert_int_equal(undo_load("ll", false, &u), -EPERM);
	unlink(target);
	unlink(path);
}

/* A line is read 4096 bytes at most (no unbounded allocation), and one with a NUL byte could
 * hide anything behind it: both are reported and skipped, the lines after them used. */
static void test_load_long_and_nul_lines(void **state)
{
	char text[12000], path[512];
	struct undo u;
	size_t o = 0, start;
	FILE *f;

	o += snprintf(text + o, sizeof(text) - o, "{\"lab\":\"lx\",\"owner\":0}\n");
	/* exactly 4096 bytes before the newline: still a line */
	start = o;
	o += snprintf(text + o, sizeof(text) - o, "{\"kind\":\"netns\",\"name\":\"twl-lx-a\",\"ino\":5}");
	while (o < start + 4096)
		text[o++] = ' ';
	text[o++] = '\n';
	/* 4097 bytes */
	start = o;
	o += snprintf(text + o, sizeof(text) - o, "{\"kind\":\"netns\",\"name\":\"twl-lx-b\",\"ino\":6}");
	while (o < start + 4097)
		text[o++] = ' ';
	text[o++] = '\n';
	/* a NUL byte after a valid object */
	o += snprintf(text + o, sizeof(text) - o, "{\"kind\":\"netns\",\"name\":\"twl-lx-c\",\"ino\":7}");
	text[o++] = 0;
	o += snprintf(text + o, sizeof(text) - o, "junk\n");
	o += snprintf(text + o, sizeof(text) - o, "{\"kind\":\"netns\",\"name\":\"twl-lx-d\",\"ino\":8}\n");
	snprintf(path, sizeof(path), "%s/lx.json", statedir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, o, f), o);
	fclose(f);
	assert_int_equal(undo_load("lx", false, &u), 0);
	assert_int_equal(u.n, 2);
	assert_string_equal(u.v[0].name, "twl-lx-a");
	assert_string_equal(u.v[1].name, "twl-lx-d");
	assert_int_equal(u.v[1].line, 5);
	assert_int_equal(u.n_skip, 2);
	assert_non_null(strstr(skip_why(&u, 3), "longer than 4096 bytes"));
	assert_non_null(strstr(skip_why(&u, 4), "NUL"));
	undo_close(&u);
	unlink(path);
}

/* A hard link (the file has another name, maybe made for something else), a state folder that
 * is a symlink or that others may write: refused, with why. */
static void test_load_refuses_links_and_unsafe_folders(void **state)
{
	char path[512], other[512], lnk[512];
	struct undo u;

	write_state("lk", "{\"lab\":\"lk\",\"owner\":0}\n");
	snprintf(path, sizeof(path), "%s/lk.json", statedir);
	snprintf(other, sizeof(other), "%s/lk2.json", statedir);
	assert_int_equal(link(path, other), 0);
	assert_int_equal(undo_load("lk", false, &u), -EPERM);
	assert_non_null(strstr(u.refused, "hard links"));
	unlink(other);
	assert_int_equal(undo_load("lk", false, &u), 0);
	undo_close(&u);
	assert_int_equal(chmod(statedir, 0775), 0);
	assert_int_equal(undo_load("lk", false, &u), -EPERM);
	assert_non_null(strstr(u.refused, "written by others"));
	assert_int_equal(chmod(statedir, 0700), 0);
	snprintf(lnk, sizeof(lnk), "%s-link", statedir);
	assert_int_equal(symlink(statedir, lnk), 0);
	setenv("TWLAB_STATE_DIR", lnk, 1);
	assert_int_equal(undo_load("lk", false, &u), -EPERM);
	assert_non_null(strstr(u.refused, "symbolic link"));
	assert_int_equal(undo_begin(&u, "lk3", "x.ini", true), -EPERM);
	setenv("TWLAB_STATE_DIR", statedir, 1);
	unlink(lnk);
	unlink(path);
}

/* The owner in a header is taken for the lab's running twlab only while it holds the state
 * file's lock: any live pid written there (with its true start time) is not. */
static void test_owner_proven_by_lock(void **state)
{
	char text[256], path[512], c;
	uint64_t start;
	int go[2], ready[2];
	struct undo u;
	pid_t child;

	assert_int_equal(proc_starttime(getppid(), &start), 0);
	snprintf(text, sizeof(text), "{\"lab\":\"lo\",\"owner\":%d,\"owner_start\":%llu}\n",
		 (int)getppid(), (unsigned long long)start);
	write_state("lo", text);
	assert_int_equal(undo_load("lo", false, &u), 0);
	assert_int_equal(u.owner, getppid());
	assert_false(undo_owner_alive(&u));
	undo_close(&u);
	snprintf(path, sizeof(path), "%s/lo.json", statedir);
	unlink(path);
	/* a real owner: undo_begin takes the lock and keeps it */
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(ready), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct undo mine;

		if (undo_begin(&mine, "lo", "x.ini", false))
			_exit(1);
		write(ready[1], "r", 1);
		read(go[0], &c, 1);
		_exit(0);
	}
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(undo_load("lo", false, &u), 0);
	assert_int_equal(u.owner, child);
	assert_true(undo_owner_alive(&u));
	undo_close(&u);
	write(go[1], "g", 1);
	waitpid(child, NULL, 0);
	assert_int_equal(undo_load("lo", false, &u), 0);
	assert_false(undo_owner_alive(&u));
	undo_close(&u);
	unlink(path);
}

static int setup(void **state)
{
	if (!mkdtemp(statedir))
		return -1;
	setenv("TWLAB_STATE_DIR", statedir, 1);
	return 0;
}

static int teardown(void **state)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", statedir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_netns_names),
		cmocka_unit_test(test_netns_needs_ino),
		cmocka_unit_test(test_proc_rules),
		cmocka_unit_test(test_inner_objects_name_a_lab_namespace),
		cmocka_unit_test(test_cgroup_entries),
		cmocka_unit_test(test_pin_entries),
		cmocka_unit_test(test_lab_names),
		cmocka_unit_test(test_netns_paths_stay_in_run_dir),
		cmocka_unit_test(test_load_skips_bad_lines),
		cmocka_unit_test(test_load_bad_header),
		cmocka_unit_test(test_load_refuses_names_and_untrusted_files),
		cmocka_unit_test(test_load_long_and_nul_lines),
		cmocka_unit_test(test_load_refuses_links_and_unsafe_folders),
		cmocka_unit_test(test_owner_proven_by_lock),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
