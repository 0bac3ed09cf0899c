// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include "i18n/i18n.h"
#include "report/report.h"

static const char *nat_str(const struct lab *lab)
{
	static const char *n[] = { N_("masquerade"), N_("snat"), N_("no NAT") };

	return lab->router.present ? _(n[lab->router.nat]) : _("no router");
}

/* a count in the language's digits; a command client that could not be counted: "-", not 0 */
static void num(const json_t *v, char buf[I18N_NUM_MAX])
{
	if (json_is_integer(v))
		i18n_int(buf, I18N_NUM_MAX, json_integer_value(v));
	else
		snprintf(buf, I18N_NUM_MAX, "-");
}

static long long jint(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* characters, not bytes: labels and translations are UTF-8 */
static int width(const char *s)
{
	int n = 0;

	for (const char *c = s; *c; c++)
		n += (*c & 0xc0) != 0x80;
	return n;
}

/* s in a column of w characters */
static void col(FILE *out, const char *s, int w, bool left)
{
	int n = width(s);

	if (!left)
		fprintf(out, "%*s", w > n ? w - n : 0, "");
	fputs(s, out);
	if (left)
		fprintf(out, "%*s", w > n ? w - n : 0, "");
}

void report_text(const struct run *r, json_t *res, FILE *out)
{
	const struct lab *lab = r->lab;
	json_t *clients = json_object_get(res, "clients"), *gate = json_object_get(res, "gate");
	json_t *c, *ex;
	size_t i, shown = 0;
	char n[7][I18N_NUM_MAX];

	fprintf(out, P_("lab %s on Linux %s: %zu client, %s, server closes %s, recycle %s\n",
			"lab %s on Linux %s: %zu clients, %s, server closes %s, recycle %s\n",
			lab->n_clients),
		lab->name, r->kernel, lab->n_clients, nat_str(lab),
		lab->server.close == CLOSE_SERVER ? _("first") : _("second"),
		lab->server.recycle ? _("on") : _("off"));
	if (lab->description)
		fprintf(out, "  %s\n", lab->description);
	if (lab->server.label[0] || (lab->router.present && lab->router.label[0])) {
		fputs("  ", out);
		if (lab->server.label[0])
			fprintf(out, _("server: %s"), lab->server.label);
		if (lab->server.label[0] && lab->router.present && lab->router.label[0])
			fputs(" · ", out);
		if (lab->router.present && lab->router.label[0])
			fprintf(out, _("router: %s"), lab->router.label);
		fputs("\n", out);
	}
	fputs(" ", out);
	/* the table's columns: left, left, left, then numbers to the right */
	static const struct {
		const char *head;
		int w;
	} cols[] = {
		{ N_("client"), 12 },	   { N_("address"), 15 }, { N_("clock"), 7 },
		{ N_("attempts"), 8 },	   { N_("connected"), 9 }, { N_("failed"), 6 },
		{ N_("syn dropped"), 11 }, { N_("connect p50"), 12 },
	};
	int w[sizeof(cols) / sizeof(cols[0])];	/* a longer translated header widens its column */

	for (size_t k = 0; k < sizeof(cols) / sizeof(cols[0]); k++) {
		w[k] = width(_(cols[k].head)) > cols[k].w ? width(_(cols[k].head)) : cols[k].w;
		fputs(" ", out);
		col(out, _(cols[k].head), w[k], k < 3);
	}
	fputs("\n", out);
	json_array_foreach(clients, i, c) {
		if (i >= 20 && i + 1 < json_array_size(clients)) {
			if (i == 20) {
				size_t more = json_array_size(clients) - 21;

				fprintf(out, P_("  ... %zu more in result.json\n",
						"  ... %zu more in result.json\n", more), more);
			}
			continue;
		}
		json_t *p50 = json_object_get(json_object_get(c, "connect_ms"), "p50");
		char lat[48] = "-", v[48];

		if (json_is_number(p50))
			snprintf(lat, sizeof(lat), "%s ms",
				 i18n_dec(v, sizeof(v), json_number_value(p50), 2));
		num(json_object_get(c, "attempts"), n[0]);
		num(json_object_get(c, "connected"), n[1]);
		num(json_object_get(c, "failed"), n[2]);
		num(json_object_get(c, "syn_dropped"), n[3]);
		char clk[48];
		json_int_t hz = json_integer_value(json_object_get(c, "hz"));

		snprintf(clk, sizeof(clk), "%s", json_string_value(json_object_get(c, "ts_mode")) ?: "");
		if (hz && hz != 1000)
			snprintf(clk, sizeof(clk), "%s@%lldHz",
				 json_string_value(json_object_get(c, "ts_mode")) ?: "", (long long)hz);
		const char *cells[] = {
			json_string_value(json_object_get(c, "label")) ?:
				json_string_value(json_object_get(c, "name")),
			json_string_value(json_object_get(c, "address")),
			clk, n[0], n[1], n[2], n[3], lat,
		};
		fputs(" ", out);
		for (size_t k = 0; k < sizeof(cells) / sizeof(cells[0]); k++) {
			fputs(" ", out);
			col(out, cells[k] ?: "", w[k], k < 3);
		}
		fputs("\n", out);
	}
	if (json_is_true(json_object_get(gate, "enabled")) &&
	    !strcmp(json_string_value(json_object_get(gate, "mode")) ?: "", "kernel"))
		fprintf(out,
			_("  kernel's own tcp_tw_recycle: %s SYNs dropped on the wire (PAWSPassive %s, ListenDrops %s)\n"),
			i18n_int(n[0], sizeof(n[0]), jint(gate, "syn_dropped")),
			i18n_int(n[1], sizeof(n[1]), jint(gate, "PAWSPassive")),
			i18n_int(n[2], sizeof(n[2]), jint(gate, "ListenDrops")));
	else if (json_is_true(json_object_get(gate, "enabled")))
		fprintf(out,
			_("  gate: %s SYNs seen, %s passed, %s dropped (PAWSPassive %s, ListenDrops %s), %s record updates\n"),
			i18n_int(n[0], sizeof(n[0]), jint(gate, "syn_seen")),
			i18n_int(n[1], sizeof(n[1]), jint(gate, "syn_passed")),
			i18n_int(n[2], sizeof(n[2]), jint(gate, "syn_dropped")),
			i18n_int(n[3], sizeof(n[3]), jint(gate, "PAWSPassive")),
			i18n_int(n[4], sizeof(n[4]), jint(gate, "ListenDrops")),
			i18n_int(n[5], sizeof(n[5]), jint(gate, "records_updated")));
	/* what the server answered instead of a SYN-ACK, and the RSTs (events.jsonl has each) */
	json_t *wire = json_object_get(res, "wire");

	if (jint(wire, "paws_rejects") || jint(wire, "timewait_acks") || jint(wire, "client_rsts") ||
	    jint(wire, "server_rsts"))
		fprintf(out,
			_("  on the server's link: %s SYNs rejected by PAWS (an ACK instead of a SYN-ACK), %s other ACKs to a SYN, %s RSTs from clients, %s from the server\n"),
			i18n_int(n[0], sizeof(n[0]), jint(wire, "paws_rejects")),
			i18n_int(n[1], sizeof(n[1]), jint(wire, "timewait_acks")),
			i18n_int(n[2], sizeof(n[2]), jint(wire, "client_rsts")),
			i18n_int(n[3], sizeof(n[3]), jint(wire, "server_rsts")));
	/* one drop per client, the first: what a trainer reads aloud */
	for (size_t ci = 0; ci < lab->n_clients && shown < 5; ci++) {
		char line[512];

		if (!r->at.first_drop[ci].has)
			continue;
		report_drop_line(r, ci, line, sizeof(line));
		fprintf(out, "  %s\n", line);
		shown++;
	}
	if (attrib_lost_any(&r->lost))
		fprintf(out,
			_("  EVIDENCE LOST, this result is incomplete: %s gate events, %s drops unattributed, %s conntrack overruns, %s captured packets\n"),
			i18n_int(n[0], sizeof(n[0]), (long long)r->lost.gate_events),
			i18n_int(n[1], sizeof(n[1]), (long long)r->lost.unattributed_drops),
			i18n_int(n[2], sizeof(n[2]), (long long)r->lost.conntrack_overruns),
			i18n_int(n[3], sizeof(n[3]), (long long)r->lost.capture_packets));
	json_array_foreach(json_object_get(res, "expect"), i, ex) {
		const char *why = json_string_value(json_object_get(ex, "why"));

		const char *skip = json_string_value(json_object_get(ex, "skipped"));

		/* the check is the topology's own text: not translated */
		fputs("  expect ", out);
		col(out, json_string_value(json_object_get(ex, "check")) ?: "", 40, true);
		if (skip) {
			fprintf(out, _(" skipped (only on %s)\n"), skip);
			continue;
		}
		fprintf(out, " %s%s%s\n",
			json_is_true(json_object_get(ex, "ok")) ? _("ok") : _("FAILED"),
			why ? ": " : "", why ? why : "");
	}
}
