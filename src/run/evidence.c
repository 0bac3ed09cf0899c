// SPDX-License-Identifier: GPL-2.0
/*
 * Counter snapshots: /proc/net/netstat and /proc/net/snmp of one netns, nstat-style names.
 * Snapshots are kept sorted by name, so lookups and deltas between two snapshots stay cheap
 * with thousands of nodes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run/evidence.h"

struct vec {
	struct counter *v;
	size_t n, cap;
};

static int vec_push(struct vec *vec, const char *prefix, size_t plen, const char *name,
		    size_t nlen, uint64_t value)
{
	struct counter *c;

	/* a name that does not fit is skipped: a future kernel's long name must not cost the
	 * whole snapshot (the longest on 6.18 is 31 characters) */
	if (plen + nlen >= sizeof(c->name))
		return 0;
	if (vec->n == vec->cap) {
		size_t cap = vec->cap ? vec->cap * 2 : 256;
		struct counter *v = realloc(vec->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		vec->v = v;
		vec->cap = cap;
	}
	c = &vec->v[vec->n++];
	memcpy(c->name, prefix, plen);
	memcpy(c->name + plen, name, nlen);
	c->name[plen + nlen] = '\0';
	c->value = value;
	return 0;
}

/* Next line of text at *pos (without its '\n') into [*line, *line + *len); 0 at the end. */
static int next_line(const char *text, size_t *pos, const char **line, size_t *len)
{
	const char *s = text + *pos, *nl;

	if (!*s)
		return 0;
	nl = strchr(s, '\n');
	*line = s;
	*len = nl ? (size_t)(nl - s) : strlen(s);
	*pos += *len + (nl ? 1 : 0);
	return 1;
}

/* Next space-separated token of [*p, end). */
static int next_tok(const char **p, const char *end, const char **tok, size_t *len)
{
	const char *s = *p;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (s == end)
		return 0;
	*tok = s;
	while (s < end && *s != ' ' && *s != '\t')
		s++;
	*len = s - *tok;
	*p = s;
	return 1;
}

/* A value is an unsigned or (Tcp MaxConn: -1) signed decimal; negatives are stored in two's
 * complement, so deltas (after - before, wrapping) still come out right. */
static int parse_value(const char *s, size_t len, uint64_t *ret)
{
	bool neg = false;
	uint64_t v = 0;
	size_t i = 0;

	if (len && s[0] == '-') {
		neg = true;
		i = 1;
	}
	if (i == len)
		return -EINVAL;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*ret = neg ? (uint64_t)0 - v : v;
	return 0;
}

static int parse_pair(struct vec *vec, const char *h, size_t hlen, const char *v, size_t vlen)
{
	const char *hend = h + hlen, *vend = v + vlen;
	const char *hp = h, *vp = v, *htok, *vtok;
	size_t htl, vtl, plen;
	uint64_t value;
	int r;

	/* "Prefix:" on both lines, the same one */
	if (!next_tok(&hp, hend, &htok, &htl) || !next_tok(&vp, vend, &vtok, &vtl))
		return -EINVAL;
	if (htl < 2 || htok[htl - 1] != ':' || htl != vtl || memcmp(htok, vtok, htl))
		return -EINVAL;
	plen = htl - 1;
	for (;;) {
		bool hn = next_tok(&hp, hend, &htok, &htl);
		bool vn = next_tok(&vp, vend, &vtok, &vtl);

		if (hn != vn)
			return -EINVAL;
		if (!hn)
			return 0;
		r = parse_value(vtok, vtl, &value);
		if (r < 0)
			return r;
		r = vec_push(vec, h, plen, htok, htl, value);
		if (r < 0)
			return r;
	}
}

static int parse_text(struct vec *vec, const char *text)
{
	const char *h, *v;
	size_t pos = 0, hlen, vlen;
	int r;

	if (!text)
		return 0;
	for (;;) {
		do {
			if (!next_line(text, &pos, &h, &hlen))
				return 0;
		} while (hlen == 0);   /* blank lines between pairs */
		if (!next_line(text, &pos, &v, &vlen))
			return -EINVAL;
		r = parse_pair(vec, h, hlen, v, vlen);
		if (r < 0)
			return r;
	}
}

int counters_cmp(const void *a, const void *b)
{
	return strcmp(((const struct counter *)a)->name, ((const struct counter *)b)->name);
}

int counters_parse(const char *netstat, const char *snmp, struct counters *ret)
{
	struct vec vec = { 0 };
	int r;

	r = parse_text(&vec, netstat);
	if (r == 0)
		r = parse_text(&vec, snmp);
	if (r < 0) {
		free(vec.v);
		return r;
	}
	if (vec.n)
		qsort(vec.v, vec.n, sizeof(*vec.v), counters_cmp);
	ret->v = vec.v;
	ret->n = vec.n;
	return 0;
}

static int read_all(const char *path, char **ret)
{
	size_t len = 0, cap = 16384;
	char *buf = malloc(cap), *nb;
	ssize_t n;
	int fd, r;

	if (!buf)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		free(buf);
		return r;
	}
	for (;;) {
		if (cap - len < 4096) {
			nb = realloc(buf, cap * 2);
			if (!nb) {
				r = -ENOMEM;
				goto fail;
			}
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto fail;
		}
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	*ret = buf;
	return 0;
fail:
	close(fd);
	free(buf);
	return r;
}

int counters_read(struct counters *ret)
{
	char *netstat = NULL, *snmp = NULL;
	int r;

	/* thread-self: the netns is per thread, and the caller may have setns()ed just this one */
	r = read_all("/proc/thread-self/net/netstat", &netstat);
	if (r == 0)
		r = read_all("/proc/thread-self/net/snmp", &snmp);
	if (r == 0)
		r = counters_parse(netstat, snmp, ret);
	free(netstat);
	free(snmp);
	return r;
}

void counters_free(struct counters *c)
{
	if (!c)
		return;
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

static const struct counter *find(const struct counters *c, const char *name)
{
	struct counter key;
	size_t len = strlen(name);

	if (!c || !c->n || len >= sizeof(key.name))
		return NULL;
	memcpy(key.name, name, len + 1);
	return bsearch(&key, c->v, c->n, sizeof(*c->v), counters_cmp);
}

uint64_t counters_get(const struct counters *c, const char *name)
{
	const struct counter *k = find(c, name);

	return k ? k->value : 0;
}

json_t *counters_delta_json(const struct counters *before, const struct counters *after)
{
	json_t *o = json_object();
	size_t i;

	if (!o)
		return NULL;
	for (i = 0; after && i < after->n; i++) {
		const struct counter *a = &after->v[i];
		int64_t d = (int64_t)(a->value - counters_get(before, a->name));

		if (!d)
			continue;
		if (json_object_set_new(o, a->name, json_integer(d)) < 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}
