// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include "cmd/cmd.h"
#include "i18n/i18n.h"
#include "run/expect.h"
#include "lab/lab.h"
#include "report/live.h"
#include "report/report.h"
#include "report/report_html.h"
#include "run/outdir.h"
#include "run/run.h"

static const char usage[] =
	"usage: twlab run TOPOLOGY [--out DIR] [--capture[=all]] [--seed N] [--name NAME]\n"
	"                          [--quiet] [-v] [--lang es|pt|en]\n"
	"                          [--kernel VMLINUZ [--modules DIR] [--timeout S]]\n"
	"                          [--live [--port N]]\n"
	"  Build the lab, run its schedule, tear it down, and write DIR/result.json,\n"
	"  DIR/events.jsonl and DIR/report.html (default DIR: out/<lab>, made when missing);\n"
	"  each command's output in DIR/logs/<node>.log; prints each command it starts on stderr.\n"
	"  DIR must be root's or yours, writable by no one else unless sticky (else exit 2);\n"
	"  each file is a new file renamed into place, never written through a planted link.\n"
	"  --capture      pcapng files of the server's link and the router's outside (after NAT)\n"
	"                 in DIR/pcap/, whole packets, each judged SYN commented with its verdict\n"
	"                 (dropped SYNs: frame.comment contains \"dropped\"); --capture=all adds\n"
	"                 every client's veth (before NAT)\n"
	"  --seed N       overrides [lab] seed (ts_offset = random): decimal or 0x hex\n"
	"  --name NAME    overrides the lab name (namespaces twl-NAME-*)\n"
	"  --quiet        no summary and no progress line\n"
	"  -v             print every kernel action\n"
	"  --lang L       the summary, the drop sentences and report.html in Spanish (es),\n"
	"                 Brazilian Portuguese (pt) or English (en); default: from LC_ALL,\n"
	"                 LC_MESSAGES or LANG (no locale needs to be installed)\n"
	"  --live         serve the live view of the run on http://127.0.0.1:PORT/ while it\n"
	"                 runs (the URL is printed; as twlab watch shows a lab made with up);\n"
	"                 --port N: that port (default: a free one)\n"
	"  --kernel K     run the lab inside kernel K in QEMU (scripts/run-in-vm.sh; the\n"
	"                 host root shared read-only) and bring the results back to DIR;\n"
	"                 --modules: the kernel's lib/modules/VERSION; --timeout: for the VM\n"
	"                 (default 600 s). Same outputs and exit codes. K is an image path or a\n"
	"                 Debian package: debian:6.1.0-47, debian:6.12.117 (as for verify).\n"
	"  Exit 0 when every [expect] held, 1 when one failed, 2 bad topology or DIR,\n"
	"  3 environment, 4 anything else (a result file that could not be written, or evidence\n"
	"  lost on the way: result.json \"lost\", then ok is false).\n";

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int write_json(FILE *f, void *res)
{
	return report_write_json(res, f);
}

struct html_arg {
	json_t *res;
	const struct outdir *dir;
	bool events;	/* this run's events.jsonl is there */
};

static int write_html(FILE *f, void *arg)
{
	struct html_arg *a = arg;
	FILE *ev = a->events ? outdir_fopen_read(a->dir, "events.jsonl") : NULL;
	int err = report_html(a->res, ev, f, a->dir->fd);

	if (ev)
		fclose(ev);
	return err;
}

/* One output file, made by fn, in place only when complete; says which file and why when not. */
static int put(const struct outdir *d, const char *name, int (*fn)(FILE *f, void *arg), void *arg)
{
	struct outfile of;
	int err = outfile_open(d, name, &of);

	if (!err) {
		err = fn(of.f, arg);
		if (err)
			outfile_discard(&of);
		else
			err = outfile_commit(&of);
	}
	if (err)
		cmd_err("cannot write %s/%s: %s", d->path, name, strerror(-err));
	return err;
}

/* The output folder (made when missing) or a subfolder of it; exit code on failure. */
static int open_out(const struct outdir *parent, const char *path, struct outdir *ret)
{
	char why[PATH_MAX + 256];
	int err = parent ? outdir_sub(parent, path, ret, why, sizeof(why)) :
			   outdir_open(path, true, ret, why, sizeof(why));

	if (!err)
		return EXIT_DONE;
	if (err == -EPERM) {
		cmd_err("refusing output folder %s%s%s: %s", parent ? parent->path : "",
			parent ? "/" : "", path, why);
		return EXIT_USAGE;
	}
	cmd_err("cannot use output folder %s%s%s: %s: %s", parent ? parent->path : "",
		parent ? "/" : "", path, why, strerror(-err));
	return EXIT_OTHER;
}

/* Every regular file under from (one level of folders: pcap/) into d, each through put(): the
 * guest's results get the same protection against planted links as a run on this kernel. */
static int bring_back(const char *from, const struct outdir *d, int depth)
{
	char a[PATH_MAX];
	struct dirent *de;
	int err = 0;
	DIR *dir = opendir(from);

	if (!dir)
		return -errno;
	while (!err && (de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(a, sizeof(a), "%.2000s/%s", from, de->d_name);
		if (de->d_type == DT_DIR && !depth) {
			struct outdir sub;

			if (open_out(d, de->d_name, &sub))
				err = -EPERM;	/* open_out said why */
			else
				err = bring_back(a, &sub, depth + 1);
			outdir_close(&sub);
			rmdir(a);
		} else if (de->d_type == DT_REG) {
			err = put(d, de->d_name, cmd_vm_copy_from, a);
			unlink(a);
		}
	}
	closedir(dir);
	return err;
}

/*
 * --kernel: the same run inside that kernel (cmd_vm.c). The guest's /tmp is its own, so the
 * topology goes into the folder shared with it (under its own name, which names the lab), the
 * guest writes into TMP/out, and the files are moved to out. The guest's exit status is ours.
 */
static int run_in_vm(const char *kernel, const char *modules, int timeout_s, const char *topo,
		     const struct outdir *od, char **pass, int n_pass, bool quiet)
{
	char tmp[CMD_VM_TMP], copy[PATH_MAX], res[CMD_VM_TMP + 8], log[CMD_VM_TMP + 16], b[PATH_MAX];
	char *argv[32];
	int n = 0, status, err, code = cmd_vm_begin(kernel, tmp);
	FILE *f;

	if (code)
		return code;
	snprintf(b, sizeof(b), "%s", topo);
	snprintf(copy, sizeof(copy), "%s/%s", tmp, basename(b));
	snprintf(res, sizeof(res), "%s/out", tmp);
	snprintf(log, sizeof(log), "%s/guest.log", tmp);
	err = cmd_vm_copy_in(topo, copy);
	if (err) {
		cmd_err("cannot copy %s into %s: %s", topo, tmp, strerror(-err));
		return EXIT_OTHER;
	}
	argv[n++] = "run";
	argv[n++] = copy;
	argv[n++] = "--out";
	argv[n++] = res;
	for (int i = 0; i < n_pass && n < 30; i++)
		argv[n++] = pass[i];
	code = cmd_vm_exec(kernel, modules, timeout_s, tmp, argv, n, &status);
	unlink(copy);
	if (code)
		return code;
	/* the guest's summary (or its error) */
	if ((!quiet || status) && (f = fopen(log, "r"))) {
		char line[1024];

		while (fgets(line, sizeof(line), f))
			fputs(line, status ? stderr : stdout);
		fclose(f);
	}
	if (access(res, F_OK)) {
		cmd_err("the VM run left no results (run-in-vm.sh exited with %d)", status);
		cmd_vm_end(tmp, true);
		return status == EXIT_ENV || status == EXIT_USAGE ? status : EXIT_OTHER;
	}
	err = bring_back(res, od, 0);
	rmdir(res);
	if (err) {
		cmd_vm_end(tmp, true);
		return EXIT_OTHER;
	}
	if (!quiet)
		printf("  (run inside %s; results in %s/)\n", kernel, od->path);
	if (status == 124)
		cmd_err("the VM timed out after %d s", timeout_s);
	cmd_vm_end(tmp, status < 0 || status >= EXIT_OTHER);	/* 2, 3: the guest said why */
	return status >= 0 && status <= EXIT_OTHER ? status : EXIT_OTHER;
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' }, { "seed", required_argument, NULL, 's' },
		{ "name", required_argument, NULL, 'n' }, { "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },	  { "help", no_argument, NULL, 'h' },
		{ "capture", optional_argument, NULL, 'c' },
		{ "kernel", required_argument, NULL, 'k' }, { "modules", required_argument, NULL, 'm' },
		{ "timeout", required_argument, NULL, 't' }, { "lang", required_argument, NULL, 'l' },
		{ "live", no_argument, NULL, 'L' }, { "port", required_argument, NULL, 'P' },
		{}
	};
	const char *kernel = NULL, *modules = NULL;
	char *pass[16];
	int n_pass = 0, timeout_s = 600;
	const char *out = NULL, *name = NULL, *seed = NULL, *lang = NULL;
	bool quiet = false, verbose = false, all_ok = true, capture = false, capture_all = false;
	bool live = false, live_port_set = false;
	uint16_t live_port = 0;
	struct live_run lr = {};
	char outbuf[512];
	struct outdir od = { .fd = -1 }, capdir = { .fd = -1 }, logd = { .fd = -1 };
	uint32_t *ts_offset;
	int werr, e, evopen = -EBADF;
	struct outfile evf;
	struct run_sink sink;
	bool lost;
	struct lab *lab;
	struct lab_rt rt = { .log_dir_fd = -1 };
	struct run run;
	json_t *res;
	double t;
	int c, err, sigfd, code;

	while ((c = getopt_long(argc, argv, "o:s:n:qvh", opts, NULL)) != -1) {
		if (n_pass > (int)(sizeof(pass) / sizeof(pass[0])) - 3) {	/* room for 2 + NULL */
			cmd_err("too many options");
			return EXIT_USAGE;
		}
		switch (c) {
		case 'o': out = optarg; break;
		case 's':
			seed = optarg;
			pass[n_pass++] = "--seed";
			pass[n_pass++] = optarg;
			break;
		case 'n':
			name = optarg;
			pass[n_pass++] = "--name";
			pass[n_pass++] = optarg;
			break;
		case 'q': quiet = true; break;
		case 'v':
			verbose = true;
			pass[n_pass++] = "-v";
			break;
		case 'l':
			lang = optarg;
			pass[n_pass++] = "--lang";
			pass[n_pass++] = optarg;
			break;
		case 'k': kernel = optarg; break;
		case 'm': modules = optarg; break;
		case 't':
			timeout_s = atoi(optarg);
			if (timeout_s <= 0) {
				cmd_err("--timeout: a number of seconds, not %s", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'c':
			pass[n_pass++] = optarg && !strcmp(optarg, "all") ? "--capture=all" : "--capture";
			capture = true;
			if (optarg && strcmp(optarg, "all")) {
				cmd_err("--capture takes no value or =all, not '%s'", optarg);
				return EXIT_USAGE;
			}
			capture_all = optarg != NULL;
			break;
		case 'L': live = true; break;
		case 'P':
			if (cmd_live_port(optarg, &live_port))
				return EXIT_USAGE;
			live_port_set = true;
			break;
		case 'h': fputs(usage, stdout); return EXIT_DONE;
		default: fputs(usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc || (modules && !kernel) || (live_port_set && !live) ||
	    (live && kernel)) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	if (i18n_init(lang)) {
		cmd_err("--lang %s: twlab speaks " I18N_LANGS, lang);
		return EXIT_USAGE;
	}
	code = cmd_load(argv[optind], name, &lab);
	if (code)
		return code;
	code = cmd_check_expects(lab);
	if (code)
		goto free_lab;
	if (seed && topo_parse_seed(seed, &lab->seed)) {
		/* the same numbers as [lab] seed: strtoull took "-1" and " 7", and 010 as 8 */
		cmd_err("--seed %s: not a number: " TOPO_SEED_RULE, seed);
		topo_free(lab);
		return EXIT_USAGE;
	}
	code = cmd_need_root();
	if (code)
		goto free_lab;
	if (!out) {
		snprintf(outbuf, sizeof(outbuf), "out/%s", lab->name);
		out = outbuf;
	}
	code = open_out(NULL, out, &od);
	if (!code && capture)
		code = open_out(&od, "pcap", &capdir);
	if (code)
		goto free_lab;
	if (kernel) {	/* checked here; built and run in the guest */
		char vml[PATH_MAX], mods[PATH_MAX];

		code = cmd_kernel_resolve(kernel, vml, sizeof(vml), mods, sizeof(mods));
		if (!code)
			code = run_in_vm(vml, modules ? modules : mods[0] ? mods : NULL, timeout_s,
					 argv[optind], &od, pass, n_pass, quiet);
		goto free_lab;
	}
	err = cmd_signals(&sigfd);
	if (err) {
		cmd_err("cannot set up signal handling: %s", strerror(-err));
		code = EXIT_OTHER;
		goto free_lab;
	}

	lab_rt_init(&rt, lab);
	/* each command's output: DIR/logs/<node>.log, under the same rules as every output */
	if (lab_has_command(lab)) {
		code = open_out(&od, "logs", &logd);
		if (code)
			goto free_lab;
		rt.log_dir = logd.path;
		rt.log_dir_fd = logd.fd;
	}
	t = now_s();
	code = cmd_lab_up(&rt, verbose);
	if (code)
		goto free_lab;
	if (!quiet)
		cmd_show_commands(lab, false);
	if (run_init(&run, &rt, sigfd)) {
		cmd_err("cannot start the run: %s", strerror(ENOMEM));
		lab_down(&rt);
		code = EXIT_OTHER;
		goto free_lab;
	}
	/* events.jsonl is written as the run goes, so that nothing of it waits in memory */
	evopen = outfile_open(&od, "events.jsonl", &evf);
	if (!evopen) {
		report_sink(&sink, evf.f);
		run.sink = &sink;
	}
	run.setup_s = now_s() - t;
	run.progress = !quiet && isatty(STDOUT_FILENO);
	run.capture_dir = capture ? &capdir : NULL;
	run.capture_clients = capture_all;
	if (live && (code = cmd_live_begin(&run, live_port, &lr))) {
		if (!evopen)
			outfile_discard(&evf);
		run_free(&run);
		lab_down(&rt);
		goto free_lab;
	}
	err = run_exec(&run);
	if (live)
		cmd_live_end(&lr);
	/* result.json reports each client's offset: keep it from lab_down, which frees it */
	ts_offset = rt.client_ts_offset;
	rt.client_ts_offset = NULL;
	t = now_s();
	c = lab_down(&rt);
	run.teardown_s = now_s() - t;
	rt.client_ts_offset = ts_offset;
	if (c)
		cmd_err("teardown of lab %s incomplete: %s (twlab clean retries)", lab->name,
			strerror(-c));
	else if (rt.freeing_ns && !quiet)
		cmd_err("lab %s removed; the kernel still holds %zu of its client namespaces "
			"(sockets still closing there, such as an unanswered FIN) and frees them "
			"on its own", lab->name, rt.freeing_ns);

	res = report_result(&run);
	json_object_set_new(res, "expect", expect_eval_all(lab, res, &all_ok));
	lost = attrib_lost_any(&run.lost);
	json_object_set_new(res, "ok", json_boolean(all_ok && !err && !lost));
	werr = put(&od, "result.json", write_json, res);
	e = evopen ? evopen : outfile_commit(&evf);
	if (e)
		cmd_err("cannot write %s/events.jsonl: %s", od.path, strerror(-e));
	if (put(&od, "report.html", write_html, &(struct html_arg){ res, &od, !e }) || e)
		werr = -EIO;
	if (!quiet && !cmd_output_gone()) {
		report_text(&run, res, stdout);
		if (!werr)
			printf(_("  results in %s/: report.html, result.json, events.jsonl%s%s\n"), out,
			       capture ? ", pcap/" : "", lab_has_command(lab) ? ", logs/" : "");
		if (fflush(stdout))
			cmd_note_output_error();
	}
	if (run.capture_drops)
		cmd_err("captures lost %u packets (the ring was full)", run.capture_drops);
	json_decref(res);
	if (err == -EINTR || cmd_output_gone()) {
		cmd_err("%s; lab %s removed",
			cmd_output_gone() ? "output closed (EPIPE)" : "interrupted", lab->name);
		code = EXIT_OTHER;
	} else if (err) {
		code = err == -EPERM || err == -EOPNOTSUPP ? EXIT_ENV : EXIT_OTHER;
		if (rt.err_exec) {	/* `command =` names no program we can run */
			cmd_err("%s: %s", run.err, strerror(-err));
			code = EXIT_USAGE;
		} else {
			cmd_err("run failed: %s", run.err[0] ? run.err : strerror(-err));
		}
	} else if (lost) {
		cmd_err("evidence was lost (result.json \"lost\"): the result is incomplete");
		code = EXIT_OTHER;
	} else {
		code = all_ok ? EXIT_DONE : EXIT_EXPECT;
	}
	if (!code && c)
		code = EXIT_OTHER;
	if (werr && (!code || code == EXIT_EXPECT))
		code = EXIT_OTHER;	/* the results are not all there */
	run_free(&run);
	free(ts_offset);
	rt.client_ts_offset = NULL;
free_lab:
	outdir_close(&logd);
	outdir_close(&capdir);
	outdir_close(&od);
	topo_free(lab);
	return code;
}
