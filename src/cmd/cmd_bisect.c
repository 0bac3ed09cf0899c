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
	"usage: twlab bisect TEST --kernels LIST [--timeout S] [--vm-jobs N]\n"
	"  Boot the first and last kernel of LIST, then about log2(n) between them, running only\n"
	"  the verify test TEST in each (twlab verify --only TEST --kernel K), and name the first\n"
	"  kernel whose behaviour for TEST differs from the first one's. LIST is comma-separated\n"
	"  --kernel specs in order, and an item may be a range of Debian builds:\n"
	"  debian:6.1.0-47..57, debian:6.12.100..117 (builds that do not exist are left out).\n"
	"  Assumes the behaviour changes once along the list. --vm-jobs N (default 2) boots N\n"
	"  kernels at once: the two ends, then N that cut the interval into N+1 parts.\n"
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

struct batch {
	char **v;
	const size_t *idx;
	struct step *st;
	struct verify_suite *s;
	int *codes;
	const char *test;
	int *boots;
	double t0;
};

static void step_done(size_t j, void *ctx)
{
	struct batch *b = ctx;
	struct step *st = &b->st[b->idx[j]];
	struct verify_suite *s = &b->s[j];

	if (b->codes[j])
		return;
	(*b->boots)++;
	for (size_t k = 0; k < s->n; k++)
		if (!strcmp(s->t[k].name, b->test))
			snprintf(st->behaviour, sizeof(st->behaviour), "%s", s->t[k].behaviour);
	snprintf(st->kernel, sizeof(st->kernel), "%s", s->kernel);
	if (!st->behaviour[0]) {
		cmd_err("%s on %s: no behaviour measured", b->test, b->v[b->idx[j]]);
		b->codes[j] = EXIT_OTHER;
		return;
	}
	st->done = true;
	printf("  boot %d: [%zu] %-36s %-26s %s (at %.0f s)\n", *b->boots, b->idx[j],
	       b->v[b->idx[j]], st->kernel, st->behaviour, mono_s() - b->t0);
	fflush(stdout);
}

/* Boot the kernels idx[0..k) (up to vm_jobs at once) and note each one's behaviour. */
static int behaviours(char **v, struct step *st, const size_t *idx, size_t k, const char *test,
		      int timeout_s, int vm_jobs, int *boots, double t0)
{
	char *guest[] = { "--only", (char *)test }, *specs[16] = { 0 };
	struct verify_suite s[16] = { 0 };
	int codes[16], code = 0;
	struct batch b = { v, idx, st, s, codes, test, boots, t0 };

	for (size_t j = 0; j < k; j++)
		specs[j] = v[idx[j]];
	cmd_verify_kernels(specs, k, vm_jobs, timeout_s, guest, 2, s, codes, step_done, &b);
	for (size_t j = 0; j < k; j++) {
		if (codes[j] && !code)
			code = codes[j];
		verify_suite_free(&s[j]);
	}
	return code;
}

int cmd_bisect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kernels", required_argument, NULL, 'k' }, { "timeout", required_argument, NULL, 't' },
		{ "vm-jobs", required_argument, NULL, 'J' }, { "help", no_argument, NULL, 'h' },
		{}
	};
	const char *list = NULL, *test;
	int c, code, timeout_s = 600, boots = 0, vm_jobs = 2;
	char why[300], **v;
	struct step *st;
	size_t n, lo, hi;
	double t0 = mono_s();

	while ((c = getopt_long(argc, argv, "k:t:J:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k': list = optarg; break;
		case 't':
			timeout_s = atoi(optarg);
			if (timeout_s <= 0) {
				cmd_err("--timeout: a number of seconds, not %s", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'J':
			vm_jobs = atoi(optarg);
			if (vm_jobs < 1 || vm_jobs > 16) {
				cmd_err("--vm-jobs: a number from 1 to 16, not %s", optarg);
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
	code = behaviours(v, st, (size_t[]){ lo, hi }, 2, test, timeout_s, vm_jobs, &boots, t0);
	if (code)
		goto out;
	if (!strcmp(st[lo].behaviour, st[hi].behaviour)) {
		printf("no change: %s and %s both show '%s' (%d boots, %.0f s)\n", v[lo], v[hi],
		       st[lo].behaviour, boots, mono_s() - t0);
		code = EXIT_EXPECT;
		goto out;
	}
	/* invariant: lo shows the first kernel's behaviour, hi does not; each round boots up to
	 * vm_jobs kernels that cut (lo, hi) into equal parts */
	while (hi - lo > 1) {
		size_t idx[16], k = hi - lo - 1 < (size_t)vm_jobs ? hi - lo - 1 : (size_t)vm_jobs;
		size_t nlo = lo, nhi = hi;

		for (size_t j = 0; j < k; j++)
			idx[j] = lo + (hi - lo) * (j + 1) / (k + 1);
		code = behaviours(v, st, idx, k, test, timeout_s, vm_jobs, &boots, t0);
		if (code)
			goto out;
		for (size_t j = 0; j < k; j++) {
			if (strcmp(st[idx[j]].behaviour, st[lo].behaviour)) {
				nhi = idx[j];
				break;
			}
			nlo = idx[j];
		}
		lo = nlo;
		hi = nhi;
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
