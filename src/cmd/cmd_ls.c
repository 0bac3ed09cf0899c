// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cmd/cmd.h"
#include "lab/bpfpin.h"
#include "lab/undo.h"

/* Call fn for every lab that has a state file. */
int cmd_foreach_lab(int (*fn)(const char *lab, void *ctx), void *ctx)
{
	char why[200];
	int fd = undo_state_dir_open(why, sizeof(why)), code = EXIT_DONE;
	struct dirent *de;
	DIR *d;

	if (fd == -ENOENT)
		return EXIT_DONE;	/* no state folder: no labs */
	if (fd == -EPERM) {
		cmd_err("refusing the state folder: %s; no lab in it is listed or touched", why);
		return EXIT_OTHER;
	}
	d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		cmd_err("cannot read the state folder %s: %s", undo_state_dir(),
			strerror(fd < 0 ? -fd : errno));
		if (fd >= 0)
			close(fd);
		return EXIT_OTHER;
	}
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

/* A lab made with twlab up pins its gate (lab/bpfpin.h): its counters, read from there. */
static void show_gate(const struct undo *u)
{
	uint64_t st[RS__MAX];
	struct bpfpin_view *v;

	for (size_t i = 0; i < u->n; i++) {
		if (u->v[i].kind != UNDO_PIN || bpfpin_open(u->lab, u->v[i].id, &v))
			continue;
		if (!bpfpin_stats(v, st))
			printf("  gate: %llu SYNs passed, %llu dropped",
			       (unsigned long long)st[RS_SYN_PASSED],
			       (unsigned long long)st[RS_SYN_DROPPED]);
		bpfpin_close(v);
		return;
	}
}

static int show(const char *lab, void *ctx)
{
	struct undo u;
	size_t ns = 0, procs = 0;
	const char *state;
	char q[200];
	int err;

	err = undo_load(lab, false, &u);
	if (err == -EINVAL) {
		printf("%-20s not a lab name: state file ignored\n", cmd_quote(lab, q, sizeof(q)));
		return EXIT_DONE;
	}
	if (err) {
		printf("%-20s %s state file (%s)\n", lab, err == -EPERM ? "refused" : "unreadable",
		       err == -EPERM ? cmd_quote(u.refused, q, sizeof(q)) : strerror(-err));
		return EXIT_DONE;
	}
	/* what is still there and provably the lab's, not what the file once listed (a lab
	 * whose twlab died may have lost most of it) */
	for (size_t i = 0; i < u.n; i++) {
		const struct undo_entry *e = &u.v[i];
		char why[200];

		if ((e->kind != UNDO_NETNS && e->kind != UNDO_PROC) ||
		    undo_entry_prove(&u, e, why, sizeof(why)))
			continue;
		ns += e->kind == UNDO_NETNS;
		procs += e->kind == UNDO_PROC;
	}
	if (undo_owner_alive(&u))
		state = "running";
	else if (u.no_header)
		state = "unknown";
	else
		state = u.owner ? "orphaned" : "up";
	printf("%-20s %-9s %5zu namespaces %4zu processes", lab, state, ns, procs);
	if (!strcmp(state, "running"))
		printf("  (twlab pid %d)", u.owner);
	if (!strcmp(state, "orphaned"))
		printf("  (its twlab died: twlab clean removes it)");
	if (!strcmp(state, "unknown"))
		printf("  (no valid header: twlab down %s removes what it can prove)", lab);
	if (!strcmp(state, "up"))
		show_gate(&u);
	if (u.n_skip)
		printf("  (%zu bad %s in the state file: twlab down reports and skips %s)", u.n_skip,
		       u.n_skip == 1 ? "line" : "lines", u.n_skip == 1 ? "it" : "them");
	putchar('\n');
	undo_close(&u);
	return EXIT_DONE;
}

int cmd_ls(int argc, char **argv)
{
	if (argc != 1) {
		bool help = !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h");

		fputs("usage: twlab ls\n"
		      "  List the labs on this machine; for a lab made with twlab up, also its\n"
		      "  recycle gate's counters (SYNs passed and dropped so far).\n",
		      help ? stdout : stderr);
		return help ? EXIT_DONE : EXIT_USAGE;
	}
	return cmd_foreach_lab(show, NULL);
}
