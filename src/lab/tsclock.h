/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tsclock: give a client its own TCP timestamp clock ("timestamps = offset", README.md): tc clsact
 * programs on the client's veth, egress TSval += offset, ingress TSecr -= offset, checksum kept
 * right. One loaded program per lab serves every client: the offset is looked up by the client's
 * own IPv4 address (egress saddr, ingress daddr), so loading costs one verification, not one per
 * client.
 */
#ifndef TWLAB_TSCLOCK_H
#define TWLAB_TSCLOCK_H

#include <stdint.h>
#include "bpf/tsclock.h"

struct tsclock;

int tsclock_load(struct tsclock **ret);
/* addr in host order; offset in ms ticks (mod 2^32). */
int tsclock_set(struct tsclock *t, uint32_t addr, uint32_t offset);
/* Attach both directions to ifindex of the calling thread's netns. */
int tsclock_attach(struct tsclock *t, int ifindex);
/* Rewrites done so far (egress, ingress), summed over all clients. */
int tsclock_stats(const struct tsclock *t, uint64_t *ret_egress, uint64_t *ret_ingress);
/* Frees user-space state; attached programs stay until their netns goes. */
void tsclock_free(struct tsclock *t);
/* Program fds (egress, ingress), for BPF_PROG_TEST_RUN and benchmarks. */
int tsclock_prog_fds(const struct tsclock *t, int *ret_egress, int *ret_ingress);

#endif
