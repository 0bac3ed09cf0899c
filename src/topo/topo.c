// SPDX-License-Identifier: GPL-2.0
/*
 * topo: a topology file becomes a validated struct lab.
 *
 * libinih does the INI syntax. Debian builds it without INI_HANDLER_LINENO and without
 * INI_CALL_HANDLER_ON_NEW_SECTION, so a line reader sits in front of it: it counts lines (so
 * every error names one), sees the section headers (inih only calls back on keys, and an empty
 * [router] or [client a] still means something), strips '#' inline comments (inih only knows
 * ';') and leading blanks (inih would take an indented key for the continuation of the
 * previous value). A ';' or '#' inside quotes is not a comment: inih would still cut the value
 * at a quoted " ;", so such a line is kept whole for topo_on_key (topo_line_value).
 *
 * Every lookup while reading (duplicate keys, client names, expect paths) is a hash set, so a
 * file is read in time linear in its size.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wordexp.h>

#include <ini.h>

#include "topo/parser.h"

/* Messages quote the file's text: its control characters never reach a terminal raw. */
static void verr(struct topo_err *err, const char *file, int line, const char *key,
		 const char *fmt, va_list ap)
{
	char msg[TOPO_ERR_MAX];

	if (!err)
		return;
	topo_escape(file ? file : "<buffer>", err->file, sizeof(err->file));
	err->line = line;
	topo_escape(key ? key : "", err->key, sizeof(err->key));
	vsnprintf(msg, sizeof(msg), fmt, ap);
	topo_escape(msg, err->msg, sizeof(err->msg));
}

void topo_set_err(struct topo_err *err, const char *file, int line, const char *key,
		    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(err, file, line, key, fmt, ap);
	va_end(ap);
}

/* Records the first error only; returns it. */
__attribute__((format(printf, 5, 6)))
int topo_perr(struct parser *p, int line, const char *key, int r, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return p->failed;
	va_start(ap, fmt);
	verr(p->err, p->fname, line, key, fmt, ap);
	va_end(ap);
	p->failed = r;
	return r;
}

int topo_enomem(struct parser *p)
{
	return topo_perr(p, p->line, "", -ENOMEM, "out of memory");
}

/* ---- sections ---- */

const struct lab_client *topo_find_client(const struct lab *lab, const char *name)
{
	for (size_t i = 0; i < lab->n_clients; i++)
		if (!strcmp(lab->clients[i].name, name))
			return &lab->clients[i];
	return NULL;
}

/* topo_find_client for the parser: by the name set, not a scan. */
static const struct lab_client *find_client(const struct parser *p, const char *name)
{
	int i;

	return topo_names_get(&p->clients, name, &i) ? NULL : &p->lab->clients[i];
}

/* [client NAME] ends: apply the timestamps default, expand replicas, append. */
static int client_expand(struct parser *p)
{
	struct lab *lab = p->lab;
	struct lab_client *cur = &p->cur;
	int line = p->replicas_line ? p->replicas_line : cur->line;
	const char *key = p->replicas_line ? "replicas" : "";
	char base[sizeof(cur->name)];
	uint32_t n = p->replicas;

	if (!p->ts_line)
		cur->ts_mode = cur->has_ts_offset || cur->has_uptime ? TS_OFFSET : TS_SHARED;
	if (p->hz_line && cur->ts_mode != TS_OFFSET)
		return topo_perr(p, p->hz_line, "hz", -EINVAL,
			    "hz: [client %s] has no clock of its own (timestamps = %s); hz needs uptime or ts_offset",
			    cur->name, topo_ts_mode_str(cur->ts_mode));
	if (cur->user_line && !cur->command)
		return topo_perr(p, cur->user_line, "user", -EINVAL,
			    "user: [client %s] has no command (the agent runs as root)", cur->name);

	if (lab->n_clients + n > TOPO_MAX_CLIENTS)
		return topo_perr(p, line, key, -EINVAL,
			    "[client %s]: %zu clients, more than the %d a lab may have", cur->name,
			    lab->n_clients + n, TOPO_MAX_CLIENTS);

	if (cur->sysctls.n * n > TOPO_MAX_SYSCTLS - (p->n_sysctls - cur->sysctls.n))
		return topo_perr(p, line, key, -EINVAL,
			    "[client %s]: %zu sysctl lines x %" PRIu32 " replicas: more than the %d sysctls a lab may set",
			    cur->name, cur->sysctls.n, n, TOPO_MAX_SYSCTLS);
	p->n_sysctls += cur->sysctls.n * (n - 1);

	snprintf(base, sizeof(base), "%s", cur->name);
	for (uint32_t i = 1; n > 1 && i <= n; i++) {
		const struct lab_client *o;
		char name[sizeof(cur->name)];
		int w;

		w = snprintf(name, sizeof(name), "%s%" PRIu32, base, i);
		if (w < 0 || (size_t)w >= sizeof(name))
			return topo_perr(p, line, key, -EINVAL, "replica name %s%" PRIu32 " is too long",
				    base, i);
		o = find_client(p, name);
		if (o)
			return topo_perr(p, line, key, -EINVAL,
				    "replica %s of [client %s] clashes with client %s from line %d",
				    name, base, o->name, o->line);
	}

	if (topo_grow(&lab->clients, &p->clients_cap, lab->n_clients + n, sizeof(*lab->clients)))
		return topo_enomem(p);
	for (uint32_t i = 1; i <= n; i++) {
		struct lab_client *c = &lab->clients[lab->n_clients];
		int old;

		if (topo_copy_client(c, cur) < 0)
			return topo_enomem(p);
		if (n > 1)	/* fits: checked above */
			snprintf(c->name, sizeof(c->name), "%.*s%" PRIu32, TOPO_NAME_MAX, base, i);
		if (n > 1 && c->label[0])	/* fits: topo_value_label keeps 8 bytes */
			snprintf(c->label, sizeof(c->label), "%.*s %" PRIu32,
				 TOPO_LABEL_MAX - 8, cur->label, i);
		c->index = (int)lab->n_clients;
		lab->n_clients++;
		if (topo_names_add(&p->clients, c->name, c->index, &old) < 0)
			return topo_enomem(p);
	}
	return 0;
}

static int client_close(struct parser *p)
{
	int r = client_expand(p);

	topo_free_client(&p->cur);
	return r;
}

static int section_close(struct parser *p)
{
	int r = 0;

	if (p->sect == SECT_CLIENT)
		r = client_close(p);
	p->sect = SECT_NONE;
	topo_names_free(&p->keys);
	return r;
}

static int client_open(struct parser *p, const char *name)
{
	const struct lab_client *o;
	int first;

	if (!*name)
		return topo_perr(p, p->line, "", -EINVAL, "a client section needs a name: [client NAME]");
	if (!topo_valid_name(name, TOPO_NAME_MAX))
		return topo_perr(p, p->line, "", -EINVAL, "[client %s]: a name is " TOPO_NAME_RULE,
			    name);
	if (!strcmp(name, "server") || !strcmp(name, "router"))
		return topo_perr(p, p->line, "", -EINVAL, "[client %s]: the name %s is reserved", name,
			    name);
	if (!topo_names_get(&p->bases, name, &first))
		return topo_perr(p, p->line, "", -EINVAL, "duplicate [client %s] (first on line %d)",
			    name, first);
	o = find_client(p, name);
	if (o)
		return topo_perr(p, p->line, "", -EINVAL,
			    "[client %s]: the name is already taken by a replica of the client on line %d",
			    name, o->line);
	if (topo_names_add(&p->bases, name, p->line, &first) < 0)
		return topo_enomem(p);

	memset(&p->cur, 0, sizeof(p->cur));
	snprintf(p->cur.name, sizeof(p->cur.name), "%s", name);
	p->cur.line = p->line;
	p->cur.every_ms = MS_SEC;
	p->cur.connect_timeout_ms = 2 * MS_SEC;
	p->cur.ts_mode = TS_SHARED;
	p->cur.hz = 1000;
	p->replicas = 1;
	p->replicas_line = p->ts_line = p->ts_offset_line = p->uptime_line = p->hz_line = 0;
	p->sched_line = p->command_line = 0;
	p->sect = SECT_CLIENT;
	snprintf(p->sect_label, sizeof(p->sect_label), "[client %s]", name);
	return 0;
}

static int single_section(struct parser *p, int *seen, const char *name, enum sect s)
{
	if (*seen)
		return topo_perr(p, p->line, "", -EINVAL, "duplicate [%s] section (first on line %d)", name,
			    *seen);
	*seen = p->line;
	p->sect = s;
	snprintf(p->sect_label, sizeof(p->sect_label), "[%.8s]", name);
	return 0;
}

/* A "[...]" line: str is the whole line, without blanks or comments around it. */
static int section_open(struct parser *p, const char *str)
{
	char buf[256], *name = buf, *end;
	int r;

	end = strchr(str, ']');
	if (!end)
		return topo_perr(p, p->line, "", -EINVAL, "section header without ']'");
	if (end[1])
		return topo_perr(p, p->line, "", -EINVAL, "text after the section header: %s", end + 1);
	if ((size_t)(end - str) > sizeof(buf))
		return topo_perr(p, p->line, "", -EINVAL, "unknown section %s", str);
	memcpy(buf, str + 1, end - str - 1);
	end = buf + (end - str - 1);
	*end = '\0';
	while (*name == ' ' || *name == '\t')
		name++;
	while (end > name && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';

	r = section_close(p);
	if (r < 0)
		return r;

	if (!strcmp(name, "lab"))
		r = single_section(p, &p->lab_line, name, SECT_LAB);
	else if (!strcmp(name, "server")) {
		r = single_section(p, &p->server_line, name, SECT_SERVER);
		p->lab->server.line = p->line;
	} else if (!strcmp(name, "router")) {
		r = single_section(p, &p->router_line, name, SECT_ROUTER);
		p->lab->router.present = true;
		p->lab->router.line = p->line;
	} else if (!strcmp(name, "expect")) {
		r = single_section(p, &p->expect_line, name, SECT_EXPECT);
		p->expect_has_kernel = false;
	} else if (!strncmp(name, "expect", 6) && (name[6] == ' ' || name[6] == '\t')) {
		/* [expect kernel >= 6.16]: as many as wanted, one condition each */
		name += 6;
		while (*name == ' ' || *name == '\t')
			name++;
		r = topo_expect_condition(p, name);
		if (!r) {
			p->sect = SECT_EXPECT;
			snprintf(p->sect_label, sizeof(p->sect_label), "[expect %.20s]", name);
		}
	}
	else if (!strncmp(name, "client", 6) &&
		 (name[6] == ' ' || name[6] == '\t' || name[6] == '\0')) {
		name += 6;
		while (*name == ' ' || *name == '\t')
			name++;
		r = client_open(p, name);
	} else
		r = topo_perr(p, p->line, "", -EINVAL,
			 "unknown section [%s] (lab, server, router, client NAME, expect, expect kernel OP X.Y)", name);
	return r;
}


static bool is_comment(const char *s, const char *c)
{
	return (*c == ';' || *c == '#') && (c == s || c[-1] == ' ' || c[-1] == '\t');
}

/*
 * Where the text of [s, e) ends: at a ';' or '#' that starts the line or follows a blank, as
 * inih does for ';', unless it is inside quotes ('...' literal, "..." and bare text with
 * backslash escapes, as the command's wordexp reads them). A quote left open does not
 * protect: "it's #1" still ends before "#1".
 */
static const char *text_end(const char *s, const char *e)
{
	const char *open = NULL;	/* the first comment inside the quote still open */
	char q = 0;

	for (const char *c = s; c < e; c++) {
		if (q == '\'') {
			if (*c == q)
				q = 0, open = NULL;
			else if (!open && is_comment(s, c))
				open = c;
		} else if (*c == '\\' && c + 1 < e) {
			c++;
		} else if (q == '"') {
			if (*c == q)
				q = 0, open = NULL;
			else if (!open && is_comment(s, c))
				open = c;
		} else if (*c == '\'' || *c == '"') {
			q = *c;
		} else if (is_comment(s, c)) {
			return c;
		}
	}
	return open ? open : e;
}

/* The value of the key line in p->raw, as inih would split it: after the first '=' or ':'. */
const char *topo_line_value(const struct parser *p)
{
	const char *v = p->raw + strcspn(p->raw, "=:");

	if (*v)
		v++;
	while (isspace((unsigned char)*v))
		v++;
	return v;
}

/* fgets for inih, over the buffer: one line per call, so p->line is the line inih is on. */
static char *read_line(char *str, int num, void *stream)
{
	struct parser *p = stream;
	const char *s = p->pos, *e, *nl;
	size_t n;

	if (p->failed || p->pos >= p->end || num < 2)
		return NULL;
	nl = memchr(s, '\n', p->end - s);
	e = nl ? nl : p->end;
	p->pos = nl ? nl + 1 : p->end;
	p->line++;

	if (memchr(s, '\0', e - s)) {
		topo_perr(p, p->line, "", -EINVAL, "NUL byte in line");
		return NULL;
	}
	if (p->line == 1 && e - s >= 3 && !memcmp(s, "\xef\xbb\xbf", 3))
		s += 3;
	while (s < e && isspace((unsigned char)*s))
		s++;
	e = text_end(s, e);
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	n = e - s;
	if (n > (size_t)num - 1 || n >= sizeof(p->raw)) {
		topo_perr(p, p->line, "", -EINVAL, "line longer than %d characters", num - 1);
		return NULL;
	}
	memcpy(str, s, n);
	str[n] = '\0';
	/* a quoted " ;" is left: inih would take it for a comment */
	p->has_raw = false;
	for (const char *c = str + 1; *c && !p->has_raw; c++)
		p->has_raw = *c == ';' && isspace((unsigned char)c[-1]);
	if (p->has_raw)
		memcpy(p->raw, str, n + 1);

	if (str[0] == '[') {
		if (section_open(p, str) < 0)
			return NULL;
	} else if (str[0] && !strpbrk(str, "=:")) {
		topo_perr(p, p->line, "", -EINVAL, "expected key = value or [section]: %s", str);
		return NULL;
	}
	return str;
}


/* ---- the whole file ---- */

static int check_expect_nodes(struct parser *p)
{
	const struct lab *lab = p->lab;

	for (size_t i = 0; i < lab->n_expects; i++) {
		const struct lab_expect *e = &lab->expects[i];
		char node[TOPO_NAME_MAX + 8];
		const char *rest;
		size_t len;
		bool counters;

		if (!strncmp(e->path, "client.", 7))
			counters = false;
		else if (!strncmp(e->path, "counters.", 9))
			counters = true;
		else
			continue;
		rest = strchr(e->path, '.') + 1;
		len = strcspn(rest, ".");
		if (len < sizeof(node)) {
			memcpy(node, rest, len);
			node[len] = '\0';
			if (find_client(p, node) ||
			    (counters && (!strcmp(node, "server") ||
					  (lab->router.present && !strcmp(node, "router")))))
				continue;
		}
		return topo_perr(p, e->line, e->path, -EINVAL, "%s: no %s named %.*s in this lab",
			    e->path, counters ? "node" : "client", (int)len, rest);
	}
	return 0;
}

/* The sysctls twlab sets on a node itself (lab.c): a topology's value would be overridden,
 * or would undo what the lab needs, so it is refused with the key to use instead. */
static const struct {
	const char *name;
	unsigned nodes;		/* 1 server, 2 router, 4 clients */
	const char *why;
} reserved_sysctls[] = {
	{ "net.ipv4.ip_forward", 2, "the router must forward: twlab sets it to 1" },
	{ "net.ipv4.conf.all.forwarding", 2, "the router must forward: twlab sets it to 1" },
	{ "net.ipv4.conf.default.forwarding", 2, "the router must forward: twlab sets it to 1" },
	{ "net.ipv4.tcp_timestamps", 1 | 4, "twlab sets it from the node's timestamps key (kernel, shared, off)" },
	{ "net.ipv6.conf.default.disable_ipv6", 1 | 2 | 4, "twlab sets it to 1 (the lab is IPv4 only)" },
	{ "net.ipv6.conf.all.disable_ipv6", 1 | 2 | 4, "twlab sets net.ipv6.conf.default.disable_ipv6 to 1 (the lab is IPv4 only)" },
};

static int check_sysctls(struct parser *p, const struct topo_sysctls *ss, unsigned node,
			 const char *section)
{
	for (size_t i = 0; i < ss->n; i++)
		for (size_t k = 0; k < sizeof(reserved_sysctls) / sizeof(reserved_sysctls[0]); k++) {
			char key[96];

			if (!(reserved_sysctls[k].nodes & node) ||
			    strcmp(ss->v[i].name, reserved_sysctls[k].name))
				continue;
			snprintf(key, sizeof(key), "sysctl.%s", ss->v[i].name);
			return topo_perr(p, ss->v[i].line, key, -EINVAL, "%s in %s: %s", key,
					 section, reserved_sysctls[k].why);
		}
	return 0;
}

static int check_reserved_sysctls(struct parser *p)
{
	const struct lab *lab = p->lab;
	int r = check_sysctls(p, &lab->server.sysctls, 1, "[server]");

	if (!r)
		r = check_sysctls(p, &lab->router.sysctls, 2, "[router]");
	/* replicas share their section's lines: the first one reports */
	for (size_t i = 0; !r && i < lab->n_clients; i++) {
		char section[sizeof(lab->clients[i].name) + 16];

		snprintf(section, sizeof(section), "[client %s]", lab->clients[i].name);
		r = check_sysctls(p, &lab->clients[i].sysctls, 4, section);
	}
	return r;
}

static void name_from_file(const char *fname, char *buf, size_t len)
{
	const char *b = strrchr(fname, '/'), *dot;
	size_t n;

	b = b ? b + 1 : fname;
	dot = strrchr(b, '.');
	n = dot && dot != b ? (size_t)(dot - b) : strlen(b);
	snprintf(buf, len, "%.*s", (int)n, b);
}

static int finish(struct parser *p, const char *name_override)
{
	struct lab *lab = p->lab;
	char name[256], ns[NETNS_NAME_MAX];
	int r;

	r = check_expect_nodes(p);
	if (!r)
		r = check_reserved_sysctls(p);
	if (r < 0)
		return r;
	if (!p->server_line)
		return topo_perr(p, 0, "", -EINVAL, "no [server] section");
	if (!lab->n_clients)
		return topo_perr(p, 0, "", -EINVAL, "no [client NAME] section: a lab needs a client");
	if (lab->server.user_line && !lab->server.command)
		return topo_perr(p, lab->server.user_line, "user", -EINVAL,
			    "user: [server] has no command (the agent runs as root)");

	if (name_override) {
		if (!topo_valid_name(name_override, TOPO_NAME_MAX))
			return topo_perr(p, 0, "name", -EINVAL, "lab name %s: a name is " TOPO_NAME_RULE,
				    name_override);
		snprintf(lab->name, sizeof(lab->name), "%s", name_override);
	} else if (p->has_name) {
		snprintf(lab->name, sizeof(lab->name), "%s", p->name);
	} else {
		if (!p->fname)
			return topo_perr(p, 0, "name", -EINVAL, "no lab name: set name in [lab]");
		name_from_file(p->fname, name, sizeof(name));
		if (!topo_valid_name(name, TOPO_NAME_MAX))
			return topo_perr(p, 0, "name", -EINVAL,
				    "the file name gives the lab name '%s', which is not " TOPO_NAME_RULE ": set name in [lab]",
				    name);
		snprintf(lab->name, sizeof(lab->name), "%.*s", TOPO_NAME_MAX, name);
	}

	/* the longest node name decides */
	if (topo_netns_name(lab, "router", ns, sizeof(ns)) < 0 ||
	    topo_netns_name(lab, "server", ns, sizeof(ns)) < 0)
		return topo_perr(p, 0, "name", -EINVAL, "lab name %s is too long", lab->name);
	for (size_t i = 0; i < lab->n_clients; i++)
		if (topo_netns_name(lab, lab->clients[i].name, ns, sizeof(ns)) < 0)
			return topo_perr(p, lab->clients[i].line, "", -EINVAL,
				    "namespace name twl-%s-%s is longer than %d characters",
				    lab->name, lab->clients[i].name, NETNS_NAME_MAX - 1);

	r = topo_plan(lab, p->err);
	if (r < 0)
		p->failed = r;
	return r;
}

int topo_load_buffer(const char *buf, size_t len, const char *fname, const char *name_override,
		     struct lab **ret_lab, struct topo_err *err)
{
	struct topo_err local;
	struct parser p = {
		.err = err ? err : &local,
		.fname = fname,
		.pos = buf,
		.end = buf + len,
	};
	struct lab *lab;
	int r;

	if (!buf && len)
		return -EINVAL;
	if (!buf)
		p.pos = p.end = "";
	lab = calloc(1, sizeof(*lab));
	if (lab && fname) {
		size_t n = 4 * strlen(fname) + 1;	/* every byte may become \xNN */

		lab->file = malloc(n);
		if (lab->file)
			topo_escape(fname, lab->file, n);
	}
	if (!lab || (fname && !lab->file)) {
		free(lab);
		topo_set_err(p.err, fname, 0, "", "out of memory");
		return -ENOMEM;
	}
	lab->duration_ms = 5 * MS_SEC;
	lab->seed = 1;
	lab->server.port = 8080;
	lab->server.close = CLOSE_SERVER;
	lab->server.paws_msl_ms = 60 * MS_SEC;
	lab->server.paws_window = 1;
	lab->server.ts_mode = TS_KERNEL;
	lab->router.nat = NAT_MASQUERADE;
	lab->router.port_mode = PORT_KEEP;
	p.lab = lab;

	r = ini_parse_stream(read_line, &p, topo_on_key, &p);
	if (r > 0 && (!p.failed || r < p.err->line)) {
		/* inih found something the reader let through */
		p.failed = 0;
		topo_perr(&p, r, "", -EINVAL, "syntax error");
	} else if (r < 0 && !p.failed) {
		topo_perr(&p, 0, "", -ENOMEM, "out of memory");
	}
	if (!p.failed)
		section_close(&p);
	if (!p.failed)
		finish(&p, name_override);

	if (p.sect == SECT_CLIENT)
		topo_free_client(&p.cur);
	topo_names_free(&p.keys);
	topo_names_free(&p.bases);
	topo_names_free(&p.clients);
	if (p.failed) {
		topo_free(lab);
		return p.failed;
	}
	*ret_lab = lab;
	return 0;
}

int topo_load(const char *path, const char *name_override, struct lab **ret_lab,
	      struct topo_err *err)
{
	size_t len = 0, size = 0;
	char *buf = NULL;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		goto fail;
	}
	/* st_size means nothing for /dev/stdin or a pipe: read to the end */
	for (;;) {
		ssize_t n;

		if (len == size) {
			char *b;

			if (size >= FILE_MAX) {
				r = -EFBIG;
				goto fail;
			}
			size = size ? 2 * size : 4096;
			b = realloc(buf, size);
			if (!b) {
				r = -ENOMEM;
				goto fail;
			}
			buf = b;
		}
		n = read(fd, buf + len, size - len);
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
	r = topo_load_buffer(buf ? buf : "", len, path, name_override, ret_lab, err);
	free(buf);
	return r;

fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	topo_set_err(err, path, 0, "", "cannot read %s: %s", path, strerror(-r));
	return r;
}

