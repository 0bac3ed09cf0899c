/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcapng: a pcapng file of one Ethernet interface, written with Wireshark's libwiretap, with a
 * comment (Wireshark's frame.comment, the Enhanced Packet Block's opt_comment) on any packet.
 * Nanosecond time stamps; the file is written to a descriptor the caller owns (libwiretap
 * writes a dup of it), so it can be an outdir outfile.
 */
#ifndef TWLAB_PCAPNG_H
#define TWLAB_PCAPNG_H

#include <stddef.h>
#include <stdint.h>

struct pcapng;

/* Start the file on fd (its section and interface blocks): ifname names the interface,
 * descr says where it is ("server", ...). 0, -ENOMEM, or -errno / -EIO of the write. */
int pcapng_open(int fd, const char *ifname, const char *descr, uint32_t snaplen,
		struct pcapng **ret);
/* One packet: time stamp (CLOCK_REALTIME ns), caplen bytes of a len-byte frame; comment NULL
 * for none. 0 or -errno / -EIO. */
int pcapng_write(struct pcapng *w, uint64_t ts_ns, const uint8_t *data, uint32_t caplen,
		 uint32_t len, const char *comment);
int pcapng_flush(struct pcapng *w);
/* Flush, close libwiretap's descriptor and free. 0 or -errno / -EIO. NULL is fine. */
int pcapng_close(struct pcapng *w);

#endif
