// SPDX-License-Identifier: GPL-2.0
/* report.html, the pictures: the timeline with a lane per client and the TSval chart, in inline SVG. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "i18n/i18n.h"
#include "report/html.h"

/* Geometry in SVG user units. The charts are 940 units wide, about the width they get at
 * 1024 px, and scale up with the page: text is 15 units or more, so 15 px or more on screen
 * (report_html.c's CSS). */
#define TL_W   940
#define TL_LX  135.0
#define TL_RX  790.0
#define TL_TOP 12.0

/* ---- axes ---- */

double html_nice_step(double range, int want)
{
	double raw = range / want, p = pow(10, floor(log10(raw))), f = raw / p;

	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}


/* One marker shape at (x, y); cls picks colours from the CSS above. */
static void shape(FILE *f, const char *cls, double x, double y, const char *title)
{
	const char *t = title ? title : "";

	if (!strcmp(cls, "ok") || !strcmp(cls, "error") || !strcmp(cls, "slow")) {
		fprintf(f, "<circle class=\"mark %s\" cx=\"%.1f\" cy=\"%.1f\" r=\"%d\"><title>", cls,
			x, y, strcmp(cls, "slow") ? 8 : 10);
		html_esc(f, t);
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
	else if (!strcmp(cls, "paws") || !strcmp(cls, "twack"))	/* a bar above the lane line */
		fprintf(f, "M%.1f %.1fh6v16h-6z", x - 3, y - 8);
	else if (!strcmp(cls, "rst"))	/* a chevron below it */
		fprintf(f, "M%.1f %.1fl8 -9l8 9", x - 8, y + 4);
	fputs("\"><title>", f);
	html_esc(f, t);
	fputs("</title></path>", f);
}

static void legend_item(FILE *f, const char *cls, const char *text)
{
	/* the icon's class is "key", not "mark": the DOM checks count marks */
	fputs("<span><svg viewBox=\"0 0 30 30\" aria-hidden=\"true\"><g class=\"key\">", f);
	if (!strcmp(cls, "ok"))
		fputs("<circle cx=\"15\" cy=\"15\" r=\"8\" fill=\"#0072B2\"/>", f);
	else if (!strcmp(cls, "slow"))
		fputs("<circle cx=\"15\" cy=\"15\" r=\"10\" fill=\"#fff\" stroke=\"#0072B2\" "
		      "stroke-width=\"3\"/>",
		      f);
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
	else if (!strcmp(cls, "paws"))
		fputs("<path d=\"M12 5h6v20h-6z\" fill=\"#6B3FA0\" stroke=\"#3a1f5c\"/>", f);
	else if (!strcmp(cls, "twack"))
		fputs("<path d=\"M12 5h6v20h-6z\" fill=\"#fff\" stroke=\"#6B3FA0\" "
		      "stroke-width=\"2.5\"/>",
		      f);
	else if (!strcmp(cls, "rst"))
		fputs("<path d=\"M6 20l9-10l9 10\" fill=\"none\" stroke=\"#111\" "
		      "stroke-width=\"3.5\" stroke-linecap=\"round\"/>",
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
	html_esc(f, text);
	fputs("</span>", f);
}


static void time_axis(FILE *f, const struct model *m, double top, double bottom, double lx,
		      double rx)
{
	double step = html_nice_step(m->t1 - m->t0, 10);

	for (double t = ceil(m->t0 / step) * step; t <= m->t1 + 1e-9; t += step) {
		double x = lx + (t - m->t0) / (m->t1 - m->t0) * (rx - lx);

		fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
			x, top, x, bottom);
		fprintf(f,
			"<text x=\"%.1f\" y=\"%.1f\" font-size=\"16\" text-anchor=\"middle\">%s"
			"</text>\n",
			x, bottom + 24, html_dec(fabs(t) < 1e-9 ? 0 : t, -1));
	}
	fprintf(f, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", lx,
		bottom, rx, bottom);
	fprintf(f,
		"<text x=\"%.1f\" y=\"%.1f\" font-size=\"16\" text-anchor=\"middle\">%s</text>\n",
		(lx + rx) / 2, bottom + 50, _("time since the first client started (s)"));
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
		"<text x=\"%.1f\" y=\"%.1f\" font-size=\"17\" text-anchor=\"end\" "
		"font-weight=\"bold\"><title>",
		TL_LX - 14, y + 8);
	html_esc(f, name);
	fputs("</title>", f);
	html_esc(f, buf);
	fputs("</text>", f);
}

static long long counter(const struct model *m, const char *node, const char *name)
{
	return (long long)html_jnum(json_object_get(json_object_get(m->res, "counters"), node),
				    name, 0);
}

/* What the real kernel did that has no time of its own in events.jsonl: PAWS rejects in
 * TIME_WAIT and the clients' RSTs (exercise 5), from the counters, beside the timeline. */
static void kernel_note(FILE *f, const struct model *m)
{
	long long tw = counter(m, "server", "TcpExtPAWSTimewait"),
		  est = counter(m, "server", "TcpExtPAWSEstab"), rst = 0;
	json_t *clients = json_object_get(m->res, "clients"), *c;
	size_t i, shown = 0;

	json_array_foreach(clients, i, c)
		rst += counter(m, m->cname[i], "TcpOutRsts");
	if (!tw && !est && !rst)
		return;
	fputs(_("<p class=\"kernel-note\" id=\"kernel-note\">The kernel counted, over the run: "), f);
	if (tw || est)
		fprintf(f, P_("<b>%s PAWS reject</b> at the server (%s%s%s)",
			      "<b>%s PAWS rejects</b> at the server (%s%s%s)", tw + est),
			html_dec(tw + est, 0), tw ? _("PAWSTimewait: in TIME_WAIT") : "",
			tw && est ? ", " : "", est ? _("PAWSEstab: TIME_WAIT before 6.16, or established") : "");
	json_array_foreach(clients, i, c) {
		long long n = counter(m, m->cname[i], "TcpOutRsts");

		if (!n || shown == 6)
			continue;
		fputs(tw || est || shown ? "; " : "", f);
		fputs("<b>", f);
		html_esc(f, m->clabel[i]);
		fprintf(f, P_(" sent %s RST</b>", " sent %s RSTs</b>", n), html_dec(n, 0));
		shown++;
	}
	if (m->n_wire)
		fputs(_(". The timeline marks each one the server's link showed, at its time: a bar "
			"above the lane for a SYN answered with an ACK instead of a SYN-ACK (filled: a "
			"PAWS reject), a chevron below it for an RST.</p>\n"),
		      f);
	else
		fputs(_(". Counters carry no time; when a SYN lands on the server's TIME_WAIT of the "
			"same 4-tuple (exercise 5), each reject is an ACK instead of a SYN-ACK, the "
			"client's RST, and the SYN again: a slow connect on the timeline.</p>\n"),
		      f);
}

void html_timeline(FILE *f, struct model *m)
{
	json_t *clients = json_object_get(m->res, "clients");
	size_t lanes = m->n_clients < REPORT_HTML_MAX_LANES ? m->n_clients : REPORT_HTML_MAX_LANES;
	double lh = lanes > 20 ? 30 : lanes > 6 ? 40 : 52, rec_h = m->gate ? 52 : 0;
	const bool *seen = m->seen, *wire = m->wire;
	double slow_ms = m->slow_ms;
	struct hev ev, *e = &ev;
	char *title = NULL, *slow_t;
	size_t cap = 0;
	double top = TL_TOP + rec_h, bottom = top + lanes * lh + 8, h = bottom + 64;
	static const char *const ocls[] = {"ok", "timeout", "refused", "reset", "error"};

	fputs(_("<section id=\"timeline\"><h2>Timeline: every connect, one lane per client</h2>\n"),
	      f);
	fputs("<div class=\"legend\">", f);
	/* always the connect and the drop; the other outcomes when they happened */
	legend_item(f, "ok", _("connected"));
	if (slow_ms > 0) {
		char t[160];

		snprintf(t, sizeof(t), _("slow connect, %s ms or more (hover: how slow)"),
			 html_dec(slow_ms, 1));
		legend_item(f, "slow", t);
	}
	if (m->gate)
		legend_item(f, "drop", _("SYN dropped by the recycle rule (hover: why)"));
	if (wire[HK_PAWS])
		legend_item(f, "paws", _("SYN rejected by PAWS at the server: an ACK came back"));
	if (wire[HK_TWACK])
		legend_item(f, "twack", _("SYN answered with an ACK, not a SYN-ACK"));
	if (wire[HK_RST])
		legend_item(f, "rst", _("RST"));
	if (seen[HO_TIMEOUT])
		legend_item(f, "timeout", _("connect timed out"));
	if (seen[HO_REFUSED])
		legend_item(f, "refused", _("refused (RST)"));
	if (seen[HO_RESET])
		legend_item(f, "reset", _("reset"));
	if (seen[HO_ERROR])
		legend_item(f, "error", _("other error"));
	if (m->gate) {
		legend_item(f, "update", _("server record updated"));
		legend_item(f, "keep", _("server record kept"));
	}
	fputs("</div>\n", f);
	fprintf(f,
		"<svg class=\"chart\" id=\"timeline-svg\" viewBox=\"0 0 %d %.0f\" role=\"img\" "
		"aria-label=\"%s\">\n",
		TL_W, h, _("timeline of connects per client"));
	time_axis(f, m, TL_TOP, bottom, TL_LX, TL_RX);

	if (m->gate) {
		double y = TL_TOP + rec_h / 2 - 4;

		fprintf(f,
			"<g class=\"lane-record\"><rect x=\"0\" y=\"%.1f\" width=\"%d\" "
			"height=\"%.1f\" fill=\"#e6f4ef\"/>",
			TL_TOP, TL_W, rec_h - 8);
		fprintf(f,
			"<text x=\"%.1f\" y=\"%.1f\" font-size=\"15\" text-anchor=\"end\" "
			"font-style=\"italic\">%s</text>",
			TL_LX - 14, y + 7, _("server record"));
		html_ev_rewind(m, m->b_rec);
		while (html_ev_read(m, m->b_rec, e, &title, &cap) > 0)
			shape(f, e->update ? "update" : "keep", tx(m, e->t), y, title);
		fputs("</g>\n", f);
	}
	for (size_t l = 0; l < lanes; l++) {
		json_t *c = json_array_get(clients, l);
		double y = top + l * lh + lh / 2;
		long long att = html_client_int(c, "attempts"), con = html_client_int(c, "connected"),
			  dr = html_client_int(c, "syn_dropped");

		fprintf(f, "<g class=\"lane\" data-client=\"");
		html_esc(f, m->cname[l]);
		fprintf(f, "\"><rect x=\"0\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"%s\"/>",
			y - lh / 2, TL_W, lh, l % 2 ? "#ffffff" : "#f2f2f2");
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#aaa\"/>",
			TL_LX, y, TL_RX, y);
		lane_label(f, m->clabel[l], y);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"16\">", TL_RX + 14, y + 7);
		fprintf(f, _("%s/%s ok"), html_dec(con, 0), html_dec(att, 0));
		if (dr)
			fprintf(f, " <tspan fill=\"#a33a00\" font-weight=\"bold\">%s ✕</tspan>",
				html_dec(dr, 0));
		fputs("</text>\n", f);
		/* failures first, then connects, drops on top, then the server's answers above
		 * the line and the RSTs below it (they fall within a connect's few ms): each its
		 * own bucket; a slow connect's reason is looked up in the answers as it is drawn */
		struct html_causes cs;

		html_causes_init(m, &cs, l);
		for (int pass = 0; pass < HTML_LANE_PASSES; pass++) {
			int b = m->b_lane + HTML_LANE_PASSES * (int)l + pass;

			html_ev_rewind(m, b);
			while (html_ev_read(m, b, e, &title, &cap) > 0) {
				if (pass == 0)
					shape(f, ocls[e->outc], tx(m, e->t_end), y, title);
				else if (pass == 1) {
					bool slow = slow_ms > 0 && (e->t_end - e->t) * 1000 >= slow_ms;
					int r = html_slow_title(m, &cs, e, title, &slow_t);

					if (r < 0 && !m->err)
						m->err = r;
					shape(f, slow || r > 0 ? "slow" : "ok", tx(m, e->t_end), y,
					      r > 0 ? slow_t : title);
					free(slow_t);
				} else if (pass == 2)
					shape(f, "drop", tx(m, e->t), y, title);
				else if (e->kind == HK_PAWS || e->kind == HK_TWACK)
					shape(f, e->kind == HK_PAWS ? "paws" : "twack", tx(m, e->t),
					      y - lh / 2 + 10, title);
				else
					shape(f, "rst", tx(m, e->t), y + lh / 2 - 10, title);
			}
		}
		html_causes_free(&cs);
		fputs("</g>\n", f);
	}
	free(title);
	fputs("</svg>\n", f);
	if (!m->n_clients)
		fputs(_("<p class=\"note\">This lab has no clients.</p>\n"), f);
	if (m->n_clients > lanes)
		fprintf(f,
			_("<p class=\"note\">Showing the first %zu of %zu clients; %zu more are not "
			  "drawn (all are in the tables below).</p>\n"),
			lanes, m->n_clients, m->n_clients - lanes);
	if (!m->n_ev)
		fputs(_("<p class=\"note\">No events were recorded in this run.</p>\n"), f);
	kernel_note(f, m);
	if (m->n_drop_unattr)
		fprintf(f,
			_("<p class=\"note\">%zu dropped SYNs could not be matched to a client "
			  "through the NAT table and are not drawn.</p>\n"),
			m->n_drop_unattr);
	fputs("</section>\n", f);
}

/* TSval chart geometry */
#define TS_W   940
#define TS_LX  150.0
#define TS_RX  790.0
#define TS_TOP 44.0	/* above: the band for the annotation, which so covers no data */
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

/* The chart's title says what this run shows, no more: "only the largest clock gets
 * through" when exactly one client never lost a SYN, every other lost some, and that one's
 * TSvals were the largest. */
static void tsval_title(FILE *f, const struct model *m)
{
	double *med = calloc(m->n_clients + 1, sizeof(*med));
	size_t winners = 0, with = 0, total = m->ts_total_drops;
	int win = -1;
	bool largest = true;

	fputs(_("TSval against time"), f);
	if (!m->gate || !m->have_y || !med)
		goto out;
	for (size_t c = 0; c < m->n_clients; c++) {
		const struct hclient *h = &m->hc[c];

		if (!h->n_ts)
			continue;
		with++;
		med[c] = h->ts_sum / h->n_ts;
		if (!h->ts_drops) {
			winners++;
			win = (int)c;
		}
	}
	for (size_t c = 0; win >= 0 && c < m->n_clients; c++)
		if (m->hc[c].n_ts && (int)c != win && med[c] >= med[win])
			largest = false;
	if (!total)
		fputs(_(": no SYN was behind the server's record"), f);
	else if (with > 1 && winners == 1 && largest) {
		fputs(_(": only the largest clock gets through ("), f);
		html_esc(f, m->clabel[win]);
		fputs(")", f);
	} else
		fputs(_(": a SYN behind the server's record is dropped"), f);
out:
	free(med);
}

void html_tsval_chart(FILE *f, struct model *m)
{
	double ylo, yhi, step, stride;
	size_t n_pts = 0, legend = 0, n_lab = 0;
	struct ylabel *lab;
	double *last_y;
	bool *has, *first;
	size_t n_forced = m->n_forced;
	struct hev ev, *e = &ev;
	char *title = NULL;
	size_t cap = 0;

	fputs("<section id=\"tsval\"><h2>", f);
	tsval_title(f, m);
	fputs("</h2>\n", f);
	if (!m->have_y) {
		fprintf(f, _("<p class=\"note\">No SYN timestamps to plot: %s.</p></section>\n"),
			m->gate ? _("the gate saw no SYN with a timestamp")
				: _("the recycle gate was off, and it is what reads the SYNs' TSvals"));
		return;
	}
	has = calloc(m->n_clients + 1, sizeof(*has));
	last_y = calloc(m->n_clients + 1, sizeof(*last_y));
	lab = calloc(m->n_clients + m->n_peer + 1, sizeof(*lab));
	first = calloc(m->n_clients + 1, sizeof(*first));
	if (!has || !last_y || !lab || !first) {
		free(first);
		free(has);
		free(last_y);
		free(lab);
		fputs(_("<p class=\"warn\">out of memory</p></section>\n"), f);
		return;
	}
	for (size_t c = 0; c < m->n_clients; c++)
		has[c] = m->hc[c].n_ts > 0;

	fputs("<div class=\"legend\">", f);
	for (size_t c = 0; c < m->n_clients; c++) {
		if (!has[c])
			continue;
		if (legend++ == MAX_LEGEND)
			break;
		legend_item(f, html_client_colour((int)c), m->clabel[c]);
	}
	if (legend > MAX_LEGEND)
		fputs(_("<span>… more clients (colours repeat)</span>"), f);
	legend_item(f, "pass", _("SYN passed"));
	legend_item(f, "xdrop", _("SYN dropped"));
	legend_item(f, "step", _("value the server recorded (per NAT address)"));
	fputs("</div>\n", f);

	ylo = m->ymin;
	yhi = m->ymax;
	if (yhi - ylo < 10) {
		ylo -= 5;
		yhi += 5;
	}
	step = html_nice_step(yhi - ylo, 8);
	ylo = floor(ylo / step) * step;
	yhi = ceil(yhi / step) * step;
	/* data inset from the frame, so marks at the extremes do not sit on the axes */
#define TY(v) (TS_BOT - 14 - ((double)(v)-ylo) / (yhi - ylo) * (TS_BOT - TS_TOP - 24))
#define TX(t) (TS_LX + ((t)-m->t0) / (m->t1 - m->t0) * (TS_RX - TS_LX))

	fprintf(f,
		"<svg class=\"chart\" id=\"tsval-svg\" viewBox=\"0 0 %d %.0f\" role=\"img\" "
		"aria-label=\"%s\">\n",
		TS_W, TS_BOT + 70, _("TSval of each SYN against time"));
	for (double v = ylo; v <= yhi + step / 2; v += step) {
		char b[48];

		html_fmt_int(b, sizeof(b), llround(v));
		fprintf(f,
			"<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
			"<text x=\"%.1f\" y=\"%.1f\" font-size=\"15\" text-anchor=\"end\">%s</text>\n",
			TS_LX, TY(v), TS_RX, TY(v), TS_LX - 8, TY(v) + 6, b);
	}
	fprintf(f, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", TS_LX,
		TS_TOP, TS_LX, TS_BOT);
	fprintf(f,
		"<text transform=\"translate(17 %.1f) rotate(-90)\" font-size=\"16\" "
		"text-anchor=\"middle\">%s</text>\n",
		(TS_TOP + TS_BOT) / 2, _("TSval (ticks, linear)"));
	time_axis(f, m, TS_TOP, TS_BOT, TS_LX, TS_RX);

	/* the server's record, one step line per record key */
	for (size_t p = 0; p < m->n_peer; p++) {
		bool started = false;
		double last = 0;
		struct hstep st;
		ssize_t r;

		if (m->peer[p].bucket < 0 || html_ev_rewind(m, m->peer[p].bucket))
			continue;
		while ((r = spool_read(m->sp, m->peer[p].bucket, &st, sizeof(st))) == sizeof(st)) {
			if (!started) {
				fputs("<path class=\"record-step\" d=\"", f);
				fprintf(f, "M%.1f %.1f", TX(st.t), TY(st.record_ts));
				started = true;
			} else {
				fprintf(f, "H%.1fV%.1f", TX(st.t), TY(st.record_ts));
			}
			last = st.record_ts;
		}
		if (r && !m->err)
			m->err = r < 0 ? (int)r : -EIO;
		if (!started)
			continue;
		fprintf(f, "H%.1f\"><title>", TS_RX);
		fputs(_("server's record for "), f);
		html_esc(f, m->peer[p].addr);
		fputs("</title></path>\n", f);
		lab[n_lab++] = (struct ylabel){TY(last), _("server record"), "#000"};
	}

	/* sampling thins out passed SYNs only: every drop and each client's first SYN is drawn */
	n_pts = m->n_pts;
	stride = n_pts + n_forced > MAX_POINTS
			 ? (double)n_pts / fmax(1, (double)MAX_POINTS - (double)n_forced)
			 : 1;
	n_pts = 0;
	html_ev_rewind(m, m->b_syn);
	for (size_t k = 0; html_ev_read(m, m->b_syn, e, &title, &cap) > 0;) {
		bool forced;
		double x, y;

		forced = e->drop || (e->client >= 0 && !first[e->client]);
		if (e->client >= 0)
			first[e->client] = true;
		if (!forced && stride > 1 && fmod(k++, stride) >= 1)
			continue;
		x = TX(e->t);
		y = TY(e->tsval);
		if (e->client >= 0)
			last_y[e->client] = y;
		if (e->drop)
			fprintf(f,
				"<path class=\"pt drop\" stroke=\"%s\" d=\"M%.1f %.1fl12 12m0-12l-12 12\">",
				html_client_colour(e->client), x - 6, y - 6);
		else
			fprintf(f,
				"<circle class=\"pt pass\" fill=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"6.5\">",
				html_client_colour(e->client), x, y);
		fputs("<title>", f);
		html_esc(f, title);
		fputs(e->drop ? "</title></path>\n" : "</title></circle>\n", f);
		n_pts++;
	}
	free(title);

	/* the first drop: how far below the record its TSval was */
	for (e = &m->gap; m->have_gap;) {
		double x, y0, y1, tw, lx;
		char b[48], text[160];

		x = TX(e->t);
		y0 = TY(e->record_ts);
		y1 = TY(e->tsval);
		if (fabs(y1 - y0) < 40)
			break;
		html_fmt_int(b, sizeof(b), (int32_t)(e->record_ts - e->tsval));
		snprintf(text, sizeof(text), _("%s's SYN: %s ticks behind the record → dropped"),
			 html_cname(m, e->client), b);
		/* the label sits in the band above the plot, so it covers no point; about 0.6 em
		 * a character */
		tw = strlen(text) * 17 * 0.6;
		lx = fmax(TS_LX, fmin(x - 14, TS_RX - tw));
		fprintf(f,
			"<g class=\"gap\"><path d=\"M%.1f %.1fV%.1fM%.1f %.1fh16M%.1f %.1fh16\" "
			"stroke=\"#a33a00\" stroke-width=\"2.5\" stroke-dasharray=\"6 4\"/>"
			"<path d=\"M%.1f %.1fV%.1f\" stroke=\"#a33a00\" stroke-width=\"1\"/>"
			"<text x=\"%.1f\" y=\"%.1f\" font-size=\"17\" font-weight=\"bold\" "
			"style=\"fill:#a33a00\">",
			x - 14, y0, y1, x - 22, y0, x - 22, y1, x - 14, TS_TOP - 14, fmin(y0, y1), lx,
			TS_TOP - 20);
		html_esc(f, text);
		fputs("</text></g>\n", f);
		break;
	}

	/* names at the right end, pushed apart so they do not overlap */
	for (size_t c = 0; c < m->n_clients; c++)
		if (has[c])
			lab[n_lab++] =
				(struct ylabel){last_y[c], m->clabel[c], html_client_colour((int)c)};
	if (n_lab <= MAX_DIRECT_LABELS + m->n_peer && n_lab <= 16) {
		qsort(lab, n_lab, sizeof(*lab), cmp_ylabel);
		for (size_t i = 1; i < n_lab; i++)
			if (lab[i].y < lab[i - 1].y + 24)
				lab[i].y = lab[i - 1].y + 24;
		for (size_t i = 0; i < n_lab; i++) {
			fprintf(f,
				"<text x=\"%.1f\" y=\"%.1f\" font-size=\"16\" font-weight=\"bold\" "
				"style=\"fill:%s\">",
				TS_RX + 10, lab[i].y + 7, lab[i].colour);
			html_esc(f, lab[i].text);
			fputs("</text>\n", f);
		}
	}
	fputs("</svg>\n", f);
	fprintf(f,
		_("<p class=\"note\">Each mark is a SYN the server's gate saw, at the TSval its "
		  "client's TCP clock put in it (%s shown%s). The black line is the value the "
		  "server remembered for the address it sees (the NAT address): a SYN more than "
		  "%s tick below a record younger than %s s is dropped silently.</p>\n"),
		html_dec(n_pts, 0), stride > 1 ? _("; passed SYNs sampled, every drop and each client's first SYN "
				    "drawn") : "",
		html_dec(html_jnum(json_object_get(m->res, "gate"), "paws_window", 1), -1),
		html_dec(m->paws_msl, -1));
	fputs("</section>\n", f);
	free(first);
	free(has);
	free(last_y);
	free(lab);
#undef TX
#undef TY
}

