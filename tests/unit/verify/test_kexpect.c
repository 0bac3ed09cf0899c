// SPDX-License-Identifier: GPL-2.0
/* --expect files (verify/kexpect.c) and the matrix table (verify/matrix.c), no root. */
/* MODULES: kexpect matrix verify */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "verify/kexpect.h"
#include "verify/matrix.h"

static const char file[] =
	"[kernel 6.1.0-47-amd64]\n"
	"m8_ts_offsets = per host pair\n"
	"nat_reuse_ts_regression = absent\n"
	"[kernel 6.1.1[7-8]*]\n"
	"m7_nat_one_port = port clash: dropped at NAT (no eviction seen)\n"
	"[kernel 6.18.*]\n"
	"m8_ts_offsets = per 4-tuple\n";

static void suite(struct verify_suite *s, const char *kernel, const char *off, bool table_fail)
{
	struct verify_test *t;

	verify_suite_init(s, kernel);
	t = verify_add(s, "m8_ts_offsets", "offsets");
	verify_behaviour(t, "timestamp offsets: %s", off);
	if (table_fail)
		verify_table_fail(t, "inconsistent with the version");
	else
		verify_set(t, VS_PASS, "measured");
	t = verify_add(s, "m7_nat_one_port", "m7");
	verify_behaviour(t, "port clash: %s", "dropped at NAT (no eviction seen)");
	verify_set(t, VS_PASS, "10 trials");
}

static void test_match(void **state)
{
	assert_true(kexpect_kernel_match("6.1.0-47-amd64", "6.1.0-47-amd64 (6.1.170)"));
	assert_true(kexpect_kernel_match("6.1.17*", "6.1.0-47-amd64 (6.1.170)"));
	assert_true(kexpect_kernel_match("6.18.*", "6.18.44-fc-v1045"));
	assert_false(kexpect_kernel_match("6.1.0-57-amd64", "6.1.0-47-amd64 (6.1.170)"));
	assert_false(kexpect_kernel_match("6.1.0-4", "6.1.0-47-amd64 (6.1.170)"));
}

static void test_apply(void **state)
{
	struct verify_suite s;
	struct kexpect e;
	char why[200];

	assert_int_equal(kexpect_parse(file, "k.ini", &e, why, sizeof(why)), 0);
	assert_int_equal(e.n, 4);
	/* right behaviour, failed only by the version table: passes */
	suite(&s, "6.1.0-47-amd64 (6.1.170)", "per host pair", true);
	assert_int_equal(kexpect_apply(&e, &s, NULL), 1);   /* the regression did not run */
	assert_int_equal(s.t[0].status, VS_PASS);
	assert_non_null(strstr(s.t[0].detail, "k.ini [kernel 6.1.0-47-amd64]"));
	assert_int_equal(s.t[1].status, VS_PASS);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.t[2].name, "nat_reuse_ts_regression");
	assert_int_equal(s.t[2].status, VS_FAIL);
	verify_suite_free(&s);
	/* --only left the regression out: not a mismatch */
	suite(&s, "6.1.0-47-amd64 (6.1.170)", "per host pair", false);
	assert_int_equal(kexpect_apply(&e, &s, "m8,m7"), 0);
	verify_suite_free(&s);
	/* wrong behaviour: fails with both strings, even though the test itself passed */
	suite(&s, "6.1.0-47-amd64 (6.1.170)", "per 4-tuple", false);
	assert_int_equal(kexpect_apply(&e, &s, "m8"), 1);
	assert_int_equal(s.t[0].status, VS_FAIL);
	assert_non_null(strstr(s.t[0].detail, "'timestamp offsets: per 4-tuple'"));
	assert_non_null(strstr(s.t[0].detail, "expected 'per host pair'"));
	verify_suite_free(&s);
	/* no section matches: the version table's verdict stays */
	suite(&s, "5.10.0-30-amd64 (5.10.200)", "per 4-tuple", true);
	assert_int_equal(kexpect_apply(&e, &s, NULL), 0);
	assert_int_equal(s.t[0].status, VS_FAIL);
	verify_suite_free(&s);
	kexpect_free(&e);
}

static void test_bad_file(void **state)
{
	struct kexpect e;
	char why[200];

	assert_int_equal(kexpect_parse("[kernel 6.1*]\nm8 = x\n[server]\nport = 1\n", "b.ini", &e,
				       why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "b.ini:4:"));
	assert_int_equal(kexpect_parse("[kernel 6.1*]\nnot a line\n", "c.ini", &e, why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "c.ini:2:"));
}

static void test_matrix(void **state)
{
	struct verify_suite a, b, c;
	const struct verify_suite *v[3] = { &a, &b, &c };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	json_t *j;

	suite(&a, "6.1.0-47-amd64 (6.1.170)", "per host pair", false);
	suite(&b, "6.1.0-57-amd64 (6.1.192)", "per 4-tuple", false);
	suite(&c, "6.1.0-47-amd64 (6.1.170)", "per host pair", false);
	f = open_memstream(&buf, &len);
	assert_int_equal(matrix_text(v, 3, f), 1);
	fclose(f);
	assert_non_null(strstr(buf, "* m8_ts_offsets"));
	assert_non_null(strstr(buf, "  m7_nat_one_port"));
	assert_non_null(strstr(buf, "per 4-tuple"));
	free(buf);
	assert_int_equal(matrix_text((const struct verify_suite *const[]){ &a, &c }, 2,
				     fopen("/dev/null", "w")), 0);
	j = matrix_json(v, 3, true);
	assert_int_equal(json_integer_value(json_object_get(j, "differ")), 1);
	assert_int_equal(json_array_size(json_object_get(j, "results")), 3);
	assert_true(json_is_true(json_object_get(json_array_get(json_object_get(j, "rows"), 0),
						 "differs")));
	json_decref(j);
	buf = NULL;
	f = open_memstream(&buf, &len);
	matrix_html(v, 3, "t <x>", f);
	fclose(f);
	assert_non_null(strstr(buf, "<title>t &lt;x&gt;</title>"));
	assert_non_null(strstr(buf, "<tr class=\"diff\">"));
	assert_non_null(strstr(buf, "<td class=\"changed\">"));
	/* the detail is on the page, not in a title attribute */
	assert_non_null(strstr(buf, "<span class=\"d\">measured</span>"));
	free(buf);
	verify_suite_free(&a);
	verify_suite_free(&b);
	verify_suite_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_apply),
		cmocka_unit_test(test_bad_file),
		cmocka_unit_test(test_matrix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
