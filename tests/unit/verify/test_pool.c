// SPDX-License-Identifier: GPL-2.0
/* The child-process pool (verify/pool.c) that runs the suite's parts and a matrix's VMs: every
 * job runs once and is reaped with its own status, never more than `jobs` at once, a stop asked
 * for starts nothing more but still reaps what runs, a killed child is reported as such. */
/* MODULES: pool */
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "verify/pool.h"

struct shared {			/* in memory the children share with the parent */
	int running, max_running, runs[16];
};

struct ctx {
	struct shared *sh;
	int status[16], ndone, stop_after;
	size_t order[16];
};

static int child(size_t i, void *arg)
{
	struct ctx *c = arg;
	struct timespec hold = { 0, 30 * 1000000 };	/* the job's work: hold its slot a while */
	int now = __atomic_add_fetch(&c->sh->running, 1, __ATOMIC_SEQ_CST), m;

	while ((m = __atomic_load_n(&c->sh->max_running, __ATOMIC_SEQ_CST)) < now &&
	       !__atomic_compare_exchange_n(&c->sh->max_running, &m, now, false, __ATOMIC_SEQ_CST,
					    __ATOMIC_SEQ_CST))
		;
	__atomic_add_fetch(&c->sh->runs[i], 1, __ATOMIC_SEQ_CST);
	nanosleep(&hold, NULL);
	__atomic_sub_fetch(&c->sh->running, 1, __ATOMIC_SEQ_CST);
	if (i == 3)
		raise(SIGKILL);
	return (int)i + 10;
}

static void done(size_t i, int status, void *arg)
{
	struct ctx *c = arg;

	c->status[i] = status;
	c->order[c->ndone++] = i;
}

static bool stop(void *arg)
{
	struct ctx *c = arg;

	return c->stop_after && c->ndone >= c->stop_after;
}

static struct shared *shared_new(void)
{
	struct shared *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				 -1, 0);

	assert_true(sh != MAP_FAILED);
	memset(sh, 0, sizeof(*sh));
	return sh;
}

static void run_jobs(int jobs, size_t n)
{
	struct ctx c = { .sh = shared_new() };
	struct verify_pool p = { n, jobs, child, done, stop, &c };
	size_t started = 99;

	assert_int_equal(verify_pool_run(&p, &started), 0);
	assert_int_equal(started, n);
	assert_int_equal(c.ndone, (int)n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(c.sh->runs[i], 1);
		if (i == 3) {
			assert_true(WIFSIGNALED(c.status[i]));
			assert_int_equal(WTERMSIG(c.status[i]), SIGKILL);
		} else {
			assert_true(WIFEXITED(c.status[i]));
			assert_int_equal(WEXITSTATUS(c.status[i]), (int)i + 10);
		}
	}
	assert_true(c.sh->max_running <= jobs);
	/* 30 ms each: with room for two, two did run at once */
	if (jobs > 1)
		assert_int_equal(c.sh->max_running, jobs);
	assert_int_equal(c.sh->running, 0);
	munmap(c.sh, sizeof(*c.sh));
}

static void test_one_at_a_time(void **state)
{
	(void)state;
	run_jobs(1, 5);
}

static void test_two_at_once(void **state)
{
	(void)state;
	run_jobs(2, 7);
}

static void test_stop_starts_nothing_more(void **state)
{
	struct ctx c = { .sh = shared_new(), .stop_after = 1 };
	struct verify_pool p = { 8, 2, child, done, stop, &c };
	size_t started = 0;

	(void)state;
	assert_int_equal(verify_pool_run(&p, &started), 0);
	/* two started at once; after the first ended nothing more, and the second was reaped */
	assert_int_equal(started, 2);
	assert_int_equal(c.ndone, 2);
	for (size_t i = 2; i < 8; i++)
		assert_int_equal(c.sh->runs[i], 0);
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);	/* no child left */
	munmap(c.sh, sizeof(*c.sh));
}

static void test_no_jobs(void **state)
{
	struct ctx c = { .sh = NULL };
	struct verify_pool p = { 0, 3, child, done, NULL, &c };
	size_t started = 99;

	(void)state;
	assert_int_equal(verify_pool_run(&p, &started), 0);
	assert_int_equal(started, 0);
	assert_int_equal(c.ndone, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_at_a_time),
		cmocka_unit_test(test_two_at_once),
		cmocka_unit_test(test_stop_starts_nothing_more),
		cmocka_unit_test(test_no_jobs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
