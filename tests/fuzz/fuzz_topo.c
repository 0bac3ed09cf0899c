// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the topology parser: any input must give either 0 and a lab that keeps
 * the model's invariants, or a negative errno and a filled error, and never leak or crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "topo/topo.h"

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			abort();                                                                   \
	} while (0)

static void check_duration(uint64_t ms)
{
	char buf[32];
	uint64_t back;

	topo_format_duration(ms, buf, sizeof(buf));
	CHECK(topo_parse_duration(buf, &back) == 0 && back == ms);
}

static void check_lab(const struct lab *lab)
{
	char ns[64];

	CHECK(lab->n_clients >= 1 && lab->n_clients <= TOPO_MAX_CLIENTS);
	CHECK(lab->name[0] && topo_netns_name(lab, "server", ns, sizeof(ns)) == 0);
	CHECK(lab->duration_ms >= 1 && lab->duration_ms <= 24 * 3600 * 1000ULL);
	CHECK(lab->server.port >= 1);
	check_duration(lab->duration_ms);
	for (size_t i = 0; i < lab->n_clients; i++) {
		const struct lab_client *c = &lab->clients[i];

		CHECK(c->index == (int)i);
		CHECK(topo_client(lab, c->name) == c);	/* names are unique */
		CHECK(topo_netns_name(lab, c->name, ns, sizeof(ns)) == 0);
		CHECK(c->every_ms >= 1 && c->connect_timeout_ms >= 10);
		CHECK(c->ts_mode == TS_OFFSET || (!c->has_uptime && !c->has_ts_offset));
		CHECK(!(c->has_uptime && c->has_ts_offset));
		CHECK(!c->command || (c->command[0] && c->command[0][0]));
		CHECK(lab->router.present ? c->gw == c->addr.addr - 1 : c->gw == 0);
		check_duration(c->every_ms);
		(void)topo_client_ts_offset(lab, c, 12345);
	}
	for (size_t i = 0; i < lab->n_expects; i++)
		CHECK(lab->expects[i].text && strlen(lab->expects[i].text) >
					       strlen(lab->expects[i].path));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct topo_err err;
	struct lab *lab = NULL;
	int r;

	memset(&err, 0, sizeof(err));
	r = topo_load_buffer((const char *)data, size, "fuzz.ini", NULL, &lab, &err);
	if (r == 0) {
		check_lab(lab);
		topo_free(lab);
	} else {
		CHECK(r < 0 && lab == NULL && err.msg[0]);
	}
	return 0;
}
