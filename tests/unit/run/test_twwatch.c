// SPDX-License-Identifier: GPL-2.0
/* twwatch: the server's bare ACK to a SYN (a PAWS reject when its TSecr is ahead of the SYN's
 * TSval, kernel-notes §4.3), and the RSTs, from the frames on the server's link. */
/* MODULES: twwatch wire annotate */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "run/twwatch.h"

#define SERVER 0xc6336402u	/* 198.51.100.2:8080 */
#define NATTED 0xc6336401u	/* 198.51.100.1:40000, the router's outside */
#define PORT 8080
#define MS 1000000ull

#define SYN 0x02
#define RST 0x04
#define ACK 0x10
#define SYNACK 0x12

/* Ethernet + IPv4 + TCP with a TS option (tsval, tsecr) when tsval, and paylen bytes. */
static size_t frame(uint8_t *f, uint32_t saddr, uint16_t sport, uint32_t daddr, uint16_t dport,
		    uint8_t flags, uint32_t tsval, uint32_t tsecr, size_t paylen)
{
	uint8_t *ip = f + 14, *th = ip + 20;
	uint32_t s = htonl(saddr), d = htonl(daddr);
	size_t doff = tsval ? 32 : 20, tot = 20 + doff + paylen;

	memset(f, 0, 256);
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[2] = tot >> 8, ip[3] = tot & 0xff;
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
		o[8] = tsecr >> 24, o[9] = tsecr >> 16, o[10] = tsecr >> 8, o[11] = tsecr;
	}
	return 14 + tot;
}

struct seen {
	struct tw_event ev[16];
	int n;
};

static void on_ev(const struct tw_event *ev, void *ctx)
{
	struct seen *s = ctx;

	if (s->n < 16)
		s->ev[s->n++] = *ev;
}

static void to_server(struct twwatch *w, uint8_t fl, uint32_t ts, uint64_t t, struct seen *s)
{
	uint8_t f[256];

	twwatch_feed(w, f, frame(f, NATTED, 40000, SERVER, PORT, fl, ts, 0, 0), t, on_ev, s);
}

static void from_server(struct twwatch *w, uint8_t fl, uint32_t ts, uint32_t ecr, size_t pay,
			uint64_t t, struct seen *s)
{
	uint8_t f[256];

	twwatch_feed(w, f, frame(f, SERVER, PORT, NATTED, 40000, fl, ts, ecr, pay), t, on_ev, s);
}

/* Exercise 5's episode: bob's SYN (TSval of a 1 h host) meets the TIME_WAIT alice's connection
 * left (her 10 d TSval): an ACK echoing hers, bob's RST, the SYN again, the SYN-ACK. */
static void test_paws_reject_episode(void **state)
{
	struct twwatch *w;
	struct seen s = { 0 };

	assert_int_equal(twwatch_new(SERVER, PORT, &w), 0);
	to_server(w, SYN, 3600000, 1 * MS, &s);
	from_server(w, ACK, 77, 864000000, 0, 2 * MS, &s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.ev[0].kind, TW_PAWS_REJECT);
	assert_true(s.ev[0].has_ts);
	assert_int_equal(s.ev[0].tsval, 3600000);
	assert_int_equal(s.ev[0].tw_ts, 864000000);
	assert_int_equal(s.ev[0].t_ns, 2 * MS);
	assert_int_equal(s.ev[0].syn_t_ns, 1 * MS);
	assert_int_equal(s.ev[0].saddr, htonl(NATTED));
	assert_int_equal(s.ev[0].sport, 40000);
	assert_int_equal(s.ev[0].client, -1);
	to_server(w, RST, 0, 3 * MS, &s);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.ev[1].kind, TW_RST_CLIENT);
	assert_true(s.ev[1].answers_ack);
	to_server(w, SYN, 3600010, 12 * MS, &s);
	from_server(w, SYNACK, 78, 3600010, 0, 12 * MS, &s);
	/* the connection's own ACKs from the server say nothing more */
	from_server(w, ACK, 79, 3600011, 0, 13 * MS, &s);
	assert_int_equal(s.n, 2);
	twwatch_close(w);
}

/* An ACK whose TSecr is not ahead (the SYN is newer or equal): an answer, not a PAWS reject;
 * the comparison is serial, as the kernel's (s32) one. */
static void test_ack_not_paws_and_serial(void **state)
{
	struct twwatch *w;
	struct seen s = { 0 };

	assert_int_equal(twwatch_new(SERVER, PORT, &w), 0);
	to_server(w, SYN, 500, 1 * MS, &s);
	from_server(w, ACK, 7, 500, 0, 2 * MS, &s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.ev[0].kind, TW_ACK);
	to_server(w, SYN, 0xfffffff0u, 3 * MS, &s);
	from_server(w, ACK, 7, 0x10, 0, 4 * MS, &s);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.ev[1].kind, TW_PAWS_REJECT);
	to_server(w, SYN, 0x10, 5 * MS, &s);
	from_server(w, ACK, 7, 0xfffffff0u, 0, 6 * MS, &s);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.ev[2].kind, TW_ACK);
	/* no timestamps: never a PAWS reject */
	to_server(w, SYN, 0, 7 * MS, &s);
	from_server(w, ACK, 0, 0, 0, 8 * MS, &s);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.ev[3].kind, TW_ACK);
	assert_false(s.ev[3].has_ts);
	twwatch_close(w);
}

/* Not answers: an ACK with data, an ACK after the SYN-ACK, an ACK without a SYN waiting, a
 * segment of another port. The server's RST to a SYN is a refusal; other RSTs just RSTs. */
static void test_not_answers_and_rsts(void **state)
{
	struct twwatch *w;
	struct seen s = { 0 };
	uint8_t f[256];

	assert_int_equal(twwatch_new(SERVER, PORT, &w), 0);
	from_server(w, ACK, 7, 900, 0, 1 * MS, &s);
	to_server(w, SYN, 100, 2 * MS, &s);
	from_server(w, ACK, 7, 900, 20, 3 * MS, &s);
	twwatch_feed(w, f, frame(f, SERVER, 9999, NATTED, 40000, ACK, 7, 900, 0), 3 * MS, on_ev, &s);
	assert_int_equal(s.n, 0);
	from_server(w, RST | ACK, 0, 0, 0, 4 * MS, &s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.ev[0].kind, TW_RST_SERVER);
	assert_true(s.ev[0].answers_syn);
	from_server(w, RST, 0, 0, 0, 5 * MS, &s);
	to_server(w, RST, 0, 6 * MS, &s);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.ev[1].kind, TW_RST_SERVER);
	assert_false(s.ev[1].answers_syn);
	assert_int_equal(s.ev[2].kind, TW_RST_CLIENT);
	assert_false(s.ev[2].answers_ack);
	twwatch_close(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paws_reject_episode),
		cmocka_unit_test(test_ack_not_paws_and_serial),
		cmocka_unit_test(test_not_answers_and_rsts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
