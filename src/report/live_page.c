// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <jansson.h>
#include "report/live_page.h"

/* Every word the page shows (the script takes them by key). */
static const struct {
	const char *key, *text;
} strings[] = {
	{ "title", "twlab live" },
	{ "waiting", "connecting to twlab…" },
	{ "live", "live: each SYN the server judges appears here as it happens" },
	{ "lost", "connection to twlab lost: retrying" },
	{ "end_run", "the run is over: the report has the whole story" },
	{ "end_lab", "the lab was removed" },
	{ "syn_seen", "SYNs seen" },
	{ "syn_passed", "SYNs passed" },
	{ "syn_dropped", "SYNs dropped" },
	{ "records_updated", "records written" },
	{ "events_lost", "events lost" },
	{ "clients", "Clients" },
	{ "feed", "What happens, newest first" },
	{ "nothing", "Nothing yet: connect from a client (twlab exec LAB NODE -- curl …)" },
	{ "dropped", "✕ dropped" },
	{ "passed", "✓ passed" },
	{ "record", "● record" },
	{ "connect", "→ connect" },
	{ "uptime", "uptime" },
	{ "offset", "TS offset" },
	{ "clock_host", "host clock" },
	{ "n_passed", "passed" },
	{ "n_dropped", "dropped" },
	{ "locked", "locked out" },
	{ "gate_off", "the server's recycle rule is off in this lab" },
	{ "days", "d" },
	{ "hours", "h" },
	{ "minutes", "min" },
	{ "seconds", "s" },
};

static const char page_head[] =
	"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	"<title>twlab live</title>\n<link rel=\"stylesheet\" href=\"/live.css\">\n"
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

char *live_page_html(void)
{
	json_t *o = json_object();
	char *js, *page = NULL;

	for (size_t i = 0; o && i < sizeof(strings) / sizeof(strings[0]); i++)
		json_object_set_new(o, strings[i].key, json_string(strings[i].text));
	/* "</script>" cannot appear: '/' is escaped */
	js = o ? json_dumps(o, JSON_COMPACT | JSON_ESCAPE_SLASH) : NULL;
	json_decref(o);
	if (js && asprintf(&page, "%s%s%s", page_head, js, page_body) < 0)
		page = NULL;
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
	"function dur(s) {\n"
	"  if (s >= 86400) return (s / 86400).toFixed(1).replace(/\\.0$/, '') + ' ' + S.days;\n"
	"  if (s >= 3600) return (s / 3600).toFixed(1).replace(/\\.0$/, '') + ' ' + S.hours;\n"
	"  if (s >= 60) return (s / 60).toFixed(1).replace(/\\.0$/, '') + ' ' + S.minutes;\n"
	"  return s + ' ' + S.seconds;\n"
	"}\n"
	"function card(c) {\n"
	"  const d = el('div', 'client'); d.dataset.client = c.name;\n"
	"  d.append(el('span', 'name', c.name));\n"
	"  d.append(el('span', 'clock', c.uptime_s !== undefined ? S.uptime + ' ' + dur(c.uptime_s)"
	" : c.ts_offset !== undefined ? S.offset + ' ' + c.ts_offset : S.clock_host));\n"
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
	"  li.append(el('span', 't', ev.t.toFixed(1) + ' ' + S.seconds), el('span', 'badge', badge),"
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
	"  if (drop) { c.x.textContent = ++c.nx; } else { c.p.textContent = ++c.np; }\n"
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
	"    $('c-' + k).textContent = c[k].toLocaleString();\n"
	"});\n";

const char *live_page_js(void)
{
	return js;
}

const char *live_page_css(void)
{
	return css;
}
