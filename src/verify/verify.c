// SPDX-License-Identifier: GPL-2.0
/* verify, the pure half: suite model, KTAP/JSON, compare, and the version timeline
 * (kernel-notes §3). */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "verify/verify.h"

const struct verify_entry verify_catalogue[] = {
	{ "m1_no_tw_recycle", "tcp_tw_recycle and PAWSPassive are gone (§4.1)" },
	{ "m8_ts_clock", "tcp_timestamps=2: TSval is CLOCK_MONOTONIC ms in every namespace (§4.2)" },
	{ "m8_ts_offsets", "tcp_timestamps=1: TS offset per 4-tuple, per host pair or none (§2, §4.2)" },
	{ "m2_tw_older_ts", "older-TSval SYN on a TIME_WAIT 4-tuple: ACK, RST, resend; which PAWS counter (§4.3)" },
	{ "m2_syn_resend", "SYN resend delay after that ACK: ~2 jiffies (5.6+) or ~1 s (§4.4)" },
	{ "m3_tw_newer_ts", "newer-TSval SYN on a TIME_WAIT 4-tuple: accepted at once; the ISN (§4.3.1)" },
	{ "m4_other_port_older_ts", "older TSval from another port: no per-peer check (§4.3)" },
	{ "m5_rfc1337_hard_fail", "tcp_rfc1337=1 turns the collision into ETIMEDOUT (§4.5)" },
	{ "m9_tw_reuse", "tcp_tw_reuse default and binding over a TIME_WAIT (§4.6)" },
	{ "m6_nat_ample_ports", "MASQUERADE with free ports never reuses a TIME_WAIT 4-tuple (§4.7)" },
	{ "m7_nat_one_port", "MASQUERADE to one port: drop at NAT or (6.5+) eviction (§4.7)" },
	{ "nat_reuse_ts_regression", "SNAT port reuse + per-4-tuple offsets: PAWS rejects (2026, §4.8)" },
	{ "p6_tw_shortened", "P6, recycle's short TIME_WAIT (a kernel with tcp_tw_recycle; else skip, §5)" },
	{ "p7_syncookie_bypass", "P7, syncookies bypass the check (a kernel with tcp_tw_recycle; else skip, §5)" },
	{ "p8_backlog_clause", "P8, the backlog clause with recycle off (a kernel with tcp_tw_recycle; else skip, §5)" },
};
const size_t verify_catalogue_n = sizeof(verify_catalogue) / sizeof(verify_catalogue[0]);

void verify_suite_init(struct verify_suite *s, const char *kernel)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->kernel, sizeof(s->kernel), "%s", kernel ? kernel : "");
}

void verify_suite_free(struct verify_suite *s)
{
	for (size_t i = 0; i < s->n; i++)
		json_decref(s->t[i].data);
	free(s->t);
	s->t = NULL;
	s->n = s->cap = 0;
}

struct verify_test *verify_add(struct verify_suite *s, const char *name, const char *what)
{
	struct verify_test *t;

	if (s->n == s->cap) {
		size_t nc = s->cap ? 2 * s->cap : 32;

		t = realloc(s->t, nc * sizeof(*t));
		if (!t)
			return NULL;
		s->t = t;
		s->cap = nc;
	}
	t = &s->t[s->n++];
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	snprintf(t->what, sizeof(t->what), "%s", what);
	return t;
}

void verify_set(struct verify_test *t, enum verify_status st, const char *fmt, ...)
{
	va_list ap;

	t->status = st;
	if (!fmt)
		return;
	va_start(ap, fmt);
	vsnprintf(t->detail, sizeof(t->detail), fmt, ap);
	va_end(ap);
}

void verify_behaviour(struct verify_test *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->behaviour, sizeof(t->behaviour), fmt, ap);
	va_end(ap);
}

void verify_table_fail(struct verify_test *t, const char *fmt, ...)
{
	va_list ap;

	t->status = VS_FAIL;
	t->by_table = true;
	va_start(ap, fmt);
	vsnprintf(t->detail, sizeof(t->detail), fmt, ap);
	va_end(ap);
}

static bool only_each(const char *only, const char *name, bool group)
{
	if (!only || !*only)
		return true;
	for (const char *p = only; *p;) {
		size_t l = strcspn(p, ",");

		if (l && (!strncmp(name, p, l) ||
			  (group && strlen(name) <= l && !strncmp(p, name, strlen(name)))))
			return true;
		p += l + (p[l] == ',');
	}
	return false;
}

bool verify_only_match(const char *only, const char *name)
{
	return only_each(only, name, false);
}

bool verify_only_group(const char *only, const char *prefix)
{
	return only_each(only, prefix, true);
}

void verify_counts(const struct verify_suite *s, size_t *ret_pass, size_t *ret_fail,
		   size_t *ret_skip)
{
	size_t c[3] = { 0 };

	for (size_t i = 0; i < s->n; i++)
		c[s->t[i].status]++;
	*ret_pass = c[VS_PASS];
	*ret_fail = c[VS_FAIL];
	*ret_skip = c[VS_SKIP];
}

const char *verify_status_str(enum verify_status st)
{
	switch (st) {
	case VS_PASS: return "pass";
	case VS_FAIL: return "fail";
	default: return "skip";
	}
}

static int status_parse(const char *s, enum verify_status *ret)
{
	if (!strcmp(s, "pass"))
		*ret = VS_PASS;
	else if (!strcmp(s, "fail"))
		*ret = VS_FAIL;
	else if (!strcmp(s, "skip"))
		*ret = VS_SKIP;
	else
		return -EINVAL;
	return 0;
}

/* KTAP lines are single lines: a '\n' inside a text would start a bogus line. */
static void put_line(FILE *out, const char *prefix, const char *text)
{
	fputs(prefix, out);
	for (const char *p = text; *p; p++)
		fputc(*p == '\n' || *p == '\r' ? ' ' : *p, out);
	fputc('\n', out);
}

void verify_ktap(const struct verify_suite *s, FILE *out)
{
	size_t p, f, k;

	fputs("KTAP version 1\n", out);
	put_line(out, "# twlab verify: kernel ", s->kernel);
	fprintf(out, "1..%zu\n", s->n);
	for (size_t i = 0; i < s->n; i++) {
		const struct verify_test *t = &s->t[i];
		char head[96];

		if (t->behaviour[0]) {
			snprintf(head, sizeof(head), "# %s: behaviour: ", t->name);
			put_line(out, head, t->behaviour);
		}
		if (t->detail[0] && t->status != VS_SKIP) {
			snprintf(head, sizeof(head), "# %s: ", t->name);
			put_line(out, head, t->detail);
		}
		snprintf(head, sizeof(head), "%s %zu %s # ", t->status == VS_FAIL ? "not ok" : "ok",
			 i + 1, t->name);
		if (t->status == VS_SKIP) {
			char buf[sizeof(t->detail) + 8];

			snprintf(buf, sizeof(buf), "SKIP %s", t->detail[0] ? t->detail : t->what);
			put_line(out, head, buf);
		} else {
			put_line(out, head, t->what);
		}
	}
	verify_counts(s, &p, &f, &k);
	fprintf(out, "# %zu tests: %zu pass, %zu fail, %zu skip (%.1f s)\n", s->n, p, f, k,
		s->secs);
}

json_t *verify_json(const struct verify_suite *s)
{
	json_t *j = json_object(), *tests = json_array();
	size_t p, f, k;

	verify_counts(s, &p, &f, &k);
	json_object_set_new(j, "schema", json_integer(1));
	json_object_set_new(j, "kernel", json_string(s->kernel));
	json_object_set_new(j, "ok", json_boolean(f == 0));
	json_object_set_new(j, "duration_s", json_real((int64_t)(s->secs * 1000) / 1000.0));
	json_object_set_new(j, "summary", json_pack("{s:I,s:I,s:I}", "pass", (json_int_t)p,
						    "fail", (json_int_t)f, "skip", (json_int_t)k));
	for (size_t i = 0; i < s->n; i++) {
		const struct verify_test *t = &s->t[i];
		json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:f}", "name", t->name, "what", t->what,
				      "status", verify_status_str(t->status), "behaviour",
				      t->behaviour, "detail", t->detail, "duration_s",
				      (int64_t)(t->secs * 1000) / 1000.0);

		if (o && t->by_table)
			json_object_set_new(o, "by_table", json_true());
		if (o && t->data)
			json_object_set(o, "data", t->data);
		json_array_append_new(tests, o);
	}
	json_object_set_new(j, "tests", tests);
	return j;
}

static const char *str_or(json_t *o, const char *key, const char *dflt)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? v : dflt;
}

int verify_from_json(json_t *j, struct verify_suite *ret, char *why, size_t len)
{
	json_t *tests = json_object_get(j, "tests"), *o;
	struct verify_suite s;
	size_t i;

	if (!json_is_object(j) || !json_is_array(tests) || !json_is_string(json_object_get(j, "kernel"))) {
		snprintf(why, len, "not a twlab verify result (no \"kernel\" or \"tests\")");
		return -EINVAL;
	}
	verify_suite_init(&s, json_string_value(json_object_get(j, "kernel")));
	s.secs = json_number_value(json_object_get(j, "duration_s"));
	json_array_foreach(tests, i, o) {
		const char *name = json_string_value(json_object_get(o, "name"));
		struct verify_test *t;

		if (!name || !json_is_string(json_object_get(o, "status"))) {
			snprintf(why, len, "tests[%zu]: no name or status", i);
			goto fail;
		}
		t = verify_add(&s, name, str_or(o, "what", ""));
		if (!t) {
			snprintf(why, len, "out of memory");
			goto fail;
		}
		if (status_parse(str_or(o, "status", ""), &t->status)) {
			snprintf(why, len, "tests[%zu] (%s): unknown status '%s'", i, name,
				 str_or(o, "status", ""));
			goto fail;
		}
		snprintf(t->behaviour, sizeof(t->behaviour), "%s", str_or(o, "behaviour", ""));
		snprintf(t->detail, sizeof(t->detail), "%s", str_or(o, "detail", ""));
		t->secs = json_number_value(json_object_get(o, "duration_s"));
		t->by_table = json_is_true(json_object_get(o, "by_table"));
		t->data = json_incref(json_object_get(o, "data"));
	}
	*ret = s;
	return 0;
fail:
	verify_suite_free(&s);
	return -EINVAL;
}

/* One table cell: "ok", "FAIL", "skip" plus the behaviour when there is one. */
static void cell(const struct verify_test *t, char *buf, size_t len)
{
	static const char *st[] = { [VS_PASS] = "ok", [VS_FAIL] = "FAIL", [VS_SKIP] = "skip" };

	if (!t)
		snprintf(buf, len, "-");
	else if (t->behaviour[0])
		snprintf(buf, len, "%-4s %s", st[t->status], t->behaviour);
	else
		snprintf(buf, len, "%s", st[t->status]);
}

static const struct verify_test *find(const struct verify_suite *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->t[i].name, name))
			return &s->t[i];
	return NULL;
}

static void row(FILE *out, const char *mark, const char *name, const char *a, const char *b,
		int wn, int wa)
{
	fprintf(out, "%s %-*s  %-*s  %s\n", mark, wn, name, wa, a, b);
}

size_t verify_compare(const struct verify_suite *a, const struct verify_suite *b, FILE *out)
{
	int wn = 4, wa = (int)strlen(a->kernel);
	char ca[256], cb[256];
	size_t pa, fa, ka, pb, fb, kb, ndiff = 0;

	/* column widths from the content */
	for (int pass = 0; pass < 2; pass++) {
		const struct verify_suite *s = pass ? b : a;

		for (size_t i = 0; i < s->n; i++) {
			if ((int)strlen(s->t[i].name) > wn)
				wn = strlen(s->t[i].name);
			if (!pass || !find(a, s->t[i].name)) {
				cell(find(a, s->t[i].name), ca, sizeof(ca));
				if ((int)strlen(ca) > wa)
					wa = strlen(ca);
			}
		}
	}
	if (wa > 70)
		wa = 70;
	row(out, " ", "test", a->kernel, b->kernel, wn, wa);
	for (int pass = 0; pass < 2; pass++) {
		const struct verify_suite *s = pass ? b : a;

		for (size_t i = 0; i < s->n; i++) {
			const struct verify_test *ta, *tb;

			if (pass && find(a, s->t[i].name))
				continue;
			ta = find(a, s->t[i].name);
			tb = find(b, s->t[i].name);
			cell(ta, ca, sizeof(ca));
			cell(tb, cb, sizeof(cb));
			bool diff = !ta || !tb || ta->status != tb->status ||
				    strcmp(ta->behaviour, tb->behaviour);
			ndiff += diff;
			row(out, diff ? "*" : " ", s->t[i].name, ca, cb, wn, wa);
		}
	}
	verify_counts(a, &pa, &fa, &ka);
	verify_counts(b, &pb, &fb, &kb);
	snprintf(ca, sizeof(ca), "%zu ok, %zu fail, %zu skip", pa, fa, ka);
	snprintf(cb, sizeof(cb), "%zu ok, %zu fail, %zu skip", pb, fb, kb);
	row(out, " ", "total", ca, cb, wn, wa);
	fprintf(out, "  (* = %zu rows differ in result or behaviour)\n", ndiff);
	return ndiff;
}

/* ---- the version timeline (kernel-notes §3) ---- */

int verify_kver_parse(const char *release, struct verify_kver *ret)
{
	struct verify_kver v = { 0 };
	int n = 0;

	if (!release || sscanf(release, "%d.%d%n", &v.major, &v.minor, &n) != 2 || v.major <= 0 ||
	    v.minor < 0)
		return -EINVAL;
	if (release[n] == '.' && sscanf(release + n + 1, "%d", &v.patch) != 1)
		v.patch = 0;
	*ret = v;
	return 0;
}

bool verify_kver_from_version(const char *version, struct verify_kver *kv)
{
	static const char *vendors[] = { "Debian ", "Ubuntu " };
	struct verify_kver v;

	for (size_t i = 0; version && i < sizeof(vendors) / sizeof(vendors[0]); i++) {
		const char *p = strstr(version, vendors[i]);

		if (!p || verify_kver_parse(p + strlen(vendors[i]), &v))
			continue;
		if (v.major == kv->major && v.minor == kv->minor && v.patch >= kv->patch) {
			*kv = v;
			return true;
		}
	}
	return false;
}

int verify_kver_cmp(const struct verify_kver *kv, int major, int minor, int patch)
{
	if (kv->major != major)
		return kv->major < major ? -1 : 1;
	if (kv->minor != minor)
		return kv->minor < minor ? -1 : 1;
	if (kv->patch != patch)
		return kv->patch < patch ? -1 : 1;
	return 0;
}

const char *verify_tsoff_str(enum verify_tsoff t)
{
	switch (t) {
	case TSOFF_NONE: return "none";
	case TSOFF_HOST_PAIR: return "per host pair";
	case TSOFF_4TUPLE: return "per 4-tuple";
	}
	return "?";
}

/* Stable series still maintained when 165573e41f2f ("tcp: secure_seq: add back ports to TS
 * offset", Mar 2026) went to stable; seen in 6.12.y and 6.18.44. Which point release of each
 * got it is not known, so both granularities are consistent there. */
static bool maybe_backported(const struct verify_kver *kv)
{
	static const int lts[][2] = { { 5, 10 }, { 5, 15 }, { 6, 1 }, { 6, 6 }, { 6, 12 },
				      { 6, 18 } };

	for (size_t i = 0; i < sizeof(lts) / sizeof(lts[0]); i++)
		if (kv->major == lts[i][0] && kv->minor == lts[i][1])
			return true;
	return false;
}

unsigned verify_tsoff_allowed(const struct verify_kver *kv, const char **ret_note)
{
	const char *note;
	unsigned m;

	if (verify_kver_cmp(kv, 4, 10, 0) < 0) {
		m = TSOFF_NONE;
		note = "< 4.10: TSval is jiffies, no offset";
	} else if (verify_kver_cmp(kv, 4, 10, 2) < 0) {
		m = TSOFF_4TUPLE;
		note = "4.10.0/.1: per-connection offsets (95a22caee396)";
	} else if (verify_kver_cmp(kv, 4, 10, 17) < 0) {
		m = TSOFF_4TUPLE | TSOFF_HOST_PAIR;
		note = "4.10.y: 28ee1b746f49 backported somewhere before .17";
	} else if (kv->major >= 7) {
		m = TSOFF_4TUPLE;
		note = ">= 7.0: ports back in the offset (165573e41f2f)";
	} else if (kv->major == 6 && kv->minor == 18 && kv->patch >= 44) {
		m = TSOFF_4TUPLE;
		note = "6.18.44 has the backport of 165573e41f2f";
	} else if (maybe_backported(kv)) {
		m = TSOFF_HOST_PAIR | TSOFF_4TUPLE;
		note = "4.11+: per host pair (28ee1b746f49), per 4-tuple once the stable backport of 165573e41f2f is in";
	} else {
		m = TSOFF_HOST_PAIR;
		note = "4.11 .. 6.x without 165573e41f2f: per host pair (28ee1b746f49)";
	}
	if (ret_note)
		*ret_note = note;
	return m;
}

const char *verify_paws_tw_counter(const struct verify_kver *kv)
{
	return verify_kver_cmp(kv, 6, 16, 0) >= 0 ? "PAWSTimewait" : "PAWSEstab";
}

bool verify_quick_syn_resend(const struct verify_kver *kv)
{
	return verify_kver_cmp(kv, 5, 6, 0) >= 0;
}

bool verify_nat_evicts(const struct verify_kver *kv)
{
	return verify_kver_cmp(kv, 6, 5, 0) >= 0;
}

bool verify_has_tw_recycle(const struct verify_kver *kv)
{
	return verify_kver_cmp(kv, 4, 12, 0) < 0;
}

int verify_tw_reuse_default(const struct verify_kver *kv)
{
	return verify_kver_cmp(kv, 4, 19, 0) >= 0 ? 2 : 0;
}

static unsigned udist(unsigned a, unsigned b)
{
	uint32_t d = (uint32_t)a - (uint32_t)b;

	return (int32_t)d < 0 ? -d : d;
}

enum verify_tsoff verify_tsoff_classify(const unsigned *offs, size_t n, unsigned tol)
{
	bool all_zero = true, all_same = true;

	for (size_t i = 0; i < n; i++) {
		if (udist(offs[i], 0) > tol)
			all_zero = false;
		if (udist(offs[i], offs[0]) > tol)
			all_same = false;
	}
	if (all_zero)
		return TSOFF_NONE;
	return all_same ? TSOFF_HOST_PAIR : TSOFF_4TUPLE;
}

const char *verify_resend_class(double delay_ms)
{
	if (delay_ms >= 0 && delay_ms < 200)
		return "~2 jiffies";
	if (delay_ms >= 800 && delay_ms < 1500)
		return "~1 s";
	return NULL;
}
