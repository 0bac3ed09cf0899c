// SPDX-License-Identifier: GPL-2.0
/* --kernel SPEC parsing and kernel lists with ranges (verify/kernel.c), no root; the fetch
 * through a stand-in for scripts/fetch-kernel.sh: its exit 2 (no such package) and 3 (could not
 * fetch) reach the caller as -ENOPKG and -EIO, and it is told the caller reports a missing one. */
/* MODULES: kernel */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "verify/kernel.h"

static void pkg_is(const char *spec, const char *pkg)
{
	struct kernel_spec k;

	assert_int_equal(kernel_spec_parse(spec, &k), 0);
	assert_true(k.debian);
	assert_string_equal(k.pkg, pkg);
}

static void test_spec_forms(void **state)
{
	struct kernel_spec k;

	pkg_is("debian:linux-image-6.1.0-47-amd64", "linux-image-6.1.0-47-amd64");
	pkg_is("debian:6.1.0-47", "linux-image-6.1.0-47-amd64");
	pkg_is("debian:6.1.0-57", "linux-image-6.1.0-57-amd64");
	pkg_is("debian:6.12.117", "linux-image-6.12.117+deb12-amd64");
	pkg_is("debian:linux-image-6.12.117+deb12-amd64", "linux-image-6.12.117+deb12-amd64");
	assert_int_equal(kernel_spec_parse("/boot/vmlinuz-6.18", &k), 0);
	assert_false(k.debian);
	assert_string_equal(k.path, "/boot/vmlinuz-6.18");
}

static void test_spec_bad(void **state)
{
	static const char *bad[] = { "", "debian:", "debian:6.1", "debian:6.1.0-", "debian:6.1.0-x",
				     "debian:6..1.0", "debian:linux-image-", "debian:linux-image-a b",
				     "debian:6.1.0-47..57", "debian:bash", "debian:6.1.0.1" };
	struct kernel_spec k = { .pkg = "untouched" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(kernel_spec_parse(bad[i], &k), -EINVAL);
		assert_string_equal(k.pkg, "untouched");   /* ret_ written only on success */
	}
}

static void list_is(const char *list, const char **want, size_t n_want)
{
	char why[200] = "", **v;
	size_t n;

	assert_int_equal(kernel_list_parse(list, &v, &n, why, sizeof(why)), 0);
	assert_int_equal(n, n_want);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(v[i], want[i]);
	kernel_list_free(v, n);
}

static void test_list(void **state)
{
	static const char *a[] = { "debian:6.1.0-47", "/x/vmlinuz", "debian:6.12.117" };
	static const char *r[] = { "debian:6.1.0-47", "debian:6.1.0-48", "debian:6.1.0-49" };
	static const char *r12[] = { "debian:6.12.115", "debian:6.12.116", "debian:6.12.117",
				     "debian:6.1.0-57" };

	list_is("debian:6.1.0-47,/x/vmlinuz, debian:6.12.117", a, 3);
	list_is("debian:6.1.0-47..49", r, 3);
	list_is("debian:6.1.0-47..6.1.0-49", r, 3);
	list_is("debian:6.1.0-47..debian:6.1.0-49", r, 3);
	list_is("debian:6.12.115..117,debian:6.1.0-57", r12, 4);
	list_is("debian:6.1.0-47..47", r, 1);
}

static void test_list_bad(void **state)
{
	static const char *bad[] = { "debian:6.1.0-49..47", "debian:6.1.0-47..", "a,,b", "",
				     "debian:6.1.0-47..x", "debian:6.1.0-47..6.2.0-49", "debian:foo",
				     "debian:6.1..3" };
	char why[200], **v = NULL;
	size_t n = 0;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = 0;
		assert_int_equal(kernel_list_parse(bad[i], &v, &n, why, sizeof(why)), -EINVAL);
		assert_true(why[0]);
	}
}

static void fetch_exit(const char *body, int want)
{
	char dir[] = "/tmp/twlab-unit-fetch-XXXXXX", script[64], vml[256], mods[256];
	struct kernel_spec k;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(script, sizeof(script), "%s/fetch.sh", dir);
	f = fopen(script, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	chmod(script, 0755);
	assert_int_equal(kernel_spec_parse("debian:6.1.0-99", &k), 0);
	assert_int_equal(kernel_resolve(&k, dir, script, vml, sizeof(vml), mods, sizeof(mods)), want);
	unlink(script);
	rmdir(dir);
}

static void test_fetch_codes(void **state)
{
	fetch_exit("[ \"$TWLAB_FETCH_QUIET\" = 1 ] || exit 9; exit 2", -ENOPKG);
	fetch_exit("exit 3", -EIO);
	/* exit 0 without an unpack: not fetched after all */
	fetch_exit("exit 0", -EIO);
}

/* Builds not cached are kept when apt knows them; apt is not asked at all when every build of
 * the list is cached (a fake apt-cache first in PATH notes each call). */
static void test_list_existing(void **state)
{
	char dir[] = "/tmp/twlab-unit-apt-XXXXXX", p[128], path[4200], **v;
	const char *old = getenv("PATH");
	size_t n;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/apt-cache", dir);
	f = fopen(p, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\necho x >>%s/calls\necho linux-image-6.1.0-49-amd64\n", dir);
	fclose(f);
	chmod(p, 0755);
	for (int b = 47; b <= 48; b++) {
		snprintf(p, sizeof(p), "%s/linux-image-6.1.0-%d-amd64", dir, b);
		mkdir(p, 0700);
		snprintf(p, sizeof(p), "%s/linux-image-6.1.0-%d-amd64/.done", dir, b);
		fclose(fopen(p, "w"));
	}
	snprintf(path, sizeof(path), "%s:%s", dir, old ? old : "/usr/bin:/bin");
	setenv("PATH", path, 1);

	assert_int_equal(kernel_list_parse("debian:6.1.0-47..48", &v, &n, p, sizeof(p)), 0);
	kernel_list_existing(v, &n, dir);
	assert_int_equal(n, 2);
	kernel_list_free(v, n);
	snprintf(p, sizeof(p), "%s/calls", dir);
	assert_int_equal(access(p, F_OK), -1);	/* all cached: apt not asked */

	assert_int_equal(kernel_list_parse("debian:6.1.0-47..50", &v, &n, p, sizeof(p)), 0);
	kernel_list_existing(v, &n, dir);
	assert_int_equal(n, 3);			/* -50: neither cached nor known to apt */
	assert_string_equal(v[2], "debian:6.1.0-49");
	kernel_list_free(v, n);
	snprintf(p, sizeof(p), "%s/calls", dir);
	f = fopen(p, "r");
	assert_non_null(f);
	n = 0;
	while (fgets(path, sizeof(path), f))
		n++;
	fclose(f);
	assert_int_equal(n, 1);			/* once for the whole list */

	setenv("PATH", old ? old : "/usr/bin:/bin", 1);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_forms),
		cmocka_unit_test(test_spec_bad),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_list_bad),
		cmocka_unit_test(test_fetch_codes),
		cmocka_unit_test(test_list_existing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
