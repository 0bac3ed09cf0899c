// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include "cmd/cmd.h"

int cmd_check(int argc, char **argv)
{
	struct lab *lab;
	char d[32];
	int code;

	if (argc != 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs("usage: twlab check TOPOLOGY\n  Validate a topology file; create nothing.\n",
		      argc == 2 ? stdout : stderr);
		return argc == 2 ? EXIT_DONE : EXIT_USAGE;
	}
	code = cmd_load(argv[1], NULL, &lab);
	if (code)
		return code;
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
