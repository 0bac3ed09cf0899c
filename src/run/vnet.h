/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vnet: drive a small lab from one thread, without agents: build it from an INI text, make TCP
 * sockets inside its namespaces (a socket keeps the netns it was created in), capture a link
 * with AF_PACKET, read socket states and timers (/proc/net/tcp, sock_diag), sysctls and counters
 * of a namespace. What `twlab verify` and `twlab audit` build their probe labs with.
 */
#ifndef TWLAB_VNET_H
#define TWLAB_VNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lab/lab.h"
#include "run/evidence.h"

/* A lab made from an INI text for one probe, up without agents. */
struct vnet_lab {
	struct lab *lab;
	struct lab_rt rt;
	bool up;
	char err[1200];          /* why vnet_lab_up failed */
};

/* Build the lab named name from ini (lab_up). On failure everything made is removed and p->err
 * says why. interrupted may be NULL. */
int vnet_lab_up(struct vnet_lab *p, const char *ini, const char *name, bool (*interrupted)(void));
void vnet_lab_down(struct vnet_lab *p);

/* A TCP/IPv4 segment seen by an AF_PACKET socket. */
struct vnet_pkt {
	double t_ms;             /* kernel receive stamp, ms (CLOCK_REALTIME: for deltas only) */
	uint32_t saddr, daddr;   /* host order */
	uint16_t sport, dport;
	uint8_t flags;           /* TH_SYN ... */
	bool out;                /* sent by the namespace that captures */
	bool has_ts;
	uint32_t seq, ack, tsval, tsecr;
	uint16_t payload;        /* TCP payload bytes (from the IP total length) */
};

struct vnet_cap {
	int fd;
	struct vnet_pkt *v;
	size_t n, cap;
};

/* Capture TCP on ifindex of namespace ns_fd from now on. */
int vnet_cap_open(int ns_fd, int ifindex, struct vnet_cap *ret);
/* Read what is queued (non-blocking). */
void vnet_cap_drain(struct vnet_cap *c);
void vnet_cap_close(struct vnet_cap *c);

/* A TCP socket of namespace ns_fd, non-blocking. */
int vnet_socket(int ns_fd, int *ret_fd);
int vnet_listen(int ns_fd, uint16_t port, int *ret_fd);
struct vnet_conn {
	int fd;                  /* -1 when the connect failed (closed) */
	int err;                 /* 0 or the errno of the failed connect */
	uint16_t lport;
	double t0_ms;            /* CLOCK_MONOTONIC ms when connect() was called */
	double connect_ms;       /* until established or failed */
};
/* Connect from ns_fd (bound to lport when non-zero, SO_REUSEADDR) to dst:dport within
 * timeout_ms; syncnt > 0 sets TCP_SYNCNT. 0 when the attempt ran (c->err says how it ended) or
 * a negative errno when it could not be made. */
int vnet_connect(int ns_fd, uint16_t lport, uint32_t dst, uint16_t dport, int timeout_ms,
		 int syncnt, struct vnet_conn *c);
/* Accept one connection within timeout_ms. */
int vnet_accept(int lfd, int timeout_ms, int *ret_fd);
/* Wait until fd reads EOF (or an error), bounded. */
int vnet_wait_eof(int fd, int timeout_ms);
/* The active closer first closes `first`; the peer reads EOF and closes `second`. */
int vnet_close_pair(int first, int second, int timeout_ms);
/* State (TCP_* numbering, 6 = TIME_WAIT) and timer left in ms of the socket lport <-> rport in
 * ns_fd's /proc/net/tcp; -ENOENT if none. */
int vnet_sock_state(int ns_fd, uint16_t lport, uint16_t rport, int *ret_state, int *ret_timer_ms);
/* Poll until the socket lport <-> rport of ns_fd is in TIME_WAIT (want) or gone, bounded. */
int vnet_wait_tw(int ns_fd, uint16_t lport, uint16_t rport, int timeout_ms);

/* One TCP/IPv4 socket of a namespace as sock_diag (inet_diag) reports it. */
struct vnet_diag {
	uint8_t state;           /* TCP_* numbering: 5 FIN_WAIT2, 6 TIME_WAIT, 10 LISTEN */
	uint8_t timer;           /* 0 none, 1 retransmit, 2 keepalive, 3 TIME_WAIT, 4 probe */
	uint16_t sport, dport;
	uint32_t expires_ms;     /* time left on that timer (idiag_expires) */
	uint32_t rqueue, wqueue; /* LISTEN: accept queue length and its limit (the backlog) */
};
/* Every IPv4 TCP socket of ns_fd whose state is in the mask (1 << TCP_*), through libnl-idiag.
 * *ret is malloc'd (free it). */
int vnet_diag_list(int ns_fd, unsigned states, struct vnet_diag **ret, size_t *ret_n);
/* The socket sport <-> dport (dport 0: any) in one of states; -ENOENT if none. */
int vnet_diag_find(int ns_fd, unsigned states, uint16_t sport, uint16_t dport,
		   struct vnet_diag *ret);

int vnet_sysctl_set(int ns_fd, const char *name, const char *value);
int vnet_sysctl_get(int ns_fd, const char *name, char *buf, size_t len);
int vnet_counters(int ns_fd, struct counters *ret);
/* after - before for name (signed). */
long vnet_delta(const struct counters *before, const struct counters *after, const char *name);
/* Sum of a column of ns_fd's /proc/net/stat/nf_conntrack (hex, one line per CPU). */
int vnet_ct_stat(int ns_fd, const char *column, uint64_t *ret);
/* Poll ns_fd's conntrack until the TCP entry to port dport whose reply goes to reply_dport
 * (the NAT's external port) is in state want (enum tcp_conntrack; -1: until there is no such
 * entry), bounded. *ret_state is the last state seen (-1: no such entry); -ETIMEDOUT (or
 * -ENOENT without an entry) at the bound. */
int vnet_wait_ct_state(int ns_fd, uint16_t dport, uint16_t reply_dport, int want,
		       int timeout_ms, int *ret_state);
/* Poll the same until no such entry is listed, bounded (-ETIMEDOUT, *ret_state the last
 * state seen). A dump also removes the expired entries it meets (ctnetlink_dump_table()), so on a
 * kernel whose GC is slow to reap them (4.11) the wait itself frees the tuple. */
int vnet_wait_ct_gone(int ns_fd, uint16_t dport, uint16_t reply_dport, int timeout_ms,
		      int *ret_state);
/* Apply an nft script inside ns_fd (libnftables); errbuf gets nft's message on failure. The
 * tables live and die with the namespace. */
int vnet_nft(int ns_fd, const char *script, char *errbuf, size_t errlen);
double vnet_now_ms(void);

#endif
