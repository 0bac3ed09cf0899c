/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kexpect: `twlab verify --expect FILE`, the behaviour each test must show on each kernel,
 * checked instead of the built-in version table. INI (libinih):
 *
 *   [kernel 6.1.0-47-amd64]           ; a glob on uname -r or on the version ("6.1.17*")
 *   m8_ts_offsets = per host pair     ; the behaviour string, or its part after "label: "
 *   nat_reuse_ts_regression = absent
 *
 * Every section whose glob matches the kernel applies; a later line for the same test wins.
 */
#ifndef TWLAB_VERIFY_KEXPECT_H
#define TWLAB_VERIFY_KEXPECT_H

#include <stddef.h>
#include "verify/verify.h"

struct kexpect_item {
	char glob[128];
	char test[48];
	char want[200];
};

struct kexpect {
	char file[256];
	struct kexpect_item *v;
	size_t n;
};

/* 0, -ENOENT/-EACCES (cannot open), -EINVAL with why = "FILE:LINE: what is wrong". */
int kexpect_load(const char *path, struct kexpect *ret, char *why, size_t len);
int kexpect_parse(const char *text, const char *name, struct kexpect *ret, char *why, size_t len);
void kexpect_free(struct kexpect *e);
/* Does kernel (verify_suite.kernel: "6.1.0-47-amd64 (6.1.170)") match glob? */
bool kexpect_kernel_match(const char *glob, const char *kernel);
/* Check s: a test whose behaviour is not the expected one fails with both strings; one that
 * failed only by the version table (by_table) and shows the expected behaviour passes; an
 * expected test that did not run (and --only did not leave out) is added as failed.
 * Returns the number of mismatches. */
size_t kexpect_apply(const struct kexpect *e, struct verify_suite *s, const char *only);

#endif
