// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <jansson.h>
#include "lab/bpfpin.h"
#include "lab/cgroup.h"
#include "lab/netns.h"
#include "lab/nl.h"
#include "lab/undo.h"
#include "topo/topo.h"

static const char *kinds[] = { "netns", "proc", "link", "nft", "bpf", "cgroup", "pin" };

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

int undo_state_dir_open(char *why, size_t len)
{
	const char *dir = undo_state_dir();
	struct stat st;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), err;

	if (fd < 0) {
		err = -errno;
		if (err == -ELOOP || err == -ENOTDIR) {
			snprintf(why, len, "%s is a symbolic link or not a folder", dir);
			return -EPERM;
		}
		snprintf(why, len, "cannot open %s", dir);
		return err;
	}
	/* whoever may write in it could swap a lab's state file for one of their own */
	if (fstat(fd, &st))
		err = -errno;
	else if (st.st_uid && st.st_uid != geteuid())
		err = -EPERM, snprintf(why, len, "%s belongs to uid %u, not to root", dir,
				       (unsigned)st.st_uid);
	else if (st.st_mode & (S_IWGRP | S_IWOTH))
		err = -EPERM, snprintf(why, len, "%s may be written by others (mode %04o)", dir,
				       (unsigned)(st.st_mode & 07777));
	else
		return fd;
	close(fd);
	return err;
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
	err = undo_state_dir_open(u->refused, sizeof(u->refused));
	if (err < 0)
		return err;
	close(err);
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
	if (e->kind == UNDO_PIN)
		json_object_set_new(o, "dev", json_integer(e->id));
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

/* s with every byte that is not printable ASCII as \xNN, cut to fit len. */
static const char *esc(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	for (; *s && o + 5 < len; s++) {
		unsigned char c = *s;

		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf[o++] = c;
		else
			o += snprintf(buf + o, len - o, "\\x%02x", c);
	}
	if (*s && o + 4 < len)
		o += snprintf(buf + o, len - o, "...");
	buf[o] = 0;
	return buf;
}

static int whyf(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int whyf(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static void skip_add(struct undo *u, int line, const char *why)
{
	struct undo_skip *v = realloc(u->skip, (u->n_skip + 1) * sizeof(*v));

	if (!v)
		return;
	u->skip = v;
	v[u->n_skip].line = line;
	snprintf(v[u->n_skip].why, sizeof(v->why), "%s", why);
	u->n_skip++;
}

/* A string member that fits dst whole (a cut name could turn into a valid one). */
static int get_str(json_t *o, const char *key, bool required, char *dst, size_t size, char *why,
		   size_t len)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return required ? whyf(why, len, "no \"%s\"", key) : 0;
	if (!json_is_string(v))
		return whyf(why, len, "\"%s\" is not a string", key);
	if (json_string_length(v) >= size || strlen(json_string_value(v)) != json_string_length(v))
		return whyf(why, len, "\"%s\" is longer than %zu bytes", key, size - 1);
	memcpy(dst, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int get_int(json_t *o, const char *key, bool required, json_int_t min, json_int_t max,
		   uint64_t *dst, char *why, size_t len)
{
	json_t *v = json_object_get(o, key);
	json_int_t i;

	if (!v)
		return required ? whyf(why, len, "no \"%s\"", key) : 0;
	if (!json_is_integer(v))
		return whyf(why, len, "\"%s\" is not an integer", key);
	i = json_integer_value(v);
	if (i < min || i > max)
		return whyf(why, len, "\"%s\" is %lld, outside %lld..%lld", key, (long long)i,
			    (long long)min, (long long)max);
	*dst = i;
	return 0;
}

/* The shape of one line: known kind, members of the right type and size. What they say is
 * undo_entry_check's business. */
static int parse_entry(json_t *o, struct undo_entry *e, char *why, size_t len)
{
	char kind[16] = "", b[64];
	uint64_t hub = 0;
	int err;

	memset(e, 0, sizeof(*e));
	err = get_str(o, "kind", true, kind, sizeof(kind), why, len);
	if (err)
		return err;
	for (e->kind = 0; e->kind < UNDO__MAX; e->kind++)
		if (!strcmp(kinds[e->kind], kind))
			break;
	if (e->kind == UNDO__MAX)
		return whyf(why, len, "unknown kind \"%s\"", esc(kind, b, sizeof(b)));
	err = get_str(o, "name", true, e->name, sizeof(e->name), why, len);
	if (!err)
		err = get_str(o, "ns", false, e->ns, sizeof(e->ns), why, len);
	if (!err && (e->kind == UNDO_NETNS || e->kind == UNDO_CGROUP))
		err = get_int(o, "ino", true, 1, INT64_MAX, &e->id, why, len);
	if (!err && e->kind == UNDO_PIN)
		err = get_int(o, "dev", true, 1, INT64_MAX, &e->id, why, len);
	if (!err && e->kind == UNDO_NETNS)
		err = get_int(o, "hub_links", false, 0, 1 << 20, &hub, why, len);
	if (!err && e->kind == UNDO_PROC)
		err = get_int(o, "pid", true, 1, INT32_MAX, &e->id, why, len);
	if (!err && e->kind == UNDO_PROC)
		err = get_int(o, "start", true, 1, INT64_MAX, &e->start, why, len);
	e->hub_links = hub;
	return err;
}

/* twl-<lab>-<node>, node made of name characters (so no '/', no "..") */
static bool lab_netns_name(const char *lab, const char *name)
{
	size_t n = strlen(lab);
	const char *p;

	if (strncmp(name, "twl-", 4) || strncmp(name + 4, lab, n) || name[4 + n] != '-')
		return false;
	p = name + 4 + n + 1;
	if (!*p)
		return false;
	for (; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			return false;
	return true;
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

int undo_entry_check(const char *lab, const struct undo_entry *e, char *why, size_t len)
{
	char b[200];

	if (!topo_name_valid(lab))
		return whyf(why, len, "lab name \"%s\" is not a lab name", esc(lab, b, sizeof(b)));
	if (memchr(e->name, 0, sizeof(e->name)) == NULL || memchr(e->ns, 0, sizeof(e->ns)) == NULL)
		return whyf(why, len, "name or ns is not terminated");
	switch (e->kind) {
	case UNDO_NETNS:
		if (!lab_netns_name(lab, e->name))
			return whyf(why, len, "namespace name \"%s\" is not twl-%s-<node>",
				    esc(e->name, b, sizeof(b)), lab);
		if (e->ns[0])
			return whyf(why, len, "namespace %s has an \"ns\"", e->name);
		if (!e->id)
			return whyf(why, len, "namespace %s has no inode (\"ino\")", e->name);
		if (e->hub_links < 0)
			return whyf(why, len, "namespace %s: hub_links %d", e->name, e->hub_links);
		return 0;
	case UNDO_PROC:
		if (e->id <= 1 || e->id > INT32_MAX)
			return whyf(why, len, "process %llu is not a pid twlab could have started",
				    (unsigned long long)e->id);
		if (!e->start)
			return whyf(why, len, "process %llu has no start time (\"start\")",
				    (unsigned long long)e->id);
		if (!lab_netns_name(lab, e->ns))
			return whyf(why, len, "process %llu: namespace \"%s\" is not twl-%s-<node>",
				    (unsigned long long)e->id, esc(e->ns, b, sizeof(b)), lab);
		if (!printable(e->name))
			return whyf(why, len, "process %llu: role \"%s\" is not printable",
				    (unsigned long long)e->id, esc(e->name, b, sizeof(b)));
		return 0;
	case UNDO_CGROUP: {
		/* the path is always rebuilt from the lab's name (cgroup_destroy); the entry must
		 * name that cgroup and carry the inode that proves it is the one we made */
		char want[sizeof(e->name)];

		snprintf(want, sizeof(want), "twlab/%s", lab);
		if (strcmp(e->name, want))
			return whyf(why, len, "cgroup \"%s\" is not %s", esc(e->name, b, sizeof(b)),
				    want);
		if (!e->id)
			return whyf(why, len, "cgroup %s has no inode (\"ino\")", e->name);
		if (e->ns[0])
			return whyf(why, len, "cgroup %s has an \"ns\"", e->name);
		return 0;
	}
	case UNDO_PIN: {
		/* like the cgroup: the mount point is rebuilt from the lab's name (bpfpin_dir) */
		char want[sizeof(e->name)];

		snprintf(want, sizeof(want), "bpf/%s", lab);
		if (strcmp(e->name, want))
			return whyf(why, len, "pin \"%s\" is not %s", esc(e->name, b, sizeof(b)),
				    want);
		if (!e->id)
			return whyf(why, len, "pin %s has no device (\"dev\")", e->name);
		if (e->ns[0])
			return whyf(why, len, "pin %s has an \"ns\"", e->name);
		return 0;
	}
	case UNDO_LINK:
	case UNDO_NFT:
	case UNDO_BPF:
		if (!lab_netns_name(lab, e->ns))
			return whyf(why, len, "%s \"%s\": namespace \"%s\" is not twl-%s-<node>",
				    undo_kind_str(e->kind), esc(e->name, b, sizeof(b) / 2),
				    esc(e->ns, b + sizeof(b) / 2, sizeof(b) / 2), lab);
		if (!printable(e->name) || strchr(e->name, '/'))
			return whyf(why, len, "%s name \"%s\" has '/' or bytes that are not printable",
				    undo_kind_str(e->kind), esc(e->name, b, sizeof(b)));
		return 0;
	default:
		return whyf(why, len, "unknown kind");
	}
}

static const struct undo_entry *find_ns(const struct undo *u, const char *name)
{
	for (size_t i = 0; i < u->n; i++)
		if (u->v[i].kind == UNDO_NETNS && !strcmp(u->v[i].name, name))
			return &u->v[i];
	return NULL;
}

/* Namespace names can meet: lab "a" with node "b-c" and lab "a-b" with node "c" both name
 * twl-a-b-c. up refuses the second, so a namespace whose inode another lab's state file also
 * records is not provably this lab's. Only the labs whose names could meet are looked at. */
static bool claimed_elsewhere(const char *lab, const char *name, uint64_t ino, char *ret_lab,
			      size_t len)
{
	const char *base = name + 4;	/* after "twl-" */
	bool claimed = false;

	for (const char *p = strchr(base, '-'); p && !claimed; p = strchr(p + 1, '-')) {
		char other[64], path[512];
		const struct undo_entry *e;
		struct undo u;

		if ((size_t)(p - base) >= sizeof(other))
			break;
		snprintf(other, sizeof(other), "%.*s", (int)(p - base), base);
		if (!strcmp(other, lab) || !topo_name_valid(other))
			continue;
		snprintf(path, sizeof(path), "%s/%s.json", undo_state_dir(), other);
		if (access(path, F_OK) || undo_load(other, false, &u))
			continue;
		e = find_ns(&u, name);
		claimed = e && e->id == ino;
		undo_close(&u);
		if (claimed)
			snprintf(ret_lab, len, "%s", other);
	}
	return claimed;
}

static int prove_netns(const char *lab, const struct undo_entry *e, uint64_t *ret_ino, char *why,
		       size_t len)
{
	char other[64];
	uint64_t cur;
	int err = netns_ino(e->name, &cur);

	if (err == -ENOENT)
		return whyf(why, len, "namespace %s is gone", e->name), -ENOENT;
	if (err == -ELOOP)
		return whyf(why, len, "namespace %s is a symbolic link, not a namespace", e->name),
		       -EPERM;
	if (err)
		return whyf(why, len, "namespace %s: cannot inspect it: %s", e->name,
			    strerror(-err)), -EPERM;
	if (netns_is_host(cur))
		return whyf(why, len, "namespace %s is the host's own network namespace", e->name),
		       -EPERM;
	if (cur != e->id)
		return whyf(why, len,
			    "namespace %s is not the one this lab made (inode %llu, recorded %llu)",
			    e->name, (unsigned long long)cur, (unsigned long long)e->id), -EPERM;
	if (!netns_marked(e->name))
		return whyf(why, len,
			    "namespace %s was not made by twlab (its binding in " NETNS_RUN_DIR
			    " is not twlab's read-only one)", e->name), -EPERM;
	if (claimed_elsewhere(lab, e->name, cur, other, sizeof(other)))
		return whyf(why, len, "namespace %s is recorded by lab %s too: not provably %s's",
			    e->name, other, lab), -EPERM;
	*ret_ino = cur;
	return 0;
}

int undo_entry_prove(const struct undo *u, const struct undo_entry *e, char *why, size_t len)
{
	const struct undo_entry *ns;
	uint64_t st, ino, pino;
	int pid = e->id, err;
	char state;

	why[0] = 0;
	if (e->kind == UNDO_NETNS)
		return prove_netns(u->lab, e, &ino, why, len);
	if (e->kind == UNDO_PIN)
		return bpfpin_prove(u->lab, e->id, why, len);
	if (e->kind != UNDO_PROC)
		return -ENOENT;
	if (proc_protected(pid))
		return whyf(why, len, "process %d is pid 1, twlab or one of its ancestors", pid),
		       -EPERM;
	if (proc_stat(pid, &st, &state, NULL) || st != e->start)
		return whyf(why, len, "process %d is gone", pid), -ENOENT;
	if (state == 'Z' || state == 'X')
		return whyf(why, len, "process %d has exited", pid), -ENOENT;
	ns = find_ns(u, e->ns);
	if (!ns)
		return whyf(why, len, "process %d: its namespace %s is not listed", pid, e->ns),
		       -EPERM;
	err = prove_netns(u->lab, ns, &ino, why, len);
	if (err)
		return whyf(why, len, "process %d: its namespace %s cannot be proven this lab's",
			    pid, e->ns), -EPERM;
	if (proc_netns_ino(pid, &pino))
		return whyf(why, len, "process %d is gone", pid), -ENOENT;
	if (pino != ino)
		return whyf(why, len, "process %d is not in namespace %s", pid, e->ns), -EPERM;
	return 0;
}

static int load_line(struct undo *u, const char *line, int lineno)
{
	char why[200];
	json_error_t jerr;
	struct undo_entry e;
	json_t *o = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);
	json_t *kind;
	uint64_t owner = 0, start = 0;
	int err = 0;

	if (!o || !json_is_object(o)) {
		skip_add(u, lineno, o ? "not a JSON object" : "not JSON");
		json_decref(o);
		return lineno == 1 ? (u->no_header = true, 0) : 0;
	}
	kind = json_object_get(o, "kind");
	if (!kind && lineno == 1) {
		char lab[64] = "";

		err = get_str(o, "lab", true, lab, sizeof(lab), why, sizeof(why));
		if (!err && strcmp(lab, u->lab))
			err = whyf(why, sizeof(why), "header names lab \"%s\", not %s",
				   esc(lab, why + 100, 100), u->lab);
		if (!err)
			err = get_int(o, "owner", true, 0, INT32_MAX, &owner, why, sizeof(why));
		if (!err)
			err = get_int(o, "owner_start", false, 0, INT64_MAX, &start, why,
				      sizeof(why));
		if (err) {
			u->no_header = true;
			skip_add(u, lineno, why);
		} else {
			u->owner = owner;
			u->owner_start = start;
			/* for twlab watch; a path too long to keep is simply not known */
			get_str(o, "topology", false, u->topology, sizeof(u->topology), why,
				sizeof(why));
		}
	} else if (json_is_string(kind) && !strcmp(json_string_value(kind), "owner")) {
		err = get_int(o, "owner", true, 0, 0, &owner, why, sizeof(why));
		if (err) {
			skip_add(u, lineno, why);
		} else {
			u->owner = 0;
			u->owner_start = 0;
		}
	} else if (parse_entry(o, &e, why, sizeof(why)) ||
		   undo_entry_check(u->lab, &e, why, sizeof(why))) {
		skip_add(u, lineno, why);
	} else {
		e.line = lineno;
		err = append(u, &e);
	}
	json_decref(o);
	return err == -ENOMEM ? err : 0;
}

#define LINE_MAX_BYTES 4096	/* a real line is a few hundred bytes */

/* The next line of f into buf (LINE_MAX_BYTES + 2), never more: the rest of a longer line is
 * read and dropped. 1 and *ret_len (with the newline, if there was one), 0 at the end. */
static int read_line(FILE *f, char *buf, size_t *ret_len, bool *ret_long, bool *ret_nul)
{
	size_t n = 0;
	int c;

	*ret_long = *ret_nul = false;
	while ((c = getc(f)) != EOF) {
		if (n < LINE_MAX_BYTES + 1)
			buf[n++] = c;
		else
			*ret_long = true;
		*ret_nul |= c == 0;
		if (c == '\n')
			break;
	}
	if (c == '\n' && *ret_long)
		buf[n - 1] = '\n';	/* keep "it ended" for the torn-line rule */
	buf[n] = 0;
	*ret_len = n;
	return n > 0;
}

int undo_load(const char *lab, bool lock, struct undo *u)
{
	char *line = malloc(LINE_MAX_BYTES + 2);
	size_t len;
	bool too_long, nul;
	struct stat st;
	FILE *f;
	int dfd, fd, err = 0, lineno = 0;

	memset(u, 0, sizeof(*u));
	u->fd = -1;
	if (!line)
		return -ENOMEM;
	if (!topo_name_valid(lab)) {
		free(line);
		return -EINVAL;
	}
	snprintf(u->lab, sizeof(u->lab), "%s", lab);
	snprintf(u->path, sizeof(u->path), "%s/%s.json", undo_state_dir(), lab);
	dfd = undo_state_dir_open(u->refused, sizeof(u->refused));
	if (dfd < 0) {
		free(line);
		return dfd;
	}
	/* not through a planted link, and only a file nobody else could have written */
	snprintf(line, LINE_MAX_BYTES, "%s.json", lab);
	fd = openat(dfd, line, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	close(dfd);
	if (fd < 0) {
		err = errno == ELOOP ? -EPERM : -errno;
		if (err == -EPERM)
			snprintf(u->refused, sizeof(u->refused), "%s is a symbolic link", u->path);
		free(line);
		return err;
	}
	if (fstat(fd, &st))
		err = -errno;
	else if (!S_ISREG(st.st_mode))
		err = -EPERM, snprintf(u->refused, sizeof(u->refused), "%s is not a regular file",
				       u->path);
	else if (st.st_uid && st.st_uid != geteuid())
		err = -EPERM, snprintf(u->refused, sizeof(u->refused),
				       "%s belongs to uid %u, not to root", u->path,
				       (unsigned)st.st_uid);
	else if (st.st_mode & (S_IWGRP | S_IWOTH))
		err = -EPERM, snprintf(u->refused, sizeof(u->refused),
				       "%s may be written by others (mode %04o)", u->path,
				       (unsigned)(st.st_mode & 07777));
	else if (st.st_nlink != 1)	/* a hard link to a file made for something else */
		err = -EPERM, snprintf(u->refused, sizeof(u->refused),
				       "%s has %ju names (hard links), not one", u->path,
				       (uintmax_t)st.st_nlink);
	u->dev = st.st_dev;
	u->ino = st.st_ino;
	f = err ? NULL : fdopen(fd, "re");
	if (!f) {
		err = err ? err : -errno;
		close(fd);
		free(line);
		return err;
	}
	/* One remover at a time: two teardowns of one lab would kill each other (each enters
	 * the lab's namespaces while it works). The lock lives until undo_close. */
	if (lock && flock(fileno(f), LOCK_EX | LOCK_NB)) {
		err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		fclose(f);
		free(line);
		return err;
	}
	while (!err && read_line(f, line, &len, &too_long, &nul)) {
		lineno++;
		if (line[len - 1] != '\n') {	/* cut short: by hand, or a full disk */
			u->torn = true;
			skip_add(u, lineno, "cut short (no newline at its end)");
			if (lineno == 1)
				u->no_header = true;
			break;
		}
		if (too_long || nul) {
			skip_add(u, lineno, too_long ? "longer than 4096 bytes"
						     : "holds a NUL byte");
			u->no_header |= lineno == 1;
			continue;
		}
		err = load_line(u, line, lineno);
	}
	free(line);
	if (lineno == 0)
		u->no_header = true;
	if (lock && !err)
		u->fd = dup(fileno(f));	/* keeps the lock */
	fclose(f);
	if (err)
		undo_close(u);
	return err;
}

/* Does pid hold the flock of the file dev:ino (/proc/locks)? The owner of a lab takes it in
 * undo_begin and keeps it while it runs: a pid written into a state file by anyone else does
 * not hold it, so it is never taken for the lab's twlab. */
static bool lock_held_by(dev_t dev, ino_t ino, pid_t pid)
{
	char line[256];
	bool held = false;
	FILE *f = fopen("/proc/locks", "re");

	if (!f)
		return false;
	while (!held && fgets(line, sizeof(line), f)) {
		unsigned int maj, min;
		unsigned long long i;
		char type[16];
		int p;

		if (strstr(line, "->"))
			continue;	/* waiting for the lock, not holding it */
		if (sscanf(line, "%*d: %15s %*s %*s %d %x:%x:%llu", type, &p, &maj, &min, &i) != 5)
			continue;
		held = !strcmp(type, "FLOCK") && p == pid && maj == major(dev) &&
		       min == minor(dev) && i == ino;
	}
	fclose(f);
	return held;
}

bool undo_owner_alive(const struct undo *u)
{
	return u->owner && u->ino && proc_alive(u->owner, u->owner_start) &&
	       lock_held_by(u->dev, u->ino, u->owner);
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

	if (fd == -ENOSYS)
		return proc_kill_nopidfd(pid, e->start, timeout_ms);
	if (fd < 0)
		return fd;	/* gone already, or the pid now belongs to someone else */
	err = proc_kill_wait(&fd, &pid, 1, timeout_ms);
	close(fd);
	return err;
}

/* The namespaces of deleted clients go away asynchronously (cleanup_net): their veth ends in
 * the hub vanish about 0.1 s later. Wait for that before the hub itself goes, so a new lab
 * can take the same names at once. A namespace whose sockets are still closing (an orphan
 * socket resending an unanswered FIN, after thousands of clients) is freed by the kernel only
 * when they end, tens of seconds later: that is not ours to hurry. Past timeout_ms, or once
 * no link has gone for HUB_STALL_MS, the wait stops; *ret_left is how many client links the
 * hub still holds (0 when all went). */
#define HUB_STALL_MS 3000
static int wait_hub(const struct undo_entry *e, int timeout_ms, size_t *ret_left)
{
	uint64_t deadline = mono_ms() + timeout_ms;
	struct nl_sock *sk;
	int fd, n, err = netns_open(e->name, &fd);

	*ret_left = 0;
	if (err)
		return err;
	err = netns_enter(fd);
	if (!err)
		err = nl_open(&sk);
	if (!err) {
		uint64_t changed = mono_ms();
		int last = -1;

		while (!(err = nl_link_count(sk, &n)) && n > e->hub_links) {
			uint64_t now = mono_ms();

			if (n != last) {
				last = n;
				changed = now;
			}
			if (now >= deadline || now - changed >= HUB_STALL_MS) {
				*ret_left = n - e->hub_links;
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

/* The bound of the wait for the hub's links: timeout_ms, or $TWLAB_TEST_TEARDOWN_MS (tests:
 * 0 makes every namespace still being freed show). */
static int hub_wait_ms(int timeout_ms)
{
	const char *s = getenv("TWLAB_TEST_TEARDOWN_MS");
	char *end;
	long v;

	if (!s || !*s)
		return timeout_ms;
	errno = 0;
	v = strtol(s, &end, 10);
	return errno || *end || v < 0 || v > timeout_ms ? timeout_ms : (int)v;
}

int undo_run(struct undo *u, int timeout_ms)
{
	uint64_t *inos = calloc(u->n + 1, sizeof(*inos));
	bool *ours = calloc(u->n + 1, sizeof(*ours));
	uint64_t self_ino;
	bool inside = false;
	char why[200];
	size_t n_ns = 0, left;
	int err = 0, e, hub_ms = hub_wait_ms(timeout_ms);

	if (!inos || !ours) {
		free(inos);
		free(ours);
		return -ENOMEM;
	}
	/* 0. what this lab can still prove it made; nothing else is touched */
	for (size_t i = 0; i < u->n; i++) {
		struct undo_entry *en = &u->v[i];

		if (en->kind != UNDO_NETNS && en->kind != UNDO_PROC)
			continue;
		e = undo_entry_prove(u, en, why, sizeof(why));
		if (!e) {
			ours[i] = true;
			if (en->kind == UNDO_NETNS)
				inos[n_ns++] = en->id;
		} else if (e == -ENOENT) {
			if (en->kind == UNDO_PROC) {
				waitpid(en->id, NULL, WNOHANG);	/* our child's zombie */
				u->gone_procs++;
			} else {
				/* its mount point, if a SIGKILL left it unbound */
				netns_stub_remove(en->name, en->id);
				u->gone_ns++;
			}
		} else {
			skip_add(u, en->line, why);
		}
	}
	/* 1. our own processes, newest first */
	for (size_t i = u->n; i-- > 0;) {
		if (!ours[i] || u->v[i].kind != UNDO_PROC)
			continue;
		e = kill_proc(&u->v[i], timeout_ms);
		if (!e)
			u->killed_procs++;
		else if (e == -ESRCH)
			u->gone_procs++;
		else if (!err)
			err = e;
	}
	/* 2. whatever they started, wherever it went: the lab's cgroup, if it is the one we made
	 * (the path comes from the lab's name; the inode proves it is ours) */
	bool cg_listed = false;

	for (size_t i = 0; i < u->n; i++)
		cg_listed |= u->v[i].kind == UNDO_CGROUP;
	if (!cg_listed && u->fd >= 0)
		cgroup_remove_unlisted(u->lab);
	for (size_t i = u->n; i-- > 0;) {
		if (u->v[i].kind != UNDO_CGROUP || !u->v[i].id)
			continue;
		e = cgroup_destroy(u->lab, u->v[i].id, timeout_ms);
		if (e == -EPERM) {
			snprintf(why, sizeof(why), "cgroup twlab/%s has the recorded inode but not "
				 "twlab's mark: someone else's, left alone", u->lab);
			skip_add(u, u->v[i].line, why);
		}
		else if (e && e != -ENOENT && e != -ESTALE && !err)
			err = e;
	}
	/* 3. anything else still inside a lab namespace that is still ours */
	if (n_ns && (e = netns_kill_procs(inos, n_ns, timeout_ms)) < 0 && !err)
		err = e;
	else if (n_ns && e > 0)
		u->killed_procs += e;
	/* 4. the namespaces, newest first; inner objects go with them. Run from inside one of
	 * them (a shell in the lab), that one lives on until we and our parents leave it: the
	 * hub's links cannot be waited for then. */
	if (!proc_netns_ino(getpid(), &self_ino))
		for (size_t j = 0; j < n_ns; j++)
			inside |= inos[j] == self_ino;
	for (size_t i = u->n; i-- > 0;) {
		struct undo_entry *en = &u->v[i];

		if (!ours[i] || en->kind != UNDO_NETNS)
			continue;
		if (en->hub_links && !inside) {
			e = wait_hub(en, hub_ms, &left);
			if (e && e != -ENOENT && !err)
				err = e;
			u->freeing_ns += left;
		}
		e = netns_delete(en->name, en->id);
		if (!e)
			u->removed_ns++;
		else if (e == -ENOENT)
			u->gone_ns++;
		else if (e == -ESTALE)	/* replaced meanwhile by one we did not make */
			skip_add(u, en->line, "namespace was replaced by another one while removing");
		else if (!err)
			err = e;
	}
	/* 5. the lab's bpffs (its pins go with it), when it is still the mount we made */
	for (size_t i = u->n; i-- > 0;) {
		if (u->v[i].kind != UNDO_PIN)
			continue;
		e = undo_entry_prove(u, &u->v[i], why, sizeof(why));
		if (e == -EPERM)
			skip_add(u, u->v[i].line, why);
		else if ((e = bpfpin_remove(u->lab, u->v[i].id)) && e != -ENOENT && !err)
			err = e;
	}
	free(inos);
	free(ours);
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

int undo_find_netns(const char *ns, const char *exclude, char *ret_lab, size_t len)
{
	DIR *d = opendir(undo_state_dir());
	struct dirent *de;
	int err = -ENOENT;

	if (!d)
		return -ENOENT;
	while (err && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		char lab[64];
		struct undo u;

		if (n < 6 || n - 5 >= sizeof(lab) || strcmp(de->d_name + n - 5, ".json"))
			continue;
		snprintf(lab, sizeof(lab), "%.*s", (int)(n - 5), de->d_name);
		if ((exclude && !strcmp(lab, exclude)) || undo_load(lab, false, &u))
			continue;
		if (find_ns(&u, ns)) {
			snprintf(ret_lab, len, "%s", lab);
			err = 0;
		}
		undo_close(&u);
	}
	closedir(d);
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
	free(u->skip);
	u->skip = NULL;
	u->n_skip = 0;
}
