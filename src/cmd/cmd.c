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
	if (rt->err_lab_exists || rt->err_ns[0]) {
		cmd_lab_taken(lab->name, rt->err_ns);
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
