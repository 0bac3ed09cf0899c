/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lab: bring a validated struct lab up (namespaces, veths, addresses, routes, sysctls, NAT,
 * client clocks, the recycle gate) and down again. Every object is journaled (undo.h) right
 * after it exists; lab_down() and every failure path undo the journal in reverse.
 */
#ifndef TWLAB_LAB_H
#define TWLAB_LAB_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "topo/topo.h"
#include "lab/undo.h"

struct tsclock;
struct gate;

struct lab_rt {
	struct lab *lab;
	struct undo undo;
	bool detached;                 /* twlab up: the lab outlives this process */
	/* namespaces, kept open for agents and counters; -1 when absent */
	int server_fd, router_fd;
	int *client_fd;
	char server_ns[64], router_ns[64];
	int server_link;               /* ifindex of the server's link (eth0 or br0): the gate's */
	struct tsclock *clock;
	struct gate *gate;
	bool gate_kernel;              /* recycle = on by the kernel's own tcp_tw_recycle */
	uint32_t *client_ts_offset;    /* what each offset-mode client got */
	uint64_t up_ns;                /* CLOCK_MONOTONIC when bring-up started */
	/* -v: one line per kernel action */
	void (*trace)(const char *line);
	/* checked between steps; true aborts with -EINTR */
	bool (*interrupted)(void);
	char err[512];                 /* what failed, on which object (no errno text) */
	bool err_lab_exists;           /* the lab's name is taken (its state file exists) */
	char err_ns[64];               /* a namespace name that was taken (by another lab?) */
	int err_line;                  /* > 0: the topology line the failure comes from */
	char err_key[80];              /* and its key */
};

void lab_rt_init(struct lab_rt *rt, struct lab *lab);
/* Build the lab. On failure everything built so far is undone, rt->err says what failed and
 * the return is a negative errno. */
int lab_up(struct lab_rt *rt);
/* Attach the recycle gate (when lab->server.recycle) after lab_up. */
int lab_gate_attach(struct lab_rt *rt);
/* Undo the journal, bounded; frees the runtime state (not rt->lab). */
int lab_down(struct lab_rt *rt);

/* Run fn(arg) in a child inside ns_fd. The child dies with us unless rt->detached. The
 * process is journaled as role. */
int lab_spawn(struct lab_rt *rt, int ns_fd, const char *ns_name, const char *role,
	      int (*fn)(void *arg), void *arg, pid_t *ret_pid);
/* Run argv in a child inside ns_fd (no shell). */
int lab_spawn_command(struct lab_rt *rt, int ns_fd, const char *ns_name, const char *role,
		      char *const argv[], pid_t *ret_pid);

#endif
