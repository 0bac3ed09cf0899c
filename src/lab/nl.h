/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nl: the few rtnetlink operations twlab needs, through libnl-route-3. A socket acts in the
 * netns that was current when it was opened (netns is per thread): open one per namespace.
 * libnl returns -NLE_* codes; nl_errno() is the one place they become -errno.
 */
#ifndef TWLAB_NL_H
#define TWLAB_NL_H

#include <stdint.h>

struct nl_sock;

int nl_errno(int nle);
int nl_open(struct nl_sock **ret_sk);
void nl_close(struct nl_sock *sk);
int nl_ifindex(struct nl_sock *sk, const char *name, int *ret_ifindex);
int nl_link_up(struct nl_sock *sk, int ifindex);
/* A veth pair: name stays in sk's netns, peer_name is created straight in peer_ns_fd's netns,
 * each with the given ifindex (0: the kernel picks). master_ifindex > 0 enslaves name to that
 * bridge. name is brought up; the peer is not (the kernel refuses IFF_UP on a peer in the
 * create request, see reference/NOTES.md). */
int nl_veth_add(struct nl_sock *sk, const char *name, int ifindex, const char *peer_name,
		int peer_ifindex, int peer_ns_fd, int master_ifindex);
int nl_bridge_add(struct nl_sock *sk, const char *name);
/* addr in host order. */
int nl_addr_add(struct nl_sock *sk, int ifindex, uint32_t addr, uint8_t prefix);
/* dst/prefix via gw (host order; dst 0/0 = default route). */
int nl_route_add(struct nl_sock *sk, uint32_t dst, uint8_t prefix, uint32_t gw, int ifindex);
/* Number of links in sk's netns. */
int nl_link_count(struct nl_sock *sk, int *ret_count);
/* Attach a SCHED_CLS program as a direct-action cls_bpf filter on ifindex (in the calling
 * thread's netns) under parent, creating or replacing (handle, prio). For kernels where libbpf's
 * bpf_tc_attach cannot work (before 4.13 it needs BPF_OBJ_GET_INFO_BY_FD). Own socket. */
int nl_tc_bpf_attach(int ifindex, uint32_t parent, uint32_t handle, uint32_t prio, int prog_fd,
		     const char *name);

#endif
