// SPDX-License-Identifier: GPL-2.0
/* The sysctl-file parser of twlab audit (sysctl -p / sysctl.d syntax), the key table's value
 * checks, exit codes and the JSON shape. No root needed. */
/* MODULES: audit */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "audit/audit.h"

static struct audit parse_ok(const char *text)
{
	struct audit a;
	struct audit_err e;
	int r = audit_parse_buffer(text, strlen(text), "t.conf", &a, &e);

	if (r)
		print_error("unexpected error %d: line %d [%s] %s\n", r, e.line, e.key, e.msg);
	assert_int_equal(r, 0);
	return a;
}

/* The line and key of the error, and a word of its message. */
static void parse_bad(const char *text, int line, const char *key, const char *word)
{
	struct audit a;
	struct audit_err e;
	int r = audit_parse_buffer(text, strlen(text), "t.conf", &a, &e);

	assert_int_equal(r, -EINVAL);
	assert_int_equal(e.line, line);
	assert_string_equal(e.key, key);
	if (!strstr(e.msg, word))
		print_error("message '%s' lacks '%s'\n", e.msg, word);
	assert_non_null(strstr(e.msg, word));
}

static void test_recipe(void **state)
{
	struct audit a = parse_ok("net.ipv4.tcp_fin_timeout = 30\n"
				  "net.ipv4.tcp_tw_recycle = 1\n"
				  "net.ipv4.tcp_tw_reuse = 1\n"
				  "net.ipv4.tcp_keepalive_time = 120\n"
				  "net.ipv4.tcp_keepalive_intvl = 30\n"
				  "net.ipv4.tcp_keepalive_probes = 3\n");

	assert_int_equal(a.n, 6);
	assert_int_equal(a.v[0].line, 1);
	assert_string_equal(a.v[0].key, "net.ipv4.tcp_fin_timeout");
	assert_string_equal(a.v[0].value, "30");
	assert_non_null(a.v[0].known);
	assert_int_equal(a.v[0].known->exp, AE_FIN_TIMEOUT);
	assert_int_equal(a.v[1].known->exp, AE_TW_RECYCLE);
	assert_int_equal(a.v[5].line, 6);
	assert_string_equal(a.v[5].value, "3");
	assert_int_equal(a.v[5].exists, -1);
	assert_int_equal(a.v[5].verdict, AV_NOT_MEASURED);
	audit_free(&a);
}

static void test_comments_blank_whitespace(void **state)
{
	struct audit a = parse_ok("# a comment\n"
				  "; another\n"
				  "\n"
				  "   \t\n"
				  "   # indented comment\n"
				  "  net.core.somaxconn\t=\t 1024  \r\n"
				  "net.ipv4.tcp_syncookies=1");   /* no final newline */

	assert_int_equal(a.n, 2);
	assert_int_equal(a.v[0].line, 6);
	assert_string_equal(a.v[0].key, "net.core.somaxconn");
	assert_string_equal(a.v[0].value, "1024");
	assert_int_equal(a.v[1].line, 7);
	assert_string_equal(a.v[1].value, "1");
	audit_free(&a);
}

static void test_dash_prefix(void **state)
{
	struct audit a = parse_ok("-net.ipv4.tcp_tw_recycle = 1\n- net.ipv4.tcp_tw_reuse = 1\n"
				  "net.ipv4.tcp_fin_timeout = 30\n");

	assert_true(a.v[0].ignore_failure);
	assert_string_equal(a.v[0].key, "net.ipv4.tcp_tw_recycle");
	assert_true(a.v[1].ignore_failure);
	assert_string_equal(a.v[1].key, "net.ipv4.tcp_tw_reuse");
	assert_false(a.v[2].ignore_failure);
	audit_free(&a);
}

static void test_slashes(void **state)
{
	/* the first separator decides: slashes separate and dots are literal (an interface
	 * "eth0.100"), which sysctl(8) writes as dots with a '/' for the literal dot */
	struct audit a = parse_ok("net/ipv4/tcp_tw_reuse = 1\n"
				  "net/ipv4/conf/eth0.100/rp_filter = 2\n"
				  "net.ipv4.conf.eth0/100.rp_filter = 2\n");
	char buf[64];

	assert_string_equal(a.v[0].key, "net.ipv4.tcp_tw_reuse");
	assert_non_null(a.v[0].known);   /* slashes find the known key */
	assert_string_equal(a.v[1].key, "net.ipv4.conf.eth0/100.rp_filter");
	assert_string_equal(a.v[2].key, "net.ipv4.conf.eth0/100.rp_filter");
	assert_null(a.v[1].known);
	audit_free(&a);
	assert_int_equal(audit_key_normalize("net..ipv4", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(audit_key_normalize("net/ipv4/", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(audit_key_normalize(".net", buf, sizeof(buf)), -EINVAL);
}

static void test_values_kept(void **state)
{
	/* a value is everything after '=' but the outer whitespace; '#' inside is not a comment */
	struct audit a = parse_ok("net.ipv4.ip_local_port_range = 1024\t65000\n"
				  "kernel.core_pattern = |/usr/bin/x %p # not a comment\n"
				  "net.ipv4.tcp_rmem = 4096 87380  6291456\n");

	assert_string_equal(a.v[0].value, "1024\t65000");
	assert_string_equal(a.v[1].value, "|/usr/bin/x %p # not a comment");
	assert_string_equal(a.v[2].value, "4096 87380  6291456");
	assert_null(a.v[2].known);
	audit_free(&a);
}

static void test_glob(void **state)
{
	struct audit a = parse_ok("net.ipv4.conf.*.rp_filter = 1\n");

	assert_true(a.v[0].glob);
	assert_null(a.v[0].known);
	audit_free(&a);
}

static void test_bad_lines(void **state)
{
	parse_bad("net.ipv4.tcp_fin_timeout = 30\nnet.ipv4.tcp_tw_reuse 1\n", 2, "", "no '='");
	parse_bad("# c\n\n = 1\n", 3, "", "no key");
	parse_bad("net.ipv4.tcp_fin_timeout =\n", 1, "net.ipv4.tcp_fin_timeout", "no value");
	parse_bad("net.ipv4..tcp_fin_timeout = 30\n", 1, "net.ipv4..tcp_fin_timeout", "not a sysctl name");
	parse_bad("net ipv4 x = 1\n", 1, "net ipv4 x", "not a sysctl name");
	parse_bad("-\t= 1\n", 1, "", "no key");
}

static void test_bad_values(void **state)
{
	parse_bad("\nnet.ipv4.tcp_fin_timeout = thirty\n", 2, "net.ipv4.tcp_fin_timeout",
		  "not an integer");
	parse_bad("net.ipv4.tcp_fin_timeout = 30s\n", 1, "net.ipv4.tcp_fin_timeout", "not an integer");
	parse_bad("net.ipv4.tcp_tw_reuse = 3\n", 1, "net.ipv4.tcp_tw_reuse", "out of range");
	parse_bad("net.ipv4.tcp_timestamps = -1\n", 1, "net.ipv4.tcp_timestamps", "out of range");
	parse_bad("net.ipv4.ip_local_port_range = 1024\n", 1, "net.ipv4.ip_local_port_range",
		  "two integers");
	parse_bad("net.ipv4.ip_local_port_range = 65000 1024\n", 1, "net.ipv4.ip_local_port_range",
		  "LOW <= HIGH");
	parse_bad("net.ipv4.ip_local_port_range = 0 1024\n", 1, "net.ipv4.ip_local_port_range",
		  "LOW <= HIGH");
	/* an unknown key's value is the kernel's to judge */
	struct audit a = parse_ok("net.ipv4.tcp_made_up = thirty\n");

	assert_null(a.v[0].known);
	audit_free(&a);
}

static void test_pair(void **state)
{
	long lo, hi;

	assert_int_equal(audit_parse_pair("32768\t60999", &lo, &hi), 0);
	assert_int_equal(lo, 32768);
	assert_int_equal(hi, 60999);
	assert_int_equal(audit_parse_pair("1 2 3", &lo, &hi), -EINVAL);
	assert_int_equal(audit_parse_pair("1", &lo, &hi), -EINVAL);
}

static void test_nul_and_empty(void **state)
{
	struct audit a, b;
	struct audit_err e;

	assert_int_equal(audit_parse_buffer("net.core.somaxconn = 1\0x\n", 25, "t", &a, &e), -EINVAL);
	assert_int_equal(e.line, 1);
	b = parse_ok("");
	assert_int_equal(b.n, 0);
	audit_free(&b);
}

static void test_file(void **state)
{
	char path[] = "/tmp/twlab-audit-test.XXXXXX";
	int fd = mkstemp(path);
	struct audit a;
	struct audit_err e;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "net.core.somaxconn = 10\nbad line\n", 33), 33);
	close(fd);
	assert_int_equal(audit_parse_file(path, &a, &e), -EINVAL);
	assert_int_equal(e.line, 2);
	unlink(path);
	assert_int_equal(audit_parse_file(path, &a, &e), -ENOENT);
}

static void test_exit_and_json(void **state)
{
	struct audit a = parse_ok("net.ipv4.tcp_fin_timeout = 30\nnet.ipv4.tcp_tw_recycle = 1\n");
	json_t *j, *l;

	a.v[0].verdict = AV_NO_TW;
	a.v[1].verdict = AV_ABSENT;
	assert_int_equal(audit_exit_code(&a), 0);   /* "absent" was measured */
	a.v[0].verdict = AV_NOT_MEASURED;
	assert_int_equal(audit_exit_code(&a), 4);
	a.v[1].verdict = AV_HARMFUL_NAT;
	assert_int_equal(audit_exit_code(&a), 1);   /* harmful wins */
	a.v[0].verdict = AV_NO_TW;
	a.v[1].verdict = AV_ABSENT;
	a.v[1].exists = 0;
	j = audit_json(&a);
	assert_int_equal(json_integer_value(json_object_get(j, "exit")), 0);
	l = json_array_get(json_object_get(j, "lines"), 1);
	assert_string_equal(json_string_value(json_object_get(l, "verdict")), "not on this kernel");
	assert_string_equal(json_string_value(json_object_get(l, "key")), "net.ipv4.tcp_tw_recycle");
	assert_int_equal(json_integer_value(json_object_get(l, "line")), 2);
	assert_true(json_is_false(json_object_get(l, "exists")));
	assert_true(json_is_null(json_object_get(l, "per_netns")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "summary"),
							    "no effect on TIME_WAIT")), 1);
	json_decref(j);
	audit_free(&a);
}

static void test_json_round_trip(void **state)
{
	struct audit a = parse_ok("net.ipv4.tcp_fin_timeout = 30\n-net.ipv4.tcp_tw_recycle = 1\n"), b;
	char why[128];
	json_t *j;

	snprintf(a.kernel, sizeof(a.kernel), "6.1.0-57-amd64");
	a.v[0].verdict = AV_NO_TW;
	a.v[0].exists = 1;
	a.v[0].per_netns = 1;
	snprintf(a.v[0].measured, sizeof(a.v[0].measured), "FIN_WAIT2 30.0 s");
	a.v[0].data = json_pack("{s:i}", "fin_wait2_left_ms", 29996);
	a.v[1].verdict = AV_ABSENT;
	a.v[1].exists = 0;
	j = audit_json(&a);
	assert_int_equal(audit_from_json(j, &b, why, sizeof(why)), 0);
	assert_int_equal(b.n, 2);
	assert_string_equal(b.kernel, "6.1.0-57-amd64");
	assert_int_equal(b.v[0].verdict, AV_NO_TW);
	assert_int_equal(b.v[0].per_netns, 1);
	assert_int_equal(b.v[1].exists, 0);
	assert_int_equal(b.v[1].per_netns, -1);
	assert_true(b.v[1].ignore_failure);
	assert_int_equal(b.v[1].line, 2);
	assert_non_null(b.v[0].known);
	assert_string_equal(b.v[0].measured, "FIN_WAIT2 30.0 s");
	assert_int_equal(json_integer_value(json_object_get(b.v[0].data, "fin_wait2_left_ms")), 29996);
	assert_int_equal(audit_exit_code(&b), 0);
	json_decref(j);
	audit_free(&b);
	audit_free(&a);
	j = json_pack("{s:i}", "schema", 2);
	assert_int_equal(audit_from_json(j, &b, why, sizeof(why)), -EINVAL);
	json_decref(j);
}

static void test_verdict_names(void **state)
{
	assert_string_equal(audit_verdict_str(AV_CLAIMED), "does what it claims");
	assert_string_equal(audit_verdict_str(AV_NO_TW), "no effect on TIME_WAIT");
	assert_string_equal(audit_verdict_str(AV_HARMFUL_NAT), "harmful behind NAT");
	assert_string_equal(audit_verdict_str(AV_ABSENT), "not on this kernel");
	assert_string_equal(audit_verdict_str(AV_NOT_MEASURED), "not measured");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recipe),       cmocka_unit_test(test_comments_blank_whitespace),
		cmocka_unit_test(test_dash_prefix),  cmocka_unit_test(test_slashes),
		cmocka_unit_test(test_values_kept),  cmocka_unit_test(test_glob),
		cmocka_unit_test(test_bad_lines),    cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_pair),         cmocka_unit_test(test_nul_and_empty),
		cmocka_unit_test(test_file),         cmocka_unit_test(test_exit_and_json),
		cmocka_unit_test(test_json_round_trip), cmocka_unit_test(test_verdict_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
