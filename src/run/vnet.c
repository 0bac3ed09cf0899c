// SPDX-License-Identifier: GPL-2.0
/*
 * vnet: what probes do inside lab namespaces: TCP sockets made in a namespace (a socket keeps
 * the netns it was created in, so one thread can drive all nodes), an AF_PACKET capture of a
 * link, socket states and timers, sysctls, counters and nft rules of a namespace.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <netlink/netlink.h>
#include <netlink/cache.h>
#include <netlink/idiag/idiagnl.h>
#include <netlink/idiag/msg.h>
#include "lab/nat.h"
#include "lab/netns.h"
#include "lab/nl.h"
#include "lab/sysctl.h"
#include "run/conntrack.h"
#include "run/vnet.h"

int vnet_lab_up(struct vnet_lab *p, const char *ini, const char *name, bool (*interrupted)(void))
{
	struct topo_err te;
	int err;

	memset(p, 0, sizeof(*p));
	err = topo_load_buffer(ini, strlen(ini), "probe", name, &p->lab, &te);
	if (err) {
		snprintf(p->err, sizeof(p->err), "internal topology: line %d: %s: %s", te.line, te.key,
			 te.msg);
		return err;
	}
	lab_rt_init(&p->rt, p->lab);
	p->rt.interrupted = interrupted;
	err = lab_up(&p->rt);
	if (err) {
		snprintf(p->err, sizeof(p->err), "lab up: %s: %s", p->rt.err, strerror(-err));
		topo_free(p->lab);
		p->lab = NULL;
		return err;
	}
	p->up = true;
	return 0;
}

void vnet_lab_down(struct vnet_lab *p)
{
	if (p->up)
		lab_down(&p->rt);
	if (p->lab)
		topo_free(p->lab);
	p->up = false;
	p->lab = NULL;
}

double vnet_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Run in ns_fd: enter, do, come back. */
#define IN_NS(ns_fd, err, stmt)                          \
	do {                                             \
		err = netns_enter(ns_fd);                \
		if (!err) {                              \
			stmt;                            \
			netns_enter_root();              \
		}                                        \
	} while (0)

int vnet_cap_open(int ns_fd, int ifindex, struct vnet_cap *ret)
{
	/* ETH_P_ALL: the transmit tap only feeds ptype_all sockets; ETH_P_IP sees no outgoing */
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = ifindex };
	int fd = -1, on = 1, err;

	IN_NS(ns_fd, err, fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
				      htons(ETH_P_ALL)); if (fd < 0) err = -errno);
	if (err)
		return err;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) ||
	    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on))) {
		err = -errno;
		close(fd);
		return err;
	}
	/* a probe's packets must all stay queued until it drains them */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &(int){ 4 << 20 }, sizeof(int));
	memset(ret, 0, sizeof(*ret));
	ret->fd = fd;
	return 0;
}

static bool parse(const uint8_t *b, size_t len, struct vnet_pkt *p)
{
	const struct iphdr *ip = (const void *)b;
	const struct tcphdr *th;
	size_t ihl, doff;

	if (len < sizeof(*ip) || ip->version != 4 || ip->protocol != IPPROTO_TCP)
		return false;
	ihl = ip->ihl * 4;
	if (len < ihl + sizeof(*th))
		return false;
	th = (const void *)(b + ihl);
	doff = th->doff * 4;
	if (doff < sizeof(*th) || len < ihl + doff)
		return false;
	p->saddr = ntohl(ip->saddr);
	p->daddr = ntohl(ip->daddr);
	p->sport = ntohs(th->source);
	p->dport = ntohs(th->dest);
	p->seq = ntohl(th->seq);
	p->ack = ntohl(th->ack_seq);
	p->flags = b[ihl + 13];
	p->payload = ntohs(ip->tot_len) > ihl + doff ? ntohs(ip->tot_len) - ihl - doff : 0;
	p->has_ts = false;
	for (size_t o = ihl + sizeof(*th); o < ihl + doff;) {
		uint8_t kind = b[o];

		if (kind == 0)
			break;
		if (kind == 1) {
			o++;
			continue;
		}
		if (o + 1 >= ihl + doff || b[o + 1] < 2 || o + b[o + 1] > ihl + doff)
			break;
		if (kind == 8 && b[o + 1] == 10) {
			uint32_t v, e;

			memcpy(&v, b + o + 2, 4);
			memcpy(&e, b + o + 6, 4);
			p->has_ts = true;
			p->tsval = ntohl(v);
			p->tsecr = ntohl(e);
		}
		o += b[o + 1];
	}
	return true;
}

void vnet_cap_drain(struct vnet_cap *c)
{
	uint8_t buf[256], ctl[256];

	for (;;) {
		struct sockaddr_ll from;
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
				    .msg_iovlen = 1, .msg_control = ctl,
				    .msg_controllen = sizeof(ctl) };
		struct vnet_pkt p = { 0 };
		ssize_t n = recvmsg(c->fd, &m, MSG_TRUNC);

		if (n < 0)
			return;
		if (from.sll_protocol != htons(ETH_P_IP) ||
		    !parse(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf), &p))
			continue;
		p.out = from.sll_pkttype == PACKET_OUTGOING;
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm))
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_TIMESTAMPNS) {
				struct timespec ts;

				memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
				p.t_ms = ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
			}
		if (c->n == c->cap) {
			size_t nc = c->cap ? 2 * c->cap : 256;
			struct vnet_pkt *v = realloc(c->v, nc * sizeof(*v));

			if (!v)
				return;
			c->v = v;
			c->cap = nc;
		}
		c->v[c->n++] = p;
	}
}

void vnet_cap_close(struct vnet_cap *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->v);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

int vnet_socket(int ns_fd, int *ret_fd)
{
	int fd = -1, err;

	IN_NS(ns_fd, err, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	      if (fd < 0) err = -errno);
	if (!err)
		*ret_fd = fd;
	return err;
}

int vnet_listen(int ns_fd, uint16_t port, int *ret_fd)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd, err = vnet_socket(ns_fd, &fd);

	if (err)
		return err;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, 128)) {
		err = -errno;
		close(fd);
		return err;
	}
	*ret_fd = fd;
	return 0;
}

int vnet_connect(int ns_fd, uint16_t lport, uint32_t dst, uint16_t dport, int timeout_ms,
		 int syncnt, struct vnet_conn *c)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(dport),
				   .sin_addr.s_addr = htonl(dst) };
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons(lport) };
	socklen_t sl = sizeof(me);
	struct pollfd pf;
	int fd, err = vnet_socket(ns_fd, &fd), soerr = 0;

	if (err)
		return err;
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (syncnt > 0)
		setsockopt(fd, IPPROTO_TCP, TCP_SYNCNT, &syncnt, sizeof(syncnt));
	if (lport) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int));
		if (bind(fd, (struct sockaddr *)&me, sizeof(me))) {
			err = -errno;
			close(fd);
			return err;
		}
	}
	c->t0_ms = vnet_now_ms();
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) && errno != EINPROGRESS) {
		c->err = errno;
		goto done;
	}
	pf = (struct pollfd){ .fd = fd, .events = POLLOUT };
	if (poll(&pf, 1, timeout_ms) != 1) {
		c->err = ETIMEDOUT;
		goto done;
	}
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &(socklen_t){ sizeof(int) });
	c->err = soerr;
done:
	c->connect_ms = vnet_now_ms() - c->t0_ms;
	if (!getsockname(fd, (struct sockaddr *)&me, &sl))
		c->lport = ntohs(me.sin_port);
	if (c->err)
		close(fd);
	else
		c->fd = fd;
	return 0;
}

int vnet_accept(int lfd, int timeout_ms, int *ret_fd)
{
	struct pollfd pf = { .fd = lfd, .events = POLLIN };
	int fd;

	if (poll(&pf, 1, timeout_ms) != 1)
		return -ETIMEDOUT;
	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return -errno;
	*ret_fd = fd;
	return 0;
}

int vnet_wait_eof(int fd, int timeout_ms)
{
	double end = vnet_now_ms() + timeout_ms;
	char b[256];

	for (;;) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		int left = (int)(end - vnet_now_ms());
		ssize_t n;

		if (left <= 0 || poll(&pf, 1, left) != 1)
			return -ETIMEDOUT;
		n = read(fd, b, sizeof(b));
		if (n == 0)
			return 0;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
	}
}

int vnet_close_pair(int first, int second, int timeout_ms)
{
	int err;

	close(first);
	err = vnet_wait_eof(second, timeout_ms);
	close(second);
	return err;
}

int vnet_sock_state(int ns_fd, uint16_t lport, uint16_t rport, int *ret_state, int *ret_timer_ms)
{
	char line[512];
	int err, found = -ENOENT;
	FILE *f = NULL;

	IN_NS(ns_fd, err, f = fopen("/proc/thread-self/net/tcp", "re"); if (!f) err = -errno);
	if (err)
		return err;
	while (fgets(line, sizeof(line), f)) {
		unsigned int lp, rp, st, tr;
		unsigned long when;

		/* sl local rem st tx:rx tr:tm->when ... */
		if (sscanf(line, " %*d: %*x:%x %*x:%x %x %*x:%*x %x:%lx", &lp, &rp, &st, &tr,
			   &when) != 5 || lp != lport || rp != rport)
			continue;
		found = 0;
		*ret_state = st;
		if (ret_timer_ms)
			*ret_timer_ms = tr ? (int)(when * 1000 / sysconf(_SC_CLK_TCK)) : 0;
		if (st == 6)   /* prefer the TIME_WAIT entry when a new socket shares the tuple */
			break;
	}
	fclose(f);
	return found;
}

int vnet_wait_tw(int ns_fd, uint16_t lport, uint16_t rport, int timeout_ms)
{
	double end = vnet_now_ms() + timeout_ms;
	int st, err;

	for (;;) {
		err = vnet_sock_state(ns_fd, lport, rport, &st, NULL);
		if (!err && st == 6)
			return 0;
		if (vnet_now_ms() >= end)
			return -ETIMEDOUT;
		poll(NULL, 0, 2);	/* /proc has no event to wait on */
	}
}

struct ct_find {
	uint16_t dport, reply_dport;
	int state;
};

static void ct_find_one(const struct ct_entry *e, void *ctx)
{
	struct ct_find *f = ctx;

	if (e->orig_dport == f->dport && e->reply_dport == f->reply_dport)
		f->state = e->tcp_state;
}

int vnet_wait_ct_state(int ns_fd, uint16_t dport, uint16_t reply_dport, int want,
		       int timeout_ms, int *ret_state)
{
	double end = vnet_now_ms() + timeout_ms;
	struct ct_find f = { dport, reply_dport, -1 };
	int err, e2 = 0;

	for (;;) {
		f.state = -1;
		IN_NS(ns_fd, err, e2 = ct_dump(ct_find_one, &f));
		if (!err)
			err = e2 < 0 ? e2 : 0;
		if (ret_state)
			*ret_state = f.state;
		if (err)
			return err;
		if (f.state == want)
			return 0;
		if (vnet_now_ms() >= end)
			return f.state < 0 ? -ENOENT : -ETIMEDOUT;
		poll(NULL, 0, 2);	/* a state change has an event, but one dump is cheaper */
	}
}

int vnet_wait_ct_gone(int ns_fd, uint16_t dport, uint16_t reply_dport, int timeout_ms,
		      int *ret_state)
{
	return vnet_wait_ct_state(ns_fd, dport, reply_dport, -1, timeout_ms, ret_state);
}

int vnet_sysctl_set(int ns_fd, const char *name, const char *value)
{
	int err, e2 = 0;

	IN_NS(ns_fd, err, e2 = sysctl_set(name, value));
	return err ? err : e2;
}

int vnet_sysctl_get(int ns_fd, const char *name, char *buf, size_t len)
{
	int err, e2 = 0;

	IN_NS(ns_fd, err, e2 = sysctl_get(name, buf, len));
	return err ? err : e2;
}

int vnet_counters(int ns_fd, struct counters *ret)
{
	int err, e2 = 0;

	IN_NS(ns_fd, err, e2 = counters_read(ret));
	return err ? err : e2;
}

long vnet_delta(const struct counters *before, const struct counters *after, const char *name)
{
	return (long)(counters_get(after, name) - counters_get(before, name));
}

int vnet_ct_stat(int ns_fd, const char *column, uint64_t *ret)
{
	char line[1024], *tok, *save;
	int err, col = -1, i;
	uint64_t sum = 0;
	FILE *f = NULL;

	IN_NS(ns_fd, err, f = fopen("/proc/thread-self/net/stat/nf_conntrack", "re");
	      if (!f) err = -errno);
	if (err)
		return err;
	if (fgets(line, sizeof(line), f))
		for (i = 0, tok = strtok_r(line, " \n", &save); tok;
		     tok = strtok_r(NULL, " \n", &save), i++)
			if (!strcmp(tok, column))
				col = i;
	while (col >= 0 && fgets(line, sizeof(line), f))
		for (i = 0, tok = strtok_r(line, " \n", &save); tok;
		     tok = strtok_r(NULL, " \n", &save), i++)
			if (i == col)
				sum += strtoull(tok, NULL, 16);
	fclose(f);
	if (col < 0)
		return -ENOENT;
	*ret = sum;
	return 0;
}

int vnet_diag_list(int ns_fd, unsigned states, struct vnet_diag **ret, size_t *ret_n)
{
	struct nl_sock *sk = NULL;
	struct nl_cache *cache = NULL;
	struct vnet_diag *v = NULL;
	size_t n = 0;
	int err;

	/* the netlink socket answers for the namespace it was opened in */
	IN_NS(ns_fd, err, sk = nl_socket_alloc(); if (!sk) err = -ENOMEM;
	      else if ((err = idiagnl_connect(sk))) err = nl_errno(err));
	if (err)
		goto out;
	err = idiagnl_msg_alloc_cache(sk, AF_INET, (int)states, &cache);
	if (err) {
		err = nl_errno(err);
		goto out;
	}
	v = calloc(nl_cache_nitems(cache) + 1, sizeof(*v));
	if (!v) {
		err = -ENOMEM;
		goto out;
	}
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct idiagnl_msg *m = (struct idiagnl_msg *)o;

		if (!(states & (1u << idiagnl_msg_get_state(m))))
			continue;
		v[n++] = (struct vnet_diag){ .state = idiagnl_msg_get_state(m),
					     .timer = idiagnl_msg_get_timer(m),
					     /* libnl keeps the ports as the kernel sent them */
					     .sport = ntohs(idiagnl_msg_get_sport(m)),
					     .dport = ntohs(idiagnl_msg_get_dport(m)),
					     .expires_ms = idiagnl_msg_get_expires(m),
					     .rqueue = idiagnl_msg_get_rqueue(m),
					     .wqueue = idiagnl_msg_get_wqueue(m) };
	}
	*ret = v;
	*ret_n = n;
	v = NULL;
out:
	free(v);
	if (cache)
		nl_cache_free(cache);
	if (sk)
		nl_socket_free(sk);
	return err;
}

int vnet_diag_find(int ns_fd, unsigned states, uint16_t sport, uint16_t dport,
		   struct vnet_diag *ret)
{
	struct vnet_diag *v;
	size_t n;
	int err = vnet_diag_list(ns_fd, states, &v, &n);

	if (err)
		return err;
	err = -ENOENT;
	for (size_t i = 0; i < n && err; i++)
		if (v[i].sport == sport && (!dport || v[i].dport == dport)) {
			*ret = v[i];
			err = 0;
		}
	free(v);
	return err;
}

int vnet_nft(int ns_fd, const char *script, char *errbuf, size_t errlen)
{
	int err, e2 = 0;

	/* libnftables opens its socket in the calling thread's netns (reference/NOTES.md) */
	IN_NS(ns_fd, err, e2 = nat_run_script(script, errbuf, errlen));
	return err ? err : e2;
}
