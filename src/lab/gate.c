// SPDX-License-Identifier: GPL-2.0
/*
 * gate: loader for bpf/recycle.bpf.c on the server's link, its ring buffer and its counters.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lab/gate.h"
#include "lab/tc.h"
#include "recycle.skel.h"

#define GATE_TC_HANDLE 1
#define GATE_TC_PRIO 1

struct gate {
	struct recycle_bpf *skel;
	struct ring_buffer *rb;
	int ifindex;
	int router_ifindex;		/* 0: not attached there */
	uint32_t n_clients;
	gate_event_fn fn;
	void *ctx;
};

static int on_sample(void *ctx, void *data, size_t len)
{
	struct gate *g = ctx;

	if (len < sizeof(struct recycle_event))
		return 0;
	if (g->fn)
		g->fn(data, g->ctx);
	return 0;
}

/* Where the wall clock's seconds begin on CLOCK_MONOTONIC: the kernel's record stamps are
 * get_seconds() (kernel-notes §1.1), so ages count the wall clock's second boundaries. */
static uint64_t sec_phase_ns(void)
{
	struct timespec r, m;

	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_MONOTONIC, &m);
	return (uint64_t)((r.tv_nsec - m.tv_nsec + 2000000000L) % 1000000000L);
}

int gate_attach(int ifindex, const struct gate_cfg *cfg, struct gate **ret_gate)
{
	struct gate *g;
	int err;

	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->skel = recycle_bpf__open();
	if (!g->skel) {
		err = -errno;
		free(g);
		return err;
	}
	g->skel->rodata->paws_msl_ns = cfg->paws_msl_ns;
	g->skel->rodata->paws_window = cfg->paws_window;
	g->skel->rodata->server_port = cfg->server_port;
	g->skel->rodata->tw_len_ns = cfg->tw_len_ns;
	g->skel->rodata->sec_phase_ns = sec_phase_ns();
	g->n_clients = cfg->n_clients ? cfg->n_clients : 1;
	err = bpf_map__set_max_entries(g->skel->maps.events,
				       cfg->ring_bytes ? cfg->ring_bytes : 256 * 1024);
	if (!err)
		err = bpf_map__set_max_entries(g->skel->maps.client_drops, g->n_clients);
	if (!err)
		err = bpf_map__set_max_entries(g->skel->maps.attrib_links, g->n_clients);
	if (!err)
		err = bpf_map__set_max_entries(g->skel->maps.attrib_addrs, g->n_clients);
	if (err)
		goto err_skel;
	err = recycle_bpf__load(g->skel);
	if (err)
		goto err_skel;
	g->rb = ring_buffer__new(bpf_map__fd(g->skel->maps.events), on_sample, g, NULL);
	if (!g->rb) {
		err = -errno;
		goto err_skel;
	}

	g->ifindex = ifindex;
	err = tc_attach(ifindex, bpf_program__fd(g->skel->progs.recycle_ingress),
			bpf_program__fd(g->skel->progs.recycle_egress), GATE_TC_HANDLE, GATE_TC_PRIO,
			false);
	if (err) {
		tc_detach(ifindex);
		goto err_rb;
	}
	*ret_gate = g;
	return 0;

err_rb:
	ring_buffer__free(g->rb);
err_skel:
	recycle_bpf__destroy(g->skel);
	free(g);
	return err;
}

int gate_fd(const struct gate *g)
{
	/* the ring buffer map itself is pollable (EPOLLIN when data is there) */
	return bpf_map__fd(g->skel->maps.events);
}

int gate_consume(struct gate *g, gate_event_fn fn, void *ctx)
{
	int n;

	g->fn = fn;
	g->ctx = ctx;
	n = ring_buffer__consume(g->rb);
	g->fn = NULL;
	g->ctx = NULL;
	return n;
}

int gate_stats(const struct gate *g, uint64_t stats[RS__MAX])
{
	return tc_percpu_sum(g->skel->maps.stats, RS__MAX, stats);
}

int gate_pin(const struct gate *g, const char *events_path, const char *stats_path)
{
	int err = bpf_map__pin(g->skel->maps.events, events_path);

	return err ? err : bpf_map__pin(g->skel->maps.stats, stats_path);
}

int gate_set_client(struct gate *g, uint32_t idx, uint32_t addr, int link_ifindex)
{
	uint32_t a = htonl(addr), l = link_ifindex;
	int32_t c = idx;
	int err;

	if (idx >= g->n_clients)
		return -EINVAL;
	err = bpf_map__update_elem(g->skel->maps.attrib_addrs, &a, sizeof(a), &c, sizeof(c),
				   BPF_ANY);
	if (!err && link_ifindex > 0)
		err = bpf_map__update_elem(g->skel->maps.attrib_links, &l, sizeof(l), &c,
					   sizeof(c), BPF_ANY);
	return err;
}

int gate_attach_router(struct gate *g, int ifindex)
{
	int err = tc_attach(ifindex, -1, bpf_program__fd(g->skel->progs.recycle_router_egress),
			    GATE_TC_HANDLE, GATE_TC_PRIO, false);

	if (err) {
		tc_detach(ifindex);
		return err;
	}
	g->router_ifindex = ifindex;
	return 0;
}

void gate_detach_router(struct gate *g)
{
	if (g && g->router_ifindex) {
		tc_detach(g->router_ifindex);
		g->router_ifindex = 0;
	}
}

int gate_client_drops(const struct gate *g, uint32_t n, uint64_t *ret)
{
	if (n > g->n_clients)
		return -EINVAL;
	return tc_percpu_sum(g->skel->maps.client_drops, n, ret);
}

int gate_attrib_stats(const struct gate *g, uint64_t stats[AS__MAX])
{
	return tc_percpu_sum(g->skel->maps.attrib_stats, AS__MAX, stats);
}

void gate_free(struct gate *g)
{
	if (!g)
		return;
	/* both points at once: deletes the clsact qdisc with its filters */
	tc_detach(g->ifindex);
	ring_buffer__free(g->rb);
	recycle_bpf__destroy(g->skel);
	free(g);
}
