/* SPDX-License-Identifier: GPL-2.0 */
/* sysctl: net.* settings of the calling thread's netns (/proc/sys/net resolves per thread). */
#ifndef TWLAB_SYSCTL_H
#define TWLAB_SYSCTL_H

#include <stddef.h>

/* "net.ipv4.tcp_timestamps" -> "/proc/sys/net/ipv4/tcp_timestamps"; as in sysctl(8), a '/' in
 * the dotted name is a literal '.' ("net.ipv4.conf.eth0/100.rp_filter"). */
int sysctl_path(const char *name, char *buf, size_t len);
int sysctl_set(const char *name, const char *value);
/* Value without the trailing newline. */
int sysctl_get(const char *name, char *buf, size_t len);

#endif
