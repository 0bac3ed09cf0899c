// SPDX-License-Identifier: GPL-2.0
/* annotate: a captured SYN found in its frame, matched to the gate's decision, and its words. */
/* MODULES: annotate */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "run/annotate.h"

/* Ethernet + IPv4 + TCP with options NOP NOP TS(tsval, 0) MSS: a SYN from 10.0.0.2:40000 to
 * 10.0.0.1:8080, seq 0x01020304. */
static size_t syn_frame(uint8_t *f, uint8_t flags, uint32_t tsval, bool ts)
{
	static const uint8_t eth[14] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00 };
	uint8_t *ip = f + 14, *th = ip + 20;
	size_t doff = ts ? 20 + 16 : 20 + 4;

	memset(f, 0, 128);
	memcpy(f, eth, sizeof(eth));
	ip[0] = 0x45;
	ip[9] = IPPROTO_TCP;
	memcpy(ip + 12, (uint8_t[]){ 10, 0, 0, 2 }, 4);
	memcpy(ip + 16, (uint8_t[]){ 10, 0, 0, 1 }, 4);
	th[0] = 40000 >> 8, th[1] = 40000 & 0xff;
	th[2] = 8080 >> 8, th[3] = 8080 & 0xff;
	memcpy(th + 4, (uint8_t[]){ 1, 2, 3, 4 }, 4);
	th[12] = (uint8_t)((doff / 4) << 4);
	th[13] = flags;
	if (ts) {
		uint8_t *o = th + 20;

		o[0] = 1, o[1] = 1, o[2] = 8, o[3] = 10;
		o[4] = tsval >> 24, o[5] = tsval >> 16, o[6] = tsval >> 8, o[7] = tsval;
		o[12] = 2, o[13] = 4, o[14] = 0x05, o[15] = 0xb4;
	} else {
		th[20] = 2, th[21] = 4, th[22] = 0x05, th[23] = 0xb4;
	}
	return 14 + 20 + doff;
}

static struct recycle_event event(uint8_t verdict, uint32_t tsval, bool ts)
{
	struct recycle_event ev = {
		.kind = EV_SYN, .verdict = verdict, .sport = 40000, .dport = 8080,
		.tsval = tsval, .rec_ts = 5000, .has_ts = ts, .has_record = 1,
		.rec_age_ns = 2500000000ull,
	};

	inet_pton(AF_INET, "10.0.0.2", &ev.saddr);
	inet_pton(AF_INET, "10.0.0.1", &ev.daddr);
	return ev;
}

static void test_parse(void **state)
{
	uint8_t f[128];
	struct syn_key k;
	size_t n = syn_frame(f, 0x02, 4000, true);

	assert_true(syn_parse(f, n, &k));
	assert_int_equal(k.sport, 40000);
	assert_int_equal(k.dport, 8080);
	assert_int_equal(k.seq, 0x01020304);
	assert_true(k.has_ts);
	assert_int_equal(k.tsval, 4000);
	/* truncated: no key rather than a wrong one */
	assert_false(syn_parse(f, n - 1, &k));
	/* a SYN-ACK, a plain ACK: not judged SYNs */
	n = syn_frame(f, 0x12, 4000, true);
	assert_false(syn_parse(f, n, &k));
	n = syn_frame(f, 0x10, 4000, true);
	assert_false(syn_parse(f, n, &k));
	n = syn_frame(f, 0x02, 0, false);
	assert_true(syn_parse(f, n, &k));
	assert_false(k.has_ts);
}

static void test_match(void **state)
{
	uint8_t f[128];
	struct syn_key k;
	struct recycle_event ev = event(RV_DROP_PAWS, 4000, true);

	assert_true(syn_parse(f, syn_frame(f, 0x02, 4000, true), &k));
	assert_true(syn_match(&k, &ev));
	/* a retransmission of the same SYN has another TSval: another decision */
	ev.tsval = 4001;
	assert_false(syn_match(&k, &ev));
	ev = event(RV_DROP_PAWS, 4000, true);
	ev.sport = 40001;
	assert_false(syn_match(&k, &ev));
	ev = event(RV_DROP_PAWS, 4000, true);
	ev.kind = EV_RECORD_UPDATE;
	assert_false(syn_match(&k, &ev));
	/* no timestamp on either side: the 4-tuple decides */
	assert_true(syn_parse(f, syn_frame(f, 0x02, 0, false), &k));
	ev = event(RV_DROP_NO_TS, 0, false);
	assert_true(syn_match(&k, &ev));
	ev.has_ts = 1;
	assert_false(syn_match(&k, &ev));
}

static void test_comment(void **state)
{
	struct recycle_event ev = event(RV_DROP_PAWS, 4000, true);
	char buf[256];

	syn_comment(&ev, buf, sizeof(buf));
	assert_non_null(strstr(buf, "SYN dropped (paws)"));
	assert_non_null(strstr(buf, "TSval 4000 is 1000 behind the record 5000"));
	assert_non_null(strstr(buf, "10.0.0.2"));
	assert_non_null(strstr(buf, "2.5 s ago"));
	ev = event(RV_DROP_NO_TS, 0, false);
	syn_comment(&ev, buf, sizeof(buf));
	assert_non_null(strstr(buf, "SYN dropped (no-timestamp)"));
	ev = event(RV_PASS_IN_WINDOW, 5000, true);
	syn_comment(&ev, buf, sizeof(buf));
	assert_non_null(strstr(buf, "SYN passed (in-window)"));
	assert_null(strstr(buf, "dropped"));
	ev = event(RV_PASS_NO_RECORD, 5000, true);
	syn_comment(&ev, buf, sizeof(buf));
	assert_non_null(strstr(buf, "SYN passed (no-record)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_comment),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
