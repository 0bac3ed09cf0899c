/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spool: append-only byte streams ("buckets") kept in one unnamed temporary file and read back,
 * each in the order it was written. Memory is one buffer per bucket (its chunk size), however
 * much is written: report.html draws every event of a long run from here without holding them.
 * On disk a bucket is a chain of chunks, each {next offset, length, bytes}.
 */
#ifndef TWLAB_SPOOL_H
#define TWLAB_SPOOL_H

#include <stddef.h>
#include <sys/types.h>

struct spool;

/* A spool in folder dirfd (O_TMPFILE: nothing is ever named there, nothing planted is
 * followed; a random O_EXCL | O_NOFOLLOW name, unlinked at once, where the file system has no
 * O_TMPFILE), or in the system's temporary folder when dirfd < 0. 0 or -errno. */
int spool_open(int dirfd, struct spool **ret);
void spool_close(struct spool *s);
/* A new bucket whose writes are buffered chunk bytes at a time: its index, or -errno. */
int spool_bucket(struct spool *s, size_t chunk);
/* Append n bytes to bucket b. 0 or -errno (-EINVAL once b is being read). */
int spool_write(struct spool *s, int b, const void *p, size_t n);
/* Read bucket b from its beginning (again); from then on it takes no writes. 0 or -errno. */
int spool_rewind(struct spool *s, int b);
/* The next n bytes of b (after spool_rewind): n, fewer at its end (0: at the end), -errno. */
ssize_t spool_read(struct spool *s, int b, void *p, size_t n);
/* Bytes written to the file so far (the buckets' buffers not counted). */
off_t spool_disk_bytes(const struct spool *s);

#endif
