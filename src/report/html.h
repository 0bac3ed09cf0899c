/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of report.html share: the model of a run built from result.json and
 * events.jsonl (html_model.c), the page's helpers, the charts (html_charts.c) and the tables
 * (html_tables.c). Private to src/report/.
 */
#ifndef TWLAB_REPORT_HTML_PRIV_H
#define TWLAB_REPORT_HTML_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "report/report_html.h"
#include "report/spool.h"

#define MAX_POINTS	  20000 /* TSval chart: beyond this, every k-th SYN */
#define MAX_NAT_ROWS	  500
#define MAX_LEGEND	  12
#define MAX_DIRECT_LABELS 10
#define COUNTER_COLS	  8 /* more nodes than this: clients are summed in one column */

/* HK_PAWS, HK_TWACK, HK_RST: what the server's link showed (run/twwatch.h) */
enum hkind { HK_ATTEMPT, HK_SYN, HK_RECORD, HK_PAWS, HK_TWACK, HK_RST };
enum houtc { HO_OK, HO_TIMEOUT, HO_REFUSED, HO_RESET, HO_ERROR };

/* An event as report.html draws it. The model keeps none of them: each goes, with its hover
 * text right after it (title_len bytes), to the spool buckets that draw it (html_ev_read). */
struct hev {
	double t, t_end;
	enum hkind kind;
	int client; /* index in result "clients", -1 when unknown */
	int peer;   /* syn, record: index in model.peer */
	enum houtc outc;
	bool drop, has_ts, update;
	bool rst_by_client, answers; /* HK_RST: sent by the client; answers the ACK or SYN */
	int syn_retrans;	      /* HK_ATTEMPT */
	uint32_t tsval, record_ts;   /* HK_PAWS: the SYN's TSval and the ACK's TSecr */
	uint32_t title_len; /* 0: no hover text */
};

/* A record event in its peer's bucket: one step of the record line. */
struct hstep {
	double t;
	uint32_t record_ts, pad;
};

struct peer {
	char key[96];	 /* "src>dst" addresses: the gate's record key */
	char addr[48];	 /* src: the address the server sees */
	int last_client; /* client of the last update, -1 none */
	int bucket;	 /* its struct hstep in the spool, -1 until it has a record */
};

/* Per client, what the TSval chart's title and legend need. */
struct hclient {
	double ts_sum;		/* of its SYNs' TSvals (the title compares means) */
	size_t n_ts, ts_drops;	/* its SYNs with a timestamp, of them dropped */
	bool first_seen;	/* its first SYN with a timestamp was read (always drawn) */
};

#define FIRST_DROPS_CLIENTS 6
#define FIRST_DROPS_EACH    2

struct hfirst {
	double t;
	char *title;
};

/* The first-wire list: per drawn client, its first answers from the server's link and slow
 * connects with their reason (a reject, the RST, the slow connect: one episode). */
#define FIRST_WIRE_EACH 3

struct hwire {
	double t;	/* a connect: its end */
	size_t seq;	/* ties: the order they were read */
	int client;
	char *title;
};

/* Lane l's marks, pass p (0 failures, 1 connects, 2 drops, 3 the server's answers and the
 * RSTs: HK_PAWS, HK_TWACK, HK_RST): bucket b_lane + HTML_LANE_PASSES * l + p. */
#define HTML_LANE_PASSES 4

struct model {
	json_t *res;
	size_t n_clients;
	const char **cname;  /* names: events and counters refer to clients by them */
	const char **clabel; /* what the page shows: the label, else the name */
	int *by_name; /* client indices sorted by name */
	size_t n_ev;	    /* events read (and drawn) */
	struct peer *peer;
	size_t n_peer, cap_peer;
	double t0, t1; /* time axis */
	double paws_msl;
	bool gate;
	const char *server_label; /* labels.server, else "the server" (translated) */
	double slow_ms; /* a connect this slow (ms) is marked, 0: none is (html_link_events) */
	size_t n_syn, n_drop_unattr, n_wire;	/* n_wire: HK_PAWS, HK_TWACK, HK_RST events */
	size_t n_lines, n_skipped; /* events.jsonl lines; those left out past HTML_MAX_EVENTS */
	bool have_y;
	double ymin, ymax;
	/* where the events wait to be drawn, bounded by the lab's size in memory */
	struct spool *sp;
	int b_rec;	/* record events, in order (the timeline's record lane) */
	int b_syn;	/* SYNs with a timestamp, in order (the TSval chart) */
	int b_lane;	/* the timeline's lanes (HTML_LANE_PASSES each) */
	size_t lanes;
	int err;	/* the first spool error while drawing: the page is not written */
	/* what the passes over the events need first, gathered as they are read */
	bool seen[HO_ERROR + 1];	/* attempt outcomes */
	bool wire[HK_RST + 1];		/* HK_PAWS, HK_TWACK, HK_RST drawn in a lane */
	double *conn_ms;		/* ok attempts' connect times: at most HTML_MAX_EVENTS */
	size_t n_conn, cap_conn;
	double *once_ms;		/* of them, those whose SYN went once */
	size_t n_once, cap_once;
	struct hwire *fw;		/* the first-wire list (html_link_events), lanes * EACH */
	size_t n_fw;
	struct hclient *hc;		/* per client */
	size_t ts_total_drops;
	size_t n_pts, n_forced;		/* TSval chart: sampled SYNs, SYNs always drawn */
	bool have_gap;			/* the first dropped SYN with a timestamp */
	struct hev gap;
	struct hfirst first[FIRST_DROPS_CLIENTS * FIRST_DROPS_EACH];
	size_t n_first, first_clients, first_more;
	size_t *first_n;		/* per client, its drops seen for the list */
};

/* The page reads this many events, then only the drops (so the page stays bounded by the
 * drops); events.jsonl has them all. */
#define HTML_MAX_EVENTS 50000

/* Okabe-Ito, without yellow (too light on white) and black (the record line) */
extern const char *const palette[];
#define N_PALETTE 6

/* html_model.c */
const char *html_client_colour(int ci);
const char *html_cname(const struct model *m, int ci);
/* What the page calls a node of result.json's counters: its label, else its name. */
const char *html_node_label(const struct model *m, const char *node);
void html_esc(FILE *f, const char *s);
char *html_fmt_int(char *buf, size_t len, long long v);
const char *html_dec(double v, int prec);
const char *html_numf(const char *fmt, double v, int prec);
double html_jnum(json_t *o, const char *key, double dflt);
const char *html_jstr(json_t *o, const char *key, const char *dflt);
int html_load_clients(struct model *m);
int html_load_events(struct model *m, FILE *events, int tmpdir);
/* Bucket b from its start: then html_ev_read until 0. 0 or -errno (also in m->err). */
int html_ev_rewind(struct model *m, int b);
/* The next event of bucket b and its hover text (*title, NUL-terminated, "" when none; the
 * buffer is the caller's, grown as needed, freed by the caller): 1, 0 at the end, -errno
 * (also in m->err). */
int html_ev_read(struct model *m, int b, struct hev *e, char **title, size_t *cap);
/* Once loaded: the slow connects' threshold (m->slow_ms) and the first-wire list (m->fw). */
void html_link_events(struct model *m);

/* A lane's connects read in order, each looked up among the same lane's answers from the
 * server's link (its pass 3 bucket, read alongside): no event is kept but the next answer. */
struct html_causes {
	int b;		/* the lane's answers; -1: none */
	bool started, have, end;
	double last_t;
	struct hev w;
	char *title;
	size_t cap;
};
void html_causes_init(const struct model *m, struct html_causes *c, size_t lane);
void html_causes_free(struct html_causes *c);
/* Ok attempt e (of c's lane) is slow and says why: *out is its hover text (title) with the
 * reason (the server's answer to its SYN inside it, whatever the threshold; else its SYNs
 * resent, past m->slow_ms), malloc'd. 1 when so, 0 when not slow or no reason (*out NULL),
 * -errno. */
int html_slow_title(struct model *m, struct html_causes *c, const struct hev *e,
		    const char *title, char **out);
void html_model_free(struct model *m);
void html_num_cell(FILE *f, json_t *v);

/* html_charts.c */
double html_nice_step(double range, int want);
void html_timeline(FILE *f, struct model *m);
void html_tsval_chart(FILE *f, struct model *m);

/* html_tables.c */
void html_clients_table(FILE *f, const struct model *m);
void html_clocks(FILE *f, const struct model *m);
void html_first_drops(FILE *f, const struct model *m);
void html_first_wire(FILE *f, const struct model *m);
void html_conntrack_table(FILE *f, const struct model *m);
void html_counters_table(FILE *f, const struct model *m);
void html_expect_table(FILE *f, const struct model *m);
void html_gate_table(FILE *f, const struct model *m);
void html_nat_table(FILE *f, const struct model *m);

/* report_html.c */
long long html_client_int(json_t *c, const char *key);

#endif
