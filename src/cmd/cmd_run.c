// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cmd/cmd.h"
#include "run/expect.h"
#include "lab/lab.h"
#include "report/report.h"
#include "report/report_html.h"
#include "run/run.h"

static const char usage[] =
	"usage: twlab run TOPOLOGY [--out DIR] [--capture[=all]] [--seed N] [--name NAME]\n"
	"                          [--quiet] [-v]\n"
	"  Build the lab, run its schedule, tear it down, and write DIR/result.json,\n"
	"  DIR/events.jsonl and DIR/report.html (default DIR: out/<lab>); each command's\n"
	"  output in DIR/logs/<node>.log. Prints each command it starts on stderr.\n"
	"  --capture      pcap files of the server's link and the router's outside (after NAT)\n"
	"                 in DIR/pcap/; --capture=all adds every client's veth (before NAT)\n"
	"  --seed N       overrides [lab] seed (ts_offset = random)\n"
	"  --name NAME    overrides the lab name (namespaces twl-NAME-*)\n"
	"  --quiet        no summary and no progress line\n"
	"  -v             print every kernel action\n"
	"  Exit 0 when every [expect] held, 1 when one failed, 2 bad topology,\n"
	"  3 environment, 4 anything else.\n";

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int mkdirs(const char *path)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(buf, 0755) && errno != EEXIST ? -errno : 0;
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
	char outbuf[512], path[600], capdir[600], html[600], logdir[600];
	struct lab *lab;
	struct lab_rt rt = { .log_dir_fd = -1 };
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
	if (seed) {
		char *end;

		errno = 0;
		lab->seed = strtoull(seed, &end, 0);
		if (errno || *end || !*seed) {
			cmd_err("--seed: not a number: %s", seed);
			topo_free(lab);
			return EXIT_USAGE;
		}
	}
	code = cmd_need_root();
	if (code)
		goto free_lab;
	if (!out) {
		snprintf(outbuf, sizeof(outbuf), "out/%s", lab->name);
		out = outbuf;
	}
	err = mkdirs(out);
	if (err) {
		cmd_err("cannot create output folder %s: %s", out, strerror(-err));
		code = EXIT_OTHER;
		goto free_lab;
	}
	snprintf(capdir, sizeof(capdir), "%.500s/pcap", out);
	if (capture && (err = mkdirs(capdir))) {
		cmd_err("cannot create %s: %s", capdir, strerror(-err));
		code = EXIT_OTHER;
		goto free_lab;
	}
	err = cmd_signals(&sigfd);
	if (err) {
		cmd_err("cannot set up signal handling: %s", strerror(-err));
		code = EXIT_OTHER;
		goto free_lab;
	}

	lab_rt_init(&rt, lab);
	/* each command's output: DIR/logs/<node>.log */
	snprintf(logdir, sizeof(logdir), "%.500s/logs", out);
	rt.log_dir = logdir;
	if (lab_has_command(lab)) {
		err = mkdirs(logdir);
		if (!err && (rt.log_dir_fd = open(logdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
								O_CLOEXEC)) < 0)
			err = -errno;
		if (err) {
			cmd_err("cannot create %s: %s", logdir, strerror(-err));
			code = EXIT_OTHER;
			goto free_lab;
		}
	}
	t = now_s();
	code = cmd_lab_up(&rt, verbose);
	if (code)
		goto free_lab;
	if (!quiet)
		cmd_show_commands(lab, false);
	run_init(&run, &rt, sigfd);
	run.setup_s = now_s() - t;
	run.progress = !quiet && isatty(STDOUT_FILENO);
	run.capture_dir = capture ? capdir : NULL;
	run.capture_clients = capture_all;
	err = run_exec(&run);
	t = now_s();
	c = lab_down(&rt);
	run.teardown_s = now_s() - t;
	if (c)
		cmd_err("teardown of lab %s incomplete: %s (twlab clean retries)", lab->name,
			strerror(-c));

	res = report_result(&run);
	json_object_set_new(res, "expect", expect_eval_all(lab, res, &all_ok));
	json_object_set_new(res, "ok", json_boolean(all_ok && !err));
	if (report_write_json(res, out, "result.json"))
		cmd_err("cannot write %s/result.json", out);
	snprintf(path, sizeof(path), "%.500s/events.jsonl", out);
	if (report_events(&run, path))
		cmd_err("cannot write %s", path);
	snprintf(html, sizeof(html), "%.500s/report.html", out);
	if (report_html(res, path, html))
		cmd_err("cannot write %s", html);
	if (!quiet && !cmd_output_gone()) {
		report_text(&run, res, stdout);
		printf("  results in %s/: report.html, result.json, events.jsonl%s%s\n", out,
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
	} else {
		code = all_ok ? EXIT_DONE : EXIT_EXPECT;
	}
	if (!code && c)
		code = EXIT_OTHER;
	run_free(&run);
free_lab:
	if (rt.log_dir_fd >= 0)
		close(rt.log_dir_fd);
	topo_free(lab);
	return code;
}
