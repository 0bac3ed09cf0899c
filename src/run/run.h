/* SPDX-License-Identifier: GPL-2.0 */
/*
 * run: one lab run between bring-up and teardown: counter snapshots, the gate, the server
 * agent (ready pipe), the client agents on their schedules, one epoll loop collecting attempt
 * records and gate decisions, then the stop. Everything collected stays in struct run for the
 * reports.
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
	/* evidence */
	struct attempt_rec *att;
	size_t n_att, cap_att;
	struct run_gate_event *gev;
	size_t n_gev, cap_gev;
	uint64_t gate_stats[RS__MAX];
	struct run_nat_map *nat;
	size_t n_nat, cap_nat;
	/* per client, for command clients; NULL when they could not be counted (no cgroup) */
	struct run_cmd_counts *cmd_counts;
	/* the router's conntrack statistics before and after, its table at the end */
	struct counters ct_before, ct_after;
	struct ct_entry *ct_end;
	size_t n_ct_end, cap_ct_end;
	/* counters per node: index 0 server, 1 router, 2 + i client i */
	struct counters *before, *after;
	size_t n_nodes;
	char kernel[128];
	/* twlab run --live (report/live.h): called after each round of events the loop read,
	 * and once at the end; NULL without */
	void (*live)(struct run *r, void *ctx);
	void *live_ctx;
};

void run_init(struct run *r, struct lab_rt *rt, int sigfd);
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
