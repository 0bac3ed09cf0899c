// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "i18n/i18n.h"
#include "report/live_page.h"

/* Every word the page shows (the script takes them by key), translated when the page is made. */
static const struct {
	const char *key, *text;
} strings[] = {
	{ "title", N_("twlab live") },
	{ "waiting", N_("connecting to twlab…") },
	{ "live", N_("live: each SYN the server judges appears here as it happens") },
	{ "lost", N_("connection to twlab lost: retrying") },
	{ "end_run", N_("the run is over: the report has the whole story") },
	{ "end_lab", N_("the lab was removed") },
	{ "syn_seen", N_("SYNs seen") },
	{ "syn_passed", N_("SYNs passed") },
	{ "syn_dropped", N_("SYNs dropped") },
	{ "records_updated", N_("records written") },
	{ "events_lost", N_("events lost") },
	{ "clients", N_("Clients") },
	{ "feed", N_("What happens, newest first") },
	{ "nothing", N_("Nothing yet: connect from a client (twlab exec LAB NODE -- curl …)") },
	{ "dropped", N_("✕ dropped") },
	{ "passed", N_("✓ passed") },
	{ "record", N_("● record") },
	{ "connect", N_("→ connect") },
	{ "uptime", N_("uptime") },
	{ "offset", N_("TS offset") },
	{ "clock_host", N_("host clock") },
	{ "n_passed", N_("passed") },
	{ "n_dropped", N_("dropped") },
	{ "locked", N_("locked out") },
	{ "gate_off", N_("the server's recycle rule is off in this lab") },
	/* translators: the unit of days, after a number: 10 d */
	{ "days", N_("d") },
	/* translators: the unit of hours: 3 h */
	{ "hours", N_("h") },
	/* translators: the unit of minutes: 5 min */
	{ "minutes", N_("min") },
	/* translators: the unit of seconds: 2.5 s */
	{ "seconds", N_("s") },
};

/* the page up to the language, from it to the title, from the title to the strings */
static const char page_lang[] = "<!DOCTYPE html>\n<html lang=\"";
static const char page_title[] =
	"\"><head><meta charset=\"utf-8\">\n"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>";
static const char page_head[] =
	"</title>\n<link rel=\"stylesheet\" href=\"/live.css\">\n"
	"<script type=\"application/json\" id=\"strings\">";
static const char page_body[] =
	"</script>\n<script src=\"/live.js\" defer></script></head>\n<body>\n"
	"<header><h1 id=\"title\" data-s=\"title\"></h1>"
	"<p id=\"description\" class=\"description\"></p>"
	"<p id=\"status\" class=\"status wait\" data-s=\"waiting\"></p></header>\n"
	"<section id=\"counters\" class=\"counters\">"
	"<div class=\"ctr\"><span class=\"v\" id=\"c-syn_seen\">0</span><span class=\"k\" "
	"data-s=\"syn_seen\"></span></div>"
	"<div class=\"ctr ok\"><span class=\"v\" id=\"c-syn_passed\">0</span><span class=\"k\" "
	"data-s=\"syn_passed\"></span></div>"
	"<div class=\"ctr bad\"><span class=\"v\" id=\"c-syn_dropped\">0</span><span class=\"k\" "
	"data-s=\"syn_dropped\"></span></div>"
	"<div class=\"ctr\"><span class=\"v\" id=\"c-records_updated\">0</span><span class=\"k\" "
	"data-s=\"records_updated\"></span></div></section>\n"
	"<h2 data-s=\"clients\"></h2><section id=\"clients\" class=\"clients\"></section>\n"
	"<h2 data-s=\"feed\"></h2><p id=\"nothing\" class=\"note\" data-s=\"nothing\"></p>"
	"<ol id=\"feed\" class=\"feed\"></ol>\n</body></html>\n";

/* s with & < > escaped, for the <title>: a translation is text, never markup */
static char *escape(const char *s)
{
	char *out = malloc(strlen(s) * 5 + 1), *o = out;

	for (; out && *s; s++) {
		const char *e = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : NULL;

		if (e) {
			o = stpcpy(o, e);
		} else {
			*o++ = *s;
		}
	}
	if (out)
		*o = 0;
	return out;
}

char *live_page_html(void)
{
	json_t *o = json_object();
	char *js, *title, *page = NULL;

	for (size_t i = 0; o && i < sizeof(strings) / sizeof(strings[0]); i++)
		json_object_set_new(o, strings[i].key, json_string(_(strings[i].text)));
	/* numbers as the summary writes them: the catalogue's separators (i18n_int), not the
	 * browser's Intl, which writes Spanish 1000 without a dot */
	if (o) {
		json_object_set_new(o, "thousands", json_string(C_("thousands separator", ",")));
		json_object_set_new(o, "decimal", json_string(C_("decimal separator", ".")));
	}
	/* "</script>" cannot appear: '/' is escaped */
	js = o ? json_dumps(o, JSON_COMPACT | JSON_ESCAPE_SLASH) : NULL;
	json_decref(o);
	title = escape(_(strings[0].text));
	if (js && title && asprintf(&page, "%s%s%s%s%s%s%s", page_lang, i18n_html_lang(), page_title,
				    title, page_head, js, page_body) < 0)
		page = NULL;
	free(title);
	free(js);
	return page;
}

/* The report's look (report_html.c): DejaVu Sans at 22 px, #a33a00 for what failed. */
static const char css[] =
	"body{font:22px/1.4 'DejaVu Sans',Verdana,Arial,sans-serif;color:#111;background:#fff;"
	"margin:0;padding:16px 28px;overflow-wrap:anywhere}\n"
	"h1{font-size:1.6em;margin:0 0 4px}h2{font-size:1.3em;margin:1em 0 8px;"
	"border-bottom:2px solid #ccc}\n"
	".description{font-size:1.1em;font-style:italic;margin:4px 0}\n"
	".status{margin:4px 0;font-weight:bold}.status.wait{color:#a33a00}.status.live{color:#1a6b1a}\n"
	".note{color:#333}\n"
	".counters{display:flex;flex-wrap:wrap;gap:12px;margin:10px 0}\n"
	".ctr{flex:1 1 180px;border:2px solid #bbb;border-radius:10px;padding:4px 14px}\n"
	".ctr .v{font-size:2em;font-weight:bold;font-variant-numeric:tabular-nums;"
	"margin-right:10px}\n"
	".ctr .k{font-size:0.95em}.ctr.bad .v{color:#a33a00}.ctr.ok .v{color:#1a6b1a}\n"
	".clients{display:flex;flex-wrap:wrap;gap:12px}\n"
	".client{flex:1 1 260px;border:2px solid #bbb;border-radius:10px;padding:4px 14px}\n"
	".client.locked{border-color:#a33a00;background:#fbeee8}\n"
	".client .name{font-size:1.4em;font-weight:bold;margin-right:12px}.client .clock{color:#333}\n"
	".client .n{font-variant-numeric:tabular-nums}.client .bad{color:#a33a00;font-weight:bold}\n"
	".feed{list-style:none;margin:0;padding:0}\n"
	".feed li{padding:6px 10px;margin:0 0 6px;border-left:8px solid #bbb;background:#f4f4f4}\n"
	".feed li.dropped{border-left-color:#a33a00;background:#fbeee8}\n"
	".feed li.passed{border-left-color:#1a6b1a}.feed li.record{border-left-color:#555}\n"
	".feed .t{font-variant-numeric:tabular-nums;color:#333;margin-right:10px}\n"
	".feed .badge{font-weight:bold;margin-right:10px}.feed li.dropped .badge{color:#a33a00}\n"
	".feed li.passed .badge{color:#1a6b1a}\n"
	"li.fresh{animation:fresh 1.5s ease-out}\n"
	"@keyframes fresh{from{background:#ffe08a}}\n";

/* Everything is written with textContent: nothing from the stream is ever parsed as HTML. */
static const char js[] =
	"'use strict';\n"
	"const S = JSON.parse(document.getElementById('strings').textContent);\n"
	"const $ = (id) => document.getElementById(id);\n"
	"const MAX = 300;\n"
	"const clients = new Map();\n"
	"for (const e of document.querySelectorAll('[data-s]')) e.textContent = S[e.dataset.s];\n"
	"function el(tag, cls, text) {\n"
	"  const e = document.createElement(tag);\n"
	"  if (cls) e.className = cls;\n"
	"  if (text !== undefined) e.textContent = text;\n"
	"  return e;\n"
	"}\n"
	"function status(key, cls) { const s = $('status'); s.textContent = S[key]; "
	"s.className = 'status ' + cls; }\n"
	"// numbers with the catalogue's separators, as the summary writes them\n"
	"function num(n) { return String(n).replace(/\\B(?=(\\d{3})+(?!\\d))/g, S.thousands); }\n"
	"function dec(v, p) { return v.toFixed(p).replace('.', S.decimal); }\n"
	"function short(v) { const t = v.toFixed(1); "
	"return (t.endsWith('.0') ? t.slice(0, -2) : t).replace('.', S.decimal); }\n"
	"function dur(s) {\n"
	"  if (s >= 86400) return short(s / 86400) + ' ' + S.days;\n"
	"  if (s >= 3600) return short(s / 3600) + ' ' + S.hours;\n"
	"  if (s >= 60) return short(s / 60) + ' ' + S.minutes;\n"
	"  return short(s) + ' ' + S.seconds;\n"
	"}\n"
	"function card(c) {\n"
	"  const d = el('div', 'client'); d.dataset.client = c.name;\n"
	"  d.append(el('span', 'name', c.label || c.name));\n"
	"  d.append(el('span', 'clock', c.uptime_s !== undefined ? S.uptime + ' ' + dur(c.uptime_s)"
	" : c.ts_offset !== undefined ? S.offset + ' ' + num(c.ts_offset) : S.clock_host));\n"
	"  const n = el('div', 'n');\n"
	"  const p = el('span', '', '0'), x = el('span', 'bad', '0');\n"
	"  n.append(p, ' ' + S.n_passed + ' · ', x, ' ' + S.n_dropped);\n"
	"  const st = el('div', 'bad');\n"
	"  d.append(n, st);\n"
	"  $('clients').append(d);\n"
	"  clients.set(c.name, { d, p, x, st, np: 0, nx: 0 });\n"
	"}\n"
	"function add(kind, cls, badge, ev) {\n"
	"  $('nothing').hidden = true;\n"
	"  const li = el('li', 'ev ' + kind + ' ' + cls + ' fresh');\n"
	"  li.dataset.client = ev.client;\n"
	"  if (ev.reason) li.dataset.reason = ev.reason;\n"
	"  li.append(el('span', 't', dec(ev.t, 1) + ' ' + S.seconds), el('span', 'badge', badge),"
	" el('span', 'text', ev.text));\n"
	"  const f = $('feed');\n"
	"  f.prepend(li);\n"
	"  while (f.children.length > MAX) f.lastChild.remove();\n"
	"}\n"
	"const es = new EventSource('/events');\n"
	"es.onopen = () => status('live', 'live');\n"
	"es.onerror = () => status('lost', 'wait');\n"
	"es.addEventListener('lab', (m) => {\n"
	"  const lab = JSON.parse(m.data);\n"
	"  $('title').textContent = S.title + ': ' + lab.lab;\n"
	"  $('description').textContent = lab.description;\n"
	"  if (!lab.recycle) $('description').textContent += ' — ' + S.gate_off;\n"
	"  $('clients').replaceChildren(); clients.clear();\n"
	"  for (const c of lab.clients) card(c);\n"
	"});\n"
	"es.addEventListener('syn', (m) => {\n"
	"  const ev = JSON.parse(m.data), drop = ev.verdict === 'dropped';\n"
	"  add('syn', ev.verdict, drop ? S.dropped : S.passed, ev);\n"
	"  const c = clients.get(ev.client);\n"
	"  if (!c) return;\n"
	"  if (drop) { c.x.textContent = num(++c.nx); } else { c.p.textContent = num(++c.np); }\n"
	"  c.d.classList.toggle('locked', drop);\n"
	"  c.st.textContent = drop ? S.locked : '';\n"
	"});\n"
	"es.addEventListener('record', (m) => add('record', 'record', S.record, JSON.parse(m.data)));\n"
	"es.addEventListener('connect', (m) => {\n"
	"  const ev = JSON.parse(m.data);\n"
	"  add('connect', ev.outcome === 'ok' ? 'passed' : ev.outcome === 'syn' ? 'connect' : "
	"'dropped', S.connect, ev);\n"
	"});\n"
	"es.addEventListener('end', (m) => {\n"
	"  es.close();\n"
	"  status(JSON.parse(m.data).why === 'run' ? 'end_run' : 'end_lab', 'wait');\n"
	"});\n"
	"es.addEventListener('counters', (m) => {\n"
	"  const c = JSON.parse(m.data);\n"
	"  for (const k of ['syn_seen', 'syn_passed', 'syn_dropped', 'records_updated'])\n"
	"    $('c-' + k).textContent = num(c[k]);\n"
	"});\n";

const char *live_page_js(void)
{
	return js;
}

const char *live_page_css(void)
{
	return css;
}
