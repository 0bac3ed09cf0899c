// SPDX-License-Identifier: GPL-2.0
/* matrix: one suite on several kernels side by side (matrix.h). */
#include <stdlib.h>
#include <string.h>
#include "verify/matrix.h"

static const struct verify_test *find(const struct verify_suite *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->t[i].name, name))
			return &s->t[i];
	return NULL;
}

const char **matrix_names(const struct verify_suite *const *s, size_t n, size_t *ret_n)
{
	size_t total = 0, k = 0;
	const char **v;

	for (size_t i = 0; i < n; i++)
		total += s[i]->n;
	v = calloc(total + 1, sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < s[i]->n; j++) {
			bool seen = false;

			for (size_t m = 0; m < k && !seen; m++)
				seen = !strcmp(v[m], s[i]->t[j].name);
			if (!seen)
				v[k++] = s[i]->t[j].name;
		}
	*ret_n = k;
	return v;
}

bool matrix_row_differs(const struct verify_suite *const *s, size_t n, const char *name)
{
	const struct verify_test *a = find(s[0], name);

	for (size_t i = 1; i < n; i++) {
		const struct verify_test *b = find(s[i], name);

		if (!a || !b || a->status != b->status || strcmp(a->behaviour, b->behaviour))
			return true;
	}
	return false;
}

/* A cell: the status word and the behaviour without its "label: " part. */
static void cell(const struct verify_test *t, char *buf, size_t len)
{
	const char *b;

	if (!t) {
		snprintf(buf, len, "-");
		return;
	}
	b = strstr(t->behaviour, ": ");
	b = b ? b + 2 : t->behaviour;
	snprintf(buf, len, "%-4s %s", t->status == VS_PASS ? "ok" : t->status == VS_FAIL ? "FAIL" : "skip",
		 b);
}

size_t matrix_text(const struct verify_suite *const *s, size_t n, FILE *out)
{
	size_t nn, ndiff = 0;
	const char **names = matrix_names(s, n, &nn);
	int wn = 4, *w = calloc(n, sizeof(int));
	char c[256];

	if (!names || !w) {
		free(names);
		free(w);
		return 0;
	}
	for (size_t k = 0; k < nn; k++)
		if ((int)strlen(names[k]) > wn)
			wn = strlen(names[k]);
	for (size_t i = 0; i < n; i++) {
		w[i] = strlen(s[i]->kernel);
		for (size_t k = 0; k < nn; k++) {
			cell(find(s[i], names[k]), c, sizeof(c));
			if ((int)strlen(c) > w[i])
				w[i] = strlen(c);
		}
		if (w[i] > 60)
			w[i] = 60;
	}
	fprintf(out, "  %-*s", wn, "test");
	for (size_t i = 0; i < n; i++)
		fprintf(out, "  %-*s", w[i], s[i]->kernel);
	fputc('\n', out);
	for (size_t k = 0; k < nn; k++) {
		bool d = matrix_row_differs(s, n, names[k]);

		ndiff += d;
		fprintf(out, "%c %-*s", d ? '*' : ' ', wn, names[k]);
		for (size_t i = 0; i < n; i++) {
			cell(find(s[i], names[k]), c, sizeof(c));
			fprintf(out, "  %-*.*s", w[i], w[i], c);
		}
		fputc('\n', out);
	}
	fprintf(out, "  %-*s", wn, "total");
	for (size_t i = 0; i < n; i++) {
		size_t p, f, k;

		verify_counts(s[i], &p, &f, &k);
		snprintf(c, sizeof(c), "%zu ok, %zu fail, %zu skip", p, f, k);
		fprintf(out, "  %-*s", w[i], c);
	}
	fprintf(out, "\n  (* = %zu rows differ in result or behaviour)\n", ndiff);
	free(names);
	free(w);
	return ndiff;
}

json_t *matrix_json(const struct verify_suite *const *s, size_t n, bool full)
{
	json_t *j = json_object(), *ks = json_array(), *rows = json_array();
	size_t nn, ndiff = 0;
	const char **names = matrix_names(s, n, &nn);

	for (size_t i = 0; i < n; i++)
		json_array_append_new(ks, json_string(s[i]->kernel));
	for (size_t k = 0; names && k < nn; k++) {
		json_t *cells = json_array();
		bool d = matrix_row_differs(s, n, names[k]);

		ndiff += d;
		for (size_t i = 0; i < n; i++) {
			const struct verify_test *t = find(s[i], names[k]);

			json_array_append_new(cells, t ? json_pack("{s:s,s:s,s:s}", "status",
								   verify_status_str(t->status),
								   "behaviour", t->behaviour,
								   "detail", t->detail)
						       : json_null());
		}
		json_array_append_new(rows, json_pack("{s:s,s:b,s:o}", "test", names[k],
						      "differs", d, "cells", cells));
	}
	json_object_set_new(j, "kernels", ks);
	json_object_set_new(j, "differ", json_integer(ndiff));
	json_object_set_new(j, "rows", rows);
	if (full) {
		json_t *r = json_array();

		for (size_t i = 0; i < n; i++)
			json_array_append_new(r, verify_json(s[i]));
		json_object_set_new(j, "results", r);
	}
	free(names);
	return j;
}

static void esc(FILE *f, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
}

/* The look of report.html (src/report/report_html.c): the same fonts, sizes and colours. */
static const char css[] =
	"body{font:22px/1.4 'DejaVu Sans',Verdana,Arial,sans-serif;color:#111;background:#fff;"
	"margin:24px 32px}\n"
	"h1{font-size:40px;margin:0 0 6px}.meta{color:#333;margin:4px 0}\n"
	"table{border-collapse:collapse;margin:8px 0 4px;font-size:20px}\n"
	"th,td{border:1px solid #888;padding:4px 10px;text-align:left;vertical-align:top}\n"
	"th{background:#e4e4e4;font-size:20px}tr:nth-child(even) td{background:#f4f4f4}\n"
	"td.name{font-family:'DejaVu Sans Mono',monospace;white-space:nowrap}\n"
	"tr.diff td{background:#fff1e0}tr.diff td.name{border-left:6px solid #a33a00}\n"
	"td.changed{background:#ffd9b8 !important}\n"
	".st{font-weight:bold}.st.pass{color:#00603f}.st.fail{color:#a33a00}.st.skip{color:#555}\n"
	".b{font-weight:bold;display:block}.d{font-size:16px;color:#333;display:block}\n"
	".legend span{display:inline-block;padding:0 10px;margin-right:12px}\n";

void matrix_html(const struct verify_suite *const *s, size_t n, const char *title, FILE *f)
{
	size_t nn, ndiff = 0;
	const char **names = matrix_names(s, n, &nn);

	if (!names)
		return;
	for (size_t k = 0; k < nn; k++)
		ndiff += matrix_row_differs(s, n, names[k]);
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>", f);
	esc(f, title);
	fprintf(f, "</title>\n<style>\n%s</style></head>\n<body>\n<h1>", css);
	esc(f, title);
	fprintf(f, "</h1>\n<p class=\"meta\">%zu kernels, %zu tests; %zu rows differ in result or "
		   "behaviour from the first kernel.</p>\n", n, nn, ndiff);
	fputs("<p class=\"meta legend\"><span style=\"background:#fff1e0;border-left:6px solid "
	      "#a33a00\">row differs</span><span style=\"background:#ffd9b8\">cell differs from "
	      "the first kernel</span></p>\n<table>\n<tr><th>test</th>", f);
	for (size_t i = 0; i < n; i++) {
		fputs("<th>", f);
		esc(f, s[i]->kernel);
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
	for (size_t k = 0; k < nn; k++) {
		const struct verify_test *a = find(s[0], names[k]);
		bool d = matrix_row_differs(s, n, names[k]);

		fprintf(f, "<tr%s><td class=\"name\">%s", d ? " class=\"diff\"" : "", d ? "* " : "");
		esc(f, names[k]);
		fputs("</td>", f);
		for (size_t i = 0; i < n; i++) {
			const struct verify_test *t = find(s[i], names[k]);
			bool ch = i && (!a || !t || a->status != t->status ||
					strcmp(a->behaviour, t->behaviour));

			fprintf(f, "<td%s>", ch ? " class=\"changed\"" : "");
			if (!t) {
				fputs("not run</td>", f);
				continue;
			}
			fprintf(f, "<span class=\"st %s\">%s</span>", verify_status_str(t->status),
				t->status == VS_PASS ? "ok" : t->status == VS_FAIL ? "FAIL" : "skip");
			if (t->behaviour[0]) {
				fputs("<span class=\"b\">", f);
				esc(f, t->behaviour);
				fputs("</span>", f);
			}
			if (t->detail[0]) {
				fputs("<span class=\"d\">", f);
				esc(f, t->detail);
				fputs("</span>", f);
			}
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n</body></html>\n", f);
	free(names);
}
