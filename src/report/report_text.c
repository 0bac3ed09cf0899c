// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include "report/report.h"

static const char *nat_str(const struct lab *lab)
{
	static const char *n[] = { "masquerade", "snat", "no NAT" };

	return lab->router.present ? n[lab->router.nat] : "no router";
}

static void num(const json_t *v, char buf[24])
{
	if (json_is_integer(v))
		snprintf(buf, 24, "%lld", json_integer_value(v));
	else
		snprintf(buf, 24, "-");
}

void report_text(const struct run *r, json_t *res, FILE *out)
{
	const struct lab *lab = r->lab;
	json_t *clients = json_object_get(res, "clients"), *gate = json_object_get(res, "gate");
	json_t *c, *ex;
	size_t i, shown = 0;

	fprintf(out, "lab %s on Linux %s: %zu client%s, %s, server closes %s, recycle %s\n",
		lab->name, r->kernel, lab->n_clients, lab->n_clients == 1 ? "" : "s", nat_str(lab),
		lab->server.close == CLOSE_SERVER ? "first" : "second",
		lab->server.recycle ? "on" : "off");
	fprintf(out, "  %-12s %-15s %-7s %8s %9s %6s %11s %12s\n", "client", "address", "clock",
		"attempts", "connected", "failed", "syn dropped", "connect p50");
	json_array_foreach(clients, i, c) {
		if (i >= 20 && i + 1 < json_array_size(clients)) {
			if (i == 20)
				fprintf(out, "  ... %zu more in result.json\n",
					json_array_size(clients) - 21);
			continue;
		}
		json_t *p50 = json_object_get(json_object_get(c, "connect_ms"), "p50");
		char lat[32] = "-";

		if (json_is_number(p50))
			snprintf(lat, sizeof(lat), "%.2f ms", json_number_value(p50));
		/* a command client that could not be counted: "-", not 0 */
		char att[24], ok[24], bad[24];

		num(json_object_get(c, "attempts"), att);
		num(json_object_get(c, "connected"), ok);
		num(json_object_get(c, "failed"), bad);
		fprintf(out, "  %-12s %-15s %-7s %8s %9s %6s %11lld %12s\n",
			json_string_value(json_object_get(c, "name")),
			json_string_value(json_object_get(c, "address")),
			json_string_value(json_object_get(c, "ts_mode")), att, ok, bad,
			json_integer_value(json_object_get(c, "syn_dropped")), lat);
	}
	if (json_is_true(json_object_get(gate, "enabled")) &&
	    !strcmp(json_string_value(json_object_get(gate, "mode")) ?: "", "kernel"))
		fprintf(out,
			"  kernel's own tcp_tw_recycle: %lld SYNs dropped as the clients saw them (PAWSPassive %lld, ListenDrops %lld)\n",
			json_integer_value(json_object_get(gate, "syn_dropped")),
			json_integer_value(json_object_get(gate, "PAWSPassive")),
			json_integer_value(json_object_get(gate, "ListenDrops")));
	else if (json_is_true(json_object_get(gate, "enabled")))
		fprintf(out,
			"  gate: %lld SYNs seen, %lld passed, %lld dropped (PAWSPassive %lld, ListenDrops %lld), %lld record updates\n",
			json_integer_value(json_object_get(gate, "syn_seen")),
			json_integer_value(json_object_get(gate, "syn_passed")),
			json_integer_value(json_object_get(gate, "syn_dropped")),
			json_integer_value(json_object_get(gate, "PAWSPassive")),
			json_integer_value(json_object_get(gate, "ListenDrops")),
			json_integer_value(json_object_get(gate, "records_updated")));
	/* one drop per client, the first: what a trainer reads aloud */
	for (size_t ci = 0; ci < lab->n_clients && shown < 5; ci++) {
		char line[400];

		if (!r->at.first_drop[ci].has)
			continue;
		report_drop_line(r, ci, line, sizeof(line));
		fprintf(out, "  %s\n", line);
		shown++;
	}
	if (attrib_lost_any(&r->lost))
		fprintf(out,
			"  EVIDENCE LOST, this result is incomplete: %llu gate events, %llu drops unattributed, %llu conntrack overruns, %llu captured packets\n",
			(unsigned long long)r->lost.gate_events,
			(unsigned long long)r->lost.unattributed_drops,
			(unsigned long long)r->lost.conntrack_overruns,
			(unsigned long long)r->lost.capture_packets);
	json_array_foreach(json_object_get(res, "expect"), i, ex) {
		const char *why = json_string_value(json_object_get(ex, "why"));

		const char *skip = json_string_value(json_object_get(ex, "skipped"));

		if (skip) {
			fprintf(out, "  expect %-40s skipped (only on %s)\n",
				json_string_value(json_object_get(ex, "check")), skip);
			continue;
		}
		fprintf(out, "  expect %-40s %s%s%s\n",
			json_string_value(json_object_get(ex, "check")),
			json_is_true(json_object_get(ex, "ok")) ? "ok" : "FAILED",
			why ? ": " : "", why ? why : "");
	}
}
