// SPDX-License-Identifier: GPL-2.0
/* kexpect: per-kernel expected behaviours (kexpect.h). */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ini.h>
#include "verify/kexpect.h"

struct parse {
	struct kexpect *e;
	size_t cap;
	char err[200];
};

static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;
	struct kexpect_item *it;

	if (strncmp(section, "kernel ", 7) || !section[7]) {
		snprintf(p->err, sizeof(p->err), "section [%.100s]: only [kernel GLOB] sections", section);
		return 0;
	}
	if (strlen(section + 7) >= sizeof(it->glob) || strlen(name) >= sizeof(it->test) ||
	    strlen(value) >= sizeof(it->want) || !*name || !*value) {
		snprintf(p->err, sizeof(p->err), "%.40s: empty or too long", name);
		return 0;
	}
	if (p->e->n == p->cap) {
		size_t nc = p->cap ? 2 * p->cap : 16;
		struct kexpect_item *nv = realloc(p->e->v, nc * sizeof(*nv));

		if (!nv) {
			snprintf(p->err, sizeof(p->err), "out of memory");
			return 0;
		}
		p->e->v = nv;
		p->cap = nc;
	}
	it = &p->e->v[p->e->n++];
	snprintf(it->glob, sizeof(it->glob), "%s", section + 7);
	snprintf(it->test, sizeof(it->test), "%s", name);
	snprintf(it->want, sizeof(it->want), "%s", value);
	return 1;
}

static int finish(int r, struct parse *p, const char *name, struct kexpect *ret, char *why,
		  size_t len)
{
	if (r) {
		snprintf(why, len, "%s:%d: %s", name, r, p->err[0] ? p->err : "not an INI line");
		kexpect_free(p->e);
		return -EINVAL;
	}
	snprintf(p->e->file, sizeof(p->e->file), "%s", name);
	*ret = *p->e;
	return 0;
}

int kexpect_parse(const char *text, const char *name, struct kexpect *ret, char *why, size_t len)
{
	struct kexpect e = { 0 };
	struct parse p = { .e = &e };

	return finish(ini_parse_string(text, on_key, &p), &p, name, ret, why, len);
}

int kexpect_load(const char *path, struct kexpect *ret, char *why, size_t len)
{
	struct kexpect e = { 0 };
	struct parse p = { .e = &e };
	FILE *f = fopen(path, "r");
	int r, err;

	if (!f) {
		err = -errno;
		snprintf(why, len, "cannot open %s: %s", path, strerror(errno));
		return err;
	}
	r = ini_parse_file(f, on_key, &p);
	fclose(f);
	return finish(r, &p, path, ret, why, len);
}

void kexpect_free(struct kexpect *e)
{
	free(e->v);
	e->v = NULL;
	e->n = 0;
}

bool kexpect_kernel_match(const char *glob, const char *kernel)
{
	char rel[128], ver[64] = "";
	const char *par = strchr(kernel, '(');

	snprintf(rel, sizeof(rel), "%.*s", (int)strcspn(kernel, " "), kernel);
	if (par)
		snprintf(ver, sizeof(ver), "%.*s", (int)strcspn(par + 1, ")"), par + 1);
	return !fnmatch(glob, kernel, 0) || !fnmatch(glob, rel, 0) ||
	       (ver[0] && !fnmatch(glob, ver, 0));
}

static bool behaviour_is(const char *have, const char *want)
{
	const char *b = strstr(have, ": ");

	return !strcmp(have, want) || (b && !strcmp(b + 2, want));
}

size_t kexpect_apply(const struct kexpect *e, struct verify_suite *s, const char *only)
{
	size_t bad = 0;

	for (size_t i = 0; i < e->n; i++) {
		const struct kexpect_item *it = &e->v[i], *last = it;
		struct verify_test *t = NULL;
		char was[400];

		if (!kexpect_kernel_match(it->glob, s->kernel))
			continue;
		/* only the last matching line of each test counts */
		for (size_t j = i + 1; j < e->n; j++)
			if (!strcmp(e->v[j].test, it->test) && kexpect_kernel_match(e->v[j].glob, s->kernel))
				last = &e->v[j];
		if (last != it)
			continue;
		for (size_t k = 0; k < s->n && !t; k++)
			if (!strcmp(s->t[k].name, it->test))
				t = &s->t[k];
		if (!t) {
			if (!verify_only_match(only, it->test))
				continue;
			t = verify_add(s, it->test, "expected by the --expect file");
			if (!t)
				continue;
			verify_set(t, VS_FAIL, "%s [kernel %s] expects '%s'; the test did not run",
				   e->file, it->glob, it->want);
			bad++;
			continue;
		}
		snprintf(was, sizeof(was), "%s", t->detail);
		if (t->status == VS_SKIP)
			continue;
		if (!behaviour_is(t->behaviour, it->want)) {
			verify_set(t, VS_FAIL, "behaviour '%s', expected '%s' (%s [kernel %s]); %.150s",
				   t->behaviour[0] ? t->behaviour : "(none)", it->want, e->file,
				   it->glob, was);
			t->by_table = false;
			bad++;
		} else if (t->by_table) {
			verify_set(t, VS_PASS, "as %s [kernel %s] expects (the version table said: %.200s)",
				   e->file, it->glob, was);
			t->by_table = false;
		}
	}
	return bad;
}
