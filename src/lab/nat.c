// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <nftables/libnftables.h>
#include "lab/nat.h"

#define NAT_PREROUTING "\tchain prerouting {\n" \
		       "\t\ttype nat hook prerouting priority dstnat; policy accept;\n" \
		       "\t}\n"

int nat_script(const struct lab_router *r, const char *out_if, char *buf, size_t len)
{
	char ports[32] = "", addr[INET_ADDRSTRLEN], target[64], plain[64];
	const char *flags[] = { [PORT_KEEP] = "", [PORT_RANDOM] = " random",
				[PORT_FULLY_RANDOM] = " fully-random" };
	uint32_t be = htonl(r->out_addr.addr);
	int n;

	if (r->nat == NAT_NONE) {
		if (len)
			buf[0] = 0;
		return 0;
	}
	if (r->port_lo)
		snprintf(ports, sizeof(ports), r->port_lo == r->port_hi ? ":%u" : ":%u-%u",
			 r->port_lo, r->port_hi);
	inet_ntop(AF_INET, &be, addr, sizeof(addr));
	if (r->nat == NAT_SNAT) {
		snprintf(target, sizeof(target), "snat to %s%s", addr, ports);
		snprintf(plain, sizeof(plain), "snat to %s", addr);
	} else {
		snprintf(target, sizeof(target), "masquerade%s%s", *ports ? " to " : "", ports);
		snprintf(plain, sizeof(plain), "masquerade");
	}
	/* The empty prerouting chain is for kernels before 4.18, where NAT hooks exist only for
	 * the chains a table has: without one at prerouting, replies reach the client side
	 * un-translated (still addressed to the router's outside address). Harmless later.
	 * A port range needs a transport protocol match first ("transport protocol mapping is only
	 * valid after transport protocol match"); everything else (ICMP) is still translated.
	 * One rule per protocol, not "l4proto { tcp, udp }": an anonymous set needs a set
	 * backend (NFT_SET_HASH/RBTREE) that a small lab kernel may not have. */
	if (*ports)
		n = snprintf(buf, len,
			     "table ip " NAT_TABLE " {\n"
			     NAT_PREROUTING
			     "\tchain postrouting {\n"
			     "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
			     "\t\toifname \"%s\" meta l4proto tcp %s%s\n"
			     "\t\toifname \"%s\" meta l4proto udp %s%s\n"
			     "\t\toifname \"%s\" %s\n"
			     "\t}\n"
			     "}\n",
			     out_if, target, flags[r->port_mode], out_if, target, flags[r->port_mode],
			     out_if, plain);
	else
		n = snprintf(buf, len,
			     "table ip " NAT_TABLE " {\n"
			     NAT_PREROUTING
			     "\tchain postrouting {\n"
			     "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
			     "\t\toifname \"%s\" %s%s\n"
			     "\t}\n"
			     "}\n",
			     out_if, target, flags[r->port_mode]);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

int nat_run_script(const char *script, char *errbuf, size_t errlen)
{
	struct nft_ctx *nft;
	int err = 0;

	/* The context opens its netlink socket here, in the calling thread's netns: the caller
	 * must already be inside the namespace (reference/NOTES.md). */
	nft = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!nft)
		return -ENOMEM;
	nft_ctx_buffer_output(nft);
	nft_ctx_buffer_error(nft);
	if (nft_run_cmd_from_buffer(nft, script)) {
		const char *e = nft_ctx_get_error_buffer(nft);

		snprintf(errbuf, errlen, "%s", e && *e ? e : "nft failed");
		/* The kernel lacks what the rule asks for: an environment limit, not bad input. */
		err = e && strstr(e, "Operation not supported") ? -EOPNOTSUPP : -EINVAL;
	}
	nft_ctx_free(nft);
	return err;
}

int nat_apply(const struct lab_router *r, const char *out_if, char *errbuf, size_t errlen)
{
	char script[512];
	int err = nat_script(r, out_if, script, sizeof(script));

	if (err || !script[0])
		return err;
	return nat_run_script(script, errbuf, errlen);
}
