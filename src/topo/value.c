// SPDX-License-Identifier: GPL-2.0
/* topo values: numbers, durations, booleans, enums, commands and sysctl names of a topology file. */
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

#include <pwd.h>
#include "topo/parser.h"

/* ---- values ---- */

bool topo_is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* Not starting with '-': a name is also a command-line argument (twlab down NAME). */
bool topo_valid_name(const char *s, size_t max)
{
	size_t n = 0;

	if (s[0] == '-')
		return false;
	for (; s[n]; n++)
		if (!topo_is_name_char(s[n]) || n >= max)
			return false;
	return n > 0;
}

bool topo_name_valid(const char *s)
{
	return s && topo_valid_name(s, TOPO_NAME_MAX);
}

/* The length of the valid UTF-8 sequence at s (1..4), or 0: overlong forms, surrogates and
 * code points above U+10FFFF are not valid. */
static size_t utf8_len(const unsigned char *s)
{
	uint32_t cp;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* C0, DEL and C1 (U+0080..U+009F, "\xc2\x80".."\xc2\x9f"): a terminal acts on them. */
static bool is_control(const unsigned char *s, size_t n)
{
	return (n == 1 && (s[0] < 0x20 || s[0] == 0x7f)) || (n == 2 && s[0] == 0xc2 && s[1] < 0xa0);
}

const char *topo_bad_text(const char *s, bool allow_tab)
{
	for (const unsigned char *c = (const unsigned char *)s; *c;) {
		size_t n = utf8_len(c);

		if (!n)
			return "not valid UTF-8 text";
		if (is_control(c, n) && !(allow_tab && *c == '\t'))
			return "control character";
		c += n;
	}
	return NULL;
}

void topo_escape(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	if (!len)
		return;
	for (const unsigned char *c = (const unsigned char *)s; *c && o + 1 < len;) {
		size_t n = utf8_len(c);

		if (n && !is_control(c, n)) {
			if (o + n >= len)
				break;
			memcpy(buf + o, c, n);
			o += n;
			c += n;
			continue;
		}
		/* one byte at a time: a C1 character shows as its two bytes */
		if (o + 4 >= len)
			break;
		snprintf(buf + o, len - o, "\\x%02x", *c++);
		o += 4;
	}
	buf[o] = '\0';
}

/* Decimal, or hex with 0x; no sign, no blanks. */
int topo_parse_u64(const char *s, uint64_t *ret)
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

int topo_parse_seed(const char *s, uint64_t *ret)
{
	return topo_parse_u64(s, ret);
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
int topo_parse_enum(const char *s, const char *const *names)
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

int topo_bad_value(struct parser *p, const char *key, const char *value, int r, const char *why)
{
	return topo_perr(p, p->line, key, r, "%s = %s: %s", key, value, why);
}

int topo_value_u64(struct parser *p, const char *key, const char *value, uint64_t min,
		     uint64_t max, uint64_t *ret)
{
	char why[96];
	uint64_t v;
	int r;

	r = topo_parse_u64(value, &v);
	if (r == -EINVAL)
		return topo_bad_value(p, key, value, r, "not a number");
	if (r < 0 || v < min || v > max) {
		snprintf(why, sizeof(why), "out of range (%" PRIu64 "..%" PRIu64 ")", min, max);
		return topo_bad_value(p, key, value, -EINVAL, why);
	}
	*ret = v;
	return 0;
}

int topo_value_duration(struct parser *p, const char *key, const char *value, uint64_t min,
			  uint64_t max, uint64_t *ret)
{
	char why[96], a[32], b[32];
	uint64_t v;
	int r;

	r = topo_parse_duration(value, &v);
	if (r == -EINVAL)
		return topo_bad_value(p, key, value, r,
				 "not a duration (a number and a unit: 250ms, 2s, 5m, 1h, 10d)");
	if (r < 0 || v < min || v > max) {
		topo_format_duration(min, a, sizeof(a));
		topo_format_duration(max, b, sizeof(b));
		if (max == UINT64_MAX)
			snprintf(why, sizeof(why), "out of range (at least %s)", a);
		else
			snprintf(why, sizeof(why), "out of range (%s..%s)", a, b);
		return topo_bad_value(p, key, value, -EINVAL, why);
	}
	*ret = v;
	return 0;
}

int topo_value_bool(struct parser *p, const char *key, const char *value, bool *ret)
{
	if (parse_bool(value, ret) < 0)
		return topo_bad_value(p, key, value, -EINVAL, "expected on or off");
	return 0;
}

int topo_value_enum(struct parser *p, const char *key, const char *value,
		      const char *const *names, const char *expected)
{
	int i = topo_parse_enum(value, names);

	if (i < 0) {
		char why[96];

		snprintf(why, sizeof(why), "expected %s", expected);
		return topo_bad_value(p, key, value, -EINVAL, why);
	}
	return i;
}

const char *const topo_ts_names[] = { "offset", "kernel", "shared", "off", NULL };

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

int topo_value_user(struct parser *p, const char *key, const char *value, char *dst, int *ret_line)
{
	struct passwd *pw;

	if (strlen(value) >= TOPO_USER_MAX)
		return topo_bad_value(p, key, value, -EINVAL, "too long for a user name");
	errno = 0;
	pw = getpwnam(value);
	if (!pw)
		return topo_bad_value(p, key, value, errno ? -errno : -EINVAL,
				 "no such user on this host");
	snprintf(dst, TOPO_USER_MAX, "%s", value);
	*ret_line = p->line;
	return 0;
}

/* label = João: shown, never a namespace name. The value is UTF-8 already (every value is). */
int topo_value_label(struct parser *p, const char *key, const char *value, char *dst)
{
	if (!*value)
		return topo_bad_value(p, key, value, -EINVAL, "empty (leave the key out)");
	if (strlen(value) > TOPO_LABEL_MAX - 8)
		return topo_bad_value(p, key, value, -EINVAL, "longer than 56 bytes");
	if (strchr(value, '\t'))
		return topo_bad_value(p, key, value, -EINVAL, "a tab in a label");
	snprintf(dst, TOPO_LABEL_MAX, "%s", value);
	return 0;
}

/* wordexp(3) without command substitution or expansions: no shell ever runs. */
int topo_value_command(struct parser *p, const char *key, const char *value, char ***ret_argv,
			 char **ret_text)
{
	wordexp_t we = { 0 };
	char **argv, *text;
	const char *why;
	const char *c;
	int r;

	c = unquoted_expansion(value);
	if (c)
		return topo_perr(p, p->line, key, -EINVAL,
			    "%s = %s: %c would be expanded (no shell runs the command): quote it",
			    key, value, *c);
	r = wordexp(value, &we, WRDE_NOCMD);
	switch (r) {
	case 0:
		break;
	case WRDE_NOSPACE:
		wordfree(&we);
		return topo_enomem(p);
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
	return topo_enomem(p);
bad:
	return topo_bad_value(p, key, value, -EINVAL, why);
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

int topo_add_sysctl(struct parser *p, struct topo_sysctls *ss, const char *key,
		      const char *value)
{
	const char *name = key + strlen("sysctl.");
	struct topo_sysctl *v;

	if (!valid_sysctl_name(name))
		return topo_perr(p, p->line, key, -EINVAL,
			    "%s: not a per-namespace sysctl (net.* with only a-z 0-9 _ - .)", key);
	if (!*value)
		return topo_bad_value(p, key, value, -EINVAL, "empty value");

	if (p->n_sysctls >= TOPO_MAX_SYSCTLS)
		return topo_perr(p, p->line, key, -EINVAL, "%s: more than the %d sysctls a lab may set",
			    key, TOPO_MAX_SYSCTLS);
	if (topo_grow(&ss->v, &ss->cap, ss->n + 1, sizeof(*v)))
		return topo_enomem(p);
	v = &ss->v[ss->n];
	v->name = strdup(name);
	v->value = strdup(value);
	v->line = p->line;
	if (!v->name || !v->value) {
		free(v->name);
		free(v->value);
		return topo_enomem(p);
	}
	ss->n++;
	p->n_sysctls++;
	return 0;
}

bool topo_is_sysctl_key(const char *key)
{
	return !strncmp(key, "sysctl.", strlen("sysctl."));
}

