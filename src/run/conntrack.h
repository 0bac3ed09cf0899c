/* SPDX-License-Identifier: GPL-2.0 */
/*
 * conntrack: the router's NAT mappings through libnl-nf-3: new-connection events while a run
 * goes (exact attribution of what the server sees to the inside client that sent it) and a
 * dump of the table at the end.
 */
#ifndef TWLAB_CONNTRACK_H
#define TWLAB_CONNTRACK_H

#include <stdint.h>

struct ct_entry {
	uint32_t orig_src, orig_dst;   /* inside client -> server, host order */
	uint16_t orig_sport, orig_dport;
	uint32_t reply_dst;            /* what the server sees as the peer */
	uint16_t reply_dport;
	uint8_t tcp_state;             /* enum tcp_conntrack */
	uint32_t timeout;              /* seconds left (dump only) */
};

typedef void (*ct_fn)(const struct ct_entry *e, void *ctx);

struct ct_watch;

/* Subscribe to new TCP conntrack entries of the calling thread's netns. */
int ct_watch_open(struct ct_watch **ret);
int ct_watch_fd(const struct ct_watch *w);
/* Read what is pending (non-blocking). Returns entries seen or a negative errno. */
int ct_watch_read(struct ct_watch *w, ct_fn fn, void *ctx);
/* How often the event socket overflowed (events lost) so far. */
uint64_t ct_watch_overruns(const struct ct_watch *w);
void ct_watch_close(struct ct_watch *w);
/* Dump the TCP conntrack table of the calling thread's netns. */
int ct_dump(ct_fn fn, void *ctx);
const char *ct_state_str(uint8_t s);

struct counters;
/* /proc/net/stat/nf_conntrack: a header of names and one line of hex values per CPU. The
 * per-CPU values are summed ("entries" is global and taken once). Pure. */
int ct_stats_parse(const char *text, struct counters *ret);
/* The same for the calling thread's netns; -ENOENT when conntrack is not loaded there. */
int ct_stats_read(struct counters *ret);

#endif
