/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tc: what the BPF loaders (tsclock, gate) share: attaching a pair of programs to a link's
 * clsact hooks, and summing per-CPU counter arrays. libbpf 1.1 has no tcx, so this is
 * bpf_tc_hook_create + bpf_tc_attach; libbpf opens its netlink socket per call, in the calling
 * thread's netns: enter the link's namespace first.
 */
#ifndef TWLAB_TC_H
#define TWLAB_TC_H

#include <stdbool.h>
#include <stdint.h>

struct bpf_map;

/* Attach ingress_fd (unless < 0) and egress_fd to ifindex's clsact qdisc (made if missing). */
int tc_attach(int ifindex, int ingress_fd, int egress_fd, uint32_t handle, uint32_t prio,
	      bool replace);
/* Remove ifindex's clsact qdisc with every filter on it. */
int tc_detach(int ifindex);
/* ret[k] = the sum over CPUs of key k, for k < n, of a per-CPU array of u64. */
int tc_percpu_sum(const struct bpf_map *map, uint32_t n, uint64_t *ret);

#endif
