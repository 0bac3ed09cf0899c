/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pool: n jobs, each in a child process of its own, up to `jobs` at once. What the suite's
 * parts (verify_run.c) and several kernels' VMs (cmd_vm_jobs.c) share: fork, reap in the order
 * the children end, start the next while one ends. A child leaves its result where the caller
 * said (a file in a private folder, say) and its exit status tells done() whether it did.
 */
#ifndef TWLAB_VERIFY_POOL_H
#define TWLAB_VERIFY_POOL_H

#include <stdbool.h>
#include <stddef.h>

struct verify_pool {
	size_t n;	/* jobs 0..n-1, started in that order */
	int jobs;	/* at most this many at once (at least 1) */
	/* in the child: job i's work; its return value is the child's exit status */
	int (*child)(size_t i, void *ctx);
	/* in the parent, as job i's child is reaped: its wait status */
	void (*done)(size_t i, int status, void *ctx);
	/* asked before each start and after each reap: true starts nothing more (may be NULL) */
	bool (*stop)(void *ctx);
	void *ctx;
};

/* Run the pool until every started child is reaped. 0, or -errno of the first fork or wait
 * that failed (nothing more is started then; the children running are still waited for).
 * ret_started (may be NULL): how many jobs were started, jobs 0..started-1. */
int verify_pool_run(const struct verify_pool *p, size_t *ret_started);

#endif
