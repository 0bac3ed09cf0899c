// SPDX-License-Identifier: GPL-2.0
/*
 * recycle.bpf.c (the gate) under BPF_PROG_TEST_RUN: TCP conversations as crafted frames through
 * the ingress (towards the server) and egress (from the server) programs; the verdicts, the ring
 * buffer events and the counters are checked. Then gate.c on a real veth pair in scratch
 * namespaces, with tsclock giving the client a clock far ahead for its first connection. Root.
 */
/* MODULES: gate tsclock tc nl */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/pkt_cls.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lab/gate.h"
#include "lab/tsclock.h"
#include "recycle.skel.h"

#define SERVER 0xc6336401u	/* 198.51.100.1 */
#define PEER 0xcb007101u	/* 203.0.113.1, the NAT's address */
#define PEER2 0xcb007102u
#define PORT 8080
#define MS 1000000ULL

#define FIN 0x01
#define SYN 0x02
#define RST 0x04
#define ACK 0x10

struct seg {
	uint32_t peer;
	uint16_t pport, sport;	/* peer's port; server's port (0: PORT) */
	uint8_t flags;
	uint32_t seq, ack;
	bool ts;
	uint32_t tsval, tsecr;
	size_t payload;
};

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += p[i] << 8 | p[i + 1];
	if (n & 1)
		s += p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* to_server: peer -> server (ingress) or server -> peer (egress) */
static size_t build(uint8_t *f, const struct seg *s, bool to_server)
{
	size_t hlen = s->ts ? 32 : 20, iplen = 20 + hlen + s->payload;
	uint8_t *ip = f + 14, *th = ip + 20;
	uint16_t sport = s->sport ?: PORT;
	uint16_t c;

	memset(f, 0, 14 + iplen);
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[2] = iplen >> 8;
	ip[3] = iplen & 0xff;
	ip[8] = 64;
	ip[9] = 6;
	put32(ip + 12, to_server ? s->peer : SERVER);
	put32(ip + 16, to_server ? SERVER : s->peer);
	c = ~fold(sum16(ip, 20, 0));
	ip[10] = c >> 8;
	ip[11] = c & 0xff;
	*(uint16_t *)th = htons(to_server ? s->pport : sport);
	*(uint16_t *)(th + 2) = htons(to_server ? sport : s->pport);
	put32(th + 4, s->seq);
	put32(th + 8, s->ack);
	th[12] = hlen / 4 << 4;
	th[13] = s->flags;
	th[14] = 0xff;
	if (s->ts) {
		memcpy(th + 20, "\x01\x01\x08\x0a", 4);
		put32(th + 24, s->tsval);
		put32(th + 28, s->tsecr);
	}
	return 14 + iplen;
}

static struct recycle_bpf *skel;
static struct ring_buffer *rb;
static struct recycle_event evs[64];
static int nev;

static int on_event(void *ctx, void *data, size_t len)
{
	if (nev < 64)
		memcpy(&evs[nev], data, sizeof(evs[0]));
	nev++;
	return 0;
}

static int libbpf_print(enum libbpf_print_level lvl, const char *fmt, va_list ap)
{
	return lvl == LIBBPF_DEBUG ? 0 : vfprintf(stderr, fmt, ap);
}

static uint64_t load_phase_ns;	/* the next load()'s sec_phase_ns */

/* Sleep until CLOCK_MONOTONIC (the gate's clock) is frac_ns into its second. */
static void sleep_to_frac(uint64_t frac_ns)
{
	struct timespec t;
	uint64_t now;

	clock_gettime(CLOCK_MONOTONIC, &t);
	now = t.tv_nsec;
	t.tv_sec = 0;
	t.tv_nsec = (frac_ns + 1000000000ULL - now) % 1000000000ULL;
	nanosleep(&t, NULL);
}

static int load(uint64_t paws_msl_ns, uint64_t tw_len_ns)
{
	skel = recycle_bpf__open();
	if (!skel)
		return -1;
	skel->rodata->paws_msl_ns = paws_msl_ns;
	skel->rodata->paws_window = 1;
	skel->rodata->server_port = PORT;
	skel->rodata->tw_len_ns = tw_len_ns;
	skel->rodata->sec_phase_ns = load_phase_ns;
	/* room for a few clients (attribution), as gate.c sizes them for a lab */
	if (bpf_map__set_max_entries(skel->maps.client_drops, 4) ||
	    bpf_map__set_max_entries(skel->maps.attrib_links, 4))
		return -1;
	if (recycle_bpf__load(skel))
		return -1;
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, NULL, NULL);
	nev = 0;
	return rb ? 0 : -1;
}

static int setup(void **state)
{
	libbpf_set_print(libbpf_print);
	return load(60000 * MS, 700 * MS);
}

static int teardown(void **state)
{
	ring_buffer__free(rb);
	recycle_bpf__destroy(skel);
	return 0;
}

/* Send one segment through the program of its direction; returns the tc verdict. */
static int send_seg(const struct seg *s, bool to_server)
{
	uint8_t in[256], out[256];
	size_t len = build(in, s, to_server);
	struct bpf_program *prog = to_server ? skel->progs.recycle_ingress :
					       skel->progs.recycle_egress;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = len, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);

	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(prog), &o), 0);
	/* the gate never rewrites */
	assert_memory_equal(in, out, len);
	return o.retval;
}

static int in(struct seg s)
{
	return send_seg(&s, true);
}

static int out(struct seg s)
{
	return send_seg(&s, false);
}

/* Entry k of a per-CPU array of counters, summed over the CPUs. */
static uint64_t percpu_sum(struct bpf_map *m, uint32_t k)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t v[ncpu], sum = 0;

	assert_int_equal(bpf_map__lookup_elem(m, &k, sizeof(k), v, sizeof(v), 0), 0);
	for (int c = 0; c < ncpu; c++)
		sum += v[c];
	return sum;
}

static void stats(uint64_t st[RS__MAX])
{
	for (uint32_t k = 0; k < RS__MAX; k++)
		st[k] = percpu_sum(skel->maps.stats, k);
}

static int consume(void)
{
	nev = 0;
	assert_true(ring_buffer__consume(rb) >= 0);
	return nev;
}

/*
 * A whole connection from peer:pport with timestamps (ts). The peer's TSvals run t, t+1, ...;
 * the last one (its FIN) is t + 3. server_first: the server sends its FIN first. Split in two
 * so that connections can overlap.
 */
static void conv_open(uint32_t peer, uint16_t pport, uint32_t t, bool ts)
{
	uint32_t c = 1000, s = 5000, st = 777;

	assert_int_equal(in((struct seg){ peer, pport, 0, SYN, c, 0, ts, t, 0 }), TC_ACT_OK);
	out((struct seg){ peer, pport, 0, SYN | ACK, s, c + 1, ts, st, t });
	in((struct seg){ peer, pport, 0, ACK, c + 1, s + 1, ts, t + 1, st });
}

static void conv_close(uint32_t peer, uint16_t pport, uint32_t t, bool server_first, bool ts)
{
	uint32_t c = 1000, s = 5000, st = 777;

	in((struct seg){ peer, pport, 0, ACK, c + 1, s + 1, ts, t + 2, st, 10 });
	out((struct seg){ peer, pport, 0, ACK, s + 1, c + 11, ts, st + 1, t + 2, 20 });
	if (server_first) {
		out((struct seg){ peer, pport, 0, FIN | ACK, s + 21, c + 11, ts, st + 2, t + 2 });
		in((struct seg){ peer, pport, 0, FIN | ACK, c + 11, s + 22, ts, t + 3, st + 2 });
		out((struct seg){ peer, pport, 0, ACK, s + 22, c + 12, ts, st + 3, t + 3 });
	} else {
		in((struct seg){ peer, pport, 0, FIN | ACK, c + 11, s + 21, ts, t + 3, st + 1 });
		out((struct seg){ peer, pport, 0, ACK, s + 21, c + 12, ts, st + 2, t + 3 });
		out((struct seg){ peer, pport, 0, FIN | ACK, s + 21, c + 12, ts, st + 2, t + 3 });
		in((struct seg){ peer, pport, 0, ACK, c + 12, s + 22, ts, t + 4, st + 2 });
	}
}

static void conversation(uint32_t peer, uint16_t pport, uint32_t t, bool server_first, bool ts)
{
	conv_open(peer, pport, t, ts);
	conv_close(peer, pport, t, server_first, ts);
}

static int syn(uint32_t peer, uint16_t pport, bool ts, uint32_t tsval)
{
	return in((struct seg){ peer, pport, 0, SYN, 9000, 0, ts, tsval, 0 });
}

static const struct recycle_event *last_event(void)
{
	assert_true(nev >= 1 && nev <= 64);
	return &evs[nev - 1];
}

static void test_server_close_then_syns(void **state)
{
	uint32_t T = 1000000;
	uint64_t st[RS__MAX];
	const struct recycle_event *e;

	conversation(PEER, 40000, T - 3, true, true);
	assert_int_equal(consume(), 2);	/* the first SYN, the record */
	assert_int_equal(evs[0].kind, EV_SYN);
	assert_int_equal(evs[0].verdict, RV_PASS_NO_RECORD);
	e = &evs[1];
	assert_int_equal(e->kind, EV_RECORD_UPDATE);
	assert_int_equal(e->tsval, T);	/* the peer's FIN's TSval is its ts_recent */
	assert_int_equal(e->rec_ts, T);
	assert_int_equal(e->saddr, htonl(PEER));
	assert_int_equal(e->daddr, htonl(SERVER));
	assert_false(e->has_record);

	/* another host behind the same address, older clock: dropped, whatever its port */
	assert_int_equal(syn(PEER, 40001, true, T - 2), TC_ACT_SHOT);
	assert_int_equal(consume(), 1);
	e = last_event();
	assert_int_equal(e->kind, EV_SYN);
	assert_int_equal(e->verdict, RV_DROP_PAWS);
	assert_int_equal(e->tsval, T - 2);
	assert_int_equal(e->rec_ts, T);
	assert_true(e->has_record && e->has_ts);
	assert_int_equal(e->sport, 40001);
	assert_int_equal(e->dport, PORT);
	assert_true(e->rec_age_ns < 10000 * MS);
	/* one tick older is in the window */
	assert_int_equal(syn(PEER, 40002, true, T - 1), TC_ACT_OK);
	assert_int_equal(consume(), 1);
	assert_int_equal(last_event()->verdict, RV_PASS_IN_WINDOW);
	assert_int_equal(syn(PEER, 40003, true, T + 100000), TC_ACT_OK);
	assert_int_equal(consume(), 1);
	assert_int_equal(last_event()->verdict, RV_PASS_IN_WINDOW);
	/* no timestamp at all: dropped too (3.18+) */
	assert_int_equal(syn(PEER, 40004, false, 0), TC_ACT_SHOT);
	assert_int_equal(consume(), 1);
	assert_int_equal(last_event()->verdict, RV_DROP_NO_TS);
	assert_false(last_event()->has_ts);
	/* other peer addresses are not affected */
	assert_int_equal(syn(PEER2, 40001, true, 5), TC_ACT_OK);
	assert_int_equal(consume(), 1);
	assert_int_equal(last_event()->verdict, RV_PASS_NO_RECORD);
	/* SYNs to another port are not judged and not reported */
	assert_int_equal(in((struct seg){ PEER, 40005, 22, SYN, 1, 0, true, 5, 0 }), TC_ACT_OK);
	assert_int_equal(consume(), 0);
	/* SYN-ACK towards the server (it connected out) is not a pure SYN */
	assert_int_equal(in((struct seg){ PEER, 40006, 0, SYN | ACK, 1, 2, true, 5, 0 }),
			 TC_ACT_OK);
	assert_int_equal(consume(), 0);

	stats(st);
	assert_int_equal(st[RS_SYN_SEEN], 6);
	assert_int_equal(st[RS_SYN_PASSED], 4);
	assert_int_equal(st[RS_SYN_DROPPED], 2);
	assert_int_equal(st[RS_PAWS_PASSIVE], 2);
	assert_int_equal(st[RS_LISTEN_DROPS], 2);
	assert_int_equal(st[RS_RECORDS_UPDATED], 1);
	assert_int_equal(st[RS_RECORDS_KEPT], 0);
	assert_int_equal(st[RS_TW_ENTERED], 1);
	assert_int_equal(st[RS_TW_HITS], 0);
	assert_int_equal(st[RS_EVENTS_LOST], 0);
}

static void test_client_closes_first(void **state)
{
	uint64_t st[RS__MAX];

	conversation(PEER, 40000, 1000000, false, true);
	assert_int_equal(consume(), 1);
	assert_int_equal(syn(PEER, 40001, true, 5), TC_ACT_OK);
	assert_int_equal(consume(), 1);
	assert_int_equal(last_event()->verdict, RV_PASS_NO_RECORD);
	stats(st);
	assert_int_equal(st[RS_RECORDS_UPDATED] + st[RS_RECORDS_KEPT], 0);
	assert_int_equal(st[RS_TW_ENTERED], 0);
	assert_int_equal(st[RS_SYN_DROPPED], 0);
}

static void test_no_timestamps_no_record(void **state)
{
	uint64_t st[RS__MAX];

	conversation(PEER, 40000, 0, true, false);
	assert_int_equal(consume(), 1);
	assert_int_equal(syn(PEER, 40001, false, 0), TC_ACT_OK);
	stats(st);
	assert_int_equal(st[RS_RECORDS_UPDATED] + st[RS_RECORDS_KEPT], 0);
	/* it still enters TIME_WAIT, the long one */
	assert_int_equal(st[RS_TW_ENTERED], 1);
}

static void test_tw_hit(void **state)
{
	uint64_t st[RS__MAX];

	conversation(PEER, 40000, 1000000, true, true);
	/* the same 4-tuple while the emulated TIME_WAIT lives: not checked */
	assert_int_equal(syn(PEER, 40000, true, 5), TC_ACT_OK);
	consume();
	assert_int_equal(last_event()->verdict, RV_PASS_TW_HIT);
	/* that SYN started a new connection: the 4-tuple is no longer in TIME_WAIT */
	assert_int_equal(syn(PEER, 40000, true, 5), TC_ACT_SHOT);
	consume();
	assert_int_equal(last_event()->verdict, RV_DROP_PAWS);
	stats(st);
	assert_int_equal(st[RS_TW_HITS], 1);
}

static void test_tw_expires(void **state)
{
	struct timespec ts = { 0, 30 * MS };

	teardown(state);
	assert_int_equal(load(60000 * MS, 20 * MS), 0);
	conversation(PEER, 40000, 1000000, true, true);
	nanosleep(&ts, NULL);	/* the rule is about elapsed time: 3.5 x RTO is 20 ms here */
	assert_int_equal(syn(PEER, 40000, true, 5), TC_ACT_SHOT);
	consume();
	assert_int_equal(last_event()->verdict, RV_DROP_PAWS);
}

/*
 * Whole seconds (get_seconds(), kernel-notes §1.1): with paws_msl 1 s a record stamped late in
 * its second is stale 300 ms later, once the second counter moved on; "> paws_msl" for the
 * update rule needs the counter 2 ahead.
 */
static void test_record_stale(void **state)
{
	struct timespec ts = { 0, 300 * MS };

	teardown(state);
	load_phase_ns = 123 * MS;
	assert_int_equal(load(1000 * MS, 10 * MS), 0);
	load_phase_ns = 0;
	sleep_to_frac(527 * MS);	/* + the phase: 0.65 s into the gate's second */
	conversation(PEER, 40000, 1000000, true, true);
	assert_int_equal(syn(PEER, 40001, true, 5), TC_ACT_SHOT);
	nanosleep(&ts, NULL);	/* to 0.95 s: the same second, still fresh */
	assert_int_equal(syn(PEER, 40005, true, 5), TC_ACT_SHOT);
	nanosleep(&ts, NULL);	/* to 1.25 s: the next second, age 1 = paws_msl: stale */
	assert_int_equal(syn(PEER, 40002, true, 5), TC_ACT_OK);
	consume();
	assert_int_equal(last_event()->verdict, RV_PASS_STALE);
	/* age 1 is not "> paws_msl": a smaller TSval does not replace the record yet */
	conversation(PEER, 40003, 500, true, true);
	consume();
	assert_int_equal(last_event()->kind, EV_RECORD_KEEP);
	ts.tv_sec = 1;
	ts.tv_nsec = 0;
	nanosleep(&ts, NULL);	/* to 2.25 s: age 2 > 1: a stale record takes a smaller TSval */
	conversation(PEER, 40004, 500, true, true);
	consume();
	assert_int_equal(last_event()->kind, EV_RECORD_UPDATE);
	assert_int_equal(last_event()->rec_ts, 503);
	assert_true(last_event()->has_record);
}

/*
 * §1.3a: the orphaned server socket in FIN_WAIT1 gets the ACK of its FIN (no FIN, no data):
 * tcp_time_wait(sk, TCP_FIN_WAIT2, tmo) writes the record with that ACK's TSval; the peer's
 * FIN, later, writes again from the timewait socket (tcp_tw_remember_stamp) with its own.
 */
static void test_fin_wait1_record(void **state)
{
	uint32_t c = 1000, s = 5000, st = 777, t = 1000000;

	conv_open(PEER, 40000, t, true);
	in((struct seg){ PEER, 40000, 0, ACK, c + 1, s + 1, true, t + 2, st, 10 });
	out((struct seg){ PEER, 40000, 0, ACK, s + 1, c + 11, true, st + 1, t + 2, 20 });
	out((struct seg){ PEER, 40000, 0, FIN | ACK, s + 21, c + 11, true, st + 2, t + 2 });
	consume();
	/* an ACK short of the FIN: nothing */
	in((struct seg){ PEER, 40000, 0, ACK, c + 11, s + 21, true, t + 3, st + 2 });
	assert_int_equal(consume(), 0);
	in((struct seg){ PEER, 40000, 0, ACK, c + 11, s + 22, true, t + 4, st + 2 });
	assert_int_equal(consume(), 1);
	assert_int_equal(last_event()->kind, EV_RECORD_UPDATE);
	assert_int_equal(last_event()->rec_ts, t + 4);
	/* the peer that never sends its FIN (killed, or a program that keeps the socket) is
	 * recorded: an older clock behind the same address is dropped */
	assert_int_equal(syn(PEER, 40001, true, t), TC_ACT_SHOT);
	/* its FIN comes after all: written again, with the FIN's TSval */
	in((struct seg){ PEER, 40000, 0, FIN | ACK, c + 11, s + 22, true, t + 9, st + 2 });
	consume();
	assert_int_equal(last_event()->kind, EV_RECORD_UPDATE);
	assert_int_equal(last_event()->rec_ts, t + 9);
	assert_int_equal(syn(PEER, 40002, true, t + 7), TC_ACT_SHOT);

	/* an ACK of the FIN that carries data: the kernel aborts (tcp_done), no record */
	conv_open(PEER2, 40000, 50, true);
	out((struct seg){ PEER2, 40000, 0, FIN | ACK, s + 1, c + 1, true, st + 2, 51 });
	in((struct seg){ PEER2, 40000, 0, ACK, c + 1, s + 2, true, 60, st + 2, 10 });
	consume();
	assert_int_equal(last_event()->kind, EV_SYN);
	assert_int_equal(syn(PEER2, 40001, true, 5), TC_ACT_OK);
}

static void test_record_rule(void **state)
{
	uint64_t st[RS__MAX];
	const struct recycle_event *e;

	/* B (smaller clock) connects, then A (same address behind the NAT) comes and goes;
	 * the server closes B's connection too: the record stays A's */
	conv_open(PEER, 40001, 500, true);
	conversation(PEER, 40000, 1000000, true, true);
	conv_close(PEER, 40001, 500, true, true);
	consume();
	e = last_event();
	assert_int_equal(e->kind, EV_RECORD_KEEP);
	assert_int_equal(e->tsval, 503);
	assert_int_equal(e->rec_ts, 1000003);
	assert_true(e->has_record);
	assert_int_equal(syn(PEER, 40002, true, 1000002), TC_ACT_OK);
	assert_int_equal(syn(PEER, 40003, true, 1000001), TC_ACT_SHOT);
	/* A again, larger: updated */
	conversation(PEER, 40004, 2000000, true, true);
	consume();
	assert_int_equal(last_event()->kind, EV_RECORD_UPDATE);
	assert_int_equal(last_event()->rec_ts, 2000003);
	stats(st);
	assert_int_equal(st[RS_RECORDS_UPDATED], 2);
	assert_int_equal(st[RS_RECORDS_KEPT], 1);
	assert_int_equal(st[RS_TW_ENTERED], 3);
}

static void note(uint16_t pport, uint32_t isn, int32_t client)
{
	struct attrib_key k = { htonl(PEER), htonl(SERVER), pport, PORT };
	struct attrib_owner o = { isn, client, 0, -1 };

	assert_int_equal(bpf_map__update_elem(skel->maps.attrib_owners, &k, sizeof(k), &o,
					      sizeof(o), BPF_ANY), 0);
}

/* Drops are counted per client from the router's notes (ISN included); a drop no note names
 * is counted unattributed, and why: no note for its 4-tuple, or a note of another SYN. */
static void test_attribution(void **state)
{
	conversation(PEER, 40000, 1000000, true, true);	/* a record for PEER */
	note(40010, 9000, 0);
	assert_int_equal(syn(PEER, 40010, true, 5), TC_ACT_SHOT);
	assert_int_equal(percpu_sum(skel->maps.client_drops, 0), 1);
	assert_int_equal(percpu_sum(skel->maps.attrib_stats, AS_UNATTRIBUTED), 0);
	note(40011, 1234, 0);			/* another SYN's note on that 4-tuple */
	assert_int_equal(syn(PEER, 40011, true, 5), TC_ACT_SHOT);
	assert_int_equal(syn(PEER, 40012, true, 5), TC_ACT_SHOT);	/* no note at all */
	assert_int_equal(syn(PEER, 40013, true, 5), TC_ACT_SHOT);
	assert_int_equal(percpu_sum(skel->maps.client_drops, 0), 1);
	assert_int_equal(percpu_sum(skel->maps.attrib_stats, AS_UNATTRIBUTED), 3);
	assert_int_equal(percpu_sum(skel->maps.attrib_stats, AS_OTHER_ISN), 1);
	assert_int_equal(percpu_sum(skel->maps.attrib_stats, AS_NO_NOTE), 2);
	assert_int_equal(percpu_sum(skel->maps.attrib_stats, AS_NOTE_FAILED), 0);
}

/* The router's egress program notes a SYN after SNAT, from the client whose link (ingress
 * ifindex) it came in on. */
static void router_syn(uint16_t pport, uint32_t isn, uint32_t ifindex)
{
	struct seg sg = { PEER, pport, 0, SYN, isn, 0, true, 5, 0 };
	uint8_t frame[256], out[256];
	size_t len = build(frame, &sg, true);
	struct __sk_buff ctx = { .ingress_ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = len,
		    .data_out = out, .data_size_out = sizeof(out), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);

	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.recycle_router_egress),
						&o), 0);
	assert_int_equal(o.retval, TC_ACT_OK);
}

static void link_client(uint32_t ifindex, int32_t client)
{
	assert_int_equal(bpf_map__update_elem(skel->maps.attrib_links, &ifindex, sizeof(ifindex),
					      &client, sizeof(client), BPF_ANY), 0);
}

/* A SYN still on its way when the next SYN on its 4-tuple is noted (another ISN, here from
 * another client) is still counted for its own client: the note keeps the previous SYN. */
static void test_attribution_previous_syn(void **state)
{
	conversation(PEER, 40000, 1000000, true, true);	/* a record for PEER */
	link_client(7, 1);
	link_client(8, 2);
	router_syn(40020, 9000, 7);		/* client 1's SYN ... */
	router_syn(40020, 7777, 8);		/* ... then client 2's on the same tuple */
	router_syn(40020, 7777, 8);		/* and its resend: client 1's stays the previous */
	assert_int_equal(percpu_sum(skel->maps.attrib_stats, AS_NOTED), 3);
	assert_int_equal(in((struct seg){ PEER, 40020, 0, SYN, 9000, 0, true, 5, 0 }), TC_ACT_SHOT);
	assert_int_equal(in((struct seg){ PEER, 40020, 0, SYN, 7777, 0, true, 5, 0 }), TC_ACT_SHOT);
	assert_int_equal(in((struct seg){ PEER, 40020, 0, SYN, 5555, 0, true, 5, 0 }), TC_ACT_SHOT);
	assert_int_equal(percpu_sum(skel->maps.client_drops, 1), 1);
	assert_int_equal(percpu_sum(skel->maps.client_drops, 2), 1);
	assert_int_equal(percpu_sum(skel->maps.attrib_stats, AS_UNATTRIBUTED), 1);
	assert_int_equal(percpu_sum(skel->maps.attrib_stats, AS_OTHER_ISN), 1);
}

static void test_ts_recent_in_order(void **state)
{
	uint32_t c = 1000, s = 5000;

	in((struct seg){ PEER, 40000, 0, SYN, c, 0, true, 100, 0 });
	out((struct seg){ PEER, 40000, 0, SYN | ACK, s, c + 1, true, 1, 100 });
	in((struct seg){ PEER, 40000, 0, ACK, c + 1, s + 1, true, 101, 1 });
	out((struct seg){ PEER, 40000, 0, FIN | ACK, s + 1, c + 1, true, 2, 101 });
	/* beyond rcv_wup (out of order): its TSval is not stored */
	in((struct seg){ PEER, 40000, 0, ACK, c + 500, s + 2, true, 900, 2 });
	/* a TSval going backwards is not stored either (tcp_paws_check(.., 0)) */
	in((struct seg){ PEER, 40000, 0, ACK, c + 1, s + 2, true, 50, 2 });
	in((struct seg){ PEER, 40000, 0, FIN | ACK, c + 1, s + 2, true, 102, 2 });
	consume();
	assert_int_equal(last_event()->kind, EV_RECORD_UPDATE);
	assert_int_equal(last_event()->rec_ts, 102);
}

static void test_rst_forgets(void **state)
{
	uint64_t st[RS__MAX];
	uint32_t c = 1000, s = 5000;

	in((struct seg){ PEER, 40000, 0, SYN, c, 0, true, 100, 0 });
	out((struct seg){ PEER, 40000, 0, SYN | ACK, s, c + 1, true, 1, 100 });
	in((struct seg){ PEER, 40000, 0, ACK, c + 1, s + 1, true, 101, 1 });
	out((struct seg){ PEER, 40000, 0, FIN | ACK, s + 1, c + 1, true, 2, 101 });
	in((struct seg){ PEER, 40000, 0, RST, c + 1, 0, false, 0, 0 });
	in((struct seg){ PEER, 40000, 0, FIN | ACK, c + 1, s + 2, true, 102, 2 });
	stats(st);
	assert_int_equal(st[RS_TW_ENTERED], 0);
}

static void test_events_lost(void **state)
{
	uint8_t frame[256], o[256];
	struct seg s = { PEER, 40000, 0, SYN, 1, 0, true, 5, 0 };
	size_t len = build(frame, &s, true);
	uint64_t st[RS__MAX];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len,
		    .data_out = o, .data_size_out = sizeof(o), .repeat = 10000);

	/* 10000 SYN events do not fit 256 KiB of ring buffer without a reader */
	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.recycle_ingress),
						&opts), 0);
	stats(st);
	assert_int_equal(st[RS_SYN_SEEN], 10000);
	assert_true(st[RS_EVENTS_LOST] > 0);
	assert_int_equal(consume() + st[RS_EVENTS_LOST], 10000);
}

/* ---- gate.c and tsclock.c on a real veth pair ---- */

static int run_cmd(char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

#define CMD(...) run_cmd((char *const[]){ __VA_ARGS__, NULL })

static char ns_srv[64], ns_cli[64];

static int enter(const char *ns)
{
	char path[128];
	int fd, err;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	err = setns(fd, CLONE_NEWNET);
	close(fd);
	return err;
}

static int ns_setup(void **state)
{
	snprintf(ns_srv, sizeof(ns_srv), "twl-test-gate-s%d", getpid());
	snprintf(ns_cli, sizeof(ns_cli), "twl-test-gate-c%d", getpid());
	if (CMD("ip", "netns", "add", ns_srv) || CMD("ip", "netns", "add", ns_cli) ||
	    CMD("ip", "-n", ns_srv, "link", "add", "veth0", "type", "veth", "peer", "name",
		"veth1", "netns", ns_cli) ||
	    CMD("ip", "-n", ns_srv, "addr", "add", "10.99.0.1/24", "dev", "veth0") ||
	    CMD("ip", "-n", ns_cli, "addr", "add", "10.99.0.2/24", "dev", "veth1") ||
	    CMD("ip", "-n", ns_srv, "link", "set", "veth0", "up") ||
	    CMD("ip", "-n", ns_cli, "link", "set", "veth1", "up") ||
	    CMD("ip", "netns", "exec", ns_cli, "sysctl", "-qw", "net.ipv4.tcp_timestamps=2"))
		return -1;
	return 0;
}

static int ns_teardown(void **state)
{
	int self = open("/proc/1/ns/net", O_RDONLY);

	if (self >= 0) {
		setns(self, CLONE_NEWNET);
		close(self);
	}
	CMD("ip", "netns", "del", ns_srv);
	CMD("ip", "netns", "del", ns_cli);
	return 0;
}

static struct recycle_event gev[64];
static int ngev;

static void on_gate_event(const struct recycle_event *ev, void *ctx)
{
	if (ngev < 64)
		gev[ngev] = *ev;
	ngev++;
}

/* Connect from the client netns; true if connected within wait_ms. */
static bool try_connect(int lfd, int wait_ms, int *ret_fd, int *ret_acc)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	struct pollfd p;
	int fd, err = 0;
	socklen_t l = sizeof(err);

	assert_int_equal(enter(ns_cli), 0);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(fd >= 0);
	inet_pton(AF_INET, "10.99.0.1", &a.sin_addr);
	connect(fd, (struct sockaddr *)&a, sizeof(a));
	p = (struct pollfd){ .fd = fd, .events = POLLOUT };
	if (poll(&p, 1, wait_ms) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l) || err) {
		close(fd);
		return false;
	}
	*ret_fd = fd;
	*ret_acc = accept(lfd, NULL, NULL);
	assert_true(*ret_acc >= 0);
	return true;
}

static void test_gate_on_veth(void **state)
{
	struct gate_cfg cfg = { .paws_msl_ns = 60000 * MS, .paws_window = 1, .server_port = PORT,
				.tw_len_ns = 700 * MS };
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	struct tsclock *tsc;
	struct gate *g;
	uint64_t st[RS__MAX], eg, ig;
	int lfd, cfd, afd, one = 1;
	char b;

	/* client: a clock 10^9 ticks ahead for the first connection */
	assert_int_equal(enter(ns_cli), 0);
	assert_int_equal(tsclock_load(&tsc), 0);
	assert_int_equal(tsclock_set(tsc, 0x0a630002, 1000000000), 0);
	assert_int_equal(tsclock_attach(tsc, if_nametoindex("veth1")), 0);

	assert_int_equal(enter(ns_srv), 0);
	assert_int_equal(gate_attach(if_nametoindex("veth0"), &cfg, &g), 0);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	inet_pton(AF_INET, "10.99.0.1", &a.sin_addr);
	assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(lfd, 16), 0);

	/* connection 1: the server closes first, the client then */
	assert_true(try_connect(lfd, 2000, &cfd, &afd));
	close(afd);
	{
		struct pollfd p = { .fd = cfd, .events = POLLIN };

		assert_int_equal(poll(&p, 1, 2000), 1);
		assert_int_equal(read(cfd, &b, 1), 0);
	}
	close(cfd);

	/* wait (bounded) for the record event */
	for (int i = 0; i < 200; i++) {
		struct pollfd p = { .fd = gate_fd(g), .events = POLLIN };

		poll(&p, 1, 10);
		assert_true(gate_consume(g, on_gate_event, NULL) >= 0);
		if (ngev >= 2)
			break;
	}
	assert_int_equal(ngev, 2);
	assert_int_equal(gev[0].kind, EV_SYN);
	assert_int_equal(gev[1].kind, EV_RECORD_UPDATE);
	assert_true(gev[1].rec_ts - 1000000000u < 0x80000000u);

	/* connection 2: the client's own clock, 10^9 ticks behind the record: silently dropped */
	assert_int_equal(tsclock_set(tsc, 0x0a630002, 0), 0);
	assert_false(try_connect(lfd, 300, &cfd, &afd));
	ngev = 0;
	assert_true(gate_consume(g, on_gate_event, NULL) >= 1);
	assert_int_equal(gev[0].kind, EV_SYN);
	assert_int_equal(gev[0].verdict, RV_DROP_PAWS);
	assert_int_equal(gate_stats(g, st), 0);
	assert_true(st[RS_SYN_DROPPED] >= 1);
	assert_int_equal(st[RS_PAWS_PASSIVE], st[RS_SYN_DROPPED]);
	assert_int_equal(st[RS_RECORDS_UPDATED], 1);
	assert_int_equal(tsclock_stats(tsc, &eg, &ig), 0);
	assert_true(eg >= 4 && ig >= 3);

	close(lfd);
	assert_int_equal(enter(ns_srv), 0);
	gate_free(g);
	tsclock_free(tsc);
	/* gate_free removed the clsact qdisc */
	assert_int_equal(CMD("sh", "-c", "tc -n \"$0\" qdisc show dev veth0 | grep -q clsact",
			     ns_srv), -1);
}

static void test_needs_root(void **state)
{
	print_message("BPF_PROG_TEST_RUN needs root\n");
	skip();
}

int main(void)
{
	const struct CMUnitTest no_root[] = { cmocka_unit_test(test_needs_root) };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_server_close_then_syns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_closes_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_timestamps_no_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tw_hit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tw_expires, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record_stale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record_rule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attribution, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attribution_previous_syn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fin_wait1_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ts_recent_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rst_forgets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_lost, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gate_on_veth, ns_setup, ns_teardown),
	};

	if (geteuid())
		return cmocka_run_group_tests(no_root, NULL, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
