// SPDX-License-Identifier: GPL-2.0
/* wire: each SYN's fate from the frames on the server's link (a kernel's own tcp_tw_recycle),
 * and tcp_metrics' change rule. */
/* MODULES: wire annotate tcpm nl */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "run/tcpm.h"
#include "run/wire.h"
#include "bpf/recycle.h"

#define SERVER 0x0a000001u	/* 10.0.0.1:8080 */
#define PORT 8080
#define MS 1000000ull

/* Ethernet + IPv4 + TCP (+ TS option when tsval): saddr:sport -> daddr:dport, flags. */
static size_t frame(uint8_t *f, uint32_t saddr, uint16_t sport, uint32_t daddr, uint16_t dport,
		    uint8_t flags, uint32_t tsval)
{
	uint8_t *ip = f + 14, *th = ip + 20;
	uint32_t s = htonl(saddr), d = htonl(daddr);
	size_t doff = tsval ? 32 : 20;

	memset(f, 0, 128);
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[9] = IPPROTO_TCP;
	memcpy(ip + 12, &s, 4);
	memcpy(ip + 16, &d, 4);
	th[0] = sport >> 8, th[1] = sport & 0xff;
	th[2] = dport >> 8, th[3] = dport & 0xff;
	th[12] = (uint8_t)((doff / 4) << 4);
	th[13] = flags;
	if (tsval) {
		uint8_t *o = th + 20;

		o[0] = 1, o[1] = 1, o[2] = 8, o[3] = 10;
		o[4] = tsval >> 24, o[5] = tsval >> 16, o[6] = tsval >> 8, o[7] = tsval;
	}
	return 14 + 20 + doff;
}

struct seen {
	struct recycle_event ev[16];
	int n;
};

static void on_ev(const struct recycle_event *ev, void *ctx)
{
	struct seen *s = ctx;

	if (s->n < 16)
		s->ev[s->n++] = *ev;
}

static void feed(struct wire *w, uint32_t sa, uint16_t sp, uint32_t da, uint16_t dp, uint8_t fl,
		 uint32_t ts, uint64_t t, struct seen *s)
{
	uint8_t f[128];
	size_t n = frame(f, sa, sp, da, dp, fl, ts);

	wire_feed(w, f, n, t, on_ev, s);
}

/* A SYN answered by a SYN-ACK passed; its retransmission after no answer: the first dropped. */
static void test_answered_and_dropped(void **state)
{
	struct wire *w;
	struct seen s = { 0 };

	assert_int_equal(wire_new(SERVER, PORT, &w), 0);
	feed(w, 0x0a000002, 40000, SERVER, PORT, 0x02, 100, 1 * MS, &s);
	assert_int_equal(s.n, 0);	/* not known yet */
	feed(w, SERVER, PORT, 0x0a000002, 40000, 0x12, 7, 2 * MS, &s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.ev[0].verdict, RV_WIRE_ANSWERED);
	assert_int_equal(s.ev[0].tsval, 100);
	assert_int_equal(s.ev[0].sport, 40000);
	assert_int_equal(s.ev[0].t_ns, 1 * MS);
	assert_true(s.ev[0].has_ts);
	/* a new connection from 40001, unanswered, then its SYN again: the first one dropped */
	feed(w, 0x0a000002, 40001, SERVER, PORT, 0x02, 200, 10 * MS, &s);
	feed(w, 0x0a000002, 40001, SERVER, PORT, 0x02, 1200, 1010 * MS, &s);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.ev[1].verdict, RV_WIRE_UNANSWERED);
	assert_int_equal(s.ev[1].tsval, 200);
	assert_true(recycle_verdict_drops(s.ev[1].verdict));
	/* the retransmission answered with an RST: it passed (the check let it through) */
	feed(w, SERVER, PORT, 0x0a000002, 40001, 0x14, 0, 1011 * MS, &s);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.ev[2].verdict, RV_WIRE_ANSWERED);
	assert_int_equal(s.ev[2].tsval, 1200);
	wire_close(w);
}

/* Only the server's port counts; an ACK from the server answers nothing; another client's
 * SYN-ACK does not answer this one; what is left at the end was dropped. */
static void test_matching_is_exact(void **state)
{
	struct wire *w;
	struct seen s = { 0 };

	assert_int_equal(wire_new(SERVER, PORT, &w), 0);
	feed(w, 0x0a000002, 40000, SERVER, 9999, 0x02, 1, 1 * MS, &s);	/* other port */
	feed(w, 0x0a000002, 40000, SERVER, PORT, 0x02, 0, 2 * MS, &s);	/* no TS */
	feed(w, 0x0a000003, 40000, SERVER, PORT, 0x02, 5, 3 * MS, &s);
	feed(w, SERVER, PORT, 0x0a000002, 40000, 0x10, 0, 4 * MS, &s);	/* plain ACK */
	feed(w, SERVER, PORT, 0x0a000003, 40000, 0x12, 0, 5 * MS, &s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.ev[0].saddr, htonl(0x0a000003));
	assert_int_equal(s.ev[0].verdict, RV_WIRE_ANSWERED);
	/* before its deadline it waits; past it, dropped */
	assert_int_equal(wire_read(w, 2 * MS + WIRE_DEADLINE_MS * MS, on_ev, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(wire_read(w, 3 * MS + WIRE_DEADLINE_MS * MS, on_ev, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.ev[1].verdict, RV_WIRE_UNANSWERED);
	assert_false(s.ev[1].has_ts);
	feed(w, 0x0a000004, 1, SERVER, PORT, 0x02, 9, 9 * MS, &s);
	wire_flush(w, on_ev, &s);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.ev[2].verdict, RV_WIRE_UNANSWERED);
	wire_close(w);
}

/* A record is rewritten when its TSval changes or its stamp moves by more than the second the
 * age is rounded to. */
static void test_tcpm_changed(void **state)
{
	struct tcpm_rec a = { .tsval = 10, .stamp_s = 1000 }, b = a;

	assert_false(tcpm_changed(&a, &b));
	b.stamp_s = 1001;
	assert_false(tcpm_changed(&a, &b));
	b.stamp_s = 1002;
	assert_true(tcpm_changed(&a, &b));
	b = a;
	b.tsval = 11;
	assert_true(tcpm_changed(&a, &b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answered_and_dropped),
		cmocka_unit_test(test_matching_is_exact),
		cmocka_unit_test(test_tcpm_changed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
