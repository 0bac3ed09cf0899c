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

#include "report/html.h"

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
				if (!taken && html_client_int(c, "syn_dropped") > best) {
					best = html_client_int(c, "syn_dropped");
					pick[shown] = i;
				}
			}
			if (nd == 1) {
				html_esc(f, m->cname[pick[0]]);
				fprintf(f, ": %lld SYN%s dropped by the recycle rule", best,
					best == 1 ? "" : "s");
				break;
			}
			fputs(shown ? ", " : "SYNs dropped by the recycle rule: ", f);
			html_esc(f, m->cname[pick[shown]]);
			fprintf(f, " %lld", best);
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
				html_esc(f, m->cname[i]);
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
	html_esc(f, html_jstr(r, "lab", "twlab"));
	fprintf(f, "<span class=\"verdict %s\">%s</span></h1>\n", ok ? "ok" : "fail",
		ok ? "✓ ok" : "✗ expectation failed");
	fputs("<p class=\"meta\">Linux ", f);
	html_esc(f, html_jstr(r, "kernel", "?"));
	if (*html_jstr(r, "topology", "")) {
		fputs(" · topology ", f);
		html_esc(f, html_jstr(r, "topology", ""));
	}
	fprintf(f, " · %zu client%s · ran %.1f s", m->n_clients, m->n_clients == 1 ? "" : "s",
		html_jnum(r, "duration_s", 0));
	if (m->gate)
		fprintf(f, " · recycle gate on (record kept %g s, window %g tick)", m->paws_msl,
			html_jnum(gate, "paws_window", 1));
	else
		fputs(" · recycle gate off", f);
	fputs("</p>\n", f);
	if (json_is_true(json_object_get(r, "interrupted")))
		fputs("<p class=\"warn\">The run was interrupted: the numbers are partial.</p>\n",
		      f);
	if (*html_jstr(r, "error", "")) {
		fputs("<p class=\"warn\">Error: ", f);
		html_esc(f, html_jstr(r, "error", ""));
		fputs("</p>\n", f);
	}
	if (html_jnum(gate, "events_lost", 0) > 0)
		fprintf(f,
			"<p class=\"warn\">%.0f gate events were lost (ring buffer full): the "
			"pictures miss some SYNs.</p>\n",
			html_jnum(gate, "events_lost", 0));
	story(f, m);
	fputs("</header>\n", f);
}


static void page(FILE *f, struct model *m)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>twlab: ",
	      f);
	html_esc(f, html_jstr(m->res, "lab", "run"));
	fprintf(f, "</title>\n<style>\n%s</style></head>\n<body>\n", css);
	header(f, m);
	html_timeline(f, m);
	html_tsval_chart(f, m);
	html_clients_table(f, m);
	html_expect_table(f, m);
	html_gate_table(f, m);
	html_counters_table(f, m);
	html_nat_table(f, m);
	html_conntrack_table(f, m);
	fputs("<footer class=\"note\"><p>Made by twlab from result.json and events.jsonl in the "
	      "same folder. Hover a mark for details.</p></footer>\n</body></html>\n",
	      f);
}

int report_html(json_t *result, FILE *events, FILE *out)
{
	struct model m = {.res = result};
	int err;

	if (!json_is_object(result) || !out)
		return -EINVAL;
	m.gate = json_is_true(json_object_get(json_object_get(result, "gate"), "enabled"));
	m.paws_msl = html_jnum(json_object_get(result, "gate"), "paws_msl_s", 60);
	err = html_load_clients(&m);
	if (!err)
		err = html_load_events(&m, events);
	if (err)
		goto out;
	if (!m.n_ev)
		m.t1 = html_jnum(result, "duration_s", 0);
	if (m.t1 - m.t0 < 0.5)
		m.t1 = m.t0 + 0.5;
	m.t1 = m.t0 + ceil((m.t1 - m.t0) / html_nice_step(m.t1 - m.t0, 10)) * html_nice_step(m.t1 - m.t0, 10);

	page(out, &m);
	if (fflush(out))
		err = -errno;
	else if (ferror(out))
		err = -EIO;
out:
	html_model_free(&m);
	return err;
}
