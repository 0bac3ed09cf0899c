/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of topo/ share while a topology file is read: the parser state and its
 * helpers. Private to src/topo/; the rest of twlab includes topo/topo.h only.
 */
#ifndef TWLAB_TOPO_PARSER_H
#define TWLAB_TOPO_PARSER_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "topo/topo.h"

#define MS_SEC 1000ULL
#define MS_MIN (60 * MS_SEC)
#define MS_HOUR (60 * MS_MIN)
#define MS_DAY (24 * MS_HOUR)

#define NETNS_NAME_MAX 64	/* buffer size callers use for "twl-<lab>-<node>" */
#define FILE_MAX (16 << 20)

#define INSIDE_NET 0x64400000u	/* 100.64.0.0/10 */
#define OUTSIDE_NET 0xc6336400u	/* 198.51.100.0/24 */

enum sect { SECT_NONE, SECT_LAB, SECT_SERVER, SECT_ROUTER, SECT_CLIENT, SECT_EXPECT };

/* A set of names, each with a number (a line, an index): open addressing, at most half full. */
struct topo_name {
	char *name;
	uint64_t hash;
	int value;
};

struct topo_names {
	struct topo_name *v;
	size_t cap, n;
	uint64_t seed;
	struct topo_pool *pool;		/* the names' bytes, 64 KiB per malloc */
};

struct parser {
	struct lab *lab;
	struct topo_err *err;
	const char *fname;
	const char *pos, *end;
	int line;
	int failed;			/* the first error (negative errno), 0 */

	enum sect sect;
	char sect_label[TOPO_NAME_MAX + 16];
	int lab_line, server_line, router_line, expect_line;
	/* the [expect kernel OP X.Y] section being read (has_kernel false in plain [expect]) */
	bool expect_has_kernel;
	enum expect_op expect_kernel_op;
	uint32_t expect_kernel_ver;
	char expect_kernel_text[32];
	struct topo_names keys;		/* keys of this section -> line, for duplicates */
	char raw[512];			/* the line, when inih would cut a quoted ';' */
	bool has_raw;

	char name[TOPO_NAME_MAX + 1];	/* [lab] name */
	bool has_name;
	int nat_none_line, ports_line, port_mode_line;

	/* the [client NAME] being read; it is expanded by replicas when the section ends */
	struct lab_client cur;
	uint32_t replicas;
	int replicas_line;
	int ts_line, ts_offset_line, uptime_line, hz_line;
	struct topo_names bases;	/* names of the [client NAME] headers so far -> line */
	struct topo_names clients;	/* lab->clients[].name -> index */
	size_t clients_cap, expects_cap;
	size_t n_sysctls;		/* in the whole lab, replicas counted */
	/* a command client has no schedule: the first schedule key and the command's line */
	int sched_line, command_line;
	char sched_key[16];
};

/* value.c: user = NAME, resolved (getpwnam) into dst */
int topo_value_label(struct parser *p, const char *key, const char *value, char *dst);
int topo_value_user(struct parser *p, const char *key, const char *value, char *dst, int *ret_line);

/* topo.c: errors (the first one is kept) and sections */
__attribute__((format(printf, 5, 6)))
int topo_perr(struct parser *p, int line, const char *key, int r, const char *fmt, ...);
int topo_enomem(struct parser *p);
void topo_set_err(struct topo_err *err, const char *file, int line, const char *key,
		    const char *fmt, ...);
const struct lab_client *topo_find_client(const struct lab *lab, const char *name);
const char *topo_line_value(const struct parser *p);

/* value.c: values */
#define TOPO_STR_(x) #x
#define TOPO_STR(x) TOPO_STR_(x)
#define TOPO_NAME_RULE \
	"1.." TOPO_STR(TOPO_NAME_MAX) " characters of A-Z a-z 0-9 _ -, not starting with -"
bool topo_valid_name(const char *s, size_t max);
/* What is wrong with s as text ("not valid UTF-8 text", "control character"), or NULL. */
const char *topo_bad_text(const char *s, bool allow_tab);
/* s with control characters (C0, DEL, C1) and bytes that are not UTF-8 as \xNN; cut to fit. */
void topo_escape(const char *s, char *buf, size_t len);
int topo_parse_u64(const char *s, uint64_t *ret);
int topo_parse_enum(const char *s, const char *const *names);
int topo_bad_value(struct parser *p, const char *key, const char *value, int r, const char *why);
int topo_value_u64(struct parser *p, const char *key, const char *value, uint64_t min,
		     uint64_t max, uint64_t *ret);
int topo_value_duration(struct parser *p, const char *key, const char *value, uint64_t min,
			  uint64_t max, uint64_t *ret);
int topo_value_bool(struct parser *p, const char *key, const char *value, bool *ret);
int topo_value_enum(struct parser *p, const char *key, const char *value,
		      const char *const *names, const char *expected);
int topo_value_command(struct parser *p, const char *key, const char *value, char ***ret_argv,
			 char **ret_text);
int topo_add_sysctl(struct parser *p, struct topo_sysctls *ss, const char *key,
		      const char *value);
bool topo_is_sysctl_key(const char *key);
bool topo_is_name_char(char c);
extern const char *const topo_ts_names[];

/* keys.c: keys */
/* The condition of an [expect kernel OP X.Y] header ("kernel >= 6.16"): sets p->expect_*. */
int topo_expect_condition(struct parser *p, const char *cond);
int topo_on_key(void *user, const char *section, const char *key, const char *value);

/* model.c: freeing, copying, lookups */
void topo_free_client(struct lab_client *c);
int topo_copy_client(struct lab_client *dst, const struct lab_client *src);
/* Make room for need elements of size bytes in *pv (capacity *cap, doubled): 0 or -ENOMEM. */
int topo_grow(void *pv, size_t *cap, size_t need, size_t size);
/* 0 added, 1 already there (*ret_old = its value), -ENOMEM. */
int topo_names_add(struct topo_names *t, const char *name, int value, int *ret_old);
/* 0 and *ret_value, or -ENOENT. */
int topo_names_get(const struct topo_names *t, const char *name, int *ret_value);
void topo_names_free(struct topo_names *t);

#endif
