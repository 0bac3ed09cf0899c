// SPDX-License-Identifier: GPL-2.0
/* The tcp_tw_recycle decisions of src/bpf/recycle.h against kernel-notes §1.3, §1.4 and §5. */
/* MODULES: tsclock tc nl */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "bpf/recycle.h"

#define MS 1000000ULL
#define S 1000000000ULL
#define MSL (60 * S)
#define WIN 1

/*
 * A server as the gate sees it, reduced to what the pure functions decide: one record per peer
 * (the server address is fixed). close_server() is "the server closed first and entered
 * TIME_WAIT" (§1.3); a client-closed connection calls nothing, as in the gate.
 */
struct model {
	struct recycle_record rec[4];
	bool has[4];
	unsigned int updates, keeps;
};

static void close_server(struct model *m, int peer, uint32_t ts_recent, uint64_t stamp,
			 uint64_t now)
{
	struct recycle_record fresh = { 0 };
	struct recycle_record *r = m->has[peer] ? &m->rec[peer] : &fresh;

	if (recycle_should_update(r, ts_recent, stamp, now, MSL)) {
		m->rec[peer].ts = ts_recent;
		m->rec[peer].stamp_ns = stamp;
		m->has[peer] = true;
		m->updates++;
	} else {
		m->keeps++;
	}
}

static enum recycle_verdict syn(const struct model *m, int peer, bool has_ts, uint32_t tsval,
				uint64_t now)
{
	return recycle_syn_verdict(m->has[peer] ? &m->rec[peer] : NULL, false, has_ts, tsval, now,
				   MSL, WIN);
}

/* P1: within 60 s of t_A, a SYN more than 1 tick older than T_A is dropped; T_A - 1 passes;
 * from t_A + 60 s on it passes (the drop condition is now - t_A < 60). */
static void test_p1_basic_nat_drop(void **state)
{
	struct model m = { 0 };
	uint64_t t_a = 1000 * S;
	uint32_t T_a = 864000000;

	close_server(&m, 0, T_a, t_a, t_a + 2 * MS);
	assert_int_equal(m.updates, 1);
	assert_int_equal(syn(&m, 0, true, T_a - 2, t_a + 5 * S), RV_DROP_PAWS);
	assert_int_equal(syn(&m, 0, true, T_a - 216000000, t_a + 5 * S), RV_DROP_PAWS);
	assert_int_equal(syn(&m, 0, true, T_a - 1, t_a + 5 * S), RV_PASS_IN_WINDOW);
	assert_int_equal(syn(&m, 0, true, T_a, t_a + 5 * S), RV_PASS_IN_WINDOW);
	assert_int_equal(syn(&m, 0, true, T_a + 5000, t_a + 5 * S), RV_PASS_IN_WINDOW);
	assert_int_equal(syn(&m, 0, true, T_a - 2, t_a + MSL - 1), RV_DROP_PAWS);
	assert_int_equal(syn(&m, 0, true, T_a - 2, t_a + MSL), RV_PASS_STALE);
	assert_int_equal(syn(&m, 0, true, T_a - 2, t_a + MSL + 1), RV_PASS_STALE);
	/* another peer address has no record */
	assert_int_equal(syn(&m, 1, true, 5, t_a + 5 * S), RV_PASS_NO_RECORD);
}

/* P2: per IP, not per connection: no TIME_WAIT needs to exist, only a TW hit skips it. */
static void test_p2_per_ip(void **state)
{
	struct recycle_record r = { .ts = 100000, .stamp_ns = 10 * S };

	/* long after the 3.5 x RTO TIME_WAIT is gone, any 4-tuple from that IP */
	assert_int_equal(recycle_syn_verdict(&r, false, true, 50000, 12 * S, MSL, WIN),
			 RV_DROP_PAWS);
	/* the same SYN on a live emulated TIME_WAIT 4-tuple: isn != 0, no check */
	assert_int_equal(recycle_syn_verdict(&r, true, true, 50000, 12 * S, MSL, WIN),
			 RV_PASS_TW_HIT);
	assert_int_equal(recycle_syn_verdict(&r, true, false, 0, 12 * S, MSL, WIN),
			 RV_PASS_TW_HIT);
	assert_int_equal(recycle_syn_verdict(NULL, true, true, 1, 12 * S, MSL, WIN),
			 RV_PASS_TW_HIT);
}

/* P3: clients close first: the server never enters TIME_WAIT, records nothing, drops nothing. */
static void test_p3_client_closes(void **state)
{
	struct model m = { 0 };
	uint64_t now = 100 * S;

	for (int i = 0; i < 100; i++) {
		uint32_t ts_a = 4000000000u + i, ts_b = 1000 + i;

		/* A and B connect and close themselves: no close_server() */
		assert_false(recycle_verdict_drops(syn(&m, 0, true, ts_a, now)));
		assert_false(recycle_verdict_drops(syn(&m, 0, true, ts_b, now)));
		assert_false(recycle_verdict_drops(syn(&m, 0, false, 0, now)));
		now += 100 * MS;
	}
	assert_int_equal(m.updates + m.keeps, 0);
}

/* P4: the record is monotonic inside 60 s: A (large) then B (small) -> A's TS stays; B is
 * locked out until 60 s after A's last recorded segment; each A close extends that. */
static void test_p4_record_monotonic(void **state)
{
	struct model m = { 0 };
	uint64_t t0 = 500 * S;
	uint32_t T_a = 864000000, T_b = 3600000;

	close_server(&m, 0, T_a, t0, t0);
	close_server(&m, 0, T_b, t0 + 5 * S, t0 + 5 * S);
	assert_int_equal(m.updates, 1);
	assert_int_equal(m.keeps, 1);
	assert_int_equal(m.rec[0].ts, T_a);
	assert_int_equal(m.rec[0].stamp_ns, t0);

	assert_int_equal(syn(&m, 0, true, T_b + 10000, t0 + 10 * S), RV_DROP_PAWS);
	/* A closes again at t0 + 50 s: stamp refreshed */
	close_server(&m, 0, T_a + 50000, t0 + 50 * S, t0 + 50 * S);
	assert_int_equal(m.rec[0].stamp_ns, t0 + 50 * S);
	assert_int_equal(syn(&m, 0, true, T_b + 61000, t0 + 61 * S), RV_DROP_PAWS);
	assert_int_equal(syn(&m, 0, true, T_b + 109000, t0 + 109 * S), RV_DROP_PAWS);
	assert_int_equal(syn(&m, 0, true, T_b + 110000, t0 + 110 * S), RV_PASS_STALE);
	/* A itself is never blocked */
	assert_int_equal(syn(&m, 0, true, T_a + 60000, t0 + 60 * S), RV_PASS_IN_WINDOW);
}

/* P5: 3.18 .. 4.11: a SYN without timestamp is dropped within 60 s of a record. */
static void test_p5_no_ts_syn(void **state)
{
	struct recycle_record r = { .ts = 7, .stamp_ns = 1 * S };

	assert_int_equal(recycle_syn_verdict(&r, false, false, 0, 2 * S, MSL, WIN), RV_DROP_NO_TS);
	/* even when its (absent) tsval field would be "newer" */
	assert_int_equal(recycle_syn_verdict(&r, false, false, 1000, 2 * S, MSL, WIN),
			 RV_DROP_NO_TS);
	assert_int_equal(recycle_syn_verdict(&r, false, false, 0, 1 * S + MSL, MSL, WIN),
			 RV_PASS_STALE);
	assert_int_equal(recycle_syn_verdict(NULL, false, false, 0, 2 * S, MSL, WIN),
			 RV_PASS_NO_RECORD);
	assert_true(recycle_verdict_drops(RV_DROP_NO_TS));
	assert_true(recycle_verdict_drops(RV_DROP_PAWS));
	assert_false(recycle_verdict_drops(RV_PASS_STALE));
}

static uint32_t xorshift32(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* P10 (4.10.0): one client, a random TS offset per connection, the server closes every
 * connection it accepts: about half of the new connections are dropped. */
static void test_p10_per_connection_offsets(void **state)
{
	struct model m = { 0 };
	uint32_t seed = 0x2545f491;
	uint64_t now = 10 * S;
	int n = 20000, dropped = 0;

	for (int i = 0; i < n; i++) {
		uint32_t off = xorshift32(&seed);
		uint32_t clock_ms = (uint32_t)(now / MS);
		uint32_t tsval = clock_ms + off;

		if (recycle_verdict_drops(syn(&m, 0, true, tsval, now))) {
			dropped++;
		} else {
			/* request, response, server FIN; the client's FIN 3 ms later */
			close_server(&m, 0, tsval + 3, now + 3 * MS, now + 3 * MS);
		}
		now += 50 * MS;
	}
	print_message("P10: %d of %d dropped (%.1f %%)\n", dropped, n, 100.0 * dropped / n);
	assert_in_range(dropped, n * 40 / 100, n * 60 / 100);
}

/* Edge cases of §1.4. */
static void test_syn_window_edges(void **state)
{
	struct recycle_record r = { .ts = 1000, .stamp_ns = 5 * S };
	uint64_t now = 6 * S;

	assert_int_equal(recycle_syn_verdict(&r, false, true, 999, now, MSL, 1), RV_PASS_IN_WINDOW);
	assert_int_equal(recycle_syn_verdict(&r, false, true, 998, now, MSL, 1), RV_DROP_PAWS);
	/* paws_window = 0: one tick older is already too old */
	assert_int_equal(recycle_syn_verdict(&r, false, true, 1000, now, MSL, 0), RV_PASS_IN_WINDOW);
	assert_int_equal(recycle_syn_verdict(&r, false, true, 999, now, MSL, 0), RV_DROP_PAWS);
	/* a wide window */
	assert_int_equal(recycle_syn_verdict(&r, false, true, 900, now, MSL, 100), RV_PASS_IN_WINDOW);
	assert_int_equal(recycle_syn_verdict(&r, false, true, 899, now, MSL, 100), RV_DROP_PAWS);
	/* s32 wrap-around: 0x10 is 0x20 ticks after 0xfffffff0 */
	r.ts = 0xfffffff0u;
	assert_int_equal(recycle_syn_verdict(&r, false, true, 0x10, now, MSL, 1), RV_PASS_IN_WINDOW);
	r.ts = 0x10;
	assert_int_equal(recycle_syn_verdict(&r, false, true, 0xfffffff0u, now, MSL, 1),
			 RV_DROP_PAWS);
	/* exactly 2^31 apart: s32 is INT_MIN, "newer" */
	r.ts = 0;
	assert_int_equal(recycle_syn_verdict(&r, false, true, 0x80000000u, now, MSL, 1),
			 RV_PASS_IN_WINDOW);
	/* 2^31 - 1 behind: older */
	assert_int_equal(recycle_syn_verdict(&r, false, true, 0x80000001u, now, MSL, 1),
			 RV_DROP_PAWS);
	/* paws_msl boundary: < msl drops, == msl passes */
	r.ts = 1000;
	assert_int_equal(recycle_syn_verdict(&r, false, true, 1, 5 * S + MSL - 1, MSL, 1),
			 RV_DROP_PAWS);
	assert_int_equal(recycle_syn_verdict(&r, false, true, 1, 5 * S + MSL, MSL, 1),
			 RV_PASS_STALE);
	/* whole seconds: the drop window is 59..60 s of real time, by where the stamp fell in
	 * its second (get_seconds() - stamp < 60) */
	r.stamp_ns = 5 * S + 900 * MS;
	assert_int_equal(recycle_syn_verdict(&r, false, true, 1, 5 * S + 900 * MS + 59100 * MS,
					     MSL, 1), RV_PASS_STALE);
	assert_int_equal(recycle_syn_verdict(&r, false, true, 1, 64 * S + 999 * MS, MSL, 1),
			 RV_DROP_PAWS);
	r.stamp_ns = 5 * S;
	/* a stamp a little "after" now (another CPU's clock): fresh, not 584 years old */
	assert_int_equal(recycle_syn_verdict(&r, false, true, 1, 5 * S - 10, MSL, 1),
			 RV_DROP_PAWS);
	/* a record never stamped ({0,0}, §1.2) is stale */
	r.stamp_ns = 0;
	assert_int_equal(recycle_syn_verdict(&r, false, true, 1, 1 * S, MSL, 1), RV_PASS_STALE);
}

/* Edge cases of §1.3. */
static void test_update_rule(void **state)
{
	struct recycle_record fresh = { 0 };
	struct recycle_record r = { .ts = 5000, .stamp_ns = 100 * S };

	/* a fresh record takes anything, even a TSval with the top bit set, even when the host
	 * has been up for less than paws_msl (the kernel's 1970 stamp) */
	assert_true(recycle_should_update(&fresh, 0x80000001u, 1 * S, 2 * S, MSL));
	assert_true(recycle_should_update(&fresh, 0xffffffffu, 1 * S, 2 * S, MSL));
	assert_true(recycle_should_update(&fresh, 0, 1 * S, 2 * S, MSL));
	/* not older: equal and larger, any age */
	assert_true(recycle_should_update(&r, 5000, 101 * S, 101 * S, MSL));
	assert_true(recycle_should_update(&r, 5001, 101 * S, 101 * S, MSL));
	/* larger by serial arithmetic across the wrap */
	r.ts = 0xfffffff0u;
	assert_true(recycle_should_update(&r, 0x5, 101 * S, 101 * S, MSL));
	r.ts = 0x5;
	assert_false(recycle_should_update(&r, 0xfffffff0u, 101 * S, 101 * S, MSL));
	/* smaller: kept while the record is not stale by MORE than paws_msl */
	r.ts = 5000;
	assert_false(recycle_should_update(&r, 4999, 120 * S, 120 * S, MSL));
	assert_false(recycle_should_update(&r, 1, 100 * S + MSL, 100 * S + MSL, MSL));
	/* whole seconds (get_seconds()): "> 60" needs 61 s on the second counter, so 60.999 s
	 * of real time is not enough and 61 s is */
	assert_false(recycle_should_update(&r, 1, 100 * S + MSL + S - 1, 100 * S + MSL + S - 1,
					   MSL));
	assert_true(recycle_should_update(&r, 1, 100 * S + MSL + S, 100 * S + MSL + S, MSL));
	/* ... and a stamp late in its second needs only a little over 60 s */
	r.stamp_ns = 100 * S + 900 * MS;
	assert_true(recycle_should_update(&r, 1, 161 * S, 161 * S, MSL));
	r.stamp_ns = 100 * S;
	/* stale, but the offered TSval was received before the record's one: kept */
	assert_false(recycle_should_update(&r, 1, 99 * S, 200 * S, MSL));
	/* R.stamp <= ts_recent_stamp: equal stamps are fine */
	assert_true(recycle_should_update(&r, 1, 100 * S, 200 * S, MSL));
	/* the 60 s count from when the peer's TSval arrived, not from TIME_WAIT entry: a record
	 * whose TSval came 61 s ago is stale even if written 1 s ago (its stamp is what counts) */
	r.stamp_ns = 139 * S;
	assert_true(recycle_should_update(&r, 1, 199 * S, 200 * S, MSL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_p1_basic_nat_drop),
		cmocka_unit_test(test_p2_per_ip),
		cmocka_unit_test(test_p3_client_closes),
		cmocka_unit_test(test_p4_record_monotonic),
		cmocka_unit_test(test_p5_no_ts_syn),
		cmocka_unit_test(test_p10_per_connection_offsets),
		cmocka_unit_test(test_syn_window_edges),
		cmocka_unit_test(test_update_rule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
