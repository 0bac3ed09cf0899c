// SPDX-License-Identifier: GPL-2.0
/* report.html, the model: clients and events read from result.json and events.jsonl, and the helpers every part of the page uses. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "i18n/i18n.h"
#include "report/html.h"

/* Okabe-Ito, without yellow (too light on white) and black (the record line) */
const char *const palette[N_PALETTE] = {"#0072B2", "#E69F00", "#009E73",
				       "#CC79A7", "#D55E00", "#56B4E9"};


const char *html_client_colour(int ci)
{
	return ci < 0 ? "#777777" : palette[ci % N_PALETTE];
}

/* ---- small json helpers ---- */

double html_jnum(json_t *o, const char *key, double dflt)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : dflt;
}

const char *html_jstr(json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : dflt;
}

/* ---- output ---- */

void html_esc(FILE *f, const char *s)
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
char *html_fmt_int(char *buf, size_t len, long long v)
{
	return i18n_int(buf, len, v);
}

/* A number with the language's separators, for an argument list: eight at a time (the page
 * is written by one thread). prec < 0: as %g; integers (prec 0) grouped. */
const char *html_dec(double v, int prec)
{
	return prec ? html_numf(prec < 0 ? "%g" : "%.*f", v, prec) : html_numf(NULL, v, 0);
}

/* v through fmt ("%.3g"; "%.*f" takes prec), or grouped when fmt is NULL */
const char *html_numf(const char *fmt, double v, int prec)
{
	static char ring[8][48];
	static unsigned k;
	char *b = ring[k++ % 8], f[16];

	if (!fmt)
		return i18n_int(b, sizeof(ring[0]), llround(v));
	snprintf(f, sizeof(f), "%s", fmt);
	if (!strcmp(fmt, "%.*f"))	/* one double argument for i18n_fmt */
		snprintf(f, sizeof(f), "%%.%df", prec);
	return i18n_fmt(b, sizeof(ring[0]), f, v);
}

void html_num_cell(FILE *f, json_t *v)
{
	char b[48];

	if (json_is_integer(v)) {
		html_fmt_int(b, sizeof(b), json_integer_value(v));
		fprintf(f, "<td class=\"n\">%s</td>", b);
	} else if (json_is_real(v)) {
		fprintf(f, "<td class=\"n\">%s</td>", html_dec(json_real_value(v), -1));
	} else if (json_is_string(v)) {
		fputs("<td>", f);
		html_esc(f, json_string_value(v));
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

const char *html_cname(const struct model *m, int ci)
{
	return ci >= 0 ? m->clabel[ci] : "?";
}

const char *html_node_label(const struct model *m, const char *node)
{
	int ci;

	if (!strcmp(node, "server") || !strcmp(node, "router"))
		return html_jstr(json_object_get(m->res, "labels"), node, node);
	ci = client_index(m, node);
	return ci >= 0 ? m->clabel[ci] : node;
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
	m->peer[m->n_peer].bucket = -1;
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
	const char *tuple = html_jstr(j, "tuple", "?"), *gt = strchr(tuple, '>');
	int src_len = gt ? (int)(gt - tuple) : (int)strlen(tuple);
	int from = e->peer >= 0 ? m->peer[e->peer].last_client : -1;
	const char *who = from >= 0 ? m->clabel[from] : _("this address");
	double age = html_jnum(j, "record_age_s", 0);
	char *s = NULL;
	int r;

	if (!strcmp(html_jstr(j, "reason", ""), "no-timestamp"))
		r = asprintf(
			&s,
			_("%s: SYN %.*s dropped — it carries no timestamp and a record from %s is %s s old (window %s s)"),
			html_cname(m, e->client), src_len, tuple, who, html_dec(age, 1),
			html_dec(m->paws_msl, -1));
	else
		r = asprintf(
			&s,
			_("%s: SYN %.*s dropped — TSval %u is %lld behind the value recorded from %s %s s ago (window %s s)"),
			html_cname(m, e->client), src_len, tuple, e->tsval,
			(long long)html_jnum(j, "behind", (double)(int32_t)(e->record_ts - e->tsval)),
			who, html_dec(age, 1), html_dec(m->paws_msl, -1));
	return r < 0 ? NULL : s;
}

static char *event_title(struct model *m, struct hev *e, json_t *j)
{
	const char *who = html_cname(m, e->client), *local = html_jstr(j, "local", "?");
	char *s = NULL;
	int r = 0;

	switch (e->kind) {
	case HK_ATTEMPT:
		switch (e->outc) {
		case HO_OK:
			r = asprintf(&s, _("%s: connected in %s ms from %s (t %s s)"), who,
				     html_dec(html_jnum(j, "connect_ms", 0), 2), local, html_dec(e->t, 3));
			break;
		case HO_TIMEOUT:
			r = asprintf(
				&s,
				_("%s: connect from %s timed out after %s s, %d SYN retransmit(s) (started t %s s)"),
				who, local, html_dec(e->t_end - e->t, 1), (int)html_jnum(j, "syn_retrans", 0),
				html_dec(e->t, 3));
			break;
		case HO_REFUSED:
			r = asprintf(&s, _("%s: connect from %s refused, RST to the SYN (t %s s)"),
				     who, local, html_dec(e->t_end, 3));
			break;
		case HO_RESET:
			r = asprintf(&s, _("%s: connection from %s reset (t %s s)"), who, local,
				     html_dec(e->t_end, 3));
			break;
		default:
			r = asprintf(&s, _("%s: connect from %s failed: %s, errno %d (t %s s)"), who,
				     local, html_jstr(j, "outcome", "?"), (int)html_jnum(j, "errno", 0),
				     html_dec(e->t_end, 3));
		}
		break;
	case HK_SYN:
		if (e->drop)
			return drop_title(m, e, j);
		if (e->has_ts)
			r = asprintf(&s, _("%s: SYN %s TSval %u passed (%s, t %s s)"), who,
				     html_jstr(j, "tuple", "?"), e->tsval, html_jstr(j, "reason", "?"),
				     html_dec(e->t, 3));
		else
			r = asprintf(&s, _("%s: SYN %s without timestamp passed (%s, t %s s)"), who,
				     html_jstr(j, "tuple", "?"), html_jstr(j, "reason", "?"),
				     html_dec(e->t, 3));
		break;
	case HK_PAWS:
		r = asprintf(
			&s,
			_("%s: SYN %s rejected by PAWS at %s — TSval %u is behind %u, the last TSval of the connection before on this 4-tuple (TIME_WAIT): an ACK came back, not a SYN-ACK (t %s s)"),
			who, html_jstr(j, "tuple", "?"), m->server_label, e->tsval, e->record_ts,
			html_dec(e->t, 3));
		break;
	case HK_TWACK:
		r = asprintf(
			&s,
			_("%s: SYN %s answered with an ACK, not a SYN-ACK — %s still holds this 4-tuple and the SYN is not newer (t %s s)"),
			who, html_jstr(j, "tuple", "?"), m->server_label, html_dec(e->t, 3));
		break;
	case HK_RST:
		if (e->rst_by_client && e->answers)
			r = asprintf(
				&s,
				_("%s sent an RST to that ACK (it acknowledges the connection before): it ends %s's TIME_WAIT, and the SYN goes again (t %s s)"),
				who, m->server_label, html_dec(e->t, 3));
		else if (e->rst_by_client)
			r = asprintf(&s, _("%s sent an RST on %s (t %s s)"), who,
				     html_jstr(j, "tuple", "?"), html_dec(e->t, 3));
		else if (e->answers)
			r = asprintf(&s, _("%s answered %s's SYN %s with an RST: nothing listens (t %s s)"),
				     m->server_label, who, html_jstr(j, "tuple", "?"), html_dec(e->t, 3));
		else
			r = asprintf(&s, _("%s sent an RST to %s on %s (t %s s)"), m->server_label, who,
				     html_jstr(j, "tuple", "?"), html_dec(e->t, 3));
		break;
	case HK_RECORD:
		if (e->update)
			r = asprintf(
				&s,
				_("t %s s: server record for %s updated to %u, from %s (the server closed first: TIME_WAIT)"),
				html_dec(e->t, 3), m->peer[e->peer].addr, e->record_ts, who);
		else
			r = asprintf(
				&s,
				_("t %s s: server record for %s kept at %u: %s's TSval %u is older"),
				html_dec(e->t, 3), m->peer[e->peer].addr, e->record_ts, who, e->tsval);
		break;
	}
	return r < 0 ? NULL : s;
}

/* The lane bucket event e is drawn in, -1 when none (a client past the lanes, a SYN that
 * passed, a record) */
static int lane_bucket(const struct model *m, const struct hev *e)
{
	int pass;

	if (e->client < 0 || (size_t)e->client >= m->lanes)
		return -1;
	if (e->kind == HK_ATTEMPT)
		pass = e->outc == HO_OK ? 1 : 0;
	else if (e->kind == HK_SYN && e->drop)
		pass = 2;
	else if (e->kind == HK_PAWS || e->kind == HK_TWACK || e->kind == HK_RST)
		pass = 3;
	else
		return -1;
	return m->b_lane + HTML_LANE_PASSES * e->client + pass;
}

static int put_ev(struct model *m, int b, const struct hev *e, const char *title)
{
	int err = spool_write(m->sp, b, e, sizeof(*e));

	return err ? err : spool_write(m->sp, b, title, e->title_len);
}

static int push_ms(double **v, size_t *n, size_t *cap, double ms)
{
	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 256;
		double *p = realloc(*v, c * sizeof(*p));

		if (!p)
			return -ENOMEM;
		*v = p;
		*cap = c;
	}
	(*v)[(*n)++] = ms;
	return 0;
}

/* What the page needs of event e before drawing it: the legend, the slow threshold, the TSval
 * chart's title and sampling, its annotation, the first drops. */
static int gather(struct model *m, const struct hev *e, const char *title)
{
	if (e->kind == HK_ATTEMPT) {
		m->seen[e->outc] = true;
		if (e->outc == HO_OK) {
			double ms = (e->t_end - e->t) * 1000;

			if (push_ms(&m->conn_ms, &m->n_conn, &m->cap_conn, ms))
				return -ENOMEM;
			if (!e->syn_retrans && push_ms(&m->once_ms, &m->n_once, &m->cap_once, ms))
				return -ENOMEM;
		}
		return 0;
	}
	if (e->kind == HK_PAWS || e->kind == HK_TWACK || e->kind == HK_RST) {
		if (e->client >= 0 && (size_t)e->client < m->lanes)
			m->wire[e->kind] = true;
		return 0;
	}
	if (e->kind != HK_SYN)
		return 0;
	if (e->has_ts) {
		if (e->drop || (e->client >= 0 && !m->hc[e->client].first_seen))
			m->n_forced++;
		else
			m->n_pts++;
		if (e->client >= 0) {
			struct hclient *c = &m->hc[e->client];

			c->first_seen = true;
			/* the clients' clocks are far apart or they would not be dropped: a mean
			 * will do */
			c->ts_sum += e->tsval;
			c->n_ts++;
			c->ts_drops += e->drop;
			m->ts_total_drops += e->drop;
		}
		if (e->drop && !m->have_gap) {
			m->gap = *e;
			m->have_gap = true;
		}
	}
	/* the first drops of the first clients, as the list in the header shows them */
	if (e->drop && e->client >= 0 && e->title_len) {
		size_t *n = &m->first_n[e->client];

		if (!*n && m->first_clients == FIRST_DROPS_CLIENTS) {
			*n = FIRST_DROPS_EACH;	/* counted once in "more", never shown */
			m->first_more++;
		} else if ((*n)++ < FIRST_DROPS_EACH) {
			struct hfirst *f = &m->first[m->n_first];

			m->first_clients += *n == 1;
			f->t = e->t;
			f->title = strdup(title);
			if (!f->title)
				return -ENOMEM;
			m->n_first++;
		}
	}
	return 0;
}

static int add_event(struct model *m, json_t *j)
{
	const char *type = html_jstr(j, "type", "");
	struct hev ev, *e = &ev;
	char *title = NULL;
	int lane, err;

	memset(e, 0, sizeof(*e));
	e->t = e->t_end = html_jnum(j, "t", 0);
	e->client = client_index(m, html_jstr(j, "client", NULL));
	e->peer = -1;
	if (!strcmp(type, "attempt")) {
		e->kind = HK_ATTEMPT;
		e->outc = outcome_of(html_jstr(j, "outcome", ""));
		e->t_end = html_jnum(j, "end", e->t);
		if (e->outc == HO_OK)
			e->t_end = e->t + html_jnum(j, "connect_ms", 0) / 1000.0;
		e->syn_retrans = (int)html_jnum(j, "syn_retrans", 0);
	} else if (!strcmp(type, "paws_reject") || !strcmp(type, "timewait_ack") ||
		   !strcmp(type, "rst")) {
		e->kind = type[0] == 'p' ? HK_PAWS : type[0] == 't' ? HK_TWACK : HK_RST;
		e->tsval = (uint32_t)html_jnum(j, "tsval", 0);
		e->record_ts = (uint32_t)html_jnum(j, "tw_ts_recent", 0);
		e->has_ts = json_is_number(json_object_get(j, "tsval"));
		e->rst_by_client = !strcmp(html_jstr(j, "from", ""), "client");
		e->answers = strcmp(html_jstr(j, "answers", "segment"), "segment") != 0;
		m->n_wire++;
	} else if (!strcmp(type, "syn") || !strcmp(type, "record")) {
		int p = peer_index(m, html_jstr(j, "tuple", ""));

		if (p < 0)
			return p;
		e->peer = p;
		e->tsval = (uint32_t)html_jnum(j, type[0] == 's' ? "tsval" : "ts_recent", 0);
		e->record_ts = (uint32_t)html_jnum(j, "record_ts", 0);
		if (type[0] == 's') {
			e->kind = HK_SYN;
			e->drop = !strcmp(html_jstr(j, "verdict", ""), "drop");
			e->has_ts = json_is_number(json_object_get(j, "tsval"));
			m->n_syn++;
			if (e->has_ts)
				see_y(m, e->tsval);
			if (e->drop && e->client < 0)
				m->n_drop_unattr++;
		} else {
			e->kind = HK_RECORD;
			e->update = !strcmp(html_jstr(j, "action", ""), "update");
			see_y(m, e->record_ts);
		}
	} else {
		return 0;
	}
	see_t(m, e->t);
	see_t(m, e->t_end);
	lane = lane_bucket(m, e);
	/* the hover text, only for an event something draws or lists */
	if (lane >= 0 || e->kind == HK_RECORD || (e->kind == HK_SYN && (e->has_ts || e->drop)))
		title = event_title(m, e, j);
	e->title_len = title ? (uint32_t)strlen(title) : 0;
	err = gather(m, e, title);
	if (!err && lane >= 0)
		err = put_ev(m, lane, e, title);
	if (!err && e->kind == HK_SYN && e->has_ts)
		err = put_ev(m, m->b_syn, e, title);
	if (!err && e->kind == HK_RECORD) {
		struct peer *p = &m->peer[e->peer];
		struct hstep st = {.t = e->t, .record_ts = e->record_ts};

		err = put_ev(m, m->b_rec, e, title);
		if (!err && p->bucket < 0) {
			/* a few records per chunk: there may be a peer per client */
			p->bucket = spool_bucket(m->sp, 32 * sizeof(st));
			err = p->bucket < 0 ? p->bucket : 0;
		}
		if (!err)
			err = spool_write(m->sp, p->bucket, &st, sizeof(st));
		if (e->update)
			p->last_client = e->client;
	}
	free(title);
	if (!err)
		m->n_ev++;
	return err;
}

/* a lane's bucket holds many small records: 4 KiB at a time */
#define LANE_CHUNK 4096
/* the record lane and the TSval chart's SYNs */
#define SEQ_CHUNK 16384

static int open_spool(struct model *m, int tmpdir)
{
	int err = spool_open(tmpdir, &m->sp);

	m->lanes = m->n_clients < REPORT_HTML_MAX_LANES ? m->n_clients : REPORT_HTML_MAX_LANES;
	m->hc = calloc(m->n_clients + 1, sizeof(*m->hc));
	m->first_n = calloc(m->n_clients + 1, sizeof(*m->first_n));
	if (err)
		return err;
	if (!m->hc || !m->first_n)
		return -ENOMEM;
	if ((m->b_rec = spool_bucket(m->sp, SEQ_CHUNK)) < 0)
		return m->b_rec;
	if ((m->b_syn = spool_bucket(m->sp, SEQ_CHUNK)) < 0)
		return m->b_syn;
	for (size_t i = 0; i < m->lanes * HTML_LANE_PASSES; i++) {
		int b = spool_bucket(m->sp, LANE_CHUNK);

		if (b < 0)
			return b;
		if (!i)
			m->b_lane = b;
	}
	return 0;
}

int html_load_events(struct model *m, FILE *f, int tmpdir)
{
	char *line = NULL;
	size_t cap = 0;
	int err = open_spool(m, tmpdir);

	while (!err && f && getline(&line, &cap, f) > 0) {
		json_t *j;

		m->n_lines++;
		/* past the cap only drops and what the server's link showed: all are drawn */
		if (m->n_ev >= HTML_MAX_EVENTS && !strstr(line, "\"verdict\":\"drop\"") &&
		    !strstr(line, "\"type\":\"paws_reject\"") && !strstr(line, "\"type\":\"rst\"") &&
		    !strstr(line, "\"type\":\"timewait_ack\"")) {
			m->n_skipped++;
			continue;
		}
		j = json_loads(line, 0, NULL);
		if (json_is_object(j))
			err = add_event(m, j);
		json_decref(j);
	}
	if (!err && f && ferror(f))
		err = -EIO;
	free(line);
	return err;
}

int html_ev_rewind(struct model *m, int b)
{
	int err = m->err ? m->err : spool_rewind(m->sp, b);

	if (err && !m->err)
		m->err = err;
	return err;
}

int html_ev_read(struct model *m, int b, struct hev *e, char **title, size_t *cap)
{
	ssize_t r;

	if (m->err)
		return m->err;
	r = spool_read(m->sp, b, e, sizeof(*e));
	if (!r)
		return 0;
	if (r == (ssize_t)sizeof(*e) && e->title_len >= *cap) {
		char *t = realloc(*title, e->title_len + 1);

		if (!t)
			return m->err = -ENOMEM;
		*title = t;
		*cap = e->title_len + 1;
	}
	if (r == (ssize_t)sizeof(*e))
		r = e->title_len ? spool_read(m->sp, b, *title, e->title_len) : 0;
	else if (r >= 0)
		r = -EIO;
	if (r >= 0 && (size_t)r != e->title_len)
		r = -EIO;
	if (r < 0)
		return m->err = (int)r;
	(*title)[e->title_len] = 0;
	return 1;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The connect time (ms) from which a connect is marked slow: SLOW_MIN_MS and 3 times the median
 * of the connects whose SYN went once (those resent are what is looked for: in exercise 5 they
 * are half the connects), of them all when none went once; 0 when no connect is that slow.
 * (An ok attempt's t_end is its connect time.) */
#define SLOW_MIN_MS 5.0
static double slow_threshold(struct model *m)
{
	double *v = m->n_once ? m->once_ms : m->conn_ms, thr, max = 0;
	size_t n = m->n_once ? m->n_once : m->n_conn;

	if (!n)
		return 0;
	for (size_t i = 0; i < m->n_conn; i++)
		max = fmax(max, m->conn_ms[i]);
	qsort(v, n, sizeof(*v), cmp_dbl);
	thr = fmax(SLOW_MIN_MS, 3 * v[n / 2]);
	return max >= thr ? thr : 0;
}

void html_causes_init(const struct model *m, struct html_causes *c, size_t lane)
{
	memset(c, 0, sizeof(*c));
	c->b = lane < m->lanes ? m->b_lane + HTML_LANE_PASSES * (int)lane + 3 : -1;
}

void html_causes_free(struct html_causes *c)
{
	free(c->title);
	c->title = NULL;
	c->cap = 0;
}

/* HK_PAWS or HK_TWACK: the first of the lane's answers inside attempt e (events are stamped to
 * the ms: 1 ms of slack on each side), -1 none. The answers are in time order; so are a lane's
 * attempts, but when one starts before the one before, the answers are read again. */
static int cause_of(struct model *m, struct html_causes *c, const struct hev *e)
{
	if (c->b < 0)
		return -1;
	if (!c->started || e->t < c->last_t) {
		if (html_ev_rewind(m, c->b))
			return -1;
		c->started = true;
		c->have = c->end = false;
	}
	c->last_t = e->t;
	for (;;) {
		if (!c->have && !c->end) {
			int r = html_ev_read(m, c->b, &c->w, &c->title, &c->cap);

			if (r <= 0)
				c->end = true;
			else if (c->w.kind == HK_PAWS || c->w.kind == HK_TWACK)
				c->have = true;
			continue;
		}
		if (c->have && c->w.t < e->t - 0.001) {
			c->have = false;
			continue;
		}
		break;
	}
	return c->have && c->w.t <= e->t_end + 0.001 ? (int)c->w.kind : -1;
}

int html_slow_title(struct model *m, struct html_causes *c, const struct hev *e,
		    const char *title, char **out)
{
	char why[400] = "";
	int cause;

	*out = NULL;
	if (e->kind != HK_ATTEMPT || e->outc != HO_OK)
		return 0;
	cause = cause_of(m, c, e);	/* every connect: the answers are read once, in order */
	/* a SYN the server's kernel answered with an ACK is the evidence itself, however fast
	 * the connect went on; a resend only counts past the threshold */
	if (cause != HK_PAWS && cause != HK_TWACK &&
	    (m->slow_ms <= 0 || (e->t_end - e->t) * 1000 < m->slow_ms))
		return 0;
	if (cause == HK_PAWS)
		snprintf(why, sizeof(why),
			 _("its first SYN was rejected by PAWS at %s; its RST and the SYN again followed"),
			 m->server_label);
	else if (cause == HK_TWACK)
		snprintf(why, sizeof(why),
			 _("its first SYN was answered with an ACK, not a SYN-ACK, and sent again"));
	else if (e->syn_retrans)
		snprintf(why, sizeof(why), P_("its SYN was sent %d more time",
					      "its SYN was sent %d more times", e->syn_retrans),
			 e->syn_retrans);
	if (!why[0])
		return 0;
	if (asprintf(out, _("%s — %s"), title ? title : "", why) < 0) {
		*out = NULL;
		return -ENOMEM;
	}
	return 1;
}

/* Keep item (t, title) among the client's first FIRST_WIRE_EACH in time order (fw[0..*n)). */
static int keep_first(struct hwire *fw, size_t *n, double t, size_t seq, int client,
		      const char *title)
{
	size_t k = *n;
	char *s;

	while (k > 0 && (fw[k - 1].t > t || (fw[k - 1].t == t && fw[k - 1].seq > seq)))
		k--;
	if (k >= FIRST_WIRE_EACH)
		return 0;
	s = strdup(title);
	if (!s)
		return -ENOMEM;
	if (*n == FIRST_WIRE_EACH) {
		free(fw[FIRST_WIRE_EACH - 1].title);
		(*n)--;
	}
	memmove(fw + k + 1, fw + k, (*n - k) * sizeof(*fw));
	fw[k] = (struct hwire){.t = t, .seq = seq, .client = client, .title = s};
	(*n)++;
	return 0;
}

/* A slow connect says why: the server's answer to its SYN on the wire, else its SYNs resent.
 * The threshold; then, per drawn client, its first answers and slow connects for the list in
 * the header, read from its lane's buckets (the page lists those of the drawn clients). */
void html_link_events(struct model *m)
{
	struct hev ev;
	char *title = NULL, *s;
	size_t cap = 0, seq = 0;

	m->slow_ms = slow_threshold(m);
	if (!m->n_wire || m->err)
		return;
	m->fw = calloc(m->lanes * FIRST_WIRE_EACH + 1, sizeof(*m->fw));
	if (!m->fw) {
		m->err = -ENOMEM;
		return;
	}
	for (size_t l = 0; l < m->lanes && !m->err; l++) {
		struct hwire *fw = m->fw + m->n_fw;
		size_t n = 0;
		int b = m->b_lane + HTML_LANE_PASSES * (int)l;
		struct html_causes c;

		html_causes_init(m, &c, l);
		html_ev_rewind(m, b + 1);
		while (!m->err && html_ev_read(m, b + 1, &ev, &title, &cap) > 0) {
			int r = html_slow_title(m, &c, &ev, title, &s);

			if (r > 0 && keep_first(fw, &n, ev.t_end, seq++, (int)l, s))
				m->err = -ENOMEM;
			free(s);
			if (r < 0)
				m->err = r;
		}
		html_causes_free(&c);
		html_ev_rewind(m, b + 3);
		while (!m->err && html_ev_read(m, b + 3, &ev, &title, &cap) > 0)
			if (ev.title_len && keep_first(fw, &n, ev.t, seq++, (int)l, title))
				m->err = -ENOMEM;
		m->n_fw += n;
	}
	free(title);
}

int html_load_clients(struct model *m)
{
	json_t *clients = json_object_get(m->res, "clients");
	size_t n = json_array_size(clients);

	m->cname = calloc(n + 1, sizeof(*m->cname));
	m->clabel = calloc(n + 1, sizeof(*m->clabel));
	m->by_name = calloc(n + 1, sizeof(*m->by_name));
	if (!m->cname || !m->clabel || !m->by_name)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		m->cname[i] = html_jstr(json_array_get(clients, i), "name", "?");
		m->clabel[i] = html_jstr(json_array_get(clients, i), "label", m->cname[i]);
		m->by_name[i] = (int)i;
	}
	m->n_clients = n;
	m->server_label = html_jstr(json_object_get(m->res, "labels"), "server", _("the server"));
	qsort_r(m->by_name, n, sizeof(int), cmp_name, m->cname);
	return 0;
}

void html_model_free(struct model *m)
{
	for (size_t i = 0; i < m->n_first; i++)
		free(m->first[i].title);
	for (size_t i = 0; i < m->n_fw; i++)
		free(m->fw[i].title);
	free(m->fw);
	spool_close(m->sp);
	free(m->conn_ms);
	free(m->once_ms);
	free(m->hc);
	free(m->first_n);
	free(m->peer);
	free(m->cname);
	free(m->clabel);
	free(m->by_name);
}
