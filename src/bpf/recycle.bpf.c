// SPDX-License-Identifier: GPL-2.0
/*
 * The recycle gate: Linux 3.18 .. 4.11 with tcp_tw_recycle = 1, emulated by tc programs on the
 * server's link (ingress = towards the server, egress = from it). Section numbers (§1.3 ...)
 * are those of docs/kernel-notes.md.
 *
 * Per connection (4-tuple) we follow what the server's stack would know: ts_recent and its
 * stamp (§1.3), who sent FIN first, and the emulated TIME_WAIT. When the server enters
 * TIME_WAIT the per-peer record is updated by recycle_should_update() (§1.3); every pure SYN to
 * server_port is judged by recycle_syn_verdict() (§1.4) and dropped silently when it says so.
 */
#include <linux/pkt_cls.h>
#include "bpf/tcpopt.h"
#include "bpf/recycle.h"

#define TCP_TIMEWAIT_LEN_NS	(60ULL * 1000000000ULL)	/* §1.1, §1.6: TW without recycle */

const volatile __u64 paws_msl_ns = 60ULL * 1000000000ULL;	/* TCP_PAWS_MSL, §1.1 */
const volatile __s32 paws_window = 1;				/* TCP_PAWS_WINDOW, §1.1 */
const volatile __u16 server_port = 8080;
const volatile __u64 tw_len_ns = 700ULL * 1000000ULL;		/* 3.5 x RTO_MIN, §1.6 */
/* CLOCK_REALTIME - CLOCK_MONOTONIC mod 1 s, set by the loader: with it added, monotonic ns
 * turn into whole seconds where the wall clock's get_seconds() does (recycle.h, "Time") */
const volatile __u64 sec_phase_ns = 0;

/* the server's side is "l" */
struct conn_key {
	__u32 laddr, raddr;
	__u16 lport, rport;
};

enum {
	C_SYN_TS = 1 << 0,	/* the peer's SYN had a timestamp */
	C_TS_OK = 1 << 1,	/* ... and the server's SYN-ACK too: timestamps negotiated */
	C_WUP = 1 << 2,		/* rcv_wup is known */
	C_SRV_FIN = 1 << 3,	/* the server sent FIN first */
	C_PEER_FIN = 1 << 4,	/* the peer sent FIN first: server goes LAST_ACK, no TW (P3) */
	C_TW = 1 << 5,		/* emulated TIME_WAIT until tw_until_ns */
	C_FW2 = 1 << 6,		/* orphaned FIN_WAIT2 timewait socket: record written, FIN awaited */
};

struct conn {
	__u64 ts_recent_stamp_ns;	/* 0: no TSval stored yet */
	__u64 tw_until_ns;
	__u32 ts_recent;
	__u32 rcv_wup;			/* ack number of the server's last segment */
	__u32 flags;
	__u32 fin_end;			/* the server's FIN: its seq + data + 1 (C_SRV_FIN) */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct conn_key);
	__type(value, struct conn);
} conns SEC(".maps");

/* tcp_metrics is bounded and reclaims old entries too (§1.2) */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct recycle_key);
	__type(value, struct recycle_record);
} records SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RS__MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static __always_inline void stat_inc(__u32 idx)
{
	__u64 *n = bpf_map_lookup_elem(&stats, &idx);

	if (n)
		(*n)++;
}

static __always_inline __s32 attrib_client(const struct tcp_pkt *p, bool syn);

static __always_inline void emit(const struct tcp_pkt *p, __u8 kind, __u8 verdict, __u32 tsval,
				 const struct recycle_record *rec, __u32 rec_ts, __u64 now)
{
	struct recycle_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		stat_inc(RS_EVENTS_LOST);
		return;
	}
	e->t_ns = now;
	e->rec_age_ns = rec ? now + sec_phase_ns - rec->stamp_ns : 0;
	e->saddr = p->saddr;
	e->daddr = p->daddr;
	e->sport = p->sport;
	e->dport = p->dport;
	e->tsval = tsval;
	e->rec_ts = rec_ts;
	e->kind = kind;
	e->verdict = verdict;
	e->has_record = rec != NULL;
	e->has_ts = p->ts_off > 0;
	e->client = attrib_client(p, kind == EV_SYN);
	e->pad = 0;
	bpf_ringbuf_submit(e, 0);
}

static __always_inline void attrib_count_drop(const struct tcp_pkt *p);

/* §1.4: a SYN without ACK towards the server. */
static __always_inline int on_syn(const struct tcp_pkt *p, const struct conn_key *ck, __u64 now)
{
	struct conn *c = bpf_map_lookup_elem(&conns, ck);
	bool tw_hit = c && (c->flags & C_TW) && (__s64)(c->tw_until_ns - now) > 0;
	bool has_ts = p->ts_off > 0;
	struct conn nc = {};

	if (p->dport == server_port) {
		struct recycle_key rk = { .laddr = p->daddr, .raddr = p->saddr };
		struct recycle_record *rec = bpf_map_lookup_elem(&records, &rk);
		enum recycle_verdict v;

		v = recycle_syn_verdict(rec, tw_hit, has_ts, p->tsval, now + sec_phase_ns,
					paws_msl_ns, paws_window);
		stat_inc(RS_SYN_SEEN);
		if (tw_hit)
			stat_inc(RS_TW_HITS);
		emit(p, EV_SYN, v, p->tsval, rec, rec ? rec->ts : 0, now);
		if (recycle_verdict_drops(v)) {
			/* tcp_conn_request() drop_and_release: no SYN-ACK, no RST (§1.4, §1.8) */
			stat_inc(RS_SYN_DROPPED);
			attrib_count_drop(p);
			stat_inc(RS_PAWS_PASSIVE);
			stat_inc(RS_LISTEN_DROPS);
			return TC_ACT_SHOT;
		}
		stat_inc(RS_SYN_PASSED);
	}
	/* A new connection (a TW hit destroys the old TW bucket: TCP_TW_SYN, §4.3). The SYN's
	 * TSval becomes the child's ts_recent; the kernel stamps it at the handshake's end. */
	if (has_ts) {
		nc.flags = C_SYN_TS;
		nc.ts_recent = p->tsval;
		nc.ts_recent_stamp_ns = now + sec_phase_ns;
	}
	bpf_map_update_elem(&conns, ck, &nc, BPF_ANY);
	return TC_ACT_OK;
}

/*
 * §1.3, §1.6: tcp_time_wait() and tcp_tw_remember_stamp(), one rule for both. Called when the
 * server closed first and the peer's FIN arrived (TIME_WAIT), and before that when the
 * orphaned server socket in FIN_WAIT1 got the ACK of its FIN (fin_wait2 = true, §1.3a:
 * tcp_rcv_state_process() -> tcp_time_wait(sk, TCP_FIN_WAIT2, tmo)); the FIN that follows
 * writes again from the timewait socket, with its own TSval.
 */
static __always_inline void remember_stamp(const struct tcp_pkt *p, struct conn *c, __u64 now,
					   bool fin_wait2)
{
	struct recycle_key rk = { .laddr = p->daddr, .raddr = p->saddr };
	struct recycle_record cur = {}, *rec;
	__u64 len = TCP_TIMEWAIT_LEN_NS;

	/* recycle_ok needs ts_recent_stamp != 0: without timestamps, no record and a 60 s TW */
	if ((c->flags & C_TS_OK) && c->ts_recent_stamp_ns) {
		rec = bpf_map_lookup_elem(&records, &rk);
		if (rec)
			cur = *rec;
		if (recycle_should_update(&cur, c->ts_recent, c->ts_recent_stamp_ns,
					  now + sec_phase_ns, paws_msl_ns)) {
			struct recycle_record nr = {
				.ts = c->ts_recent,
				.stamp_ns = c->ts_recent_stamp_ns,
			};

			bpf_map_update_elem(&records, &rk, &nr, BPF_ANY);
			stat_inc(RS_RECORDS_UPDATED);
			emit(p, EV_RECORD_UPDATE, 0, c->ts_recent, rec ? &cur : NULL, nr.ts, now);
		} else {
			stat_inc(RS_RECORDS_KEPT);
			emit(p, EV_RECORD_KEEP, 0, c->ts_recent, &cur, cur.ts, now);
		}
		len = tw_len_ns;
	}
	if (fin_wait2) {
		/* a FIN_WAIT2 timewait socket: it takes the FIN, then becomes TIME_WAIT */
		c->flags |= C_FW2;
		return;
	}
	c->flags |= C_TW;
	c->tw_until_ns = now + len;
	stat_inc(RS_TW_ENTERED);
}

/*
 * The ACK of the server's FIN on a socket the server has closed (the agent close()s: orphaned,
 * SOCK_DEAD): FIN_WAIT1 -> tcp_time_wait(sk, TCP_FIN_WAIT2, tmo) when the segment carries no
 * FIN and no new data, and tmo = tcp_fin_time() is not above TCP_TIMEWAIT_LEN (the default
 * tcp_fin_timeout of 60 s is not).
 */
static __always_inline bool acks_our_fin(const struct tcp_pkt *p, const struct conn *c,
					 __u32 skb_len)
{
	return (c->flags & C_SRV_FIN) && !(c->flags & (C_PEER_FIN | C_FW2)) &&
	       !(p->flags & TCPF_FIN) && (p->flags & TCPF_ACK) && p->ack_seq == c->fin_end &&
	       skb_len == p->l4off + p->hlen;
}

SEC("tc")
int recycle_ingress(struct __sk_buff *skb)
{
	struct tcp_pkt p;
	struct conn_key ck;
	struct conn *c;
	__u64 now;

	if (tcp_pkt_parse(skb, &p))
		return TC_ACT_OK;
	now = bpf_ktime_get_ns();
	ck.laddr = p.daddr;
	ck.raddr = p.saddr;
	ck.lport = p.dport;
	ck.rport = p.sport;
	if ((p.flags & (TCPF_SYN | TCPF_ACK | TCPF_RST)) == TCPF_SYN)
		return on_syn(&p, &ck, now);

	c = bpf_map_lookup_elem(&conns, &ck);
	if (!c || (c->flags & C_TW))
		return TC_ACT_OK;
	if (p.flags & TCPF_RST) {
		bpf_map_delete_elem(&conns, &ck);
		return TC_ACT_OK;
	}
	/*
	 * tcp_replace_ts_recent(): an ACK-carrying segment whose seq is not beyond rcv_wup and
	 * which passes tcp_paws_check(.., 0) stores its TSval. rcv_wup is the ack number the
	 * server last sent (tcp_select_window() sets it to rcv_nxt on every segment), read on
	 * egress; the 24-day staleness escape is left out. That makes "in order": the segment
	 * starts at or before the point the server has acknowledged.
	 */
	if (p.ts_off > 0 && (p.flags & TCPF_ACK) && (c->flags & C_TS_OK) && (c->flags & C_WUP) &&
	    (__s32)(p.seq - c->rcv_wup) <= 0 &&
	    ((__s32)(c->ts_recent - p.tsval) <= 0 || !c->ts_recent)) {
		c->ts_recent = p.tsval;
		c->ts_recent_stamp_ns = now + sec_phase_ns;
	} else if (p.ts_off > 0 && (c->flags & C_FW2) && (p.flags & TCPF_FIN) &&
		   (__s32)(c->ts_recent - p.tsval) <= 0) {
		/* tcp_timewait_state_process(), FIN_WAIT2 substate: a FIN that passes PAWS
		 * stores its TSval, stamped now */
		c->ts_recent = p.tsval;
		c->ts_recent_stamp_ns = now + sec_phase_ns;
	}
	if (p.flags & TCPF_FIN) {
		if (c->flags & C_SRV_FIN)
			remember_stamp(&p, c, now, false);
		else
			c->flags |= C_PEER_FIN;
	} else if (acks_our_fin(&p, c, skb->len)) {
		remember_stamp(&p, c, now, true);
	}
	return TC_ACT_OK;
}

SEC("tc")
int recycle_egress(struct __sk_buff *skb)
{
	struct tcp_pkt p;
	struct conn_key ck;
	struct conn *c;

	if (tcp_pkt_parse(skb, &p))
		return TC_ACT_OK;
	ck.laddr = p.saddr;
	ck.raddr = p.daddr;
	ck.lport = p.sport;
	ck.rport = p.dport;
	c = bpf_map_lookup_elem(&conns, &ck);
	if (!c || (c->flags & C_TW))
		return TC_ACT_OK;
	if (p.flags & TCPF_RST) {
		bpf_map_delete_elem(&conns, &ck);
		return TC_ACT_OK;
	}
	if ((p.flags & TCPF_SYN) && p.ts_off > 0 && (c->flags & C_SYN_TS))
		c->flags |= C_TS_OK;
	if (p.flags & TCPF_ACK) {
		c->rcv_wup = p.ack_seq;
		c->flags |= C_WUP;
	}
	if ((p.flags & TCPF_FIN) && !(c->flags & C_PEER_FIN)) {
		c->flags |= C_SRV_FIN;
		c->fin_end = p.seq + (skb->len - p.l4off - p.hlen) + 1;
	}
	return TC_ACT_OK;
}

/* ---- attribution (recycle.h "Attribution"); sizes set by the loader ---- */

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 131072);
	__type(key, struct attrib_key);
	__type(value, struct attrib_owner);
} attrib_owners SEC(".maps");

/* the router's ifindex of each client's link -> client index */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __s32);
} attrib_links SEC(".maps");

/* a client's own address (network order) -> client index */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __s32);
} attrib_addrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} client_drops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, AS__MAX);
	__type(key, __u32);
	__type(value, __u64);
} attrib_stats SEC(".maps");

static __always_inline void attrib_key_of(const struct tcp_pkt *p, struct attrib_key *k)
{
	k->saddr = p->saddr;
	k->daddr = p->daddr;
	k->sport = p->sport;
	k->dport = p->dport;
}

/* The client that sent p (towards the server); for a SYN, only the one that sent this ISN. */
static __always_inline __s32 attrib_client(const struct tcp_pkt *p, bool syn)
{
	struct attrib_key k;
	struct attrib_owner *o;
	__u32 a = p->saddr;
	__s32 *c;

	attrib_key_of(p, &k);
	o = bpf_map_lookup_elem(&attrib_owners, &k);
	if (o && (!syn || o->isn == p->seq))
		return o->client;
	if (o && o->prev_client >= 0 && o->prev_isn == p->seq)
		return o->prev_client;
	c = bpf_map_lookup_elem(&attrib_addrs, &a);
	return c ? *c : -1;
}

static __always_inline void attrib_stat_inc(__u32 idx)
{
	__u64 *n = bpf_map_lookup_elem(&attrib_stats, &idx);

	if (n)
		(*n)++;
}

static __always_inline void attrib_count_drop(const struct tcp_pkt *p)
{
	__s32 c = attrib_client(p, true);
	__u32 idx = c >= 0 ? (__u32)c : 0;
	__u64 *n = c >= 0 ? bpf_map_lookup_elem(&client_drops, &idx) : NULL;
	struct attrib_key k;

	if (n) {
		(*n)++;
		return;
	}
	attrib_stat_inc(AS_UNATTRIBUTED);
	/* why: the evidence for a drop no map could name a client for */
	attrib_key_of(p, &k);
	attrib_stat_inc(bpf_map_lookup_elem(&attrib_owners, &k) ? AS_OTHER_ISN : AS_NO_NOTE);
}

/* On the router's outside link: every SYN after SNAT, noted with the client it came from
 * (skb->ingress_ifindex: the router's end of that client's link). */
SEC("tc")
int recycle_router_egress(struct __sk_buff *skb)
{
	struct attrib_owner o, *old;
	struct attrib_key k;
	struct tcp_pkt p;
	__u32 ifi = skb->ingress_ifindex;
	__s32 *c;

	if (tcp_pkt_parse(skb, &p) || (p.flags & (TCPF_SYN | TCPF_ACK | TCPF_RST)) != TCPF_SYN)
		return TC_ACT_OK;
	c = bpf_map_lookup_elem(&attrib_links, &ifi);
	if (!c)
		return TC_ACT_OK;
	attrib_key_of(&p, &k);
	o.isn = p.seq;
	o.client = *c;
	o.prev_isn = 0;
	o.prev_client = -1;
	old = bpf_map_lookup_elem(&attrib_owners, &k);
	if (old && old->isn != p.seq) {		/* another SYN: keep it as the previous one */
		o.prev_isn = old->isn;
		o.prev_client = old->client;
	} else if (old) {			/* a resend: the previous one stays */
		o.prev_isn = old->prev_isn;
		o.prev_client = old->prev_client;
	}
	attrib_stat_inc(bpf_map_update_elem(&attrib_owners, &k, &o, BPF_ANY) ? AS_NOTE_FAILED
									     : AS_NOTED);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
