/* SPDX-License-Identifier: GPL-2.0 */
/*
 * twwatch: what today's kernel answers instead of a SYN-ACK, and every RST, read from the
 * server's link with libpcap, in any lab. A SYN that meets the server's socket of the same
 * 4-tuple (its TIME_WAIT, in exercise 5) and is not accepted is answered with a bare ACK for the
 * old connection, and that ACK's TSecr is the TSval the socket holds (tw_ts_recent): when the
 * SYN's TSval is behind it, the server has rejected it by PAWS (PAWSTimewait, PAWSEstab before
 * 6.16; docs/kernel-notes.md §4.3). Each such answer, and each RST on the link with who sent it
 * and what it answers, comes out as a struct tw_event with its time. The matching
 * (twwatch_feed) is pure; twwatch_open binds a capture in the caller's netns.
 */
#ifndef TWLAB_TWWATCH_H
#define TWLAB_TWWATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tw_kind {
	TW_PAWS_REJECT = 0,	/* a SYN answered by a bare ACK whose TSecr is ahead of its TSval */
	TW_ACK,			/* a SYN answered by a bare ACK, not a PAWS reject (§4.3 "neither") */
	TW_RST_CLIENT,		/* an RST to the server */
	TW_RST_SERVER,		/* an RST from the server */
};

struct tw_event {
	uint64_t t_ns;		/* CLOCK_MONOTONIC of the segment that shows it */
	uint64_t syn_t_ns;	/* TW_PAWS_REJECT, TW_ACK: when the SYN came */
	uint32_t saddr, daddr;	/* the client's side as the server sees it, the server; network
				 * order, as struct recycle_event */
	uint16_t sport, dport;	/* host order */
	uint32_t tsval;		/* the SYN's TSval */
	uint32_t tw_ts;		/* the ACK's TSecr: what the server's socket holds */
	uint8_t kind;		/* enum tw_kind */
	bool has_ts;		/* the SYN carried a TSval and the ACK echoed one */
	bool answers_ack;	/* TW_RST_CLIENT: right after the server's bare ACK to its SYN */
	bool answers_syn;	/* TW_RST_SERVER: to a SYN (nothing listens) */
	int client;		/* for the run: lab_client.index, -1 unknown */
};

struct twwatch;

typedef void (*twwatch_fn)(const struct tw_event *ev, void *ctx);

/* The matcher alone, for the server at addr:port (host order). 0 or -ENOMEM. */
int twwatch_new(uint32_t addr, uint16_t port, struct twwatch **ret);
/* And a capture of ifname in the caller's netns (non-blocking). 0 or as wire_capture. */
int twwatch_open(const char *ifname, uint32_t addr, uint16_t port, struct twwatch **ret);
/* Descriptor that polls readable when packets wait; -1 without a capture. */
int twwatch_fd(const struct twwatch *w);
/* One Ethernet frame seen at t_ns (CLOCK_MONOTONIC): what it shows goes to fn. */
void twwatch_feed(struct twwatch *w, const uint8_t *frame, size_t len, uint64_t t_ns,
		  twwatch_fn fn, void *ctx);
/* Read what the capture holds. Packets read or -EIO. */
int twwatch_read(struct twwatch *w, twwatch_fn fn, void *ctx);
/* Packets the capture's ring dropped. */
unsigned twwatch_ring_drops(const struct twwatch *w);
void twwatch_close(struct twwatch *w);

#endif
