// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>
#include "bpf/connstat.h"
#include "lab/connstat.h"
#include "connstat.skel.h"

struct connstat_loader {
	struct connstat_bpf *skel;
	struct bpf_link *link;
};

int connstat_attach(int cgroup_fd, uint32_t server_addr, uint16_t server_port,
		    struct connstat_loader **ret)
{
	struct connstat_loader *c = calloc(1, sizeof(*c));
	int err;

	if (!c)
		return -ENOMEM;
	c->skel = connstat_bpf__open();
	if (!c->skel) {
		err = -errno;
		free(c);
		return err;
	}
	c->skel->rodata->server_addr = htonl(server_addr);
	c->skel->rodata->server_port = server_port;
	err = connstat_bpf__load(c->skel);
	if (!err) {
		c->link = bpf_program__attach_cgroup(c->skel->progs.connstat, cgroup_fd);
		if (!c->link)
			err = -errno;
	}
	if (err) {
		connstat_bpf__destroy(c->skel);
		free(c);
		return err;
	}
	*ret = c;
	return 0;
}

int connstat_read(const struct connstat_loader *c, uint32_t addr, struct connstat_counts *ret)
{
	struct connstat v;
	__u32 key = htonl(addr);

	if (bpf_map_lookup_elem(bpf_map__fd(c->skel->maps.conns), &key, &v)) {
		if (errno != ENOENT)
			return -errno;
		memset(&v, 0, sizeof(v));
	}
	*ret = (struct connstat_counts){ v.attempts, v.connected, v.syn_retransmits };
	return 0;
}

void connstat_free(struct connstat_loader *c)
{
	if (!c)
		return;
	bpf_link__destroy(c->link);
	connstat_bpf__destroy(c->skel);
	free(c);
}
