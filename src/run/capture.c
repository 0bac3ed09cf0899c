// SPDX-License-Identifier: GPL-2.0
/* Packet captures with libpcap, one per interface, from inside a lab namespace. */
#include <errno.h>
#include <stdlib.h>
#include <pcap/pcap.h>

#include "run/capture.h"
#include "run/outdir.h"

/* at most this many reads per capture_dispatch, so one busy link cannot starve an event loop */
#define DISPATCH_ROUNDS 64

struct capture {
	pcap_t *p;
	pcap_dumper_t *d;
	struct outfile out;
	int fd;
	int err;	/* the first write error: the file is incomplete */
};

static int activate_errno(int r)
{
	switch (r) {
	case PCAP_ERROR_NO_SUCH_DEVICE: return -ENODEV;
	case PCAP_ERROR_PERM_DENIED:
	case PCAP_ERROR_PROMISC_PERM_DENIED: return -EPERM;
	case PCAP_ERROR_IFACE_NOT_UP: return -ENETDOWN;
	case PCAP_ERROR_ACTIVATED: return -EBUSY;
	default: return -EIO;
	}
}

int capture_open(const char *ifname, const struct outdir *dir, const char *name,
		 struct capture **ret)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct capture *c;
	int r;

	if (!ifname || !dir || !name || !ret)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	/* pcap_create only allocates; the socket is created and bound in pcap_activate */
	c->p = pcap_create(ifname, errbuf);
	if (!c->p) {
		free(c);
		return -ENOMEM;
	}
	if (pcap_set_snaplen(c->p, CAPTURE_SNAPLEN) || pcap_set_promisc(c->p, 0) ||
	    pcap_set_immediate_mode(c->p, 1) || pcap_set_buffer_size(c->p, CAPTURE_BUFFER)) {
		r = -EINVAL;
		goto fail;
	}
	r = pcap_activate(c->p);
	if (r < 0) {
		r = activate_errno(r);
		goto fail;
	}
	if (pcap_setnonblock(c->p, 1, errbuf) < 0) {
		r = -EIO;
		goto fail;
	}
	c->fd = pcap_get_selectable_fd(c->p);
	if (c->fd < 0) {
		r = -EOPNOTSUPP;
		goto fail;
	}
	r = outfile_open(dir, name, &c->out);
	if (r)
		goto fail;
	errno = 0;
	c->d = pcap_dump_fopen(c->p, c->out.f);
	if (!c->d) {
		r = errno ? -errno : -EIO;
		outfile_discard(&c->out);
		goto fail;
	}
	*ret = c;
	return 0;
fail:
	pcap_close(c->p);
	free(c);
	return r;
}

int capture_fd(const struct capture *c)
{
	return c->fd;
}

const char *capture_file(const struct capture *c)
{
	return c->out.name;
}

int capture_dispatch(struct capture *c)
{
	int total = 0;

	for (int i = 0; i < DISPATCH_ROUNDS; i++) {
		int n = pcap_dispatch(c->p, -1, pcap_dump, (u_char *)c->d);

		if (n == PCAP_ERROR_BREAK || n == 0)
			break;
		if (n < 0)
			return -EIO;
		total += n;
	}
	if (total && pcap_dump_flush(c->d)) {
		if (!c->err)
			c->err = errno ? -errno : -EIO;
		return c->err;
	}
	return total;
}

int capture_stats(const struct capture *c, unsigned *ret_recv, unsigned *ret_drop)
{
	struct pcap_stat st;

	if (pcap_stats(c->p, &st))
		return -EIO;
	if (ret_recv)
		*ret_recv = st.ps_recv;
	if (ret_drop)
		*ret_drop = st.ps_drop;
	return 0;
}

int capture_close(struct capture *c)
{
	int err;

	if (!c)
		return 0;
	capture_dispatch(c);
	errno = 0;
	if (pcap_dump_flush(c->d) && !c->err)
		c->err = errno ? -errno : -EIO;
	/* pcap_dump_close closes the stream; the rename is ours */
	pcap_dump_close(c->d);
	c->out.f = NULL;
	err = c->err;
	if (err)
		outfile_discard(&c->out);
	else
		err = outfile_commit(&c->out);
	pcap_close(c->p);
	free(c);
	return err;
}
