// SPDX-License-Identifier: GPL-2.0
/*
 * connstat: what a `command =` client does, counted by the kernel on its sockets. A sock_ops
 * program on the lab's cgroup sees each active open (its first SYN), each completed
 * handshake and each SYN retransmission of every socket a lab process makes; it counts those
 * towards the server, by local address (one address per client).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "bpf/connstat.h"

const volatile __u32 server_addr;	/* network order */
const volatile __u16 server_port;	/* host order */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CONNSTAT_MAX);
	__type(key, __u32);	/* local IPv4, network order */
	__type(value, struct connstat);
} conns SEC(".maps");

SEC("sockops")
int connstat(struct bpf_sock_ops *skops)
{
	struct connstat zero = {}, *c;
	__u32 key = skops->local_ip4, rport = skops->remote_port;

	if (skops->family != 2 /* AF_INET */ || skops->remote_ip4 != server_addr)
		return 1;
	/* remote_port is the network-order port, in the upper half on some kernels */
	if (rport > 0xffff)
		rport >>= 16;
	if (rport != bpf_htons(server_port))
		return 1;
	switch (skops->op) {
	case BPF_SOCK_OPS_TCP_CONNECT_CB:
		/* ask for RETRANS_CB on this socket: SYN retransmissions */
		bpf_sock_ops_cb_flags_set(skops, skops->bpf_sock_ops_cb_flags |
						 BPF_SOCK_OPS_RETRANS_CB_FLAG);
		break;
	case BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB:
		break;
	case BPF_SOCK_OPS_RETRANS_CB:
		if (skops->state != BPF_TCP_SYN_SENT)
			return 1;
		break;
	default:
		return 1;
	}
	c = bpf_map_lookup_elem(&conns, &key);
	if (!c) {
		bpf_map_update_elem(&conns, &key, &zero, BPF_NOEXIST);
		c = bpf_map_lookup_elem(&conns, &key);
		if (!c)
			return 1;
	}
	if (skops->op == BPF_SOCK_OPS_TCP_CONNECT_CB)
		__sync_fetch_and_add(&c->attempts, 1);
	else if (skops->op == BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB)
		__sync_fetch_and_add(&c->connected, 1);
	else
		__sync_fetch_and_add(&c->syn_retransmits, 1);
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
