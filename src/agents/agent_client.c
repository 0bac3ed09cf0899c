// SPDX-License-Identifier: GPL-2.0
/*
 * The client agent: attempts on a fixed grid (t0 + start + k * every), each a non-blocking
 * connect, one request, one response and a close by the policy. One epoll loop; a timerfd
 * armed at the next due time (an attempt to start or a deadline) so nothing waits on a
 * rounded millisecond timeout. Attempts overlap up to max_inflight; an attempt due while
 * all slots are busy starts as soon as one frees, unless the end has come by then.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>

#include "agents/agent.h"

#define CLIENT_DEFAULT_INFLIGHT 64
#define NS_PER_MS 1000000ull

enum slot_state { SLOT_FREE, SLOT_CONNECTING, SLOT_REQUEST, SLOT_RESPONSE, SLOT_WAIT_EOF };

struct slot {
	enum slot_state state;
	int fd;
	uint32_t seq;
	uint64_t t_start, t_conn;   /* ns, CLOCK_MONOTONIC */
	uint64_t deadline;
	unsigned int sent, got;
	char resp[sizeof(AGENT_RESPONSE) - 1];
	struct attempt_rec rec;
};

struct client {
	const struct agent_client_cfg *cfg;
	int rec_fd, ep, tfd, sfd;
	struct slot *slots;
	uint32_t n_slots, inflight;
	uint32_t next_seq;          /* the next attempt to start */
	bool more;                  /* attempts left to start */
	uint64_t end;               /* ns; UINT64_MAX: no time bound */
	int err;                    /* first fatal error (records pipe) */
};

enum { TAG_SIGNAL = 0, TAG_TIMER = 1, TAG_SLOT0 = 2 };

static uint64_t sched_ns(const struct client *c, uint32_t seq)
{
	return c->cfg->t0_ns + (c->cfg->start_ms + (uint64_t)seq * c->cfg->every_ms) * NS_PER_MS;
}

static uint64_t us_since_t0(const struct client *c, uint64_t t)
{
	return t > c->cfg->t0_ns ? (t - c->cfg->t0_ns) / 1000 : 0;
}

static void emit(struct client *c, struct attempt_rec *rec)
{
	ssize_t w;

	if (c->err)
		return;
	do
		w = write(c->rec_fd, rec, sizeof(*rec));
	while (w < 0 && errno == EINTR);
	if (w != sizeof(*rec))
		c->err = w < 0 ? -errno : -EIO;
}

static void read_retrans(struct slot *s)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(s->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0)
		s->rec.syn_retrans = ti.tcpi_total_retrans > 255 ? 255 : ti.tcpi_total_retrans;
}

static void finish(struct client *c, struct slot *s, enum attempt_outcome o, int err)
{
	s->rec.t_end_us = us_since_t0(c, agent_now_ns());
	s->rec.outcome = o;
	s->rec.err = o == ATT_OK ? 0 : err;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->state = SLOT_FREE;
	c->inflight--;
	emit(c, &s->rec);
}

static void fail(struct client *c, struct slot *s, int err)
{
	enum attempt_outcome o;

	switch (err) {
	case ECONNREFUSED:
		o = ATT_REFUSED;
		break;
	case ECONNRESET:
	case EPIPE:
		o = ATT_RESET;
		break;
	case ETIMEDOUT:
		o = ATT_TIMEOUT;
		break;
	default:
		o = ATT_ERROR;
		break;
	}
	finish(c, s, o, err);
}

static void set_events(struct client *c, struct slot *s, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u64 = TAG_SLOT0 + (s - c->slots) };

	if (epoll_ctl(c->ep, EPOLL_CTL_MOD, s->fd, &ev) < 0)
		fail(c, s, errno);
}

static void do_recv(struct client *c, struct slot *s);

static void do_send(struct client *c, struct slot *s)
{
	static const char req[] = AGENT_REQUEST;
	const unsigned int len = sizeof(req) - 1;
	ssize_t r;

	while (s->sent < len) {
		r = send(s->fd, req + s->sent, len - s->sent, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return;   /* still registered for EPOLLOUT, as while connecting */
		if (r <= 0) {
			fail(c, s, r < 0 ? errno : EIO);
			return;
		}
		s->sent += r;
	}
	s->state = SLOT_RESPONSE;
	set_events(c, s, EPOLLIN | EPOLLRDHUP);
	if (s->state == SLOT_RESPONSE)
		do_recv(c, s);
}

static void connected(struct client *c, struct slot *s)
{
	uint64_t now = agent_now_ns(), d = (now - s->t_start) / 1000;

	s->t_conn = now;
	s->rec.connect_us = d ? (d > UINT32_MAX ? UINT32_MAX : d) : 1;
	read_retrans(s);
	s->deadline = now + c->cfg->connect_timeout_ms * NS_PER_MS;
	s->state = SLOT_REQUEST;
	do_send(c, s);
}

static void drain(int fd)
{
	char buf[256];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

/* The response is complete. */
static void responded(struct client *c, struct slot *s)
{
	if (memcmp(s->resp, AGENT_RESPONSE, sizeof(s->resp))) {
		fail(c, s, EPROTO);
		return;
	}
	if (c->cfg->close == CLOSE_CLIENT) {
		/* the client closes first; unread bytes would turn the FIN into an RST */
		drain(s->fd);
		finish(c, s, ATT_OK, 0);
		return;
	}
	/* the server closes first: wait for its FIN, bounded like the response */
	s->state = SLOT_WAIT_EOF;
	s->deadline = agent_now_ns() + c->cfg->connect_timeout_ms * NS_PER_MS;
}

static void do_recv(struct client *c, struct slot *s)
{
	char buf[256];
	ssize_t r;
	size_t want;

	while (s->state == SLOT_RESPONSE || s->state == SLOT_WAIT_EOF) {
		if (s->state == SLOT_RESPONSE) {
			/* no further than the response: what follows is the FIN */
			want = sizeof(s->resp) - s->got;
			r = recv(s->fd, s->resp + s->got, want, MSG_DONTWAIT);
		} else {
			r = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return;
		if (r < 0) {
			fail(c, s, errno);
			return;
		}
		if (r == 0) {
			if (s->state == SLOT_WAIT_EOF)
				finish(c, s, ATT_OK, 0);
			else
				fail(c, s, EPROTO);   /* closed before a whole response */
			return;
		}
		if (s->state == SLOT_RESPONSE) {
			s->got += r;
			if (s->got == sizeof(s->resp))
				responded(c, s);
		}
	}
}

static void slot_event(struct client *c, struct slot *s, uint32_t events)
{
	socklen_t len;
	int err;

	switch (s->state) {
	case SLOT_FREE:
		return;
	case SLOT_CONNECTING:
		err = 0;
		len = sizeof(err);
		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			read_retrans(s);
			fail(c, s, err);
		} else if (events & EPOLLOUT) {
			connected(c, s);
		}
		return;
	case SLOT_REQUEST:
		do_send(c, s);
		return;
	case SLOT_RESPONSE:
	case SLOT_WAIT_EOF:
		do_recv(c, s);
		return;
	}
}

static void start_attempt(struct client *c)
{
	const struct agent_client_cfg *cfg = c->cfg;
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(cfg->server_port),
		.sin_addr.s_addr = htonl(cfg->server_addr),
	};
	struct sockaddr_in local;
	socklen_t len = sizeof(local);
	struct epoll_event ev;
	struct slot *s = NULL;
	uint32_t i;
	int r;

	for (i = 0; i < c->n_slots; i++) {
		if (c->slots[i].state == SLOT_FREE) {
			s = &c->slots[i];
			break;
		}
	}
	if (!s)
		return;   /* cannot happen: called only when inflight < n_slots */

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->seq = c->next_seq++;
	s->rec.client = cfg->index;
	s->rec.seq = s->seq;
	s->state = SLOT_CONNECTING;
	c->inflight++;

	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	r = s->fd < 0 ? errno : 0;
	s->t_start = agent_now_ns();
	s->rec.t_start_us = us_since_t0(c, s->t_start);
	s->deadline = s->t_start + cfg->connect_timeout_ms * NS_PER_MS;
	if (s->fd < 0) {
		fail(c, s, r);   /* EMFILE, ENOBUFS: this attempt fails, the schedule goes on */
		return;
	}
	r = connect(s->fd, (struct sockaddr *)&sin, sizeof(sin));
	if (r < 0 && errno != EINPROGRESS) {
		fail(c, s, errno);
		return;
	}
	if (getsockname(s->fd, (struct sockaddr *)&local, &len) == 0) {
		s->rec.local_addr = ntohl(local.sin_addr.s_addr);
		s->rec.local_port = ntohs(local.sin_port);
	}
	ev.events = EPOLLOUT;
	ev.data.u64 = TAG_SLOT0 + i;
	if (epoll_ctl(c->ep, EPOLL_CTL_ADD, s->fd, &ev) < 0) {
		fail(c, s, errno);
		return;
	}
	if (r == 0)
		connected(c, s);
}

static void expire(struct client *c, uint64_t now)
{
	uint32_t i;

	for (i = 0; i < c->n_slots; i++) {
		struct slot *s = &c->slots[i];

		if (s->state == SLOT_FREE || s->deadline > now)
			continue;
		if (s->state == SLOT_CONNECTING)
			read_retrans(s);
		fail(c, s, ETIMEDOUT);
	}
}

/* Start what is due; update c->more. */
static void start_due(struct client *c, uint64_t now)
{
	while (c->more && c->inflight < c->n_slots && !c->err) {
		if (c->cfg->count && c->next_seq >= c->cfg->count) {
			c->more = false;
			break;
		}
		if (sched_ns(c, c->next_seq) >= c->end || now >= c->end) {
			c->more = false;
			break;
		}
		if (sched_ns(c, c->next_seq) > now)
			break;
		start_attempt(c);
	}
	if (c->more && c->cfg->count && c->next_seq >= c->cfg->count)
		c->more = false;
}

static int arm_timer(struct client *c)
{
	struct itimerspec its = { 0 };
	uint64_t at = UINT64_MAX;
	uint32_t i;

	if (c->more && c->inflight < c->n_slots)
		at = sched_ns(c, c->next_seq);
	for (i = 0; i < c->n_slots; i++)
		if (c->slots[i].state != SLOT_FREE && c->slots[i].deadline < at)
			at = c->slots[i].deadline;
	if (at != UINT64_MAX) {
		if (!at)
			at = 1;   /* zero would disarm */
		its.it_value.tv_sec = at / 1000000000ull;
		its.it_value.tv_nsec = at % 1000000000ull;
	}
	if (timerfd_settime(c->tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		return -errno;
	return 0;
}

static void stop_all(struct client *c)
{
	uint32_t i;

	for (i = 0; i < c->n_slots; i++)
		if (c->slots[i].state != SLOT_FREE)
			finish(c, &c->slots[i], ATT_ERROR, EINTR);
}

static int run(struct client *c)
{
	struct epoll_event evs[64];
	struct signalfd_siginfo si;
	uint64_t ticks;
	int i, n, r;

	for (;;) {
		uint64_t now = agent_now_ns();

		expire(c, now);
		start_due(c, now);
		if (c->err)
			return c->err;
		if (!c->more && !c->inflight)
			return 0;
		r = arm_timer(c);
		if (r < 0)
			return r;
		n = epoll_wait(c->ep, evs, 64, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64;

			if (tag == TAG_SIGNAL) {
				if (read(c->sfd, &si, sizeof(si)) == sizeof(si)) {
					stop_all(c);
					return c->err ? c->err : (int)si.ssi_signo;
				}
			} else if (tag == TAG_TIMER) {
				if (read(c->tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
					return -errno;
			} else {
				/* slots are only taken in start_due(), never during a batch */
				slot_event(c, &c->slots[tag - TAG_SLOT0], evs[i].events);
			}
		}
	}
}

int agent_client_main(const struct agent_client_cfg *cfg, int rec_fd)
{
	struct client c = { .cfg = cfg, .rec_fd = rec_fd, .ep = -1, .tfd = -1, .sfd = -1 };
	struct epoll_event ev;
	uint32_t i;
	int r;

	if (!cfg->count && (!cfg->end_ms || !cfg->every_ms))
		return -EINVAL;
	c.n_slots = cfg->max_inflight ? cfg->max_inflight : CLIENT_DEFAULT_INFLIGHT;
	c.end = cfg->end_ms ? cfg->t0_ns + cfg->end_ms * NS_PER_MS : UINT64_MAX;
	c.more = true;
	c.slots = calloc(c.n_slots, sizeof(*c.slots));
	if (!c.slots)
		return -ENOMEM;
	for (i = 0; i < c.n_slots; i++)
		c.slots[i].fd = -1;

	agent_raise_nofile();
	c.sfd = agent_signalfd();
	if (c.sfd < 0) {
		r = c.sfd;
		goto out;
	}
	c.ep = epoll_create1(EPOLL_CLOEXEC);
	c.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (c.ep < 0 || c.tfd < 0) {
		r = -errno;
		goto out;
	}
	ev.events = EPOLLIN;
	ev.data.u64 = TAG_SIGNAL;
	if (epoll_ctl(c.ep, EPOLL_CTL_ADD, c.sfd, &ev) < 0) {
		r = -errno;
		goto out;
	}
	ev.data.u64 = TAG_TIMER;
	if (epoll_ctl(c.ep, EPOLL_CTL_ADD, c.tfd, &ev) < 0) {
		r = -errno;
		goto out;
	}
	r = run(&c);
out:
	for (i = 0; i < c.n_slots; i++)
		if (c.slots[i].fd >= 0)
			close(c.slots[i].fd);
	free(c.slots);
	if (c.ep >= 0)
		close(c.ep);
	if (c.tfd >= 0)
		close(c.tfd);
	if (c.sfd >= 0)
		close(c.sfd);
	return r;
}
