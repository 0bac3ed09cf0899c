// SPDX-License-Identifier: GPL-2.0
/* report.html, the tables: clients, expectations, counters with their meanings, the gate, NAT and conntrack. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "i18n/i18n.h"
#include "report/html.h"

void html_clients_table(FILE *f, const struct model *m)
{
	json_t *clients = json_object_get(m->res, "clients"), *c;
	size_t i;

	fputs(_("<section id=\"clients\"><h2>Clients</h2>\n<table><thead><tr><th>client</th>"
		"<th>address</th><th>clock</th><th>attempts</th><th>connected</th><th>failed</th>"
		"<th>SYNs dropped</th><th>SYN re&shy;trans&shy;mits</th><th>connect p50 ms</th>"
		"<th>connect p99 ms</th></tr></thead><tbody>\n"),
	      f);
	json_array_foreach(clients, i, c) {
		json_t *ms = json_object_get(c, "connect_ms"),
		       *off = json_object_get(c, "ts_offset");
		char b[48];

		fputs("<tr><td>", f);
		html_esc(f, m->clabel[i]);
		if (strcmp(m->clabel[i], m->cname[i])) {	/* label = ...: the node's name too */
			fputs(" (", f);
			html_esc(f, m->cname[i]);
			fputs(")", f);
		}
		fputs("</td><td>", f);
		html_esc(f, html_jstr(c, "address", ""));
		fputs("</td><td>", f);
		html_esc(f, html_jstr(c, "ts_mode", ""));
		if (json_is_integer(off)) {
			html_fmt_int(b, sizeof(b), json_integer_value(off));
			fprintf(f, "<br>+%s", b);	/* its own line: the table fits 1024 px */
		}
		if (html_jnum(c, "hz", 1000) != 1000)
			fprintf(f, "<br>%.0f Hz", html_jnum(c, "hz", 1000));
		fputs("</td>", f);
		html_num_cell(f, json_object_get(c, "attempts"));
		html_num_cell(f, json_object_get(c, "connected"));
		if (html_client_int(c, "failed"))
			fprintf(f, "<td class=\"n bad\">%s</td>",
				html_fmt_int(b, sizeof(b), html_client_int(c, "failed")));
		else
			html_num_cell(f, json_object_get(c, "failed"));
		if (html_client_int(c, "syn_dropped"))
			fprintf(f, "<td class=\"n bad\">%s ✕</td>",
				html_fmt_int(b, sizeof(b), html_client_int(c, "syn_dropped")));
		else
			html_num_cell(f, json_object_get(c, "syn_dropped"));
		html_num_cell(f, json_object_get(c, "syn_retransmits"));
		html_num_cell(f, json_object_get(ms, "p50"));
		html_num_cell(f, json_object_get(ms, "p99"));
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table>\n", f);
	if (!json_array_size(clients))
		fputs(_("<p class=\"note\">No clients.</p>\n"), f);
	fputs("</section>\n", f);
}

void html_expect_table(FILE *f, const struct model *m)
{
	json_t *ex = json_object_get(m->res, "expect"), *e;
	size_t i;

	fputs(_("<section id=\"expect\"><h2>Expectations</h2>\n"), f);
	if (!json_array_size(ex)) {
		fputs(_("<p class=\"note\">The topology has no [expect] lines.</p></section>\n"), f);
		return;
	}
	fputs(_("<table><thead><tr><th>check</th><th>actual</th><th>result</th></tr></thead><tbody>\n"),
	      f);
	json_array_foreach(ex, i, e) {
		bool ok = json_is_true(json_object_get(e, "ok"));
		const char *skip = html_jstr(e, "skipped", NULL);

		fputs("<tr><td>", f);
		html_esc(f, html_jstr(e, "check", "?"));
		if (skip || html_jstr(e, "when", NULL)) {
			fputs(_(" <span class=\"note\">(on "), f);
			html_esc(f, skip ? skip : html_jstr(e, "when", ""));
			fputs(")</span>", f);
		}
		fputs("</td>", f);
		html_num_cell(f, json_object_get(e, "actual"));
		if (skip)
			fputs(_("<td>skipped: another kernel</td></tr>\n"), f);
		else
			fprintf(f, "<td%s>%s</td></tr>\n", ok ? "" : " class=\"bad\"",
				ok ? _("✓ held") : _("✗ failed"));
	}
	fputs("</tbody></table></section>\n", f);
}

struct meaning {
	const char *name;
	const char *text;
};

/* nstat names (as in result.json's "counters"); kernel-notes §1.8 and §4.9 */
static const struct meaning counter_meanings[] = {
	{"TcpExtPAWSPassive",
	 N_("SYNs dropped by the per-host timestamp record: tcp_tw_recycle (kernels up to 4.11 only)")},
	{"TcpExtListenDrops",
	 N_("SYNs to a listening socket dropped, for any reason (recycle rule, backlog full, ...)")},
	{"TcpExtListenOverflows", N_("handshakes completed while the accept queue was full")},
	{"TcpExtPAWSActive",
	 N_("SYN-ACKs rejected by PAWS on the connecting side (older than the timestamp it remembered)")},
	{"TcpExtPAWSEstab",
	 N_("segments rejected by PAWS in established state and SYN_RECV (up to 6.15 also in TIME_WAIT)")},
	{"TcpExtPAWSTimewait", N_("segments rejected by PAWS in TIME_WAIT (6.16+)")},
	{"TcpExtPAWSOldAck", N_("old ACKs dropped by PAWS in established state (6.14+)")},
	{"TcpExtTSEcrRejected", N_("handshake-completing ACKs rejected for a bad TSecr (6.15+)")},
	{"TcpExtTW",
	 N_("TIME_WAIT timers with the normal length (60 s); 6.x counts them when armed. netstat -s calls this 'fast timer': the strings are swapped")},
	{"TcpExtTWKilled",
	 N_("TIME_WAIT timers of 4 s or less (recycled, or FIN_WAIT2 with a short tcp_fin_timeout). netstat -s calls this 'slow timer': swapped")},
	{"TcpExtTWRecycled",
	 N_("a TIME_WAIT socket reused for a new outgoing connection (tcp_tw_reuse), despite netstat's 'recycled by time stamp'")},
	{"TcpExtTCPTimeWaitOverflow",
	 N_("closing sockets that skipped TIME_WAIT because tcp_max_tw_buckets was reached")},
	{"TcpExtTCPACKSkippedTimeWait",
	 N_("ACKs a TIME_WAIT socket did not send because of the out-of-window ACK rate limit")},
	{"TcpExtTCPACKSkippedPAWS", N_("ACKs not sent after a PAWS reject, because of the rate limit")},
	{"TcpExtBeyondWindow", N_("segments dropped for lying beyond the receive window")},
	{"TcpExtTCPSynRetrans", N_("SYN and SYN-ACK retransmissions: a SYN nobody answered")},
	{"TcpExtTCPTimeouts", N_("retransmission timer expirations, SYN retransmits included")},
	{"TcpExtTCPAbortOnTimeout",
	 N_("connections the kernel gave up after too many retransmissions")},
	{"TcpExtTCPAbortOnClose", N_("connections closed with unread data: RST sent")},
	{"TcpExtTCPAbortOnData", N_("connections reset because data arrived after close")},
	{"TcpExtTCPAbortOnLinger", N_("connections reset on close by SO_LINGER with timeout 0")},
	{"TcpExtTCPChallengeACK", N_("challenge ACKs sent (RFC 5961)")},
	{"TcpExtTCPSYNChallenge",
	 N_("challenge ACKs sent in answer to a SYN on an existing connection")},
	{"TcpExtTCPReqQFullDrop",
	 N_("SYNs dropped because the SYN queue was full and syncookies were off")},
	{"TcpExtSyncookiesSent", N_("SYN cookies sent")},
	{"TcpExtSyncookiesRecv", N_("SYN cookies received back")},
	{"TcpExtSyncookiesFailed", N_("invalid SYN cookies received")},
	{"TcpExtEmbryonicRsts", N_("resets received in SYN_RECV")},
	{"TcpExtTcpTimeoutRehash", N_("retransmission timeouts that picked a new flow hash")},
	{"TcpActiveOpens", N_("connect() calls that sent a SYN (CLOSED to SYN_SENT)")},
	{"TcpPassiveOpens", N_("connections a listener accepted a SYN for (LISTEN to SYN_RECV)")},
	{"TcpAttemptFails",
	 N_("connection attempts that failed: SYN_SENT or SYN_RECV back to CLOSED or LISTEN")},
	{"TcpEstabResets", N_("established connections reset")},
	{"TcpOutRsts", N_("RST segments sent")},
	{"TcpRetransSegs", N_("segments retransmitted")},
	{"TcpInErrs", N_("segments received with errors")},
	{"TcpInCsumErrors",
	 N_("segments received with a bad checksum (a broken timestamp rewrite would show here)")},
	{"TcpInSegs", N_("TCP segments received")},
	{"TcpOutSegs", N_("TCP segments sent (retransmits not counted)")},
	{"TcpExtTCPPureAcks", N_("ACKs without data received")},
	{"TcpExtTCPHPAcks", N_("ACKs handled on the fast path")},
	{"TcpExtTCPDelivered", N_("segments delivered to the peer (acknowledged)")},
	{"TcpExtTCPOrigDataSent", N_("data segments sent, retransmits not counted")},
	{"TcpExtTCPRcvCoalesce", N_("received segments merged into the previous one")},
	{"TcpExtDelayedACKs", N_("delayed ACKs sent")},
	{"IpForwDatagrams", N_("packets forwarded (the router)")},
	{"IpInReceives", N_("IP packets received")},
	{"IpInDelivers", N_("IP packets handed to a local protocol")},
	{"IpOutRequests", N_("IP packets sent by local protocols")},
	{"IpOutTransmits", N_("IP packets transmitted")},
	{"IpOutNoRoutes", N_("packets dropped for want of a route")},
	{"IpInAddrErrors", N_("packets dropped for a bad destination address")},
	{"IpExtInOctets", N_("IP bytes received")},
	{"IpExtOutOctets", N_("IP bytes sent")},
	{"IpExtInNoECTPkts", N_("packets received without ECN")},
	{"UdpInDatagrams", N_("UDP datagrams received")},
	{"UdpOutDatagrams", N_("UDP datagrams sent")},
	{"IcmpInMsgs", N_("ICMP messages received")},
	{"IcmpOutMsgs", N_("ICMP messages sent")},
};
#define N_MEANINGS (sizeof(counter_meanings) / sizeof(counter_meanings[0]))
/* counters before this one go in the main table, in this order; the rest under "more" */
#define FIRST_HOUSEKEEPING "TcpExtTCPPureAcks"

static int meaning_index(const char *name)
{
	for (size_t i = 0; i < N_MEANINGS; i++)
		if (!strcmp(counter_meanings[i].name, name))
			return (int)i;
	return -1;
}

struct crow {
	const char *name;
	int rank;
};

static int cmp_crow(const void *a, const void *b)
{
	const struct crow *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank - y->rank;
	return strcmp(x->name, y->name);
}

static void counter_rows(FILE *f, const struct model *m, json_t *counters, const char **cols,
			 size_t n_cols, bool sum, const struct crow *rows, size_t n_rows)
{
	fputs(_("<table><thead><tr><th>counter</th>"), f);
	for (size_t c = 0; c < n_cols; c++) {
		const char *label = html_node_label(m, cols[c]);

		fputs("<th>", f);
		html_esc(f, label);
		if (strcmp(label, cols[c])) {	/* label = ...: the node's name too */
			fputs(" (", f);
			html_esc(f, cols[c]);
			fputs(")", f);
		}
		fputs("</th>", f);
	}
	if (sum)
		fputs(_("<th>all clients</th>"), f);
	fputs(_("<th>meaning</th></tr></thead><tbody>\n"), f);
	for (size_t r = 0; r < n_rows; r++) {
		const char *key = rows[r].name;
		int mi = meaning_index(key);

		fputs("<tr><td>", f);
		html_esc(f, key);
		fputs("</td>", f);
		for (size_t c = 0; c < n_cols; c++) {
			json_t *v = json_object_get(json_object_get(counters, cols[c]), key);

			if (v)
				html_num_cell(f, v);
			else
				fputs("<td></td>", f);
		}
		if (sum) {
			const char *node;
			json_t *o;
			long long s = 0;
			size_t k = 0;
			char b[48];

			json_object_foreach(counters, node, o) {
				if (k++ >= n_cols)
					s += (long long)html_jnum(o, key, 0);
			}
			html_fmt_int(b, sizeof(b), s);
			fprintf(f, "<td class=\"n\">%s</td>", s ? b : "");
		}
		fputs("<td class=\"m\">", f);
		html_esc(f, mi >= 0 ? _(counter_meanings[mi].text) : "");
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody></table>\n", f);
}

void html_counters_table(FILE *f, const struct model *m)
{
	json_t *counters = json_object_get(m->res, "counters"), *o, *v;
	const char *node, *key, **cols;
	struct crow *rows = NULL;
	size_t n_rows = 0, cap = 0, n_cols = 0, n_key = 0;
	bool sum = json_object_size(counters) > COUNTER_COLS;

	fputs(_("<section id=\"counters\"><h2>Counters: what changed in each namespace</h2>\n"), f);
	cols = calloc(json_object_size(counters) + 1, sizeof(*cols));
	if (!cols) {
		fputs(_("<p class=\"warn\">out of memory</p></section>\n"), f);
		return;
	}
	/* server and router (the first columns in result.json) by name, clients summed when many */
	json_object_foreach(counters, node, o) {
		if (!sum || !strcmp(node, "server") || !strcmp(node, "router"))
			cols[n_cols++] = node;
		else
			break;
	}
	json_object_foreach(counters, node, o) {
		json_object_foreach(o, key, v) {
			bool seen = false;

			for (size_t i = 0; i < n_rows && !seen; i++)
				seen = !strcmp(rows[i].name, key);
			if (seen)
				continue;
			if (n_rows == cap) {
				struct crow *r =
					realloc(rows, (cap = cap ? 2 * cap : 64) * sizeof(*r));

				if (!r)
					goto out;
				rows = r;
			}
			rows[n_rows].name = key;
			rows[n_rows].rank = meaning_index(key);
			if (rows[n_rows].rank < 0 ||
			    rows[n_rows].rank >= meaning_index(FIRST_HOUSEKEEPING))
				rows[n_rows].rank = 1000;
			else
				n_key++;
			n_rows++;
		}
	}
	if (!n_rows) {
		fputs(_("<p class=\"note\">No counter changed (or no snapshots were taken).</p>\n"),
		      f);
		goto out;
	}
	qsort(rows, n_rows, sizeof(*rows), cmp_crow);
	fputs(_("<p class=\"note\">Differences of /proc/net/netstat and /proc/net/snmp between the "
		"start and the end of the run, per namespace; empty = unchanged. These are the real "
		"kernel's counters: the emulated recycle rule counts its drops in the gate's table "
		"above.</p>\n"),
	      f);
	if (n_key)
		counter_rows(f, m, counters, cols, n_cols, sum, rows, n_key);
	if (n_rows > n_key) {
		fprintf(f,
			P_("<details><summary>%zu more counter (IP and TCP housekeeping)</summary>\n",
			   "<details><summary>%zu more counters (IP and TCP housekeeping)</summary>\n",
			   n_rows - n_key),
			n_rows - n_key);
		counter_rows(f, m, counters, cols, n_cols, sum, rows + n_key, n_rows - n_key);
		fputs("</details>\n", f);
	}
out:
	fputs("</section>\n", f);
	free(rows);
	free(cols);
}

static const struct meaning gate_meanings[] = {
	{"PAWSPassive", N_("emulated TcpExtPAWSPassive: SYNs the recycle rule dropped")},
	{"ListenDrops", N_("emulated TcpExtListenDrops: the same drops, as 4.x counted them too")},
	{"syn_seen", N_("SYNs to the server's port the gate looked at")},
	{"syn_passed", N_("SYNs let through")},
	{"syn_dropped", N_("SYNs dropped silently (no SYN-ACK, no RST)")},
	{"records_updated", N_("times the server entered TIME_WAIT and stored the peer's TSval")},
	{"records_kept", N_("times it entered TIME_WAIT but kept the stored, newer value")},
	{"timewait_hits", N_("SYNs that matched a TIME_WAIT 4-tuple, so the rule did not apply")},
	{"paws_msl_s", N_("how long a record counts (TCP_PAWS_MSL, seconds)")},
	{"paws_window", N_("how many ticks older than the record a SYN may be (TCP_PAWS_WINDOW)")},
	{"events_lost", N_("gate events lost because the ring buffer was full")},
	{"unattributed_drops", N_("drops not matched to a client through the NAT table")},
	{"unattributed_no_note", N_("of those, drops whose address and ports the router never noted")},
	{"unattributed_other_isn", N_("of those, drops whose address and ports the router noted for another SYN")},
	{"notes_failed", N_("SYNs the router could not note (its map refused the entry)")},
};

void html_gate_table(FILE *f, const struct model *m)
{
	json_t *gate = json_object_get(m->res, "gate"), *v;
	const char *key;

	fputs(_("<section id=\"gate\"><h2>The server's recycle gate (emulated Linux 3.18–4.11)</h2>\n"),
	      f);
	if (!m->gate) {
		fputs(_("<p class=\"note\">The gate was off (<code>recycle = off</code>): the server ran "
			"the running kernel's own rules, and the SYNs' TSvals were not read.</p>"
			"</section>\n"),
		      f);
		return;
	}
	fputs(_("<table><thead><tr><th>counter</th><th>value</th><th>meaning</th></tr></thead>"
		"<tbody>\n"),
	      f);
	json_object_foreach(gate, key, v) {
		const char *text = "";

		if (!strcmp(key, "enabled"))
			continue;
		for (size_t i = 0; i < sizeof(gate_meanings) / sizeof(gate_meanings[0]); i++)
			if (!strcmp(gate_meanings[i].name, key))
				text = _(gate_meanings[i].text);
		fputs("<tr><td>", f);
		html_esc(f, key);
		fputs("</td>", f);
		html_num_cell(f, v);
		fputs("<td class=\"m\">", f);
		html_esc(f, text);
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody></table></section>\n", f);
}

static void addr_of(char *buf, size_t len, const char *ep)
{
	const char *colon = strrchr(ep, ':');

	snprintf(buf, len, "%.*s", colon ? (int)(colon - ep) : (int)strlen(ep), ep);
}

static const char *port_of(const char *ep)
{
	const char *colon = strrchr(ep, ':');

	return colon ? colon + 1 : "";
}

void html_nat_table(FILE *f, const struct model *m)
{
	json_t *nat = json_object_get(m->res, "nat"), *e;
	struct nsum {
		const char *client;
		char in[48], out[48];
		size_t n, kept;
	} *s = NULL;
	size_t n_s = 0, i;

	fputs(_("<section id=\"nat\"><h2>NAT: who hides behind which address</h2>\n"), f);
	if (!json_array_size(nat)) {
		fputs(_("<p class=\"note\">No NAT mapping was recorded (no router, or no "
			"connection went through it).</p></section>\n"),
		      f);
		return;
	}
	s = calloc(json_array_size(nat), sizeof(*s));
	if (!s) {
		fputs(_("<p class=\"warn\">out of memory</p></section>\n"), f);
		return;
	}
	json_array_foreach(nat, i, e) {
		const char *client = html_jstr(e, "client", "?"), *in = html_jstr(e, "inside", ""),
			   *out = html_jstr(e, "outside", "");
		char ia[48], oa[48];
		size_t k;

		addr_of(ia, sizeof(ia), in);
		addr_of(oa, sizeof(oa), out);
		for (k = 0; k < n_s; k++)
			if (!strcmp(s[k].client, client) && !strcmp(s[k].in, ia) &&
			    !strcmp(s[k].out, oa))
				break;
		if (k == n_s) {
			s[n_s].client = client;
			snprintf(s[k].in, sizeof(s[k].in), "%s", ia);
			snprintf(s[k].out, sizeof(s[k].out), "%s", oa);
			n_s++;
		}
		s[k].n++;
		s[k].kept += !strcmp(port_of(in), port_of(out));
	}
	fputs(_("<table><thead><tr><th>client</th><th>inside address</th><th></th>"
		"<th>outside address (what the server sees)</th><th>connections</th>"
		"<th>source port kept</th></tr></thead><tbody>\n"),
	      f);
	for (size_t k = 0; k < n_s; k++) {
		fputs("<tr><td>", f);
		html_esc(f, s[k].client);
		fputs("</td><td>", f);
		html_esc(f, s[k].in);
		fputs("</td><td>→</td><td>", f);
		html_esc(f, s[k].out);
		fprintf(f, "</td><td class=\"n\">%zu</td><td class=\"n\">%zu</td></tr>\n", s[k].n,
			s[k].kept);
	}
	fputs("</tbody></table>\n", f);
	fprintf(f,
		_("<details><summary>every mapping (%zu)</summary>\n<table><thead><tr>"
		  "<th>t (s)</th><th>client</th><th>inside</th><th>outside</th></tr></thead>"
		  "<tbody>\n"),
		json_array_size(nat));
	json_array_foreach(nat, i, e) {
		if (i == MAX_NAT_ROWS)
			break;
		fprintf(f, "<tr><td class=\"n\">%.3f</td><td>", html_jnum(e, "t", 0));
		html_esc(f, html_jstr(e, "client", "?"));
		fputs("</td><td>", f);
		html_esc(f, html_jstr(e, "inside", ""));
		fputs("</td><td>", f);
		html_esc(f, html_jstr(e, "outside", ""));
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody></table>\n", f);
	if (json_array_size(nat) > MAX_NAT_ROWS)
		fprintf(f, _("<p class=\"note\">… and %zu more in result.json.</p>\n"),
			json_array_size(nat) - MAX_NAT_ROWS);
	fputs("</details></section>\n", f);
	free(s);
}

/* The router's conntrack: what changed in its statistics, and its table at the end. */
void html_conntrack_table(FILE *f, const struct model *m)
{
	json_t *ct = json_object_get(m->res, "conntrack"), *stats, *table, *e, *v;
	const char *k;
	size_t i;

	if (!ct)
		return;
	stats = json_object_get(ct, "stats");
	table = json_object_get(ct, "table");
	fputs(_("<section id=\"conntrack\"><h2>The router's conntrack</h2>\n<p>"), f);
	if (!json_object_size(stats)) {
		fputs(_("No conntrack statistic changed."), f);
	} else {
		fputs(_("Statistics that changed during the run (/proc/net/stat/nf_conntrack):"), f);
		json_object_foreach(stats, k, v) {
			fputs(" <b>", f);
			html_esc(f, k);
			fprintf(f, "</b> %lld", (long long)json_integer_value(v));
		}
		fputs(_(". <code>insert_failed</code> and <code>drop</code> count SYNs dropped at the "
			"router because their NAT mapping clashed with an existing entry."),
		      f);
	}
	fprintf(f, _("</p>\n<details><summary>table at the end of the run (%zu entries)</summary>\n"
		     "<table><thead><tr><th>client</th><th>inside</th><th>outside</th><th>state</th>"
		     "<th>expires in (s)</th></tr></thead><tbody>\n"),
		json_array_size(table));
	json_array_foreach(table, i, e) {
		if (i == MAX_NAT_ROWS)
			break;
		fputs("<tr><td>", f);
		html_esc(f, html_jstr(e, "client", "?"));
		fputs("</td><td>", f);
		html_esc(f, html_jstr(e, "inside", ""));
		fputs("</td><td>", f);
		html_esc(f, html_jstr(e, "outside", ""));
		fputs("</td><td>", f);
		html_esc(f, html_jstr(e, "state", ""));
		fprintf(f, "</td><td class=\"n\">%.0f</td></tr>\n", html_jnum(e, "timeout_s", 0));
	}
	fputs("</tbody></table></details></section>\n", f);
}


/* "10 d", "1 h", "90 s" */
/* ", HZ=250: 1 tick = 4 ms" for a clock that does not tick in ms, else "" */
static const char *clock_hz(json_t *c, char *b, size_t len)
{
	double hz = html_jnum(c, "hz", 1000);
	char v[48];

	if (hz == 1000)
		return "";
	snprintf(b, len, _(", HZ=%.0f: 1 tick = %s ms"), hz, i18n_fmt(v, sizeof(v), "%.3g", 1000 / hz));
	return b;
}

static void fmt_uptime(char *b, size_t len, double s)
{
	char v[48];

	if (s >= 86400 && fmod(s, 3600) == 0)
		snprintf(b, len, _("%s d"), i18n_g(v, sizeof(v), s / 86400));
	else if (s >= 3600)
		snprintf(b, len, _("%s h"), i18n_g(v, sizeof(v), round(s / 360) / 10));
	else
		snprintf(b, len, _("%s s"), i18n_g(v, sizeof(v), s));
}

#define MAX_CLOCKS 8

/* Each client's TCP timestamp clock, in words: the reason one is dropped and another not. */
void html_clocks(FILE *f, const struct model *m)
{
	json_t *clients = json_object_get(m->res, "clients"), *c;
	size_t i;

	if (!json_array_size(clients))
		return;
	fputs("<ul class=\"clocks\" id=\"clocks\">", f);
	json_array_foreach(clients, i, c) {
		const char *mode = html_jstr(c, "ts_mode", "");
		json_t *off = json_object_get(c, "ts_offset");
		char b[48], u[32];

		if (i == MAX_CLOCKS) {
			fprintf(f, _("<li>… %zu more clients: see the clients table</li>"),
				json_array_size(clients) - MAX_CLOCKS);
			break;
		}
		fputs("<li><b>", f);
		html_esc(f, m->clabel[i]);
		fputs(_("</b>'s clock: "), f);
		if (json_is_number(json_object_get(c, "uptime_s"))) {
			fmt_uptime(u, sizeof(u), html_jnum(c, "uptime_s", 0));
			fprintf(f, _("a host up for %s"), u);
			if (json_is_integer(off)) {
				html_fmt_int(b, sizeof(b), json_integer_value(off));
				fprintf(f, _(" (TSval offset +%s ticks%s)"), b, clock_hz(c, u, sizeof(u)));
			}
		} else if (json_is_integer(off)) {
			const char *hz = clock_hz(c, u, sizeof(u));

			html_fmt_int(b, sizeof(b), json_integer_value(off));
			fprintf(f, _("TSval offset +%s ticks (%s)"), b, *hz ? hz + 2 : _("1 tick = 1 ms"));
		} else if (!strcmp(mode, "kernel")) {
			fputs(_("this kernel's own: a random offset per connection (tcp_timestamps = 1)"),
			      f);
		} else if (!strcmp(mode, "shared")) {
			fputs(_("the machine's 1 ms clock, shared by every namespace (tcp_timestamps = 2)"),
			      f);
		} else if (!strcmp(mode, "off")) {
			fputs(_("no timestamps (tcp_timestamps = 0)"), f);
		} else {
			html_esc(f, mode);
		}
		fputs("</li>", f);
	}
	fputs("</ul>\n", f);
}

/* The first drops of each client, as sentences: what a trainer reads aloud, without hover
 * (gathered as the events were read, html_model.c). */
void html_first_drops(FILE *f, const struct model *m)
{
	char b[32];

	for (size_t i = 0; i < m->n_first; i++) {
		if (!i)
			fputs(_("<p class=\"firsts-h\">First drops, in order:</p><ul class=\"firsts\" "
				"id=\"first-drops\">"),
			      f);
		fprintf(f, _("<li>t %s s · "), i18n_dec(b, sizeof(b), m->first[i].t, 2));
		html_esc(f, m->first[i].title);
		fputs("</li>", f);
	}
	if (m->first_more)
		fprintf(f, _("<li>… and %zu more clients with drops (the clients table)</li>"),
			m->first_more);
	if (m->n_first)
		fputs("</ul>\n", f);
}

static int cmp_wire(const void *a, const void *b)
{
	const struct hwire *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* What the server's link showed and the slow connects, as sentences in time order: the first of
 * each client, read without hover, like the first drops (html_link_events gathered each drawn
 * client's first FIRST_WIRE_EACH). */
void html_first_wire(FILE *f, const struct model *m)
{
	size_t *n = calloc(m->n_clients + 1, sizeof(*n));
	size_t clients = 0, more = 0, shown = 0;
	char b[32];

	if (!n || !m->n_fw || !m->n_wire)	/* slow connects alone: the marks and the story */
		goto out;
	qsort(m->fw, m->n_fw, sizeof(*m->fw), cmp_wire);
	for (size_t j = 0; j < m->n_fw; j++) {
		const struct hwire *e = &m->fw[j];

		if (!n[e->client] && clients == FIRST_DROPS_CLIENTS) {
			n[e->client] = FIRST_WIRE_EACH;
			more++;
			continue;
		}
		if (n[e->client]++ >= FIRST_WIRE_EACH)
			continue;
		if (!shown++)
			fputs(_("<p class=\"firsts-h\">What the server's kernel did instead of a SYN-ACK, "
				"in order:</p><ul class=\"firsts\" id=\"first-wire\">"),
			      f);
		clients += n[e->client] == 1;
		fprintf(f, _("<li>t %s s · "), i18n_dec(b, sizeof(b), e->t, 3));
		html_esc(f, e->title);
		fputs("</li>", f);
	}
	if (more)
		fprintf(f, _("<li>… and %zu more clients (the timeline)</li>"), more);
	if (shown)
		fputs("</ul>\n", f);
out:
	free(n);
}
