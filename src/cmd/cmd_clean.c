// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include "cmd/cmd.h"
#include "lab/undo.h"

int cmd_foreach_lab(int (*fn)(const char *lab, void *ctx), void *ctx);

static int clean_one(const char *lab, void *ctx)
{
	bool dry = *(bool *)ctx;
	struct undo u;
	char q[200];
	bool live;

	if (!topo_name_valid(lab)) {
		cmd_err("skipping state file %s/%s.json: '%s' is not a lab name", undo_state_dir(),
			cmd_quote(lab, q, sizeof(q)), q);
		return EXIT_OTHER;
	}
	if (undo_load(lab, false, &u))
		return cmd_remove_lab(lab, dry, false);
	live = undo_owner_alive(&u);
	undo_close(&u);
	if (live) {
		printf("lab %s: skipped: its twlab (pid %d) is still running\n", lab, u.owner);
		return EXIT_DONE;
	}
	return cmd_remove_lab(lab, dry, false);
}

int cmd_clean(int argc, char **argv)
{
	bool dry = false;

	if (argc == 2 && !strcmp(argv[1], "--dry-run")) {
		dry = true;
	} else if (argc != 1) {
		bool help = !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h");

		fputs("usage: twlab clean [--dry-run]\n"
		      "  Remove every lab whose twlab is no longer running (labs made by twlab up\n"
		      "  included), exactly as its state file lists it and only what twlab can prove\n"
		      "  it made: namespaces and processes it did not make are left alone, and each\n"
		      "  state-file line that fails the checks is reported. Signals are held back\n"
		      "  while a lab is removed. --dry-run prints what would be done, one\n"
		      "  'lab NAME: ...' line each.\n",
		      help ? stdout : stderr);
		return help ? EXIT_DONE : EXIT_USAGE;
	}
	if (cmd_need_root())
		return EXIT_ENV;
	return cmd_foreach_lab(clean_one, &dry);
}
