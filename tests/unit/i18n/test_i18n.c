/* MODULES: i18n topo value keys kver model */
// SPDX-License-Identifier: GPL-2.0
/* i18n: the build's catalogues looked up in each language, numbers written as each language
 * writes them, and label = as a display name (any UTF-8, the name staying ASCII). No root. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "i18n/i18n.h"
#include "topo/topo.h"

static void test_parse_lang(void **state)
{
	assert_string_equal(i18n_parse_lang("es"), "es");
	assert_string_equal(i18n_parse_lang("es_MX.UTF-8"), "es");
	assert_string_equal(i18n_parse_lang("pt"), "pt");
	assert_string_equal(i18n_parse_lang("pt-BR"), "pt");
	assert_string_equal(i18n_parse_lang("pt_BR.UTF-8"), "pt");
	assert_string_equal(i18n_parse_lang("EN"), "en");
	assert_string_equal(i18n_parse_lang("en_GB.UTF-8@euro"), "en");
	assert_null(i18n_parse_lang("de"));
	assert_null(i18n_parse_lang("esp"));
	assert_null(i18n_parse_lang(""));
	assert_null(i18n_parse_lang(NULL));
	assert_int_equal(i18n_init("fr"), -EINVAL);
}

/* LC_ALL, then LC_MESSAGES, then LANG: the first one set decides, as for setlocale() */
static void test_lang_from_environment(void **state)
{
	unsetenv("LC_ALL");
	unsetenv("LC_MESSAGES");
	setenv("LANG", "pt_BR.UTF-8", 1);
	assert_int_equal(i18n_init(NULL), 0);
	assert_string_equal(i18n_lang(), "pt");
	assert_string_equal(i18n_html_lang(), "pt-BR");
	setenv("LC_MESSAGES", "es_AR.UTF-8", 1);
	assert_int_equal(i18n_init(NULL), 0);
	assert_string_equal(i18n_lang(), "es");
	setenv("LC_ALL", "C.UTF-8", 1);
	assert_int_equal(i18n_init(NULL), 0);
	assert_string_equal(i18n_lang(), "en");
	setenv("LC_ALL", "de_DE.UTF-8", 1); /* a language twlab does not speak: English */
	assert_int_equal(i18n_init(NULL), 0);
	assert_string_equal(i18n_lang(), "en");
	unsetenv("LC_ALL");
	unsetenv("LC_MESSAGES");
	unsetenv("LANG");
	assert_int_equal(i18n_init(NULL), 0);
	assert_string_equal(i18n_lang(), "en");
}

/* build/locale is found from build/tests/test_i18n, whatever the locales installed */
static void test_catalogues(void **state)
{
	assert_int_equal(i18n_init("es"), 0);
	assert_non_null(strstr(i18n_dir(), "build/tests/../locale"));
	assert_string_equal(_("no router"), "sin router");
	assert_string_equal(_("this address"), "esta dirección");
	assert_string_equal(i18n_html_lang(), "es");
	assert_int_equal(i18n_init("pt"), 0);
	assert_string_equal(_("no router"), "sem roteador");
	assert_string_equal(_("this address"), "este endereço");
	assert_int_equal(i18n_init("en"), 0);
	assert_string_equal(_("no router"), "no router");
	assert_string_equal(i18n_html_lang(), "en");
}

/* the summary's first line: Portuguese (Brazil) counts 0 as singular, Spanish does not */
static void test_plurals(void **state)
{
#define LAB1 "lab %s on Linux %s: %zu client, %s, server closes %s, recycle %s\n"
#define LABN "lab %s on Linux %s: %zu clients, %s, server closes %s, recycle %s\n"
	assert_int_equal(i18n_init("es"), 0);
	assert_non_null(strstr(P_(LAB1, LABN, 1), "%zu cliente,"));
	assert_non_null(strstr(P_(LAB1, LABN, 2), "%zu clientes,"));
	assert_non_null(strstr(P_(LAB1, LABN, 0), "%zu clientes,"));
	assert_int_equal(i18n_init("pt"), 0);
	assert_non_null(strstr(P_(LAB1, LABN, 0), "%zu cliente,"));
	assert_non_null(strstr(P_(LAB1, LABN, 3), "%zu clientes,"));
	assert_int_equal(i18n_init("en"), 0);
	assert_string_equal(P_(LAB1, LABN, 1), LAB1);
}

static void test_numbers(void **state)
{
	char b[I18N_NUM_MAX];

	assert_int_equal(i18n_init("en"), 0);
	assert_string_equal(i18n_int(b, sizeof(b), 1000000), "1,000,000");
	assert_string_equal(i18n_int(b, sizeof(b), 860399900), "860,399,900");
	assert_string_equal(i18n_int(b, sizeof(b), 999), "999");
	assert_string_equal(i18n_int(b, sizeof(b), 0), "0");
	assert_string_equal(i18n_int(b, sizeof(b), -1234), "-1,234");
	assert_string_equal(i18n_int(b, sizeof(b), LLONG_MIN), "-9,223,372,036,854,775,808");
	assert_string_equal(i18n_dec(b, sizeof(b), 0.5, 1), "0.5");
	assert_string_equal(i18n_g(b, sizeof(b), 60), "60");
	assert_int_equal(i18n_init("es"), 0);
	assert_string_equal(i18n_int(b, sizeof(b), 1000000), "1.000.000");
	assert_string_equal(i18n_int(b, sizeof(b), -1234), "-1.234");
	assert_string_equal(i18n_dec(b, sizeof(b), 0.25, 2), "0,25");
	assert_string_equal(i18n_dec(b, sizeof(b), 12.0, 1), "12,0");
	assert_string_equal(i18n_g(b, sizeof(b), 0.5), "0,5");
	assert_string_equal(i18n_fmt(b, sizeof(b), "%.3g", 10.125), "10,1");
	assert_int_equal(i18n_init("pt"), 0);
	assert_string_equal(i18n_int(b, sizeof(b), 1000000000), "1.000.000.000");
	assert_string_equal(i18n_dec(b, sizeof(b), 3.14159, 3), "3,142");
	/* a short buffer: cut, never overrun */
	assert_string_equal(i18n_int(b, 6, 1000000), "1.000");
	assert_int_equal(i18n_init("en"), 0);
}

static struct lab *load(const char *text, struct topo_err *err, int *ret)
{
	struct lab *lab = NULL;

	memset(err, 0, sizeof(*err));
	*ret = topo_load_buffer(text, strlen(text), "t.ini", NULL, &lab, err);
	return lab;
}

static void test_label(void **state)
{
	struct topo_err err;
	struct lab *lab;
	int r;

	lab = load("[server]\n[client joao]\nlabel = João\n[client b]\n", &err, &r);
	assert_int_equal(r, 0);
	assert_string_equal(lab->clients[0].name, "joao");
	assert_string_equal(topo_client_label(&lab->clients[0]), "João");
	assert_string_equal(topo_client_label(&lab->clients[1]), "b"); /* no label: the name */
	topo_free(lab);

	/* replicas: "Aluno 1", "Aluno 2", names a1, a2 */
	lab = load("[server]\n[client a]\nreplicas = 2\nlabel = Aluno ☺\n", &err, &r);
	assert_int_equal(r, 0);
	assert_string_equal(lab->clients[1].name, "a2");
	assert_string_equal(topo_client_label(&lab->clients[1]), "Aluno ☺ 2");
	topo_free(lab);

	/* the namespace name stays ASCII */
	lab = load("[server]\n[client joão]\n", &err, &r);
	assert_int_equal(r, -EINVAL);
	assert_null(lab);

	lab = load("[server]\n[client a]\nlabel = \xff\xfe\n", &err, &r);
	assert_int_equal(r, -EINVAL);
	assert_int_equal(err.line, 3);
	assert_string_equal(err.key, "label");

	lab = load("[server]\n[client a]\nlabel = a\tb\n", &err, &r);
	assert_int_equal(r, -EINVAL);
	assert_string_equal(err.key, "label");

	lab = load("[server]\n[client a]\nlabel = "
		   "0123456789012345678901234567890123456789012345678901234567\n",
		   &err, &r);
	assert_int_equal(r, -EINVAL);
	assert_non_null(strstr(err.msg, "longer than"));
	assert_null(lab);

	/* the server and the router: the same key, the same checks; their names stay */
	lab = load("[server]\nlabel = Servidor Ñ\n[router]\nlabel = Roteador Ω\n[client a]\n", &err,
		   &r);
	assert_int_equal(r, 0);
	assert_string_equal(lab->server.label, "Servidor Ñ");
	assert_string_equal(lab->router.label, "Roteador Ω");
	topo_free(lab);
	lab = load("[server]\n[router]\n[client a]\n", &err, &r);
	assert_int_equal(r, 0);
	assert_string_equal(lab->server.label, "");
	assert_string_equal(lab->router.label, "");
	topo_free(lab);
	lab = load("[server]\nlabel = a\tb\n[client a]\n", &err, &r);
	assert_int_equal(r, -EINVAL);
	assert_int_equal(err.line, 2);
	assert_string_equal(err.key, "label");
	lab = load("[server]\n[router]\nlabel =\n[client a]\n", &err, &r);
	assert_int_equal(r, -EINVAL);
	assert_int_equal(err.line, 3);
	assert_string_equal(err.key, "label");
	lab = load("[server]\n[router]\nlabel = \xc3\n[client a]\n", &err, &r);
	assert_int_equal(r, -EINVAL);
	assert_string_equal(err.key, "label");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_lang),   cmocka_unit_test(test_lang_from_environment),
		cmocka_unit_test(test_catalogues),   cmocka_unit_test(test_plurals),
		cmocka_unit_test(test_numbers),	     cmocka_unit_test(test_label),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
