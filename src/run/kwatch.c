// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>

#include "lab/lab.h"
#include "lab/netns.h"
#include "run/kwatch.h"
#include "run/tcpm.h"
#include "run/wire.h"

struct krec {
	struct tcpm_rec r;
	uint64_t t_ns;		/* CLOCK_MONOTONIC when a poll saw it */
};

struct kwatch {
	struct wire *wire;
	struct tcpm *tcpm;
	int ep, tfd;
	uint16_t port;
	struct krec *hist;	/* every record change, in the order seen */
	size_t n_hist, cap_hist;
	uint64_t st[RS__MAX];
	kwatch_fn fn;
	void *ctx;
	int err;
};

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* A record change: kept (SYNs are judged against it) and reported as the gate would. */
static void on_rec(const struct tcpm_rec *r, void *arg)
{
	struct kwatch *k = arg;
	uint64_t now = clock_ns(CLOCK_MONOTONIC);
	int64_t age_s = (int64_t)(clock_ns(CLOCK_REALTIME) / 1000000000ull) - r->stamp_s;
	struct recycle_event ev = {
		.t_ns = now, .saddr = r->daddr, .daddr = r->saddr, .dport = k->port,
		.tsval = r->tsval, .rec_ts = r->tsval, .kind = EV_RECORD_UPDATE, .has_record = 1,
		.rec_age_ns = age_s > 0 ? age_s * 1000000000ull : 0,
	};

	if (k->n_hist == k->cap_hist) {
		size_t nc = k->cap_hist ? k->cap_hist * 2 : 64;
		struct krec *nv = realloc(k->hist, nc * sizeof(*nv));

		if (!nv) {
			k->err = -ENOMEM;
			return;
		}
		k->hist = nv;
		k->cap_hist = nc;
	}
	k->hist[k->n_hist++] = (struct krec){ *r, now };
	k->st[RS_RECORDS_UPDATED]++;
	k->fn(&ev, k->ctx);
}

/* A SYN resolved: with the record of its peer as the last poll before it saw it. */
static void on_syn(const struct recycle_event *e, void *arg)
{
	struct kwatch *k = arg;
	struct recycle_event ev = *e;

	for (size_t i = k->n_hist; i-- > 0;) {
		const struct krec *h = &k->hist[i];
		int64_t age;

		if (h->r.daddr != e->saddr || h->r.saddr != e->daddr || h->t_ns > e->t_ns)
			continue;
		/* the SYN's time on the record's clock (wall time, whole seconds) */
		age = (int64_t)(e->t_ns + clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC)) -
		      h->r.stamp_s * 1000000000ll;
		ev.has_record = 1;
		ev.rec_ts = h->r.tsval;
		ev.rec_age_ns = age > 0 ? (uint64_t)age : 0;
		break;
	}
	k->st[RS_SYN_SEEN]++;
	if (recycle_verdict_drops(ev.verdict)) {
		k->st[RS_SYN_DROPPED]++;
	} else {
		k->st[RS_SYN_PASSED]++;
	}
	k->fn(&ev, k->ctx);
}

int kwatch_open(struct lab_rt *rt, struct kwatch **ret, char *err, size_t errlen)
{
	const char *dev = rt->lab->router.present ? "eth0" : "br0";
	struct itimerspec its = { .it_interval = { 0, KWATCH_POLL_MS * 1000000 },
				  .it_value = { 0, KWATCH_POLL_MS * 1000000 } };
	struct kwatch *k = calloc(1, sizeof(*k));
	int e;

	if (!k)
		return -ENOMEM;
	k->port = rt->lab->server.port;
	k->ep = epoll_create1(EPOLL_CLOEXEC);
	k->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (k->ep < 0 || k->tfd < 0) {
		e = -errno;
		snprintf(err, errlen, "cannot watch the kernel's own tcp_tw_recycle: %s", strerror(-e));
		goto fail;
	}
	/* libpcap's socket and the genetlink socket act in the namespace they were opened in */
	e = netns_enter(rt->server_fd);
	if (!e) {
		e = wire_open(dev, rt->lab->server.addr.addr, k->port, &k->wire);
		if (e)
			snprintf(err, errlen, "cannot capture %s in %s (each SYN's fate): %s", dev,
				 rt->server_ns, strerror(-e));
	}
	if (!e) {
		e = tcpm_open(&k->tcpm);
		if (e)
			snprintf(err, errlen, "cannot read tcp_metrics in %s (TCP_METRICS generic "
				 "netlink): %s", rt->server_ns, strerror(-e));
	}
	netns_enter_root();
	if (e)
		goto fail;
	timerfd_settime(k->tfd, 0, &its, NULL);
	if (epoll_ctl(k->ep, EPOLL_CTL_ADD, k->tfd,
		      &(struct epoll_event){ .events = EPOLLIN, .data.fd = k->tfd }) ||
	    epoll_ctl(k->ep, EPOLL_CTL_ADD, wire_fd(k->wire),
		      &(struct epoll_event){ .events = EPOLLIN, .data.fd = wire_fd(k->wire) })) {
		e = -errno;
		snprintf(err, errlen, "cannot watch the kernel's own tcp_tw_recycle: %s", strerror(-e));
		goto fail;
	}
	*ret = k;
	return 0;
fail:
	kwatch_close(k);
	return e;
}

int kwatch_fd(const struct kwatch *k)
{
	return k->ep;
}

static int step(struct kwatch *k, kwatch_fn fn, void *ctx, bool poll_now)
{
	uint64_t x;
	int e = 0;

	k->fn = fn;
	k->ctx = ctx;
	k->err = 0;
	if (read(k->tfd, &x, sizeof(x)) == sizeof(x) || poll_now)
		e = tcpm_poll(k->tcpm, clock_ns(CLOCK_REALTIME) / 1000000000ull, on_rec, k);
	if (!e) {
		int n = wire_read(k->wire, clock_ns(CLOCK_MONOTONIC), on_syn, k);

		e = n < 0 ? n : 0;
	}
	k->st[RS_EVENTS_LOST] = wire_ring_drops(k->wire);
	return e ?: k->err;
}

int kwatch_dispatch(struct kwatch *k, kwatch_fn fn, void *ctx)
{
	return step(k, fn, ctx, false);
}

int kwatch_finish(struct kwatch *k, kwatch_fn fn, void *ctx)
{
	int e = step(k, fn, ctx, true);

	wire_flush(k->wire, on_syn, k);
	return e;
}

void kwatch_stats(const struct kwatch *k, uint64_t st[RS__MAX])
{
	memcpy(st, k->st, sizeof(k->st));
}

void kwatch_close(struct kwatch *k)
{
	if (!k)
		return;
	wire_close(k->wire);
	tcpm_close(k->tcpm);
	if (k->ep >= 0)
		close(k->ep);
	if (k->tfd >= 0)
		close(k->tfd);
	free(k->hist);
	free(k);
}
