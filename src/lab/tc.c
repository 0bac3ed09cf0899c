// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lab/tc.h"

int tc_attach(int ifindex, int ingress_fd, int egress_fd, uint32_t handle, uint32_t prio,
	      bool replace)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle, .priority = prio,
		    .flags = replace ? BPF_TC_F_REPLACE : 0);
	int err = bpf_tc_hook_create(&hook);

	if (err && err != -EEXIST)
		return err;
	hook.attach_point = BPF_TC_INGRESS;
	opts.prog_fd = ingress_fd;
	err = bpf_tc_attach(&hook, &opts);
	if (err)
		return err;
	hook.attach_point = BPF_TC_EGRESS;
	opts.prog_fd = egress_fd;
	opts.prog_id = 0;	/* bpf_tc_attach wants it zero and fills it in */
	return bpf_tc_attach(&hook, &opts);
}

int tc_detach(int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);

	return bpf_tc_hook_destroy(&hook);
}

int tc_percpu_sum(const struct bpf_map *map, uint32_t n, uint64_t *ret)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *v;

	if (ncpu < 0)
		return ncpu;
	v = calloc(ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (uint32_t k = 0; k < n; k++) {
		int err = bpf_map__lookup_elem(map, &k, sizeof(k), v, ncpu * sizeof(*v), 0);

		if (err) {
			free(v);
			return err;
		}
		ret[k] = 0;
		for (int c = 0; c < ncpu; c++)
			ret[k] += v[c];
	}
	free(v);
	return 0;
}
