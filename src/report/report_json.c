// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "i18n/i18n.h"
#include "report/report.h"

static const char *verdicts[] = {
	[RV_PASS_NO_RECORD] = "no-record", [RV_PASS_STALE] = "stale-record",
	[RV_PASS_IN_WINDOW] = "in-window", [RV_PASS_TW_HIT] = "timewait-hit",
	[RV_DROP_PAWS] = "paws", [RV_DROP_NO_TS] = "no-timestamp",
	[RV_WIRE_ANSWERED] = "answered", [RV_WIRE_UNANSWERED] = "unanswered",
};

static const char *verdict_str(uint8_t v)
{
	return v < sizeof(verdicts) / sizeof(verdicts[0]) && verdicts[v] ? verdicts[v] : "?";
}

static bool is_drop(const struct recycle_event *e)
{
	return e->kind == EV_SYN && recycle_verdict_drops(e->verdict);
}

static void ntoa(uint32_t host, char buf[INET_ADDRSTRLEN])
{
	uint32_t be = htonl(host);

	inet_ntop(AF_INET, &be, buf, INET_ADDRSTRLEN);
}

static double round3(double x)
{
	return (double)(long long)(x * 1000 + (x >= 0 ? 0.5 : -0.5)) / 1000;
}

/* A command client: what the kernel counted on its sockets towards the server (every connect,
 * every completed handshake, every SYN sent again); nothing is known of latencies or of why
 * an attempt failed. Without a count (no cgroup v2) the numbers are null, never a false 0. */
static json_t *command_client_json(const struct run *r, size_t ci, const char *addr,
				   uint64_t drops)
{
	const struct lab_client *c = &r->lab->clients[ci];
	const struct run_cmd_counts *k = r->cmd_counts ? &r->cmd_counts[ci] : NULL;
	json_t *o;

#define N(x) (k ? json_integer(x) : json_null())
	o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:I, s:o, s:{s:o, s:o}, s:{s:n, s:n, s:n}}",
		      "name", c->name, "address", addr, "ts_mode", topo_ts_mode_str(c->ts_mode),
		      "measured", k ? "sockets" : "none", "attempts", N(k->attempts),
		      "connected", N(k->connected), "failed", N(k->attempts - k->connected),
		      "syn_dropped", (json_int_t)drops, "syn_retransmits", N(k->syn_retransmits),
		      "outcomes", "ok", N(k->connected), "not_connected",
		      N(k->attempts - k->connected), "connect_ms", "p50", "p99", "max");
#undef N
	if (o && c->label[0])
		json_object_set_new(o, "label", json_string(c->label));
	if (o && c->ts_mode == TS_OFFSET && r->rt->client_ts_offset)
		json_object_set_new(o, "ts_offset", json_integer(r->rt->client_ts_offset[ci]));
	if (o && c->ts_mode == TS_OFFSET)
		json_object_set_new(o, "hz", json_integer(topo_client_hz(c)));
	if (o && c->ts_mode == TS_OFFSET)
		json_object_set_new(o, "hz", json_integer(topo_client_hz(c)));
	return o;
}

/* syn_dropped: the gate's BPF count for the client, or with the kernel's own rule (gate.mode
 * "kernel") the SYNs the wire saw go unanswered, attributed to it (run.c deliver_kernel); what
 * the clients saw of it is gate.client_seen_drops. */
static json_t *client_json(const struct run *r, size_t ci)
{
	const struct lab_client *c = &r->lab->clients[ci];
	const struct attrib_client *t = &r->at.c[ci];
	uint64_t drops = r->client_drops ? r->client_drops[ci] : 0;
	const struct attrib_hist *h = &t->connect_us;
	char addr[INET_ADDRSTRLEN];
	json_t *o, *oc;

	ntoa(c->addr.addr, addr);
	if (c->command)
		return command_client_json(r, ci, addr, drops);
	oc = json_object();
	for (int k = 0; k < ATT__MAX; k++)
		json_object_set_new(oc, agent_outcome_str(k), json_integer(t->outcomes[k]));
	/* no connection, no latency: null rather than a misleading 0 */
	o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:I, s:i, s:o, s:{s:o, s:o, s:o}}",
		      "name", c->name, "address", addr, "ts_mode", topo_ts_mode_str(c->ts_mode),
		      "measured", "agent", "attempts", t->attempts, "connected", t->ok, "failed",
		      t->attempts - t->ok, "syn_dropped", (json_int_t)drops, "syn_retransmits",
		      t->syn_retrans, "outcomes", oc, "connect_ms", "p50",
		      h->count ? json_real(round3(attrib_hist_pct(h, 50) / 1000.0)) : json_null(),
		      "p99", h->count ? json_real(round3(attrib_hist_pct(h, 99) / 1000.0)) : json_null(),
		      "max", h->count ? json_real(round3(h->max / 1000.0)) : json_null());
	if (o && c->label[0])
		json_object_set_new(o, "label", json_string(c->label));
	if (o && c->ts_mode == TS_OFFSET && r->rt->client_ts_offset)
		json_object_set_new(o, "ts_offset", json_integer(r->rt->client_ts_offset[ci]));
	if (o && c->ts_mode == TS_OFFSET)
		json_object_set_new(o, "hz", json_integer(topo_client_hz(c)));
	if (o && c->ts_mode == TS_OFFSET)
		json_object_set_new(o, "hz", json_integer(topo_client_hz(c)));
	if (o && c->has_uptime)
		json_object_set_new(o, "uptime_s", json_real(c->uptime_ms / 1000.0));
	return o;
}

static json_t *gate_json(const struct run *r)
{
	const struct lab_server *s = &r->lab->server;
	const uint64_t *st = r->gate_stats;	/* all zero when the gate is off */
	size_t unattributed = r->attrib_stats[AS_UNATTRIBUTED];
	json_t *g;

	/* the same keys whether the gate is on or off: scripts rely on the shape */
	g = json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:f, s:i, s:I, s:I, s:I, s:I, s:I}",
		      "enabled", s->recycle, "syn_seen", (json_int_t)st[RS_SYN_SEEN],
		      "syn_passed", (json_int_t)st[RS_SYN_PASSED], "syn_dropped",
		      (json_int_t)st[RS_SYN_DROPPED], "records_updated",
		      (json_int_t)st[RS_RECORDS_UPDATED], "records_kept",
		      (json_int_t)st[RS_RECORDS_KEPT], "paws_msl_s", s->paws_msl_ms / 1000.0,
		      "paws_window", s->paws_window, "PAWSPassive",
		      (json_int_t)st[RS_PAWS_PASSIVE], "ListenDrops",
		      (json_int_t)st[RS_LISTEN_DROPS], "timewait_hits",
		      (json_int_t)st[RS_TW_HITS], "events_lost", (json_int_t)st[RS_EVENTS_LOST],
		      "unattributed_drops", (json_int_t)unattributed);
	/* why a drop went unattributed, and notes the router could not store (all 0 normally) */
	json_object_set_new(g, "unattributed_no_note",
			    json_integer((json_int_t)r->attrib_stats[AS_NO_NOTE]));
	json_object_set_new(g, "unattributed_other_isn",
			    json_integer((json_int_t)r->attrib_stats[AS_OTHER_ISN]));
	json_object_set_new(g, "notes_failed",
			    json_integer((json_int_t)r->attrib_stats[AS_NOTE_FAILED]));
	json_object_set_new(g, "mode", json_string(!s->recycle	     ? "off"
						   : r->rt->gate_kernel ? "kernel"
									: "emulated"));
	json_object_set_new(g, "observed", json_string(r->rt->gate_kernel ? "wire" : "gate"));
	if (g && r->rt->gate_kernel) {
		/* the kernel's rule: its own counters, and the drops the clients saw */
		uint64_t drops = 0, pp = 0, ld = 0;

		for (size_t i = 0; i < r->lab->n_clients; i++)
			drops += r->at.c[i].unanswered;
		if (r->before && r->after) {
			pp = counters_get(&r->after[0], "TcpExtPAWSPassive") -
			     counters_get(&r->before[0], "TcpExtPAWSPassive");
			ld = counters_get(&r->after[0], "TcpExtListenDrops") -
			     counters_get(&r->before[0], "TcpExtListenDrops");
		}
		json_object_set_new(g, "client_seen_drops", json_integer(drops));
		json_object_set_new(g, "PAWSPassive", json_integer(pp));
		json_object_set_new(g, "ListenDrops", json_integer(ld));
	}
	return g;
}

static json_t *nat_json(const struct run *r)
{
	json_t *a = json_array();

	for (size_t i = 0; i < r->n_nat; i++) {
		const struct run_nat_map *m = &r->nat[i];
		char in[INET_ADDRSTRLEN], out[INET_ADDRSTRLEN], bi[32], bo[32];
		const char *who = "?";

		ntoa(m->in_addr, in);
		ntoa(m->out_addr, out);
		for (size_t c = 0; c < r->lab->n_clients; c++)
			if (r->lab->clients[c].addr.addr == m->in_addr)
				who = r->lab->clients[c].name;
		snprintf(bi, sizeof(bi), "%s:%u", in, m->in_port);
		snprintf(bo, sizeof(bo), "%s:%u", out, m->out_port);
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:f}", "client", who, "inside",
						   bi, "outside", bo, "t",
						   round3(((double)m->t_ns - r->t0_ns) / 1e9)));
	}
	return a;
}

/* The router's conntrack: statistics that changed (insert_failed and drop tell NAT clashes)
 * and the table as the run left it. */
static json_t *conntrack_json(const struct run *r)
{
	json_t *table = json_array();

	for (size_t i = 0; i < r->n_ct_end; i++) {
		const struct ct_entry *e = &r->ct_end[i];
		char in[INET_ADDRSTRLEN], out[INET_ADDRSTRLEN], bi[32], bo[32];
		const char *who = "?";

		ntoa(e->orig_src, in);
		ntoa(e->reply_dst, out);
		for (size_t c = 0; c < r->lab->n_clients; c++)
			if (r->lab->clients[c].addr.addr == e->orig_src)
				who = r->lab->clients[c].name;
		snprintf(bi, sizeof(bi), "%s:%u", in, e->orig_sport);
		snprintf(bo, sizeof(bo), "%s:%u", out, e->reply_dport);
		json_array_append_new(table, json_pack("{s:s, s:s, s:s, s:s, s:i}", "client", who,
						       "inside", bi, "outside", bo, "state",
						       ct_state_str(e->tcp_state), "timeout_s",
						       (int)e->timeout));
	}
	return json_pack("{s:o, s:o, s:I}", "stats",
			 counters_delta_json(&r->ct_before, &r->ct_after), "table", table,
			 "table_total", (json_int_t)r->ct_end_total);
}

/* What the server's link showed besides SYN-ACKs (run/twwatch.h), as counts. */
static json_t *wire_json(const struct run *r)
{
	const uint64_t *c = r->tw_counts;

	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "paws_rejects",
			 (json_int_t)c[TW_PAWS_REJECT], "timewait_acks", (json_int_t)c[TW_ACK],
			 "client_rsts", (json_int_t)c[TW_RST_CLIENT], "server_rsts",
			 (json_int_t)c[TW_RST_SERVER], "events_lost", (json_int_t)r->tw_lost,
			 "ring_drops", (json_int_t)r->tw_ring_drops);
}

/* What evidence was lost: any of it and the run is not ok (README "Scale"). */
static json_t *lost_json(const struct run *r)
{
	const struct attrib_lost *l = &r->lost;

	return json_pack("{s:b, s:I, s:I, s:I, s:I}", "any", attrib_lost_any(l), "gate_events",
			 (json_int_t)l->gate_events, "unattributed_drops",
			 (json_int_t)l->unattributed_drops, "conntrack_overruns",
			 (json_int_t)l->conntrack_overruns, "capture_packets",
			 (json_int_t)l->capture_packets);
}

json_t *report_result(const struct run *r)
{
	json_t *res, *clients = json_array(), *counters = json_object();

	for (size_t i = 0; r->at.c && i < r->lab->n_clients; i++)
		json_array_append_new(clients, client_json(r, i));
	for (size_t i = 0; r->before && r->after && i < r->n_nodes; i++) {
		if (i == 1 && !r->lab->router.present)
			continue;
		json_object_set_new(counters, run_node_name(r, i),
				    counters_delta_json(&r->before[i], &r->after[i]));
	}
	res = json_pack("{s:i, s:s, s:s, s:s, s:b, s:f, s:f, s:f, s:o, s:o, s:o, s:o}",
			"schema", 1, "lab", r->lab->name, "topology", r->lab->file ? r->lab->file : "",
			"kernel", r->kernel, "ok", 1, "duration_s", round3(r->duration_s),
			"setup_s", round3(r->setup_s), "teardown_s", round3(r->teardown_s), "gate",
			gate_json(r), "clients", clients, "counters", counters, "nat", nat_json(r));
	if (res) {
		json_object_set_new(res, "nat_total", json_integer(r->nat_total));
		json_object_set_new(res, "wire", wire_json(r));
		json_object_set_new(res, "lost", lost_json(r));
	}
	if (res && (r->lab->server.label[0] || r->lab->router.label[0])) {
		json_t *l = json_object();

		if (r->lab->server.label[0])
			json_object_set_new(l, "server", json_string(r->lab->server.label));
		if (r->lab->router.present && r->lab->router.label[0])
			json_object_set_new(l, "router", json_string(r->lab->router.label));
		json_object_set_new(res, "labels", l);
	}
	if (res && r->lab->description)
		json_object_set_new(res, "description", json_string(r->lab->description));
	if (res && r->lab->router.present)
		json_object_set_new(res, "conntrack", conntrack_json(r));
	if (res && r->err[0])
		json_object_set_new(res, "error", json_string(r->err));
	if (res && r->interrupted)
		json_object_set_new(res, "interrupted", json_true());
	return res;
}

static const char *client_name(const struct run *r, int c)
{
	return c >= 0 && (size_t)c < r->lab->n_clients ? r->lab->clients[c].name : "?";
}

/* what a sentence calls client c: its label, else its name */
static const char *client_label(const struct run *r, int c)
{
	return c >= 0 && (size_t)c < r->lab->n_clients ? topo_client_label(&r->lab->clients[c]) : "?";
}

void report_drop_line(const struct run *r, size_t ci, char *buf, size_t len)
{
	const struct attrib_drop *d = &r->at.first_drop[ci];
	char src[INET_ADDRSTRLEN], win[32], age[32];
	uint32_t be = d->ev.saddr;
	int32_t behind = (int32_t)(d->ev.rec_ts - d->ev.tsval);
	const char *writer = d->writer >= 0 ? client_label(r, d->writer) : _("this address");
	const char *server = r->lab->server.label[0] ? r->lab->server.label : _("the server");

	inet_ntop(AF_INET, &be, src, sizeof(src));
	i18n_g(win, sizeof(win), r->lab->server.paws_msl_ms / 1000.0);
	i18n_dec(age, sizeof(age), d->ev.rec_age_ns / 1e9, 1);
	/* TSvals and their distance stay as the wire and tshark write them: a trainer looks
	 * them up in the capture */
	if (d->ev.verdict == RV_WIRE_UNANSWERED && !d->ev.has_record)
		snprintf(buf, len, _("%s: SYN %s:%u dropped — %s answered neither SYN-ACK nor RST"),
			 client_label(r, ci), src, d->ev.sport, server);
	else if (d->ev.verdict == RV_WIRE_UNANSWERED)
		snprintf(buf, len,
			 _("%s: SYN %s:%u dropped — unanswered; TSval %u, the tcp_metrics record %u of %s is %d ahead and %s s old"),
			 client_label(r, ci), src, d->ev.sport, d->ev.tsval, d->ev.rec_ts, server,
			 behind, age);
	else if (d->ev.verdict == RV_DROP_NO_TS)
		snprintf(buf, len,
			 _("%s: SYN %s:%u dropped — it carries no timestamp and a record from %s is %s s old (window %s s)"),
			 client_label(r, ci), src, d->ev.sport, writer, age, win);
	else
		snprintf(buf, len,
			 _("%s: SYN %s:%u dropped — TSval %u is %d behind the value recorded from %s %s s ago (window %s s)"),
			 client_label(r, ci), src, d->ev.sport, d->ev.tsval, behind, writer, age,
			 win);
}

/* events.jsonl, one line as each record or decision arrives (struct run_sink) */
static void put_line(FILE *f, json_t *j)
{
	if (j && json_dumpf(j, f, JSON_COMPACT | JSON_REAL_PRECISION(6)) == 0)
		fputc('\n', f);
	json_decref(j);
}

static void event_attempt(void *ctx, const struct run *r, const struct attempt_rec *a)
{
	char addr[INET_ADDRSTRLEN], local[32];

	ntoa(a->local_addr, addr);
	snprintf(local, sizeof(local), "%s:%u", addr, a->local_port);
	put_line(ctx, json_pack("{s:f, s:s, s:s, s:i, s:s, s:s, s:f, s:f, s:i, s:i}", "t",
				round3(a->t_start_us / 1e6), "type", "attempt", "client",
				client_name(r, a->client), "seq", a->seq, "local", local,
				"outcome", agent_outcome_str(a->outcome), "connect_ms",
				round3(a->connect_us / 1e3), "end", round3(a->t_end_us / 1e6),
				"syn_retrans", a->syn_retrans, "errno", a->err));
}

static void event_gate(void *ctx, const struct run *r, const struct run_gate_event *g)
{
	char s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN], tuple[64];
	uint32_t sb = g->ev.saddr, db = g->ev.daddr;
	double t = ((double)g->ev.t_ns - r->t0_ns) / 1e9;
	json_t *j;

	inet_ntop(AF_INET, &sb, s, sizeof(s));
	inet_ntop(AF_INET, &db, d, sizeof(d));
	snprintf(tuple, sizeof(tuple), "%s:%u>%s:%u", s, g->ev.sport, d, g->ev.dport);
	if (g->ev.kind == EV_SYN) {
		j = json_pack("{s:f, s:s, s:s, s:s, s:s, s:s}", "t", round3(t), "type", "syn",
			      "client", client_name(r, g->client), "tuple", tuple, "verdict",
			      is_drop(&g->ev) ? "drop" : "pass", "reason", verdict_str(g->ev.verdict));
		if (j && g->ev.has_ts)
			json_object_set_new(j, "tsval", json_integer(g->ev.tsval));
		if (j && g->ev.has_record) {
			json_object_set_new(j, "record_ts", json_integer(g->ev.rec_ts));
			json_object_set_new(j, "record_age_s",
					    json_real(round3(g->ev.rec_age_ns / 1e9)));
			if (g->ev.has_ts)
				json_object_set_new(j, "behind", json_integer(g->behind));
		}
	} else {
		j = json_pack("{s:f, s:s, s:s, s:s, s:s, s:I, s:I}", "t", round3(t), "type", "record",
			      "client", client_name(r, g->client), "tuple", tuple, "action",
			      g->ev.kind == EV_RECORD_UPDATE ? "update" : "keep", "ts_recent",
			      (json_int_t)g->ev.tsval, "record_ts", (json_int_t)g->ev.rec_ts);
	}
	put_line(ctx, j);
}

/* "paws_reject", "timewait_ack" (a SYN answered by a bare ACK) and "rst" lines */
static void event_tw(void *ctx, const struct run *r, const struct tw_event *e)
{
	static const char *const types[] = { "paws_reject", "timewait_ack", "rst", "rst" };
	char s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN], tuple[64];
	uint32_t sb = e->saddr, db = e->daddr;
	json_t *j;

	if (e->kind >= RUN_TW_KINDS)
		return;
	inet_ntop(AF_INET, &sb, s, sizeof(s));
	inet_ntop(AF_INET, &db, d, sizeof(d));
	snprintf(tuple, sizeof(tuple), "%s:%u>%s:%u", s, e->sport, d, e->dport);
	j = json_pack("{s:f, s:s, s:s, s:s}", "t", round3(((double)e->t_ns - r->t0_ns) / 1e9),
		      "type", types[e->kind], "client", client_name(r, e->client), "tuple", tuple);
	if (!j)
		return;
	if (e->kind == TW_RST_CLIENT || e->kind == TW_RST_SERVER) {
		json_object_set_new(j, "from", json_string(e->kind == TW_RST_CLIENT ? "client"
										 : "server"));
		json_object_set_new(j, "answers", json_string(e->answers_ack   ? "timewait_ack"
							      : e->answers_syn ? "syn"
									       : "segment"));
	} else {
		json_object_set_new(j, "syn_t", json_real(round3(((double)e->syn_t_ns - r->t0_ns) / 1e9)));
		if (e->has_ts) {
			json_object_set_new(j, "tsval", json_integer(e->tsval));
			json_object_set_new(j, "tw_ts_recent", json_integer(e->tw_ts));
			json_object_set_new(j, "behind", json_integer((int32_t)(e->tw_ts - e->tsval)));
		}
	}
	put_line(ctx, j);
}

void report_sink(struct run_sink *s, FILE *f)
{
	*s = (struct run_sink){ .attempt = event_attempt, .gate = event_gate, .tw = event_tw,
				.ctx = f };
}

int report_write_json(json_t *j, FILE *f)
{
	if (json_dumpf(j, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6)) ||
	    fputc('\n', f) == EOF)
		return -EIO;
	return 0;
}
