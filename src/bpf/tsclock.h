/* SPDX-License-Identifier: GPL-2.0 */
/* What bpf/tsclock.bpf.c and its loader (lab/tsclock.c) share; included under -target bpf. */
#ifndef TWLAB_BPF_TSCLOCK_H
#define TWLAB_BPF_TSCLOCK_H

#define TSCLOCK_MAX_CLIENTS 16384
enum tsclock_stat { TSC_EGRESS, TSC_INGRESS, TSC__MAX };

#endif
