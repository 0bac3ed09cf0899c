// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include "cmd/cmd.h"
#include "report/schema.h"
#include "run/evidence.h"

int cmd_check_expects(const struct lab *lab)
{
	struct counters known = { 0 };
	int code = EXIT_DONE;
	struct utsname u;
	const char *rel = uname(&u) ? NULL : u.release;
	char why[512];

	/* the names are the same in every network namespace: this one's will do (reading is
	 * harmless); without /proc/net the counter names go unchecked */
	if (lab->n_expects && counters_read(&known))
		known.n = 0;
	for (size_t i = 0; i < lab->n_expects; i++) {
		const struct lab_expect *e = &lab->expects[i];
		/* a counter named in an [expect kernel ...] section for other kernels may not
		 * exist here (6.1 has no PAWSTimewait): its path is checked, its name is not */
		int r = schema_check_path(lab, e->path, topo_expect_applies(e, rel) ? &known : NULL,
					  why, sizeof(why));

		if (r == -ENOMEM) {
			cmd_err("out of memory");
			code = EXIT_OTHER;
			break;
		}
		if (r) {
			cmd_err("%s:%d: key '%s': %s", lab->file ? lab->file : "?", e->line, e->path,
				why);
			code = EXIT_USAGE;
		}
	}
	counters_free(&known);
	return code;
}

int cmd_check(int argc, char **argv)
{
	struct lab *lab;
	char d[32];
	int code;

	if (argc != 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs("usage: twlab check TOPOLOGY\n  Validate a topology file; create nothing. [expect] paths must\n"
		      "  name fields result.json has and counters this kernel counts.\n",
		      argc == 2 ? stdout : stderr);
		return argc == 2 ? EXIT_DONE : EXIT_USAGE;
	}
	code = cmd_load(argv[1], NULL, &lab);
	if (code)
		return code;
	code = cmd_check_expects(lab);
	if (code) {
		topo_free(lab);
		return code;
	}
	topo_format_duration(lab->duration_ms, d, sizeof(d));
	/* lab->file, not argv[1]: a planted file name must not reach the terminal raw */
	printf("%s: ok: lab %s, %zu client%s, %s, server port %u%s, duration %s, %zu expectation%s\n",
	       lab->file, lab->name, lab->n_clients, lab->n_clients == 1 ? "" : "s",
	       lab->router.present ? "behind a router" : "no router", lab->server.port,
	       lab->server.recycle ? " with tw_recycle" : "", d, lab->n_expects,
	       lab->n_expects == 1 ? "" : "s");
	topo_free(lab);
	return EXIT_DONE;
}
