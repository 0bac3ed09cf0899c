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
#include <dirent.h>
#include <fcntl.h>
#include "cmd/cmd.h"
#include "run/outdir.h"
#include "verify/verify.h"
#include "verify/kernel.h"
#include "verify/kexpect.h"
#include "verify/matrix.h"

static const char usage[] =
	"usage: twlab verify [--format ktap|json] [--out FILE] [--only NAME[,NAME..]] [--quick]\n"
	"                    [--topologies DIR] [--expect FILE] [--timeout S] [--modules DIR]\n"
	"                    [--kernel SPEC]... [--no-host] [--html FILE] [--jobs N] [--vm-jobs N]\n"
	"       twlab verify --only TEST [--kernel SPEC] --bisect-old BEHAVIOUR\n"
	"       twlab verify --compare A.json B.json [--format json] [--expect FILE]\n"
	"       twlab verify --list\n"
	"  Run the conformance suite: TIME_WAIT, PAWS, timestamp and NAT behaviour of the running\n"
	"  kernel (M1-M9, the 2026 NAT regression), the emulated tcp_tw_recycle (P1-P8) and\n"
	"  every topology in DIR (default topologies/verify); the kernel facts behind each test\n"
	"  are in docs/kernel-notes.md. Prints KTAP (or JSON); --out also writes the JSON to FILE.\n"
	"  --only runs the tests whose names start with one of the prefixes (none: exit 2).\n"
	"  --kernel SPEC boots another kernel in QEMU with the host root shared read-only and runs\n"
	"  the suite inside (scripts/run-in-vm.sh): SPEC is a vmlinuz path (modules from --modules\n"
	"  DIR, by default the lib/modules next to it) or a Debian package, debian:linux-image-6.1.0-\n"
	"  47-amd64, debian:6.1.0-47 or debian:6.12.117, fetched once into " KERNEL_CACHE ".\n"
	"  Two or more --kernel (or --html) make a matrix: the host's kernel (unless --no-host)\n"
	"  and each kernel in turn, one column each, rows that differ marked '*'; --out writes\n"
	"  every kernel's full results as JSON, --html FILE the table as a page.\n"
	"  --jobs N: up to N independent parts of the suite at once (default 3; 1: one after\n"
	"  another). --vm-jobs N: up to N kernels of a matrix booted at once, the cores shared\n"
	"  out between them (default 2).\n"
	"  --expect FILE: the behaviour each test must show per kernel ([kernel GLOB] sections of\n"
	"  TEST = BEHAVIOUR), checked instead of the built-in version table.\n"
	"  --bisect-old B: exit 0 when TEST shows behaviour B, 1 when another, 125 when it cannot\n"
	"  be measured (for git bisect run). --compare prints two results side by side.\n"
	"  Exit 0 when no test failed (and, for --compare and the matrix, no row differs), 1 when\n"
	"  one did, 2 usage, 3 environment, 4 anything else.\n";

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

/* The folder of scripts/ (next to the binary) */
static void script_path(char *buf, size_t len, const char *name)
{
	char dir[PATH_MAX];

	cmd_exe_dir(dir, sizeof(dir));
	snprintf(buf, len, "%s/scripts/%s", dir, name);
}

/* Resolve --kernel SPEC (kernel.c) and say why when it cannot be. */
int cmd_kernel_resolve(const char *spec, char *vmlinuz, size_t vlen, char *modules, size_t mlen)
{
	char fetch[PATH_MAX + 32];
	struct kernel_spec k;
	int err;

	if (kernel_spec_parse(spec, &k)) {
		cmd_err("--kernel %s: not a path, debian:PACKAGE, debian:X.Y.Z-N or debian:X.Y.Z", spec);
		return EXIT_USAGE;
	}
	if (cmd_vm_check_self())
		return EXIT_ENV;
	script_path(fetch, sizeof(fetch), "fetch-kernel.sh");
	err = kernel_resolve(&k, KERNEL_CACHE, fetch, vmlinuz, vlen, modules, mlen);
	if (!err)
		return 0;
	if (k.debian && err == -ENOPKG)
		cmd_err("--kernel %s: no Debian package %s (apt's lists do not have it; "
			"apt-cache search linux-image- lists the kernels there)", spec, k.pkg);
	else if (k.debian)
		cmd_err("cannot get %s into %s/%s: %s", k.pkg, KERNEL_CACHE, k.pkg,
			err == -EIO ? "scripts/fetch-kernel.sh failed (see above)" : strerror(-err));
	else
		cmd_err("cannot read kernel image %s: %s", k.path, strerror(-err));
	return err == -EIO ? EXIT_ENV : EXIT_USAGE;
}

/* One kernel's suite, run in QEMU by in_vm() with its own output silenced. */
int cmd_verify_kernel(const char *spec, const char *modules, int timeout_s, char **guest,
		      int n_guest, struct verify_suite *ret)
{
	char vmlinuz[PATH_MAX], mods[PATH_MAX], dir[] = "/tmp/twlab-vmres.XXXXXX", res[64];
	int code, fd, saved;

	code = cmd_kernel_resolve(spec, vmlinuz, sizeof(vmlinuz), mods, sizeof(mods));
	if (code)
		return code;
	/* a folder of our own (mode 0700): --out refuses folders others may write to */
	if (!mkdtemp(dir)) {
		cmd_err("cannot create a temporary folder: %s", strerror(errno));
		return EXIT_OTHER;
	}
	snprintf(res, sizeof(res), "%s/verify.json", dir);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	fd = open("/dev/null", O_WRONLY);
	if (saved < 0 || fd < 0) {
		cmd_err("cannot redirect the VM run's output: %s", strerror(errno));
		rmdir(dir);
		return EXIT_OTHER;
	}
	dup2(fd, STDOUT_FILENO);
	close(fd);
	code = in_vm(vmlinuz, modules ? modules : mods[0] ? mods : NULL, timeout_s, guest, n_guest,
		     true, res);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	if (code == EXIT_DONE || code == EXIT_EXPECT)
		code = load_json(res, ret) ? EXIT_OTHER : 0;
	unlink(res);
	rmdir(dir);
	return code;
}

/* The suite on the running kernel. */
static int host_suite(struct verify_opts *o, const char *topo_dir, int jobs,
		      struct verify_suite *s)
{
	char release[128];
	struct verify_kver kv;
	int err;
	double t0;

	if (o->sigfd < 0) {
		err = cmd_signals(&o->sigfd);
		if (err) {
			cmd_err("cannot set up signal handling: %s", strerror(-err));
			return EXIT_OTHER;
		}
	}
	cmd_libbpf_log(o->verbose);
	o->topo_dir = topo_dir;
	o->interrupted = cmd_interrupted;
	o->progress = progress;
	verify_kernel(release, sizeof(release), &kv);
	verify_suite_init(s, release);
	if (progress_on)
		fprintf(stderr, "twlab verify: kernel %s (timeline as %d.%d.%d)\n", release, kv.major,
			kv.minor, kv.patch);
	t0 = now_s();
	err = verify_run(s, &kv, o, jobs);
	if (err && !cmd_interrupted())
		cmd_err("cannot read %s or run the parts: %s (some tests missing)", topo_dir,
			strerror(-err));
	s->secs = now_s() - t0;
	if (cmd_interrupted()) {
		cmd_err("interrupted; every lab made so far was removed");
		verify_suite_free(s);
		return EXIT_OTHER;
	}
	return 0;
}

/* --list, and whether --only names anything: the catalogue plus DIR's topology files. */
static size_t list_tests(const char *topo_dir, const char *only, FILE *out)
{
	size_t n = 0;
	struct dirent **de;
	int nd;

	for (size_t i = 0; i < verify_catalogue_n; i++) {
		if (!verify_only_match(only, verify_catalogue[i].name))
			continue;
		n++;
		if (out)
			fprintf(out, "%-26s %s\n", verify_catalogue[i].name, verify_catalogue[i].line);
	}
	nd = scandir(topo_dir, &de, NULL, alphasort);
	for (int i = 0; i < nd; i++) {
		char stem[256];
		size_t l = strlen(de[i]->d_name);

		if (l > 4 && !strcmp(de[i]->d_name + l - 4, ".ini")) {
			snprintf(stem, sizeof(stem), "%.*s", (int)(l - 4), de[i]->d_name);
			if (verify_only_match(only, stem)) {
				n++;
				if (out)
					fprintf(out, "%-26s topology %s/%s: every [expect] holds\n",
						stem, topo_dir, de[i]->d_name);
			}
		}
		free(de[i]);
	}
	if (nd >= 0)
		free(de);
	return n;
}

/* --out / --html of the matrix: like write_out(), through outdir.h (j, or the HTML page) */
static int write_file(const char *path, json_t *j, const struct verify_suite *const *s,
		      size_t n)
{
	char dirbuf[PATH_MAX], basebuf[PATH_MAX], why[PATH_MAX + 256];
	struct outdir d;
	struct outfile of;
	int err;

	if (j)
		return write_out(j, path) ? EXIT_OTHER : 0;
	snprintf(dirbuf, sizeof(dirbuf), "%s", path);
	snprintf(basebuf, sizeof(basebuf), "%s", path);
	err = outdir_open(dirname(dirbuf), false, &d, why, sizeof(why));
	if (err) {
		cmd_err("%s %s: %s", err == -EPERM ? "refusing to write" : "cannot write", path, why);
		return err == -EPERM ? EXIT_USAGE : EXIT_OTHER;
	}
	err = outfile_open(&d, basename(basebuf), &of);
	if (!err) {
		matrix_html(s, n, "twlab verify: kernel matrix", of.f);
		err = ferror(of.f) ? -EIO : outfile_commit(&of);
		if (err == -EIO)
			outfile_discard(&of);
	}
	if (err)
		cmd_err("cannot write %s: %s", path, strerror(-err));
	outdir_close(&d);
	return err ? EXIT_OTHER : 0;
}

/* Rows differ or a test failed: 1; else 0. */
static int matrix_out(struct verify_suite *suites, size_t n, bool json, const char *out,
		      const char *html)
{
	const struct verify_suite **s = calloc(n, sizeof(*s));
	size_t ndiff = 0, p, f, k, nf = 0;
	json_t *j;
	int code = 0;

	if (!s)
		return EXIT_OTHER;
	for (size_t i = 0; i < n; i++) {
		s[i] = &suites[i];
		verify_counts(s[i], &p, &f, &k);
		nf += f;
	}
	if (json) {
		j = matrix_json(s, n, false);
		ndiff = json_integer_value(json_object_get(j, "differ"));
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
		fputc('\n', stdout);
		json_decref(j);
	} else {
		ndiff = matrix_text(s, n, stdout);
	}
	if (out) {
		j = matrix_json(s, n, true);
		code = write_file(out, j, s, n);
		json_decref(j);
	}
	if (html && !code)
		code = write_file(html, NULL, s, n);
	free(s);
	if (code)
		return code;
	return ndiff || nf ? EXIT_EXPECT : EXIT_DONE;
}

struct vm_progress {
	const char **kernels;
	struct verify_suite *suites;
	double t0;
};

static void vm_done(size_t i, void *ctx)
{
	struct vm_progress *vp = ctx;

	fprintf(stderr, "twlab verify: %s: %s, done at %.1f s (suite %.1f s)\n", vp->kernels[i],
		vp->suites[i].kernel[0] ? vp->suites[i].kernel : "no result", now_s() - vp->t0,
		vp->suites[i].secs);
}

/* --bisect-old: 0 old behaviour, 1 another, 125 cannot tell (git bisect's skip). */
static int bisect_answer(const struct verify_suite *s, const char *test, const char *old)
{
	const char *b;

	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->t[i].name, test))
			continue;
		if (!s->t[i].behaviour[0]) {
			cmd_err("%s on %s: no behaviour measured (%s)", test, s->kernel, s->t[i].detail);
			return 125;
		}
		b = strstr(s->t[i].behaviour, ": ");
		printf("%s on %s: %s\n", test, s->kernel, s->t[i].behaviour);
		return !strcmp(s->t[i].behaviour, old) || (b && !strcmp(b + 2, old)) ? 0 : 1;
	}
	cmd_err("%s did not run on %s", test, s->kernel);
	return 125;
}

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' }, { "kernel", required_argument, NULL, 'k' },
		{ "modules", required_argument, NULL, 'm' }, { "compare", no_argument, NULL, 'c' },
		{ "out", required_argument, NULL, 'o' },     { "only", required_argument, NULL, 'O' },
		{ "quick", no_argument, NULL, 'q' },         { "topologies", required_argument, NULL, 'T' },
		{ "timeout", required_argument, NULL, 't' }, { "verbose", no_argument, NULL, 'v' },
		{ "expect", required_argument, NULL, 'e' },  { "list", no_argument, NULL, 'l' },
		{ "no-host", no_argument, NULL, 'H' },       { "html", required_argument, NULL, 'w' },
		{ "bisect-old", required_argument, NULL, 'b' }, { "jobs", required_argument, NULL, 'j' },
		{ "vm-jobs", required_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },          {}
	};
	const char *kernels[32], *modules = NULL, *out = NULL, *expect = NULL, *html = NULL;
	const char *bisect_old = NULL;
	char topo_dir[PATH_MAX + 32], why[512], *guest[10];
	struct verify_opts o = { .sigfd = -1 };
	bool json = false, compare = false, list = false, no_host = false;
	struct verify_suite s, *suites;
	struct kexpect ke = { 0 };
	int c, code, timeout_s = 600, n_guest = 0, n_k = 0, jobs = 3, vm_jobs = 2;
	size_t n_s = 0;

	cmd_exe_dir(topo_dir, sizeof(topo_dir));
	strcat(topo_dir, "/topologies/verify");
	while ((c = getopt_long(argc, argv, "f:k:m:co:O:qT:t:ve:lHw:b:j:J:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "ktap") && strcmp(optarg, "json")) {
				cmd_err("--format: ktap or json, not %s", optarg);
				return EXIT_USAGE;
			}
			json = !strcmp(optarg, "json");
			break;
		case 'k':
			if (n_k == 32) {
				cmd_err("--kernel: at most 32");
				return EXIT_USAGE;
			}
			kernels[n_k++] = optarg;
			break;
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
		case 'e': expect = optarg; break;
		case 'l': list = true; break;
		case 'H': no_host = true; break;
		case 'w': html = optarg; break;
		case 'b': bisect_old = optarg; break;
		case 'j':
		case 'J':
			if (atoi(optarg) < 1 || atoi(optarg) > 16) {
				cmd_err("--%s: a number from 1 to 16, not %s", c == 'j' ? "jobs" : "vm-jobs",
					optarg);
				return EXIT_USAGE;
			}
			if (c == 'J') {
				vm_jobs = atoi(optarg);
				break;
			}
			jobs = atoi(optarg);
			guest[n_guest++] = "--jobs";
			guest[n_guest++] = optarg;
			break;
		case 'h': fputs(usage, stdout); return EXIT_DONE;
		default: fputs(usage, stderr); return EXIT_USAGE;
		}
	}
	if (list) {
		list_tests(topo_dir, o.only, stdout);
		return EXIT_DONE;
	}
	if (expect && kexpect_load(expect, &ke, why, sizeof(why))) {
		cmd_err("--expect %s", why);
		return EXIT_USAGE;
	}
	if (compare) {
		struct verify_suite ab[2];

		if (optind + 2 != argc || n_k || html || bisect_old) {
			fputs(usage, stderr);
			return EXIT_USAGE;
		}
		code = load_json(argv[optind], &ab[0]);
		if (code)
			return code;
		code = load_json(argv[optind + 1], &ab[1]);
		if (code) {
			verify_suite_free(&ab[0]);
			return code;
		}
		kexpect_apply(&ke, &ab[0], NULL);
		kexpect_apply(&ke, &ab[1], NULL);
		if (json) {
			code = matrix_out(ab, 2, true, out, NULL);
		} else {
			size_t p, f0, f1, k;

			verify_counts(&ab[0], &p, &f0, &k);
			verify_counts(&ab[1], &p, &f1, &k);
			code = verify_compare(&ab[0], &ab[1], stdout) || f0 || f1 ? EXIT_EXPECT : EXIT_DONE;
		}
		verify_suite_free(&ab[0]);
		verify_suite_free(&ab[1]);
		kexpect_free(&ke);
		return code;
	}
	if (optind != argc || (modules && n_k != 1) || (no_host && !n_k) ||
	    (bisect_old && (n_k > 1 || !o.only || strchr(o.only, ',')))) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	if (o.only && !list_tests(topo_dir, o.only, NULL)) {
		cmd_err("--only %s matches no test (twlab verify --list)", o.only);
		return EXIT_USAGE;
	}
	code = cmd_need_root();
	if (code)
		return code;
	progress_on = o.verbose || isatty(STDERR_FILENO);

	if (n_k < 2 && !html) {
		/* one suite: the host's or one kernel's */
		code = n_k ? cmd_verify_kernel(kernels[0], modules, timeout_s, guest, n_guest, &s)
			   : host_suite(&o, topo_dir, jobs, &s);
		if (code) {
			kexpect_free(&ke);
			return bisect_old ? 125 : code;
		}
		kexpect_apply(&ke, &s, o.only);
		code = bisect_old ? bisect_answer(&s, o.only, bisect_old) : output(&s, json, out);
		verify_suite_free(&s);
		kexpect_free(&ke);
		return code;
	}

	/* the matrix: every kernel resolved (fetched) first, so a wrong one stops it before any
	 * VM boots */
	for (int i = 0; i < n_k; i++) {
		char vml[PATH_MAX], mods[PATH_MAX];

		code = cmd_kernel_resolve(kernels[i], vml, sizeof(vml), mods, sizeof(mods));
		if (code) {
			kexpect_free(&ke);
			return code;
		}
	}
	suites = calloc(n_k + 1, sizeof(*suites));
	if (!suites)
		return EXIT_OTHER;
	code = 0;
	if (!no_host) {
		code = host_suite(&o, topo_dir, jobs, &suites[0]);
		n_s += !code;
	}
	if (!code && !cmd_interrupted()) {
		struct vm_progress vp = { kernels, suites + n_s, now_s() };
		int *codes = calloc(n_k, sizeof(*codes));

		if (!codes) {
			code = EXIT_OTHER;
		} else {
			fprintf(stderr, "twlab verify: %d kernels, up to %d VMs at once\n", n_k,
				vm_jobs);
			cmd_verify_kernels((char *const *)kernels, n_k, vm_jobs, timeout_s, guest,
					   n_guest, suites + n_s, codes, vm_done, &vp);
			/* the columns stay in the order given; the first failure decides */
			for (int i = 0; i < n_k; i++)
				if (codes[i] && !code)
					code = codes[i];
			for (int i = 0; i < n_k; i++)
				if (codes[i])
					verify_suite_free(&suites[n_s + i]);
			if (!code)
				n_s += n_k;
			free(codes);
		}
	}
	for (size_t i = 0; i < n_s; i++)
		kexpect_apply(&ke, &suites[i], o.only);
	if (!code)
		code = matrix_out(suites, n_s, json, out, html);
	for (size_t i = 0; i < n_s; i++)
		verify_suite_free(&suites[i]);
	free(suites);
	kexpect_free(&ke);
	return code;
}
