// SPDX-License-Identifier: GPL-2.0
/* result.json's fields, and [expect] paths checked against them (see schema.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report/schema.h"

#define MAX_SEGS 8

static const struct schema_field connect_ms[] = {
	{ "p50", SCH_NUMBER_OR_NULL }, { "p99", SCH_NUMBER_OR_NULL }, { "max", SCH_NUMBER_OR_NULL },
	{ NULL },
};

/* agent_outcome_str() of every outcome */
static const struct schema_field outcomes[] = {
	{ "ok", SCH_NUMBER }, { "timeout", SCH_NUMBER }, { "refused", SCH_NUMBER },
	{ "reset", SCH_NUMBER }, { "error", SCH_NUMBER },
	{ NULL },
};

const struct schema_field schema_client[] = {
	{ "name", SCH_STRING },
	{ "address", SCH_STRING },
	{ "ts_mode", SCH_STRING },
	{ "measured", SCH_STRING },	/* agent, sockets (a command client), none */
	{ "attempts", SCH_NUMBER },
	{ "connected", SCH_NUMBER },
	{ "failed", SCH_NUMBER },
	{ "syn_dropped", SCH_NUMBER },
	{ "syn_retransmits", SCH_NUMBER },
	{ "outcomes", SCH_OBJECT, false, outcomes },
	{ "connect_ms", SCH_OBJECT, false, connect_ms },
	{ "ts_offset", SCH_NUMBER, true },	/* clients with timestamps = offset */
	{ "label", SCH_STRING, true },	/* label = ...: the display name */
	{ "hz", SCH_NUMBER, true },		/* the same clients: their clock's ticks per second */
	{ NULL },
};

/* the same keys whether the gate is on or off */
static const struct schema_field gate[] = {
	{ "enabled", SCH_BOOL },
	{ "mode", SCH_STRING },	/* emulated (the gate), kernel (4.11's own tcp_tw_recycle), off */
	{ "syn_seen", SCH_NUMBER },
	{ "syn_passed", SCH_NUMBER },
	{ "syn_dropped", SCH_NUMBER },
	{ "records_updated", SCH_NUMBER },
	{ "records_kept", SCH_NUMBER },
	{ "paws_msl_s", SCH_NUMBER },
	{ "paws_window", SCH_NUMBER },
	{ "PAWSPassive", SCH_NUMBER },
	{ "ListenDrops", SCH_NUMBER },
	{ "timewait_hits", SCH_NUMBER },
	{ "events_lost", SCH_NUMBER },
	{ "unattributed_drops", SCH_NUMBER },
	{ "unattributed_no_note", SCH_NUMBER },	/* of those: no router note for the 4-tuple */
	{ "unattributed_other_isn", SCH_NUMBER },	/* of those: the note was another SYN's */
	{ "notes_failed", SCH_NUMBER },	/* SYNs the router could not note (map update failed) */
	{ "observed", SCH_STRING },	/* gate (its decisions), wire (each SYN's answer, mode kernel) */
	{ "client_seen_drops", SCH_NUMBER, true },	/* mode kernel: the drops as the clients saw them */
	{ NULL },
};

static const struct schema_field nat_map[] = {
	{ "client", SCH_STRING }, { "inside", SCH_STRING }, { "outside", SCH_STRING },
	{ "t", SCH_NUMBER },
	{ NULL },
};

static const struct schema_field ct_entry[] = {
	{ "client", SCH_STRING }, { "inside", SCH_STRING }, { "outside", SCH_STRING },
	{ "state", SCH_STRING }, { "timeout_s", SCH_NUMBER },
	{ NULL },
};

static const struct schema_field conntrack[] = {
	{ "stats", SCH_OBJECT }, { "table", SCH_ARRAY, false, ct_entry },
	{ "table_total", SCH_NUMBER },		/* table keeps the first 10,000 */
	{ NULL },
};

/* evidence lost on the way: any of it makes ok false (README "Scale") */
static const struct schema_field lost[] = {
	{ "any", SCH_BOOL }, { "gate_events", SCH_NUMBER }, { "unattributed_drops", SCH_NUMBER },
	{ "conntrack_overruns", SCH_NUMBER }, { "capture_packets", SCH_NUMBER },
	{ NULL },
};

static const struct schema_field labels[] = {
	{ "server", SCH_STRING, true }, { "router", SCH_STRING, true },
	{ NULL },
};

/* what the server's link showed besides SYN-ACKs (run/twwatch.h): events.jsonl has each */
static const struct schema_field wire[] = {
	{ "paws_rejects", SCH_NUMBER },	/* SYNs answered by an ACK whose TSecr is ahead */
	{ "timewait_acks", SCH_NUMBER },	/* SYNs answered by an ACK, not PAWS */
	{ "client_rsts", SCH_NUMBER }, { "server_rsts", SCH_NUMBER },
	{ "events_lost", SCH_NUMBER },	/* past 1,000,000 held events */
	{ "ring_drops", SCH_NUMBER },	/* packets the capture's ring dropped */
	{ NULL },
};

const struct schema_field schema_result[] = {
	{ "schema", SCH_NUMBER },
	{ "lab", SCH_STRING },
	{ "topology", SCH_STRING },
	{ "kernel", SCH_STRING },
	{ "ok", SCH_BOOL },
	{ "duration_s", SCH_NUMBER },
	{ "setup_s", SCH_NUMBER },
	{ "teardown_s", SCH_NUMBER },
	{ "gate", SCH_OBJECT, false, gate },
	{ "clients", SCH_ARRAY, false, schema_client },
	{ "counters", SCH_OBJECT },		/* node -> {counter: delta} */
	{ "nat", SCH_ARRAY, false, nat_map },	/* the first 10,000 */
	{ "nat_total", SCH_NUMBER },
	{ "wire", SCH_OBJECT, false, wire },
	{ "lost", SCH_OBJECT, false, lost },
	{ "conntrack", SCH_OBJECT, true, conntrack },	/* with a router */
	{ "labels", SCH_OBJECT, true, labels },	/* label = ... of the server, the router */
	{ "error", SCH_STRING, true },		/* the run stopped early */
	{ "interrupted", SCH_BOOL, true },
	{ "expect", SCH_ARRAY },		/* written after the checks */
	{ NULL },
};

static int tolower_c(char c)
{
	return tolower((unsigned char)c);
}

static size_t min3(size_t a, size_t b, size_t c)
{
	return a < b ? (a < c ? a : c) : (b < c ? b : c);
}

/* Edit distance (insert, delete, substitute, swap two neighbours), case-insensitive. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), *d, r;

	if (la > 64 || lb > 64)
		return (size_t)-1;
	d = calloc((la + 1) * (lb + 1), sizeof(*d));
	if (!d)
		return (size_t)-1;
#define D(i, j) d[(i) * (lb + 1) + (j)]
	for (size_t i = 0; i <= la; i++)
		D(i, 0) = i;
	for (size_t j = 0; j <= lb; j++)
		D(0, j) = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = tolower_c(a[i - 1]) != tolower_c(b[j - 1]);

			D(i, j) = min3(D(i - 1, j) + 1, D(i, j - 1) + 1, D(i - 1, j - 1) + cost);
			if (i > 1 && j > 1 && tolower_c(a[i - 1]) == tolower_c(b[j - 2]) &&
			    tolower_c(a[i - 2]) == tolower_c(b[j - 1]) && D(i - 2, j - 2) + 1 < D(i, j))
				D(i, j) = D(i - 2, j - 2) + 1;
		}
	r = D(la, lb);
#undef D
	free(d);
	return r;
}

const char *schema_suggest(const char *word, const char *const *cands, size_t n)
{
	size_t best = (size_t)-1, len = strlen(word), limit = len >= 8 ? 2 : len >= 4 ? 1 : 0;
	const char *pick = NULL;

	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(word, cands[i]))
			return cands[i];
	for (size_t i = 0; i < n; i++) {
		size_t d = distance(word, cands[i]);

		if (d <= limit && d < best) {
			best = d;
			pick = cands[i];
		}
	}
	return pick;
}

static const struct schema_field *find(const struct schema_field *t, const char *name)
{
	for (; t && t->name; t++)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

static const char *kind_str(enum schema_kind k)
{
	switch (k) {
	case SCH_OBJECT:
		return "an object";
	case SCH_ARRAY:
		return "an array";
	case SCH_STRING:
		return "a string";
	case SCH_BOOL:
		return "a boolean";
	case SCH_NUMBER_OR_NULL:
		return "a number or null (no connection)";
	default:
		return "a number";
	}
}

static int unknown(const struct schema_field *t, const char *path, const char *in,
		   const char *seg, char *why, size_t len)
{
	const char *names[64], *s;
	char list[512] = "";
	size_t n = 0, l = 0;

	for (; t->name && n < 64; t++) {
		names[n++] = t->name;
		l += snprintf(list + l, l < sizeof(list) ? sizeof(list) - l : 0, "%s%s",
			      n > 1 ? ", " : "", t->name);
	}
	s = schema_suggest(seg, names, n);
	if (s)
		snprintf(why, len, "%s: result.json has no %s in %s: did you mean %s?", path, seg, in,
			 s);
	else
		snprintf(why, len, "%s: result.json has no %s in %s (there: %s)", path, seg, in, list);
	return -EINVAL;
}

/* Walk seg[0..n) from table t (called in for messages); *ret the field reached, a value. */
static int walk(const struct schema_field *t, char **seg, int n, const char *path,
		const char *in, const struct schema_field **ret, char *why, size_t len)
{
	const struct schema_field *f = NULL;

	for (int i = 0; i < n; i++) {
		if (f && f->kind == SCH_ARRAY) {
			char *end;

			strtol(seg[i], &end, 10);
			if (*seg[i] < '0' || *seg[i] > '9' || *end) {
				snprintf(why, len, "%s: %s is an array: expected an index, not %s",
					 path, f->name, seg[i]);
				return -EINVAL;
			}
			t = f->sub;
			in = f->name;
			f = NULL;
			if (!t)
				return 0;	/* elements not described: nothing to check */
			continue;
		}
		if (f && f->kind != SCH_OBJECT) {
			snprintf(why, len, "%s: %s is %s, it has no field %s", path, f->name,
				 kind_str(f->kind), seg[i]);
			return -EINVAL;
		}
		if (f) {
			in = f->name;
			t = f->sub;
			if (!t)
				return 0;	/* keys that are not fixed */
		}
		f = find(t, seg[i]);
		if (!f)
			return unknown(t, path, in, seg[i], why, len);
	}
	if (!f) {
		snprintf(why, len, "%s: an element of %s, not a value to compare", path, in);
		return -EINVAL;
	}
	if (f->kind == SCH_OBJECT || f->kind == SCH_ARRAY) {
		snprintf(why, len, "%s: %s is %s, not a value to compare", path, f->name,
			 kind_str(f->kind));
		return -EINVAL;
	}
	*ret = f;
	return 0;
}

static int check_counter(const char *path, const char *name, const struct counters *known,
			 char *why, size_t len)
{
	struct counter key;
	const char **names;
	const char *s;

	if (!known || !known->n)
		return 0;
	snprintf(key.name, sizeof(key.name), "%s", name);
	if (strlen(name) < sizeof(key.name) &&
	    bsearch(&key, known->v, known->n, sizeof(*known->v), counters_cmp))
		return 0;
	names = malloc(known->n * sizeof(*names));
	if (!names)
		return -ENOMEM;
	for (size_t i = 0; i < known->n; i++)
		names[i] = known->v[i].name;
	s = schema_suggest(name, names, known->n);
	if (s)
		snprintf(why, len,
			 "%s: this kernel has no counter %s (in /proc/net/netstat or snmp): did you mean %s?",
			 path, name, s);
	else
		snprintf(why, len,
			 "%s: this kernel has no counter %s (in /proc/net/netstat or snmp; names as nstat shows them, e.g. TcpExtTW)",
			 path, name);
	free(names);
	return -EINVAL;
}

/* client.NAME.ts_offset needs an offset client; clients.ts_offset needs every client to be */
static int check_ts_offset(const struct lab *lab, const char *path, const char *client,
			   char *why, size_t len)
{
	for (size_t i = 0; i < lab->n_clients; i++) {
		const struct lab_client *c = &lab->clients[i];

		if (c->ts_mode == TS_OFFSET || (client && strcmp(c->name, client)))
			continue;
		snprintf(why, len,
			 "%s: client %s has no ts_offset (its timestamps are %s; only offset clients have one)",
			 path, c->name, topo_ts_mode_str(c->ts_mode));
		return -EINVAL;
	}
	return 0;
}

int schema_check_path(const struct lab *lab, const char *path, const struct counters *known,
		      char *why, size_t len)
{
	char buf[256], *seg[MAX_SEGS], *save, *s, in[64];
	const struct schema_field *f = NULL;
	int n = 0, r;

	if (!path || strlen(path) >= sizeof(buf)) {
		snprintf(why, len, "%.100s: not a path", path ? path : "");
		return -EINVAL;
	}
	memcpy(buf, path, strlen(path) + 1);
	for (s = strtok_r(buf, ".", &save); s && n < MAX_SEGS; s = strtok_r(NULL, ".", &save))
		seg[n++] = s;
	if (!n || s) {
		snprintf(why, len, "%s: not a path into result.json", path);
		return -EINVAL;
	}
	if (!strcmp(seg[0], "counters")) {
		if (n != 3) {
			snprintf(why, len, "%s: expected counters.NODE.COUNTER", path);
			return -EINVAL;
		}
		return check_counter(path, seg[2], known, why, len);
	}
	if (!strcmp(seg[0], "client")) {
		if (n < 3) {
			snprintf(why, len, "%s: expected client.NAME.FIELD", path);
			return -EINVAL;
		}
		snprintf(in, sizeof(in), "client %s", seg[1]);
		r = walk(schema_client, seg + 2, n - 2, path, in, &f, why, len);
		if (!r && f && !strcmp(f->name, "ts_offset") && n == 3 && lab)
			r = check_ts_offset(lab, path, seg[1], why, len);
		return r;
	}
	if (!strcmp(seg[0], "clients") && n >= 2 && (seg[1][0] < '0' || seg[1][0] > '9')) {
		/* the sum over the clients */
		r = walk(schema_client, seg + 1, n - 1, path, "a client", &f, why, len);
		if (!r && f && f->kind != SCH_NUMBER) {
			snprintf(why, len, "%s: %s is %s: only numbers add up", path, f->name,
				 kind_str(f->kind));
			return -EINVAL;
		}
		if (!r && f && !strcmp(f->name, "ts_offset") && lab)
			r = check_ts_offset(lab, path, NULL, why, len);
		return r;
	}
	return walk(schema_result, seg, n, path, "result.json", &f, why, len);
}
