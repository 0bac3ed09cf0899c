/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bpfpin: the gate of a lab made with `twlab up`, pinned so that later twlab processes
 * (`twlab watch`, `twlab ls`) can read its decisions and counters. Each lab gets its own bpffs
 * mount at <state dir>/bpf/<lab> (never the host's /sys/fs/bpf), journaled as an undo entry of
 * kind "pin" with the mount's st_dev: down and clean prove the mount is that bpffs before they
 * unmount it, and unmounting frees the pins with it.
 */
#ifndef TWLAB_BPFPIN_H
#define TWLAB_BPFPIN_H

#include <stddef.h>
#include <stdint.h>
#include "bpf/recycle.h"

struct lab_rt;

#define BPFPIN_EVENTS "events"	/* the gate's ring buffer of decisions */
#define BPFPIN_STATS "stats"	/* its counters (per-CPU array, enum recycle_stat) */

/* <state dir>/bpf/<lab> */
void bpfpin_dir(const char *lab, char *buf, size_t len);
/* Mount a bpffs at bpfpin_dir(lab) (mode 0700); *ret_dev is its st_dev. */
int bpfpin_mount(const char *lab, uint64_t *ret_dev);
/* (bpfpin_gate.c) Mount the lab's bpffs, journal it (kind pin) and pin the gate's ring buffer
 * and counters there. rt->gate must be attached. 0 or a negative errno (rt->err says what
 * failed). */
int bpfpin_gate(struct lab_rt *rt);
/* Is <state dir>/bpf/<lab> still the bpffs mount with st_dev dev? 0; -ENOENT: no such mount
 * there any more (nothing to do); -EPERM: something else is there (why says what). */
int bpfpin_prove(const char *lab, uint64_t dev, char *why, size_t len);
/* Unmount the proven mount (its pins go with it) and remove the folder. */
int bpfpin_remove(const char *lab, uint64_t dev);

/* (bpfpin_gate.c) A reader of a lab's pinned gate. */
struct bpfpin_view;
/* Open the pins of lab (proven against dev). */
int bpfpin_open(const char *lab, uint64_t dev, struct bpfpin_view **ret);
/* The ring buffer's fd, for epoll. */
int bpfpin_fd(const struct bpfpin_view *v);
typedef void (*bpfpin_event_fn)(const struct recycle_event *ev, void *ctx);
/* Consume what is in the ring buffer now: events consumed or a negative errno. */
int bpfpin_consume(struct bpfpin_view *v, bpfpin_event_fn fn, void *ctx);
int bpfpin_stats(const struct bpfpin_view *v, uint64_t stats[RS__MAX]);
void bpfpin_close(struct bpfpin_view *v);

#endif
