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

/* Distinct from the gate's, so both could share a link. */
#define TSCLOCK_TC_HANDLE 2
#define TSCLOCK_TC_PRIO 2

struct tsclock {
	struct tsclock_bpf *skel;
};

int tsclock_load(struct tsclock **ret)
{
	struct tsclock *t;
	int err;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->skel = tsclock_bpf__open();
	if (!t->skel) {
		err = -errno;
		free(t);
		return err;
	}
	err = tsclock_bpf__load(t->skel);
	if (err) {
		tsclock_bpf__destroy(t->skel);
		free(t);
		return err;
	}
	*ret = t;
	return 0;
}

int tsclock_set(struct tsclock *t, uint32_t addr, uint32_t offset)
{
	uint32_t key = htonl(addr);

	return bpf_map__update_elem(t->skel->maps.tsc_offsets, &key, sizeof(key), &offset,
				    sizeof(offset), BPF_ANY);
}

int tsclock_attach(struct tsclock *t, int ifindex)
{
	return tc_attach(ifindex, bpf_program__fd(t->skel->progs.tsclock_ingress),
			 bpf_program__fd(t->skel->progs.tsclock_egress), TSCLOCK_TC_HANDLE,
			 TSCLOCK_TC_PRIO, true);
}

int tsclock_stats(const struct tsclock *t, uint64_t *ret_egress, uint64_t *ret_ingress)
{
	uint64_t sum[TSC__MAX];
	int err = tc_percpu_sum(t->skel->maps.tsc_stats, TSC__MAX, sum);

	if (err)
		return err;
	*ret_egress = sum[TSC_EGRESS];
	*ret_ingress = sum[TSC_INGRESS];
	return 0;
}

int tsclock_prog_fds(const struct tsclock *t, int *ret_egress, int *ret_ingress)
{
	*ret_egress = bpf_program__fd(t->skel->progs.tsclock_egress);
	*ret_ingress = bpf_program__fd(t->skel->progs.tsclock_ingress);
	return 0;
}

void tsclock_free(struct tsclock *t)
{
	if (!t)
		return;
	tsclock_bpf__destroy(t->skel);
	free(t);
}
