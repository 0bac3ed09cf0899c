// SPDX-License-Identifier: GPL-2.0
/* bpfpin_gate: the gate's maps pinned in the lab's bpffs (bpfpin.c), and read back from there. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lab/bpfpin.h"
#include "lab/gate.h"
#include "lab/lab_priv.h"

int bpfpin_gate(struct lab_rt *rt)
{
	struct undo_entry e = { .kind = UNDO_PIN };
	char dir[256], ev[300], stats[300];
	int err;

	if (!rt->gate || rt->gate_kernel)
		return 0;
	err = bpfpin_mount(rt->lab->name, &e.id);
	if (err)
		return lab_fail(rt, err, "cannot mount a bpffs for lab %s under %s/bpf",
				rt->lab->name, undo_state_dir());
	snprintf(e.name, sizeof(e.name), "bpf/%s", rt->lab->name);
	err = undo_push(&rt->undo, &e);
	if (err) {
		bpfpin_remove(rt->lab->name, e.id);
		return lab_fail(rt, err, "cannot write state file %s", rt->undo.path);
	}
	bpfpin_dir(rt->lab->name, dir, sizeof(dir));
	snprintf(ev, sizeof(ev), "%s/" BPFPIN_EVENTS, dir);
	snprintf(stats, sizeof(stats), "%s/" BPFPIN_STATS, dir);
	err = gate_pin(rt->gate, ev, stats);
	if (err)
		return lab_fail(rt, err, "cannot pin the recycle gate's maps in %s", dir);
	return 0;
}

struct bpfpin_view {
	int ev_fd, stats_fd;
	struct ring_buffer *rb;
	bpfpin_event_fn fn;
	void *ctx;
};

static int on_sample(void *ctx, void *data, size_t len)
{
	struct bpfpin_view *v = ctx;

	if (len >= sizeof(struct recycle_event) && v->fn)
		v->fn(data, v->ctx);
	return 0;
}

int bpfpin_open(const char *lab, uint64_t dev, struct bpfpin_view **ret)
{
	char dir[256], path[300], why[300];
	struct bpfpin_view *v;
	int err = bpfpin_prove(lab, dev, why, sizeof(why));

	if (err)
		return err;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->ev_fd = v->stats_fd = -1;
	bpfpin_dir(lab, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/" BPFPIN_EVENTS, dir);
	v->ev_fd = bpf_obj_get(path);
	snprintf(path, sizeof(path), "%s/" BPFPIN_STATS, dir);
	v->stats_fd = v->ev_fd >= 0 ? bpf_obj_get(path) : -1;
	if (v->stats_fd < 0) {
		err = -errno;
		goto fail;
	}
	v->rb = ring_buffer__new(v->ev_fd, on_sample, v, NULL);
	if (!v->rb) {
		err = -errno;
		goto fail;
	}
	*ret = v;
	return 0;
fail:
	bpfpin_close(v);
	return err;
}

int bpfpin_fd(const struct bpfpin_view *v)
{
	return v->ev_fd;
}

int bpfpin_consume(struct bpfpin_view *v, bpfpin_event_fn fn, void *ctx)
{
	int n;

	v->fn = fn;
	v->ctx = ctx;
	n = ring_buffer__consume(v->rb);
	v->fn = NULL;
	v->ctx = NULL;
	return n;
}

int bpfpin_stats(const struct bpfpin_view *v, uint64_t stats[RS__MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *per;

	if (ncpu < 0)
		return ncpu;
	per = calloc(ncpu, sizeof(*per));
	if (!per)
		return -ENOMEM;
	for (uint32_t k = 0; k < RS__MAX; k++) {
		if (bpf_map_lookup_elem(v->stats_fd, &k, per)) {
			int err = -errno;

			free(per);
			return err;
		}
		stats[k] = 0;
		for (int c = 0; c < ncpu; c++)
			stats[k] += per[c];
	}
	free(per);
	return 0;
}

void bpfpin_close(struct bpfpin_view *v)
{
	if (!v)
		return;
	ring_buffer__free(v->rb);
	if (v->ev_fd >= 0)
		close(v->ev_fd);
	if (v->stats_fd >= 0)
		close(v->stats_fd);
	free(v);
}
