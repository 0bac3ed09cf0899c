/* MODULES: topo value keys kver model */
// SPDX-License-Identifier: GPL-2.0
/* topo: topology files in, struct lab or a precise error out. No root needed. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "topo/topo.h"

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((c) << 8) | (d))

static struct lab *load_named(const char *text, const char *fname, const char *name_override)
{
	struct lab *lab = NULL;
	struct topo_err err = { 0 };
	int r;

	r = topo_load_buffer(text, strlen(text), fname, name_override, &lab, &err);
	if (r)
		print_error("unexpected error %d: %s:%d: [%s] %s\n", r, err.file, err.line, err.key,
			    err.msg);
	assert_int_equal(r, 0);
	assert_non_null(lab);
	return lab;
}

static struct lab *load(const char *text)
{
	return load_named(text, "test.ini", NULL);
}

/* The error text must name the line and key and contain msg; nothing is returned. */
static void bad_named(const char *text, const char *fname, int ret, int line, const char *key,
		      const char *msg)
{
	struct lab *sentinel = (struct lab *)0x1, *lab = sentinel;
	struct topo_err err;
	int r;

	memset(&err, 0, sizeof(err));
	r = topo_load_buffer(text, strlen(text), fname, NULL, &lab, &err);
	if (r != ret || err.line != line || strcmp(err.key, key) || !strstr(err.msg, msg))
		print_error("got %d %s:%d [%s] %s\nwanted %d line %d [%s] ~ %s\n", r, err.file,
			    err.line, err.key, err.msg, ret, line, key, msg);
	assert_int_equal(r, ret);
	assert_ptr_equal(lab, sentinel);
	assert_string_equal(err.file, fname);
	assert_int_equal(err.line, line);
	assert_string_equal(err.key, key);
	assert_non_null(strstr(err.msg, msg));
}

static void bad(const char *text, int line, const char *key, const char *msg)
{
	bad_named(text, "test.ini", -EINVAL, line, key, msg);
}

#define MIN "[server]\n[client a]\n"

/* ---- good files ---- */

static void test_defaults(void **state)
{
	struct lab *lab = load_named(MIN, "topologies/my-lab.ini", NULL);
	const struct lab_client *c = &lab->clients[0];

	assert_string_equal(lab->name, "my-lab");
	assert_string_equal(lab->file, "topologies/my-lab.ini");
	assert_null(lab->description);
	assert_int_equal(lab->duration_ms, 5000);
	assert_int_equal(lab->seed, 1);
	assert_int_equal(lab->server.line, 1);
	assert_int_equal(lab->server.port, 8080);
	assert_int_equal(lab->server.close, CLOSE_SERVER);
	assert_false(lab->server.recycle);
	assert_int_equal(lab->server.paws_msl_ms, 60000);
	assert_int_equal(lab->server.paws_window, 1);
	assert_int_equal(lab->server.ts_mode, TS_KERNEL);
	assert_null(lab->server.command);
	assert_int_equal(lab->server.sysctls.n, 0);
	assert_false(lab->router.present);
	assert_int_equal(lab->n_expects, 0);

	assert_int_equal(lab->n_clients, 1);
	assert_string_equal(c->name, "a");
	assert_int_equal(c->line, 2);
	assert_int_equal(c->index, 0);
	assert_int_equal(c->ts_mode, TS_SHARED);
	assert_false(c->has_uptime);
	assert_false(c->has_ts_offset);
	assert_false(c->ts_random);
	assert_int_equal(c->start_ms, 0);
	assert_int_equal(c->every_ms, 1000);
	assert_int_equal(c->count, 0);
	assert_int_equal(c->connect_timeout_ms, 2000);
	assert_null(c->command);
	assert_int_equal(topo_client_ts_offset(lab, c, 123456), 0);
	topo_free(lab);
}

static void test_router_defaults(void **state)
{
	struct lab *lab = load("[server]\n[router]\n[client a]\n");

	assert_true(lab->router.present);
	assert_int_equal(lab->router.line, 2);
	assert_int_equal(lab->router.nat, NAT_MASQUERADE);
	assert_int_equal(lab->router.port_lo, 0);
	assert_int_equal(lab->router.port_hi, 0);
	assert_int_equal(lab->router.port_mode, PORT_KEEP);
	topo_free(lab);
}

static const char every_key[] =
	"[lab]\n"
	"name = every-key\n"
	"duration = 90s\n"
	"seed = 0x2a\n"
	"description = all the keys\n"
	"[server]\n"
	"port = 80\n"
	"close = client\n"
	"recycle = yes\n"
	"paws_msl = 30s\n"
	"paws_window = 2147483647\n"
	"timestamps = off\n"
	"command = nginx -g 'daemon off;' \"-c\" /etc/nginx.conf\n"
	"sysctl.net.ipv4.tcp_rfc1337 = 1\n"
	"sysctl.net.ipv4.tcp_fin_timeout = 10\n"
	"[router]\n"
	"nat = snat\n"
	"ports = 1024-2047\n"
	"port_mode = fully-random\n"
	"sysctl.net.netfilter.nf_conntrack_tcp_loose = 0\n"
	"[client alice]\n"
	"timestamps = offset\n"
	"uptime = 10d\n"
	"command = curl -s http://198.51.100.2/\n"
	"user = nobody\n"
	"sysctl.net.ipv4.tcp_syn_retries = 2\n"
	"[client bob]\n"
	"ts_offset = 1000\n"
	"start = 250ms\n"
	"every = 5m\n"
	"count = 1000000\n"
	"connect_timeout = 10m\n"
	"replicas = 1\n"
	"[expect]\n"
	"client.bob.syn_dropped = > 0\n";

static void test_every_key(void **state)
{
	struct lab *lab = load(every_key);
	const struct lab_client *a, *b;

	assert_string_equal(lab->name, "every-key");
	assert_int_equal(lab->duration_ms, 90000);
	assert_int_equal(lab->seed, 42);
	assert_string_equal(lab->description, "all the keys");

	assert_int_equal(lab->server.line, 6);
	assert_int_equal(lab->server.port, 80);
	assert_int_equal(lab->server.close, CLOSE_CLIENT);
	assert_true(lab->server.recycle);
	assert_int_equal(lab->server.paws_msl_ms, 30000);
	assert_int_equal(lab->server.paws_window, INT32_MAX);
	assert_int_equal(lab->server.ts_mode, TS_OFF);
	assert_string_equal(lab->server.command[0], "nginx");
	assert_string_equal(lab->server.command[1], "-g");
	assert_string_equal(lab->server.command[2], "daemon off;");
	assert_string_equal(lab->server.command[3], "-c");
	assert_string_equal(lab->server.command[4], "/etc/nginx.conf");
	assert_null(lab->server.command[5]);
	assert_string_equal(lab->server.command_text,
			    "nginx -g 'daemon off;' \"-c\" /etc/nginx.conf");
	assert_int_equal(lab->server.sysctls.n, 2);
	assert_string_equal(lab->server.sysctls.v[0].name, "net.ipv4.tcp_rfc1337");
	assert_string_equal(lab->server.sysctls.v[0].value, "1");
	assert_int_equal(lab->server.sysctls.v[0].line, 14);
	assert_string_equal(lab->server.sysctls.v[1].name, "net.ipv4.tcp_fin_timeout");
	assert_string_equal(lab->server.sysctls.v[1].value, "10");

	assert_true(lab->router.present);
	assert_int_equal(lab->router.nat, NAT_SNAT);
	assert_int_equal(lab->router.port_lo, 1024);
	assert_int_equal(lab->router.port_hi, 2047);
	assert_int_equal(lab->router.port_mode, PORT_FULLY_RANDOM);
	assert_int_equal(lab->router.sysctls.n, 1);
	assert_string_equal(lab->router.sysctls.v[0].name, "net.netfilter.nf_conntrack_tcp_loose");
	assert_string_equal(lab->router.sysctls.v[0].value, "0");

	assert_int_equal(lab->n_clients, 2);
	a = topo_client(lab, "alice");
	b = topo_client(lab, "bob");
	assert_ptr_equal(a, &lab->clients[0]);
	assert_ptr_equal(b, &lab->clients[1]);
	assert_int_equal(a->line, 21);
	assert_int_equal(a->ts_mode, TS_OFFSET);
	assert_true(a->has_uptime);
	assert_int_equal(a->uptime_ms, 10ULL * 86400000);
	assert_int_equal(b->start_ms, 250);
	assert_int_equal(b->every_ms, 300000);
	assert_int_equal(b->count, 1000000);
	assert_int_equal(b->connect_timeout_ms, 600000);
	assert_string_equal(a->user, "nobody");
	assert_int_equal(a->user_line, 25);
	assert_string_equal(a->command[0], "curl");
	assert_string_equal(a->command[2], "http://198.51.100.2/");
	assert_null(a->command[3]);
	assert_int_equal(a->sysctls.n, 1);
	assert_string_equal(a->sysctls.v[0].name, "net.ipv4.tcp_syn_retries");
	assert_int_equal(b->ts_mode, TS_OFFSET);	/* default with ts_offset */
	assert_true(b->has_ts_offset);
	assert_false(b->ts_random);
	assert_int_equal(b->ts_offset, 1000);
	assert_string_equal(b->name, "bob");	/* replicas = 1: no number */

	assert_int_equal(lab->n_expects, 1);
	topo_free(lab);
}

static void test_ports_single(void **state)
{
	struct lab *lab = load("[server]\n[router]\nports = 4000\n[client a]\n");

	assert_int_equal(lab->router.port_lo, 4000);
	assert_int_equal(lab->router.port_hi, 4000);
	topo_free(lab);
	lab = load("[server]\n[router]\nports = all\nport_mode = random\n[client a]\n");
	assert_int_equal(lab->router.port_lo, 0);
	assert_int_equal(lab->router.port_hi, 0);
	assert_int_equal(lab->router.port_mode, PORT_RANDOM);
	topo_free(lab);
	lab = load("[server]\n[router]\nnat = none\n[client a]\n");
	assert_int_equal(lab->router.nat, NAT_NONE);
	topo_free(lab);
}

static void test_booleans(void **state)
{
	static const char *const on[] = { "on", "yes", "true", "1", "ON", "True" };
	static const char *const off[] = { "off", "no", "false", "0", "Off", "NO" };
	char buf[128];

	for (size_t i = 0; i < 6; i++) {
		struct lab *lab;

		snprintf(buf, sizeof(buf), "[server]\nrecycle = %s\n[client a]\n", on[i]);
		lab = load(buf);
		assert_true(lab->server.recycle);
		topo_free(lab);
		snprintf(buf, sizeof(buf), "[server]\nrecycle = %s\n[client a]\n", off[i]);
		lab = load(buf);
		assert_false(lab->server.recycle);
		topo_free(lab);
	}
}

static void test_replicas(void **state)
{
	struct lab *lab = load("[server]\n"
			       "[client web]\n"
			       "replicas = 3\n"
			       "uptime = 1h\n"
			       "command = curl http://x/\n"
			       "sysctl.net.ipv4.tcp_syn_retries = 1\n"
			       "[client solo]\n");

	assert_int_equal(lab->n_clients, 4);
	for (int i = 0; i < 3; i++) {
		const struct lab_client *c = &lab->clients[i];
		char name[16];

		snprintf(name, sizeof(name), "web%d", i + 1);
		assert_string_equal(c->name, name);
		assert_int_equal(c->index, i);
		assert_int_equal(c->line, 2);
		assert_int_equal(c->ts_mode, TS_OFFSET);
		assert_int_equal(c->uptime_ms, 3600000);
		assert_string_equal(c->command[0], "curl");
		assert_int_equal(c->sysctls.n, 1);
		assert_ptr_equal(topo_client(lab, name), c);
	}
	/* each replica owns its copies (topo_free frees them one by one) */
	assert_ptr_not_equal(lab->clients[0].command, lab->clients[1].command);
	assert_ptr_not_equal(lab->clients[0].sysctls.v, lab->clients[1].sysctls.v);
	assert_string_equal(lab->clients[3].name, "solo");
	assert_int_equal(lab->clients[3].index, 3);
	assert_null(topo_client(lab, "web"));
	assert_null(topo_client(lab, "web4"));
	topo_free(lab);
}

static void test_replicas_max(void **state)
{
	struct lab *lab = load("[server]\n[client a]\nreplicas = 4999\n[client b]\n");

	assert_int_equal(lab->n_clients, TOPO_MAX_CLIENTS);
	assert_string_equal(lab->clients[4998].name, "a4999");
	assert_string_equal(lab->clients[4999].name, "b");
	topo_free(lab);
}

static void test_plan_router(void **state)
{
	struct lab *lab = load("[server]\n[router]\n[client a]\n[client b]\nreplicas = 2\n");
	const struct lab_client *c;

	assert_int_equal(lab->router.out_addr.addr, IP(198, 51, 100, 1));
	assert_int_equal(lab->router.out_addr.prefix, 24);
	assert_int_equal(lab->server.addr.addr, IP(198, 51, 100, 2));
	assert_int_equal(lab->server.addr.prefix, 24);
	assert_int_equal(lab->server.gw, 0);
	assert_int_equal(lab->server.route_dst, 0);
	for (int i = 0; i < 3; i++) {
		c = &lab->clients[i];
		assert_int_equal(c->addr.addr, IP(100, 64, 0, 4 * i + 2));
		assert_int_equal(c->addr.prefix, 30);
		assert_int_equal(c->peer_addr.addr, IP(100, 64, 0, 4 * i + 1));
		assert_int_equal(c->peer_addr.prefix, 30);
		assert_int_equal(c->gw, c->peer_addr.addr);
	}
	topo_free(lab);

	lab = load("[server]\n[router]\nnat = none\n[client a]\n");
	assert_int_equal(lab->server.route_dst, IP(100, 64, 0, 0));
	assert_int_equal(lab->server.route_prefix, 10);
	assert_int_equal(lab->server.gw, IP(198, 51, 100, 1));
	topo_free(lab);

	/* the last of 5000 clients still sits inside 100.64.0.0/10 */
	lab = load("[server]\n[router]\n[client a]\nreplicas = 5000\n");
	c = &lab->clients[4999];
	assert_int_equal(c->addr.addr, IP(100, 64, 0, 0) + 4 * 4999 + 2);
	assert_int_equal(c->addr.addr >> 22, IP(100, 64, 0, 0) >> 22);
	topo_free(lab);
}

static void test_plan_direct(void **state)
{
	struct lab *lab = load("[server]\n[client a]\nreplicas = 3\n");

	assert_int_equal(lab->server.addr.addr, IP(100, 64, 0, 1));
	assert_int_equal(lab->server.addr.prefix, 10);
	assert_int_equal(lab->server.gw, 0);
	assert_int_equal(lab->server.route_dst, 0);
	assert_int_equal(lab->router.out_addr.addr, 0);
	for (int i = 0; i < 3; i++) {
		const struct lab_client *c = &lab->clients[i];

		assert_int_equal(c->addr.addr, IP(100, 64, 0, 2 + i));
		assert_int_equal(c->addr.prefix, 10);
		assert_int_equal(c->gw, 0);
		assert_int_equal(c->peer_addr.addr, 0);
		assert_int_equal(c->peer_addr.prefix, 0);
	}
	topo_free(lab);
}

static void test_plan_errors(void **state)
{
	struct lab lab = { .name = "x" };
	struct topo_err err;

	memset(&err, 0, sizeof(err));
	assert_int_equal(topo_plan(&lab, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "clients"));
	assert_int_equal(topo_plan(NULL, &err), -EINVAL);
}

static void test_ts_uptime(void **state)
{
	struct lab *lab = load("[server]\n[client a]\nuptime = 10d\n[client b]\nuptime = 1h\n");
	const struct lab_client *a = &lab->clients[0], *b = &lab->clients[1];
	uint64_t now = 7200000;	/* the host has been up 2 h */

	assert_int_equal(topo_client_ts_offset(lab, a, now), (uint32_t)(864000000 - now));
	/* b is younger than the host: the offset wraps, TSval + offset still reads 1h */
	assert_int_equal(topo_client_ts_offset(lab, b, now), (uint32_t)(3600000 - now));
	assert_int_equal((uint32_t)(now + topo_client_ts_offset(lab, b, now)), 3600000);
	topo_free(lab);
}

/* hz: the clock ticks at HZ (4.11's jiffies), uptime counted in those ticks; 1..1000 only,
 * and only for a client with a clock of its own */
static void test_ts_hz(void **state)
{
	struct lab *lab = load("[server]\n[client a]\nuptime = 30d\nhz = 250\n[client b]\n"
			       "uptime = 1h\n[client c]\nts_offset = 5\nhz = 1\n");
	const struct lab_client *a = &lab->clients[0], *b = &lab->clients[1];
	uint64_t now = 7200000;

	assert_int_equal(topo_client_hz(a), 250);
	assert_int_equal(topo_client_hz(b), 1000);
	assert_int_equal(topo_client_hz(&lab->clients[2]), 1);
	assert_int_equal(lab->clients[2].ts_offset, 5);
	/* offset + now at 250 Hz reads 30 d at 250 Hz: 648,000,000 ticks */
	assert_int_equal((uint32_t)(now / 4 + topo_client_ts_offset(lab, a, now)), 648000000u);
	topo_free(lab);
	bad("[server]\n[client a]\nuptime = 1h\nhz = 0\n", 4, "hz", "out of range");
	bad("[server]\n[client a]\nuptime = 1h\nhz = 1001\n", 4, "hz", "out of range");
	bad("[server]\n[client a]\nuptime = 1h\nhz = 2.5\n", 4, "hz", "");
	bad("[server]\n[client a]\nhz = 250\n", 3, "hz", "hz needs uptime or ts_offset");
	bad("[server]\n[client a]\nhz = 250\ntimestamps = kernel\n", 3, "hz",
	    "has no clock of its own (timestamps = kernel)");
}

static void test_ts_offset_values(void **state)
{
	static const struct {
		const char *in;
		uint32_t out;
	} cases[] = {
		{ "0", 0 },
		{ "1000", 1000 },
		{ "010", 10 },		/* decimal, not octal */
		{ "-1", 0xffffffff },
		{ "-4294967296", 0 },
		{ "0x80000000", 0x80000000 },
		{ "0XfFfF", 0xffff },
		{ "4294967296", 0 },	/* mod 2^32 */
		{ "4294967297", 1 },
	};
	char buf[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lab *lab;

		snprintf(buf, sizeof(buf), "[server]\n[client a]\nts_offset = %s\n", cases[i].in);
		lab = load(buf);
		assert_int_equal(lab->clients[0].ts_offset, cases[i].out);
		assert_int_equal(topo_client_ts_offset(lab, &lab->clients[0], 99999),
				 cases[i].out);
		topo_free(lab);
	}
}

static uint32_t random_offset(uint64_t seed, size_t i)
{
	char buf[128];
	struct lab *lab;
	uint32_t off;

	snprintf(buf, sizeof(buf),
		 "[lab]\nseed = %llu\n[server]\n[client a]\nreplicas = 3\nts_offset = random\n",
		 (unsigned long long)seed);
	lab = load(buf);
	assert_true(lab->clients[i].ts_random);
	assert_int_equal(lab->clients[i].ts_mode, TS_OFFSET);
	off = topo_client_ts_offset(lab, &lab->clients[i], 1);
	/* does not depend on the time */
	assert_int_equal(topo_client_ts_offset(lab, &lab->clients[i], 987654321), off);
	topo_free(lab);
	return off;
}

static void test_ts_random(void **state)
{
	uint32_t a0 = random_offset(1, 0), a1 = random_offset(1, 1), a2 = random_offset(1, 2);

	assert_int_equal(random_offset(1, 0), a0);	/* deterministic */
	assert_int_equal(random_offset(1, 2), a2);
	assert_int_not_equal(a0, a1);			/* differs between clients */
	assert_int_not_equal(a1, a2);
	assert_int_not_equal(a0, a2);
	assert_int_not_equal(random_offset(2, 0), a0);	/* and with the seed */
	assert_int_not_equal(random_offset(0, 0), a0);
}

static void test_ts_modes(void **state)
{
	struct lab *lab = load("[server]\ntimestamps = shared\n"
			       "[client k]\ntimestamps = kernel\n"
			       "[client s]\ntimestamps = shared\n"
			       "[client o]\ntimestamps = off\n"
			       "[client z]\ntimestamps = offset\n"
			       "[client u]\nuptime = 0s\ntimestamps = offset\n");

	assert_int_equal(lab->server.ts_mode, TS_SHARED);
	assert_int_equal(topo_client(lab, "k")->ts_mode, TS_KERNEL);
	assert_int_equal(topo_client(lab, "s")->ts_mode, TS_SHARED);
	assert_int_equal(topo_client(lab, "o")->ts_mode, TS_OFF);
	assert_int_equal(topo_client(lab, "z")->ts_mode, TS_OFFSET);
	assert_int_equal(topo_client(lab, "u")->ts_mode, TS_OFFSET);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(topo_client_ts_offset(lab, &lab->clients[i], 5000), 0);
	assert_int_equal(topo_client_ts_offset(lab, topo_client(lab, "z"), 5000), 0);
	assert_int_equal(topo_client_ts_offset(lab, topo_client(lab, "u"), 5000),
			 (uint32_t)-5000);
	topo_free(lab);
}

static void test_syntax_conveniences(void **state)
{
	/* BOM, CRLF, '#' and ';' comments at the start, indented and inline, "key: value",
	 * indented keys (inih alone would read them as continuation lines), blank lines. */
	struct lab *lab = load("\xef\xbb\xbf# picture\r\n"
			       "; another comment\r\n"
			       "   # indented comment\n"
			       "[server]   ; inline on a header\n"
			       "  port = 81   # inline hash\n"
			       "\tclose: client ; inline semicolon\n"
			       "\n"
			       "  [client a]\n"
			       "    uptime = 1h\n");

	assert_int_equal(lab->server.port, 81);
	assert_int_equal(lab->server.close, CLOSE_CLIENT);
	assert_string_equal(lab->clients[0].name, "a");
	assert_int_equal(lab->clients[0].line, 8);
	topo_free(lab);
	/* that last value really kept its '#': it is not a duration */
	bad("[server]\n[client a]\nuptime = 1h#x\n", 3, "uptime", "not a duration");
}

/* A command client has no schedule: each schedule key is refused at its own line, before or
 * after the command; user = names a real user, and only for a command. */
static void test_command_keys(void **state)
{
	static const char *const keys[] = { "start = 1s", "every = 1s", "count = 3",
					    "connect_timeout = 1s" };
	char text[256], key[32];

	for (size_t i = 0; i < 4; i++) {
		snprintf(key, sizeof(key), "%.*s", (int)strcspn(keys[i], " "), keys[i]);
		snprintf(text, sizeof(text), "[server]\n[client a]\n%s\ncommand = curl x\n", keys[i]);
		bad(text, 3, key, "has no schedule");
		snprintf(text, sizeof(text), "[server]\n[client a]\ncommand = curl x\n%s\n", keys[i]);
		bad(text, 4, key, "has no schedule");
	}
	bad("[server]\n[client a]\ncommand = id\nuser = no-such-user-twlab\n", 4, "user",
	    "no such user");
	bad("[server]\nuser = nobody\n[client a]\n", 2, "user", "has no command");
	bad("[server]\n[client a]\nuser = nobody\n", 3, "user", "has no command");
}

static void test_name_override(void **state)
{
	struct lab *lab = load_named("[lab]\nname = fromfile\n" MIN, "x.ini", "cli-name");
	struct topo_err err;

	assert_string_equal(lab->name, "cli-name");
	topo_free(lab);
	lab = load_named(MIN, "dir.d/no-extension", NULL);
	assert_string_equal(lab->name, "no-extension");
	topo_free(lab);
	lab = load_named(MIN, "a/b/c.v2.ini", "ok");	/* an override saves a bad file name */
	assert_string_equal(lab->name, "ok");
	topo_free(lab);

	memset(&err, 0, sizeof(err));
	lab = NULL;
	assert_int_equal(topo_load_buffer(MIN, strlen(MIN), "x.ini", "bad name", &lab, &err),
			 -EINVAL);
	assert_null(lab);
	assert_int_equal(err.line, 0);
	assert_string_equal(err.key, "name");
}

static void test_lookups(void **state)
{
	struct lab *lab = load("[lab]\nname = demo\n[server]\n[client alice]\n");
	char buf[64];

	assert_int_equal(topo_netns_name(lab, "router", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "twl-demo-router");
	assert_int_equal(topo_netns_name(lab, "alice", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "twl-demo-alice");
	assert_int_equal(topo_netns_name(lab, "alice", buf, 14), -ENAMETOOLONG);
	assert_int_equal(topo_netns_name(lab, "alice", buf, 15), 0);
	assert_null(topo_client(lab, "server"));
	assert_null(topo_client(lab, "alic"));
	assert_null(topo_client(NULL, "alice"));

	assert_string_equal(topo_ts_mode_str(TS_OFFSET), "offset");
	assert_string_equal(topo_ts_mode_str(TS_KERNEL), "kernel");
	assert_string_equal(topo_ts_mode_str(TS_SHARED), "shared");
	assert_string_equal(topo_ts_mode_str(TS_OFF), "off");
	assert_string_equal(topo_op_str(OP_EQ), "==");
	assert_string_equal(topo_op_str(OP_NE), "!=");
	assert_string_equal(topo_op_str(OP_LT), "<");
	assert_string_equal(topo_op_str(OP_LE), "<=");
	assert_string_equal(topo_op_str(OP_GT), ">");
	assert_string_equal(topo_op_str(OP_GE), ">=");
	topo_free(lab);
	topo_free(NULL);
}

static void test_longest_names(void **state)
{
	/* 24-character lab and client names, with a 4-digit replica number */
	struct lab *lab = load("[lab]\nname = abcdefghijklmnopqrstuvwx\n[server]\n"
			       "[client ABCDEFGHIJKLMNOPQRSTUVWX]\nreplicas = 1000\n");
	char buf[64];

	assert_string_equal(lab->clients[999].name, "ABCDEFGHIJKLMNOPQRSTUVWX1000");
	assert_int_equal(topo_netns_name(lab, lab->clients[999].name, buf, sizeof(buf)), 0);
	topo_free(lab);
}

/* ---- expect ---- */

static void test_expect(void **state)
{
	struct lab *lab = load(MIN "[client bob]\n"
			       "[expect]\n"
			       "client.bob.syn_dropped = > 0\n"
			       "clients.connected = >=10\n"
			       "gate.syn_dropped = < 1.5\n"
			       "gate.syn_dropped = <= -3\n"
			       "counters.server.TcpExtPAWSTimewait = == 0\n"
			       "ok = != false\n"
			       "lab = == my lab name\n"
			       "client.a.connect_ms.p99 = >= 1e-3\n");
	static const struct {
		const char *path;
		enum expect_op op;
		const char *value, *text;
	} want[] = {
		{ "client.bob.syn_dropped", OP_GT, "0", "client.bob.syn_dropped > 0" },
		{ "clients.connected", OP_GE, "10", "clients.connected >= 10" },
		{ "gate.syn_dropped", OP_LT, "1.5", "gate.syn_dropped < 1.5" },
		{ "gate.syn_dropped", OP_LE, "-3", "gate.syn_dropped <= -3" },
		{ "counters.server.TcpExtPAWSTimewait", OP_EQ, "0",
		  "counters.server.TcpExtPAWSTimewait == 0" },
		{ "ok", OP_NE, "false", "ok != false" },
		{ "lab", OP_EQ, "my lab name", "lab == my lab name" },
		{ "client.a.connect_ms.p99", OP_GE, "1e-3", "client.a.connect_ms.p99 >= 1e-3" },
	};

	assert_int_equal(lab->n_expects, 8);
	for (size_t i = 0; i < 8; i++) {
		const struct lab_expect *e = &lab->expects[i];

		assert_string_equal(e->path, want[i].path);
		assert_int_equal(e->op, want[i].op);
		assert_string_equal(e->value, want[i].value);
		assert_string_equal(e->text, want[i].text);
		assert_int_equal(e->line, 5 + (int)i);
	}
	topo_free(lab);

	/* counters of the router need a router */
	lab = load("[server]\n[router]\n[client a]\n[expect]\ncounters.router.X = == 0\n"
		   "counters.a.Y = > 1\n");
	assert_int_equal(lab->n_expects, 2);
	topo_free(lab);
}

static void test_expect_errors(void **state)
{
	bad(MIN "[expect]\nclient.bob.syn_dropped = > 0\n", 4, "client.bob.syn_dropped",
	    "no client named bob");
	bad(MIN "[expect]\ncounters.router.X = == 0\n", 4, "counters.router.X",
	    "no node named router");
	bad(MIN "[expect]\ngate.syn_dropped = 0\n", 4, "gate.syn_dropped", "OP one of");
	bad(MIN "[expect]\ngate.syn_dropped = =< 0\n", 4, "gate.syn_dropped", "OP one of");
	bad(MIN "[expect]\ngate.syn_dropped = >=\n", 4, "gate.syn_dropped", "missing value");
	bad(MIN "[expect]\ngate.syn_dropped = > many\n", 4, "gate.syn_dropped", "needs a number");
	bad(MIN "[expect]\ngate.syn_dropped = < 1 2\n", 4, "gate.syn_dropped", "needs a number");
	bad(MIN "[expect]\ngaet.syn_dropped = > 0\n", 4, "gaet.syn_dropped", "unknown root");
	bad(MIN "[expect]\ngate..syn_dropped = > 0\n", 4, "gate..syn_dropped", "empty path");
	bad(MIN "[expect]\ngate.syn dropped = > 0\n", 4, "gate.syn dropped", "dot-separated");
	bad(MIN "[expect]\nclient.a = > 0\n", 4, "client.a", "client.NAME.FIELD");
	bad(MIN "[expect]\ngate = > 0\n", 4, "gate", "gate.FIELD");
	/* a client named in a path is checked once all clients are known */
	bad("[server]\n[expect]\nclient.b.x = > 0\n[client a]\nreplicas = 2\n", 3, "client.b.x",
	    "no client named b");
}

/* ---- bad files ---- */

static void test_bad_sections(void **state)
{
	bad("[server]\n[clients a]\n", 2, "", "unknown section [clients a]");
	bad("[server]\n[Server]\n", 2, "", "unknown section");
	bad("[server]\n[]\n", 2, "", "unknown section");
	bad("[lab]\n[server]\n[lab]\n[client a]\n", 3, "", "duplicate [lab] section (first on line 1)");
	bad(MIN "[server]\n", 3, "", "duplicate [server]");
	bad("[router]\n" MIN "[router]\n", 4, "", "duplicate [router]");
	bad(MIN "[expect]\n[expect]\n", 4, "", "duplicate [expect]");
	bad("[server]\n", 0, "", "no [client NAME] section");
	bad("[client a]\n", 0, "", "no [server] section");
	bad("", 0, "", "no [server] section");
	bad("[server]\n[client a\n", 2, "", "without ']'");
	bad("[server] x\n[client a]\n", 1, "", "text after the section header");
}

static void test_bad_syntax(void **state)
{
	bad("port = 1\n[server]\n", 1, "port", "outside of a section");
	bad("[server]\nport 80\n[client a]\n", 2, "", "expected key = value");
	bad("[server]\n= 80\n[client a]\n", 2, "", "key is missing");
}

static void test_nul_byte(void **state)
{
	static const char text[] = "[server]\nport = 8\0" "0\n[client a]\n";
	struct lab *lab = (struct lab *)0x1;
	struct topo_err err;

	memset(&err, 0, sizeof(err));
	assert_int_equal(topo_load_buffer(text, sizeof(text) - 1, "n.ini", NULL, &lab, &err),
			 -EINVAL);
	assert_int_equal(err.line, 2);
	assert_non_null(strstr(err.msg, "NUL"));
	assert_ptr_equal(lab, (struct lab *)0x1);
}

static void test_long_line(void **state)
{
	char text[1024];
	struct lab *lab;

	/* 190 characters is fine */
	snprintf(text, sizeof(text), "[server]\n[lab]\ndescription = %0176d\n[client a]\n", 7);
	lab = load(text);
	assert_int_equal(strlen(lab->description), 176);
	topo_free(lab);
	snprintf(text, sizeof(text), "[server]\n[lab]\ndescription = %0400d\n[client a]\n", 7);
	bad(text, 3, "", "line longer than");
	/* a long comment is fine */
	snprintf(text, sizeof(text), "# %0400d\n" MIN, 7);
	topo_free(load(text));
}

static void test_bad_keys(void **state)
{
	bad(MIN "prot = 80\n", 3, "prot", "unknown key prot in [client a]");
	bad("[server]\nprot = 80\n[client a]\n", 2, "prot", "unknown key prot in [server]");
	bad("[lab]\nport = 80\n" MIN, 2, "port", "unknown key port in [lab]");
	bad("[router]\nport = 80\n" MIN, 2, "port", "in [router]");
	bad("[server]\nport = 80\nclose = client\nport = 81\n[client a]\n", 4, "port",
	    "duplicate key port in [server] (first on line 2)");
	bad(MIN "uptime = 1h\nuptime = 2h\n", 4, "uptime", "duplicate key");
	bad("[server]\nsysctl.net.a = 1\nsysctl.net.a = 2\n[client a]\n", 3, "sysctl.net.a",
	    "duplicate key");
	bad("[server]\ncommand = a\ncommand = b\n[client a]\n", 3, "command", "duplicate key");
	bad("[lab]\nname = x\nname = y\n" MIN, 3, "name", "duplicate key");
}

/* a sysctl twlab sets itself would be overridden (or would break the lab): refused */
static void test_reserved_sysctls(void **state)
{
	struct lab *lab;

	bad("[server]\n[router]\nnat = masquerade\nsysctl.net.ipv4.ip_forward = 0\n[client a]\n", 4,
	    "sysctl.net.ipv4.ip_forward", "in [router]: the router must forward");
	bad("[server]\n[router]\nsysctl.net.ipv4.conf.all.forwarding = 0\n[client a]\n", 3,
	    "sysctl.net.ipv4.conf.all.forwarding", "must forward");
	bad("[server]\nsysctl.net.ipv4.tcp_timestamps = 0\n[client a]\n", 2,
	    "sysctl.net.ipv4.tcp_timestamps", "timestamps key");
	bad("[server]\n[client a]\nreplicas = 3\nsysctl.net.ipv4.tcp_timestamps = 1\n", 4,
	    "sysctl.net.ipv4.tcp_timestamps", "in [client a1]");
	bad(MIN "sysctl.net.ipv6.conf.default.disable_ipv6 = 0\n", 3,
	    "sysctl.net.ipv6.conf.default.disable_ipv6", "IPv4 only");
	bad("[server]\n[router]\nsysctl.net.ipv6.conf.all.disable_ipv6 = 0\n[client a]\n", 3,
	    "sysctl.net.ipv6.conf.all.disable_ipv6", "IPv4 only");
	/* where twlab does not set it, it is the topology's */
	lab = load("[server]\nsysctl.net.ipv4.ip_forward = 1\n[router]\n"
		   "sysctl.net.ipv4.tcp_timestamps = 0\n[client a]\n");
	assert_int_equal(lab->server.sysctls.n, 1);
	assert_int_equal(lab->router.sysctls.n, 1);
	topo_free(lab);
}

static void test_bad_values(void **state)
{
	bad("[server]\nport = 0\n[client a]\n", 2, "port", "port = 0: out of range (1..65535)");
	bad("[server]\nport = 65536\n[client a]\n", 2, "port", "out of range");
	bad("[server]\nport = 99999999999999999999999\n[client a]\n", 2, "port", "out of range");
	bad("[server]\nport = http\n[client a]\n", 2, "port", "not a number");
	bad("[server]\nport = -1\n[client a]\n", 2, "port", "not a number");
	bad("[server]\nport = 80 81\n[client a]\n", 2, "port", "not a number");
	bad("[server]\nport =\n[client a]\n", 2, "port", "not a number");
	bad("[server]\nclose = both\n[client a]\n", 2, "close", "expected server or client");
	bad("[server]\nrecycle = maybe\n[client a]\n", 2, "recycle", "expected on or off");
	bad("[server]\npaws_msl = 0ms\n[client a]\n", 2, "paws_msl", "out of range (1s..1h)");
	bad("[server]\npaws_msl = 1500ms\n[client a]\n", 2, "paws_msl", "whole seconds only");
	bad("[server]\npaws_msl = 61m\n[client a]\n", 2, "paws_msl", "out of range");
	bad("[server]\npaws_window = 2147483648\n[client a]\n", 2, "paws_window", "out of range");
	bad("[server]\ntimestamps = offset\n[client a]\n", 2, "timestamps", "the server has no");
	bad("[server]\ntimestamps = on\n[client a]\n", 2, "timestamps", "expected kernel");
	bad("[router]\nnat = yes\n" MIN, 2, "nat", "expected masquerade, snat or none");
	bad("[router]\nports = 0\n" MIN, 2, "ports", "out of range");
	bad("[router]\nports = 65536\n" MIN, 2, "ports", "out of range");
	bad("[router]\nports = 2000-1000\n" MIN, 2, "ports", "low <= high");
	bad("[router]\nports = 1000-\n" MIN, 2, "ports", "expected all, N or N-M");
	bad("[router]\nports = some\n" MIN, 2, "ports", "expected all, N or N-M");
	bad("[router]\nport_mode = persistent\n" MIN, 2, "port_mode", "expected keep");
	bad("[lab]\nduration = 0s\n" MIN, 2, "duration", "out of range (1ms..1d)");
	bad("[lab]\nduration = 25h\n" MIN, 2, "duration", "out of range");
	bad("[lab]\nduration = 10\n" MIN, 2, "duration", "not a duration");
	bad("[lab]\nseed = -1\n" MIN, 2, "seed", "not a number");
	bad(MIN "every = 0ms\n", 3, "every", "out of range");
	bad(MIN "start = -1s\n", 3, "start", "not a duration");
	bad(MIN "connect_timeout = 9ms\n", 3, "connect_timeout", "out of range (10ms..10m)");
	bad(MIN "connect_timeout = 601s\n", 3, "connect_timeout", "out of range");
	bad(MIN "count = 1000001\n", 3, "count", "out of range (0..1000000)");
	bad(MIN "replicas = 0\n", 3, "replicas", "out of range (1..5000)");
	bad(MIN "replicas = 5001\n", 3, "replicas", "out of range");
	bad(MIN "uptime = 99999999999999999999d\n", 3, "uptime", "out of range");
	bad(MIN "uptime = 10 d\n", 3, "uptime", "not a duration");
	bad(MIN "ts_offset = lots\n", 3, "ts_offset", "or random");
	bad(MIN "ts_offset = --1\n", 3, "ts_offset", "or random");
	bad(MIN "ts_offset = 0x\n", 3, "ts_offset", "or random");
	bad(MIN "ts_offset = 0x10000000000000000\n", 3, "ts_offset", "out of range");
	bad(MIN "timestamps = on\n", 3, "timestamps", "expected offset, kernel, shared or off");
	bad("[lab]\ndescription = a\033[2Jb\n" MIN, 2, "description", "control character");
	bad("[lab]\ndescription = a\rb\n" MIN, 2, "description", "control character");
}

static void test_bad_totals(void **state)
{
	bad("[server]\n[client a]\nreplicas = 3000\n[client b]\nreplicas = 3000\n", 5,
	    "replicas", "more than the 5000");
	bad("[server]\n[client a]\nreplicas = 5000\n[client b]\n", 4, "", "more than the 5000");
}

static void test_expect_kernel_sections(void **state)
{
	struct lab *lab;

	(void)state;
	lab = load(MIN "[expect]\nclients.failed = == 0\n"
		   "[expect kernel >= 6.16]\ncounters.server.TcpExtPAWSTimewait = > 0\n"
		   "[expect  kernel<6.1.5]\ncounters.server.TcpExtPAWSEstab = > 0\n");
	assert_int_equal(lab->n_expects, 3);
	assert_false(lab->expects[0].has_kernel);
	assert_true(lab->expects[1].has_kernel);
	assert_int_equal(lab->expects[1].kernel_op, OP_GE);
	assert_int_equal(lab->expects[1].kernel_ver, 6u << 16 | 16 << 8);
	assert_string_equal(lab->expects[1].kernel_text, "kernel >= 6.16");
	assert_int_equal(lab->expects[2].kernel_op, OP_LT);
	assert_int_equal(lab->expects[2].kernel_ver, 6u << 16 | 1 << 8 | 5);
	topo_free(lab);
	bad(MIN "[expect kernel ~ 6.1]\nclients.failed = == 0\n", 3, "", "expected [expect kernel OP X.Y]");
	bad(MIN "[expect uptime > 6]\n", 3, "", "expected [expect kernel OP X.Y]");
	bad(MIN "[expect kernel > 6.x]\n", 3, "", "expected [expect kernel OP X.Y]");
}

static void test_bad_names(void **state)
{
	bad("[lab]\nname = my lab\n" MIN, 2, "name", "1..24 characters");
	bad("[lab]\nname = abcdefghijklmnopqrstuvwxy\n" MIN, 2, "name", "1..24 characters");
	bad("[lab]\nname = a.b\n" MIN, 2, "name", "1..24 characters");
	bad("[server]\n[client abcdefghijklmnopqrstuvwxy]\n", 2, "", "1..24 characters");
	bad("[server]\n[client a.b]\n", 2, "", "1..24 characters");
	bad("[server]\n[client a b]\n", 2, "", "1..24 characters");
	bad("[server]\n[client]\n", 2, "", "needs a name");
	bad("[server]\n[client server]\n", 2, "", "reserved");
	bad("[server]\n[client router]\n", 2, "", "reserved");
	bad_named(MIN, "dir/my lab.ini", -EINVAL, 0, "name", "set name in [lab]");
	bad_named(MIN, "abcdefghijklmnopqrstuvwxyz.ini", -EINVAL, 0, "name", "set name in [lab]");
}

static void test_bad_duplicate_clients(void **state)
{
	bad("[server]\n[client a]\n[client b]\n[client a]\n", 4, "",
	    "duplicate [client a] (first on line 2)");
	/* after replicas: a1 exists, then a expands to a1, a2 */
	bad("[server]\n[client a1]\n[client a]\nreplicas = 2\n", 4, "replicas",
	    "replica a1 of [client a] clashes with client a1 from line 2");
	/* and the other way round */
	bad("[server]\n[client a]\nreplicas = 2\n[client a2]\n", 4, "", "already taken");
	/* replicas of different bases may clash too: b1 x 11 -> b11, b1 -> b11 */
	bad("[server]\n[client b]\nreplicas = 11\n[client b1]\nreplicas = 1\n[client x]\n", 4, "",
	    "already taken");
	bad("[server]\n[client b1]\nreplicas = 2\n[client b]\nreplicas = 12\n", 5, "replicas",
	    "replica b11 of [client b] clashes");
}

static void test_bad_sysctls(void **state)
{
	bad("[server]\nsysctl.kernel.pid_max = 1\n[client a]\n", 2, "sysctl.kernel.pid_max",
	    "not a per-namespace sysctl");
	bad("[server]\nsysctl.net.IPv4.x = 1\n[client a]\n", 2, "sysctl.net.IPv4.x", "net.*");
	bad("[server]\nsysctl.net..x = 1\n[client a]\n", 2, "sysctl.net..x", "net.*");
	bad("[server]\nsysctl.net.ipv4/x = 1\n[client a]\n", 2, "sysctl.net.ipv4/x", "net.*");
	bad("[router]\nsysctl.net. = 1\n" MIN, 2, "sysctl.net.", "net.*");
	bad(MIN "sysctl.net.ipv4.tcp_syn_retries =\n", 3, "sysctl.net.ipv4.tcp_syn_retries",
	    "empty value");
	bad(MIN "sysctl = 1\n", 3, "sysctl", "unknown key");
}

static void test_bad_contradictions(void **state)
{
	bad(MIN "timestamps = kernel\nuptime = 1h\n", 4, "uptime",
	    "uptime contradicts timestamps = kernel on line 3");
	bad(MIN "uptime = 1h\ntimestamps = shared\n", 4, "timestamps",
	    "timestamps = shared contradicts uptime on line 3");
	bad(MIN "ts_offset = 5\ntimestamps = off\n", 4, "timestamps",
	    "contradicts ts_offset on line 3");
	bad(MIN "timestamps = off\nts_offset = random\n", 4, "ts_offset", "contradicts timestamps");
	bad(MIN "ts_offset = 5\nuptime = 1h\n", 4, "uptime", "uptime contradicts ts_offset on line 3");
	bad(MIN "uptime = 1h\nts_offset = 5\n", 4, "ts_offset", "contradicts uptime on line 3");
	bad("[router]\nnat = none\nports = 1000-2000\n" MIN, 3, "ports",
	    "ports contradicts nat = none on line 2");
	bad("[router]\nports = all\nnat = none\n" MIN, 3, "nat",
	    "nat = none contradicts ports on line 2");
	bad("[router]\nport_mode = keep\nnat = none\n" MIN, 3, "nat", "contradicts port_mode");
	bad("[router]\nnat = none\nport_mode = random\n" MIN, 3, "port_mode",
	    "contradicts nat = none");
}

static void test_bad_commands(void **state)
{
	bad("[server]\ncommand =\n[client a]\n", 2, "command", "empty command");
	bad("[server]\ncommand = ''\n[client a]\n", 2, "command", "empty command");
	bad("[server]\ncommand = echo 'open\n[client a]\n", 2, "command", "syntax error");
	bad("[server]\ncommand = echo $(id)\n[client a]\n", 2, "command", "$ would be expanded");
	bad("[server]\ncommand = echo `id`\n[client a]\n", 2, "command", "` would be expanded");
	bad("[server]\ncommand = echo \"`id`\"\n[client a]\n", 2, "command", "` would be expanded");
	bad("[server]\ncommand = a | b\n[client a]\n", 2, "command", "no shell");
	bad(MIN "command = a&&b\n", 3, "command", "no shell");
	/* no expansion against the parser's environment or file system */
	bad(MIN "command = ls /*/*\n", 3, "command", "* would be expanded");
	bad(MIN "command = curl http://x/?a=1\n", 3, "command", "? would be expanded");
	bad(MIN "command = echo $HOME\n", 3, "command", "$ would be expanded");
	bad(MIN "command = echo \"${x:?boom}\"\n", 3, "command", "$ would be expanded");
	bad(MIN "command = echo $((1/0))\n", 3, "command", "$ would be expanded");
	bad(MIN "command = cat ~root/x\n", 3, "command", "~ would be expanded");
	bad(MIN "command = ls [ab]\n", 3, "command", "[ would be expanded");
}

static void test_command_quoting(void **state)
{
	struct lab *lab = load(MIN "command = curl 'http://x/?a=*&b=$c' \"~/\\$x\" \\* \"it's\"\n");
	char **argv = lab->clients[0].command;

	assert_string_equal(argv[0], "curl");
	assert_string_equal(argv[1], "http://x/?a=*&b=$c");
	assert_string_equal(argv[2], "~/$x");
	assert_string_equal(argv[3], "*");
	assert_string_equal(argv[4], "it's");
	assert_null(argv[5]);
	topo_free(lab);
}

static void test_first_error_wins(void **state)
{
	bad("[server]\nport = 0\nclose = x\n[nope]\n", 2, "port", "out of range");
	bad("[server]\nport x\nport = 0\n", 2, "", "expected key = value");
	/* an error ends the parse: the missing client is not reported */
	bad("[server]\n[bogus]\n", 2, "", "unknown section");
}

/* ---- big files (item 5 of issue 8): the lookups are hash sets, the results the same ---- */

/* A growing text buffer for generated files. */
struct text {
	char *s;
	size_t n, cap;
};

__attribute__((format(printf, 2, 3)))
static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int w;

	for (;;) {
		va_start(ap, fmt);
		w = vsnprintf(t->s + t->n, t->cap - t->n, fmt, ap);
		va_end(ap);
		assert_true(w >= 0);
		if ((size_t)w < t->cap - t->n)
			break;
		t->cap = t->cap ? 2 * t->cap : 1 << 16;
		t->s = realloc(t->s, t->cap);
		assert_non_null(t->s);
	}
	t->n += w;
}

static void test_many_keys(void **state)
{
	struct text t = { 0 };
	struct lab *lab;

	add(&t, "[server]\n");
	for (int i = 0; i < 60000; i++)
		add(&t, "sysctl.net.ipv4.k%d = %d\n", i, i);
	add(&t, "[client a]\n");
	lab = load(t.s);
	assert_int_equal(lab->server.sysctls.n, 60000);
	assert_string_equal(lab->server.sysctls.v[0].name, "net.ipv4.k0");
	assert_string_equal(lab->server.sysctls.v[59999].name, "net.ipv4.k59999");
	assert_string_equal(lab->server.sysctls.v[59999].value, "59999");
	assert_int_equal(lab->server.sysctls.v[59999].line, 60001);
	topo_free(lab);

	/* the same key again at the very end is still found, with its first line */
	t.n -= strlen("[client a]\n");
	add(&t, "sysctl.net.ipv4.k0 = 1\n[client a]\n");
	bad(t.s, 60002, "sysctl.net.ipv4.k0",
	    "duplicate key sysctl.net.ipv4.k0 in [server] (first on line 2)");
	free(t.s);
}

static void test_many_clients(void **state)
{
	struct text t = { 0 };
	struct lab *lab;

	/* 4000 replicas and 1000 named clients, an expectation on each of them */
	add(&t, "[server]\n[client r]\nreplicas = 4000\n");
	for (int i = 0; i < 1000; i++)
		add(&t, "[client c%d]\n", i);
	add(&t, "[expect]\n");
	for (int i = 1; i <= 4000; i++)
		add(&t, "client.r%d.attempts = >= 0\n", i);
	for (int i = 0; i < 1000; i++)
		add(&t, "counters.c%d.TcpExtTW = == 0\n", i);
	lab = load(t.s);
	assert_int_equal(lab->n_clients, 5000);
	assert_int_equal(lab->n_expects, 5000);
	assert_string_equal(lab->clients[3999].name, "r4000");
	assert_string_equal(lab->clients[4999].name, "c999");
	assert_string_equal(lab->expects[4999].path, "counters.c999.TcpExtTW");
	topo_free(lab);

	/* the last expectation names a client that is not there */
	add(&t, "client.c1000.attempts = == 0\n");
	bad(t.s, 1000 + 3 + 1 + 5000 + 1, "client.c1000.attempts",
	    "no client named c1000 in this lab");
	free(t.s);

	/* a client name taken long before, by a replica */
	t = (struct text){ 0 };
	add(&t, "[server]\n[client r]\nreplicas = 3000\n");
	for (int i = 0; i < 1000; i++)
		add(&t, "[client c%d]\n", i);
	add(&t, "[client r2999]\n");
	bad(t.s, 1004, "", "[client r2999]: the name is already taken by a replica of the client on line 2");
	free(t.s);
}

static void test_sysctls_times_replicas(void **state)
{
	struct text t = { 0 };

	/* 401 sysctls x 5000 replicas is more than a lab may set: rejected, not allocated */
	add(&t, "[server]\n[client a]\nreplicas = 5000\n");
	for (int i = 0; i < 401; i++)
		add(&t, "sysctl.net.ipv4.k%d = 1\n", i);
	bad(t.s, 3, "replicas", "401 sysctl lines x 5000 replicas: more than the 2000000");
	free(t.s);
}

/* ---- clear messages (item 6 of issue 8) ---- */

static void test_quoted_comments(void **state)
{
	struct lab *lab;

	/* ';' and '#' inside quotes belong to the command; after them, a comment */
	lab = load("[server]\n"
		   "command = sh -c 'echo a ; echo b # c' ; the server\n"
		   "[client a]\n"
		   "command = printf \"%s ;%s #\\n\" x y # the client\n"
		   "[client b]\n"
		   "command = echo \\;x 'it'\\''s ; #' # escaped quote inside\n");
	assert_string_equal(lab->server.command[0], "sh");
	assert_string_equal(lab->server.command[2], "echo a ; echo b # c");
	assert_null(lab->server.command[3]);
	assert_string_equal(lab->server.command_text, "sh -c 'echo a ; echo b # c'");
	assert_string_equal(lab->clients[0].command[1], "%s ;%s #\\n");
	assert_string_equal(lab->clients[0].command[2], "x");
	assert_string_equal(lab->clients[0].command[3], "y");
	assert_null(lab->clients[0].command[4]);
	assert_string_equal(lab->clients[1].command[1], ";x");
	assert_string_equal(lab->clients[1].command[2], "it's ; #");
	assert_null(lab->clients[1].command[3]);
	topo_free(lab);

	/* a quote left open protects nothing: the comment still ends the value */
	lab = load("[lab]\ndescription = it's lab #1 ; really\n" MIN);
	assert_string_equal(lab->description, "it's lab");
	topo_free(lab);
	lab = load("[lab]\ndescription = \"a ; b\" and 'c # d' # e\n" MIN);
	assert_string_equal(lab->description, "\"a ; b\" and 'c # d'");
	topo_free(lab);
	/* an unquoted ';' in a command is still refused, not cut */
	bad(MIN "command = echo a;b\n", 3, "command", "no shell");
	/* and an unquoted one after a blank is a comment, as before */
	lab = load(MIN "command = echo a ;b\n");
	assert_null(lab->clients[0].command[2]);
	topo_free(lab);
}

static void test_escaped_messages(void **state)
{
	struct lab *lab = (struct lab *)0x1;
	struct topo_err err;

	/* text from the file is quoted with its control bytes escaped, never raw */
	bad("[server]\nco\033[2Jmmand = x\n[client a]\n", 2, "co\\x1b[2Jmmand",
	    "co\\x1b[2Jmmand: control character in the key");
	bad("[server]\n[client a\033[2J\007]\n", 2, "", "[client a\\x1b[2J\\x07]: a name is");
	bad("[server]\nport = 8\tx\n[client a]\n", 2, "port", "port = 8\\x09x: not a number");
	bad("[server]\n[bad\033c]\n", 2, "", "unknown section [bad\\x1bc]");
	bad("[server]\n\033c\n", 2, "", "expected key = value or [section]: \\x1bc");
	/* values are UTF-8 text without control characters (C1 included) */
	bad("[lab]\ndescription = caf\xc3\xa9 \xff\n" MIN, 2, "description",
	    "not valid UTF-8 text in the value");
	bad("[lab]\ndescription = a\xc2\x9b" "2Jb\n" MIN, 2, "description",
	    "control character in the value");
	bad("[lab]\ndescription = \xed\xa0\x80\n" MIN, 2, "description", "not valid UTF-8");
	bad("[lab]\ndescription = \xc0\xaf\n" MIN, 2, "description", "not valid UTF-8");
	lab = load("[lab]\ndescription = caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x99\x82\ttab\n" MIN);
	assert_string_equal(lab->description, "caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x99\x82\ttab");
	topo_free(lab);

	/* a file name is bytes: used as given, shown escaped (lab->file goes into JSON) */
	lab = load_named("[lab]\nname = x\n" MIN, "dir/\xff\033.ini", NULL);
	assert_string_equal(lab->file, "dir/\\xff\\x1b.ini");
	topo_free(lab);
	memset(&err, 0, sizeof(err));
	lab = (struct lab *)0x1;
	assert_int_equal(topo_load_buffer("[server]\n", 9, "\xff.ini", NULL, &lab, &err), -EINVAL);
	assert_string_equal(err.file, "\\xff.ini");
	assert_int_equal(topo_load_buffer(MIN, strlen(MIN), "b\xff.ini", NULL, &lab, &err),
			 -EINVAL);
	assert_string_equal(err.file, "b\\xff.ini");
	assert_string_equal(err.key, "name");
	assert_non_null(strstr(err.msg, "the lab name 'b\\xff', which is not"));
	assert_ptr_equal(lab, (struct lab *)0x1);
}

static void test_non_utf8_path(void **state)
{
	char dir[] = "/tmp/test_topo.XXXXXX", path[64], shown[96];
	struct topo_err err;
	struct lab *lab = NULL;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/\xff\xfe.ini", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[lab]\nname = bytes\n" MIN, f);
	fclose(f);
	memset(&err, 0, sizeof(err));
	assert_int_equal(topo_load(path, NULL, &lab, &err), 0);
	snprintf(shown, sizeof(shown), "%s/\\xff\\xfe.ini", dir);
	assert_string_equal(lab->file, shown);
	assert_string_equal(lab->name, "bytes");
	topo_free(lab);
	unlink(path);
	assert_int_equal(topo_load(path, NULL, &lab, &err), -ENOENT);
	assert_string_equal(err.file, shown);
	assert_null(strchr(err.msg, '\xff'));
	rmdir(dir);
}

static void test_names_no_leading_dash(void **state)
{
	struct lab *lab = NULL;
	struct topo_err err;

	bad("[lab]\nname = -rf\n" MIN, 2, "name", "name = -rf: a name is 1..24 characters of A-Z a-z 0-9 _ -, not starting with -");
	bad("[server]\n[client -x]\n", 2, "", "[client -x]: a name is 1..24 characters");
	bad_named(MIN, "dir/-rf.ini", -EINVAL, 0, "name", "not starting with -: set name in [lab]");
	memset(&err, 0, sizeof(err));
	assert_int_equal(topo_load_buffer(MIN, strlen(MIN), "x.ini", "-rf", &lab, &err), -EINVAL);
	assert_null(lab);
	assert_string_equal(err.key, "name");
	assert_non_null(strstr(err.msg, "not starting with -"));
	/* a dash inside is fine */
	lab = load("[lab]\nname = a-b\n[server]\n[client c-d]\n");
	assert_string_equal(lab->name, "a-b");
	assert_string_equal(lab->clients[0].name, "c-d");
	topo_free(lab);
}

static void test_seed(void **state)
{
	static const struct {
		const char *s;
		int r;
		uint64_t v;
	} cases[] = {
		{ "0", 0, 0 }, { "7", 0, 7 }, { "010", 0, 10 }, { "0x10", 0, 16 },
		{ "18446744073709551615", 0, UINT64_MAX }, { "0xffffffffffffffff", 0, UINT64_MAX },
		{ "18446744073709551616", -ERANGE, 0 }, { "-1", -EINVAL, 0 }, { "+1", -EINVAL, 0 },
		{ " 1", -EINVAL, 0 }, { "1 ", -EINVAL, 0 }, { "", -EINVAL, 0 }, { "0x", -EINVAL, 0 },
		{ "1e3", -EINVAL, 0 },
	};
	char buf[128];

	/* --seed and [lab] seed go through topo_parse_seed: the same set on both sides */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 12345;

		assert_int_equal(topo_parse_seed(cases[i].s, &v), cases[i].r);
		assert_true(v == (cases[i].r ? 12345 : cases[i].v));
		snprintf(buf, sizeof(buf), "[lab]\nseed = %s\n" MIN, cases[i].s);
		if (!cases[i].r && cases[i].s[0] != ' ' && cases[i].s[strlen(cases[i].s) - 1] != ' ') {
			struct lab *lab = load(buf);

			assert_true(lab->seed == cases[i].v);
			topo_free(lab);
		} else if (cases[i].r && cases[i].s[0] && cases[i].s[0] != ' ' &&
			   cases[i].s[strlen(cases[i].s) - 1] != ' ') {
			bad(buf, 2, "seed", cases[i].r == -ERANGE ? "out of range: a seed is"
								 : "not a number: a seed is");
		}
	}
}

/* ---- durations ---- */

static void test_durations(void **state)
{
	static const struct {
		const char *s;
		uint64_t ms;
	} ok[] = {
		{ "0ms", 0 }, { "0s", 0 }, { "1ms", 1 }, { "250ms", 250 }, { "2s", 2000 },
		{ "5m", 300000 }, { "1h", 3600000 }, { "10d", 864000000 }, { "007s", 7000 },
		{ "18446744073709551615ms", UINT64_MAX },
		{ "213503982334d", 213503982334ULL * 86400000 },
	};
	static const char *const invalid[] = {
		"", "10", "-1s", "+1s", "1x", "s", "ms", " 1s", "1s ", "1.5s", "1 s", "1S",
		"1sec", "1mss", "0x10s", "1d1h", "9999999999999999999999x",
	};
	static const char *const range[] = {
		"18446744073709551616ms", "213503982335d", "5124095576030432h",
		"99999999999999999999999999s",
	};
	uint64_t ms = 42;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(topo_parse_duration(ok[i].s, &ms), 0);
		assert_int_equal(ms, ok[i].ms);
	}
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		ms = 42;
		assert_int_equal(topo_parse_duration(invalid[i], &ms), -EINVAL);
		assert_int_equal(ms, 42);	/* written only on success */
	}
	for (size_t i = 0; i < sizeof(range) / sizeof(range[0]); i++) {
		ms = 42;
		assert_int_equal(topo_parse_duration(range[i], &ms), -ERANGE);
		assert_int_equal(ms, 42);
	}
	assert_int_equal(topo_parse_duration(NULL, &ms), -EINVAL);
}

static void test_format_duration(void **state)
{
	static const struct {
		uint64_t ms;
		const char *s;
	} cases[] = {
		{ 0, "0s" }, { 1, "1ms" }, { 250, "250ms" }, { 1000, "1s" }, { 1500, "1500ms" },
		{ 60000, "1m" }, { 90000, "90s" }, { 3600000, "1h" }, { 5400000, "90m" },
		{ 86400000, "1d" }, { 90000000, "25h" }, { 864000000, "10d" },
		{ UINT64_MAX, "18446744073709551615ms" },
	};
	char buf[32];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		topo_format_duration(cases[i].ms, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].s);
	}
	/* round trip over many values, including every unit boundary */
	for (uint64_t v = 0; v < 200000; v += 7) {
		uint64_t ms, in[] = { v, v * 1000, v * 60000, v * 3600000, v * 86400000 };

		for (size_t k = 0; k < 5; k++) {
			topo_format_duration(in[k], buf, sizeof(buf));
			assert_int_equal(topo_parse_duration(buf, &ms), 0);
			assert_int_equal(ms, in[k]);
		}
	}
	topo_format_duration(3600000, buf, 2);	/* truncated, terminated */
	assert_string_equal(buf, "1");
}

/* ---- files ---- */

static void test_load_file(void **state)
{
	char dir[] = "/tmp/test_topo.XXXXXX", path[64];
	struct topo_err err;
	struct lab *lab = NULL;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/from-disk.ini", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("# a\n[server]\nport = 9090\n[client a]\n[client b]\nevery = 2s\n", f);
	fclose(f);

	memset(&err, 0, sizeof(err));
	assert_int_equal(topo_load(path, NULL, &lab, &err), 0);
	assert_non_null(lab);
	assert_string_equal(lab->name, "from-disk");
	assert_string_equal(lab->file, path);
	assert_int_equal(lab->server.port, 9090);
	assert_int_equal(lab->n_clients, 2);
	assert_int_equal(lab->clients[1].every_ms, 2000);
	assert_int_equal(lab->clients[1].line, 5);
	topo_free(lab);

	/* errors in a file name the file */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[server]\nport = 0\n[client a]\n", f);
	fclose(f);
	lab = NULL;
	assert_int_equal(topo_load(path, NULL, &lab, &err), -EINVAL);
	assert_null(lab);
	assert_string_equal(err.file, path);
	assert_int_equal(err.line, 2);
	assert_string_equal(err.key, "port");

	/* a directory cannot be read */
	assert_int_equal(topo_load(dir, NULL, &lab, &err), -EISDIR);
	assert_int_equal(err.line, 0);

	unlink(path);
	rmdir(dir);
}

static void test_load_missing(void **state)
{
	struct lab *lab = (struct lab *)0x1;
	struct topo_err err;

	memset(&err, 0, sizeof(err));
	assert_int_equal(topo_load("/nonexistent/twlab/none.ini", NULL, &lab, &err), -ENOENT);
	assert_ptr_equal(lab, (struct lab *)0x1);
	assert_string_equal(err.file, "/nonexistent/twlab/none.ini");
	assert_int_equal(err.line, 0);
	assert_string_equal(err.key, "");
	assert_non_null(strstr(err.msg, strerror(ENOENT)));
	/* err may be NULL */
	assert_int_equal(topo_load("/nonexistent/twlab/none.ini", NULL, &lab, NULL), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_router_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_ports_single),
		cmocka_unit_test(test_booleans),
		cmocka_unit_test(test_replicas),
		cmocka_unit_test(test_replicas_max),
		cmocka_unit_test(test_plan_router),
		cmocka_unit_test(test_plan_direct),
		cmocka_unit_test(test_plan_errors),
		cmocka_unit_test(test_ts_uptime),
		cmocka_unit_test(test_ts_hz),
		cmocka_unit_test(test_ts_offset_values),
		cmocka_unit_test(test_ts_random),
		cmocka_unit_test(test_ts_modes),
		cmocka_unit_test(test_syntax_conveniences),
		cmocka_unit_test(test_name_override),
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_longest_names),
		cmocka_unit_test(test_expect),
		cmocka_unit_test(test_expect_errors),
		cmocka_unit_test(test_bad_sections),
		cmocka_unit_test(test_bad_syntax),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_bad_keys),
		cmocka_unit_test(test_reserved_sysctls),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_bad_totals),
		cmocka_unit_test(test_expect_kernel_sections),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_bad_duplicate_clients),
		cmocka_unit_test(test_bad_sysctls),
		cmocka_unit_test(test_bad_contradictions),
		cmocka_unit_test(test_bad_commands),
		cmocka_unit_test(test_command_quoting),
		cmocka_unit_test(test_first_error_wins),
		cmocka_unit_test(test_many_keys),
		cmocka_unit_test(test_many_clients),
		cmocka_unit_test(test_sysctls_times_replicas),
		cmocka_unit_test(test_quoted_comments),
		cmocka_unit_test(test_escaped_messages),
		cmocka_unit_test(test_non_utf8_path),
		cmocka_unit_test(test_names_no_leading_dash),
		cmocka_unit_test(test_seed),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_format_duration),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_load_missing),
		cmocka_unit_test(test_command_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
