// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <limits.h>
#include "cmd/cmd.h"
#include "run/expect.h"
#include "lab/lab.h"
#include "report/report.h"
#include "report/report_html.h"
#include "run/outdir.h"
#include "run/run.h"

static const char usage[] =
	"usage: twlab run TOPOLOGY [--out DIR] [--capture[=all]] [--seed N] [--name NAME]\n"
	"                          [--quiet] [-v]\n"
	"  Build the lab, run its schedule, tear it down, and write DIR/result.json,\n"
	"  DIR/events.jsonl and DIR/report.html (default DIR: out/<lab>, made when missing).\n"
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
	"  Exit 0 when every [expect] held, 1 when one failed, 2 bad topology or DIR,\n"
	"  3 environment, 4 anything else (a result file that could not be written).\n";

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

static int write_events(FILE *f, void *run)
{
	return report_events(run, f);
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
	int err = report_html(a->res, ev, f);

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

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' }, { "seed", required_argument, NULL, 's' },
		{ "name", required_argument, NULL, 'n' }, { "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },	  { "help", no_argument, NULL, 'h' },
		{ "capture", optional_argument, NULL, 'c' },
		{}
	};
	const char *out = NULL, *name = NULL, *seed = NULL;
	bool quiet = false, verbose = false, all_ok = true, capture = false, capture_all = false;
	char outbuf[512];
	struct outdir od = { .fd = -1 }, capdir = { .fd = -1 };
	uint32_t *ts_offset;
	int werr, e;
	struct lab *lab;
	struct lab_rt rt;
	struct run run;
	json_t *res;
	double t;
	int c, err, sigfd, code;

	while ((c = getopt_long(argc, argv, "o:s:n:qvh", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 's': seed = optarg; break;
		case 'n': name = optarg; break;
		case 'q': quiet = true; break;
		case 'v': verbose = true; break;
		case 'c':
			capture = true;
			if (optarg && strcmp(optarg, "all")) {
				cmd_err("--capture takes no value or =all, not '%s'", optarg);
				return EXIT_USAGE;
			}
			capture_all = optarg != NULL;
			break;
		case 'h': fputs(usage, stdout); return EXIT_DONE;
		default: fputs(usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fputs(usage, stderr);
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
	err = cmd_signals(&sigfd);
	if (err) {
		cmd_err("cannot set up signal handling: %s", strerror(-err));
		code = EXIT_OTHER;
		goto free_lab;
	}

	lab_rt_init(&rt, lab);
	t = now_s();
	code = cmd_lab_up(&rt, verbose);
	if (code)
		goto free_lab;
	run_init(&run, &rt, sigfd);
	run.setup_s = now_s() - t;
	run.progress = !quiet && isatty(STDOUT_FILENO);
	run.capture_dir = capture ? &capdir : NULL;
	run.capture_clients = capture_all;
	err = run_exec(&run);
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

	res = report_result(&run);
	json_object_set_new(res, "expect", expect_eval_all(lab, res, &all_ok));
	json_object_set_new(res, "ok", json_boolean(all_ok && !err));
	werr = put(&od, "result.json", write_json, res);
	e = put(&od, "events.jsonl", write_events, &run);
	if (put(&od, "report.html", write_html, &(struct html_arg){ res, &od, !e }) || e)
		werr = -EIO;
	if (!quiet) {
		report_text(&run, res, stdout);
		if (!werr)
			printf("  results in %s/: report.html, result.json, events.jsonl%s\n", out,
			       capture ? ", pcap/" : "");
	}
	if (run.capture_drops)
		cmd_err("captures lost %u packets (the ring was full)", run.capture_drops);
	json_decref(res);
	if (err == -EINTR) {
		cmd_err("interrupted; lab %s removed", lab->name);
		code = EXIT_OTHER;
	} else if (err) {
		cmd_err("run failed: %s", run.err[0] ? run.err : strerror(-err));
		code = err == -EPERM || err == -EOPNOTSUPP ? EXIT_ENV : EXIT_OTHER;
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
	outdir_close(&capdir);
	outdir_close(&od);
	topo_free(lab);
	return code;
}
