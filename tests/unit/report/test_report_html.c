// SPDX-License-Identifier: GPL-2.0
/* report_html: the page built from a small result.json and events.jsonl. */
/* MODULES: report_html html_model html_charts html_tables spool i18n */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "report/report_html.h"

struct fx {
	char dir[64];
	char events[96];
	char out[96];
};

static const char *const two_clients =
	"{\"schema\":1,\"lab\":\"nat-recycle\",\"kernel\":\"6.18.44\",\"ok\":true,"
	"\"duration_s\":2.0,\"description\":\"Two hosts <behind> one address\","
	"\"gate\":{\"enabled\":true,\"syn_seen\":3,\"syn_passed\":1,\"syn_dropped\":2,"
	"\"records_updated\":2,\"paws_msl_s\":60.0,\"paws_window\":1,\"PAWSPassive\":2},"
	"\"clients\":["
	"{\"name\":\"alice\",\"address\":\"100.64.0.2\",\"ts_mode\":\"offset\",\"attempts\":1,"
	"\"uptime_s\":864000,\"ts_offset\":864000000,\"hz\":250,"
	"\"connected\":1,\"failed\":0,\"syn_dropped\":0,\"syn_retransmits\":0,"
	"\"connect_ms\":{\"p50\":0.3,\"p99\":0.4,\"max\":0.4}},"
	"{\"name\":\"b<&>ob\",\"address\":\"100.64.0.6\",\"ts_mode\":\"offset\",\"attempts\":1,"
	"\"connected\":0,\"failed\":1,\"syn_dropped\":2,\"syn_retransmits\":1,"
	"\"connect_ms\":{\"p50\":null,\"p99\":null,\"max\":null}}],"
	"\"counters\":{\"server\":{\"TcpExtTW\":1,\"IpInReceives\":9},\"router\":{},"
	"\"alice\":{},\"b<&>ob\":{\"TcpExtTCPSynRetrans\":1}},"
	"\"nat\":[{\"client\":\"alice\",\"inside\":\"100.64.0.2:40000\","
	"\"outside\":\"198.51.100.1:40000\",\"t\":0.0}],"
	"\"expect\":[{\"check\":\"client.b<&>ob.syn_dropped > 0\",\"ok\":true,\"actual\":2}]}";

/* alice connects and leaves a record; bob's SYN and its retransmit are dropped */
static const char *const events =
	"{\"t\":0.0,\"type\":\"attempt\",\"client\":\"alice\",\"seq\":0,"
	"\"local\":\"100.64.0.2:40000\",\"outcome\":\"ok\",\"connect_ms\":0.3,\"end\":0.01,"
	"\"syn_retrans\":0,\"errno\":0}\n"
	"{\"t\":0.0,\"type\":\"syn\",\"client\":\"alice\","
	"\"tuple\":\"198.51.100.1:40000>198.51.100.2:8080\",\"verdict\":\"pass\","
	"\"reason\":\"no-record\",\"tsval\":864000000}\n"
	"{\"t\":0.01,\"type\":\"record\",\"client\":\"alice\","
	"\"tuple\":\"198.51.100.1:40000>198.51.100.2:8080\",\"action\":\"update\","
	"\"ts_recent\":863997000,\"record_ts\":863997000}\n"
	"{\"t\":0.2,\"type\":\"record\",\"client\":\"alice\","
	"\"tuple\":\"198.51.100.1:40000>198.51.100.2:8080\",\"action\":\"update\","
	"\"ts_recent\":863997000,\"record_ts\":863997000}\n"
	"not json: skipped\n"
	"{\"t\":0.4,\"type\":\"attempt\",\"client\":\"b<&>ob\",\"seq\":0,"
	"\"local\":\"100.64.0.6:40312\",\"outcome\":\"timeout\",\"connect_ms\":0.0,\"end\":1.9,"
	"\"syn_retrans\":1,\"errno\":110}\n"
	"{\"t\":0.6,\"type\":\"syn\",\"client\":\"b<&>ob\","
	"\"tuple\":\"198.51.100.1:40312>198.51.100.2:8080\",\"verdict\":\"drop\",\"reason\":\"paws\","
	"\"tsval\":3600412,\"record_ts\":863997000,\"record_age_s\":0.4,\"behind\":860396588}\n"
	"{\"t\":1.6,\"type\":\"syn\",\"client\":\"b<&>ob\","
	"\"tuple\":\"198.51.100.1:40312>198.51.100.2:8080\",\"verdict\":\"drop\",\"reason\":\"paws\","
	"\"tsval\":3601412,\"record_ts\":863997000,\"record_age_s\":1.4,\"behind\":860395588}\n";

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	strcpy(fx->dir, "/tmp/twl-test-html.XXXXXX");
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	snprintf(fx->events, sizeof(fx->events), "%s/events.jsonl", fx->dir);
	snprintf(fx->out, sizeof(fx->out), "%s/report.html", fx->dir);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	unlink(fx->events);
	unlink(fx->out);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, n, f), (size_t)n);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* report_html between two files named by path (events_path may be NULL) */
static int html_file(json_t *res, const char *events_path, const char *out_path)
{
	FILE *ev = events_path ? fopen(events_path, "r") : NULL, *out;
	int err;

	if (events_path && !ev)
		return -errno;
	out = fopen(out_path, "w");
	if (!out) {
		err = -errno;
		if (ev)
			fclose(ev);
		return err;
	}
	err = report_html(res, ev, out, -1);
	if (fclose(out) && !err)
		err = -errno;
	if (ev)
		fclose(ev);
	return err;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static json_t *load(const char *text)
{
	json_t *j = json_loads(text, 0, NULL);

	assert_non_null(j);
	return j;
}

static void test_lanes_drops_record(void **state)
{
	struct fx *fx = *state;
	json_t *res = load(two_clients);
	char *html;

	write_file(fx->events, events);
	assert_int_equal(html_file(res, fx->events, fx->out), 0);
	html = read_all(fx->out);
	assert_int_equal(count(html, "<g class=\"lane\""), 2);
	assert_int_equal(count(html, "class=\"mark drop\""), 2);
	assert_int_equal(count(html, "class=\"mark ok\""), 1);
	assert_int_equal(count(html, "class=\"mark timeout\""), 1);
	assert_int_equal(count(html, "class=\"mark update\""), 2);
	/* the reason, on hover, is the text report's sentence, escaped */
	assert_non_null(strstr(html, "<title>b&lt;&amp;&gt;ob: SYN 198.51.100.1:40312 dropped — "
				     "TSval 3600412 is 860396588 behind the value recorded from "
				     "alice 0.4 s ago (window 60 s)</title>"));
	/* the server's record as one step line over the TSval chart */
	assert_int_equal(count(html, "<path class=\"record-step\" d=\"M"), 1);
	assert_int_equal(count(html, "class=\"pt drop\""), 2);
	assert_int_equal(count(html, "class=\"pt pass\""), 1);
	assert_non_null(strstr(html, "b&lt;&amp;&gt;ob: 2 SYNs dropped by the recycle rule; alice "
				     "never."));
	/* the hostile name never appears raw, anywhere */
	assert_null(strstr(html, "b<&>ob"));
	/* the verdict in words, from the run; the clocks; the first drops without hover */
	assert_non_null(strstr(html, "prediction held: b&lt;&amp;&gt;ob locked out, alice never"));
	assert_null(strstr(html, "✓ ok"));
	assert_non_null(strstr(html, "<b>alice</b>'s clock: a host up for 10 d (TSval offset "
				     "+864,000,000 ticks, HZ=250: 1 tick = 4 ms)"));
	assert_non_null(strstr(html, "<li>t 0.60 s · b&lt;&amp;&gt;ob: SYN 198.51.100.1:40312 "
				     "dropped"));
	assert_non_null(strstr(html, "<li>t 1.60 s · b&lt;&amp;&gt;ob: SYN"));
	assert_non_null(strstr(html, "Two hosts &lt;behind&gt; one address"));
	/* alice's clock at HZ 250, in the clients table's clock column too */
	assert_non_null(strstr(html, "<br>250 Hz"));
	/* the title is true for this run: alice, the largest clock, is the only one through */
	assert_non_null(strstr(html, "TSval against time: only the largest clock gets through "
				     "(alice)</h2>"));
	assert_non_null(strstr(html, "TcpExtTW"));
	assert_null(strstr(html, "<script"));
	assert_null(strstr(html, "http"));
	free(html);
	json_decref(res);
}

static void test_empty_events(void **state)
{
	struct fx *fx = *state;
	json_t *res = load(two_clients);
	char *html;

	write_file(fx->events, "");
	assert_int_equal(html_file(res, fx->events, fx->out), 0);
	html = read_all(fx->out);
	assert_int_equal(count(html, "<g class=\"lane\""), 2);
	assert_int_equal(count(html, "class=\"mark "), 0);
	assert_null(strstr(html, "class=\"record-step\""));
	assert_non_null(strstr(html, "No events were recorded"));
	assert_non_null(strstr(html, "</html>"));
	free(html);
	json_decref(res);
}

static void test_no_gate_no_router(void **state)
{
	struct fx *fx = *state;
	json_t *res = load("{\"lab\":\"plain\",\"ok\":false,\"gate\":{\"enabled\":false},"
			   "\"clients\":[{\"name\":\"c\",\"attempts\":0}],\"counters\":{},"
			   "\"nat\":[],\"expect\":[{\"check\":\"x > 0\",\"ok\":false}]}");
	char *html;

	assert_int_equal(html_file(res, NULL, fx->out), 0);
	html = read_all(fx->out);
	assert_int_equal(count(html, "<g class=\"lane\""), 1);
	assert_null(strstr(html, "lane-record"));
	assert_non_null(strstr(html, "prediction FAILED: no SYN dropped"));
	assert_null(strstr(html, "largest clock"));
	assert_non_null(strstr(html, "The gate was off"));
	assert_non_null(strstr(html, "No NAT mapping"));
	free(html);
	json_decref(res);
}

/* A failure demo: the verdict says FAILED in words, and the title makes no claim the run does
 * not support (bob got through: the largest clock did not win alone). */
static void test_failed_prediction_title(void **state)
{
	struct fx *fx = *state;
	json_t *res = load(two_clients), *c;
	char *html;

	json_object_set_new(json_array_get(json_object_get(res, "expect"), 0), "ok", json_false());
	json_object_set_new(json_array_get(json_object_get(res, "expect"), 0), "why",
			    json_string("client.bob.connected is 3, wanted == 0"));
	c = json_array_get(json_object_get(res, "clients"), 1);
	json_object_set_new(c, "connected", json_integer(1));
	write_file(fx->events, events);
	assert_int_equal(html_file(res, fx->events, fx->out), 0);
	html = read_all(fx->out);
	assert_non_null(strstr(html, "prediction FAILED: b&lt;&amp;&gt;ob lost some SYNs, alice "
				     "never <span class=\"why\">(client.bob.connected is 3, "
				     "wanted == 0)</span>"));
	assert_null(strstr(html, "prediction held"));
	free(html);
	json_decref(res);

	/* both clients dropped: no "only the largest clock" */
	res = load(two_clients);
	write_file(fx->events,
		   "{\"t\":0.1,\"type\":\"syn\",\"client\":\"alice\",\"tuple\":\"a:1>b:2\","
		   "\"verdict\":\"drop\",\"reason\":\"paws\",\"tsval\":5,\"record_ts\":9}\n"
		   "{\"t\":0.2,\"type\":\"syn\",\"client\":\"b<&>ob\",\"tuple\":\"a:3>b:2\","
		   "\"verdict\":\"drop\",\"reason\":\"paws\",\"tsval\":6,\"record_ts\":9}\n");
	assert_int_equal(html_file(res, fx->events, fx->out), 0);
	html = read_all(fx->out);
	assert_null(strstr(html, "largest clock"));
	assert_non_null(strstr(html, "TSval against time: a SYN behind the server's record is "
				     "dropped</h2>"));
	free(html);
	json_decref(res);
}

/* More SYNs than the chart draws: passed ones are sampled, never a drop or a first SYN. */
static void test_sampling_keeps_drops(void **state)
{
	struct fx *fx = *state;
	json_t *res = load(two_clients);
	FILE *f = fopen(fx->events, "w");
	char *html;

	assert_non_null(f);
	for (int i = 0; i < 60000; i++) {
		fprintf(f, "{\"t\":%.4f,\"type\":\"syn\",\"client\":\"alice\","
			   "\"tuple\":\"a:%d>b:2\",\"verdict\":\"pass\",\"reason\":\"newer\","
			   "\"tsval\":%d}\n", i * 0.00005, i, 864000000 + i);
		if (i % 5000 == 4999)	/* 12 drops; a stride of 3 over all SYNs keeps 1 in 3 */
			fprintf(f, "{\"t\":%.4f,\"type\":\"syn\",\"client\":\"b<&>ob\","
				   "\"tuple\":\"a:1>b:2\",\"verdict\":\"drop\",\"reason\":\"paws\","
				   "\"tsval\":3600000,\"record_ts\":864000000}\n", i * 0.00005);
	}
	assert_int_equal(fclose(f), 0);
	assert_int_equal(html_file(res, fx->events, fx->out), 0);
	html = read_all(fx->out);
	assert_int_equal(count(html, "class=\"pt drop\""), 12);
	assert_true(count(html, "class=\"pt pass\"") <= 20000);
	assert_non_null(strstr(html, "every drop and each client's first SYN drawn"));
	free(html);
	json_decref(res);
}

static void test_many_clients_capped(void **state)
{
	struct fx *fx = *state;
	json_t *res = load("{\"lab\":\"many\",\"ok\":true,\"gate\":{\"enabled\":false},"
			   "\"clients\":[],\"counters\":{}}");
	json_t *clients = json_object_get(res, "clients");
	char *html;

	for (int i = 0; i < 1000; i++) {
		char name[16];

		snprintf(name, sizeof(name), "c%d", i);
		json_array_append_new(clients,
				      json_pack("{s:s, s:i}", "name", name, "attempts", 1));
	}
	write_file(fx->events, "{\"t\":0.5,\"type\":\"attempt\",\"client\":\"c999\","
			       "\"outcome\":\"refused\",\"end\":0.6}\n");
	assert_int_equal(html_file(res, fx->events, fx->out), 0);
	html = read_all(fx->out);
	assert_int_equal(count(html, "<g class=\"lane\""), REPORT_HTML_MAX_LANES);
	assert_non_null(strstr(html, "960 more are not drawn"));
	/* c999 has no lane: its mark is not drawn, but it is in the table */
	assert_int_equal(count(html, "class=\"mark "), 0);
	assert_non_null(strstr(html, "<td>c999</td>"));
	free(html);
	json_decref(res);
}

/* Exercise 5: no gate; bob's SYN meets the server's TIME_WAIT: the reject and his RST, timed
 * from the server's link, drawn in his lane and said in words; his connect is slow, and why.
 * The server and the router carry labels: their counter columns say so. */
static void test_wire_events_and_labels(void **state)
{
	struct fx *fx = *state;
	json_t *res = load(
		"{\"lab\":\"ex5\",\"ok\":true,\"gate\":{\"enabled\":false},"
		"\"labels\":{\"server\":\"Servidor Ñ\",\"router\":\"Roteador <Ω>\"},"
		"\"clients\":[{\"name\":\"alice\",\"attempts\":3,\"connected\":3},"
		"{\"name\":\"bob\",\"attempts\":1,\"connected\":1}],"
		"\"counters\":{\"server\":{\"TcpExtPAWSTimewait\":1},\"router\":{\"IpForwDatagrams\":4},"
		"\"alice\":{},\"bob\":{\"TcpOutRsts\":1}},\"nat\":[],\"expect\":[]}");
	char *html;

	write_file(fx->events,
		   "{\"t\":0.0,\"type\":\"attempt\",\"client\":\"alice\",\"local\":\"100.64.0.2:1\","
		   "\"outcome\":\"ok\",\"connect_ms\":0.2,\"syn_retrans\":0}\n"
		   "{\"t\":0.5,\"type\":\"attempt\",\"client\":\"alice\",\"local\":\"100.64.0.2:2\","
		   "\"outcome\":\"ok\",\"connect_ms\":0.2,\"syn_retrans\":0}\n"
		   "{\"t\":1.2,\"type\":\"attempt\",\"client\":\"bob\",\"local\":\"100.64.0.6:3\","
		   "\"outcome\":\"ok\",\"connect_ms\":10.3,\"syn_retrans\":1}\n"
		   "{\"t\":2.4,\"type\":\"attempt\",\"client\":\"alice\",\"local\":\"100.64.0.2:4\","
		   "\"outcome\":\"ok\",\"connect_ms\":0.2,\"syn_retrans\":0}\n"
		   "{\"t\":1.2,\"type\":\"paws_reject\",\"client\":\"bob\","
		   "\"tuple\":\"198.51.100.1:40000>198.51.100.2:8080\",\"syn_t\":1.2,"
		   "\"tsval\":3601200,\"tw_ts_recent\":864000100,\"behind\":860398900}\n"
		   "{\"t\":1.2,\"type\":\"rst\",\"client\":\"bob\","
		   "\"tuple\":\"198.51.100.1:40000>198.51.100.2:8080\",\"from\":\"client\","
		   "\"answers\":\"timewait_ack\"}\n");
	assert_int_equal(html_file(res, fx->events, fx->out), 0);
	html = read_all(fx->out);
	assert_int_equal(count(html, "class=\"mark paws\""), 1);
	assert_int_equal(count(html, "class=\"mark rst\""), 1);
	assert_int_equal(count(html, "class=\"mark slow\""), 1);
	assert_non_null(strstr(html, "id=\"first-wire\"><li>t 1.200 s · bob: SYN "
				     "198.51.100.1:40000&gt;198.51.100.2:8080 rejected by PAWS at "
				     "Servidor Ñ — TSval 3601200 is behind 864000100"));
	assert_non_null(strstr(html, "<li>t 1.200 s · bob sent an RST to that ACK"));
	assert_non_null(strstr(html, "<li>t 1.210 s · bob: connected in 10.30 ms from "
				     "100.64.0.6:3 (t 1.200 s) — its first SYN was rejected by PAWS at "
				     "Servidor Ñ; its RST and the SYN again followed</li>"));
	assert_non_null(strstr(html, "The timeline marks each one"));
	assert_non_null(strstr(html, "<th>Servidor Ñ (server)</th><th>Roteador &lt;Ω&gt; (router)</th>"));
	assert_null(strstr(html, "<Ω>"));
	free(html);
	json_decref(res);
}

/* Bob's attempts are written as they end, not as they start: the later connect's line comes
 * first. Each slow connect still finds the PAWS reject inside it, read from his lane's answers
 * (the page holds no array of events to search), and a connect without one says its resent SYN. */
static void test_wire_cause_out_of_order(void **state)
{
	struct fx *fx = *state;
	json_t *res = load(
		"{\"lab\":\"ex5\",\"ok\":true,\"gate\":{\"enabled\":false},"
		"\"clients\":[{\"name\":\"alice\",\"attempts\":2,\"connected\":2},"
		"{\"name\":\"bob\",\"attempts\":3,\"connected\":3}],"
		"\"counters\":{\"server\":{},\"alice\":{},\"bob\":{}},\"nat\":[],\"expect\":[]}");
	char *html;

	write_file(fx->events,
		   "{\"t\":0.0,\"type\":\"attempt\",\"client\":\"alice\",\"local\":\"a:1\","
		   "\"outcome\":\"ok\",\"connect_ms\":0.2,\"syn_retrans\":0}\n"
		   "{\"t\":2.0,\"type\":\"attempt\",\"client\":\"bob\",\"local\":\"b:2\","
		   "\"outcome\":\"ok\",\"connect_ms\":10.3,\"syn_retrans\":1}\n"
		   "{\"t\":1.0,\"type\":\"attempt\",\"client\":\"bob\",\"local\":\"b:1\","
		   "\"outcome\":\"ok\",\"connect_ms\":10.3,\"syn_retrans\":1}\n"
		   "{\"t\":3.0,\"type\":\"attempt\",\"client\":\"bob\",\"local\":\"b:3\","
		   "\"outcome\":\"ok\",\"connect_ms\":1003,\"syn_retrans\":1}\n"
		   "{\"t\":4.0,\"type\":\"attempt\",\"client\":\"alice\",\"local\":\"a:2\","
		   "\"outcome\":\"ok\",\"connect_ms\":0.2,\"syn_retrans\":0}\n"
		   "{\"t\":1.0,\"type\":\"paws_reject\",\"client\":\"bob\",\"tuple\":\"x>y\","
		   "\"tsval\":1,\"tw_ts_recent\":9}\n"
		   "{\"t\":2.001,\"type\":\"paws_reject\",\"client\":\"bob\",\"tuple\":\"x>y\","
		   "\"tsval\":2,\"tw_ts_recent\":9}\n");
	assert_int_equal(html_file(res, fx->events, fx->out), 0);
	html = read_all(fx->out);
	assert_int_equal(count(html, "class=\"mark slow\""), 3);
	/* the two on the timeline, the first in the list (bob's first three: reject, connect,
	 * reject) */
	assert_int_equal(count(html, "— its first SYN was rejected by PAWS at the server"), 3);
	assert_int_equal(count(html, "from b:3 (t 3.000 s) — its SYN was sent 1 more time"), 1);
	free(html);
	json_decref(res);
}

/* Under load alice's connects are slow too and the threshold (3x the median of the connects
 * whose SYN went once) rises past bob's: a connect whose SYN was rejected on the wire keeps its
 * mark and its reason whatever its latency; a resend alone needs the threshold. */
static void test_wire_cause_below_threshold(void **state)
{
	struct fx *fx = *state;
	json_t *res = load(
		"{\"lab\":\"ex5\",\"ok\":true,\"gate\":{\"enabled\":false},"
		"\"clients\":[{\"name\":\"alice\",\"attempts\":3,\"connected\":3},"
		"{\"name\":\"bob\",\"attempts\":2,\"connected\":2}],"
		"\"counters\":{\"server\":{},\"alice\":{},\"bob\":{}},\"nat\":[],\"expect\":[]}");
	char *html;

	write_file(fx->events,
		   "{\"t\":0.0,\"type\":\"attempt\",\"client\":\"alice\",\"local\":\"a:1\","
		   "\"outcome\":\"ok\",\"connect_ms\":6,\"syn_retrans\":0}\n"
		   "{\"t\":0.5,\"type\":\"attempt\",\"client\":\"alice\",\"local\":\"a:2\","
		   "\"outcome\":\"ok\",\"connect_ms\":6,\"syn_retrans\":0}\n"
		   "{\"t\":0.8,\"type\":\"attempt\",\"client\":\"alice\",\"local\":\"a:3\","
		   "\"outcome\":\"ok\",\"connect_ms\":20,\"syn_retrans\":0}\n"
		   "{\"t\":1.0,\"type\":\"attempt\",\"client\":\"bob\",\"local\":\"b:1\","
		   "\"outcome\":\"ok\",\"connect_ms\":11,\"syn_retrans\":1}\n"
		   "{\"t\":2.0,\"type\":\"attempt\",\"client\":\"bob\",\"local\":\"b:2\","
		   "\"outcome\":\"ok\",\"connect_ms\":12,\"syn_retrans\":1}\n"
		   "{\"t\":1.0,\"type\":\"paws_reject\",\"client\":\"bob\",\"tuple\":\"x>y\","
		   "\"tsval\":1,\"tw_ts_recent\":9}\n");
	assert_int_equal(html_file(res, fx->events, fx->out), 0);
	html = read_all(fx->out);
	/* threshold 18 ms: alice's 20 ms connect by latency, bob's 11 ms one by its reject; his
	 * 12 ms one (a resend, no reject) is not marked */
	assert_int_equal(count(html, "class=\"mark slow\""), 2);
	assert_int_equal(count(html, "from b:1 (t 1.000 s) — its first SYN was rejected by PAWS"), 2);
	assert_int_equal(count(html, "from b:2 (t 2.000 s) — "), 0);
	free(html);
	json_decref(res);
}

static void test_errors(void **state)
{
	json_t *arr = json_array(), *res = load(two_clients);
	FILE *full = fopen("/dev/full", "w");

	(void)state;
	assert_int_equal(report_html(arr, NULL, stdout, -1), -EINVAL);
	assert_int_equal(report_html(res, NULL, NULL, -1), -EINVAL);
	/* a write that fails (the page does not fit in one stdio buffer) is an error */
	assert_non_null(full);
	assert_int_equal(report_html(res, NULL, full, -1), -ENOSPC);
	fclose(full);
	json_decref(arr);
	json_decref(res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lanes_drops_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_gate_no_router, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_prediction_title, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sampling_keeps_drops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_clients_capped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wire_events_and_labels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wire_cause_out_of_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wire_cause_below_threshold, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
