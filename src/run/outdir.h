/* SPDX-License-Identifier: GPL-2.0 */
/*
 * outdir: twlab's output folders and the files in them, made so that nothing another user
 * planted there is followed or reused. A folder is opened once (every component without
 * following a symlink, unless the symlink belongs to root or the caller) and checked: it
 * belongs to root or the caller, and nobody else may write to it unless it is sticky. A file
 * is written as a new temporary file in the folder (O_CREAT | O_EXCL | O_NOFOLLOW, a random
 * name) and renamed over its final name when complete: rename replaces a planted symlink or
 * hard link itself, never what it points to.
 */
#ifndef TWLAB_OUTDIR_H
#define TWLAB_OUTDIR_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

struct outdir {
	int fd;                   /* O_DIRECTORY, -1 when closed */
	char path[PATH_MAX];      /* as named, for messages */
};

struct outfile {
	int dirfd;                /* the folder's, borrowed */
	FILE *f;                  /* the temporary file, open for writing */
	char tmp[NAME_MAX + 1];   /* its name in the folder */
	char name[NAME_MAX + 1];  /* the name it gets */
};

/*
 * Open the folder path (with create: making each missing component, mode 0755). 0; -EPERM
 * when the folder is not safe to write in (a symlink or a folder of another user, writable
 * by others without the sticky bit); -errno of a failed open or mkdir. On failure why says
 * which component and why (without the errno text).
 */
int outdir_open(const char *path, bool create, struct outdir *ret, char *why, size_t len);
/* The folder name inside d (made, 0755, when missing), checked the same way. */
int outdir_sub(const struct outdir *d, const char *name, struct outdir *ret, char *why,
	       size_t len);
void outdir_close(struct outdir *d);
/* Open name in d for reading, never through a symlink. NULL with errno set. */
FILE *outdir_fopen_read(const struct outdir *d, const char *name);

/* A new temporary file in d that becomes name on outfile_commit. 0 or -errno. */
int outfile_open(const struct outdir *d, const char *name, struct outfile *ret);
/*
 * Close f->f (unless its user closed it already and set it to NULL, as libpcap's
 * pcap_dump_close does) and rename the file to its name. 0, or -errno of a write, the close
 * or the rename (-EIO when the stream had an error); on failure the temporary file is removed
 * and the name is left as it was.
 */
int outfile_commit(struct outfile *f);
/* Close and remove the temporary file; the name is left as it was. */
void outfile_discard(struct outfile *f);

#endif
