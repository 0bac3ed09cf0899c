/* SPDX-License-Identifier: GPL-2.0 */
/*
 * annotate: which captured SYN the gate judged, and the comment that says how. A SYN is
 * matched to a gate event (bpf/recycle.h) by its 4-tuple and TSval (the event carries no
 * sequence number; a retransmitted SYN carries a new TSval, so the pair is unique as long as
 * the client sends timestamps). Pure functions: unit-tested without root.
 */
#ifndef TWLAB_ANNOTATE_H
#define TWLAB_ANNOTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bpf/recycle.h"

struct syn_key {
	uint32_t saddr, daddr;	/* network order, as in struct recycle_event */
	uint16_t sport, dport;	/* host order */
	uint32_t seq;
	uint32_t tsval;		/* 0 when !has_ts */
	uint32_t tsecr;		/* the TSval echoed, 0 when !has_ts */
	uint32_t paylen;	/* bytes of payload, by the IP header's total length */
	bool has_ts;
};

/* The 4-tuple, sequence number, TSval and TSecr of any IPv4 TCP segment in an Ethernet frame, and its
 * flags byte (th[13]); false when it is not one or is truncated. */
bool tcp_parse(const uint8_t *frame, size_t caplen, struct syn_key *ret, uint8_t *ret_flags);
/* The key of an Ethernet frame that is an IPv4 TCP SYN without ACK; false for anything else
 * (or a truncated frame). */
bool syn_parse(const uint8_t *frame, size_t caplen, struct syn_key *ret);
/* Whether ev is the gate's decision on the SYN k. */
bool syn_match(const struct syn_key *k, const struct recycle_event *ev);
/* The packet comment for the decision ev, one line: "twlab gate: SYN dropped (paws): ...".
 * Returns what snprintf returns. */
int syn_comment(const struct recycle_event *ev, char *buf, size_t len);

#endif
