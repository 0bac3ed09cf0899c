/* SPDX-License-Identifier: GPL-2.0 */
/*
 * connstat: loader for bpf/connstat.bpf.c, a sock_ops program on the lab's cgroup that
 * counts, per client address, connects to the server, completed handshakes and SYN
 * retransmissions: how `command =` clients (curl, ab, ...) are measured.
 */
#ifndef TWLAB_CONNSTAT_H
#define TWLAB_CONNSTAT_H

#include <stdint.h>

struct connstat_loader;

struct connstat_counts {
	uint64_t attempts, connected, syn_retransmits;
};

/* Load and attach to the cgroup cgroup_fd, counting connections to server_addr:port (host
 * order). 0 or a negative errno. */
int connstat_attach(int cgroup_fd, uint32_t server_addr, uint16_t server_port,
		    struct connstat_loader **ret);
/* The counts of local address addr (host order); zeros when it made no connection. */
int connstat_read(const struct connstat_loader *c, uint32_t addr, struct connstat_counts *ret);
/* Detach and free. */
void connstat_free(struct connstat_loader *c);

#endif
