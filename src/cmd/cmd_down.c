// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cmd/cmd.h"
#include "lab/netns.h"
#include "lab/undo.h"

const char *cmd_quote(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	for (; *s && o + 5 < len; s++) {
		unsigned char c = *s;

		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf[o++] = c;
		else
			o += snprintf(buf + o, len - o, "\\x%02x", c);
	}
	buf[o] = 0;
	return buf;
}

int cmd_check_lab_name(const char *lab)
{
	char q[200];

	if (topo_name_valid(lab))
		return 0;
	cmd_err("'%s' is not a lab name: 1..%d characters of A-Z a-z 0-9 _ -, not starting with '-'",
		cmd_quote(lab, q, sizeof(q)), TOPO_NAME_MAX);
	return EXIT_USAGE;
}

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* "twlab run x.ini" from /proc/PID/cmdline, escaped */
static const char *cmdline(int pid, char *buf, size_t len)
{
	char path[64], raw[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, raw, sizeof(raw) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return strcpy(buf, "?");
	raw[n] = 0;
	for (ssize_t i = 0; i < n - 1; i++)
		if (!raw[i])
			raw[i] = ' ';
	return cmd_quote(raw, buf, len);
}

void cmd_lab_taken(const char *lab, const char *ns)
{
	char other[64], cmd[200];
	struct undo u;
	int err;

	if (ns && ns[0]) {
		if (!undo_find_netns(ns, lab, other, sizeof(other)))
			cmd_err("namespace %s already exists: it belongs to lab %s (namespaces are named twl-<lab>-<node>, and here two labs' names meet); choose another lab name with --name",
				ns, other);
		else
			cmd_err("namespace %s already exists and no lab lists it (twlab did not make it, or its state file is gone); choose another lab name with --name",
				ns);
		return;
	}
	err = undo_load(lab, true, &u);
	if (err == -EBUSY) {
		undo_load(lab, false, &u);	/* on failure u is zeroed: no owner */
		undo_close(&u);
		if (undo_owner_alive(&u))
			cmd_err("lab %s is already running: twlab pid %d (%s) owns it; stop that one first (Ctrl-C or kill %d), or choose another name with --name",
				lab, u.owner, cmdline(u.owner, cmd, sizeof(cmd)), u.owner);
		else
			cmd_err("lab %s is being built or removed by another twlab right now; choose another name with --name",
				lab);
		return;
	}
	if (err) {
		cmd_err("a state file for lab %s exists (%s/%s.json) but cannot be read: %s", lab,
			undo_state_dir(), lab, err == -EPERM ? u.refused : strerror(-err));
		return;
	}
	if (undo_owner_alive(&u))
		cmd_err("lab %s is already running: twlab pid %d (%s) owns it; stop that one first (Ctrl-C or kill %d), or choose another name with --name",
			lab, u.owner, cmdline(u.owner, cmd, sizeof(cmd)), u.owner);
	else if (!u.owner)
		cmd_err("lab %s is already up; remove it with: twlab down %s (or choose another name with --name)",
			lab, lab);
	else
		cmd_err("lab %s was left behind by a twlab that is gone (pid %d); remove it with: twlab down %s (or twlab clean)",
			lab, u.owner, lab);
	undo_close(&u);
}

static void report_skips(const struct undo *u, size_t from, bool dry_run)
{
	for (size_t i = from; i < u->n_skip; i++) {
		if (u->skip[i].line)
			cmd_err("lab %s: %s line %d: %s%s", u->lab, u->path, u->skip[i].line,
				dry_run ? "would skip: " : "skipped: ", u->skip[i].why);
		else
			cmd_err("lab %s: %s%s", u->lab, dry_run ? "would skip: " : "skipped: ",
				u->skip[i].why);
	}
}

/* What down would do, entry by entry, proving each as down does. */
static void dry_run(struct undo *u)
{
	char why[240];

	for (size_t i = 0; i < u->n; i++) {
		const struct undo_entry *e = &u->v[i];
		int err;

		if (e->kind != UNDO_NETNS && e->kind != UNDO_PROC && e->kind != UNDO_PIN)
			continue;
		err = undo_entry_prove(u, e, why, sizeof(why));
		if (err == -EPERM)
			printf("lab %s: would skip line %d: %s\n", u->lab, e->line, why);
		else if (err)
			printf("lab %s: already gone: %s\n", u->lab, why);
		else if (e->kind == UNDO_NETNS)
			printf("lab %s: would remove netns %s\n", u->lab, e->name);
		else if (e->kind == UNDO_PIN)
			printf("lab %s: would unmount bpffs %s/%s\n", u->lab, undo_state_dir(),
			       e->name);
		else
			printf("lab %s: would kill %s (pid %llu) in %s\n", u->lab, e->name,
			       (unsigned long long)e->id, e->ns);
	}
	printf("lab %s: would remove state file %s\n", u->lab, u->path);
}

static int remove_lab(const char *lab, bool dry, bool force)
{
	struct undo u;
	size_t from;
	int err;

	netns_init();	/* the namespace we run in is the host's: never to be removed */
	err = undo_load(lab, true, &u);
	if (err == -EBUSY) {
		cmd_err("lab %s is in use by another twlab (running, being built or being removed)",
			lab);
		return EXIT_OTHER;
	}
	if (err == -EPERM) {
		cmd_err("lab %s: refusing %s/%s.json: %s", lab, undo_state_dir(), lab, u.refused);
		return EXIT_OTHER;
	}
	if (err) {
		cmd_err("no lab named %s (%s/%s.json: %s)", lab, undo_state_dir(), lab,
			strerror(-err));
		return EXIT_USAGE;
	}
	if (!force && undo_owner_alive(&u)) {
		cmd_err("lab %s belongs to a twlab that is still running (pid %d); stop it first (Ctrl-C or kill %d)",
			lab, u.owner, u.owner);
		undo_close(&u);
		return EXIT_OTHER;
	}
	report_skips(&u, 0, dry);
	if (dry) {
		dry_run(&u);
		undo_close(&u);
		return EXIT_DONE;
	}
	from = u.n_skip;
	err = undo_run(&u, 5000);
	report_skips(&u, from, false);
	if (err) {
		cmd_err("lab %s: could not remove everything: %s", lab, strerror(-err));
		undo_close(&u);
		return EXIT_OTHER;
	}
	printf("removed lab %s: %zu %s, %zu %s", lab, u.removed_ns,
	       plural(u.removed_ns, "namespace", "namespaces"), u.killed_procs,
	       plural(u.killed_procs, "process", "processes"));
	if (u.gone_ns || u.gone_procs)
		printf(" (already gone: %zu %s, %zu %s)", u.gone_ns,
		       plural(u.gone_ns, "namespace", "namespaces"), u.gone_procs,
		       plural(u.gone_procs, "process", "processes"));
	if (u.freeing_ns)
		printf("; the kernel still holds %zu client %s (sockets still closing there) and "
		       "frees %s on its own", u.freeing_ns,
		       plural(u.freeing_ns, "namespace", "namespaces"),
		       plural(u.freeing_ns, "it", "them"));
	if (u.n_skip)
		printf("; %zu %s of the state file not acted on (above)", u.n_skip,
		       plural(u.n_skip, "line", "lines"));
	putchar('\n');
	undo_close(&u);
	return EXIT_DONE;
}

int cmd_remove_lab(const char *lab, bool dry, bool force)
{
	sigset_t old;
	int code;

	if (cmd_check_lab_name(lab))
		return EXIT_USAGE;
	/* from taking the lab's lock to the state file's removal: no signal cuts it short */
	cmd_block_signals(&old);
	code = remove_lab(lab, dry, force);
	fflush(stdout);
	cmd_restore_signals(&old);
	return code;
}

int cmd_down(int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '-') {
		bool help = argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));

		fputs("usage: twlab down NAME\n"
		      "  Remove the lab NAME (as listed by twlab ls): only the namespaces and\n"
		      "  processes its state file lists and twlab can prove it made. A line of the\n"
		      "  state file that fails the checks is reported and left alone. Signals\n"
		      "  (Ctrl-C, SIGTERM, ...) are held back until the lab is removed.\n",
		      help ? stdout : stderr);
		return help ? EXIT_DONE : EXIT_USAGE;
	}
	if (cmd_check_lab_name(argv[1]))
		return EXIT_USAGE;
	if (cmd_need_root())
		return EXIT_ENV;
	return cmd_remove_lab(argv[1], false, false);
}
