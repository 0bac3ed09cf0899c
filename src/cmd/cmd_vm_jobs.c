// SPDX-License-Identifier: GPL-2.0
/*
 * --vm-jobs: several kernels' suites at once (the matrix, bisect). Each VM is run by a child
 * process of its own (cmd_verify_kernel redirects stdout while its VM runs, and each child
 * waits for its own script), with the cores shared out between them; each leaves its suite as
 * JSON in a private folder, read back here as the child ends.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "cmd/cmd.h"
#include "verify/pool.h"
#include "verify/verify.h"

static void load(const char *path, struct verify_suite *ret, int *code)
{
	json_error_t je;
	json_t *j = json_load_file(path, 0, &je);
	char why[256];

	if (!j || verify_from_json(j, ret, why, sizeof(why))) {
		if (!*code)
			*code = EXIT_OTHER;
	}
	json_decref(j);
	unlink(path);
}

struct vmj {
	char *const *specs;
	int timeout_s, n_guest, cpus;
	char **guest;
	const char *dir;
	struct verify_suite *ret;
	int *codes;
	void (*done)(size_t i, void *ctx);
	void *ctx;
};

/* In the child: one kernel's suite, left as JSON in the private folder. */
static int vm_child(size_t i, void *ctx)
{
	const struct vmj *c = ctx;
	struct verify_suite s;
	char path[64];
	int code;
	json_t *j;

	cmd_vm_set_cpus(c->cpus);
	code = cmd_verify_kernel(c->specs[i], NULL, c->timeout_s, c->guest, c->n_guest, &s);
	if (!code) {
		snprintf(path, sizeof(path), "%s/%zu.json", c->dir, i);
		j = verify_json(&s);
		code = j && !json_dump_file(j, path, 0) ? 0 : EXIT_OTHER;
	}
	return code;
}

static void vm_done(size_t i, int status, void *ctx)
{
	const struct vmj *c = ctx;
	char path[64];

	c->codes[i] = WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_OTHER;
	if (!c->codes[i]) {
		snprintf(path, sizeof(path), "%s/%zu.json", c->dir, i);
		load(path, &c->ret[i], &c->codes[i]);
	}
	if (c->done)
		c->done(i, c->ctx);
}

static bool vm_stop(void *ctx)
{
	(void)ctx;
	return cmd_interrupted();
}

void cmd_verify_kernels(char *const *specs, size_t n, int vm_jobs, int timeout_s, char **guest,
			int n_guest, struct verify_suite *ret, int *codes,
			void (*done)(size_t i, void *ctx), void *ctx)
{
	char dir[] = "/tmp/twlab-vmjobs.XXXXXX";
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	struct vmj c = { specs, timeout_s, n_guest, 1, guest, dir, ret, codes, done, ctx };
	struct verify_pool pool = { n, vm_jobs, vm_child, vm_done, vm_stop, &c };
	int err;

	if (vm_jobs > (int)n)
		vm_jobs = n;
	if (vm_jobs <= 1 || !mkdtemp(dir)) {
		for (size_t i = 0; i < n && !cmd_interrupted(); i++) {
			codes[i] = cmd_verify_kernel(specs[i], NULL, timeout_s, guest, n_guest, &ret[i]);
			if (done)
				done(i, ctx);
		}
		return;
	}
	pool.jobs = vm_jobs;
	c.cpus = cores / vm_jobs > 1 ? cores / vm_jobs : 1;
	for (size_t i = 0; i < n; i++)
		codes[i] = EXIT_OTHER;
	err = verify_pool_run(&pool, NULL);
	if (err)
		cmd_err("cannot fork: %s", strerror(-err));
	rmdir(dir);
}
