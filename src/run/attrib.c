// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "run/attrib.h"

struct attrib_writer {
	uint64_t key;                  /* saddr << 32 | daddr; 0 = empty slot */
	int client;
};

int attrib_init(struct attrib *a, size_t n_clients)
{
	memset(a, 0, sizeof(*a));
	a->n_clients = n_clients;
	/* at most one (peer, server) pair per client and the router's address: never full */
	a->w_cap = 16;
	while (a->w_cap < 2 * (n_clients + 2))
		a->w_cap *= 2;
	a->c = calloc(n_clients + 1, sizeof(*a->c));
	a->first_drop = calloc(n_clients + 1, sizeof(*a->first_drop));
	a->w = calloc(a->w_cap, sizeof(*a->w));
	if (!a->c || !a->first_drop || !a->w) {
		attrib_free(a);
		return -ENOMEM;
	}
	return 0;
}

void attrib_free(struct attrib *a)
{
	for (size_t i = 0; a->c && i < a->n_clients; i++)
		free(a->c[i].connect_us.v);
	free(a->c);
	free(a->first_drop);
	free(a->w);
	memset(a, 0, sizeof(*a));
}

/* exact below 1024; above, 512 buckets per power of two */
static uint32_t bucket_of(uint32_t v)
{
	int shift;

	if (v < 1024)
		return v;
	shift = 31 - __builtin_clz(v) - 9;
	return 1024 + (shift - 1) * 512 + ((v >> shift) - 512);
}

static uint32_t value_of(uint32_t b)
{
	uint32_t shift;

	if (b < 1024)
		return b;
	shift = (b - 1024) / 512 + 1;
	/* the middle of the bucket */
	return ((512 + (b - 1024) % 512) << shift) + (1u << (shift - 1));
}

static int hist_add(struct attrib_hist *h, uint32_t v)
{
	uint32_t b = bucket_of(v);
	size_t lo = 0, hi = h->n;

	if (v > h->max || !h->count)
		h->max = v;
	h->count++;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (h->v[mid].bucket < b)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < h->n && h->v[lo].bucket == b) {
		h->v[lo].n++;
		return 0;
	}
	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 16;
		struct attrib_bin *nv = realloc(h->v, cap * sizeof(*nv));

		if (!nv) {
			h->count--;
			return -ENOMEM;
		}
		h->v = nv;
		h->cap = cap;
	}
	memmove(&h->v[lo + 1], &h->v[lo], (h->n - lo) * sizeof(*h->v));
	h->v[lo] = (struct attrib_bin){ b, 1 };
	h->n++;
	return 0;
}

uint32_t attrib_hist_pct(const struct attrib_hist *h, double p)
{
	uint64_t k = (uint64_t)(p / 100.0 * h->count + 0.999999), seen = 0;

	if (!h->count)
		return 0;
	if (p >= 100)
		return h->max;
	if (k < 1)
		k = 1;
	for (size_t i = 0; i < h->n; i++) {
		seen += h->v[i].n;
		if (seen >= k) {
			uint32_t v = value_of(h->v[i].bucket);

			return v > h->max ? h->max : v;
		}
	}
	return h->max;
}

int attrib_attempt(struct attrib *a, const struct attempt_rec *rec)
{
	struct attrib_client *c;

	if (rec->client >= a->n_clients)
		return 0;
	c = &a->c[rec->client];
	c->attempts++;
	c->syn_retrans += rec->syn_retrans;
	if (rec->outcome < ATT__MAX)
		c->outcomes[rec->outcome]++;
	if (rec->outcome == ATT_TIMEOUT)
		c->unanswered += 1 + rec->syn_retrans;
	if (rec->outcome != ATT_OK)
		return 0;
	c->ok++;
	c->unanswered += rec->syn_retrans;
	return hist_add(&c->connect_us, rec->connect_us);
}

static struct attrib_writer *writer_slot(struct attrib *a, uint32_t saddr, uint32_t daddr)
{
	uint64_t key = ((uint64_t)saddr << 32 | daddr) ?: 1;
	size_t i;

	i = (key * 0x9e3779b97f4a7c15ull >> 40) & (a->w_cap - 1);
	while (a->w[i].key && a->w[i].key != key)
		i = (i + 1) & (a->w_cap - 1);
	if (!a->w[i].key) {
		if (2 * (a->w_n + 1) > a->w_cap)
			return NULL;	/* more pairs than a lab has: leave the writer unknown */
		a->w[i].key = key;
		a->w[i].client = -1;
		a->w_n++;
	}
	return &a->w[i];
}

void attrib_gate(struct attrib *a, const struct recycle_event *ev)
{
	struct attrib_writer *w = writer_slot(a, ev->saddr, ev->daddr);
	struct attrib_drop *d;

	if (ev->kind == EV_RECORD_UPDATE) {
		if (w)
			w->client = ev->client;
		return;
	}
	if (ev->kind != EV_SYN || !recycle_verdict_drops(ev->verdict))
		return;
	a->drop_events++;
	if (ev->client < 0 || (size_t)ev->client >= a->n_clients) {
		a->unattributed_drops++;
		return;
	}
	a->c[ev->client].drops++;
	d = &a->first_drop[ev->client];
	if (d->has)
		return;
	d->ev = *ev;
	d->writer = w ? w->client : -1;
	d->has = true;
}

bool attrib_lost_any(const struct attrib_lost *l)
{
	return l->gate_events || l->unattributed_drops || l->conntrack_overruns ||
	       l->capture_packets;
}
