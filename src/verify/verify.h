/* SPDX-License-Identifier: GPL-2.0 */
/*
 * verify: the conformance suite behind `twlab verify`. A suite is a list of tests, one per
 * behaviour of docs/kernel-notes.md (§4, predictions M1-M9 on the real kernel, P1-P8
 * through the recycle gate, the 2026 NAT regression, and every topologies/verify/ file).
 *
 * This header has two halves:
 *  - pure (verify.c): the suite model, KTAP and JSON output, reading a JSON result back,
 *    the side-by-side comparison, and the kernel-version timeline of kernel-notes §3 that says
 *    which version-dependent behaviour a kernel should have;
 *  - the probes (verify_probe.c: real sockets in lab namespaces; verify_gate.c: the gate and
 *    the topology files), which need root.
 */
#ifndef TWLAB_VERIFY_H
#define TWLAB_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

enum verify_status { VS_PASS, VS_FAIL, VS_SKIP };

struct verify_test {
	char name[48];        /* "m2_tw_older_ts" */
	char what[200];       /* one line: what the test checks */
	enum verify_status status;
	char behaviour[200];  /* which version-dependent behaviour the kernel has ("" if none) */
	char detail[400];     /* why it failed or was skipped; what was measured otherwise */
	double secs;
	bool by_table;        /* failed only because the version table expects another behaviour
			       * (an --expect file that names the test decides instead) */
	json_t *data;         /* measurements (owned; may be NULL) */
};

struct verify_suite {
	char kernel[128];     /* uname -r of the kernel the suite ran on */
	double secs;
	struct verify_test *t;
	size_t n, cap;
};

/* ---- pure ---- */

void verify_suite_init(struct verify_suite *s, const char *kernel);
void verify_suite_free(struct verify_suite *s);
/* Append a test (status VS_PASS, empty texts); NULL on ENOMEM. */
struct verify_test *verify_add(struct verify_suite *s, const char *name, const char *what);
void verify_set(struct verify_test *t, enum verify_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void verify_behaviour(struct verify_test *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* VS_FAIL because the kernel-version table of kernel-notes §3 says otherwise (by_table). */
void verify_table_fail(struct verify_test *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* --only: a comma-separated list of name prefixes (NULL or "" matches everything). */
bool verify_only_match(const char *only, const char *name);
/* --only and the prefix of a group of tests ("m8", "nat_reuse"): could one of them match? */
bool verify_only_group(const char *only, const char *prefix);
void verify_counts(const struct verify_suite *s, size_t *ret_pass, size_t *ret_fail,
		   size_t *ret_skip);
const char *verify_status_str(enum verify_status st);

/* KTAP version 1: the plan, then per test "# behaviour/detail" lines and "ok N name # what"
 * ("not ok", "# SKIP reason"). */
void verify_ktap(const struct verify_suite *s, FILE *out);
/* {"schema":1,"kernel":..,"duration_s":..,"summary":{..},"tests":[..]} (new reference). */
json_t *verify_json(const struct verify_suite *s);
/* The inverse of verify_json (for --compare and the VM run). 0 or -EINVAL with why. */
int verify_from_json(json_t *j, struct verify_suite *ret, char *why, size_t len);
/* Side-by-side table of two suites' results, one row per test name (union, a's order first);
 * a '*' marks rows whose status or behaviour differ. Returns how many rows differ. */
size_t verify_compare(const struct verify_suite *a, const struct verify_suite *b, FILE *out);

/* The tests of the suite other than the topologies/verify/ files (which are tests named after
 * their file), in run order, with one line each: for --list and --only. */
struct verify_entry {
	const char *name, *line;
};
extern const struct verify_entry verify_catalogue[];
extern const size_t verify_catalogue_n;

/* A kernel release as the timeline needs it. */
struct verify_kver {
	int major, minor, patch;
};

/* "6.18.44-fc-v595" -> 6.18.44; "6.1.0-56-amd64" gives 6.1.0 (Debian's ABI name, see
 * verify_kver_from_version for the real patch level). 0 or -EINVAL. */
int verify_kver_parse(const char *release, struct verify_kver *ret);
/* Debian and others keep the ABI name in uname -r and the real version in uname -v
 * ("#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-..)"): take "Debian X.Y.Z" or
 * "Ubuntu X.Y.Z" from it when it has the same major.minor. Returns true when it did. */
bool verify_kver_from_version(const char *version, struct verify_kver *kv);
/* <0, 0, >0 as kv is older than, equal to, newer than major.minor.patch. */
int verify_kver_cmp(const struct verify_kver *kv, int major, int minor, int patch);

/* The timestamp-offset granularity of tcp_timestamps=1 (kernel-notes §2, §2.5, §3). */
enum verify_tsoff { TSOFF_NONE = 1, TSOFF_HOST_PAIR = 2, TSOFF_4TUPLE = 4 };
const char *verify_tsoff_str(enum verify_tsoff t);
/* The set (bitmask of enum verify_tsoff) consistent with kv, and a note naming the rule. */
unsigned verify_tsoff_allowed(const struct verify_kver *kv, const char **ret_note);
/* "PAWSTimewait" (6.16+) or "PAWSEstab": where a PAWS reject in TIME_WAIT is counted. */
const char *verify_paws_tw_counter(const struct verify_kver *kv);
/* SYN resend after an unacceptable ACK in SYN_SENT: true = ~2 jiffies (5.6+), false = ~1 s. */
bool verify_quick_syn_resend(const struct verify_kver *kv);
/* SNAT may evict a closing conntrack on a port clash (6.5+, 4589725502871). */
bool verify_nat_evicts(const struct verify_kver *kv);
/* tcp_tw_recycle exists (< 4.12). */
bool verify_has_tw_recycle(const struct verify_kver *kv);
/* Default net.ipv4.tcp_tw_reuse: 2 from 4.19, else 0. */
int verify_tw_reuse_default(const struct verify_kver *kv);
/* Classify TS offsets from samples: offs[i] = (u32)(TSval_i - monotonic_ms_i) of SYNs sent
 * with tcp_timestamps=1 from one host to one server over different source ports.
 * tol is the clock-reading tolerance in ms. */
enum verify_tsoff verify_tsoff_classify(const unsigned *offs, size_t n, unsigned tol);
/* SYN resend delay class: "~2 jiffies" (< 200 ms), "~1 s" (0.8..1.5 s) or NULL (neither). */
const char *verify_resend_class(double delay_ms);

/* ---- probes (root) ---- */

struct verify_opts {
	const char *topo_dir;   /* topologies/verify */
	const char *only;       /* run only tests whose name starts with one of these
				 * comma-separated prefixes (NULL: all) */
	bool quick;             /* fewer trials (for CI on slow machines) */
	bool verbose;
	int sigfd;              /* cmd_signals(): SIGCHLD for the run engine */
	bool (*interrupted)(void);
	void (*progress)(const struct verify_test *t);   /* after each test, or NULL */
};

/* The kernel under test: uname -r and the version the timeline uses. */
void verify_kernel(char *release, size_t len, struct verify_kver *ret);
/* M1-M9 and the NAT regression on the running kernel. */
int verify_probes(struct verify_suite *s, const struct verify_kver *kv,
		  const struct verify_opts *o);
/* Parts of verify_probes, for running them in parallel processes (verify_run.c). */
enum { VP_DIRECT = 1, VP_M6 = 2, VP_M7 = 4, VP_REGRESSION = 8 };
int verify_probes_part(struct verify_suite *s, const struct verify_kver *kv,
		       const struct verify_opts *o, unsigned parts);
/* The parts of verify_gate: the *.ini names of dir (sorted, malloc'd strings and array);
 * one file as a test; and P6-P8 (the kernel's own rule, or skips that say why). */
int verify_gate_files(const char *dir, char ***ret, size_t *ret_n);
void verify_gate_one(struct verify_suite *s, const struct verify_opts *o, const char *file);
void verify_gate_file(struct verify_suite *s, const char *path, const char *stem,
		      const struct verify_opts *o);
void verify_gate_p6p8(struct verify_suite *s, const struct verify_kver *kv,
		      const struct verify_opts *o);
/* The whole suite (verify_probes, then verify_gate), with up to jobs independent parts
 * running at once, each in a child process (jobs <= 1: all in this one); the tests come out
 * in the same order either way. 0 or a negative errno (the topology folder unreadable). */
int verify_run(struct verify_suite *s, const struct verify_kver *kv,
	       const struct verify_opts *o, int jobs);

/* P1-P8 through the gate: every topologies/verify/ *.ini (pass = every [expect] held) plus
 * the predictions the gate does not emulate, reported as skips with a reason. */
int verify_gate(struct verify_suite *s, const struct verify_kver *kv,
		const struct verify_opts *o);

/* P6-P8 on a kernel with its own tcp_tw_recycle (verify_ownrule.c); verify_gate calls it. */
int verify_ownrule(struct verify_suite *s, const struct verify_opts *o);

/* The probes drive sockets in lab namespaces through run/vnet.h. */
#include "run/vnet.h"

#endif
