// SPDX-License-Identifier: GPL-2.0
/*
 * live: what the live view sends for each thing that happens (the drop attributed through the
 * NAT mapping to bob, with the report's reason and the client whose record did it), and its
 * web server on loopback: 403 for another Host, the page with its CSP, the event stream.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <cmocka.h>
#include <jansson.h>
#include "report/live.h"
#include "report/live_http.h"
#include "run/conntrack.h"
#include "topo/topo.h"

static const char topo_text[] =
	"[lab]\ndescription = two behind one address\n[server]\nport = 8080\nclose = server\n"
	"recycle = on\n[router]\nnat = masquerade\nport_mode = keep\n"
	"[client alice]\nuptime = 10d\n[client bob]\nuptime = 1h\n";

static struct lab *load(void)
{
	struct topo_err err;
	struct lab *lab;

	assert_int_equal(topo_load_buffer(topo_text, strlen(topo_text), "l.ini", "lv", &lab, &err), 0);
	return lab;
}

static json_t *parse(char *s)
{
	json_t *o;

	assert_non_null(s);
	o = json_loads(s, 0, NULL);
	free(s);
	assert_non_null(o);
	return o;
}

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	assert_non_null(s);
	return s;
}

/* what the router's conntrack says: inside client -> the address:port the server sees */
static json_t *nat(struct live *lv, const struct lab *lab, int c, uint16_t port)
{
	struct ct_entry e = { .orig_src = lab->clients[c].addr.addr,
			      .orig_dst = lab->server.addr.addr, .orig_sport = port,
			      .orig_dport = lab->server.port, .reply_dst = 0xc6336401,
			      .reply_dport = port };

	return parse(live_nat_json(lv, &e));
}

static void test_drop_names_bob_and_the_record_of_alice(void **state)
{
	struct lab *lab = load();
	struct recycle_event ev = { .t_ns = 2000000000ull, .saddr = htonl(0xc6336401),
				    .sport = 40000, .daddr = htonl(lab->server.addr.addr),
				    .dport = 8080, .kind = EV_RECORD_UPDATE, .tsval = 864000123 };
	const char *event;
	struct live *lv;
	json_t *o;

	assert_int_equal(live_new(lab, 1000000000ull, &lv), 0);
	o = nat(lv, lab, 0, 40000);
	assert_string_equal(str(o, "client"), "alice");
	json_decref(o);
	o = parse(live_gate_json(lv, &ev, -1, &event));
	assert_string_equal(event, "record");
	assert_string_equal(str(o, "client"), "alice");
	assert_string_equal(str(o, "kind"), "update");
	assert_true(json_real_value(json_object_get(o, "t")) == 1.0);
	json_decref(o);

	json_decref(nat(lv, lab, 1, 50000));
	ev = (struct recycle_event){ .t_ns = 3000000000ull, .rec_age_ns = 1000000000ull,
				     .saddr = htonl(0xc6336401), .sport = 50000,
				     .daddr = htonl(lab->server.addr.addr), .dport = 8080,
				     .kind = EV_SYN, .verdict = RV_DROP_PAWS, .has_record = 1,
				     .has_ts = 1, .tsval = 3600000, .rec_ts = 864000123 };
	o = parse(live_gate_json(lv, &ev, -1, &event));
	assert_string_equal(event, "syn");
	assert_string_equal(str(o, "client"), "bob");
	assert_string_equal(str(o, "verdict"), "dropped");
	assert_string_equal(str(o, "reason"), "paws");
	assert_string_equal(str(o, "recorded_by"), "alice");
	assert_int_equal(json_integer_value(json_object_get(o, "behind")), 864000123 - 3600000);
	assert_string_equal(str(o, "text"),
			    "bob: SYN 198.51.100.1:50000 dropped — TSval 3600000 is 860400123 behind "
			    "the value recorded from alice 1.0 s ago (window 60 s)");
	json_decref(o);

	/* alice's own SYN from the same address passes: no drop on her name */
	json_decref(nat(lv, lab, 0, 40002));
	ev.sport = 40002;
	ev.verdict = RV_PASS_IN_WINDOW;
	ev.tsval = 864000200;
	o = parse(live_gate_json(lv, &ev, -1, &event));
	assert_string_equal(str(o, "client"), "alice");
	assert_string_equal(str(o, "verdict"), "passed");
	json_decref(o);
	live_free(lv);
	topo_free(lab);
}

static void test_counters_only_when_they_change(void **state)
{
	struct lab *lab = load();
	uint64_t st[RS__MAX] = { [RS_SYN_SEEN] = 3, [RS_SYN_DROPPED] = 1 };
	struct live *lv;
	json_t *o;

	assert_int_equal(live_new(lab, 0, &lv), 0);
	o = parse(live_counters_json(lv, st));
	assert_int_equal(json_integer_value(json_object_get(o, "syn_dropped")), 1);
	json_decref(o);
	assert_null(live_counters_json(lv, st));
	st[RS_SYN_DROPPED] = 2;
	json_decref(parse(live_counters_json(lv, st)));
	o = parse(live_lab_json(lv));
	assert_string_equal(str(o, "lab"), "lv");
	assert_int_equal(json_array_size(json_object_get(o, "clients")), 2);
	json_decref(o);
	live_free(lv);
	topo_free(lab);
}

/* one request on loopback; what came back (until close or until want is in it) */
static void request(uint16_t port, const char *req, const char *want, char *buf, size_t len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { 5, 0 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	size_t n = 0;
	ssize_t k;

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	buf[0] = 0;
	while (n + 1 < len && (k = read(fd, buf + n, len - 1 - n)) > 0) {
		n += k;
		buf[n] = 0;
		if (want && strstr(buf, want))
			break;
	}
	close(fd);
}

static void test_http_host_page_and_stream(void **state)
{
	struct live_http *h;
	uint16_t port;
	char req[256], buf[16384];

	assert_int_equal(live_http_start(0, &h, &port), 0);
	assert_true(port > 0);
	request(port, "GET / HTTP/1.1\r\nHost: attacker.example\r\n\r\n", NULL, buf, sizeof(buf));
	assert_non_null(strstr(buf, "HTTP/1.1 403"));
	snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nConnection: close\r\n\r\n",
		 port);
	request(port, req, NULL, buf, sizeof(buf));
	assert_non_null(strstr(buf, "HTTP/1.1 200"));
	assert_non_null(strstr(buf, "Content-Security-Policy: default-src 'none'"));
	assert_non_null(strstr(buf, "id=\"strings\""));
	assert_null(strstr(buf, "http://"));	/* nothing from elsewhere */

	live_http_push(h, "lab", "{\"lab\":\"lv\"}");
	live_http_push(h, "syn", "{\"client\":\"bob\"}");
	snprintf(req, sizeof(req), "GET /events HTTP/1.0\r\nHost: localhost:%u\r\n\r\n", port);
	request(port, req, "event: syn\ndata: {\"client\":\"bob\"}\n\n", buf, sizeof(buf));
	assert_non_null(strstr(buf, "text/event-stream"));
	/* the lab first, then what was pushed before the stream opened (HTTP/1.0: not chunked) */
	assert_non_null(strstr(buf, "event: lab\ndata: {\"lab\":\"lv\"}\n\nevent: syn\n"));
	live_http_stop(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop_names_bob_and_the_record_of_alice),
		cmocka_unit_test(test_counters_only_when_they_change),
		cmocka_unit_test(test_http_host_page_and_stream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
