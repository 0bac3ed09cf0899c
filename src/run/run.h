/* SPDX-License-Identifier: GPL-2.0 */
/*
 * run: one lab run between bring-up and teardown: counter snapshots, the gate, the server
 * agent (ready pipe), the client agents on their schedules, one epoll loop collecting attempt
 * records and gate decisions, then the stop. Each record and decision goes to the sink as it
 * arrives; struct run keeps what the reports need, bounded by the lab's size.
 */
#ifndef TWLAB_RUN_H
#define TWLAB_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "agents/agent.h"
#include "run/conntrack.h"
#include "bpf/recycle.h"
#include "run/evidence.h"
#include "run/attrib.h"
#include "run/twwatch.h"
#include "lab/lab.h"

struct outdir;

/* A NAT mapping seen on the router: inside client -> what the server sees. */
struct run_nat_map {
	uint32_t in_addr, out_addr;    /* host order */
	uint16_t in_port, out_port;
	uint64_t t_ns;                 /* CLOCK_MONOTONIC when seen */
};

struct run_gate_event {
	struct recycle_event ev;
	int client;                    /* lab_client.index, -1 unknown */
	int32_t behind;                /* (s32)(rec_ts - tsval) for SYNs with a record */
};

/* A `command =` client, counted on its sockets (lab/connstat.h). */
struct run_cmd_counts {
	uint64_t attempts, connected, syn_retransmits;
};

/* What the run loop hands on as it arrives (events.jsonl is written from it); ctx is the
 * sink's. Either function may be NULL. */
struct run;
struct run_sink {
	void (*attempt)(void *ctx, const struct run *r, const struct attempt_rec *a);
	void (*gate)(void *ctx, const struct run *r, const struct run_gate_event *g);
	/* the server's answers other than SYN-ACKs and the RSTs (run/twwatch.h), attributed, in
	 * time order once the run stopped */
	void (*tw)(void *ctx, const struct run *r, const struct tw_event *e);
	void *ctx;
	const struct run_sink *next;   /* the next sink to get the same (NULL: the last) */
};

/* nat[] and ct_end[] keep the first RUN_LIST_MAX entries; *_total counts them all */
#define RUN_LIST_MAX 10000
#define RUN_TW_KINDS 4		/* enum tw_kind */
/* gate.mode kernel: decisions held until the end (run.c on_kgate); past it, counted lost */
#define RUN_KGEV_MAX 1000000

struct run {
	struct lab *lab;
	struct lab_rt *rt;
	int sigfd;                     /* SIGINT, SIGTERM, SIGCHLD (blocked by the caller) */
	bool progress;                 /* live status line on stdout */
	/* --capture: pcap of the server's link and the router's outside (after NAT) into
	 * capture_dir; with capture_clients also every client's veth (before NAT) */
	const struct outdir *capture_dir;
	bool capture_clients;
	unsigned capture_drops;
	uint64_t t0_ns;                /* clients' time zero, CLOCK_MONOTONIC */
	double setup_s, duration_s, teardown_s;
	bool interrupted;
	char err[512];                 /* why the run stopped early (agent crash, ...) */
	const struct run_sink *sink;
	/* evidence, bounded by the lab's size (run/attrib.h); the rest goes to the sink */
	struct attrib at;
	struct attrib_lost lost;
	uint64_t gate_stats[RS__MAX];
	/* per client, the SYNs the gate dropped (its BPF counts, read at the end); NULL without
	 * the emulated gate */
	uint64_t *client_drops;
	uint64_t attrib_stats[AS__MAX];
	struct run_nat_map *nat;
	size_t n_nat, cap_nat, nat_total;
	/* what the server's link showed (run/twwatch.h): per enum tw_kind; held events that found
	 * no room; packets its capture's ring dropped */
	uint64_t tw_counts[RUN_TW_KINDS];
	uint64_t tw_lost;
	unsigned tw_ring_drops;
	/* per client, for command clients; NULL when they could not be counted (no cgroup) */
	struct run_cmd_counts *cmd_counts;
	/* the router's conntrack statistics before and after, its table at the end */
	struct counters ct_before, ct_after;
	struct ct_entry *ct_end;
	size_t n_ct_end, cap_ct_end, ct_end_total;
	/* counters per node: index 0 server, 1 router, 2 + i client i */
	struct counters *before, *after;
	size_t n_nodes;
	char kernel[128];
	/* twlab run --live (report/live.h): called after each round of events the loop read,
	 * and once at the end; NULL without */
	void (*live)(struct run *r, void *ctx);
	void *live_ctx;
};

/* 0 or -ENOMEM. */
int run_init(struct run *r, struct lab_rt *rt, int sigfd);
/* 0 when the schedule completed; -EINTR when a signal stopped it; another negative errno
 * when something broke (r->err says what). Evidence is kept in all cases. */
int run_exec(struct run *r);
void run_free(struct run *r);
/* Start the server agent (or the server's command) in rt's server namespace and wait, bounded,
 * until it listens. */
int run_server_start(struct lab_rt *rt, pid_t *ret_pid, bool *ret_command, char *err,
		     size_t errlen);
/* Start every client's agent (or command) on its schedule from now, for a detached lab
 * (twlab up --clients): attempt records go to /dev/null; the agents exit when the schedule
 * ends, the lab stays. */
int run_clients_start(struct lab_rt *rt, char *err, size_t errlen);
/* Node name for counters index i. */
const char *run_node_name(const struct run *r, size_t i);

#endif
