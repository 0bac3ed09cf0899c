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
#include "audit/exp.h"
#include "lab/sysctl.h"

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

static const struct audit_opts *opts;
static int lab_seq;

void audit_say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

void audit_nap(int ms)
{
	poll(NULL, 0, ms);   /* the kernel has no event for "a timer moved": poll with a deadline */
}

/* Close with a RST, freeing the socket at once: a user socket holds its namespace, and an
 * orphan retransmitting into a dropped path would keep the lab's namespace alive for minutes. */
void audit_abort_close(int fd)
{
	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &(struct linger){ 1, 0 }, sizeof(struct linger));
	close(fd);
}

double audit_secs(long ms)
{
	return ms / 1e3;
}

int audit_set(int ns, const char *key, const char *value)
{
	return vnet_sysctl_set(ns, key, value);
}

int audit_set_long(int ns, const char *key, long v)
{
	char b[32];

	snprintf(b, sizeof(b), "%ld", v);
	return audit_set(ns, key, b);
}

long audit_get_long(int ns, const char *key)
{
	char b[64];

	return vnet_sysctl_get(ns, key, b, sizeof(b)) ? -1 : atol(b);
}

/* Connect from ns to the server's port and accept: 0 only when both ends exist. */
int audit_pair(struct ctx *x, int ns, int lfd, uint16_t port, struct vnet_conn *c, int *ret_afd)
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
int audit_tw_left(struct ctx *x, int ns, bool server_closes, long *ret_ms)
{
	struct vnet_diag d;
	struct vnet_conn c;
	int afd, err = audit_pair(x, ns, x->lfd, PORT, &c, &afd);

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

bool audit_same_tw(long a, long b)
{
	return labs(a - b) < TW_SAME_MS;
}

int audit_fail(struct ctx *x, int err, const char *what)
{
	x->l->verdict = AV_NOT_MEASURED;
	WHY(x, "the experiment could not run: %s: %s", what, strerror(-err));
	return err;
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
		audit_say(l->netns_how, sizeof(l->netns_how),
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
		audit_say(l->netns_how, sizeof(l->netns_how),
		    "read-only in a network namespace: one value, the host's");
		return;
	}
	if (err == -EINVAL && try == l->value) {
		l->refused = true;
		return;
	}
	if (err) {
		audit_say(l->netns_how, sizeof(l->netns_how), "could not be set in a lab namespace: %s",
		    strerror(-err));
		return;
	}
	if (sysctl_get(l->key, host2, sizeof(host2)) || strcmp(host2, l->host_value)) {
		/* a global value after all: put the host's back at once and say so */
		vnet_sysctl_set(x->w, l->key, l->host_value);
		l->per_netns = 0;
		audit_say(l->netns_how, sizeof(l->netns_how),
		    "global: setting it in a lab namespace changed the host's value (put back)");
		return;
	}
	vnet_sysctl_get(x->w, l->key, back, sizeof(back));
	if (!same_value(back, try)) {
		l->per_netns = -1;
		audit_say(l->netns_how, sizeof(l->netns_how), "set to %s in a lab namespace, it read back %s",
		    try, back);
	} else if (same_value(try, l->host_value)) {
		l->per_netns = -1;
		audit_say(l->netns_how, sizeof(l->netns_how),
		    "writable in a lab namespace; the host has the same value, so not compared");
	} else {
		l->per_netns = 1;
		audit_say(l->netns_how, sizeof(l->netns_how),
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
		return audit_exp_fin_timeout(x);
	case AE_TW_REUSE:
		return audit_exp_tw_reuse(x);
	case AE_TW_RECYCLE:
		return audit_exp_tw_recycle_nat(x);
	case AE_TW_REUSE_DELAY:
		return audit_exp_tw_reuse_delay(x);
	case AE_KA_TIME:
		return audit_exp_keepalive(x, 0);
	case AE_KA_INTVL:
		return audit_exp_keepalive(x, 1);
	case AE_KA_PROBES:
		return audit_exp_keepalive(x, 2);
	case AE_MAX_TW:
		return audit_exp_max_tw(x);
	case AE_PORT_RANGE:
		return audit_exp_port_range(x);
	case AE_TIMESTAMPS:
		return audit_exp_timestamps(x);
	case AE_SYNCOOKIES:
		return audit_exp_syncookies(x);
	case AE_SOMAXCONN:
		return audit_exp_somaxconn(x);
	case AE_SYN_BACKLOG:
		return audit_exp_syn_backlog(x);
	default:
		return 0;
	}
}

static void absent(struct audit_line *l)
{
	l->exists = 0;
	l->verdict = AV_ABSENT;
	if (l->known && l->known->exp == AE_TW_RECYCLE)
		audit_say(l->why, sizeof(l->why),
		    "absent since Linux 4.12 ('tcp: remove tcp_tw_recycle', 4396e46187ca): the per-peer "
		    "timestamp check of tcp_conn_request() (net/ipv4/tcp_input.c, tcp_peer_is_proven()) "
		    "that dropped the SYNs of every client behind one NAT address but the one with the "
		    "largest clock is gone; sysctl -p fails on this line%s",
		    l->ignore_failure ? " (the '-' prefix makes it ignore that)" : "");
	else
		audit_say(l->why, sizeof(l->why),
		    "there is no /proc/sys entry for it on this kernel (removed, never there, or its "
		    "module is not loaded): sysctl -p fails on this line%s",
		    l->ignore_failure ? " (the '-' prefix makes it ignore that)" : "");
	audit_say(l->measured, sizeof(l->measured), "no /proc/sys/%s", l->key);
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
		audit_say(l->why, sizeof(l->why), "a pattern: the audit measures single keys");
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
		audit_say(l->netns_how, sizeof(l->netns_how),
		    "not under net.: one value for the whole host (the audit never writes it)");
		l->verdict = AV_NOT_MEASURED;
		audit_say(l->why, sizeof(l->why), "twlab has no experiment for this key: not measured, not guessed");
		return 0;
	}
	snprintf(name, sizeof(name), "au%d-%d", (int)(getpid() % 100000), lab_seq++);
	err = vnet_lab_up(&x.p, l->known && l->known->exp == AE_TW_RECYCLE ? nat_ini : lab_ini, name,
			  opts->interrupted);
	if (err) {
		l->verdict = AV_NOT_MEASURED;
		audit_say(l->why, sizeof(l->why), "the lab could not be built: %s", x.p.err);
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
		audit_say(l->why, sizeof(l->why), "the kernel refused the value %s (Invalid argument)", l->value);
	} else if (!l->known || !l->known->exp) {
		l->verdict = AV_NOT_MEASURED;
		audit_say(l->why, sizeof(l->why), "twlab has no experiment for this key: not measured, not guessed");
	} else if (l->per_netns == 0 && l->known->exp) {
		l->verdict = AV_NOT_MEASURED;
		audit_say(l->why, sizeof(l->why), "it cannot be set inside a lab namespace (%s), and the audit "
		    "never changes the host", l->netns_how);
	} else {
		err = vnet_listen(x.s, PORT, &x.lfd);
		if (err)
			audit_fail(&x, err, "listener");
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

