// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <jansson.h>
#include "lab/cgroup.h"
#include "lab/netns.h"
#include "lab/nl.h"
#include "lab/undo.h"

static const char *kinds[] = { "netns", "proc", "link", "nft", "bpf", "cgroup" };

const char *undo_kind_str(enum undo_kind k)
{
	return k < UNDO__MAX ? kinds[k] : "?";
}

const char *undo_state_dir(void)
{
	const char *d = getenv("TWLAB_STATE_DIR");

	return d && *d ? d : UNDO_STATE_DIR;
}

static int write_line(int fd, json_t *obj)
{
	char *s = json_dumps(obj, JSON_COMPACT);
	size_t len;
	int err = 0;

	json_decref(obj);
	if (!s)
		return -ENOMEM;
	len = strlen(s);
	s[len] = '\n';	/* json_dumps leaves room for exactly this NUL */
	if (write(fd, s, len + 1) != (ssize_t)(len + 1))
		err = errno ? -errno : -EIO;
	free(s);
	return err;
}

static json_t *header_json(const struct undo *u, const char *topology)
{
	return json_pack("{s:s, s:i, s:I, s:s, s:I}", "lab", u->lab, "owner", (int)u->owner,
			 "owner_start", (json_int_t)u->owner_start, "topology",
			 topology ? topology : "", "created", (json_int_t)time(NULL));
}

int undo_begin(struct undo *u, const char *lab, const char *topology, bool detached)
{
	const char *dir = undo_state_dir();
	int err;

	memset(u, 0, sizeof(*u));
	u->fd = -1;
	snprintf(u->lab, sizeof(u->lab), "%s", lab);
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	snprintf(u->path, sizeof(u->path), "%s/%s.json", dir, lab);
	u->owner = detached ? 0 : getpid();
	if (u->owner)
		proc_starttime(u->owner, &u->owner_start);
	u->fd = open(u->path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
	if (u->fd < 0)
		return -errno;
	/* Held while this process builds the lab (and runs it): a concurrent down or clean of
	 * the same lab waits its turn instead of tearing it down under us. */
	flock(u->fd, LOCK_EX);
	err = write_line(u->fd, header_json(u, topology));
	if (err) {
		close(u->fd);
		unlink(u->path);
		u->fd = -1;
	}
	return err;
}

static json_t *entry_json(const struct undo_entry *e)
{
	json_t *o = json_pack("{s:s, s:s}", "kind", undo_kind_str(e->kind), "name", e->name);

	if (!o)
		return NULL;
	if (e->ns[0])
		json_object_set_new(o, "ns", json_string(e->ns));
	if (e->kind == UNDO_NETNS || e->kind == UNDO_CGROUP)
		json_object_set_new(o, "ino", json_integer(e->id));
	if (e->kind == UNDO_PROC) {
		json_object_set_new(o, "pid", json_integer(e->id));
		json_object_set_new(o, "start", json_integer(e->start));
	}
	if (e->hub_links)
		json_object_set_new(o, "hub_links", json_integer(e->hub_links));
	return o;
}

static int append(struct undo *u, const struct undo_entry *e)
{
	if (u->n == u->cap) {
		size_t cap = u->cap ? u->cap * 2 : 64;
		struct undo_entry *v = realloc(u->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		u->v = v;
		u->cap = cap;
	}
	u->v[u->n++] = *e;
	return 0;
}

int undo_push(struct undo *u, const struct undo_entry *e)
{
	int err = append(u, e);

	if (err)
		return err;
	return u->fd >= 0 ? write_line(u->fd, entry_json(e)) : 0;
}

int undo_detach(struct undo *u)
{
	u->owner = 0;
	u->owner_start = 0;
	return u->fd >= 0 ? write_line(u->fd, json_pack("{s:s, s:i}", "kind", "owner", "owner", 0))
			  : 0;
}

static int parse_entry(json_t *o, struct undo_entry *e)
{
	const char *kind = json_string_value(json_object_get(o, "kind"));
	const char *s;

	memset(e, 0, sizeof(*e));
	if (!kind)
		return -EINVAL;
	for (e->kind = 0; e->kind < UNDO__MAX; e->kind++)
		if (!strcmp(kinds[e->kind], kind))
			break;
	if (e->kind == UNDO__MAX)
		return -EINVAL;
	if ((s = json_string_value(json_object_get(o, "name"))))
		snprintf(e->name, sizeof(e->name), "%s", s);
	if ((s = json_string_value(json_object_get(o, "ns"))))
		snprintf(e->ns, sizeof(e->ns), "%s", s);
	e->id = json_integer_value(json_object_get(o, e->kind == UNDO_PROC ? "pid" : "ino"));
	e->start = json_integer_value(json_object_get(o, "start"));
	e->hub_links = json_integer_value(json_object_get(o, "hub_links"));
	return 0;
}

int undo_load(const char *lab, bool lock, struct undo *u)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *f;
	int err = 0, lineno = 0;

	memset(u, 0, sizeof(*u));
	u->fd = -1;
	snprintf(u->lab, sizeof(u->lab), "%s", lab);
	snprintf(u->path, sizeof(u->path), "%s/%s.json", undo_state_dir(), lab);
	f = fopen(u->path, "re");
	if (!f)
		return -errno;
	/* One remover at a time: two teardowns of one lab would kill each other (each enters
	 * the lab's namespaces while it works). The lock lives until undo_close. */
	if (lock && flock(fileno(f), LOCK_EX | LOCK_NB)) {
		err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		fclose(f);
		return err;
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		json_t *o;
		struct undo_entry e;

		lineno++;
		if (line[len - 1] != '\n') {	/* killed mid-write: the object was never made */
			u->torn = true;
			break;
		}
		o = json_loads(line, 0, NULL);
		if (!o) {
			err = -EINVAL;
			break;
		}
		if (lineno == 1) {
			u->owner = json_integer_value(json_object_get(o, "owner"));
			u->owner_start = json_integer_value(json_object_get(o, "owner_start"));
		} else if (!strcmp(json_string_value(json_object_get(o, "kind")) ?: "", "owner")) {
			u->owner = json_integer_value(json_object_get(o, "owner"));
			u->owner_start = 0;
		} else if (!(err = parse_entry(o, &e))) {
			err = append(u, &e);
		}
		json_decref(o);
		if (err)
			break;
	}
	free(line);
	if (lock)
		u->fd = dup(fileno(f));	/* keeps the lock */
	fclose(f);
	if (!err && lineno == 0)
		err = -EINVAL;
	if (err)
		undo_close(u);
	return err;
}

bool undo_owner_alive(const struct undo *u)
{
	uint64_t st;

	if (!u->owner || proc_starttime(u->owner, &st))
		return false;
	return !u->owner_start || st == u->owner_start;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

static int kill_proc(const struct undo_entry *e, int timeout_ms)
{
	int pid = e->id, fd = proc_pidfd(pid, e->start), err;

	if (fd < 0)
		return 0;	/* gone already, or the pid now belongs to someone else */
	err = proc_kill_wait(&fd, &pid, 1, timeout_ms);
	close(fd);
	return err;
}

/* The namespaces of deleted clients go away asynchronously (cleanup_net): their veth ends in
 * the hub vanish about 0.1 s later. Wait for that before the hub itself goes, so a new lab
 * can take the same names at once. */
static int wait_hub(const struct undo_entry *e, int timeout_ms)
{
	uint64_t deadline = mono_ms() + timeout_ms;
	struct nl_sock *sk;
	int fd, n, err = netns_open(e->name, &fd);

	if (err)
		return err;
	err = netns_enter(fd);
	if (!err)
		err = nl_open(&sk);
	if (!err) {
		while (!(err = nl_link_count(sk, &n)) && n > e->hub_links) {
			if (mono_ms() >= deadline) {
				err = -ETIMEDOUT;
				break;
			}
			poll(NULL, 0, 2);
		}
		nl_close(sk);
	}
	netns_enter_root();
	close(fd);
	return err;
}

int undo_run(struct undo *u, int timeout_ms)
{
	uint64_t *inos = calloc(u->n + 1, sizeof(*inos));
	size_t n_ns = 0;
	int err = 0, e;

	if (!inos)
		return -ENOMEM;
	/* 1. our own processes, newest first */
	for (size_t i = u->n; i-- > 0;)
		if (u->v[i].kind == UNDO_PROC && (e = kill_proc(&u->v[i], timeout_ms)) && !err)
			err = e;
	/* 2. whatever they started, wherever it went: the lab's cgroup, if it is the one we made
	 * (the path comes from the lab's name; the inode proves it is ours) */
	for (size_t i = u->n; i-- > 0;)
		if (u->v[i].kind == UNDO_CGROUP && u->v[i].id &&
		    (e = cgroup_destroy(u->lab, u->v[i].id, timeout_ms)) && e != -ENOENT &&
		    e != -ESTALE && !err)
			err = e;
	/* 3. anything else still inside a lab namespace that is still ours */
	for (size_t i = 0; i < u->n; i++) {
		uint64_t ino;

		if (u->v[i].kind == UNDO_NETNS && !netns_ino(u->v[i].name, &ino) &&
		    ino == u->v[i].id)
			inos[n_ns++] = ino;
	}
	if (n_ns && (e = netns_kill_procs(inos, n_ns, timeout_ms)) < 0 && !err)
		err = e;
	/* 4. the namespaces, newest first; inner objects go with them */
	for (size_t i = u->n; i-- > 0;) {
		struct undo_entry *en = &u->v[i];

		if (en->kind != UNDO_NETNS)
			continue;
		if (en->hub_links && (e = wait_hub(en, timeout_ms)) && e != -ENOENT && !err)
			err = e;
		e = netns_delete(en->name, en->id);
		/* -ESTALE: the name now belongs to a namespace we did not make: leave it alone */
		if (e && e != -ENOENT && e != -ESTALE && !err)
			err = e;
	}
	free(inos);
	if (!err) {
		if (u->fd >= 0) {
			close(u->fd);
			u->fd = -1;
		}
		if (u->path[0] && unlink(u->path) && errno != ENOENT)
			err = -errno;
	}
	return err;
}

void undo_close(struct undo *u)
{
	if (u->fd >= 0)
		close(u->fd);
	u->fd = -1;
	free(u->v);
	u->v = NULL;
	u->n = u->cap = 0;
}
