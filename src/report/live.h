/* SPDX-License-Identifier: GPL-2.0 */
/*
 * live: what the live view shows (twlab watch, twlab run --live), one JSON object per thing
 * that happened, for Server-Sent Events: each SYN the gate judged (with the reason, in the
 * words of the report's drop line), each record the server wrote, each connect, the gate's
 * counters. The HTTP side is live_http.c, the page live_page.c.
 */
#ifndef TWLAB_LIVE_H
#define TWLAB_LIVE_H

#include <stdint.h>
#include "bpf/recycle.h"
#include "run/run.h"

struct lab;
struct ct_entry;
struct attempt_rec;
struct run;
struct live_http;

struct live;

/* A view of lab; times are shown from t0_ns (CLOCK_MONOTONIC). */
int live_new(const struct lab *lab, uint64_t t0_ns, struct live **ret);
void live_free(struct live *lv);
/* The lab itself (event "lab"): name, description, the clients and their clocks. */
char *live_lab_json(const struct live *lv);
/* A NAT mapping seen on the router: remembered to attribute what the gate sees. Returns the
 * "connect" event for it (the client opened a connection), or NULL. */
char *live_nat_json(struct live *lv, const struct ct_entry *e);
/* A gate decision or record (event "syn" or "record"). client: lab_client.index, or -1 to
 * attribute it here (from the NAT mappings seen, or the client's own address). */
char *live_gate_json(struct live *lv, const struct recycle_event *ev, int client,
		     const char **ret_event);
/* An attempt of a client agent (event "connect", twlab run). */
char *live_attempt_json(const struct live *lv, const struct attempt_rec *a);
/* The gate's counters (event "counters"); NULL when they are what was sent last. */
char *live_counters_json(struct live *lv, const uint64_t st[RS__MAX]);

/* twlab run --live: a sink of the run (each attempt and gate decision pushed as the run loop
 * gets it, in front of r's other sinks) and what the run loop calls (run->live) after each
 * round of events: the NAT mappings seen, the gate's counters. */
struct live_run {
	struct live *lv;
	struct live_http *http;
	struct run_sink sink;
	size_t sent_nat;
	uint64_t stats_ns;
};
void live_run_hook(struct run *r, void *ctx);
void live_run_attach(struct run *r, struct live_run *l);

#endif
