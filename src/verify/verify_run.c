// SPDX-License-Identifier: GPL-2.0
/*
 * verify_run: the whole suite, its independent parts side by side. A part is one lab's worth
 * of tests that shares nothing with the others but the kernel: the direct probes with the NAT
 * regression (which checks itself against M8's finding), M6, M7, each topology file, and
 * P6-P8. With jobs > 1 each part runs in a child process of its own (labs are per process:
 * their names carry the pid, and the netns of a thread is its own) that leaves its tests as
 * JSON in a private folder; the tests are then put back in the order of a sequential run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "verify/pool.h"
#include "verify/verify.h"

struct part {
	unsigned probes;      /* VP_* or 0 */
	const char *file;     /* a topology file, or NULL */
	bool p6p8;
};

static void run_part(struct verify_suite *s, const struct verify_kver *kv,
		     const struct verify_opts *o, const struct part *p)
{
	if (o->interrupted && o->interrupted())
		return;
	if (p->probes)
		verify_probes_part(s, kv, o, p->probes);
	else if (p->file)
		verify_gate_one(s, o, p->file);
	else if (p->p6p8)
		verify_gate_p6p8(s, kv, o);
}

/* Where a test goes in a sequential run: the catalogue's order, the topology files (not in
 * it) just before P6-P8. Twice the index, so the files fit in between. */
static int rank(const char *name)
{
	for (size_t i = 0; i < verify_catalogue_n; i++)
		if (!strcmp(verify_catalogue[i].name, name))
			return 2 * (int)i;
	for (size_t i = 0; i < verify_catalogue_n; i++)
		if (!strcmp(verify_catalogue[i].name, "p6_tw_shortened"))
			return 2 * (int)i - 1;
	return 0;
}

/* Stable: tests of equal rank keep the order the parts gave them. */
static void sequential_order(struct verify_suite *s)
{
	for (size_t i = 1; i < s->n; i++) {
		struct verify_test t = s->t[i];
		int r = rank(t.name);
		size_t j = i;

		for (; j > 0 && rank(s->t[j - 1].name) > r; j--)
			s->t[j] = s->t[j - 1];
		s->t[j] = t;
	}
}

/* Move the tests of part (a suite read back from JSON) to the end of s. */
static int take(struct verify_suite *s, struct verify_suite *part)
{
	for (size_t i = 0; i < part->n; i++) {
		struct verify_test *t = verify_add(s, part->t[i].name, part->t[i].what);

		if (!t)
			return -ENOMEM;
		*t = part->t[i];
		part->t[i].data = NULL;
	}
	return 0;
}

struct par {
	const char *dir, *kernel;
	const struct verify_kver *kv;
	const struct verify_opts *o;
	const struct part *parts;
	int *st;
};

/* In the child: one part, its tests left as JSON in the private folder. */
static int part_child(size_t i, void *ctx)
{
	const struct par *c = ctx;
	char path[4200];
	struct verify_suite s;
	json_t *j;

	verify_suite_init(&s, c->kernel);
	run_part(&s, c->kv, c->o, &c->parts[i]);
	snprintf(path, sizeof(path), "%s/part-%zu.json", c->dir, i);
	j = verify_json(&s);
	return j && !json_dump_file(j, path, 0) ? 0 : 4;
}

static void part_done(size_t i, int status, void *ctx)
{
	((struct par *)ctx)->st[i] = status;
}

static int run_parallel(struct verify_suite *s, const struct verify_kver *kv,
			const struct verify_opts *o, const struct part *parts, size_t n, int jobs)
{
	char dir[] = "/tmp/twlab-verify.XXXXXX", path[4200], why[256];
	int *st = calloc(n, sizeof(*st));
	struct par c = { dir, s->kernel, kv, o, parts, st };
	struct verify_pool pool = { n, jobs, part_child, part_done, NULL, &c };
	int err;

	if (!st || !mkdtemp(dir)) {
		free(st);
		return -errno;
	}
	err = verify_pool_run(&pool, NULL);
	for (size_t i = 0; i < n; i++) {
		struct verify_suite part;
		json_error_t je;
		json_t *j;

		snprintf(path, sizeof(path), "%s/part-%zu.json", dir, i);
		j = json_load_file(path, 0, &je);
		unlink(path);
		if (!j || verify_from_json(j, &part, why, sizeof(why))) {
			struct verify_test *t;

			json_decref(j);
			if (o->interrupted && o->interrupted())
				continue;
			/* a part that crashed: say so, its tests are missing */
			snprintf(why, sizeof(why), "verify_part_%zu", i);
			t = verify_add(s, why, "one part of the suite, in a process of its own");
			if (t)
				verify_set(t, VS_FAIL, "the part's process ended with %s %d and left no result",
					   WIFSIGNALED(st[i]) ? "signal" : "status",
					   WIFSIGNALED(st[i]) ? WTERMSIG(st[i]) : WEXITSTATUS(st[i]));
			continue;
		}
		json_decref(j);
		if (!err)
			err = take(s, &part);
		verify_suite_free(&part);
	}
	rmdir(dir);
	free(st);
	return err;
}

int verify_run(struct verify_suite *s, const struct verify_kver *kv,
	       const struct verify_opts *o, int jobs)
{
	static const unsigned probe_parts[] = { VP_DIRECT | VP_REGRESSION, VP_M6, VP_M7 };
	struct part *parts;
	char **files = NULL;
	size_t nf = 0, n = 0;
	int err, ferr;

	ferr = verify_gate_files(o->topo_dir, &files, &nf);
	parts = calloc(3 + nf + 1, sizeof(*parts));
	if (!parts)
		return -ENOMEM;
	for (size_t i = 0; i < 3; i++)
		parts[n++].probes = probe_parts[i];
	for (size_t i = 0; i < nf; i++)
		parts[n++].file = files[i];
	parts[n++].p6p8 = true;
	/* before 4.13 tcp_timestamps is one value for the whole kernel, and a lab that needs
	 * another sets it for the whole VM (kernel-notes §4.9): parts would change it under
	 * each other */
	if (verify_kver_cmp(kv, 4, 13, 0) < 0)
		jobs = 1;
	if (jobs <= 1) {
		for (size_t i = 0; i < n; i++)
			run_part(s, kv, o, &parts[i]);
		err = 0;
	} else {
		err = run_parallel(s, kv, o, parts, n, jobs);
	}
	sequential_order(s);
	for (size_t i = 0; i < nf; i++)
		free(files[i]);
	free(files);
	free(parts);
	return err ? err : ferr;
}
