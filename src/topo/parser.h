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

struct seen_key {
	char *name;
	int line;
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
	struct seen_key *keys;		/* keys of the current section, for duplicates */
	size_t n_keys;

	char name[TOPO_NAME_MAX + 1];	/* [lab] name */
	bool has_name;
	int nat_none_line, ports_line, port_mode_line;

	/* the [client NAME] being read; it is expanded by replicas when the section ends */
	struct lab_client cur;
	uint32_t replicas;
	int replicas_line;
	int ts_line, ts_offset_line, uptime_line;
	/* a command client has no schedule: the first schedule key and the command's line */
	int sched_line, command_line;
	char sched_key[16];
	char **bases;			/* names of the [client NAME] headers so far */
	int *base_lines;
	size_t n_bases;
};

/* value.c: user = NAME, resolved (getpwnam) into dst */
int topo_value_user(struct parser *p, const char *key, const char *value, char *dst, int *ret_line);

/* topo.c: errors (the first one is kept) and sections */
__attribute__((format(printf, 5, 6)))
int topo_perr(struct parser *p, int line, const char *key, int r, const char *fmt, ...);
int topo_enomem(struct parser *p);
void topo_set_err(struct topo_err *err, const char *file, int line, const char *key,
		    const char *fmt, ...);
const struct lab_client *topo_find_client(const struct lab *lab, const char *name);

/* value.c: values */
bool topo_valid_name(const char *s, size_t max);
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
int topo_on_key(void *user, const char *section, const char *key, const char *value);

/* model.c: freeing, copying, lookups */
void topo_free_client(struct lab_client *c);
int topo_copy_client(struct lab_client *dst, const struct lab_client *src);

#endif
