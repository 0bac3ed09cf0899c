// SPDX-License-Identifier: GPL-2.0
/* Matching captured SYNs to the gate's decisions, and the words for them. */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "run/annotate.h"

#define ETH_HLEN_ 14
#define ETH_P_IP_ 0x0800
#define ETH_P_8021Q_ 0x8100
#define TCPOPT_EOL_ 0
#define TCPOPT_NOP_ 1
#define TCPOPT_TS_ 8

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

bool tcp_parse(const uint8_t *f, size_t caplen, struct syn_key *k, uint8_t *ret_flags)
{
	size_t off = ETH_HLEN_, ihl, doff;
	uint16_t proto;
	const uint8_t *ip, *th;

	if (caplen < off)
		return false;
	proto = get16(f + 12);
	if (proto == ETH_P_8021Q_) {
		if (caplen < off + 4)
			return false;
		proto = get16(f + 16);
		off += 4;
	}
	if (proto != ETH_P_IP_ || caplen < off + 20)
		return false;
	ip = f + off;
	ihl = (ip[0] & 0x0f) * 4u;
	if ((ip[0] >> 4) != 4 || ihl < 20 || ip[9] != IPPROTO_TCP || (get16(ip + 6) & 0x1fff))
		return false;	/* not TCP, or a later fragment */
	if (caplen < off + ihl + 20)
		return false;
	th = ip + ihl;
	doff = (th[12] >> 4) * 4u;
	if (doff < 20 || caplen < off + ihl + doff)
		return false;
	memset(k, 0, sizeof(*k));
	memcpy(&k->saddr, ip + 12, 4);
	memcpy(&k->daddr, ip + 16, 4);
	k->sport = get16(th);
	k->dport = get16(th + 2);
	k->seq = get32(th + 4);
	if (get16(ip + 2) > ihl + doff)
		k->paylen = get16(ip + 2) - ihl - doff;
	for (size_t i = 20; i < doff;) {
		uint8_t kind = th[i], l;

		if (kind == TCPOPT_EOL_)
			break;
		if (kind == TCPOPT_NOP_) {
			i++;
			continue;
		}
		if (i + 1 >= doff || (l = th[i + 1]) < 2 || i + l > doff)
			break;
		if (kind == TCPOPT_TS_ && l == 10) {
			k->tsval = get32(th + i + 2);
			k->tsecr = get32(th + i + 6);
			k->has_ts = true;
		}
		i += l;
	}
	*ret_flags = th[13];
	return true;
}

bool syn_parse(const uint8_t *f, size_t caplen, struct syn_key *k)
{
	struct syn_key t;
	uint8_t flags;

	if (!tcp_parse(f, caplen, &t, &flags) || (flags & 0x12) != 0x02)	/* SYN without ACK */
		return false;
	*k = t;
	return true;
}

bool syn_match(const struct syn_key *k, const struct recycle_event *ev)
{
	if (ev->kind != EV_SYN)
		return false;
	if (ev->saddr != k->saddr || ev->daddr != k->daddr || ev->sport != k->sport ||
	    ev->dport != k->dport)
		return false;
	if (!!ev->has_ts != k->has_ts)
		return false;
	return !k->has_ts || ev->tsval == k->tsval;
}

static const char *verdict_name(uint8_t v)
{
	static const char *names[] = {
		[RV_PASS_NO_RECORD] = "no-record", [RV_PASS_STALE] = "stale-record",
		[RV_PASS_IN_WINDOW] = "in-window", [RV_PASS_TW_HIT] = "timewait-hit",
		[RV_DROP_PAWS] = "paws", [RV_DROP_NO_TS] = "no-timestamp",
		[RV_WIRE_ANSWERED] = "answered", [RV_WIRE_UNANSWERED] = "unanswered",
	};

	return v < sizeof(names) / sizeof(names[0]) && names[v] ? names[v] : "unknown";
}

int syn_comment(const struct recycle_event *ev, char *buf, size_t len)
{
	char peer[INET_ADDRSTRLEN] = "?";
	double age = ev->rec_age_ns / 1e9;
	int32_t behind = (int32_t)(ev->rec_ts - ev->tsval);
	const char *v = verdict_name(ev->verdict);

	inet_ntop(AF_INET, &ev->saddr, peer, sizeof(peer));
	switch (ev->verdict) {
	case RV_DROP_PAWS:
		return snprintf(buf, len, "twlab gate: SYN dropped (%s): TSval %u is %d behind the "
				"record %u that %s left %.1f s ago (tcp_tw_recycle PAWS check)",
				v, ev->tsval, behind, ev->rec_ts, peer, age);
	case RV_DROP_NO_TS:
		return snprintf(buf, len, "twlab gate: SYN dropped (%s): no timestamp, and %s has a "
				"record %u from %.1f s ago (tcp_tw_recycle PAWS check)",
				v, peer, ev->rec_ts, age);
	case RV_PASS_NO_RECORD:
		return snprintf(buf, len, "twlab gate: SYN passed (%s): no record for %s", v, peer);
	case RV_PASS_STALE:
		return snprintf(buf, len, "twlab gate: SYN passed (%s): the record %u of %s is "
				"%.1f s old", v, ev->rec_ts, peer, age);
	case RV_PASS_IN_WINDOW:
		return snprintf(buf, len, "twlab gate: SYN passed (%s): TSval %u is %d behind the "
				"record %u of %s, within the window", v, ev->tsval, behind, ev->rec_ts,
				peer);
	case RV_PASS_TW_HIT:
		return snprintf(buf, len, "twlab gate: SYN passed (%s): it reopens a 4-tuple in "
				"TIME_WAIT", v);
	case RV_WIRE_ANSWERED:
		return snprintf(buf, len, "twlab: SYN answered by the kernel's own tcp_tw_recycle "
				"(SYN-ACK or RST on the server's link)");
	case RV_WIRE_UNANSWERED:
		return snprintf(buf, len, "twlab: SYN unanswered by the kernel's own tcp_tw_recycle "
				"(no SYN-ACK, no RST on the server's link): dropped");
	default:
		return snprintf(buf, len, "twlab gate: SYN judged (%s)", v);
	}
}
