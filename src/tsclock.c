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
#include "tsclock.h"
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

static int attach_one(struct bpf_tc_hook *hook, enum bpf_tc_attach_point where, int prog_fd)
{
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TSCLOCK_TC_HANDLE, .priority = TSCLOCK_TC_PRIO,
		    .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE);

	hook->attach_point = where;
	return bpf_tc_attach(hook, &opts);
}

int tsclock_attach(struct tsclock *t, int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	int err;

	/* libbpf opens its netlink socket per call, in the calling thread's netns */
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return err;
	err = attach_one(&hook, BPF_TC_EGRESS, bpf_program__fd(t->skel->progs.tsclock_egress));
	if (err)
		return err;
	return attach_one(&hook, BPF_TC_INGRESS, bpf_program__fd(t->skel->progs.tsclock_ingress));
}

int tsclock_stats(const struct tsclock *t, uint64_t *ret_egress, uint64_t *ret_ingress)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t sum[TSC__MAX] = { 0 };
	uint64_t *v;

	if (ncpu < 0)
		return ncpu;
	v = calloc(ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (uint32_t k = 0; k < TSC__MAX; k++) {
		int err = bpf_map__lookup_elem(t->skel->maps.tsc_stats, &k, sizeof(k), v,
					       ncpu * sizeof(*v), 0);

		if (err) {
			free(v);
			return err;
		}
		for (int c = 0; c < ncpu; c++)
			sum[k] += v[c];
	}
	free(v);
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
