// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include "audit/audit.h"
#include "cmd/cmd.h"

static const char usage[] =
	"usage: twlab audit FILE [--format text|json] [--out FILE.json] [--html FILE.html] [-v]\n"
	"                   [--kernel VMLINUZ [--modules DIR] [--timeout S]]\n"
	"  Read a sysctl file (sysctl -p / sysctl.d syntax) and measure, line by line, what each\n"
	"  setting really changes on this kernel, each key in a lab of its own (the values are set\n"
	"  inside lab namespaces only; the host's are only read). Verdicts: does what it claims,\n"
	"  no effect on TIME_WAIT, harmful behind NAT, not on this kernel, not measured.\n"
	"  --kernel boots VMLINUZ in QEMU (scripts/run-in-vm.sh, as twlab verify --kernel) and\n"
	"  audits there. -v prints a line per key as it is measured.\n"
	"  Exit 0 when every line was measured, 1 when a line is harmful, 2 bad file (FILE:LINE) or\n"
	"  usage, 3 environment (not root, a lab this kernel cannot build), 4 a line could not be\n"
	"  measured.\n";

static bool progress_on;

static void progress(const struct audit_line *l)
{
	if (progress_on)
		fprintf(stderr, "  %4d %-34s %-24s %5.1f s\n", l->line, l->key,
			audit_verdict_str(l->verdict), l->secs);
}

static int put_json(FILE *f, void *j)
{
	return json_dumpf(j, f, JSON_INDENT(2)) || fputc('\n', f) == EOF ? -EIO : 0;
}

static int put_html(FILE *f, void *a)
{
	return audit_html(a, f);
}

/* --kernel: scripts/run-in-vm.sh boots it with this host's root shared read-only and runs this
 * binary's audit inside; its JSON comes back through a folder shared writable. */
static int in_vm(const char *spec, const char *modules, int timeout_s, const char *file,
		 struct audit *ret)
{
	char tmp[CMD_VM_TMP], res[CMD_VM_TMP + 16], conf[CMD_VM_TMP + 16], why[256];
	char vml[PATH_MAX], mods[PATH_MAX];
	char *guest[] = { "audit", conf, "--out", res };
	json_error_t je;
	int status, code = cmd_kernel_resolve(spec, vml, sizeof(vml), mods, sizeof(mods));
	json_t *j;

	if (!code)
		code = cmd_vm_begin(vml, tmp);
	if (code)
		return code;
	snprintf(res, sizeof(res), "%s/audit.json", tmp);
	/* the guest sees the host's root but not its /tmp: give it the file in the shared folder */
	snprintf(conf, sizeof(conf), "%s/audit.conf", tmp);
	code = cmd_vm_copy_in(file, conf);
	if (code) {
		cmd_err("cannot copy %s into %s: %s", file, tmp, strerror(-code));
		cmd_vm_end(tmp, true);
		return EXIT_OTHER;
	}
	code = cmd_vm_exec(vml, modules ? modules : mods[0] ? mods : NULL, timeout_s, tmp, guest,
			   4, &status);
	if (code)
		return code;
	j = json_load_file(res, 0, &je);
	if (!j) {
		cmd_err("the VM run left no result (run-in-vm.sh exited with %d)", status);
		cmd_vm_end(tmp, true);
		return status == EXIT_ENV ? EXIT_ENV : EXIT_OTHER;
	}
	unlink(res);
	unlink(conf);
	if (audit_from_json(j, ret, why, sizeof(why))) {
		cmd_err("%s: %s", res, why);
		json_decref(j);
		cmd_vm_end(tmp, true);
		return EXIT_OTHER;
	}
	json_decref(j);
	cmd_vm_end(tmp, false);
	snprintf(ret->file, sizeof(ret->file), "%s", file);
	return 0;
}

int cmd_audit(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "format", required_argument, NULL, 'f' }, { "out", required_argument, NULL, 'o' },
		{ "html", required_argument, NULL, 'H' },   { "verbose", no_argument, NULL, 'v' },
		{ "kernel", required_argument, NULL, 'k' }, { "modules", required_argument, NULL, 'm' },
		{ "timeout", required_argument, NULL, 't' }, { "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *kernel = NULL, *modules = NULL;
	int timeout_s = 600;
	struct audit_opts o = { .interrupted = cmd_interrupted, .progress = progress };
	const char *out = NULL, *html = NULL;
	struct audit_err e;
	struct audit a;
	struct utsname u;
	bool json = false;
	int c, err, code, sigfd;

	while ((c = getopt_long(argc, argv, "f:o:H:vk:m:t:h", lo, NULL)) != -1) {
		switch (c) {
		case 'k':
			kernel = optarg;
			break;
		case 'm':
			modules = optarg;
			break;
		case 't':
			timeout_s = atoi(optarg);
			if (timeout_s <= 0) {
				cmd_err("--timeout: a number of seconds, not %s", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'f':
			if (strcmp(optarg, "text") && strcmp(optarg, "json")) {
				cmd_err("--format: '%s' is neither text nor json", optarg);
				return EXIT_USAGE;
			}
			json = !strcmp(optarg, "json");
			break;
		case 'o':
			out = optarg;
			break;
		case 'H':
			html = optarg;
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return EXIT_DONE;
		default:
			fputs(usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || (modules && !kernel)) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	err = audit_parse_file(argv[optind], &a, &e);
	if (err) {
		if (e.line && e.key[0])
			cmd_err("%s:%d: key '%s': %s", argv[optind], e.line, e.key, e.msg);
		else if (e.line)
			cmd_err("%s:%d: %s", argv[optind], e.line, e.msg);
		else
			cmd_err("%s: %s", argv[optind], e.msg[0] ? e.msg : strerror(-err));
		return EXIT_USAGE;
	}
	code = cmd_need_root();
	/* a refused --out or --html folder is bad input: said before the audit runs */
	if (!code && out)
		code = cmd_check_out_path(out);
	if (!code && html)
		code = cmd_check_out_path(html);
	if (code) {
		audit_free(&a);
		return code;
	}
	if (kernel) {
		audit_free(&a);
		code = in_vm(kernel, modules, timeout_s, argv[optind], &a);
		if (code)
			return code;
		goto report;
	}
	err = cmd_signals(&sigfd);
	if (err) {
		cmd_err("cannot set up signal handling: %s", strerror(-err));
		audit_free(&a);
		return EXIT_OTHER;
	}
	cmd_libbpf_log(o.verbose);
	if (!uname(&u))
		snprintf(a.kernel, sizeof(a.kernel), "%s", u.release);
	progress_on = o.verbose;
	err = audit_run(&a, &o);
	if (err == -EINTR) {
		cmd_err("interrupted; every lab made so far was removed");
		audit_free(&a);
		return EXIT_OTHER;
	}
	if (err) {
		/* a lab this kernel cannot build: the environment, not the file */
		cmd_err("cannot build the audit's lab for %s", a.err[0] ? a.err : strerror(-err));
		audit_free(&a);
		return EXIT_ENV;
	}
report:
	code = audit_exit_code(&a);
	for (size_t i = 0; i < a.n; i++)
		if (a.v[i].refused) {
			cmd_err("%s:%d: key '%s': the kernel refused the value '%s'", a.file,
				a.v[i].line, a.v[i].key, a.v[i].value);
			code = EXIT_USAGE;
		}
	if (json || out) {
		json_t *j = audit_json(&a);

		if (json)
			json_dumpf(j, stdout, JSON_INDENT(2));
		if (json)
			fputc('\n', stdout);
		if (out && (err = cmd_write_file(out, put_json, j)) && err > code)
			code = err;
		json_decref(j);
	}
	if (!json)
		audit_text(&a, stdout);
	if (html && (err = cmd_write_file(html, put_html, &a)) && err > code)
		code = err;
	audit_free(&a);
	return code;
}
