// SPDX-License-Identifier: GPL-2.0
/* The pure half of verify: KTAP and JSON output, reading JSON back, the compare table, and the
 * version timeline of kernel-notes §3. */
/* MODULES: verify */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "verify/verify.h"

static char *capture(void (*fn)(const struct verify_suite *, FILE *), const struct verify_suite *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fn(s, f);
	fclose(f);
	return buf;
}

static void ktap(const struct verify_suite *s, FILE *f)
{
	verify_ktap(s, f);
}

static void three(struct verify_suite *s, const char *kernel)
{
	struct verify_test *t;

	verify_suite_init(s, kernel);
	t = verify_add(s, "m1_no_tw_recycle", "no tcp_tw_recycle");
	verify_behaviour(t, "tcp_tw_recycle: %s", "absent");
	verify_set(t, VS_PASS, "as since 4.12");
	t = verify_add(s, "m2_tw_older_ts", "older SYN:\nACK, RST");
	verify_behaviour(t, "PAWS reject in TIME_WAIT counted as: %s", "PAWSTimewait");
	verify_set(t, VS_FAIL, "no RST");
	t = verify_add(s, "p6_tw_shortened", "P6");
	verify_set(t, VS_SKIP, "not emulated");
}

static void test_ktap(void **state)
{
	struct verify_suite s;
	char *out;

	three(&s, "6.18.44");
	out = capture(ktap, &s);
	assert_non_null(strstr(out, "KTAP version 1\n"));
	assert_non_null(strstr(out, "\n1..3\n"));
	assert_non_null(strstr(out, "\nok 1 m1_no_tw_recycle # no tcp_tw_recycle\n"));
	assert_non_null(strstr(out, "# m1_no_tw_recycle: behaviour: tcp_tw_recycle: absent\n"));
	/* a newline inside a text must not start a bogus KTAP line */
	assert_non_null(strstr(out, "\nnot ok 2 m2_tw_older_ts # older SYN: ACK, RST\n"));
	assert_non_null(strstr(out, "# m2_tw_older_ts: no RST\n"));
	assert_non_null(strstr(out, "\nok 3 p6_tw_shortened # SKIP not emulated\n"));
	assert_non_null(strstr(out, "# 3 tests: 1 pass, 1 fail, 1 skip"));
	free(out);
	verify_suite_free(&s);
}

static void test_json_round_trip(void **state)
{
	struct verify_suite s, back;
	char why[128];
	json_t *j;

	three(&s, "6.1.0-56-amd64 (6.1.192)");
	s.t[0].data = json_pack("{s:i}", "x", 7);
	j = verify_json(&s);
	assert_false(json_is_true(json_object_get(j, "ok")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "summary"), "skip")), 1);
	assert_int_equal(verify_from_json(j, &back, why, sizeof(why)), 0);
	assert_string_equal(back.kernel, "6.1.0-56-amd64 (6.1.192)");
	assert_int_equal(back.n, 3);
	assert_int_equal(back.t[1].status, VS_FAIL);
	assert_int_equal(back.t[2].status, VS_SKIP);
	assert_string_equal(back.t[1].behaviour, "PAWS reject in TIME_WAIT counted as: PAWSTimewait");
	assert_int_equal(json_integer_value(json_object_get(back.t[0].data, "x")), 7);
	json_decref(j);
	verify_suite_free(&back);
	verify_suite_free(&s);
}

static void test_json_rejects(void **state)
{
	struct verify_suite s;
	char why[128];
	json_t *j = json_pack("{s:s,s:[{s:s,s:s}]}", "kernel", "x", "tests", "name", "a", "status",
			      "maybe");

	assert_int_equal(verify_from_json(j, &s, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "maybe"));
	json_decref(j);
	j = json_pack("{s:i}", "schema", 1);
	assert_int_equal(verify_from_json(j, &s, why, sizeof(why)), -EINVAL);
	json_decref(j);
}

static void test_compare(void **state)
{
	struct verify_suite a, b;
	struct verify_test *t;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	three(&a, "6.18.44");
	three(&b, "6.1.192");
	verify_behaviour(&b.t[1], "PAWS reject in TIME_WAIT counted as: PAWSEstab");
	verify_set(&b.t[1], VS_PASS, NULL);
	t = verify_add(&b, "only_in_b", "x");
	verify_set(t, VS_PASS, NULL);
	f = open_memstream(&buf, &len);
	verify_compare(&a, &b, f);
	fclose(f);
	/* header with both kernels, one row per test, '*' where they differ, union of names */
	assert_non_null(strstr(buf, "6.18.44"));
	assert_non_null(strstr(buf, "6.1.192"));
	assert_non_null(strstr(buf, "\n  m1_no_tw_recycle "));
	assert_non_null(strstr(buf, "\n* m2_tw_older_ts "));
	assert_non_null(strstr(buf, "FAIL PAWS reject in TIME_WAIT counted as: PAWSTimewait"));
	assert_non_null(strstr(buf, "ok   PAWS reject in TIME_WAIT counted as: PAWSEstab"));
	assert_non_null(strstr(buf, "\n* only_in_b "));
	assert_non_null(strstr(buf, "(* = 2 rows differ"));
	free(buf);
	verify_suite_free(&a);
	verify_suite_free(&b);
}

static struct verify_kver kv(int a, int b, int c)
{
	return (struct verify_kver){ a, b, c };
}

static void test_kver(void **state)
{
	struct verify_kver v;

	assert_int_equal(verify_kver_parse("6.18.44-fc-v595", &v), 0);
	assert_int_equal(v.major, 6);
	assert_int_equal(v.minor, 18);
	assert_int_equal(v.patch, 44);
	assert_int_equal(verify_kver_parse("7.0-rc1", &v), 0);
	assert_int_equal(v.patch, 0);
	assert_int_equal(verify_kver_parse("garbage", &v), -EINVAL);
	/* Debian: the ABI name in uname -r, the real version in uname -v */
	assert_int_equal(verify_kver_parse("6.1.0-56-amd64", &v), 0);
	assert_true(verify_kver_from_version("#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-11-16)", &v));
	assert_int_equal(v.patch, 192);
	assert_false(verify_kver_from_version("#1 SMP Debian 5.10.1-1", &v));	/* other series */
	assert_int_equal(v.minor, 1);
	v = kv(6, 16, 0);
	assert_true(verify_kver_cmp(&v, 6, 15, 9) > 0);
	assert_true(verify_kver_cmp(&v, 6, 16, 0) == 0);
	assert_true(verify_kver_cmp(&v, 7, 0, 0) < 0);
}

static void test_timeline(void **state)
{
	struct verify_kver v;

	v = kv(6, 15, 11);
	assert_string_equal(verify_paws_tw_counter(&v), "PAWSEstab");
	v = kv(6, 16, 0);
	assert_string_equal(verify_paws_tw_counter(&v), "PAWSTimewait");
	v = kv(5, 4, 0);
	assert_false(verify_quick_syn_resend(&v));
	v = kv(5, 6, 0);
	assert_true(verify_quick_syn_resend(&v));
	v = kv(6, 4, 0);
	assert_false(verify_nat_evicts(&v));
	v = kv(6, 5, 0);
	assert_true(verify_nat_evicts(&v));
	v = kv(4, 11, 0);
	assert_true(verify_has_tw_recycle(&v));
	v = kv(4, 12, 0);
	assert_false(verify_has_tw_recycle(&v));
	v = kv(4, 18, 0);
	assert_int_equal(verify_tw_reuse_default(&v), 0);
	v = kv(4, 19, 0);
	assert_int_equal(verify_tw_reuse_default(&v), 2);
}

static void test_tsoff_allowed(void **state)
{
	struct verify_kver v;
	const char *note;

	v = kv(4, 9, 0);
	assert_int_equal(verify_tsoff_allowed(&v, &note), TSOFF_NONE);
	v = kv(4, 10, 1);
	assert_int_equal(verify_tsoff_allowed(&v, &note), TSOFF_4TUPLE);
	v = kv(4, 11, 0);
	assert_int_equal(verify_tsoff_allowed(&v, &note), TSOFF_HOST_PAIR);
	v = kv(6, 18, 2);	/* the 6.18.2 source: before the backport, maybe after in .y */
	assert_int_equal(verify_tsoff_allowed(&v, &note), TSOFF_HOST_PAIR | TSOFF_4TUPLE);
	v = kv(6, 18, 44);	/* [EXP 6.18.44] */
	assert_int_equal(verify_tsoff_allowed(&v, &note), TSOFF_4TUPLE);
	v = kv(6, 9, 0);	/* not a maintained stable series: no backport */
	assert_int_equal(verify_tsoff_allowed(&v, &note), TSOFF_HOST_PAIR);
	v = kv(7, 0, 0);
	assert_int_equal(verify_tsoff_allowed(&v, &note), TSOFF_4TUPLE);
	assert_non_null(note);
}

static void test_tsoff_classify(void **state)
{
	unsigned none[] = { 3, 0xfffffffe, 10 };	/* small +- jitter around 0 */
	unsigned host[] = { 123456789, 123456795, 123456790 };
	unsigned tuple[] = { 3257462600u, 1164824197u, 2751513586u };
	unsigned wrap[] = { 0x7fffff00u, 0x80000010u };	/* the same offset across 2^31 */

	assert_int_equal(verify_tsoff_classify(none, 3, 50), TSOFF_NONE);
	assert_int_equal(verify_tsoff_classify(host, 3, 50), TSOFF_HOST_PAIR);
	assert_int_equal(verify_tsoff_classify(tuple, 3, 50), TSOFF_4TUPLE);
	assert_int_equal(verify_tsoff_classify(wrap, 2, 500), TSOFF_HOST_PAIR);
}

static void test_resend_class(void **state)
{
	assert_string_equal(verify_resend_class(11.5), "~2 jiffies");
	assert_string_equal(verify_resend_class(1003), "~1 s");
	assert_null(verify_resend_class(400));
	assert_null(verify_resend_class(-1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ktap),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_json_rejects),
		cmocka_unit_test(test_compare),
		cmocka_unit_test(test_kver),
		cmocka_unit_test(test_timeline),
		cmocka_unit_test(test_tsoff_allowed),
		cmocka_unit_test(test_tsoff_classify),
		cmocka_unit_test(test_resend_class),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
