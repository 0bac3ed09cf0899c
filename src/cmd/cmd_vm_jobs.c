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

void cmd_verify_kernels(char *const *specs, size_t n, int vm_jobs, int timeout_s, char **guest,
			int n_guest, struct verify_suite *ret, int *codes,
			void (*done)(size_t i, void *ctx), void *ctx)
{
	char dir[] = "/tmp/twlab-vmjobs.XXXXXX", path[64];
	size_t next = 0, running = 0;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	pid_t *pid;

	if (vm_jobs > (int)n)
		vm_jobs = n;
	pid = calloc(n, sizeof(*pid));
	if (vm_jobs <= 1 || !pid || !mkdtemp(dir)) {
		free(pid);
		for (size_t i = 0; i < n && !cmd_interrupted(); i++) {
			codes[i] = cmd_verify_kernel(specs[i], NULL, timeout_s, guest, n_guest, &ret[i]);
			if (done)
				done(i, ctx);
		}
		return;
	}
	for (size_t i = 0; i < n; i++)
		codes[i] = EXIT_OTHER;
	while (next < n || running) {
		int status;
		pid_t w;

		while (running < (size_t)vm_jobs && next < n && !cmd_interrupted()) {
			fflush(NULL);
			pid[next] = fork();
			if (pid[next] == 0) {
				struct verify_suite s;
				int code;
				json_t *j;

				cmd_vm_set_cpus(cores / vm_jobs > 1 ? cores / vm_jobs : 1);
				code = cmd_verify_kernel(specs[next], NULL, timeout_s, guest, n_guest, &s);
				if (!code) {
					snprintf(path, sizeof(path), "%s/%zu.json", dir, next);
					j = verify_json(&s);
					code = j && !json_dump_file(j, path, 0) ? 0 : EXIT_OTHER;
				}
				_exit(code);
			}
			if (pid[next] < 0) {
				cmd_err("cannot fork: %s", strerror(errno));
				next = n;
				break;
			}
			next++;
			running++;
		}
		if (!running)
			break;
		w = waitpid(-1, &status, 0);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (size_t i = 0; i < next; i++) {
			if (pid[i] != w)
				continue;
			running--;
			codes[i] = WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_OTHER;
			if (!codes[i]) {
				snprintf(path, sizeof(path), "%s/%zu.json", dir, i);
				load(path, &ret[i], &codes[i]);
			}
			if (done)
				done(i, ctx);
		}
		if (cmd_interrupted())
			next = n;
	}
	rmdir(dir);
	free(pid);
}
