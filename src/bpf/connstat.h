/* SPDX-License-Identifier: GPL-2.0 */
/* What bpf/connstat.bpf.c and its loader (lab/connstat.c) share; included under -target bpf. */
#ifndef TWLAB_BPF_CONNSTAT_H
#define TWLAB_BPF_CONNSTAT_H

#define CONNSTAT_MAX 16384

/* Per local IPv4 address (a client's), connections towards the server's address and port. */
struct connstat {
	__u64 attempts;        /* connect() sent its first SYN */
	__u64 connected;       /* the SYN-ACK came and the handshake completed */
	__u64 syn_retransmits; /* SYNs sent again while connecting */
};

#endif
