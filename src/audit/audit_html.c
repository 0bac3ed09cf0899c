// SPDX-License-Identifier: GPL-2.0
/* audit_html: the audit as one self-contained page (inline CSS, no script), in report.html's
 * style: one row per line of the file, its verdict coloured, what was measured and why. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "audit/audit.h"

static const char css[] =
	"body{font:22px/1.4 'DejaVu Sans',Verdana,Arial,sans-serif;color:#111;background:#fff;"
	"margin:20px 36px}\n"
	"h1{font-size:40px;margin:0 0 6px}h2{font-size:30px;margin:40px 0 10px;"
	"border-bottom:3px solid #111}\n"
	".verdict{display:inline-block;padding:2px 16px;border-radius:8px;color:#fff;"
	"font-size:28px;vertical-align:middle;margin-left:12px}\n"
	".verdict.ok{background:#00603f}.verdict.fail{background:#a33a00}\n"
	".meta{color:#333;margin:4px 0}.note{color:#333}\n"
	"table{border-collapse:collapse;margin:8px 0 4px;font-size:22px}\n"
	"th,td{border:1px solid #888;padding:4px 10px;text-align:left;vertical-align:top}\n"
	"th{background:#e4e4e4;font-size:20px}tr:nth-child(even) td{background:#f4f4f4}\n"
	"td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	"td.m{font-size:19px;color:#222}code{font-size:20px}\n"
	".v{display:inline-block;padding:1px 10px;border-radius:6px;color:#fff;white-space:nowrap}\n"
	".v.claimed{background:#00603f}.v.notw{background:#0072B2}.v.harm{background:#a33a00}\n"
	".v.absent{background:#555}.v.nm{background:#fff;color:#111;border:2px dashed #888}\n";

static void esc(FILE *f, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
}

static const char *vclass(enum audit_verdict v)
{
	static const char *const c[] = { [AV_NOT_MEASURED] = "nm", [AV_CLAIMED] = "claimed",
					 [AV_NO_TW] = "notw", [AV_HARMFUL_NAT] = "harm",
					 [AV_ABSENT] = "absent" };
	return c[v];
}

static void page(FILE *f, const struct audit *a)
{
	int code = audit_exit_code(a);

	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<title>twlab audit: ", f);
	esc(f, a->file);
	fprintf(f, "</title>\n<style>\n%s</style></head>\n<body>\n<header><h1>audit of ", css);
	esc(f, a->file);
	fprintf(f, "<span class=\"verdict %s\">%s</span></h1>\n", code ? "fail" : "ok",
		code == 1 ? "✗ a line is harmful" : code ? "a line was not measured"
							  : "✓ every line measured");
	fputs("<p class=\"meta\">Linux ", f);
	esc(f, a->kernel);
	fprintf(f, " · %zu line%s · measured in %.1f s, each key in a lab of its own; the host's "
		   "own settings were only read</p></header>\n",
		a->n, a->n == 1 ? "" : "s", a->secs);
	fputs("<section id=\"lines\"><h2>Line by line</h2>\n<table><thead><tr><th>line</th>"
	      "<th>setting</th><th>verdict</th><th>measured</th><th>why</th><th>key</th></tr>"
	      "</thead><tbody>\n", f);
	for (size_t i = 0; i < a->n; i++) {
		const struct audit_line *l = &a->v[i];

		fprintf(f, "<tr><td class=\"n\">%d</td><td><code>", l->line);
		esc(f, l->key);
		fputs(" = ", f);
		esc(f, l->value);
		fputs("</code>", f);
		if (l->known) {
			fputs("<br><span class=\"note\">claim: ", f);
			esc(f, l->known->claim);
			fputs("</span>", f);
		}
		fprintf(f, "</td><td><span class=\"v %s\">%s</span></td><td class=\"m\">",
			vclass(l->verdict), audit_verdict_str(l->verdict));
		esc(f, l->measured);
		fputs("</td><td class=\"m\">", f);
		esc(f, l->why);
		fputs("</td><td class=\"m\">", f);
		if (l->exists == 1) {
			esc(f, l->per_netns == 1 ? "per network namespace" :
			       l->per_netns == 0 ? "one value for the host" : "namespace: not known");
			if (l->netns_how[0]) {
				fputs(" (", f);
				esc(f, l->netns_how);
				fputs(")", f);
			}
			fputs("; host ", f);
			esc(f, l->host_value);
		} else if (l->exists == 0) {
			fputs("absent", f);
		}
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody></table></section>\n<footer class=\"note\"><p>Made by <code>twlab audit"
	      "</code>. Functions named are in the kernel's source tree; the project's kernel notes "
	      "(docs/kernel-notes.md) explain each.</p></footer>\n</body></html>\n", f);
}

int audit_html(const struct audit *a, FILE *f)
{
	page(f, a);
	return ferror(f) ? -EIO : 0;
}
