// SPDX-License-Identifier: GPL-2.0
/* attrib: per-client totals bounded by the lab, the latency histogram's precision, the first
 * drop of each client and who wrote the record it was judged against, and what counts as lost. */
/* MODULES: attrib */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>
#include "run/attrib.h"

static struct attempt_rec att(uint32_t client, uint8_t outcome, uint32_t us, uint8_t retrans)
{
	return (struct attempt_rec){ .client = client, .outcome = outcome, .connect_us = us,
				     .syn_retrans = retrans };
}

static void test_totals(void **s)
{
	struct attrib a;
	struct attempt_rec r;

	assert_int_equal(attrib_init(&a, 2), 0);
	r = att(0, ATT_OK, 300, 1);
	attrib_attempt(&a, &r);
	r = att(0, ATT_TIMEOUT, 0, 2);
	attrib_attempt(&a, &r);
	r = att(1, ATT_REFUSED, 0, 0);
	attrib_attempt(&a, &r);
	r = att(7, ATT_OK, 1, 0);	/* no such client: ignored */
	attrib_attempt(&a, &r);
	assert_int_equal(a.c[0].attempts, 2);
	assert_int_equal(a.c[0].ok, 1);
	assert_int_equal(a.c[0].syn_retrans, 3);
	/* connected after 1 resend: 1 unanswered; timed out after 2: all 3 */
	assert_int_equal(a.c[0].unanswered, 4);
	assert_int_equal(a.c[0].outcomes[ATT_TIMEOUT], 1);
	assert_int_equal(a.c[1].attempts, 1);
	assert_int_equal(a.c[1].ok, 0);
	assert_int_equal(a.c[1].connect_us.count, 0);
	attrib_free(&a);
}

/* nearest rank, as before the histogram: exact below 1024 us */
static void test_percentiles_exact_below_1ms(void **s)
{
	struct attrib a;

	assert_int_equal(attrib_init(&a, 1), 0);
	for (uint32_t v = 1; v <= 1000; v++) {
		struct attempt_rec r = att(0, ATT_OK, 1001 - v, 0);

		attrib_attempt(&a, &r);
	}
	assert_int_equal(attrib_hist_pct(&a.c[0].connect_us, 50), 500);
	assert_int_equal(attrib_hist_pct(&a.c[0].connect_us, 99), 990);
	assert_int_equal(attrib_hist_pct(&a.c[0].connect_us, 100), 1000);
	assert_int_equal(a.c[0].connect_us.n, 1000);
	attrib_free(&a);
}

/* above: within 0.1 %, max exact, and the memory is per distinct bucket, not per attempt */
static void test_histogram_bounded(void **s)
{
	struct attrib a;
	uint32_t p;

	assert_int_equal(attrib_init(&a, 1), 0);
	for (int k = 0; k < 200000; k++) {
		struct attempt_rec r = att(0, ATT_OK, k % 2 ? 123457 : 2000003, 0);

		attrib_attempt(&a, &r);
	}
	p = attrib_hist_pct(&a.c[0].connect_us, 50);
	assert_true(p >= 123457 - 124 && p <= 123457 + 124);
	p = attrib_hist_pct(&a.c[0].connect_us, 99);
	assert_true(p >= 2000003 - 2001 && p <= 2000003 + 2001);
	assert_int_equal(attrib_hist_pct(&a.c[0].connect_us, 100), 2000003);
	assert_int_equal(a.c[0].connect_us.n, 2);
	assert_int_equal(a.c[0].connect_us.count, 200000);
	attrib_free(&a);
}

static struct recycle_event ev(uint8_t kind, uint8_t verdict, int client, uint32_t saddr)
{
	return (struct recycle_event){ .kind = kind, .verdict = verdict, .client = client,
				       .saddr = saddr, .daddr = 99 };
}

static void test_first_drop_and_writer(void **s)
{
	struct attrib a;
	struct recycle_event e;

	assert_int_equal(attrib_init(&a, 3), 0);
	e = ev(EV_SYN, RV_DROP_PAWS, 1, 5);	/* before any record event: writer unknown */
	attrib_gate(&a, &e);
	e = ev(EV_RECORD_UPDATE, 0, 0, 5);
	attrib_gate(&a, &e);
	e = ev(EV_SYN, RV_PASS_IN_WINDOW, 2, 5);	/* a pass is no drop */
	attrib_gate(&a, &e);
	e = ev(EV_SYN, RV_DROP_NO_TS, 2, 5);
	e.tsval = 42;
	attrib_gate(&a, &e);
	e = ev(EV_SYN, RV_DROP_PAWS, 2, 5);	/* not the first of client 2 */
	attrib_gate(&a, &e);
	e = ev(EV_SYN, RV_DROP_PAWS, -1, 5);	/* unattributed: counted, kept nowhere */
	attrib_gate(&a, &e);
	assert_int_equal(a.drop_events, 4);
	assert_true(a.first_drop[1].has);
	assert_int_equal(a.first_drop[1].writer, -1);
	assert_true(a.first_drop[2].has);
	assert_int_equal(a.first_drop[2].ev.verdict, RV_DROP_NO_TS);
	assert_int_equal(a.first_drop[2].ev.tsval, 42);
	assert_int_equal(a.first_drop[2].writer, 0);
	assert_false(a.first_drop[0].has);
	attrib_free(&a);
}

static void test_lost(void **s)
{
	struct attrib_lost l = { 0 };

	assert_false(attrib_lost_any(&l));
	l.gate_events = 1;
	assert_true(attrib_lost_any(&l));
	l = (struct attrib_lost){ .unattributed_drops = 1 };
	assert_true(attrib_lost_any(&l));
	l = (struct attrib_lost){ .conntrack_overruns = 1 };
	assert_true(attrib_lost_any(&l));
	l = (struct attrib_lost){ .capture_packets = 1 };
	assert_true(attrib_lost_any(&l));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_totals),
		cmocka_unit_test(test_percentiles_exact_below_1ms),
		cmocka_unit_test(test_histogram_bounded),
		cmocka_unit_test(test_first_drop_and_writer),
		cmocka_unit_test(test_lost),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
