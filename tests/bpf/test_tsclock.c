// SPDX-License-Identifier: GPL-2.0
/*
 * tsclock.bpf.c under BPF_PROG_TEST_RUN: crafted Ethernet/IPv4/TCP frames in, exact bytes out,
 * TCP checksum recomputed here. Root.
 */
/* MODULES: tsclock tc nl */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lab/tsclock.h"

#define CLIENT 0x64400002u	/* 100.64.0.2, in the map */
#define OTHER 0x64400003u	/* 100.64.0.3, not in the map */
#define SERVER 0xc6336401u	/* 198.51.100.1 */

struct pkt {
	uint16_t ethertype;	/* 0: IPv4 */
	uint8_t proto;		/* 0: TCP */
	uint16_t frag;		/* frag_off field, host order */
	uint32_t saddr, daddr;
	const uint8_t *ipopt;
	size_t ipopt_len;	/* multiple of 4 */
	const uint8_t *opt;
	size_t opt_len;		/* multiple of 4 */
	size_t payload;
	size_t cut;		/* drop this many bytes at the end (truncated frame) */
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

/* Returns the one's complement sum over pseudo header + segment: 0xffff when right. */
static uint16_t tcp_csum_check(const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + 14;
	size_t ihl = (ip[0] & 0xf) * 4, tcplen = len - 14 - ihl;
	uint32_t s = sum16(ip + 12, 8, 0) + 6 + tcplen;

	return fold(sum16(ip + ihl, tcplen, s));
}

static size_t build(uint8_t *f, const struct pkt *p)
{
	size_t ihl = 20 + p->ipopt_len, hlen = 20 + p->opt_len;
	size_t iplen = ihl + hlen + p->payload;
	uint8_t *ip = f + 14, *th = ip + ihl;
	uint16_t c;

	memset(f, 0, 14 + iplen);
	memcpy(f, "\x02\0\0\0\0\x01\x02\0\0\0\0\x02", 12);
	f[12] = (p->ethertype ?: 0x0800) >> 8;
	f[13] = (p->ethertype ?: 0x0800) & 0xff;
	ip[0] = 0x40 | ihl / 4;
	ip[2] = iplen >> 8;
	ip[3] = iplen & 0xff;
	ip[6] = p->frag >> 8;
	ip[7] = p->frag & 0xff;
	ip[8] = 64;
	ip[9] = p->proto ?: 6;
	*(uint32_t *)(ip + 12) = htonl(p->saddr);
	*(uint32_t *)(ip + 16) = htonl(p->daddr);
	memcpy(ip + 20, p->ipopt, p->ipopt_len);
	c = ~fold(sum16(ip, ihl, 0));
	ip[10] = c >> 8;
	ip[11] = c & 0xff;
	*(uint16_t *)th = htons(40000);
	*(uint16_t *)(th + 2) = htons(8080);
	*(uint32_t *)(th + 4) = htonl(1000);
	*(uint32_t *)(th + 8) = htonl(2000);
	th[12] = hlen / 4 << 4;
	th[13] = 0x18;	/* PSH ACK */
	th[14] = 0xff;
	memcpy(th + 20, p->opt, p->opt_len);
	for (size_t i = 0; i < p->payload; i++)
		th[hlen + i] = i * 7;
	c = ~fold(sum16(th, hlen + p->payload, sum16(ip + 12, 8, 0) + 6 + hlen + p->payload));
	th[16] = c >> 8;
	th[17] = c & 0xff;
	return 14 + iplen - p->cut;
}

static struct tsclock *tsc;
static int fd_eg, fd_in;
static enum tsclock_variant variant;	/* each group runs on both programs */

static int libbpf_print(enum libbpf_print_level lvl, const char *fmt, va_list ap)
{
	return lvl == LIBBPF_DEBUG ? 0 : vfprintf(stderr, fmt, ap);
}

static int setup(void **state)
{
	libbpf_set_print(libbpf_print);
	if (tsclock_load_variant(&tsc, variant) || tsclock_variant(tsc) != variant)
		return -1;
	tsclock_prog_fds(tsc, &fd_eg, &fd_in);
	return tsclock_set(tsc, CLIENT, 0x20);
}

static int teardown(void **state)
{
	tsclock_free(tsc);
	return 0;
}

/* Run prog on in[0..len), return the output in out (same length asserted). */
static void run(int fd, const uint8_t *in, size_t len, uint8_t *out)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = len, .data_out = out,
		    .data_size_out = 512, .repeat = 1);

	assert_int_equal(bpf_prog_test_run_opts(fd, &o), 0);
	assert_int_equal(o.retval, 0);	/* TC_ACT_OK, always */
	assert_int_equal(o.data_size_out, len);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint64_t n_eg, n_in;

static void stats_delta(uint64_t *eg, uint64_t *in)
{
	uint64_t e, i;

	assert_int_equal(tsclock_stats(tsc, &e, &i), 0);
	*eg = e - n_eg;
	*in = i - n_in;
	n_eg = e;
	n_in = i;
}

/*
 * One layout: opt has the timestamp option's kind byte at ts_at (or -1). Egress and ingress
 * must rewrite exactly TSval (+0x20) / TSecr (-0x20) and keep the checksum right, or leave the
 * frame untouched when ts_at < 0.
 */
static void check_layout(struct pkt p, int ts_at, uint32_t tsval, uint32_t tsecr,
			 uint32_t want_tsval, uint32_t want_tsecr)
{
	uint8_t opt[64], in[512], want[512], out[512];
	struct pkt q;
	size_t len;
	uint64_t de, di;

	memcpy(opt, p.opt, p.opt_len);
	if (ts_at >= 0) {
		put32(opt + ts_at + 2, tsval);
		put32(opt + ts_at + 6, tsecr);
	}
	p.opt = opt;
	stats_delta(&de, &di);

	/* egress: from the client */
	p.saddr = CLIENT;
	p.daddr = SERVER;
	len = build(in, &p);
	run(fd_eg, in, len, out);
	q = p;
	if (ts_at >= 0) {
		uint8_t o2[64];

		memcpy(o2, opt, p.opt_len);
		put32(o2 + ts_at + 2, want_tsval);
		q.opt = o2;
		build(want, &q);
		assert_memory_equal(out, want, len);
		assert_int_equal(tcp_csum_check(out, len), 0xffff);
	} else {
		assert_memory_equal(out, in, len);
	}

	/* ingress: to the client */
	p.saddr = SERVER;
	p.daddr = CLIENT;
	len = build(in, &p);
	run(fd_in, in, len, out);
	q = p;
	if (ts_at >= 0) {
		uint8_t o2[64];

		memcpy(o2, opt, p.opt_len);
		put32(o2 + ts_at + 6, want_tsecr);
		q.opt = o2;
		build(want, &q);
		assert_memory_equal(out, want, len);
		assert_int_equal(tcp_csum_check(out, len), 0xffff);
	} else {
		assert_memory_equal(out, in, len);
	}

	stats_delta(&de, &di);
	assert_int_equal(de, ts_at >= 0);
	assert_int_equal(di, ts_at >= 0 && tsecr != 0);
}

#define OPT(s) .opt = (const uint8_t *)(s), .opt_len = sizeof(s) - 1
#define TS "\x08\x0a\0\0\0\0\0\0\0\0"

static void test_ts_first(void **state)
{
	check_layout((struct pkt){ OPT(TS "\x01\x01") }, 0, 100000, 5000, 100032, 4968);
}

static void test_ts_after_mss(void **state)
{
	check_layout((struct pkt){ OPT("\x02\x04\x05\xb4" TS "\x01\x01"), .payload = 100 }, 4,
		     7, 9, 0x27, 0xffffffe9);
}

static void test_ts_linux_syn(void **state)
{
	/* MSS, SACK-permitted, TS, NOP, WS: what Linux sends in a SYN */
	check_layout((struct pkt){ OPT("\x02\x04\x05\xb4\x04\x02" TS "\x01\x03\x03\x07") }, 6,
		     123456789, 0, 123456789 + 0x20, 0);
}

static void test_ts_after_nops_sack(void **state)
{
	/* NOP NOP TS NOP NOP SACK(1 block) */
	check_layout((struct pkt){ OPT("\x01\x01" TS "\x01\x01\x05\x0a\0\0\0\x01\0\0\0\x02"),
				   .payload = 33 }, 2, 1, 2, 0x21, 0xffffffe2);
}

static void test_ts_at_end_eol(void **state)
{
	/* NOP WS TS EOL pad */
	check_layout((struct pkt){ OPT("\x01\x03\x03\x07" TS "\x00\x00") }, 4, 0xfffffff0,
		     0x10, 0x10, 0xfffffff0);
}

static void test_ip_options(void **state)
{
	/* IPv4 router alert (ihl 6) */
	check_layout((struct pkt){ OPT("\x01\x01" TS), .ipopt = (const uint8_t *)"\x94\x04\0\0",
				   .ipopt_len = 4, .payload = 10 }, 2, 42, 43, 42 + 0x20, 43 - 0x20);
}

static void test_ts_after_bad_length_ts(void **state)
{
	/* a timestamp option of the wrong length is skipped, as tcp_parse_options() does */
	check_layout((struct pkt){ OPT("\x08\x06\0\0\0\0" TS "\x01\x01\x01\x01") }, 6, 500, 600,
		     532, 568);
}

static void test_no_ts(void **state)
{
	check_layout((struct pkt){ OPT("\x02\x04\x05\xb4\x01\x03\x03\x07") }, -1, 0, 0, 0, 0);
	check_layout((struct pkt){ .payload = 20 }, -1, 0, 0, 0, 0);
}

static void test_ts_after_eol(void **state)
{
	check_layout((struct pkt){ OPT("\x00\x01\x01\x01" TS "\x01\x01") }, -1, 0, 0, 0, 0);
}

static void test_malformed(void **state)
{
	/* option length 0 before the timestamp */
	check_layout((struct pkt){ OPT("\x01\x01\x1e\x00" TS "\x01\x01") }, -1, 0, 0, 0, 0);
	/* option length 1 */
	check_layout((struct pkt){ OPT("\x01\x01\x1e\x01" TS "\x01\x01") }, -1, 0, 0, 0, 0);
	/* an option running past doff * 4 */
	check_layout((struct pkt){ OPT("\x01\x01\x1e\x20" TS "\x01\x01"), .payload = 64 }, -1, 0,
		     0, 0, 0);
	/* the timestamp itself running past doff * 4 (bytes after it are payload) */
	check_layout((struct pkt){ OPT("\x01\x01\x01\x01\x01\x01\x08\x0a"), .payload = 40 }, -1,
		     0, 0, 0, 0);
	/* a lone kind byte at the very end */
	check_layout((struct pkt){ OPT("\x01\x01\x01\x08") }, -1, 0, 0, 0, 0);
}

static void test_truncated(void **state)
{
	uint8_t opt[] = "\x01\x01\x01\x01\x01\x01\x01\x01" TS "\x01\x01";
	struct pkt p = { .opt = opt, .opt_len = 20, .saddr = CLIENT, .daddr = SERVER };
	uint8_t in[512], out[512];
	size_t len;

	put32(opt + 10, 77);
	/* the frame ends in the middle of the timestamp option */
	for (size_t cut = 1; cut <= 8; cut++) {
		p.cut = cut;

		len = build(in, &p);
		run(fd_eg, in, len, out);
		assert_memory_equal(out, in, len);
	}
	/* the IP header and only part of the TCP header (BPF_PROG_TEST_RUN wants a whole
	 * IP header for an IPv4 ethertype) */
	for (size_t len2 = 14 + 20; len2 < 14 + 20 + 20; len2 += 5) {
		run(fd_eg, in, len2, out);
		assert_memory_equal(out, in, len2);
	}
}

static void test_not_ours(void **state)
{
	/* UDP, non-first fragment, IPv6 ethertype, ARP: untouched even with a TS-looking option */
	check_layout((struct pkt){ OPT("\x01\x01" TS), .proto = 17 }, -1, 1, 2, 0, 0);
	check_layout((struct pkt){ OPT("\x01\x01" TS), .frag = 0x2001 }, -1, 1, 2, 0, 0);
	check_layout((struct pkt){ OPT("\x01\x01" TS), .ethertype = 0x86dd }, -1, 1, 2, 0, 0);
	check_layout((struct pkt){ OPT("\x01\x01" TS), .ethertype = 0x0806 }, -1, 1, 2, 0, 0);
}

static void test_first_fragment(void **state)
{
	/* MF set, offset 0: the TCP header is here, rewrite it */
	check_layout((struct pkt){ OPT("\x01\x01" TS), .frag = 0x2000 }, 2, 1, 2, 0x21, 0xffffffe2);
}

static void test_address_not_in_map(void **state)
{
	uint8_t opt[] = "\x01\x01" TS;
	struct pkt p = { .opt = opt, .opt_len = 12, .saddr = OTHER, .daddr = SERVER };
	uint8_t in[512], out[512];
	size_t len;
	uint64_t de, di;

	put32(opt + 4, 1234);
	put32(opt + 8, 5678);
	stats_delta(&de, &di);
	len = build(in, &p);
	run(fd_eg, in, len, out);
	assert_memory_equal(out, in, len);
	/* egress looks at saddr only, ingress at daddr only */
	p.daddr = CLIENT;
	len = build(in, &p);
	run(fd_eg, in, len, out);
	assert_memory_equal(out, in, len);
	p.saddr = CLIENT;
	p.daddr = OTHER;
	len = build(in, &p);
	run(fd_in, in, len, out);
	assert_memory_equal(out, in, len);
	stats_delta(&de, &di);
	assert_int_equal(de + di, 0);
}

static void test_offset_per_client(void **state)
{
	/* one program, two clients, two offsets; an offset near 2^32 wraps */
	assert_int_equal(tsclock_set(tsc, OTHER, 0xfffff000u), 0);
	uint8_t opt[] = "\x01\x01" TS;
	struct pkt p = { .opt = opt, .opt_len = 12, .saddr = OTHER, .daddr = SERVER };
	uint8_t in[512], out[512], want[512], o2[12];
	size_t len;

	put32(opt + 4, 0x2000);
	put32(opt + 8, 0);
	len = build(in, &p);
	run(fd_eg, in, len, out);
	memcpy(o2, opt, 12);
	put32(o2 + 4, 0x1000);
	p.opt = o2;
	build(want, &p);
	assert_memory_equal(out, want, len);
	assert_int_equal(tcp_csum_check(out, len), 0xffff);
	assert_int_equal(tsclock_set(tsc, OTHER, 0x20), 0);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/* build() always writes 40000 -> 8080: the reply's ports (the sum does not change) */
static void swap_ports(uint8_t *f)
{
	uint8_t t[2];

	memcpy(t, f + 34, 2);
	memcpy(f + 34, f + 36, 2);
	memcpy(f + 36, t, 2);
}

static uint64_t ticks_now(uint32_t hz)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return ((uint64_t)t.tv_sec * 1000000000ULL + t.tv_nsec) * hz / 1000000000ULL;
}

/*
 * hz = 250: TSval = offset + CLOCK_MONOTONIC in 4 ms ticks, whatever the kernel's own TSval;
 * the echo of a rewritten TSval comes back as exactly the (latest) original it stood for, on
 * that flow only; an echo never sent is left alone (and counted).
 */
static void test_hz_clock_and_echo(void **state)
{
	uint8_t opt[] = "\x01\x01" TS;
	struct pkt p = { .opt = opt, .opt_len = 12, .saddr = OTHER, .daddr = SERVER };
	uint8_t in[512], out[512];
	uint32_t rewritten, off = 0x70000000u;
	uint64_t t0, t1;
	size_t len;
	const size_t tsv = 14 + 20 + 20 + 4, tse = tsv + 4;

	assert_int_equal(tsclock_set_hz(tsc, OTHER, off, 0), -EINVAL);
	assert_int_equal(tsclock_set_hz(tsc, OTHER, off, 1001), -EINVAL);
	assert_int_equal(tsclock_set_hz(tsc, OTHER, off, 250), 0);
	put32(opt + 4, 123456);
	put32(opt + 8, 0);
	t0 = ticks_now(250);
	len = build(in, &p);
	run(fd_eg, in, len, out);
	t1 = ticks_now(250);
	rewritten = get32(out + tsv);
	assert_in_range(rewritten - off, (uint32_t)t0, (uint32_t)t1);
	assert_int_equal(tcp_csum_check(out, len), 0xffff);
	/* the same tick again, a later ms TSval: the echo must restore this one */
	put32(opt + 4, 123458);
	build(in, &p);
	run(fd_eg, in, len, out);
	if (get32(out + tsv) != rewritten)	/* a tick boundary fell in between */
		rewritten = get32(out + tsv);

	p.saddr = SERVER;
	p.daddr = OTHER;
	put32(opt + 4, 999);
	put32(opt + 8, rewritten);
	build(in, &p);
	swap_ports(in);
	run(fd_in, in, len, out);
	assert_int_equal(get32(out + tse), 123458);
	assert_int_equal(tcp_csum_check(out, len), 0xffff);
	/* an echo this flow never sent: unchanged */
	put32(opt + 8, rewritten + 1000);
	build(in, &p);
	swap_ports(in);
	run(fd_in, in, len, out);
	assert_memory_equal(out, in, len);
	assert_int_equal(tsclock_set(tsc, OTHER, 0x20), 0);
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
		cmocka_unit_test(test_ts_first),
		cmocka_unit_test(test_ts_after_mss),
		cmocka_unit_test(test_ts_linux_syn),
		cmocka_unit_test(test_ts_after_nops_sack),
		cmocka_unit_test(test_ts_at_end_eol),
		cmocka_unit_test(test_ip_options),
		cmocka_unit_test(test_ts_after_bad_length_ts),
		cmocka_unit_test(test_no_ts),
		cmocka_unit_test(test_ts_after_eol),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_not_ours),
		cmocka_unit_test(test_first_fragment),
		cmocka_unit_test(test_address_not_in_map),
		cmocka_unit_test(test_offset_per_client),
		cmocka_unit_test(test_hz_clock_and_echo),
	};

	if (geteuid())
		return cmocka_run_group_tests(no_root, NULL, NULL);
	variant = TSCLOCK_MODERN;
	if (cmocka_run_group_tests_name("tsclock.bpf.c", tests, setup, teardown))
		return 1;
	variant = TSCLOCK_NOLOOP;
	return cmocka_run_group_tests_name("tsclock_noloop.bpf.c", tests, setup, teardown);
}
