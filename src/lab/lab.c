// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include "lab/bpflog.h"
#include "lab/cgroup.h"
#include "lab/gate.h"
#include "lab/lab.h"
#include "lab/lab_priv.h"
#include "lab/nat.h"
#include "lab/netns.h"
#include "lab/nl.h"
#include "lab/sysctl.h"
#include "lab/tsclock.h"

#define HUB_TIMEOUT_MS 5000
#define CLIENTS_PER_THREAD 32	/* fewer clients than this: no worker threads */
#define MAX_THREADS 8
#define CLIENT_ETH_IFINDEX 2
#define HUB_FIRST_IFINDEX 1000

struct up_ctx {
	struct lab_rt *rt;
	struct nl_sock *ssk, *rsk;  /* server's and router's sockets */
	int hub_master;             /* direct: br0 in the server ns */
};

/* Clients are built by worker threads when there are many (netns membership is per thread,
 * and unshare() and veth creation dominate); what they share goes through this lock. */
static pthread_mutex_t up_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool up_abort;

static bool stop_requested(struct lab_rt *rt)
{
	bool stop;

	if (atomic_load(&up_abort))
		return true;
	if (!rt->interrupted)
		return false;
	pthread_mutex_lock(&up_lock);
	stop = rt->interrupted();
	pthread_mutex_unlock(&up_lock);
	return stop;
}

static int journal(struct lab_rt *rt, const struct undo_entry *e)
{
	int err;

	pthread_mutex_lock(&up_lock);
	err = undo_push(&rt->undo, e);
	pthread_mutex_unlock(&up_lock);
	return err;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void trace(struct lab_rt *rt, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	if (!rt->trace)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	rt->trace(line);
}

/* Record what failed; the caller returns err. */
int lab_fail(struct lab_rt *rt, int err, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&up_lock);
	if (!rt->err[0]) {	/* the first failure is the one to report */
		va_start(ap, fmt);
		vsnprintf(rt->err, sizeof(rt->err), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&up_lock);
	atomic_store(&up_abort, true);
	return err;
}

const char *lab_ip(uint32_t host, char buf[INET_ADDRSTRLEN])
{
	uint32_t be = htonl(host);

	return inet_ntop(AF_INET, &be, buf, INET_ADDRSTRLEN);
}

void lab_rt_init(struct lab_rt *rt, struct lab *lab)
{
	memset(rt, 0, sizeof(*rt));
	rt->lab = lab;
	rt->server_fd = rt->router_fd = -1;
	rt->cg_fd = rt->cg_procs_fd = rt->log_dir_fd = -1;
	rt->undo.fd = -1;
}

/* The lab's cgroup, journaled before any process exists. Without one (no cgroup v2, or not
 * writable) the lab still works; rt->cg_err says why its processes are not contained. */
static int up_cgroup(struct lab_rt *rt)
{
	struct undo_entry e = { .kind = UNDO_CGROUP };
	int err = cgroup_create(rt->lab->name, &rt->cg_fd, &e.id);

	if (err) {
		rt->cg_err = err;
		return 0;
	}
	snprintf(e.name, sizeof(e.name), "twlab/%s", rt->lab->name);
	trace(rt, "mkdir <cgroup2>/%s", e.name);
	err = journal(rt, &e);
	if (err) {
		close(rt->cg_fd);
		rt->cg_fd = -1;
		cgroup_destroy(rt->lab->name, e.id, HUB_TIMEOUT_MS);
		return lab_fail(rt, err, "cannot write state file %s", rt->undo.path);
	}
	rt->cg_procs_fd = cgroup_procs_fd(rt->cg_fd);
	if (rt->cg_procs_fd < 0)
		return lab_fail(rt, rt->cg_procs_fd, "cannot open cgroup.procs of twlab/%s",
			    rt->lab->name);
	return 0;
}

static int push_inner(struct lab_rt *rt, enum undo_kind kind, const char *ns, const char *name)
{
	struct undo_entry e = { .kind = kind };

	snprintf(e.ns, sizeof(e.ns), "%s", ns);
	snprintf(e.name, sizeof(e.name), "%s", name);
	return journal(rt, &e);
}

/*
 * Sysctls that are per namespace today but one value for the whole kernel on older ones
 * (tcp_timestamps and tcp_rfc1337 on 4.11): a namespace has no such file. The global value
 * is fine when it is the one asked for (a node whose own TS clock does not enter the rule, the
 * server or the router, takes any nonzero tcp_timestamps). Otherwise twlab sets it only in a
 * VM it booted for the lab (TWLAB_VM=1 from scripts/run-in-vm.sh), never on a host, and not
 * when two nodes of the lab need different values: -EOPNOTSUPP (exit 3) names the sysctl.
 */
#define MAX_GLOBALS 16
static struct global_need {
	char name[64], value[16], node[32];
	bool any_nonzero;
} globals[MAX_GLOBALS];
static size_t n_globals;

static bool need_met(const char *have, const char *want, bool any_nonzero)
{
	return !strcmp(have, want) || (any_nonzero && strcmp(have, "0") && strcmp(want, "0"));
}

static int global_sysctl(struct lab_rt *rt, const char *node, const char *ns, int ns_fd,
			 const char *name, const char *value, bool any_nonzero)
{
	char cur[32], why[384] = "";
	int err, e;

	pthread_mutex_lock(&up_lock);
	err = netns_enter_root();
	if (!err)
		err = sysctl_get(name, cur, sizeof(cur));
	if (err)
		goto out;	/* not global either: really missing */
	/* changing it must still suit every node that took the global value so far */
	for (size_t i = 0; i < n_globals && !why[0] && !need_met(cur, value, any_nonzero); i++)
		if (!strcmp(globals[i].name, name) &&
		    !need_met(value, globals[i].value, globals[i].any_nonzero))
			snprintf(why, sizeof(why), "%s is one value for the whole kernel here, not "
				 "per namespace: %s needs %s, %s needs %s", name, globals[i].node,
				 globals[i].value, node, value);
	if (!why[0] && !need_met(cur, value, any_nonzero)) {
		if (!getenv("TWLAB_VM"))
			snprintf(why, sizeof(why), "%s is one value for the whole kernel here (%s), "
				 "not per namespace, and %s needs %s: twlab changes no host-wide "
				 "setting (run the lab in a VM with --kernel)", name, cur, node, value);
		else if ((err = sysctl_set(name, value)))
			snprintf(why, sizeof(why), "cannot set %s = %s for the whole VM", name,
				 value);
	}
	if (!why[0] && n_globals < MAX_GLOBALS) {
		struct global_need *g = &globals[n_globals++];

		snprintf(g->name, sizeof(g->name), "%s", name);
		snprintf(g->value, sizeof(g->value), "%s", value);
		snprintf(g->node, sizeof(g->node), "%s", node);
		g->any_nonzero = any_nonzero;
	}
out:
	e = netns_enter(ns_fd);
	pthread_mutex_unlock(&up_lock);
	if (!err && why[0])
		err = -EOPNOTSUPP;
	if (!err && e)
		err = e;
	if (err == -ENOENT && !why[0])
		return err;	/* absent everywhere: the caller says so */
	if (err)
		return lab_fail(rt, err, "%s", why[0] ? why : "cannot read a global sysctl");
	trace(rt, "sysctl %s=%s is global on this kernel (not in %s): %s", name, value, ns,
	      getenv("TWLAB_VM") ? "set for the whole VM" : "the global value serves");
	return 0;
}

struct ns_journal {
	struct lab_rt *rt;
	struct undo_entry *e;
	bool journal_err;
};

/* netns_create's journal step, inside the new namespace before its name exists. */
static int journal_ns(void *arg, uint64_t ino)
{
	struct ns_journal *j = arg;
	int err;

	if (j->e->hub_links) {
		/* A fresh namespace may hold more than lo (sit0 on 4.11 with IPV6_SIT): the hub is
		 * back to its own links when it has those plus the ones counted by the caller. */
		struct if_nameindex *ifs = if_nameindex();

		for (size_t i = 0; ifs && ifs[i].if_index; i++)
			if (strcmp(ifs[i].if_name, "lo"))
				j->e->hub_links++;
		if (ifs)
			if_freenameindex(ifs);
	}
	j->e->id = ino;
	err = journal(j->rt, j->e);
	j->journal_err = err != 0;
	return err;
}

/* Create and journal a namespace; the thread is left inside it with lo up and sysctls set. */
static int make_ns(struct lab_rt *rt, const char *node, const struct topo_sysctls *extra,
		   int timestamps, int hub_links, char ns[64], int *ret_fd, struct nl_sock **ret_sk)
{
	struct undo_entry e = { .kind = UNDO_NETNS, .hub_links = hub_links };
	struct ns_journal j;
	struct nl_sock *sk;
	char val[16];
	int fd, err;

	if (stop_requested(rt))
		return lab_fail(rt, -EINTR, "interrupted");
	err = topo_netns_name(rt->lab, node, ns, 64);
	if (err)
		return lab_fail(rt, err, "namespace name for %s", node);
	trace(rt, "netns add %s", ns);
	snprintf(e.name, sizeof(e.name), "%s", ns);
	j = (struct ns_journal){ .rt = rt, .e = &e };
	err = netns_create(ns, journal_ns, &j, &fd, &e.id);
	if (err == -EEXIST) {
		pthread_mutex_lock(&up_lock);
		if (!rt->err_ns[0])
			snprintf(rt->err_ns, sizeof(rt->err_ns), "%s", ns);
		pthread_mutex_unlock(&up_lock);
	}
	if (err && j.journal_err)
		return lab_fail(rt, err, "cannot write state file %s", rt->undo.path);
	if (err)
		return lab_fail(rt, err, "cannot create namespace %s", ns);
	err = nl_open(&sk);
	if (err) {
		close(fd);
		return lab_fail(rt, err, "cannot open netlink socket in %s", ns);
	}
	err = nl_link_up(sk, 1);
	if (err) {
		lab_fail(rt, err, "cannot bring lo up in %s", ns);
		goto out;
	}
	/* No IPv6 on lab links: no router solicitations or DAD in captures and counters. */
	err = sysctl_set("net.ipv6.conf.default.disable_ipv6", "1");
	if (err == -ENOENT)	/* a kernel without IPv6 */
		err = 0;
	if (err)
		lab_fail(rt, err, "cannot set net.ipv6.conf.default.disable_ipv6 in %s", ns);
	if (!err && timestamps >= 0) {
		snprintf(val, sizeof(val), "%d", timestamps);
		trace(rt, "sysctl -n %s net.ipv4.tcp_timestamps=%s", ns, val);
		err = sysctl_set("net.ipv4.tcp_timestamps", val);
		if (err == -ENOENT)
			err = global_sysctl(rt, node, ns, fd, "net.ipv4.tcp_timestamps", val,
					    !strcmp(node, "server") || !strcmp(node, "router"));
		if (err && !rt->err[0])
			lab_fail(rt, err, "cannot set net.ipv4.tcp_timestamps in %s", ns);
	}
	for (size_t i = 0; !err && extra && i < extra->n; i++) {
		trace(rt, "sysctl -n %s %s=%s", ns, extra->v[i].name, extra->v[i].value);
		err = sysctl_set(extra->v[i].name, extra->v[i].value);
		if (err == -ENOENT) {
			int g = global_sysctl(rt, node, ns, fd, extra->v[i].name,
					      extra->v[i].value, false);

			if (g != -ENOENT)	/* global: set, or refused with the reason */
				err = g;
		}
		if (err) {
			pthread_mutex_lock(&up_lock);
			if (!rt->err[0]) {
				rt->err_line = extra->v[i].line;
				snprintf(rt->err_key, sizeof(rt->err_key), "sysctl.%s",
					 extra->v[i].name);
			}
			pthread_mutex_unlock(&up_lock);
			lab_fail(rt, err, "the kernel refused %s = %s in %s", extra->v[i].name,
			     extra->v[i].value, ns);
		}
	}
out:
	if (err) {
		nl_close(sk);
		close(fd);
		return err;
	}
	*ret_fd = fd;
	*ret_sk = sk;
	return 0;
}

static int ts_sysctl(enum ts_mode m)
{
	switch (m) {
	case TS_KERNEL:
		return 1;
	case TS_OFF:
		return 0;
	default:
		return 2;	/* offset, shared: the plain ms clock (kernel-notes §2.4) */
	}
}

static int add_addr(struct lab_rt *rt, struct nl_sock *sk, const char *ns, const char *dev,
		    int ifindex, struct topo_addr a)
{
	char buf[INET_ADDRSTRLEN];
	int err;

	trace(rt, "ip -n %s addr add %s/%u dev %s", ns, lab_ip(a.addr, buf), a.prefix, dev);
	err = nl_addr_add(sk, ifindex, a.addr, a.prefix);
	return err ? lab_fail(rt, err, "cannot add address %s/%u to %s in %s", buf, a.prefix, dev, ns)
		   : 0;
}

static int add_route(struct lab_rt *rt, struct nl_sock *sk, const char *ns, uint32_t dst,
		     uint8_t prefix, uint32_t gw, int ifindex)
{
	char d[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN];
	int err;

	trace(rt, "ip -n %s route add %s/%u via %s", ns, lab_ip(dst, d), prefix, lab_ip(gw, g));
	err = nl_route_add(sk, dst, prefix, gw, ifindex);
	return err ? lab_fail(rt, err, "cannot add route %s/%u via %s in %s", d, prefix, g, ns) : 0;
}

static int link_up(struct lab_rt *rt, struct nl_sock *sk, const char *ns, const char *dev,
		   int *ret_ifindex)
{
	int ifindex, err = nl_ifindex(sk, dev, &ifindex);

	if (!err)
		err = nl_link_up(sk, ifindex);
	if (err)
		return lab_fail(rt, err, "cannot bring %s up in %s", dev, ns);
	*ret_ifindex = ifindex;
	return 0;
}

static int up_server(struct up_ctx *c)
{
	struct lab_rt *rt = c->rt;
	const struct lab_server *s = &rt->lab->server;
	bool direct = !rt->lab->router.present;
	int err;

	err = make_ns(rt, "server", &s->sysctls, ts_sysctl(s->ts_mode), direct ? 2 : 0,
		      rt->server_ns, &rt->server_fd, &c->ssk);
	if (err || !direct)
		return err;
	/* Direct topology: the clients' veths are ports of a bridge in the server's namespace,
	 * and the server's address and the gate sit on the bridge. */
	trace(rt, "ip -n %s link add br0 type bridge", rt->server_ns);
	err = nl_bridge_add(c->ssk, "br0");
	if (err)
		return lab_fail(rt, err, "cannot create bridge br0 in %s", rt->server_ns);
	err = push_inner(rt, UNDO_LINK, rt->server_ns, "br0");
	if (!err)
		err = link_up(rt, c->ssk, rt->server_ns, "br0", &c->hub_master);
	if (!err)
		err = add_addr(rt, c->ssk, rt->server_ns, "br0", c->hub_master, s->addr);
	rt->server_link = c->hub_master;
	return err;
}

static int up_router(struct up_ctx *c)
{
	struct lab_rt *rt = c->rt;
	const struct lab_router *r = &rt->lab->router;
	const struct lab_server *s = &rt->lab->server;
	char nfterr[512], script[512];
	int err, out, eth;

	err = make_ns(rt, "router", &r->sysctls, -1, 2, rt->router_ns, &rt->router_fd, &c->rsk);
	if (err)
		return err;
	trace(rt, "sysctl -n %s net.ipv4.ip_forward=1", rt->router_ns);
	err = sysctl_set("net.ipv4.ip_forward", "1");
	if (err)
		return lab_fail(rt, err, "cannot enable ip_forward in %s", rt->router_ns);
	trace(rt, "ip -n %s link add out0 type veth peer name eth0 netns %s", rt->router_ns,
	      rt->server_ns);
	err = nl_veth_add(c->rsk, "out0", 0, "eth0", 0, rt->server_fd, 0);
	if (err)
		return lab_fail(rt, err, "cannot create veth out0 in %s", rt->router_ns);
	err = push_inner(rt, UNDO_LINK, rt->router_ns, "out0");
	if (!err) {
		err = nl_ifindex(c->rsk, "out0", &out);
		if (err)
			lab_fail(rt, err, "cannot find out0 in %s", rt->router_ns);
	}
	if (!err)
		err = add_addr(rt, c->rsk, rt->router_ns, "out0", out, r->out_addr);
	if (!err)
		err = link_up(rt, c->ssk, rt->server_ns, "eth0", &eth);
	if (!err)
		err = add_addr(rt, c->ssk, rt->server_ns, "eth0", eth, s->addr);
	if (!err && s->route_dst)
		err = add_route(rt, c->ssk, rt->server_ns, s->route_dst, s->route_prefix, s->gw,
				eth);
	if (err)
		return err;
	rt->server_link = eth;
	if (r->nat == NAT_NONE)
		return 0;
	if (rt->trace && !nat_script(r, "out0", script, sizeof(script))) {
		trace(rt, "nft -f - (in %s) <<", rt->router_ns);
		for (char *l = strtok(script, "\n"); l; l = strtok(NULL, "\n"))
			trace(rt, "  %s", l);
	}
	/* nft_ctx_new() binds to the current netns: we are inside the router's (make_ns). */
	err = nat_apply(r, "out0", nfterr, sizeof(nfterr));
	if (err)
		return lab_fail(rt, err, "cannot add NAT rules in %s%s: %s", rt->router_ns,
			    err == -EOPNOTSUPP ? " (this kernel's nftables lacks a feature the rule "
						 "uses)" : "",
			    nfterr);
	return push_inner(rt, UNDO_NFT, rt->router_ns, NAT_TABLE);
}

static int up_client(struct up_ctx *c, struct lab_client *cl)
{
	struct lab_rt *rt = c->rt;
	bool direct = !rt->lab->router.present;
	struct nl_sock *hub = direct ? c->ssk : c->rsk, *csk;
	const char *hub_ns = direct ? rt->server_ns : rt->router_ns;
	char ns[64], dev[IFNAMSIZ];
	int err, eth, hidx;

	err = make_ns(rt, cl->name, &cl->sysctls, ts_sysctl(cl->ts_mode), 0, ns,
		      &rt->client_fd[cl->index], &csk);
	if (err)
		return err;
	snprintf(dev, sizeof(dev), "c%d", cl->index);
	trace(rt, "ip -n %s link add %s type veth peer name eth0 netns %s", hub_ns, dev, ns);
	/* eth0 follows lo (1) in the fresh namespace; hub ends sit above the hub's own links */
	eth = CLIENT_ETH_IFINDEX;
	hidx = HUB_FIRST_IFINDEX + cl->index;
	err = nl_veth_add(hub, dev, hidx, "eth0", eth, rt->client_fd[cl->index],
			  direct ? c->hub_master : 0);
	if (err == -EBUSY) {
		/* A kernel whose fresh namespaces hold more than lo (4.11 with IPV6_SIT makes
		 * sit0 in each): let it pick the indexes and look them up. */
		err = nl_veth_add(hub, dev, 0, "eth0", 0, rt->client_fd[cl->index],
				  direct ? c->hub_master : 0);
		if (!err)
			err = nl_ifindex(csk, "eth0", &eth);
		if (!err)
			err = nl_ifindex(hub, dev, &hidx);
	}
	if (err) {
		lab_fail(rt, err, "cannot create veth %s in %s", dev, hub_ns);
		goto out;
	}
	err = push_inner(rt, UNDO_LINK, hub_ns, dev);
	if (!err) {
		trace(rt, "ip -n %s link set eth0 up", ns);
		err = nl_link_up(csk, eth);
		if (err)
			lab_fail(rt, err, "cannot bring eth0 up in %s", ns);
	}
	if (!err)
		err = add_addr(rt, csk, ns, "eth0", eth, cl->addr);
	if (!err && cl->gw)
		err = add_route(rt, csk, ns, 0, 0, cl->gw, eth);
	if (!err && cl->peer_addr.addr)
		err = add_addr(rt, hub, hub_ns, dev, hidx, cl->peer_addr);
	if (!err && cl->ts_mode == TS_OFFSET) {
		uint32_t off = topo_client_ts_offset(rt->lab, cl, rt->up_ns / 1000000);

		rt->client_ts_offset[cl->index] = off;
		uint32_t hz = topo_client_hz(cl);

		if (hz == TSCLOCK_HZ_MS)
			trace(rt, "tc -n %s: tsclock on eth0, TSval += %u", ns, off);
		else
			trace(rt, "tc -n %s: tsclock on eth0, TSval = %u + uptime at %u Hz", ns, off,
			      hz);
		err = tsclock_set_hz(rt->clock, cl->addr.addr, off, hz);
		/* libbpf's tc calls use the current netns: we are inside the client's. */
		if (!err)
			err = tsclock_attach(rt->clock, eth);
		if (err)
			lab_fail(rt, err, "cannot attach the timestamp clock to eth0 in %s", ns);
		else
			err = push_inner(rt, UNDO_BPF, ns, "tsclock");
	}
out:
	nl_close(csk);
	return err;
}

static bool needs_clock(const struct lab *lab)
{
	for (size_t i = 0; i < lab->n_clients; i++)
		if (lab->clients[i].ts_mode == TS_OFFSET)
			return true;
	return false;
}

struct worker {
	struct lab_rt *rt;
	int hub_fd, hub_master;
	bool direct;
	size_t first, step;
	int err;
	pthread_t tid;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct up_ctx c = { .rt = w->rt, .hub_master = w->hub_master };
	struct nl_sock *hub = NULL;
	const struct lab *lab = w->rt->lab;

	/* a socket of our own in the hub's netns: libnl sockets are not shared across threads */
	w->err = netns_enter(w->hub_fd);
	if (!w->err)
		w->err = nl_open(&hub);
	if (w->err) {
		lab_fail(w->rt, w->err, "cannot open a netlink socket in the hub namespace");
		return NULL;
	}
	if (w->direct)
		c.ssk = hub;
	else
		c.rsk = hub;
	for (size_t i = w->first; !w->err && i < lab->n_clients; i += w->step) {
		if (atomic_load(&up_abort)) {
			w->err = -ECANCELED;
			break;
		}
		w->err = up_client(&c, &lab->clients[i]);
	}
	nl_close(hub);
	netns_enter_root();
	return NULL;
}

/* Build every client, on up to MAX_THREADS threads. Returns the first error. */
static int up_clients(struct up_ctx *c)
{
	struct lab_rt *rt = c->rt;
	size_t n = rt->lab->n_clients, nthreads = n / CLIENTS_PER_THREAD;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct worker w[MAX_THREADS];
	int err = 0;

	if (nthreads > (size_t)(cpus > 0 ? cpus : 1))
		nthreads = cpus > 0 ? cpus : 1;
	if (nthreads > MAX_THREADS)
		nthreads = MAX_THREADS;
	if (nthreads < 2) {
		for (size_t i = 0; !err && i < n; i++)
			err = up_client(c, &rt->lab->clients[i]);
		return err;
	}
	for (size_t t = 0; t < nthreads; t++) {
		w[t] = (struct worker){
			.rt = rt, .hub_master = c->hub_master, .direct = !rt->lab->router.present,
			.hub_fd = rt->lab->router.present ? rt->router_fd : rt->server_fd,
			.first = t, .step = nthreads,
		};
		w[t].err = -pthread_create(&w[t].tid, NULL, worker_main, &w[t]);
		if (w[t].err) {
			lab_fail(rt, w[t].err, "cannot start a thread");
			nthreads = t;
			break;
		}
	}
	for (size_t t = 0; t < nthreads; t++) {
		pthread_join(w[t].tid, NULL);
		/* the real failure, not a worker that stopped because another failed */
		if (w[t].err && (!err || err == -ECANCELED))
			err = w[t].err;
	}
	return err;
}

int lab_up(struct lab_rt *rt)
{
	struct lab *lab = rt->lab;
	struct up_ctx c = { .rt = rt };
	struct rlimit rl = { 4096 + 2 * lab->n_clients, 4096 + 2 * lab->n_clients };
	int err;

	rt->up_ns = mono_ns();
	atomic_store(&up_abort, false);
	n_globals = 0;
	/* one open fd per client namespace */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 4096 + 2 * lab->n_clients) {
		rl.rlim_cur = 4096 + 2 * lab->n_clients;
		if (rl.rlim_max < rl.rlim_cur)
			rl.rlim_max = rl.rlim_cur;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	rt->client_fd = malloc(lab->n_clients * sizeof(int));
	rt->client_ts_offset = calloc(lab->n_clients, sizeof(uint32_t));
	if (!rt->client_fd || !rt->client_ts_offset)
		return lab_fail(rt, -ENOMEM, "out of memory");
	for (size_t i = 0; i < lab->n_clients; i++)
		rt->client_fd[i] = -1;
	err = netns_init();
	if (!err)
		err = netns_prepare_rundir();
	if (err)
		return lab_fail(rt, err, "cannot prepare " NETNS_RUN_DIR);
	err = undo_begin(&rt->undo, lab->name, lab->file, rt->detached);
	if (err) {
		rt->err_lab_exists = err == -EEXIST;
		return lab_fail(rt, err, "cannot create state file %s/%s.json", undo_state_dir(),
			    lab->name);
	}
	err = up_cgroup(rt);
	if (err)
		goto undo;
	if (needs_clock(lab)) {
		err = tsclock_load(&rt->clock);
		if (err) {
			lab_fail(rt, err, "cannot load the timestamp clock BPF program");
			goto undo;
		}
	}
	err = up_server(&c);
	if (!err && lab->router.present)
		err = up_router(&c);
	if (!err)
		err = up_clients(&c);
undo:
	nl_close(c.ssk);
	nl_close(c.rsk);
	netns_enter_root();
	if (err) {
		int keep = err;

		lab_down(rt);
		return keep;
	}
	return 0;
}

bool lab_gate_forced(void)
{
	const char *v = getenv("TWLAB_GATE");

	return v && !strcmp(v, "emulated");
}

static uint32_t gate_ring_bytes(size_t n_clients);
static int gate_attrib_setup(struct lab_rt *rt);

int lab_gate_attach(struct lab_rt *rt)
{
	const struct lab_server *s = &rt->lab->server;
	struct gate_cfg cfg = {
		.paws_msl_ns = s->paws_msl_ms * 1000000ull,
		.paws_window = s->paws_window,
		.server_port = s->port,
		/* kernel-notes §1.6: TIME_WAIT with recycle lasts 3.5 x RTO; RTO is
		 * TCP_RTO_MIN (200 ms) on a LAN */
		.tw_len_ns = 700ull * 1000000,
	};
	char v[16], logp[300];
	int err;
	size_t mark;
	bool own;

	if (!s->recycle)
		return 0;
	err = netns_enter(rt->server_fd);
	if (err)
		return lab_fail(rt, err, "cannot enter %s", rt->server_ns);
	/* A kernel that still has tcp_tw_recycle (before 4.12; per namespace in 4.11) applies
	 * the rule itself: that is the ground truth, not the emulation. */
	own = !sysctl_get("net.ipv4.tcp_tw_recycle", v, sizeof(v)) && !lab_gate_forced();
	if (own) {
		netns_enter_root();
		if (s->paws_msl_ms != 60000 || s->paws_window != 1)
			return lab_fail(rt, -EOPNOTSUPP, "this kernel's own tcp_tw_recycle has "
				    "TCP_PAWS_MSL 60 s and TCP_PAWS_WINDOW 1 built in: paws_msl and "
				    "paws_window cannot be changed");
		netns_enter(rt->server_fd);
		trace(rt, "sysctl -n %s net.ipv4.tcp_tw_recycle=1 (the kernel's own rule)",
		      rt->server_ns);
		err = sysctl_set("net.ipv4.tcp_tw_recycle", "1");
		netns_enter_root();
		if (err)
			return lab_fail(rt, err, "cannot set net.ipv4.tcp_tw_recycle in %s",
				    rt->server_ns);
		rt->gate_kernel = true;
		return 0;
	}
	trace(rt, "tc -n %s: recycle gate on ifindex %d (paws_msl %llu ms, window %d)",
	      rt->server_ns, rt->server_link, (unsigned long long)s->paws_msl_ms, s->paws_window);
	mark = bpflog_mark();
	cfg.n_clients = rt->lab->n_clients;
	cfg.ring_bytes = gate_ring_bytes(rt->lab->n_clients);
	err = gate_attach(rt->server_link, &cfg, &rt->gate);
	netns_enter_root();
	if (err) {
		/* the verifier's log (libbpf prints it on a failed load) into a file the message
		 * names */
		int serr = bpflog_save(mark, "recycle-gate", logp, sizeof(logp));

		if (serr)
			snprintf(logp, sizeof(logp), "none saved: %s", strerror(-serr));
	}
	if (err == -EINVAL)	/* the verifier, or a map type it lacks */
		return lab_fail(rt, -EOPNOTSUPP, "cannot load the recycle gate in %s: the emulated "
			    "rule needs BPF ring buffers and loops (Linux 5.8+)%s (the verifier's "
			    "log: %s)",
			    rt->server_ns, lab_gate_forced() ? "" : " and this kernel has no "
			    "tcp_tw_recycle of its own", logp);
	if (err)
		return lab_fail(rt, err, "cannot attach the recycle gate in %s (the verifier's "
				"log: %s)", rt->server_ns, logp);
	err = push_inner(rt, UNDO_BPF, rt->server_ns, "recycle-gate");
	if (!err)
		err = gate_attrib_setup(rt);
	return err;
}

/*
 * The ring buffer holds a burst of every client's decisions (about 170 events of 48 bytes
 * each), within 256 KiB .. 16 MiB. TWLAB_TEST_GATE_RING (bytes, a power of two >= the page
 * size) is for tests that must see events lost.
 */
static uint32_t gate_ring_bytes(size_t n_clients)
{
	const char *t = getenv("TWLAB_TEST_GATE_RING");
	uint32_t b = 256 * 1024;

	if (t && *t)
		return strtoul(t, NULL, 0);
	while (b < 16u * 1024 * 1024 && b < n_clients * 8192)
		b *= 2;
	return b;
}

/* Which client sent each SYN (bpf/recycle.h "Attribution"): the clients' addresses, and behind
 * a router their links there and a program on its outside link. */
static int gate_attrib_setup(struct lab_rt *rt)
{
	int err = 0, out;

	if (rt->router_fd >= 0) {
		err = netns_enter(rt->router_fd);
		if (err)
			return lab_fail(rt, err, "cannot enter %s", rt->router_ns);
	}
	for (size_t i = 0; !err && i < rt->lab->n_clients; i++) {
		char dev[IFNAMSIZ];
		int link = 0;

		snprintf(dev, sizeof(dev), "c%d", rt->lab->clients[i].index);
		if (rt->router_fd >= 0)
			link = if_nametoindex(dev);
		err = gate_set_client(rt->gate, i, rt->lab->clients[i].addr.addr, link);
		if (err)
			lab_fail(rt, err, "cannot note client %s for the recycle gate",
				 rt->lab->clients[i].name);
	}
	if (!err && rt->router_fd >= 0) {
		out = if_nametoindex("out0");
		trace(rt, "tc -n %s: SYN attribution on out0 (ifindex %d)", rt->router_ns, out);
		err = out ? gate_attach_router(rt->gate, out) : -ENODEV;
		if (err)
			lab_fail(rt, err, "cannot attach the SYN attribution program to out0 in %s",
				 rt->router_ns);
	}
	netns_enter_root();
	return err;
}

int lab_down(struct lab_rt *rt)
{
	int err;

	if (rt->gate) {
		/* libbpf's tc calls act in the current netns: detach from inside each one */
		if (rt->router_fd >= 0 && !netns_enter(rt->router_fd))
			gate_detach_router(rt->gate);
		if (!netns_enter(rt->server_fd))
			gate_free(rt->gate);
		netns_enter_root();
		rt->gate = NULL;
	}
	if (rt->clock) {
		tsclock_free(rt->clock);
		rt->clock = NULL;
	}
	if (rt->server_fd >= 0)
		close(rt->server_fd);
	if (rt->router_fd >= 0)
		close(rt->router_fd);
	for (size_t i = 0; rt->client_fd && i < rt->lab->n_clients; i++)
		if (rt->client_fd[i] >= 0)
			close(rt->client_fd[i]);
	if (rt->cg_procs_fd >= 0)
		close(rt->cg_procs_fd);
	if (rt->cg_fd >= 0)
		close(rt->cg_fd);
	rt->cg_fd = rt->cg_procs_fd = -1;
	free(rt->client_fd);
	free(rt->client_ts_offset);
	rt->client_fd = NULL;
	rt->client_ts_offset = NULL;
	rt->server_fd = rt->router_fd = -1;
	/* bounded, but long enough for 2000 namespaces going away on a loaded host */
	err = undo_run(&rt->undo, HUB_TIMEOUT_MS + 10 * rt->lab->n_clients);
	rt->freeing_ns = rt->undo.freeing_ns;
	undo_close(&rt->undo);
	return err;
}
