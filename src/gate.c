// SPDX-License-Identifier: GPL-2.0
/*
 * gate: loader for bpf/recycle.bpf.c on the server's link, its ring buffer and its counters.
 */
#include <errno.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "gate.h"
#include "recycle.skel.h"

#define GATE_TC_HANDLE 1
#define GATE_TC_PRIO 1

struct gate {
	struct recycle_bpf *skel;
	struct ring_buffer *rb;
	struct bpf_tc_hook hook;
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

static int attach_one(struct gate *g, enum bpf_tc_attach_point where, int prog_fd)
{
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = GATE_TC_HANDLE, .priority = GATE_TC_PRIO,
		    .prog_fd = prog_fd);

	g->hook.attach_point = where;
	return bpf_tc_attach(&g->hook, &opts);
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
	err = recycle_bpf__load(g->skel);
	if (err)
		goto err_skel;
	g->rb = ring_buffer__new(bpf_map__fd(g->skel->maps.events), on_sample, g, NULL);
	if (!g->rb) {
		err = -errno;
		goto err_skel;
	}

	/* libbpf opens its netlink socket per call, in the calling thread's netns */
	g->hook.sz = sizeof(g->hook);
	g->hook.ifindex = ifindex;
	g->hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
	err = bpf_tc_hook_create(&g->hook);
	if (err && err != -EEXIST)
		goto err_rb;
	err = attach_one(g, BPF_TC_INGRESS, bpf_program__fd(g->skel->progs.recycle_ingress));
	if (!err)
		err = attach_one(g, BPF_TC_EGRESS, bpf_program__fd(g->skel->progs.recycle_egress));
	if (err)
		goto err_hook;
	*ret_gate = g;
	return 0;

err_hook:
	g->hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
	bpf_tc_hook_destroy(&g->hook);
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
	int ncpu = libbpf_num_possible_cpus();
	uint64_t sum[RS__MAX] = { 0 };
	uint64_t *v;

	if (ncpu < 0)
		return ncpu;
	v = calloc(ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (uint32_t k = 0; k < RS__MAX; k++) {
		int err = bpf_map__lookup_elem(g->skel->maps.stats, &k, sizeof(k), v,
					       ncpu * sizeof(*v), 0);

		if (err) {
			free(v);
			return err;
		}
		for (int c = 0; c < ncpu; c++)
			sum[k] += v[c];
	}
	free(v);
	for (int k = 0; k < RS__MAX; k++)
		stats[k] = sum[k];
	return 0;
}

void gate_free(struct gate *g)
{
	if (!g)
		return;
	/* both points at once: deletes the clsact qdisc with its filters */
	g->hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
	bpf_tc_hook_destroy(&g->hook);
	ring_buffer__free(g->rb);
	recycle_bpf__destroy(g->skel);
	free(g);
}
