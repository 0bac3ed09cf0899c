// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include "lab/cgroup.h"
#include "lab/netns.h"

#define TOP "twlab"
/* The xattr twlab sets on each cgroup it makes (the lab's name): a cgroup someone else made at
 * twlab's path, even with the inode a state file records, is not killed. trusted.*: only
 * CAP_SYS_ADMIN can set it. */
#define MARK "trusted.twlab"

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

/* The first cgroup2 mount in /proc/self/mountinfo: /sys/fs/cgroup on a unified system,
 * /sys/fs/cgroup/unified on a hybrid one. */
static int cgroup2_mount(char *buf, size_t len)
{
	char line[4096], mnt[4096], *sep;
	int err = -ENOENT;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		sep = strstr(line, " - ");
		if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 || strchr(mnt, '\\'))
			continue;	/* an escaped (odd) mount point: look further */
		if ((size_t)snprintf(buf, len, "%s", mnt) >= len)
			continue;
		err = 0;
		break;
	}
	fclose(f);
	return err;
}

int cgroup_path(const char *lab, char *buf, size_t len)
{
	char mnt[4096];
	int err;

	if (!*lab || strchr(lab, '/') || lab[0] == '.')
		return -EINVAL;
	err = cgroup2_mount(mnt, sizeof(mnt));
	if (err)
		return err;
	if ((size_t)snprintf(buf, len, "%s/" TOP "/%s", mnt, lab) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* "populated 0" in cgroup.events */
static int populated(int dir_fd)
{
	char buf[256];
	ssize_t n;
	int fd = openat(dir_fd, "cgroup.events", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return strstr(buf, "populated 0") ? 0 : 1;
}

static int write_file(int dir_fd, const char *name, const char *val)
{
	int fd = openat(dir_fd, name, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		err = -errno;
	close(fd);
	return err;
}

int cgroup_create(const char *lab, int *ret_fd, uint64_t *ret_ino)
{
	char path[4096 + 128], *slash;
	struct stat st;
	int fd, err = cgroup_path(lab, path, sizeof(path));

	if (err)
		return err;
	slash = strrchr(path, '/');
	/* twlab/ is shared: another lab's teardown may remove it between our two mkdirs */
	for (int tries = 0;; tries++) {
		*slash = 0;
		err = mkdir(path, 0755) && errno != EEXIST ? -errno : 0;
		*slash = '/';
		if (!err && mkdir(path, 0755) && errno != EEXIST)
			err = -errno;
		if (err != -ENOENT || tries == 3)
			break;
	}
	if (err)
		return err;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* left over by a lab killed before it could remove it: reuse it only if empty */
	err = populated(fd);
	if (err > 0)
		err = -EEXIST;
	if (!err && fstat(fd, &st))
		err = -errno;
	if (!err && fsetxattr(fd, MARK, lab, strlen(lab), 0) && errno != EOPNOTSUPP)
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	*ret_fd = fd;
	*ret_ino = st.st_ino;
	return 0;
}

/* Does the cgroup dir_fd carry twlab's mark for lab? Without xattrs on cgroupfs, the inode is
 * all there is: true. */
static bool marked(int dir_fd, const char *lab)
{
	char v[128];
	ssize_t n = fgetxattr(dir_fd, MARK, v, sizeof(v));

	if (n < 0)
		return errno == EOPNOTSUPP;
	return (size_t)n == strlen(lab) && !memcmp(v, lab, n);
}

int cgroup_procs_fd(int dir_fd)
{
	int fd = openat(dir_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int cgroup_join(const char *lab, uint64_t ino)
{
	char path[4096 + 128];
	struct stat st;
	int fd, err = cgroup_path(lab, path, sizeof(path));

	if (err)
		return err;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || st.st_ino != ino)
		err = -ESTALE;
	else
		err = write_file(fd, "cgroup.procs", "0");
	close(fd);
	return err;
}

/* Before cgroup.kill (5.14): freeze, so nothing forks while we kill, then SIGKILL every pid
 * (fatal signals reach frozen tasks). */
static void kill_each(int dir_fd)
{
	char pid[32];
	FILE *f;
	int fd;

	write_file(dir_fd, "cgroup.freeze", "1");
	fd = openat(dir_fd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	f = fd >= 0 ? fdopen(fd, "r") : NULL;
	while (f && fgets(pid, sizeof(pid), f))
		kill(atoi(pid), SIGKILL);
	if (f)
		fclose(f);
	else if (fd >= 0)
		close(fd);
	write_file(dir_fd, "cgroup.freeze", "0");
}

/*
 * twlab itself and its ancestors can be inside the lab's cgroup: `twlab exec LAB node -- sh`,
 * then `twlab down LAB` from that shell. They are never signalled: move them to the root of
 * the hierarchy (exempt from the no-internal-process rule) before the cgroup is killed.
 * Returns how many were moved.
 */
static int spare_protected(int dir_fd)
{
	char mnt[4096], root[4096 + 32], pid[32];
	int fd, n = 0;
	FILE *f;

	fd = openat(dir_fd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while (fgets(pid, sizeof(pid), f)) {
		int rfd;

		if (!proc_protected(atoi(pid)) || cgroup2_mount(mnt, sizeof(mnt)))
			continue;
		snprintf(root, sizeof(root), "%s/cgroup.procs", mnt);
		rfd = open(root, O_WRONLY | O_CLOEXEC);
		if (rfd >= 0 && write(rfd, pid, strlen(pid)) > 0)
			n++;
		if (rfd >= 0)
			close(rfd);
	}
	fclose(f);
	return n;
}

int cgroup_destroy(const char *lab, uint64_t ino, int timeout_ms)
{
	uint64_t deadline = now_ms() + timeout_ms;
	char path[4096 + 128];
	struct stat st;
	int fd, err = cgroup_path(lab, path, sizeof(path)), events, p;

	if (err)
		return err;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || (ino && st.st_ino != ino)) {
		close(fd);
		return -ESTALE;
	}
	if (!marked(fd, lab)) {
		close(fd);
		return -EPERM;	/* someone else's, at twlab's path: its processes are not ours */
	}
	spare_protected(fd);
	/* cgroup.events signals every change with POLLPRI (kernfs_notify) */
	events = openat(fd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	while ((p = populated(fd)) > 0) {
		struct pollfd pf = { .fd = events, .events = POLLPRI };
		int ms = (int)(deadline - now_ms());
		char buf[256];

		if (ms <= 0) {
			err = -ETIMEDOUT;
			break;
		}
		if (write_file(fd, "cgroup.kill", "1") == -ENOENT)
			kill_each(fd);
		/* consume the current state, then wait for the next change (bounded) */
		if (events >= 0 && pread(events, buf, sizeof(buf), 0) >= 0)
			poll(&pf, 1, ms < 50 ? ms : 50);
		else
			poll(NULL, 0, 5);
	}
	if (p < 0)
		err = p;
	if (events >= 0)
		close(events);
	close(fd);
	if (!err && rmdir(path))
		err = errno == ENOENT ? 0 : -errno;
	if (!err) {
		*strrchr(path, '/') = 0;
		rmdir(path);	/* the shared twlab/ level, once no lab uses it */
	}
	return err;
}

int cgroup_remove_unlisted(const char *lab)
{
	char path[4096 + 128];
	int fd, err = cgroup_path(lab, path, sizeof(path));

	if (err)
		return err;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* with no mark to check (no xattrs), nothing proves it ours: left alone */
	err = fgetxattr(fd, MARK, NULL, 0) < 0 || !marked(fd, lab) ? -EPERM
		: populated(fd) ? -EBUSY : 0;
	close(fd);
	if (!err && rmdir(path))
		err = -errno;
	if (!err) {
		*strrchr(path, '/') = 0;
		rmdir(path);	/* the shared twlab/ level, once no lab uses it */
	}
	return err;
}
