// SPDX-License-Identifier: GPL-2.0
/* pcapng files with comments, through libwiretap (Wireshark 4.0's API). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wiretap/wtap.h>
#include <wsutil/wslog.h>

#include "run/pcapng.h"

struct pcapng {
	wtap_dumper *d;
	wtapng_iface_descriptions_t idb;
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init(void)
{
	/* Uninitialised, Wireshark's log prints every debug message of the writer (a line per
	 * packet, on stderr: in a VM guest each takes milliseconds, and the capture ring fills
	 * meanwhile). Warnings only, unless WIRESHARK_LOG_LEVEL asks for more. */
	ws_log_init("twlab", NULL);
	if (!getenv("WIRESHARK_LOG_LEVEL"))
		ws_log_set_level(LOG_LEVEL_WARNING);
	wtap_init(FALSE);	/* registers the file types; no plugins */
}

/* libwiretap's errors are errno values when positive, WTAP_ERR_* when negative. */
static int wtap_errno(int err)
{
	if (err > 0)
		return -err;
	return err == WTAP_ERR_SHORT_WRITE ? -ENOSPC : -EIO;
}

static void free_idb(struct pcapng *w)
{
	if (!w->idb.interface_data)
		return;
	for (guint i = 0; i < w->idb.interface_data->len; i++)
		wtap_block_unref(g_array_index(w->idb.interface_data, wtap_block_t, i));
	g_array_free(w->idb.interface_data, TRUE);
	w->idb.interface_data = NULL;
}

int pcapng_open(int fd, const char *ifname, const char *descr, uint32_t snaplen,
		struct pcapng **ret)
{
	wtap_dump_params params = { 0 };
	wtapng_if_descr_mandatory_t *m;
	struct pcapng *w;
	wtap_block_t idb;
	gchar *info = NULL;
	int err = 0, dfd;

	pthread_once(&init_once, init);
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	idb = wtap_block_create(WTAP_BLOCK_IF_ID_AND_INFO);
	m = wtap_block_get_mandatory_data(idb);
	m->wtap_encap = WTAP_ENCAP_ETHERNET;
	m->time_units_per_second = 1000000000;
	m->tsprecision = WTAP_TSPREC_NSEC;
	m->snap_len = snaplen;
	wtap_block_add_string_option(idb, OPT_IDB_NAME, ifname, strlen(ifname));
	if (descr)
		wtap_block_add_string_option(idb, OPT_IDB_DESCRIPTION, descr, strlen(descr));
	wtap_block_add_uint8_option(idb, OPT_IDB_TSRESOL, 9);
	w->idb.interface_data = g_array_new(FALSE, FALSE, sizeof(wtap_block_t));
	g_array_append_val(w->idb.interface_data, idb);

	params.encap = WTAP_ENCAP_ETHERNET;
	params.snaplen = snaplen;
	params.tsprec = WTAP_TSPREC_NSEC;
	params.idb_inf = &w->idb;
	dfd = dup(fd);
	if (dfd < 0) {
		err = -errno;
		goto fail;
	}
	w->d = wtap_dump_fdopen(dfd, wtap_pcapng_file_type_subtype(), WTAP_UNCOMPRESSED, &params,
				&err, &info);
	g_free(info);
	if (!w->d) {
		close(dfd);
		err = wtap_errno(err);
		goto fail;
	}
	*ret = w;
	return 0;
fail:
	free_idb(w);
	free(w);
	return err;
}

int pcapng_write(struct pcapng *w, uint64_t ts_ns, const uint8_t *data, uint32_t caplen,
		 uint32_t len, const char *comment)
{
	gchar *info = NULL;
	wtap_rec rec;
	int err = 0;
	gboolean ok;

	wtap_rec_init(&rec);
	rec.rec_type = REC_TYPE_PACKET;
	rec.presence_flags = WTAP_HAS_TS | WTAP_HAS_CAP_LEN | WTAP_HAS_INTERFACE_ID;
	rec.ts.secs = ts_ns / 1000000000;
	rec.ts.nsecs = ts_ns % 1000000000;
	rec.tsprec = WTAP_TSPREC_NSEC;
	rec.rec_header.packet_header.caplen = caplen;
	rec.rec_header.packet_header.len = len;
	rec.rec_header.packet_header.pkt_encap = WTAP_ENCAP_ETHERNET;
	rec.rec_header.packet_header.interface_id = 0;
	if (comment) {
		rec.block = wtap_block_create(WTAP_BLOCK_PACKET);
		wtap_block_add_string_option(rec.block, OPT_COMMENT, comment, strlen(comment));
	}
	ok = wtap_dump(w->d, &rec, data, &err, &info);
	g_free(info);
	wtap_rec_cleanup(&rec);	/* unrefs rec.block */
	return ok ? 0 : wtap_errno(err);
}

int pcapng_flush(struct pcapng *w)
{
	int err = 0;

	return wtap_dump_flush(w->d, &err) ? 0 : wtap_errno(err);
}

int pcapng_close(struct pcapng *w)
{
	gchar *info = NULL;
	int err = 0, r = 0;

	if (!w)
		return 0;
	if (!wtap_dump_close(w->d, NULL, &err, &info))
		r = wtap_errno(err);
	g_free(info);
	free_idb(w);
	free(w);
	return r;
}
