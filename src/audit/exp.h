/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the experiment files of audit/ share: the lab of one line (struct ctx), small helpers
 * (audit_exp.c) and the experiments themselves, by kind: TIME_WAIT and ports (exp_timewait.c),
 * keepalive and the listen queues (exp_socket.c). Private to src/audit/.
 */
#ifndef TWLAB_AUDIT_EXP_H
#define TWLAB_AUDIT_EXP_H

#include <stdbool.h>
#include <stdint.h>

#include "audit/audit.h"
#include "run/vnet.h"

#define PORT 8080
#define CONNECT_MS 2000
#define ST(s) (1u << (s))
enum { S_EST = 1, S_SYN_RECV = 3, S_FIN_WAIT2 = 5, S_TIME_WAIT = 6, S_LISTEN = 10 };
#define TW_SAME_MS 1500          /* two TIME_WAIT timers this close are the same 60 s */

struct ctx {
	struct vnet_lab p;
	int w, o, s;                 /* namespace fds */
	uint32_t srv, w_addr, o_addr;
	int lfd;                     /* listener on PORT */
	struct audit_line *l;
	long v;                      /* the value, for AK_INT keys */
};

#define MEASURED(x, ...) audit_say((x)->l->measured, sizeof((x)->l->measured), __VA_ARGS__)
#define WHY(x, ...) audit_say((x)->l->why, sizeof((x)->l->why), __VA_ARGS__)

/* audit_exp.c */
void audit_abort_close(int fd);
int audit_fail(struct ctx *x, int err, const char *what);
long audit_get_long(int ns, const char *key);
void audit_nap(int ms);
int audit_pair(struct ctx *x, int ns, int lfd, uint16_t port, struct vnet_conn *c, int *ret_afd);
bool audit_same_tw(long a, long b);
__attribute__((format(printf, 3, 4)))
void audit_say(char *buf, size_t len, const char *fmt, ...);
double audit_secs(long ms);
int audit_set(int ns, const char *key, const char *value);
int audit_set_long(int ns, const char *key, long v);
int audit_tw_left(struct ctx *x, int ns, bool server_closes, long *ret_ms);

/* exp_timewait.c */
int audit_exp_fin_timeout(struct ctx *x);
int audit_exp_max_tw(struct ctx *x);
int audit_exp_port_range(struct ctx *x);
int audit_exp_timestamps(struct ctx *x);
int audit_exp_tw_recycle_nat(struct ctx *x);
int audit_exp_tw_reuse(struct ctx *x);
int audit_exp_tw_reuse_delay(struct ctx *x);

/* exp_socket.c */
int audit_exp_keepalive(struct ctx *x, int which);
int audit_exp_somaxconn(struct ctx *x);
int audit_exp_syn_backlog(struct ctx *x);
int audit_exp_syncookies(struct ctx *x);

#endif
