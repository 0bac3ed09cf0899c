/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gate: the emulated tcp_tw_recycle server (kernel-notes §1.3, §1.4) as tc clsact programs on the
 * server's link, with a ring buffer of every decision. User-space side of recycle.bpf.c.
 */
#ifndef TWLAB_GATE_H
#define TWLAB_GATE_H

#include <stdint.h>
#include "bpf/recycle.h"

struct gate_cfg {
	uint64_t paws_msl_ns;   /* TCP_PAWS_MSL, default 60 s */
	int32_t paws_window;    /* TCP_PAWS_WINDOW, default 1 */
	uint16_t server_port;   /* only SYNs to this port are judged (host order) */
	uint64_t tw_len_ns;     /* how long an emulated TIME_WAIT 4-tuple lives: 3.5 x RTO (§1.6) */
};

struct gate;

/* Load and attach on ifindex. The calling thread must be inside the server's netns (libbpf's
 * tc calls open their netlink socket in the current netns). 0 or a negative errno. */
int gate_attach(int ifindex, const struct gate_cfg *cfg, struct gate **ret_gate);
/* Ring buffer fd, for epoll. */
int gate_fd(const struct gate *g);
typedef void (*gate_event_fn)(const struct recycle_event *ev, void *ctx);
/* Consume whatever is in the ring buffer now. Returns events consumed or a negative errno. */
int gate_consume(struct gate *g, gate_event_fn fn, void *ctx);
/* The gate's counters (enum recycle_stat). */
int gate_stats(const struct gate *g, uint64_t stats[RS__MAX]);
/* Pin the ring buffer and the counters at these paths (in a bpffs): they outlive this process
 * for as long as the programs stay attached or the pins exist. */
int gate_pin(const struct gate *g, const char *events_path, const char *stats_path);
/* Detach (the caller must be in the server's netns, or the netns is about to go) and free. */
void gate_free(struct gate *g);

#endif
