// SPDX-License-Identifier: GPL-2.0
/*
 * agents: the server and client agents talking over 127.0.0.1 in the test's own netns (no
 * root). Each agent runs in a forked child, as twlab runs them; every wait has a deadline.
 */
/* MODULES: agent agent_server agent_client */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "agents/agent.h"

#define LOOPBACK 0x7f000001u
#define MAX_RECS 512

static uint16_t free_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(LOOPBACK) };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

/* A listener the test holds itself: it never answers (connections wait in its queue). */
static int silent_listener(uint16_t port, int backlog)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(LOOPBACK),
	};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, backlog), 0);
	return fd;
}

static int connect_to(uint16_t port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(LOOPBACK),
	};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

/* Exit status of pid, waiting at most ms; -ETIMEDOUT (and the child killed) otherwise. */
static int wait_exit(pid_t pid, int ms)
{
	int pfd = syscall(SYS_pidfd_open, pid, 0), status, i;
	struct pollfd p;

	if (pfd < 0) {
		/* no pidfd (valgrind): look every 5 ms */
		for (i = 0; i < ms / 5 + 1; i++) {
			if (waitpid(pid, &status, WNOHANG) == pid)
				return status;
			poll(NULL, 0, 5);
		}
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return -ETIMEDOUT;
	}
	p.fd = pfd;
	p.events = POLLIN;
	if (poll(&p, 1, ms) != 1) {
		close(pfd);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return -ETIMEDOUT;
	}
	close(pfd);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void assert_clean_exit(pid_t pid, int ms)
{
	int status = wait_exit(pid, ms);

	assert_int_not_equal(status, -ETIMEDOUT);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* In a child: die with the test, so a failed assertion leaves no agent behind. */
static void child_init(pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
}

static pid_t start_server(uint16_t port, enum close_policy close_policy)
{
	struct agent_server_cfg cfg = { .addr = LOOPBACK, .port = port, .close = close_policy };
	struct pollfd p;
	int fds[2];
	pid_t pid, parent = getpid();
	char byte;

	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		child_init(parent);
		close(fds[0]);
		_exit(agent_server_main(&cfg, fds[1]) ? 1 : 0);
	}
	close(fds[1]);
	p.fd = fds[0];
	p.events = POLLIN;
	assert_int_equal(poll(&p, 1, 3000), 1);
	assert_int_equal(read(fds[0], &byte, 1), 1);
	close(fds[0]);
	return pid;
}

static void stop_server(pid_t pid)
{
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_clean_exit(pid, 3000);
}

static uint64_t now_ns(void)
{
	return agent_now_ns();
}

static struct agent_client_cfg client_cfg(uint16_t port, enum close_policy close_policy)
{
	return (struct agent_client_cfg){
		.index = 7,
		.server_addr = LOOPBACK,
		.server_port = port,
		.close = close_policy,
		.t0_ns = now_ns(),
		.connect_timeout_ms = 2000,
		.end_ms = 10000,
	};
}

static pid_t spawn_client(const struct agent_client_cfg *cfg, int *ret_rfd)
{
	pid_t pid, parent = getpid();
	int fds[2];

	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		child_init(parent);
		close(fds[0]);
		int r = agent_client_main(cfg, fds[1]);

		/* stopped by a signal: 100 + its number */
		_exit(r < 0 ? 1 : r > 0 ? 100 + r : 0);
	}
	close(fds[1]);
	*ret_rfd = fds[0];
	return pid;
}

/* Read records from rfd until EOF, or until want have come when want > 0; deadline in ms. */
static size_t read_recs(int rfd, struct attempt_rec *recs, size_t want, int ms)
{
	uint64_t end = now_ns() + (uint64_t)ms * 1000000;
	size_t got = 0;
	char *buf = (char *)recs;

	for (;;) {
		struct pollfd p = { .fd = rfd, .events = POLLIN };
		uint64_t now = now_ns();
		ssize_t n;

		if (want && got / sizeof(*recs) >= want)
			break;
		assert_true(now < end);
		assert_int_equal(poll(&p, 1, (int)((end - now) / 1000000) + 1), 1);
		n = read(rfd, buf + got, MAX_RECS * sizeof(*recs) - got);
		assert_true(n >= 0);
		if (n == 0)
			break;
		got += n;
	}
	assert_int_equal(got % sizeof(*recs), 0);
	return got / sizeof(*recs);
}

static int rec_cmp(const void *a, const void *b)
{
	const struct attempt_rec *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Run a client to its end: its records sorted by seq; the client must exit 0. */
static size_t run_client(const struct agent_client_cfg *cfg, struct attempt_rec *recs, int ms)
{
	size_t n;
	pid_t pid;
	int rfd;

	pid = spawn_client(cfg, &rfd);
	n = read_recs(rfd, recs, 0, ms);
	close(rfd);
	assert_clean_exit(pid, 2000);
	qsort(recs, n, sizeof(*recs), rec_cmp);
	return n;
}

/* TIME_WAIT entries in /proc/net/tcp with these ports (0: any). */
static int count_tw(uint16_t local_port, uint16_t rem_port)
{
	FILE *f = fopen("/proc/net/tcp", "re");
	unsigned int la, lp, ra, rp, st;
	char line[512];
	int n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %*u: %x:%x %x:%x %x", &la, &lp, &ra, &rp, &st) != 5)
			continue;
		if (st == 0x06 && lp == local_port && (!rem_port || rp == rem_port))
			n++;
	}
	fclose(f);
	return n;
}

/* Wait (bounded) until the TIME_WAIT entry shows: loopback delivers the last FIN within
 * the closing call, so this normally holds at once. */
static bool wait_tw(uint16_t local_port, uint16_t rem_port)
{
	int i;

	for (i = 0; i < 200; i++) {
		if (count_tw(local_port, rem_port))
			return true;
		poll(NULL, 0, 5);
	}
	return false;
}

static void assert_ok_series(const struct attempt_rec *r, size_t n, uint64_t every_us)
{
	size_t i;

	for (i = 0; i < n; i++) {
		assert_int_equal(r[i].client, 7);
		assert_int_equal(r[i].seq, i);
		assert_int_equal(r[i].outcome, ATT_OK);
		assert_int_equal(r[i].err, 0);
		assert_int_not_equal(r[i].local_port, 0);
		assert_int_equal(r[i].local_addr, LOOPBACK);
		assert_true(r[i].connect_us > 0);
		assert_true(r[i].connect_us < 1000000);
		assert_true(r[i].t_end_us >= r[i].t_start_us + r[i].connect_us);
		/* on the grid, never early */
		assert_true(r[i].t_start_us >= i * every_us);
		if (i)
			assert_true(r[i].t_start_us > r[i - 1].t_start_us);
	}
}

static void test_count_close_server(void **state)
{
	struct attempt_rec recs[MAX_RECS];
	uint16_t port = free_port();
	pid_t srv = start_server(port, CLOSE_SERVER);
	struct agent_client_cfg cfg = client_cfg(port, CLOSE_SERVER);
	size_t n, i;

	cfg.count = 5;
	cfg.every_ms = 20;
	n = run_client(&cfg, recs, 5000);
	assert_int_equal(n, 5);
	assert_ok_series(recs, n, 20000);
	/* 5 attempts 20 ms apart: the last starts near 80 ms, not seconds later */
	assert_true(recs[4].t_start_us < 80000 + 500000);
	/* the server closed first: TIME_WAIT is on its side, none on the client's */
	for (i = 0; i < n; i++) {
		assert_true(wait_tw(port, recs[i].local_port));
		assert_int_equal(count_tw(recs[i].local_port, port), 0);
	}
	stop_server(srv);
}

static void test_count_close_client(void **state)
{
	struct attempt_rec recs[MAX_RECS];
	uint16_t port = free_port();
	pid_t srv = start_server(port, CLOSE_CLIENT);
	struct agent_client_cfg cfg = client_cfg(port, CLOSE_CLIENT);
	size_t n, i;

	cfg.count = 5;
	cfg.every_ms = 20;
	n = run_client(&cfg, recs, 5000);
	assert_int_equal(n, 5);
	assert_ok_series(recs, n, 20000);
	/* the client closed first: TIME_WAIT on the client's port, none on the server's */
	for (i = 0; i < n; i++) {
		assert_true(wait_tw(recs[i].local_port, port));
		assert_int_equal(count_tw(port, recs[i].local_port), 0);
	}
	stop_server(srv);
}

/* The server's socket of the connection server_port <-> peer_port has been accept()ed: in
 * /proc/net/tcp a connection still in the accept queue has no inode yet. */
static bool accepted(uint16_t server_port, uint16_t peer_port)
{
	FILE *f = fopen("/proc/net/tcp", "re");
	unsigned int la, lp, ra, rp, st;
	unsigned long ino;
	bool found = false;
	char line[512];

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %*u: %x:%x %x:%x %x %*x:%*x %*x:%*x %*x %*u %*u %lu", &la, &lp,
			   &ra, &rp, &st, &ino) != 6)
			continue;
		if (lp == server_port && rp == peer_port && st == 0x01 && ino)
			found = true;
	}
	fclose(f);
	return found;
}

/* The process's state letter in /proc/PID/stat ('S' sleeping, 'T' stopped, ...). */
static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n > 0);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	assert_non_null(p);
	return p[2];
}

static bool wait_state(pid_t pid, char state)
{
	int i;

	for (i = 0; i < 600; i++) {
		if (proc_state(pid) == state)
			return true;
		poll(NULL, 0, 5);
	}
	return false;
}

/* A connection with SO_TIMESTAMPNS: each received segment carries its arrival time. */
static int connect_ts(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(LOOPBACK),
	};

	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)), 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

static uint16_t local_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	return ntohs(sin.sin_port);
}

/* Read the whole response (bounded wait), return when its segment arrived, in ns. */
static uint64_t recv_response_ts(int fd)
{
	char buf[sizeof(AGENT_RESPONSE) - 1], ctl[CMSG_SPACE(sizeof(struct timespec))];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl),
	};
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct cmsghdr *cm;
	struct timespec ts = { 0 };
	ssize_t n;

	assert_int_equal(poll(&p, 1, 5000), 1);
	n = recvmsg(fd, &msg, MSG_WAITALL);
	assert_int_equal(n, sizeof(buf));
	assert_memory_equal(buf, AGENT_RESPONSE, sizeof(buf));
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS)
			memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
	assert_true(ts.tv_sec != 0);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#define FLOOD 512

/* A server kept busy accepting still serves the connections it already holds. A connection
 * accepted before its request came waits for an epoll event; if the server drained its
 * accept queue in one go, a queue that never empties (saturation) would starve it until the
 * load stops, and its client would time out with the response never sent. Here: A is
 * accepted and idle, the server is stopped, FLOOD connections with their requests are queued
 * behind the listener, then A sends its request. Once resumed, the server must answer A
 * long before it has worked through the whole queue. */
static void test_server_accept_fairness(void **state)
{
	uint16_t port = free_port();
	pid_t srv = start_server(port, CLOSE_SERVER);
	static const char req[] = AGENT_REQUEST;
	int a, flood[FLOOD], i, later = 0;
	uint64_t t_a;

	agent_raise_nofile();
	a = connect_ts(port);
	for (i = 0; i < 600 && !accepted(port, local_port(a)); i++)
		poll(NULL, 0, 5);
	assert_true(accepted(port, local_port(a)));
	/* it read nothing from A and waits in epoll_wait() for more */
	assert_true(wait_state(srv, 'S'));
	assert_int_equal(kill(srv, SIGSTOP), 0);
	assert_true(wait_state(srv, 'T'));

	for (i = 0; i < FLOOD; i++) {
		flood[i] = connect_ts(port);
		assert_int_equal(send(flood[i], req, sizeof(req) - 1, 0), sizeof(req) - 1);
	}
	assert_int_equal(send(a, req, sizeof(req) - 1, 0), sizeof(req) - 1);
	assert_int_equal(kill(srv, SIGCONT), 0);

	/* compare arrival times, not when this test got to look */
	t_a = recv_response_ts(a);
	for (i = 0; i < FLOOD; i++) {
		if (recv_response_ts(flood[i]) > t_a)
			later++;
		close(flood[i]);
	}
	close(a);
	/* draining the queue first answers A last (later == 0); A must be near the front */
	assert_true(later >= FLOOD / 2);
	stop_server(srv);
}

static void test_refused(void **state)
{
	struct attempt_rec recs[MAX_RECS];
	struct agent_client_cfg cfg = client_cfg(free_port(), CLOSE_SERVER);
	size_t n, i;

	cfg.count = 3;
	cfg.every_ms = 10;
	n = run_client(&cfg, recs, 5000);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++) {
		assert_int_equal(recs[i].seq, i);
		assert_int_equal(recs[i].outcome, ATT_REFUSED);
		assert_int_equal(recs[i].err, ECONNREFUSED);
		assert_int_equal(recs[i].connect_us, 0);
		assert_int_not_equal(recs[i].local_port, 0);
	}
	assert_string_equal(agent_outcome_str(recs[0].outcome), "refused");
}

static void test_server_sigterm(void **state)
{
	uint16_t port = free_port();
	pid_t srv = start_server(port, CLOSE_CLIENT);
	int idle = connect_to(port);   /* a connection that never sends its request */
	int again;

	stop_server(srv);
	close(idle);
	/* the port is free again: the listener is gone */
	again = silent_listener(port, 1);
	close(again);
}

/* A peer that connects and says nothing does not hold up anyone else. */
static void test_server_idle_peer_and_many(void **state)
{
	struct attempt_rec recs[MAX_RECS];
	uint16_t port = free_port();
	pid_t srv = start_server(port, CLOSE_SERVER);
	struct agent_client_cfg cfg = client_cfg(port, CLOSE_SERVER);
	int idle = connect_to(port);
	size_t n, i;

	/* 200 attempts at once, 64 at a time */
	cfg.count = 200;
	cfg.every_ms = 0;
	n = run_client(&cfg, recs, 10000);
	assert_int_equal(n, 200);
	for (i = 0; i < n; i++) {
		assert_int_equal(recs[i].seq, i);
		assert_int_equal(recs[i].outcome, ATT_OK);
	}
	close(idle);
	stop_server(srv);
}

static void test_until_end(void **state)
{
	struct attempt_rec recs[MAX_RECS];
	uint16_t port = free_port();
	pid_t srv = start_server(port, CLOSE_SERVER);
	struct agent_client_cfg cfg = client_cfg(port, CLOSE_SERVER);
	size_t n, i;

	/* count = 0: until end_ms; 0, 100, .. 500 start, 600 would be after the end (the
	 * margins are wide: a loaded machine may wake the client late) */
	cfg.every_ms = 100;
	cfg.end_ms = 580;
	n = run_client(&cfg, recs, 5000);
	assert_int_equal(n, 6);
	assert_ok_series(recs, n, 100000);
	for (i = 0; i < n; i++)
		assert_true(recs[i].t_start_us < 580000);

	/* a start offset: 100, 150, 200, 250; and the end is exclusive (300 is not started) */
	cfg = client_cfg(port, CLOSE_SERVER);
	cfg.start_ms = 100;
	cfg.every_ms = 50;
	cfg.end_ms = 300;
	n = run_client(&cfg, recs, 5000);
	assert_int_equal(n, 4);
	for (i = 0; i < n; i++) {
		assert_int_equal(recs[i].outcome, ATT_OK);
		assert_true(recs[i].t_start_us >= 100000 + i * 50000);
		assert_true(recs[i].t_start_us < 300000);
	}

	/* count wins over a later end */
	cfg = client_cfg(port, CLOSE_SERVER);
	cfg.every_ms = 10;
	cfg.count = 3;
	n = run_client(&cfg, recs, 5000);
	assert_int_equal(n, 3);

	/* a schedule without an end is refused */
	cfg.count = 0;
	cfg.end_ms = 0;
	assert_int_equal(agent_client_main(&cfg, -1), -EINVAL);
	stop_server(srv);
}

/* A server that never answers: every attempt connects, then waits for a response that does
 * not come. They overlap (20 ms apart, 300 ms each) and end as timeouts. */
static void test_overlap_and_response_timeout(void **state)
{
	struct attempt_rec recs[MAX_RECS];
	uint16_t port = free_port();
	int lfd = silent_listener(port, 64);
	struct agent_client_cfg cfg = client_cfg(port, CLOSE_SERVER);
	size_t n, i;

	cfg.count = 5;
	cfg.every_ms = 20;
	cfg.connect_timeout_ms = 300;
	n = run_client(&cfg, recs, 5000);
	assert_int_equal(n, 5);
	for (i = 0; i < n; i++) {
		assert_int_equal(recs[i].outcome, ATT_TIMEOUT);
		assert_int_equal(recs[i].err, ETIMEDOUT);
		assert_true(recs[i].connect_us > 0);
		/* the response deadline counts from the connect */
		assert_true(recs[i].t_end_us >= recs[i].t_start_us + recs[i].connect_us + 300000);
		/* started on the grid while the earlier ones were still waiting */
		assert_true(recs[i].t_start_us >= i * 20000);
		if (i)
			assert_true(recs[i].t_start_us < recs[i - 1].t_end_us);
	}

	/* max_inflight = 2: the third attempt waits for the first to end */
	cfg = client_cfg(port, CLOSE_SERVER);
	cfg.count = 3;
	cfg.every_ms = 10;
	cfg.connect_timeout_ms = 200;
	cfg.max_inflight = 2;
	n = run_client(&cfg, recs, 5000);
	assert_int_equal(n, 3);
	assert_true(recs[1].t_start_us < recs[0].t_end_us);
	assert_true(recs[2].t_start_us >= recs[0].t_end_us);

	/* one at a time past the end: attempts due every 10 ms, each lasting 150 ms, start
	 * one after the other while before the end, and none at or after it (normally two:
	 * 0 to >= 150 ms, 1 to >= 300 ms; fewer when the machine is slow to start the child) */
	cfg = client_cfg(port, CLOSE_SERVER);
	cfg.every_ms = 10;
	cfg.end_ms = 300;
	cfg.connect_timeout_ms = 150;
	cfg.max_inflight = 1;
	n = run_client(&cfg, recs, 5000);
	assert_true(n >= 1 && n <= 2);
	for (i = 0; i < n; i++) {
		assert_true(recs[i].t_start_us < 300000);
		if (i)
			assert_true(recs[i].t_start_us >= recs[i - 1].t_end_us);
	}
	assert_true(recs[n - 1].t_end_us >= 300000);
	close(lfd);
}

/* The accept queue full: SYNs are dropped, the connect never completes. */
static void test_connect_timeout(void **state)
{
	struct attempt_rec recs[MAX_RECS];
	uint16_t port = free_port();
	int lfd = silent_listener(port, 0);
	int filler = connect_to(port);   /* backlog 0 holds one */
	struct agent_client_cfg cfg = client_cfg(port, CLOSE_SERVER);
	size_t n;

	/* the first SYN retransmission comes after about 1 s */
	cfg.count = 1;
	cfg.connect_timeout_ms = 1400;
	n = run_client(&cfg, recs, 5000);
	assert_int_equal(n, 1);
	assert_int_equal(recs[0].outcome, ATT_TIMEOUT);
	assert_int_equal(recs[0].err, ETIMEDOUT);
	assert_int_equal(recs[0].connect_us, 0);
	assert_true(recs[0].syn_retrans >= 1);
	assert_true(recs[0].t_end_us - recs[0].t_start_us >= 1400000);
	assert_int_not_equal(recs[0].local_port, 0);
	close(filler);
	close(lfd);
}

/* SIGTERM while attempts wait for responses: they are recorded as errors (EINTR), and the
 * agent returns SIGTERM (its schedule did not complete). */
static void test_client_sigterm(void **state)
{
	struct attempt_rec recs[MAX_RECS];
	uint16_t port = free_port();
	int lfd = silent_listener(port, 64), conns[3];
	struct agent_client_cfg cfg = client_cfg(port, CLOSE_SERVER);
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	size_t n, i;
	pid_t pid;
	int rfd, status;

	cfg.count = 3;
	cfg.every_ms = 0;
	cfg.connect_timeout_ms = 10000;
	pid = spawn_client(&cfg, &rfd);
	/* all three established (accepted here, never answered) */
	for (i = 0; i < 3; i++) {
		assert_int_equal(poll(&p, 1, 3000), 1);
		conns[i] = accept(lfd, NULL, NULL);
		assert_true(conns[i] >= 0);
	}
	assert_int_equal(kill(pid, SIGTERM), 0);
	n = read_recs(rfd, recs, 0, 3000);
	close(rfd);
	status = wait_exit(pid, 2000);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 100 + SIGTERM);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++) {
		assert_int_equal(recs[i].outcome, ATT_ERROR);
		assert_int_equal(recs[i].err, EINTR);
		assert_true(recs[i].t_end_us < 5000000);
		close(conns[i]);
	}
	close(lfd);
}

static void test_outcome_str(void **state)
{
	assert_string_equal(agent_outcome_str(ATT_OK), "ok");
	assert_string_equal(agent_outcome_str(ATT_TIMEOUT), "timeout");
	assert_string_equal(agent_outcome_str(ATT_REFUSED), "refused");
	assert_string_equal(agent_outcome_str(ATT_RESET), "reset");
	assert_string_equal(agent_outcome_str(ATT_ERROR), "error");
	assert_string_equal(agent_outcome_str(ATT__MAX), "unknown");
	assert_true(sizeof(struct attempt_rec) <= PIPE_BUF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outcome_str),
		cmocka_unit_test(test_count_close_server),
		cmocka_unit_test(test_count_close_client),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_server_sigterm),
		cmocka_unit_test(test_server_idle_peer_and_many),
		cmocka_unit_test(test_server_accept_fairness),
		cmocka_unit_test(test_until_end),
		cmocka_unit_test(test_overlap_and_response_timeout),
		cmocka_unit_test(test_connect_timeout),
		cmocka_unit_test(test_client_sigterm),
	};

	/* the agents write to pipes whose reader may be gone */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
