// SPDX-License-Identifier: GPL-2.0
/*
 * topo: a topology file becomes a validated struct lab.
 *
 * libinih does the INI syntax. Debian builds it without INI_HANDLER_LINENO and without
 * INI_CALL_HANDLER_ON_NEW_SECTION, so a line reader sits in front of it: it counts lines (so
 * every error names one), sees the section headers (inih only calls back on keys, and an empty
 * [router] or [client a] still means something), strips '#' inline comments (inih only knows
 * ';') and leading blanks (inih would take an indented key for the continuation of the
 * previous value).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wordexp.h>

#include <ini.h>

#include "topo/topo.h"

#define MS_SEC 1000ULL
#define MS_MIN (60 * MS_SEC)
#define MS_HOUR (60 * MS_MIN)
#define MS_DAY (24 * MS_HOUR)

#define NETNS_NAME_MAX 64	/* buffer size callers use for "twl-<lab>-<node>" */
#define FILE_MAX (16 << 20)

#define INSIDE_NET 0x64400000u	/* 100.64.0.0/10 */
#define OUTSIDE_NET 0xc6336400u	/* 198.51.100.0/24 */

enum sect { SECT_NONE, SECT_LAB, SECT_SERVER, SECT_ROUTER, SECT_CLIENT, SECT_EXPECT };

struct seen_key {
	char *name;
	int line;
};

struct parser {
	struct lab *lab;
	struct topo_err *err;
	const char *fname;
	const char *pos, *end;
	int line;
	int failed;			/* the first error (negative errno), 0 */

	enum sect sect;
	char sect_label[TOPO_NAME_MAX + 16];
	int lab_line, server_line, router_line, expect_line;
	struct seen_key *keys;		/* keys of the current section, for duplicates */
	size_t n_keys;

	char name[TOPO_NAME_MAX + 1];	/* [lab] name */
	bool has_name;
	int nat_none_line, ports_line, port_mode_line;

	/* the [client NAME] being read; it is expanded by replicas when the section ends */
	struct lab_client cur;
	uint32_t replicas;
	int replicas_line;
	int ts_line, ts_offset_line, uptime_line;
	char **bases;			/* names of the [client NAME] headers so far */
	int *base_lines;
	size_t n_bases;
};

static void verr(struct topo_err *err, const char *file, int line, const char *key,
		 const char *fmt, va_list ap)
{
	if (!err)
		return;
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "<buffer>");
	err->line = line;
	snprintf(err->key, sizeof(err->key), "%s", key ? key : "");
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

static void set_err(struct topo_err *err, const char *file, int line, const char *key,
		    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(err, file, line, key, fmt, ap);
	va_end(ap);
}

/* Records the first error only; returns it. */
__attribute__((format(printf, 5, 6)))
static int perr(struct parser *p, int line, const char *key, int r, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return p->failed;
	va_start(ap, fmt);
	verr(p->err, p->fname, line, key, fmt, ap);
	va_end(ap);
	p->failed = r;
	return r;
}

static int enomem(struct parser *p)
{
	return perr(p, p->line, "", -ENOMEM, "out of memory");
}

/* ---- values ---- */

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

static bool valid_name(const char *s, size_t max)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!is_name_char(s[n]) || n >= max)
			return false;
	return n > 0;
}

bool topo_name_valid(const char *s)
{
	return s && s[0] != '-' && valid_name(s, TOPO_NAME_MAX);
}

/* Decimal, or hex with 0x; no sign, no blanks. */
static int parse_u64(const char *s, uint64_t *ret)
{
	unsigned base = 10;
	uint64_t v = 0;
	bool range = false;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			range = true;
		else
			v = v * base + d;
	}
	if (range)
		return -ERANGE;
	*ret = v;
	return 0;
}

static int parse_bool(const char *s, bool *ret)
{
	static const char *const yes[] = { "on", "yes", "true", "1" };
	static const char *const no[] = { "off", "no", "false", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(s, yes[i])) {
			*ret = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*ret = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* Index of s in a NULL-terminated list, or -EINVAL. */
static int parse_enum(const char *s, const char *const *names)
{
	for (int i = 0; names[i]; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -EINVAL;
}

static const struct {
	const char *unit;
	uint64_t ms;
} units[] = {
	{ "d", MS_DAY }, { "h", MS_HOUR }, { "m", MS_MIN }, { "s", MS_SEC }, { "ms", 1 },
};

int topo_parse_duration(const char *s, uint64_t *ret_ms)
{
	uint64_t v = 0;
	bool range = false;

	if (!s || !ret_ms || !(*s >= '0' && *s <= '9'))
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = *s - '0';

		if (v > (UINT64_MAX - d) / 10)
			range = true;
		else
			v = v * 10 + d;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(s, units[i].unit))
			continue;
		if (range || v > UINT64_MAX / units[i].ms)
			return -ERANGE;
		*ret_ms = v * units[i].ms;
		return 0;
	}
	return -EINVAL;
}

void topo_format_duration(uint64_t ms, char *buf, size_t len)
{
	if (!buf || !len)
		return;
	if (!ms) {
		snprintf(buf, len, "0s");
		return;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (ms % units[i].ms == 0) {
			snprintf(buf, len, "%" PRIu64 "%s", ms / units[i].ms, units[i].unit);
			return;
		}
	}
}

static int bad_value(struct parser *p, const char *key, const char *value, int r, const char *why)
{
	return perr(p, p->line, key, r, "%s = %s: %s", key, value, why);
}

static int value_u64(struct parser *p, const char *key, const char *value, uint64_t min,
		     uint64_t max, uint64_t *ret)
{
	char why[96];
	uint64_t v;
	int r;

	r = parse_u64(value, &v);
	if (r == -EINVAL)
		return bad_value(p, key, value, r, "not a number");
	if (r < 0 || v < min || v > max) {
		snprintf(why, sizeof(why), "out of range (%" PRIu64 "..%" PRIu64 ")", min, max);
		return bad_value(p, key, value, -EINVAL, why);
	}
	*ret = v;
	return 0;
}

static int value_duration(struct parser *p, const char *key, const char *value, uint64_t min,
			  uint64_t max, uint64_t *ret)
{
	char why[96], a[32], b[32];
	uint64_t v;
	int r;

	r = topo_parse_duration(value, &v);
	if (r == -EINVAL)
		return bad_value(p, key, value, r,
				 "not a duration (a number and a unit: 250ms, 2s, 5m, 1h, 10d)");
	if (r < 0 || v < min || v > max) {
		topo_format_duration(min, a, sizeof(a));
		topo_format_duration(max, b, sizeof(b));
		if (max == UINT64_MAX)
			snprintf(why, sizeof(why), "out of range (at least %s)", a);
		else
			snprintf(why, sizeof(why), "out of range (%s..%s)", a, b);
		return bad_value(p, key, value, -EINVAL, why);
	}
	*ret = v;
	return 0;
}

static int value_bool(struct parser *p, const char *key, const char *value, bool *ret)
{
	if (parse_bool(value, ret) < 0)
		return bad_value(p, key, value, -EINVAL, "expected on or off");
	return 0;
}

static int value_enum(struct parser *p, const char *key, const char *value,
		      const char *const *names, const char *expected)
{
	int i = parse_enum(value, names);

	if (i < 0) {
		char why[96];

		snprintf(why, sizeof(why), "expected %s", expected);
		return bad_value(p, key, value, -EINVAL, why);
	}
	return i;
}

static const char *const ts_names[] = { "offset", "kernel", "shared", "off", NULL };

/*
 * wordexp(3) would expand $VAR, ~user and globs against the caller's environment and file
 * system (a glob can walk the whole disk), and glibc prints ${x:?msg} errors by itself: so only
 * quoted text may hold those characters. Returns the first active one or NULL.
 */
static const char *unquoted_expansion(const char *s)
{
	char q = 0;

	for (; *s; s++) {
		if (q == '\'') {
			if (*s == '\'')
				q = 0;
		} else if (*s == '\\') {
			if (s[1])
				s++;	/* escaped: literal in and out of double quotes */
		} else if (q == '"') {
			if (*s == '"')
				q = 0;
			else if (*s == '$' || *s == '`')
				return s;
		} else if (*s == '\'' || *s == '"') {
			q = *s;
		} else if (strchr("$`*?[~", *s)) {
			return s;
		}
	}
	return NULL;
}

/* wordexp(3) without command substitution or expansions: no shell ever runs. */
static int value_command(struct parser *p, const char *key, const char *value, char ***ret_argv,
			 char **ret_text)
{
	wordexp_t we = { 0 };
	char **argv, *text;
	const char *why;
	const char *c;
	int r;

	c = unquoted_expansion(value);
	if (c)
		return perr(p, p->line, key, -EINVAL,
			    "%s = %s: %c would be expanded (no shell runs the command): quote it",
			    key, value, *c);
	r = wordexp(value, &we, WRDE_NOCMD);
	switch (r) {
	case 0:
		break;
	case WRDE_NOSPACE:
		wordfree(&we);
		return enomem(p);
	case WRDE_BADCHAR:
		why = "unquoted | & ; < > ( ) { } or newline (no shell runs the command)";
		goto bad;
	case WRDE_CMDSUB:
		why = "command substitution is not allowed";
		goto bad;
	case WRDE_BADVAL:
		why = "undefined variable";
		goto bad;
	default:
		why = "syntax error (unbalanced quotes?)";
		goto bad;
	}
	if (we.we_wordc == 0 || !we.we_wordv[0][0]) {
		wordfree(&we);
		why = "empty command";
		goto bad;
	}
	argv = calloc(we.we_wordc + 1, sizeof(*argv));
	text = strdup(value);
	if (!argv || !text)
		goto nomem;
	for (size_t i = 0; i < we.we_wordc; i++) {
		argv[i] = strdup(we.we_wordv[i]);
		if (!argv[i])
			goto nomem;
	}
	wordfree(&we);
	*ret_argv = argv;
	*ret_text = text;
	return 0;

nomem:
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
	free(text);
	wordfree(&we);
	return enomem(p);
bad:
	return bad_value(p, key, value, -EINVAL, why);
}

/* Only net.* sysctls are per network namespace. */
static bool valid_sysctl_name(const char *s)
{
	if (strncmp(s, "net.", 4))
		return false;
	for (const char *c = s; *c; c++) {
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' ||
		      *c == '-' || *c == '.'))
			return false;
		if (*c == '.' && (c[1] == '.' || c[1] == '\0'))
			return false;
	}
	return true;
}

static int add_sysctl(struct parser *p, struct topo_sysctls *ss, const char *key,
		      const char *value)
{
	const char *name = key + strlen("sysctl.");
	struct topo_sysctl *v;

	if (!valid_sysctl_name(name))
		return perr(p, p->line, key, -EINVAL,
			    "%s: not a per-namespace sysctl (net.* with only a-z 0-9 _ - .)", key);
	if (!*value)
		return bad_value(p, key, value, -EINVAL, "empty value");

	v = realloc(ss->v, (ss->n + 1) * sizeof(*v));
	if (!v)
		return enomem(p);
	ss->v = v;
	v = &ss->v[ss->n];
	v->name = strdup(name);
	v->value = strdup(value);
	v->line = p->line;
	if (!v->name || !v->value) {
		free(v->name);
		free(v->value);
		return enomem(p);
	}
	ss->n++;
	return 0;
}

static bool is_sysctl_key(const char *key)
{
	return !strncmp(key, "sysctl.", strlen("sysctl."));
}

/* ---- freeing and copying ---- */

static void free_argv(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

static void free_sysctls(struct topo_sysctls *ss)
{
	for (size_t i = 0; i < ss->n; i++) {
		free(ss->v[i].name);
		free(ss->v[i].value);
	}
	free(ss->v);
	ss->v = NULL;
	ss->n = 0;
}

static void free_client(struct lab_client *c)
{
	free_argv(c->command);
	free(c->command_text);
	free_sysctls(&c->sysctls);
	c->command = NULL;
	c->command_text = NULL;
}

void topo_free(struct lab *lab)
{
	if (!lab)
		return;
	free(lab->file);
	free(lab->description);
	free_argv(lab->server.command);
	free(lab->server.command_text);
	free_sysctls(&lab->server.sysctls);
	free_sysctls(&lab->router.sysctls);
	for (size_t i = 0; i < lab->n_clients; i++)
		free_client(&lab->clients[i]);
	free(lab->clients);
	for (size_t i = 0; i < lab->n_expects; i++) {
		free(lab->expects[i].path);
		free(lab->expects[i].value);
		free(lab->expects[i].text);
	}
	free(lab->expects);
	free(lab);
}

/* dst gets its own copies of src's command and sysctls; on failure dst owns nothing. */
static int copy_client(struct lab_client *dst, const struct lab_client *src)
{
	size_t n = 0;

	*dst = *src;
	dst->command = NULL;
	dst->command_text = NULL;
	dst->sysctls.v = NULL;
	dst->sysctls.n = 0;
	if (src->command) {
		while (src->command[n])
			n++;
		dst->command = calloc(n + 1, sizeof(char *));
		if (!dst->command)
			goto nomem;
		for (size_t i = 0; i < n; i++)
			if (!(dst->command[i] = strdup(src->command[i])))
				goto nomem;
		if (!(dst->command_text = strdup(src->command_text)))
			goto nomem;
	}
	if (src->sysctls.n) {
		dst->sysctls.v = calloc(src->sysctls.n, sizeof(struct topo_sysctl));
		if (!dst->sysctls.v)
			goto nomem;
		for (size_t i = 0; i < src->sysctls.n; i++) {
			struct topo_sysctl *d = &dst->sysctls.v[i];

			d->line = src->sysctls.v[i].line;
			d->name = strdup(src->sysctls.v[i].name);
			d->value = strdup(src->sysctls.v[i].value);
			dst->sysctls.n++;
			if (!d->name || !d->value)
				goto nomem;
		}
	}
	return 0;
nomem:
	free_client(dst);
	return -ENOMEM;
}

/* ---- sections ---- */

static void reset_keys(struct parser *p)
{
	for (size_t i = 0; i < p->n_keys; i++)
		free(p->keys[i].name);
	free(p->keys);
	p->keys = NULL;
	p->n_keys = 0;
}

static const struct lab_client *find_client(const struct lab *lab, const char *name)
{
	for (size_t i = 0; i < lab->n_clients; i++)
		if (!strcmp(lab->clients[i].name, name))
			return &lab->clients[i];
	return NULL;
}

/* [client NAME] ends: apply the timestamps default, expand replicas, append. */
static int client_expand(struct parser *p)
{
	struct lab *lab = p->lab;
	struct lab_client *cur = &p->cur, *v;
	int line = p->replicas_line ? p->replicas_line : cur->line;
	const char *key = p->replicas_line ? "replicas" : "";
	char base[sizeof(cur->name)];
	uint32_t n = p->replicas;

	if (!p->ts_line)
		cur->ts_mode = cur->has_ts_offset || cur->has_uptime ? TS_OFFSET : TS_SHARED;

	if (lab->n_clients + n > TOPO_MAX_CLIENTS)
		return perr(p, line, key, -EINVAL,
			    "[client %s]: %zu clients, more than the %d a lab may have", cur->name,
			    lab->n_clients + n, TOPO_MAX_CLIENTS);

	snprintf(base, sizeof(base), "%s", cur->name);
	for (uint32_t i = 1; n > 1 && i <= n; i++) {
		const struct lab_client *o;
		char name[sizeof(cur->name)];
		int w;

		w = snprintf(name, sizeof(name), "%s%" PRIu32, base, i);
		if (w < 0 || (size_t)w >= sizeof(name))
			return perr(p, line, key, -EINVAL, "replica name %s%" PRIu32 " is too long",
				    base, i);
		o = find_client(lab, name);
		if (o)
			return perr(p, line, key, -EINVAL,
				    "replica %s of [client %s] clashes with client %s from line %d",
				    name, base, o->name, o->line);
	}

	v = realloc(lab->clients, (lab->n_clients + n) * sizeof(*v));
	if (!v)
		return enomem(p);
	lab->clients = v;
	for (uint32_t i = 1; i <= n; i++) {
		struct lab_client *c = &lab->clients[lab->n_clients];

		if (copy_client(c, cur) < 0)
			return enomem(p);
		if (n > 1)	/* fits: checked above */
			snprintf(c->name, sizeof(c->name), "%.*s%" PRIu32, TOPO_NAME_MAX, base, i);
		c->index = (int)lab->n_clients;
		lab->n_clients++;
	}
	return 0;
}

static int client_close(struct parser *p)
{
	int r = client_expand(p);

	free_client(&p->cur);
	return r;
}

static int section_close(struct parser *p)
{
	int r = 0;

	if (p->sect == SECT_CLIENT)
		r = client_close(p);
	p->sect = SECT_NONE;
	reset_keys(p);
	return r;
}

static int client_open(struct parser *p, const char *name)
{
	const struct lab_client *o;
	char **bases;
	int *lines;

	if (!*name)
		return perr(p, p->line, "", -EINVAL, "a client section needs a name: [client NAME]");
	if (!valid_name(name, TOPO_NAME_MAX))
		return perr(p, p->line, "", -EINVAL,
			    "[client %s]: a name is 1..%d characters of A-Z a-z 0-9 _ -", name,
			    TOPO_NAME_MAX);
	if (!strcmp(name, "server") || !strcmp(name, "router"))
		return perr(p, p->line, "", -EINVAL, "[client %s]: the name %s is reserved", name,
			    name);
	for (size_t i = 0; i < p->n_bases; i++)
		if (!strcmp(p->bases[i], name))
			return perr(p, p->line, "", -EINVAL,
				    "duplicate [client %s] (first on line %d)", name, p->base_lines[i]);
	o = find_client(p->lab, name);
	if (o)
		return perr(p, p->line, "", -EINVAL,
			    "[client %s]: the name is already taken by a replica of the client on line %d",
			    name, o->line);

	bases = realloc(p->bases, (p->n_bases + 1) * sizeof(*bases));
	if (!bases)
		return enomem(p);
	p->bases = bases;
	lines = realloc(p->base_lines, (p->n_bases + 1) * sizeof(*lines));
	if (!lines)
		return enomem(p);
	p->base_lines = lines;
	if (!(p->bases[p->n_bases] = strdup(name)))
		return enomem(p);
	p->base_lines[p->n_bases++] = p->line;

	memset(&p->cur, 0, sizeof(p->cur));
	snprintf(p->cur.name, sizeof(p->cur.name), "%s", name);
	p->cur.line = p->line;
	p->cur.every_ms = MS_SEC;
	p->cur.connect_timeout_ms = 2 * MS_SEC;
	p->cur.ts_mode = TS_SHARED;
	p->replicas = 1;
	p->replicas_line = p->ts_line = p->ts_offset_line = p->uptime_line = 0;
	p->sect = SECT_CLIENT;
	snprintf(p->sect_label, sizeof(p->sect_label), "[client %s]", name);
	return 0;
}

static int single_section(struct parser *p, int *seen, const char *name, enum sect s)
{
	if (*seen)
		return perr(p, p->line, "", -EINVAL, "duplicate [%s] section (first on line %d)", name,
			    *seen);
	*seen = p->line;
	p->sect = s;
	snprintf(p->sect_label, sizeof(p->sect_label), "[%.8s]", name);
	return 0;
}

/* A "[...]" line: str is the whole line, without blanks or comments around it. */
static int section_open(struct parser *p, const char *str)
{
	char buf[256], *name = buf, *end;
	int r;

	end = strchr(str, ']');
	if (!end)
		return perr(p, p->line, "", -EINVAL, "section header without ']'");
	if (end[1])
		return perr(p, p->line, "", -EINVAL, "text after the section header: %s", end + 1);
	if ((size_t)(end - str) > sizeof(buf))
		return perr(p, p->line, "", -EINVAL, "unknown section %s", str);
	memcpy(buf, str + 1, end - str - 1);
	end = buf + (end - str - 1);
	*end = '\0';
	while (*name == ' ' || *name == '\t')
		name++;
	while (end > name && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';

	r = section_close(p);
	if (r < 0)
		return r;

	if (!strcmp(name, "lab"))
		r = single_section(p, &p->lab_line, name, SECT_LAB);
	else if (!strcmp(name, "server")) {
		r = single_section(p, &p->server_line, name, SECT_SERVER);
		p->lab->server.line = p->line;
	} else if (!strcmp(name, "router")) {
		r = single_section(p, &p->router_line, name, SECT_ROUTER);
		p->lab->router.present = true;
		p->lab->router.line = p->line;
	} else if (!strcmp(name, "expect"))
		r = single_section(p, &p->expect_line, name, SECT_EXPECT);
	else if (!strncmp(name, "client", 6) &&
		 (name[6] == ' ' || name[6] == '\t' || name[6] == '\0')) {
		name += 6;
		while (*name == ' ' || *name == '\t')
			name++;
		r = client_open(p, name);
	} else
		r = perr(p, p->line, "", -EINVAL,
			 "unknown section [%s] (lab, server, router, client NAME, expect)", name);
	return r;
}

/* ---- keys ---- */

static int lab_key(struct parser *p, const char *key, const char *value)
{
	struct lab *lab = p->lab;

	if (!strcmp(key, "name")) {
		if (!valid_name(value, TOPO_NAME_MAX))
			return perr(p, p->line, key, -EINVAL,
				    "name = %s: a name is 1..%d characters of A-Z a-z 0-9 _ -",
				    value, TOPO_NAME_MAX);
		snprintf(p->name, sizeof(p->name), "%s", value);
		p->has_name = true;
		return 0;
	}
	if (!strcmp(key, "duration"))
		return value_duration(p, key, value, 1, MS_DAY, &lab->duration_ms);
	if (!strcmp(key, "seed"))
		return value_u64(p, key, value, 0, UINT64_MAX, &lab->seed);
	if (!strcmp(key, "description")) {
		free(lab->description);
		lab->description = strdup(value);
		return lab->description ? 0 : enomem(p);
	}
	return 1;
}

static int server_key(struct parser *p, const char *key, const char *value)
{
	static const char *const close_names[] = { "server", "client", NULL };
	struct lab_server *s = &p->lab->server;
	uint64_t v;
	int r;

	if (!strcmp(key, "port")) {
		r = value_u64(p, key, value, 1, 65535, &v);
		if (!r)
			s->port = (uint16_t)v;
		return r;
	}
	if (!strcmp(key, "close")) {
		r = value_enum(p, key, value, close_names, "server or client");
		if (r >= 0)
			s->close = (enum close_policy)r;
		return r < 0 ? r : 0;
	}
	if (!strcmp(key, "recycle"))
		return value_bool(p, key, value, &s->recycle);
	if (!strcmp(key, "paws_msl"))
		return value_duration(p, key, value, 1, MS_HOUR, &s->paws_msl_ms);
	if (!strcmp(key, "paws_window")) {
		r = value_u64(p, key, value, 0, INT32_MAX, &v);
		if (!r)
			s->paws_window = (int32_t)v;
		return r;
	}
	if (!strcmp(key, "timestamps")) {
		r = value_enum(p, key, value, ts_names, "kernel, shared or off");
		if (r == TS_OFFSET)
			return bad_value(p, key, value, -EINVAL,
					 "the server has no offset; expected kernel, shared or off");
		if (r >= 0)
			s->ts_mode = (enum ts_mode)r;
		return r < 0 ? r : 0;
	}
	if (!strcmp(key, "command"))
		return value_command(p, key, value, &s->command, &s->command_text);
	if (is_sysctl_key(key))
		return add_sysctl(p, &s->sysctls, key, value);
	return 1;
}

static int router_key(struct parser *p, const char *key, const char *value)
{
	static const char *const nat_names[] = { "masquerade", "snat", "none", NULL };
	static const char *const mode_names[] = { "keep", "random", "fully-random", NULL };
	struct lab_router *rt = &p->lab->router;
	int r;

	if (!strcmp(key, "nat")) {
		r = value_enum(p, key, value, nat_names, "masquerade, snat or none");
		if (r < 0)
			return r;
		if (r == NAT_NONE && (p->ports_line || p->port_mode_line))
			return perr(p, p->line, key, -EINVAL,
				    "nat = none contradicts %s on line %d (no NAT, no port mapping)",
				    p->ports_line ? "ports" : "port_mode",
				    p->ports_line ? p->ports_line : p->port_mode_line);
		if (r == NAT_NONE)
			p->nat_none_line = p->line;
		rt->nat = (enum nat_mode)r;
		return 0;
	}
	if ((!strcmp(key, "ports") || !strcmp(key, "port_mode")) && p->nat_none_line)
		return perr(p, p->line, key, -EINVAL,
			    "%s contradicts nat = none on line %d (no NAT, no port mapping)", key,
			    p->nat_none_line);
	if (!strcmp(key, "ports")) {
		uint64_t lo, hi;
		char buf[32], *dash;

		p->ports_line = p->line;
		if (!strcmp(value, "all")) {
			rt->port_lo = rt->port_hi = 0;
			return 0;
		}
		if (strlen(value) >= sizeof(buf))
			return bad_value(p, key, value, -EINVAL, "expected all, N or N-M");
		strcpy(buf, value);
		dash = strchr(buf, '-');
		if (dash)
			*dash = '\0';
		if (parse_u64(buf, &lo) < 0 || (dash && parse_u64(dash + 1, &hi) < 0))
			return bad_value(p, key, value, -EINVAL, "expected all, N or N-M");
		if (!dash)
			hi = lo;
		if (lo < 1 || hi > 65535 || lo > hi)
			return bad_value(p, key, value, -EINVAL,
					 "out of range (1..65535, low <= high)");
		rt->port_lo = (uint16_t)lo;
		rt->port_hi = (uint16_t)hi;
		return 0;
	}
	if (!strcmp(key, "port_mode")) {
		p->port_mode_line = p->line;
		r = value_enum(p, key, value, mode_names, "keep, random or fully-random");
		if (r >= 0)
			rt->port_mode = (enum port_mode)r;
		return r < 0 ? r : 0;
	}
	if (is_sysctl_key(key))
		return add_sysctl(p, &rt->sysctls, key, value);
	return 1;
}

/* Decimal (maybe negative) or 0x hex, taken mod 2^32. */
static int parse_ts_offset(const char *s, uint32_t *ret)
{
	bool neg = *s == '-';
	uint64_t v;
	int r;

	if (neg)
		s++;
	if (!(*s >= '0' && *s <= '9'))
		return -EINVAL;
	r = parse_u64(s, &v);
	if (r < 0)
		return r;
	*ret = neg ? (uint32_t)(0 - v) : (uint32_t)v;
	return 0;
}

static int client_key(struct parser *p, const char *key, const char *value)
{
	struct lab_client *c = &p->cur;
	uint64_t v;
	int r;

	if (!strcmp(key, "timestamps")) {
		r = value_enum(p, key, value, ts_names, "offset, kernel, shared or off");
		if (r < 0)
			return r;
		if (r != TS_OFFSET && (p->ts_offset_line || p->uptime_line))
			return perr(p, p->line, key, -EINVAL,
				    "timestamps = %s contradicts %s on line %d (only offset uses it)",
				    value, p->uptime_line ? "uptime" : "ts_offset",
				    p->uptime_line ? p->uptime_line : p->ts_offset_line);
		c->ts_mode = (enum ts_mode)r;
		p->ts_line = p->line;
		return 0;
	}
	if ((!strcmp(key, "ts_offset") || !strcmp(key, "uptime")) && p->ts_line &&
	    c->ts_mode != TS_OFFSET)
		return perr(p, p->line, key, -EINVAL,
			    "%s contradicts timestamps = %s on line %d (only offset uses it)", key,
			    topo_ts_mode_str(c->ts_mode), p->ts_line);
	if (!strcmp(key, "ts_offset")) {
		if (p->uptime_line)
			return perr(p, p->line, key, -EINVAL,
				    "ts_offset contradicts uptime on line %d: give one of them",
				    p->uptime_line);
		if (!strcmp(value, "random")) {
			c->ts_random = true;
		} else {
			r = parse_ts_offset(value, &c->ts_offset);
			if (r == -ERANGE)
				return bad_value(p, key, value, -EINVAL, "out of range");
			if (r < 0)
				return bad_value(p, key, value, r,
						 "expected a number (decimal, -decimal, 0xhex) or random");
		}
		c->has_ts_offset = true;
		p->ts_offset_line = p->line;
		return 0;
	}
	if (!strcmp(key, "uptime")) {
		if (p->ts_offset_line)
			return perr(p, p->line, key, -EINVAL,
				    "uptime contradicts ts_offset on line %d: give one of them",
				    p->ts_offset_line);
		r = value_duration(p, key, value, 0, UINT64_MAX, &c->uptime_ms);
		if (r < 0)
			return r;
		c->has_uptime = true;
		p->uptime_line = p->line;
		return 0;
	}
	if (!strcmp(key, "start"))
		return value_duration(p, key, value, 0, MS_DAY, &c->start_ms);
	if (!strcmp(key, "every"))
		return value_duration(p, key, value, 1, MS_DAY, &c->every_ms);
	if (!strcmp(key, "connect_timeout"))
		return value_duration(p, key, value, 10, 10 * MS_MIN, &c->connect_timeout_ms);
	if (!strcmp(key, "count")) {
		r = value_u64(p, key, value, 0, 1000000, &v);
		if (!r)
			c->count = (uint32_t)v;
		return r;
	}
	if (!strcmp(key, "replicas")) {
		r = value_u64(p, key, value, 1, TOPO_MAX_CLIENTS, &v);
		if (!r) {
			p->replicas = (uint32_t)v;
			p->replicas_line = p->line;
		}
		return r;
	}
	if (!strcmp(key, "command"))
		return value_command(p, key, value, &c->command, &c->command_text);
	if (is_sysctl_key(key))
		return add_sysctl(p, &c->sysctls, key, value);
	return 1;
}

static const char *const op_names[] = { "==", "!=", "<", "<=", ">", ">=" };

/* The roots of result.json an expectation may look at. */
static const char *const expect_roots[] = {
	"schema", "lab", "kernel", "ok", "duration_s", "setup_s", "teardown_s",
	"gate", "clients", "client", "counters", NULL,
};

static int check_expect_path(struct parser *p, const char *path)
{
	size_t seg = 0, n = 0, len = strcspn(path, ".");
	char root[16];

	for (const char *c = path;; c++) {
		if (*c == '.' || !*c) {
			if (!n)
				return perr(p, p->line, path, -EINVAL, "%s: empty path component",
					    path);
			seg++;
			n = 0;
			if (!*c)
				break;
		} else if (!is_name_char(*c)) {
			return perr(p, p->line, path, -EINVAL,
				    "%s: a path is dot-separated names of A-Z a-z 0-9 _ -", path);
		} else {
			n++;
		}
	}
	if (len >= sizeof(root))
		len = sizeof(root) - 1;	/* too long for any root: parse_enum fails */
	memcpy(root, path, len);
	root[len] = '\0';
	if (parse_enum(root, expect_roots) < 0)
		return perr(p, p->line, path, -EINVAL,
			    "%s: unknown root (gate, client.NAME, clients, counters.NODE, ok, ...)",
			    path);
	if ((!strcmp(root, "client") || !strcmp(root, "counters")) && seg < 3)
		return perr(p, p->line, path, -EINVAL, "%s: expected %s.NAME.FIELD", path, root);
	if ((!strcmp(root, "gate") || !strcmp(root, "clients")) && seg < 2)
		return perr(p, p->line, path, -EINVAL, "%s: expected %s.FIELD", path, root);
	return 0;
}

static bool is_number(const char *s)
{
	char *end;
	double d;

	d = strtod(s, &end);
	return end != s && !*end && isfinite(d) && !isspace((unsigned char)*s);
}

static int expect_key(struct parser *p, const char *path, const char *value)
{
	struct lab *lab = p->lab;
	struct lab_expect *e;
	const char *v = value;
	int op = -1;
	size_t n;
	int r;

	r = check_expect_path(p, path);
	if (r < 0)
		return r;
	/* longest operator first: "<=" before "<" */
	for (int i = 0; i < 6; i++) {
		size_t l = strlen(op_names[i]);

		if (!strncmp(v, op_names[i], l) && (op < 0 || l > strlen(op_names[op])))
			op = i;
	}
	if (op < 0)
		return perr(p, p->line, path, -EINVAL,
			    "%s = %s: expected PATH = OP VALUE with OP one of == != < <= > >=",
			    path, value);
	v += strlen(op_names[op]);
	while (*v == ' ' || *v == '\t')
		v++;
	if (!*v)
		return perr(p, p->line, path, -EINVAL, "%s = %s: missing value after %s", path,
			    value, op_names[op]);
	if (op >= OP_LT && !is_number(v))
		return perr(p, p->line, path, -EINVAL, "%s = %s: %s needs a number", path, value,
			    op_names[op]);

	e = realloc(lab->expects, (lab->n_expects + 1) * sizeof(*e));
	if (!e)
		return enomem(p);
	lab->expects = e;
	e = &lab->expects[lab->n_expects];
	memset(e, 0, sizeof(*e));
	e->op = (enum expect_op)op;
	e->line = p->line;
	e->path = strdup(path);
	e->value = strdup(v);
	n = strlen(path) + strlen(v) + 5;
	e->text = malloc(n);
	if (!e->path || !e->value || !e->text) {
		free(e->path);
		free(e->value);
		free(e->text);
		return enomem(p);
	}
	snprintf(e->text, n, "%s %s %s", path, op_names[op], v);
	lab->n_expects++;
	return 0;
}

static int on_key(void *user, const char *section, const char *key, const char *value)
{
	struct parser *p = user;
	struct seen_key *k;
	int r;

	if (p->failed)
		return 0;
	if (!*key)
		return !perr(p, p->line, "", -EINVAL, "a key is missing before '='");
	if (p->sect == SECT_NONE)
		return !perr(p, p->line, key, -EINVAL,
			     "%s: key outside of a section (start with [lab] or [server])", key);
	for (const char *c = value; *c; c++)
		if (iscntrl((unsigned char)*c) && *c != '\t')
			return !perr(p, p->line, key, -EINVAL, "%s: control character in the value",
				     key);

	if (p->sect != SECT_EXPECT) {	/* a range needs the same path twice */
		for (size_t i = 0; i < p->n_keys; i++)
			if (!strcmp(p->keys[i].name, key))
				return !perr(p, p->line, key, -EINVAL,
					     "duplicate key %s in %s (first on line %d)", key,
					     p->sect_label, p->keys[i].line);
		k = realloc(p->keys, (p->n_keys + 1) * sizeof(*k));
		if (!k)
			return !enomem(p);
		p->keys = k;
		if (!(k[p->n_keys].name = strdup(key)))
			return !enomem(p);
		k[p->n_keys++].line = p->line;
	}

	switch (p->sect) {
	case SECT_LAB:
		r = lab_key(p, key, value);
		break;
	case SECT_SERVER:
		r = server_key(p, key, value);
		break;
	case SECT_ROUTER:
		r = router_key(p, key, value);
		break;
	case SECT_CLIENT:
		r = client_key(p, key, value);
		break;
	case SECT_EXPECT:
		r = expect_key(p, key, value);
		break;
	default:
		r = 1;
	}
	if (r > 0)
		r = perr(p, p->line, key, -EINVAL, "unknown key %s in %s", key, p->sect_label);
	return r == 0;
}

/* fgets for inih, over the buffer: one line per call, so p->line is the line inih is on. */
static char *read_line(char *str, int num, void *stream)
{
	struct parser *p = stream;
	const char *s = p->pos, *e, *nl;
	size_t n;

	if (p->failed || p->pos >= p->end || num < 2)
		return NULL;
	nl = memchr(s, '\n', p->end - s);
	e = nl ? nl : p->end;
	p->pos = nl ? nl + 1 : p->end;
	p->line++;

	if (memchr(s, '\0', e - s)) {
		perr(p, p->line, "", -EINVAL, "NUL byte in line");
		return NULL;
	}
	if (p->line == 1 && e - s >= 3 && !memcmp(s, "\xef\xbb\xbf", 3))
		s += 3;
	while (s < e && isspace((unsigned char)*s))
		s++;
	if (s < e && (*s == ';' || *s == '#')) {
		e = s;
	} else {
		/* inline comment: ';' or '#' after a blank, as inih does for ';' */
		for (const char *c = s + 1; c < e; c++)
			if ((*c == ';' || *c == '#') && (c[-1] == ' ' || c[-1] == '\t')) {
				e = c;
				break;
			}
	}
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	n = e - s;
	if (n > (size_t)num - 1) {
		perr(p, p->line, "", -EINVAL, "line longer than %d characters", num - 1);
		return NULL;
	}
	memcpy(str, s, n);
	str[n] = '\0';

	if (str[0] == '[') {
		if (section_open(p, str) < 0)
			return NULL;
	} else if (str[0] && !strpbrk(str, "=:")) {
		perr(p, p->line, "", -EINVAL, "expected key = value or [section]: %s", str);
		return NULL;
	}
	return str;
}

/* ---- the whole file ---- */

static int check_expect_nodes(struct parser *p)
{
	const struct lab *lab = p->lab;

	for (size_t i = 0; i < lab->n_expects; i++) {
		const struct lab_expect *e = &lab->expects[i];
		char node[TOPO_NAME_MAX + 8];
		const char *rest;
		size_t len;
		bool counters;

		if (!strncmp(e->path, "client.", 7))
			counters = false;
		else if (!strncmp(e->path, "counters.", 9))
			counters = true;
		else
			continue;
		rest = strchr(e->path, '.') + 1;
		len = strcspn(rest, ".");
		if (len < sizeof(node)) {
			memcpy(node, rest, len);
			node[len] = '\0';
			if (find_client(lab, node) ||
			    (counters && (!strcmp(node, "server") ||
					  (lab->router.present && !strcmp(node, "router")))))
				continue;
		}
		return perr(p, e->line, e->path, -EINVAL, "%s: no %s named %.*s in this lab",
			    e->path, counters ? "node" : "client", (int)len, rest);
	}
	return 0;
}

static void name_from_file(const char *fname, char *buf, size_t len)
{
	const char *b = strrchr(fname, '/'), *dot;
	size_t n;

	b = b ? b + 1 : fname;
	dot = strrchr(b, '.');
	n = dot && dot != b ? (size_t)(dot - b) : strlen(b);
	snprintf(buf, len, "%.*s", (int)n, b);
}

static int finish(struct parser *p, const char *name_override)
{
	struct lab *lab = p->lab;
	char name[256], ns[NETNS_NAME_MAX];
	int r;

	r = check_expect_nodes(p);
	if (r < 0)
		return r;
	if (!p->server_line)
		return perr(p, 0, "", -EINVAL, "no [server] section");
	if (!lab->n_clients)
		return perr(p, 0, "", -EINVAL, "no [client NAME] section: a lab needs a client");

	if (name_override) {
		if (!valid_name(name_override, TOPO_NAME_MAX))
			return perr(p, 0, "name", -EINVAL,
				    "lab name %s: a name is 1..%d characters of A-Z a-z 0-9 _ -",
				    name_override, TOPO_NAME_MAX);
		snprintf(lab->name, sizeof(lab->name), "%s", name_override);
	} else if (p->has_name) {
		snprintf(lab->name, sizeof(lab->name), "%s", p->name);
	} else {
		if (!p->fname)
			return perr(p, 0, "name", -EINVAL, "no lab name: set name in [lab]");
		name_from_file(p->fname, name, sizeof(name));
		if (!valid_name(name, TOPO_NAME_MAX))
			return perr(p, 0, "name", -EINVAL,
				    "the file name gives the lab name '%s', which is not 1..%d characters of A-Z a-z 0-9 _ -: set name in [lab]",
				    name, TOPO_NAME_MAX);
		snprintf(lab->name, sizeof(lab->name), "%.*s", TOPO_NAME_MAX, name);
	}

	/* the longest node name decides */
	if (topo_netns_name(lab, "router", ns, sizeof(ns)) < 0 ||
	    topo_netns_name(lab, "server", ns, sizeof(ns)) < 0)
		return perr(p, 0, "name", -EINVAL, "lab name %s is too long", lab->name);
	for (size_t i = 0; i < lab->n_clients; i++)
		if (topo_netns_name(lab, lab->clients[i].name, ns, sizeof(ns)) < 0)
			return perr(p, lab->clients[i].line, "", -EINVAL,
				    "namespace name twl-%s-%s is longer than %d characters",
				    lab->name, lab->clients[i].name, NETNS_NAME_MAX - 1);

	r = topo_plan(lab, p->err);
	if (r < 0)
		p->failed = r;
	return r;
}

int topo_load_buffer(const char *buf, size_t len, const char *fname, const char *name_override,
		     struct lab **ret_lab, struct topo_err *err)
{
	struct topo_err local;
	struct parser p = {
		.err = err ? err : &local,
		.fname = fname,
		.pos = buf,
		.end = buf + len,
	};
	struct lab *lab;
	int r;

	if (!buf && len)
		return -EINVAL;
	if (!buf)
		p.pos = p.end = "";
	lab = calloc(1, sizeof(*lab));
	if (!lab || (fname && !(lab->file = strdup(fname)))) {
		free(lab);
		set_err(p.err, fname, 0, "", "out of memory");
		return -ENOMEM;
	}
	lab->duration_ms = 5 * MS_SEC;
	lab->seed = 1;
	lab->server.port = 8080;
	lab->server.close = CLOSE_SERVER;
	lab->server.paws_msl_ms = 60 * MS_SEC;
	lab->server.paws_window = 1;
	lab->server.ts_mode = TS_KERNEL;
	lab->router.nat = NAT_MASQUERADE;
	lab->router.port_mode = PORT_KEEP;
	p.lab = lab;

	r = ini_parse_stream(read_line, &p, on_key, &p);
	if (r > 0 && (!p.failed || r < p.err->line)) {
		/* inih found something the reader let through */
		p.failed = 0;
		perr(&p, r, "", -EINVAL, "syntax error");
	} else if (r < 0 && !p.failed) {
		perr(&p, 0, "", -ENOMEM, "out of memory");
	}
	if (!p.failed)
		section_close(&p);
	if (!p.failed)
		finish(&p, name_override);

	if (p.sect == SECT_CLIENT)
		free_client(&p.cur);
	reset_keys(&p);
	for (size_t i = 0; i < p.n_bases; i++)
		free(p.bases[i]);
	free(p.bases);
	free(p.base_lines);
	if (p.failed) {
		topo_free(lab);
		return p.failed;
	}
	*ret_lab = lab;
	return 0;
}

int topo_load(const char *path, const char *name_override, struct lab **ret_lab,
	      struct topo_err *err)
{
	size_t len = 0, size = 0;
	char *buf = NULL;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		goto fail;
	}
	/* st_size means nothing for /dev/stdin or a pipe: read to the end */
	for (;;) {
		ssize_t n;

		if (len == size) {
			char *b;

			if (size >= FILE_MAX) {
				r = -EFBIG;
				goto fail;
			}
			size = size ? 2 * size : 4096;
			b = realloc(buf, size);
			if (!b) {
				r = -ENOMEM;
				goto fail;
			}
			buf = b;
		}
		n = read(fd, buf + len, size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto fail;
		}
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	r = topo_load_buffer(buf ? buf : "", len, path, name_override, ret_lab, err);
	free(buf);
	return r;

fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	set_err(err, path, 0, "", "cannot read %s: %s", path, strerror(-r));
	return r;
}

/* ---- the plan and lookups ---- */

int topo_plan(struct lab *lab, struct topo_err *err)
{
	if (!lab)
		return -EINVAL;
	if (!lab->n_clients || lab->n_clients > TOPO_MAX_CLIENTS) {
		set_err(err, lab->file, 0, "", "%zu clients: a lab has 1..%d", lab->n_clients,
			TOPO_MAX_CLIENTS);
		return -EINVAL;
	}
	memset(&lab->router.out_addr, 0, sizeof(lab->router.out_addr));
	lab->server.route_dst = 0;
	lab->server.route_prefix = 0;
	lab->server.gw = 0;

	if (lab->router.present) {
		lab->router.out_addr = (struct topo_addr){ OUTSIDE_NET + 1, 24 };
		lab->server.addr = (struct topo_addr){ OUTSIDE_NET + 2, 24 };
		if (lab->router.nat == NAT_NONE) {
			lab->server.route_dst = INSIDE_NET;
			lab->server.route_prefix = 10;
			lab->server.gw = OUTSIDE_NET + 1;
		}
	} else {
		lab->server.addr = (struct topo_addr){ INSIDE_NET + 1, 10 };
	}
	for (size_t i = 0; i < lab->n_clients; i++) {
		struct lab_client *c = &lab->clients[i];

		c->index = (int)i;
		if (lab->router.present) {
			c->addr = (struct topo_addr){ INSIDE_NET + 4 * (uint32_t)i + 2, 30 };
			c->peer_addr = (struct topo_addr){ INSIDE_NET + 4 * (uint32_t)i + 1, 30 };
			c->gw = c->peer_addr.addr;
		} else {
			c->addr = (struct topo_addr){ INSIDE_NET + 2 + (uint32_t)i, 10 };
			c->peer_addr = (struct topo_addr){ 0, 0 };
			c->gw = 0;
		}
	}
	return 0;
}

struct lab_client *topo_client(const struct lab *lab, const char *name)
{
	if (!lab || !name)
		return NULL;
	return (struct lab_client *)find_client(lab, name);
}

int topo_netns_name(const struct lab *lab, const char *node, char *buf, size_t len)
{
	int n;

	if (!lab || !node || !buf)
		return -EINVAL;
	n = snprintf(buf, len, "twl-%s-%s", lab->name, node);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

uint32_t topo_client_ts_offset(const struct lab *lab, const struct lab_client *c, uint64_t now_ms)
{
	if (!lab || !c || c->ts_mode != TS_OFFSET)
		return 0;
	if (c->ts_random)
		return (uint32_t)(splitmix64(splitmix64(lab->seed) ^ (uint64_t)c->index) >> 32);
	if (c->has_uptime)
		return (uint32_t)(c->uptime_ms - now_ms);
	return c->ts_offset;
}

const char *topo_ts_mode_str(enum ts_mode m)
{
	switch (m) {
	case TS_OFFSET:
		return "offset";
	case TS_KERNEL:
		return "kernel";
	case TS_SHARED:
		return "shared";
	case TS_OFF:
		return "off";
	}
	return "?";
}

const char *topo_op_str(enum expect_op op)
{
	if ((unsigned)op < sizeof(op_names) / sizeof(op_names[0]))
		return op_names[op];
	return "?";
}
