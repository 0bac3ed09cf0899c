// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cmd/cmd.h"
#include "lab/netns.h"
#include "lab/undo.h"

int cmd_exec(int argc, char **argv)
{
	char ns[128];
	struct undo u;
	bool listed = false, proven = false;
	char why[240];
	int fd, err;

	if (argc < 5 || strcmp(argv[3], "--")) {
		bool help = argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));

		fputs("usage: twlab exec NAME NODE -- CMD [ARG...]\n"
		      "  Run CMD inside the namespace of NODE (server, router or a client) of lab NAME.\n",
		      help ? stdout : stderr);
		return help ? EXIT_DONE : EXIT_USAGE;
	}
	if (cmd_check_lab_name(argv[1]))
		return EXIT_USAGE;
	if (cmd_need_root())
		return EXIT_ENV;
	netns_init();
	err = undo_load(argv[1], false, &u);
	if (err) {
		cmd_err("no lab named %s", argv[1]);
		return EXIT_USAGE;
	}
	snprintf(ns, sizeof(ns), "twl-%s-%s", argv[1], argv[2]);
	for (size_t i = 0; i < u.n; i++)
		if (u.v[i].kind == UNDO_NETNS && !strcmp(u.v[i].name, ns)) {
			listed = true;
			/* enter only the namespace the lab made, never one put in its place */
			proven = !undo_entry_prove(&u, &u.v[i], why, sizeof(why));
		}
	undo_close(&u);
	if (!listed || !topo_name_valid(argv[2])) {
		cmd_err("lab %s has no node %s", argv[1], cmd_quote(argv[2], why, sizeof(why)));
		return EXIT_USAGE;
	}
	if (!proven) {
		cmd_err("lab %s: will not enter %s: %s", argv[1], ns, why);
		return EXIT_OTHER;
	}
	err = netns_open(ns, &fd);
	if (!err)
		err = netns_enter(fd);
	if (err) {
		cmd_err("cannot enter namespace %s: %s", ns, strerror(-err));
		return EXIT_OTHER;
	}
	execvp(argv[4], argv + 4);
	cmd_err("cannot run %s in %s: %s", argv[4], ns, strerror(errno));
	return errno == ENOENT ? EXIT_USAGE : EXIT_OTHER;
}
