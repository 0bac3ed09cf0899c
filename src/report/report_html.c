// SPDX-License-Identifier: GPL-2.0
/*
 * report.html: one page a trainer can put on a projector. Everything is inline (CSS, SVG); hover
 * text is SVG <title>, so the page needs no script. Built only from result.json's structure and
 * events.jsonl, so it can be regenerated from a run's output folder.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/report_html.h"

#define MAX_POINTS	  20000 /* TSval chart: beyond this, every k-th SYN */
#define MAX_NAT_ROWS	  500
#define MAX_LEGEND	  12
#define MAX_DIRECT_LABELS 10
#define COUNTER_COLS	  8 /* more nodes than this: clients are summed in one column */

enum hkind { HK_ATTEMPT, HK_SYN, HK_RECORD };
enum houtc { HO_OK, HO_TIMEOUT, HO_REFUSED, HO_RESET, HO_ERROR };

struct hev {
	double t, t_end;
	enum hkind kind;
	int client; /* index in result "clients", -1 when unknown */
	int peer;   /* syn, record: index in model.peer */
	enum houtc outc;
	bool drop, has_ts, update;
	uint32_t tsval, record_ts;
	char *title; /* hover text, not escaped */
};

struct peer {
	char key[96];	 /* "src>dst" addresses: the gate's record key */
	char addr[48];	 /* src: the address the server sees */
	int last_client; /* client of the last update, -1 none */
};

struct model {
	json_t *res;
	size_t n_clients;
	const char **cname;
	int *by_name; /* client indices sorted by name */
	struct hev *ev;
	size_t n_ev, cap_ev;
	struct peer *peer;
	size_t n_peer, cap_peer;
	double t0, t1; /* time axis */
	double paws_msl;
	bool gate;
	size_t n_syn, n_drop_unattr;
	bool have_y;
	double ymin, ymax;
};

/* Okabe-Ito, without yellow (too light on white) and black (the record line) */
static const char *const palette[] = {"#0072B2", "#E69F00", "#009E73",
				      "#CC79A7", "#D55E00", "#56B4E9"};
#define N_PALETTE (sizeof(palette) / sizeof(palette[0]))

static const char *client_colour(int ci)
{
	return ci < 0 ? "#777777" : palette[ci % N_PALETTE];
}

/* ---- small json helpers ---- */

static double jnum(json_t *o, const char *key, double dflt)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : dflt;
}

static const char *jstr(json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : dflt;
}

/* ---- output ---- */

static void esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
				fputc(' ', f);
			else
				fputc(*s, f);
		}
	}
}

/* 864000367 -> "864,000,367" */
static void fmt_int(char *buf, size_t len, long long v)
{
	char tmp[32], *p = buf;
	int n = snprintf(tmp, sizeof(tmp), "%lld", v < 0 ? -v : v), i;

	if (len < 40) { /* room for the longest value */
		if (len)
			*buf = 0;
		return;
	}
	if (v < 0)
		*p++ = '-';
	for (i = 0; i < n; i++) {
		*p++ = tmp[i];
		if ((n - i - 1) % 3 == 0 && i != n - 1)
			*p++ = ',';
	}
	*p = 0;
}

static void num_cell(FILE *f, json_t *v)
{
	char b[48];

	if (json_is_integer(v)) {
		fmt_int(b, sizeof(b), json_integer_value(v));
		fprintf(f, "<td class=\"n\">%s</td>", b);
	} else if (json_is_real(v)) {
		fprintf(f, "<td class=\"n\">%g</td>", json_real_value(v));
	} else if (json_is_string(v)) {
		fputs("<td>", f);
		esc(f, json_string_value(v));
		fputs("</td>", f);
	} else {
		fputs("<td class=\"n\">–</td>", f);
	}
}

/* ---- model: clients and events ---- */

static int cmp_name(const void *a, const void *b, void *arg)
{
	const char **names = arg;

	return strcmp(names[*(const int *)a], names[*(const int *)b]);
}

static int client_index(const struct model *m, const char *name)
{
	size_t lo = 0, hi = m->n_clients;

	while (name && lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(name, m->cname[m->by_name[mid]]);

		if (!c)
			return m->by_name[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

static const char *cname(const struct model *m, int ci)
{
	return ci >= 0 ? m->cname[ci] : "?";
}

static int peer_index(struct model *m, const char *tuple)
{
	char key[96], addr[48];
	const char *gt = strchr(tuple, '>'), *colon;
	size_t n;

	/* "198.51.100.1:49032>198.51.100.2:8080": key by both addresses, as the gate does */
	if (!gt)
		gt = tuple + strlen(tuple);
	colon = memchr(tuple, ':', gt - tuple);
	n = colon ? (size_t)(colon - tuple) : (size_t)(gt - tuple);
	snprintf(addr, sizeof(addr), "%.*s", (int)(n < 47 ? n : 47), tuple);
	colon = *gt ? strchr(gt + 1, ':') : NULL;
	snprintf(key, sizeof(key), "%s>%.*s", addr,
		 *gt ? (int)(colon ? colon - gt - 1 : (long)strlen(gt + 1)) : 0, *gt ? gt + 1 : "");
	for (size_t i = 0; i < m->n_peer; i++)
		if (!strcmp(m->peer[i].key, key))
			return (int)i;
	if (m->n_peer == m->cap_peer) {
		size_t cap = m->cap_peer ? 2 * m->cap_peer : 8;
		struct peer *p = realloc(m->peer, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		m->peer = p;
		m->cap_peer = cap;
	}
	snprintf(m->peer[m->n_peer].key, sizeof(m->peer[0].key), "%s", key);
	snprintf(m->peer[m->n_peer].addr, sizeof(m->peer[0].addr), "%s", addr);
	m->peer[m->n_peer].last_client = -1;
	return (int)m->n_peer++;
}

static void see_y(struct model *m, double y)
{
	if (!m->have_y || y < m->ymin)
		m->ymin = y;
	if (!m->have_y || y > m->ymax)
		m->ymax = y;
	m->have_y = true;
}

static void see_t(struct model *m, double t)
{
	if (t < m->t0)
		m->t0 = t;
	if (t > m->t1)
		m->t1 = t;
}

static enum houtc outcome_of(const char *s)
{
	static const char *const names[] = {"ok", "timeout", "refused", "reset"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i]))
			return (enum houtc)i;
	return HO_ERROR;
}

/* The same sentence as the text report's drop line (report_drop_line). */
static char *drop_title(const struct model *m, const struct hev *e, json_t *j)
{
	const char *tuple = jstr(j, "tuple", "?"), *gt = strchr(tuple, '>');
	int src_len = gt ? (int)(gt - tuple) : (int)strlen(tuple);
	int from = e->peer >= 0 ? m->peer[e->peer].last_client : -1;
	const char *who = from >= 0 ? m->cname[from] : "this address";
	double age = jnum(j, "record_age_s", 0);
	char *s = NULL;
	int r;

	if (!strcmp(jstr(j, "reason", ""), "no-timestamp"))
		r = asprintf(
			&s,
			"%s: SYN %.*s dropped — it carries no timestamp and a record from %s is %.1f s old (window %g s)",
			cname(m, e->client), src_len, tuple, who, age, m->paws_msl);
	else
		r = asprintf(
			&s,
			"%s: SYN %.*s dropped — TSval %u is %lld behind the value recorded from %s %.1f s ago (window %g s)",
			cname(m, e->client), src_len, tuple, e->tsval,
			(long long)jnum(j, "behind", (double)(int32_t)(e->record_ts - e->tsval)),
			who, age, m->paws_msl);
	return r < 0 ? NULL : s;
}

static char *event_title(struct model *m, struct hev *e, json_t *j)
{
	const char *who = cname(m, e->client), *local = jstr(j, "local", "?");
	char *s = NULL;
	int r = 0;

	switch (e->kind) {
	case HK_ATTEMPT:
		switch (e->outc) {
		case HO_OK:
			r = asprintf(&s, "%s: connected in %.2f ms from %s (t %.3f s)", who,
				     jnum(j, "connect_ms", 0), local, e->t);
			break;
		case HO_TIMEOUT:
			r = asprintf(
				&s,
				"%s: connect from %s timed out after %.1f s, %d SYN retransmit(s) (started t %.3f s)",
				who, local, e->t_end - e->t, (int)jnum(j, "syn_retrans", 0), e->t);
			break;
		case HO_REFUSED:
			r = asprintf(&s, "%s: connect from %s refused, RST to the SYN (t %.3f s)",
				     who, local, e->t_end);
			break;
		case HO_RESET:
			r = asprintf(&s, "%s: connection from %s reset (t %.3f s)", who, local,
				     e->t_end);
			break;
		default:
			r = asprintf(&s, "%s: connect from %s failed: %s, errno %d (t %.3f s)", who,
				     local, jstr(j, "outcome", "?"), (int)jnum(j, "errno", 0),
				     e->t_end);
		}
		break;
	case HK_SYN:
		if (e->drop)
			return drop_title(m, e, j);
		if (e->has_ts)
			r = asprintf(&s, "%s: SYN %s TSval %u passed (%s, t %.3f s)", who,
				     jstr(j, "tuple", "?"), e->tsval, jstr(j, "reason", "?"), e->t);
		else
			r = asprintf(&s, "%s: SYN %s without timestamp passed (%s, t %.3f s)", who,
				     jstr(j, "tuple", "?"), jstr(j, "reason", "?"), e->t);
		break;
	case HK_RECORD:
		if (e->update)
			r = asprintf(
				&s,
				"t %.3f s: server record for %s updated to %u, from %s (the server closed first: TIME_WAIT)",
				e->t, m->peer[e->peer].addr, e->record_ts, who);
		else
			r = asprintf(
				&s,
				"t %.3f s: server record for %s kept at %u: %s's TSval %u is older",
				e->t, m->peer[e->peer].addr, e->record_ts, who, e->tsval);
		break;
	}
	return r < 0 ? NULL : s;
}

static int add_event(struct model *m, json_t *j)
{
	const char *type = jstr(j, "type", "");
	struct hev *e;

	if (m->n_ev == m->cap_ev) {
		size_t cap = m->cap_ev ? 2 * m->cap_ev : 256;
		struct hev *v = realloc(m->ev, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		m->ev = v;
		m->cap_ev = cap;
	}
	e = &m->ev[m->n_ev];
	memset(e, 0, sizeof(*e));
	e->t = e->t_end = jnum(j, "t", 0);
	e->client = client_index(m, jstr(j, "client", NULL));
	e->peer = -1;
	if (!strcmp(type, "attempt")) {
		e->kind = HK_ATTEMPT;
		e->outc = outcome_of(jstr(j, "outcome", ""));
		e->t_end = jnum(j, "end", e->t);
		if (e->outc == HO_OK)
			e->t_end = e->t + jnum(j, "connect_ms", 0) / 1000.0;
	} else if (!strcmp(type, "syn") || !strcmp(type, "record")) {
		int p = peer_index(m, jstr(j, "tuple", ""));

		if (p < 0)
			return p;
		e->peer = p;
		e->tsval = (uint32_t)jnum(j, type[0] == 's' ? "tsval" : "ts_recent", 0);
		e->record_ts = (uint32_t)jnum(j, "record_ts", 0);
		if (type[0] == 's') {
			e->kind = HK_SYN;
			e->drop = !strcmp(jstr(j, "verdict", ""), "drop");
			e->has_ts = json_is_number(json_object_get(j, "tsval"));
			m->n_syn++;
			if (e->has_ts)
				see_y(m, e->tsval);
			if (e->drop && e->client < 0)
				m->n_drop_unattr++;
		} else {
			e->kind = HK_RECORD;
			e->update = !strcmp(jstr(j, "action", ""), "update");
			see_y(m, e->record_ts);
		}
	} else {
		return 0;
	}
	see_t(m, e->t);
	see_t(m, e->t_end);
	e->title = event_title(m, e, j);
	if (e->kind == HK_RECORD && e->update)
		m->peer[e->peer].last_client = e->client;
	m->n_ev++;
	return 0;
}

static int load_events(struct model *m, const char *path)
{
	char *line = NULL;
	size_t cap = 0;
	int err = 0;
	FILE *f;

	if (!path)
		return 0;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (!err && getline(&line, &cap, f) > 0) {
		json_t *j = json_loads(line, 0, NULL);

		if (json_is_object(j))
			err = add_event(m, j);
		json_decref(j);
	}
	if (!err && ferror(f))
		err = -EIO;
	free(line);
	fclose(f);
	return err;
}

static int load_clients(struct model *m)
{
	json_t *clients = json_object_get(m->res, "clients");
	size_t n = json_array_size(clients);

	m->cname = calloc(n + 1, sizeof(*m->cname));
	m->by_name = calloc(n + 1, sizeof(*m->by_name));
	if (!m->cname || !m->by_name)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		m->cname[i] = jstr(json_array_get(clients, i), "name", "?");
		m->by_name[i] = (int)i;
	}
	m->n_clients = n;
	qsort_r(m->by_name, n, sizeof(int), cmp_name, m->cname);
	return 0;
}

static void model_free(struct model *m)
{
	for (size_t i = 0; i < m->n_ev; i++)
		free(m->ev[i].title);
	free(m->ev);
	free(m->peer);
	free(m->cname);
	free(m->by_name);
}

/* ---- axes ---- */

static double nice_step(double range, int want)
{
	double raw = range / want, p = pow(10, floor(log10(raw))), f = raw / p;

	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

/* ---- page parts ---- */

static const char css[] =
	"body{font:22px/1.4 'DejaVu Sans',Verdana,Arial,sans-serif;color:#111;background:#fff;"
	"margin:20px 36px}\n"
	"h1{font-size:40px;margin:0 0 6px}h2{font-size:30px;margin:40px 0 10px;"
	"border-bottom:3px solid #111}\n"
	".verdict{display:inline-block;padding:2px 16px;border-radius:8px;color:#fff;"
	"font-size:28px;vertical-align:middle;margin-left:12px}\n"
	".verdict.ok{background:#00603f}.verdict.fail{background:#a33a00}\n"
	".story{font-size:30px;font-weight:bold;margin:12px 0}.meta{color:#333;margin:4px 0}\n"
	".warn{color:#a33a00;font-weight:bold}.note{color:#333}\n"
	"svg.chart{width:100%;height:auto;display:block;max-width:1800px}\n"
	"svg.chart text{font-family:'DejaVu Sans',Verdana,Arial,sans-serif;fill:#111}\n"
	".legend{display:flex;flex-wrap:wrap;gap:6px 30px;margin:6px 0 8px;font-size:22px}\n"
	".legend span{white-space:nowrap}.legend svg{width:30px;height:30px;"
	"vertical-align:middle;margin-right:6px}\n"
	"table{border-collapse:collapse;margin:8px 0 4px;font-size:22px}\n"
	"th,td{border:1px solid #888;padding:4px 10px;text-align:left;vertical-align:top}\n"
	"th{background:#e4e4e4;font-size:20px}tr:nth-child(even) td{background:#f4f4f4}\n"
	"td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	"td.bad,span.bad{color:#a33a00;font-weight:bold}td.m{font-size:19px;color:#222}\n"
	"summary{cursor:pointer;font-size:22px;margin:6px 0}\n"
	".mark,.pt{pointer-events:bounding-box}\n"
	".mark.ok{fill:#0072B2}.mark.drop{stroke:#D55E00;stroke-width:3.5;stroke-linecap:round;"
	"fill:none}\n"
	".mark.timeout{fill:#fff;stroke:#111;stroke-width:2.5}\n"
	".mark.refused{fill:#CC79A7;stroke:#111;stroke-width:1.5}\n"
	".mark.reset{fill:#E69F00;stroke:#111;stroke-width:1.5}\n"
	".mark.error{fill:#fff;stroke:#666;stroke-width:2.5}\n"
	".mark.update{fill:#009E73;stroke:#004d38;stroke-width:1.5}\n"
	".mark.keep{fill:#fff;stroke:#009E73;stroke-width:2.5}\n"
	".pt.drop{stroke-width:3;stroke-linecap:round;fill:none}\n"
	".pt.pass{stroke:#fff;stroke-width:1}\n"
	".record-step{fill:none;stroke:#000;stroke-width:3}\n"
	".grid{stroke:#d0d0d0;stroke-width:1}.axis{stroke:#111;stroke-width:1.5}\n"
	"@media print{h2{break-after:avoid}}\n";

/* One marker shape at (x, y); cls picks colours from the CSS above. */
static void shape(FILE *f, const char *cls, double x, double y, const char *title)
{
	const char *t = title ? title : "";

	if (!strcmp(cls, "ok") || !strcmp(cls, "error")) {
		fprintf(f, "<circle class=\"mark %s\" cx=\"%.1f\" cy=\"%.1f\" r=\"8\"><title>", cls,
			x, y);
		esc(f, t);
		fputs("</title></circle>", f);
		return;
	}
	fprintf(f, "<path class=\"mark %s\" d=\"", cls);
	if (!strcmp(cls, "drop"))
		fprintf(f, "M%.1f %.1fl16 16m0-16l-16 16", x - 8, y - 8);
	else if (!strcmp(cls, "timeout"))
		fprintf(f, "M%.1f %.1fh15v15h-15z", x - 7.5, y - 7.5);
	else if (!strcmp(cls, "refused"))
		fprintf(f, "M%.1f %.1fl9 16h-18z", x, y - 9);
	else if (!strcmp(cls, "reset"))
		fprintf(f, "M%.1f %.1fl9 -16h-18z", x, y + 9);
	else if (!strcmp(cls, "update") || !strcmp(cls, "keep"))
		fprintf(f, "M%.1f %.1fl9 9l-9 9l-9 -9z", x, y - 9);
	fputs("\"><title>", f);
	esc(f, t);
	fputs("</title></path>", f);
}

static void legend_item(FILE *f, const char *cls, const char *text)
{
	/* the icon's class is "key", not "mark": the DOM checks count marks */
	fputs("<span><svg viewBox=\"0 0 30 30\" aria-hidden=\"true\"><g class=\"key\">", f);
	if (!strcmp(cls, "ok"))
		fputs("<circle cx=\"15\" cy=\"15\" r=\"8\" fill=\"#0072B2\"/>", f);
	else if (!strcmp(cls, "drop"))
		fputs("<path d=\"M7 7l16 16m0-16l-16 16\" stroke=\"#D55E00\" stroke-width=\"4\" "
		      "stroke-linecap=\"round\"/>",
		      f);
	else if (!strcmp(cls, "timeout"))
		fputs("<rect x=\"8\" y=\"8\" width=\"14\" height=\"14\" fill=\"#fff\" stroke=\"#111\" "
		      "stroke-width=\"2.5\"/>",
		      f);
	else if (!strcmp(cls, "refused"))
		fputs("<path d=\"M15 6l9 16h-18z\" fill=\"#CC79A7\" stroke=\"#111\"/>", f);
	else if (!strcmp(cls, "reset"))
		fputs("<path d=\"M15 24l9-16h-18z\" fill=\"#E69F00\" stroke=\"#111\"/>", f);
	else if (!strcmp(cls, "error"))
		fputs("<circle cx=\"15\" cy=\"15\" r=\"7\" fill=\"#fff\" stroke=\"#666\" "
		      "stroke-width=\"2.5\"/>",
		      f);
	else if (!strcmp(cls, "update"))
		fputs("<path d=\"M15 5l10 10l-10 10l-10-10z\" fill=\"#009E73\" stroke=\"#004d38\"/>",
		      f);
	else if (!strcmp(cls, "keep"))
		fputs("<path d=\"M15 5l10 10l-10 10l-10-10z\" fill=\"#fff\" stroke=\"#009E73\" "
		      "stroke-width=\"2.5\"/>",
		      f);
	else if (!strcmp(cls, "step"))
		fputs("<path d=\"M2 22h10v-14h16\" fill=\"none\" stroke=\"#000\" stroke-width=\"3\"/>",
		      f);
	else if (!strcmp(cls, "pass"))
		fputs("<circle cx=\"15\" cy=\"15\" r=\"7\" fill=\"#555\"/>", f);
	else if (!strcmp(cls, "xdrop"))
		fputs("<path d=\"M8 8l14 14m0-14l-14 14\" stroke=\"#555\" stroke-width=\"3.5\" "
		      "stroke-linecap=\"round\"/>",
		      f);
	else /* a client's colour */
		fprintf(f,
			"<rect x=\"4\" y=\"4\" width=\"22\" height=\"22\" rx=\"4\" fill=\"%s\"/>",
			cls);
	fputs("</g></svg>", f);
	esc(f, text);
	fputs("</span>", f);
}

static long long client_int(json_t *c, const char *key)
{
	return (long long)jnum(c, key, 0);
}

/* "bob: 56 SYNs dropped by the recycle rule; alice never." */
static void story(FILE *f, const struct model *m)
{
	json_t *clients = json_object_get(m->res, "clients"), *c;
	long long att = 0, ok = 0, drops = 0, nd = 0, outc[5] = {0};
	size_t i, shown = 0, never = 0, never_shown = 0;
	static const char *const oname[] = {"ok", "timeout", "refused", "reset", "error"};

	json_array_foreach(clients, i, c) {
		json_t *o = json_object_get(c, "outcomes");

		att += client_int(c, "attempts");
		ok += client_int(c, "connected");
		drops += client_int(c, "syn_dropped");
		nd += client_int(c, "syn_dropped") > 0;
		for (int k = 1; k < 5; k++)
			outc[k] += (long long)jnum(o, oname[k], 0);
	}
	fputs("<p class=\"story\">", f);
	if (m->gate && drops && nd > 4) {
		fprintf(f, "%lld of %zu clients lost SYNs to the recycle rule (%lld in total)", nd,
			m->n_clients, drops);
	} else if (m->gate && drops) {
		/* the (at most 4) clients that lost SYNs, most first */
		size_t pick[4];

		for (shown = 0; shown < (size_t)nd; shown++) {
			long long best = 0;

			pick[shown] = 0;
			json_array_foreach(clients, i, c) {
				bool taken = false;

				for (size_t k = 0; k < shown; k++)
					taken |= pick[k] == i;
				if (!taken && client_int(c, "syn_dropped") > best) {
					best = client_int(c, "syn_dropped");
					pick[shown] = i;
				}
			}
			if (nd == 1) {
				esc(f, m->cname[pick[0]]);
				fprintf(f, ": %lld SYN%s dropped by the recycle rule", best,
					best == 1 ? "" : "s");
				break;
			}
			fputs(shown ? ", " : "SYNs dropped by the recycle rule: ", f);
			esc(f, m->cname[pick[shown]]);
			fprintf(f, " %lld", best);
		}
	}
	if (m->gate && drops) {
		json_array_foreach(clients, i, c)
			if (client_int(c, "syn_dropped") == 0 && client_int(c, "attempts") > 0)
				never++;
		if (never) {
			fputs("; ", f);
			json_array_foreach(clients, i, c) {
				if (client_int(c, "syn_dropped") || !client_int(c, "attempts"))
					continue;
				if (never_shown == 3)
					break;
				fputs(never_shown++ ? ", " : "", f);
				esc(f, m->cname[i]);
			}
			if (never > never_shown)
				fprintf(f, " and %zu more", never - never_shown);
			fputs(" never", f);
		} else {
			fputs("; every client lost SYNs", f);
		}
		fprintf(f, ". %lld of %lld connects succeeded.", ok, att);
	} else {
		fprintf(f, "%s %lld of %lld connects succeeded",
			m->gate ? "The recycle gate dropped no SYN;" : "Recycle gate off;", ok,
			att);
		for (int k = 1; k < 5; k++)
			if (outc[k])
				fprintf(f, ", %lld %s", outc[k],
					k == 1	 ? "timed out"
					: k == 2 ? "refused"
					: k == 3 ? "reset"
						 : "failed");
		fputs(".", f);
	}
	fputs("</p>\n", f);
}

static void header(FILE *f, const struct model *m)
{
	json_t *r = m->res, *gate = json_object_get(r, "gate");
	bool ok = json_is_true(json_object_get(r, "ok"));

	fputs("<header><h1>", f);
	esc(f, jstr(r, "lab", "twlab"));
	fprintf(f, "<span class=\"verdict %s\">%s</span></h1>\n", ok ? "ok" : "fail",
		ok ? "✓ ok" : "✗ expectation failed");
	fputs("<p class=\"meta\">Linux ", f);
	esc(f, jstr(r, "kernel", "?"));
	if (*jstr(r, "topology", "")) {
		fputs(" · topology ", f);
		esc(f, jstr(r, "topology", ""));
	}
	fprintf(f, " · %zu client%s · ran %.1f s", m->n_clients, m->n_clients == 1 ? "" : "s",
		jnum(r, "duration_s", 0));
	if (m->gate)
		fprintf(f, " · recycle gate on (record kept %g s, window %g tick)", m->paws_msl,
			jnum(gate, "paws_window", 1));
	else
		fputs(" · recycle gate off", f);
	fputs("</p>\n", f);
	if (json_is_true(json_object_get(r, "interrupted")))
		fputs("<p class=\"warn\">The run was interrupted: the numbers are partial.</p>\n",
		      f);
	if (*jstr(r, "error", "")) {
		fputs("<p class=\"warn\">Error: ", f);
		esc(f, jstr(r, "error", ""));
		fputs("</p>\n", f);
	}
	if (jnum(gate, "events_lost", 0) > 0)
		fprintf(f,
			"<p class=\"warn\">%.0f gate events were lost (ring buffer full): the "
			"pictures miss some SYNs.</p>\n",
			jnum(gate, "events_lost", 0));
	story(f, m);
	fputs("</header>\n", f);
}

/* timeline geometry (SVG user units) */
#define TL_W   1400
#define TL_LX  200.0
#define TL_RX  1170.0
#define TL_TOP 12.0

static void time_axis(FILE *f, const struct model *m, double top, double bottom, double lx,
		      double rx)
{
	double step = nice_step(m->t1 - m->t0, 10);

	for (double t = ceil(m->t0 / step) * step; t <= m->t1 + 1e-9; t += step) {
		double x = lx + (t - m->t0) / (m->t1 - m->t0) * (rx - lx);

		fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
			x, top, x, bottom);
		fprintf(f,
			"<text x=\"%.1f\" y=\"%.1f\" font-size=\"20\" text-anchor=\"middle\">%g"
			"</text>\n",
			x, bottom + 24, fabs(t) < 1e-9 ? 0 : t);
	}
	fprintf(f, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", lx,
		bottom, rx, bottom);
	fprintf(f,
		"<text x=\"%.1f\" y=\"%.1f\" font-size=\"20\" text-anchor=\"middle\">time "
		"since the first client started (s)</text>\n",
		(lx + rx) / 2, bottom + 50);
}

static double tx(const struct model *m, double t)
{
	return TL_LX + (t - m->t0) / (m->t1 - m->t0) * (TL_RX - TL_LX);
}

/* a lane label: at most 14 characters (UTF-8 safe), the full name on hover */
static void lane_label(FILE *f, const char *name, double y)
{
	char buf[64];
	size_t n = strlen(name), cut = n;
	int chars = 0;

	for (size_t i = 0; i < n; i++)
		if (((unsigned char)name[i] & 0xc0) != 0x80 && ++chars == 15) {
			cut = i;
			break;
		}
	snprintf(buf, sizeof(buf), "%.*s%s", (int)(cut < 56 ? cut : 56), name, cut < n ? "…" : "");
	fprintf(f,
		"<text x=\"%.1f\" y=\"%.1f\" font-size=\"22\" text-anchor=\"end\" "
		"font-weight=\"bold\"><title>",
		TL_LX - 14, y + 8);
	esc(f, name);
	fputs("</title>", f);
	esc(f, buf);
	fputs("</text>", f);
}

static void timeline(FILE *f, const struct model *m)
{
	json_t *clients = json_object_get(m->res, "clients");
	size_t lanes = m->n_clients < REPORT_HTML_MAX_LANES ? m->n_clients : REPORT_HTML_MAX_LANES;
	double lh = lanes > 20 ? 30 : lanes > 6 ? 40 : 52, rec_h = m->gate ? 52 : 0;
	bool seen[HO_ERROR + 1] = {false};
	double top = TL_TOP + rec_h, bottom = top + lanes * lh + 8, h = bottom + 64;
	static const char *const ocls[] = {"ok", "timeout", "refused", "reset", "error"};

	fputs("<section id=\"timeline\"><h2>Timeline: every connect, one lane per client</h2>\n"
	      "<div class=\"legend\">",
	      f);
	/* always the connect and the drop; the other outcomes when they happened */
	for (size_t i = 0; i < m->n_ev; i++)
		if (m->ev[i].kind == HK_ATTEMPT)
			seen[m->ev[i].outc] = true;
	legend_item(f, "ok", "connected");
	if (m->gate)
		legend_item(f, "drop", "SYN dropped by the recycle rule (hover: why)");
	if (seen[HO_TIMEOUT])
		legend_item(f, "timeout", "connect timed out");
	if (seen[HO_REFUSED])
		legend_item(f, "refused", "refused (RST)");
	if (seen[HO_RESET])
		legend_item(f, "reset", "reset");
	if (seen[HO_ERROR])
		legend_item(f, "error", "other error");
	if (m->gate) {
		legend_item(f, "update", "server record updated");
		legend_item(f, "keep", "server record kept");
	}
	fputs("</div>\n", f);
	fprintf(f,
		"<svg class=\"chart\" id=\"timeline-svg\" viewBox=\"0 0 %d %.0f\" role=\"img\" "
		"aria-label=\"timeline of connects per client\">\n",
		TL_W, h);
	time_axis(f, m, TL_TOP, bottom, TL_LX, TL_RX);

	if (m->gate) {
		double y = TL_TOP + rec_h / 2 - 4;

		fprintf(f,
			"<g class=\"lane-record\"><rect x=\"0\" y=\"%.1f\" width=\"%d\" "
			"height=\"%.1f\" fill=\"#e6f4ef\"/>",
			TL_TOP, TL_W, rec_h - 8);
		fprintf(f,
			"<text x=\"%.1f\" y=\"%.1f\" font-size=\"20\" text-anchor=\"end\" "
			"font-style=\"italic\">server record</text>",
			TL_LX - 14, y + 7);
		for (size_t i = 0; i < m->n_ev; i++) {
			const struct hev *e = &m->ev[i];

			if (e->kind == HK_RECORD)
				shape(f, e->update ? "update" : "keep", tx(m, e->t), y, e->title);
		}
		fputs("</g>\n", f);
	}
	for (size_t l = 0; l < lanes; l++) {
		json_t *c = json_array_get(clients, l);
		double y = top + l * lh + lh / 2;
		long long att = client_int(c, "attempts"), con = client_int(c, "connected"),
			  dr = client_int(c, "syn_dropped");

		fprintf(f, "<g class=\"lane\" data-client=\"");
		esc(f, m->cname[l]);
		fprintf(f, "\"><rect x=\"0\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"%s\"/>",
			y - lh / 2, TL_W, lh, l % 2 ? "#ffffff" : "#f2f2f2");
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#aaa\"/>",
			TL_LX, y, TL_RX, y);
		lane_label(f, m->cname[l], y);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"20\">%lld/%lld ok", TL_RX + 14,
			y + 7, con, att);
		if (dr)
			fprintf(f, " <tspan fill=\"#a33a00\" font-weight=\"bold\">%lld ✕</tspan>",
				dr);
		fputs("</text>\n", f);
		/* failures first, then connects, drops on top */
		for (int pass = 0; pass < 3; pass++)
			for (size_t i = 0; i < m->n_ev; i++) {
				const struct hev *e = &m->ev[i];

				if (e->client != (int)l)
					continue;
				if (pass == 0 && e->kind == HK_ATTEMPT && e->outc != HO_OK)
					shape(f, ocls[e->outc], tx(m, e->t_end), y, e->title);
				else if (pass == 1 && e->kind == HK_ATTEMPT && e->outc == HO_OK)
					shape(f, "ok", tx(m, e->t_end), y, e->title);
				else if (pass == 2 && e->kind == HK_SYN && e->drop)
					shape(f, "drop", tx(m, e->t), y, e->title);
			}
		fputs("</g>\n", f);
	}
	fputs("</svg>\n", f);
	if (!m->n_clients)
		fputs("<p class=\"note\">This lab has no clients.</p>\n", f);
	if (m->n_clients > lanes)
		fprintf(f,
			"<p class=\"note\">Showing the first %zu of %zu clients; %zu more are not "
			"drawn (all are in the tables below).</p>\n",
			lanes, m->n_clients, m->n_clients - lanes);
	if (!m->n_ev)
		fputs("<p class=\"note\">No events were recorded in this run.</p>\n", f);
	if (m->n_drop_unattr)
		fprintf(f,
			"<p class=\"note\">%zu dropped SYNs could not be matched to a client "
			"through the NAT table and are not drawn.</p>\n",
			m->n_drop_unattr);
	fputs("</section>\n", f);
}

/* TSval chart geometry */
#define TS_W   1400
#define TS_LX  190.0
#define TS_RX  1160.0
#define TS_TOP 20.0
#define TS_BOT 470.0

struct ylabel {
	double y;
	const char *text;
	const char *colour;
};

static int cmp_ylabel(const void *a, const void *b)
{
	double x = ((const struct ylabel *)a)->y, y = ((const struct ylabel *)b)->y;

	return x < y ? -1 : x > y;
}

static void tsval_chart(FILE *f, struct model *m)
{
	double ylo, yhi, step, stride;
	size_t n_pts = 0, legend = 0, n_lab = 0;
	struct ylabel *lab;
	double *last_y;
	bool *has;

	fputs("<section id=\"tsval\"><h2>TSval against time: only the largest clock gets "
	      "through</h2>\n",
	      f);
	if (!m->have_y) {
		fprintf(f, "<p class=\"note\">No SYN timestamps to plot: %s.</p></section>\n",
			m->gate ? "the gate saw no SYN with a timestamp"
				: "the recycle gate was off, and it is what reads the SYNs' TSvals");
		return;
	}
	has = calloc(m->n_clients + 1, sizeof(*has));
	last_y = calloc(m->n_clients + 1, sizeof(*last_y));
	lab = calloc(m->n_clients + m->n_peer + 1, sizeof(*lab));
	if (!has || !last_y || !lab) {
		free(has);
		free(last_y);
		free(lab);
		fputs("<p class=\"warn\">out of memory</p></section>\n", f);
		return;
	}
	for (size_t i = 0; i < m->n_ev; i++)
		if (m->ev[i].kind == HK_SYN && m->ev[i].client >= 0 && m->ev[i].has_ts)
			has[m->ev[i].client] = true;

	fputs("<div class=\"legend\">", f);
	for (size_t c = 0; c < m->n_clients; c++) {
		if (!has[c])
			continue;
		if (legend++ == MAX_LEGEND)
			break;
		legend_item(f, client_colour((int)c), m->cname[c]);
	}
	if (legend > MAX_LEGEND)
		fputs("<span>… more clients (colours repeat)</span>", f);
	legend_item(f, "pass", "SYN passed");
	legend_item(f, "xdrop", "SYN dropped");
	legend_item(f, "step", "value the server recorded (per NAT address)");
	fputs("</div>\n", f);

	ylo = m->ymin;
	yhi = m->ymax;
	if (yhi - ylo < 10) {
		ylo -= 5;
		yhi += 5;
	}
	step = nice_step(yhi - ylo, 8);
	ylo = floor(ylo / step) * step;
	yhi = ceil(yhi / step) * step;
	/* data inset from the frame, so marks at the extremes do not sit on the axes */
#define TY(v) (TS_BOT - 14 - ((double)(v)-ylo) / (yhi - ylo) * (TS_BOT - TS_TOP - 24))
#define TX(t) (TS_LX + ((t)-m->t0) / (m->t1 - m->t0) * (TS_RX - TS_LX))

	fprintf(f,
		"<svg class=\"chart\" id=\"tsval-svg\" viewBox=\"0 0 %d %.0f\" role=\"img\" "
		"aria-label=\"TSval of each SYN against time\">\n",
		TS_W, TS_BOT + 70);
	for (double v = ylo; v <= yhi + step / 2; v += step) {
		char b[48];

		fmt_int(b, sizeof(b), llround(v));
		fprintf(f,
			"<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
			"<text x=\"%.1f\" y=\"%.1f\" font-size=\"18\" text-anchor=\"end\">%s</text>\n",
			TS_LX, TY(v), TS_RX, TY(v), TS_LX - 8, TY(v) + 6, b);
	}
	fprintf(f, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", TS_LX,
		TS_TOP, TS_LX, TS_BOT);
	fprintf(f,
		"<text transform=\"translate(22 %.1f) rotate(-90)\" font-size=\"20\" "
		"text-anchor=\"middle\">TSval (ticks, linear)</text>\n",
		(TS_TOP + TS_BOT) / 2);
	time_axis(f, m, TS_TOP, TS_BOT, TS_LX, TS_RX);

	/* the server's record, one step line per record key */
	for (size_t p = 0; p < m->n_peer; p++) {
		bool started = false;
		double last = 0;

		for (size_t i = 0; i < m->n_ev; i++) {
			const struct hev *e = &m->ev[i];

			if (e->kind != HK_RECORD || e->peer != (int)p)
				continue;
			if (!started) {
				fputs("<path class=\"record-step\" d=\"", f);
				fprintf(f, "M%.1f %.1f", TX(e->t), TY(e->record_ts));
				started = true;
			} else {
				fprintf(f, "H%.1fV%.1f", TX(e->t), TY(e->record_ts));
			}
			last = e->record_ts;
		}
		if (!started)
			continue;
		fprintf(f, "H%.1f\"><title>server's record for ", TS_RX);
		esc(f, m->peer[p].addr);
		fputs("</title></path>\n", f);
		lab[n_lab++] = (struct ylabel){TY(last), "server record", "#000"};
	}

	n_pts = 0;
	for (size_t i = 0; i < m->n_ev; i++)
		n_pts += m->ev[i].kind == HK_SYN && m->ev[i].has_ts;
	stride = n_pts > MAX_POINTS ? (double)n_pts / MAX_POINTS : 1;
	n_pts = 0;
	for (size_t i = 0, k = 0; i < m->n_ev; i++) {
		const struct hev *e = &m->ev[i];
		double x, y;

		if (e->kind != HK_SYN || !e->has_ts)
			continue;
		if (stride > 1 && fmod(k++, stride) >= 1)
			continue;
		x = TX(e->t);
		y = TY(e->tsval);
		if (e->client >= 0)
			last_y[e->client] = y;
		if (e->drop)
			fprintf(f,
				"<path class=\"pt drop\" stroke=\"%s\" d=\"M%.1f %.1fl12 12m0-12l-12 12\">",
				client_colour(e->client), x - 6, y - 6);
		else
			fprintf(f,
				"<circle class=\"pt pass\" fill=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"6.5\">",
				client_colour(e->client), x, y);
		fputs("<title>", f);
		esc(f, e->title ? e->title : "");
		fputs(e->drop ? "</title></path>\n" : "</title></circle>\n", f);
		n_pts++;
	}

	/* the first drop: how far below the record its TSval was */
	for (size_t i = 0; i < m->n_ev; i++) {
		const struct hev *e = &m->ev[i];
		double x, y0, y1;
		char b[48];

		if (e->kind != HK_SYN || !e->drop || !e->has_ts)
			continue;
		x = TX(e->t);
		y0 = TY(e->record_ts);
		y1 = TY(e->tsval);
		if (fabs(y1 - y0) < 40)
			break;
		fmt_int(b, sizeof(b), (int32_t)(e->record_ts - e->tsval));
		fprintf(f,
			"<g class=\"gap\"><path d=\"M%.1f %.1fV%.1fM%.1f %.1fh16M%.1f %.1fh16\" "
			"stroke=\"#a33a00\" stroke-width=\"2.5\" stroke-dasharray=\"6 4\"/>"
			"<text x=\"%.1f\" y=\"%.1f\" font-size=\"22\" font-weight=\"bold\" "
			"style=\"fill:#a33a00\" paint-order=\"stroke\" stroke=\"#fff\" "
			"stroke-width=\"6\">",
			x - 14, y0, y1, x - 22, y0, x - 22, y1, x - 6, (y0 + y1) / 2 + 8);
		esc(f, cname(m, e->client));
		fprintf(f, "'s SYN: %s ticks below the record → dropped</text></g>\n", b);
		break;
	}

	/* names at the right end, pushed apart so they do not overlap */
	for (size_t c = 0; c < m->n_clients; c++)
		if (has[c])
			lab[n_lab++] =
				(struct ylabel){last_y[c], m->cname[c], client_colour((int)c)};
	if (n_lab <= MAX_DIRECT_LABELS + m->n_peer && n_lab <= 16) {
		qsort(lab, n_lab, sizeof(*lab), cmp_ylabel);
		for (size_t i = 1; i < n_lab; i++)
			if (lab[i].y < lab[i - 1].y + 24)
				lab[i].y = lab[i - 1].y + 24;
		for (size_t i = 0; i < n_lab; i++) {
			fprintf(f,
				"<text x=\"%.1f\" y=\"%.1f\" font-size=\"20\" font-weight=\"bold\" "
				"style=\"fill:%s\">",
				TS_RX + 10, lab[i].y + 7, lab[i].colour);
			esc(f, lab[i].text);
			fputs("</text>\n", f);
		}
	}
	fputs("</svg>\n", f);
	fprintf(f,
		"<p class=\"note\">Each mark is a SYN the server's gate saw, at the TSval its "
		"client's TCP clock put in it (%zu shown%s). The black line is the value the "
		"server remembered for the address it sees (the NAT address): a SYN more than "
		"%g tick below a record younger than %g s is dropped silently.</p>\n",
		n_pts, stride > 1 ? ", sampled" : "",
		jnum(json_object_get(m->res, "gate"), "paws_window", 1), m->paws_msl);
	fputs("</section>\n", f);
	free(has);
	free(last_y);
	free(lab);
#undef TX
#undef TY
}

static void clients_table(FILE *f, const struct model *m)
{
	json_t *clients = json_object_get(m->res, "clients"), *c;
	size_t i;

	fputs("<section id=\"clients\"><h2>Clients</h2>\n<table><thead><tr><th>client</th>"
	      "<th>address</th><th>clock</th><th>attempts</th><th>connected</th><th>failed</th>"
	      "<th>SYNs dropped</th><th>SYN re&shy;trans&shy;mits</th><th>connect p50 ms</th>"
	      "<th>connect p99 ms</th></tr></thead><tbody>\n",
	      f);
	json_array_foreach(clients, i, c) {
		json_t *ms = json_object_get(c, "connect_ms"),
		       *off = json_object_get(c, "ts_offset");
		char b[48];

		fputs("<tr><td>", f);
		esc(f, m->cname[i]);
		fputs("</td><td>", f);
		esc(f, jstr(c, "address", ""));
		fputs("</td><td>", f);
		esc(f, jstr(c, "ts_mode", ""));
		if (json_is_integer(off)) {
			fmt_int(b, sizeof(b), json_integer_value(off));
			fprintf(f, " (+%s)", b);
		}
		fputs("</td>", f);
		num_cell(f, json_object_get(c, "attempts"));
		num_cell(f, json_object_get(c, "connected"));
		if (client_int(c, "failed"))
			fprintf(f, "<td class=\"n bad\">%lld</td>", client_int(c, "failed"));
		else
			num_cell(f, json_object_get(c, "failed"));
		if (client_int(c, "syn_dropped"))
			fprintf(f, "<td class=\"n bad\">%lld ✕</td>", client_int(c, "syn_dropped"));
		else
			num_cell(f, json_object_get(c, "syn_dropped"));
		num_cell(f, json_object_get(c, "syn_retransmits"));
		num_cell(f, json_object_get(ms, "p50"));
		num_cell(f, json_object_get(ms, "p99"));
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table>\n", f);
	if (!json_array_size(clients))
		fputs("<p class=\"note\">No clients.</p>\n", f);
	fputs("</section>\n", f);
}

static void expect_table(FILE *f, const struct model *m)
{
	json_t *ex = json_object_get(m->res, "expect"), *e;
	size_t i;

	fputs("<section id=\"expect\"><h2>Expectations</h2>\n", f);
	if (!json_array_size(ex)) {
		fputs("<p class=\"note\">The topology has no [expect] lines.</p></section>\n", f);
		return;
	}
	fputs("<table><thead><tr><th>check</th><th>actual</th><th>result</th></tr></thead><tbody>\n",
	      f);
	json_array_foreach(ex, i, e) {
		bool ok = json_is_true(json_object_get(e, "ok"));

		fputs("<tr><td>", f);
		esc(f, jstr(e, "check", "?"));
		fputs("</td>", f);
		num_cell(f, json_object_get(e, "actual"));
		fprintf(f, "<td%s>%s</td></tr>\n", ok ? "" : " class=\"bad\"",
			ok ? "✓ held" : "✗ failed");
	}
	fputs("</tbody></table></section>\n", f);
}

struct meaning {
	const char *name;
	const char *text;
};

/* nstat names (as in result.json's "counters"); kernel-notes §1.8 and §4.9 */
static const struct meaning counter_meanings[] = {
	{"TcpExtPAWSPassive",
	 "SYNs dropped by the per-host timestamp record: tcp_tw_recycle (kernels up to 4.11 only)"},
	{"TcpExtListenDrops",
	 "SYNs to a listening socket dropped, for any reason (recycle rule, backlog full, ...)"},
	{"TcpExtListenOverflows", "handshakes completed while the accept queue was full"},
	{"TcpExtPAWSActive",
	 "SYN-ACKs rejected by PAWS on the connecting side (older than the timestamp it remembered)"},
	{"TcpExtPAWSEstab",
	 "segments rejected by PAWS in established state and SYN_RECV (up to 6.15 also in TIME_WAIT)"},
	{"TcpExtPAWSTimewait", "segments rejected by PAWS in TIME_WAIT (6.16+)"},
	{"TcpExtPAWSOldAck", "old ACKs dropped by PAWS in established state (6.14+)"},
	{"TcpExtTSEcrRejected", "handshake-completing ACKs rejected for a bad TSecr (6.15+)"},
	{"TcpExtTW",
	 "TIME_WAIT timers with the normal length (60 s); 6.x counts them when armed. netstat -s calls this 'fast timer': the strings are swapped"},
	{"TcpExtTWKilled",
	 "TIME_WAIT timers of 4 s or less (recycled, or FIN_WAIT2 with a short tcp_fin_timeout). netstat -s calls this 'slow timer': swapped"},
	{"TcpExtTWRecycled",
	 "a TIME_WAIT socket reused for a new outgoing connection (tcp_tw_reuse), despite netstat's 'recycled by time stamp'"},
	{"TcpExtTCPTimeWaitOverflow",
	 "closing sockets that skipped TIME_WAIT because tcp_max_tw_buckets was reached"},
	{"TcpExtTCPACKSkippedTimeWait",
	 "ACKs a TIME_WAIT socket did not send because of the out-of-window ACK rate limit"},
	{"TcpExtTCPACKSkippedPAWS", "ACKs not sent after a PAWS reject, because of the rate limit"},
	{"TcpExtBeyondWindow", "segments dropped for lying beyond the receive window"},
	{"TcpExtTCPSynRetrans", "SYN and SYN-ACK retransmissions: a SYN nobody answered"},
	{"TcpExtTCPTimeouts", "retransmission timer expirations, SYN retransmits included"},
	{"TcpExtTCPAbortOnTimeout",
	 "connections the kernel gave up after too many retransmissions"},
	{"TcpExtTCPAbortOnClose", "connections closed with unread data: RST sent"},
	{"TcpExtTCPAbortOnData", "connections reset because data arrived after close"},
	{"TcpExtTCPAbortOnLinger", "connections reset on close by SO_LINGER with timeout 0"},
	{"TcpExtTCPChallengeACK", "challenge ACKs sent (RFC 5961)"},
	{"TcpExtTCPSYNChallenge",
	 "challenge ACKs sent in answer to a SYN on an existing connection"},
	{"TcpExtTCPReqQFullDrop",
	 "SYNs dropped because the SYN queue was full and syncookies were off"},
	{"TcpExtSyncookiesSent", "SYN cookies sent"},
	{"TcpExtSyncookiesRecv", "SYN cookies received back"},
	{"TcpExtSyncookiesFailed", "invalid SYN cookies received"},
	{"TcpExtEmbryonicRsts", "resets received in SYN_RECV"},
	{"TcpExtTcpTimeoutRehash", "retransmission timeouts that picked a new flow hash"},
	{"TcpActiveOpens", "connect() calls that sent a SYN (CLOSED to SYN_SENT)"},
	{"TcpPassiveOpens", "connections a listener accepted a SYN for (LISTEN to SYN_RECV)"},
	{"TcpAttemptFails",
	 "connection attempts that failed: SYN_SENT or SYN_RECV back to CLOSED or LISTEN"},
	{"TcpEstabResets", "established connections reset"},
	{"TcpOutRsts", "RST segments sent"},
	{"TcpRetransSegs", "segments retransmitted"},
	{"TcpInErrs", "segments received with errors"},
	{"TcpInCsumErrors",
	 "segments received with a bad checksum (a broken timestamp rewrite would show here)"},
	{"TcpInSegs", "TCP segments received"},
	{"TcpOutSegs", "TCP segments sent (retransmits not counted)"},
	{"TcpExtTCPPureAcks", "ACKs without data received"},
	{"TcpExtTCPHPAcks", "ACKs handled on the fast path"},
	{"TcpExtTCPDelivered", "segments delivered to the peer (acknowledged)"},
	{"TcpExtTCPOrigDataSent", "data segments sent, retransmits not counted"},
	{"TcpExtTCPRcvCoalesce", "received segments merged into the previous one"},
	{"TcpExtDelayedACKs", "delayed ACKs sent"},
	{"IpForwDatagrams", "packets forwarded (the router)"},
	{"IpInReceives", "IP packets received"},
	{"IpInDelivers", "IP packets handed to a local protocol"},
	{"IpOutRequests", "IP packets sent by local protocols"},
	{"IpOutTransmits", "IP packets transmitted"},
	{"IpOutNoRoutes", "packets dropped for want of a route"},
	{"IpInAddrErrors", "packets dropped for a bad destination address"},
	{"IpExtInOctets", "IP bytes received"},
	{"IpExtOutOctets", "IP bytes sent"},
	{"IpExtInNoECTPkts", "packets received without ECN"},
	{"UdpInDatagrams", "UDP datagrams received"},
	{"UdpOutDatagrams", "UDP datagrams sent"},
	{"IcmpInMsgs", "ICMP messages received"},
	{"IcmpOutMsgs", "ICMP messages sent"},
};
#define N_MEANINGS (sizeof(counter_meanings) / sizeof(counter_meanings[0]))
/* counters before this one go in the main table, in this order; the rest under "more" */
#define FIRST_HOUSEKEEPING "TcpExtTCPPureAcks"

static int meaning_index(const char *name)
{
	for (size_t i = 0; i < N_MEANINGS; i++)
		if (!strcmp(counter_meanings[i].name, name))
			return (int)i;
	return -1;
}

struct crow {
	const char *name;
	int rank;
};

static int cmp_crow(const void *a, const void *b)
{
	const struct crow *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank - y->rank;
	return strcmp(x->name, y->name);
}

static void counter_rows(FILE *f, json_t *counters, const char **cols, size_t n_cols, bool sum,
			 const struct crow *rows, size_t n_rows)
{
	fputs("<table><thead><tr><th>counter</th>", f);
	for (size_t c = 0; c < n_cols; c++) {
		fputs("<th>", f);
		esc(f, cols[c]);
		fputs("</th>", f);
	}
	if (sum)
		fputs("<th>all clients</th>", f);
	fputs("<th>meaning</th></tr></thead><tbody>\n", f);
	for (size_t r = 0; r < n_rows; r++) {
		const char *key = rows[r].name;
		int mi = meaning_index(key);

		fputs("<tr><td>", f);
		esc(f, key);
		fputs("</td>", f);
		for (size_t c = 0; c < n_cols; c++) {
			json_t *v = json_object_get(json_object_get(counters, cols[c]), key);

			if (v)
				num_cell(f, v);
			else
				fputs("<td></td>", f);
		}
		if (sum) {
			const char *node;
			json_t *o;
			long long s = 0;
			size_t k = 0;
			char b[48];

			json_object_foreach(counters, node, o) {
				if (k++ >= n_cols)
					s += (long long)jnum(o, key, 0);
			}
			fmt_int(b, sizeof(b), s);
			fprintf(f, "<td class=\"n\">%s</td>", s ? b : "");
		}
		fputs("<td class=\"m\">", f);
		esc(f, mi >= 0 ? counter_meanings[mi].text : "");
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody></table>\n", f);
}

static void counters_table(FILE *f, const struct model *m)
{
	json_t *counters = json_object_get(m->res, "counters"), *o, *v;
	const char *node, *key, **cols;
	struct crow *rows = NULL;
	size_t n_rows = 0, cap = 0, n_cols = 0, n_key = 0;
	bool sum = json_object_size(counters) > COUNTER_COLS;

	fputs("<section id=\"counters\"><h2>Counters: what changed in each namespace</h2>\n", f);
	cols = calloc(json_object_size(counters) + 1, sizeof(*cols));
	if (!cols) {
		fputs("<p class=\"warn\">out of memory</p></section>\n", f);
		return;
	}
	/* server and router (the first columns in result.json) by name, clients summed when many */
	json_object_foreach(counters, node, o) {
		if (!sum || !strcmp(node, "server") || !strcmp(node, "router"))
			cols[n_cols++] = node;
		else
			break;
	}
	json_object_foreach(counters, node, o) {
		json_object_foreach(o, key, v) {
			bool seen = false;

			for (size_t i = 0; i < n_rows && !seen; i++)
				seen = !strcmp(rows[i].name, key);
			if (seen)
				continue;
			if (n_rows == cap) {
				struct crow *r =
					realloc(rows, (cap = cap ? 2 * cap : 64) * sizeof(*r));

				if (!r)
					goto out;
				rows = r;
			}
			rows[n_rows].name = key;
			rows[n_rows].rank = meaning_index(key);
			if (rows[n_rows].rank < 0 ||
			    rows[n_rows].rank >= meaning_index(FIRST_HOUSEKEEPING))
				rows[n_rows].rank = 1000;
			else
				n_key++;
			n_rows++;
		}
	}
	if (!n_rows) {
		fputs("<p class=\"note\">No counter changed (or no snapshots were taken).</p>\n",
		      f);
		goto out;
	}
	qsort(rows, n_rows, sizeof(*rows), cmp_crow);
	fputs("<p class=\"note\">Differences of /proc/net/netstat and /proc/net/snmp between the "
	      "start and the end of the run, per namespace; empty = unchanged. These are the real "
	      "kernel's counters: the emulated recycle rule counts its drops in the gate's table "
	      "above.</p>\n",
	      f);
	if (n_key)
		counter_rows(f, counters, cols, n_cols, sum, rows, n_key);
	if (n_rows > n_key) {
		fprintf(f,
			"<details><summary>%zu more counters (IP and TCP housekeeping)</summary>\n",
			n_rows - n_key);
		counter_rows(f, counters, cols, n_cols, sum, rows + n_key, n_rows - n_key);
		fputs("</details>\n", f);
	}
out:
	fputs("</section>\n", f);
	free(rows);
	free(cols);
}

static const struct meaning gate_meanings[] = {
	{"PAWSPassive", "emulated TcpExtPAWSPassive: SYNs the recycle rule dropped"},
	{"ListenDrops", "emulated TcpExtListenDrops: the same drops, as 4.x counted them too"},
	{"syn_seen", "SYNs to the server's port the gate looked at"},
	{"syn_passed", "SYNs let through"},
	{"syn_dropped", "SYNs dropped silently (no SYN-ACK, no RST)"},
	{"records_updated", "times the server entered TIME_WAIT and stored the peer's TSval"},
	{"records_kept", "times it entered TIME_WAIT but kept the stored, newer value"},
	{"timewait_hits", "SYNs that matched a TIME_WAIT 4-tuple, so the rule did not apply"},
	{"paws_msl_s", "how long a record counts (TCP_PAWS_MSL, seconds)"},
	{"paws_window", "how many ticks older than the record a SYN may be (TCP_PAWS_WINDOW)"},
	{"events_lost", "gate events lost because the ring buffer was full"},
	{"unattributed_drops", "drops not matched to a client through the NAT table"},
};

static void gate_table(FILE *f, const struct model *m)
{
	json_t *gate = json_object_get(m->res, "gate"), *v;
	const char *key;

	fputs("<section id=\"gate\"><h2>The server's recycle gate (emulated Linux 3.18–4.11)</h2>\n",
	      f);
	if (!m->gate) {
		fputs("<p class=\"note\">The gate was off (<code>recycle = off</code>): the server ran "
		      "the running kernel's own rules, and the SYNs' TSvals were not read.</p>"
		      "</section>\n",
		      f);
		return;
	}
	fputs("<table><thead><tr><th>counter</th><th>value</th><th>meaning</th></tr></thead>"
	      "<tbody>\n",
	      f);
	json_object_foreach(gate, key, v) {
		const char *text = "";

		if (!strcmp(key, "enabled"))
			continue;
		for (size_t i = 0; i < sizeof(gate_meanings) / sizeof(gate_meanings[0]); i++)
			if (!strcmp(gate_meanings[i].name, key))
				text = gate_meanings[i].text;
		fputs("<tr><td>", f);
		esc(f, key);
		fputs("</td>", f);
		num_cell(f, v);
		fputs("<td class=\"m\">", f);
		esc(f, text);
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody></table></section>\n", f);
}

static void addr_of(char *buf, size_t len, const char *ep)
{
	const char *colon = strrchr(ep, ':');

	snprintf(buf, len, "%.*s", colon ? (int)(colon - ep) : (int)strlen(ep), ep);
}

static const char *port_of(const char *ep)
{
	const char *colon = strrchr(ep, ':');

	return colon ? colon + 1 : "";
}

static void nat_table(FILE *f, const struct model *m)
{
	json_t *nat = json_object_get(m->res, "nat"), *e;
	struct nsum {
		const char *client;
		char in[48], out[48];
		size_t n, kept;
	} *s = NULL;
	size_t n_s = 0, i;

	fputs("<section id=\"nat\"><h2>NAT: who hides behind which address</h2>\n", f);
	if (!json_array_size(nat)) {
		fputs("<p class=\"note\">No NAT mapping was recorded (no router, or no "
		      "connection went through it).</p></section>\n",
		      f);
		return;
	}
	s = calloc(json_array_size(nat), sizeof(*s));
	if (!s) {
		fputs("<p class=\"warn\">out of memory</p></section>\n", f);
		return;
	}
	json_array_foreach(nat, i, e) {
		const char *client = jstr(e, "client", "?"), *in = jstr(e, "inside", ""),
			   *out = jstr(e, "outside", "");
		char ia[48], oa[48];
		size_t k;

		addr_of(ia, sizeof(ia), in);
		addr_of(oa, sizeof(oa), out);
		for (k = 0; k < n_s; k++)
			if (!strcmp(s[k].client, client) && !strcmp(s[k].in, ia) &&
			    !strcmp(s[k].out, oa))
				break;
		if (k == n_s) {
			s[n_s].client = client;
			snprintf(s[k].in, sizeof(s[k].in), "%s", ia);
			snprintf(s[k].out, sizeof(s[k].out), "%s", oa);
			n_s++;
		}
		s[k].n++;
		s[k].kept += !strcmp(port_of(in), port_of(out));
	}
	fputs("<table><thead><tr><th>client</th><th>inside address</th><th></th>"
	      "<th>outside address (what the server sees)</th><th>connections</th>"
	      "<th>source port kept</th></tr></thead><tbody>\n",
	      f);
	for (size_t k = 0; k < n_s; k++) {
		fputs("<tr><td>", f);
		esc(f, s[k].client);
		fputs("</td><td>", f);
		esc(f, s[k].in);
		fputs("</td><td>→</td><td>", f);
		esc(f, s[k].out);
		fprintf(f, "</td><td class=\"n\">%zu</td><td class=\"n\">%zu</td></tr>\n", s[k].n,
			s[k].kept);
	}
	fputs("</tbody></table>\n", f);
	fprintf(f,
		"<details><summary>every mapping (%zu)</summary>\n<table><thead><tr>"
		"<th>t (s)</th><th>client</th><th>inside</th><th>outside</th></tr></thead>"
		"<tbody>\n",
		json_array_size(nat));
	json_array_foreach(nat, i, e) {
		if (i == MAX_NAT_ROWS)
			break;
		fprintf(f, "<tr><td class=\"n\">%.3f</td><td>", jnum(e, "t", 0));
		esc(f, jstr(e, "client", "?"));
		fputs("</td><td>", f);
		esc(f, jstr(e, "inside", ""));
		fputs("</td><td>", f);
		esc(f, jstr(e, "outside", ""));
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody></table>\n", f);
	if (json_array_size(nat) > MAX_NAT_ROWS)
		fprintf(f, "<p class=\"note\">… and %zu more in result.json.</p>\n",
			json_array_size(nat) - MAX_NAT_ROWS);
	fputs("</details></section>\n", f);
	free(s);
}

/* The router's conntrack: what changed in its statistics, and its table at the end. */
static void conntrack_table(FILE *f, const struct model *m)
{
	json_t *ct = json_object_get(m->res, "conntrack"), *stats, *table, *e, *v;
	const char *k;
	size_t i;

	if (!ct)
		return;
	stats = json_object_get(ct, "stats");
	table = json_object_get(ct, "table");
	fputs("<section id=\"conntrack\"><h2>The router's conntrack</h2>\n<p>", f);
	if (!json_object_size(stats)) {
		fputs("No conntrack statistic changed.", f);
	} else {
		fputs("Statistics that changed during the run (/proc/net/stat/nf_conntrack):", f);
		json_object_foreach(stats, k, v) {
			fputs(" <b>", f);
			esc(f, k);
			fprintf(f, "</b> %lld", (long long)json_integer_value(v));
		}
		fputs(". <code>insert_failed</code> and <code>drop</code> count SYNs dropped at the "
		      "router because their NAT mapping clashed with an existing entry.",
		      f);
	}
	fprintf(f, "</p>\n<details><summary>table at the end of the run (%zu entries)</summary>\n"
		   "<table><thead><tr><th>client</th><th>inside</th><th>outside</th><th>state</th>"
		   "<th>expires in (s)</th></tr></thead><tbody>\n",
		json_array_size(table));
	json_array_foreach(table, i, e) {
		if (i == MAX_NAT_ROWS)
			break;
		fputs("<tr><td>", f);
		esc(f, jstr(e, "client", "?"));
		fputs("</td><td>", f);
		esc(f, jstr(e, "inside", ""));
		fputs("</td><td>", f);
		esc(f, jstr(e, "outside", ""));
		fputs("</td><td>", f);
		esc(f, jstr(e, "state", ""));
		fprintf(f, "</td><td class=\"n\">%.0f</td></tr>\n", jnum(e, "timeout_s", 0));
	}
	fputs("</tbody></table></details></section>\n", f);
}

static void page(FILE *f, struct model *m)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>twlab: ",
	      f);
	esc(f, jstr(m->res, "lab", "run"));
	fprintf(f, "</title>\n<style>\n%s</style></head>\n<body>\n", css);
	header(f, m);
	timeline(f, m);
	tsval_chart(f, m);
	clients_table(f, m);
	expect_table(f, m);
	gate_table(f, m);
	counters_table(f, m);
	nat_table(f, m);
	conntrack_table(f, m);
	fputs("<footer class=\"note\"><p>Made by twlab from result.json and events.jsonl in the "
	      "same folder. Hover a mark for details.</p></footer>\n</body></html>\n",
	      f);
}

int report_html(json_t *result, const char *events_jsonl_path, const char *out_path)
{
	struct model m = {.res = result};
	char *tmp = NULL;
	FILE *f = NULL;
	int err;

	if (!json_is_object(result) || !out_path)
		return -EINVAL;
	m.gate = json_is_true(json_object_get(json_object_get(result, "gate"), "enabled"));
	m.paws_msl = jnum(json_object_get(result, "gate"), "paws_msl_s", 60);
	err = load_clients(&m);
	if (!err)
		err = load_events(&m, events_jsonl_path);
	if (err)
		goto out;
	if (!m.n_ev)
		m.t1 = jnum(result, "duration_s", 0);
	if (m.t1 - m.t0 < 0.5)
		m.t1 = m.t0 + 0.5;
	m.t1 = m.t0 + ceil((m.t1 - m.t0) / nice_step(m.t1 - m.t0, 10)) * nice_step(m.t1 - m.t0, 10);

	if (asprintf(&tmp, "%s.tmp", out_path) < 0) {
		tmp = NULL;
		err = -ENOMEM;
		goto out;
	}
	f = fopen(tmp, "we");
	if (!f) {
		err = -errno;
		goto out;
	}
	page(f, &m);
	if (ferror(f))
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, out_path))
		err = -errno;
	if (err)
		unlink(tmp);
out:
	free(tmp);
	model_free(&m);
	return err;
}
