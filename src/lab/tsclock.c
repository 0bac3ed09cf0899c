// SPDX-License-Identifier: GPL-2.0
/*
 * tsclock: loader for bpf/tsclock.bpf.c. One loaded object per lab; every client's veth gets
 * the same two program fds, and each client's offset is a map entry keyed by its address.
 */
#include <errno.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lab/tc.h"
#include "lab/tsclock.h"
#include "tsclock.skel.h"
#include "tsclock_noloop.skel.h"

/* Distinct from the gate's, so both could share a link. */
#define TSCLOCK_TC_HANDLE 2
#define TSCLOCK_TC_PRIO 2

struct tsclock {
	/* one of the two skeletons; the rest of the loader goes through these */
	struct tsclock_bpf *skel;
	struct tsclock_noloop_bpf *noloop;
	struct bpf_map *offsets, *stats;
	struct bpf_program *egress, *ingress;
	enum tsclock_variant variant;
};

static int load_modern(struct tsclock *t)
{
	int err;

	t->skel = tsclock_bpf__open();
	if (!t->skel)
		return -errno;
	err = tsclock_bpf__load(t->skel);
	if (err) {
		tsclock_bpf__destroy(t->skel);
		t->skel = NULL;
		return err;
	}
	t->offsets = t->skel->maps.tsc_offsets;
	t->stats = t->skel->maps.tsc_stats;
	t->egress = t->skel->progs.tsclock_egress;
	t->ingress = t->skel->progs.tsclock_ingress;
	t->variant = TSCLOCK_MODERN;
	return 0;
}

static int load_noloop(struct tsclock *t)
{
	int err;

	t->noloop = tsclock_noloop_bpf__open();
	if (!t->noloop)
		return -errno;
	err = tsclock_noloop_bpf__load(t->noloop);
	if (err) {
		tsclock_noloop_bpf__destroy(t->noloop);
		t->noloop = NULL;
		return err;
	}
	t->offsets = t->noloop->maps.tsc_offsets;
	t->stats = t->noloop->maps.tsc_stats;
	t->egress = t->noloop->progs.tsclock_egress;
	t->ingress = t->noloop->progs.tsclock_ingress;
	t->variant = TSCLOCK_NOLOOP;
	return 0;
}

int tsclock_load_variant(struct tsclock **ret, enum tsclock_variant v)
{
	struct tsclock *t;
	int err;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	if (v == TSCLOCK_NOLOOP)
		err = load_noloop(t);
	else
		err = load_modern(t);
	/* A verifier without bounded loops (before 5.3) rejects the walk: take the unrolled one.
	 * The first error is the one to report when neither loads. */
	if (err && v == TSCLOCK_AUTO && !load_noloop(t))
		err = 0;
	if (err) {
		free(t);
		return err;
	}
	*ret = t;
	return 0;
}

int tsclock_load(struct tsclock **ret)
{
	return tsclock_load_variant(ret, TSCLOCK_AUTO);
}

enum tsclock_variant tsclock_variant(const struct tsclock *t)
{
	return t->variant;
}

int tsclock_set_hz(struct tsclock *t, uint32_t addr, uint32_t offset, uint32_t hz)
{
	struct tsclock_clock clk = { .offset = offset, .hz = hz };
	uint32_t key = htonl(addr);

	if (hz < 1 || hz > TSCLOCK_HZ_MS)
		return -EINVAL;
	return bpf_map__update_elem(t->offsets, &key, sizeof(key), &clk, sizeof(clk), BPF_ANY);
}

int tsclock_set(struct tsclock *t, uint32_t addr, uint32_t offset)
{
	return tsclock_set_hz(t, addr, offset, TSCLOCK_HZ_MS);
}

int tsclock_attach(struct tsclock *t, int ifindex)
{
	return tc_attach(ifindex, bpf_program__fd(t->ingress),
			 bpf_program__fd(t->egress), TSCLOCK_TC_HANDLE,
			 TSCLOCK_TC_PRIO, true);
}

int tsclock_stats(const struct tsclock *t, uint64_t *ret_egress, uint64_t *ret_ingress)
{
	uint64_t sum[TSC__MAX];
	int err = tc_percpu_sum(t->stats, TSC__MAX, sum);

	if (err)
		return err;
	*ret_egress = sum[TSC_EGRESS];
	*ret_ingress = sum[TSC_INGRESS];
	return 0;
}

int tsclock_prog_fds(const struct tsclock *t, int *ret_egress, int *ret_ingress)
{
	*ret_egress = bpf_program__fd(t->egress);
	*ret_ingress = bpf_program__fd(t->ingress);
	return 0;
}

void tsclock_free(struct tsclock *t)
{
	if (!t)
		return;
	tsclock_bpf__destroy(t->skel);
	tsclock_noloop_bpf__destroy(t->noloop);
	free(t);
}
