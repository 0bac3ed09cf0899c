// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cmd/cmd.h"
#include "run/outdir.h"
#include "verify/verify.h"

static const char usage[] =
	"usage: twlab verify [--format ktap|json] [--out FILE] [--only PREFIX] [--quick]\n"
	"                    [--topologies DIR] [--kernel VMLINUZ [--modules DIR] [--timeout S]]\n"
	"       twlab verify --compare A.json B.json\n"
	"  Run the conformance suite: TIME_WAIT, PAWS, timestamp and NAT behaviour of the running\n"
	"  kernel (M1-M9, the 2026 NAT regression), the emulated tcp_tw_recycle (P1-P8) and\n"
	"  every topology in DIR (default topologies/verify); the kernel facts behind each test\n"
	"  are in docs/kernel-notes.md. Prints KTAP (or JSON); --out also\n"
	"  writes the JSON to FILE. --kernel boots VMLINUZ in QEMU with the host root shared\n"
	"  read-only and runs the same suite inside (scripts/run-in-vm.sh; modules from DIR, by\n"
	"  default the lib/modules next to the image). --compare prints two results side by side.\n"
	"  Exit 0 when no test failed, 1 when one did, 2 usage, 3 environment, 4 anything else.\n";

static double now_s(void)
{
	return vnet_now_ms() / 1e3;
}

static bool progress_on;

static void progress(const struct verify_test *t)
{
	if (!progress_on)
		return;
	fprintf(stderr, "  %-4s %-28s %6.1f s  %s\n",
		t->status == VS_PASS ? "ok" : t->status == VS_FAIL ? "FAIL" : "skip", t->name,
		t->secs, t->behaviour[0] ? t->behaviour : "");
}

static int load_json(const char *path, struct verify_suite *s)
{
	json_error_t je;
	json_t *j = json_load_file(path, 0, &je);
	char why[256];
	int err;

	if (!j) {
		cmd_err("cannot read %s: %s (line %d)", path, je.text, je.line);
		return EXIT_USAGE;
	}
	err = verify_from_json(j, s, why, sizeof(why));
	json_decref(j);
	if (err) {
		cmd_err("%s: %s", path, why);
		return EXIT_USAGE;
	}
	return 0;
}

/* --out FILE: a new file renamed over FILE, in a folder no one else may write to (outdir.h) */
static int write_out(json_t *j, const char *out)
{
	char dirbuf[PATH_MAX], basebuf[PATH_MAX], why[PATH_MAX + 256];
	struct outdir d;
	struct outfile of;
	int err;

	snprintf(dirbuf, sizeof(dirbuf), "%s", out);
	snprintf(basebuf, sizeof(basebuf), "%s", out);
	err = outdir_open(dirname(dirbuf), false, &d, why, sizeof(why));
	if (err) {
		cmd_err("%s %s: %s%s%s", err == -EPERM ? "refusing to write" : "cannot write", out,
			why, err == -EPERM ? "" : ": ", err == -EPERM ? "" : strerror(-err));
		return err;
	}
	err = outfile_open(&d, basename(basebuf), &of);
	if (!err) {
		if (json_dumpf(j, of.f, JSON_INDENT(2) | JSON_REAL_PRECISION(6)) ||
		    fputc('\n', of.f) == EOF) {
			outfile_discard(&of);
			err = -EIO;
		} else {
			err = outfile_commit(&of);
		}
	}
	if (err)
		cmd_err("cannot write %s: %s", out, strerror(-err));
	outdir_close(&d);
	return err;
}

static int output(struct verify_suite *s, bool json, const char *out)
{
	size_t p, f, k;
	json_t *j = verify_json(s);
	int werr = out ? write_out(j, out) : 0;

	if (json) {
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
		fputc('\n', stdout);
	} else {
		verify_ktap(s, stdout);
	}
	json_decref(j);
	verify_counts(s, &p, &f, &k);
	if (werr)
		return werr == -EPERM ? EXIT_USAGE : EXIT_OTHER;
	return f ? EXIT_EXPECT : EXIT_DONE;
}

/* --kernel: the same suite inside that kernel (cmd_vm.c); the guest writes its JSON into the
 * folder shared with it. */
static int in_vm(const char *kernel, const char *modules, int timeout_s, char **guest_args,
		 int n_guest, bool json, const char *out)
{
	char tmp[CMD_VM_TMP], res[CMD_VM_TMP + 16];
	char *argv[48];
	int n = 0, status, code = cmd_vm_begin(kernel, tmp);
	struct verify_suite s;

	if (code)
		return code;
	snprintf(res, sizeof(res), "%s/verify.json", tmp);
	argv[n++] = "verify";
	argv[n++] = "--format";
	argv[n++] = "json";
	argv[n++] = "--out";
	argv[n++] = res;
	for (int i = 0; i < n_guest && n < 46; i++)
		argv[n++] = guest_args[i];
	code = cmd_vm_exec(kernel, modules, timeout_s, tmp, argv, n, &status);
	if (code)
		return code;
	if (access(res, R_OK)) {
		cmd_err("the VM run left no result (run-in-vm.sh exited with %d); see %s/console.log",
			status, tmp);
		return status == EXIT_ENV ? EXIT_ENV : EXIT_OTHER;
	}
	code = load_json(res, &s);
	if (code)
		return EXIT_OTHER;
	code = output(&s, json, out);
	verify_suite_free(&s);
	/* keep the folder (console log) only when something went wrong */
	if (code == EXIT_DONE)
		unlink(res);
	cmd_vm_end(tmp, code != EXIT_DONE);
	return code;
}

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' }, { "kernel", required_argument, NULL, 'k' },
		{ "modules", required_argument, NULL, 'm' }, { "compare", no_argument, NULL, 'c' },
		{ "out", required_argument, NULL, 'o' },     { "only", required_argument, NULL, 'O' },
		{ "quick", no_argument, NULL, 'q' },         { "topologies", required_argument, NULL, 'T' },
		{ "timeout", required_argument, NULL, 't' }, { "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },          {}
	};
	const char *kernel = NULL, *modules = NULL, *out = NULL;
	char topo_dir[PATH_MAX + 32], release[128], *guest[8];
	struct verify_opts o = { .sigfd = -1 };
	bool json = false, compare = false;
	struct verify_suite s;
	struct verify_kver kv;
	int c, code, err, timeout_s = 600, n_guest = 0;
	double t0;

	cmd_exe_dir(topo_dir, sizeof(topo_dir));
	strcat(topo_dir, "/topologies/verify");
	while ((c = getopt_long(argc, argv, "f:k:m:co:O:qT:t:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "ktap") && strcmp(optarg, "json")) {
				cmd_err("--format: ktap or json, not %s", optarg);
				return EXIT_USAGE;
			}
			json = !strcmp(optarg, "json");
			break;
		case 'k': kernel = optarg; break;
		case 'm': modules = optarg; break;
		case 'c': compare = true; break;
		case 'o': out = optarg; break;
		case 'O':
			o.only = optarg;
			guest[n_guest++] = "--only";
			guest[n_guest++] = optarg;
			break;
		case 'q':
			o.quick = true;
			guest[n_guest++] = "--quick";
			break;
		case 'T': snprintf(topo_dir, sizeof(topo_dir), "%s", optarg); break;
		case 't':
			timeout_s = atoi(optarg);
			if (timeout_s <= 0) {
				cmd_err("--timeout: a number of seconds, not %s", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'v': o.verbose = true; break;
		case 'h': fputs(usage, stdout); return EXIT_DONE;
		default: fputs(usage, stderr); return EXIT_USAGE;
		}
	}
	if (compare) {
		struct verify_suite a, b;

		if (optind + 2 != argc || kernel) {
			fputs(usage, stderr);
			return EXIT_USAGE;
		}
		code = load_json(argv[optind], &a);
		if (code)
			return code;
		code = load_json(argv[optind + 1], &b);
		if (code) {
			verify_suite_free(&a);
			return code;
		}
		verify_compare(&a, &b, stdout);
		verify_suite_free(&a);
		verify_suite_free(&b);
		return EXIT_DONE;
	}
	if (optind != argc || (modules && !kernel)) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	code = cmd_need_root();
	if (code)
		return code;
	progress_on = o.verbose || isatty(STDERR_FILENO);
	if (kernel)
		return in_vm(kernel, modules, timeout_s, guest, n_guest, json, out);

	err = cmd_signals(&o.sigfd);
	if (err) {
		cmd_err("cannot set up signal handling: %s", strerror(-err));
		return EXIT_OTHER;
	}
	cmd_libbpf_log(o.verbose);
	o.topo_dir = topo_dir;
	o.interrupted = cmd_interrupted;
	o.progress = progress;
	verify_kernel(release, sizeof(release), &kv);
	verify_suite_init(&s, release);
	if (progress_on)
		fprintf(stderr, "twlab verify: kernel %s (timeline as %d.%d.%d)\n", release, kv.major,
			kv.minor, kv.patch);
	t0 = now_s();
	verify_probes(&s, &kv, &o);
	if (!cmd_interrupted()) {
		err = verify_gate(&s, &kv, &o);
		if (err)
			cmd_err("cannot read %s: %s (scenario files skipped)", topo_dir, strerror(-err));
	}
	s.secs = now_s() - t0;
	if (cmd_interrupted()) {
		cmd_err("interrupted; every lab made so far was removed");
		verify_suite_free(&s);
		return EXIT_OTHER;
	}
	code = output(&s, json, out);
	verify_suite_free(&s);
	return code;
}
