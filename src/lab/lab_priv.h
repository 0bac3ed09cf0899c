/* SPDX-License-Identifier: GPL-2.0 */
/* What lab.c (bring-up, teardown) and spawn.c (the lab's processes) share. Private to lab/. */
#ifndef TWLAB_LAB_PRIV_H
#define TWLAB_LAB_PRIV_H

#include <stdint.h>
#include <arpa/inet.h>

#include "lab/lab.h"

/* Record what failed (the first failure is the one reported) and stop the bring-up; returns
 * err. */
__attribute__((format(printf, 3, 4)))
int lab_fail(struct lab_rt *rt, int err, const char *fmt, ...);
/* host-order IPv4 as text */
const char *lab_ip(uint32_t host, char buf[INET_ADDRSTRLEN]);

#endif
