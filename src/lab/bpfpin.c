// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include "lab/bpfpin.h"
#include "lab/undo.h"

void bpfpin_dir(const char *lab, char *buf, size_t len)
{
	snprintf(buf, len, "%s/bpf/%s", undo_state_dir(), lab);
}

int bpfpin_mount(const char *lab, uint64_t *ret_dev)
{
	char dir[256], parent[256];
	struct stat st;

	snprintf(parent, sizeof(parent), "%s/bpf", undo_state_dir());
	if (mkdir(undo_state_dir(), 0755) && errno != EEXIST)
		return -errno;
	bpfpin_dir(lab, dir, sizeof(dir));
	/* another lab's removal may take the parent away between the two (its last folder):
	 * then make it again. A folder left by a lab of the same name that died before its
	 * mount is reused only when it is an empty directory (rmdir refuses anything else). */
	for (int tries = 0;; tries++) {
		if (mkdir(parent, 0700) && errno != EEXIST)
			return -errno;
		if (!mkdir(dir, 0700))
			break;
		if (errno == EEXIST && !rmdir(dir) && !mkdir(dir, 0700))
			break;
		if (errno != ENOENT || tries == 3)
			return -errno;
	}
	if (mount("bpf", dir, "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700")) {
		int err = -errno;

		rmdir(dir);
		return err;
	}
	if (lstat(dir, &st)) {
		int err = -errno;

		umount2(dir, MNT_DETACH | UMOUNT_NOFOLLOW);
		rmdir(dir);
		return err;
	}
	*ret_dev = st.st_dev;
	return 0;
}

int bpfpin_prove(const char *lab, uint64_t dev, char *why, size_t len)
{
	char dir[256];
	struct statfs sfs;
	struct stat st;

	bpfpin_dir(lab, dir, sizeof(dir));
	if (lstat(dir, &st)) {
		snprintf(why, len, "bpffs %s is gone", dir);
		return -ENOENT;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, len, "%s is not a directory", dir);
		return -EPERM;
	}
	if (statfs(dir, &sfs) || sfs.f_type != BPF_FS_MAGIC) {
		/* the folder of a mount that is gone: nothing of ours is mounted there */
		snprintf(why, len, "%s is no bpffs any more", dir);
		return -ENOENT;
	}
	if (st.st_dev != dev) {
		snprintf(why, len,
			 "bpffs %s is not the one this lab mounted (dev %llu, recorded %llu)", dir,
			 (unsigned long long)st.st_dev, (unsigned long long)dev);
		return -EPERM;
	}
	return 0;
}

int bpfpin_remove(const char *lab, uint64_t dev)
{
	char dir[256], why[300];
	int err = bpfpin_prove(lab, dev, why, sizeof(why));

	bpfpin_dir(lab, dir, sizeof(dir));
	if (err && err != -ENOENT)
		return err;
	if (!err && umount2(dir, MNT_DETACH | UMOUNT_NOFOLLOW))
		return -errno;
	if (rmdir(dir) && errno != ENOENT)
		return -errno;
	/* and <state dir>/bpf once no lab has a folder there (state dir left as it was) */
	snprintf(dir, sizeof(dir), "%s/bpf", undo_state_dir());
	rmdir(dir);
	return err;
}
