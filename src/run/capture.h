/* SPDX-License-Identifier: GPL-2.0 */
/*
 * capture: a pcap file of one interface, written with libpcap. The AF_PACKET socket is bound in
 * the network namespace of the thread that calls capture_open (enter the namespace first);
 * it stays there whatever the thread does afterwards.
 */
#ifndef TWLAB_CAPTURE_H
#define TWLAB_CAPTURE_H

#define CAPTURE_SNAPLEN 256	  /* headers with every TCP option, a little payload */
#define CAPTURE_BUFFER	(4 << 20) /* kernel ring: bursts while the caller is busy */

struct capture;
struct outdir;

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
/* Packets the kernel passed to this capture and those it dropped because the ring was full
 * (not the interface's own drops). 0 or -EIO. */
int capture_stats(const struct capture *c, unsigned *ret_recv, unsigned *ret_drop);
/* Drain, flush, close and give the file its name. 0, or -errno when the file could not be
 * written completely (then it is removed). NULL is fine. */
int capture_close(struct capture *c);

#endif
