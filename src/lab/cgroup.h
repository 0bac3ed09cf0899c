/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup: one cgroup v2 per lab, <cgroup2 mount>/twlab/<lab>, holding every process the lab
 * starts. A process can leave its network namespace (unshare -n), its session (setsid) and
 * its parent (a double fork), but not its cgroup: teardown kills the whole cgroup and removes
 * it. The path is made from the lab's name, never read from a state file; the state file
 * records the directory's inode so that `twlab clean` removes only the cgroup twlab made.
 */
#ifndef TWLAB_CGROUP_H
#define TWLAB_CGROUP_H

#include <stddef.h>
#include <stdint.h>

/* <cgroup2 mount>/twlab/<lab>; -ENOENT when no cgroup v2 hierarchy is mounted. */
int cgroup_path(const char *lab, char *buf, size_t len);
/* Create the lab's cgroup (-EEXIST if it exists with processes in it; an empty leftover is
 * reused), marked as twlab's (xattr trusted.twlab = the lab's name, where cgroupfs has
 * xattrs). Returns its directory (fd, O_CLOEXEC) and the directory's inode. */
int cgroup_create(const char *lab, int *ret_fd, uint64_t *ret_ino);
/* Open dir_fd's cgroup.procs for writing: a child writes "0" to it to join. */
int cgroup_procs_fd(int dir_fd);
/* Move the calling process into the lab's cgroup, if its inode is ino (-ESTALE otherwise). */
int cgroup_join(const char *lab, uint64_t ino);
/* Kill every process in the lab's cgroup (cgroup.kill, or freeze and SIGKILL each one on
 * kernels before 5.14), wait until it is empty (bounded) and remove it. Only if its inode is
 * ino (-ESTALE otherwise) and it carries twlab's mark for lab (-EPERM otherwise: someone
 * else's cgroup at that path); -ENOENT when it is gone already. */
int cgroup_destroy(const char *lab, uint64_t ino, int timeout_ms);

/* The lab's cgroup when its state file has no line for it (a SIGKILL between its mkdir and
 * its journal line): removed only if it carries twlab's mark for lab and is empty. 0, -ENOENT,
 * -EPERM (no mark), -EBUSY (processes in it: not provably ours to kill). */
int cgroup_remove_unlisted(const char *lab);

#endif
