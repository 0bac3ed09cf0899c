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
	/* the lab's cgroup (cgroup.h): every process joins it; -1 without one, cg_err why */
	int cg_fd, cg_procs_fd, cg_err;
	/* twlab run: each command's output goes to log_dir/<node>.log (log_dir_fd open) */
	const char *log_dir;
	int log_dir_fd;
	/* lab_down: deleted client namespaces the kernel was still freeing (undo.h freeing_ns) */
	size_t freeing_ns;
	char err[512];                 /* what failed, on which object (no errno text) */
	bool err_exec;                 /* a command could not be executed (the topology's fault) */
	bool err_lab_exists;           /* the lab's name is taken (its state file exists) */
	char err_ns[64];               /* a namespace name that was taken (by another lab?) */
	int err_line;                  /* > 0: the topology line the failure comes from */
	char err_key[80];              /* and its key */
};

void lab_rt_init(struct lab_rt *rt, struct lab *lab);
/* Build the lab. On failure everything built so far is undone, rt->err says what failed and
 * the return is a negative errno. */
int lab_up(struct lab_rt *rt);
/* TWLAB_GATE=emulated: the gate even on a kernel with its own tcp_tw_recycle (to compare the
 * two, or to see why the gate cannot load there). */
bool lab_gate_forced(void);
/* Attach the recycle gate (when lab->server.recycle) after lab_up. */
int lab_gate_attach(struct lab_rt *rt);
/* Undo the journal, bounded; frees the runtime state (not rt->lab). */
int lab_down(struct lab_rt *rt);

/* Run fn(arg) in a child inside ns_fd. The child dies with us unless rt->detached. The
 * process is journaled as role. */
int lab_spawn(struct lab_rt *rt, int ns_fd, const char *ns_name, const char *role,
	      int (*fn)(void *arg), void *arg, pid_t *ret_pid);
/* A user's program for a node. */
struct lab_cmd {
	const char *node;              /* TWLAB_NODE; its log is log_dir/<node>.log */
	char *const *argv;
	const char *text;              /* as written, for messages */
	const char *user;              /* NULL: as root; else run as uid/gid with groups */
	uid_t uid;
	gid_t gid;
	gid_t groups[64];
	int n_groups;
};

/* Does any node run a `command =`? */
bool lab_has_command(const struct lab *lab);
/* Fill c; with user, resolve it (getpwnam, its groups): -ENOENT for an unknown user. */
int lab_cmd_init(struct lab_cmd *c, const char *node, char *const *argv, const char *text,
		 const char *user);
/* Run c->argv in a child inside ns_fd (no shell), in the lab's cgroup, with its output in its
 * log (or /dev/null), TWLAB_LAB, TWLAB_NODE, TWLAB_SERVER and TWLAB_PORT set, as c->user.
 * Returns once the program is executing; if it could not be (no such program, ...) the
 * errno, with rt->err naming the program and rt->err_exec set. */
int lab_spawn_command(struct lab_rt *rt, int ns_fd, const char *ns_name, const char *role,
		      const struct lab_cmd *c, pid_t *ret_pid);

#endif
