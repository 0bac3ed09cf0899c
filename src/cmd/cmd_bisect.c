// SPDX-License-Identifier: GPL-2.0
/* twlab bisect TEST --kernels LIST: the first kernel whose behaviour for TEST differs from
 * the first kernel's, by binary search over the ordered list (each step one VM boot). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cmd/cmd.h"
#include "verify/verify.h"
#include "verify/kernel.h"

static const char usage[] =
	"usage: twlab bisect TEST --kernels LIST [--timeout S]\n"
	"  Boot the first and last kernel of LIST, then about log2(n) between them, running only\n"
	"  the verify test TEST in each (twlab verify --only TEST --kernel K), and name the first\n"
	"  kernel whose behaviour for TEST differs from the first one's. LIST is comma-separated\n"
	"  --kernel specs in order, and an item may be a range of Debian builds:\n"
	"  debian:6.1.0-47..57, debian:6.12.100..117 (builds that do not exist are left out).\n"
	"  Assumes the behaviour changes once along the list.\n"
	"  Exit 0 when found, 1 when the ends behave the same, 2 usage, 3 environment, 4 a kernel\n"
	"  could not be tested.\n";

struct step {
	bool done;
	char kernel[128];
	char behaviour[200];
};

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int behaviour_of(char **v, struct step *st, size_t i, const char *test, int timeout_s,
			int *boots)
{
	char *guest[] = { "--only", (char *)test };
	struct verify_suite s;
	double t0 = mono_s();
	int code;

	if (st[i].done)
		return 0;
	code = cmd_verify_kernel(v[i], NULL, timeout_s, guest, 2, &s);
	if (code)
		return code;
	(*boots)++;
	for (size_t k = 0; k < s.n; k++)
		if (!strcmp(s.t[k].name, test))
			snprintf(st[i].behaviour, sizeof(st[i].behaviour), "%s", s.t[k].behaviour);
	snprintf(st[i].kernel, sizeof(st[i].kernel), "%s", s.kernel);
	verify_suite_free(&s);
	if (!st[i].behaviour[0]) {
		cmd_err("%s on %s: no behaviour measured", test, v[i]);
		return EXIT_OTHER;
	}
	st[i].done = true;
	printf("  boot %d: [%zu] %-36s %-26s %s (%.0f s)\n", *boots, i, v[i], st[i].kernel,
	       st[i].behaviour, mono_s() - t0);
	fflush(stdout);
	return 0;
}

int cmd_bisect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kernels", required_argument, NULL, 'k' }, { "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },          {}
	};
	const char *list = NULL, *test;
	int c, code, timeout_s = 600, boots = 0;
	char why[300], **v;
	struct step *st;
	size_t n, lo, hi;
	double t0 = mono_s();

	while ((c = getopt_long(argc, argv, "k:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k': list = optarg; break;
		case 't':
			timeout_s = atoi(optarg);
			if (timeout_s <= 0) {
				cmd_err("--timeout: a number of seconds, not %s", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h': fputs(usage, stdout); return EXIT_DONE;
		default: fputs(usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc || !list) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	test = argv[optind];
	if (kernel_list_parse(list, &v, &n, why, sizeof(why))) {
		cmd_err("--kernels: %s", why);
		return EXIT_USAGE;
	}
	kernel_list_existing(v, &n, KERNEL_CACHE);
	if (n < 2) {
		cmd_err("--kernels %s: %zu kernel(s) that exist, need at least 2", list, n);
		kernel_list_free(v, n);
		return EXIT_USAGE;
	}
	code = cmd_need_root();
	if (code) {
		kernel_list_free(v, n);
		return code;
	}
	st = calloc(n, sizeof(*st));
	if (!st) {
		kernel_list_free(v, n);
		return EXIT_OTHER;
	}
	printf("bisect %s over %zu kernels: %s .. %s\n", test, n, v[0], v[n - 1]);
	lo = 0;
	hi = n - 1;
	code = behaviour_of(v, st, lo, test, timeout_s, &boots);
	if (!code)
		code = behaviour_of(v, st, hi, test, timeout_s, &boots);
	if (code)
		goto out;
	if (!strcmp(st[lo].behaviour, st[hi].behaviour)) {
		printf("no change: %s and %s both show '%s' (%d boots, %.0f s)\n", v[lo], v[hi],
		       st[lo].behaviour, boots, mono_s() - t0);
		code = EXIT_EXPECT;
		goto out;
	}
	/* invariant: lo shows the first kernel's behaviour, hi does not */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		code = behaviour_of(v, st, mid, test, timeout_s, &boots);
		if (code)
			goto out;
		if (!strcmp(st[mid].behaviour, st[lo].behaviour))
			lo = mid;
		else
			hi = mid;
	}
	printf("first changed: %s (%s): '%s'; the one before, %s (%s): '%s' (%d boots, %.0f s)\n",
	       v[hi], st[hi].kernel, st[hi].behaviour, v[lo], st[lo].kernel, st[lo].behaviour, boots,
	       mono_s() - t0);
	code = EXIT_DONE;
out:
	free(st);
	kernel_list_free(v, n);
	return code;
}
