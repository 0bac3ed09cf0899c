// SPDX-License-Identifier: GPL-2.0
/* Output folders and files that cannot be redirected by another user (see outdir.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#include "run/outdir.h"

#define MAX_LINKS 40	/* symlinks followed on one path, as the kernel's own limit */
#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

struct walk {
	bool create;
	int links;
	char *why;
	size_t len;
};

__attribute__((format(printf, 3, 4)))
static int fail(struct walk *w, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->why, w->len, fmt, ap);
	va_end(ap);
	return err;
}

/* A number from the environment (sudo's SUDO_UID / SUDO_GID), or -1. */
static long long env_id(const char *name)
{
	const char *s = getuid() == 0 ? getenv(name) : NULL;
	char *end;
	long long v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	return errno || *end || v < 0 ? -1 : v;
}

/* Root or the caller (under sudo also the user who ran sudo: it is their run). */
static bool trusted_uid(uid_t uid)
{
	return uid == 0 || uid == getuid() || uid == geteuid() || (long long)uid == env_id("SUDO_UID");
}

static bool trusted_gid(gid_t gid)
{
	return gid == 0 || gid == getgid() || gid == getegid() || (long long)gid == env_id("SUDO_GID");
}

/* The file systems whose files are the kernel's interfaces: a folder made there is a cgroup, a
 * BPF pin folder, a debugfs or configfs object, and a file written there is a kernel setting.
 * Output never goes there. NULL: an ordinary file system. */
static const char *kernel_fs(int fd)
{
	static const struct { unsigned long magic; const char *name; } fs[] = {
		{ PROC_SUPER_MAGIC, "proc" },	    { SYSFS_MAGIC, "sysfs" },
		{ CGROUP_SUPER_MAGIC, "cgroup" },   { CGROUP2_SUPER_MAGIC, "cgroup2" },
		{ BPF_FS_MAGIC, "bpf" },	    { DEBUGFS_MAGIC, "debugfs" },
		{ TRACEFS_MAGIC, "tracefs" },	    { SECURITYFS_MAGIC, "securityfs" },
		{ DEVPTS_SUPER_MAGIC, "devpts" },   { NSFS_MAGIC, "nsfs" },
		{ PSTOREFS_MAGIC, "pstore" },	    { EFIVARFS_MAGIC, "efivarfs" },
		{ SELINUX_MAGIC, "selinuxfs" },	    { SMACK_MAGIC, "smackfs" },
		{ 0x62656570 /* configfs, not in linux/magic.h */, "configfs" },
	};
	struct statfs sfs;
	struct stat st, dev;

	if (fstatfs(fd, &sfs))
		return NULL;
	for (size_t i = 0; i < sizeof(fs) / sizeof(fs[0]); i++)
		if ((unsigned long)sfs.f_type == fs[i].magic)
			return fs[i].name;
	/* devtmpfs says it is a tmpfs: tell it by being /dev's file system */
	if (!fstat(fd, &st) && !stat("/dev", &dev) && st.st_dev == dev.st_dev &&
	    (unsigned long)sfs.f_type == TMPFS_MAGIC)
		return "devtmpfs";
	return NULL;
}

static int check_dir(struct walk *w, int fd, const char *at)
{
	const char *kfs = kernel_fs(fd);
	struct stat st;

	if (kfs)
		return fail(w, -EPERM, "%s is on %s, a kernel file system, not a place for files",
			    at, kfs);
	if (fstat(fd, &st))
		return fail(w, -errno, "cannot stat %s", at);
	if (!trusted_uid(st.st_uid))
		return fail(w, -EPERM, "%s belongs to uid %u, not to root or you", at,
			    (unsigned)st.st_uid);
	if (st.st_mode & S_ISVTX)
		return 0;	/* others may add names, but not replace ours */
	if (st.st_mode & S_IWOTH)
		return fail(w, -EPERM,
			    "%s may be written by every user and has no sticky bit (chmod o-w or +t)",
			    at);
	if ((st.st_mode & S_IWGRP) && !trusted_gid(st.st_gid))
		return fail(w, -EPERM, "%s may be written by group %u and has no sticky bit", at,
			    (unsigned)st.st_gid);
	return 0;
}

static int walk(struct walk *w, int dirfd, const char *path, const char *at0);

/* Open the folder name in dfd; a symlink is followed only when it is root's or the caller's,
 * and its target is walked the same way. */
static int step(struct walk *w, int dfd, const char *parent, const char *name, int *ret)
{
	char target[PATH_MAX], at[PATH_MAX];
	struct stat st;
	ssize_t n;
	int fd;

	snprintf(at, sizeof(at), "%s%s%s", parent, *parent && strcmp(parent, "/") ? "/" : "",
		 name);
	fd = openat(dfd, name, DIR_FLAGS);
	if (fd < 0 && errno == ENOENT && w->create) {
		const char *kfs = kernel_fs(dfd);

		/* there, mkdir makes a kernel object (a cgroup, a BPF folder), not a folder */
		if (kfs)
			return fail(w, -EPERM, "%s would be made on %s, a kernel file system", at,
				    kfs);
		if (mkdirat(dfd, name, 0755) && errno != EEXIST)
			return fail(w, -errno, "cannot create %s", at);
		fd = openat(dfd, name, DIR_FLAGS);
	}
	if (fd >= 0) {
		*ret = fd;
		return 0;
	}
	if (errno != ELOOP && errno != ENOTDIR)
		return fail(w, -errno, "cannot open %s", at);
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return fail(w, -errno, "cannot stat %s", at);
	if (!S_ISLNK(st.st_mode))
		return fail(w, -ENOTDIR, "%s is not a folder", at);
	if (!trusted_uid(st.st_uid))
		return fail(w, -EPERM,
			    "%s is a symlink that belongs to uid %u, not to root or you: not followed",
			    at, (unsigned)st.st_uid);
	if (++w->links > MAX_LINKS)
		return fail(w, -ELOOP, "%s: too many levels of symlinks", at);
	n = readlinkat(dfd, name, target, sizeof(target) - 1);
	if (n < 0)
		return fail(w, -errno, "cannot read the symlink %s", at);
	target[n] = '\0';
	fd = walk(w, dfd, target, parent);
	if (fd < 0)
		return fd;
	*ret = fd;
	return 0;
}

/* An O_DIRECTORY fd for path, relative to dirfd unless absolute; at0 is how the folder dirfd
 * is called in messages. */
static int walk(struct walk *w, int dirfd, const char *path, const char *at0)
{
	char buf[PATH_MAX], at[PATH_MAX], *save, *c;
	bool rel = path[0] != '/';
	int fd, r;

	if (strlen(path) >= sizeof(buf))
		return fail(w, -ENAMETOOLONG, "%.200s...: name too long", path);
	memcpy(buf, path, strlen(path) + 1);
	if (rel && dirfd == AT_FDCWD)
		fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	else if (rel)
		fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	else
		fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return fail(w, -errno, "cannot open %s", rel ? "the current folder" : "/");
	snprintf(at, sizeof(at), "%s", rel ? at0 : "/");
	for (c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		size_t l = strlen(at);
		int next;

		if (!strcmp(c, "."))
			continue;
		r = step(w, fd, at, c, &next);
		close(fd);
		if (r)
			return r;
		fd = next;
		snprintf(at + l, sizeof(at) - l, "%s%s", l && strcmp(at, "/") ? "/" : "", c);
	}
	return fd;
}

static void fill(struct outdir *d, int fd, const char *path)
{
	d->fd = fd;
	snprintf(d->path, sizeof(d->path), "%s", path);
}

int outdir_open(const char *path, bool create, struct outdir *ret, char *why, size_t len)
{
	struct walk w = { .create = create, .why = why, .len = len };
	int fd, r;

	if (!path || !*path || !ret)
		return -EINVAL;
	fd = walk(&w, AT_FDCWD, path, "");
	if (fd < 0)
		return fd;
	r = check_dir(&w, fd, path);
	if (r) {
		close(fd);
		return r;
	}
	fill(ret, fd, path);
	return 0;
}

int outdir_sub(const struct outdir *d, const char *name, struct outdir *ret, char *why,
	       size_t len)
{
	struct walk w = { .create = true, .why = why, .len = len };
	char at[PATH_MAX];
	int fd, r;

	size_t pl, nl;

	if (!name || !*name || strchr(name, '/') || !strcmp(name, "..") || !ret)
		return -EINVAL;
	pl = strlen(d->path);
	nl = strlen(name);
	if (pl + nl + 2 > sizeof(at))
		return -ENAMETOOLONG;
	memcpy(at, d->path, pl);
	at[pl] = '/';
	memcpy(at + pl + 1, name, nl + 1);
	r = step(&w, d->fd, d->path, name, &fd);
	if (r)
		return r;
	r = check_dir(&w, fd, at);
	if (r) {
		close(fd);
		return r;
	}
	fill(ret, fd, at);
	return 0;
}

void outdir_close(struct outdir *d)
{
	if (d && d->fd >= 0)
		close(d->fd);
	if (d)
		d->fd = -1;
}

FILE *outdir_fopen_read(const struct outdir *d, const char *name)
{
	int fd = openat(d->fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	FILE *f;

	if (fd < 0)
		return NULL;
	f = fdopen(fd, "r");
	if (!f) {
		int e = errno;

		close(fd);
		errno = e;
	}
	return f;
}

static uint64_t random_u64(void)
{
	uint64_t v;
	struct timespec ts;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) == sizeof(v))
		return v;
	clock_gettime(CLOCK_MONOTONIC, &ts);	/* only uniqueness matters: O_EXCL guards */
	return ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ ((uint64_t)getpid() << 40);
}

int outfile_open(const struct outdir *d, const char *name, struct outfile *ret)
{
	struct outfile f = { .dirfd = d->fd };
	int fd = -1;

	if (!name || !*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..") ||
	    strlen(name) > NAME_MAX - 20)
		return -EINVAL;
	snprintf(f.name, sizeof(f.name), "%s", name);
	/* a name someone else made (even a symlink) is never opened: O_EXCL, then another try */
	for (int i = 0; fd < 0 && i < 64; i++) {
		snprintf(f.tmp, sizeof(f.tmp), ".%s.%012llx", name,
			 (unsigned long long)(random_u64() & 0xffffffffffffull));
		fd = openat(d->fd, f.tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    0644);
		if (fd < 0 && errno != EEXIST)
			return -errno;
	}
	if (fd < 0)
		return -EEXIST;
	f.f = fdopen(fd, "w");
	if (!f.f) {
		int e = -errno;

		close(fd);
		unlinkat(d->fd, f.tmp, 0);
		return e;
	}
	*ret = f;
	return 0;
}

int outfile_commit(struct outfile *f)
{
	int err = 0;

	if (f->f) {
		if (fflush(f->f))
			err = -errno;
		if (!err && ferror(f->f))
			err = -EIO;
		if (fclose(f->f) && !err)
			err = -errno;
		f->f = NULL;
	}
	/* rename replaces whatever has the name now (a planted symlink too), never its target */
	if (!err && renameat(f->dirfd, f->tmp, f->dirfd, f->name))
		err = -errno;
	if (err)
		unlinkat(f->dirfd, f->tmp, 0);
	f->tmp[0] = '\0';
	return err;
}

void outfile_discard(struct outfile *f)
{
	if (f->f)
		fclose(f->f);
	f->f = NULL;
	if (f->tmp[0])
		unlinkat(f->dirfd, f->tmp, 0);
	f->tmp[0] = '\0';
}
