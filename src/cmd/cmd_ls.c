// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include "cmd/cmd.h"
#include "lab/undo.h"

/* Call fn for every lab that has a state file. */
int cmd_foreach_lab(int (*fn)(const char *lab, void *ctx), void *ctx)
{
	DIR *d = opendir(undo_state_dir());
	struct dirent *de;
	int code = EXIT_DONE;

	if (!d)
		return EXIT_DONE;	/* no state folder: no labs */
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		char lab[64];

		if (n < 6 || n - 5 >= sizeof(lab) || strcmp(de->d_name + n - 5, ".json"))
			continue;
		snprintf(lab, sizeof(lab), "%.*s", (int)(n - 5), de->d_name);
		int c = fn(lab, ctx);

		if (c > code)
			code = c;
	}
	closedir(d);
	return code;
}

static int show(const char *lab, void *ctx)
{
	struct undo u;
	size_t ns = 0, procs = 0;
	const char *state;

	if (undo_load(lab, false, &u)) {
		printf("%-20s unreadable state file\n", lab);
		return EXIT_DONE;
	}
	for (size_t i = 0; i < u.n; i++) {
		ns += u.v[i].kind == UNDO_NETNS;
		procs += u.v[i].kind == UNDO_PROC;
	}
	state = !u.owner ? "up" : undo_owner_alive(&u) ? "running" : "orphaned";
	printf("%-20s %-9s %5zu namespaces %4zu processes", lab, state, ns, procs);
	if (u.owner && undo_owner_alive(&u))
		printf("  (twlab pid %d)", u.owner);
	if (!strcmp(state, "orphaned"))
		printf("  (its twlab died: twlab clean removes it)");
	putchar('\n');
	undo_close(&u);
	return EXIT_DONE;
}

int cmd_ls(int argc, char **argv)
{
	if (argc != 1) {
		bool help = !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h");

		fputs("usage: twlab ls\n  List the labs on this machine.\n", help ? stdout : stderr);
		return help ? EXIT_DONE : EXIT_USAGE;
	}
	return cmd_foreach_lab(show, NULL);
}
