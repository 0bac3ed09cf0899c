// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "i18n/i18n.h"

#ifndef TWLAB_LOCALEDIR
#define TWLAB_LOCALEDIR "/usr/local/share/locale"
#endif

static const char *cur_lang = "en";
static char dir[PATH_MAX] = TWLAB_LOCALEDIR;

/* gettext's catalogue directory: the language's own */
static const struct {
	const char *lang, *gettext, *html;
} langs[] = {
	{ "en", "en", "en" },
	{ "es", "es", "es" },
	{ "pt", "pt_BR", "pt-BR" },
};

const char *i18n_parse_lang(const char *s)
{
	size_t n;

	if (!s)
		return NULL;
	/* "es", "es_MX.UTF-8", "pt-BR", "pt_BR@euro": the language part decides */
	n = strcspn(s, "_-.@");
	for (size_t i = 0; i < sizeof(langs) / sizeof(langs[0]); i++)
		if (n == strlen(langs[i].lang) && !strncasecmp(s, langs[i].lang, n))
			return langs[i].lang;
	return NULL;
}

static const char *env_lang(void)
{
	static const char *const vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = getenv(vars[i]);

		if (v && *v)	/* the first one set decides, as for setlocale() */
			return i18n_parse_lang(v) ?: "en";
	}
	return "en";
}

static bool is_dir(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

/* Run from the source tree (./twlab, build/tests/test_*): the build's catalogues. */
static void find_dir(void)
{
	static const char *const rel[] = { "build/locale", "../locale" };
	char exe[PATH_MAX], cand[PATH_MAX + 16];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return;
	exe[n] = '\0';
	dirname(exe);
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		snprintf(cand, sizeof(cand), "%s/%s", exe, rel[i]);
		if (is_dir(cand) && strlen(cand) < sizeof(dir)) {
			snprintf(dir, sizeof(dir), "%s", cand);
			return;
		}
	}
}

int i18n_init(const char *lang)
{
	const char *l = lang ? i18n_parse_lang(lang) : env_lang();
	size_t i;

	if (!l)
		return -EINVAL;
	/* gettext ignores LANGUAGE in the "C" locale only; C.UTF-8 is built into glibc */
	if (!setlocale(LC_MESSAGES, "") || !strcmp(setlocale(LC_MESSAGES, NULL), "C") ||
	    !strcmp(setlocale(LC_MESSAGES, NULL), "POSIX"))
		setlocale(LC_MESSAGES, "C.UTF-8");
	for (i = 0; strcmp(langs[i].lang, l); i++)
		;
	if (setenv("LANGUAGE", langs[i].gettext, 1))
		return -errno;
	find_dir();
	bindtextdomain(I18N_DOMAIN, dir);
	bind_textdomain_codeset(I18N_DOMAIN, "UTF-8");
	cur_lang = langs[i].lang;
	return 0;
}

const char *i18n_lang(void)
{
	return cur_lang;
}

const char *i18n_html_lang(void)
{
	for (size_t i = 0; i < sizeof(langs) / sizeof(langs[0]); i++)
		if (!strcmp(langs[i].lang, cur_lang))
			return langs[i].html;
	return "en";
}

const char *i18n_dir(void)
{
	return dir;
}

const char *i18n_pgettext(const char *key, const char *msgid)
{
	const char *t = dgettext(I18N_DOMAIN, key);

	return t == key ? msgid : t;
}

/* The separators, from the catalogue (translators: the language's own) */
static const char *thousands(void)
{
	/* translators: between groups of three digits: 1,000,000 in English */
	return C_("thousands separator", ",");
}

static const char *decimal(void)
{
	/* translators: before the decimals: 0.5 s in English */
	return C_("decimal separator", ".");
}

char *i18n_int(char *buf, size_t len, long long v)
{
	const char *sep = thousands();
	size_t sl = strlen(sep), o = 0;
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%llu",
			 v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v);

	if (!len)
		return buf;
	if (v < 0 && o + 1 < len)
		buf[o++] = '-';
	for (int i = 0; i < n && o + 1 < len; i++) {
		buf[o++] = tmp[i];
		if ((n - i - 1) % 3 == 0 && i != n - 1) {
			if (o + sl >= len)
				break;
			memcpy(buf + o, sep, sl);
			o += sl;
		}
	}
	buf[o] = '\0';
	return buf;
}

/* tmp was printed in the C locale (LC_NUMERIC is never set): '.' is the decimal point */
static char *localise(char *buf, size_t len, const char *tmp)
{
	const char *dot = strchr(tmp, '.'), *sep = decimal();

	if (!dot)
		snprintf(buf, len, "%s", tmp);
	else
		snprintf(buf, len, "%.*s%s%s", (int)(dot - tmp), tmp, sep, dot + 1);
	return buf;
}

char *i18n_dec(char *buf, size_t len, double v, int prec)
{
	char tmp[64];

	snprintf(tmp, sizeof(tmp), "%.*f", prec, v);
	return localise(buf, len, tmp);
}

char *i18n_g(char *buf, size_t len, double v)
{
	return i18n_fmt(buf, len, "%g", v);
}

char *i18n_fmt(char *buf, size_t len, const char *fmt, double v)
{
	char tmp[64];

	snprintf(tmp, sizeof(tmp), fmt, v);
	return localise(buf, len, tmp);
}
