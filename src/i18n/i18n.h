/* SPDX-License-Identifier: GPL-2.0 */
/*
 * i18n: the language of what a run shows (the text summary, the drop sentence, report.html),
 * through gettext catalogues (po/LL.po, built into build/locale, installed under
 * PREFIX/share/locale), and numbers written as the language writes them. The lowest stage:
 * every other may call it. The separators come from the catalogue, not from the C library's
 * locales, so a machine without es_ES/pt_BR locales generated still prints 1.000.000.
 */
#ifndef TWLAB_I18N_H
#define TWLAB_I18N_H

#include <libintl.h>
#include <stdbool.h>
#include <stddef.h>

#define I18N_DOMAIN "twlab"

#define _(s)	       dgettext(I18N_DOMAIN, s)
#define N_(s)	       (s)
/* ngettext (plurals) of the twlab domain */
#define P_(s, p, n)    dngettext(I18N_DOMAIN, s, p, n)
/* a string with a context (msgctxt) for the translators: the same msgid, another meaning */
#define C_(ctx, s)     i18n_pgettext(ctx "\004" s, s)

/* The languages twlab speaks: "en", "es", "pt" (Brazilian Portuguese). */
#define I18N_LANGS "en, es or pt"

/* Choose the language: lang "en", "es", "pt" (also "pt_BR", "pt-BR", "es_ES.UTF-8", ...), or
 * NULL for the environment's (LC_ALL, then LC_MESSAGES, then LANG; anything else: English).
 * Works without the locale being installed: LC_MESSAGES is set to C.UTF-8 when the
 * environment's cannot be, and the language is given to gettext as LANGUAGE. Call before
 * any thread starts. 0, or -EINVAL for a language twlab does not speak. */
int i18n_init(const char *lang);
/* "en", "es" or "pt" after i18n_init (before: "en"). */
const char *i18n_lang(void);
/* The page's lang attribute: "en", "es", "pt-BR". */
const char *i18n_html_lang(void);
/* The directory of the catalogues in use: the build tree's (build/locale beside the
 * program, or above a test binary in build/tests/) or the installed one. */
const char *i18n_dir(void);
/* A language name as --lang takes it to "en"/"es"/"pt", NULL when unknown. */
const char *i18n_parse_lang(const char *s);

const char *i18n_pgettext(const char *key, const char *msgid);

/* v with the language's thousands separator: 1,000,000 / 1.000.000. Returns buf. */
#define I18N_NUM_MAX 40
char *i18n_int(char *buf, size_t len, long long v);
/* v with prec decimals and the language's decimal separator: 0.5 / 0,5. Returns buf. */
char *i18n_dec(char *buf, size_t len, double v, int prec);
/* As printf's %g, with the language's decimal separator. */
char *i18n_g(char *buf, size_t len, double v);
/* v through printf's fmt (one double conversion: "%.3g"), the separator the language's. */
char *i18n_fmt(char *buf, size_t len, const char *fmt, double v);

#endif
