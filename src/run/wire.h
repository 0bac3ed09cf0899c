/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wire: each SYN's fate read from the server's link with libpcap, for a kernel that applies
 * tcp_tw_recycle itself (gate.mode kernel): a SYN to the server's port that the server answered
 * with a SYN-ACK or an RST passed; one that got neither before the same 4-tuple's next SYN, the
 * deadline (WIRE_DEADLINE_MS) or the end of the run was dropped. Each SYN comes out as a
 * struct recycle_event (kind EV_SYN, verdict RV_WIRE_ANSWERED or RV_WIRE_UNANSWERED), the shape
 * the emulated gate reports in, so attribution, events.jsonl and the reports need nothing new.
 * The matching (wire_feed) is pure; wire_open binds a libpcap handle in the caller's netns.
 */
#ifndef TWLAB_WIRE_H
#define TWLAB_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define WIRE_DEADLINE_MS 3000	/* a lab's link answers in microseconds; SYNs resend after 1 s */

struct wire;
struct recycle_event;
struct pcap;

typedef void (*wire_fn)(const struct recycle_event *ev, void *ctx);

/* The matcher alone, for the server at addr:port (host order). 0 or -ENOMEM. */
int wire_new(uint32_t addr, uint16_t port, struct wire **ret);
/* Open a capture of ifname in the caller's netns too (non-blocking). 0, -ENODEV, -EPERM,
 * -EIO. */
int wire_open(const char *ifname, uint32_t addr, uint16_t port, struct wire **ret);
/* The capture alone, shared with run/twwatch.c: a non-blocking libpcap handle on ifname in the
 * caller's netns, 128 bytes of each packet, nanosecond stamps (CLOCK_REALTIME), filter applied.
 * 0, -ENOMEM, -EINVAL, -ENODEV, -EPERM, -EIO. */
int wire_capture(const char *ifname, const char *filter, struct pcap **ret, int *ret_fd);
/* What to add to a pcap stamp (CLOCK_REALTIME ns) for CLOCK_MONOTONIC, now. */
int64_t wire_real_to_mono(void);
/* Packets the kernel ring of a wire_capture handle had no room for (0 for NULL). */
unsigned wire_capture_drops(struct pcap *p);
/* Descriptor that polls readable when packets wait; -1 for a matcher without capture. */
int wire_fd(const struct wire *w);
/* One Ethernet frame seen at t_ns (CLOCK_MONOTONIC): SYNs resolved by it go to fn. */
void wire_feed(struct wire *w, const uint8_t *frame, size_t len, uint64_t t_ns, wire_fn fn,
	       void *ctx);
/* Read what the capture holds, then resolve SYNs past the deadline at now_ns. Packets read or
 * -EIO. */
int wire_read(struct wire *w, uint64_t now_ns, wire_fn fn, void *ctx);
/* Resolve every SYN still waiting as unanswered (the run is over). */
void wire_flush(struct wire *w, wire_fn fn, void *ctx);
/* Packets the kernel dropped because the capture's ring was full (they make the verdicts
 * uncertain). */
unsigned wire_ring_drops(const struct wire *w);
void wire_close(struct wire *w);

#endif
