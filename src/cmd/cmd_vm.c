// SPDX-License-Identifier: GPL-2.0
/*
 * --kernel: what `verify` and `run` share. scripts/run-in-vm.sh boots the kernel with this host's
 * root shared read-only and runs this same binary inside; a temporary folder is shared
 * writable and holds what the guest leaves (its output files, guest.log, rc, console.log).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "cmd/cmd.h"

void cmd_exe_dir(char *buf, size_t len)
{
	char p[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", p, sizeof(p) - 1);

	if (n <= 0) {
		snprintf(buf, len, ".");
		return;
	}
	p[n] = 0;
	snprintf(buf, len, "%s", dirname(p));
}

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && (path[n] == '/' || !path[n]);
}

static bool in_guest_tmpfs(const char *path)
{
	return under(path, "/tmp") || under(path, "/run");
}

/* The guest sees this host's root read-only, but /tmp and /run are its own (tmpfs); a working
 * directory under them is shared on its own (scripts/run-in-vm.sh). Is dir, where this binary
 * is, visible there? */
static bool guest_sees(const char *dir)
{
	char cwd[PATH_MAX];

	if (!in_guest_tmpfs(dir))
		return true;
	return getcwd(cwd, sizeof(cwd)) && in_guest_tmpfs(cwd) && under(dir, cwd);
}

int cmd_vm_check_self(void)
{
	char dir[PATH_MAX];

	cmd_exe_dir(dir, sizeof(dir));
	if (guest_sees(dir))
		return EXIT_DONE;
	cmd_err("this twlab is in %s, which a guest cannot see: it shares this host's root (with "
		"/tmp and /run of its own) and the working directory; run it from there (cd %s) "
		"or from a copy outside /tmp and /run", dir, dir);
	return EXIT_ENV;
}

int cmd_vm_begin(const char *kernel, char tmp[CMD_VM_TMP])
{
	char dir[PATH_MAX], script[PATH_MAX + 32];

	cmd_exe_dir(dir, sizeof(dir));
	snprintf(script, sizeof(script), "%s/scripts/run-in-vm.sh", dir);
	if (access(script, X_OK)) {
		cmd_err("cannot run %s: %s", script, strerror(errno));
		return EXIT_ENV;
	}
	if (access(kernel, R_OK)) {
		cmd_err("cannot read kernel image %s: %s", kernel, strerror(errno));
		return EXIT_USAGE;
	}
	snprintf(tmp, CMD_VM_TMP, "/tmp/twlab-vm.XXXXXX");
	if (!mkdtemp(tmp)) {
		cmd_err("cannot create a temporary folder: %s", strerror(errno));
		return EXIT_OTHER;
	}
	return EXIT_DONE;
}

static int vm_cpus;

void cmd_vm_set_cpus(int n)
{
	vm_cpus = n;
}

int cmd_vm_exec(const char *kernel, const char *modules, int timeout_s, const char *tmp,
		char *const *guest, int n_guest, int *ret_status)
{
	char dir[PATH_MAX], script[PATH_MAX + 32], self[PATH_MAX + 16], tos[16], cpus[16];
	char *argv[64];
	int n = 0, status;
	pid_t pid;

	cmd_exe_dir(dir, sizeof(dir));
	snprintf(script, sizeof(script), "%s/scripts/run-in-vm.sh", dir);
	snprintf(self, sizeof(self), "%s/twlab", dir);
	snprintf(tos, sizeof(tos), "%d", timeout_s);
	argv[n++] = script;
	argv[n++] = "--timeout";
	argv[n++] = tos;
	if (vm_cpus > 0) {
		snprintf(cpus, sizeof(cpus), "%d", vm_cpus);
		argv[n++] = "--cpus";
		argv[n++] = cpus;
	}
	if (modules) {
		argv[n++] = "--modules";
		argv[n++] = (char *)modules;
	}
	argv[n++] = (char *)kernel;
	argv[n++] = (char *)tmp;
	argv[n++] = "--";
	argv[n++] = self;
	for (int i = 0; i < n_guest && n < 62; i++)
		argv[n++] = guest[i];
	argv[n] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		cmd_err("cannot fork: %s", strerror(errno));
		return EXIT_OTHER;
	}
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		dup2(STDERR_FILENO, STDOUT_FILENO);	/* stdout stays the command's */
		execv(script, argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	*ret_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	return EXIT_DONE;
}

void cmd_vm_end(const char *tmp, bool keep)
{
	static const char logs[] = "console.log\0guest.log\0rc\0";
	char p[PATH_MAX + 32];

	if (keep) {
		fprintf(stderr, "twlab: VM logs kept in %s\n", tmp);
		return;
	}
	for (const char *f = logs; *f; f += strlen(f) + 1) {
		snprintf(p, sizeof(p), "%s/%s", tmp, f);
		unlink(p);
	}
	/* logs/: what the guest saved for a message it gave (a BPF load's log, bpflog.h) */
	snprintf(p, sizeof(p), "%s/logs", tmp);
	if (!access(p, F_OK) && rmdir(p)) {
		fprintf(stderr, "twlab: the guest's logs are kept in %s\n", p);
		return;
	}
	if (rmdir(tmp))
		fprintf(stderr, "twlab: %s left behind: %s\n", tmp, strerror(errno));
}

/* All of the open file in, appended to f. 0 or -errno. */
static int send_all(FILE *f, int in)
{
	struct stat st;

	if (fflush(f) || fstat(in, &st))
		return -errno;
	for (off_t off = 0; off < st.st_size;)
		if (sendfile(fileno(f), in, &off, st.st_size - off) <= 0)
			return errno ? -errno : -EIO;
	return 0;
}

int cmd_vm_copy_from(FILE *f, void *path)
{
	int in = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), err;

	if (in < 0)
		return -errno;
	err = send_all(f, in);
	close(in);
	return err;
}

int cmd_vm_copy_in(const char *from, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC), out, err;
	FILE *f;

	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	f = out < 0 ? NULL : fdopen(out, "w");
	if (!f) {
		err = -errno;
		if (out >= 0)
			close(out);
		close(in);
		return err;
	}
	err = send_all(f, in);
	close(in);
	if (fclose(f) && !err)
		err = -errno;
	return err;
}
