/* SPDX-License-Identifier: GPL-2.0 */
/*
 * undo: the journal of everything a lab created, in memory and in its state file
 * /run/twlab/<lab>.json. The state file is append-only, one JSON object per line (a header,
 * then one line per object, written right after the object exists), so a SIGKILL at any
 * moment leaves a file that `twlab clean` can read (a torn last line is reported, not used).
 * Nothing in a state file is taken on trust: each line is checked (undo_entry_check) when it
 * is read, and each object is proven to be the one twlab made (undo_entry_prove) before it is
 * touched. A line or an object that fails is recorded in skip[] with the reason and left
 * alone; the rest of the file is still used.
 * Objects inside a lab namespace (links, nft table, BPF programs) are listed for the record
 * but die with their namespace: teardown deletes namespaces, never link by link.
 */
#ifndef TWLAB_UNDO_H
#define TWLAB_UNDO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define UNDO_STATE_DIR "/run/twlab"   /* $TWLAB_STATE_DIR overrides it (tests) */

enum undo_kind { UNDO_NETNS, UNDO_PROC, UNDO_LINK, UNDO_NFT, UNDO_BPF, UNDO_CGROUP, UNDO_PIN,
		 UNDO__MAX };

struct undo_entry {
	enum undo_kind kind;
	char name[64];       /* netns name; link/table/program name; process role; CGROUP: for
			      * the record only (the path is made from the lab's name) */
	char ns[64];         /* the lab namespace an inner object lives in */
	uint64_t id;         /* NETNS: nsfs inode; PROC: pid; CGROUP: directory inode; PIN: the
			      * st_dev of the lab's bpffs mount (lab/bpfpin.h) */
	uint64_t start;      /* PROC: start time (/proc/PID/stat field 22) */
	int hub_links;       /* NETNS: links it has once every client veth is gone (0: no wait) */
	int line;            /* the state file line it was read from (0: made by this process) */
};

/* A line of the state file, or an object it lists, that was not acted on. */
struct undo_skip {
	int line;            /* 0: an entry made by this process */
	char why[240];       /* printable: bytes from the file are escaped */
};

struct undo {
	char lab[64];
	char path[256];
	int fd;
	pid_t owner;         /* 0: detached (twlab up) */
	char topology[256];  /* load: the header's topology file, as given to up or run */
	uint64_t owner_start;
	dev_t dev;           /* load: the state file (its owner holds its flock) */
	ino_t ino;
	char refused[320];   /* load, begin: -EPERM: why the state folder or file is refused */
	bool torn;           /* load: the last line was cut short */
	bool no_header;      /* load: line 1 is not a valid header (owner unknown) */
	struct undo_entry *v;
	size_t n, cap;
	struct undo_skip *skip;
	size_t n_skip;
	/* undo_run: what it really did, and what it found already gone */
	size_t removed_ns, killed_procs, gone_ns, gone_procs;
	/* undo_run: client namespaces deleted but not yet freed by the kernel when the hub went
	 * (their sockets still closing); they go on their own */
	size_t freeing_ns;
};

const char *undo_state_dir(void);
/* Open the state folder (an O_DIRECTORY fd), or -EPERM with why when it is a symbolic link,
 * not root's, or writable by group or others: its state files cannot be trusted then. */
int undo_state_dir_open(char *why, size_t len);
/* Start a journal for lab: creates the state file (-EEXIST if one exists). */
int undo_begin(struct undo *u, const char *lab, const char *topology, bool detached);
/* Append e to the journal and the state file. */
int undo_push(struct undo *u, const struct undo_entry *e);
/* Mark the journal detached (twlab up): the owner line is rewritten as owner 0. */
int undo_detach(struct undo *u);
/* Could twlab have written e into the state file of lab? Pure (no system calls): namespace
 * names are twl-<lab>-<node> (node: A-Z a-z 0-9 _ -), a namespace has its nsfs inode, a
 * process its pid (> 1), start time and namespace, every other object names a namespace of
 * this lab. 0, or -EINVAL with why (NUL-terminated, escaped) naming the rule it breaks. */
int undo_entry_check(const char *lab, const struct undo_entry *e, char *why, size_t len);
/* Is e still the object this lab made (u holds the lab's other entries)? NETNS: its name is
 * bound to an nsfs inode equal to the recorded one, and not the host's own namespace. PROC:
 * the pid runs with the recorded start time, is not pid 1, twlab or one of its ancestors, and
 * is inside the proven namespace it was started in. 0: it may be acted on; -ENOENT: it is gone
 * (a zombie, a reused pid, a deleted namespace); -EPERM: it exists but cannot be proven ours
 * (why says why). Other kinds are never acted on (they die with their namespace): -ENOENT. */
int undo_entry_prove(const struct undo *u, const struct undo_entry *e, char *why, size_t len);
/* Read the state file of lab. With lock, also lock it until undo_close (to remove the lab):
 * -EBUSY when another twlab holds it (building, running or removing that lab). -EINVAL if lab
 * is not a lab name (topo_name_valid), -EPERM (refused says why) if the state folder is not
 * safe (undo_state_dir_open) or the file is not a regular file with one name, owned by root
 * (or by us) and closed to others' writes. Bad lines do not fail the load: each is recorded in
 * skip[] and the others are used; a line longer than 4096 bytes or holding a NUL byte is bad. */
int undo_load(const char *lab, bool lock, struct undo *ret);
/* Is the process that owns this lab still running? Only if it holds the state file's lock
 * (as the twlab that wrote the header does while it runs): a pid in the header alone proves
 * nothing. */
bool undo_owner_alive(const struct undo *u);
/* Undo everything in reverse, acting only on what undo_entry_prove proves (the rest is added
 * to skip[]); keeps going past errors and returns the first. Every step is bounded by
 * timeout_ms. On success the state file is removed. Counts what it did in removed_ns,
 * killed_procs (processes found in the lab's namespaces included), what it found gone, and
 * the deleted client namespaces the kernel had not yet freed when the hub went (freeing_ns:
 * not an error, nothing of the lab is left to act on). */
int undo_run(struct undo *u, int timeout_ms);
/* Which lab's state file lists the namespace ns (other than lab exclude)? 0 and the lab's
 * name, or -ENOENT. */
int undo_find_netns(const char *ns, const char *exclude, char *ret_lab, size_t len);
/* Free memory and close the file (keeps the state file). */
void undo_close(struct undo *u);
const char *undo_kind_str(enum undo_kind k);

#endif
