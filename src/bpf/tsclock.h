/* SPDX-License-Identifier: GPL-2.0 */
/* What bpf/tsclock.bpf.c and its loader (lab/tsclock.c) share; included under -target bpf. */
#ifndef TWLAB_BPF_TSCLOCK_H
#define TWLAB_BPF_TSCLOCK_H

#include <linux/types.h>

#define TSCLOCK_MAX_CLIENTS 16384
#define TSCLOCK_ECHO_ENTRIES 65536
#define TSCLOCK_HZ_MS 1000	/* the client kernel's own ms clock, shifted: no echo map */

/* TSC_ECHO_MISS: an echoed TSecr the flow never sent (or evicted): left as it was */
enum tsclock_stat { TSC_EGRESS, TSC_INGRESS, TSC_ECHO_MISS, TSC__MAX };

/* the value of tsc_offsets, per client address */
struct tsclock_clock {
	__u32 offset;	/* ticks mod 2^32 */
	__u32 hz;	/* 1..1000; TSCLOCK_HZ_MS: TSval = the kernel's + offset */
};

struct tsclock_echo_key {
	__u32 laddr, raddr;	/* client, peer; network order */
	__u16 lport, rport;	/* host order */
	__u32 tsval;		/* the rewritten TSval, host order */
};

#endif
