// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <microhttpd.h>
#include "report/live_http.h"
#include "report/live_page.h"

/* a stream with nothing to say sends a comment this often (proxies, dead peers) */
#define KEEPALIVE_S 10

struct live_http {
	struct MHD_Daemon *d;
	uint16_t port;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	char *msg[LIVE_HTTP_BACKLOG];  /* msg[seq % BACKLOG], seq < next */
	uint64_t next;
	int streams;
	bool stopping;
	char *hello;                   /* the "lab" event: first on every stream */
	char *page;                    /* GET / */
};

struct stream {
	struct live_http *h;
	bool hello_sent;
	uint64_t seq;                  /* next message to send */
	size_t off;                    /* bytes of it already sent */
};

static const char csp[] = "default-src 'none'; script-src 'self'; style-src 'self'; "
			  "connect-src 'self'; base-uri 'none'; form-action 'none'; "
			  "frame-ancestors 'none'";

static void headers(struct MHD_Response *r, const char *type)
{
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, "Content-Security-Policy", csp);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
			     const char *body)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body,
								 MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	headers(r, type);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* 127.0.0.1:PORT or localhost:PORT, nothing else: a page from another origin that makes
 * its own name resolve to 127.0.0.1 sends its own name */
static bool host_ok(const struct live_http *h, const char *host)
{
	char a[64], b[64];

	if (!host)
		return false;
	snprintf(a, sizeof(a), "127.0.0.1:%u", h->port);
	snprintf(b, sizeof(b), "localhost:%u", h->port);
	return !strcmp(host, a) || !strcmp(host, b);
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *s = cls;
	struct live_http *h = s->h;
	size_t n = 0;

	pthread_mutex_lock(&h->lock);
	if (!s->hello_sent && h->hello && strlen(h->hello) < max) {
		s->hello_sent = true;
		n = strlen(h->hello);
		memcpy(buf, h->hello, n);
		pthread_mutex_unlock(&h->lock);
		return n;
	}
	if (s->seq == h->next && !h->stopping) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += KEEPALIVE_S;
		while (s->seq == h->next && !h->stopping)
			if (pthread_cond_timedwait(&h->cond, &h->lock, &ts) == ETIMEDOUT)
				break;
	}
	if (s->seq == h->next) {	/* stopping: once everything pushed is sent */
		bool stop = h->stopping;

		pthread_mutex_unlock(&h->lock);
		if (stop)
			return MHD_CONTENT_READER_END_OF_STREAM;
		n = snprintf(buf, max, ": keepalive\n\n");
		return n < max ? (ssize_t)n : 0;
	}
	if (h->next - s->seq > LIVE_HTTP_BACKLOG) {	/* fell behind: the oldest kept */
		s->seq = h->next - LIVE_HTTP_BACKLOG;
		s->off = 0;
	}
	while (s->seq < h->next && n < max) {
		const char *m = h->msg[s->seq % LIVE_HTTP_BACKLOG];
		size_t len = strlen(m + s->off), k = len < max - n ? len : max - n;

		memcpy(buf + n, m + s->off, k);
		n += k;
		s->off += k;
		if (k == len) {
			s->seq++;
			s->off = 0;
		}
	}
	pthread_mutex_unlock(&h->lock);
	return n;
}

static void stream_free(void *cls)
{
	struct stream *s = cls;

	pthread_mutex_lock(&s->h->lock);
	s->h->streams--;
	pthread_mutex_unlock(&s->h->lock);
	free(s);
}

static enum MHD_Result events(struct live_http *h, struct MHD_Connection *c)
{
	struct MHD_Response *r;
	struct stream *s = calloc(1, sizeof(*s));
	enum MHD_Result ret;

	if (!s)
		return MHD_NO;
	pthread_mutex_lock(&h->lock);
	if (h->streams >= LIVE_HTTP_CLIENTS) {
		pthread_mutex_unlock(&h->lock);
		free(s);
		return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain", "too many viewers\n");
	}
	h->streams++;
	s->h = h;
	s->seq = h->next > LIVE_HTTP_BACKLOG ? h->next - LIVE_HTTP_BACKLOG : 0;
	pthread_mutex_unlock(&h->lock);
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_read, s,
					      stream_free);
	if (!r) {
		stream_free(s);
		return MHD_NO;
	}
	headers(r, "text/event-stream; charset=utf-8");
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **req)
{
	struct live_http *h = cls;
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);

	if (!host_ok(h, host))
		return reply(c, MHD_HTTP_FORBIDDEN, "text/plain", "forbidden: unexpected Host\n");
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", "GET only\n");
	if (!strcmp(url, "/"))
		return reply(c, MHD_HTTP_OK, "text/html; charset=utf-8", h->page);
	if (!strcmp(url, "/live.js"))
		return reply(c, MHD_HTTP_OK, "text/javascript; charset=utf-8", live_page_js());
	if (!strcmp(url, "/live.css"))
		return reply(c, MHD_HTTP_OK, "text/css; charset=utf-8", live_page_css());
	if (!strcmp(url, "/events"))
		return events(h, c);
	return reply(c, MHD_HTTP_NOT_FOUND, "text/plain", "not found\n");
}

int live_http_start(uint16_t port, struct live_http **ret, uint16_t *ret_port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	const union MHD_DaemonInfo *info;
	struct live_http *h = calloc(1, sizeof(*h));
	int err;

	if (!h)
		return -ENOMEM;
	h->page = live_page_html();
	if (!h->page) {
		free(h);
		return -ENOMEM;
	}
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->cond, NULL);
	/* one thread per connection: a stream's reader waits on the condition variable */
	errno = 0;
	h->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
					MHD_USE_ERROR_LOG,
				port, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR, &sa,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)(LIVE_HTTP_CLIENTS + 8),
				MHD_OPTION_CONNECTION_TIMEOUT, 0u, MHD_OPTION_END);
	if (!h->d) {
		err = errno ? -errno : -EADDRINUSE;
		free(h->page);
		free(h);
		return err;
	}
	info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info ? info->port : port;
	*ret = h;
	*ret_port = h->port;
	return 0;
}

void live_http_push(struct live_http *h, const char *event, const char *json)
{
	char *m;

	if (asprintf(&m, "event: %s\ndata: %s\n\n", event, json) < 0)
		return;
	pthread_mutex_lock(&h->lock);
	if (!strcmp(event, "lab")) {
		free(h->hello);
		h->hello = m;
		pthread_mutex_unlock(&h->lock);
		return;
	}
	free(h->msg[h->next % LIVE_HTTP_BACKLOG]);
	h->msg[h->next % LIVE_HTTP_BACKLOG] = m;
	h->next++;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
}

int live_http_streams(struct live_http *h)
{
	int n;

	pthread_mutex_lock(&h->lock);
	n = h->streams;
	pthread_mutex_unlock(&h->lock);
	return n;
}

void live_http_stop(struct live_http *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	h->stopping = true;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
	MHD_stop_daemon(h->d);
	for (size_t i = 0; i < LIVE_HTTP_BACKLOG; i++)
		free(h->msg[i]);
	free(h->hello);
	pthread_mutex_destroy(&h->lock);
	pthread_cond_destroy(&h->cond);
	free(h->page);
	free(h);
}
