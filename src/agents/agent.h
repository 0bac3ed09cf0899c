/* SPDX-License-Identifier: GPL-2.0 */
/*
 * agents: the server and client programs twlab runs inside lab namespaces. They are plain
 * functions that run in a forked child which already setns()ed into its node; they never
 * print (a failure is an exit code and, for clients, attempt records).
 */
#ifndef TWLAB_AGENT_H
#define TWLAB_AGENT_H

#include <stdint.h>
#include "topo/topo.h"

/* What the server sends back for every request line. */
#define AGENT_REQUEST "GET twlab\n"
#define AGENT_RESPONSE "OK twlab\n"

struct agent_server_cfg {
	uint32_t addr;             /* host order; 0 = any */
	uint16_t port;
	enum close_policy close;   /* server: close right after the response (server holds
				    * TIME_WAIT); client: wait for the client's FIN first */
	uint64_t hold_ms;          /* then keep the connection this long before close() */
};

/* Listen, write one byte to ready_fd (then close it), serve until SIGTERM/SIGINT.
 * Returns 0 on a clean stop or a negative errno. ready_fd is closed in every case, so a
 * parent reading it sees EOF without a byte when listening failed. Leaves SIGTERM, SIGINT
 * and SIGPIPE blocked (it is the body of a child that exits when it returns). */
int agent_server_main(const struct agent_server_cfg *cfg, int ready_fd);

enum attempt_outcome { ATT_OK, ATT_TIMEOUT, ATT_REFUSED, ATT_RESET, ATT_ERROR, ATT__MAX };

/* One record per attempt; written whole (< PIPE_BUF) to the records pipe, so many clients can
 * share one pipe. Times are µs since the lab's t0 (CLOCK_MONOTONIC). */
struct attempt_rec {
	uint32_t client;           /* lab_client.index */
	uint32_t seq;              /* attempt number within the client, from 0 */
	uint64_t t_start_us;       /* connect() called */
	uint64_t t_end_us;         /* outcome known */
	uint32_t connect_us;       /* connect() to established; 0 when it never was */
	uint32_t local_addr;       /* host order */
	uint16_t local_port;
	uint8_t outcome;           /* enum attempt_outcome */
	uint8_t syn_retrans;       /* TCP_INFO tcpi_total_retrans when the handshake ended */
	int32_t err;               /* errno behind a failure, 0 for ok */
};

struct agent_client_cfg {
	uint32_t index;
	uint32_t server_addr;      /* host order */
	uint16_t server_port;
	enum close_policy close;   /* who closes first: the client closes first only for CLOSE_CLIENT */
	uint64_t t0_ns;            /* lab start, CLOCK_MONOTONIC */
	uint64_t start_ms, every_ms, connect_timeout_ms;
	uint32_t count;            /* 0 = until end_ms */
	uint64_t end_ms;           /* no new attempt at or after t0 + end_ms */
	uint32_t max_inflight;     /* 0 = default (64): attempts overlap when one takes longer than every */
};

/* Run the schedule, writing one struct attempt_rec per attempt to rec_fd. Returns after the
 * last attempt has an outcome (bounded by end_ms + connect_timeout + a response deadline),
 * or early on SIGTERM/SIGINT (then it returns that signal's number, > 0: the schedule did not
 * complete; in-flight attempts are recorded as ATT_ERROR/EINTR).
 * 0 or a negative errno: -EINVAL for a schedule without end (count = 0 with end_ms = 0 or
 * every_ms = 0); end_ms = 0 with count > 0 means no time bound. A response deadline of
 * connect_timeout_ms applies after connecting, and again to the server's FIN for
 * CLOSE_SERVER (a server that never closes gives ATT_TIMEOUT). Signals as for the server. */
int agent_client_main(const struct agent_client_cfg *cfg, int rec_fd);

const char *agent_outcome_str(enum attempt_outcome o);

/* Shared by the two agents (agent.c). */
/* CLOCK_MONOTONIC in ns. */
uint64_t agent_now_ns(void);
/* Block SIGTERM, SIGINT and SIGPIPE and return a non-blocking signalfd for SIGTERM/SIGINT,
 * or a negative errno. */
int agent_signalfd(void);
/* Raise RLIMIT_NOFILE's soft limit to the hard one (best effort: many sockets at once). */
void agent_raise_nofile(void);

#endif
