// SPDX-License-Identifier: GPL-2.0
/*
 * tsclock for old verifiers (Linux 4.11 and the like): no loops (the option walk is unrolled),
 * no direct packet access (every read is bpf_skb_load_bytes), no BTF, no global data. The
 * loader (lab/tsclock.c) falls back to it when tsclock.bpf.c does not load.
 */
#define TCPOPT_NO_LOOPS 1
#include "bpf/tsclock_prog.h"
