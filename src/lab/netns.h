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

/* Remember the thread's current netns as "root" (call once, first). */
int netns_init(void);
/* Make /run/netns a shared mount point (as `ip netns add` does). */
int netns_prepare_rundir(void);
/* Create name; the calling thread is left inside it. *ret_fd (O_CLOEXEC) and the nsfs inode
 * identify it. -EEXIST if the name is taken (nothing is touched then). */
int netns_create(const char *name, int *ret_fd, uint64_t *ret_ino);
int netns_open(const char *name, int *ret_fd);
int netns_enter(int fd);
int netns_enter_root(void);
/* Inode of the namespace bound at /run/netns/name; -ENOENT if none. */
int netns_ino(const char *name, uint64_t *ret_ino);
/* Unmount and unlink name, only if its inode is ino (0 = whatever it is). -ENOENT if absent,
 * -ESTALE if the name now belongs to another namespace. */
int netns_delete(const char *name, uint64_t ino);
/* SIGKILL every process whose netns is one of inos and wait (bounded) until they are gone;
 * our own children are reaped. Returns the number killed or a negative errno (-ETIMEDOUT). */
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

#endif
