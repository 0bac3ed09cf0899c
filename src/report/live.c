// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <jansson.h>
#include "agents/agent.h"
#include "i18n/i18n.h"
#include "lab/gate.h"
#include "report/live.h"
#include "report/live_http.h"
#include "run/conntrack.h"
#include "run/run.h"
#include "topo/topo.h"

#define LIVE_NAT_MAX 4096	/* mappings remembered (newest win): ports are reused */
#define LIVE_REC_MAX 64		/* peers whose last record writer is remembered */

struct live_nat {
	uint32_t in_addr, out_addr;
	uint16_t out_port;
};

struct live_rec {
	uint32_t saddr, daddr;
	int client;
};

struct live {
	const struct lab *lab;
	uint64_t t0_ns;
	struct live_nat nat[LIVE_NAT_MAX];
	size_t n_nat;          /* total seen; nat[n % MAX] is the next slot */
	struct live_rec rec[LIVE_REC_MAX];
	size_t n_rec;
	uint64_t last[RS__MAX];
	bool sent_counters;
};

/* The sentences (translated at use), the drops in the words and msgids of the text report's
 * drop line (report_drop_line), numbers as the language writes them (i18n_dec). */
static const char *const sentences[] = {
	[0] = N_("%s: SYN %s:%u dropped — TSval %u is %d behind the value recorded from %s %s s ago (window %s s)"),
	[1] = N_("%s: SYN %s:%u dropped — it carries no timestamp and a record from %s is %s s old (window %s s)"),
	[2] = N_("%s: SYN %s:%u passed — %s"),
	[3] = N_("%s: %s entered TIME_WAIT and recorded TSval %u for %s"),
	[4] = N_("%s entered TIME_WAIT and kept the record of %s (TSval %u)"),
	[5] = N_("%s connects from %s:%u (%s sees %s:%u)"),
	[6] = N_("%s: connected in %s ms"),
};

/* a connect that failed, by enum attempt_outcome */
static const char *const fails[ATT__MAX] = {
	[ATT_TIMEOUT] = N_("%s: connect timed out after %s ms"),
	[ATT_REFUSED] = N_("%s: connect refused after %s ms"),
	[ATT_RESET] = N_("%s: connect reset after %s ms"),
	[ATT_ERROR] = N_("%s: connect failed after %s ms"),
};

/* why a SYN passed, by enum recycle_verdict */
static const char *const passes[] = {
	[RV_PASS_NO_RECORD] = N_("no record for this address"),
	[RV_PASS_STALE] = N_("the record is older than the window"),
	[RV_PASS_IN_WINDOW] = N_("its TSval is not behind the record"),
	[RV_PASS_TW_HIT] = N_("it reuses a connection in TIME_WAIT"),
};

static const char *const reasons[] = {
	[RV_PASS_NO_RECORD] = "no_record", [RV_PASS_STALE] = "stale",
	[RV_PASS_IN_WINDOW] = "in_window", [RV_PASS_TW_HIT] = "tw_hit",
	[RV_DROP_PAWS] = "paws", [RV_DROP_NO_TS] = "no_ts",
};

int live_new(const struct lab *lab, uint64_t t0_ns, struct live **ret)
{
	struct live *lv = calloc(1, sizeof(*lv));

	if (!lv)
		return -ENOMEM;
	lv->lab = lab;
	lv->t0_ns = t0_ns;
	*ret = lv;
	return 0;
}

void live_free(struct live *lv)
{
	free(lv);
}

static const char *name_of(const struct live *lv, int c)
{
	return c >= 0 && (size_t)c < lv->lab->n_clients ? lv->lab->clients[c].name : "?";
}

/* what a sentence calls client c: its label, else its name (as report_drop_line) */
static const char *label_of(const struct live *lv, int c)
{
	return c >= 0 && (size_t)c < lv->lab->n_clients ? topo_client_label(&lv->lab->clients[c]) :
							  "?";
}

/* what a sentence calls the server: its label, else "the server" */
static const char *server_of(const struct live *lv)
{
	return lv->lab->server.label[0] ? lv->lab->server.label : _("the server");
}

static char *dump(json_t *o)
{
	/* 9 digits: milliseconds of a run hours long, not 0.30880393499999997 */
	char *s = o ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(9)) : NULL;

	json_decref(o);
	return s;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* seconds from t0 of a CLOCK_MONOTONIC time */
static double rel_s(const struct live *lv, uint64_t t_ns)
{
	return ((double)t_ns - (double)lv->t0_ns) / 1e9;
}

static void ntoa_host(uint32_t host, char buf[INET_ADDRSTRLEN])
{
	uint32_t be = htonl(host);

	inet_ntop(AF_INET, &be, buf, INET_ADDRSTRLEN);
}

char *live_lab_json(const struct live *lv)
{
	const struct lab *lab = lv->lab;
	json_t *cl = json_array(), *o;

	for (size_t i = 0; cl && i < lab->n_clients; i++) {
		const struct lab_client *c = &lab->clients[i];
		char a[INET_ADDRSTRLEN];

		ntoa_host(c->addr.addr, a);
		o = json_pack("{s:s, s:s, s:s}", "name", c->name, "label", topo_client_label(c),
			      "addr", a);
		if (o && c->has_uptime)
			json_object_set_new(o, "uptime_s", json_real(c->uptime_ms / 1e3));
		if (o && c->has_ts_offset)
			json_object_set_new(o, "ts_offset", json_integer(c->ts_offset));
		json_array_append_new(cl, o);
	}
	return dump(json_pack("{s:s, s:s, s:o, s:b, s:f}", "lab", lab->name, "description",
			      lab->description ? lab->description : "", "clients", cl, "recycle",
			      lab->server.recycle, "window_s", lab->server.paws_msl_ms / 1e3));
}

char *live_nat_json(struct live *lv, const struct ct_entry *e)
{
	char in[INET_ADDRSTRLEN], out[INET_ADDRSTRLEN], text[300];
	int c = -1;

	if (e->orig_dst != lv->lab->server.addr.addr || e->orig_dport != lv->lab->server.port)
		return NULL;
	lv->nat[lv->n_nat++ % LIVE_NAT_MAX] = (struct live_nat){ e->orig_src, e->reply_dst,
								  e->reply_dport };
	for (size_t i = 0; i < lv->lab->n_clients; i++)
		if (lv->lab->clients[i].addr.addr == e->orig_src)
			c = i;
	ntoa_host(e->orig_src, in);
	ntoa_host(e->reply_dst, out);
	snprintf(text, sizeof(text), _(sentences[5]), label_of(lv, c), in, e->orig_sport,
		 server_of(lv), out, e->reply_dport);
	return dump(json_pack("{s:f, s:s, s:s, s:s}", "t", rel_s(lv, mono_ns()), "client",
			      name_of(lv, c), "outcome", "syn", "text", text));
}

/* which client the gate saw: the newest NAT mapping to that address:port, else its own */
static int attribute(const struct live *lv, const struct recycle_event *ev)
{
	uint32_t in = ntohl(ev->saddr);
	size_t n = lv->n_nat < LIVE_NAT_MAX ? lv->n_nat : LIVE_NAT_MAX;

	for (size_t k = 0; k < n; k++) {
		const struct live_nat *m = &lv->nat[(lv->n_nat - 1 - k) % LIVE_NAT_MAX];

		if (m->out_addr == in && m->out_port == ev->sport) {
			in = m->in_addr;
			break;
		}
	}
	for (size_t c = 0; c < lv->lab->n_clients; c++)
		if (lv->lab->clients[c].addr.addr == in)
			return c;
	return -1;
}

static struct live_rec *rec_of(struct live *lv, const struct recycle_event *ev)
{
	for (size_t i = 0; i < lv->n_rec; i++)
		if (lv->rec[i].saddr == ev->saddr && lv->rec[i].daddr == ev->daddr)
			return &lv->rec[i];
	return NULL;
}

char *live_gate_json(struct live *lv, const struct recycle_event *ev, int client,
		     const char **ret_event)
{
	char src[INET_ADDRSTRLEN], win[32], age[32], text[400];
	const char *name, *label, *by, *by_label;
	struct live_rec *r;
	bool drop;
	json_t *o;

	if (client < 0)
		client = attribute(lv, ev);
	name = name_of(lv, client);
	label = label_of(lv, client);
	inet_ntop(AF_INET, &ev->saddr, src, sizeof(src));
	r = rec_of(lv, ev);
	if (ev->kind != EV_SYN) {
		if (!r && lv->n_rec < LIVE_REC_MAX) {
			r = &lv->rec[lv->n_rec++];
			r->saddr = ev->saddr;
			r->daddr = ev->daddr;
		}
		if (ev->kind == EV_RECORD_UPDATE) {
			snprintf(text, sizeof(text), _(sentences[3]), label, server_of(lv),
				 ev->tsval, src);
			if (r)
				r->client = client;
		} else {
			snprintf(text, sizeof(text), _(sentences[4]), server_of(lv), src,
				 ev->rec_ts);
		}
		*ret_event = "record";
		return dump(json_pack("{s:f, s:s, s:s, s:I, s:I, s:s}", "t", rel_s(lv, ev->t_ns),
				      "client", name, "kind",
				      ev->kind == EV_RECORD_UPDATE ? "update" : "keep", "tsval",
				      (json_int_t)ev->tsval, "rec_ts", (json_int_t)ev->rec_ts,
				      "text", text));
	}
	by = r ? name_of(lv, r->client) : NULL;
	by_label = r ? label_of(lv, r->client) : _("this address");
	i18n_g(win, sizeof(win), lv->lab->server.paws_msl_ms / 1000.0);
	i18n_dec(age, sizeof(age), ev->rec_age_ns / 1e9, 1);
	drop = recycle_verdict_drops(ev->verdict);
	if (ev->verdict == RV_DROP_NO_TS)
		snprintf(text, sizeof(text), _(sentences[1]), label, src, ev->sport,
			 by_label, age, win);
	else if (drop)
		snprintf(text, sizeof(text), _(sentences[0]), label, src, ev->sport, ev->tsval,
			 (int32_t)(ev->rec_ts - ev->tsval), by_label, age, win);
	else
		snprintf(text, sizeof(text), _(sentences[2]), label, src, ev->sport,
			 ev->verdict < RV_DROP_PAWS ? _(passes[ev->verdict]) : "?");
	o = json_pack("{s:f, s:s, s:s, s:s, s:I, s:s}", "t", rel_s(lv, ev->t_ns), "client", name,
		      "verdict", drop ? "dropped" : "passed", "reason",
		      ev->verdict <= RV_DROP_NO_TS ? reasons[ev->verdict] : "?", "tsval",
		      (json_int_t)ev->tsval, "text", text);
	if (o && ev->has_record) {
		json_object_set_new(o, "rec_ts", json_integer(ev->rec_ts));
		json_object_set_new(o, "behind", json_integer((int32_t)(ev->rec_ts - ev->tsval)));
		json_object_set_new(o, "recorded_by", json_string(by ? by : "this address"));
	}
	*ret_event = "syn";
	return dump(o);
}

char *live_attempt_json(const struct live *lv, const struct attempt_rec *a)
{
	char text[300], ms[32];
	const char *name = name_of(lv, a->client), *label = label_of(lv, a->client);
	const char *out = agent_outcome_str(a->outcome);

	if (a->outcome == ATT_OK) {
		i18n_dec(ms, sizeof(ms), a->connect_us / 1e3, 1);
		snprintf(text, sizeof(text), _(sentences[6]), label, ms);
	} else {
		i18n_dec(ms, sizeof(ms), (a->t_end_us - a->t_start_us) / 1e3, 1);
		snprintf(text, sizeof(text),
			 _((unsigned int)a->outcome < ATT__MAX && fails[a->outcome] ?
				   fails[a->outcome] : fails[ATT_ERROR]), label, ms);
	}
	return dump(json_pack("{s:f, s:s, s:s, s:f, s:i, s:s}", "t", a->t_end_us / 1e6, "client",
			      name, "outcome", out, "connect_ms", a->connect_us / 1e3,
			      "syn_retransmits", a->syn_retrans, "text", text));
}

char *live_counters_json(struct live *lv, const uint64_t st[RS__MAX])
{
	if (lv->sent_counters && !memcmp(lv->last, st, sizeof(lv->last)))
		return NULL;
	memcpy(lv->last, st, sizeof(lv->last));
	lv->sent_counters = true;
	return dump(json_pack("{s:I, s:I, s:I, s:I, s:I}", "syn_seen", (json_int_t)st[RS_SYN_SEEN],
			      "syn_passed", (json_int_t)st[RS_SYN_PASSED], "syn_dropped",
			      (json_int_t)st[RS_SYN_DROPPED], "records_updated",
			      (json_int_t)st[RS_RECORDS_UPDATED], "events_lost",
			      (json_int_t)st[RS_EVENTS_LOST]));
}

static void push(struct live_http *h, const char *event, char *json)
{
	if (json)
		live_http_push(h, event, json);
	free(json);
}

#define LIVE_COUNTERS_NS (250 * 1000000ull)

/* what the run loop hands on as it arrives (run_sink) */
static void sink_gate(void *ctx, const struct run *r, const struct run_gate_event *g)
{
	struct live_run *l = ctx;
	const char *event;
	char *j;

	if (!l->lv->t0_ns)
		l->lv->t0_ns = r->t0_ns;
	j = live_gate_json(l->lv, &g->ev, g->client, &event);
	push(l->http, event, j);
}

static void sink_attempt(void *ctx, const struct run *r, const struct attempt_rec *a)
{
	struct live_run *l = ctx;

	if (!l->lv->t0_ns)
		l->lv->t0_ns = r->t0_ns;
	push(l->http, "connect", live_attempt_json(l->lv, a));
}

void live_run_hook(struct run *r, void *ctx)
{
	struct live_run *l = ctx;
	uint64_t st[RS__MAX], now = mono_ns();

	if (!l->lv->t0_ns)
		l->lv->t0_ns = r->t0_ns;
	for (; l->sent_nat < r->n_nat; l->sent_nat++) {
		const struct run_nat_map *m = &r->nat[l->sent_nat];

		l->lv->nat[l->lv->n_nat++ % LIVE_NAT_MAX] = (struct live_nat){ m->in_addr,
									       m->out_addr,
									       m->out_port };
	}
	if (r->rt->gate && now - l->stats_ns >= LIVE_COUNTERS_NS && !gate_stats(r->rt->gate, st)) {
		l->stats_ns = now;
		push(l->http, "counters", live_counters_json(l->lv, st));
	}
}

void live_run_attach(struct run *r, struct live_run *l)
{
	l->sink = (struct run_sink){ .attempt = sink_attempt, .gate = sink_gate, .ctx = l,
				     .next = r->sink };
	r->sink = &l->sink;
	r->live = live_run_hook;
	r->live_ctx = l;
}
