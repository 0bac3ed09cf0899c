// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "lab/netns.h"

static int root_fd = -1;

int netns_init(void)
{
	if (root_fd >= 0)
		return 0;
	root_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	return root_fd < 0 ? -errno : 0;
}

int netns_prepare_rundir(void)
{
	if (mkdir(NETNS_RUN_DIR, 0755) && errno != EEXIST)
		return -errno;
	/* Shared propagation so the bind mounts show in other mount namespaces; EINVAL means
	 * /run/netns is not a mount point yet: bind it onto itself first (ip/ipnetns.c). */
	if (!mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL))
		return 0;
	if (errno != EINVAL)
		return -errno;
	if (mount(NETNS_RUN_DIR, NETNS_RUN_DIR, "none", MS_BIND | MS_REC, NULL))
		return -errno;
	if (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL))
		return -errno;
	return 0;
}

static void netns_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, NETNS_RUN_DIR "/%s", name);
}

int netns_create(const char *name, int *ret_fd, uint64_t *ret_ino)
{
	char path[PATH_MAX];
	struct stat st;
	int fd, err;

	netns_path(name, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	close(fd);
	if (unshare(CLONE_NEWNET))
		goto fail;
	if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL))
		goto fail;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto fail_mounted;
	if (fstat(fd, &st)) {
		close(fd);
		goto fail_mounted;
	}
	*ret_fd = fd;
	*ret_ino = st.st_ino;
	return 0;
fail_mounted:
	err = -errno;
	umount2(path, MNT_DETACH);
	unlink(path);
	return err;
fail:
	err = -errno;
	unlink(path);
	return err;
}

int netns_open(const char *name, int *ret_fd)
{
	char path[PATH_MAX];
	int fd;

	netns_path(name, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*ret_fd = fd;
	return 0;
}

int netns_enter(int fd)
{
	return setns(fd, CLONE_NEWNET) ? -errno : 0;
}

int netns_enter_root(void)
{
	if (root_fd < 0)
		return -EBADF;
	return netns_enter(root_fd);
}

int netns_ino(const char *name, uint64_t *ret_ino)
{
	char path[PATH_MAX];
	struct stat st, dir;

	netns_path(name, path, sizeof(path));
	if (stat(path, &st) || stat(NETNS_RUN_DIR, &dir))
		return -errno;
	/* A placeholder file with nothing mounted on it is not a namespace: nsfs has its own
	 * st_dev. */
	if (st.st_dev == dir.st_dev)
		return -ENOENT;
	*ret_ino = st.st_ino;
	return 0;
}

int netns_delete(const char *name, uint64_t ino)
{
	char path[PATH_MAX];
	uint64_t cur;
	int err = netns_ino(name, &cur);

	if (err)
		return err;
	if (ino && cur != ino)
		return -ESTALE;
	netns_path(name, path, sizeof(path));
	if (umount2(path, MNT_DETACH) && errno != EINVAL)
		return -errno;
	if (unlink(path) && errno != ENOENT)
		return -errno;
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

static bool ino_in(uint64_t ino, const uint64_t *inos, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (inos[i] == ino)
			return true;
	return false;
}

int proc_pidfd(int pid, uint64_t start)
{
	uint64_t st;
	int fd = syscall(SYS_pidfd_open, pid, 0);

	if (fd < 0)
		return -errno;
	/* The pidfd pins this pid; if its start time matches, it is the process we mean. */
	if (start && (proc_starttime(pid, &st) || st != start)) {
		close(fd);
		return -ESRCH;
	}
	return fd;
}

/* State letter of pid if its start time is start, 0 if it is gone or another process. */
static char proc_state(int pid, uint64_t start)
{
	char path[64], buf[512], *p;
	uint64_t st;
	ssize_t len;
	int fd;

	if (proc_starttime(pid, &st) || st != start)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return 0;
	buf[len] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

int proc_kill_nopidfd(int pid, uint64_t start, int timeout_ms)
{
	uint64_t deadline = now_ms() + timeout_ms;
	char s;

	if (!start && proc_starttime(pid, &start))
		return 0;	/* gone */
	if (!proc_state(pid, start))
		return 0;	/* gone, or the pid is someone else's now */
	/* The pid could be reused between the check and kill(): that window is what pidfds
	 * close; lab pids are not recycled within it. */
	if (kill(pid, SIGKILL) && errno == ESRCH)
		return 0;
	for (;;) {
		waitpid(pid, NULL, WNOHANG);	/* ours: reap it */
		s = proc_state(pid, start);
		if (!s || s == 'Z' || s == 'X')
			return 0;
		if (now_ms() >= deadline)
			return -ETIMEDOUT;
		poll(NULL, 0, 2);
	}
}

int proc_kill_wait(const int *pidfds, const int *pids, size_t n, int timeout_ms)
{
	uint64_t deadline = now_ms() + timeout_ms;
	struct pollfd *pf = calloc(n + 1, sizeof(*pf));
	size_t left = 0;
	int err = 0;

	if (!pf)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		syscall(SYS_pidfd_send_signal, pidfds[i], SIGKILL, NULL, 0);
		pf[i] = (struct pollfd){ .fd = pidfds[i], .events = POLLIN };
	}
	/* A pidfd turns readable when its process has exited (zombie or reaped). */
	do {
		int ms = (int)(deadline - now_ms());

		if (ms <= 0 || poll(pf, n, ms) < 0) {
			err = -ETIMEDOUT;
			break;
		}
		left = 0;
		for (size_t i = 0; i < n; i++) {
			if (pf[i].fd < 0)
				continue;
			if (pf[i].revents & (POLLIN | POLLHUP | POLLERR)) {
				waitpid(pids[i], NULL, WNOHANG);	/* ours: reap it */
				pf[i].fd = -1;
			} else {
				left++;
			}
		}
	} while (left);
	free(pf);
	return err;
}

int netns_kill_procs(const uint64_t *inos, size_t n, int timeout_ms)
{
	char path[64];
	struct dirent *de;
	struct stat st;
	pid_t self = getpid();
	int *fds = NULL, *pids = NULL, found = 0, killed = 0, cap = 0, err = 0;
	DIR *d = opendir("/proc");

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		int fd;

		if (*end || pid <= 0 || pid == self)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/ns/net", pid);
		if (stat(path, &st) || !ino_in(st.st_ino, inos, n))
			continue;
		fd = proc_pidfd(pid, 0);
		if (fd == -ENOSYS) {	/* no pidfds before 5.3 */
			if ((fd = proc_kill_nopidfd(pid, 0, timeout_ms)) && !err)
				err = fd;
			killed++;
			continue;
		}
		if (fd < 0)
			continue;	/* gone meanwhile */
		if (found == cap) {
			cap = cap ? cap * 2 : 32;
			fds = realloc(fds, cap * sizeof(int));
			pids = realloc(pids, cap * sizeof(int));
			if (!fds || !pids) {
				close(fd);
				err = -ENOMEM;
				break;
			}
		}
		fds[found] = fd;
		pids[found++] = pid;
	}
	closedir(d);
	if (!err && found)
		err = proc_kill_wait(fds, pids, found, timeout_ms);
	for (int i = 0; i < found; i++)
		close(fds[i]);
	free(fds);
	free(pids);
	return err ? err : found + killed;
}

int proc_starttime(int pid, uint64_t *ret)
{
	char path[64], buf[1024], *p;
	unsigned long long st;
	ssize_t len;
	int fd, i;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -EIO;
	buf[len] = 0;
	p = strrchr(buf, ')');	/* comm may hold spaces and parens */
	if (!p)
		return -EIO;
	for (i = 2; i < 22 && p; i++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &st) != 1)
		return -EIO;
	*ret = st;
	return 0;
}
