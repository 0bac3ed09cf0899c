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
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/magic.h>
#include <linux/mount.h>
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

bool netns_name_ok(const char *name)
{
	size_t n = strnlen(name, NAME_MAX + 1);

	return n > 0 && n <= NAME_MAX && !strchr(name, '/') && strcmp(name, ".") &&
	       strcmp(name, "..");
}

/* Every path this module touches is a direct child of NETNS_RUN_DIR. */
static int netns_path(const char *name, char *buf, size_t len)
{
	if (!netns_name_ok(name))
		return -EINVAL;
	snprintf(buf, len, NETNS_RUN_DIR "/%s", name);
	return 0;
}

/* The binding twlab makes is read-only, nosuid, nodev and noexec (an nsfs file is never written
 * or executed anyway); `ip netns add` and `unshare --net=FILE` make read-write ones. So a
 * namespace is provably twlab's only if its inode matches the state file *and* its binding
 * carries these flags: a state file naming someone else's namespace with its true inode still
 * does not make it ours. The flags are set on the detached mount before it is attached (new
 * mount API), so the copies propagated to other mount namespaces carry them too. */
#define NETNS_MARK (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)
#define NETNS_MARK_ST (ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC)

static int bind_marked(const char *path)
{
	struct mount_attr attr = { .attr_set = NETNS_MARK };
	int fd, err = 0;

	fd = syscall(SYS_open_tree, AT_FDCWD, "/proc/thread-self/ns/net",
		     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (fd < 0 && errno != ENOSYS)
		return -1;
	if (fd < 0) {	/* before Linux 5.12: bind, then remount with the flags */
		if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL))
			return -1;
		if (!mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID |
			   MS_NODEV | MS_NOEXEC, NULL))
			return 0;
		err = errno;
		umount2(path, MNT_DETACH);
		errno = err;
		return -1;
	}
	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) ||
	    syscall(SYS_move_mount, fd, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH))
		err = errno;
	close(fd);
	errno = err;
	return err ? -1 : 0;
}

bool netns_marked(const char *name)
{
	char path[PATH_MAX];
	struct statvfs sv;
	int fd;
	bool marked;

	if (netns_path(name, path, sizeof(path)))
		return false;
	fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	marked = !fstatvfs(fd, &sv) && (sv.f_flag & NETNS_MARK_ST) == NETNS_MARK_ST;
	close(fd);
	return marked;
}

/* What the mount point of name holds under its bind mount: a line naming the namespace, so
 * that a mount point left without its mount (a SIGKILL between the two steps, in up or in
 * down) is provably twlab's and can be removed (netns_stub_remove). */
static int stub_text(const char *name, uint64_t ino, char *buf, size_t len)
{
	return snprintf(buf, len, "twlab netns %s %llu\n", name, (unsigned long long)ino);
}

/* Make the mount point path, already holding its text: an unnamed file (O_TMPFILE) that gets
 * its name only once written, so no moment leaves an empty file. Without O_TMPFILE (a file
 * system that lacks it), an O_EXCL file written at once. */
static int make_stub(const char *path, const char *name, uint64_t ino)
{
	char text[NAME_MAX + 64], fdpath[64];
	int fd, n = stub_text(name, ino, text, sizeof(text)), err = 0;

	fd = open(NETNS_RUN_DIR, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0);
	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		if (write(fd, text, n) != n)
			err = errno ? -errno : -EIO;
		close(fd);
		if (err)
			unlink(path);
		return err;
	}
	if (fd < 0)
		return -errno;
	if (write(fd, text, n) != n)
		err = errno ? -errno : -EIO;
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	if (!err && linkat(AT_FDCWD, fdpath, AT_FDCWD, path, AT_SYMLINK_FOLLOW))
		err = -errno;
	close(fd);
	return err;
}

int netns_stub_remove(const char *name, uint64_t ino)
{
	char path[PATH_MAX], want[NAME_MAX + 64], have[NAME_MAX + 65];
	struct statfs sfs;
	struct stat st;
	ssize_t n;
	int fd, err, len;

	err = netns_path(name, path, sizeof(path));
	if (err)
		return err;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = stub_text(name, ino, want, sizeof(want));
	if (fstat(fd, &st) || fstatfs(fd, &sfs) || sfs.f_type == NSFS_MAGIC ||
	    !S_ISREG(st.st_mode) || st.st_uid || st.st_nlink != 1 || st.st_size != len ||
	    (n = read(fd, have, sizeof(have))) != len || memcmp(have, want, len)) {
		close(fd);
		return -ENOENT;	/* nothing of ours: a namespace, or anyone else's file */
	}
	close(fd);
	return unlink(path) ? -errno : 0;
}

int netns_create(const char *name, int (*journal)(void *arg, uint64_t ino), void *arg,
		 int *ret_fd, uint64_t *ret_ino)
{
	char path[PATH_MAX];
	struct stat st;
	int fd, err;

	err = netns_path(name, path, sizeof(path));
	if (err)
		return err;
	if (!access(path, F_OK))
		return -EEXIST;
	/* The namespace first, unnamed: it dies with this thread until it is bound. Its inode
	 * goes into the journal before the name exists, so that a SIGKILL at any later moment
	 * leaves only what the journal proves (the stub, then the marked binding). */
	if (unshare(CLONE_NEWNET))
		return -errno;
	if (stat("/proc/thread-self/ns/net", &st)) {
		err = -errno;
		goto fail_unnamed;
	}
	if (journal && (err = journal(arg, st.st_ino)))
		goto fail_unnamed;
	err = make_stub(path, name, st.st_ino);
	if (err)
		goto fail_unnamed;
	if (bind_marked(path))
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
fail_unnamed:
	netns_enter_root();
	return err;
}

int netns_open(const char *name, int *ret_fd)
{
	char path[PATH_MAX];
	int fd, err;

	err = netns_path(name, path, sizeof(path));
	if (err)
		return err;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
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
	struct statfs sfs;
	struct stat st;
	int fd, err;

	err = netns_path(name, path, sizeof(path));
	if (err)
		return err;
	/* O_PATH | O_NOFOLLOW: a symlink planted in the run dir is not followed; a placeholder
	 * file with nothing mounted on it (or anything else that is not nsfs) is not a
	 * namespace, and a symlink is refused with -ELOOP. */
	fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || fstatfs(fd, &sfs))
		err = -errno;
	else if (S_ISLNK(st.st_mode))
		err = -ELOOP;
	else if (sfs.f_type != NSFS_MAGIC)
		err = -ENOENT;
	close(fd);
	if (err)
		return err;
	*ret_ino = st.st_ino;
	return 0;
}

static int ns_ino_of(const char *path, uint64_t *ret)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	*ret = st.st_ino;
	return 0;
}

bool netns_is_host(uint64_t ino)
{
	uint64_t h = 0;

	/* init's namespace. Not "the one twlab runs in": twlab may run inside a lab's namespace
	 * (twlab exec LAB NODE -- twlab down LAB), which is the lab's to remove. Unreadable only
	 * without root, and then nothing can be removed or killed anyway. */
	return !ns_ino_of("/proc/1/ns/net", &h) && h == ino;
}

int proc_netns_ino(int pid, uint64_t *ret_ino)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	return ns_ino_of(path, ret_ino);
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
	if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) && errno != EINVAL)
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
	DIR *d;

	for (size_t i = 0; i < n; i++)
		if (netns_is_host(inos[i]))
			return -EPERM;	/* that would be every process on the machine */
	d = opendir("/proc");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		int fd;

		if (*end || pid <= 0 || pid == self)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/ns/net", pid);
		if (stat(path, &st) || !ino_in(st.st_ino, inos, n) || proc_protected(pid))
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

int proc_stat(int pid, uint64_t *ret_start, char *ret_state, int *ret_ppid)
{
	char path[64], buf[1024], *p, state;
	unsigned long long st;
	ssize_t len;
	int fd, i, ppid;

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
	if (!p || sscanf(p + 1, " %c %d", &state, &ppid) != 2)
		return -EIO;
	for (i = 2; i < 22 && p; i++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &st) != 1)
		return -EIO;
	if (ret_start)
		*ret_start = st;
	if (ret_state)
		*ret_state = state;
	if (ret_ppid)
		*ret_ppid = ppid;
	return 0;
}

int proc_starttime(int pid, uint64_t *ret)
{
	return proc_stat(pid, ret, NULL, NULL);
}

bool proc_alive(int pid, uint64_t start)
{
	uint64_t st;
	char state;

	if (pid <= 0 || proc_stat(pid, &st, &state, NULL))
		return false;
	/* a zombie has exited (and let go of its locks): only its exit status is left */
	return state != 'Z' && state != 'X' && (!start || st == start);
}

bool proc_protected(int pid)
{
	int p = getpid();

	if (pid <= 1 || pid == p)
		return true;
	/* twlab's ancestors, up to init (bounded: a pid namespace is at most 32 deep, and a
	 * ppid chain is short) */
	for (int depth = 0; depth < 4096 && p > 1; depth++) {
		if (proc_stat(p, NULL, NULL, &p))
			break;
		if (p == pid)
			return true;
	}
	return false;
}
