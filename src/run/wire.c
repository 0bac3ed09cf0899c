// SPDX-License-Identifier: GPL-2.0
/*
 * Each SYN's fate on the server's link. A kernel with its own tcp_tw_recycle drops a SYN that
 * fails the check silently (tcp_conn_request() "goto drop", 4.11), so the only trace on the
 * wire is what is missing: no SYN-ACK and no RST. A lab's links lose nothing, so a SYN that
 * stays unanswered until its 4-tuple's next SYN (the client's retransmission, ~1 s later) was
 * dropped by the server.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <pcap/pcap.h>

#include "run/annotate.h"
#include "run/wire.h"

#define TH_RST 0x04
#define TH_SYN 0x02
#define TH_ACK 0x10

struct pending {
	struct recycle_event ev;
	bool live;
};

struct wire {
	uint32_t addr;		/* network order */
	uint16_t port;		/* host order */
	pcap_t *p;
	int fd;
	int64_t real_to_mono;	/* pcap stamps in CLOCK_REALTIME ns + this = CLOCK_MONOTONIC */
	struct pending *v;
	size_t n, cap;
};

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int wire_new(uint32_t addr, uint16_t port, struct wire **ret)
{
	struct wire *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->addr = htonl(addr);
	w->port = port;
	w->fd = -1;
	*ret = w;
	return 0;
}

int wire_capture(const char *ifname, const char *filter, pcap_t **ret, int *ret_fd)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct bpf_program prog;
	pcap_t *p = pcap_create(ifname, errbuf);
	int err, fd;

	if (!p)
		return -ENOMEM;
	/* headers are enough; the kernel ring holds a burst of 500 SYN/s several times over */
	if (pcap_set_snaplen(p, 128) || pcap_set_promisc(p, 0) || pcap_set_immediate_mode(p, 1) ||
	    pcap_set_buffer_size(p, 2 << 20) ||
	    pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO)) {
		err = -EINVAL;
		goto fail;
	}
	err = pcap_activate(p);
	if (err < 0) {
		err = err == PCAP_ERROR_NO_SUCH_DEVICE ? -ENODEV
		      : err == PCAP_ERROR_PERM_DENIED ? -EPERM : -EIO;
		goto fail;
	}
	if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN)) {
		err = -EIO;
		goto fail;
	}
	err = pcap_setfilter(p, &prog) ? -EIO : 0;
	pcap_freecode(&prog);
	if (err)
		goto fail;
	if (pcap_setnonblock(p, 1, errbuf) < 0 || (fd = pcap_get_selectable_fd(p)) < 0) {
		err = -EIO;
		goto fail;
	}
	*ret = p;
	*ret_fd = fd;
	return 0;
fail:
	pcap_close(p);
	return err;
}

int64_t wire_real_to_mono(void)
{
	return (int64_t)(clock_ns(CLOCK_MONOTONIC) - clock_ns(CLOCK_REALTIME));
}

int wire_open(const char *ifname, uint32_t addr, uint16_t port, struct wire **ret)
{
	char filter[128];
	struct wire *w;
	int err = wire_new(addr, port, &w);

	if (err)
		return err;
	snprintf(filter, sizeof(filter), "tcp port %u and tcp[13] & 6 != 0", port);
	err = wire_capture(ifname, filter, &w->p, &w->fd);
	if (err) {
		free(w);
		return err;
	}
	w->real_to_mono = wire_real_to_mono();
	*ret = w;
	return 0;
}

int wire_fd(const struct wire *w)
{
	return w->fd;
}

static void resolve(struct wire *w, size_t i, uint8_t verdict, wire_fn fn, void *ctx)
{
	w->v[i].live = false;
	w->v[i].ev.verdict = verdict;
	fn(&w->v[i].ev, ctx);
}

/* Keep the array short: drop resolved entries at its end. */
static void trim(struct wire *w)
{
	while (w->n && !w->v[w->n - 1].live)
		w->n--;
}

void wire_feed(struct wire *w, const uint8_t *frame, size_t len, uint64_t t_ns, wire_fn fn,
	       void *ctx)
{
	struct syn_key k;
	uint8_t flags;
	size_t slot = w->n;

	if (!tcp_parse(frame, len, &k, &flags))
		return;
	if ((flags & (TH_SYN | TH_ACK)) == TH_SYN && k.daddr == w->addr && k.dport == w->port) {
		for (size_t i = 0; i < w->n; i++) {
			struct recycle_event *e = &w->v[i].ev;

			if (!w->v[i].live) {
				slot = slot == w->n ? i : slot;
				continue;
			}
			/* the same 4-tuple again, its last SYN unanswered: that one was dropped */
			if (e->saddr == k.saddr && e->sport == k.sport) {
				resolve(w, i, RV_WIRE_UNANSWERED, fn, ctx);
				slot = slot == w->n ? i : slot;
			}
		}
		if (slot == w->n) {
			if (w->n == w->cap) {
				size_t nc = w->cap ? w->cap * 2 : 64;
				struct pending *nv = realloc(w->v, nc * sizeof(*nv));

				if (!nv)
					return;
				w->v = nv;
				w->cap = nc;
			}
			w->n++;
		}
		w->v[slot] = (struct pending){
			.live = true,
			.ev = { .t_ns = t_ns, .saddr = k.saddr, .daddr = k.daddr, .sport = k.sport,
				.dport = k.dport, .tsval = k.tsval, .kind = EV_SYN,
				.has_ts = k.has_ts },
		};
		return;
	}
	/* the server's answer: SYN-ACK (the check passed) or RST (no listener, ...) */
	if (k.saddr != w->addr || k.sport != w->port ||
	    !((flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK) || (flags & TH_RST)))
		return;
	for (size_t i = 0; i < w->n; i++) {
		struct recycle_event *e = &w->v[i].ev;

		if (w->v[i].live && e->saddr == k.daddr && e->sport == k.dport)
			resolve(w, i, RV_WIRE_ANSWERED, fn, ctx);
	}
	trim(w);
}

struct feed_ctx {
	struct wire *w;
	wire_fn fn;
	void *ctx;
	int n;
};

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct feed_ctx *c = (struct feed_ctx *)user;
	/* nanosecond precision was asked for: tv_usec holds nanoseconds */
	uint64_t real = h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;

	c->n++;
	wire_feed(c->w, bytes, h->caplen, real + c->w->real_to_mono, c->fn, c->ctx);
}

int wire_read(struct wire *w, uint64_t now_ns, wire_fn fn, void *ctx)
{
	struct feed_ctx c = { w, fn, ctx, 0 };

	if (w->p) {
		int r = pcap_dispatch(w->p, -1, on_packet, (u_char *)&c);

		if (r == PCAP_ERROR)
			return -EIO;
	}
	for (size_t i = 0; i < w->n; i++)
		if (w->v[i].live && now_ns > w->v[i].ev.t_ns + WIRE_DEADLINE_MS * 1000000ull)
			resolve(w, i, RV_WIRE_UNANSWERED, fn, ctx);
	trim(w);
	return c.n;
}

void wire_flush(struct wire *w, wire_fn fn, void *ctx)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->v[i].live)
			resolve(w, i, RV_WIRE_UNANSWERED, fn, ctx);
	w->n = 0;
}

unsigned wire_capture_drops(pcap_t *p)
{
	struct pcap_stat st;

	return p && !pcap_stats(p, &st) ? st.ps_drop : 0;
}

unsigned wire_ring_drops(const struct wire *w)
{
	return wire_capture_drops(w->p);
}

void wire_close(struct wire *w)
{
	if (!w)
		return;
	if (w->p)
		pcap_close(w->p);
	free(w->v);
	free(w);
}
