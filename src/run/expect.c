// SPDX-License-Identifier: GPL-2.0
/* [expect] lines against result.json (pure). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/expect.h"

#define PATH_MAX_SEGS 32
#define PATH_MAX_LEN 512

struct path {
	char buf[PATH_MAX_LEN];
	char *seg[PATH_MAX_SEGS];
	int n;
};

/* topo_op_str lives in topo.o; expect stays linkable on its own */
static const char *op_str(enum expect_op op)
{
	static const char *const s[] = {
		[OP_EQ] = "==", [OP_NE] = "!=", [OP_LT] = "<",
		[OP_LE] = "<=", [OP_GT] = ">", [OP_GE] = ">=",
	};

	if ((unsigned int)op >= sizeof(s) / sizeof(s[0]))
		return "?";
	return s[op];
}

static int path_split(const char *path, struct path *p)
{
	size_t len = strlen(path);
	char *s, *dot;

	if (!len || len >= sizeof(p->buf))
		return -EINVAL;
	memcpy(p->buf, path, len + 1);
	p->n = 0;
	for (s = p->buf;; s = dot + 1) {
		if (p->n == PATH_MAX_SEGS)
			return -EINVAL;
		p->seg[p->n++] = s;
		dot = strchr(s, '.');
		if (dot)
			*dot = '\0';
		if (!*s)
			return -EINVAL;   /* "a..b", ".a", "a." */
		if (!dot)
			return 0;
	}
}

/* A decimal array index, or -1. */
static long seg_index(const char *s)
{
	char *end;
	long i;

	if (*s < '0' || *s > '9')
		return -1;
	i = strtol(s, &end, 10);
	return *end ? -1 : i;
}

/* Walk plain segments from node: object keys, array indexes. Borrowed or NULL. */
static json_t *walk(json_t *node, char *const *seg, int n)
{
	long idx;
	int i;

	for (i = 0; node && i < n; i++) {
		if (json_is_object(node)) {
			node = json_object_get(node, seg[i]);
		} else if (json_is_array(node)) {
			idx = seg_index(seg[i]);
			node = idx < 0 ? NULL : json_array_get(node, idx);
		} else {
			node = NULL;
		}
	}
	return node;
}

static json_t *find_client(json_t *result, const char *name)
{
	json_t *clients = json_object_get(result, "clients"), *c;
	size_t i;

	json_array_foreach(clients, i, c) {
		const char *n = json_string_value(json_object_get(c, "name"));

		if (n && !strcmp(n, name))
			return c;
	}
	return NULL;
}

static bool is_client_path(const struct path *p)
{
	return p->n >= 2 && !strcmp(p->seg[0], "client");
}

static bool is_counter_path(const struct path *p)
{
	return p->n == 3 && !strcmp(p->seg[0], "counters");
}

static bool is_sum_path(const struct path *p)
{
	return p->n >= 2 && !strcmp(p->seg[0], "clients") && seg_index(p->seg[1]) < 0;
}

static json_t *lookup(json_t *result, const struct path *p)
{
	if (is_client_path(p))
		return walk(find_client(result, p->seg[1]), p->seg + 2, p->n - 2);
	return walk(result, p->seg, p->n);
}

json_t *expect_lookup(json_t *result, const char *path)
{
	struct path p;

	if (!json_is_object(result) || path_split(path, &p) < 0)
		return NULL;
	return lookup(result, &p);
}

/* expect_resolve with a reason for a failure. */
static int resolve(json_t *result, const char *path, json_t **ret, char *why, size_t len)
{
	struct path p;
	json_t *v, *c, *node;
	json_int_t isum = 0;
	double dsum = 0;
	bool real = false;
	size_t i;

	if (!json_is_object(result)) {
		snprintf(why, len, "%s: no result to look in", path);
		return -ENOENT;
	}
	if (path_split(path, &p) < 0) {
		snprintf(why, len, "%s: not a path", path);
		return -EINVAL;
	}
	if (is_client_path(&p) && !find_client(result, p.seg[1])) {
		snprintf(why, len, "%s: no client named %s", path, p.seg[1]);
		return -ENOENT;
	}
	if (is_counter_path(&p)) {
		/* deltas are sparse: a counter that did not change is 0, if the node is there */
		node = walk(result, p.seg, 2);
		if (!json_is_object(node)) {
			snprintf(why, len, "%s: no counters for node %s", path, p.seg[1]);
			return -ENOENT;
		}
		v = json_object_get(node, p.seg[2]);
		v = v ? json_incref(v) : json_integer(0);
		if (!v)
			return -ENOMEM;
		*ret = v;
		return 0;
	}
	if (is_sum_path(&p)) {
		node = json_object_get(result, "clients");
		if (!json_is_array(node)) {
			snprintf(why, len, "%s: no clients in result", path);
			return -ENOENT;
		}
		json_array_foreach(node, i, c) {
			v = walk(c, p.seg + 1, p.n - 1);
			if (!v) {
				snprintf(why, len, "%s: clients[%zu] has no %s", path, i,
					 path + strlen("clients."));
				return -ENOENT;
			}
			if (!json_is_number(v)) {
				snprintf(why, len, "%s: clients[%zu].%s is not a number", path, i,
					 path + strlen("clients."));
				return -EINVAL;
			}
			if (json_is_real(v))
				real = true;
			else
				isum += json_integer_value(v);
			dsum += json_number_value(v);
		}
		v = real ? json_real(dsum) : json_integer(isum);
		if (!v)
			return -ENOMEM;
		*ret = v;
		return 0;
	}
	v = lookup(result, &p);
	if (!v) {
		snprintf(why, len, "%s: not in result", path);
		return -ENOENT;
	}
	*ret = json_incref(v);
	return 0;
}

int expect_resolve(json_t *result, const char *path, json_t **ret)
{
	char why[8];

	return resolve(result, path, ret, why, sizeof(why));
}

static const char *type_str(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

static void format_value(const json_t *v, char *buf, size_t len)
{
	switch (json_typeof(v)) {
	case JSON_INTEGER:
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		snprintf(buf, len, "%g", json_real_value(v));
		break;
	case JSON_STRING:
		snprintf(buf, len, "\"%s\"", json_string_value(v));
		break;
	case JSON_TRUE:
		snprintf(buf, len, "true");
		break;
	case JSON_FALSE:
		snprintf(buf, len, "false");
		break;
	case JSON_NULL:
		snprintf(buf, len, "null");
		break;
	default:
		snprintf(buf, len, "%s", type_str(v));
		break;
	}
}

/* The literal without surrounding blanks, and without the quotes of a "quoted string";
 * true when it was quoted (then it is a string, whatever it looks like). */
static bool literal(const char *value, char *buf, size_t len)
{
	size_t n;

	while (*value == ' ' || *value == '\t')
		value++;
	snprintf(buf, len, "%s", value);
	n = strlen(buf);
	while (n && (buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		buf[--n] = '\0';
	if (n >= 2 && buf[0] == '"' && buf[n - 1] == '"') {
		memmove(buf, buf + 1, n - 2);
		buf[n - 2] = '\0';
		return true;
	}
	return false;
}

/* -1/0/1 comparing number v with the literal; -EINVAL when lit is not a number. */
static int cmp_number(const json_t *v, const char *lit, int *ret)
{
	char *end;
	long long li;
	double d, a;

	if (!*lit)
		return -EINVAL;
	errno = 0;
	li = strtoll(lit, &end, 10);
	if (!*end && !errno && json_is_integer(v)) {
		json_int_t x = json_integer_value(v);

		*ret = x < li ? -1 : x > li;
		return 0;
	}
	d = strtod(lit, &end);
	if (*end || isnan(d))
		return -EINVAL;
	a = json_number_value(v);
	*ret = a < d ? -1 : a > d;
	return 0;
}

/* Compare actual with e; *ok and, when false, why. */
static void compare(const struct lab_expect *e, const json_t *actual, bool *ok, char *why,
		    size_t len)
{
	const char *op = op_str(e->op);
	char lit[256], have[256];
	bool eq_only = e->op == OP_EQ || e->op == OP_NE, quoted;
	int c;

	quoted = literal(e->value ? e->value : "", lit, sizeof(lit));
	format_value(actual, have, sizeof(have));
	*ok = false;
	if (json_is_number(actual)) {
		if (quoted || cmp_number(actual, lit, &c) < 0) {
			snprintf(why, len, "%s is a number (%s), %s is not", e->path, have,
				 e->value ? e->value : "\"\"");
			return;
		}
	} else if (json_is_boolean(actual) || json_is_null(actual)) {
		const char *want = json_is_null(actual) ? "null" : json_is_true(actual) ? "true" :
			"false";

		if (quoted ||
		    (strcmp(lit, "true") && strcmp(lit, "false") && strcmp(lit, "null"))) {
			snprintf(why, len, "%s is %s (%s), %s is not", e->path,
				 type_str(actual), have, e->value ? e->value : "\"\"");
			return;
		}
		if (!eq_only) {
			snprintf(why, len, "%s is %s: only == and != apply, not %s", e->path,
				 type_str(actual), op);
			return;
		}
		c = strcmp(lit, want) != 0;
	} else if (json_is_string(actual)) {
		if (!eq_only) {
			snprintf(why, len, "%s is a string: only == and != apply, not %s", e->path,
				 op);
			return;
		}
		c = strcmp(json_string_value(actual), lit) != 0;
	} else {
		snprintf(why, len, "%s is %s, not a value to compare", e->path, type_str(actual));
		return;
	}
	*ok = topo_op_holds(e->op, c);
	if (!*ok)
		snprintf(why, len, "%s is %s, wanted %s %s", e->path, have, op, lit);
}

static int eval(const struct lab_expect *e, json_t *result, bool *ok, char *why, size_t len,
		json_t **ret_actual)
{
	json_t *actual = NULL;
	int r;

	*ok = false;
	if (!e->path) {
		snprintf(why, len, "no path");
		return -ENOENT;
	}
	r = resolve(result, e->path, &actual, why, len);
	if (r < 0)
		return r == -ENOMEM ? r : -ENOENT;
	compare(e, actual, ok, why, len);
	if (*ok && len)
		why[0] = '\0';
	if (ret_actual)
		*ret_actual = actual;
	else
		json_decref(actual);
	return 0;
}

int expect_eval(const struct lab_expect *e, json_t *result, bool *ret_ok, char *why, size_t len)
{
	char dummy[1];

	if (!why || !len) {
		why = dummy;
		len = sizeof(dummy);
	}
	return eval(e, result, ret_ok, why, len, NULL);
}

/* An [expect kernel OP X.Y] line on another kernel: not checked, and said so. */
static bool kernel_applies(const struct lab_expect *e, json_t *result)
{
	return topo_expect_applies(e, json_string_value(json_object_get(result, "kernel")));
}

static json_t *check_json(const struct lab_expect *e, json_t *result, bool *ret_ok)
{
	json_t *o, *actual = NULL;
	char why[512], text[512];
	bool ok;
	int r;

	if (!kernel_applies(e, result)) {
		snprintf(text, sizeof(text), "%s", e->text ? e->text : "");
		o = json_pack("{s:s, s:b, s:n, s:s}", "check", text, "ok", 1, "actual",
			      "skipped", e->kernel_text);
		if (o)
			*ret_ok = true;
		return o;
	}
	r = eval(e, result, &ok, why, sizeof(why), &actual);
	if (r == -ENOMEM)
		return NULL;
	if (e->text)
		snprintf(text, sizeof(text), "%s", e->text);
	else
		snprintf(text, sizeof(text), "%s %s %s", e->path ? e->path : "",
			 op_str(e->op), e->value ? e->value : "");
	o = json_pack("{s:s, s:b, s:o}", "check", text, "ok", ok,
		      "actual", actual ? actual : json_null());
	if (o && e->has_kernel)
		json_object_set_new(o, "when", json_string(e->kernel_text));
	if (o && !ok && json_object_set_new(o, "why", json_string(why)) < 0) {
		json_decref(o);
		return NULL;
	}
	if (o)
		*ret_ok = ok;
	return o;
}

json_t *expect_eval_all(const struct lab *lab, json_t *result, bool *ret_all_ok)
{
	json_t *arr = json_array(), *o;
	bool all = true, ok;
	size_t i;

	if (!arr)
		return NULL;
	for (i = 0; lab && i < lab->n_expects; i++) {
		o = check_json(&lab->expects[i], result, &ok);
		if (!o || json_array_append_new(arr, o) < 0) {
			json_decref(arr);
			return NULL;
		}
		all = all && ok;
	}
	*ret_all_ok = all;
	return arr;
}
