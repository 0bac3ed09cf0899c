// SPDX-License-Identifier: GPL-2.0
/* audit experiments on TIME_WAIT and local ports: tcp_fin_timeout, tcp_tw_reuse (and its delay),
 * tcp_tw_recycle behind NAT, tcp_max_tw_buckets, ip_local_port_range, tcp_timestamps. */
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
#include "audit/exp.h"
#include "lab/sysctl.h"

/* ------------------------------------------------------------------ tcp_fin_timeout */

/* The client closes, the server never does: the client's orphaned FIN_WAIT2 and its timer. */
static int fin_wait2(struct ctx *x, int ns, struct vnet_diag *ret, uint16_t *ret_lport, int *keep)
{
	double end = vnet_now_ms() + CONNECT_MS;
	struct vnet_conn c;
	int err = audit_pair(x, ns, x->lfd, PORT, &c, keep);

	if (err)
		return err;
	close(c.fd);
	*ret_lport = c.lport;
	while ((err = vnet_diag_find(ns, ST(S_FIN_WAIT2), c.lport, PORT, ret)) == -ENOENT &&
	       vnet_now_ms() < end)
		audit_nap(2);
	return err;
}

int audit_exp_fin_timeout(struct ctx *x)
{
	struct vnet_diag dw, dd;
	long tww, two, gone_ms = -1;
	uint16_t lport;
	int kw = -1, ko = -1, err;

	err = audit_set(x->w, x->l->key, x->l->value);
	if (!err)
		err = fin_wait2(x, x->w, &dw, &lport, &kw);
	if (!err)
		err = fin_wait2(x, x->o, &dd, &(uint16_t){ 0 }, &ko);
	if (!err)
		err = audit_tw_left(x, x->w, false, &tww);
	if (!err)
		err = audit_tw_left(x, x->o, false, &two);
	if (err)
		goto out;
	if (x->v <= 3) {
		/* short enough to watch it go for real */
		double t0 = vnet_now_ms() - (x->v * 1000.0 - dw.expires_ms), end = t0 + x->v * 1000 + 3000;
		struct vnet_diag d;

		while (!vnet_diag_find(x->w, ST(S_FIN_WAIT2), lport, PORT, &d) && vnet_now_ms() < end)
			audit_nap(5);
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
		 audit_secs(dw.expires_ms), audit_secs(dd.expires_ms),
		 gone_ms >= 0 ? ", gone for real" : "", audit_secs(tww), audit_secs(two));
	if (gone_ms >= 0)
		audit_say(x->l->measured + strlen(x->l->measured),
		    sizeof(x->l->measured) - strlen(x->l->measured), "; the FIN_WAIT2 socket was gone %.2f s after the close",
		    audit_secs(gone_ms));
	if (audit_same_tw(tww, two)) {
		x->l->verdict = AV_NO_TW;
		WHY(x, "tcp_fin_timeout is how long an orphaned FIN_WAIT2 socket waits for the peer's FIN "
		       "(tcp_fin_time(), read by tcp_close() in net/ipv4/tcp.c and tcp_rcv_state_process() "
		       "in net/ipv4/tcp_input.c); TIME_WAIT is armed by tcp_time_wait() "
		       "(net/ipv4/tcp_minisocks.c) for TCP_TIMEWAIT_LEN, 60 s, whatever this value");
	} else {
		x->l->verdict = AV_CLAIMED;
		WHY(x, "on this kernel the value moved the TIME_WAIT timer (%.1f s against %.1f s): "
		       "tcp_time_wait() (net/ipv4/tcp_minisocks.c) no longer uses a fixed TCP_TIMEWAIT_LEN",
		    audit_secs(tww), audit_secs(two));
	}
out:
	audit_abort_close(kw);
	audit_abort_close(ko);
	return err ? audit_fail(x, err, "FIN_WAIT2 / TIME_WAIT connection") : 0;
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
	err = audit_set(ns, "net.ipv4.ip_local_port_range", range);
	for (int i = 0; i < n && !err; i++) {
		struct vnet_conn c;
		int afd;

		err = audit_pair(x, ns, x->lfd, PORT, &c, &afd);
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
		audit_nap(20);
	}
}

int audit_exp_tw_reuse(struct ctx *x)
{
	struct counters cb = { 0 }, ca = { 0 };
	long s0 = 0, s1 = 0, age = -1, rec;
	char sdef[16];
	uint16_t lport;
	int err, e_without, e_with = 0;
	double t0 = 0;

	/* the server side first: its TIME_WAIT with and without the value */
	snprintf(sdef, sizeof(sdef), "%ld", audit_get_long(x->s, x->l->key));
	err = audit_tw_left(x, x->o, true, &s0);
	if (!err)
		err = audit_set(x->s, x->l->key, x->l->value);
	if (!err)
		err = audit_tw_left(x, x->o, true, &s1);
	audit_set(x->s, x->l->key, sdef);
	if (err)
		return audit_fail(x, err, "server TIME_WAIT");
	/* the client side: every local port in TIME_WAIT, then one more connect */
	err = fill_ports(x, x->w, FILL_N, &t0);
	if (err)
		return audit_fail(x, err, "filling the client's ports with TIME_WAIT");
	e_without = try_connect(x, x->w, &lport);
	err = audit_set(x->w, x->l->key, x->l->value);
	if (err)
		return audit_fail(x, err, "setting the value in the client's namespace");
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
		audit_say(x->l->measured + strlen(x->l->measured), sizeof(x->l->measured) - strlen(x->l->measured),
		    ", on a TIME_WAIT port %.2f s old (TWRecycled %+ld)", audit_secs(age), rec);
	audit_say(x->l->measured + strlen(x->l->measured), sizeof(x->l->measured) - strlen(x->l->measured),
	    "; server TIME_WAIT %.1f s left (%.1f s without)", audit_secs(s1), audit_secs(s0));
	if (!e_with && e_without && audit_same_tw(s0, s1)) {
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
int audit_exp_tw_reuse_delay(struct ctx *x)
{
	long agew = -1, ageo = -1, dflt = audit_get_long(x->o, x->l->key);
	int err, ew, eo;
	double t0 = 0, t1 = 0;

	if (x->v > 5000) {
		x->l->verdict = AV_NOT_MEASURED;
		WHY(x, "a delay of %ld ms is too long for the audit to wait for", x->v);
		return 0;
	}
	err = audit_set(x->w, x->l->key, x->l->value);
	if (!err)
		err = audit_set(x->w, "net.ipv4.tcp_tw_reuse", "1");
	if (!err)
		err = audit_set(x->o, "net.ipv4.tcp_tw_reuse", "1");
	/* the other namespace first: each measurement must start as soon as its ports are
	 * full, or a slow fill of the second hides the first's short delay (it read 1.03 s) */
	if (!err)
		err = fill_ports(x, x->o, 2, &t1);
	if (!err)
		err = fill_ports(x, x->w, 2, &t0);
	if (err)
		return audit_fail(x, err, "filling the clients' ports with TIME_WAIT");
	ew = reuse_after(x, x->w, t0, (int)x->v + 2000, &agew);
	eo = reuse_after(x, x->o, t1, (int)dflt + 2000, &ageo);
	x->l->data = json_pack("{s:I,s:I,s:I,s:s,s:s}", "reused_after_ms", (json_int_t)agew,
			       "reused_after_ms_without", (json_int_t)ageo, "default_ms",
			       (json_int_t)dflt, "connect_with", ew ? strerror(ew) : "ok",
			       "connect_without", eo ? strerror(eo) : "ok");
	MEASURED(x, "tcp_tw_reuse=1, every local port in TIME_WAIT: connect() took a TIME_WAIT port "
		 "after %.2f s (%.2f s without, default %ld ms)", audit_secs(agew), audit_secs(ageo), dflt);
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
			audit_abort_close(c.fd);
			continue;
		}
		vnet_close_pair(afd, c.fd, CONNECT_MS);   /* the server closes first */
		audit_nap(20);   /* the last ACK reaches the server: its TIME_WAIT and the record exist */
	}
	vnet_counters(x->s, &a);
	*ret_paws = vnet_delta(&b, &a, "TcpExtPAWSPassive") + vnet_delta(&b, &a, "TcpExtPAWSPassiveRejected");
	counters_free(&b);
	counters_free(&a);
	return err;
}

int audit_exp_tw_recycle_nat(struct ctx *x)
{
	int f0 = 0, f1 = 0, err;
	long p0 = 0, p1 = 0;
	double ms = 0;
	char dflt[16];

	snprintf(dflt, sizeof(dflt), "%ld", audit_get_long(x->s, x->l->key));
	err = recycle_round(x, &f0, &p0, &ms);
	if (!err)
		err = audit_set(x->s, x->l->key, x->l->value);
	if (!err)
		err = recycle_round(x, &f1, &p1, &ms);
	audit_set(x->s, x->l->key, dflt);
	if (err)
		return audit_fail(x, err, "connections through NAT");
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

		err = audit_pair(x, ns, x->lfd, PORT, &c, &afd);
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
		audit_nap(10);
	}
	counters_free(&b);
	counters_free(&a);
	return err;
}

int audit_exp_max_tw(struct ctx *x)
{
	int n = x->v <= MAX_TW_DIRECT ? (int)x->v + 8 : 64, tww = 0, two = 0, err;
	long ow = 0, oo = 0, dflt = audit_get_long(x->o, x->l->key);

	err = audit_set(x->w, x->l->key, x->l->value);
	if (!err)
		err = make_tw(x, x->w, n, &tww, &ow);
	if (!err)
		err = make_tw(x, x->o, n, &two, &oo);
	if (err)
		return audit_fail(x, err, "making TIME_WAIT sockets");
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

int audit_exp_port_range(struct ctx *x)
{
	long lo, hi, dlo = 0, dhi = 0, width;
	int n_in = 0, n_o_in = 0, n_ok = 0, err = 0, e = 0, sample = 16;
	char dflt[64];

	audit_parse_pair(x->l->value, &lo, &hi);
	width = hi - lo + 1;
	if (!vnet_sysctl_get(x->o, x->l->key, dflt, sizeof(dflt)))
		audit_parse_pair(dflt, &dlo, &dhi);
	err = audit_set(x->w, x->l->key, x->l->value);
	if (err)
		return audit_fail(x, err, "setting the range");
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

		if (audit_pair(x, x->o, x->lfd, PORT, &c, &afd))
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
	err = audit_pair(x, ns, x->lfd, PORT, &c, &afd);
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

int audit_exp_timestamps(struct ctx *x)
{
	struct vnet_cap cap = { .fd = -1 };
	bool sw = false, so = false, ow = false, oo = false;
	long tww = 0, two = 0, agew = -1, ageo = -1;
	int err, ew = 0, eo = 0;
	double t0 = 0, t1 = 0;

	err = audit_set(x->w, x->l->key, x->l->value);
	if (!err)
		err = vnet_cap_open(x->s, x->p.rt.server_link, &cap);
	if (!err)
		err = ts_conn(x, x->w, &cap, &sw, &ow, &tww);
	if (!err)
		err = ts_conn(x, x->o, &cap, &so, &oo, &two);
	vnet_cap_close(&cap);
	/* what tw_reuse can do with and without timestamps */
	if (!err)
		err = audit_set(x->w, "net.ipv4.tcp_tw_reuse", "1");
	if (!err)
		err = audit_set(x->o, "net.ipv4.tcp_tw_reuse", "1");
	/* the other namespace first: each measurement must start as soon as its ports are
	 * full, or a slow fill of the second hides the first's short delay (it read 1.03 s) */
	if (!err)
		err = fill_ports(x, x->o, 2, &t1);
	if (!err)
		err = fill_ports(x, x->w, 2, &t0);
	if (err)
		return audit_fail(x, err, "timestamp connections");
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
		 audit_secs(tww), audit_secs(two), ew ? strerror(ew) : "port reused", eo ? strerror(eo) : "port reused");
	if (!sw && !ow) {
		x->l->verdict = AV_NO_TW;
		WHY(x, "switched off, the SYN carries no TS option (tcp_syn_options() in "
		       "net/ipv4/tcp_output.c): no PAWS (tcp_paws_discard() in net/ipv4/tcp_input.c needs "
		       "a timestamp), no RTT samples from echoed timestamps, and tw_reuse can no longer "
		       "take a TIME_WAIT port (tcp_twsk_unique() in net/ipv4/tcp_ipv4.c needs "
		       "tw_ts_recent_stamp); TIME_WAIT itself stays 60 s");
	} else if (!ew && audit_same_tw(tww, two)) {
		x->l->verdict = AV_CLAIMED;
		WHY(x, "timestamps on: the SYN carries the TS option (tcp_syn_options() in "
		       "net/ipv4/tcp_output.c), PAWS and tw_reuse work (tcp_twsk_unique() in "
		       "net/ipv4/tcp_ipv4.c); TIME_WAIT stays 60 s");
	} else {
		x->l->verdict = AV_NO_TW;
		WHY(x, "timestamps on, but tw_reuse did not reuse a port here; TIME_WAIT stays %.1f s "
		       "(tcp_twsk_unique() in net/ipv4/tcp_ipv4.c)", audit_secs(tww));
	}
	return 0;
}

