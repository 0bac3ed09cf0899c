/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tcp_tw_recycle rules of Linux 3.18 .. 4.11, as pure functions: included by recycle.bpf.c
 * (the gate) and by the cmocka tests, so the rule is tested without root and the compiled
 * program cannot drift from it. Rules and section numbers: docs/kernel-notes.md.
 * Only fixed-width types and no helpers here: this compiles for -target bpf and for the host.
 */
#ifndef TWLAB_RECYCLE_H
#define TWLAB_RECYCLE_H

#include <linux/types.h>
#include <stdbool.h>	/* clang's freestanding one under -target bpf */

/* One per (server address, peer address): tcp_metrics' tcpm_ts / tcpm_ts_stamp (§1.2). */
struct recycle_record {
	__u32 ts;          /* the peer's ts_recent when the server entered TIME_WAIT */
	__u32 pad;
	__u64 stamp_ns;    /* when that TSval was received (ts_recent_stamp): see "Time" below */
};

struct recycle_key {
	__u32 laddr, raddr;  /* network order */
};

enum recycle_verdict {
	RV_PASS_NO_RECORD = 0,  /* no record for this peer */
	RV_PASS_STALE,          /* record older than paws_msl */
	RV_PASS_IN_WINDOW,      /* (s32)(rec.ts - tsval) <= paws_window */
	RV_PASS_TW_HIT,         /* SYN hit a live emulated TIME_WAIT 4-tuple: §1.4 step 2, isn != 0 */
	RV_DROP_PAWS,           /* §1.4: record fresh and TSval behind it by more than the window */
	RV_DROP_NO_TS,          /* §1.4 (3.18+): record fresh and the SYN carries no timestamp */
	/* Never from the gate: the kernel's own rule (gate.mode kernel) seen on the wire
	 * (run/wire.c), which shows what happened to a SYN, not why. */
	RV_WIRE_ANSWERED,       /* the server sent a SYN-ACK or an RST for it */
	RV_WIRE_UNANSWERED,     /* neither came before the client's next SYN or the deadline */
};

enum recycle_event_kind {
	EV_SYN = 0,             /* a SYN decision: verdict says which */
	EV_RECORD_UPDATE,       /* server entered TIME_WAIT, record written (§1.3) */
	EV_RECORD_KEEP,         /* server entered TIME_WAIT, record left as it was (§1.3 rule) */
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
	__s32 client;           /* lab_client.index of the sender (attribution below), -1 unknown */
	__u32 pad;
};

/* Counters kept by the gate (one array entry each). */
enum recycle_stat {
	RS_SYN_SEEN, RS_SYN_PASSED, RS_SYN_DROPPED, RS_RECORDS_UPDATED, RS_RECORDS_KEPT,
	RS_PAWS_PASSIVE, RS_LISTEN_DROPS, RS_TW_ENTERED, RS_TW_HITS, RS_EVENTS_LOST, RS__MAX
};

#define RECYCLE_NSEC 1000000000ULL

/*
 * Attribution: which client sent a SYN the gate judged, kept in BPF maps so that the per-client
 * drop counts never depend on ring-buffer events reaching user space. Behind NAT the router's
 * egress program (recycle_router_egress) notes, for every SYN after SNAT, the client whose link
 * it came in on, under the outside 4-tuple (value: that SYN's ISN and the client, and the
 * previous SYN's on that tuple); without NAT
 * the sender's address names the client. The gate counts each drop in client_drops[client],
 * or in attrib_stats[AS_UNATTRIBUTED] when neither says who sent it.
 */
struct attrib_key {
	__u32 saddr, daddr;     /* as the server sees the SYN, network order */
	__u16 sport, dport;     /* host order */
};

struct attrib_owner {
	__u32 isn;              /* the noted SYN's sequence number */
	__s32 client;
	/* the SYN noted before it on this 4-tuple with another ISN (prev_client -1: none): a SYN
	 * of it may still be on its way to the server when the next one is noted (a resend
	 * queued on a loaded host while the client, or another one, starts over on that tuple) */
	__u32 prev_isn;
	__s32 prev_client;
};

enum attrib_stat {
	AS_NOTED,               /* SYNs the router noted */
	AS_UNATTRIBUTED,        /* drops no map could attribute */
	AS_NOTE_FAILED,         /* SYNs the router could not note (the map update failed) */
	AS_NO_NOTE,             /* of the unattributed: no note for the SYN's 4-tuple */
	AS_OTHER_ISN,           /* of the unattributed: the 4-tuple's note is of two other SYNs */
	AS__MAX
};

/*
 * Time: ns of CLOCK_MONOTONIC plus the gate's sec_phase_ns, a clock whose second boundaries
 * fall where the wall clock's do. The kernel keeps ts_recent_stamp and tcpm_ts_stamp in whole
 * seconds of wall time (get_seconds(), §1.1) and compares whole seconds, so here every age is
 * sec(now) - sec(stamp): "< 60" holds for between 59 and 60 s of real time, "> 60" needs
 * between 60 and 61 s. paws_msl_ns is whole seconds too (`check` refuses fractions).
 * A stamp of 0 means "never": the kernel's fresh record {0, 0} (§1.2) is stamped 1970, so it is
 * always stale; in monotonic time 0 is only paws_msl old once the host has been up that long
 * (a guest just booted for `verify --kernel` is not), so it is tested explicitly.
 * Ages are signed, so a stamp taken a few ns "after" now on another CPU counts as fresh.
 */
static inline __s64 recycle_age_s(__u64 stamp_ns, __u64 now_ns)
{
	return (__s64)(now_ns / RECYCLE_NSEC) - (__s64)(stamp_ns / RECYCLE_NSEC);
}

static inline bool recycle_stale(const struct recycle_record *r, __u64 now_ns,
				 __u64 paws_msl_ns, bool strict)
{
	__s64 age = recycle_age_s(r->stamp_ns, now_ns);
	__s64 msl = (__s64)(paws_msl_ns / RECYCLE_NSEC);

	if (!r->stamp_ns)
		return true;
	/* §1.3 tests "get_seconds() - stamp > TCP_PAWS_MSL", §1.4 "... < TCP_PAWS_MSL" */
	return strict ? age > msl : age >= msl;
}

/*
 * §1.3 tcp_remember_stamp(): the server enters TIME_WAIT on a connection whose peer's last
 * accepted TSval was ts_recent, received at ts_recent_stamp_ns. True when record r (a fresh one
 * is {0, 0}) must take {ts_recent, ts_recent_stamp_ns}. Not to be called at all when
 * ts_recent_stamp_ns == 0 (no timestamps on the connection: no record, §1.3).
 */
static inline bool recycle_should_update(const struct recycle_record *r, __u32 ts_recent,
					 __u64 ts_recent_stamp_ns, __u64 now_ns,
					 __u64 paws_msl_ns)
{
	if ((__s32)(r->ts - ts_recent) <= 0)
		return true;
	/* "tcpm_ts_stamp <= ts_recent_stamp", both whole seconds */
	return recycle_stale(r, now_ns, paws_msl_ns, true) &&
	       r->stamp_ns / RECYCLE_NSEC <= ts_recent_stamp_ns / RECYCLE_NSEC;
}

/*
 * §1.4 tcp_conn_request(), recycle branch (3.18 .. 4.11), for a SYN without ACK.
 * r: the record of (server addr, peer addr), or NULL. tw_hit: the SYN matched a live emulated
 * TIME_WAIT 4-tuple, the kernel's isn != 0, which skips the check. Both drop verdicts are
 * silent and count PAWSPassive and ListenDrops (§1.8).
 */
static inline enum recycle_verdict recycle_syn_verdict(const struct recycle_record *r,
						       bool tw_hit, bool has_ts, __u32 tsval,
						       __u64 now_ns, __u64 paws_msl_ns,
						       __s32 paws_window)
{
	if (tw_hit)
		return RV_PASS_TW_HIT;
	if (!r)
		return RV_PASS_NO_RECORD;
	if (recycle_stale(r, now_ns, paws_msl_ns, false))
		return RV_PASS_STALE;
	if (!has_ts)
		return RV_DROP_NO_TS;
	if ((__s32)(r->ts - tsval) > paws_window)
		return RV_DROP_PAWS;
	return RV_PASS_IN_WINDOW;
}

static inline bool recycle_verdict_drops(enum recycle_verdict v)
{
	return v == RV_DROP_PAWS || v == RV_DROP_NO_TS || v == RV_WIRE_UNANSWERED;
}

#endif
