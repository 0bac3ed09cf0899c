/* SPDX-License-Identifier: GPL-2.0 */
/*
 * topo: a topology file (INI, parsed with libinih) becomes a validated struct lab.
 * No syscalls beyond reading the file: everything here is testable without root.
 */
#ifndef TWLAB_TOPO_H
#define TWLAB_TOPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOPO_NAME_MAX 24   /* lab and node names; twl-<lab>-<node> stays short */
#define TOPO_MAX_CLIENTS 5000
#define TOPO_MAX_SYSCTLS 2000000  /* in a lab, replicas counted: a few files' worth */
#define TOPO_USER_MAX 64   /* user = NAME */
/* label = João: a node's display name (client, server or router), any UTF-8 text up to TOPO_LABEL_MAX - 8 bytes (a
 * replica appends " N") */
#define TOPO_LABEL_MAX 64
#define TOPO_ERR_MAX 512

enum ts_mode { TS_OFFSET, TS_KERNEL, TS_SHARED, TS_OFF };
enum close_policy { CLOSE_SERVER, CLOSE_CLIENT };
enum nat_mode { NAT_MASQUERADE, NAT_SNAT, NAT_NONE };
enum port_mode { PORT_KEEP, PORT_RANDOM, PORT_FULLY_RANDOM };
enum expect_op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };

struct topo_sysctl {
	char *name;   /* "net.ipv4.tcp_rfc1337" */
	char *value;
	int line;
};

struct topo_sysctls {
	struct topo_sysctl *v;
	size_t n, cap;
};

/* Addresses are IPv4 in host byte order. */
struct topo_addr {
	uint32_t addr;
	uint8_t prefix;
};

struct lab_server {
	int line;
	uint16_t port;
	enum close_policy close;
	uint64_t hold_ms;         /* keep the connection this long before the server's close() */
	bool recycle;
	uint64_t paws_msl_ms;
	int32_t paws_window;
	enum ts_mode ts_mode;
	char **command;           /* argv (NULL-terminated) or NULL: run the server agent */
	char *command_text;
	char user[TOPO_USER_MAX];  /* user = NAME: run the command as NAME ("" = root) */
	int user_line;
	char label[TOPO_LABEL_MAX]; /* "" = none: reports say "the server" */
	struct topo_sysctls sysctls;
	/* plan (topo_plan) */
	struct topo_addr addr;    /* on eth0 (router) or br0 (direct) */
	uint32_t gw;              /* 0: none */
	uint32_t route_dst;       /* nat = none: route to the inside range via the router */
	uint8_t route_prefix;
};

struct lab_router {
	bool present;
	int line;
	enum nat_mode nat;
	uint16_t port_lo, port_hi; /* 0,0 = all */
	enum port_mode port_mode;
	char label[TOPO_LABEL_MAX]; /* "" = none: reports say "the router" */
	struct topo_sysctls sysctls;
	/* plan */
	struct topo_addr out_addr; /* outside (towards the server) */
};

struct lab_client {
	char name[TOPO_NAME_MAX + 8];  /* replicas append a number */
	int line;                       /* line of the [client NAME] header */
	int index;                      /* 0..n_clients-1 */
	enum ts_mode ts_mode;
	bool ts_random;                 /* ts_offset = random: drawn from the lab seed */
	bool has_ts_offset;
	uint32_t ts_offset;             /* ms ticks, mod 2^32 */
	bool has_uptime;
	uint64_t uptime_ms;
	uint32_t hz;                    /* offset clocks tick at hz (1..1000; 1000 = ms, default) */
	uint64_t start_ms, every_ms, connect_timeout_ms;
	uint32_t count;                 /* 0 = until duration */
	char **command;
	char *command_text;
	char user[TOPO_USER_MAX];       /* as for the server */
	int user_line;
	char label[TOPO_LABEL_MAX];     /* "" = none: reports show the name */
	struct topo_sysctls sysctls;
	/* plan */
	struct topo_addr addr;          /* on eth0 */
	uint32_t gw;                    /* router's (or none in direct mode) */
	struct topo_addr peer_addr;     /* router side of the client's veth; 0 in direct mode */
};

struct lab_expect {
	char *path;      /* "client.bob.syn_dropped" */
	enum expect_op op;
	char *value;     /* literal as written: number, true/false, or a string */
	char *text;      /* "client.bob.syn_dropped > 0", for reports */
	int line;
	/* from an [expect kernel OP X.Y[.Z]] section: the check applies only on such kernels */
	bool has_kernel;
	enum expect_op kernel_op;
	uint32_t kernel_ver;   /* X << 16 | Y << 8 | Z */
	char kernel_text[32];  /* "kernel >= 6.16" */
};

struct lab {
	char name[TOPO_NAME_MAX + 1];
	char *file;               /* the path, for messages and JSON: controls and non-UTF-8 as \xNN */
	char *description;
	uint64_t duration_ms;
	uint64_t seed;
	struct lab_server server;
	struct lab_router router;
	struct lab_client *clients;
	size_t n_clients;
	struct lab_expect *expects;
	size_t n_expects;
};

/* A parse or validation error: the file, line and key it is about. */
struct topo_err {
	char file[256];
	int line;           /* 0: the whole file */
	char key[64];       /* "" when about a section */
	char msg[TOPO_ERR_MAX];
};

/*
 * Parse and validate path; on success *ret_lab is a complete model with the address plan
 * applied (topo_plan). Returns 0 or a negative errno (-EINVAL for bad content, -errno of
 * the open/read); err is filled on every failure. name_override may be NULL.
 */
int topo_load(const char *path, const char *name_override, struct lab **ret_lab,
	      struct topo_err *err);
/* Same from a memory buffer; fname is only used in messages. */
int topo_load_buffer(const char *buf, size_t len, const char *fname, const char *name_override,
		     struct lab **ret_lab, struct topo_err *err);
void topo_free(struct lab *lab);

/* [lab] seed and --seed: decimal or 0x hex, 0..2^64-1, no sign. 0 or -EINVAL / -ERANGE. */
#define TOPO_SEED_RULE "a seed is 0..18446744073709551615, decimal or 0x hex"
int topo_parse_seed(const char *s, uint64_t *ret);

/* "250ms" "2s" "5m" "1h" "10d" -> ms. 0 or -EINVAL / -ERANGE. */
int topo_parse_duration(const char *s, uint64_t *ret_ms);
/* Format ms back to the shortest exact unit ("1h", "250ms"). */
void topo_format_duration(uint64_t ms, char *buf, size_t len);

/* The address plan (pure). Called by topo_load; exposed for tests. */
int topo_plan(struct lab *lab, struct topo_err *err);

/* What reports call client c: its label, else its name. */
const char *topo_client_label(const struct lab_client *c);
/* Node names: "server", "router", or a client name. */
struct lab_client *topo_client(const struct lab *lab, const char *name);

/* A lab or node name as topology files and the command line take them: 1..TOPO_NAME_MAX of
 * A-Z a-z 0-9 _ -, not starting with '-' (so never a path, never an option). */
bool topo_name_valid(const char *s);
/* "twl-<lab>-<node>" into buf; -ENAMETOOLONG if it does not fit. */
int topo_netns_name(const struct lab *lab, const char *node, char *buf, size_t len);

/* The ticks per second of an offset client's clock: its hz, 1000 when unset. */
uint32_t topo_client_hz(const struct lab_client *c);
/* The offset the client's egress TSval is shifted by, given its mode, in ticks of its hz:
 * uptime: uptime - now (mod 2^32) so TSvals read as that uptime; ts_offset: as set;
 * random: drawn from the lab seed and the client index (deterministic). */
uint32_t topo_client_ts_offset(const struct lab *lab, const struct lab_client *c, uint64_t now_ms);

const char *topo_ts_mode_str(enum ts_mode m);
const char *topo_op_str(enum expect_op op);
/* "6.18.44-fc-v595" or "6.16" -> X << 16 | Y << 8 | Z (a missing part is 0); -EINVAL. */
int topo_kernel_version(const char *s, uint32_t *ret);
/* OP holds for a comparison result C (<0, 0, >0) */
bool topo_op_holds(enum expect_op op, int c);
/* E applies on kernel RELEASE (uname -r): no [expect kernel ...] condition, RELEASE unknown
 * or unparsable (then it is checked, and a failure shows), or the condition holds */
bool topo_expect_applies(const struct lab_expect *e, const char *release);


#endif
