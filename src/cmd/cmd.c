// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <bpf/libbpf.h>
#include "cmd/cmd.h"
#include "lab/bpflog.h"
#include "lab/lab.h"
#include "lab/undo.h"
#include "run/outdir.h"

static int sigfd = -1;
static bool got_signal;
/* A write to our stdout or stderr found the reader gone (EPIPE): stop like on a signal. Set
 * from bring-up's worker threads too (their SIGPIPE is pending on them, not on us). */
static atomic_bool output_gone;

void cmd_note_output_error(void)
{
	if (errno == EPIPE)
		atomic_store(&output_gone, true);
}

bool cmd_output_gone(void)
{
	return atomic_load(&output_gone);
}

void cmd_err(const char *fmt, ...)
{
	va_list ap;

	fputs("twlab: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (fputc('\n', stderr) == EOF)
		cmd_note_output_error();
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

/* The folder path is to be written in, opened and checked (outdir.h); exit code. */
static int out_folder(const char *path, struct outdir *ret)
{
	char dirbuf[PATH_MAX], why[PATH_MAX + 256];
	int err;

	snprintf(dirbuf, sizeof(dirbuf), "%s", path);
	err = outdir_open(dirname(dirbuf), false, ret, why, sizeof(why));
	if (!err)
		return EXIT_DONE;
	cmd_err("%s %s: %s%s%s", err == -EPERM ? "refusing to write" : "cannot write", path, why,
		err == -EPERM ? "" : ": ", err == -EPERM ? "" : strerror(-err));
	return err == -EPERM ? EXIT_USAGE : EXIT_OTHER;
}

int cmd_check_out_path(const char *path)
{
	struct outdir d;
	int code = out_folder(path, &d);

	if (!code)
		outdir_close(&d);
	return code;
}

int cmd_write_file(const char *path, int (*fill)(FILE *f, void *arg), void *arg)
{
	char basebuf[PATH_MAX];
	struct outfile of;
	struct outdir d;
	int err = out_folder(path, &d);

	if (err)
		return err;
	snprintf(basebuf, sizeof(basebuf), "%s", path);
	err = outfile_open(&d, basename(basebuf), &of);
	if (!err) {
		err = fill(of.f, arg);
		if (err)
			outfile_discard(&of);
		else
			err = outfile_commit(&of);
	}
	if (err)
		cmd_err("cannot write %s: %s", path, strerror(-err));
	outdir_close(&d);
	return err ? EXIT_OTHER : EXIT_DONE;
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

/* Every signal whose default would end twlab without tearing down: blocked and read from the
 * signalfd instead, so each one stops the run like Ctrl-C. SIGPIPE too: a write to a closed
 * pipe then fails with EPIPE and leaves SIGPIPE pending, which stops the run. Faults (SEGV,
 * BUS, FPE, ILL) sent with kill(1) stop it as well; a real fault still kills (the kernel
 * unblocks it), and `twlab clean` removes what is left. SIGTRAP stays for debuggers. */
static void stop_signals(sigset_t *set)
{
	static const int sigs[] = { SIGHUP,  SIGINT,  SIGQUIT,	 SIGILL,  SIGABRT, SIGBUS,
				    SIGFPE,  SIGUSR1, SIGSEGV,	 SIGUSR2, SIGPIPE, SIGALRM,
				    SIGTERM, SIGSTKFLT, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF,
				    SIGIO,   SIGPWR,  SIGSYS };

	sigemptyset(set);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(set, sigs[i]);
	for (int s = SIGRTMIN; s <= SIGRTMAX; s++)
		sigaddset(set, s);
}

void cmd_block_signals(sigset_t *ret_old)
{
	sigset_t set;

	stop_signals(&set);
	sigprocmask(SIG_BLOCK, &set, ret_old);
}

void cmd_restore_signals(const sigset_t *old)
{
	sigprocmask(SIG_SETMASK, old, NULL);
}

int cmd_signals(int *ret_sigfd)
{
	sigset_t set;

	stop_signals(&set);
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
	sigset_t set, stop;
	bool pending = false;

	if (atomic_load(&output_gone))
		got_signal = true;
	if (got_signal || sigfd < 0)
		return got_signal;
	/* Peek without eating SIGCHLD, which the run loop needs. */
	stop_signals(&stop);
	if (sigpending(&set) == 0)
		for (int s = 1; s <= SIGRTMAX && !pending; s++)
			pending = sigismember(&stop, s) == 1 && sigismember(&set, s) == 1;
	if (!pending)
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
	if (fprintf(stderr, "[#] %s\n", line) < 0)
		cmd_note_output_error();
}

void cmd_libbpf_log(bool verbose)
{
	/* Library code never prints: libbpf's own messages only show with -v (bpflog keeps
	 * them for the file a failed load names); the error that matters reaches the user
	 * once, from the subcommand. */
	bpflog_install(verbose);
}

/* One line on stderr; bytes a terminal would act on are shown as \xNN. */
static void show_command(const char *node, const char *user, const char *text)
{
	fprintf(stderr, "twlab: starting in %s%s%s: ", node, user ? " as " : "", user ? user : "");
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			fprintf(stderr, "\\x%02x", *p);
		else
			fputc(*p, stderr);
	if (fputc('\n', stderr) == EOF)
		cmd_note_output_error();
}

void cmd_show_commands(const struct lab *lab, bool server_only)
{
	if (lab->server.command)
		show_command("server", lab->server.user[0] ? lab->server.user : NULL,
			     lab->server.command_text);
	for (size_t i = 0; !server_only && i < lab->n_clients; i++)
		if (lab->clients[i].command)
			show_command(lab->clients[i].name,
				     lab->clients[i].user[0] ? lab->clients[i].user : NULL,
				     lab->clients[i].command_text);
}

int cmd_lab_up(struct lab_rt *rt, bool verbose)
{
	struct lab *lab = rt->lab;
	int err;

	rt->trace = verbose ? cmd_trace : NULL;
	rt->interrupted = cmd_interrupted;
	cmd_libbpf_log(verbose);
	err = lab_up(rt);
	if (!err && rt->cg_err && lab_has_command(lab))
		cmd_err("warning: no cgroup for lab %s (cgroup v2: %s): a command's processes that leave its namespace or session may outlive the lab",
			lab->name, strerror(-rt->cg_err));
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
