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

#define MAX_POINTS	  20000 /* TSval chart: beyond this, every k-th SYN */
#define MAX_NAT_ROWS	  500
#define MAX_LEGEND	  12
#define MAX_DIRECT_LABELS 10
#define COUNTER_COLS	  8 /* more nodes than this: clients are summed in one column */

/* HK_PAWS, HK_TWACK, HK_RST: what the server's link showed (run/twwatch.h) */
enum hkind { HK_ATTEMPT, HK_SYN, HK_RECORD, HK_PAWS, HK_TWACK, HK_RST };
enum houtc { HO_OK, HO_TIMEOUT, HO_REFUSED, HO_RESET, HO_ERROR };

struct hev {
	double t, t_end;
	enum hkind kind;
	int client; /* index in result "clients", -1 when unknown */
	int peer;   /* syn, record: index in model.peer */
	enum houtc outc;
	bool drop, has_ts, update;
	bool rst_by_client, answers; /* HK_RST: sent by the client; answers the ACK or SYN */
	int syn_retrans;	      /* HK_ATTEMPT */
	int cause;		      /* a slow connect: index of the HK_PAWS/HK_TWACK in it, -1 */
	uint32_t tsval, record_ts;   /* HK_PAWS: the SYN's TSval and the ACK's TSecr */
	char *title; /* hover text, not escaped */
};

struct peer {
	char key[96];	 /* "src>dst" addresses: the gate's record key */
	char addr[48];	 /* src: the address the server sees */
	int last_client; /* client of the last update, -1 none */
};

struct model {
	json_t *res;
	size_t n_clients;
	const char **cname;  /* names: events and counters refer to clients by them */
	const char **clabel; /* what the page shows: the label, else the name */
	int *by_name; /* client indices sorted by name */
	struct hev *ev;
	size_t n_ev, cap_ev;
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
};

/* The page reads this many events, then only the drops (so the page and twlab's memory stay
 * bounded by the drops); events.jsonl has them all. */
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
int html_load_events(struct model *m, FILE *events);
/* Once loaded: the slow connects' threshold, and each slow connect's cause with its words. */
void html_link_events(struct model *m);
void html_model_free(struct model *m);
void html_num_cell(FILE *f, json_t *v);

/* html_charts.c */
double html_nice_step(double range, int want);
void html_timeline(FILE *f, const struct model *m);
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
