// SPDX-License-Identifier: GPL-2.0
/* audit experiments on idle connections and listen queues: the keepalive keys, tcp_syncookies,
 * tcp_max_syn_backlog, somaxconn. */
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

/* ------------------------------------------------------------------ keepalive */

static const char *const ka_key[] = { "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_keepalive_intvl",
				       "net.ipv4.tcp_keepalive_probes" };

/* An idle connection from ns with SO_KEEPALIVE (keepalive on) or without. */
static int idle_conn(struct ctx *x, int ns, bool keepalive, struct vnet_conn *c, int *ret_afd)
{
	int err = audit_pair(x, ns, x->lfd, PORT, c, ret_afd);

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

int audit_exp_keepalive(struct ctx *x, int which)
{
	struct vnet_cap cap = { .fd = -1 };
	struct vnet_conn cw = { .fd = -1 }, co = { .fd = -1 }, cn = { .fd = -1 };
	struct vnet_diag dw = { 0 }, dn = { 0 }, d2 = { 0 };
	struct counters cb = { 0 }, ca = { 0 };
	long tww = 0, two = 0, dflt = audit_get_long(x->w, x->l->key);
	int aw = -1, ao = -1, an = -1, err, nprobe = 0, probes = (int)x->v;
	double t[16], t_drop = 0, t_dead = -1;
	bool rst = false;
	size_t mark = 0;

	/* TIME_WAIT first, with the value applied and without */
	err = audit_set(x->w, x->l->key, x->l->value);
	if (!err)
		err = audit_tw_left(x, x->w, false, &tww);
	if (!err)
		err = audit_tw_left(x, x->o, false, &two);
	if (err)
		return audit_fail(x, err, "TIME_WAIT connection");

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
			audit_fail(x, err, "idle connection");
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
			 audit_secs(dw.expires_ms), audit_secs(d2.expires_ms),
			 dn.timer == 2 ? "a keepalive timer too" : "no keepalive timer at all",
			 audit_secs(tww), audit_secs(two));
	} else {
		/* unanswered probes, timed on the wire with short values */
		int ka[3] = { 1, which == 1 ? (int)x->v : 1, which == 2 ? probes : 9 };

		if (which == 2 && probes > 4)
			ka[2] = 4;   /* the count is the mechanism; 4 keeps it fast */
		for (int i = 0; i < 3 && !err; i++)
			err = audit_set_long(x->w, ka_key[i], ka[i]);
		if (!err)
			err = vnet_cap_open(x->s, x->p.rt.server_link, &cap);
		if (!err)
			err = idle_conn(x, x->w, true, &cw, &aw);
		if (!err)
			err = drop_to_server(x);
		if (err) {
			audit_fail(x, err, "keepalive connection");
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
				audit_nap(10);
			audit_nap(20);
			err = vnet_diag_find(x->w, ST(S_EST), cw.lport, PORT, &dw);
			if (!err && x->v <= 2) {
				end = vnet_now_ms() + x->v * 1000 + 1500;
				while (probes_seen(&cap, mark, cw.lport, t, 2, &rst) < 2 &&
				       vnet_now_ms() < end)
					audit_nap(10);
			}
			nprobe = probes_seen(&cap, mark, cw.lport, t, 16, &rst);
			if (err || nprobe < 1) {
				audit_fail(x, err ? err : -ETIMEDOUT, "first keepalive probe");
				goto out;
			}
			x->l->data = json_pack("{s:i,s:i,s:f,s:I,s:I}", "probes_seen", nprobe,
					       "next_probe_due_ms", dw.expires_ms, "interval_ms",
					       nprobe >= 2 ? t[1] - t[0] : -1.0, "time_wait_left_ms",
					       (json_int_t)tww, "time_wait_left_ms_without",
					       (json_int_t)two);
			MEASURED(x, "unanswered idle connection (keepalive_time 1 s): first probe, then the next "
				 "due in %.1f s (default %ld s); TIME_WAIT %.1f s left (%.1f s without)",
				 audit_secs(dw.expires_ms), dflt, audit_secs(tww), audit_secs(two));
			if (nprobe >= 2)
				audit_say(x->l->measured + strlen(x->l->measured),
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
			audit_nap(20);
			nprobe = probes_seen(&cap, mark, cw.lport, t, 16, &rst);
			vnet_counters(x->w, &ca);
			if (t_dead < 0) {
				audit_fail(x, -ETIMEDOUT, "waiting for keepalive to give up");
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
				 rst ? "a RST" : "given up", t_dead / 1e3, strerror(soerr), audit_secs(tww),
				 audit_secs(two));
		}
	}
	x->l->verdict = audit_same_tw(tww, two) ? AV_NO_TW : AV_CLAIMED;
	if (x->l->verdict == AV_NO_TW)
		WHY(x, "keepalive probes an idle established connection, and only one whose application "
		       "set SO_KEEPALIVE (tcp_keepalive_timer() in net/ipv4/tcp_timer.c, armed by "
		       "tcp_set_keepalive()): after keepalive_time idle, every keepalive_intvl, dead after "
		       "keepalive_probes unanswered; a TIME_WAIT socket has no keepalive timer and stays 60 s");
	else
		WHY(x, "on this kernel the TIME_WAIT timer moved with a keepalive value (%.1f s against "
		       "%.1f s): tcp_time_wait() in net/ipv4/tcp_minisocks.c changed", audit_secs(tww), audit_secs(two));
out:
	vnet_cap_close(&cap);
	counters_free(&cb);
	counters_free(&ca);
	for (int *fd = (int[]){ cw.fd, co.fd, cn.fd, aw, ao, an }, i = 0; i < 6; i++)
		audit_abort_close(fd[i]);
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
		audit_nap(10);
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

int audit_exp_syncookies(struct ctx *x)
{
	struct flood f0 = { 0 }, f1 = { 0 };
	long s0 = 0, s1 = 0, dflt = audit_get_long(x->s, x->l->key);
	int err;

	err = syn_flood(x, x->o, 8081, 8, 24, &f0);
	if (!err)
		err = audit_tw_left(x, x->o, true, &s0);
	if (!err)
		err = audit_set(x->s, x->l->key, x->l->value);
	if (!err)
		err = syn_flood(x, x->o, 8082, 8, 24, &f1);
	if (!err)
		err = audit_tw_left(x, x->o, true, &s1);
	if (err)
		return audit_fail(x, err, "SYN flood on a listener with backlog 8");
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
		 audit_secs(s1), audit_secs(s0));
	x->l->verdict = audit_same_tw(s0, s1) ? AV_NO_TW : AV_CLAIMED;
	WHY(x, "tcp_syncookies decides what tcp_conn_request() (net/ipv4/tcp_input.c, "
	       "tcp_syn_flood_action()) does once a listener's SYN queue is full: a cookie (1), a "
	       "drop (0) or a cookie for every SYN (2); TIME_WAIT is not involved");
	return 0;
}

int audit_exp_syn_backlog(struct ctx *x)
{
	struct flood f1 = { 0 }, f0 = { 0 };
	long dflt = audit_get_long(x->s, x->l->key), s0 = 0, s1 = 0;
	int n = x->v <= 256 ? (int)x->v + 16 : 256, err;

	err = audit_tw_left(x, x->o, true, &s0);
	if (!err)
		err = audit_set(x->s, x->l->key, x->l->value);
	if (!err)
		err = audit_tw_left(x, x->o, true, &s1);
	/* with the lab's tcp_syncookies (1, the default), then with 0: the only case it is read.
	 * From client w, which has never connected: a peer with TCP metrics from an earlier
	 * connection (o, above) is "proven" and never dropped by that clause. */
	if (!err)
		err = syn_flood(x, x->w, 8083, 4096, n, &f1);
	if (!err)
		err = audit_set(x->s, "net.ipv4.tcp_syncookies", "0");
	if (!err)
		err = syn_flood(x, x->w, 8084, 4096, n, &f0);
	if (err)
		return audit_fail(x, err, "SYN flood");
	x->l->data = json_pack("{s:i,s:i,s:I,s:i,s:I,s:I,s:I,s:I}", "syns", n, "kept_syncookies_1",
			       f1.kept, "dropped_syncookies_1", (json_int_t)f1.listen_drops,
			       "kept_syncookies_0", f0.kept, "dropped_syncookies_0",
			       (json_int_t)f0.listen_drops, "default", (json_int_t)dflt,
			       "time_wait_left_ms", (json_int_t)s1, "time_wait_left_ms_without",
			       (json_int_t)s0);
	MEASURED(x, "%d SYNs never completed, listen backlog 4096: with tcp_syncookies=1 %d kept, %ld "
		 "dropped; with tcp_syncookies=0 %d kept, %ld dropped; server TIME_WAIT %.1f s left "
		 "(%.1f s without)", n, f1.kept, f1.listen_drops, f0.kept, f0.listen_drops, audit_secs(s1),
		 audit_secs(s0));
	x->l->verdict = audit_same_tw(s0, s1) ? AV_NO_TW : AV_CLAIMED;
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

int audit_exp_somaxconn(struct ctx *x)
{
	struct vnet_diag d0, d1, d;
	long s0 = 0, s1 = 0, dflt = audit_get_long(x->s, x->l->key);
	int l0 = -1, l1 = -1, err, queued = -1, n = 0;

	err = listen_backlog(x->s, 8085, &l0, &d0);
	if (!err)
		err = audit_tw_left(x, x->o, true, &s0);
	if (!err)
		err = audit_set(x->s, x->l->key, x->l->value);
	if (!err)
		err = listen_backlog(x->s, 8086, &l1, &d1);
	if (!err)
		err = audit_tw_left(x, x->o, true, &s1);
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
			audit_nap(10);
		}
		for (int i = 0; i < n; i++)
			if (fds[i] >= 0)
				audit_abort_close(fds[i]);
	}
	if (l0 >= 0)
		close(l0);
	if (l1 >= 0)
		close(l1);
	if (err)
		return audit_fail(x, err, "listener");
	x->l->data = json_pack("{s:i,s:i,s:i,s:i,s:I,s:I,s:I}", "listen_65535_backlog", d1.wqueue,
			       "listen_65535_backlog_without", d0.wqueue, "connections", n,
			       "queued_unaccepted", queued, "default", (json_int_t)dflt,
			       "time_wait_left_ms", (json_int_t)s1, "time_wait_left_ms_without",
			       (json_int_t)s0);
	MEASURED(x, "listen(fd, 65535) gets a backlog of %u (%u without, default %ld)", d1.wqueue,
		 d0.wqueue, dflt);
	if (queued >= 0)
		audit_say(x->l->measured + strlen(x->l->measured), sizeof(x->l->measured) - strlen(x->l->measured),
		    "; %d connections nobody accepts: %d queued", n, queued);
	audit_say(x->l->measured + strlen(x->l->measured), sizeof(x->l->measured) - strlen(x->l->measured),
	    "; server TIME_WAIT %.1f s left (%.1f s without)", audit_secs(s1), audit_secs(s0));
	x->l->verdict = audit_same_tw(s0, s1) ? AV_NO_TW : AV_CLAIMED;
	WHY(x, "somaxconn caps the backlog an application passes to listen() (__sys_listen() in "
	    "net/socket.c): the queue of established connections not yet accepted "
	    "(sk_acceptq_is_full()); TIME_WAIT is not involved");
	return 0;
}

