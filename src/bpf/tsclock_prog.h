/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tsclock: a per-host TCP timestamp clock for clients ("timestamps = offset", README.md), as tc programs
 * on each client's veth. egress: TSval += offset; ingress: TSecr -= offset, so the client's
 * stack sees its own clock echoed. A client with hz below 1000 gets TSval = offset + now in
 * ticks of hz instead, and its echoes are restored from the flow's map (tsclock_map.h). The offset is looked up by the client's own address, so one
 * loaded program serves every client of a lab.
 *
 * The programs themselves, built twice: tsclock.bpf.c for today's verifiers and
 * tsclock_noloop.bpf.c (TCPOPT_NO_LOOPS: no loops, no packet pointers) for old ones such as
 * 4.11's. Only maps, no global data: a kernel without BTF or .rodata maps loads either.
 */
#ifndef TWLAB_BPF_TSCLOCK_PROG_H
#define TWLAB_BPF_TSCLOCK_PROG_H

#include <linux/pkt_cls.h>
#include "bpf/tcpopt.h"
#include "bpf/tsclock.h"
#include "bpf/tsclock_map.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TSCLOCK_MAX_CLIENTS);
	__type(key, __u32);	/* client IPv4, network order */
	__type(value, struct tsclock_clock);
} tsc_offsets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TSC__MAX);
	__type(key, __u32);
	__type(value, __u64);
} tsc_stats SEC(".maps");

static __always_inline void shift_ts(struct __sk_buff *skb, bool egress)
{
	struct tcp_pkt p;
	struct tsclock_clock *clk;
	__u32 key, oldv, newv, stat;
	int field;

	if (tcp_pkt_parse(skb, &p) || p.ts_off < 0)
		return;
	key = egress ? p.saddr : p.daddr;
	clk = bpf_map_lookup_elem(&tsc_offsets, &key);
	if (!clk)
		return;
	if (egress) {
		field = p.ts_off + 2;
		oldv = p.tsval;
		stat = TSC_EGRESS;
		if (clk->hz == TSCLOCK_HZ_MS) {
			newv = p.tsval + clk->offset;
		} else {
			newv = clk->offset + tsclock_ticks(clk->hz);
			tsclock_echo_put(&p, newv, oldv);
		}
	} else {
		/* TSecr 0 means "nothing to echo" (SYN, or a peer that never sent a TSval) */
		if (!p.tsecr)
			return;
		field = p.ts_off + 6;
		oldv = p.tsecr;
		stat = TSC_INGRESS;
		if (clk->hz == TSCLOCK_HZ_MS) {
			newv = p.tsecr - clk->offset;
		} else if (tsclock_echo_get(&p, p.tsecr, &newv)) {
			stat = TSC_ECHO_MISS;
			newv = oldv;
		}
	}
	if (newv == oldv)
		goto count;
	oldv = bpf_htonl(oldv);
	newv = bpf_htonl(newv);
	/*
	 * Not a pseudo-header field: for CHECKSUM_PARTIAL (veth egress) the helper leaves the
	 * pseudo-header-only check alone, for NONE/COMPLETE it folds the change into check and
	 * the data change cancels it in skb->csum. Both helpers invalidate packet pointers.
	 */
	if (bpf_l4_csum_replace(skb, p.l4off + offsetof(struct tcphdr, check), oldv, newv,
				sizeof(newv)))
		return;
	if (bpf_skb_store_bytes(skb, field, &newv, sizeof(newv), 0))
		return;
count:
	{
		__u64 *n = bpf_map_lookup_elem(&tsc_stats, &stat);

		if (n)
			(*n)++;
	}
}

SEC("tc")
int tsclock_egress(struct __sk_buff *skb)
{
	shift_ts(skb, true);
	return TC_ACT_OK;
}

SEC("tc")
int tsclock_ingress(struct __sk_buff *skb)
{
	shift_ts(skb, false);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";

#endif
