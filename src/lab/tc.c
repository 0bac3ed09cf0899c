// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <linux/pkt_sched.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lab/nl.h"
#include "lab/tc.h"

/*
 * bpf_tc_attach, else the same filter through libnl: before 4.13 libbpf fails before it sends
 * anything (it reads the program's name with BPF_OBJ_GET_INFO_BY_FD, 4.13, and the new filter's
 * id from TCA_BPF_ID, 4.13). 4.11 takes the plain cls_bpf request.
 */
static int attach_one(struct bpf_tc_hook *hook, struct bpf_tc_opts *opts, uint32_t parent,
		      const char *name)
{
	int err = bpf_tc_attach(hook, opts);

	if (err && !nl_tc_bpf_attach(hook->ifindex, parent, opts->handle, opts->priority,
				     opts->prog_fd, name))
		err = 0;
	return err;
}

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
	err = ingress_fd < 0 ? 0 : attach_one(&hook, &opts, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS),
					      "ingress");
	if (err)
		return err;
	hook.attach_point = BPF_TC_EGRESS;
	opts.prog_fd = egress_fd;
	opts.prog_id = 0;	/* bpf_tc_attach wants it zero and fills it in */
	return attach_one(&hook, &opts, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS), "egress");
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
