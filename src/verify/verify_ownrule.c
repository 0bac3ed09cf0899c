// SPDX-License-Identifier: GPL-2.0
/*
 * verify_ownrule: P6-P8 on a kernel that still has tcp_tw_recycle (before 4.12; per network
 * namespace in 4.11), measured on the kernel's own rule instead of the gate, which cannot
 * emulate them (docs/kernel-notes.md §5):
 *  - P6: with recycle on, a TIME_WAIT the server enters after a timestamped connection lasts
 *    3.5 x RTO and counts TWKilled; without it the timer is 60 s (§1.6);
 *  - P7: a SYN that the record would drop is answered with a cookie when tcp_syncookies = 2,
 *    and then the check is skipped (§1.4 step 2);
 *  - P8: recycle off, syncookies off, more than 3/4 of tcp_max_syn_backlog in use: a new SYN
 *    is dropped (ListenDrops), even from a peer with a tcp_metrics record (§1.5).
 * One lab per prediction, driven from this thread like verify_probe.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include "lab/tsclock.h"
#include "verify/verify.h"

#define PORT 8080
#define TS_BASE 0x40000000u
#define TS_SHIFT 10000000u
#define CONNECT_MS 3000
#define DROP_MS 1500     /* a SYN (TCP_SYNCNT 1) without an answer within this is dropped */
#define TCP_SYN_RECV 3
#define TCP_TW 6
/* P8: a SYN queue limit small enough to fill by hand; the clause holds above 3/4 of it */
#define P8_BACKLOG 16
#define P8_FULL (P8_BACKLOG - P8_BACKLOG / 4 + 1)	/* 13: 16 - 13 < 4 */

static const char own_ini[] =
	"[lab]\nduration = 1s\n"
	"[server]\nport = 8080\n"
	"[client a]\nts_offset = 1073741824\n"
	"[client b]\nts_offset = 1073741824\n";

static const struct verify_opts *opts;
static int seq;

struct own {
	struct vnet_lab p;
	int lfd;
	struct verify_test *t;
	double t0;
};

static bool own_begin(struct verify_suite *s, struct own *o, const char *name, const char *what)
{
	char lname[TOPO_NAME_MAX + 1];
	int err;

	memset(o, 0, sizeof(*o));
	o->lfd = -1;
	o->t0 = vnet_now_ms();
	if (!verify_only_match(opts->only, name))
		return false;
	o->t = verify_add(s, name, what);
	if (!o->t)
		return false;
	snprintf(lname, sizeof(lname), "w%d-%d", (int)(getpid() % 100000), seq++);
	err = vnet_lab_up(&o->p, own_ini, lname, opts->interrupted);
	if (!err)
		err = vnet_listen(o->p.rt.server_fd, PORT, &o->lfd);
	if (err) {
		verify_set(o->t, VS_FAIL, "probe lab: %s", o->p.err[0] ? o->p.err : strerror(-err));
		return false;
	}
	return true;
}

static void own_end(struct own *o)
{
	if (o->lfd >= 0)
		close(o->lfd);
	vnet_lab_down(&o->p);
	if (!o->t)
		return;
	o->t->secs = (vnet_now_ms() - o->t0) / 1e3;
	if (opts->progress)
		opts->progress(o->t);
}

static int srv(struct own *o)
{
	return o->p.rt.server_fd;
}

static int cl(struct own *o, int i)
{
	return o->p.rt.client_fd[i];
}

static uint32_t cl_addr(struct own *o, int i)
{
	return o->p.lab->clients[i].addr.addr;
}

static uint32_t srv_addr(struct own *o)
{
	return o->p.lab->server.addr.addr;
}

static int set(struct own *o, const char *key, const char *val)
{
	int err = vnet_sysctl_set(srv(o), key, val);

	if (err)
		verify_set(o->t, VS_FAIL, "cannot set %s = %s in the server's namespace: %s", key,
			   val, strerror(-err));
	return err;
}

/* Poll the socket PORT <-> rport of the server until it is in state want (0: gone). */
static int wait_state(struct own *o, uint16_t rport, int want, int timeout_ms)
{
	double end = vnet_now_ms() + timeout_ms;
	int st, err;

	for (;;) {
		err = vnet_sock_state(srv(o), PORT, rport, &st, NULL);
		if (want ? !err && st == want : err == -ENOENT)
			return 0;
		if (vnet_now_ms() >= end)
			return -ETIMEDOUT;
		poll(NULL, 0, 2);	/* /proc has no event to wait on */
	}
}

/* A connection from client i that the server closes first; ret_rto_ms is the server socket's
 * RTO just before (tcpi_rto), ret_lport the client's port. The server is in TIME_WAIT after. */
static int server_closes(struct own *o, int i, int *ret_rto_ms, uint16_t *ret_lport)
{
	struct tcp_info ti;
	socklen_t l = sizeof(ti);
	struct vnet_conn c = { .fd = -1 };
	int afd, err;

	err = vnet_connect(cl(o, i), 0, srv_addr(o), PORT, CONNECT_MS, 0, &c);
	if (!err && c.err)
		err = -c.err;
	if (!err)
		err = vnet_accept(o->lfd, CONNECT_MS, &afd);
	if (err) {
		verify_set(o->t, VS_FAIL, "connection from %s: %s", o->p.lab->clients[i].name,
			   strerror(-err));
		if (c.fd >= 0)
			close(c.fd);
		return err;
	}
	if (ret_rto_ms)
		*ret_rto_ms = getsockopt(afd, IPPROTO_TCP, TCP_INFO, &ti, &l) ? -1
									 : (int)(ti.tcpi_rto / 1000);
	err = vnet_close_pair(afd, c.fd, CONNECT_MS);
	if (!err)
		err = wait_state(o, c.lport, TCP_TW, CONNECT_MS);
	if (err)
		verify_set(o->t, VS_FAIL, "the server did not reach TIME_WAIT with port %u: %s",
			   c.lport, strerror(-err));
	*ret_lport = c.lport;
	return err;
}

/* One SYN (and one retransmit) from client i: connected, or no answer within DROP_MS. */
static int try_connect(struct own *o, int i, uint16_t lport, bool *ret_ok)
{
	struct vnet_conn c;
	int afd, err = vnet_connect(cl(o, i), lport, srv_addr(o), PORT, DROP_MS, 1, &c);

	if (err) {
		verify_set(o->t, VS_FAIL, "connect from %s: %s", o->p.lab->clients[i].name,
			   strerror(-err));
		return err;
	}
	*ret_ok = !c.err;
	if (c.err)
		return 0;
	if (!vnet_accept(o->lfd, CONNECT_MS, &afd))
		vnet_close_pair(c.fd, afd, CONNECT_MS);	/* the client closes: no server TIME_WAIT */
	else
		close(c.fd);
	return 0;
}

static void p6(struct verify_suite *s)
{
	int on = 0, off = 0, st;
	struct counters b = { 0 }, a = { 0 };
	int rto = -1, rto2 = -1;
	uint16_t port, port2;
	double t_tw, life;
	long killed, tw;
	struct own o;

	if (!own_begin(s, &o, "p6_tw_shortened",
		       "with recycle on, TIME_WAIT lasts 3.5 x RTO and counts as TWKilled (P6)"))
		goto out;
	if (set(&o, "net.ipv4.tcp_tw_recycle", "1"))
		goto out;
	vnet_counters(srv(&o), &b);
	if (server_closes(&o, 0, &rto, &port))
		goto out;
	t_tw = vnet_now_ms();
	/* /proc/net/tcp, not sock_diag: a lab kernel may have no INET_DIAG */
	if (vnet_sock_state(srv(&o), PORT, port, &st, &on) || st != TCP_TW) {
		verify_set(o.t, VS_FAIL, "/proc/net/tcp does not show the server's TIME_WAIT");
		goto out;
	}
	if (wait_state(&o, port, 0, 10000)) {
		verify_set(o.t, VS_FAIL, "with recycle on, the TIME_WAIT (timer %d ms) still exists after 10 s",
			   on);
		goto out;
	}
	life = vnet_now_ms() - t_tw;
	vnet_counters(srv(&o), &a);
	killed = vnet_delta(&b, &a, "TcpExtTWKilled");
	tw = vnet_delta(&b, &a, "TcpExtTW");
	/* the control: recycle off, the same connection */
	if (set(&o, "net.ipv4.tcp_tw_recycle", "0") || server_closes(&o, 1, &rto2, &port2))
		goto out;
	if (vnet_sock_state(srv(&o), PORT, port2, &st, &off) || st != TCP_TW) {
		verify_set(o.t, VS_FAIL, "/proc/net/tcp does not show the second TIME_WAIT");
		goto out;
	}
	o.t->data = json_pack("{s:i,s:i,s:f,s:I,s:I,s:i}", "rto_ms", rto, "timer_ms_recycle",
			      on, "lifetime_ms", life, "TWKilled", (json_int_t)killed,
			      "TW", (json_int_t)tw, "timer_ms_without", off);
	/* 3.5 x RTO (tcp_time_wait()); the timer read a moment after it was armed */
	if (rto > 0 && on <= rto * 7 / 2 + 20 && on > 0 && life < rto * 7 / 2 + 1000 &&
	    killed >= 1 && off > 50000) {
		verify_behaviour(o.t, "TIME_WAIT with recycle: 3.5 x RTO (TWKilled)");
		verify_set(o.t, VS_PASS,
			   "RTO %d ms: TIME_WAIT timer %d ms (3.5 x RTO = %d), gone after %.0f ms, TWKilled +%ld; without recycle the timer is %.1f s",
			   rto, on, rto * 7 / 2, life, killed, off / 1e3);
	} else {
		verify_behaviour(o.t, "TIME_WAIT with recycle: %s",
				 on > 50000 ? "60 s" : "neither 3.5 x RTO nor 60 s");
		verify_set(o.t, VS_FAIL,
			   "RTO %d ms: TIME_WAIT timer %d ms, gone after %.0f ms, TWKilled +%ld, TW +%ld; without recycle %d ms (expected <= 3.5 x RTO and TWKilled with recycle, 60 s without)",
			   rto, on, life, killed, tw, off);
	}
out:
	counters_free(&b);
	counters_free(&a);
	own_end(&o);
}

static void p7(struct verify_suite *s)
{
	struct counters b1 = { 0 }, a1 = { 0 }, b2 = { 0 }, a2 = { 0 };
	bool ok_plain = true, ok_cookie = false;
	uint16_t port;
	long paws1, paws2, cookies;
	struct own o;

	if (!own_begin(s, &o, "p7_syncookie_bypass",
		       "SYNs answered by syncookies skip the recycle check (P7)"))
		goto out;
	/* a record for client a with a newer TSval than its next SYNs will carry */
	tsclock_set(o.p.rt.clock, cl_addr(&o, 0), TS_BASE + TS_SHIFT);
	if (set(&o, "net.ipv4.tcp_tw_recycle", "1") || set(&o, "net.ipv4.tcp_syncookies", "1") ||
	    server_closes(&o, 0, NULL, &port))
		goto out;
	tsclock_set(o.p.rt.clock, cl_addr(&o, 0), TS_BASE);
	/* the control: no cookie, the record drops the SYN */
	vnet_counters(srv(&o), &b1);
	if (try_connect(&o, 0, 0, &ok_plain))
		goto out;
	vnet_counters(srv(&o), &a1);
	/* tcp_syncookies = 2: every SYN gets a cookie, and want_cookie skips the check */
	if (set(&o, "net.ipv4.tcp_syncookies", "2"))
		goto out;
	vnet_counters(srv(&o), &b2);
	if (try_connect(&o, 0, 0, &ok_cookie))
		goto out;
	vnet_counters(srv(&o), &a2);
	paws1 = vnet_delta(&b1, &a1, "TcpExtPAWSPassive");
	paws2 = vnet_delta(&b2, &a2, "TcpExtPAWSPassive");
	cookies = vnet_delta(&b2, &a2, "TcpExtSyncookiesSent");
	o.t->data = json_pack("{s:b,s:I,s:b,s:I,s:I}", "plain_connected", ok_plain,
			      "plain_PAWSPassive", (json_int_t)paws1, "cookie_connected", ok_cookie,
			      "cookie_PAWSPassive", (json_int_t)paws2, "SyncookiesSent",
			      (json_int_t)cookies);
	if (!ok_plain && paws1 >= 1 && ok_cookie && !paws2 && cookies >= 1) {
		verify_behaviour(o.t, "a cookie-answered SYN skips the recycle check");
		verify_set(o.t, VS_PASS,
			   "older TSval from a recorded host: dropped without cookies (PAWSPassive +%ld), connected with tcp_syncookies = 2 (SyncookiesSent +%ld, PAWSPassive +0)",
			   paws1, cookies);
	} else {
		verify_behaviour(o.t, "%s", ok_cookie ? "a cookie-answered SYN skips the recycle check"
					       : "checked even with a cookie");
		verify_set(o.t, VS_FAIL,
			   "without cookies: %s (PAWSPassive +%ld); with tcp_syncookies = 2: %s (PAWSPassive +%ld, SyncookiesSent +%ld)",
			   ok_plain ? "connected" : "dropped", paws1,
			   ok_cookie ? "connected" : "dropped", paws2, cookies);
	}
out:
	counters_free(&b1);
	counters_free(&a1);
	counters_free(&b2);
	counters_free(&a2);
	own_end(&o);
}

/* Half-open requests from client a (ports from 41000 on): the server's SYN-ACKs are dropped by
 * an nft rule where a receives them, so each SYN leaves a request in the listener's SYN queue
 * for the minute of its SYN-ACK retransmissions. */
static int fill_queue(struct own *o, int from, int to)
{
	for (int i = from; i < to; i++) {
		struct vnet_conn c = { .fd = -1 };
		int err = vnet_connect(cl(o, 0), 41000 + i, srv_addr(o), PORT, 0, 0, &c);

		if (c.fd >= 0)
			close(c.fd);
		if (!err)
			err = wait_state(o, 41000 + i, TCP_SYN_RECV, CONNECT_MS);
		if (err) {
			verify_set(o->t, VS_FAIL, "request %d of the SYN queue (port %d): %s", i + 1,
				   41000 + i, strerror(-err));
			return err;
		}
	}
	return 0;
}

static void p8(struct verify_suite *s)
{
	struct counters b1 = { 0 }, a1 = { 0 }, b2 = { 0 }, a2 = { 0 };
	char nft[512], nerr[256], s_ip[16], bl[8];
	bool below = false, above = true;
	long drops1, drops2;
	uint16_t port;
	struct own o;
	uint32_t h;

	if (!own_begin(s, &o, "p8_backlog_clause",
		       "with recycle off and syncookies off, a SYN queue over 3/4 full drops new SYNs (P8)"))
		goto out;
	/* client b becomes a peer with a tcp_metrics record (RTT and ts_stamp, written with
	 * recycle on): "proven" by 4.11's definition */
	if (set(&o, "net.ipv4.tcp_tw_recycle", "1") || server_closes(&o, 1, NULL, &port) ||
	    set(&o, "net.ipv4.tcp_tw_recycle", "0") || set(&o, "net.ipv4.tcp_syncookies", "0"))
		goto out;
	snprintf(bl, sizeof(bl), "%d", P8_BACKLOG);
	if (set(&o, "net.ipv4.tcp_max_syn_backlog", bl))
		goto out;
	h = srv_addr(&o);
	snprintf(s_ip, sizeof(s_ip), "%u.%u.%u.%u", h >> 24, (h >> 16) & 255, (h >> 8) & 255,
		 h & 255);
	/* dropped where client a receives them: a SYN-ACK the server cannot send (an nft drop
	 * on its own output) makes reqsk_timer_handler() drop the request at the first
	 * retransmission, 1 s later */
	snprintf(nft, sizeof(nft),
		 "table ip twlab_p8 {\n chain in {\n  type filter hook input priority 0;\n"
		 "  ip saddr %s tcp flags & (syn | ack) == (syn | ack) drop\n }\n}\n", s_ip);
	if (vnet_nft(cl(&o, 0), nft, nerr, sizeof(nerr))) {
		verify_set(o.t, VS_FAIL, "nft in client a's namespace: %s", nerr);
		goto out;
	}
	/* just under the clause: 16 - 12 = 4, not < 4 */
	if (fill_queue(&o, 0, P8_FULL - 1))
		goto out;
	vnet_counters(srv(&o), &b1);
	if (try_connect(&o, 1, 0, &below))
		goto out;
	vnet_counters(srv(&o), &a1);
	/* one more request: 16 - 13 < 4 */
	if (fill_queue(&o, P8_FULL - 1, P8_FULL))
		goto out;
	vnet_counters(srv(&o), &b2);
	if (try_connect(&o, 1, 0, &above))
		goto out;
	vnet_counters(srv(&o), &a2);
	drops1 = vnet_delta(&b1, &a1, "TcpExtListenDrops");
	drops2 = vnet_delta(&b2, &a2, "TcpExtListenDrops");
	o.t->data = json_pack("{s:i,s:i,s:b,s:I,s:b,s:I,s:I}", "tcp_max_syn_backlog", P8_BACKLOG,
			      "queue_full_at", P8_FULL, "connected_below", below,
			      "ListenDrops_below", (json_int_t)drops1, "connected_above", above,
			      "ListenDrops_above", (json_int_t)drops2, "PAWSPassive_above",
			      (json_int_t)vnet_delta(&b2, &a2, "TcpExtPAWSPassive"));
	if (below && !drops1 && !above && drops2 >= 1) {
		verify_behaviour(o.t, "over 3/4 of the SYN queue: every new SYN dropped, proven or not");
		verify_set(o.t, VS_PASS,
			   "tcp_max_syn_backlog %d, syncookies 0, recycle 0: with %d requests queued a SYN from a host with a tcp_metrics record connects, with %d it is dropped (ListenDrops +%ld, no SYN-ACK)",
			   P8_BACKLOG, P8_FULL - 1, P8_FULL, drops2);
	} else {
		verify_behaviour(o.t, "%s", !above ? "over 3/4 of the SYN queue: every new SYN dropped, proven or not"
						   : "a proven peer passes the clause");
		verify_set(o.t, VS_FAIL,
			   "with %d requests queued: %s (ListenDrops +%ld); with %d: %s (ListenDrops +%ld)",
			   P8_FULL - 1, below ? "connected" : "dropped", drops1, P8_FULL,
			   above ? "connected" : "dropped", drops2);
	}
out:
	counters_free(&b1);
	counters_free(&a1);
	counters_free(&b2);
	counters_free(&a2);
	own_end(&o);
}

int verify_ownrule(struct verify_suite *s, const struct verify_opts *o)
{
	opts = o;
	p6(s);
	if (!o->interrupted || !o->interrupted())
		p7(s);
	if (!o->interrupted || !o->interrupted())
		p8(s);
	return 0;
}
