// SPDX-License-Identifier: GPL-2.0
/* topo keys: what each key of [lab], [server], [router], [client NAME] and [expect] sets. */
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

/* ---- keys ---- */

static int lab_key(struct parser *p, const char *key, const char *value)
{
	struct lab *lab = p->lab;

	if (!strcmp(key, "name")) {
		if (!topo_valid_name(value, TOPO_NAME_MAX))
			return topo_perr(p, p->line, key, -EINVAL, "name = %s: a name is " TOPO_NAME_RULE,
				    value);
		snprintf(p->name, sizeof(p->name), "%s", value);
		p->has_name = true;
		return 0;
	}
	if (!strcmp(key, "duration"))
		return topo_value_duration(p, key, value, 1, MS_DAY, &lab->duration_ms);
	if (!strcmp(key, "seed")) {
		int r = topo_parse_seed(value, &lab->seed);

		if (r == -ERANGE)
			return topo_bad_value(p, key, value, -EINVAL, "out of range: " TOPO_SEED_RULE);
		if (r < 0)
			return topo_bad_value(p, key, value, -EINVAL, "not a number: " TOPO_SEED_RULE);
		return 0;
	}
	if (!strcmp(key, "description")) {
		free(lab->description);
		lab->description = strdup(value);
		return lab->description ? 0 : topo_enomem(p);
	}
	return 1;
}

static int server_key(struct parser *p, const char *key, const char *value)
{
	static const char *const close_names[] = { "server", "client", NULL };
	struct lab_server *s = &p->lab->server;
	uint64_t v;
	int r;

	if (!strcmp(key, "port")) {
		r = topo_value_u64(p, key, value, 1, 65535, &v);
		if (!r)
			s->port = (uint16_t)v;
		return r;
	}
	if (!strcmp(key, "close")) {
		r = topo_value_enum(p, key, value, close_names, "server or client");
		if (r >= 0)
			s->close = (enum close_policy)r;
		return r < 0 ? r : 0;
	}
	if (!strcmp(key, "hold"))
		return topo_value_duration(p, key, value, 0, MS_HOUR, &s->hold_ms);
	if (!strcmp(key, "recycle"))
		return topo_value_bool(p, key, value, &s->recycle);
	if (!strcmp(key, "paws_msl")) {
		r = topo_value_duration(p, key, value, 1000, MS_HOUR, &s->paws_msl_ms);
		/* the kernel counts record ages in whole seconds (get_seconds(), kernel-notes §1.1) */
		if (!r && s->paws_msl_ms % 1000)
			return topo_bad_value(p, key, value, -EINVAL,
					 "whole seconds only (tcp_tw_recycle ages records in seconds)");
		return r;
	}
	if (!strcmp(key, "paws_window")) {
		r = topo_value_u64(p, key, value, 0, INT32_MAX, &v);
		if (!r)
			s->paws_window = (int32_t)v;
		return r;
	}
	if (!strcmp(key, "timestamps")) {
		r = topo_value_enum(p, key, value, topo_ts_names, "kernel, shared or off");
		if (r == TS_OFFSET)
			return topo_bad_value(p, key, value, -EINVAL,
					 "the server has no offset; expected kernel, shared or off");
		if (r >= 0)
			s->ts_mode = (enum ts_mode)r;
		return r < 0 ? r : 0;
	}
	if (!strcmp(key, "command"))
		return topo_value_command(p, key, value, &s->command, &s->command_text);
	if (!strcmp(key, "user"))
		return topo_value_user(p, key, value, s->user, &s->user_line);
	if (!strcmp(key, "label"))
		return topo_value_label(p, key, value, s->label);
	if (topo_is_sysctl_key(key))
		return topo_add_sysctl(p, &s->sysctls, key, value);
	return 1;
}

static int router_key(struct parser *p, const char *key, const char *value)
{
	static const char *const nat_names[] = { "masquerade", "snat", "none", NULL };
	static const char *const mode_names[] = { "keep", "random", "fully-random", NULL };
	struct lab_router *rt = &p->lab->router;
	int r;

	if (!strcmp(key, "nat")) {
		r = topo_value_enum(p, key, value, nat_names, "masquerade, snat or none");
		if (r < 0)
			return r;
		if (r == NAT_NONE && (p->ports_line || p->port_mode_line))
			return topo_perr(p, p->line, key, -EINVAL,
				    "nat = none contradicts %s on line %d (no NAT, no port mapping)",
				    p->ports_line ? "ports" : "port_mode",
				    p->ports_line ? p->ports_line : p->port_mode_line);
		if (r == NAT_NONE)
			p->nat_none_line = p->line;
		rt->nat = (enum nat_mode)r;
		return 0;
	}
	if ((!strcmp(key, "ports") || !strcmp(key, "port_mode")) && p->nat_none_line)
		return topo_perr(p, p->line, key, -EINVAL,
			    "%s contradicts nat = none on line %d (no NAT, no port mapping)", key,
			    p->nat_none_line);
	if (!strcmp(key, "ports")) {
		uint64_t lo, hi;
		char buf[32], *dash;

		p->ports_line = p->line;
		if (!strcmp(value, "all")) {
			rt->port_lo = rt->port_hi = 0;
			return 0;
		}
		if (strlen(value) >= sizeof(buf))
			return topo_bad_value(p, key, value, -EINVAL, "expected all, N or N-M");
		strcpy(buf, value);
		dash = strchr(buf, '-');
		if (dash)
			*dash = '\0';
		if (topo_parse_u64(buf, &lo) < 0 || (dash && topo_parse_u64(dash + 1, &hi) < 0))
			return topo_bad_value(p, key, value, -EINVAL, "expected all, N or N-M");
		if (!dash)
			hi = lo;
		if (lo < 1 || hi > 65535 || lo > hi)
			return topo_bad_value(p, key, value, -EINVAL,
					 "out of range (1..65535, low <= high)");
		rt->port_lo = (uint16_t)lo;
		rt->port_hi = (uint16_t)hi;
		return 0;
	}
	if (!strcmp(key, "port_mode")) {
		p->port_mode_line = p->line;
		r = topo_value_enum(p, key, value, mode_names, "keep, random or fully-random");
		if (r >= 0)
			rt->port_mode = (enum port_mode)r;
		return r < 0 ? r : 0;
	}
	if (!strcmp(key, "label"))
		return topo_value_label(p, key, value, rt->label);
	if (topo_is_sysctl_key(key))
		return topo_add_sysctl(p, &rt->sysctls, key, value);
	return 1;
}

/* Decimal (maybe negative) or 0x hex, taken mod 2^32. */
static int parse_ts_offset(const char *s, uint32_t *ret)
{
	bool neg = *s == '-';
	uint64_t v;
	int r;

	if (neg)
		s++;
	if (!(*s >= '0' && *s <= '9'))
		return -EINVAL;
	r = topo_parse_u64(s, &v);
	if (r < 0)
		return r;
	*ret = neg ? (uint32_t)(0 - v) : (uint32_t)v;
	return 0;
}

static int client_key(struct parser *p, const char *key, const char *value)
{
	struct lab_client *c = &p->cur;
	uint64_t v;
	int r;

	if (!strcmp(key, "timestamps")) {
		r = topo_value_enum(p, key, value, topo_ts_names, "offset, kernel, shared or off");
		if (r < 0)
			return r;
		if (r != TS_OFFSET && (p->ts_offset_line || p->uptime_line))
			return topo_perr(p, p->line, key, -EINVAL,
				    "timestamps = %s contradicts %s on line %d (only offset uses it)",
				    value, p->uptime_line ? "uptime" : "ts_offset",
				    p->uptime_line ? p->uptime_line : p->ts_offset_line);
		c->ts_mode = (enum ts_mode)r;
		p->ts_line = p->line;
		return 0;
	}
	if ((!strcmp(key, "ts_offset") || !strcmp(key, "uptime")) && p->ts_line &&
	    c->ts_mode != TS_OFFSET)
		return topo_perr(p, p->line, key, -EINVAL,
			    "%s contradicts timestamps = %s on line %d (only offset uses it)", key,
			    topo_ts_mode_str(c->ts_mode), p->ts_line);
	if (!strcmp(key, "ts_offset")) {
		if (p->uptime_line)
			return topo_perr(p, p->line, key, -EINVAL,
				    "ts_offset contradicts uptime on line %d: give one of them",
				    p->uptime_line);
		if (!strcmp(value, "random")) {
			c->ts_random = true;
		} else {
			r = parse_ts_offset(value, &c->ts_offset);
			if (r == -ERANGE)
				return topo_bad_value(p, key, value, -EINVAL, "out of range");
			if (r < 0)
				return topo_bad_value(p, key, value, r,
						 "expected a number (decimal, -decimal, 0xhex) or random");
		}
		c->has_ts_offset = true;
		p->ts_offset_line = p->line;
		return 0;
	}
	if (!strcmp(key, "hz")) {
		/* 4.11's TCP clock was jiffies: HZ=250 (Debian, Ubuntu), 1000 (RHEL), 100, 300 */
		r = topo_value_u64(p, key, value, 1, 1000, &v);
		if (!r) {
			c->hz = (uint32_t)v;
			p->hz_line = p->line;
		}
		return r;
	}
	if (!strcmp(key, "uptime")) {
		if (p->ts_offset_line)
			return topo_perr(p, p->line, key, -EINVAL,
				    "uptime contradicts ts_offset on line %d: give one of them",
				    p->ts_offset_line);
		r = topo_value_duration(p, key, value, 0, UINT64_MAX, &c->uptime_ms);
		if (r < 0)
			return r;
		c->has_uptime = true;
		p->uptime_line = p->line;
		return 0;
	}
	if (!strcmp(key, "start") || !strcmp(key, "every") || !strcmp(key, "count") ||
	    !strcmp(key, "connect_timeout")) {
		/* the agent's schedule: a command does not honour it */
		if (p->command_line)
			return topo_perr(p, p->line, key, -EINVAL,
				    "%s: a client with a command (line %d) has no schedule; the command runs for the lab's duration",
				    key, p->command_line);
		if (!p->sched_line) {
			p->sched_line = p->line;
			snprintf(p->sched_key, sizeof(p->sched_key), "%s", key);
		}
	}
	if (!strcmp(key, "start"))
		return topo_value_duration(p, key, value, 0, MS_DAY, &c->start_ms);
	if (!strcmp(key, "every"))
		return topo_value_duration(p, key, value, 1, MS_DAY, &c->every_ms);
	if (!strcmp(key, "connect_timeout"))
		return topo_value_duration(p, key, value, 10, 10 * MS_MIN, &c->connect_timeout_ms);
	if (!strcmp(key, "count")) {
		r = topo_value_u64(p, key, value, 0, 1000000, &v);
		if (!r)
			c->count = (uint32_t)v;
		return r;
	}
	if (!strcmp(key, "replicas")) {
		r = topo_value_u64(p, key, value, 1, TOPO_MAX_CLIENTS, &v);
		if (!r) {
			p->replicas = (uint32_t)v;
			p->replicas_line = p->line;
		}
		return r;
	}
	if (!strcmp(key, "command")) {
		if (p->sched_line)
			return topo_perr(p, p->sched_line, p->sched_key, -EINVAL,
				    "%s: a client with a command has no schedule (command on line %d runs for the lab's duration)",
				    p->sched_key, p->line);
		p->command_line = p->line;
		return topo_value_command(p, key, value, &c->command, &c->command_text);
	}
	if (!strcmp(key, "user"))
		return topo_value_user(p, key, value, c->user, &c->user_line);
	if (!strcmp(key, "label"))
		return topo_value_label(p, key, value, c->label);
	if (topo_is_sysctl_key(key))
		return topo_add_sysctl(p, &c->sysctls, key, value);
	return 1;
}

static const char *const topo_op_names[] = { "==", "!=", "<", "<=", ">", ">=" };

const char *topo_op_str(enum expect_op op)
{
	if ((unsigned)op < sizeof(topo_op_names) / sizeof(topo_op_names[0]))
		return topo_op_names[op];
	return "?";
}

/* "kernel >= 6.16" (the rest of an [expect ...] header) */
int topo_expect_condition(struct parser *p, const char *cond)
{
	const char *v = cond;
	int op = -1;

	if (strncmp(v, "kernel", 6) || !strchr(" \t=!<>", v[6]) || !v[6])
		goto bad;
	v += 6;
	while (*v == ' ' || *v == '\t')
		v++;
	for (int i = 0; i < 6; i++) {
		size_t l = strlen(topo_op_names[i]);

		if (!strncmp(v, topo_op_names[i], l) && (op < 0 || l > strlen(topo_op_names[op])))
			op = i;
	}
	if (op < 0)
		goto bad;
	v += strlen(topo_op_names[op]);
	while (*v == ' ' || *v == '\t')
		v++;
	if (!isdigit((unsigned char)*v) || strspn(v, "0123456789.") != strlen(v) ||
	    topo_kernel_version(v, &p->expect_kernel_ver) < 0)
		goto bad;
	p->expect_has_kernel = true;
	p->expect_kernel_op = (enum expect_op)op;
	snprintf(p->expect_kernel_text, sizeof(p->expect_kernel_text), "kernel %s %s",
		 topo_op_names[op], v);
	return 0;
bad:
	return topo_perr(p, p->line, "", -EINVAL,
			 "[expect %s]: expected [expect kernel OP X.Y] with OP one of == != < <= > >=",
			 cond);
}

/* The roots of result.json an expectation may look at. */
static const char *const expect_roots[] = {
	"schema", "lab", "kernel", "ok", "duration_s", "setup_s", "teardown_s",
	"gate", "clients", "client", "counters", "wire", NULL,
};

static int check_expect_path(struct parser *p, const char *path)
{
	size_t seg = 0, n = 0, len = strcspn(path, ".");
	char root[16];

	for (const char *c = path;; c++) {
		if (*c == '.' || !*c) {
			if (!n)
				return topo_perr(p, p->line, path, -EINVAL, "%s: empty path component",
					    path);
			seg++;
			n = 0;
			if (!*c)
				break;
		} else if (!topo_is_name_char(*c)) {
			return topo_perr(p, p->line, path, -EINVAL,
				    "%s: a path is dot-separated names of A-Z a-z 0-9 _ -", path);
		} else {
			n++;
		}
	}
	if (len >= sizeof(root))
		len = sizeof(root) - 1;	/* too long for any root: topo_parse_enum fails */
	memcpy(root, path, len);
	root[len] = '\0';
	if (topo_parse_enum(root, expect_roots) < 0)
		return topo_perr(p, p->line, path, -EINVAL,
			    "%s: unknown root (gate, client.NAME, clients, counters.NODE, ok, ...)",
			    path);
	if ((!strcmp(root, "client") || !strcmp(root, "counters")) && seg < 3)
		return topo_perr(p, p->line, path, -EINVAL, "%s: expected %s.NAME.FIELD", path, root);
	if ((!strcmp(root, "gate") || !strcmp(root, "clients") || !strcmp(root, "wire")) &&
	    seg < 2)
		return topo_perr(p, p->line, path, -EINVAL, "%s: expected %s.FIELD", path, root);
	return 0;
}

static bool is_number(const char *s)
{
	char *end;
	double d;

	d = strtod(s, &end);
	return end != s && !*end && isfinite(d) && !isspace((unsigned char)*s);
}

static int expect_key(struct parser *p, const char *path, const char *value)
{
	struct lab *lab = p->lab;
	struct lab_expect *e;
	const char *v = value;
	int op = -1;
	size_t n;
	int r;

	r = check_expect_path(p, path);
	if (r < 0)
		return r;
	/* longest operator first: "<=" before "<" */
	for (int i = 0; i < 6; i++) {
		size_t l = strlen(topo_op_names[i]);

		if (!strncmp(v, topo_op_names[i], l) && (op < 0 || l > strlen(topo_op_names[op])))
			op = i;
	}
	if (op < 0)
		return topo_perr(p, p->line, path, -EINVAL,
			    "%s = %s: expected PATH = OP VALUE with OP one of == != < <= > >=",
			    path, value);
	v += strlen(topo_op_names[op]);
	while (*v == ' ' || *v == '\t')
		v++;
	if (!*v)
		return topo_perr(p, p->line, path, -EINVAL, "%s = %s: missing value after %s", path,
			    value, topo_op_names[op]);
	if (op >= OP_LT && !is_number(v))
		return topo_perr(p, p->line, path, -EINVAL, "%s = %s: %s needs a number", path, value,
			    topo_op_names[op]);

	if (topo_grow(&lab->expects, &p->expects_cap, lab->n_expects + 1, sizeof(*e)))
		return topo_enomem(p);
	e = &lab->expects[lab->n_expects];
	memset(e, 0, sizeof(*e));
	e->op = (enum expect_op)op;
	e->line = p->line;
	e->path = strdup(path);
	e->value = strdup(v);
	n = strlen(path) + strlen(v) + 5;
	e->text = malloc(n);
	if (!e->path || !e->value || !e->text) {
		free(e->path);
		free(e->value);
		free(e->text);
		return topo_enomem(p);
	}
	snprintf(e->text, n, "%s %s %s", path, topo_op_names[op], v);
	if (p->expect_has_kernel) {
		e->has_kernel = true;
		e->kernel_op = p->expect_kernel_op;
		e->kernel_ver = p->expect_kernel_ver;
		snprintf(e->kernel_text, sizeof(e->kernel_text), "%s", p->expect_kernel_text);
	}
	lab->n_expects++;
	return 0;
}

/* A key is given once per section; [expect] excepted (a range needs the same path twice). */
static int check_duplicate(struct parser *p, const char *key)
{
	int r, first;

	if (p->sect == SECT_EXPECT)
		return 0;
	r = topo_names_add(&p->keys, key, p->line, &first);
	if (r < 0)
		return topo_enomem(p);
	if (r > 0)
		return topo_perr(p, p->line, key, -EINVAL, "duplicate key %s in %s (first on line %d)",
			    key, p->sect_label, first);
	return 0;
}

int topo_on_key(void *user, const char *section, const char *key, const char *value)
{
	struct parser *p = user;
	const char *bad;
	int r;

	if (p->failed)
		return 0;
	if (!*key)
		return !topo_perr(p, p->line, "", -EINVAL, "a key is missing before '='");
	if (p->sect == SECT_NONE)
		return !topo_perr(p, p->line, key, -EINVAL,
			     "%s: key outside of a section (start with [lab] or [server])", key);
	if (p->has_raw)		/* inih cut the value at a quoted " ;" */
		value = topo_line_value(p);
	if ((bad = topo_bad_text(key, false)))
		return !topo_perr(p, p->line, key, -EINVAL, "%s: %s in the key", key, bad);
	if ((bad = topo_bad_text(value, true)))
		return !topo_perr(p, p->line, key, -EINVAL, "%s: %s in the value", key, bad);
	if (check_duplicate(p, key) < 0)
		return 0;

	switch (p->sect) {
	case SECT_LAB:
		r = lab_key(p, key, value);
		break;
	case SECT_SERVER:
		r = server_key(p, key, value);
		break;
	case SECT_ROUTER:
		r = router_key(p, key, value);
		break;
	case SECT_CLIENT:
		r = client_key(p, key, value);
		break;
	case SECT_EXPECT:
		r = expect_key(p, key, value);
		break;
	default:
		r = 1;
	}
	if (r > 0)
		r = topo_perr(p, p->line, key, -EINVAL, "unknown key %s in %s", key, p->sect_label);
	return r == 0;
}

