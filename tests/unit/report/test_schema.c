// SPDX-License-Identifier: GPL-2.0
/*
 * schema: [expect] paths against result.json's fields and a kernel's counter names, and the
 * result writer held to the same table (a field added to one and not the other fails here).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "report/report.h"
#include "report/schema.h"

static const char topo_text[] =
	"[server]\nrecycle = on\n[router]\n"
	"[client alice]\nts_offset = 1000\n"
	"[client bob]\ntimestamps = kernel\n";

struct fx {
	struct lab *lab;
	struct counters known;
	char why[512];
};

static int setup(void **state)
{
	static struct fx fx;
	struct topo_err err;

	if (topo_load_buffer(topo_text, strlen(topo_text), "s.ini", NULL, &fx.lab, &err))
		return -1;
	/* a few names as /proc/net/netstat and /proc/net/snmp give them */
	if (counters_parse("TcpExt: TW PAWSActive PAWSEstab PAWSTimewait\nTcpExt: 1 2 3 4\n",
			   "Tcp: ActiveOpens InSegs\nTcp: 5 6\n", &fx.known))
		return -1;
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	topo_free(fx->lab);
	counters_free(&fx->known);
	return 0;
}

static void ok(struct fx *fx, const char *path)
{
	fx->why[0] = '\0';
	if (schema_check_path(fx->lab, path, &fx->known, fx->why, sizeof(fx->why)))
		fail_msg("%s refused: %s", path, fx->why);
}

static void bad(struct fx *fx, const char *path, const char *needle)
{
	fx->why[0] = '\0';
	assert_int_equal(schema_check_path(fx->lab, path, &fx->known, fx->why, sizeof(fx->why)),
			 -EINVAL);
	if (!strstr(fx->why, needle))
		fail_msg("%s: wanted '%s' in '%s'", path, needle, fx->why);
}

static void test_paths_that_exist(void **state)
{
	struct fx *fx = *state;

	ok(fx, "client.alice.syn_dropped");
	ok(fx, "client.alice.ts_offset");
	ok(fx, "client.bob.connect_ms.p99");
	ok(fx, "client.bob.outcomes.timeout");
	ok(fx, "client.bob.ts_mode");
	ok(fx, "clients.attempts");
	ok(fx, "clients.0.failed");
	ok(fx, "gate.syn_dropped");
	ok(fx, "gate.events_lost");
	ok(fx, "ok");
	ok(fx, "duration_s");
	ok(fx, "counters.server.TcpExtTW");
	ok(fx, "counters.alice.TcpActiveOpens");
}

static void test_paths_that_cannot_exist(void **state)
{
	struct fx *fx = *state;

	bad(fx, "client.alice.nosuchfield", "has no nosuchfield in client alice");
	bad(fx, "client.alice.syn_droped", "did you mean syn_dropped?");
	bad(fx, "gate.pawspassive", "did you mean PAWSPassive?");
	bad(fx, "gate.enabeld", "did you mean enabled?");
	bad(fx, "client.alice.connect_ms", "is an object, not a value");
	bad(fx, "client.alice.connect_ms.p42", "no p42 in connect_ms");
	bad(fx, "client.alice.attempts.x", "attempts is a number, it has no field x");
	bad(fx, "clients.name", "only numbers add up");
	bad(fx, "clients.connect_ms.p50", "null");
	bad(fx, "clients.x.attempts", "no x in a client");
	bad(fx, "clients.0", "not a value");
	bad(fx, "gate", "not a value");
	/* only offset clients have an offset */
	bad(fx, "client.bob.ts_offset", "client bob has no ts_offset (its timestamps are kernel");
	bad(fx, "clients.ts_offset", "client bob has no ts_offset");
}

static void test_counters_this_kernel_has(void **state)
{
	struct fx *fx = *state;

	bad(fx, "counters.server.TcpExtTw", "did you mean TcpExtTW?");
	bad(fx, "counters.server.TcpExtPAWSTimeWait", "did you mean TcpExtPAWSTimewait?");
	bad(fx, "counters.server.TcpExtPAWSTmewait", "did you mean TcpExtPAWSTimewait?");
	bad(fx, "counters.router.Nonsense", "this kernel has no counter Nonsense");
	/* unknown names: not checked */
	fx->why[0] = '\0';
	assert_int_equal(schema_check_path(fx->lab, "counters.server.Anything", NULL, fx->why,
					   sizeof(fx->why)), 0);
}

static void test_suggest(void **state)
{
	static const char *const c[] = { "TcpExtTW", "TcpExtTWKilled", "TcpExtTWRecycled",
					 "syn_dropped", "ok" };

	(void)state;
	assert_string_equal(schema_suggest("tcpexttw", c, 5), "TcpExtTW");
	assert_string_equal(schema_suggest("TcpExtTWKiled", c, 5), "TcpExtTWKilled");
	assert_string_equal(schema_suggest("TcpExtTWKlilled", c, 5), "TcpExtTWKilled");
	assert_string_equal(schema_suggest("syn_dorpped", c, 5), "syn_dropped");
	assert_null(schema_suggest("nosuchfield", c, 5));
	assert_null(schema_suggest("no", c, 5));	/* too short to guess at */
	assert_null(schema_suggest("x", c, 0));
}

/* Every key the writer makes is in the table, and every field the table promises is made. */
static void same_keys(json_t *obj, const struct schema_field *t, const char *where)
{
	const char *key;
	json_t *v;

	assert_true(json_is_object(obj));
	json_object_foreach(obj, key, v) {
		const struct schema_field *f = t;

		while (f->name && strcmp(f->name, key))
			f++;
		if (!f->name)
			fail_msg("result.json writes %s.%s, which the schema table does not have",
				 where, key);
		if (f->sub && f->kind == SCH_OBJECT)
			same_keys(v, f->sub, key);
		if (f->sub && f->kind == SCH_ARRAY && json_array_size(v))
			same_keys(json_array_get(v, 0), f->sub, key);
	}
	for (; t->name; t++)
		if (!t->optional && !json_object_get(obj, t->name))
			fail_msg("the schema table has %s.%s, which result.json does not write", where,
				 t->name);
}

static void test_writer_matches_table(void **state)
{
	struct fx *fx = *state;
	uint32_t offsets[2] = { 1000, 0 };
	struct attempt_rec att = { .client = 0, .outcome = ATT_OK, .connect_us = 300 };
	struct ct_entry ct = { 0 };
	struct run_nat_map nat = { 0 };
	struct lab_rt rt = { .lab = fx->lab, .client_ts_offset = offsets };
	struct run r = {
		.lab = fx->lab, .rt = &rt, .nat = &nat, .n_nat = 1, .ct_end = &ct, .n_ct_end = 1,
	};
	json_t *res, *v;

	assert_int_equal(attrib_init(&r.at, fx->lab->n_clients), 0);
	assert_int_equal(attrib_attempt(&r.at, &att), 0);
	res = report_result(&r);
	attrib_free(&r.at);
	assert_non_null(res);
	/* what cmd_run adds after the checks */
	json_object_set_new(res, "expect", json_array());
	same_keys(res, schema_result, "result");
	v = json_object_get(res, "clients");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(v, 0), "ts_offset")),
			 1000);
	assert_null(json_object_get(json_array_get(v, 1), "ts_offset"));
	json_decref(res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths_that_exist),
		cmocka_unit_test(test_paths_that_cannot_exist),
		cmocka_unit_test(test_counters_this_kernel_has),
		cmocka_unit_test(test_suggest),
		cmocka_unit_test(test_writer_matches_table),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
