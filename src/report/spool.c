// SPDX-License-Identifier: GPL-2.0
/* spool: byte streams in one unnamed temporary file, one buffer per stream in memory. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "report/spool.h"

/* a chunk on disk: this header, then len bytes; next is 0 for the last chunk of a bucket (no
 * chunk starts at 0: the file begins with one unused header) */
struct chunk_hdr {
	uint64_t next;
	uint32_t len;
	uint32_t pad;
};

struct bucket {
	char *buf;
	size_t cap, used;
	off_t first, last;	/* chunks on disk, 0: none */
	bool reading;
	off_t rd_next;		/* the next chunk to load */
	size_t rd_pos;		/* in buf[0 .. used] */
};

struct spool {
	int fd;
	off_t end;
	struct bucket *b;
	size_t n, cap;
};

static int open_tmp(int dirfd)
{
	char name[40];
	struct timespec ts;
	int fd;

	if (dirfd < 0) {
		FILE *f = tmpfile();

		if (!f)
			return -errno;
		fd = fcntl(fileno(f), F_DUPFD_CLOEXEC, 0);
		fclose(f);
		return fd < 0 ? -errno : fd;
	}
	fd = openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR))
		return fd < 0 ? -errno : fd;
	/* no O_TMPFILE here: a name nobody else can have made, gone at once */
	for (int i = 0; i < 100; i++) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		snprintf(name, sizeof(name), ".twlab-spool-%d-%lx%x", getpid(), (long)ts.tv_nsec, i);
		fd = openat(dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0) {
			unlinkat(dirfd, name, 0);
			return fd;
		}
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

int spool_open(int dirfd, struct spool **ret)
{
	struct spool *s = calloc(1, sizeof(*s));
	int fd;

	if (!s)
		return -ENOMEM;
	fd = open_tmp(dirfd);
	if (fd < 0) {
		free(s);
		return fd;
	}
	s->fd = fd;
	s->end = sizeof(struct chunk_hdr);
	*ret = s;
	return 0;
}

void spool_close(struct spool *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->b[i].buf);
	free(s->b);
	close(s->fd);
	free(s);
}

off_t spool_disk_bytes(const struct spool *s)
{
	return s->end;
}

int spool_bucket(struct spool *s, size_t chunk)
{
	struct bucket *b;

	if (!chunk || chunk > UINT32_MAX || s->n >= INT32_MAX)
		return -EINVAL;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;

		b = realloc(s->b, cap * sizeof(*b));
		if (!b)
			return -ENOMEM;
		s->b = b;
		s->cap = cap;
	}
	b = &s->b[s->n];
	memset(b, 0, sizeof(*b));
	b->buf = malloc(chunk);
	if (!b->buf)
		return -ENOMEM;
	b->cap = chunk;
	return (int)s->n++;
}

static int pwrite_all(int fd, const struct iovec *iov, int n, off_t off)
{
	size_t want = 0;
	ssize_t w;

	for (int i = 0; i < n; i++)
		want += iov[i].iov_len;
	w = pwritev(fd, iov, n, off);
	if (w < 0)
		return -errno;
	return (size_t)w == want ? 0 : -EIO;	/* a regular file: short only when full */
}

/* the buffer as the bucket's next chunk, at the end of the file */
static int flush(struct spool *s, struct bucket *b)
{
	struct chunk_hdr h = {.len = (uint32_t)b->used};
	struct iovec iov[2] = {{&h, sizeof(h)}, {b->buf, b->used}};
	uint64_t at = (uint64_t)s->end;
	int err;

	if (!b->used)
		return 0;
	err = pwrite_all(s->fd, iov, 2, s->end);
	if (!err && b->last) {
		struct iovec link = {&at, sizeof(at)};

		err = pwrite_all(s->fd, &link, 1, b->last + offsetof(struct chunk_hdr, next));
	}
	if (err)
		return err;
	if (!b->first)
		b->first = s->end;
	b->last = s->end;
	s->end += sizeof(h) + b->used;
	b->used = 0;
	return 0;
}

int spool_write(struct spool *s, int bi, const void *p, size_t n)
{
	struct bucket *b;
	const char *c = p;

	if (bi < 0 || (size_t)bi >= s->n || s->b[bi].reading)
		return -EINVAL;
	b = &s->b[bi];
	while (n) {
		size_t k = b->cap - b->used < n ? b->cap - b->used : n;
		int err;

		memcpy(b->buf + b->used, c, k);
		b->used += k;
		c += k;
		n -= k;
		if (b->used == b->cap && (err = flush(s, b)))
			return err;
	}
	return 0;
}

int spool_rewind(struct spool *s, int bi)
{
	struct bucket *b;
	int err;

	if (bi < 0 || (size_t)bi >= s->n)
		return -EINVAL;
	b = &s->b[bi];
	if (!b->reading) {
		/* everything on disk: the buffer becomes the reading one */
		if ((err = flush(s, b)))
			return err;
		b->reading = true;
	}
	b->rd_next = b->first;
	b->used = b->rd_pos = 0;
	return 0;
}

/* the next chunk into the buffer: 1, 0 at the end, -errno */
static int load(struct spool *s, struct bucket *b)
{
	struct chunk_hdr h;
	ssize_t r;

	if (!b->rd_next)
		return 0;
	r = pread(s->fd, &h, sizeof(h), b->rd_next);
	if (r != (ssize_t)sizeof(h))
		return r < 0 ? -errno : -EIO;
	if (h.len > b->cap)
		return -EIO;
	r = pread(s->fd, b->buf, h.len, b->rd_next + sizeof(h));
	if (r != (ssize_t)h.len)
		return r < 0 ? -errno : -EIO;
	b->used = h.len;
	b->rd_pos = 0;
	b->rd_next = (off_t)h.next;
	return 1;
}

ssize_t spool_read(struct spool *s, int bi, void *p, size_t n)
{
	struct bucket *b;
	size_t got = 0;

	if (bi < 0 || (size_t)bi >= s->n || !s->b[bi].reading)
		return -EINVAL;
	b = &s->b[bi];
	while (got < n) {
		size_t k;

		if (b->rd_pos == b->used) {
			int r = load(s, b);

			if (r < 0)
				return r;
			if (!r)
				break;
		}
		k = b->used - b->rd_pos < n - got ? b->used - b->rd_pos : n - got;
		memcpy((char *)p + got, b->buf + b->rd_pos, k);
		b->rd_pos += k;
		got += k;
	}
	return (ssize_t)got;
}
