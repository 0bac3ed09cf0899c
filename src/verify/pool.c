// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>
#include "verify/pool.h"

int verify_pool_run(const struct verify_pool *p, size_t *ret_started)
{
	pid_t *pid = calloc(p->n ? p->n : 1, sizeof(*pid));
	size_t next = 0, running = 0;
	int err = 0;

	if (!pid)
		return -ENOMEM;
	while (next < p->n || running) {
		int status;
		pid_t w;

		while (!err && running < (size_t)(p->jobs > 0 ? p->jobs : 1) && next < p->n &&
		       !(p->stop && p->stop(p->ctx))) {
			fflush(NULL);	/* a child must not write the parent's buffers again */
			pid[next] = fork();
			if (pid[next] == 0)
				_exit(p->child(next, p->ctx));
			if (pid[next] < 0) {
				err = -errno;
				break;
			}
			next++;
			running++;
		}
		if (!running)
			break;
		w = waitpid(-1, &status, 0);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			/* ECHILD: someone else reaped ours; nothing left to wait for */
			if (!err)
				err = -errno;
			break;
		}
		for (size_t i = 0; i < next; i++)
			if (pid[i] == w) {
				pid[i] = 0;
				running--;
				if (p->done)
					p->done(i, status, p->ctx);
				break;
			}
	}
	free(pid);
	if (ret_started)
		*ret_started = next;
	return err;
}
