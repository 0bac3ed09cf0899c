/* SPDX-License-Identifier: GPL-2.0 */
/*
 * attrib: what a run owes each client, built as the evidence arrives and bounded by the number
 * of clients, never by the run's length: attempt totals, a connect-latency histogram (exact
 * below 1024 µs, within 0.1 % above), the first drop of each client with the client whose
 * record it was judged against, and what was lost on the way. The SYN drop counts themselves
 * come from the gate's BPF maps (bpf/recycle.h "Attribution"), not from here.
 */
#ifndef TWLAB_ATTRIB_H
#define TWLAB_ATTRIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "agents/agent.h"
#include "bpf/recycle.h"

struct attrib_bin {
	uint32_t bucket, n;
};

struct attrib_hist {
	struct attrib_bin *v;          /* sorted by bucket; one per distinct bucket seen */
	size_t n, cap;
	uint64_t count;
	uint32_t max;                  /* exact */
};

struct attrib_client {
	uint32_t attempts, ok, syn_retrans, outcomes[ATT__MAX];
	uint64_t drops;                /* drop decisions seen with this client as sender (the
					* kernel mode's counts; the gate's own are in BPF maps) */
	uint64_t unanswered;           /* SYNs without answer: all of a timed-out attempt, the
					* resent ones of a connected one (the kernel gate's drops) */
	struct attrib_hist connect_us;
};

/* A drop as the text summary tells it. */
struct attrib_drop {
	struct recycle_event ev;
	int writer;                    /* client whose record update it was judged against, -1 */
	bool has;
};

struct attrib {
	size_t n_clients;
	struct attrib_client *c;
	struct attrib_drop *first_drop;  /* per client */
	struct attrib_writer *w;         /* (peer, server) -> last record writer, open addressing */
	size_t w_cap, w_n;
	uint64_t drop_events;            /* drop decisions seen in the ring */
	uint64_t unattributed_drops;     /* of them, with no client named */
};

/* What was lost (result.json "lost"): any of it makes the run fail. */
struct attrib_lost {
	uint64_t gate_events;          /* ring-buffer events the gate could not write */
	uint64_t unattributed_drops;   /* drops no client could be named for */
	uint64_t conntrack_overruns;   /* times the conntrack event socket overflowed */
	uint64_t capture_packets;      /* packets the captures' rings dropped */
};

int attrib_init(struct attrib *a, size_t n_clients);
void attrib_free(struct attrib *a);
/* One attempt record; 0 or -ENOMEM (the record is still counted, its latency may not be). */
int attrib_attempt(struct attrib *a, const struct attempt_rec *rec);
/* One gate decision; ev->client names its sender (-1 unknown). */
void attrib_gate(struct attrib *a, const struct recycle_event *ev);
/* Nearest-rank percentile p (0..100) of h in µs (0 when empty); p = 100 is the exact max. */
uint32_t attrib_hist_pct(const struct attrib_hist *h, double p);
bool attrib_lost_any(const struct attrib_lost *l);

#endif
