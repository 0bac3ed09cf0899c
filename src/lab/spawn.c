// SPDX-License-Identifier: GPL-2.0
/*
 * spawn: the processes of a lab. Each agent or `command =` program is forked, joins the lab's
 * cgroup, enters its node's namespace, gets its log and its user, and is journaled with its
 * start time before it can run; a child that cannot start says at which stage through its
 * exec pipe.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include "lab/cgroup.h"
#include "lab/gate.h"
#include "lab/lab.h"
#include "lab/nat.h"
#include "lab/netns.h"
#include "lab/nl.h"
#include "lab/sysctl.h"
#include "lab/tsclock.h"

#include "lab/lab_priv.h"

/* What a child reports back through its exec pipe when it could not start the program. */
enum spawn_stage { SPAWN_CGROUP, SPAWN_NETNS, SPAWN_LOG, SPAWN_USER, SPAWN_EXEC };

static void child_fail(int pfd, enum spawn_stage stage)
{
	int msg[2] = { stage, errno };

	if (write(pfd, msg, sizeof(msg)) < 0)
		_exit(127);
	_exit(127);
}

static void child_env(struct lab_rt *rt, const struct lab_cmd *c)
{
	char buf[INET_ADDRSTRLEN + 8];

	setenv("TWLAB_LAB", rt->lab->name, 1);
	setenv("TWLAB_NODE", c->node, 1);
	setenv("TWLAB_SERVER", lab_ip(rt->lab->server.addr.addr, buf), 1);
	snprintf(buf, sizeof(buf), "%u", rt->lab->server.port);
	setenv("TWLAB_PORT", buf, 1);
}

/* Become c->uid/c->gid with the user's groups (resolved by the parent). */
static int child_user(const struct lab_cmd *c)
{
	if (!c->user)
		return 0;
	if (setgroups(c->n_groups, c->groups) || setgid(c->gid) || setuid(c->uid))
		return -1;
	return 0;
}

static const char *stage_str(enum spawn_stage s)
{
	static const char *const names[] = {
		[SPAWN_CGROUP] = "cannot join the lab's cgroup",
		[SPAWN_NETNS] = "cannot enter its namespace",
		[SPAWN_LOG] = "cannot open its log",
		[SPAWN_USER] = "cannot switch to its user",
		[SPAWN_EXEC] = "cannot execute",
	};

	return s <= SPAWN_EXEC ? names[s] : "cannot start";
}

static int spawn(struct lab_rt *rt, int ns_fd, const char *ns_name, const char *role,
		 int (*fn)(void *), void *arg, const struct lab_cmd *c, pid_t *ret_pid)
{
	struct undo_entry e = { .kind = UNDO_PROC };
	pid_t parent = getpid(), pid;
	int pfd[2] = { -1, -1 }, msg[2], log_fd = -1, err;
	sigset_t mask;
	ssize_t n;

	/* a user's program tells us through this pipe (closed by exec) why it did not start */
	if (c && pipe2(pfd, O_CLOEXEC))
		return lab_fail(rt, -errno, "cannot start %s in %s", role, ns_name);
	if (c && !rt->detached && rt->log_dir_fd >= 0) {
		/* never through a name someone planted: unlink, then create anew, no symlinks */
		char name[80];

		snprintf(name, sizeof(name), "%s.log", c->node);
		unlinkat(rt->log_dir_fd, name, 0);
		log_fd = openat(rt->log_dir_fd, name,
				O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (log_fd < 0) {
			err = -errno;
			close(pfd[0]);
			close(pfd[1]);
			return lab_fail(rt, err, "cannot create the log %s/%s of %s", rt->log_dir, name,
				    role);
		}
	}
	pid = fork();
	if (pid < 0) {
		err = -errno;
		if (c) {
			close(pfd[0]);
			close(pfd[1]);
		}
		if (log_fd >= 0)
			close(log_fd);
		return lab_fail(rt, err, "cannot fork %s", role);
	}
	if (pid == 0) {
		/* first of all into the lab's cgroup, before this child can make any other */
		if (rt->cg_procs_fd >= 0 && write(rt->cg_procs_fd, "0", 1) != 1 && c)
			child_fail(pfd[1], SPAWN_CGROUP);
		if (rt->detached || c) {
			/* a daemon or a user's program: no hold on the caller's terminal or pipes
			 * (`twlab up ... | tee` must see EOF when twlab exits); a command's output
			 * goes to DIR/logs/<node>.log */
			int null = open("/dev/null", O_RDWR | O_CLOEXEC);

			if (rt->detached)
				setsid();
			if (null >= 0)
				dup2(null, STDIN_FILENO);
			if (log_fd >= 0 || null >= 0) {
				dup2(log_fd >= 0 ? log_fd : null, STDOUT_FILENO);
				dup2(log_fd >= 0 ? log_fd : null, STDERR_FILENO);
			}
		}
		if (netns_enter(ns_fd)) {
			if (c)
				child_fail(pfd[1], SPAWN_NETNS);
			_exit(126);
		}
		/* fork keeps descriptors (CLOEXEC acts on exec only): drop the state file, whose
		 * lock must end with twlab, and the namespaces, which a detached agent would
		 * otherwise keep alive */
		if (rt->undo.fd >= 0)
			close(rt->undo.fd);
		if (rt->server_fd >= 0)
			close(rt->server_fd);
		if (rt->router_fd >= 0)
			close(rt->router_fd);
		for (size_t i = 0; rt->client_fd && i < rt->lab->n_clients; i++)
			if (rt->client_fd[i] >= 0)
				close(rt->client_fd[i]);
		if (c && child_user(c))
			child_fail(pfd[1], SPAWN_USER);
		/* die with twlab, even on SIGKILL (set after the user switch, which clears it) */
		if (!rt->detached) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != parent)
				_exit(127);
		}
		if (c) {
			/* a user's program gets the default signal mask back */
			sigemptyset(&mask);
			sigprocmask(SIG_SETMASK, &mask, NULL);
			child_env(rt, c);
			execvp(c->argv[0], c->argv);
			child_fail(pfd[1], SPAWN_EXEC);
		}
		/* Agents keep SIGTERM/SIGINT (and SIGPIPE) blocked and read them from a
		 * signalfd: no gap in which a stop request could kill one before it is ready for
		 * it. Every other signal has its default action: an agent that dies of one fails
		 * the run. */
		sigemptyset(&mask);
		sigaddset(&mask, SIGTERM);
		sigaddset(&mask, SIGINT);
		sigaddset(&mask, SIGPIPE);
		sigprocmask(SIG_SETMASK, &mask, NULL);
		_exit(fn(arg) < 0 ? 1 : 0);
	}
	e.id = pid;
	proc_starttime(pid, &e.start);
	snprintf(e.name, sizeof(e.name), "%s", role);
	snprintf(e.ns, sizeof(e.ns), "%s", ns_name);
	*ret_pid = pid;
	err = undo_push(&rt->undo, &e);
	if (log_fd >= 0)
		close(log_fd);
	if (!c)
		return err;
	close(pfd[1]);
	/* EOF: exec succeeded; a message: it did not (the child has exited) */
	do
		n = read(pfd[0], msg, sizeof(msg));
	while (n < 0 && errno == EINTR);
	close(pfd[0]);
	if (n == sizeof(msg)) {
		waitpid(pid, NULL, 0);
		rt->err_exec = msg[0] == SPAWN_EXEC || msg[0] == SPAWN_USER;
		return lab_fail(rt, -msg[1], "%s %s '%s' in %s", stage_str(msg[0]), role,
			    c->text ? c->text : c->argv[0], ns_name);
	}
	return err;
}

bool lab_has_command(const struct lab *lab)
{
	if (lab->server.command)
		return true;
	for (size_t i = 0; i < lab->n_clients; i++)
		if (lab->clients[i].command)
			return true;
	return false;
}

int lab_cmd_init(struct lab_cmd *c, const char *node, char *const *argv, const char *text,
		 const char *user)
{
	struct passwd *pw;

	memset(c, 0, sizeof(*c));
	c->node = node;
	c->argv = argv;
	c->text = text;
	if (!user)
		return 0;
	errno = 0;
	pw = getpwnam(user);
	if (!pw)
		return errno ? -errno : -ENOENT;
	c->user = user;
	c->uid = pw->pw_uid;
	c->gid = pw->pw_gid;
	c->n_groups = sizeof(c->groups) / sizeof(c->groups[0]);
	if (getgrouplist(user, pw->pw_gid, c->groups, &c->n_groups) < 0) {
		/* more than 64 groups: the primary one only */
		c->groups[0] = pw->pw_gid;
		c->n_groups = 1;
	}
	return 0;
}

int lab_spawn(struct lab_rt *rt, int ns_fd, const char *ns_name, const char *role,
	      int (*fn)(void *arg), void *arg, pid_t *ret_pid)
{
	return spawn(rt, ns_fd, ns_name, role, fn, arg, NULL, ret_pid);
}

int lab_spawn_command(struct lab_rt *rt, int ns_fd, const char *ns_name, const char *role,
		      const struct lab_cmd *c, pid_t *ret_pid)
{
	return spawn(rt, ns_fd, ns_name, role, NULL, NULL, c, ret_pid);
}
