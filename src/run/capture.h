/* SPDX-License-Identifier: GPL-2.0 */
/*
 * capture: a pcapng file of one interface, read with libpcap and written with libwiretap, whole
 * packets, each SYN the gate judged commented with its verdict and reason (capture_verdict).
 * The AF_PACKET socket is bound in
 * the network namespace of the thread that calls capture_open (enter the namespace first);
 * it stays there whatever the thread does afterwards.
 */
#ifndef TWLAB_CAPTURE_H
#define TWLAB_CAPTURE_H

#define CAPTURE_SNAPLEN 262144 /* whole packets, GSO ones included */
#define CAPTURE_BUFFER	(4 << 20) /* kernel ring: bursts while the caller is busy */

struct capture;
struct outdir;
struct recycle_event;

/* Capture ifname (in the caller's netns) into the file name in dir (written as a new file
 * that takes the name when closed: see outdir.h), non-blocking, packets delivered as they
 * come. 0 or -ENODEV (no such interface), -ENETDOWN, -EPERM, -errno of the file, -EIO. */
int capture_open(const char *ifname, const struct outdir *dir, const char *name,
		 struct capture **ret);
/* A descriptor that polls readable when packets wait (for epoll). */
int capture_fd(const struct capture *c);
/* The file's name in its folder. */
const char *capture_file(const struct capture *c);
/* Write what is ready to the file (and flush it). Packets written, or -errno of the write
 * (kept: capture_close returns it too). */
int capture_dispatch(struct capture *c);
/* The gate's decision ev: the SYN it is about (4-tuple and TSval) gets it as a comment, whether
 * it was captured already (it waits, bounded, for this) or comes later. */
void capture_verdict(struct capture *c, const struct recycle_event *ev);
/* Write the SYNs whose verdict did not come in time (call it now and then). */
void capture_tick(struct capture *c);
/* Packets written with a verdict comment so far. */
unsigned capture_annotated(const struct capture *c);
/* Packets the kernel passed to this capture and those it dropped because the ring was full
 * (not the interface's own drops). 0 or -EIO. */
int capture_stats(const struct capture *c, unsigned *ret_recv, unsigned *ret_drop);
/* Drain (a SYN still waiting is written without a comment), flush, close and give the file its name. 0, or -errno when the file could not be
 * written completely (then it is removed). NULL is fine. */
int capture_close(struct capture *c);

#endif
