/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tsclock at a client's own HZ (`hz` below 1000): TSval = offset + CLOCK_MONOTONIC in ticks of
 * hz, as 4.11's tcp_time_stamp was jiffies. The client's kernel checks every echoed TSecr
 * against its own ms clock (the SYN-ACK's must lie between the SYN's send time and now, or
 * the client resets: PAWSActiveRejected), and a tick stands for up to 1000/hz of its ms, so
 * the reverse rewrite cannot be computed: each flow remembers, for each rewritten TSval, the
 * original TSval it stood for (the latest one sent), in an LRU map. Shared by both program
 * variants (tsclock_prog.h): one map type 4.10 has, no loops, no global data.
 */
#ifndef TWLAB_BPF_TSCLOCK_MAP_H
#define TWLAB_BPF_TSCLOCK_MAP_H

#include "bpf/tsclock.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TSCLOCK_ECHO_ENTRIES);
	__type(key, struct tsclock_echo_key);
	__type(value, __u32);	/* the client kernel's own TSval, host order */
} tsc_echo SEC(".maps");

static __always_inline __u32 tsclock_ticks(__u32 hz)
{
	return (__u32)(bpf_ktime_get_ns() * hz / 1000000000ULL);
}

/* Egress: remember which original TSval newv (host order) stands for on this flow. */
static __always_inline void tsclock_echo_put(const struct tcp_pkt *p, __u32 newv, __u32 oldv)
{
	struct tsclock_echo_key k = {
		.laddr = p->saddr, .raddr = p->daddr,
		.lport = p->sport, .rport = p->dport, .tsval = newv,
	};

	bpf_map_update_elem(&tsc_echo, &k, &oldv, BPF_ANY);
}

/* Ingress: the original of the echoed tsecr (host order), or 0 when it is not known. */
static __always_inline int tsclock_echo_get(const struct tcp_pkt *p, __u32 tsecr, __u32 *ret)
{
	struct tsclock_echo_key k = {
		.laddr = p->daddr, .raddr = p->saddr,
		.lport = p->dport, .rport = p->sport, .tsval = tsecr,
	};
	__u32 *v = bpf_map_lookup_elem(&tsc_echo, &k);

	if (!v)
		return -1;
	*ret = *v;
	return 0;
}

#endif
