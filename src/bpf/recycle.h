/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tcp_tw_recycle rules of Linux 3.18 .. 4.11, as pure functions: included by recycle.bpf.c
 * (the gate) and by the cmocka tests, so the rule is tested without root and the compiled
 * program cannot drift from it. Rules and section numbers: shared/spec/tw_recycle.md.
 * Only fixed-width types and no helpers here: this compiles for -target bpf and for the host.
 */
#ifndef TWLAB_RECYCLE_H
#define TWLAB_RECYCLE_H

#ifdef __bpf__
#include <linux/types.h>
#else
#include <linux/types.h>
#include <stdbool.h>
#endif

/* One per (server address, peer address): tcp_metrics' tcpm_ts / tcpm_ts_stamp (§a.1). */
struct recycle_record {
	__u32 ts;          /* the peer's ts_recent when the server entered TIME_WAIT */
	__u32 pad;
	__u64 stamp_ns;    /* when that TSval was received (ts_recent_stamp), CLOCK_MONOTONIC ns */
};

struct recycle_key {
	__u32 laddr, raddr;  /* network order */
};

enum recycle_verdict {
	RV_PASS_NO_RECORD = 0,  /* no record for this peer */
	RV_PASS_STALE,          /* record older than paws_msl */
	RV_PASS_IN_WINDOW,      /* (s32)(rec.ts - tsval) <= paws_window */
	RV_PASS_TW_HIT,         /* SYN hit a live emulated TIME_WAIT 4-tuple: §a.4 step 4, isn != 0 */
	RV_DROP_PAWS,           /* §a.4: record fresh and TSval behind it by more than the window */
	RV_DROP_NO_TS,          /* §a.4 (3.18+): record fresh and the SYN carries no timestamp */
};

enum recycle_event_kind {
	EV_SYN = 0,             /* a SYN decision: verdict says which */
	EV_RECORD_UPDATE,       /* server entered TIME_WAIT, record written (§a.2) */
	EV_RECORD_KEEP,         /* server entered TIME_WAIT, record left as it was (§a.2 rule) */
};

/* Ring buffer record, BPF -> user space. */
struct recycle_event {
	__u64 t_ns;             /* bpf_ktime_get_ns() */
	__u64 rec_age_ns;       /* t_ns - record.stamp_ns at decision time (has_record) */
	__u32 saddr, daddr;     /* as seen on the server's link, network order */
	__u16 sport, dport;     /* host order */
	__u32 tsval;            /* SYN: its TSval; record events: the peer's ts_recent offered */
	__u32 rec_ts;           /* record.ts at decision time (after, for EV_RECORD_UPDATE) */
	__u8 kind;              /* enum recycle_event_kind */
	__u8 verdict;           /* enum recycle_verdict (EV_SYN) */
	__u8 has_record;
	__u8 has_ts;
};

/* Counters kept by the gate (one array entry each). */
enum recycle_stat {
	RS_SYN_SEEN, RS_SYN_PASSED, RS_SYN_DROPPED, RS_RECORDS_UPDATED, RS_RECORDS_KEPT,
	RS_PAWS_PASSIVE, RS_LISTEN_DROPS, RS_TW_ENTERED, RS_TW_HITS, RS_EVENTS_LOST, RS__MAX
};

/* ---- the two decisions (to be implemented here as static inline functions) ----
 * recycle_should_update(): §a.2 tcp_remember_stamp
 * recycle_syn_verdict():   §a.4 tcp_conn_request, recycle branch
 */

#endif
