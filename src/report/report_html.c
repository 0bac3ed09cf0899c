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

#include <jansson.h>

#include "i18n/i18n.h"
#include "report/html.h"

/* ---- page parts ---- */

/* Sizes are in em of the wrapper #large, so the large-type mode (#large:target, a link at the
 * top: no script) scales every text at once; the smallest, a table's header (0.9 x 0.92 em of 22 px), is 18 px. The charts
 * are drawn 940 units wide and scale with the page, never below 1 px a unit at 1024 px (the
 * margins shrink there), so their 15-unit text stays at 15 px or more. */
static const char css[] =
	"body{font:22px/1.4 'DejaVu Sans',Verdana,Arial,sans-serif;color:#111;background:#fff;"
	"margin:0}\n"
	"#large{padding:20px 36px;font-size:1em}#large:target{font-size:1.45em}\n"
	"@media (max-width:1200px){#large{padding:10px 14px}}\n"
	".large-off{display:none}#large:target .large-on{display:none}"
	"#large:target .large-off{display:inline}\n"
	"h1{font-size:1.8em;margin:0 0 6px}h2{font-size:1.35em;margin:1.6em 0 10px;"
	"border-bottom:3px solid #111}\n"
	".verdict{padding:6px 16px;border-radius:8px;color:#fff;font-size:1.3em;"
	"font-weight:bold;margin:6px 0 10px}\n"
	".verdict.held{background:#1d3f73}.verdict.fail{background:#a33a00}"
	".verdict.none{background:#444}.verdict .why{font-weight:normal;font-size:0.75em}\n"
	".description{font-size:1.1em;font-style:italic;margin:4px 0}\n"
	".story{font-size:1.2em;font-weight:bold;margin:12px 0}.meta{color:#333;margin:4px 0}\n"
	".warn{color:#a33a00;font-weight:bold}.note{color:#333}\n"
	"ul.firsts,ul.clocks{margin:4px 0 8px;padding-left:1.2em}\n"
	"svg.chart{width:100%;height:auto;display:block;max-width:1400px}\n"
	"svg.chart text{font-family:'DejaVu Sans',Verdana,Arial,sans-serif;fill:#111}\n"
	".legend{display:flex;flex-wrap:wrap;gap:6px 30px;margin:6px 0 8px}\n"
	".legend span{white-space:nowrap}.legend svg{width:1.3em;height:1.3em;"
	"vertical-align:middle;margin-right:6px}\n"
	"table{border-collapse:collapse;margin:8px 0 4px;max-width:100%;font-size:0.9em}\n"
	"th,td{border:1px solid #888;padding:4px 4px;text-align:left;vertical-align:top;"
	"overflow-wrap:break-word}\n"
	"th{background:#e4e4e4;font-size:0.92em}tr:nth-child(even) td{background:#f4f4f4}\n"
	"td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	"td.bad,span.bad{color:#a33a00;font-weight:bold}td.m{font-size:0.92em;color:#222}\n"
	"summary{cursor:pointer;margin:6px 0}\n"
	".mark,.pt{pointer-events:bounding-box}\n"
	".mark.ok{fill:#0072B2}.mark.drop{stroke:#D55E00;stroke-width:3.5;stroke-linecap:round;"
	"fill:none}\n"
	".mark.slow{fill:#fff;stroke:#0072B2;stroke-width:3}\n"
	".mark.timeout{fill:#fff;stroke:#111;stroke-width:2.5}\n"
	".mark.refused{fill:#CC79A7;stroke:#111;stroke-width:1.5}\n"
	".mark.reset{fill:#E69F00;stroke:#111;stroke-width:1.5}\n"
	".mark.error{fill:#fff;stroke:#666;stroke-width:2.5}\n"
	".mark.update{fill:#009E73;stroke:#004d38;stroke-width:1.5}\n"
	".mark.keep{fill:#fff;stroke:#009E73;stroke-width:2.5}\n"
	".mark.paws{fill:#6B3FA0;stroke:#3a1f5c;stroke-width:1}"
	".mark.twack{fill:#fff;stroke:#6B3FA0;stroke-width:2}\n"
	".mark.rst{fill:none;stroke:#111;stroke-width:3;stroke-linecap:round}\n"
	".pt.drop{stroke-width:3;stroke-linecap:round;fill:none}\n"
	".pt.pass{stroke:#fff;stroke-width:1}\n"
	".record-step{fill:none;stroke:#000;stroke-width:3}\n"
	".grid{stroke:#d0d0d0;stroke-width:1}.axis{stroke:#111;stroke-width:1.5}\n"
	"@media print{h2{break-after:avoid}}\n";


long long html_client_int(json_t *c, const char *key)
{
	return (long long)html_jnum(c, key, 0);
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

		att += html_client_int(c, "attempts");
		ok += html_client_int(c, "connected");
		drops += html_client_int(c, "syn_dropped");
		nd += html_client_int(c, "syn_dropped") > 0;
		for (int k = 1; k < 5; k++)
			outc[k] += (long long)html_jnum(o, oname[k], 0);
	}
	fputs("<p class=\"story\">", f);
	if (m->gate && drops && nd > 4) {
		fprintf(f, _("%s of %zu clients lost SYNs to the recycle rule (%s in total)"),
			html_dec(nd, 0), m->n_clients, html_dec(drops, 0));
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
				if (!taken && html_client_int(c, "syn_dropped") > best) {
					best = html_client_int(c, "syn_dropped");
					pick[shown] = i;
				}
			}
			if (nd == 1) {
				html_esc(f, m->clabel[pick[0]]);
				fprintf(f, P_(": %s SYN dropped by the recycle rule",
					      ": %s SYNs dropped by the recycle rule", best),
					html_dec(best, 0));
				break;
			}
			fputs(shown ? ", " : _("SYNs dropped by the recycle rule: "), f);
			html_esc(f, m->clabel[pick[shown]]);
			fprintf(f, " %s", html_dec(best, 0));
		}
	}
	if (m->gate && drops) {
		json_array_foreach(clients, i, c)
			if (html_client_int(c, "syn_dropped") == 0 && html_client_int(c, "attempts") > 0)
				never++;
		if (never) {
			fputs("; ", f);
			json_array_foreach(clients, i, c) {
				if (html_client_int(c, "syn_dropped") || !html_client_int(c, "attempts"))
					continue;
				if (never_shown == 3)
					break;
				fputs(never_shown++ ? ", " : "", f);
				html_esc(f, m->clabel[i]);
			}
			if (never > never_shown)
				fprintf(f, _(" and %zu more"), never - never_shown);
			fputs(_(" never"), f);
		} else {
			fputs(_("; every client lost SYNs"), f);
		}
		fprintf(f, _(". %s of %s connects succeeded."), html_dec(ok, 0), html_dec(att, 0));
	} else {
		fprintf(f, _("%s %s of %s connects succeeded"),
			m->gate ? _("The recycle gate dropped no SYN;") : _("Recycle gate off;"),
			html_dec(ok, 0), html_dec(att, 0));
		for (int k = 1; k < 5; k++)
			if (outc[k])
				fprintf(f, ", %s %s", html_dec(outc[k], 0),
					k == 1	 ? _("timed out")
					: k == 2 ? _("refused")
					: k == 3 ? _("reset")
						 : _("failed"));
		fputs(".", f);
	}
	fputs("</p>\n", f);
}

/* A list of client names into f: "bob", "bob and carol", "bob, carol and 3 more". */
static void name_list(FILE *f, const struct model *m, const size_t *idx, size_t n)
{
	size_t shown = n > 4 ? 3 : n;

	for (size_t i = 0; i < shown; i++) {
		if (i)
			fputs(i + 1 == shown && shown == n ? _(" and ") : ", ", f);
		html_esc(f, m->clabel[idx[i]]);
	}
	if (n > shown)
		fprintf(f, _(" and %zu more"), n - shown);
}

/* "; bob's connects slow (p50 10.1 ms, alice 0.27 ms)": a client whose median connect is
 * SLOW_FACTOR times the fastest client's and 5 ms or more (exercise 5's PAWS-in-TIME_WAIT). */
#define SLOW_FACTOR 5
static void slow_words(FILE *f, const struct model *m)
{
	json_t *clients = json_object_get(m->res, "clients"), *c;
	double best = 0;
	int fast = -1;
	size_t i, shown = 0;

	json_array_foreach(clients, i, c) {
		double p = html_jnum(json_object_get(c, "connect_ms"), "p50", -1);

		if (p >= 0 && (fast < 0 || p < best)) {
			best = p;
			fast = (int)i;
		}
	}
	if (fast < 0)
		return;
	json_array_foreach(clients, i, c) {
		double p = html_jnum(json_object_get(c, "connect_ms"), "p50", -1);

		if (p < 5 || p < SLOW_FACTOR * best || shown == 3)
			continue;
		fputs("; ", f);
		html_esc(f, m->clabel[i]);
		fprintf(f, _("'s connects slow (p50 %s ms, "), html_numf("%.3g", p, 0));
		html_esc(f, m->clabel[fast]);
		fprintf(f, _(" %s ms)"), html_numf("%.2g", best, 0));
		shown++;
	}
}

/* What the run showed, in words, from the clients' numbers: who was locked out (every SYN
 * of every attempt dropped, nothing connected), who lost some SYNs, who never lost one. */
static void outcome_words(FILE *f, const struct model *m)
{
	json_t *clients = json_object_get(m->res, "clients"), *c;
	size_t *out = calloc(m->n_clients + 1, sizeof(size_t) * 3), n_out = 0, n_some = 0,
	       n_never = 0, *some, *never, i;
	long long failed = 0, att = 0;

	if (!out)
		return;
	some = out + m->n_clients + 1;
	never = some + m->n_clients + 1;
	json_array_foreach(clients, i, c) {
		long long a = html_client_int(c, "attempts"), d = html_client_int(c, "syn_dropped");

		att += a;
		failed += html_client_int(c, "failed");
		if (!a)
			continue;
		if (d && !html_client_int(c, "connected"))
			out[n_out++] = i;
		else if (d)
			some[n_some++] = i;
		else
			never[n_never++] = i;
	}
	if (n_out) {
		name_list(f, m, out, n_out);
		fputs(_(" locked out"), f);
	}
	if (n_some) {
		fputs(n_out ? "; " : "", f);
		name_list(f, m, some, n_some);
		fputs(_(" lost some SYNs"), f);
	}
	if ((n_out || n_some) && n_never) {
		fputs(", ", f);
		name_list(f, m, never, n_never);
		fputs(_(" never"), f);
	}
	if (!n_out && !n_some)
		fputs(!failed ? _("no SYN dropped, every connect succeeded") : _("no SYN dropped"), f);
	slow_words(f, m);
	if (!n_out && !n_some && failed)
		fprintf(f, _(", %s of %s connects failed"), html_dec(failed, 0), html_dec(att, 0));
	free(out);
}

/* The verdict where a badge would be: "prediction held: bob locked out, alice never". The
 * prediction is the topology's [expect] lines; the words are the run's own. */
static void verdict(FILE *f, const struct model *m)
{
	json_t *ex = json_object_get(m->res, "expect"), *e, *first = NULL;
	size_t i, n_failed = 0, n_checked = 0;

	json_array_foreach(ex, i, e) {
		if (json_object_get(e, "skipped"))
			continue;
		n_checked++;
		if (!json_is_true(json_object_get(e, "ok")) && !n_failed++)
			first = e;
	}
	if (!n_checked)
		fputs(_("<p class=\"verdict none\" id=\"verdict\">no prediction ([expect] is empty): "),
		      f);
	else if (n_failed)
		fputs(_("<p class=\"verdict fail\" id=\"verdict\">prediction FAILED: "), f);
	else
		fputs(_("<p class=\"verdict held\" id=\"verdict\">prediction held: "), f);
	outcome_words(f, m);
	if (first) {
		fputs(" <span class=\"why\">(", f);
		html_esc(f, html_jstr(first, "why", html_jstr(first, "check", "")));
		if (n_failed > 1)
			fprintf(f, _("; %zu more failed"), n_failed - 1);
		fputs(")</span>", f);
	}
	fputs("</p>\n", f);
}

static void header(FILE *f, const struct model *m)
{
	json_t *r = m->res, *gate = json_object_get(r, "gate");

	fputs("<header><h1>", f);
	html_esc(f, html_jstr(r, "lab", "twlab"));
	fputs("</h1>\n", f);
	verdict(f, m);
	if (*html_jstr(r, "description", "")) {
		fputs("<p class=\"description\">", f);
		html_esc(f, html_jstr(r, "description", ""));
		fputs("</p>\n", f);
	}
	fputs("<p class=\"meta\">Linux ", f);
	html_esc(f, html_jstr(r, "kernel", "?"));
	if (*html_jstr(r, "topology", "")) {
		fputs(_(" · topology "), f);
		html_esc(f, html_jstr(r, "topology", ""));
	}
	fprintf(f, P_(" · %zu client · ran %s s", " · %zu clients · ran %s s", m->n_clients),
		m->n_clients, html_dec(html_jnum(r, "duration_s", 0), 1));
	if (m->gate)
		fprintf(f, _(" · recycle gate on (record kept %s s, window %s tick)"),
			html_dec(m->paws_msl, -1), html_dec(html_jnum(gate, "paws_window", 1), -1));
	else
		fputs(_(" · recycle gate off"), f);
	fputs(_(" · <a href=\"#large\" class=\"large-on\">large type</a>"
		"<a href=\"#\" class=\"large-off\">normal type</a></p>\n"), f);
	if (json_is_true(json_object_get(r, "interrupted")))
		fputs(_("<p class=\"warn\">The run was interrupted: the numbers are partial.</p>\n"),
		      f);
	if (*html_jstr(r, "error", "")) {
		fputs(_("<p class=\"warn\">Error: "), f);
		html_esc(f, html_jstr(r, "error", ""));
		fputs("</p>\n", f);
	}
	if (html_jnum(gate, "events_lost", 0) > 0)
		fprintf(f,
			_("<p class=\"warn\">%s gate events were lost (ring buffer full): the "
			  "pictures miss some SYNs.</p>\n"),
			html_dec(html_jnum(gate, "events_lost", 0), 0));
	if (m->n_skipped)
		fprintf(f,
			_("<p class=\"warn\">This page draws every drop but only the first %s of the "
			  "other events (%s left out); events.jsonl has them all, result.json every "
			  "count.</p>\n"),
			html_dec(HTML_MAX_EVENTS, 0), html_dec(m->n_skipped, 0));
	story(f, m);
	html_clocks(f, m);
	html_first_drops(f, m);
	html_first_wire(f, m);
	fputs("</header>\n", f);
}


static void page(FILE *f, struct model *m)
{
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">\n"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>twlab: ",
		i18n_html_lang());
	html_esc(f, html_jstr(m->res, "lab", "run"));
	fprintf(f, "</title>\n<style>\n%s</style></head>\n<body><div id=\"large\">\n", css);
	header(f, m);
	html_timeline(f, m);
	html_tsval_chart(f, m);
	html_clients_table(f, m);
	html_expect_table(f, m);
	html_gate_table(f, m);
	html_counters_table(f, m);
	html_nat_table(f, m);
	html_conntrack_table(f, m);
	fputs(_("<footer class=\"note\"><p>Made by twlab from result.json and events.jsonl in the "
		"same folder. Hover a mark for details.</p></footer>\n"),
	      f);
	fputs("</div></body></html>\n", f);
}

int report_html(json_t *result, FILE *events, FILE *out, int tmpdir)
{
	struct model m = {.res = result};
	int err;

	if (!json_is_object(result) || !out)
		return -EINVAL;
	m.gate = json_is_true(json_object_get(json_object_get(result, "gate"), "enabled"));
	m.paws_msl = html_jnum(json_object_get(result, "gate"), "paws_msl_s", 60);
	err = html_load_clients(&m);
	if (!err)
		err = html_load_events(&m, events, tmpdir);
	if (err)
		goto out;
	html_link_events(&m);
	if (!m.n_ev)
		m.t1 = html_jnum(result, "duration_s", 0);
	if (m.t1 - m.t0 < 0.5)
		m.t1 = m.t0 + 0.5;
	m.t1 = m.t0 + ceil((m.t1 - m.t0) / html_nice_step(m.t1 - m.t0, 10)) * html_nice_step(m.t1 - m.t0, 10);

	page(out, &m);
	if (m.err)
		err = m.err;
	else if (fflush(out))
		err = -errno;
	else if (ferror(out))
		err = -EIO;
out:
	html_model_free(&m);
	return err;
}
