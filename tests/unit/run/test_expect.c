// SPDX-License-Identifier: GPL-2.0
/* expect: [expect] lines against a result.json shaped as README.md "Results" describes. */
/* MODULES: expect kver */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "run/expect.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char result_text[] =
	"{ \"schema\": 1, \"lab\": \"nat-recycle\", \"kernel\": \"6.18.44-test\", \"ok\": true,"
	"  \"duration_s\": 6.01, \"setup_s\": 0.04, \"teardown_s\": 0.03,"
	"  \"gate\": { \"enabled\": true, \"syn_seen\": 43, \"syn_passed\": 30,"
	"            \"syn_dropped\": 13, \"records_updated\": 30, \"paws_msl_s\": 60 },"
	"  \"clients\": ["
	"    { \"name\": \"alice\", \"address\": \"100.64.0.2\", \"ts_mode\": \"offset\","
	"      \"attempts\": 30, \"connected\": 30, \"failed\": 0,"
	"      \"syn_dropped\": 0, \"syn_retransmits\": 0,"
	"      \"connect_ms\": { \"p50\": 0.2, \"p99\": 0.4, \"max\": 0.5 } },"
	"    { \"name\": \"bob\", \"address\": \"100.64.0.3\", \"ts_mode\": \"offset\","
	"      \"attempts\": 28, \"connected\": 15, \"failed\": 13,"
	"      \"syn_dropped\": 13, \"syn_retransmits\": 26,"
	"      \"connect_ms\": { \"p50\": 1.5, \"p99\": 3000.25, \"max\": 3001 } } ],"
	"  \"counters\": { \"server\": { \"TcpExtPAWSTimewait\": 0, \"TcpExtPAWSPassive\": 13,"
	"                              \"TcpCurrEstab\": -2 },"
	"                \"router\": {}, \"alice\": {} },"
	"  \"big\": 9007199254740993,"
	"  \"expect\": [] }";

static int setup(void **state)
{
	json_error_t err;

	*state = json_loads(result_text, 0, &err);
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	json_decref(*state);
	return 0;
}

static struct lab_expect ex(const char *path, enum expect_op op, const char *value)
{
	return (struct lab_expect){ .path = (char *)path, .op = op, .value = (char *)value };
}

/* Verdict of path op value; asserts the call itself returned want_rc. */
static bool verdict(json_t *result, const char *path, enum expect_op op, const char *value,
		    int want_rc, char *why, size_t len)
{
	struct lab_expect e = ex(path, op, value);
	bool ok = true;

	assert_int_equal(expect_eval(&e, result, &ok, why, len), want_rc);
	return ok;
}

static bool holds(json_t *result, const char *path, enum expect_op op, const char *value)
{
	char why[256];

	return verdict(result, path, op, value, 0, why, sizeof(why));
}

static void test_lookup(void **state)
{
	json_t *r = *state;

	assert_int_equal(json_integer_value(expect_lookup(r, "schema")), 1);
	assert_string_equal(json_string_value(expect_lookup(r, "lab")), "nat-recycle");
	assert_int_equal(json_integer_value(expect_lookup(r, "gate.syn_dropped")), 13);
	/* client.NAME.FIELD, and nested FIELD */
	assert_int_equal(json_integer_value(expect_lookup(r, "client.bob.syn_dropped")), 13);
	assert_int_equal(json_integer_value(expect_lookup(r, "client.alice.attempts")), 30);
	assert_true(json_real_value(expect_lookup(r, "client.bob.connect_ms.p50")) == 1.5);
	assert_string_equal(json_string_value(expect_lookup(r, "client.bob.address")),
			    "100.64.0.3");
	assert_ptr_equal(expect_lookup(r, "client.alice"),
			 json_array_get(json_object_get(r, "clients"), 0));
	/* array indexes */
	assert_string_equal(json_string_value(expect_lookup(r, "clients.1.name")), "bob");
	assert_int_equal(json_integer_value(expect_lookup(r, "counters.server.TcpExtPAWSPassive")),
			 13);
	/* nothing there */
	assert_null(expect_lookup(r, "client.carol.attempts"));
	assert_null(expect_lookup(r, "client.bob.nope"));
	assert_null(expect_lookup(r, "gate.syn_dropped.x"));
	assert_null(expect_lookup(r, "clients.2.name"));
	assert_null(expect_lookup(r, "clients.x1.name"));
	assert_null(expect_lookup(r, "nope"));
	assert_null(expect_lookup(r, ""));
	assert_null(expect_lookup(r, "gate..syn_dropped"));
	assert_null(expect_lookup(r, "gate."));
	/* computed values are expect_resolve's */
	assert_null(expect_lookup(r, "counters.server.TcpOutRsts"));
	assert_null(expect_lookup(r, "clients.attempts"));
}

static void test_resolve(void **state)
{
	json_t *r = *state, *v;

	/* a counter that did not change is 0, while the node has counters */
	assert_int_equal(expect_resolve(r, "counters.router.TcpExtPAWSTimewait", &v), 0);
	assert_true(json_is_integer(v));
	assert_int_equal(json_integer_value(v), 0);
	json_decref(v);
	assert_int_equal(expect_resolve(r, "counters.server.TcpExtPAWSPassive", &v), 0);
	assert_int_equal(json_integer_value(v), 13);
	json_decref(v);
	v = NULL;
	assert_int_equal(expect_resolve(r, "counters.bob.TcpOutRsts", &v), -ENOENT);
	assert_null(v);

	/* clients.FIELD: sums, integer when every term is */
	assert_int_equal(expect_resolve(r, "clients.attempts", &v), 0);
	assert_true(json_is_integer(v));
	assert_int_equal(json_integer_value(v), 58);
	json_decref(v);
	assert_int_equal(expect_resolve(r, "clients.connect_ms.p50", &v), 0);
	assert_true(json_is_real(v));
	assert_true(json_real_value(v) > 1.69 && json_real_value(v) < 1.71);
	json_decref(v);
	assert_int_equal(expect_resolve(r, "clients.connect_ms.max", &v), 0);   /* 0.5 + 3001 */
	assert_true(json_real_value(v) == 3001.5);
	json_decref(v);
	assert_int_equal(expect_resolve(r, "clients.name", &v), -EINVAL);
	assert_int_equal(expect_resolve(r, "clients.nope", &v), -ENOENT);
	/* clients.N is an index, not a sum */
	assert_int_equal(expect_resolve(r, "clients.0.failed", &v), 0);
	assert_int_equal(json_integer_value(v), 0);
	json_decref(v);

	/* plain paths come back as new references */
	assert_int_equal(expect_resolve(r, "client.bob.failed", &v), 0);
	assert_ptr_equal(v, expect_lookup(r, "client.bob.failed"));
	json_decref(v);
	assert_int_equal(expect_resolve(r, "client.carol.failed", &v), -ENOENT);
	assert_int_equal(expect_resolve(r, "a..b", &v), -EINVAL);
}

static void test_numbers_every_operator(void **state)
{
	json_t *r = *state;

	/* integer 13 */
	assert_true(holds(r, "client.bob.syn_dropped", OP_EQ, "13"));
	assert_false(holds(r, "client.bob.syn_dropped", OP_EQ, "12"));
	assert_true(holds(r, "client.bob.syn_dropped", OP_NE, "12"));
	assert_false(holds(r, "client.bob.syn_dropped", OP_NE, "13"));
	assert_true(holds(r, "client.bob.syn_dropped", OP_GT, "0"));
	assert_false(holds(r, "client.bob.syn_dropped", OP_GT, "13"));
	assert_true(holds(r, "client.bob.syn_dropped", OP_GE, "13"));
	assert_false(holds(r, "client.bob.syn_dropped", OP_GE, "14"));
	assert_true(holds(r, "client.bob.syn_dropped", OP_LT, "14"));
	assert_false(holds(r, "client.bob.syn_dropped", OP_LT, "13"));
	assert_true(holds(r, "client.bob.syn_dropped", OP_LE, "13"));
	assert_false(holds(r, "client.bob.syn_dropped", OP_LE, "12"));
	/* integer against a real literal, real against integer and real literals */
	assert_true(holds(r, "client.bob.syn_dropped", OP_LT, "13.5"));
	assert_true(holds(r, "client.bob.syn_dropped", OP_EQ, "13.0"));
	assert_true(holds(r, "client.bob.connect_ms.p99", OP_GT, "3000"));
	assert_true(holds(r, "client.bob.connect_ms.p99", OP_EQ, "3000.25"));
	assert_false(holds(r, "client.alice.connect_ms.p50", OP_GE, "1"));
	assert_true(holds(r, "client.alice.connect_ms.p50", OP_LT, "1e0"));
	/* negatives, sums, counters */
	assert_true(holds(r, "counters.server.TcpCurrEstab", OP_LT, "-1"));
	assert_true(holds(r, "counters.server.TcpCurrEstab", OP_EQ, " -2 "));
	assert_true(holds(r, "clients.failed", OP_EQ, "13"));
	assert_true(holds(r, "counters.alice.TcpExtPAWSTimewait", OP_EQ, "0"));
	assert_true(holds(r, "counters.server.TcpExtPAWSPassive", OP_GT, "0"));
	assert_true(holds(r, "gate.paws_msl_s", OP_EQ, "60"));
	assert_true(holds(r, "duration_s", OP_GT, "6"));
	/* a large integer compares exactly, not through a double */
	assert_true(holds(r, "big", OP_EQ, "9007199254740993"));
	assert_false(holds(r, "big", OP_EQ, "9007199254740992"));
	assert_true(holds(r, "big", OP_GT, "9007199254740992"));
}

static void test_reasons(void **state)
{
	json_t *r = *state;
	char why[256], small[8];

	assert_false(verdict(r, "client.alice.syn_dropped", OP_GT, "0", 0, why, sizeof(why)));
	assert_string_equal(why, "client.alice.syn_dropped is 0, wanted > 0");
	assert_false(verdict(r, "client.bob.connect_ms.p50", OP_LE, "1", 0, why, sizeof(why)));
	assert_string_equal(why, "client.bob.connect_ms.p50 is 1.5, wanted <= 1");

	/* a holding expectation leaves no reason */
	strcpy(why, "stale");
	assert_true(verdict(r, "client.bob.syn_dropped", OP_GT, "0", 0, why, sizeof(why)));
	assert_string_equal(why, "");

	/* a short buffer is cut, not overrun; no buffer at all is fine */
	assert_false(verdict(r, "client.alice.syn_dropped", OP_GT, "0", 0, small, sizeof(small)));
	assert_string_equal(small, "client.");
	assert_false(verdict(r, "client.alice.syn_dropped", OP_GT, "0", 0, NULL, 0));
}

static void test_booleans_and_strings(void **state)
{
	json_t *r = *state;
	char why[256];

	assert_true(holds(r, "ok", OP_EQ, "true"));
	assert_false(holds(r, "ok", OP_EQ, "false"));
	assert_true(holds(r, "ok", OP_NE, "false"));
	assert_true(holds(r, "gate.enabled", OP_EQ, "true"));
	/* order on booleans: a failed expectation with a reason */
	assert_false(verdict(r, "ok", OP_GT, "false", 0, why, sizeof(why)));
	assert_non_null(strstr(why, "only == and !="));
	/* a boolean against a number: type mismatch */
	assert_false(verdict(r, "ok", OP_EQ, "1", 0, why, sizeof(why)));
	assert_non_null(strstr(why, "is not"));

	assert_true(holds(r, "client.bob.ts_mode", OP_EQ, "offset"));
	assert_true(holds(r, "client.bob.ts_mode", OP_EQ, "\"offset\""));
	assert_false(holds(r, "client.bob.ts_mode", OP_EQ, "shared"));
	assert_true(holds(r, "client.bob.ts_mode", OP_NE, "shared"));
	assert_true(holds(r, "lab", OP_EQ, "nat-recycle"));
	assert_true(holds(r, "clients.0.name", OP_EQ, "alice"));
	assert_false(verdict(r, "lab", OP_LT, "z", 0, why, sizeof(why)));
	assert_non_null(strstr(why, "only == and !="));
	assert_false(verdict(r, "client.bob.ts_mode", OP_EQ, "shared", 0, why, sizeof(why)));
	assert_string_equal(why, "client.bob.ts_mode is \"offset\", wanted == shared");
}

static void test_mismatch_and_missing(void **state)
{
	json_t *r = *state;
	char why[256];

	/* a number against a word */
	assert_false(verdict(r, "client.bob.syn_dropped", OP_EQ, "many", 0, why, sizeof(why)));
	assert_string_equal(why, "client.bob.syn_dropped is a number (13), many is not");
	assert_false(verdict(r, "client.bob.syn_dropped", OP_GT, "", 0, why, sizeof(why)));
	/* a string that looks like a number is still a string */
	assert_false(verdict(r, "schema", OP_EQ, "\"1\"", 0, why, sizeof(why)));
	assert_string_equal(why, "schema is a number (1), \"1\" is not");
	assert_false(verdict(r, "ok", OP_EQ, "\"true\"", 0, why, sizeof(why)));
	/* objects and arrays are not values */
	assert_false(verdict(r, "gate", OP_EQ, "1", 0, why, sizeof(why)));
	assert_string_equal(why, "gate is an object, not a value to compare");
	assert_false(verdict(r, "clients", OP_NE, "0", 0, why, sizeof(why)));
	/* unresolvable paths */
	assert_false(verdict(r, "client.carol.syn_dropped", OP_GT, "0", -ENOENT, why, sizeof(why)));
	assert_string_equal(why, "client.carol.syn_dropped: no client named carol");
	assert_false(verdict(r, "client.bob.nope", OP_EQ, "0", -ENOENT, why, sizeof(why)));
	assert_string_equal(why, "client.bob.nope: not in result");
	assert_false(verdict(r, "counters.carol.TcpOutRsts", OP_EQ, "0", -ENOENT, why,
			     sizeof(why)));
	assert_string_equal(why, "counters.carol.TcpOutRsts: no counters for node carol");
	assert_false(verdict(r, "clients.name", OP_EQ, "0", -ENOENT, why, sizeof(why)));
	assert_false(verdict(r, "gate..x", OP_EQ, "0", -ENOENT, why, sizeof(why)));
	assert_false(verdict(NULL, "gate", OP_EQ, "0", -ENOENT, why, sizeof(why)));
}

/* [expect kernel OP X.Y]: checked on such kernels only (the result says 6.18.44-test) */
static void test_kernel_condition(void **state)
{
	json_t *r = *state, *arr, *o;
	struct lab_expect e[] = {
		ex("clients.failed", OP_EQ, "0"),	/* fails where it applies */
		ex("clients.failed", OP_EQ, "0"),
		ex("client.bob.syn_dropped", OP_GT, "0"),
	};
	struct lab lab = { .expects = e, .n_expects = ARRAY_SIZE(e) };
	uint32_t v;
	bool all = false;

	assert_int_equal(topo_kernel_version("6.18.44-fc-v595", &v), 0);
	assert_int_equal(v, 6u << 16 | 18 << 8 | 44);
	assert_int_equal(topo_kernel_version("6.1.0-57-amd64", &v), 0);
	assert_int_equal(v, 6u << 16 | 1 << 8);
	assert_int_equal(topo_kernel_version("6.16", &v), 0);
	assert_int_equal(v, 6u << 16 | 16 << 8);
	assert_int_equal(topo_kernel_version("x", &v), -EINVAL);

	e[0].has_kernel = true;		/* not this kernel: skipped, not failed */
	e[0].kernel_op = OP_LT;
	e[0].kernel_ver = 6u << 16 | 16 << 8;
	snprintf(e[0].kernel_text, sizeof(e[0].kernel_text), "kernel < 6.16");
	e[0].text = "clients.failed == 0";
	e[2].has_kernel = true;		/* this kernel: checked */
	e[2].kernel_op = OP_GE;
	e[2].kernel_ver = 6u << 16 | 16 << 8;
	snprintf(e[2].kernel_text, sizeof(e[2].kernel_text), "kernel >= 6.16");
	/* the same question by release, as twlab check asks it before naming counters */
	assert_false(topo_expect_applies(&e[2], "6.1.0-57-amd64"));
	assert_true(topo_expect_applies(&e[2], "6.16.0"));
	assert_true(topo_expect_applies(&e[0], "6.1.0-57-amd64"));
	assert_true(topo_expect_applies(&e[2], NULL));	/* unknown: checked */
	assert_true(topo_expect_applies(&e[1], "6.1.0-57-amd64"));	/* no condition */
	lab.n_expects = 1;
	arr = expect_eval_all(&lab, r, &all);
	assert_true(all);
	o = json_array_get(arr, 0);
	assert_true(json_is_true(json_object_get(o, "ok")));
	assert_string_equal(json_string_value(json_object_get(o, "skipped")), "kernel < 6.16");
	json_decref(arr);

	e[0].kernel_op = OP_GE;		/* now it applies, and fails */
	arr = expect_eval_all(&lab, r, &all);
	assert_false(all);
	assert_null(json_object_get(json_array_get(arr, 0), "skipped"));
	json_decref(arr);

	lab.expects = &e[2];
	arr = expect_eval_all(&lab, r, &all);
	assert_true(all);
	o = json_array_get(arr, 0);
	assert_null(json_object_get(o, "skipped"));
	assert_string_equal(json_string_value(json_object_get(o, "when")), "kernel >= 6.16");
	json_decref(arr);
}

static void test_eval_all(void **state)
{
	json_t *r = *state, *arr, *o;
	struct lab_expect e[] = {
		ex("client.bob.syn_dropped", OP_GT, "0"),
		ex("client.alice.syn_dropped", OP_EQ, "0"),
		ex("clients.failed", OP_EQ, "0"),
		ex("client.carol.attempts", OP_GE, "1"),
		ex("counters.server.TcpExtPAWSTimewait", OP_EQ, "0"),
	};
	struct lab lab = { .expects = e, .n_expects = ARRAY_SIZE(e) };
	bool all = true;
	char *s;

	e[0].text = "client.bob.syn_dropped > 0";
	arr = expect_eval_all(&lab, r, &all);
	assert_non_null(arr);
	assert_false(all);
	assert_int_equal(json_array_size(arr), 5);

	o = json_array_get(arr, 0);
	assert_string_equal(json_string_value(json_object_get(o, "check")),
			    "client.bob.syn_dropped > 0");
	assert_true(json_is_true(json_object_get(o, "ok")));
	assert_int_equal(json_integer_value(json_object_get(o, "actual")), 13);
	assert_null(json_object_get(o, "why"));
	/* no text: made from path, operator, value */
	o = json_array_get(arr, 1);
	assert_string_equal(json_string_value(json_object_get(o, "check")),
			    "client.alice.syn_dropped == 0");
	assert_true(json_is_true(json_object_get(o, "ok")));
	o = json_array_get(arr, 2);
	assert_true(json_is_false(json_object_get(o, "ok")));
	assert_int_equal(json_integer_value(json_object_get(o, "actual")), 13);
	assert_string_equal(json_string_value(json_object_get(o, "why")),
			    "clients.failed is 13, wanted == 0");
	o = json_array_get(arr, 3);
	assert_true(json_is_false(json_object_get(o, "ok")));
	assert_true(json_is_null(json_object_get(o, "actual")));
	assert_string_equal(json_string_value(json_object_get(o, "why")),
			    "client.carol.attempts: no client named carol");
	o = json_array_get(arr, 4);
	assert_true(json_is_true(json_object_get(o, "ok")));
	assert_int_equal(json_integer_value(json_object_get(o, "actual")), 0);
	/* it dumps as JSON */
	s = json_dumps(arr, JSON_COMPACT);
	assert_non_null(s);
	free(s);
	json_decref(arr);

	/* only the holding ones: all ok */
	lab.n_expects = 2;
	all = false;
	arr = expect_eval_all(&lab, r, &all);
	assert_true(all);
	assert_int_equal(json_array_size(arr), 2);
	json_decref(arr);

	/* no expectations: an empty array, ok */
	lab.n_expects = 0;
	all = false;
	arr = expect_eval_all(&lab, r, &all);
	assert_true(json_is_array(arr));
	assert_int_equal(json_array_size(arr), 0);
	assert_true(all);
	json_decref(arr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_numbers_every_operator, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reasons, setup, teardown),
		cmocka_unit_test_setup_teardown(test_booleans_and_strings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mismatch_and_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eval_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kernel_condition, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
