// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "cmd/cmd.h"
#include "lab/bpfpin.h"
#include "lab/lab.h"
#include "run/run.h"

static const char usage[] =
	"usage: twlab up TOPOLOGY [--name NAME] [--clients] [-v]\n"
	"  Build the lab and start its server, then leave it running: poke at it with\n"
	"  twlab exec NAME NODE -- CMD..., remove it with twlab down NAME.\n"
	"  --clients  also start every client on its schedule (start, every, count, the lab's\n"
	"             duration), once; the lab stays up after the last attempt.\n";

int cmd_up(int argc, char **argv)
{
	static const struct option opts[] = { { "name", required_argument, NULL, 'n' },
					      { "verbose", no_argument, NULL, 'v' },
					      { "clients", no_argument, NULL, 'c' },
					      { "help", no_argument, NULL, 'h' },
					      {} };
	const char *name = NULL;
	bool verbose = false, command, clients = false;
	struct lab *lab;
	struct lab_rt rt;
	char err_buf[512];
	pid_t pid;
	int c, err, sigfd, code;

	while ((c = getopt_long(argc, argv, "n:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'n': name = optarg; break;
		case 'v': verbose = true; break;
		case 'c': clients = true; break;
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
	code = cmd_need_root();
	if (code)
		goto out;
	err = cmd_signals(&sigfd);
	if (err) {
		code = EXIT_OTHER;
		goto out;
	}
	lab_rt_init(&rt, lab);
	rt.detached = true;
	code = cmd_lab_up(&rt, verbose);
	if (code)
		goto out;
	err = lab_gate_attach(&rt);
	if (!err)
		err = bpfpin_gate(&rt);	/* for twlab watch and ls */
	if (err) {
		snprintf(err_buf, sizeof(err_buf), "%s", rt.err);
	} else {
		cmd_show_commands(lab, true);
		err = run_server_start(&rt, &pid, &command, err_buf, sizeof(err_buf));
	}
	if (!err && clients)
		err = run_clients_start(&rt, err_buf, sizeof(err_buf));
	if (!err) {
		printf("lab %s is up: %zu client namespaces%s, server %s listening on port %u\n"
		       "  twlab exec %s %s -- ss -tan\n  twlab down %s\n",
		       lab->name, lab->n_clients, clients ? " (clients started)" : "", rt.server_ns,
		       lab->server.port, lab->name, lab->clients[0].name, lab->name);
		/* nobody read that (`twlab up | head -1` gone): do not leave a lab behind */
		if (fflush(stdout))
			cmd_note_output_error();
	}
	if (!err && cmd_interrupted())
		err = -EINTR;
	if (!err)
		err = undo_detach(&rt.undo);
	if (err) {
		if (err == -EINTR)
			cmd_err("%s; lab %s removed",
				cmd_output_gone() ? "output closed (EPIPE)" : "interrupted", lab->name);
		else
			cmd_err("%s: %s", err_buf, strerror(-err));
		lab_down(&rt);
		code = rt.err_exec ? EXIT_USAGE : EXIT_OTHER;
		goto out;
	}
	/* Leave everything in place: the state file lists it for down and clean. */
	undo_close(&rt.undo);
	code = EXIT_DONE;
out:
	topo_free(lab);
	return code;
}
