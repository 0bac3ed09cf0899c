// SPDX-License-Identifier: GPL-2.0
/*
 * The server agent: one epoll loop, many connections. Each connection reads a request line,
 * gets AGENT_RESPONSE and is closed by the policy: CLOSE_SERVER closes at once (the server
 * sends the first FIN and so holds TIME_WAIT), CLOSE_CLIENT waits for the client's FIN.
 * With hold_ms the server's own close() comes that much later: the connection is held, out of
 * the epoll set, on a second list (FIFO, since every hold has the same length). After a client's
 * FIN that leaves the client's orphaned socket in FIN_WAIT2, bounded by its tcp_fin_timeout.
 * Whatever is still unread is drained before close(): closing with unread data sends an RST
 * instead of a FIN and no TIME_WAIT would be left anywhere.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include "agents/agent.h"

#define SERVER_BACKLOG 4096
#define SERVER_MAX_CONNS 65536
#define SERVER_IDLE_NS (10ull * 1000000000ull)
#define SERVER_PAUSE_NS (100ull * 1000000ull)  /* accept paused on EMFILE: retry after */
#define SERVER_MAX_LINE 256                      /* a request line longer than this: closed */
#define SERVER_ACCEPT_BATCH 64                   /* accepts per listener event, see do_accept() */

enum conn_state { CONN_REQUEST, CONN_RESPONSE, CONN_WAIT_EOF, CONN_HOLD };

struct conn {
	int fd;
	enum conn_state state;
	unsigned int got;       /* request bytes so far */
	unsigned int sent;      /* response bytes so far */
	uint64_t deadline;      /* last activity + SERVER_IDLE_NS, or the end of a hold */
	struct conn *prev, *next;
};

struct conn_list {
	struct conn *head, *tail;
};

struct server {
	const struct agent_server_cfg *cfg;
	int ep, lfd, sfd;
	bool paused;
	uint64_t resume_at;
	/* conns ordered by deadline: activity moves one to the tail; held ones apart */
	struct conn_list live, held;
	unsigned int n;
};

/* epoll tags for the two non-connection fds */
static char tag_listen, tag_signal;

static void list_del(struct conn_list *s, struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		s->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		s->tail = c->prev;
	c->prev = c->next = NULL;
}

static void list_add_tail(struct conn_list *s, struct conn *c)
{
	c->prev = s->tail;
	c->next = NULL;
	if (s->tail)
		s->tail->next = c;
	else
		s->head = c;
	s->tail = c;
}

static void conn_touch(struct server *s, struct conn *c)
{
	c->deadline = agent_now_ns() + SERVER_IDLE_NS;
	list_del(&s->live, c);
	list_add_tail(&s->live, c);
}

static void drain(int fd)
{
	char buf[512];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

static void listen_resume(struct server *s)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &tag_listen };

	if (s->paused && epoll_ctl(s->ep, EPOLL_CTL_MOD, s->lfd, &ev) == 0)
		s->paused = false;
}

static void listen_pause(struct server *s)
{
	struct epoll_event ev = { .events = 0, .data.ptr = &tag_listen };

	if (!s->paused && epoll_ctl(s->ep, EPOLL_CTL_MOD, s->lfd, &ev) == 0) {
		s->paused = true;
		s->resume_at = agent_now_ns() + SERVER_PAUSE_NS;
	}
}

static void conn_close(struct server *s, struct conn *c)
{
	drain(c->fd);
	close(c->fd);   /* also leaves the epoll set */
	list_del(c->state == CONN_HOLD ? &s->held : &s->live, c);
	s->n--;
	free(c);
	listen_resume(s);
}

static int conn_set_events(struct server *s, struct conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	return epoll_ctl(s->ep, EPOLL_CTL_MOD, c->fd, &ev) < 0 ? -errno : 0;
}

/* The server's turn to close: now, or after hold_ms. */
static void conn_release(struct server *s, struct conn *c)
{
	if (!s->cfg->hold_ms || epoll_ctl(s->ep, EPOLL_CTL_DEL, c->fd, NULL) < 0) {
		conn_close(s, c);
		return;
	}
	list_del(&s->live, c);
	c->state = CONN_HOLD;
	c->deadline = agent_now_ns() + s->cfg->hold_ms * 1000000ull;
	list_add_tail(&s->held, c);
}

/* The response is written: close now, or wait for the client's FIN. */
static void conn_responded(struct server *s, struct conn *c)
{
	if (s->cfg->close == CLOSE_SERVER) {
		conn_release(s, c);
		return;
	}
	c->state = CONN_WAIT_EOF;
	if (conn_set_events(s, c, EPOLLIN | EPOLLRDHUP) < 0)
		conn_close(s, c);
}

static void conn_write(struct server *s, struct conn *c)
{
	static const char resp[] = AGENT_RESPONSE;
	const unsigned int len = sizeof(resp) - 1;
	ssize_t r;

	while (c->sent < len) {
		r = send(c->fd, resp + c->sent, len - c->sent, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN) {
			if (c->state != CONN_RESPONSE) {
				c->state = CONN_RESPONSE;
				if (conn_set_events(s, c, EPOLLOUT) < 0)
					conn_close(s, c);
			}
			return;
		}
		if (r <= 0) {
			conn_close(s, c);
			return;
		}
		c->sent += r;
	}
	conn_responded(s, c);
}

static void conn_read(struct server *s, struct conn *c)
{
	char buf[512];
	ssize_t r;

	for (;;) {
		r = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return;
		if (r == 0 && c->state == CONN_WAIT_EOF) {
			conn_release(s, c);   /* the client's FIN, as the policy wanted */
			return;
		}
		if (r <= 0) {
			/* EOF (a client that gives up before its request), or an error */
			conn_close(s, c);
			return;
		}
		if (c->state != CONN_REQUEST)
			continue;   /* waiting for EOF: anything else is discarded */
		if (memchr(buf, '\n', r)) {
			/* any line is a request; bytes after it are drained at close */
			conn_write(s, c);
			return;
		}
		c->got += r;
		if (c->got > SERVER_MAX_LINE) {
			conn_close(s, c);
			return;
		}
	}
}

static void conn_event(struct server *s, struct conn *c, uint32_t events)
{
	conn_touch(s, c);
	if (c->state == CONN_RESPONSE) {
		if (events & (EPOLLERR | EPOLLHUP))
			conn_close(s, c);
		else
			conn_write(s, c);
		return;
	}
	conn_read(s, c);
}

/* Accept at most SERVER_ACCEPT_BATCH connections, then go back to epoll_wait() (the listener
 * is level-triggered: what is left is reported again). Draining the queue until EAGAIN
 * starves the connections already held: one accepted before its request came waits for an
 * event, and under saturation the queue never empties, so it would wait until the load
 * stops, long after its client gave up. */
static void do_accept(struct server *s)
{
	struct epoll_event ev;
	unsigned int i;
	struct conn *c;
	int fd;

	for (i = 0; i < SERVER_ACCEPT_BATCH; i++) {
		if (s->n >= SERVER_MAX_CONNS) {
			listen_pause(s);
			return;
		}
		fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			int err = errno;

			/* a connection that died in the queue: take the next one */
			if (err == EINTR || err == ECONNABORTED || err == EPROTO)
				continue;
			/* out of fds or memory: stop accepting for a while, or it spins */
			if (err != EAGAIN)
				listen_pause(s);
			return;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			listen_pause(s);
			return;
		}
		c->fd = fd;
		c->state = CONN_REQUEST;
		ev.events = EPOLLIN | EPOLLRDHUP;
		ev.data.ptr = c;
		if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			free(c);
			listen_pause(s);
			return;
		}
		c->deadline = agent_now_ns() + SERVER_IDLE_NS;
		list_add_tail(&s->live, c);
		s->n++;
		/* the request is usually there already */
		conn_read(s, c);
	}
}

static int next_timeout_ms(struct server *s)
{
	uint64_t now = agent_now_ns(), at = UINT64_MAX;

	if (s->live.head)
		at = s->live.head->deadline;
	if (s->held.head && s->held.head->deadline < at)
		at = s->held.head->deadline;
	if (s->paused && s->resume_at < at)
		at = s->resume_at;
	if (at == UINT64_MAX)
		return -1;
	if (at <= now)
		return 0;
	return (int)((at - now + 999999) / 1000000);
}

static void expire(struct server *s)
{
	uint64_t now = agent_now_ns();

	while (s->live.head && s->live.head->deadline <= now)
		conn_close(s, s->live.head);
	while (s->held.head && s->held.head->deadline <= now)
		conn_close(s, s->held.head);
	if (s->paused && s->resume_at <= now)
		listen_resume(s);
}

static int server_listen(const struct agent_server_cfg *cfg)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(cfg->port),
		.sin_addr.s_addr = htonl(cfg->addr),
	};
	int fd, one = 1, r;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(fd, SERVER_BACKLOG) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

static int serve(struct server *s)
{
	struct epoll_event evs[256];
	struct signalfd_siginfo si;
	int i, n;

	for (;;) {
		n = epoll_wait(s->ep, evs, 256, next_timeout_ms(s));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;

			if (p == &tag_signal) {
				if (read(s->sfd, &si, sizeof(si)) == sizeof(si))
					return 0;
			} else if (p == &tag_listen) {
				do_accept(s);
			} else {
				conn_event(s, p, evs[i].events);
			}
		}
		/* a connection is freed only on its own event (once per batch) or in expire(),
		 * after the batch: no event above can name a freed one */
		expire(s);
	}
}

int agent_server_main(const struct agent_server_cfg *cfg, int ready_fd)
{
	struct server s = { .cfg = cfg, .ep = -1, .lfd = -1, .sfd = -1 };
	struct epoll_event ev;
	char byte = 'r';
	ssize_t w;
	int r;

	agent_raise_nofile();
	s.sfd = agent_signalfd();
	if (s.sfd < 0) {
		r = s.sfd;
		goto out;
	}
	s.lfd = server_listen(cfg);
	if (s.lfd < 0) {
		r = s.lfd;
		goto out;
	}
	s.ep = epoll_create1(EPOLL_CLOEXEC);
	if (s.ep < 0) {
		r = -errno;
		goto out;
	}
	ev.events = EPOLLIN;
	ev.data.ptr = &tag_listen;
	if (epoll_ctl(s.ep, EPOLL_CTL_ADD, s.lfd, &ev) < 0) {
		r = -errno;
		goto out;
	}
	ev.data.ptr = &tag_signal;
	if (epoll_ctl(s.ep, EPOLL_CTL_ADD, s.sfd, &ev) < 0) {
		r = -errno;
		goto out;
	}
	do
		w = write(ready_fd, &byte, 1);
	while (w < 0 && errno == EINTR);
	if (w != 1) {
		r = w < 0 ? -errno : -EIO;
		goto out;
	}
	close(ready_fd);
	ready_fd = -1;

	r = serve(&s);
	while (s.live.head)
		conn_close(&s, s.live.head);
	while (s.held.head)
		conn_close(&s, s.held.head);
out:
	if (ready_fd >= 0)
		close(ready_fd);
	if (s.ep >= 0)
		close(s.ep);
	if (s.lfd >= 0)
		close(s.lfd);
	if (s.sfd >= 0)
		close(s.sfd);
	return r;
}
