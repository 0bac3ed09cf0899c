// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/errno.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/addr.h>
#include <netlink/route/route.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include "lab/nl.h"

int nl_errno(int nle)
{
	static const int map[] = {
		[NLE_SUCCESS] = 0,		[NLE_FAILURE] = EIO,
		[NLE_INTR] = EINTR,		[NLE_BAD_SOCK] = EBADF,
		[NLE_AGAIN] = EAGAIN,		[NLE_NOMEM] = ENOMEM,
		[NLE_EXIST] = EEXIST,		[NLE_INVAL] = EINVAL,
		[NLE_RANGE] = ERANGE,		[NLE_MSGSIZE] = EMSGSIZE,
		[NLE_OPNOTSUPP] = EOPNOTSUPP,	[NLE_AF_NOSUPPORT] = EAFNOSUPPORT,
		[NLE_OBJ_NOTFOUND] = ENOENT,	[NLE_NOATTR] = ENOENT,
		[NLE_MISSING_ATTR] = EINVAL,	[NLE_AF_MISMATCH] = EINVAL,
		[NLE_SEQ_MISMATCH] = EIO,	[NLE_MSG_OVERFLOW] = EOVERFLOW,
		[NLE_MSG_TRUNC] = EMSGSIZE,	[NLE_NOADDR] = EADDRNOTAVAIL,
		[NLE_SRCRT_NOSUPPORT] = EOPNOTSUPP, [NLE_MSG_TOOSHORT] = EIO,
		[NLE_MSGTYPE_NOSUPPORT] = EOPNOTSUPP, [NLE_OBJ_MISMATCH] = EINVAL,
		[NLE_NOCACHE] = EINVAL,		[NLE_BUSY] = EBUSY,
		[NLE_PROTO_MISMATCH] = EPROTONOSUPPORT, [NLE_NOACCESS] = EACCES,
		[NLE_PERM] = EPERM,		[NLE_PKTLOC_FILE] = ENOENT,
		[NLE_PARSE_ERR] = EINVAL,	[NLE_NODEV] = ENODEV,
		[NLE_IMMUTABLE] = EPERM,	[NLE_DUMP_INTR] = EINTR,
		[NLE_ATTRSIZE] = EINVAL,
	};
	unsigned int i = nle < 0 ? -nle : nle;

	if (i == 0)
		return 0;
	return -(i < sizeof(map) / sizeof(map[0]) && map[i] ? map[i] : EIO);
}

int nl_open(struct nl_sock **ret_sk)
{
	struct nl_sock *sk = nl_socket_alloc();
	int err;

	if (!sk)
		return -ENOMEM;
	err = nl_connect(sk, NETLINK_ROUTE);
	if (err < 0) {
		nl_socket_free(sk);
		return nl_errno(err);
	}
	*ret_sk = sk;
	return 0;
}

void nl_close(struct nl_sock *sk)
{
	if (sk)
		nl_socket_free(sk);
}

int nl_ifindex(struct nl_sock *sk, const char *name, int *ret_ifindex)
{
	struct rtnl_link *l;
	int err = rtnl_link_get_kernel(sk, 0, name, &l);

	if (err < 0)
		return nl_errno(err);
	*ret_ifindex = rtnl_link_get_ifindex(l);
	rtnl_link_put(l);
	return 0;
}

int nl_link_up(struct nl_sock *sk, int ifindex)
{
	struct rtnl_link *req = rtnl_link_alloc();
	int err;

	if (!req)
		return -ENOMEM;
	/* A bare RTM_NEWLINK for the index, no cache or GET round trip first. */
	rtnl_link_set_ifindex(req, ifindex);
	rtnl_link_set_flags(req, IFF_UP);
	err = rtnl_link_add(sk, req, 0);
	rtnl_link_put(req);
	return nl_errno(err);
}

int nl_veth_add(struct nl_sock *sk, const char *name, int ifindex, const char *peer_name,
		int peer_ifindex, int peer_ns_fd, int master_ifindex)
{
	struct rtnl_link *veth = rtnl_link_veth_alloc(), *peer;
	int err;

	if (!veth)
		return -ENOMEM;
	peer = rtnl_link_veth_get_peer(veth);
	rtnl_link_set_name(veth, name);
	/* Asking for the ifindexes spares a lookup round trip per end afterwards. */
	if (ifindex > 0)
		rtnl_link_set_ifindex(veth, ifindex);
	if (peer_ifindex > 0)
		rtnl_link_set_ifindex(peer, peer_ifindex);
	rtnl_link_set_flags(veth, IFF_UP);
	if (master_ifindex > 0)
		rtnl_link_set_master(veth, master_ifindex);
	rtnl_link_set_name(peer, peer_name);
	rtnl_link_set_ns_fd(peer, peer_ns_fd);
	err = rtnl_link_add(sk, veth, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(peer);
	rtnl_link_veth_release(veth);
	return nl_errno(err);
}

int nl_bridge_add(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *br = rtnl_link_bridge_alloc();
	int err;

	if (!br)
		return -ENOMEM;
	rtnl_link_set_name(br, name);
	rtnl_link_set_flags(br, IFF_UP);
	err = rtnl_link_add(sk, br, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(br);
	return nl_errno(err);
}

static int nl_addr_from(uint32_t host, uint8_t prefix, struct nl_addr **ret)
{
	uint32_t be = htonl(host);
	struct nl_addr *a = nl_addr_build(AF_INET, &be, sizeof(be));

	if (!a)
		return -ENOMEM;
	nl_addr_set_prefixlen(a, prefix);
	*ret = a;
	return 0;
}

int nl_addr_add(struct nl_sock *sk, int ifindex, uint32_t addr, uint8_t prefix)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local = NULL;
	int err;

	if (!a)
		return -ENOMEM;
	err = nl_addr_from(addr, prefix, &local);
	if (!err) {
		rtnl_addr_set_ifindex(a, ifindex);
		err = nl_errno(rtnl_addr_set_local(a, local));
	}
	if (!err)
		err = nl_errno(rtnl_addr_add(sk, a, 0));
	nl_addr_put(local);
	rtnl_addr_put(a);
	return err;
}

int nl_route_add(struct nl_sock *sk, uint32_t dst, uint8_t prefix, uint32_t gw, int ifindex)
{
	struct rtnl_route *r = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *d = NULL, *g = NULL;
	int err = -ENOMEM;

	if (!r || !nh)
		goto out;
	err = nl_addr_from(dst, prefix, &d);
	if (!err && gw)
		err = nl_addr_from(gw, 32, &g);
	if (err)
		goto out;
	rtnl_route_set_family(r, AF_INET);
	err = nl_errno(rtnl_route_set_dst(r, d));
	if (err)
		goto out;
	rtnl_route_set_table(r, RT_TABLE_MAIN);
	rtnl_route_set_protocol(r, RTPROT_STATIC);
	rtnl_route_set_scope(r, gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
	rtnl_route_set_type(r, RTN_UNICAST);
	rtnl_route_nh_set_ifindex(nh, ifindex);
	if (g)
		rtnl_route_nh_set_gateway(nh, g);
	rtnl_route_add_nexthop(r, nh);	/* the route owns nh from here on */
	nh = NULL;
	err = nl_errno(rtnl_route_add(sk, r, NLM_F_CREATE | NLM_F_EXCL));
out:
	if (nh)
		rtnl_route_nh_free(nh);
	nl_addr_put(d);
	nl_addr_put(g);
	if (r)
		rtnl_route_put(r);
	return err;
}

int nl_link_count(struct nl_sock *sk, int *ret_count)
{
	struct nl_cache *c;
	int err = rtnl_link_alloc_cache(sk, AF_UNSPEC, &c);

	if (err < 0)
		return nl_errno(err);
	*ret_count = nl_cache_nitems(c);
	nl_cache_free(c);
	return 0;
}

int nl_tc_bpf_attach(int ifindex, uint32_t parent, uint32_t handle, uint32_t prio, int prog_fd,
		     const char *name)
{
	struct tcmsg tcm = { .tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex,
			     .tcm_handle = handle, .tcm_parent = parent,
			     .tcm_info = TC_H_MAKE(prio << 16, htons(ETH_P_ALL)) };
	struct nl_sock *sk;
	struct nl_msg *m;
	struct nlattr *opts;
	int err = nl_open(&sk);

	if (err)
		return err;
	m = nlmsg_alloc_simple(RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_REPLACE);
	if (!m) {
		nl_close(sk);
		return -ENOMEM;
	}
	if (nlmsg_append(m, &tcm, sizeof(tcm), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(m, TCA_KIND, "bpf") < 0 || !(opts = nla_nest_start(m, TCA_OPTIONS)) ||
	    nla_put_u32(m, TCA_BPF_FD, prog_fd) < 0 || nla_put_string(m, TCA_BPF_NAME, name) < 0 ||
	    nla_put_u32(m, TCA_BPF_FLAGS, TCA_BPF_FLAG_ACT_DIRECT) < 0 ||
	    nla_nest_end(m, opts) < 0) {
		err = -EMSGSIZE;
		goto out;
	}
	err = nl_send_auto(sk, m);
	if (err >= 0)
		err = nl_wait_for_ack(sk);
	err = nl_errno(err < 0 ? err : 0);
out:
	nlmsg_free(m);
	nl_close(sk);
	return err;
}
