// SPDX-License-Identifier: GPL-2.0
/* bpflog: libbpf's messages kept for the file a load failure names (bpflog.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>
#include "lab/bpflog.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char ring[BPFLOG_KEEP];
static size_t total;          /* bytes ever appended; ring holds the last BPFLOG_KEEP */
static bool verbose;
static unsigned saved_n;

static void append_locked(const char *p, size_t n)
{
	for (; n; n--, total++)
		ring[total % BPFLOG_KEEP] = *p++;
}

void bpflog_append(const char *text)
{
	pthread_mutex_lock(&lock);
	append_locked(text, strlen(text));
	pthread_mutex_unlock(&lock);
}

static int print_cb(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[4096];
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(buf, sizeof(buf), fmt, cp);
	va_end(cp);
	if (n < 0)
		return n;
	/* the verifier's log comes as one message of up to 16 MiB: keep its end too */
	if ((size_t)n >= sizeof(buf)) {
		char *big = malloc(n + 1);

		if (big) {
			va_copy(cp, ap);
			vsnprintf(big, n + 1, fmt, cp);
			va_end(cp);
			bpflog_append(big);
			free(big);
		}
	} else {
		bpflog_append(buf);
	}
	if (verbose && level != LIBBPF_DEBUG) {
		fputs("[libbpf] ", stderr);
		fputs((size_t)n < sizeof(buf) ? buf : "(a long message, kept for the log file)\n",
		      stderr);
	}
	return n;
}

void bpflog_install(bool v)
{
	verbose = v;
	libbpf_set_print(print_cb);
}

size_t bpflog_mark(void)
{
	size_t m;

	pthread_mutex_lock(&lock);
	m = total;
	pthread_mutex_unlock(&lock);
	return m;
}

static int write_to(const char *dir, const char *text, size_t n, const char *stem, char *ret_path,
		    size_t len)
{
	char path[4096];
	int fd, err = 0;

	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/%s-%d-%u.log", dir, stem, (int)getpid(), saved_n++);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	for (size_t off = 0; off < n && !err;) {
		ssize_t w = write(fd, text + off, n - off);

		if (w < 0 && errno != EINTR)
			err = -errno;
		else if (w > 0)
			off += w;
	}
	if (close(fd) && !err)
		err = -errno;
	if (err) {
		unlink(path);
		return err;
	}
	snprintf(ret_path, len, "%s", path);
	return 0;
}

int bpflog_save(size_t mark, const char *stem, char *ret_path, size_t len)
{
	const char *dirs[] = { getenv("TWLAB_LOG_DIR"), "/var/cache/twlab/logs", "/tmp" };
	size_t from, n;
	char *text;
	int err = -ENOENT;

	pthread_mutex_lock(&lock);
	from = total > BPFLOG_KEEP && mark < total - BPFLOG_KEEP ? total - BPFLOG_KEEP : mark;
	n = total - from;
	text = n ? malloc(n) : NULL;
	for (size_t i = 0; text && i < n; i++)
		text[i] = ring[(from + i) % BPFLOG_KEEP];
	pthread_mutex_unlock(&lock);
	if (!n)
		return -ENODATA;
	if (!text)
		return -ENOMEM;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (!dirs[i] || !*dirs[i])
			continue;
		err = write_to(dirs[i], text, n, stem, ret_path, len);
		if (!err)
			break;
	}
	free(text);
	return err;
}
