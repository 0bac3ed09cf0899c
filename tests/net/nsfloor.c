// SPDX-License-Identifier: GPL-2.0
/* The floor for `make bench`: create N named namespaces the way twlab does (file under
 * /run/netns, unshare, bind mount) and nothing else, then delete them.
 * usage: nsfloor up|down N PREFIX */
/* MODULES: netns */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lab/netns.h"

int main(int argc, char **argv)
{
	char name[128];
	uint64_t ino;
	int n, fd;

	if (argc != 4) {
		fprintf(stderr, "usage: nsfloor up|down N PREFIX\n");
		return 2;
	}
	n = atoi(argv[2]);
	if (netns_init() || netns_prepare_rundir())
		return 1;
	for (int i = 1; i <= n; i++) {
		snprintf(name, sizeof(name), "%s-%d", argv[3], i);
		if (!strcmp(argv[1], "up")) {
			if (netns_create(name, NULL, NULL, &fd, &ino)) {
				perror(name);
				return 1;
			}
			close(fd);
		} else if (netns_delete(name, 0)) {
			perror(name);
			return 1;
		}
	}
	return netns_enter_root() ? 1 : 0;
}
