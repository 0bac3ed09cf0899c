// SPDX-License-Identifier: GPL-2.0
/*
 * Packet captures, one per interface, from inside a lab namespace: read with libpcap, written
 * as pcapng with libwiretap (run/pcapng.h), every SYN the gate judged with a comment saying
 * how (run/annotate.h).
 *
 * A packet socket sees a packet on ingress before tc ingress does (__netif_receive_skb_core
 * delivers to the taps first), so a SYN is usually captured before the gate's event about it
 * is read, sometimes after. So: a SYN waits in a queue (with every packet after it, to keep
 * the file in order) until its verdict arrives or VERDICT_WAIT_MS passes; and the last
 * RECENT_EVENTS verdicts are kept for SYNs that arrive after theirs. Both are bounded: a full
 * queue writes its head as it is.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pcap/pcap.h>

#include "run/annotate.h"
#include "run/capture.h"
#include "run/outdir.h"
#include "run/pcapng.h"

/* at most this many reads per capture_dispatch, so one busy link cannot starve an event loop */
#define DISPATCH_ROUNDS 64
#define QUEUE_MAX 2048		/* packets held while a SYN waits for its verdict */
#define VERDICT_WAIT_MS 1000
#define RECENT_EVENTS 512
#define COMMENT_MAX 256

struct held {
	uint8_t *data;
	uint32_t caplen, len;
	uint64_t ts_ns;		/* CLOCK_REALTIME, from the kernel */
	uint64_t seen_ns;	/* CLOCK_MONOTONIC, when read */
	bool syn, waiting;	/* a SYN without its verdict yet */
	struct syn_key key;
	char *comment;
};

struct recent {
	struct recycle_event ev;
	bool used;
};

struct capture {
	pcap_t *p;
	struct pcapng *w;
	struct outfile out;
	int fd;
	int err;	/* the first write error: the file is incomplete */
	struct held q[QUEUE_MAX];	/* ring: head .. head + n */
	unsigned head, n;
	struct recent recent[RECENT_EVENTS];	/* ring of the newest verdicts */
	unsigned n_recent, next_recent;
	unsigned annotated;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int activate_errno(int r)
{
	switch (r) {
	case PCAP_ERROR_NO_SUCH_DEVICE: return -ENODEV;
	case PCAP_ERROR_PERM_DENIED:
	case PCAP_ERROR_PROMISC_PERM_DENIED: return -EPERM;
	case PCAP_ERROR_IFACE_NOT_UP: return -ENETDOWN;
	case PCAP_ERROR_ACTIVATED: return -EBUSY;
	default: return -EIO;
	}
}

int capture_open(const char *ifname, const struct outdir *dir, const char *name,
		 struct capture **ret)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct capture *c;
	int r;

	if (!ifname || !dir || !name || !ret)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	/* pcap_create only allocates; the socket is created and bound in pcap_activate */
	c->p = pcap_create(ifname, errbuf);
	if (!c->p) {
		free(c);
		return -ENOMEM;
	}
	if (pcap_set_snaplen(c->p, CAPTURE_SNAPLEN) || pcap_set_promisc(c->p, 0) ||
	    pcap_set_immediate_mode(c->p, 1) || pcap_set_buffer_size(c->p, CAPTURE_BUFFER) ||
	    pcap_set_tstamp_precision(c->p, PCAP_TSTAMP_PRECISION_NANO)) {
		r = -EINVAL;
		goto fail;
	}
	r = pcap_activate(c->p);
	if (r < 0) {
		r = activate_errno(r);
		goto fail;
	}
	if (pcap_setnonblock(c->p, 1, errbuf) < 0) {
		r = -EIO;
		goto fail;
	}
	c->fd = pcap_get_selectable_fd(c->p);
	if (c->fd < 0) {
		r = -EOPNOTSUPP;
		goto fail;
	}
	r = outfile_open(dir, name, &c->out);
	if (r)
		goto fail;
	r = pcapng_open(fileno(c->out.f), ifname, name, CAPTURE_SNAPLEN, &c->w);
	if (r) {
		outfile_discard(&c->out);
		goto fail;
	}
	*ret = c;
	return 0;
fail:
	pcap_close(c->p);
	free(c);
	return r;
}

int capture_fd(const struct capture *c)
{
	return c->fd;
}

const char *capture_file(const struct capture *c)
{
	return c->out.name;
}

static struct held *at(struct capture *c, unsigned i)
{
	return &c->q[(c->head + i) % QUEUE_MAX];
}

static void set_comment(struct held *h, const struct recycle_event *ev)
{
	char buf[COMMENT_MAX];

	syn_comment(ev, buf, sizeof(buf));
	free(h->comment);
	h->comment = strdup(buf);
	h->waiting = false;
}

/* Write the head of the queue and drop it. */
static void write_head(struct capture *c)
{
	struct held *h = at(c, 0);
	int e;

	if (!c->err) {
		e = pcapng_write(c->w, h->ts_ns, h->data, h->caplen, h->len, h->comment);
		if (e)
			c->err = e;
		else if (h->comment)
			c->annotated++;
	}
	free(h->data);
	free(h->comment);
	memset(h, 0, sizeof(*h));
	c->head = (c->head + 1) % QUEUE_MAX;
	c->n--;
}

/* Write what no longer waits: everything up to the first SYN still waiting for its verdict,
 * unless that one waited long enough (or all is set). */
static void drain(struct capture *c, bool all)
{
	uint64_t now = mono_ns();

	while (c->n) {
		struct held *h = at(c, 0);

		if (h->waiting && !all && now - h->seen_ns < VERDICT_WAIT_MS * 1000000ull)
			break;
		write_head(c);
	}
}

/* A verdict that came before its SYN. */
static const struct recycle_event *recent_match(struct capture *c, const struct syn_key *k)
{
	for (unsigned i = 0; i < c->n_recent; i++) {
		/* oldest first: a SYN without timestamps retransmitted matches in order */
		unsigned j = (c->next_recent + RECENT_EVENTS - c->n_recent + i) % RECENT_EVENTS;
		struct recent *r = &c->recent[j];

		if (!r->used && syn_match(k, &r->ev)) {
			r->used = true;
			return &r->ev;
		}
	}
	return NULL;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *hdr, const u_char *bytes)
{
	struct capture *c = (struct capture *)user;
	const struct recycle_event *ev;
	struct held *h;

	if (c->n == QUEUE_MAX)
		write_head(c);	/* bounded: the oldest goes out as it is */
	h = at(c, c->n);
	memset(h, 0, sizeof(*h));
	h->data = malloc(hdr->caplen ? hdr->caplen : 1);
	if (!h->data) {
		if (!c->err)
			c->err = -ENOMEM;
		return;
	}
	memcpy(h->data, bytes, hdr->caplen);
	h->caplen = hdr->caplen;
	h->len = hdr->len;
	/* nanosecond precision: tv_usec holds nanoseconds */
	h->ts_ns = hdr->ts.tv_sec * 1000000000ull + (uint64_t)hdr->ts.tv_usec;
	h->seen_ns = mono_ns();
	c->n++;
	if (syn_parse(bytes, hdr->caplen, &h->key)) {
		h->syn = true;
		ev = recent_match(c, &h->key);
		if (ev)
			set_comment(h, ev);
		else
			h->waiting = true;
	}
}

void capture_verdict(struct capture *c, const struct recycle_event *ev)
{
	struct recent *r;

	if (!c || ev->kind != EV_SYN)
		return;
	for (unsigned i = 0; i < c->n; i++) {
		struct held *h = at(c, i);

		if (h->waiting && syn_match(&h->key, ev)) {
			set_comment(h, ev);
			drain(c, false);
			return;
		}
	}
	r = &c->recent[c->next_recent];
	r->ev = *ev;
	r->used = false;
	c->next_recent = (c->next_recent + 1) % RECENT_EVENTS;
	if (c->n_recent < RECENT_EVENTS)
		c->n_recent++;
}

void capture_tick(struct capture *c)
{
	if (c)
		drain(c, false);
}

int capture_dispatch(struct capture *c)
{
	int total = 0;

	for (int i = 0; i < DISPATCH_ROUNDS; i++) {
		int n = pcap_dispatch(c->p, -1, on_packet, (u_char *)c);

		if (n == PCAP_ERROR_BREAK || n == 0)
			break;
		if (n < 0)
			return -EIO;
		total += n;
	}
	drain(c, false);
	if (!c->err && total)
		c->err = pcapng_flush(c->w);
	return c->err ? c->err : total;
}

unsigned capture_annotated(const struct capture *c)
{
	return c->annotated;
}

int capture_stats(const struct capture *c, unsigned *ret_recv, unsigned *ret_drop)
{
	struct pcap_stat st;

	if (pcap_stats(c->p, &st))
		return -EIO;
	if (ret_recv)
		*ret_recv = st.ps_recv;
	if (ret_drop)
		*ret_drop = st.ps_drop;
	return 0;
}

int capture_close(struct capture *c)
{
	int err, e;

	if (!c)
		return 0;
	capture_dispatch(c);
	drain(c, true);
	/* libwiretap closes its own descriptor; the stream and the rename are outdir's */
	e = pcapng_close(c->w);
	if (e && !c->err)
		c->err = e;
	err = c->err;
	if (err)
		outfile_discard(&c->out);
	else
		err = outfile_commit(&c->out);
	pcap_close(c->p);
	free(c);
	return err;
}
