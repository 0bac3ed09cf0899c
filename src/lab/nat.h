/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nat: the router's SNAT/MASQUERADE rule, written with libnftables inside the router's netns.
 * The table lives and dies with that namespace.
 */
#ifndef TWLAB_NAT_H
#define TWLAB_NAT_H

#include <stddef.h>
#include "topo/topo.h"

#define NAT_TABLE "twlab"

/* The nft script for r leaving through out_if (pure; for tests and -v). 0 or -ENOSPC. */
int nat_script(const struct lab_router *r, const char *out_if, char *buf, size_t len);
/* Apply it in the calling thread's netns. On failure, errbuf gets nft's own message. */
int nat_apply(const struct lab_router *r, const char *out_if, char *errbuf, size_t errlen);

/* Apply any nft script in the calling thread's netns (nat_apply's engine; probes use it for
 * filter rules inside lab namespaces). */
int nat_run_script(const char *script, char *errbuf, size_t errlen);

#endif
