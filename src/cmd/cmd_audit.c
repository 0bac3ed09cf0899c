// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include "audit/audit.h"
#include "cmd/cmd.h"

static const char usage[] =
	"usage: twlab audit FILE [--format text|json] [--out FILE.json] [--html FILE.html] [-v]\n"
	"  Read a sysctl file (sysctl -p / sysctl.d syntax) and measure, line by line, what each\n"
	"  setting really changes on this kernel, each key in a lab of its own (the values are set\n"
	"  inside lab namespaces only; the host's are only read). Verdicts: does what it claims,\n"
	"  no effect on TIME_WAIT, harmful behind NAT, not on this kernel, not measured.\n"
	"  Exit 0 when every line was measured, 1 when a line is harmful, 2 bad file (FILE:LINE) or\n"
	"  usage, 3 environment (not root), 4 a line could not be measured.\n";

static bool progress_on;

static void progress(const struct audit_line *l)
{
	if (progress_on)
		fprintf(stderr, "  %4d %-34s %-24s %5.1f s\n", l->line, l->key,
			audit_verdict_str(l->verdict), l->secs);
}

int cmd_audit(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "format", required_argument, NULL, 'f' }, { "out", required_argument, NULL, 'o' },
		{ "html", required_argument, NULL, 'H' },   { "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },         { 0 }
	};
	struct audit_opts o = { .interrupted = cmd_interrupted, .progress = progress };
	const char *out = NULL, *html = NULL;
	struct audit_err e;
	struct audit a;
	struct utsname u;
	bool json = false;
	int c, err, code, sigfd;

	while ((c = getopt_long(argc, argv, "f:o:H:vh", lo, NULL)) != -1) {
		switch (c) {
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
	if (optind != argc - 1) {
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
	if (code) {
		audit_free(&a);
		return code;
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
		cmd_err("cannot build the audit's labs: %s", strerror(-err));
		audit_free(&a);
		return cmd_exit_for(err) == EXIT_ENV ? EXIT_ENV : EXIT_OTHER;
	}
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
		if (out && json_dump_file(j, out, JSON_INDENT(2))) {
			cmd_err("cannot write %s", out);
			code = EXIT_OTHER;
		}
		json_decref(j);
	}
	if (!json)
		audit_text(&a, stdout);
	if (html && (err = audit_html(&a, html))) {
		cmd_err("cannot write %s: %s", html, strerror(-err));
		code = EXIT_OTHER;
	}
	audit_free(&a);
	return code;
}
