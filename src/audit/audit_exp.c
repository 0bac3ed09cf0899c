// SPDX-License-Identifier: GPL-2.0
/*
 * audit_exp: the experiments behind `twlab audit`. Each line gets a lab of its own (run/vnet.h,
 * like verify's probes): a server and two clients on one bridge, "w" that gets the file's value
 * and "o" that keeps the fresh namespace's default; keys the server reads are set in the
 * server's namespace, with a measurement before and after. Nothing is ever written outside lab
 * namespaces: the host's value is only read. What a key changes is read off real sockets: timers
 * through sock_diag (idiag_expires, so nothing waits 60 s), connects, captures and counters.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include "audit/audit.h"
#include "lab/sysctl.h"
#include "run/vnet.h"

#define PORT 8080
#define CONNECT_MS 2000
#define ST(s) (1u << (s))
enum { S_EST = 1, S_SYN_RECV = 3, S_FIN_WAIT2 = 5, S_TIME_WAIT = 6, S_LISTEN = 10 };
#define TW_SAME_MS 1500          /* two TIME_WAIT timers this close are the same 60 s */

/* tcp_tw_recycle: the clients share one NAT address */
static const char nat_ini[] =
	"[lab]\nduration = 1s\n"
	"[server]\nport = 8080\n"
	"[router]\nnat = masquerade\n"
	"[client w]\ntimestamps = kernel\n"
	"[client o]\ntimestamps = kernel\n";

static const char lab_ini[] =
	"[lab]\nduration = 1s\n"
	"[server]\nport = 8080\n"
	"[client w]\ntimestamps = kernel\n"   /* gets the file's value */
	"[client o]\ntimestamps = kernel\n";  /* keeps the namespace's default */

struct ctx {
	struct vnet_lab p;
	int w, o, s;                 /* namespace fds */
	uint32_t srv, w_addr, o_addr;
	int lfd;                     /* listener on PORT */
	struct audit_line *l;
	long v;                      /* the value, for AK_INT keys */
};

static const struct audit_opts *opts;
static int lab_seq;

static void say(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}
#define MEASURED(x, ...) say((x)->l->measured, sizeof((x)->l->measured), __VA_ARGS__)
#define WHY(x, ...) say((x)->l->why, sizeof((x)->l->why), __VA_ARGS__)

static void nap(int ms)
{
	poll(NULL, 0, ms);   /* the kernel has no event for "a timer moved": poll with a deadline */
}

/* Close with a RST, freeing the socket at once: a user socket holds its namespace, and an
 * orphan retransmitting into a dropped path would keep the lab's namespace alive for minutes. */
static void abort_close(int fd)
{
	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &(struct linger){ 1, 0 }, sizeof(struct linger));
	close(fd);
}

static double secs(long ms)
{
	return ms / 1e3;
}

static int set(int ns, const char *key, const char *value)
{
	return vnet_sysctl_set(ns, key, value);
}

static int set_long(int ns, const char *key, long v)
{
	char b[32];

	snprintf(b, sizeof(b), "%ld", v);
	return set(ns, key, b);
}

static long get_long(int ns, const char *key)
{
	char b[64];

	return vnet_sysctl_get(ns, key, b, sizeof(b)) ? -1 : atol(b);
}

/* Connect from ns to the server's port and accept: 0 only when both ends exist. */
static int pair(struct ctx *x, int ns, int lfd, uint16_t port, struct vnet_conn *c, int *ret_afd)
{
	int err = vnet_connect(ns, 0, x->srv, port, CONNECT_MS, 0, c);

	if (!err && c->err)
		err = -c->err;
	if (!err)
		err = vnet_accept(lfd, CONNECT_MS, ret_afd);
	if (err && c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
	return err;
}

/* One connection from ns; the client (server_closes false) or the server closes first and
 * holds TIME_WAIT; *ret_ms is the time left on its TIME_WAIT timer (sock_diag). */
static int tw_left(struct ctx *x, int ns, bool server_closes, long *ret_ms)
{
	struct vnet_diag d;
	struct vnet_conn c;
	int afd, err = pair(x, ns, x->lfd, PORT, &c, &afd);

	if (err)
		return err;
	err = server_closes ? vnet_close_pair(afd, c.fd, CONNECT_MS)
			    : vnet_close_pair(c.fd, afd, CONNECT_MS);
	if (!err && server_closes)
		err = vnet_wait_tw(x->s, PORT, c.lport, CONNECT_MS);
	else if (!err)
		err = vnet_wait_tw(ns, c.lport, PORT, CONNECT_MS);
	if (!err)
		err = server_closes ? vnet_diag_find(x->s, ST(S_TIME_WAIT), PORT, c.lport, &d)
				    : vnet_diag_find(ns, ST(S_TIME_WAIT), c.lport, PORT, &d);
	if (!err)
		*ret_ms = d.expires_ms;
	return err;
}

static bool same_tw(long a, long b)
{
	return labs(a - b) < TW_SAME_MS;
}

static int fail_exp(struct ctx *x, int err, const char *what)
{
	x->l->verdict = AV_NOT_MEASURED;
	WHY(x, "the experiment could not run: %s: %s", what, strerror(-err));
	return err;
}

/* ------------------------------------------------------------------ tcp_fin_timeout */

/* The client closes, the server never does: the client's orphaned FIN_WAIT2 and its timer. */
static int fin_wait2(struct ctx *x, int ns, struct vnet_diag *ret, uint16_t *ret_lport, int *keep)
{
	double end = vnet_now_ms() + CONNECT_MS;
	struct vnet_conn c;
	int err = pair(x, ns, x->lfd, PORT, &c, keep);

	if (err)
		return err;
	close(c.fd);
	*ret_lport = c.lport;
	while ((err = vnet_diag_find(ns, ST(S_FIN_WAIT2), c.lport, PORT, ret)) == -ENOENT &&
	       vnet_now_ms() < end)
		nap(2);
	return err;
}

static int exp_fin_timeout(struct ctx *x)
{
	struct vnet_diag dw, dd;
	long tww, two, gone_ms = -1;
	uint16_t lport;
	int kw = -1, ko = -1, err;

	err = set(x->w, x->l->key, x->l->value);
	if (!err)
		err = fin_wait2(x, x->w, &dw, &lport, &kw);
	if (!err)
		err = fin_wait2(x, x->o, &dd, &(uint16_t){ 0 }, &ko);
	if (!err)
		err = tw_left(x, x->w, false, &tww);
	if (!err)
		err = tw_left(x, x->o, false, &two);
	if (err)
		goto out;
	if (x->v <= 3) {
		/* short enough to watch it go for real */
		double t0 = vnet_now_ms() - (x->v * 1000.0 - dw.expires_ms), end = t0 + x->v * 1000 + 3000;
		struct vnet_diag d;

		while (!vnet_diag_find(x->w, ST(S_FIN_WAIT2), lport, PORT, &d) && vnet_now_ms() < end)
			nap(5);
		if (vnet_now_ms() < end)
			gone_ms = (long)(vnet_now_ms() - t0);
	}
	x->l->data = json_pack("{s:i,s:i,s:i,s:i,s:I,s:I,s:I}", "fin_wait2_left_ms", dw.expires_ms,
			       "fin_wait2_left_ms_without", dd.expires_ms, "fin_wait2_timer", dw.timer,
			       "fin_wait2_timer_without", dd.timer, "time_wait_left_ms",
			       (json_int_t)tww, "time_wait_left_ms_without", (json_int_t)two,
			       "fin_wait2_gone_after_ms", (json_int_t)gone_ms);
	MEASURED(x, "FIN_WAIT2 against a peer that never closes: %.1f s left (%.1f s without)%s; "
		 "TIME_WAIT: %.1f s left (%.1f s without)",
		 secs(dw.expires_ms), secs(dd.expires_ms),
		 gone_ms >= 0 ? ", gone for real" : "", secs(tww), secs(two));
	if (gone_ms >= 0)
		say(x->l->measured + strlen(x->l->measured),
		    sizeof(x->l->measured) - strlen(x->l->measured), "; the FIN_WAIT2 socket was gone %.2f s after the close",
		    secs(gone_ms));
	if (same_tw(tww, two)) {
		x->l->verdict = AV_NO_TW;
		WHY(x, "tcp_fin_timeout is how long an orphaned FIN_WAIT2 socket waits for the peer's FIN "
		       "(tcp_fin_time(), read by tcp_close() in net/ipv4/tcp.c and tcp_rcv_state_process() "
		       "in net/ipv4/tcp_input.c); TIME_WAIT is armed by tcp_time_wait() "
		       "(net/ipv4/tcp_minisocks.c) for TCP_TIMEWAIT_LEN, 60 s, whatever this value");
	} else {
		x->l->verdict = AV_CLAIMED;
		WHY(x, "on this kernel the value moved the TIME_WAIT timer (%.1f s against %.1f s): "
		       "tcp_time_wait() (net/ipv4/tcp_minisocks.c) no longer uses a fixed TCP_TIMEWAIT_LEN",
		    secs(tww), secs(two));
	}
out:
	abort_close(kw);
	abort_close(ko);
	return err ? fail_exp(x, err, "FIN_WAIT2 / TIME_WAIT connection") : 0;
}

/* ------------------------------------------------------------------ tcp_tw_reuse */

#define FILL_LO 40000
#define FILL_N 4

/* Narrow ns's local ports to n and leave each in TIME_WAIT (the client closes first);
 * *ret_t0 is when the first (the oldest) entered TIME_WAIT. */
static int fill_ports(struct ctx *x, int ns, int n, double *ret_t0)
{
	char range[32];
	int err;

	snprintf(range, sizeof(range), "%d %d", FILL_LO, FILL_LO + n - 1);
	err = set(ns, "net.ipv4.ip_local_port_range", range);
	for (int i = 0; i < n && !err; i++) {
		struct vnet_conn c;
		int afd;

		err = pair(x, ns, x->lfd, PORT, &c, &afd);
		if (!err)
			err = vnet_close_pair(c.fd, afd, CONNECT_MS);
		if (!err)
			err = vnet_wait_tw(ns, c.lport, PORT, CONNECT_MS);
		if (!err && i == 0)
			*ret_t0 = vnet_now_ms();
	}
	return err;
}

/* One connect from ns with every local port in TIME_WAIT: 0 connected (and closed, server
 * first so no new client TIME_WAIT), or the connect's errno (EADDRNOTAVAIL). */
static int try_connect(struct ctx *x, int ns, uint16_t *ret_lport)
{
	struct vnet_conn c;
	int afd, err = vnet_connect(ns, 0, x->srv, PORT, CONNECT_MS, 0, &c);

	if (err)
		return -err;
	if (c.err)
		return c.err;
	*ret_lport = c.lport;
	if (!vnet_accept(x->lfd, CONNECT_MS, &afd))
		vnet_close_pair(afd, c.fd, CONNECT_MS);
	else
		close(c.fd);
	return 0;
}

/* Retry connects from ns until one takes a TIME_WAIT port or deadline_ms after t0 (when the
 * oldest TIME_WAIT began); *ret_ms is its age then. */
static int reuse_after(struct ctx *x, int ns, double t0, int deadline_ms, long *ret_ms)
{
	uint16_t lport;
	int e;

	for (;;) {
		e = try_connect(x, ns, &lport);
		if (!e) {
			*ret_ms = (long)(vnet_now_ms() - t0);
			return 0;
		}
		if (vnet_now_ms() - t0 > deadline_ms)
			return e;
		nap(20);
	}
}

static int exp_tw_reuse(struct ctx *x)
{
	struct counters cb = { 0 }, ca = { 0 };
	long s0 = 0, s1 = 0, age = -1, rec;
	char sdef[16];
	uint16_t lport;
	int err, e_without, e_with = 0;
	double t0 = 0;

	/* the server side first: its TIME_WAIT with and without the value */
	snprintf(sdef, sizeof(sdef), "%ld", get_long(x->s, x->l->key));
	err = tw_left(x, x->o, true, &s0);
	if (!err)
		err = set(x->s, x->l->key, x->l->value);
	if (!err)
		err = tw_left(x, x->o, true, &s1);
	set(x->s, x->l->key, sdef);
	if (err)
		return fail_exp(x, err, "server TIME_WAIT");
	/* the client side: every local port in TIME_WAIT, then one more connect */
	err = fill_ports(x, x->w, FILL_N, &t0);
	if (err)
		return fail_exp(x, err, "filling the client's ports with TIME_WAIT");
	e_without = try_connect(x, x->w, &lport);
	err = set(x->w, x->l->key, x->l->value);
	if (err)
		return fail_exp(x, err, "setting the value in the client's namespace");
	vnet_counters(x->w, &cb);
	e_with = reuse_after(x, x->w, t0, 3000, &age);
	vnet_counters(x->w, &ca);
	rec = vnet_delta(&cb, &ca, "TcpExtTWRecycled");
	counters_free(&cb);
	counters_free(&ca);
	x->l->data = json_pack("{s:i,s:s,s:s,s:I,s:I,s:I,s:I}", "client_ports", FILL_N,
			       "connect_without", e_without ? strerror(e_without) : "ok",
			       "connect_with", e_with ? strerror(e_with) : "ok",
			       "reused_after_ms", (json_int_t)age, "TWRecycled", (json_int_t)rec,
			       "server_time_wait_left_ms", (json_int_t)s1,
			       "server_time_wait_left_ms_without", (json_int_t)s0);
	MEASURED(x, "a client with its %d local ports in TIME_WAIT: connect() without it: %s; with it: %s",
		 FILL_N, e_without ? strerror(e_without) : "connected", e_with ? strerror(e_with) : "connected");
	if (!e_with && age >= 0)
		say(x->l->measured + strlen(x->l->measured), sizeof(x->l->measured) - strlen(x->l->measured),
		    ", on a TIME_WAIT port %.2f s old (TWRecycled %+ld)", secs(age), rec);
	say(x->l->measured + strlen(x->l->measured), sizeof(x->l->measured) - strlen(x->l->measured),
	    "; server TIME_WAIT %.1f s left (%.1f s without)", secs(s1), secs(s0));
	if (!e_with && e_without && same_tw(s0, s1)) {
		x->l->verdict = AV_CLAIMED;
		WHY(x, "for outgoing connections only: connect() takes the port of a TIME_WAIT socket "
		       "that has timestamps and is older than a second (tcp_twsk_unique() in "
		       "net/ipv4/tcp_ipv4.c, from __inet_check_established() in "
		       "net/ipv4/inet_hashtables.c); a server's own TIME_WAIT is untouched");
	} else if (e_with) {
		x->l->verdict = AV_NO_TW;
		WHY(x, "with %s connect() still found no port: tcp_twsk_unique() (net/ipv4/tcp_ipv4.c) "
		       "reuses a TIME_WAIT port only with 1, or with 2 for loopback traffic; "
		       "the server's TIME_WAIT is untouched either way", x->l->value);
	} else {
		x->l->verdict = AV_NO_TW;
		WHY(x, "the default already reused the port or the server's TIME_WAIT changed: "
		       "nothing this value changes about TIME_WAIT (tcp_twsk_unique() in net/ipv4/tcp_ipv4.c)");
	}
	return 0;
}

/* tcp_tw_reuse_delay (6.13+): how old a TIME_WAIT must be before tw_reuse takes its port. */
static int exp_tw_reuse_delay(struct ctx *x)
{
	long agew = -1, ageo = -1, dflt = get_long(x->o, x->l->key);
	int err, ew, eo;
	double t0 = 0, t1 = 0;

	if (x->v > 5000) {
		x->l->verdict = AV_NOT_MEASURED;
		WHY(x, "a delay of %ld ms is too long for the audit to wait for", x->v);
		return 0;
	}
	err = set(x->w, x->l->key, x->l->value);
	if (!err)
		err = set(x->w, "net.ipv4.tcp_tw_reuse", "1");
	if (!err)
		err = set(x->o, "net.ipv4.tcp_tw_reuse", "1");
	if (!err)
		err = fill_ports(x, x->w, 2, &t0);
	if (!err)
		err = fill_ports(x, x->o, 2, &t1);
	if (err)
		return fail_exp(x, err, "filling the clients' ports with TIME_WAIT");
	ew = reuse_after(x, x->w, t0, (int)x->v + 2000, &agew);
	eo = reuse_after(x, x->o, t1, (int)dflt + 2000, &ageo);
	x->l->data = json_pack("{s:I,s:I,s:I,s:s,s:s}", "reused_after_ms", (json_int_t)agew,
			       "reused_after_ms_without", (json_int_t)ageo, "default_ms",
			       (json_int_t)dflt, "connect_with", ew ? strerror(ew) : "ok",
			       "connect_without", eo ? strerror(eo) : "ok");
	MEASURED(x, "tcp_tw_reuse=1, every local port in TIME_WAIT: connect() took a TIME_WAIT port "
		 "after %.2f s (%.2f s without, default %ld ms)", secs(agew), secs(ageo), dflt);
	if (!ew && !eo && agew < ageo - 200) {
		x->l->verdict = AV_CLAIMED;
		WHY(x, "with tcp_tw_reuse on, tcp_twsk_unique() (net/ipv4/tcp_ipv4.c) lets connect() "
		       "take a TIME_WAIT port once it is this many ms old instead of 1 s: outgoing "
		       "connections only; TIME_WAIT itself still lasts 60 s");
	} else {
		x->l->verdict = AV_NO_TW;
		WHY(x, "the TIME_WAIT port was not taken sooner than with the default (tcp_twsk_unique() "
		       "in net/ipv4/tcp_ipv4.c)");
	}
	return 0;
}

/* ------------------------------------------------------------------ tcp_tw_recycle */

/* Behind one MASQUERADE address, a and b each have their own timestamp clock (a kernel with
 * tcp_tw_recycle has per-host or no offsets; two hosts' clocks differ either way). Connections
 * a, b, a, each closed by the server first: with tw_recycle the server remembers the peer's last
 * timestamp when it enters TIME_WAIT (tcp_remember_stamp()), and a SYN from the same address
 * with an older one is dropped, so b or the second a cannot connect. */
static int recycle_round(struct ctx *x, int *ret_failed, long *ret_paws, double *ret_fail_ms)
{
	struct counters b = { 0 }, a = { 0 };
	int order[3] = { x->w, x->o, x->w }, err = vnet_counters(x->s, &b);

	*ret_failed = 0;
	for (int i = 0; i < 3 && !err; i++) {
		struct vnet_conn c;
		int afd;

		err = vnet_connect(order[i], 0, x->srv, PORT, 1500, 1, &c);
		if (err)
			break;
		if (c.err) {
			(*ret_failed)++;
			*ret_fail_ms = c.connect_ms;
			continue;
		}
		if (vnet_accept(x->lfd, CONNECT_MS, &afd)) {
			abort_close(c.fd);
			continue;
		}
		vnet_close_pair(afd, c.fd, CONNECT_MS);   /* the server closes first */
		nap(20);   /* the last ACK reaches the server: its TIME_WAIT and the record exist */
	}
	vnet_counters(x->s, &a);
	*ret_paws = vnet_delta(&b, &a, "TcpExtPAWSPassive") + vnet_delta(&b, &a, "TcpExtPAWSPassiveRejected");
	counters_free(&b);
	counters_free(&a);
	return err;
}

static int exp_tw_recycle_nat(struct ctx *x)
{
	int f0 = 0, f1 = 0, err;
	long p0 = 0, p1 = 0;
	double ms = 0;
	char dflt[16];

	snprintf(dflt, sizeof(dflt), "%ld", get_long(x->s, x->l->key));
	err = recycle_round(x, &f0, &p0, &ms);
	if (!err)
		err = set(x->s, x->l->key, x->l->value);
	if (!err)
		err = recycle_round(x, &f1, &p1, &ms);
	set(x->s, x->l->key, dflt);
	if (err)
		return fail_exp(x, err, "connections through NAT");
	x->l->data = json_pack("{s:i,s:i,s:I,s:i,s:I,s:f}", "connects", 3, "failed", f1,
			       "PAWSPassive", (json_int_t)p1, "failed_without", f0,
			       "PAWSPassive_without", (json_int_t)p0, "failed_connect_ms", ms);
	MEASURED(x, "two clients behind one MASQUERADE address, connections a, b, a, each closed by "
		 "the server: %d of 3 failed (%ld SYNs dropped by PAWS); without: %d failed", f1, p1, f0);
	if (f1 > 0 && f0 == 0) {
		x->l->verdict = AV_HARMFUL_NAT;
		WHY(x, "the server remembers each peer address's last timestamp when it enters "
		       "TIME_WAIT and drops SYNs from that address with an older one "
		       "(tcp_conn_request() in net/ipv4/tcp_input.c, tcp_peer_is_proven() in "
		       "net/ipv4/tcp_metrics.c): hosts behind one NAT address do not share a clock, so "
		       "all but one are locked out, silently");
	} else {
		x->l->verdict = AV_NO_TW;
		WHY(x, "no connection behind NAT was refused with this value (tcp_conn_request() in "
		       "net/ipv4/tcp_input.c only checks peers with tcp_tw_recycle on)");
	}
	return 0;
}

/* ------------------------------------------------------------------ keepalive */

static const char *const ka_key[] = { "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_keepalive_intvl",
				       "net.ipv4.tcp_keepalive_probes" };

/* An idle connection from ns with SO_KEEPALIVE (keepalive on) or without. */
static int idle_conn(struct ctx *x, int ns, bool keepalive, struct vnet_conn *c, int *ret_afd)
{
	int err = pair(x, ns, x->lfd, PORT, c, ret_afd);

	if (!err && keepalive &&
	    setsockopt(c->fd, SOL_SOCKET, SO_KEEPALIVE, &(int){ 1 }, sizeof(int)))
		err = -errno;
	return err;
}

static int drop_to_server(struct ctx *x)
{
	char err[256];

	/* the server stops answering: keepalive probes go unanswered */
	return vnet_nft(x->s, "table ip au_audit {\n chain input {\n"
			      "  type filter hook input priority 0; policy accept;\n"
			      "  tcp dport 8080 drop\n }\n}\n", err, sizeof(err));
}

/* Probes (pure ACKs, no payload) from lport seen arriving at the server since mark. */
static int probes_seen(struct vnet_cap *cap, size_t mark, uint16_t lport, double *t, int max,
		       bool *ret_rst)
{
	int n = 0;

	vnet_cap_drain(cap);
	for (size_t i = mark; i < cap->n; i++) {
		const struct vnet_pkt *k = &cap->v[i];

		if (k->out || k->sport != lport)
			continue;
		if (k->flags & 0x04)
			*ret_rst = true;
		else if (k->flags == 0x10 && k->payload == 0 && n < max)
			t[n++] = k->t_ms;
	}
	return n;
}

static int exp_keepalive(struct ctx *x, int which)
{
	struct vnet_cap cap = { .fd = -1 };
	struct vnet_conn cw = { .fd = -1 }, co = { .fd = -1 }, cn = { .fd = -1 };
	struct vnet_diag dw = { 0 }, dn = { 0 }, d2 = { 0 };
	struct counters cb = { 0 }, ca = { 0 };
	long tww = 0, two = 0, dflt = get_long(x->w, x->l->key);
	int aw = -1, ao = -1, an = -1, err, nprobe = 0, probes = (int)x->v;
	double t[16], t_drop = 0, t_dead = -1;
	bool rst = false;
	size_t mark = 0;

	/* TIME_WAIT first, with the value applied and without */
	err = set(x->w, x->l->key, x->l->value);
	if (!err)
		err = tw_left(x, x->w, false, &tww);
	if (!err)
		err = tw_left(x, x->o, false, &two);
	if (err)
		return fail_exp(x, err, "TIME_WAIT connection");

	if (which == 0) {
		/* the timer of an idle connection: with the value, without, and without SO_KEEPALIVE */
		err = idle_conn(x, x->w, true, &cw, &aw);
		if (!err)
			err = idle_conn(x, x->o, true, &co, &ao);
		if (!err)
			err = idle_conn(x, x->w, false, &cn, &an);
		if (!err)
			err = vnet_diag_find(x->w, ST(S_EST), cw.lport, PORT, &dw);
		if (!err)
			err = vnet_diag_find(x->o, ST(S_EST), co.lport, PORT, &d2);
		if (!err)
			err = vnet_diag_find(x->w, ST(S_EST), cn.lport, PORT, &dn);
		if (err) {
			fail_exp(x, err, "idle connection");
			goto out;
		}
		x->l->data = json_pack("{s:i,s:i,s:i,s:i,s:i,s:I,s:I}", "keepalive_timer_ms",
				       dw.expires_ms, "keepalive_timer_ms_without", d2.expires_ms,
				       "timer_kind", dw.timer, "timer_kind_without_SO_KEEPALIVE",
				       dn.timer, "timer_ms_without_SO_KEEPALIVE", dn.expires_ms,
				       "time_wait_left_ms", (json_int_t)tww,
				       "time_wait_left_ms_without", (json_int_t)two);
		MEASURED(x, "idle connection with SO_KEEPALIVE: first probe due in %.1f s (%.1f s without); "
			 "without SO_KEEPALIVE: %s; TIME_WAIT %.1f s left (%.1f s without)",
			 secs(dw.expires_ms), secs(d2.expires_ms),
			 dn.timer == 2 ? "a keepalive timer too" : "no keepalive timer at all",
			 secs(tww), secs(two));
	} else {
		/* unanswered probes, timed on the wire with short values */
		int ka[3] = { 1, which == 1 ? (int)x->v : 1, which == 2 ? probes : 9 };

		if (which == 2 && probes > 4)
			ka[2] = 4;   /* the count is the mechanism; 4 keeps it fast */
		for (int i = 0; i < 3 && !err; i++)
			err = set_long(x->w, ka_key[i], ka[i]);
		if (!err)
			err = vnet_cap_open(x->s, x->p.rt.server_link, &cap);
		if (!err)
			err = idle_conn(x, x->w, true, &cw, &aw);
		if (!err)
			err = drop_to_server(x);
		if (err) {
			fail_exp(x, err, "keepalive connection");
			goto out;
		}
		vnet_cap_drain(&cap);
		mark = cap.n;
		t_drop = vnet_now_ms();
		vnet_counters(x->w, &cb);
		if (which == 1) {
			/* the first probe after keepalive_time = 1 s, then the timer says when the next */
			double end = t_drop + 3000;

			while (!probes_seen(&cap, mark, cw.lport, t, 1, &rst) && vnet_now_ms() < end)
				nap(10);
			nap(20);
			err = vnet_diag_find(x->w, ST(S_EST), cw.lport, PORT, &dw);
			if (!err && x->v <= 2) {
				end = vnet_now_ms() + x->v * 1000 + 1500;
				while (probes_seen(&cap, mark, cw.lport, t, 2, &rst) < 2 &&
				       vnet_now_ms() < end)
					nap(10);
			}
			nprobe = probes_seen(&cap, mark, cw.lport, t, 16, &rst);
			if (err || nprobe < 1) {
				fail_exp(x, err ? err : -ETIMEDOUT, "first keepalive probe");
				goto out;
			}
			x->l->data = json_pack("{s:i,s:i,s:f,s:I,s:I}", "probes_seen", nprobe,
					       "next_probe_due_ms", dw.expires_ms, "interval_ms",
					       nprobe >= 2 ? t[1] - t[0] : -1.0, "time_wait_left_ms",
					       (json_int_t)tww, "time_wait_left_ms_without",
					       (json_int_t)two);
			MEASURED(x, "unanswered idle connection (keepalive_time 1 s): first probe, then the next "
				 "due in %.1f s (default %ld s); TIME_WAIT %.1f s left (%.1f s without)",
				 secs(dw.expires_ms), dflt, secs(tww), secs(two));
			if (nprobe >= 2)
				say(x->l->measured + strlen(x->l->measured),
				    sizeof(x->l->measured) - strlen(x->l->measured),
				    "; probes %.2f s apart on the wire", (t[1] - t[0]) / 1e3);
		} else {
			/* until the connection is declared dead */
			double end = t_drop + 1000 + ka[2] * 1000 + 3000;
			struct pollfd pf = { .fd = cw.fd, .events = POLLIN };
			int soerr = 0;

			while (vnet_now_ms() < end) {
				if (poll(&pf, 1, 20) == 1 && (pf.revents & (POLLERR | POLLHUP))) {
					t_dead = vnet_now_ms() - t_drop;
					break;
				}
			}
			getsockopt(cw.fd, SOL_SOCKET, SO_ERROR, &soerr, &(socklen_t){ sizeof(int) });
			nap(20);
			nprobe = probes_seen(&cap, mark, cw.lport, t, 16, &rst);
			vnet_counters(x->w, &ca);
			if (t_dead < 0) {
				fail_exp(x, -ETIMEDOUT, "waiting for keepalive to give up");
				goto out;
			}
			x->l->data = json_pack("{s:i,s:i,s:I,s:b,s:f,s:s,s:I,s:I}", "probes_set", ka[2],
					       "probes_seen", nprobe, "TCPKeepAlive",
					       (json_int_t)vnet_delta(&cb, &ca, "TcpExtTCPKeepAlive"),
					       "reset_sent", rst, "dead_after_ms", t_dead, "error",
					       strerror(soerr), "time_wait_left_ms", (json_int_t)tww,
					       "time_wait_left_ms_without", (json_int_t)two);
			MEASURED(x, "unanswered idle connection (keepalive_time 1 s, intvl 1 s, probes %d%s): "
				 "%d probes, then %s after %.1f s (%s); TIME_WAIT %.1f s left (%.1f s without)",
				 ka[2], ka[2] != probes ? ", the count the mechanism needs" : "", nprobe,
				 rst ? "a RST" : "given up", t_dead / 1e3, strerror(soerr), secs(tww),
				 secs(two));
		}
	}
	x->l->verdict = same_tw(tww, two) ? AV_NO_TW : AV_CLAIMED;
	if (x->l->verdict == AV_NO_TW)
		WHY(x, "keepalive probes an idle established connection, and only one whose application "
		       "set SO_KEEPALIVE (tcp_keepalive_timer() in net/ipv4/tcp_timer.c, armed by "
		       "tcp_set_keepalive()): after keepalive_time idle, every keepalive_intvl, dead after "
		       "keepalive_probes unanswered; a TIME_WAIT socket has no keepalive timer and stays 60 s");
	else
		WHY(x, "on this kernel the TIME_WAIT timer moved with a keepalive value (%.1f s against "
		       "%.1f s): tcp_time_wait() in net/ipv4/tcp_minisocks.c changed", secs(tww), secs(two));
out:
	vnet_cap_close(&cap);
	counters_free(&cb);
	counters_free(&ca);
	for (int *fd = (int[]){ cw.fd, co.fd, cn.fd, aw, ao, an }, i = 0; i < 6; i++)
		abort_close(fd[i]);
	return 0;
}

/* ------------------------------------------------------------------ tcp_max_tw_buckets */

#define MAX_TW_DIRECT 8192

/* TIME_WAIT sockets of ns towards the server's port, or a negative errno. */
static int count_tw(int ns)
{
	struct vnet_diag *v;
	size_t n;
	int k = 0, err = vnet_diag_list(ns, ST(S_TIME_WAIT), &v, &n);

	if (err)
		return err;
	for (size_t i = 0; i < n; i++)
		k += v[i].dport == PORT;
	free(v);
	return k;
}

/* n connections from ns, each closed by the client; wait until each became a TIME_WAIT or an
 * overflow. */
static int make_tw(struct ctx *x, int ns, int n, int *ret_tw, long *ret_overflow)
{
	struct counters b = { 0 }, a = { 0 };
	double end;
	int err = vnet_counters(ns, &b);

	for (int i = 0; i < n && !err; i++) {
		struct vnet_conn c;
		int afd;

		err = pair(x, ns, x->lfd, PORT, &c, &afd);
		if (!err)
			err = vnet_close_pair(c.fd, afd, CONNECT_MS);
	}
	end = vnet_now_ms() + 3000;
	while (!err) {
		counters_free(&a);
		vnet_counters(ns, &a);
		*ret_overflow = vnet_delta(&b, &a, "TcpExtTCPTimeWaitOverflow");
		*ret_tw = count_tw(ns);
		if (*ret_tw < 0) {
			err = *ret_tw;
			break;
		}
		if (*ret_tw + *ret_overflow >= n || vnet_now_ms() > end)
			break;
		nap(10);
	}
	counters_free(&b);
	counters_free(&a);
	return err;
}

static int exp_max_tw(struct ctx *x)
{
	int n = x->v <= MAX_TW_DIRECT ? (int)x->v + 8 : 64, tww = 0, two = 0, err;
	long ow = 0, oo = 0, dflt = get_long(x->o, x->l->key);

	err = set(x->w, x->l->key, x->l->value);
	if (!err)
		err = make_tw(x, x->w, n, &tww, &ow);
	if (!err)
		err = make_tw(x, x->o, n, &two, &oo);
	if (err)
		return fail_exp(x, err, "making TIME_WAIT sockets");
	x->l->data = json_pack("{s:i,s:i,s:I,s:i,s:I,s:I}", "connections", n, "time_wait", tww,
			       "TCPTimeWaitOverflow", (json_int_t)ow, "time_wait_without", two,
			       "TCPTimeWaitOverflow_without", (json_int_t)oo, "default",
			       (json_int_t)dflt);
	MEASURED(x, "%d connections closed by the client: %d TIME_WAIT sockets, %ld never made "
		 "(TCPTimeWaitOverflow); without (default %ld): %d and %ld",
		 n, tww, ow, dflt, two, oo);
	if (x->v > MAX_TW_DIRECT) {
		x->l->verdict = AV_NOT_MEASURED;
		WHY(x, "a cap of %ld is beyond the %d TIME_WAIT sockets the audit makes: the cap itself "
		       "(inet_twsk_alloc() in net/ipv4/inet_timewait_sock.c) was not reached", x->v, n);
	} else if (tww == x->v && ow == n - x->v) {
		x->l->verdict = AV_CLAIMED;
		WHY(x, "past %ld TIME_WAIT sockets inet_twsk_alloc() (net/ipv4/inet_timewait_sock.c) "
		       "refuses a new one and tcp_time_wait() (net/ipv4/tcp_minisocks.c) closes the "
		       "connection at once, counting TCPTimeWaitOverflow: fewer TIME_WAIT sockets, and no "
		       "TIME_WAIT protection for the connections over the cap", x->v);
	} else {
		x->l->verdict = AV_NO_TW;
		WHY(x, "the cap of %ld did not hold (%d TIME_WAIT, %ld overflows): inet_twsk_alloc() "
		       "(net/ipv4/inet_timewait_sock.c) behaves otherwise on this kernel", x->v, tww, ow);
	}
	return 0;
}

/* ------------------------------------------------------------------ ip_local_port_range */

static int exp_port_range(struct ctx *x)
{
	long lo, hi, dlo = 0, dhi = 0, width;
	int n_in = 0, n_o_in = 0, n_ok = 0, err = 0, e = 0, sample = 16;
	char dflt[64];

	audit_parse_pair(x->l->value, &lo, &hi);
	width = hi - lo + 1;
	if (!vnet_sysctl_get(x->o, x->l->key, dflt, sizeof(dflt)))
		audit_parse_pair(dflt, &dlo, &dhi);
	err = set(x->w, x->l->key, x->l->value);
	if (err)
		return fail_exp(x, err, "setting the range");
	if (width < sample)
		sample = (int)width;
	/* every connection leaves its port in TIME_WAIT: exhaust small ranges, sample big ones */
	for (int i = 0; i < (width <= 4096 ? width + 1 : sample) && !e; i++) {
		struct vnet_conn c;
		int afd;

		e = vnet_connect(x->w, 0, x->srv, PORT, CONNECT_MS, 0, &c);
		if (!e && c.err)
			e = -c.err;
		if (e)
			break;
		n_ok++;
		n_in += c.lport >= lo && c.lport <= hi;
		if (!vnet_accept(x->lfd, CONNECT_MS, &afd))
			vnet_close_pair(c.fd, afd, CONNECT_MS);
		else
			close(c.fd);
	}
	for (int i = 0; i < sample; i++) {
		struct vnet_conn c;
		int afd;

		if (pair(x, x->o, x->lfd, PORT, &c, &afd))
			break;
		n_o_in += c.lport >= dlo && c.lport <= dhi;
		vnet_close_pair(c.fd, afd, CONNECT_MS);
	}
	x->l->data = json_pack("{s:I,s:i,s:i,s:s,s:s,s:i}", "ports", (json_int_t)width,
			       "connected", n_ok, "in_range", n_in, "stopped_by",
			       e ? strerror(-e) : "", "default", dflt, "default_in_range", n_o_in);
	if (width <= 4096)
		MEASURED(x, "%d connections got a port in %ld-%ld, then connect failed with %s "
			 "(every port in TIME_WAIT for 60 s); without: ports in %s",
			 n_in, lo, hi, e ? strerror(-e) : "nothing", dflt);
	else
		MEASURED(x, "%d of %d connections got a port in %ld-%ld; without: %d of %d in %s",
			 n_in, n_ok, lo, hi, n_o_in, sample, dflt);
	if (n_in == n_ok && n_ok > 0 && (width > 4096 || (n_ok == width && e == -EADDRNOTAVAIL))) {
		x->l->verdict = AV_CLAIMED;
		WHY(x, "connect() picks its local port from this range (__inet_hash_connect() in "
		       "net/ipv4/inet_hashtables.c); each port then stays in TIME_WAIT for 60 s, so one "
		       "client reaches one server address:port at most %ld times a minute: the range "
		       "widens that, TIME_WAIT is unchanged", width);
	} else {
		x->l->verdict = AV_NO_TW;
		WHY(x, "the ports connect() chose did not follow the range as expected (%d of %d in it): "
		       "see __inet_hash_connect() in net/ipv4/inet_hashtables.c", n_in, n_ok);
	}
	return err;
}

/* ------------------------------------------------------------------ tcp_timestamps */

static int ts_conn(struct ctx *x, int ns, struct vnet_cap *cap, bool *ret_syn_ts, bool *ret_opt,
		   long *ret_tw)
{
	struct tcp_info ti = { 0 };
	struct vnet_conn c;
	struct vnet_diag d;
	size_t mark;
	int afd, err;

	vnet_cap_drain(cap);
	mark = cap->n;
	err = pair(x, ns, x->lfd, PORT, &c, &afd);
	if (err)
		return err;
	getsockopt(c.fd, IPPROTO_TCP, TCP_INFO, &ti, &(socklen_t){ sizeof(ti) });
	*ret_opt = ti.tcpi_options & TCPI_OPT_TIMESTAMPS;
	err = vnet_close_pair(c.fd, afd, CONNECT_MS);
	if (!err)
		err = vnet_wait_tw(ns, c.lport, PORT, CONNECT_MS);
	if (!err)
		err = vnet_diag_find(ns, ST(S_TIME_WAIT), c.lport, PORT, &d);
	if (err)
		return err;
	*ret_tw = d.expires_ms;
	vnet_cap_drain(cap);
	*ret_syn_ts = false;
	for (size_t i = mark; i < cap->n; i++)
		if (!cap->v[i].out && cap->v[i].sport == c.lport && cap->v[i].flags == 0x02)
			*ret_syn_ts = cap->v[i].has_ts;
	return 0;
}

static int exp_timestamps(struct ctx *x)
{
	struct vnet_cap cap = { .fd = -1 };
	bool sw = false, so = false, ow = false, oo = false;
	long tww = 0, two = 0, agew = -1, ageo = -1;
	int err, ew = 0, eo = 0;
	double t0 = 0, t1 = 0;

	err = set(x->w, x->l->key, x->l->value);
	if (!err)
		err = vnet_cap_open(x->s, x->p.rt.server_link, &cap);
	if (!err)
		err = ts_conn(x, x->w, &cap, &sw, &ow, &tww);
	if (!err)
		err = ts_conn(x, x->o, &cap, &so, &oo, &two);
	vnet_cap_close(&cap);
	/* what tw_reuse can do with and without timestamps */
	if (!err)
		err = set(x->w, "net.ipv4.tcp_tw_reuse", "1");
	if (!err)
		err = set(x->o, "net.ipv4.tcp_tw_reuse", "1");
	if (!err)
		err = fill_ports(x, x->w, 2, &t0);
	if (!err)
		err = fill_ports(x, x->o, 2, &t1);
	if (err)
		return fail_exp(x, err, "timestamp connections");
	eo = reuse_after(x, x->o, t1, 3000, &ageo);
	ew = reuse_after(x, x->w, t0, eo ? 0 : (int)(vnet_now_ms() - t0) + 200, &agew);
	x->l->data = json_pack("{s:b,s:b,s:b,s:b,s:I,s:I,s:s,s:s}", "syn_ts_option", sw,
			       "syn_ts_option_without", so, "tcpi_opt_timestamps", ow,
			       "tcpi_opt_timestamps_without", oo, "time_wait_left_ms", (json_int_t)tww,
			       "time_wait_left_ms_without", (json_int_t)two, "tw_reuse_1",
			       ew ? strerror(ew) : "reused", "tw_reuse_1_without",
			       eo ? strerror(eo) : "reused");
	MEASURED(x, "SYN %s a TS option (%s without); connection %s timestamps; TIME_WAIT %.1f s left "
		 "(%.1f s without); tw_reuse=1 with every port in TIME_WAIT: %s (%s without)",
		 sw ? "carries a" : "has no", so ? "carries one" : "none", ow ? "uses" : "has no",
		 secs(tww), secs(two), ew ? strerror(ew) : "port reused", eo ? strerror(eo) : "port reused");
	if (!sw && !ow) {
		x->l->verdict = AV_NO_TW;
		WHY(x, "switched off, the SYN carries no TS option (tcp_syn_options() in "
		       "net/ipv4/tcp_output.c): no PAWS (tcp_paws_discard() in net/ipv4/tcp_input.c needs "
		       "a timestamp), no RTT samples from echoed timestamps, and tw_reuse can no longer "
		       "take a TIME_WAIT port (tcp_twsk_unique() in net/ipv4/tcp_ipv4.c needs "
		       "tw_ts_recent_stamp); TIME_WAIT itself stays 60 s");
	} else if (!ew && same_tw(tww, two)) {
		x->l->verdict = AV_CLAIMED;
		WHY(x, "timestamps on: the SYN carries the TS option (tcp_syn_options() in "
		       "net/ipv4/tcp_output.c), PAWS and tw_reuse work (tcp_twsk_unique() in "
		       "net/ipv4/tcp_ipv4.c); TIME_WAIT stays 60 s");
	} else {
		x->l->verdict = AV_NO_TW;
		WHY(x, "timestamps on, but tw_reuse did not reuse a port here; TIME_WAIT stays %.1f s "
		       "(tcp_twsk_unique() in net/ipv4/tcp_ipv4.c)", secs(tww));
	}
	return 0;
}

/* ------------------------------------------------------------------ SYN queue, accept queue */

struct flood {
	int kept;                    /* request sockets (SYN_RECV) on the listener */
	long cookies, qfull_drop, listen_drops, overflows;
};

/* n SYNs from ns to a new listener on port (backlog) whose SYN-ACKs ns never answers (an nft
 * rule in ns drops them), so each stays a request socket on the server. */
static int syn_flood(struct ctx *x, int ns, uint16_t port, int backlog, int n, struct flood *ret)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port),
				   .sin_addr.s_addr = htonl(x->srv) };
	struct counters b = { 0 }, a = { 0 };
	int lfd = -1, *fds = calloc(n, sizeof(int)), err;
	struct vnet_diag *v = NULL;
	size_t nv = 0;
	double end;
	char nerr[256];

	if (!fds)
		return -ENOMEM;
	for (int i = 0; i < n; i++)
		fds[i] = -1;
	err = vnet_nft(ns, "table ip au_flood {\n chain input {\n"
			   "  type filter hook input priority 0; policy accept;\n"
			   "  tcp sport 8081-8099 tcp flags & (syn | ack) == syn | ack drop\n }\n}\n",
		       nerr, sizeof(nerr));
	if (err == -EINVAL)
		err = 0;   /* the table exists already (a second flood in this lab) */
	if (!err)
		err = vnet_socket(x->s, &lfd);
	if (!err) {
		struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons(port) };

		if (bind(lfd, (struct sockaddr *)&me, sizeof(me)) || listen(lfd, backlog))
			err = -errno;
	}
	if (!err)
		err = vnet_counters(x->s, &b);
	for (int i = 0; i < n && !err; i++) {
		err = vnet_socket(ns, &fds[i]);
		if (!err && connect(fds[i], (struct sockaddr *)&sin, sizeof(sin)) && errno != EINPROGRESS)
			err = -errno;
	}
	end = vnet_now_ms() + 1500;
	while (!err) {
		int kept = 0;

		counters_free(&a);
		vnet_counters(x->s, &a);
		free(v);
		v = NULL;
		err = vnet_diag_list(x->s, ST(S_SYN_RECV) | (1u << 12), &v, &nv);
		if (err)
			break;
		for (size_t i = 0; i < nv; i++)
			kept += v[i].sport == port;
		ret->kept = kept;
		ret->cookies = vnet_delta(&b, &a, "TcpExtSyncookiesSent");
		ret->qfull_drop = vnet_delta(&b, &a, "TcpExtTCPReqQFullDrop");
		ret->listen_drops = vnet_delta(&b, &a, "TcpExtListenDrops");
		ret->overflows = vnet_delta(&b, &a, "TcpExtListenOverflows");
		if (kept + ret->cookies + ret->listen_drops >= n || vnet_now_ms() > end)
			break;
		nap(10);
	}
	free(v);
	counters_free(&b);
	counters_free(&a);
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	if (lfd >= 0)
		close(lfd);
	return err;
}

static int exp_syncookies(struct ctx *x)
{
	struct flood f0 = { 0 }, f1 = { 0 };
	long s0 = 0, s1 = 0, dflt = get_long(x->s, x->l->key);
	int err;

	err = syn_flood(x, x->o, 8081, 8, 24, &f0);
	if (!err)
		err = tw_left(x, x->o, true, &s0);
	if (!err)
		err = set(x->s, x->l->key, x->l->value);
	if (!err)
		err = syn_flood(x, x->o, 8082, 8, 24, &f1);
	if (!err)
		err = tw_left(x, x->o, true, &s1);
	if (err)
		return fail_exp(x, err, "SYN flood on a listener with backlog 8");
	x->l->data = json_pack("{s:i,s:i,s:I,s:I,s:i,s:I,s:I,s:I,s:I}", "syns", 24, "kept", f1.kept,
			       "cookies", (json_int_t)f1.cookies, "dropped",
			       (json_int_t)f1.listen_drops, "kept_without", f0.kept,
			       "cookies_without", (json_int_t)f0.cookies, "dropped_without",
			       (json_int_t)f0.listen_drops, "time_wait_left_ms", (json_int_t)s1,
			       "time_wait_left_ms_without", (json_int_t)s0);
	MEASURED(x, "24 SYNs never completed, listen backlog 8: %d kept in the SYN queue, %ld answered "
		 "with a cookie, %ld dropped (default %ld: %d, %ld, %ld); server TIME_WAIT %.1f s left "
		 "(%.1f s without)",
		 f1.kept, f1.cookies, f1.listen_drops, dflt, f0.kept, f0.cookies, f0.listen_drops,
		 secs(s1), secs(s0));
	x->l->verdict = same_tw(s0, s1) ? AV_NO_TW : AV_CLAIMED;
	WHY(x, "tcp_syncookies decides what tcp_conn_request() (net/ipv4/tcp_input.c, "
	       "tcp_syn_flood_action()) does once a listener's SYN queue is full: a cookie (1), a "
	       "drop (0) or a cookie for every SYN (2); TIME_WAIT is not involved");
	return 0;
}

static int exp_syn_backlog(struct ctx *x)
{
	struct flood f1 = { 0 }, f0 = { 0 };
	long dflt = get_long(x->s, x->l->key), s0 = 0, s1 = 0;
	int n = x->v <= 256 ? (int)x->v + 16 : 256, err;

	err = tw_left(x, x->o, true, &s0);
	if (!err)
		err = set(x->s, x->l->key, x->l->value);
	if (!err)
		err = tw_left(x, x->o, true, &s1);
	/* with the lab's tcp_syncookies (1, the default), then with 0: the only case it is read.
	 * From client w, which has never connected: a peer with TCP metrics from an earlier
	 * connection (o, above) is "proven" and never dropped by that clause. */
	if (!err)
		err = syn_flood(x, x->w, 8083, 4096, n, &f1);
	if (!err)
		err = set(x->s, "net.ipv4.tcp_syncookies", "0");
	if (!err)
		err = syn_flood(x, x->w, 8084, 4096, n, &f0);
	if (err)
		return fail_exp(x, err, "SYN flood");
	x->l->data = json_pack("{s:i,s:i,s:I,s:i,s:I,s:I,s:I,s:I}", "syns", n, "kept_syncookies_1",
			       f1.kept, "dropped_syncookies_1", (json_int_t)f1.listen_drops,
			       "kept_syncookies_0", f0.kept, "dropped_syncookies_0",
			       (json_int_t)f0.listen_drops, "default", (json_int_t)dflt,
			       "time_wait_left_ms", (json_int_t)s1, "time_wait_left_ms_without",
			       (json_int_t)s0);
	MEASURED(x, "%d SYNs never completed, listen backlog 4096: with tcp_syncookies=1 %d kept, %ld "
		 "dropped; with tcp_syncookies=0 %d kept, %ld dropped; server TIME_WAIT %.1f s left "
		 "(%.1f s without)", n, f1.kept, f1.listen_drops, f0.kept, f0.listen_drops, secs(s1),
		 secs(s0));
	x->l->verdict = same_tw(s0, s1) ? AV_NO_TW : AV_CLAIMED;
	WHY(x, "the SYN queue is bounded by the listen() backlog (inet_csk_reqsk_queue_is_full()); "
	       "tcp_max_syn_backlog is read by tcp_conn_request() (net/ipv4/tcp_input.c) only with "
	       "tcp_syncookies=0, to drop SYNs of peers without TCP metrics (tcp_peer_is_proven()) once "
	       "a quarter of it is left; "
	       "TIME_WAIT is not involved");
	return 0;
}

static int listen_backlog(int ns, uint16_t port, int *ret_lfd, struct vnet_diag *ret)
{
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd, err = vnet_socket(ns, &fd);

	if (err)
		return err;
	if (bind(fd, (struct sockaddr *)&me, sizeof(me)) || listen(fd, 65535)) {
		err = -errno;
		close(fd);
		return err;
	}
	err = vnet_diag_find(ns, ST(S_LISTEN), port, 0, ret);
	if (err)
		close(fd);
	else
		*ret_lfd = fd;
	return err;
}

static int exp_somaxconn(struct ctx *x)
{
	struct vnet_diag d0, d1, d;
	long s0 = 0, s1 = 0, dflt = get_long(x->s, x->l->key);
	int l0 = -1, l1 = -1, err, queued = -1, n = 0;

	err = listen_backlog(x->s, 8085, &l0, &d0);
	if (!err)
		err = tw_left(x, x->o, true, &s0);
	if (!err)
		err = set(x->s, x->l->key, x->l->value);
	if (!err)
		err = listen_backlog(x->s, 8086, &l1, &d1);
	if (!err)
		err = tw_left(x, x->o, true, &s1);
	if (!err && x->v <= 256) {
		/* fill the accept queue: connections nobody accepts */
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(8086),
					   .sin_addr.s_addr = htonl(x->srv) };
		int fds[300];
		double end;

		n = (int)x->v + 4;
		for (int i = 0; i < n; i++) {
			fds[i] = -1;
			if (!vnet_socket(x->w, &fds[i]))
				connect(fds[i], (struct sockaddr *)&sin, sizeof(sin));
		}
		end = vnet_now_ms() + 1500;
		while (vnet_now_ms() < end && !err) {
			err = vnet_diag_find(x->s, ST(S_LISTEN), 8086, 0, &d);
			if (!err)
				queued = d.rqueue;
			if (queued > x->v)
				break;
			nap(10);
		}
		for (int i = 0; i < n; i++)
			if (fds[i] >= 0)
				abort_close(fds[i]);
	}
	if (l0 >= 0)
		close(l0);
	if (l1 >= 0)
		close(l1);
	if (err)
		return fail_exp(x, err, "listener");
	x->l->data = json_pack("{s:i,s:i,s:i,s:i,s:I,s:I,s:I}", "listen_65535_backlog", d1.wqueue,
			       "listen_65535_backlog_without", d0.wqueue, "connections", n,
			       "queued_unaccepted", queued, "default", (json_int_t)dflt,
			       "time_wait_left_ms", (json_int_t)s1, "time_wait_left_ms_without",
			       (json_int_t)s0);
	MEASURED(x, "listen(fd, 65535) gets a backlog of %u (%u without, default %ld)", d1.wqueue,
		 d0.wqueue, dflt);
	if (queued >= 0)
		say(x->l->measured + strlen(x->l->measured), sizeof(x->l->measured) - strlen(x->l->measured),
		    "; %d connections nobody accepts: %d queued", n, queued);
	say(x->l->measured + strlen(x->l->measured), sizeof(x->l->measured) - strlen(x->l->measured),
	    "; server TIME_WAIT %.1f s left (%.1f s without)", secs(s1), secs(s0));
	x->l->verdict = same_tw(s0, s1) ? AV_NO_TW : AV_CLAIMED;
	WHY(x, "somaxconn caps the backlog an application passes to listen() (__sys_listen() in "
	    "net/socket.c): the queue of established connections not yet accepted "
	    "(sk_acceptq_is_full()); TIME_WAIT is not involved");
	return 0;
}

/* ------------------------------------------------------------------ the key itself */

/* Equal but for the kind and amount of whitespace ("32768\t60999" is "32768 60999"). */
static bool same_value(const char *a, const char *b)
{
	for (;;) {
		bool sa = *a == ' ' || *a == '\t', sb = *b == ' ' || *b == '\t';

		if (sa != sb)
			return false;
		while (*a == ' ' || *a == '\t')
			a++;
		while (*b == ' ' || *b == '\t')
			b++;
		if (*a != *b)
			return false;
		if (!*a)
			return true;
		a++;
		b++;
	}
}

/* Does the key exist, is it per network namespace? Only ever written inside the lab: a key the
 * kernel registers for the initial namespace only is not visible there, and one it shares is
 * read-only there. The host's value is read before and after, never written. */
static void lookup_netns(struct ctx *x)
{
	struct audit_line *l = x->l;
	char host2[256], back[256], alt[32] = "";
	const char *try = l->value;
	int err = vnet_sysctl_get(x->w, l->key, l->default_value, sizeof(l->default_value));

	if (err == -ENOENT) {
		l->per_netns = 0;
		say(l->netns_how, sizeof(l->netns_how),
		    "not visible in a new network namespace: the kernel registers it for the host's only");
		return;
	}
	if (err)
		l->default_value[0] = 0;
	/* a write that changes nothing proves nothing: try another value then (known keys) */
	if (same_value(l->value, l->host_value) && l->known && l->known->kind == AK_INT) {
		snprintf(alt, sizeof(alt), "%ld", x->v > l->known->lo ? x->v - 1 : x->v + 1);
		try = alt;
	}
	err = vnet_sysctl_set(x->w, l->key, try);
	if (err == -EACCES || err == -EPERM) {
		l->per_netns = 0;
		say(l->netns_how, sizeof(l->netns_how),
		    "read-only in a network namespace: one value, the host's");
		return;
	}
	if (err == -EINVAL && try == l->value) {
		l->refused = true;
		return;
	}
	if (err) {
		say(l->netns_how, sizeof(l->netns_how), "could not be set in a lab namespace: %s",
		    strerror(-err));
		return;
	}
	if (sysctl_get(l->key, host2, sizeof(host2)) || strcmp(host2, l->host_value)) {
		/* a global value after all: put the host's back at once and say so */
		vnet_sysctl_set(x->w, l->key, l->host_value);
		l->per_netns = 0;
		say(l->netns_how, sizeof(l->netns_how),
		    "global: setting it in a lab namespace changed the host's value (put back)");
		return;
	}
	vnet_sysctl_get(x->w, l->key, back, sizeof(back));
	if (!same_value(back, try)) {
		l->per_netns = -1;
		say(l->netns_how, sizeof(l->netns_how), "set to %s in a lab namespace, it read back %s",
		    try, back);
	} else if (same_value(try, l->host_value)) {
		l->per_netns = -1;
		say(l->netns_how, sizeof(l->netns_how),
		    "writable in a lab namespace; the host has the same value, so not compared");
	} else {
		l->per_netns = 1;
		say(l->netns_how, sizeof(l->netns_how),
		    "set to %s in a lab namespace, the host's value stayed %s", try, l->host_value);
	}
	/* the experiment starts from the fresh namespace's default */
	if (l->default_value[0])
		vnet_sysctl_set(x->w, l->key, l->default_value);
}

static int run_exp(struct ctx *x)
{
	switch (x->l->known->exp) {
	case AE_FIN_TIMEOUT:
		return exp_fin_timeout(x);
	case AE_TW_REUSE:
		return exp_tw_reuse(x);
	case AE_TW_RECYCLE:
		return exp_tw_recycle_nat(x);
	case AE_TW_REUSE_DELAY:
		return exp_tw_reuse_delay(x);
	case AE_KA_TIME:
		return exp_keepalive(x, 0);
	case AE_KA_INTVL:
		return exp_keepalive(x, 1);
	case AE_KA_PROBES:
		return exp_keepalive(x, 2);
	case AE_MAX_TW:
		return exp_max_tw(x);
	case AE_PORT_RANGE:
		return exp_port_range(x);
	case AE_TIMESTAMPS:
		return exp_timestamps(x);
	case AE_SYNCOOKIES:
		return exp_syncookies(x);
	case AE_SOMAXCONN:
		return exp_somaxconn(x);
	case AE_SYN_BACKLOG:
		return exp_syn_backlog(x);
	default:
		return 0;
	}
}

static void absent(struct audit_line *l)
{
	l->exists = 0;
	l->verdict = AV_ABSENT;
	if (l->known && l->known->exp == AE_TW_RECYCLE)
		say(l->why, sizeof(l->why),
		    "absent since Linux 4.12 ('tcp: remove tcp_tw_recycle', 4396e46187ca): the per-peer "
		    "timestamp check of tcp_conn_request() (net/ipv4/tcp_input.c, tcp_peer_is_proven()) "
		    "that dropped the SYNs of every client behind one NAT address but the one with the "
		    "largest clock is gone; sysctl -p fails on this line%s",
		    l->ignore_failure ? " (the '-' prefix makes it ignore that)" : "");
	else
		say(l->why, sizeof(l->why),
		    "there is no /proc/sys entry for it on this kernel (removed, never there, or its "
		    "module is not loaded): sysctl -p fails on this line%s",
		    l->ignore_failure ? " (the '-' prefix makes it ignore that)" : "");
	say(l->measured, sizeof(l->measured), "no /proc/sys/%s", l->key);
	for (char *p = l->measured + strlen("no /proc/sys/"); *p; p++)
		*p = *p == '.' ? '/' : *p == '/' ? '.' : *p;
}

static int audit_line(struct audit_line *l)
{
	struct ctx x = { .l = l, .lfd = -1 };
	char path[300], name[TOPO_NAME_MAX + 1];
	int err;

	if (l->glob) {
		l->verdict = AV_NOT_MEASURED;
		say(l->why, sizeof(l->why), "a pattern: the audit measures single keys");
		return 0;
	}
	if (sysctl_path(l->key, path, sizeof(path)) || access(path, F_OK)) {
		absent(l);
		return 0;
	}
	l->exists = 1;
	if (sysctl_get(l->key, l->host_value, sizeof(l->host_value)))
		snprintf(l->host_value, sizeof(l->host_value), "(not readable)");
	if (strncmp(l->key, "net.", 4)) {
		l->per_netns = 0;
		say(l->netns_how, sizeof(l->netns_how),
		    "not under net.: one value for the whole host (the audit never writes it)");
		l->verdict = AV_NOT_MEASURED;
		say(l->why, sizeof(l->why), "twlab has no experiment for this key: not measured, not guessed");
		return 0;
	}
	snprintf(name, sizeof(name), "au%d-%d", (int)(getpid() % 100000), lab_seq++);
	err = vnet_lab_up(&x.p, l->known && l->known->exp == AE_TW_RECYCLE ? nat_ini : lab_ini, name,
			  opts->interrupted);
	if (err) {
		l->verdict = AV_NOT_MEASURED;
		say(l->why, sizeof(l->why), "the lab could not be built: %s", x.p.err);
		return err;
	}
	x.s = x.p.rt.server_fd;
	x.w = x.p.rt.client_fd[0];
	x.o = x.p.rt.client_fd[1];
	x.srv = x.p.lab->server.addr.addr;
	if (l->known && l->known->kind == AK_INT)
		x.v = atol(l->value);
	lookup_netns(&x);
	if (l->refused) {
		l->verdict = AV_NOT_MEASURED;
		say(l->why, sizeof(l->why), "the kernel refused the value %s (Invalid argument)", l->value);
	} else if (!l->known || !l->known->exp) {
		l->verdict = AV_NOT_MEASURED;
		say(l->why, sizeof(l->why), "twlab has no experiment for this key: not measured, not guessed");
	} else if (l->per_netns == 0 && l->known->exp) {
		l->verdict = AV_NOT_MEASURED;
		say(l->why, sizeof(l->why), "it cannot be set inside a lab namespace (%s), and the audit "
		    "never changes the host", l->netns_how);
	} else {
		err = vnet_listen(x.s, PORT, &x.lfd);
		if (err)
			fail_exp(&x, err, "listener");
		else
			run_exp(&x);
		err = 0;
	}
	if (x.lfd >= 0)
		close(x.lfd);
	vnet_lab_down(&x.p);
	return 0;
}

int audit_run(struct audit *a, const struct audit_opts *o)
{
	double t0 = vnet_now_ms();
	int err = 0;

	opts = o;
	for (size_t i = 0; i < a->n && !err; i++) {
		double t = vnet_now_ms();

		if (o->interrupted && o->interrupted())
			return -EINTR;
		err = audit_line(&a->v[i]);
		if (err)
			snprintf(a->err, sizeof(a->err), "line %d (%.60s): %.600s", a->v[i].line,
				 a->v[i].key, a->v[i].why);
		a->v[i].secs = (vnet_now_ms() - t) / 1e3;
		if (o->progress)
			o->progress(&a->v[i]);
	}
	a->secs = (vnet_now_ms() - t0) / 1e3;
	return err;
}
