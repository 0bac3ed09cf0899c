/* SPDX-License-Identifier: GPL-2.0 */
/*
 * audit: `twlab audit FILE`. A sysctl file (sysctl -p / sysctl.d syntax) is read line by line;
 * each line's key is looked up on this kernel (exists? per network namespace?) and, when twlab
 * has an experiment for it, measured in a lab built for that key: the value is applied inside
 * the lab's namespaces only, and what it changes is read off real sockets (sock_diag timers,
 * connects, counters), with the value and without.
 *
 * Two halves, as in verify/:
 *  - pure (audit.c): the parser, the key table (what each key claims, its value's form), the
 *    verdicts, text and JSON output; audit_html.c writes the page;
 *  - the experiments (audit_exp.c), which need root.
 */
#ifndef TWLAB_AUDIT_H
#define TWLAB_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

enum audit_verdict {
	AV_NOT_MEASURED,   /* no experiment for this key, or it could not run: never guessed */
	AV_CLAIMED,        /* does what it claims */
	AV_NO_TW,          /* no effect on TIME_WAIT */
	AV_HARMFUL_NAT,    /* harmful behind NAT */
	AV_ABSENT,         /* not on this kernel */
};

/* The experiments of audit_exp.c; AE_NONE: the key is only looked up. */
enum audit_exp {
	AE_NONE, AE_FIN_TIMEOUT, AE_TW_REUSE, AE_TW_RECYCLE, AE_KA_TIME, AE_KA_INTVL, AE_KA_PROBES,
	AE_MAX_TW, AE_PORT_RANGE, AE_TIMESTAMPS, AE_SYNCOOKIES, AE_SOMAXCONN, AE_SYN_BACKLOG,
	AE_TW_REUSE_DELAY,
};

enum audit_kind { AK_ANY, AK_INT, AK_PAIR };   /* the form a known key's value must have */

/* One key twlab knows. */
struct audit_key {
	const char *name;          /* "net.ipv4.tcp_fin_timeout" */
	const char *claim;         /* what the recipes say it does */
	enum audit_kind kind;
	long lo, hi;               /* AK_INT / AK_PAIR bounds */
	enum audit_exp exp;
};

struct audit_line {
	int line;                  /* 1-based line in the file */
	char key[160];             /* sysctl(8)'s dotted name; a '/' in it is a literal dot */
	char value[256];           /* as written, inner whitespace kept */
	bool ignore_failure;       /* '-' prefix: sysctl.d ignores a failure to set it */
	bool glob;                 /* a '*' or '?' in the key */
	const struct audit_key *known;
	/* ---- results ---- */
	int exists;                /* 1, 0, -1 not looked at */
	int per_netns;             /* 1 per namespace, 0 one value for the host, -1 not known */
	char netns_how[200];       /* how that was found */
	char host_value[256];      /* read on the host, never written */
	char default_value[256];   /* in a fresh lab namespace */
	enum audit_verdict verdict;
	char measured[600];        /* the numbers, one line */
	char why[700];             /* one sentence, naming the kernel source file and function */
	bool refused;              /* the kernel refused the value (EINVAL): a bad file */
	double secs;
	json_t *data;              /* the measurements (owned, may be NULL) */
};

struct audit {
	char file[256];
	char kernel[128];
	double secs;
	char err[700];             /* audit_run: why the labs could not be built */
	struct audit_line *v;
	size_t n, cap;
};

struct audit_err {
	int line;                  /* 0: the file itself */
	char key[160];
	char msg[256];
};

/* ---- pure ---- */

/* Parse a sysctl file: blank lines, '#' and ';' comments, "key = value" (whitespace around both
 * trimmed), a '-' before the key, keys written with dots or with slashes (the first separator
 * decides, as in sysctl.d(5)). Values of known keys are checked against their form. On error
 * e says where and why; the return is -EINVAL (-ENOMEM, or -errno reading the file). */
int audit_parse_buffer(const char *buf, size_t len, const char *name, struct audit *ret,
		       struct audit_err *e);
int audit_parse_file(const char *path, struct audit *ret, struct audit_err *e);
void audit_free(struct audit *a);

/* "net/ipv4/conf/eth0.100/rp_filter" -> "net.ipv4.conf.eth0/100.rp_filter" (sysctl(8)'s form);
 * dotted names are kept. 0 or -EINVAL (empty parts, bad characters). */
int audit_key_normalize(const char *in, char *out, size_t len);
const struct audit_key *audit_key_find(const char *name);
/* Check value against k's form; why gets the reason. */
int audit_value_check(const struct audit_key *k, const char *value, char *why, size_t len);
/* "32768\t60999" or "32768 60999" -> 32768, 60999. */
int audit_parse_pair(const char *value, long *ret_a, long *ret_b);

const char *audit_verdict_str(enum audit_verdict v);
/* 0 every line measured, 1 a line harmful, 4 a line not measured (harmful wins). */
int audit_exit_code(const struct audit *a);
void audit_text(const struct audit *a, FILE *out);
json_t *audit_json(const struct audit *a);
/* The inverse of audit_json (for --kernel: the guest's result read back). 0 or -EINVAL. */
int audit_from_json(json_t *j, struct audit *ret, char *why, size_t len);
/* The page, in the style of report.html, into f. 0 or -EIO. */
int audit_html(const struct audit *a, FILE *f);

/* ---- experiments (root) ---- */

struct audit_opts {
	bool verbose;
	bool (*interrupted)(void);
	void (*progress)(const struct audit_line *l);   /* after each line, or NULL */
};

/* Look up and measure every line. 0, or -errno when a lab cannot be built (a->err says why):
 * an environment error. */
int audit_run(struct audit *a, const struct audit_opts *o);

#endif
