// SPDX-License-Identifier: GPL-2.0
/*
 * The server's answers other than a SYN-ACK, on its link. tcp_timewait_state_process() answers
 * a SYN it does not accept with tcp_v4_timewait_ack(), whose TSecr is tw_ts_recent: the rejected
 * SYN and the value it was judged against are both on the wire, a few microseconds apart.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <pcap/pcap.h>

#include "run/annotate.h"
#include "run/twwatch.h"
#include "run/wire.h"

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10
#define STALE_NS (WIRE_DEADLINE_MS * 1000000ull)

enum slot_state { SL_FREE, SL_SYN, SL_ACKED };

/* a SYN the server has not answered with a SYN-ACK yet, by its 4-tuple */
struct slot {
	uint64_t syn_t, ack_t;
	uint32_t saddr;
	uint16_t sport;
	uint32_t tsval;
	bool has_ts;
	uint8_t state;
};

struct twwatch {
	uint32_t addr;		/* network order */
	uint16_t port;
	pcap_t *p;
	int fd;
	int64_t real_to_mono;
	struct slot *v;
	size_t n, cap;
};

int twwatch_new(uint32_t addr, uint16_t port, struct twwatch **ret)
{
	struct twwatch *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->addr = htonl(addr);
	w->port = port;
	w->fd = -1;
	*ret = w;
	return 0;
}

int twwatch_open(const char *ifname, uint32_t addr, uint16_t port, struct twwatch **ret)
{
	char filter[160];
	struct twwatch *w;
	int err = twwatch_new(addr, port, &w);

	if (err)
		return err;
	/* SYNs, RSTs, and the server's segments with no flag but ACK (the answers looked for) */
	snprintf(filter, sizeof(filter),
		 "tcp port %u and (tcp[13] & 6 != 0 or (src port %u and tcp[13] & 0x17 == 0x10))",
		 port, port);
	err = wire_capture(ifname, filter, &w->p, &w->fd);
	if (err) {
		free(w);
		return err;
	}
	w->real_to_mono = wire_real_to_mono();
	*ret = w;
	return 0;
}

int twwatch_fd(const struct twwatch *w)
{
	return w->fd;
}

static struct slot *find(struct twwatch *w, uint32_t saddr, uint16_t sport)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->v[i].state != SL_FREE && w->v[i].saddr == saddr && w->v[i].sport == sport)
			return &w->v[i];
	return NULL;
}

static void release(struct twwatch *w, struct slot *s)
{
	s->state = SL_FREE;
	while (w->n && w->v[w->n - 1].state == SL_FREE)
		w->n--;
}

static struct slot *take(struct twwatch *w, uint64_t now)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->v[i].state == SL_FREE || now > w->v[i].syn_t + STALE_NS)
			return &w->v[i];
	if (w->n == w->cap) {
		size_t nc = w->cap ? w->cap * 2 : 64;
		struct slot *nv = realloc(w->v, nc * sizeof(*nv));

		if (!nv)
			return NULL;
		w->v = nv;
		w->cap = nc;
	}
	return &w->v[w->n++];
}

void twwatch_feed(struct twwatch *w, const uint8_t *frame, size_t len, uint64_t t_ns,
		  twwatch_fn fn, void *ctx)
{
	struct tw_event ev = { .t_ns = t_ns, .client = -1 };
	bool to_server, from_server;
	struct syn_key k;
	struct slot *s;
	uint8_t flags;

	if (!tcp_parse(frame, len, &k, &flags))
		return;
	to_server = k.daddr == w->addr && k.dport == w->port;
	from_server = k.saddr == w->addr && k.sport == w->port;
	if (!to_server && !from_server)
		return;
	ev.saddr = to_server ? k.saddr : k.daddr;
	ev.sport = to_server ? k.sport : k.dport;
	ev.daddr = w->addr;
	ev.dport = w->port;
	s = find(w, ev.saddr, ev.sport);
	if (to_server && (flags & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN) {
		if (!s)
			s = take(w, t_ns);
		if (s)
			*s = (struct slot){ .syn_t = t_ns, .saddr = k.saddr, .sport = k.sport,
					    .tsval = k.tsval, .has_ts = k.has_ts, .state = SL_SYN };
		return;
	}
	if (flags & TH_RST) {
		ev.kind = to_server ? TW_RST_CLIENT : TW_RST_SERVER;
		ev.answers_ack = to_server && s && s->state == SL_ACKED;
		ev.answers_syn = from_server && s && s->state == SL_SYN;
		if (s) {
			ev.syn_t_ns = s->syn_t;
			ev.tsval = s->tsval;
			ev.has_ts = s->has_ts;
			release(w, s);
		}
		fn(&ev, ctx);
		return;
	}
	if (!from_server || !s)
		return;
	if ((flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) {
		release(w, s);	/* accepted */
		return;
	}
	/* a bare ACK while the SYN waits: the socket of the old connection answered it */
	if ((flags & (TH_SYN | TH_FIN | TH_ACK)) != TH_ACK || k.paylen || s->state != SL_SYN)
		return;
	ev.syn_t_ns = s->syn_t;
	ev.tsval = s->tsval;
	ev.tw_ts = k.tsecr;
	ev.has_ts = s->has_ts && k.has_ts && k.tsecr;
	/* tcp_paws_reject() in TIME_WAIT: no window, strictly behind */
	ev.kind = ev.has_ts && (int32_t)(k.tsecr - s->tsval) > 0 ? TW_PAWS_REJECT : TW_ACK;
	s->state = SL_ACKED;
	s->ack_t = t_ns;
	fn(&ev, ctx);
}

struct feed_ctx {
	struct twwatch *w;
	twwatch_fn fn;
	void *ctx;
	int n;
};

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct feed_ctx *c = (struct feed_ctx *)user;
	uint64_t real = h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;	/* ns */

	c->n++;
	twwatch_feed(c->w, bytes, h->caplen, real + c->w->real_to_mono, c->fn, c->ctx);
}

int twwatch_read(struct twwatch *w, twwatch_fn fn, void *ctx)
{
	struct feed_ctx c = { w, fn, ctx, 0 };

	if (w->p && pcap_dispatch(w->p, -1, on_packet, (u_char *)&c) == PCAP_ERROR)
		return -EIO;
	return c.n;
}

unsigned twwatch_ring_drops(const struct twwatch *w)
{
	return wire_capture_drops(w->p);
}

void twwatch_close(struct twwatch *w)
{
	if (!w)
		return;
	if (w->p)
		pcap_close(w->p);
	free(w->v);
	free(w);
}
