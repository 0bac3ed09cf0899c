/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Locate IPv4/TCP in an Ethernet frame and find the TCP timestamp option, for tc programs.
 * Shared by tsclock.bpf.c and recycle.bpf.c; with TCPOPT_NO_LOOPS defined, the same parser for
 * old verifiers (tsclock_noloop.bpf.c). Anything that is not a well-formed first (or only)
 * fragment of an IPv4/TCP packet is reported as "not ours" and must be passed untouched.
 */
#ifndef TWLAB_TCPOPT_H
#define TWLAB_TCPOPT_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* Not in uapi <linux/tcp.h>. */
#define TCPOPT_EOL		0
#define TCPOPT_NOP		1
#define TCPOPT_TIMESTAMP	8
#define TCPOLEN_TIMESTAMP	10

#define TCPF_FIN	0x01
#define TCPF_SYN	0x02
#define TCPF_RST	0x04
#define TCPF_ACK	0x10

#define IP_FRAG_OFFSET	0x1fff

struct tcp_pkt {
	__u32 saddr, daddr;	/* network order */
	__u16 sport, dport;	/* host order */
	__u32 seq, ack_seq;	/* host order */
	__u32 tsval, tsecr;	/* host order, valid when ts_off > 0 */
	__u32 l4off;		/* frame offset of the TCP header */
	__u32 hlen;		/* doff * 4 */
	int ts_off;		/* frame offset of the timestamp option's kind byte, or -1 */
	__u8 flags;		/* TCP flags byte */
};

/* What both readers fill in the same way from the IPv4 and TCP headers (packet or copies). */
static __always_inline void tcp_pkt_fill(struct tcp_pkt *p, const struct iphdr *iph,
					 const struct tcphdr *th, __u32 l4off, __u32 hlen)
{
	p->saddr = iph->saddr;
	p->daddr = iph->daddr;
	p->sport = bpf_ntohs(th->source);
	p->dport = bpf_ntohs(th->dest);
	p->seq = bpf_ntohl(th->seq);
	p->ack_seq = bpf_ntohl(th->ack_seq);
	p->flags = ((const __u8 *)th)[13];
	p->l4off = l4off;
	p->hlen = hlen;
	p->ts_off = -1;
	/* Callers may read tsval before testing ts_off: kernels without "allow reads from uninit
	 * stack" for privileged programs (Debian's 6.1.170) reject the load otherwise. */
	p->tsval = p->tsecr = 0;
}

/* Not ours: not IPv4, not TCP, a later fragment, a bad header length. */
static __always_inline bool tcp_pkt_skip(const struct iphdr *iph)
{
	return iph->version != 4 || iph->ihl < 5 || iph->protocol != IPPROTO_TCP ||
	       (iph->frag_off & bpf_htons(IP_FRAG_OFFSET));
}

/* Read TSval/TSecr once ts_off is known (a copy: store helpers invalidate packet pointers). */
static __always_inline void tcp_pkt_load_ts(struct __sk_buff *skb, struct tcp_pkt *p)
{
	__u32 v[2];

	if (p->ts_off <= 0)
		return;
	if (bpf_skb_load_bytes(skb, p->ts_off + 2, v, sizeof(v))) {
		p->ts_off = -1;
		return;
	}
	p->tsval = bpf_ntohl(v[0]);
	p->tsecr = bpf_ntohl(v[1]);
}

#ifndef TCPOPT_NO_LOOPS

/*
 * Make the first len bytes linear. Egress TCP skbs keep only the headers in the linear area
 * and are clones of the socket's copy: pulling copies the head, so only pull when needed.
 */
static __always_inline int tcpopt_linear(struct __sk_buff *skb, __u32 len)
{
	if ((long)skb->data + len <= (long)skb->data_end)
		return 0;
	if (len > skb->len)
		return -1;	/* truncated packet */
	return bpf_skb_pull_data(skb, len);
}

/*
 * Frame offset of the kind byte of the first well-formed timestamp option, or -1.
 * Follows tcp_parse_options(): stop at EOL or at a length < 2 or running past doff * 4 (those
 * are malformed and the kernel stops there too); a timestamp option of the wrong length is
 * skipped. Unlike the kernel, the first valid timestamp wins, not the last.
 *
 * Verifier (clang 14): the loop variable must be the option offset itself, bounded by hlen
 * (<= 60 from the 4-bit doff). A separate "for (i = 0; i < 40; i++)" counter is precise, so
 * states never prune and the NOP/option branches multiply to over a million insns.
 * The verifier sees the walk end only because off's lower bound grows every turn (+1 for a
 * NOP, +len >= 2 otherwise) until "off >= 60" always holds. If it loses that, the abstract
 * state repeats, nothing prunes against a state still being explored, and 6.1 walks the loop
 * ~1000 times until "The sequence of 8193 jumps is too complex". Hence off and len are
 * 64 bits wide: with __u32/__u8, clang tested a zero-extended or masked copy and carried the
 * unbounded original round the loop.
 */
static __always_inline int tcpopt_find_ts(struct __sk_buff *skb, __u32 l4off, __u32 hlen)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	__u8 *th = data + l4off;
	__u64 off = sizeof(struct tcphdr);

	while (off < hlen) {
		__u8 *p;
		__u8 kind;
		__u64 len;	/* see above */

		/* Same as off < hlen <= 60, but against a constant: verifiers before ~6.8 learn no
		 * bounds from a register-register compare, lose off's range and reject the load
		 * of p[0] (Debian 12's 6.1 in `twlab verify --kernel`). The empty asm keeps clang
		 * from proving the test redundant and dropping it. */
		asm volatile("" : "+r"(off));
		if (off >= 60)
			return -1;
		p = th + off;
		if ((void *)(p + 1) > data_end)
			return -1;
		kind = p[0];
		if (kind == TCPOPT_EOL)
			return -1;
		if (kind == TCPOPT_NOP) {
			off++;
			continue;
		}
		if ((void *)(p + 2) > data_end)
			return -1;
		len = p[1];
		if (len < 2)
			return -1;
		/* 6.1 bounds only the register a compare tests, not a copy clang spilled before
		 * it; reloaded, that copy is 0..255 and off no longer grows (above). After the
		 * empty asm the tested register is the only len. */
		asm volatile("" : "+r"(len));
		if (off + len > hlen)
			return -1;
		if (kind == TCPOPT_TIMESTAMP && len == TCPOLEN_TIMESTAMP) {
			if ((void *)(p + TCPOLEN_TIMESTAMP) > data_end)
				return -1;
			return l4off + off;
		}
		off += len;
	}
	return -1;
}

/*
 * Fill p from the frame. 0 if it is an IPv4 TCP segment we may look at, -1 otherwise.
 * May pull (bpf_skb_pull_data), which invalidates every packet pointer the caller holds.
 */
static __always_inline int tcp_pkt_parse(struct __sk_buff *skb, struct tcp_pkt *p)
{
	void *data, *data_end;
	struct ethhdr *eth;
	struct iphdr *iph;
	struct tcphdr *th;
	__u32 l4off, hlen;

	if (tcpopt_linear(skb, ETH_HLEN + sizeof(*iph)))
		return -1;
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	eth = data;
	iph = data + ETH_HLEN;
	if ((void *)(iph + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    tcp_pkt_skip(iph))
		return -1;
	l4off = ETH_HLEN + iph->ihl * 4;

	if (tcpopt_linear(skb, l4off + sizeof(*th)))
		return -1;
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	iph = data + ETH_HLEN;
	th = data + l4off;
	if ((void *)(iph + 1) > data_end || (void *)(th + 1) > data_end)
		return -1;
	hlen = th->doff * 4;
	if (hlen < sizeof(*th))
		return -1;
	tcp_pkt_fill(p, iph, th, l4off, hlen);
	if (hlen == sizeof(*th))
		return 0;

	if (tcpopt_linear(skb, l4off + hlen))
		return 0;	/* options cut off: treat as "no timestamp", touch nothing */
	p->ts_off = tcpopt_find_ts(skb, l4off, hlen);
	tcp_pkt_load_ts(skb, p);
	return 0;
}
#else /* TCPOPT_NO_LOOPS */

/*
 * The same walk for verifiers without bounded loops (before 5.3) and with little range
 * tracking (4.11): unrolled, and every read a bpf_skb_load_bytes into the stack, so there is no
 * packet pointer whose range the verifier must follow. The position is absolute (l4off + off),
 * which keeps the walk in three registers that survive the helper calls; each step moves it by
 * at least 1 and 40 option bytes need at most 40 steps. Same stopping rules as above.
 */
#define TCPOPT_MAX_STEPS 40
static __always_inline int tcpopt_find_ts(struct __sk_buff *skb, __u32 l4off, __u32 hlen)
{
	__u32 pos = l4off + sizeof(struct tcphdr), end = l4off + hlen;

#pragma unroll
	for (int i = 0; i < TCPOPT_MAX_STEPS; i++) {
		__u8 b[2];

		if (pos >= end)
			return -1;
		/* Two bytes even for a one-byte NOP/EOL: one that fails is at the very end of
		 * the frame, where no timestamp can follow either. */
		if (bpf_skb_load_bytes(skb, pos, b, sizeof(b)))
			return -1;
		if (b[0] == TCPOPT_EOL)
			return -1;
		if (b[0] == TCPOPT_NOP) {
			pos++;
			continue;
		}
		if (b[1] < 2 || pos + b[1] > end)
			return -1;
		if (b[0] == TCPOPT_TIMESTAMP && b[1] == TCPOLEN_TIMESTAMP)
			return pos;
		pos += b[1];
	}
	return -1;
}

static __always_inline int tcp_pkt_parse(struct __sk_buff *skb, struct tcp_pkt *p)
{
	struct iphdr iph;
	struct tcphdr th;
	__u16 proto;
	__u32 l4off, hlen;

	if (bpf_skb_load_bytes(skb, offsetof(struct ethhdr, h_proto), &proto, sizeof(proto)) ||
	    proto != bpf_htons(ETH_P_IP))
		return -1;
	if (bpf_skb_load_bytes(skb, ETH_HLEN, &iph, sizeof(iph)) || tcp_pkt_skip(&iph))
		return -1;
	l4off = ETH_HLEN + iph.ihl * 4;
	if (bpf_skb_load_bytes(skb, l4off, &th, sizeof(th)))
		return -1;
	hlen = th.doff * 4;
	if (hlen < sizeof(th))
		return -1;
	tcp_pkt_fill(p, &iph, &th, l4off, hlen);
	if (hlen == sizeof(th) || l4off + hlen > skb->len)
		return 0;	/* no options, or cut off: "no timestamp", touch nothing */
	p->ts_off = tcpopt_find_ts(skb, l4off, hlen);
	tcp_pkt_load_ts(skb, p);
	return 0;
}

#endif /* TCPOPT_NO_LOOPS */

#endif
