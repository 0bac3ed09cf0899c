// SPDX-License-Identifier: GPL-2.0
/*
 * verify_probe: predictions M1-M9 of docs/kernel-notes.md §4 and the 2026 NAT regression
 * (§4.8), on the running kernel with real sockets. Each probe builds a small lab (lab_up, no
 * agents), drives sockets made inside its namespaces from this one thread, and reads what
 * happened from an AF_PACKET capture of the server's link and the per-namespace counters.
 * Client clocks: client "a" runs in offset mode, so a probe moves its TSval older or newer
 * between two connections with tsclock_set (§4.3 needs exactly that).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include "lab/lab.h"
#include "lab/tsclock.h"
#include "run/conntrack.h"
#include "verify/verify.h"

#define PORT 8080
#define TS_BASE 0x40000000u      /* client a's clock: far from the raw ms clock */
#define TS_SHIFT 10000000u       /* "older"/"newer": ~2.8 h of ms ticks */
#define CONNECT_MS 3000
#define TW_WAIT_MS 3000
#define TCP_TW 6

static const struct verify_opts *opts;
static int tag_seq;
static enum verify_tsoff seen_tsoff;   /* M8's finding, for the regression's consistency check */

static int plab_up(struct vnet_lab *p, const char *ini)
{
	char name[TOPO_NAME_MAX + 1];

	/* unique per process and probe: other labs (and other suites) may run at the same time */
	snprintf(name, sizeof(name), "v%d-%d", (int)(getpid() % 100000), tag_seq++);
	return vnet_lab_up(p, ini, name, opts->interrupted);
}

static void plab_down(struct vnet_lab *p)
{
	vnet_lab_down(p);
}

static int cl_fd(struct vnet_lab *p, int i)
{
	return p->rt.client_fd[i];
}

static uint32_t cl_addr(struct vnet_lab *p, int i)
{
	return p->lab->clients[i].addr.addr;
}

static uint32_t srv_addr(struct vnet_lab *p)
{
	return p->lab->server.addr.addr;
}

static struct verify_test *begin(struct verify_suite *s, const char *name, const char *what)
{
	if (!verify_only_match(opts->only, name))
		return NULL;
	return verify_add(s, name, what);
}

static void done(struct verify_test *t, double t0)
{
	if (!t)
		return;
	t->secs = (vnet_now_ms() - t0) / 1e3;
	if (opts->progress)
		opts->progress(t);
}

static bool wanted(const char *prefix)
{
	return verify_only_group(opts->only, prefix);
}

/* ---------------------------------------------------------------- the direct lab: M1-M5, M8, M9 */

static const char direct_ini[] =
	"[lab]\nduration = 1s\n"
	"[server]\nport = 8080\n"
	"[client a]\nts_offset = 1073741824\n"   /* TS_BASE */
	"[client b]\ntimestamps = kernel\n"
	"[client c]\ntimestamps = shared\n";

/* One connection that the server closes first, leaving the server in TIME_WAIT on
 * (PORT, lport); then a second SYN (from lport2) after client a's clock moved by shift. */
struct twsyn {
	uint16_t lport, lport2;
	uint32_t shift;          /* added to TS_BASE for the second SYN */
	int syncnt, timeout_ms;
	int min_gap_ms;          /* the second SYN leaves at least this long after the first */
	/* results */
	double gap_ms;
	struct vnet_conn c2;
	uint32_t cli_fin_seq, srv_fin_seq;    /* the first connection's FINs */
	int n_syn;                           /* SYNs of the second attempt */
	double syn_t[8];
	bool bare_ack, rst, synack;
	uint32_t bare_ack_no, rst_seq, synack_seq;
	struct counters sb, sa, cb, ca;      /* server / client a, before / after */
	char err[200];
};

/* Connect from ns_fd (lport 0: any) and take the connection on the listener: 0 only when both
 * ends exist. The connection's own error (refused, timed out) becomes the return. */
static int connect_accept(int ns_fd, uint16_t lport, uint32_t dst, int timeout_ms, int lfd,
			  struct vnet_conn *c, int *ret_afd)
{
	int err = vnet_connect(ns_fd, lport, dst, PORT, timeout_ms, 0, c);

	if (!err && c->err)
		err = -c->err;
	if (!err)
		err = vnet_accept(lfd, CONNECT_MS, ret_afd);
	return err;
}

static int tw_then_syn(struct vnet_lab *p, int lfd, struct twsyn *x)
{
	struct vnet_cap cap = { .fd = -1 };
	struct vnet_conn c1;
	int afd, err;
	size_t mark;

	tsclock_set(p->rt.clock, cl_addr(p, 0), TS_BASE);
	err = vnet_cap_open(p->rt.server_fd, p->rt.server_link, &cap);
	if (err) {
		snprintf(x->err, sizeof(x->err), "capture on the server's link: %s", strerror(-err));
		return err;
	}
	err = vnet_connect(cl_fd(p, 0), x->lport, srv_addr(p), PORT, CONNECT_MS, 0, &c1);
	if (!err && c1.err)
		err = -c1.err;
	if (err) {
		snprintf(x->err, sizeof(x->err), "first connection from port %u: %s", x->lport,
			 strerror(-err));
		goto out;
	}
	err = vnet_accept(lfd, CONNECT_MS, &afd);
	if (!err)
		err = vnet_close_pair(afd, c1.fd, CONNECT_MS);   /* the server closes first */
	if (!err)
		err = vnet_wait_tw(p->rt.server_fd, PORT, x->lport, TW_WAIT_MS);
	if (err) {
		snprintf(x->err, sizeof(x->err), "server did not reach TIME_WAIT on port %u: %s",
			 x->lport, strerror(-err));
		goto out;
	}
	vnet_cap_drain(&cap);
	for (size_t i = 0; i < cap.n; i++) {
		const struct vnet_pkt *k = &cap.v[i];

		if (!(k->flags & TH_FIN))
			continue;
		if (k->out && k->dport == x->lport)
			x->srv_fin_seq = k->seq;
		else if (!k->out && k->sport == x->lport)
			x->cli_fin_seq = k->seq;
	}
	mark = cap.n;
	/* A measured interval, not a wait for something to happen: M3 needs the two SYNs far
	 * enough apart that a fresh ISN (the old one + elapsed / 64 ns) cannot land on
	 * snd_nxt + 65537 by chance (kernel-notes §4.3.1). */
	for (double left; (left = c1.t0_ms + x->min_gap_ms - vnet_now_ms()) > 0;)
		nanosleep(&(struct timespec){ .tv_nsec = (long)(left * 1e6) % 1000000000,
					      .tv_sec = (time_t)(left / 1e3) }, NULL);
	x->gap_ms = vnet_now_ms() - c1.t0_ms;
	tsclock_set(p->rt.clock, cl_addr(p, 0), TS_BASE + x->shift);
	vnet_counters(p->rt.server_fd, &x->sb);
	vnet_counters(cl_fd(p, 0), &x->cb);
	err = vnet_connect(cl_fd(p, 0), x->lport2, srv_addr(p), PORT, x->timeout_ms, x->syncnt,
			   &x->c2);
	if (err) {
		snprintf(x->err, sizeof(x->err), "second connection: %s", strerror(-err));
		goto out;
	}
	if (!x->c2.err && !vnet_accept(lfd, CONNECT_MS, &afd)) {
		/* the client closes first: no second server TIME_WAIT to trip the next probe */
		vnet_close_pair(x->c2.fd, afd, CONNECT_MS);
		x->c2.fd = -1;
	}
	vnet_cap_drain(&cap);
	vnet_counters(p->rt.server_fd, &x->sa);
	vnet_counters(cl_fd(p, 0), &x->ca);
	for (size_t i = mark; i < cap.n; i++) {
		const struct vnet_pkt *k = &cap.v[i];
		bool from_cl = !k->out && k->sport == x->lport2, to_cl = k->out && k->dport == x->lport2;

		if (from_cl && (k->flags & (TH_SYN | TH_ACK)) == TH_SYN && x->n_syn < 8)
			x->syn_t[x->n_syn++] = k->t_ms;
		else if (from_cl && (k->flags & TH_RST) && !x->rst) {
			x->rst = true;
			x->rst_seq = k->seq;
		} else if (to_cl && (k->flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK) && !x->synack) {
			x->synack = true;
			x->synack_seq = k->seq;
		} else if (to_cl && k->flags == TH_ACK && !x->synack && !x->bare_ack) {
			x->bare_ack = true;
			x->bare_ack_no = k->ack;
		}
	}
	err = 0;
out:
	tsclock_set(p->rt.clock, cl_addr(p, 0), TS_BASE);
	vnet_cap_close(&cap);
	return err;
}

static void twsyn_free(struct twsyn *x)
{
	counters_free(&x->sb);
	counters_free(&x->sa);
	counters_free(&x->cb);
	counters_free(&x->ca);
}

/* Which counter took the PAWS reject in TIME_WAIT: "PAWSTimewait", "PAWSEstab" or NULL. */
static const char *paws_counter(const struct twsyn *x, long *ret_n)
{
	long tw = vnet_delta(&x->sb, &x->sa, "TcpExtPAWSTimewait");
	long es = vnet_delta(&x->sb, &x->sa, "TcpExtPAWSEstab");

	*ret_n = tw ? tw : es;
	return tw > 0 ? "PAWSTimewait" : es > 0 ? "PAWSEstab" : NULL;
}

static json_t *twsyn_json(const struct twsyn *x)
{
	json_t *syns = json_array();

	for (int i = 1; i < x->n_syn; i++)
		json_array_append_new(syns, json_real(x->syn_t[i] - x->syn_t[0]));
	return json_pack("{s:i,s:i,s:b,s:s,s:f,s:i,s:o,s:b,s:b,s:b,s:I,s:I,s:I,s:I}",
			 "lport", x->lport, "lport2", x->lport2, "connected", !x->c2.err,
			 "error", x->c2.err ? strerror(x->c2.err) : "", "connect_ms",
			 x->c2.connect_ms, "syns", x->n_syn, "syn_resend_ms", syns, "bare_ack",
			 x->bare_ack, "client_rst", x->rst, "synack", x->synack,
			 "server_PAWSTimewait",
			 (json_int_t)vnet_delta(&x->sb, &x->sa, "TcpExtPAWSTimewait"),
			 "server_PAWSEstab", (json_int_t)vnet_delta(&x->sb, &x->sa, "TcpExtPAWSEstab"),
			 "client_TcpOutRsts", (json_int_t)vnet_delta(&x->cb, &x->ca, "TcpOutRsts"),
			 "client_TCPSynRetrans",
			 (json_int_t)vnet_delta(&x->cb, &x->ca, "TcpExtTCPSynRetrans"));
}

static void m1(struct verify_suite *s, struct vnet_lab *p, const struct verify_kver *kv)
{
	double t0 = vnet_now_ms();
	struct verify_test *t = begin(s, "m1_no_tw_recycle",
				      "net.ipv4.tcp_tw_recycle does not exist in a namespace and no PAWSPassive counter (M1)");
	struct counters c = { 0 };
	char v[32];
	bool has_sysctl, has_ctr;

	if (!t)
		return;
	has_sysctl = vnet_sysctl_get(p->rt.server_fd, "net.ipv4.tcp_tw_recycle", v, sizeof(v)) != -ENOENT;
	vnet_counters(p->rt.server_fd, &c);
	has_ctr = false;
	for (size_t i = 0; i < c.n; i++)
		has_ctr |= !strcmp(c.v[i].name, "TcpExtPAWSPassive");
	counters_free(&c);
	verify_behaviour(t, "tcp_tw_recycle: %s", has_sysctl ? "present" : "absent");
	if (has_sysctl != verify_has_tw_recycle(kv) || has_ctr != verify_has_tw_recycle(kv))
		verify_table_fail(t, "sysctl %s, PAWSPassive counter %s; expected both %s on %d.%d",
			   has_sysctl ? "present" : "absent", has_ctr ? "present" : "absent",
			   verify_has_tw_recycle(kv) ? "present" : "absent", kv->major, kv->minor);
	else
		verify_set(t, VS_PASS, "sysctl and PAWSPassive counter %s, as on %s 4.12",
			   has_sysctl ? "present" : "absent", has_sysctl ? "kernels before" : "every kernel since");
	done(t, t0);
}

static void m2(struct verify_suite *s, struct vnet_lab *p, int lfd, const struct verify_kver *kv)
{
	double t0 = vnet_now_ms();
	struct verify_test *t = begin(s, "m2_tw_older_ts",
				      "SYN on the server's TIME_WAIT 4-tuple with an older TSval: bare ACK, client RST, SYN resent, connects (M2, §4.3-§4.4)");
	struct verify_test *t2 = begin(s, "m2_syn_resend",
				       "after that ACK the client resends its SYN after ~2 jiffies (5.6+, 9603d47bad46) or ~1 s");
	struct twsyn x = { .lport = 41010, .lport2 = 41010, .shift = -TS_SHIFT,
			   .timeout_ms = 5000 };
	const char *ctr, *want = verify_paws_tw_counter(kv), *cls = NULL;
	double delay = -1;
	long n;

	if (!t && !t2)
		return;
	if (tw_then_syn(p, lfd, &x)) {
		if (t)
			verify_set(t, VS_FAIL, "%s", x.err);
		if (t2)
			verify_set(t2, VS_FAIL, "%s", x.err);
		goto out;
	}
	ctr = paws_counter(&x, &n);
	/* The resend delay is read off the client: connect() to established spans the first
	 * SYN, the bare ACK, the RST and the resent SYN. Capture timestamps cannot be trusted
	 * for it: TCP stamps its skbs with their departure time (EDT, CLOCK_MONOTONIC) and the
	 * stamp survives the veth hop, so a packet socket may report either clock. */
	if (x.n_syn >= 2 && !x.c2.err) {
		delay = x.c2.connect_ms;
		cls = verify_resend_class(delay);
	}
	if (t) {
		t->data = twsyn_json(&x);
		verify_behaviour(t, "PAWS reject in TIME_WAIT counted as: %s", ctr ? ctr : "nothing");
		if (x.c2.err)
			verify_set(t, VS_FAIL, "connect failed: %s", strerror(x.c2.err));
		else if (!x.bare_ack || x.bare_ack_no != x.cli_fin_seq + 1)
			verify_set(t, VS_FAIL, "no bare ACK with ack = old rcv_nxt (%u) before the SYN-ACK",
				   x.cli_fin_seq + 1);
		else if (!x.rst || x.rst_seq != x.bare_ack_no)
			verify_set(t, VS_FAIL, "no client RST at seq %u", x.bare_ack_no);
		else if (x.n_syn < 2)
			verify_set(t, VS_FAIL, "the client did not resend its SYN");
		else if (!ctr || strcmp(ctr, want))
			verify_table_fail(t, "counted as %s, expected %s on %d.%d",
				   ctr ? ctr : "no PAWS counter", want, kv->major, kv->minor);
		else if (vnet_delta(&x.cb, &x.ca, "TcpOutRsts") < 1 ||
			 vnet_delta(&x.cb, &x.ca, "TcpExtTCPSynRetrans") < 1)
			verify_set(t, VS_FAIL, "client counters: TcpOutRsts %+ld, TCPSynRetrans %+ld (want >= 1)",
				   vnet_delta(&x.cb, &x.ca, "TcpOutRsts"),
				   vnet_delta(&x.cb, &x.ca, "TcpExtTCPSynRetrans"));
		else
			verify_set(t, VS_PASS, "ACK %u -> RST -> SYN again -> connected in %.1f ms; server %s %+ld",
				   x.bare_ack_no, x.c2.connect_ms, ctr, n);
	}
	if (t2) {
		bool quick = verify_quick_syn_resend(kv);

		t2->data = json_pack("{s:f}", "resend_ms", delay);
		verify_behaviour(t2, "SYN resend after a TIME_WAIT ACK: %s",
				 cls ? cls : "neither ~2 jiffies nor ~1 s");
		if (!cls)
			verify_set(t2, VS_FAIL, "%s", delay < 0 ? "no second SYN seen" :
				   "resend delay fits neither ~2 jiffies nor ~1 s");
		else if (strcmp(cls, quick ? "~2 jiffies" : "~1 s"))
			verify_table_fail(t2, "expected %s on %d.%d", quick ? "~2 jiffies" : "~1 s",
				   kv->major, kv->minor);
		else
			verify_set(t2, VS_PASS, "connected %.1f ms after the first SYN, through the resent one",
				   delay);
	}
out:
	twsyn_free(&x);
	done(t, t0);
	done(t2, t0);
}

/* M3 and M4: the SYN must be taken straight away: connected, one SYN, no bare ACK or RST,
 * no PAWS counter. False (and t failed with the reason) otherwise. */
static bool accepted_at_once(struct verify_test *t, struct twsyn *x)
{
	long n;

	if (x->c2.err)
		verify_set(t, VS_FAIL, "connect failed: %s", strerror(x->c2.err));
	else if (x->bare_ack || x->rst || x->n_syn != 1)
		verify_set(t, VS_FAIL, "not accepted at once: %d SYNs, bare ACK %s, RST %s",
			   x->n_syn, x->bare_ack ? "yes" : "no", x->rst ? "yes" : "no");
	else if (paws_counter(x, &n))
		verify_set(t, VS_FAIL, "a PAWS counter moved (%+ld)", n);
	else
		return true;
	return false;
}

static void m3(struct verify_suite *s, struct vnet_lab *p, int lfd)
{
	double t0 = vnet_now_ms();
	struct verify_test *t = begin(s, "m3_tw_newer_ts",
				      "SYN on the TIME_WAIT 4-tuple with a newer TSval is accepted at once, server ISN = old snd_nxt + 65537, no counter (M3)");
	struct twsyn x = { .lport = 41020, .lport2 = 41020, .shift = TS_SHIFT, .timeout_ms = 3000,
			   .min_gap_ms = 200 };
	uint32_t want;
	int32_t dist;

	if (!t)
		return;
	if (tw_then_syn(p, lfd, &x)) {
		verify_set(t, VS_FAIL, "%s", x.err);
		goto out;
	}
	t->data = twsyn_json(&x);
	want = x.srv_fin_seq + 1 + 65537;
	dist = (int32_t)(x.synack_seq - want);
	json_object_set_new(t->data, "synack_seq", json_integer(x.synack_seq));
	json_object_set_new(t->data, "old_snd_nxt", json_integer(x.srv_fin_seq + 1));
	json_object_set_new(t->data, "isn_minus_want", json_integer(dist));
	json_object_set_new(t->data, "syn_gap_ms", json_real(x.gap_ms));
	if (!accepted_at_once(t, &x))
		;	/* failed, with the reason */
	else if (!x.synack)
		verify_set(t, VS_FAIL, "no SYN-ACK seen");
	else
		verify_set(t, VS_PASS, "connected in %.2f ms, ISN %u = snd_nxt + 65537 %+d, SYNs %.0f ms apart",
			   x.c2.connect_ms, x.synack_seq, dist, x.gap_ms);
	/* 6.18 answers with snd_nxt + 65537 exactly, Debian's 6.1 with a fresh ISN; no version
	 * boundary is known (kernel-notes §4.3.1), so the ISN is behaviour, not judged. The label
	 * has a margin: with the SYNs >= 200 ms apart a fresh ISN lies >= 3 million (200 ms / 64
	 * ns) above the old ISN, so equality cannot happen by chance and anything within 2^20 but
	 * not equal is neither rule. */
	if (x.synack)
		verify_behaviour(t, "ISN from TIME_WAIT: %s",
				 !dist ? "snd_nxt + 65537 exactly" :
				 x.gap_ms < x.min_gap_ms ? "undecided (SYNs too close)" :
				 dist > -(1 << 20) && dist < (1 << 20) ?
				 "near snd_nxt + 65537, not equal" : "a fresh ISN, not derived from snd_nxt");
out:
	twsyn_free(&x);
	done(t, t0);
}

static void m4(struct verify_suite *s, struct vnet_lab *p, int lfd)
{
	double t0 = vnet_now_ms();
	struct verify_test *t = begin(s, "m4_other_port_older_ts",
				      "SYN with an older TSval from the same host but another source port is accepted at once: no per-host check (M4)");
	struct twsyn x = { .lport = 41030, .lport2 = 41031, .shift = -TS_SHIFT, .timeout_ms = 3000 };

	if (!t)
		return;
	if (tw_then_syn(p, lfd, &x)) {
		verify_set(t, VS_FAIL, "%s", x.err);
		goto out;
	}
	t->data = twsyn_json(&x);
	if (accepted_at_once(t, &x))
		verify_set(t, VS_PASS, "connected in %.2f ms with a TSval %u ticks older", x.c2.connect_ms,
			   TS_SHIFT);
out:
	twsyn_free(&x);
	done(t, t0);
}

static void m5(struct verify_suite *s, struct vnet_lab *p, int lfd, const struct verify_kver *kv)
{
	double t0 = vnet_now_ms();
	struct verify_test *t = begin(s, "m5_rfc1337_hard_fail",
				      "with server tcp_rfc1337=1 the older-TSval SYN never connects (ETIMEDOUT); each reject re-arms TIME_WAIT to 60 s (M5, §4.5)");
	struct twsyn x = { .lport = 41040, .lport2 = 41040, .shift = -TS_SHIFT, .syncnt = 1,
			   .timeout_ms = 20000 };
	int st = 0, left = 0, err;
	long n = 0;

	if (!t)
		return;
	err = vnet_sysctl_set(p->rt.server_fd, "net.ipv4.tcp_rfc1337", "1");
	if (err) {
		verify_set(t, VS_FAIL, "cannot set tcp_rfc1337: %s", strerror(-err));
		goto out;
	}
	err = tw_then_syn(p, lfd, &x);
	vnet_sock_state(p->rt.server_fd, PORT, x.lport, &st, &left);
	vnet_sysctl_set(p->rt.server_fd, "net.ipv4.tcp_rfc1337", "0");
	if (err) {
		verify_set(t, VS_FAIL, "%s", x.err);
		goto out;
	}
	t->data = twsyn_json(&x);
	json_object_set_new(t->data, "tw_left_ms", json_integer(st == TCP_TW ? left : -1));
	paws_counter(&x, &n);
	if (!x.c2.err)
		verify_set(t, VS_FAIL, "connected (in %.1f ms): the RST killed TIME_WAIT", x.c2.connect_ms);
	else if (x.c2.err != ETIMEDOUT)
		verify_set(t, VS_FAIL, "failed with %s, expected ETIMEDOUT", strerror(x.c2.err));
	else if (n < 2)
		verify_set(t, VS_FAIL, "%ld PAWS rejects counted, expected one per SYN (%d)", n, x.n_syn);
	else if (st != TCP_TW || left < 50000)
		verify_set(t, VS_FAIL, "server TIME_WAIT %s after the attempt (timer %d ms), expected re-armed to ~60 s",
			   st == TCP_TW ? "present" : "gone", left);
	else
		verify_set(t, VS_PASS, "ETIMEDOUT after %.1f s, %d SYNs, %ld %s, TIME_WAIT %d s left",
			   x.c2.connect_ms / 1e3, x.n_syn, n, verify_paws_tw_counter(kv), left / 1000);
out:
	twsyn_free(&x);
	done(t, t0);
}

/* SYN TSval seen by the server for a connection from client i, port lport, made now. */
static int syn_offset(struct vnet_lab *p, int lfd, int i, uint16_t lport, uint32_t *ret_off,
		      uint32_t *ret_tsval)
{
	struct vnet_cap cap;
	struct vnet_conn c;
	int afd, err = vnet_cap_open(p->rt.server_fd, p->rt.server_link, &cap);

	if (err)
		return err;
	err = vnet_connect(cl_fd(p, i), lport, srv_addr(p), PORT, CONNECT_MS, 0, &c);
	if (!err && c.err)
		err = -c.err;
	if (!err && !vnet_accept(lfd, CONNECT_MS, &afd))
		vnet_close_pair(c.fd, afd, CONNECT_MS);   /* client closes first: no server TW */
	vnet_cap_drain(&cap);
	if (!err)
		err = -ENOENT;
	for (size_t k = 0; k < cap.n && err == -ENOENT; k++)
		if (!cap.v[k].out && cap.v[k].sport == c.lport && cap.v[k].flags == TH_SYN &&
		    cap.v[k].has_ts) {
			*ret_tsval = cap.v[k].tsval;
			*ret_off = cap.v[k].tsval - (uint32_t)(uint64_t)c.t0_ms;
			err = 0;
		}
	vnet_cap_close(&cap);
	return err;
}

static void m8(struct verify_suite *s, struct vnet_lab *p, int lfd, const struct verify_kver *kv)
{
	double t0 = vnet_now_ms();
	struct verify_test *t = begin(s, "m8_ts_clock",
				      "with tcp_timestamps=2 the SYN TSval is CLOCK_MONOTONIC in ms, the same clock in every namespace (M8, §4.2)");
	struct verify_test *t2 = begin(s, "m8_ts_offsets",
				       "with tcp_timestamps=1 the TS offset is per 4-tuple, per host pair or none, as the kernel version says (M8, §2, §4.2)");
	const unsigned tol = 500;	/* ms between reading the clock and the SYN leaving (slow VMs) */
	uint32_t off[4], ts[4], oa, oc, tsa, tsc;
	const char *note;
	int err;

	if (t) {
		/* client c: tcp_timestamps=2; client a: =2 plus its BPF clock, moved to 0 */
		tsclock_set(p->rt.clock, cl_addr(p, 0), 0);
		err = syn_offset(p, lfd, 2, 41050, &oc, &tsc);
		if (!err)
			err = syn_offset(p, lfd, 0, 41051, &oa, &tsa);
		tsclock_set(p->rt.clock, cl_addr(p, 0), TS_BASE);
		if (err) {
			verify_set(t, VS_FAIL, "no SYN with a timestamp seen: %s", strerror(-err));
		} else {
			int32_t dc = (int32_t)oc, da = (int32_t)oa;

			t->data = json_pack("{s:I,s:I,s:i,s:i}", "tsval_c", (json_int_t)tsc,
					    "tsval_a", (json_int_t)tsa, "off_c_ms", dc, "off_a_ms", da);
			if (abs(dc) > (int)tol || abs(da) > (int)tol)
				verify_set(t, VS_FAIL, "TSval - monotonic ms = %d and %d, expected ~0 (tol %u)",
					   dc, da, tol);
			else
				verify_set(t, VS_PASS, "TSval - monotonic ms: %d (client c), %d (client a)",
					   dc, da);
		}
		done(t, t0);
	}
	if (!t2)
		return;
	t0 = vnet_now_ms();
	for (int i = 0; i < 4; i++) {
		err = syn_offset(p, lfd, 1, 41060 + i, &off[i], &ts[i]);
		if (err) {
			verify_set(t2, VS_FAIL, "no SYN with a timestamp from port %d: %s", 41060 + i,
				   strerror(-err));
			done(t2, t0);
			return;
		}
	}
	seen_tsoff = verify_tsoff_classify(off, 4, tol);
	unsigned allowed = verify_tsoff_allowed(kv, &note);

	t2->data = json_pack("{s:[I,I,I,I],s:s}", "offsets", (json_int_t)off[0],
			     (json_int_t)off[1], (json_int_t)off[2], (json_int_t)off[3], "rule", note);
	verify_behaviour(t2, "timestamp offsets: %s", verify_tsoff_str(seen_tsoff));
	if (allowed & seen_tsoff)
		verify_set(t2, VS_PASS, "offsets of 4 ports: %u %u %u %u; %s", off[0], off[1], off[2],
			   off[3], note);
	else
		verify_table_fail(t2, "offsets of 4 ports: %u %u %u %u; inconsistent with %d.%d.%d (%s)",
			   off[0], off[1], off[2], off[3], kv->major, kv->minor, kv->patch, note);
	done(t2, t0);
}

/* Client a makes a connection from lport (0: ephemeral, no SO_REUSEADDR; else bind(lport)
 * with SO_REUSEADDR) and closes first, so the client holds TIME_WAIT on it; *ret_port is the
 * local port. */
static int client_tw(struct vnet_lab *p, int lfd, uint16_t lport, uint16_t *ret_port)
{
	struct vnet_conn c;
	int afd, err = connect_accept(cl_fd(p, 0), lport, srv_addr(p), CONNECT_MS, lfd, &c, &afd);

	if (!err)
		err = vnet_close_pair(c.fd, afd, CONNECT_MS);	/* the client closes first */
	if (!err)
		err = vnet_wait_tw(cl_fd(p, 0), c.lport, PORT, TW_WAIT_MS);
	*ret_port = c.lport;
	return err;
}

/*
 * M9, three connects next to a client TIME_WAIT (docs/kernel-notes.md §4.6):
 * - ephemeral: __inet_hash_connect() asks tcp_twsk_unique() with twp set, and tcp_tw_reuse=2
 *   refuses a non-loopback TIME_WAIT, so the other port of the range is taken;
 * - bind(port) over a TIME_WAIT whose socket had no SO_REUSEADDR: bind() itself fails with
 *   EADDRINUSE (inet_csk_bind_conflict: the TIME_WAIT keeps tw_reuse = 0);
 * - bind(port) over a TIME_WAIT whose socket had SO_REUSEADDR: bind() passes, connect()
 *   finds the TIME_WAIT in __inet_check_established() and tcp_twsk_unique() with twp NULL
 *   takes it over whatever tcp_tw_reuse says: TWRecycled +1 and the TIME_WAIT is gone.
 */
static void m9(struct verify_suite *s, struct vnet_lab *p, int lfd, const struct verify_kver *kv)
{
	double t0 = vnet_now_ms();
	struct verify_test *t = begin(s, "m9_tw_reuse",
				      "tcp_tw_reuse=2 (default): connect() skips the client's TIME_WAIT port over veth; bind(port)+connect() takes it over when both sockets set SO_REUSEADDR (M9, §4.6)");
	struct counters b = { 0 }, a = { 0 };
	struct vnet_conn c2 = { .fd = -1 }, c5 = { .fd = -1 };
	char v[32] = "", range[32] = "";
	int afd, err, bind_err, fd = cl_fd(p, 0), want = verify_tw_reuse_default(kv), st = 0;
	uint16_t p1 = 0, p3 = 0;
	bool tw_left = false;
	long rec;

	if (!t)
		return;
	vnet_sysctl_get(fd, "net.ipv4.tcp_tw_reuse", v, sizeof(v));
	vnet_sysctl_get(fd, "net.ipv4.ip_local_port_range", range, sizeof(range));
	/* two ephemeral ports: the second connect must pick the one without TIME_WAIT */
	err = vnet_sysctl_set(fd, "net.ipv4.ip_local_port_range", "41100 41101");
	if (err) {
		verify_set(t, VS_FAIL, "cannot narrow ip_local_port_range: %s", strerror(-err));
		goto out;
	}
	err = client_tw(p, lfd, 0, &p1);
	if (err) {
		verify_set(t, VS_FAIL, "no client TIME_WAIT on port %u: %s", p1, strerror(-err));
		goto out;
	}
	err = vnet_connect(fd, 0, srv_addr(p), PORT, CONNECT_MS, 0, &c2);
	if (!err && !c2.err && !vnet_accept(lfd, CONNECT_MS, &afd))
		vnet_close_pair(afd, c2.fd, CONNECT_MS);
	/* bind over the TIME_WAIT of a socket without SO_REUSEADDR */
	{
		struct vnet_conn c3;

		bind_err = vnet_connect(fd, p1, srv_addr(p), PORT, CONNECT_MS, 0, &c3);
		if (!bind_err && !c3.err && !vnet_accept(lfd, CONNECT_MS, &afd))
			vnet_close_pair(afd, c3.fd, CONNECT_MS);
		else if (!bind_err && c3.err)
			bind_err = -c3.err;
	}
	/* bind over the TIME_WAIT of a socket with SO_REUSEADDR */
	err = client_tw(p, lfd, 41102, &p3);
	if (err) {
		verify_set(t, VS_FAIL, "no client TIME_WAIT on bound port 41102: %s", strerror(-err));
		goto out;
	}
	vnet_counters(fd, &b);
	err = vnet_connect(fd, p3, srv_addr(p), PORT, CONNECT_MS, 0, &c5);
	/* after the connect: is the old TIME_WAIT still hashed next to the new socket? */
	tw_left = !vnet_sock_state(fd, p3, PORT, &st, NULL) && st == TCP_TW;
	if (!err && !c5.err && !vnet_accept(lfd, CONNECT_MS, &afd))
		vnet_close_pair(afd, c5.fd, CONNECT_MS);
	vnet_counters(fd, &a);
	rec = vnet_delta(&b, &a, "TcpExtTWRecycled");
	t->data = json_pack("{s:s,s:i,s:i,s:s,s:s,s:s,s:I,s:b}", "tcp_tw_reuse", v, "tw_port", p1,
			    "ephemeral_port", c2.lport, "ephemeral", c2.err ? strerror(c2.err) : "ok",
			    "bind_no_reuseaddr", bind_err ? strerror(-bind_err) : "ok",
			    "bind_connect", err ? strerror(-err) : c5.err ? strerror(c5.err) : "ok",
			    "TWRecycled", (json_int_t)rec, "tw_left_beside", tw_left);
	verify_behaviour(t, "tcp_tw_reuse %s; bound connect over a TIME_WAIT: %s", v,
			 rec > 0 && !tw_left ? "recycles it" : tw_left ? "beside it, not counted"
								  : "TIME_WAIT gone, not counted");
	if (atoi(v) != want)
		verify_table_fail(t, "tcp_tw_reuse is %s, expected %d on %d.%d", v, want, kv->major,
			   kv->minor);
	else if (c2.err || c2.lport == p1)
		verify_set(t, VS_FAIL, "ephemeral connect: %s on port %u (TIME_WAIT port %u)",
			   c2.err ? strerror(c2.err) : "ok", c2.lport, p1);
	else if (bind_err != -EADDRINUSE)
		verify_set(t, VS_FAIL, "bind(%u) over a TIME_WAIT without SO_REUSEADDR: %s, expected EADDRINUSE",
			   p1, bind_err ? strerror(-bind_err) : "ok");
	else if (err || c5.err)
		verify_set(t, VS_FAIL, "bind(%u)+connect over a SO_REUSEADDR TIME_WAIT failed: %s", p3,
			   strerror(err ? -err : c5.err));
	else if (rec < 1 || tw_left)
		verify_set(t, VS_FAIL, "bind(%u)+connect: TWRecycled %+ld, old TIME_WAIT %s; expected recycled",
			   p3, rec, tw_left ? "still listed" : "gone");
	else
		verify_set(t, VS_PASS, "TIME_WAIT port %u skipped (got %u); bind(%u) EADDRINUSE; with SO_REUSEADDR bind(%u)+connect recycled it, TWRecycled %+ld",
			   p1, c2.lport, p1, p3, rec);
out:
	if (range[0]) {
		for (char *q = range; *q; q++)
			if (*q == '\t')
				*q = ' ';
		vnet_sysctl_set(fd, "net.ipv4.ip_local_port_range", range);
	}
	counters_free(&b);
	counters_free(&a);
	done(t, t0);
}

static void direct_probes(struct verify_suite *s, const struct verify_kver *kv)
{
	struct verify_test *t;
	struct vnet_lab p;
	int lfd = -1, err;

	err = plab_up(&p, direct_ini);
	if (!err)
		err = vnet_listen(p.rt.server_fd, PORT, &lfd);
	if (err) {
		t = begin(s, "m_lab", "the probe lab for M1-M5, M8, M9 comes up");
		/* -EOPNOTSUPP: this kernel cannot build it (one global tcp_timestamps, say) */
		if (t)
			verify_set(t, err == -EOPNOTSUPP ? VS_SKIP : VS_FAIL, "%s",
				   p.err[0] ? p.err : strerror(-err));
		done(t, vnet_now_ms());
		plab_down(&p);
		return;
	}
	m1(s, &p, kv);
	m8(s, &p, lfd, kv);
	m2(s, &p, lfd, kv);
	m3(s, &p, lfd);
	m4(s, &p, lfd);
	m5(s, &p, lfd, kv);
	m9(s, &p, lfd, kv);
	close(lfd);
	plab_down(&p);
}

/* ---------------------------------------------------------------- NAT: M6, M7, the regression */

static int peer_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t l = sizeof(sin);

	return getpeername(fd, (struct sockaddr *)&sin, &l) ? -1 : ntohs(sin.sin_port);
}

static void m6(struct verify_suite *s)
{
	static const char ini[] = "[server]\nport = 8080\n[router]\nnat = masquerade\n"
				  "[client a]\ntimestamps = kernel\n[client b]\ntimestamps = kernel\n";
	double t0 = vnet_now_ms();
	struct verify_test *t = begin(s, "m6_nat_ample_ports",
				      "MASQUERADE with free ports gives a second host with the same inside port another external port while the first is in TIME_WAIT (M6)");
	struct vnet_conn ca, cb;
	struct vnet_lab p;
	int lfd = -1, afd, pa = -1, pb = -1, err;

	if (!t)
		return;
	err = plab_up(&p, ini);
	if (!err)
		err = vnet_listen(p.rt.server_fd, PORT, &lfd);
	if (!err)
		err = connect_accept(cl_fd(&p, 0), 45000, srv_addr(&p), CONNECT_MS, lfd, &ca, &afd);
	if (!err) {
		pa = peer_port(afd);
		err = vnet_close_pair(afd, ca.fd, CONNECT_MS);
	}
	if (!err)
		err = vnet_wait_tw(p.rt.server_fd, PORT, pa, TW_WAIT_MS);
	if (!err)
		err = connect_accept(cl_fd(&p, 1), 45000, srv_addr(&p), CONNECT_MS, lfd, &cb, &afd);
	if (!err) {
		pb = peer_port(afd);
		vnet_close_pair(afd, cb.fd, CONNECT_MS);
	}
	if (err)
		verify_set(t, VS_FAIL, "%s", p.err[0] ? p.err : strerror(-err));
	else if (pa != 45000 || pb == pa)
		verify_set(t, VS_FAIL, "server saw ports %d then %d (inside port 45000 for both)", pa, pb);
	else
		verify_set(t, VS_PASS, "server saw %d (kept) then %d (rewritten): no colliding 4-tuple",
			   pa, pb);
	t->data = json_pack("{s:i,s:i}", "first_port", pa, "second_port", pb);
	if (lfd >= 0)
		close(lfd);
	plab_down(&p);
	done(t, t0);
}

static const char single_port_ini[] =
	"[server]\nport = 8080\n[router]\nnat = masquerade\nports = 40000\n"
	"[client a]\ntimestamps = kernel\n[client b]\ntimestamps = kernel\n";

enum m7_outcome { M7_NAT_DROP, M7_EVICT_M2, M7_EVICT_M3, M7_OTHER };

#define M7_TRIALS 10
#define M7_ROUNDS 3	/* rounds of M7_TRIALS before "no eviction" on a kernel that should evict */

/* One trial on server port sport of the single-port lab: host a's connection leaves the
 * server and the router's conntrack in TIME_WAIT on external port 40000, then host b connects
 * to the same server port. Each trial has its own server port, so they share one lab. */
static enum m7_outcome m7_trial(struct vnet_lab *p, int lfd, uint16_t sport, char *err_out,
				size_t len, double *ret_ms)
{
	struct vnet_conn ca, cb;
	struct counters sb = { 0 }, sa = { 0 };
	uint64_t d0 = 0, d1 = 0, i0 = 0, i1 = 0;
	enum m7_outcome o = M7_OTHER;
	int afd, err, ct = -1;

	err = vnet_connect(cl_fd(p, 0), 0, srv_addr(p), sport, CONNECT_MS, 0, &ca);
	if (!err && ca.err)
		err = -ca.err;
	if (!err)
		err = vnet_accept(lfd, CONNECT_MS, &afd);
	if (!err)
		err = vnet_close_pair(afd, ca.fd, CONNECT_MS);
	if (!err)
		err = vnet_wait_tw(p->rt.server_fd, sport, 40000, TW_WAIT_MS);
	if (err) {
		snprintf(err_out, len, "host a's connection to port %u: %s", sport, strerror(-err));
		return M7_OTHER;
	}
	/* The server is in TIME_WAIT once it sent the last ACK; the router's entry only once
	 * that ACK crossed it (LAST_ACK before), and only TIME_WAIT or CLOSE may be evicted
	 * (§4.7): without this wait a loaded host made an evicting kernel look as if it dropped. */
	err = vnet_wait_ct_state(p->rt.router_fd, sport, 40000, TCP_CONNTRACK_TIME_WAIT,
				 TW_WAIT_MS, &ct);
	if (err) {
		snprintf(err_out, len, "host a's conntrack entry to port %u: %s (state %s)", sport,
			 strerror(-err), ct < 0 ? "none" : ct_state_str(ct));
		return M7_OTHER;
	}
	vnet_counters(p->rt.server_fd, &sb);
	vnet_ct_stat(p->rt.router_fd, "drop", &d0);
	vnet_ct_stat(p->rt.router_fd, "insert_failed", &i0);
	/* an eviction connects within milliseconds (M2's resend is 2 jiffies); a drop at NAT
	 * is final for this SYN (the next comes after 1 s), so 600 ms tells them apart */
	err = vnet_connect(cl_fd(p, 1), 0, srv_addr(p), sport, 600, 0, &cb);
	if (!err && !cb.err && !vnet_accept(lfd, CONNECT_MS, &afd))
		vnet_close_pair(cb.fd, afd, CONNECT_MS);
	vnet_counters(p->rt.server_fd, &sa);
	vnet_ct_stat(p->rt.router_fd, "drop", &d1);
	vnet_ct_stat(p->rt.router_fd, "insert_failed", &i1);
	*ret_ms = cb.connect_ms;
	if (err)
		snprintf(err_out, len, "host b's connect: %s", strerror(-err));
	else if (cb.err && (d1 > d0 || i1 > i0))
		o = M7_NAT_DROP;
	else if (!cb.err)
		o = vnet_delta(&sb, &sa, "TcpExtPAWSTimewait") + vnet_delta(&sb, &sa, "TcpExtPAWSEstab") > 0
			    ? M7_EVICT_M2 : M7_EVICT_M3;
	else
		snprintf(err_out, len, "host b: %s without a conntrack drop", strerror(cb.err));
	counters_free(&sb);
	counters_free(&sa);
	return o;
}

static void m7(struct verify_suite *s, const struct verify_kver *kv)
{
	double t0 = vnet_now_ms(), ms = 0;
	struct verify_test *t = begin(s, "m7_nat_one_port",
				      "MASQUERADE to one port: host b's SYN while host a's conntrack is in TIME_WAIT is dropped at NAT or (6.5+) evicts it and meets the server's TIME_WAIT (M7, §4.7)");
	int trials = M7_TRIALS, n[4] = { 0 }, lfd[M7_ROUNDS * M7_TRIALS], done_n = 0, err;
	json_t *ms_list = json_array();
	char why[300] = "";
	struct vnet_lab p;

	if (!t)
		return;
	for (int i = 0; i < M7_ROUNDS * M7_TRIALS; i++)
		lfd[i] = -1;
	err = plab_up(&p, single_port_ini);
	for (int i = 0; i < M7_ROUNDS * M7_TRIALS && !err; i++)
		err = vnet_listen(p.rt.server_fd, PORT + i, &lfd[i]);
	if (err) {
		verify_set(t, VS_FAIL, "%s", p.err[0] ? p.err : strerror(-err));
		goto out;
	}
	/* Whether an evicting kernel evicts depends on host b's random ISN being after host a's
	 * (nf_seq_has_advanced()), so about half the trials of 6.5+ evict, and a kernel without
	 * 4589725502871 never does: one eviction decides "evicts", and "no eviction" needs every
	 * one of M7_TRIALS trials (an evicting kernel gives that with probability 2^-10). */
	/* Measured: on 6.18 under load, a run of 10 trials without an eviction happened, so the
	 * trials are not as independent as the ISN alone says: a kernel that should evict and has
	 * not yet gets up to M7_ROUNDS rounds before "no eviction" is concluded. */
	for (int i = 0; i < trials; i++) {
		enum m7_outcome o = m7_trial(&p, lfd[i], PORT + i, why, sizeof(why), &ms);

		n[o]++;
		done_n++;
		json_array_append_new(ms_list, json_real(ms));
		if (o == M7_OTHER)
			break;
		if (i + 1 == trials && trials < M7_ROUNDS * M7_TRIALS && verify_nat_evicts(kv) &&
		    !n[M7_EVICT_M2] && !n[M7_EVICT_M3])
			trials += M7_TRIALS;
	}
	t->data = json_pack("{s:i,s:i,s:i,s:i,s:i,s:o}", "trials", done_n, "nat_drop",
			    n[M7_NAT_DROP], "evict_paws", n[M7_EVICT_M2], "evict_accept",
			    n[M7_EVICT_M3], "other", n[M7_OTHER], "connect_ms", ms_list);
	ms_list = NULL;
	if (n[M7_OTHER]) {
		verify_set(t, VS_FAIL, "%s", why);
		goto out;
	}
	verify_behaviour(t, "port clash: %s", n[M7_EVICT_M2] + n[M7_EVICT_M3]
			 ? "evicts the closing conntrack" : "dropped at NAT (no eviction seen)");
	if (!verify_nat_evicts(kv) && n[M7_EVICT_M2] + n[M7_EVICT_M3])
		verify_table_fail(t, "eviction on %d.%d (< 6.5 has no 4589725502871)", kv->major,
				  kv->minor);
	else
		verify_set(t, VS_PASS, "%d trials: %d dropped at NAT, %d evicted + PAWS reject (M2), %d evicted + accepted (M3)",
			   trials, n[M7_NAT_DROP], n[M7_EVICT_M2], n[M7_EVICT_M3]);
out:
	json_decref(ms_list);
	for (int i = 0; i < M7_ROUNDS * M7_TRIALS; i++)
		if (lfd[i] >= 0)
			close(lfd[i]);
	plab_down(&p);
	done(t, t0);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The 2026 regression (§4.8): SNAT puts a new inside connection on the external port
 * of one the server still holds in TIME_WAIT; with per-4-tuple TS offsets its TSval is random
 * against the old one, so about half the reuses meet a PAWS reject, an RST and a resent SYN. */
static void regression(struct verify_suite *s, const struct verify_kver *kv)
{
	static const char ini[] =
		"[server]\nport = 8080\n[router]\nnat = masquerade\nports = 40000\n"
		/* the conntrack forgets a closed connection at once (default 120 s, c.5), so the
		 * next connection gets port 40000 while the server still holds it in TIME_WAIT */
		"sysctl.net.netfilter.nf_conntrack_tcp_timeout_time_wait = 0\n"
		"[client k]\ntimestamps = kernel\n";
	double t0 = vnet_now_ms();
	struct verify_test *t = begin(s, "nat_reuse_ts_regression",
				      "SNAT reusing an external port the server holds in TIME_WAIT, timestamps=1: PAWS rejects only with per-4-tuple offsets (2026 regression, §4.8)");
	int n = opts->quick ? 8 : 16, rejected = 0, reused = 0, err, lfd = -1;
	double ms[32], rej_ms = 0, ok_ms = 0, gone_ms = 0;
	long rsts = 0, paws = 0, synrt = 0;
	uint64_t ctdrop0 = 0, ctdrop1 = 0;
	const char *note, *ctr = NULL;
	char why[160] = "";
	struct vnet_lab p;

	if (!t)
		return;
	err = plab_up(&p, ini);
	if (!err)
		err = vnet_listen(p.rt.server_fd, PORT, &lfd);
	if (err) {
		verify_set(t, VS_FAIL, "%s", p.err[0] ? p.err : strerror(-err));
		goto out;
	}
	vnet_ct_stat(p.rt.router_fd, "insert_failed", &ctdrop0);
	for (int i = 0; i < n; i++) {
		struct counters sb = { 0 }, sa = { 0 }, cb = { 0 }, ca = { 0 };
		struct vnet_conn c;
		uint64_t if0 = 0, if1 = 0;
		int afd, pp, ct = -1;
		double tg;
		long dp;

		vnet_ct_stat(p.rt.router_fd, "insert_failed", &if0);
		vnet_counters(p.rt.server_fd, &sb);
		vnet_counters(cl_fd(&p, 0), &cb);
		err = connect_accept(cl_fd(&p, 0), 0, srv_addr(&p), 5000, lfd, &c, &afd);
		if (!err) {
			pp = peer_port(afd);
			reused += i > 0 && pp == 40000;
			err = vnet_close_pair(afd, c.fd, CONNECT_MS);
		}
		if (!err)
			err = vnet_wait_tw(p.rt.server_fd, PORT, 40000, TW_WAIT_MS);
		/* The next SYN may only come once the router has forgotten this mapping: its
		 * entry is LAST_ACK until the server's last ACK crossed it (§4.7), and on 4.11 a
		 * TIME_WAIT entry whose timeout (0) has passed stays hashed until the conntrack GC
		 * reaches its bucket (up to 16 s), and still clashes at confirm: the new SYN on the
		 * same reply tuple is dropped (insert_failed), again on each resend (§4.8). A
		 * ctnetlink dump removes the expired entries it meets, so the wait frees it. */
		tg = vnet_now_ms();
		if (!err)
			err = vnet_wait_ct_gone(p.rt.router_fd, PORT, 40000, TW_WAIT_MS, &ct);
		if (err == -ETIMEDOUT && ct >= 0)
			snprintf(why, sizeof(why),
				 "the router still lists its conntrack entry (%s) after %d ms",
				 ct_state_str(ct), TW_WAIT_MS);
		tg = vnet_now_ms() - tg;
		if (tg > gone_ms)
			gone_ms = tg;
		vnet_ct_stat(p.rt.router_fd, "insert_failed", &if1);
		vnet_counters(p.rt.server_fd, &sa);
		vnet_counters(cl_fd(&p, 0), &ca);
		dp = vnet_delta(&sb, &sa, "TcpExtPAWSTimewait");
		if (dp)
			ctr = "PAWSTimewait";
		else if ((dp = vnet_delta(&sb, &sa, "TcpExtPAWSEstab")))
			ctr = "PAWSEstab";
		paws += dp;
		rejected += dp > 0;
		rsts += vnet_delta(&cb, &ca, "TcpOutRsts");
		synrt += vnet_delta(&cb, &ca, "TcpExtTCPSynRetrans");
		ms[i] = c.connect_ms;
		if (dp > 0)
			rej_ms += c.connect_ms;
		else
			ok_ms += c.connect_ms;
		counters_free(&sb);
		counters_free(&sa);
		counters_free(&cb);
		counters_free(&ca);
		if (err) {
			verify_set(t, VS_FAIL, "connection %d: %s (router insert_failed %+ld)", i + 1,
				   why[0] ? why : strerror(-err), (long)(if1 - if0));
			goto out;
		}
	}
	vnet_ct_stat(p.rt.router_fd, "insert_failed", &ctdrop1);
	qsort(ms, n, sizeof(double), cmp_double);
	unsigned allowed = verify_tsoff_allowed(kv, &note);
	enum verify_tsoff off = seen_tsoff ? seen_tsoff : 0;
	bool present = rejected > 0;

	t->data = json_pack("{s:i,s:i,s:i,s:I,s:s?,s:I,s:I,s:f,s:f,s:f,s:f,s:I,s:f}",
			    "connections", n,
			    "reused_port", reused, "paws_rejected", rejected, "paws_counter",
			    (json_int_t)paws, "paws_counter_name", ctr, "client_TcpOutRsts",
			    (json_int_t)rsts, "client_TCPSynRetrans", (json_int_t)synrt,
			    "connect_ms_p50", ms[n / 2], "connect_ms_max", ms[n - 1],
			    "connect_ms_rejected_avg",
			    rejected ? rej_ms / rejected : 0.0, "connect_ms_clean_avg",
			    n - rejected ? ok_ms / (n - rejected) : 0.0, "nat_insert_failed",
			    (json_int_t)(ctdrop1 - ctdrop0), "ct_gone_ms_max", gone_ms);
	verify_behaviour(t, "2026 NAT regression: %s", present ? "present" : "absent");
	if (reused < n - 1) {
		verify_set(t, VS_FAIL, "only %d of %d connections reused external port 40000", reused,
			   n - 1);
	} else if (present && !(off ? off & TSOFF_4TUPLE : allowed & TSOFF_4TUPLE)) {
		verify_table_fail(t, "%d PAWS rejects although offsets are %s (%s)", rejected,
			   off ? verify_tsoff_str(off) : "per host pair", note);
	} else if (present) {
		verify_set(t, VS_PASS, "%d/%d reused-port connects PAWS-rejected (%s %+ld, client RSTs %+ld): connect %.2f ms avg vs %.2f ms clean, max %.1f ms",
			   rejected, reused, ctr, paws, rsts, rej_ms / rejected,
			   n - rejected ? ok_ms / (n - rejected) : 0.0, ms[n - 1]);
	} else {
		char offs[200];

		/* without M8 (--only, or 4.11 where the direct lab cannot run) the version says */
		if (off)
			snprintf(offs, sizeof(offs), "offsets %s%s", verify_tsoff_str(off),
				 off == TSOFF_4TUPLE ? ": NAT seems to recompute the offset (fixed)" : "");
		else
			snprintf(offs, sizeof(offs), "offsets not measured; %s", note);
		verify_set(t, VS_PASS, "0/%d reused-port connects PAWS-rejected (%s); connect p50 %.2f ms, max %.1f ms",
			   reused, offs, ms[n / 2], ms[n - 1]);
	}
out:
	if (lfd >= 0)
		close(lfd);
	plab_down(&p);
	done(t, t0);
}

int verify_probes_part(struct verify_suite *s, const struct verify_kver *kv,
		       const struct verify_opts *o, unsigned parts)
{
	opts = o;
	if ((parts & VP_DIRECT) && (wanted("m1") || wanted("m2") || wanted("m3") || wanted("m4") ||
				    wanted("m5") || wanted("m8") || wanted("m9")))
		direct_probes(s, kv);
	if ((parts & VP_M6) && wanted("m6"))
		m6(s);
	if ((parts & VP_M7) && wanted("m7"))
		m7(s, kv);
	/* after M8 in the same process: the regression checks itself against M8's finding */
	if ((parts & VP_REGRESSION) && wanted("nat_reuse"))
		regression(s, kv);
	return 0;
}

int verify_probes(struct verify_suite *s, const struct verify_kver *kv,
		  const struct verify_opts *o)
{
	return verify_probes_part(s, kv, o, VP_DIRECT | VP_M6 | VP_M7 | VP_REGRESSION);
}

void verify_kernel(char *release, size_t len, struct verify_kver *ret)
{
	struct verify_kver kv = { 0 };
	struct utsname u;

	if (uname(&u)) {
		snprintf(release, len, "unknown");
		*ret = kv;
		return;
	}
	verify_kver_parse(u.release, &kv);
	/* Debian: uname -r is the ABI name (6.1.0-56-amd64), the version is in uname -v */
	if (verify_kver_from_version(u.version, &kv))
		snprintf(release, len, "%s (%d.%d.%d)", u.release, kv.major, kv.minor, kv.patch);
	else
		snprintf(release, len, "%s", u.release);
	*ret = kv;
}
