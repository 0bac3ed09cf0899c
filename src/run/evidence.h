/* SPDX-License-Identifier: GPL-2.0 */
/*
 * evidence: what a run leaves to look at. Counter snapshots of /proc/net/netstat and
 * /proc/net/snmp (read inside a namespace: they are per netns; nstat's history file is per
 * uid, so it cannot be used), and their deltas.
 */
#ifndef TWLAB_EVIDENCE_H
#define TWLAB_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct counter {
	char name[48];   /* nstat style: "TcpExtPAWSTimewait", "TcpOutRsts", "IpExtInOctets" */
	uint64_t value;
};

struct counters {
	struct counter *v;   /* sorted by name (counters_get and the deltas rely on it) */
	size_t n;
};

/* Parse the text of /proc/net/netstat and /proc/net/snmp (header line + value line pairs;
 * either may be NULL). Pure. 0 or -EINVAL (a value line that does not match its header) or
 * -ENOMEM. A negative value (Tcp MaxConn -1) is stored in two's complement. */
int counters_parse(const char *netstat, const char *snmp, struct counters *ret);
/* Snapshot of the calling thread's netns (/proc/thread-self/net/...). */
int counters_read(struct counters *ret);
void counters_free(struct counters *c);
/* Order of struct counters.v (by name): whoever fills one sorts it with this. */
int counters_cmp(const void *a, const void *b);
/* Value of name in c, 0 when absent. */
uint64_t counters_get(const struct counters *c, const char *name);
/* {"Name": after-before, ...} for every counter whose value changed (signed difference; a
 * counter absent before counts from 0). Never NULL except on ENOMEM. */
json_t *counters_delta_json(const struct counters *before, const struct counters *after);

#endif
