// SPDX-License-Identifier: GPL-2.0
/* proc_kill_nopidfd: teardown on kernels without pidfds (before 5.3). No root needed: it
 * kills children of this test only. */
/* MODULES: netns */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>
#include "lab/netns.h"

static pid_t child(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		pause();
		_exit(0);
	}
	assert_true(pid > 0);
	return pid;
}

/* The right start time: killed, reaped, the pid gone. */
static void test_kills_the_process_meant(void **state)
{
	uint64_t start;
	pid_t pid = child();

	assert_int_equal(proc_starttime(pid, &start), 0);
	assert_int_equal(proc_kill_nopidfd(pid, start, 2000), 0);
	assert_int_equal(proc_starttime(pid, &start), -ENOENT);
}

/* Another start time (the pid was reused): left alone. */
static void test_spares_a_reused_pid(void **state)
{
	uint64_t start;
	pid_t pid = child();
	int status;

	assert_int_equal(proc_starttime(pid, &start), 0);
	assert_int_equal(proc_kill_nopidfd(pid, start + 1, 2000), 0);
	assert_int_equal(waitpid(pid, &status, WNOHANG), 0);	/* still running */
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
}

/* Start 0 means any process at that pid; a pid that is gone is not an error. */
static void test_any_and_gone(void **state)
{
	pid_t pid = child();

	assert_int_equal(proc_kill_nopidfd(pid, 0, 2000), 0);
	assert_int_equal(kill(pid, 0), -1);
	assert_int_equal(proc_kill_nopidfd(pid, 0, 2000), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kills_the_process_meant),
		cmocka_unit_test(test_spares_a_reused_pid),
		cmocka_unit_test(test_any_and_gone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
