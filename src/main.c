// SPDX-License-Identifier: GPL-2.0
/* twlab: reproduce, measure and explain the tcp_tw_recycle / NAT failure in namespaces. */
#include <stdio.h>
#include <string.h>
#include "cmd/cmd.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} cmds[] = {
	{ "run", cmd_run, "build a lab, run its schedule, tear it down, write the results" },
	{ "check", cmd_check, "validate a topology file" },
	{ "up", cmd_up, "build a lab and leave it running" },
	{ "exec", cmd_exec, "run a command inside a node of a running lab" },
	{ "down", cmd_down, "remove a lab" },
	{ "ls", cmd_ls, "list the labs on this machine" },
	{ "watch", cmd_watch, "serve the live view of a lab made with up (127.0.0.1)" },
	{ "clean", cmd_clean, "remove every lab whose twlab is gone" },
	{ "verify", cmd_verify, "conformance suite: TIME_WAIT/PAWS/timestamp/NAT behaviour of a kernel" },
	{ "bisect", cmd_bisect, "find the first kernel of a list where a verify test's behaviour changes" },
	{ "audit", cmd_audit, "measure what each line of a sysctl file really changes on this kernel" },
};

static void usage(FILE *f)
{
	fputs("usage: twlab COMMAND [ARGS]   (twlab COMMAND --help for its options)\n\n", f);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-7s %s\n", cmds[i].name, cmds[i].help);
	fputs("\nexit codes: 0 done and every expectation held, 1 an expectation failed,\n"
	      "2 bad usage or topology, 3 environment (not root, missing kernel feature),\n"
	      "4 anything else\n",
	      f);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_DONE;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "twlab: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
