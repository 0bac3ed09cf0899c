// SPDX-License-Identifier: GPL-2.0
/* /proc/net/stat/nf_conntrack parsing: hex per-CPU rows summed, "entries" taken once. */
/* MODULES: conntrack evidence nl */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "run/conntrack.h"
#include "run/evidence.h"

static const char two_cpus[] =
	"entries  clashres found new invalid ignore delete chainlength insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart\n"
	"00000003  00000000 00000001 00000000 00000002 00000000 00000000 00000000 00000000 00000004 0000000a 00000000 00000000  00000000 00000000 00000000 00000000\n"
	"00000003  00000001 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000001 00000006 00000000 00000000  00000000 00000000 00000000 00000000\n";

static void test_sums_cpus(void **s)
{
	struct counters c;

	assert_int_equal(ct_stats_parse(two_cpus, &c), 0);
	assert_int_equal(c.n, 17);
	assert_int_equal(counters_get(&c, "entries"), 3);
	assert_int_equal(counters_get(&c, "insert_failed"), 5);
	assert_int_equal(counters_get(&c, "drop"), 16);
	assert_int_equal(counters_get(&c, "clashres"), 1);
	assert_int_equal(counters_get(&c, "search_restart"), 0);
	counters_free(&c);
}

static void test_rejects_bad_rows(void **s)
{
	struct counters c;

	assert_int_equal(ct_stats_parse("entries drop\n00000001\n", &c), -EINVAL);
	assert_int_equal(ct_stats_parse("entries drop\n0000000g 00000001\n", &c), -EINVAL);
	assert_int_equal(ct_stats_parse("", &c), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sums_cpus),
		cmocka_unit_test(test_rejects_bad_rows),
	};

	return cmocka_run_group_tests_name("conntrack stats", tests, NULL, NULL);
}
