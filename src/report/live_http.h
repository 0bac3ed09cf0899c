/* SPDX-License-Identifier: GPL-2.0 */
/*
 * live_http: the live view's web server (libmicrohttpd), on 127.0.0.1 only. GET / is the page
 * (live_page.c, with its script and style as /live.js and /live.css: the Content-Security-Policy
 * allows nothing else, nothing from the network), GET /events the Server-Sent Events stream:
 * everything pushed so far (the newest LIVE_HTTP_BACKLOG), then each event as it is pushed.
 * A request whose Host is not this address (DNS rebinding) gets 403. At most LIVE_HTTP_CLIENTS
 * streams at once.
 */
#ifndef TWLAB_LIVE_HTTP_H
#define TWLAB_LIVE_HTTP_H

#include <stdint.h>

#define LIVE_HTTP_BACKLOG 2048
#define LIVE_HTTP_CLIENTS 8

struct live_http;

/* Listen on 127.0.0.1:port (0: a free port); *ret_port says which. 0 or a negative errno
 * (-EADDRINUSE when the port is taken). */
int live_http_start(uint16_t port, struct live_http **ret, uint16_t *ret_port);
/* Event "lab" (what the view shows, once) is kept apart: the first thing on every stream.
 * Any other: send "event: EVENT\ndata: JSON" to every stream, and keep it for streams opened
 * later.
 * Safe from any thread. */
void live_http_push(struct live_http *h, const char *event, const char *json);
/* How many streams are open now. */
int live_http_streams(struct live_http *h);
/* End every stream, once it has sent what was pushed, and stop. */
void live_http_stop(struct live_http *h);

#endif
