// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "lab/sysctl.h"

int sysctl_path(const char *name, char *buf, size_t len)
{
	size_t n = strlen(name);

	if (!n || n + sizeof("/proc/sys/") > len || strstr(name, "..") || strstr(name, "//") ||
	    name[0] == '.' || name[0] == '/' || name[n - 1] == '.' || name[n - 1] == '/')
		return -EINVAL;
	snprintf(buf, len, "/proc/sys/%s", name);
	/* as sysctl(8): a '/' inside a dotted name is a literal dot ("conf.eth0/100.rp_filter") */
	for (char *p = buf + strlen("/proc/sys/"); *p; p++)
		*p = *p == '.' ? '/' : *p == '/' ? '.' : *p;
	return 0;
}

int sysctl_set(const char *name, const char *value)
{
	char path[256];
	size_t len = strlen(value);
	int fd, err = sysctl_path(name, path, sizeof(path));

	if (err)
		return err;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = write(fd, value, len) == (ssize_t)len ? 0 : -errno;
	close(fd);
	return err;
}

int sysctl_get(const char *name, char *buf, size_t len)
{
	char path[256];
	ssize_t n;
	int fd, err = sysctl_path(name, path, sizeof(path));

	if (err)
		return err;
	if (len < 2)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	err = n < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = 0;
	return 0;
}
