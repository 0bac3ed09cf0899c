// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include "cmd/cmd.h"
#include "i18n/i18n.h"
#include "lab/bpfpin.h"
#include "lab/netns.h"
#include "lab/undo.h"
#include "report/live.h"
#include "report/live_http.h"
#include "run/conntrack.h"
#include "run/run.h"

static const char usage[] =
	"usage: twlab watch LAB [--port N] [--topology FILE] [--lang es|pt|en]\n"
	"  Serve the live view of a lab made with twlab up on http://127.0.0.1:PORT/ (this\n"
	"  machine only; the URL is printed): each SYN the recycle gate judges, with its\n"
	"  reason, each record, each connect and the gate's counters, as they happen. Open it\n"
	"  in a browser, then e.g. twlab exec LAB bob -- curl --http0.9 http://SERVER:PORT/.\n"
	"  Runs until Ctrl-C, or until the lab is removed.\n"
	"  --port N         listen on port N (default: a free port)\n"
	"  --topology FILE  the lab's topology file, when the one twlab up was given has moved\n"
	"                   (a relative path is read from the current folder)\n"
	"  --lang L         the page and the sentences on it in Spanish (es), Brazilian\n"
	"                   Portuguese (pt) or English (en); default: from LC_ALL, LC_MESSAGES\n"
	"                   or LANG, as twlab run (no locale needs to be installed)\n";

int cmd_live_port(const char *arg, uint16_t *ret)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (!*arg || *end || v < 0 || v > 65535) {
		cmd_err("--port: a port number 0..65535 (0: a free one), not %s", arg);
		return EXIT_USAGE;
	}
	*ret = v;
	return 0;
}

/* Start serving; prints the URL, or why not. 0 or an exit code. */
static int serve(uint16_t port, const char *what, struct live_http **ret)
{
	uint16_t got;
	int err = live_http_start(port, ret, &got);

	if (err) {
		cmd_err("cannot serve the live view on 127.0.0.1:%u: %s", port, strerror(-err));
		return err == -EADDRINUSE ? EXIT_USAGE : EXIT_OTHER;
	}
	printf("live view of %s: http://127.0.0.1:%u/\n", what, got);
	if (fflush(stdout))
		cmd_note_output_error();
	return 0;
}

int cmd_live_begin(struct run *r, uint16_t port, struct live_run *lr)
{
	char what[128];
	char *j;
	int code;

	memset(lr, 0, sizeof(*lr));
	if (live_new(r->lab, 0, &lr->lv)) {
		cmd_err("cannot set up the live view: %s", strerror(ENOMEM));
		return EXIT_OTHER;
	}
	snprintf(what, sizeof(what), "the run of lab %s", r->lab->name);
	code = serve(port, what, &lr->http);
	if (code) {
		live_free(lr->lv);
		lr->lv = NULL;
		return code;
	}
	j = live_lab_json(lr->lv);
	if (j)
		live_http_push(lr->http, "lab", j);
	free(j);
	live_run_attach(r, lr);
	return 0;
}

void cmd_live_end(struct live_run *lr)
{
	if (lr->http)
		live_http_push(lr->http, "end", "{\"why\":\"run\"}");
	live_http_stop(lr->http);
	live_free(lr->lv);
	memset(lr, 0, sizeof(*lr));
}

struct watch {
	struct live *lv;
	struct live_http *http;
	struct bpfpin_view *pins;
	struct ct_watch *ct;
	uint64_t start_ns;
};

static void push(struct watch *w, const char *event, char *json)
{
	if (json)
		live_http_push(w->http, event, json);
	free(json);
}

static void on_ct(const struct ct_entry *e, void *ctx)
{
	struct watch *w = ctx;

	push(w, "connect", live_nat_json(w->lv, e));
}

static void on_gate(const struct recycle_event *ev, void *ctx)
{
	struct watch *w = ctx;
	const char *event;
	char *j;

	/* what the ring kept from before (twlab up --clients, nobody reading): the counters
	 * have it; the view starts now, where the NAT mappings are known */
	if (ev->t_ns < w->start_ns)
		return;
	j = live_gate_json(w->lv, ev, -1, &event);
	push(w, event, j);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* The lab's pin entry, proven: 0, or an exit code with the message printed. */
static int find_pin(const struct undo *u, uint64_t *ret_dev)
{
	char why[300];

	for (size_t i = 0; i < u->n; i++) {
		if (u->v[i].kind != UNDO_PIN)
			continue;
		if (bpfpin_prove(u->lab, u->v[i].id, why, sizeof(why))) {
			cmd_err("lab %s: %s", u->lab, why);
			return EXIT_OTHER;
		}
		*ret_dev = u->v[i].id;
		return 0;
	}
	cmd_err("lab %s has no pinned recycle gate to watch (twlab watch is for a lab made by "
		"twlab up with recycle = on; twlab run --live shows a run)", u->lab);
	return EXIT_USAGE;
}

static bool still_up(const char *lab, uint64_t dev)
{
	char why[300];

	return !bpfpin_prove(lab, dev, why, sizeof(why));
}

static int watch_loop(struct watch *w, const char *lab, uint64_t dev, int sigfd)
{
	struct itimerspec its = { { 0, 250000000 }, { 0, 250000000 } };
	int ep = epoll_create1(EPOLL_CLOEXEC), tfd, rfd = bpfpin_fd(w->pins), code = EXIT_DONE;
	int cfd = w->ct ? ct_watch_fd(w->ct) : -1;
	struct epoll_event ev[4];
	uint64_t st[RS__MAX];
	bool stop = false;

	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (ep < 0 || tfd < 0) {
		cmd_err("cannot wait for events: %s", strerror(errno));
		return EXIT_OTHER;
	}
	timerfd_settime(tfd, 0, &its, NULL);
	epoll_ctl(ep, EPOLL_CTL_ADD, sigfd, &(struct epoll_event){ .events = EPOLLIN, .data.fd = sigfd });
	epoll_ctl(ep, EPOLL_CTL_ADD, rfd, &(struct epoll_event){ .events = EPOLLIN, .data.fd = rfd });
	epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &(struct epoll_event){ .events = EPOLLIN, .data.fd = tfd });
	if (cfd >= 0)
		epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &(struct epoll_event){ .events = EPOLLIN, .data.fd = cfd });
	if (!bpfpin_stats(w->pins, st))
		push(w, "counters", live_counters_json(w->lv, st));
	while (!stop) {
		int n = epoll_wait(ep, ev, 4, 1000);

		for (int i = 0; i < n; i++) {
			int fd = ev[i].data.fd;

			if (fd == sigfd) {
				struct signalfd_siginfo si;

				while (read(sigfd, &si, sizeof(si)) == sizeof(si))
					stop |= si.ssi_signo != SIGCHLD;
			} else if (fd == tfd) {
				uint64_t x;

				if (read(tfd, &x, sizeof(x)) < 0)
					continue;
				if (!still_up(lab, dev)) {
					printf("lab %s was removed: the live view ends\n", lab);
					live_http_push(w->http, "end", "{\"why\":\"lab\"}");
					stop = true;
				} else if (!bpfpin_stats(w->pins, st)) {
					push(w, "counters", live_counters_json(w->lv, st));
				}
			} else {
				/* NAT mappings first: conntrack reports a connection when the
				 * router forwards its SYN, before the gate sees it */
				if (w->ct)
					ct_watch_read(w->ct, on_ct, w);
				if (fd == rfd)
					bpfpin_consume(w->pins, on_gate, w);
			}
		}
		if (cmd_interrupted())
			stop = true;
	}
	close(tfd);
	close(ep);
	return code;
}

int cmd_watch(int argc, char **argv)
{
	static const struct option opts[] = { { "port", required_argument, NULL, 'p' },
					      { "topology", required_argument, NULL, 't' },
					      { "lang", required_argument, NULL, 'l' },
					      { "help", no_argument, NULL, 'h' },
					      {} };
	const char *topology = NULL, *lang = NULL, *name;
	struct watch w = {};
	struct lab *lab = NULL;
	struct undo u;
	uint16_t port = 0;
	uint64_t dev;
	int c, code, err, sigfd;
	char what[128], *j;

	while ((c = getopt_long(argc, argv, "p:t:l:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if ((code = cmd_live_port(optarg, &port)))
				return code;
			break;
		case 't': topology = optarg; break;
		case 'l': lang = optarg; break;
		case 'h': fputs(usage, stdout); return EXIT_DONE;
		default: fputs(usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	/* before any thread (the HTTP server's) starts */
	if (i18n_init(lang)) {
		cmd_err("--lang %s: twlab speaks " I18N_LANGS, lang);
		return EXIT_USAGE;
	}
	name = argv[optind];
	if ((code = cmd_check_lab_name(name)) || (code = cmd_need_root()))
		return code;
	netns_init();
	err = undo_load(name, false, &u);
	if (err) {
		if (err == -ENOENT)
			cmd_err("no lab %s on this machine (twlab ls lists them)", name);
		else
			cmd_err("cannot read the state file of lab %s: %s", name, strerror(-err));
		return err == -ENOENT ? EXIT_USAGE : EXIT_OTHER;
	}
	code = find_pin(&u, &dev);
	if (!code && !topology && !u.topology[0]) {
		cmd_err("lab %s: its state file names no topology file: give it with --topology",
			name);
		code = EXIT_USAGE;
	}
	if (!code)
		code = cmd_load(topology ? topology : u.topology, name, &lab);
	undo_close(&u);
	if (code)
		return code;
	err = bpfpin_open(name, dev, &w.pins);
	if (err) {
		cmd_err("cannot open the pinned gate of lab %s: %s", name, strerror(-err));
		code = EXIT_OTHER;
		goto out;
	}
	if (lab->router.present && lab->router.nat != NAT_NONE) {
		char ns[64];
		int fd = -1;

		err = topo_netns_name(lab, "router", ns, sizeof(ns));
		if (!err)
			err = netns_open(ns, &fd);
		if (!err)
			err = netns_enter(fd);
		if (!err)
			err = ct_watch_open(&w.ct);
		netns_enter_root();
		if (fd >= 0)
			close(fd);
		if (err) {
			cmd_err("cannot watch conntrack in %s: %s", ns, strerror(-err));
			code = EXIT_OTHER;
			goto out;
		}
	}
	if ((err = cmd_signals(&sigfd))) {
		cmd_err("cannot set up signal handling: %s", strerror(-err));
		code = EXIT_OTHER;
		goto out;
	}
	w.start_ns = mono_ns();
	if (live_new(lab, w.start_ns, &w.lv)) {
		code = EXIT_OTHER;
		goto out;
	}
	snprintf(what, sizeof(what), "lab %s", name);
	code = serve(port, what, &w.http);
	if (code)
		goto out;
	j = live_lab_json(w.lv);
	if (j)
		live_http_push(w.http, "lab", j);
	free(j);
	code = watch_loop(&w, name, dev, sigfd);
out:
	live_http_stop(w.http);
	live_free(w.lv);
	if (w.ct)
		ct_watch_close(w.ct);
	bpfpin_close(w.pins);
	topo_free(lab);
	return code;
}
