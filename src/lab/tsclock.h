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

enum tsclock_variant {
	TSCLOCK_AUTO,	/* the modern program, else the no-loop one */
	TSCLOCK_MODERN,	/* bpf/tsclock.bpf.c: bounded loop, direct packet access (5.3+) */
	TSCLOCK_NOLOOP,	/* bpf/tsclock_noloop.bpf.c: unrolled, bpf_skb_load_bytes (4.11) */
};

int tsclock_load(struct tsclock **ret);	/* TSCLOCK_AUTO */
int tsclock_load_variant(struct tsclock **ret, enum tsclock_variant v);
/* Which program was loaded (TSCLOCK_MODERN or TSCLOCK_NOLOOP). */
enum tsclock_variant tsclock_variant(const struct tsclock *t);
/* addr in host order; offset in ms ticks (mod 2^32): TSval = the kernel's + offset. */
int tsclock_set(struct tsclock *t, uint32_t addr, uint32_t offset);
/* The same at hz ticks per second (1..1000): below 1000, TSval = offset + CLOCK_MONOTONIC
 * in ticks of hz, and each echo is restored to the TSval it stands for. -EINVAL otherwise. */
int tsclock_set_hz(struct tsclock *t, uint32_t addr, uint32_t offset, uint32_t hz);
/* Attach both directions to ifindex of the calling thread's netns. */
int tsclock_attach(struct tsclock *t, int ifindex);
/* Rewrites done so far (egress, ingress), summed over all clients. */
int tsclock_stats(const struct tsclock *t, uint64_t *ret_egress, uint64_t *ret_ingress);
/* Frees user-space state; attached programs stay until their netns goes. */
void tsclock_free(struct tsclock *t);
/* Program fds (egress, ingress), for BPF_PROG_TEST_RUN and benchmarks. */
int tsclock_prog_fds(const struct tsclock *t, int *ret_egress, int *ret_ingress);

#endif
