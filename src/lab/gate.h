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
	uint32_t n_clients;     /* sizes the attribution maps (0: 1) */
	uint32_t ring_bytes;    /* the ring buffer: a power of two >= the page size (0: 256 KiB) */
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
/* Attribution (recycle.h): client idx has address addr (host order) and, behind a router,
 * the router's end of its link is link_ifindex (0: none). After gate_attach. */
int gate_set_client(struct gate *g, uint32_t idx, uint32_t addr, int link_ifindex);
/* Note each SYN leaving the router by ifindex (its outside link); the calling thread must be in
 * the router's netns. gate_detach_router undoes it, from there too. */
int gate_attach_router(struct gate *g, int ifindex);
void gate_detach_router(struct gate *g);
/* ret[i] = SYNs of client i the gate dropped, i < n (n <= the cfg's n_clients). */
int gate_client_drops(const struct gate *g, uint32_t n, uint64_t *ret);
/* The attribution counters (enum attrib_stat). */
int gate_attrib_stats(const struct gate *g, uint64_t stats[AS__MAX]);
/* Detach (the caller must be in the server's netns, or the netns is about to go) and free. */
void gate_free(struct gate *g);

#endif
