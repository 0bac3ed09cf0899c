// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/tcp_metrics.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "lab/nl.h"
#include "run/tcpm.h"

struct tcpm {
	struct nl_sock *sk;
	int family;
	struct tcpm_rec *v;	/* every record seen so far, its last value */
	size_t n, cap;
	/* during one dump */
	int64_t now_s;
	tcpm_fn fn;
	void *ctx;
	int err;
};

bool tcpm_changed(const struct tcpm_rec *a, const struct tcpm_rec *b)
{
	return a->tsval != b->tsval || a->stamp_s - b->stamp_s > 1 || b->stamp_s - a->stamp_s > 1;
}

static void seen(struct tcpm *t, const struct tcpm_rec *r)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->v[i].saddr == r->saddr && t->v[i].daddr == r->daddr)
			break;
	if (i < t->n && !tcpm_changed(&t->v[i], r))
		return;
	if (i == t->n) {
		if (t->n == t->cap) {
			size_t nc = t->cap ? t->cap * 2 : 32;
			struct tcpm_rec *nv = realloc(t->v, nc * sizeof(*nv));

			if (!nv) {
				t->err = -ENOMEM;
				return;
			}
			t->v = nv;
			t->cap = nc;
		}
		t->n++;
	}
	t->v[i] = *r;
	t->fn(r, t->ctx);
}

static int on_msg(struct nl_msg *msg, void *arg)
{
	static struct nla_policy policy[TCP_METRICS_ATTR_MAX + 1] = {
		[TCP_METRICS_ATTR_ADDR_IPV4] = { .type = NLA_U32 },
		[TCP_METRICS_ATTR_SADDR_IPV4] = { .type = NLA_U32 },
		[TCP_METRICS_ATTR_TW_TSVAL] = { .type = NLA_U32 },
		[TCP_METRICS_ATTR_TW_TS_STAMP] = { .type = NLA_U32 },
	};
	struct nlattr *tb[TCP_METRICS_ATTR_MAX + 1];
	struct tcpm *t = arg;
	struct tcpm_rec r = { 0 };

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, TCP_METRICS_ATTR_MAX, policy) < 0)
		return NL_SKIP;
	/* no TW_* attributes: tcpm_ts_stamp is 0, nothing recorded for this peer yet */
	if (!tb[TCP_METRICS_ATTR_ADDR_IPV4] || !tb[TCP_METRICS_ATTR_TW_TSVAL] ||
	    !tb[TCP_METRICS_ATTR_TW_TS_STAMP])
		return NL_SKIP;
	r.daddr = nla_get_u32(tb[TCP_METRICS_ATTR_ADDR_IPV4]);
	if (tb[TCP_METRICS_ATTR_SADDR_IPV4])
		r.saddr = nla_get_u32(tb[TCP_METRICS_ATTR_SADDR_IPV4]);
	r.tsval = nla_get_u32(tb[TCP_METRICS_ATTR_TW_TSVAL]);
	r.stamp_s = t->now_s - (int32_t)nla_get_u32(tb[TCP_METRICS_ATTR_TW_TS_STAMP]);
	seen(t, &r);
	return NL_OK;
}

int tcpm_open(struct tcpm **ret)
{
	struct tcpm *t = calloc(1, sizeof(*t));
	int err;

	if (!t)
		return -ENOMEM;
	t->sk = nl_socket_alloc();
	if (!t->sk) {
		free(t);
		return -ENOMEM;
	}
	err = genl_connect(t->sk);
	if (!err) {
		t->family = genl_ctrl_resolve(t->sk, TCP_METRICS_GENL_NAME);
		err = t->family < 0 ? t->family : 0;
	}
	if (!err)
		err = nl_socket_modify_cb(t->sk, NL_CB_VALID, NL_CB_CUSTOM, on_msg, t);
	if (err) {
		nl_socket_free(t->sk);
		free(t);
		return nl_errno(err);	/* no such family: -ENOENT */
	}
	*ret = t;
	return 0;
}

int tcpm_poll(struct tcpm *t, int64_t now_s, tcpm_fn fn, void *ctx)
{
	struct nl_msg *msg = nlmsg_alloc();
	int err;

	if (!msg)
		return -ENOMEM;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, t->family, 0, NLM_F_DUMP,
			 TCP_METRICS_CMD_GET, TCP_METRICS_GENL_VERSION)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	t->now_s = now_s;
	t->fn = fn;
	t->ctx = ctx;
	t->err = 0;
	err = nl_send_auto(t->sk, msg);
	nlmsg_free(msg);
	if (err >= 0)
		err = nl_recvmsgs_default(t->sk);
	return err < 0 ? nl_errno(err) : t->err;
}

void tcpm_close(struct tcpm *t)
{
	if (!t)
		return;
	nl_socket_free(t->sk);
	free(t->v);
	free(t);
}
