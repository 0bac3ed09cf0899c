// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include "run/capture.h"
#include "run/outdir.h"
#include "run/conntrack.h"
#include "run/kwatch.h"
#include "run/twwatch.h"
#include "lab/connstat.h"
#include "lab/gate.h"
#include "lab/netns.h"
#include "run/run.h"

#define READY_TIMEOUT_MS 5000
#define STOP_TIMEOUT_MS 3000
#define PROGRESS_MS 250
#define CAP_TAG (1ull << 40)	/* epoll data of capture fds: tag | index */
#define OUT_TAG (1ull << 41)	/* stdout, stderr: tag | fd */
#define TW_TAG (1ull << 42)	/* the twwatch capture */

struct agent_proc {
	pid_t pid;
	int client;            /* -1 server */
	bool done;
	bool command;          /* a user command: stopped at the end of duration */
};

#define MAX_CAPTURES 64

struct loop {
	struct run *r;
	struct capture *cap[MAX_CAPTURES];
	int n_cap;
	struct agent_proc *procs;
	size_t n_procs;
	size_t clients_left;
	uint64_t last_exit_ns;		/* when a client agent last ended (mono_ns) */
	int rec_fd;
	struct ct_watch *ct;
	struct kwatch *kw;		/* gate.mode kernel: the kernel's own rule, watched */
	struct recycle_event *kgev;	/* its decisions until the run stopped (on_kgate) */
	size_t n_kgev, cap_kgev;
	uint64_t kgev_lost;
	struct twwatch *tw;		/* the server's answers other than SYN-ACKs, and RSTs */
	struct tw_event *twev;		/* held until the run stopped (on_tw), as kgev */
	size_t n_twev, cap_twev;
	struct connstat_loader *cs;	/* command clients' sockets, counted on the cgroup */
	uint32_t *progress_att, *progress_ok, *progress_drop;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int run_init(struct run *r, struct lab_rt *rt, int sigfd)
{
	struct utsname u;

	memset(r, 0, sizeof(*r));
	r->rt = rt;
	r->lab = rt->lab;
	r->sigfd = sigfd;
	r->n_nodes = 2 + rt->lab->n_clients;
	if (!uname(&u))
		snprintf(r->kernel, sizeof(r->kernel), "%s", u.release);
	return attrib_init(&r->at, rt->lab->n_clients);
}

const char *run_node_name(const struct run *r, size_t i)
{
	if (i == 0)
		return "server";
	if (i == 1)
		return "router";
	return r->lab->clients[i - 2].name;
}

static int node_fd(const struct run *r, size_t i)
{
	if (i == 0)
		return r->rt->server_fd;
	if (i == 1)
		return r->rt->router_fd;
	return r->rt->client_fd[i - 2];
}

static void *grow(void *v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return v;
	size_t nc = *cap ? *cap * 2 : 256;
	void *nv = realloc(v, nc * size);

	if (nv)
		*cap = nc;
	return nv;
}

static void on_ct_end(const struct ct_entry *e, void *ctx)
{
	struct run *r = ctx;
	struct ct_entry *v;

	if (r->ct_end_total++ >= RUN_LIST_MAX)
		return;
	v = grow(r->ct_end, &r->cap_ct_end, r->n_ct_end, sizeof(*v));
	if (!v)
		return;
	r->ct_end = v;
	r->ct_end[r->n_ct_end++] = *e;
}

/* Counters of every node; in the router also conntrack's statistics (and, at the end, its
 * table). */
static int snapshot(struct run *r, struct counters **ret, bool end)
{
	struct counters *c = calloc(r->n_nodes, sizeof(*c));
	int err = 0;

	if (!c)
		return -ENOMEM;
	for (size_t i = 0; i < r->n_nodes && !err; i++) {
		if (node_fd(r, i) < 0)
			continue;
		err = netns_enter(node_fd(r, i));
		if (!err)
			err = counters_read(&c[i]);
		if (!err && i == 1) {
			/* absent until the NAT rules loaded conntrack: then there is nothing */
			ct_stats_read(end ? &r->ct_after : &r->ct_before);
			if (end)
				ct_dump(on_ct_end, r);
		}
	}
	netns_enter_root();
	if (err) {
		for (size_t i = 0; i < r->n_nodes; i++)
			counters_free(&c[i]);
		free(c);
		snprintf(r->err, sizeof(r->err), "cannot read counters: %s", strerror(-err));
		return err;
	}
	*ret = c;
	return 0;
}


struct server_arg {
	struct agent_server_cfg cfg;
	int ready_fd;
};

static int server_main(void *arg)
{
	struct server_arg *a = arg;

	return agent_server_main(&a->cfg, a->ready_fd);
}

/* A client agent's arguments; go_rfd >= 0: wait for the common start (struct go). */
struct client_arg {
	struct agent_client_cfg cfg;
	int fd;
	int go_rfd, go_wfd;
	const volatile uint64_t *go_t0;
};

/*
 * The common start: forking 2000 agents takes seconds, so they all wait for the same moment.
 * Each blocks reading go's pipe until twlab closes the write end (every agent closes its
 * inherited copy first), then takes t0 from a page shared with twlab.
 */
struct go {
	int rfd, wfd;
	uint64_t *t0;
};

static int go_wait(struct client_arg *a)
{
	char b;

	if (a->go_rfd < 0)
		return 0;
	close(a->go_wfd);
	while (read(a->go_rfd, &b, 1) < 0 && errno == EINTR)
		;
	close(a->go_rfd);
	a->cfg.t0_ns = *a->go_t0;
	return a->cfg.t0_ns ? 0 : -ECANCELED;
}

static int go_open(struct go *g)
{
	int p[2];

	g->t0 = mmap(NULL, sizeof(*g->t0), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
		     0);
	if (g->t0 == MAP_FAILED) {
		g->t0 = NULL;
		return -errno;
	}
	*g->t0 = 0;
	if (pipe2(p, O_CLOEXEC)) {
		munmap(g->t0, sizeof(*g->t0));
		g->t0 = NULL;
		return -errno;
	}
	g->rfd = p[0];
	g->wfd = p[1];
	return 0;
}

/* t0 = 0 tells the agents to give up (the run stopped before the start) */
static void go_release(struct go *g, uint64_t t0)
{
	if (!g->t0)
		return;
	*g->t0 = t0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	close(g->wfd);
	close(g->rfd);
	munmap(g->t0, sizeof(*g->t0));
	g->t0 = NULL;
}

static int client_main(void *arg)
{
	struct client_arg *a = arg;
	int r = go_wait(a);
	sigset_t set;

	if (!r)
		r = agent_client_main(&a->cfg, a->fd);

	if (r <= 0)
		return r;
	/* Stopped by signal r before its schedule ended: die of it, so that twlab can tell
	 * this from a completed schedule (its own stop ignores how agents end). */
	signal(r, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, r);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(r);
	return -EINTR;
}

/* A user command as the server: ready once something listens on the port. */
static bool listening(int ns_fd, uint16_t port)
{
	char line[256];
	bool found = false;
	FILE *f;

	if (netns_enter(ns_fd))
		return false;
	f = fopen("/proc/thread-self/net/tcp", "re");
	while (f && fgets(line, sizeof(line), f)) {
		unsigned int lport, state;

		if (sscanf(line, " %*d: %*x:%x %*x:%*x %x", &lport, &state) == 2 && lport == port &&
		    state == 0x0A)
			found = true;
	}
	if (f)
		fclose(f);
	netns_enter_root();
	return found;
}

int run_server_start(struct lab_rt *rt, pid_t *ret_pid, bool *ret_command, char *err,
		     size_t errlen)
{
	const struct lab_server *s = &rt->lab->server;
	struct server_arg a = {
		.cfg = { .addr = 0, .port = s->port, .close = s->close, .hold_ms = s->hold_ms }
	};
	uint64_t deadline = mono_ns() + READY_TIMEOUT_MS * 1000000ull;
	struct pollfd pf;
	int pfd[2], e, n;
	char b;

	*ret_command = s->command != NULL;
	if (s->command) {
		struct lab_cmd cmd;
		int status;

		e = lab_cmd_init(&cmd, "server", s->command, s->command_text,
				 s->user[0] ? s->user : NULL);
		if (e) {
			snprintf(err, errlen, "cannot resolve the user of the server command");
			return e;
		}
		e = lab_spawn_command(rt, rt->server_fd, rt->server_ns, "server command", &cmd,
				      ret_pid);
		if (e) {
			snprintf(err, errlen, "%s", rt->err);
			return e;
		}
		while (!listening(rt->server_fd, s->port)) {
			if (waitpid(*ret_pid, &status, WNOHANG) == *ret_pid) {
				*ret_pid = -1;	/* reaped: nothing left to stop */
				snprintf(err, errlen,
					 "server command '%s' %s %d before it listened on port %u",
					 s->command_text,
					 WIFSIGNALED(status) ? "died of signal" : "exited with status",
					 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
					 s->port);
				return -ECHILD;
			}
			if (mono_ns() >= deadline) {
				snprintf(err, errlen,
					 "server command '%s' is not listening on port %u after %d ms",
					 s->command_text, s->port, READY_TIMEOUT_MS);
				return -ETIMEDOUT;
			}
			poll(NULL, 0, 10);	/* /proc has no readiness event to wait on */
		}
		return 0;
	}
	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	a.ready_fd = pfd[1];
	e = lab_spawn(rt, rt->server_fd, rt->server_ns, "server agent", server_main, &a, ret_pid);
	close(pfd[1]);
	if (e) {
		close(pfd[0]);
		snprintf(err, errlen, "%s", rt->err);
		return e;
	}
	/* the agent writes one byte once it listens; EOF first means it died */
	pf = (struct pollfd){ .fd = pfd[0], .events = POLLIN };
	n = poll(&pf, 1, READY_TIMEOUT_MS);
	e = n == 1 && read(pfd[0], &b, 1) == 1 ? 0 : -ETIMEDOUT;
	close(pfd[0]);
	if (e)
		snprintf(err, errlen, "the server agent in %s did not become ready in %d ms",
			 rt->server_ns, READY_TIMEOUT_MS);
	return e;
}

static int start_server(struct run *r, struct loop *l)
{
	struct agent_proc *p = &l->procs[l->n_procs];
	int err = run_server_start(r->rt, &p->pid, &p->command, r->err, sizeof(r->err));

	if (p->pid > 0) {
		p->client = -1;
		l->n_procs++;
	}
	return err;
}

/* Client i's agent (or command), its schedule counted from t0_ns, records to rec_fd. */
static int spawn_client(struct lab_rt *rt, size_t i, uint64_t t0_ns, const struct go *go,
			int rec_fd, pid_t *ret_pid, bool *ret_command)
{
	const struct lab *lab = rt->lab;
	const struct lab_client *c = &lab->clients[i];
	struct client_arg a;
	char ns[64];

	topo_netns_name(lab, c->name, ns, sizeof(ns));
	*ret_command = c->command != NULL;
	if (c->command) {
		struct lab_cmd cmd;
		int err = lab_cmd_init(&cmd, c->name, c->command, c->command_text,
				       c->user[0] ? c->user : NULL);

		if (err) {
			snprintf(rt->err, sizeof(rt->err), "cannot resolve the user of %s", c->name);
			return err;
		}
		return lab_spawn_command(rt, rt->client_fd[i], ns, "client command", &cmd, ret_pid);
	}
	memset(&a, 0, sizeof(a));
	a.cfg = (struct agent_client_cfg){
		.index = i,
		.server_addr = lab->server.addr.addr,
		.server_port = lab->server.port,
		.close = lab->server.close,
		.t0_ns = t0_ns,
		.start_ms = c->start_ms,
		.every_ms = c->every_ms,
		.connect_timeout_ms = c->connect_timeout_ms,
		.count = c->count,
		.end_ms = lab->duration_ms,
	};
	a.fd = rec_fd;
	a.go_rfd = go ? go->rfd : -1;
	a.go_wfd = go ? go->wfd : -1;
	a.go_t0 = go ? go->t0 : NULL;
	return lab_spawn(rt, rt->client_fd[i], ns, "client agent", client_main, &a, ret_pid);
}

static int start_clients(struct run *r, struct loop *l)
{
	struct lab_rt *rt = r->rt;
	struct go go;
	int err = go_open(&go);

	if (err) {
		snprintf(r->err, sizeof(r->err), "cannot make the clients' start signal");
		return err;
	}
	for (size_t i = 0; i < r->lab->n_clients; i++) {
		struct agent_proc *p = &l->procs[l->n_procs];

		p->client = i;
		err = spawn_client(rt, i, 0, &go, l->rec_fd, &p->pid, &p->command);
		if (!err && !p->command)
			l->clients_left++;
		if (err) {
			snprintf(r->err, sizeof(r->err), "%s", rt->err);
			go_release(&go, 0);
			return err;
		}
		l->n_procs++;
	}
	/* command clients started as they were spawned; the agents start now, together */
	r->t0_ns = mono_ns();
	go_release(&go, r->t0_ns);
	return 0;
}

int run_clients_start(struct lab_rt *rt, char *err, size_t errlen)
{
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC), e = 0;
	uint64_t t0 = mono_ns();
	bool command;
	pid_t pid;

	if (null < 0)
		return -errno;
	for (size_t i = 0; !e && i < rt->lab->n_clients; i++) {
		e = spawn_client(rt, i, t0, NULL, null, &pid, &command);
		if (e)
			snprintf(err, errlen, "%s", rt->err);
	}
	close(null);
	return e;
}

static void sink_gate(const struct run *r, const struct run_gate_event *g)
{
	for (const struct run_sink *s = r->sink; s; s = s->next)
		if (s->gate)
			s->gate(s->ctx, r, g);
}

static void sink_attempt(const struct run *r, const struct attempt_rec *a)
{
	for (const struct run_sink *s = r->sink; s; s = s->next)
		if (s->attempt)
			s->attempt(s->ctx, r, a);
}

static void sink_tw(const struct run *r, const struct tw_event *e)
{
	for (const struct run_sink *s = r->sink; s; s = s->next)
		if (s->tw)
			s->tw(s->ctx, r, e);
}

/* One gate decision, its sender client (-1 unknown): to the per-client totals and the sinks. */
static void deliver_gate(struct run *r, const struct recycle_event *ev, int client)
{
	struct run_gate_event g = {
		.ev = *ev,
		.client = client,
		.behind = (int32_t)(ev->rec_ts - ev->tsval),
	};

	g.ev.client = client;
	attrib_gate(&r->at, &g.ev);
	sink_gate(r, &g);
}

/* The captures: each decision commented on its SYN, while the capture still holds it. */
static void annotate_captures(const struct loop *l, const struct recycle_event *ev)
{
	for (int c = 0; c < l->n_cap; c++)
		capture_verdict(l->cap[c], ev);
}

/* The emulated gate: its BPF programs named the sender. */
static void on_gate(const struct recycle_event *ev, void *ctx)
{
	struct loop *l = ctx;
	struct run *r = l->r;

	annotate_captures(l, ev);
	deliver_gate(r, ev, ev->client >= 0 && (size_t)ev->client < r->lab->n_clients ? ev->client
										       : -1);
}

/*
 * gate.mode kernel: the wire resolves SYNs when answered or given up on, not in the order they
 * came, and 4.11's conntrack sends no events, so the sender is known only from the router's
 * table at the end: the decisions wait in l->kgev (at most RUN_KGEV_MAX, the rest counted
 * lost) and go on, sorted by time and attributed, once the run stopped (deliver_kernel). The
 * captures get each one at once, while they still hold its SYN.
 */
static void on_kgate(const struct recycle_event *ev, void *ctx)
{
	struct loop *l = ctx;
	struct recycle_event *v;

	annotate_captures(l, ev);
	if (l->n_kgev >= RUN_KGEV_MAX) {
		l->kgev_lost++;
		return;
	}
	v = grow(l->kgev, &l->cap_kgev, l->n_kgev, sizeof(*l->kgev));
	if (!v) {
		l->kgev_lost++;
		return;
	}
	l->kgev = v;
	l->kgev[l->n_kgev++] = *ev;
}

/* What the server answered instead of a SYN-ACK, and RSTs: held like on_kgate's decisions,
 * since the sender is named from the router's table at the end. */
static void on_tw(const struct tw_event *ev, void *ctx)
{
	struct loop *l = ctx;
	struct tw_event *v;

	if (l->n_twev >= RUN_KGEV_MAX) {
		l->r->tw_lost++;
		return;
	}
	v = grow(l->twev, &l->cap_twev, l->n_twev, sizeof(*l->twev));
	if (!v) {
		l->r->tw_lost++;
		return;
	}
	l->twev = v;
	l->twev[l->n_twev++] = *ev;
}

static int cmp_twev(const void *a, const void *b)
{
	const struct tw_event *x = a, *y = b;

	return x->t_ns < y->t_ns ? -1 : x->t_ns > y->t_ns;
}

static int cmp_kgev(const void *a, const void *b)
{
	const struct recycle_event *x = a, *y = b;

	return x->t_ns < y->t_ns ? -1 : x->t_ns > y->t_ns;
}

static void on_ct(const struct ct_entry *e, void *ctx)
{
	struct run *r = ctx;
	struct run_nat_map *m;

	if (r->nat_total++ >= RUN_LIST_MAX)
		return;
	m = grow(r->nat, &r->cap_nat, r->n_nat, sizeof(*r->nat));
	if (!m)
		return;
	r->nat = m;
	r->nat[r->n_nat++] = (struct run_nat_map){
		.in_addr = e->orig_src, .in_port = e->orig_sport,
		.out_addr = e->reply_dst, .out_port = e->reply_dport, .t_ns = mono_ns(),
	};
}

static void read_records(struct run *r, struct loop *l)
{
	struct attempt_rec rec;

	while (read(l->rec_fd, &rec, sizeof(rec)) == sizeof(rec)) {
		attrib_attempt(&r->at, &rec);
		sink_attempt(r, &rec);
		if (rec.client < r->lab->n_clients) {
			l->progress_att[rec.client]++;
			if (rec.outcome == ATT_OK)
				l->progress_ok[rec.client]++;
		}
	}
}

static void show_progress(struct run *r, struct loop *l, bool final)
{
	double el = (mono_ns() - r->t0_ns) / 1e9;
	char line[160];
	int n;

	if (!r->progress)
		return;
	n = snprintf(line, sizeof(line), "\r[%5.1fs/%.1fs]", el < 0 ? 0 : el,
		     r->lab->duration_ms / 1e3);
	for (size_t i = 0; i < r->lab->n_clients && n < (int)sizeof(line) - 30; i++)
		n += snprintf(line + n, sizeof(line) - n, " %s %u/%u", r->lab->clients[i].name,
			      l->progress_ok[i], l->progress_att[i]);
	if (r->lab->n_clients && n >= (int)sizeof(line) - 30)
		n += snprintf(line + n, sizeof(line) - n, " ...");
	fprintf(stdout, "%s\033[K%s", line, final ? "\n" : "");
	fflush(stdout);
}

/* An agent ended: expected (done), or crashed. */
static int reap(struct run *r, struct loop *l)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (size_t i = 0; i < l->n_procs; i++) {
			struct agent_proc *p = &l->procs[i];
			const char *who;

			if (p->pid != pid)
				continue;
			p->done = true;
			who = p->client < 0 ? "server" : r->lab->clients[p->client].name;
			if (!p->command && p->client >= 0) {
				l->clients_left--;
				l->last_exit_ns = mono_ns();
			}
			if (p->command && p->client >= 0)
				break;	/* a client command may end when it likes */
			if (p->client >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
				break;
			if (WIFSIGNALED(status))
				snprintf(r->err, sizeof(r->err), "the %s %s (pid %d) died of signal %d (%s)",
					 who, p->command ? "command" : "agent", pid, WTERMSIG(status),
					 strsignal(WTERMSIG(status)));
			else
				snprintf(r->err, sizeof(r->err), "the %s %s (pid %d) exited with status %d",
					 who, p->command ? "command" : "agent", pid,
					 WEXITSTATUS(status));
			return -ECHILD;
		}
	}
	return 0;
}

static int loop_run(struct run *r, struct loop *l)
{
	const struct lab *lab = r->lab;
	uint64_t max_to = 0, sched_end, soft_end, hard_end, stall_ns;
	struct epoll_event ev[8];
	struct itimerspec its = { .it_interval = { 0, PROGRESS_MS * 1000000 },
				  .it_value = { 0, PROGRESS_MS * 1000000 } };
	int ep = epoll_create1(EPOLL_CLOEXEC), tfd, err = 0;
	int gfd = r->rt->gate ? gate_fd(r->rt->gate) : l->kw ? kwatch_fd(l->kw) : -1;
	bool commands_stopped = false;

	for (size_t i = 0; i < lab->n_clients; i++)
		if (lab->clients[i].connect_timeout_ms > max_to)
			max_to = lab->clients[i].connect_timeout_ms;
	/* every wait is bounded: schedule + the longest attempt (connect + response) + margin,
	 * more of it for many agents sharing few CPUs (20 ms each: 40 s for 2000). Past that
	 * (soft_end) the wait goes on only while agents still end, one at least every stall_ns
	 * (2000 agents on 2 CPUs wind down over ~45 s after a 60 s schedule), and never past
	 * hard_end (100 ms more per agent). */
	sched_end = r->t0_ns + lab->duration_ms * 1000000ull;
	stall_ns = (2 * max_to + 5000) * 1000000ull;
	soft_end = sched_end + stall_ns + 20 * lab->n_clients * 1000000ull;
	hard_end = soft_end + 100 * lab->n_clients * 1000000ull;
	l->last_exit_ns = sched_end;
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (ep < 0 || tfd < 0)
		return -errno;
	timerfd_settime(tfd, 0, &its, NULL);
	epoll_ctl(ep, EPOLL_CTL_ADD, r->sigfd, &(struct epoll_event){ .events = EPOLLIN, .data.fd = r->sigfd });
	epoll_ctl(ep, EPOLL_CTL_ADD, l->rec_fd, &(struct epoll_event){ .events = EPOLLIN, .data.fd = l->rec_fd });
	epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &(struct epoll_event){ .events = EPOLLIN, .data.fd = tfd });
	if (gfd >= 0)
		epoll_ctl(ep, EPOLL_CTL_ADD, gfd, &(struct epoll_event){ .events = EPOLLIN, .data.fd = gfd });
	if (l->ct)
		epoll_ctl(ep, EPOLL_CTL_ADD, ct_watch_fd(l->ct),
			  &(struct epoll_event){ .events = EPOLLIN, .data.fd = ct_watch_fd(l->ct) });
	if (l->tw)
		epoll_ctl(ep, EPOLL_CTL_ADD, twwatch_fd(l->tw),
			  &(struct epoll_event){ .events = EPOLLIN, .data.u64 = TW_TAG });
	for (int i = 0; i < l->n_cap; i++)
		epoll_ctl(ep, EPOLL_CTL_ADD, capture_fd(l->cap[i]),
			  &(struct epoll_event){ .events = EPOLLIN, .data.u64 = CAP_TAG | i });
	/* A pipe we print to reports EPOLLERR once its reader is gone (`twlab run | head -1`):
	 * stop then, as on SIGPIPE, rather than at the first write after the schedule. Files
	 * and /dev/null cannot be watched (EPERM) and never close. */
	for (int fd = STDOUT_FILENO; fd <= STDERR_FILENO; fd++)
		epoll_ctl(ep, EPOLL_CTL_ADD, fd,
			  &(struct epoll_event){ .events = 0, .data.u64 = OUT_TAG | fd });

	while (!err) {
		uint64_t now = mono_ns();
		bool sched_over = now >= r->t0_ns + lab->duration_ms * 1000000ull;
		int n;

		if (sched_over && !commands_stopped) {
			/* client commands run for the lab's duration */
			for (size_t i = 0; i < l->n_procs; i++)
				if (l->procs[i].command && l->procs[i].client >= 0 && !l->procs[i].done)
					kill(l->procs[i].pid, SIGTERM);
			commands_stopped = true;
		}
		if (l->clients_left == 0 && sched_over)
			break;
		if (now >= hard_end || (now >= soft_end && now - l->last_exit_ns >= stall_ns)) {
			char last[64] = "no agent has ended since";

			if (l->last_exit_ns > sched_end)
				snprintf(last, sizeof(last), "the last ended %.1f s ago",
					 (now - l->last_exit_ns) / 1e9);
			snprintf(r->err, sizeof(r->err), "%zu client agents of %zu still running %.1f s "
				 "after the schedule ended (%s)", l->clients_left, lab->n_clients,
				 (now - sched_end) / 1e9, last);
			err = -ETIMEDOUT;
			break;
		}
		n = epoll_wait(ep, ev, 8, 100);
		for (int i = 0; i < n && !err; i++) {
			int fd = ev[i].data.fd;

			if ((ev[i].data.u64 & OUT_TAG) == OUT_TAG) {
				if (ev[i].events & EPOLLERR) {
					r->interrupted = true;
					err = -EINTR;
				}
				epoll_ctl(ep, EPOLL_CTL_DEL, (int)(ev[i].data.u64 & 0xffff), NULL);
				continue;
			}
			if (ev[i].data.u64 == TW_TAG) {
				twwatch_read(l->tw, on_tw, l);
				continue;
			}
			if ((ev[i].data.u64 & CAP_TAG) == CAP_TAG) {
				capture_dispatch(l->cap[ev[i].data.u64 & 0xffff]);
				continue;
			}

			if (fd == r->sigfd) {
				struct signalfd_siginfo si;

				while (read(r->sigfd, &si, sizeof(si)) == sizeof(si)) {
					if (si.ssi_signo == SIGCHLD) {
						read_records(r, l);
						err = reap(r, l);
					} else {
						r->interrupted = true;
						err = -EINTR;
					}
				}
			} else if (fd == l->rec_fd) {
				read_records(r, l);
			} else if (fd == gfd) {
				if (l->kw && kwatch_dispatch(l->kw, on_kgate, l) && !r->err[0])
					snprintf(r->err, sizeof(r->err), "lost track of the server's SYNs "
						 "or tcp_metrics records");
				else if (!l->kw)
					gate_consume(r->rt->gate, on_gate, l);
			} else if (l->ct && fd == ct_watch_fd(l->ct)) {
				ct_watch_read(l->ct, on_ct, r);
			} else if (fd == tfd) {
				uint64_t x;

				if (read(tfd, &x, sizeof(x)) > 0)
					show_progress(r, l, false);
				for (int c = 0; c < l->n_cap; c++)
					capture_tick(l->cap[c]);
			}
		}
		if (r->live)
			r->live(r, r->live_ctx);
	}
	read_records(r, l);
	show_progress(r, l, true);
	close(tfd);
	close(ep);
	return err;
}

static void stop_agents(struct loop *l)
{
	uint64_t deadline = mono_ns() + STOP_TIMEOUT_MS * 1000000ull;

	for (size_t i = 0; i < l->n_procs; i++)
		if (!l->procs[i].done)
			kill(l->procs[i].pid, SIGTERM);
	for (size_t i = 0; i < l->n_procs; i++) {
		while (!l->procs[i].done) {
			if (waitpid(l->procs[i].pid, NULL, WNOHANG) != 0) {
				l->procs[i].done = true;
				break;
			}
			if (mono_ns() >= deadline) {
				kill(l->procs[i].pid, SIGKILL);
				waitpid(l->procs[i].pid, NULL, 0);
				l->procs[i].done = true;
				break;
			}
			poll(NULL, 0, 1);
		}
	}
}

/* The gate's per-client drop counts, kept in BPF maps (exact whatever the ring lost). */
static void read_attribution(struct run *r)
{
	size_t n = r->lab->n_clients;

	r->client_drops = calloc(n ? n : 1, sizeof(*r->client_drops));
	if (!r->client_drops || gate_client_drops(r->rt->gate, n, r->client_drops) ||
	    gate_attrib_stats(r->rt->gate, r->attrib_stats)) {
		free(r->client_drops);
		r->client_drops = NULL;
		snprintf(r->err, sizeof(r->err), "cannot read the gate's per-client counts");
	}
}

/* Which client sent the SYN ev names (-1: none known). Without NAT the server sees the client's
 * own address; with it, the router's conntrack events say which inside address became the
 * address:port the gate saw. If a mapping was reused, the newest one seen by the time of the
 * decision wins (events are stamped when read, hence the slack). */
#define ATTRIB_SLACK_NS (100 * 1000000ull)
static int attribute_at(const struct run *r, uint32_t saddr, uint16_t sport, uint64_t t_ns)
{
	const struct lab *lab = r->lab;
	bool nat = lab->router.present && lab->router.nat != NAT_NONE;
	uint32_t in = ntohl(saddr);
	const struct run_nat_map *best = NULL;
	bool mapped = false;

	for (size_t k = 0; nat && k < r->n_nat; k++) {
		const struct run_nat_map *m = &r->nat[k];
		bool before = m->t_ns <= t_ns + ATTRIB_SLACK_NS;

		if (m->out_addr != in || m->out_port != sport)
			continue;
		if (!best || (before && m->t_ns > best->t_ns) ||
		    (!before && best->t_ns > t_ns + ATTRIB_SLACK_NS && m->t_ns < best->t_ns))
			best = m;
	}
	/* no event (a kernel without CONFIG_NF_CONNTRACK_EVENTS, as the lab 4.11 build): the
	 * table at the end, which keeps a short run's entries (TIME_WAIT 120 s) */
	for (size_t k = 0; nat && !best && !mapped && k < r->n_ct_end; k++) {
		const struct ct_entry *e = &r->ct_end[k];

		if (e->reply_dst == in && e->reply_dport == sport) {
			in = e->orig_src;
			mapped = true;
		}
	}
	if (nat && !best && !mapped)
		return -1;
	if (best)
		in = best->in_addr;
	for (size_t c = 0; c < lab->n_clients; c++)
		if (lab->clients[c].addr.addr == in)
			return c;
	return -1;
}

static int attribute(const struct run *r, const struct recycle_event *ev)
{
	return attribute_at(r, ev->saddr, ev->sport, ev->t_ns);
}

/* The server's answers and the RSTs, once the router's table at the end is read: in time
 * order, each attributed (a SYN's sender by the SYN's time), counted, to the sinks. */
static void deliver_tw(struct run *r, struct loop *l)
{
	qsort(l->twev, l->n_twev, sizeof(*l->twev), cmp_twev);
	for (size_t i = 0; i < l->n_twev; i++) {
		struct tw_event *e = &l->twev[i];

		e->client = attribute_at(r, e->saddr, e->sport, e->syn_t_ns ? e->syn_t_ns : e->t_ns);
		if (e->kind < RUN_TW_KINDS)
			r->tw_counts[e->kind]++;
		sink_tw(r, e);
	}
	free(l->twev);
	l->twev = NULL;
	l->n_twev = l->cap_twev = 0;
}

/*
 * gate.mode kernel, once the router's table at the end is read: the wire's decisions in time
 * order, each attributed, then per client the SYNs the wire saw go unanswered (there are no
 * BPF counts: these are the drops) and the drops no client could be named for.
 */
static void deliver_kernel(struct run *r, struct loop *l)
{
	size_t n = r->lab->n_clients;

	qsort(l->kgev, l->n_kgev, sizeof(*l->kgev), cmp_kgev);
	for (size_t i = 0; i < l->n_kgev; i++)
		deliver_gate(r, &l->kgev[i], attribute(r, &l->kgev[i]));
	free(l->kgev);
	l->kgev = NULL;
	l->n_kgev = l->cap_kgev = 0;
	r->client_drops = calloc(n ? n : 1, sizeof(*r->client_drops));
	if (!r->client_drops) {
		snprintf(r->err, sizeof(r->err), "cannot count the drops per client");
		return;
	}
	for (size_t c = 0; c < n; c++)
		r->client_drops[c] = r->at.c[c].drops;
	r->attrib_stats[AS_UNATTRIBUTED] = r->at.unattributed_drops;
	r->lost.unattributed_drops = r->at.unattributed_drops;
}

static int open_capture(struct run *r, struct loop *l, int ns_fd, const char *node,
			const char *dev)
{
	char name[128];
	int err;

	if (l->n_cap == MAX_CAPTURES)
		return 0;
	snprintf(name, sizeof(name), "%s-%s.pcapng", node, dev);
	err = netns_enter(ns_fd);
	/* libpcap binds its socket in the current netns: open it from inside the node */
	if (!err)
		err = capture_open(dev, r->capture_dir, name, &l->cap[l->n_cap]);
	netns_enter_root();
	if (err) {
		snprintf(r->err, sizeof(r->err), "cannot capture %s in %s into %.300s/%s: %s", dev,
			 node, r->capture_dir->path, name, strerror(-err));
		return err;
	}
	l->n_cap++;
	return 0;
}

static int open_captures(struct run *r, struct loop *l)
{
	struct lab_rt *rt = r->rt;
	int err;

	if (!r->capture_dir)
		return 0;
	err = open_capture(r, l, rt->server_fd, "server", r->lab->router.present ? "eth0" : "br0");
	if (!err && rt->router_fd >= 0)
		err = open_capture(r, l, rt->router_fd, "router", "out0");
	for (size_t i = 0; !err && r->capture_clients && i < r->lab->n_clients; i++)
		err = open_capture(r, l, rt->client_fd[i], r->lab->clients[i].name, "eth0");
	return err;
}

static bool has_command_client(const struct lab *lab)
{
	for (size_t i = 0; i < lab->n_clients; i++)
		if (lab->clients[i].command)
			return true;
	return false;
}

int run_exec(struct run *r)
{
	struct lab_rt *rt = r->rt;
	struct loop l = { .r = r, .rec_fd = -1 };
	int pfd[2] = { -1, -1 }, err;

	l.procs = calloc(r->lab->n_clients + 1, sizeof(*l.procs));
	l.progress_att = calloc(r->lab->n_clients + 1, sizeof(uint32_t));
	l.progress_ok = calloc(r->lab->n_clients + 1, sizeof(uint32_t));
	if (!l.procs || !l.progress_att || !l.progress_ok) {
		err = -ENOMEM;
		goto out;
	}
	err = snapshot(r, &r->before, false);
	if (err)
		goto out;
	err = lab_gate_attach(rt);
	if (err) {
		snprintf(r->err, sizeof(r->err), "%s", rt->err);
		goto out;
	}
	if (rt->gate_kernel) {
		err = kwatch_open(rt, &l.kw, r->err, sizeof(r->err));
		if (err)
			goto out;
	}
	if (rt->router_fd >= 0 && r->lab->router.nat != NAT_NONE) {
		err = netns_enter(rt->router_fd);
		if (!err)
			err = ct_watch_open(&l.ct);
		netns_enter_root();
		if (err) {
			snprintf(r->err, sizeof(r->err), "cannot watch conntrack in %s: %s",
				 rt->router_ns, strerror(-err));
			goto out;
		}
	}
	err = netns_enter(rt->server_fd);
	if (!err)
		err = twwatch_open(r->lab->router.present ? "eth0" : "br0", r->lab->server.addr.addr,
				   r->lab->server.port, &l.tw);
	netns_enter_root();
	if (err) {
		snprintf(r->err, sizeof(r->err), "cannot capture the server's link in %s (its "
			 "answers and RSTs): %s", rt->server_ns, strerror(-err));
		goto out;
	}
	err = open_captures(r, &l);
	if (err)
		goto out;
	/* A command client is measured on its sockets: every lab process is in the lab's
	 * cgroup, so a sock_ops program there sees each connect, handshake and SYN resent. */
	if (has_command_client(r->lab) && rt->cg_fd >= 0) {
		r->cmd_counts = calloc(r->lab->n_clients, sizeof(*r->cmd_counts));
		err = r->cmd_counts ? connstat_attach(rt->cg_fd, r->lab->server.addr.addr,
						      r->lab->server.port, &l.cs)
				    : -ENOMEM;
		if (err) {
			snprintf(r->err, sizeof(r->err),
				 "cannot count the command clients' connections (sock_ops on the lab's cgroup): %s",
				 strerror(-err));
			goto out;
		}
	}
	/* Packet mode: each attempt record is one whole read. */
	if (pipe2(pfd, O_CLOEXEC | O_DIRECT)) {
		err = -errno;
		goto out;
	}
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	l.rec_fd = pfd[1];
	err = start_server(r, &l);
	if (err)
		goto stop;
	r->t0_ns = mono_ns();	/* again once the agents are forked (start_clients) */
	err = start_clients(r, &l);
	close(pfd[1]);
	pfd[1] = -1;
	l.rec_fd = pfd[0];
	if (!err)
		err = loop_run(r, &l);
stop:
	stop_agents(&l);
	if (l.rec_fd >= 0)
		read_records(r, &l);
	if (rt->gate) {
		gate_consume(rt->gate, on_gate, &l);
		gate_stats(rt->gate, r->gate_stats);
		read_attribution(r);
	}
	if (l.kw) {
		kwatch_finish(l.kw, on_kgate, &l);
		kwatch_stats(l.kw, r->gate_stats);
		r->gate_stats[RS_EVENTS_LOST] += l.kgev_lost;
	}
	if (l.tw) {
		twwatch_read(l.tw, on_tw, &l);
		r->tw_ring_drops = twwatch_ring_drops(l.tw);
	}
	if (l.ct) {
		ct_watch_read(l.ct, on_ct, r);
		r->lost.conntrack_overruns = ct_watch_overruns(l.ct);
	}
	r->lost.gate_events = r->gate_stats[RS_EVENTS_LOST];
	r->lost.unattributed_drops = r->attrib_stats[AS_UNATTRIBUTED];
	r->duration_s = r->t0_ns ? (mono_ns() - r->t0_ns) / 1e9 : 0;
	for (size_t i = 0; l.cs && i < r->lab->n_clients; i++) {
		struct connstat_counts cc;

		if (r->lab->clients[i].command && !connstat_read(l.cs, r->lab->clients[i].addr.addr,
								   &cc))
			r->cmd_counts[i] = (struct run_cmd_counts){ cc.attempts, cc.connected,
								    cc.syn_retransmits };
	}
	{
		int e = snapshot(r, &r->after, true);

		if (!err)
			err = e;
	}
	if (l.kw)
		deliver_kernel(r, &l);
	deliver_tw(r, &l);
	if (r->live)
		r->live(r, r->live_ctx);
out:
	for (int i = 0; i < l.n_cap; i++) {
		unsigned recv, drop;
		char name[NAME_MAX + 1];
		int e;

		if (!capture_stats(l.cap[i], &recv, &drop))
			r->capture_drops += drop;
		snprintf(name, sizeof(name), "%s", capture_file(l.cap[i]));
		e = capture_close(l.cap[i]);
		if (e && !err) {
			snprintf(r->err, sizeof(r->err), "cannot write %.300s/%.120s: %s",
				 r->capture_dir->path, name, strerror(-e));
			err = e;
		}
	}
	r->lost.capture_packets = r->capture_drops;
	if (l.ct)
		ct_watch_close(l.ct);
	kwatch_close(l.kw);
	twwatch_close(l.tw);
	free(l.twev);
	connstat_free(l.cs);
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	free(l.kgev);
	free(l.procs);
	free(l.progress_att);
	free(l.progress_ok);
	return err;
}

void run_free(struct run *r)
{
	for (size_t i = 0; i < r->n_nodes; i++) {
		if (r->before)
			counters_free(&r->before[i]);
		if (r->after)
			counters_free(&r->after[i]);
	}
	free(r->before);
	free(r->after);
	counters_free(&r->ct_before);
	counters_free(&r->ct_after);
	free(r->ct_end);
	attrib_free(&r->at);
	free(r->nat);
	free(r->cmd_counts);
	free(r->client_drops);
}
