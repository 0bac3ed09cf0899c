// SPDX-License-Identifier: GPL-2.0
/* topo model: freeing and copying a struct lab, its address plan and lookups. */
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
#include <sys/random.h>

#include <ini.h>

#include "topo/parser.h"

/* ---- freeing and copying ---- */

static void free_argv(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

static void free_sysctls(struct topo_sysctls *ss)
{
	for (size_t i = 0; i < ss->n; i++) {
		free(ss->v[i].name);
		free(ss->v[i].value);
	}
	free(ss->v);
	ss->v = NULL;
	ss->n = 0;
	ss->cap = 0;
}

void topo_free_client(struct lab_client *c)
{
	free_argv(c->command);
	free(c->command_text);
	free_sysctls(&c->sysctls);
	c->command = NULL;
	c->command_text = NULL;
}

void topo_free(struct lab *lab)
{
	if (!lab)
		return;
	free(lab->file);
	free(lab->description);
	free_argv(lab->server.command);
	free(lab->server.command_text);
	free_sysctls(&lab->server.sysctls);
	free_sysctls(&lab->router.sysctls);
	for (size_t i = 0; i < lab->n_clients; i++)
		topo_free_client(&lab->clients[i]);
	free(lab->clients);
	for (size_t i = 0; i < lab->n_expects; i++) {
		free(lab->expects[i].path);
		free(lab->expects[i].value);
		free(lab->expects[i].text);
	}
	free(lab->expects);
	free(lab);
}

/* dst gets its own copies of src's command and sysctls; on failure dst owns nothing. */
int topo_copy_client(struct lab_client *dst, const struct lab_client *src)
{
	size_t n = 0;

	*dst = *src;
	dst->command = NULL;
	dst->command_text = NULL;
	dst->sysctls.v = NULL;
	dst->sysctls.n = 0;
	dst->sysctls.cap = 0;
	if (src->command) {
		while (src->command[n])
			n++;
		dst->command = calloc(n + 1, sizeof(char *));
		if (!dst->command)
			goto nomem;
		for (size_t i = 0; i < n; i++)
			if (!(dst->command[i] = strdup(src->command[i])))
				goto nomem;
		if (!(dst->command_text = strdup(src->command_text)))
			goto nomem;
	}
	if (src->sysctls.n) {
		dst->sysctls.v = calloc(src->sysctls.n, sizeof(struct topo_sysctl));
		if (!dst->sysctls.v)
			goto nomem;
		dst->sysctls.cap = src->sysctls.n;
		for (size_t i = 0; i < src->sysctls.n; i++) {
			struct topo_sysctl *d = &dst->sysctls.v[i];

			d->line = src->sysctls.v[i].line;
			d->name = strdup(src->sysctls.v[i].name);
			d->value = strdup(src->sysctls.v[i].value);
			dst->sysctls.n++;
			if (!d->name || !d->value)
				goto nomem;
		}
	}
	return 0;
nomem:
	topo_free_client(dst);
	return -ENOMEM;
}


/* ---- growing arrays and sets of names, so that reading a file stays linear ---- */

int topo_grow(void *pv, size_t *cap, size_t need, size_t size)
{
	void **v = pv, *nv;
	size_t n = *cap ? *cap : 4;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	if (n > SIZE_MAX / size)
		return -ENOMEM;
	nv = realloc(*v, n * size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = n;
	return 0;
}

/*
 * FNV-1a from a random basis, then murmur3's finalizer: which slot a name lands in cannot be
 * worked out from the file alone, so a file cannot be made to collide on purpose.
 */
static uint64_t name_hash(uint64_t seed, const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}

struct topo_pool {
	struct topo_pool *prev;
	size_t used, size;
	char buf[];
};

static char *pool_strdup(struct topo_pool **pool, const char *s)
{
	size_t n = strlen(s) + 1;
	struct topo_pool *b = *pool;
	char *d;

	if (!b || b->size - b->used < n) {
		size_t size = n > 65536 ? n : 65536;

		b = malloc(sizeof(*b) + size);
		if (!b)
			return NULL;
		b->prev = *pool;
		b->used = 0;
		b->size = size;
		*pool = b;
	}
	d = memcpy(b->buf + b->used, s, n);
	b->used += n;
	return d;
}

static struct topo_name *names_slot(const struct topo_names *t, const char *name, uint64_t h)
{
	size_t i = h & (t->cap - 1);

	for (;; i = (i + 1) & (t->cap - 1))
		if (!t->v[i].name || (t->v[i].hash == h && !strcmp(t->v[i].name, name)))
			return &t->v[i];
}

static int names_resize(struct topo_names *t, size_t cap)
{
	struct topo_names n = { .cap = cap, .n = t->n, .seed = t->seed, .pool = t->pool };

	n.v = calloc(cap, sizeof(*n.v));
	if (!n.v)
		return -ENOMEM;
	for (size_t i = 0; i < t->cap; i++)
		if (t->v[i].name)
			*names_slot(&n, t->v[i].name, t->v[i].hash) = t->v[i];
	free(t->v);
	*t = n;
	return 0;
}

int topo_names_add(struct topo_names *t, const char *name, int value, int *ret_old)
{
	struct topo_name *slot;
	uint64_t h;

	if (!t->cap) {
		if (getrandom(&t->seed, sizeof(t->seed), GRND_NONBLOCK) != sizeof(t->seed))
			t->seed = (uintptr_t)t;
		if (names_resize(t, 16) < 0)
			return -ENOMEM;
	}
	h = name_hash(t->seed, name);
	slot = names_slot(t, name, h);
	if (slot->name) {
		*ret_old = slot->value;
		return 1;
	}
	if (2 * (t->n + 1) > t->cap) {	/* at most half full: probes stay short */
		if (names_resize(t, 2 * t->cap) < 0)
			return -ENOMEM;
		slot = names_slot(t, name, h);
	}
	slot->name = pool_strdup(&t->pool, name);
	if (!slot->name)
		return -ENOMEM;
	slot->hash = h;
	slot->value = value;
	t->n++;
	return 0;
}

int topo_names_get(const struct topo_names *t, const char *name, int *ret_value)
{
	const struct topo_name *slot;

	if (!t->n)
		return -ENOENT;
	slot = names_slot(t, name, name_hash(t->seed, name));
	if (!slot->name)
		return -ENOENT;
	*ret_value = slot->value;
	return 0;
}

void topo_names_free(struct topo_names *t)
{
	while (t->pool) {
		struct topo_pool *b = t->pool;

		t->pool = b->prev;
		free(b);
	}
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/* ---- the plan and lookups ---- */

int topo_plan(struct lab *lab, struct topo_err *err)
{
	if (!lab)
		return -EINVAL;
	if (!lab->n_clients || lab->n_clients > TOPO_MAX_CLIENTS) {
		topo_set_err(err, lab->file, 0, "", "%zu clients: a lab has 1..%d", lab->n_clients,
			TOPO_MAX_CLIENTS);
		return -EINVAL;
	}
	memset(&lab->router.out_addr, 0, sizeof(lab->router.out_addr));
	lab->server.route_dst = 0;
	lab->server.route_prefix = 0;
	lab->server.gw = 0;

	if (lab->router.present) {
		lab->router.out_addr = (struct topo_addr){ OUTSIDE_NET + 1, 24 };
		lab->server.addr = (struct topo_addr){ OUTSIDE_NET + 2, 24 };
		if (lab->router.nat == NAT_NONE) {
			lab->server.route_dst = INSIDE_NET;
			lab->server.route_prefix = 10;
			lab->server.gw = OUTSIDE_NET + 1;
		}
	} else {
		lab->server.addr = (struct topo_addr){ INSIDE_NET + 1, 10 };
	}
	for (size_t i = 0; i < lab->n_clients; i++) {
		struct lab_client *c = &lab->clients[i];

		c->index = (int)i;
		if (lab->router.present) {
			c->addr = (struct topo_addr){ INSIDE_NET + 4 * (uint32_t)i + 2, 30 };
			c->peer_addr = (struct topo_addr){ INSIDE_NET + 4 * (uint32_t)i + 1, 30 };
			c->gw = c->peer_addr.addr;
		} else {
			c->addr = (struct topo_addr){ INSIDE_NET + 2 + (uint32_t)i, 10 };
			c->peer_addr = (struct topo_addr){ 0, 0 };
			c->gw = 0;
		}
	}
	return 0;
}

const char *topo_client_label(const struct lab_client *c)
{
	return c->label[0] ? c->label : c->name;
}

struct lab_client *topo_client(const struct lab *lab, const char *name)
{
	if (!lab || !name)
		return NULL;
	return (struct lab_client *)topo_find_client(lab, name);
}

int topo_netns_name(const struct lab *lab, const char *node, char *buf, size_t len)
{
	int n;

	if (!lab || !node || !buf)
		return -EINVAL;
	n = snprintf(buf, len, "twl-%s-%s", lab->name, node);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

uint32_t topo_client_hz(const struct lab_client *c)
{
	return c->hz ? c->hz : 1000;
}

/* floor(ms * hz / 1000) without overflowing for any uptime */
static uint64_t ms_to_ticks(uint64_t ms, uint32_t hz)
{
	return ms / 1000 * hz + ms % 1000 * hz / 1000;
}

uint32_t topo_client_ts_offset(const struct lab *lab, const struct lab_client *c, uint64_t now_ms)
{
	if (!lab || !c || c->ts_mode != TS_OFFSET)
		return 0;
	if (c->ts_random)
		return (uint32_t)(splitmix64(splitmix64(lab->seed) ^ (uint64_t)c->index) >> 32);
	/* the rewrite is TSval = offset + now in ticks of hz (bpf/tsclock_prog.h) */
	if (c->has_uptime)
		return (uint32_t)(ms_to_ticks(c->uptime_ms, topo_client_hz(c)) -
				  ms_to_ticks(now_ms, topo_client_hz(c)));
	return c->ts_offset;
}

const char *topo_ts_mode_str(enum ts_mode m)
{
	switch (m) {
	case TS_OFFSET:
		return "offset";
	case TS_KERNEL:
		return "kernel";
	case TS_SHARED:
		return "shared";
	case TS_OFF:
		return "off";
	}
	return "?";
}

