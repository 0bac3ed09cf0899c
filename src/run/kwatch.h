/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kwatch: the evidence of a kernel's own tcp_tw_recycle (gate.mode kernel), in the shape the
 * emulated gate reports: each SYN's fate from the server's link (wire.h) and the server's
 * tcp_metrics records as they change (tcpm.h, polled every KWATCH_POLL_MS), given as struct
 * recycle_event (EV_SYN with a wire verdict, EV_RECORD_UPDATE) and the gate's counters.
 * A SYN carries the record its peer had when it arrived, as the polls saw it.
 */
#ifndef TWLAB_KWATCH_H
#define TWLAB_KWATCH_H

#include <stdint.h>
#include "bpf/recycle.h"

#define KWATCH_POLL_MS 10

struct kwatch;
struct lab_rt;

typedef void (*kwatch_fn)(const struct recycle_event *ev, void *ctx);

/* Watch rt's server (its link and its tcp_metrics). 0 or a negative errno; what failed goes
 * to err. */
int kwatch_open(struct lab_rt *rt, struct kwatch **ret, char *err, size_t errlen);
/* One descriptor for epoll: readable when there is something to do. */
int kwatch_fd(const struct kwatch *k);
/* Do it: events to fn. 0 or a negative errno. */
int kwatch_dispatch(struct kwatch *k, kwatch_fn fn, void *ctx);
/* The run is over: read what is left, every SYN still unanswered is dropped. */
int kwatch_finish(struct kwatch *k, kwatch_fn fn, void *ctx);
/* enum recycle_stat counters, as gate_stats() fills them. */
void kwatch_stats(const struct kwatch *k, uint64_t st[RS__MAX]);
void kwatch_close(struct kwatch *k);

#endif
