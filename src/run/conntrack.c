// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include <netlink/netlink.h>
#include <netlink/netfilter/nfnl.h>
#include <netlink/netfilter/ct.h>
#include <stdio.h>
#include "run/conntrack.h"
#include "run/evidence.h"
#include "lab/nl.h"

#define CT_WATCH_RCVBUF (32 << 20)

struct ct_watch {
	struct nl_sock *sk;
	ct_fn fn;
	void *ctx;
	int seen;
	uint64_t overruns;
};

static uint32_t addr_of(const struct nl_addr *a)
{
	uint32_t be = 0;

	if (a && nl_addr_get_family(a) == AF_INET && nl_addr_get_len(a) == 4)
		memcpy(&be, nl_addr_get_binary_addr(a), 4);
	return ntohl(be);
}

static bool to_entry(const struct nfnl_ct *ct, struct ct_entry *e)
{
	if (nfnl_ct_get_proto(ct) != IPPROTO_TCP)
		return false;
	*e = (struct ct_entry){
		.orig_src = addr_of(nfnl_ct_get_src(ct, 0)),
		.orig_dst = addr_of(nfnl_ct_get_dst(ct, 0)),
		.orig_sport = nfnl_ct_get_src_port(ct, 0),
		.orig_dport = nfnl_ct_get_dst_port(ct, 0),
		.reply_dst = addr_of(nfnl_ct_get_dst(ct, 1)),
		.reply_dport = nfnl_ct_get_dst_port(ct, 1),
		.tcp_state = nfnl_ct_get_tcp_state(ct),
		.timeout = nfnl_ct_get_timeout(ct),
	};
	return true;
}

static int on_msg(struct nl_msg *msg, void *arg)
{
	struct ct_watch *w = arg;
	struct nfnl_ct *ct;
	struct ct_entry e;

	if (nfnlmsg_ct_parse(nlmsg_hdr(msg), &ct) < 0)
		return NL_SKIP;
	if (to_entry(ct, &e)) {
		w->fn(&e, w->ctx);
		w->seen++;
	}
	nfnl_ct_put(ct);
	return NL_OK;
}

int ct_watch_open(struct ct_watch **ret)
{
	struct ct_watch *w = calloc(1, sizeof(*w));
	int err;

	if (!w)
		return -ENOMEM;
	w->sk = nl_socket_alloc();
	if (!w->sk) {
		free(w);
		return -ENOMEM;
	}
	nl_socket_disable_seq_check(w->sk);
	nl_socket_modify_cb(w->sk, NL_CB_VALID, NL_CB_CUSTOM, on_msg, w);
	err = nl_errno(nfnl_connect(w->sk));
	if (!err)
		err = nl_errno(nl_socket_add_membership(w->sk, NFNLGRP_CONNTRACK_NEW));
	if (!err)
		err = nl_errno(nl_socket_set_nonblocking(w->sk));
	/* a run can make thousands of entries in a burst: as root, past rmem_max */
	if (!err)
		err = nl_errno(nl_socket_set_buffer_size(w->sk, 4 << 20, 0));
	if (!err)
		setsockopt(nl_socket_get_fd(w->sk), SOL_SOCKET, SO_RCVBUFFORCE,
			   &(int){ CT_WATCH_RCVBUF }, sizeof(int));
	if (err) {
		ct_watch_close(w);
		return err;
	}
	*ret = w;
	return 0;
}

int ct_watch_fd(const struct ct_watch *w)
{
	return nl_socket_get_fd(w->sk);
}

int ct_watch_read(struct ct_watch *w, ct_fn fn, void *ctx)
{
	int err;

	w->fn = fn;
	w->ctx = ctx;
	w->seen = 0;
	for (;;) {
		err = nl_recvmsgs_default(w->sk);
		if (err >= 0)
			continue;
		err = nl_errno(err);
		/* the socket overflowed (ENOBUFS, which libnl reports as NLE_NOMEM): events were
		 * lost; the socket goes on with the next ones */
		if (err != -ENOMEM && err != -ENOBUFS)
			break;
		w->overruns++;
	}
	return err == -EAGAIN ? w->seen : err;
}

uint64_t ct_watch_overruns(const struct ct_watch *w)
{
	return w->overruns;
}

void ct_watch_close(struct ct_watch *w)
{
	if (!w)
		return;
	nl_socket_free(w->sk);
	free(w);
}

struct dump_ctx {
	ct_fn fn;
	void *ctx;
};

static void dump_one(struct nl_object *o, void *arg)
{
	struct dump_ctx *d = arg;
	struct ct_entry e;

	if (to_entry((struct nfnl_ct *)o, &e))
		d->fn(&e, d->ctx);
}

int ct_dump(ct_fn fn, void *ctx)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_cache *cache = NULL;
	struct dump_ctx d = { fn, ctx };
	int err;

	if (!sk)
		return -ENOMEM;
	err = nl_errno(nfnl_connect(sk));
	if (!err)
		err = nl_errno(nfnl_ct_alloc_cache(sk, &cache));
	if (!err) {
		nl_cache_foreach(cache, dump_one, &d);
		nl_cache_free(cache);
	}
	nl_socket_free(sk);
	return err;
}

const char *ct_state_str(uint8_t s)
{
	static const char *names[] = {
		[TCP_CONNTRACK_NONE] = "NONE",		[TCP_CONNTRACK_SYN_SENT] = "SYN_SENT",
		[TCP_CONNTRACK_SYN_RECV] = "SYN_RECV",	[TCP_CONNTRACK_ESTABLISHED] = "ESTABLISHED",
		[TCP_CONNTRACK_FIN_WAIT] = "FIN_WAIT",	[TCP_CONNTRACK_CLOSE_WAIT] = "CLOSE_WAIT",
		[TCP_CONNTRACK_LAST_ACK] = "LAST_ACK",	[TCP_CONNTRACK_TIME_WAIT] = "TIME_WAIT",
		[TCP_CONNTRACK_CLOSE] = "CLOSE",	[TCP_CONNTRACK_SYN_SENT2] = "SYN_SENT2",
	};

	return s < sizeof(names) / sizeof(names[0]) && names[s] ? names[s] : "?";
}

int ct_stats_parse(const char *text, struct counters *ret)
{
	char *copy = strdup(text), *save = NULL, *line, *names[64];
	struct counters c = { 0 };
	size_t n = 0;
	int err = 0;

	if (!copy)
		return -ENOMEM;
	line = strtok_r(copy, "\n", &save);
	{
		char *s2 = NULL, *t = line ? strtok_r(line, " \t", &s2) : NULL;

		for (; t && n < 64; t = strtok_r(NULL, " \t", &s2))
			names[n++] = t;
	}
	if (!n) {
		free(copy);
		return -EINVAL;
	}
	c.v = calloc(n, sizeof(*c.v));
	if (!c.v) {
		free(copy);
		return -ENOMEM;
	}
	c.n = n;
	for (size_t i = 0; i < n; i++)
		snprintf(c.v[i].name, sizeof(c.v[i].name), "%s", names[i]);
	for (int row = 0; (line = strtok_r(NULL, "\n", &save)); row++) {
		char *s2 = NULL, *t, *end;
		size_t i = 0;

		for (t = strtok_r(line, " \t", &s2); t; t = strtok_r(NULL, " \t", &s2), i++) {
			unsigned long long v = strtoull(t, &end, 16);

			if (i >= n || *end) {
				err = -EINVAL;
				break;
			}
			if (!strcmp(c.v[i].name, "entries") && row > 0)
				continue;	/* global, repeated on every CPU's line */
			c.v[i].value += v;
		}
		if (!err && i != n)
			err = -EINVAL;
		if (err)
			break;
	}
	free(copy);
	if (err) {
		free(c.v);
		return err;
	}
	qsort(c.v, c.n, sizeof(*c.v), counters_cmp);
	*ret = c;
	return 0;
}

int ct_stats_read(struct counters *ret)
{
	char buf[16384];
	size_t len;
	FILE *f = fopen("/proc/thread-self/net/stat/nf_conntrack", "re");

	if (!f)
		return -errno;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = 0;
	return ct_stats_parse(buf, ret);
}
