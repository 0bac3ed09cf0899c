// SPDX-License-Identifier: GPL-2.0
/* lab_up/lab_down and the undo journal, with every kernel call mocked (ld --wrap): a failure
 * injected at step k of bring-up must undo steps k-1..1 in reverse and leave no state file. */
/* MODULES: lab spawn undo bpfpin topo value keys kver model nat netns nl sysctl tsclock gate tc cgroup bpflog */
/* WRAP: netns_init netns_prepare_rundir netns_create netns_enter netns_enter_root netns_delete netns_kill_procs netns_ino netns_open nl_open nl_close nl_ifindex nl_link_up nl_veth_add nl_bridge_add nl_addr_add nl_route_add nl_link_count sysctl_set nat_apply tsclock_load tsclock_set_hz tsclock_attach tsclock_free gate_attach gate_free proc_starttime proc_pidfd cgroup_create cgroup_destroy netns_marked netns_stub_remove cgroup_remove_unlisted */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "lab/lab.h"
#include "lab/nl.h"
#include "lab/undo.h"

/* ---- the mocked kernel: a log of what was made and unmade ---- */
#define MAX_LOG 256
static char made[MAX_LOG][64], unmade[MAX_LOG][64];
static int n_made, n_unmade, step, fail_at;
static char statedir[] = "/tmp/twlab-unit-XXXXXX";
static struct { char name[64]; uint64_t ino; } ns_tab[MAX_LOG];
static int n_ns;

static int take_step(void)
{
	return ++step == fail_at ? -EIO : 0;
}

int __wrap_netns_init(void) { return 0; }
int __wrap_netns_prepare_rundir(void) { return 0; }
int __wrap_netns_enter(int fd) { return 0; }
int __wrap_netns_enter_root(void) { return 0; }
int __wrap_netns_kill_procs(const uint64_t *inos, size_t n, int t) { return 0; }
int __wrap_netns_open(const char *name, int *fd) { *fd = open("/dev/null", O_RDONLY); return 0; }
int __wrap_proc_starttime(int pid, uint64_t *ret) { *ret = 1; return 0; }
int __wrap_proc_pidfd(int pid, uint64_t start) { return -ESRCH; }
bool __wrap_netns_marked(const char *name) { return true; }
int __wrap_netns_stub_remove(const char *name, uint64_t ino) { return -ENOENT; }
int __wrap_cgroup_remove_unlisted(const char *lab) { return -ENOENT; }

int __wrap_netns_create(const char *name, int (*journal)(void *, uint64_t), void *arg,
			int *ret_fd, uint64_t *ret_ino)
{
	int err = take_step();

	if (err)
		return err;
	/* journaled before the name exists, as the real one does */
	if (journal && (err = journal(arg, 1000 + n_ns)))
		return err;
	snprintf(made[n_made++], 64, "netns %s", name);
	snprintf(ns_tab[n_ns].name, 64, "%s", name);
	ns_tab[n_ns].ino = 1000 + n_ns;
	*ret_ino = ns_tab[n_ns++].ino;
	*ret_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return 0;
}

int __wrap_netns_ino(const char *name, uint64_t *ret)
{
	for (int i = 0; i < n_ns; i++)
		if (!strcmp(ns_tab[i].name, name)) {
			*ret = ns_tab[i].ino;
			return 0;
		}
	return -ENOENT;
}

int __wrap_netns_delete(const char *name, uint64_t ino)
{
	uint64_t cur;

	if (__wrap_netns_ino(name, &cur))
		return -ENOENT;
	if (ino && ino != cur)
		return -ESTALE;
	snprintf(unmade[n_unmade++], 64, "netns %s", name);
	return 0;
}

static int dummy_sock;
int __wrap_nl_open(struct nl_sock **ret) { int e = take_step(); if (!e) *ret = (void *)&dummy_sock; return e; }
void __wrap_nl_close(struct nl_sock *sk) { }
int __wrap_nl_ifindex(struct nl_sock *sk, const char *n, int *ret) { *ret = 7; return take_step(); }
int __wrap_nl_link_up(struct nl_sock *sk, int i) { return take_step(); }
int __wrap_nl_veth_add(struct nl_sock *sk, const char *n, int i, const char *p, int pi, int fd, int m)
{
	int err = take_step();

	if (!err)
		snprintf(made[n_made++], 64, "veth %s", n);
	return err;
}
int __wrap_nl_bridge_add(struct nl_sock *sk, const char *n) { return take_step(); }
int __wrap_nl_addr_add(struct nl_sock *sk, int i, uint32_t a, uint8_t p) { return take_step(); }
int __wrap_nl_route_add(struct nl_sock *sk, uint32_t d, uint8_t p, uint32_t g, int i) { return take_step(); }
int __wrap_nl_link_count(struct nl_sock *sk, int *ret) { *ret = 0; return 0; }
int __wrap_sysctl_set(const char *n, const char *v) { return take_step(); }
int __wrap_nat_apply(const struct lab_router *r, const char *o, char *e, size_t l) { return take_step(); }
static int dummy_obj;
int __wrap_tsclock_load(struct tsclock **ret) { int e = take_step(); if (!e) *ret = (void *)&dummy_obj; return e; }
int __wrap_tsclock_set_hz(struct tsclock *t, uint32_t a, uint32_t o, uint32_t hz) { return take_step(); }
int __wrap_tsclock_attach(struct tsclock *t, int i) { return take_step(); }
void __wrap_tsclock_free(struct tsclock *t) { }
int __wrap_gate_attach(int i, const void *cfg, struct gate **ret) { int e = take_step(); if (!e) *ret = (void *)&dummy_obj; return e; }
void __wrap_gate_free(struct gate *g) { }
/* no cgroup v2 here: the lab is built without one (tests/net/procs.sh has the real one) */
int __wrap_cgroup_create(const char *lab, int *fd, uint64_t *ino) { return -ENOENT; }
int __wrap_cgroup_destroy(const char *lab, uint64_t ino, int ms) { return -ENOENT; }

static const char topo_text[] =
	"[server]\nrecycle = on\n[router]\n[client alice]\nuptime = 10d\n[client bob]\n";

static struct lab *load(void)
{
	struct lab *lab;
	struct topo_err e;

	assert_int_equal(topo_load_buffer(topo_text, strlen(topo_text), "unit.ini", "unit", &lab, &e), 0);
	return lab;
}

static void reset(int k)
{
	n_made = n_unmade = step = n_ns = 0;
	fail_at = k;
}

/* Bring-up with no failure: count the steps, check the journal, then tear down. */
static int count_steps(void)
{
	struct lab *lab = load();
	struct lab_rt rt;

	reset(0);
	lab_rt_init(&rt, lab);
	assert_int_equal(lab_up(&rt), 0);
	int steps = step;

	assert_int_equal(lab_down(&rt), 0);
	topo_free(lab);
	return steps;
}

static void test_up_down_journal(void **state)
{
	struct lab *lab = load();
	struct lab_rt rt;
	struct undo u;
	char path[512];

	reset(0);
	lab_rt_init(&rt, lab);
	assert_int_equal(lab_up(&rt), 0);
	/* server, router, alice, bob; out0 and one veth per client */
	assert_int_equal(n_made, 7);
	assert_string_equal(made[0], "netns twl-unit-server");
	assert_string_equal(made[1], "netns twl-unit-router");
	/* the state file lists every namespace with its inode */
	assert_int_equal(undo_load("unit", false, &u), 0);
	int ns = 0;

	for (size_t i = 0; i < u.n; i++)
		if (u.v[i].kind == UNDO_NETNS)
			assert_int_equal(u.v[i].id, 1000 + ns++);
	assert_int_equal(ns, 4);
	undo_close(&u);
	assert_int_equal(lab_down(&rt), 0);
	assert_int_equal(n_unmade, 4);
	assert_string_equal(unmade[0], "netns twl-unit-bob");
	assert_string_equal(unmade[3], "netns twl-unit-server");
	snprintf(path, sizeof(path), "%s/unit.json", statedir);
	assert_int_equal(access(path, F_OK), -1);
	topo_free(lab);
}

static void test_failure_at_every_step(void **state)
{
	int steps = count_steps();

	assert_true(steps > 20);
	for (int k = 1; k <= steps; k++) {
		struct lab *lab = load();
		struct lab_rt rt;
		char path[512];
		int err, j = 0;

		reset(k);
		lab_rt_init(&rt, lab);
		err = lab_up(&rt);
		assert_int_equal(err, -EIO);
		if (!rt.err[0])
			fail_msg("step %d failed without a message", k);
		/* every namespace made is unmade, newest first */
		for (int i = n_made - 1; i >= 0; i--) {
			if (strncmp(made[i], "netns ", 6))
				continue;
			assert_true(j < n_unmade);
			assert_string_equal(unmade[j], made[i]);
			j++;
		}
		assert_int_equal(j, n_unmade);
		snprintf(path, sizeof(path), "%s/unit.json", statedir);
		assert_int_equal(access(path, F_OK), -1);
		topo_free(lab);
	}
}

static void test_interrupt_between_steps(void **state)
{
	struct lab *lab = load();
	struct lab_rt rt;
	static int calls;
	bool stop_third(void) { return ++calls == 3; }

	reset(0);
	calls = 0;
	lab_rt_init(&rt, lab);
	rt.interrupted = stop_third;
	assert_int_equal(lab_up(&rt), -EINTR);
	assert_int_equal(n_made, 3);	/* server, router + out0 */
	assert_int_equal(n_unmade, 2);
	assert_string_equal(unmade[0], "netns twl-unit-router");
	topo_free(lab);
}

static void test_torn_state_file(void **state)
{
	char path[512];
	struct undo u;
	FILE *f;

	snprintf(path, sizeof(path), "%s/torn.json", statedir);
	f = fopen(path, "w");
	fputs("{\"lab\":\"torn\",\"owner\":0}\n{\"kind\":\"netns\",\"name\":\"twl-torn-a\",\"ino\":5}\n"
	      "{\"kind\":\"netns\",\"na", f);
	fclose(f);
	assert_int_equal(undo_load("torn", false, &u), 0);
	assert_true(u.torn);
	assert_int_equal(u.n, 1);
	assert_string_equal(u.v[0].name, "twl-torn-a");
	assert_false(undo_owner_alive(&u));
	undo_close(&u);
	unlink(path);
}

static void test_stale_name_left_alone(void **state)
{
	struct undo u;

	reset(0);
	/* the journal says ino 1, but the name now belongs to ino 1000: not ours */
	snprintf(ns_tab[0].name, 64, "twl-x-a");
	ns_tab[0].ino = 1000;
	n_ns = 1;
	assert_int_equal(undo_begin(&u, "stale", "t.ini", false), 0);
	struct undo_entry e = { .kind = UNDO_NETNS, .id = 1 };

	snprintf(e.name, sizeof(e.name), "twl-x-a");
	assert_int_equal(undo_push(&u, &e), 0);
	assert_int_equal(undo_run(&u, 100), 0);
	assert_int_equal(n_unmade, 0);
	undo_close(&u);
}

static int setup(void **state)
{
	assert_non_null(mkdtemp(statedir));
	setenv("TWLAB_STATE_DIR", statedir, 1);
	return 0;
}

static int teardown(void **state)
{
	rmdir(statedir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_up_down_journal),
		cmocka_unit_test(test_failure_at_every_step),
		cmocka_unit_test(test_interrupt_between_steps),
		cmocka_unit_test(test_torn_state_file),
		cmocka_unit_test(test_stale_name_left_alone),
	};

	return cmocka_run_group_tests_name("lab+undo", tests, setup, teardown);
}
