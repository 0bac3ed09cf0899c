// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include "cmd/cmd.h"

int cmd_down(int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '-') {
		bool help = argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));

		fputs("usage: twlab down NAME\n  Remove the lab NAME (as listed by twlab ls).\n",
		      help ? stdout : stderr);
		return help ? EXIT_DONE : EXIT_USAGE;
	}
	if (cmd_need_root())
		return EXIT_ENV;
	return cmd_remove_lab(argv[1], false, false);
}
