/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpm: the server's tcp_metrics records through the TCP_METRICS generic netlink family
 * (libnl-genl-3): the per-peer TSval a kernel with tcp_tw_recycle keeps when it enters
 * TIME_WAIT (TCP_METRICS_ATTR_TW_TSVAL, tcpm_ts) and how old it is in whole seconds
 * (TCP_METRICS_ATTR_TW_TS_STAMP, get_seconds() - tcpm_ts_stamp), 4.11's net/ipv4/tcp_metrics.c.
 * Kernels from 4.12 on send neither. The socket acts in the netns current at tcpm_open.
 */
#ifndef TWLAB_TCPM_H
#define TWLAB_TCPM_H

#include <stdbool.h>
#include <stdint.h>

struct tcpm_rec {
	uint32_t saddr, daddr;	/* the server's and the peer's address, network order */
	uint32_t tsval;		/* tcpm_ts */
	int64_t stamp_s;	/* tcpm_ts_stamp as CLOCK_REALTIME seconds (now - the age sent) */
};

typedef void (*tcpm_fn)(const struct tcpm_rec *rec, void *ctx);

struct tcpm;

/* 0, or -ENOENT when the kernel has no tcp_metrics family, another negative errno. */
int tcpm_open(struct tcpm **ret);
/* Dump the records (now_s: CLOCK_REALTIME seconds) and give fn each one that is new or changed
 * since the last dump (tcpm_changed). 0 or a negative errno. */
int tcpm_poll(struct tcpm *t, int64_t now_s, tcpm_fn fn, void *ctx);
/* Whether b is a new write of a's record: another TSval, or a stamp more than a second away
 * (the age comes in whole seconds, so the same stamp may read one second apart). Pure. */
bool tcpm_changed(const struct tcpm_rec *a, const struct tcpm_rec *b);
void tcpm_close(struct tcpm *t);

#endif
