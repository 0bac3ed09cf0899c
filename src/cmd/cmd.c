// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <bpf/libbpf.h>
#include "cmd/cmd.h"
#include "lab/lab.h"
#include "lab/undo.h"

static int sigfd = -1;
static bool got_signal;

void cmd_err(const char *fmt, ...)
{
	va_list ap;

	fputs("twlab: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cmd_load(const char *path, const char *name, struct lab **ret_lab)
{
	struct topo_err e;
	int err = topo_load(path, name, ret_lab, &e);

	if (!err)
		return 0;
	if (e.line && e.key[0])
		cmd_err("%s:%d: key '%s': %s", e.file, e.line, e.key, e.msg);
	else if (e.line)
		cmd_err("%s:%d: %s", e.file, e.line, e.msg);
	else
		cmd_err("%s: %s", e.file[0] ? e.file : path, e.msg);
	return EXIT_USAGE;
}

int cmd_need_root(void)
{
	if (geteuid() != 0) {
		cmd_err("must run as root (namespaces, veths, nftables and BPF need CAP_SYS_ADMIN and CAP_NET_ADMIN); try sudo");
		return EXIT_ENV;
	}
	if (access("/proc/self/ns/net", F_OK)) {
		cmd_err("this kernel has no network namespaces (/proc/self/ns/net: %s)",
			strerror(errno));
		return EXIT_ENV;
	}
	return 0;
}

int cmd_signals(int *ret_sigfd)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sigfd < 0)
		return -errno;
	*ret_sigfd = sigfd;
	return 0;
}

bool cmd_interrupted(void)
{
	struct signalfd_siginfo si;
	sigset_t set;

	if (got_signal || sigfd < 0)
		return got_signal;
	/* Peek without eating SIGCHLD, which the run loop needs. */
	if (sigpending(&set) == 0 && !sigismember(&set, SIGINT) && !sigismember(&set, SIGTERM) &&
	    !sigismember(&set, SIGHUP))
		return false;
	while (read(sigfd, &si, sizeof(si)) == sizeof(si))
		if (si.ssi_signo != SIGCHLD)
			got_signal = true;
	return got_signal;
}

int cmd_exit_for(int err)
{
	switch (-err) {
	case EPERM:
	case EACCES:
	case ENOSYS:
	case EOPNOTSUPP:
	case EAFNOSUPPORT:
	case EPROTONOSUPPORT:
	case EEXIST:
		return EXIT_ENV;
	default:
		return EXIT_OTHER;
	}
}

void cmd_trace(const char *line)
{
	fprintf(stderr, "[#] %s\n", line);
}

static bool libbpf_verbose;

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!libbpf_verbose || level == LIBBPF_DEBUG)
		return 0;
	fputs("[libbpf] ", stderr);
	return vfprintf(stderr, fmt, ap);
}

void cmd_libbpf_log(bool verbose)
{
	/* Library code never prints: libbpf's own messages only show with -v; the error that
	 * matters reaches the user once, from the subcommand. */
	libbpf_verbose = verbose;
	libbpf_set_print(libbpf_log);
}

int cmd_remove_lab(const char *lab, bool dry_run, bool force)
{
	struct undo u;
	size_t n_ns = 0, n_proc = 0;
	int err = undo_load(lab, true, &u);

	if (err == -EBUSY) {
		cmd_err("lab %s is in use by another twlab (running, being built or being removed)",
			lab);
		return EXIT_OTHER;
	}
	if (err) {
		cmd_err("no lab named %s (%s/%s.json: %s)", lab, undo_state_dir(), lab,
			strerror(-err));
		return EXIT_USAGE;
	}
	if (!force && undo_owner_alive(&u)) {
		cmd_err("lab %s belongs to a twlab that is still running (pid %d); stop it first (Ctrl-C or kill %d)",
			lab, u.owner, u.owner);
		undo_close(&u);
		return EXIT_OTHER;
	}
	for (size_t i = 0; i < u.n; i++) {
		if (u.v[i].kind == UNDO_NETNS)
			n_ns++;
		if (u.v[i].kind == UNDO_PROC)
			n_proc++;
		if (dry_run && (u.v[i].kind == UNDO_NETNS || u.v[i].kind == UNDO_PROC))
			printf("would remove %s %s%s%s\n", undo_kind_str(u.v[i].kind), u.v[i].name,
			       u.v[i].ns[0] ? " in " : "", u.v[i].ns);
	}
	if (dry_run) {
		undo_close(&u);
		return EXIT_DONE;
	}
	err = undo_run(&u, 5000);
	undo_close(&u);
	if (err) {
		cmd_err("lab %s: could not remove everything: %s", lab, strerror(-err));
		return EXIT_OTHER;
	}
	printf("removed lab %s: %zu namespaces, %zu processes\n", lab, n_ns, n_proc);
	return EXIT_DONE;
}

int cmd_lab_up(struct lab_rt *rt, bool verbose)
{
	struct lab *lab = rt->lab;
	int err;

	rt->trace = verbose ? cmd_trace : NULL;
	rt->interrupted = cmd_interrupted;
	cmd_libbpf_log(verbose);
	err = lab_up(rt);
	if (!err)
		return EXIT_DONE;
	if (err == -EINTR) {
		cmd_err("interrupted during bring-up; everything made so far was removed");
		return EXIT_OTHER;
	}
	if (rt->err_lab_exists) {
		cmd_err("a lab named %s already exists; remove it with: twlab down %s", lab->name,
			lab->name);
		return EXIT_ENV;
	}
	if (rt->err_line) {
		/* the kernel refused a value the file asked for: the topology's fault */
		cmd_err("%s:%d: key '%s': %s: %s", lab->file, rt->err_line, rt->err_key, rt->err,
			strerror(-err));
		return EXIT_USAGE;
	}
	cmd_err("%s: %s", rt->err, strerror(-err));
	return cmd_exit_for(err);
}
