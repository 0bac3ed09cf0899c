/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netns: named network namespaces the way iproute2 makes them (a bind mount of the nsfs file
 * under /run/netns, so `ip netns` sees them). netns membership is per thread: the functions
 * that enter a namespace move the calling thread only.
 */
#ifndef TWLAB_NETNS_H
#define TWLAB_NETNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NETNS_RUN_DIR "/run/netns"

/* A name that stays inside NETNS_RUN_DIR: no '/', not "." or "..", not empty. Every function
 * here that takes a name refuses any other with -EINVAL. */
bool netns_name_ok(const char *name);
/* Remember the thread's current netns as "root" (call once, first). */
int netns_init(void);
/* Make /run/netns a shared mount point (as `ip netns add` does). */
int netns_prepare_rundir(void);
/* Create name, bound with twlab's mark (netns_marked); the calling thread is left inside it.
 * journal (may be NULL) is called inside the new namespace with its nsfs inode before the
 * name exists: it writes the namespace into the state file, so that a SIGKILL at any later
 * moment leaves nothing the journal cannot prove; its error aborts (nothing was named).
 * *ret_fd (O_CLOEXEC) and the nsfs inode identify it. -EEXIST if the name is taken (nothing
 * is touched then). The mount point under the binding holds a line naming the namespace. */
int netns_create(const char *name, int (*journal)(void *arg, uint64_t ino), void *arg,
		 int *ret_fd, uint64_t *ret_ino);
/* Remove the mount point of name left without its binding (a SIGKILL between netns_create's
 * or netns_delete's two steps), only if it is the one netns_create made for the namespace
 * ino: a regular file of root's holding exactly netns_create's line. 0 when removed, -ENOENT
 * when there is no such file (a namespace, anyone else's file, nothing). */
int netns_stub_remove(const char *name, uint64_t ino);
int netns_open(const char *name, int *ret_fd);
int netns_enter(int fd);
int netns_enter_root(void);
/* Inode of the namespace bound at /run/netns/name; -ENOENT if none (or if what is there is
 * not an nsfs file: a placeholder, anything else); -ELOOP for a symlink. */
int netns_ino(const char *name, uint64_t *ret_ino);
/* Was name bound by netns_create (its binding is read-only, nosuid, nodev, noexec)? */
bool netns_marked(const char *name);
/* Is ino the host's network namespace (init's)? */
bool netns_is_host(uint64_t ino);
/* Inode of the network namespace process pid is in. */
int proc_netns_ino(int pid, uint64_t *ret_ino);
/* Unmount and unlink name, only if its inode is ino (0 = whatever it is). -ENOENT if absent,
 * -ESTALE if the name now belongs to another namespace. */
int netns_delete(const char *name, uint64_t ino);
/* SIGKILL every process whose netns is one of inos (never pid 1, twlab or its ancestors) and
 * wait (bounded) until they are gone; our own children are reaped. Returns the number killed
 * or a negative errno (-ETIMEDOUT; -EPERM if one of inos is the host's namespace). */
int netns_kill_procs(const uint64_t *inos, size_t n, int timeout_ms);
/* A pidfd for pid, if its start time is start (0: any). -ESRCH if it is another process. */
int proc_pidfd(int pid, uint64_t start);
/* Without pidfds (before 5.3): SIGKILL pid if its start time is start (0: any) and wait,
 * bounded, until it has exited. 0 (also when it was gone or another process) or -ETIMEDOUT. */
int proc_kill_nopidfd(int pid, uint64_t start, int timeout_ms);
/* SIGKILL each process (by pidfd) and wait, bounded, until all have exited; reap our
 * children. 0 or -ETIMEDOUT. */
int proc_kill_wait(const int *pidfds, const int *pids, size_t n, int timeout_ms);
/* Start time of pid (field 22 of /proc/PID/stat), to tell a pid from a reused one. */
int proc_starttime(int pid, uint64_t *ret);
/* Start time, state (field 3: 'R', 'S', 'Z', ...) and parent of pid; any ret may be NULL. */
int proc_stat(int pid, uint64_t *ret_start, char *ret_state, int *ret_ppid);
/* pid runs (not a zombie) and started at start (0: any start). */
bool proc_alive(int pid, uint64_t start);
/* pid 1 (or less), twlab itself or one of its ancestors: never to be signalled. */
bool proc_protected(int pid);

#endif
