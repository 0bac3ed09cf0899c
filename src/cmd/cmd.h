/* SPDX-License-Identifier: GPL-2.0 */
/* cmd: what the subcommands share. Only subcommands print errors and choose exit codes. */
#ifndef TWLAB_CMD_H
#define TWLAB_CMD_H

#include <stdbool.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include "topo/topo.h"

enum {
	EXIT_DONE = 0,      /* done, every expectation held */
	EXIT_EXPECT = 1,    /* an expectation failed */
	EXIT_USAGE = 2,     /* bad usage or topology */
	EXIT_ENV = 3,       /* not root, kernel feature or dependency missing */
	EXIT_OTHER = 4,     /* anything else */
};

int cmd_run(int argc, char **argv);
int cmd_up(int argc, char **argv);
int cmd_down(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_clean(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_bisect(int argc, char **argv);
/* One kernel's verify suite in QEMU (--kernel SPEC, guest args as for verify): 0 or an exit code
 * (the message printed). */
struct verify_suite;
/* --kernel SPEC of verify and run (verify/kernel.h): the image and modules folder ("" = next
 * to it), a Debian package fetched into the cache first. 0 or an exit code (message printed). */
int cmd_kernel_resolve(const char *spec, char *vmlinuz, size_t vlen, char *modules, size_t mlen);
int cmd_verify_kernel(const char *spec, const char *modules, int timeout_s, char **guest,
		      int n_guest, struct verify_suite *ret);
/* The suites of n kernels (cmd_vm_jobs.c), up to vm_jobs VMs at once, each in a child process
 * with its share of the cores; codes[i] is 0 with ret[i] filled, or the exit code (message
 * printed). done(i, ctx) as each one ends (NULL: none). vm_jobs <= 1: one after another. */
void cmd_verify_kernels(char *const *specs, size_t n, int vm_jobs, int timeout_s, char **guest,
			int n_guest, struct verify_suite *ret, int *codes,
			void (*done)(size_t i, void *ctx), void *ctx);
int cmd_audit(int argc, char **argv);
int cmd_watch(int argc, char **argv);
/* The live view (cmd_watch.c). --port's value: 0 or EXIT_USAGE (message printed). */
int cmd_live_port(const char *arg, uint16_t *ret);
struct run;
struct live_run;
/* twlab run --live: serve the view of r on 127.0.0.1:port (the URL printed) and hook it into
 * the run loop. 0 or an exit code (message printed). */
int cmd_live_begin(struct run *r, uint16_t port, struct live_run *lr);
void cmd_live_end(struct live_run *lr);

void cmd_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Load a topology; prints "twlab: FILE:LINE: key 'K': why" and returns EXIT_USAGE on error. */
int cmd_load(const char *path, const char *name, struct lab **ret_lab);
/* Every [expect] path of lab against result.json's fields and this kernel's counters;
 * prints "twlab: FILE:LINE: key 'PATH': why" for each bad one and returns EXIT_USAGE. */
int cmd_check_expects(const struct lab *lab);
/* EXIT_ENV with a message unless we can make namespaces (root, netns support). */
int cmd_need_root(void);
/* Write path as a new file renamed over it (outdir.h: nothing planted is followed, a folder
 * others may write to or a kernel file system is refused), its contents from fill (0 or
 * -errno). Prints what failed; EXIT_DONE, EXIT_USAGE (folder refused) or EXIT_OTHER. */
int cmd_write_file(const char *path, int (*fill)(FILE *f, void *arg), void *arg);
/* Would cmd_write_file accept path's folder? Says why not; EXIT_DONE or its exit code. */
int cmd_check_out_path(const char *path);
/* Hold back every signal that would end twlab (the set cmd_signals reads) while a lab is
 * removed, so that a second Ctrl-C or a TERM cannot leave half a lab; cmd_restore_signals
 * lets them in again (a pending one then ends twlab as it would have). */
void cmd_block_signals(sigset_t *ret_old);
void cmd_restore_signals(const sigset_t *old);
/* Block SIGCHLD and every signal that would otherwise end twlab (SIGINT, SIGTERM, SIGHUP,
 * SIGQUIT, SIGPIPE, ...) and read them through the returned signalfd. */
int cmd_signals(int *ret_sigfd);
/* True once such a signal arrived on the signalfd from cmd_signals, or our output is gone. */
bool cmd_interrupted(void);
/* After a failed write to stdout/stderr: with errno EPIPE, remember that the reader is gone
 * (cmd_interrupted() turns true: stop printing, tear down, exit). */
void cmd_note_output_error(void);
bool cmd_output_gone(void);
/* The exit code for a failed bring-up or environment error. */
int cmd_exit_for(int err);
void cmd_trace(const char *line);
/* Route libbpf's messages: shown with -v only. */
void cmd_libbpf_log(bool verbose);
struct lab_rt;
/* lab_up with tracing (-v), interrupt checks and libbpf's log set up; on failure prints why
 * (file:line:key when the topology asked for something the kernel refused) and returns the
 * exit code, EXIT_DONE on success. */
int cmd_lab_up(struct lab_rt *rt, bool verbose);
/* --kernel (cmd_vm.c): the folder the twlab binary is in (the source tree when run from it) */
void cmd_exe_dir(char *buf, size_t len);
#define CMD_VM_TMP 64
/* Can a guest run this binary? Not from under /tmp or /run (a guest has its own) unless that
 * is inside the working directory, which is shared: EXIT_DONE, or EXIT_ENV with why printed. */
int cmd_vm_check_self(void);
/* Check the script and the image, make the folder shared with the guest: EXIT_* */
int cmd_vm_begin(const char *kernel, char tmp[CMD_VM_TMP]);
/* Boot kernel and run this twlab with guest[] inside; *ret_status is run-in-vm.sh's exit
 * status (the guest command's; 124 timeout; 3 environment; 4 no result). EXIT_* */
int cmd_vm_exec(const char *kernel, const char *modules, int timeout_s, const char *tmp,
		char *const *guest, int n_guest, int *ret_status);
/* -smp of the VMs cmd_vm_exec boots from now on (0: run-in-vm.sh's default, every core up to 4) */
void cmd_vm_set_cpus(int n);
/* The file at path (not followed if a link: one the guest left in the shared folder) appended
 * to f; a put() callback of outdir. 0 or -errno. */
int cmd_vm_copy_from(FILE *f, void *path);
/* A copy of the user's file from (links followed) at to, a new name in the folder shared with
 * the guest (never an existing file or link). 0 or -errno. */
int cmd_vm_copy_in(const char *from, const char *to);
/* Remove the guest's logs and the (then empty) folder, or keep them and say where. */
void cmd_vm_end(const char *tmp, bool keep);
/* Print each `command =` the lab is about to start (stderr, one line each). */
void cmd_show_commands(const struct lab *lab, bool server_only);
/* Remove a lab by its state file: kill its processes, delete its namespaces; only what the
 * lab can prove it made (undo_entry_prove). Each line of the file that was not acted on is
 * reported. */
int cmd_remove_lab(const char *lab, bool dry_run, bool force);
/* s with every byte that is not printable ASCII as \xNN (for names read from files). */
const char *cmd_quote(const char *s, char *buf, size_t len);
/* EXIT_USAGE with a message unless lab is a lab name (topo_name_valid). */
int cmd_check_lab_name(const char *lab);
/* Say why the lab name (or, with ns set, the namespace ns) is taken: a running twlab (which
 * pid), a lab that is up, one left by a dead twlab, or another lab's namespace. */
void cmd_lab_taken(const char *lab, const char *ns);

#endif
