// SPDX-License-Identifier: GPL-2.0
/* audit: the sysctl-file parser, the keys twlab knows, verdicts, text and JSON. Pure. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "audit/audit.h"

static const struct audit_key keys[] = {
	{ "net.ipv4.tcp_fin_timeout", "shortens TIME_WAIT", AK_INT, 0, 2147483, AE_FIN_TIMEOUT },
	{ "net.ipv4.tcp_tw_reuse", "reuses TIME_WAIT sockets", AK_INT, 0, 2, AE_TW_REUSE },
	{ "net.ipv4.tcp_tw_reuse_delay", "reuses TIME_WAIT ports sooner", AK_INT, 1, 600000,
	  AE_TW_REUSE_DELAY },
	{ "net.ipv4.tcp_tw_recycle", "recycles TIME_WAIT sockets fast", AK_INT, 0, 1, AE_TW_RECYCLE },
	{ "net.ipv4.tcp_keepalive_time", "frees dead connections and TIME_WAIT sooner", AK_INT, 1,
	  2147483, AE_KA_TIME },
	{ "net.ipv4.tcp_keepalive_intvl", "frees dead connections and TIME_WAIT sooner", AK_INT, 1,
	  2147483, AE_KA_INTVL },
	{ "net.ipv4.tcp_keepalive_probes", "frees dead connections and TIME_WAIT sooner", AK_INT, 0,
	  255, AE_KA_PROBES },
	{ "net.ipv4.tcp_max_tw_buckets", "caps the number of TIME_WAIT sockets", AK_INT, 0, INT_MAX,
	  AE_MAX_TW },
	{ "net.ipv4.ip_local_port_range", "more local ports, so TIME_WAIT does not run out of them",
	  AK_PAIR, 1, 65535, AE_PORT_RANGE },
	{ "net.ipv4.tcp_timestamps", "timestamps on (needed by tw_reuse) or off", AK_INT, 0, 2,
	  AE_TIMESTAMPS },
	{ "net.ipv4.tcp_syncookies", "survives SYN floods", AK_INT, 0, 2, AE_SYNCOOKIES },
	{ "net.core.somaxconn", "a longer accept queue", AK_INT, 0, INT_MAX, AE_SOMAXCONN },
	{ "net.ipv4.tcp_max_syn_backlog", "a longer SYN queue", AK_INT, 0, INT_MAX,
	  AE_SYN_BACKLOG },
};

const struct audit_key *audit_key_find(const char *name)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

const char *audit_verdict_str(enum audit_verdict v)
{
	switch (v) {
	case AV_CLAIMED:
		return "does what it claims";
	case AV_NO_TW:
		return "no effect on TIME_WAIT";
	case AV_HARMFUL_NAT:
		return "harmful behind NAT";
	case AV_ABSENT:
		return "not on this kernel";
	default:
		return "not measured";
	}
}

static bool key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("_-:@+*?[]", c);
}

int audit_key_normalize(const char *in, char *out, size_t len)
{
	size_t n = strlen(in);
	const char *sep = strpbrk(in, "./");
	bool slashed = sep && *sep == '/';

	if (!n || n >= len)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		char c = in[i];
		bool is_sep = c == (slashed ? '/' : '.');

		if (is_sep && (i == 0 || i == n - 1 || in[i + 1] == c))
			return -EINVAL;   /* an empty part */
		if (!is_sep && c != '.' && c != '/' && !key_char(c))
			return -EINVAL;
		/* slashed: '/' separates and '.' is literal; sysctl(8) writes that as '.' and '/' */
		out[i] = slashed ? (c == '/' ? '.' : c == '.' ? '/' : c) : c;
	}
	out[n] = 0;
	return 0;
}

static int parse_long(const char *s, long *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	*ret = v;
	return end - s;
}

int audit_parse_pair(const char *value, long *ret_a, long *ret_b)
{
	long a, b;
	int n = parse_long(value, &a), m;

	if (n < 0 || (value[n] != ' ' && value[n] != '\t'))
		return -EINVAL;
	m = parse_long(value + n, &b);
	if (m < 0 || value[n + m])
		return -EINVAL;
	*ret_a = a;
	*ret_b = b;
	return 0;
}

int audit_value_check(const struct audit_key *k, const char *value, char *why, size_t len)
{
	long a, b;
	int n;

	if (!k || k->kind == AK_ANY)
		return 0;
	if (k->kind == AK_INT) {
		n = parse_long(value, &a);
		if (n < 0 || value[n]) {
			snprintf(why, len, "value '%s' is not an integer", value);
			return -EINVAL;
		}
		if (a < k->lo || a > k->hi) {
			snprintf(why, len, "value %ld is out of range (%ld..%ld)", a, k->lo, k->hi);
			return -EINVAL;
		}
		return 0;
	}
	if (audit_parse_pair(value, &a, &b)) {
		snprintf(why, len, "value '%s' is not two integers 'LOW HIGH'", value);
		return -EINVAL;
	}
	if (a < k->lo || b > k->hi || a > b) {
		snprintf(why, len, "range %ld-%ld: want %ld <= LOW <= HIGH <= %ld", a, b, k->lo,
			 k->hi);
		return -EINVAL;
	}
	return 0;
}

static int fail(struct audit_err *e, int line, const char *key, const char *msg)
{
	e->line = line;
	snprintf(e->key, sizeof(e->key), "%s", key ? key : "");
	snprintf(e->msg, sizeof(e->msg), "%s", msg);
	return -EINVAL;
}

static char *trim(char *s)
{
	char *end = s + strlen(s);

	while (*s == ' ' || *s == '\t')
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
		*--end = 0;
	return s;
}

static int add_line(struct audit *a, int lineno, char *text, struct audit_err *e)
{
	char *s = trim(text), *eq, *key, *val, why[200];
	struct audit_line *l;
	bool dash = false;

	if (!*s || *s == '#' || *s == ';')
		return 0;
	eq = strchr(s, '=');
	if (!eq)
		return fail(e, lineno, NULL, "not a 'key = value' line (no '=')");
	*eq = 0;
	key = trim(s);
	val = trim(eq + 1);
	if (*key == '-') {
		dash = true;
		key = trim(key + 1);
	}
	if (!*key)
		return fail(e, lineno, NULL, "no key before '='");
	if (a->n == a->cap) {
		size_t nc = a->cap ? 2 * a->cap : 16;
		struct audit_line *v = realloc(a->v, nc * sizeof(*v));

		if (!v)
			return -ENOMEM;
		a->v = v;
		a->cap = nc;
	}
	l = &a->v[a->n];
	memset(l, 0, sizeof(*l));
	if (audit_key_normalize(key, l->key, sizeof(l->key)))
		return fail(e, lineno, key, "not a sysctl name (empty part, or a character sysctl names do not have)");
	if (!*val)
		return fail(e, lineno, l->key, "no value after '='");
	if (strlen(val) >= sizeof(l->value))
		return fail(e, lineno, l->key, "value too long");
	snprintf(l->value, sizeof(l->value), "%s", val);
	l->line = lineno;
	l->ignore_failure = dash;
	l->glob = strpbrk(l->key, "*?[") != NULL;
	l->known = l->glob ? NULL : audit_key_find(l->key);
	l->exists = l->per_netns = -1;
	if (audit_value_check(l->known, l->value, why, sizeof(why)))
		return fail(e, lineno, l->key, why);
	a->n++;
	return 0;
}

int audit_parse_buffer(const char *buf, size_t len, const char *name, struct audit *ret,
		       struct audit_err *e)
{
	struct audit a = { 0 };
	int lineno = 0, err = 0;
	size_t i = 0;

	memset(e, 0, sizeof(*e));
	snprintf(a.file, sizeof(a.file), "%s", name);
	while (i < len && !err) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (buf + i)) : len - i;
		char *text = strndup(buf + i, n);

		lineno++;
		if (!text)
			err = -ENOMEM;
		else if (memchr(buf + i, 0, n))
			err = fail(e, lineno, NULL, "a NUL byte: not a text file");
		else
			err = add_line(&a, lineno, text, e);
		free(text);
		i += n + 1;
	}
	if (err) {
		audit_free(&a);
		return err;
	}
	*ret = a;
	return 0;
}

int audit_parse_file(const char *path, struct audit *ret, struct audit_err *e)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	FILE *f = fopen(path, "re");
	int err = 0;

	memset(e, 0, sizeof(*e));
	if (!f) {
		err = -errno;
		snprintf(e->msg, sizeof(e->msg), "%s", strerror(errno));
		return err;
	}
	for (;;) {
		size_t n;

		if (len + 4096 > cap) {
			char *b = realloc(buf, cap + 65536);

			if (!b) {
				err = -ENOMEM;
				break;
			}
			buf = b;
			cap += 65536;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f)) {
				err = -EIO;
				snprintf(e->msg, sizeof(e->msg), "read error");
			}
			break;
		}
	}
	fclose(f);
	if (!err)
		err = audit_parse_buffer(buf ? buf : "", len, path, ret, e);
	free(buf);
	return err;
}

void audit_free(struct audit *a)
{
	for (size_t i = 0; i < a->n; i++)
		json_decref(a->v[i].data);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

int audit_exit_code(const struct audit *a)
{
	int code = 0;

	for (size_t i = 0; i < a->n; i++) {
		if (a->v[i].verdict == AV_HARMFUL_NAT)
			return 1;
		if (a->v[i].verdict == AV_NOT_MEASURED)
			code = 4;
	}
	return code;
}

static const char *netns_str(int v)
{
	return v == 1 ? "per network namespace" : v == 0 ? "one value for the host" : "not known";
}

void audit_text(const struct audit *a, FILE *out)
{
	size_t count[AV_ABSENT + 1] = { 0 };

	fprintf(out, "audit of %s on Linux %s: %zu line%s, %.1f s\n", a->file, a->kernel, a->n,
		a->n == 1 ? "" : "s", a->secs);
	for (size_t i = 0; i < a->n; i++) {
		const struct audit_line *l = &a->v[i];

		count[l->verdict]++;
		fprintf(out, "\n%4d  %s = %s\n      verdict: %s\n", l->line, l->key, l->value,
			audit_verdict_str(l->verdict));
		if (l->known)
			fprintf(out, "      claim:    %s\n", l->known->claim);
		if (l->measured[0])
			fprintf(out, "      measured: %s\n", l->measured);
		if (l->why[0])
			fprintf(out, "      why:      %s\n", l->why);
		if (l->exists == 1)
			fprintf(out, "      key:      %s%s%s; host %s, fresh namespace %s\n",
				netns_str(l->per_netns), l->netns_how[0] ? " — " : "", l->netns_how,
				l->host_value[0] ? l->host_value : "?",
				l->default_value[0] ? l->default_value : "-");
	}
	fprintf(out, "\nsummary:");
	for (int v = AV_CLAIMED; v <= AV_ABSENT + 1; v++) {
		int k = v % (AV_ABSENT + 1);   /* "not measured" last */

		if (count[k])
			fprintf(out, " %zu %s,", count[k], audit_verdict_str(k));
	}
	fprintf(out, " (kernel sources: the project's kernel notes, docs/kernel-notes.md)\n");
}

json_t *audit_json(const struct audit *a)
{
	json_t *lines = json_array(), *sum = json_object();

	for (size_t i = 0; i < a->n; i++) {
		const struct audit_line *l = &a->v[i];
		const char *v = audit_verdict_str(l->verdict);
		json_t *o = json_pack("{s:i,s:s,s:s,s:b,s:s?,s:s,s:s,s:s,s:f}", "line", l->line, "key",
				      l->key, "value", l->value, "ignore_failure", l->ignore_failure,
				      "claim", l->known ? l->known->claim : NULL, "verdict", v,
				      "measured", l->measured, "why", l->why, "secs", l->secs);

		json_object_set_new(o, "exists", l->exists < 0 ? json_null() : json_boolean(l->exists));
		json_object_set_new(o, "per_netns",
				    l->per_netns < 0 ? json_null() : json_boolean(l->per_netns));
		json_object_set_new(o, "netns_how", json_string(l->netns_how));
		json_object_set_new(o, "host_value", json_string(l->host_value));
		json_object_set_new(o, "default_value", json_string(l->default_value));
		json_object_set_new(o, "refused", json_boolean(l->refused));
		json_object_set(o, "data", l->data ? l->data : json_null());
		json_array_append_new(lines, o);
		json_object_set_new(sum, v, json_integer(json_integer_value(json_object_get(sum, v)) + 1));
	}
	return json_pack("{s:i,s:s,s:s,s:f,s:i,s:o,s:s,s:o}", "schema", 1, "file", a->file, "kernel",
			 a->kernel, "duration_s", a->secs, "exit", audit_exit_code(a), "summary", sum,
			 "notes", "docs/kernel-notes.md", "lines", lines);
}

static void jcopy(json_t *o, const char *k, char *buf, size_t len)
{
	const char *s = json_string_value(json_object_get(o, k));

	snprintf(buf, len, "%s", s ? s : "");
}

static int jtri(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_boolean(v) ? json_is_true(v) : -1;
}

int audit_from_json(json_t *j, struct audit *ret, char *why, size_t len)
{
	json_t *lines = json_object_get(j, "lines"), *o;
	struct audit a = { 0 };
	size_t i;

	if (!json_is_object(j) || json_integer_value(json_object_get(j, "schema")) != 1 ||
	    !json_is_array(lines)) {
		snprintf(why, len, "not a twlab audit result (schema 1 with lines[])");
		return -EINVAL;
	}
	jcopy(j, "file", a.file, sizeof(a.file));
	jcopy(j, "kernel", a.kernel, sizeof(a.kernel));
	a.secs = json_number_value(json_object_get(j, "duration_s"));
	a.v = calloc(json_array_size(lines) + 1, sizeof(*a.v));
	if (!a.v)
		return -ENOMEM;
	json_array_foreach(lines, i, o) {
		struct audit_line *l = &a.v[a.n++];
		const char *v = json_string_value(json_object_get(o, "verdict"));

		l->line = (int)json_integer_value(json_object_get(o, "line"));
		jcopy(o, "key", l->key, sizeof(l->key));
		jcopy(o, "value", l->value, sizeof(l->value));
		jcopy(o, "measured", l->measured, sizeof(l->measured));
		jcopy(o, "why", l->why, sizeof(l->why));
		jcopy(o, "netns_how", l->netns_how, sizeof(l->netns_how));
		jcopy(o, "host_value", l->host_value, sizeof(l->host_value));
		jcopy(o, "default_value", l->default_value, sizeof(l->default_value));
		l->ignore_failure = json_is_true(json_object_get(o, "ignore_failure"));
		l->refused = json_is_true(json_object_get(o, "refused"));
		l->exists = jtri(o, "exists");
		l->per_netns = jtri(o, "per_netns");
		l->secs = json_number_value(json_object_get(o, "secs"));
		l->glob = strpbrk(l->key, "*?[") != NULL;
		l->known = l->glob ? NULL : audit_key_find(l->key);
		l->verdict = AV_NOT_MEASURED;
		for (int k = AV_NOT_MEASURED; k <= AV_ABSENT; k++)
			if (v && !strcmp(v, audit_verdict_str(k)))
				l->verdict = k;
		if (json_is_object(json_object_get(o, "data")))
			l->data = json_incref(json_object_get(o, "data"));
	}
	a.cap = a.n;
	*ret = a;
	return 0;
}
