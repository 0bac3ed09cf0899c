// SPDX-License-Identifier: GPL-2.0
/* bpflog: what a failed BPF load leaves for the file its message names: only the messages
 * since the caller's mark, in $TWLAB_LOG_DIR (or the next writable folder), a new file each
 * time, and the kept text bounded to its last BPFLOG_KEEP bytes. */
/* MODULES: bpflog */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "lab/bpflog.h"

static char dir[] = "/tmp/twlab-unit-bpflog-XXXXXX";

static char *slurp(const char *path, size_t *ret_n)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, n + 1);
	assert_int_equal(fread(buf, 1, n, f), (size_t)n);
	fclose(f);
	*ret_n = n;
	return buf;
}

static void since_mark_only(void **state)
{
	char p1[512], p2[512], *t;
	size_t m, n;

	bpflog_append("an earlier load that worked\n");
	m = bpflog_mark();
	assert_int_equal(bpflog_save(m, "recycle-gate", p1, sizeof(p1)), -ENODATA);
	bpflog_append("libbpf: map 'events': failed to create: Invalid argument(-22)\n");
	assert_int_equal(bpflog_save(m, "recycle-gate", p1, sizeof(p1)), 0);
	assert_int_equal(strncmp(p1, dir, strlen(dir)), 0);
	assert_non_null(strstr(p1, "/recycle-gate-"));
	t = slurp(p1, &n);
	assert_string_equal(t, "libbpf: map 'events': failed to create: Invalid argument(-22)\n");
	free(t);
	/* a second failure gets a file of its own */
	assert_int_equal(bpflog_save(m, "recycle-gate", p2, sizeof(p2)), 0);
	assert_string_not_equal(p1, p2);
	unlink(p1);
	unlink(p2);
}

static void bounded(void **state)
{
	static char chunk[4097];
	char p[512], *t;
	size_t m = bpflog_mark(), n;

	memset(chunk, 'x', sizeof(chunk) - 1);
	for (int i = 0; i < (int)(BPFLOG_KEEP / 4096) + 8; i++)
		bpflog_append(chunk);
	bpflog_append("END\n");
	assert_int_equal(bpflog_save(m, "big", p, sizeof(p)), 0);
	t = slurp(p, &n);
	assert_int_equal(n, BPFLOG_KEEP);
	assert_string_equal(t + n - 4, "END\n");
	free(t);
	unlink(p);
}

static void unwritable_dir_falls_back(void **state)
{
	char p[512];
	size_t m = bpflog_mark();

	setenv("TWLAB_LOG_DIR", "/proc/no-such-folder", 1);
	bpflog_append("x\n");
	/* /var/cache/twlab/logs when writable (root), else /tmp: never the unwritable one */
	assert_int_equal(bpflog_save(m, "fallback", p, sizeof(p)), 0);
	assert_null(strstr(p, "/proc/"));
	unlink(p);
	setenv("TWLAB_LOG_DIR", dir, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(since_mark_only),
		cmocka_unit_test(bounded),
		cmocka_unit_test(unwritable_dir_falls_back),
	};
	int rc;

	if (!mkdtemp(dir))
		return 1;
	setenv("TWLAB_LOG_DIR", dir, 1);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(dir);
	return rc;
}
