/* SPDX-License-Identifier: GPL-2.0 */
/*
 * undo: the journal of everything a lab created, in memory and in its state file
 * /run/twlab/<lab>.json. The state file is append-only, one JSON object per line (a header,
 * then one line per object, written right after the object exists), so a SIGKILL at any
 * moment leaves a file that `twlab clean` can read: a torn last line is ignored.
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

enum undo_kind { UNDO_NETNS, UNDO_PROC, UNDO_LINK, UNDO_NFT, UNDO_BPF, UNDO_CGROUP, UNDO__MAX };

struct undo_entry {
	enum undo_kind kind;
	char name[64];       /* netns name; link/table/program name; process role; CGROUP: for
			      * the record only (the path is made from the lab's name) */
	char ns[64];         /* the lab namespace an inner object lives in */
	uint64_t id;         /* NETNS: nsfs inode; PROC: pid; CGROUP: directory inode */
	uint64_t start;      /* PROC: start time (/proc/PID/stat field 22) */
	int hub_links;       /* NETNS: links it has once every client veth is gone (0: no wait) */
};

struct undo {
	char lab[64];
	char path[256];
	int fd;
	pid_t owner;         /* 0: detached (twlab up) */
	uint64_t owner_start;
	bool torn;           /* load: the last line was cut short */
	struct undo_entry *v;
	size_t n, cap;
};

const char *undo_state_dir(void);
/* Start a journal for lab: creates the state file (-EEXIST if one exists). */
int undo_begin(struct undo *u, const char *lab, const char *topology, bool detached);
/* Append e to the journal and the state file. */
int undo_push(struct undo *u, const struct undo_entry *e);
/* Mark the journal detached (twlab up): the owner line is rewritten as owner 0. */
int undo_detach(struct undo *u);
/* Read the state file of lab. With lock, also lock it until undo_close (to remove the lab):
 * -EBUSY when another twlab holds it (building, running or removing that lab). */
int undo_load(const char *lab, bool lock, struct undo *ret);
/* Is the process that owns this lab still running? */
bool undo_owner_alive(const struct undo *u);
/* Undo everything in reverse; keeps going past errors and returns the first. Every step is
 * bounded by timeout_ms. On success the state file is removed. */
int undo_run(struct undo *u, int timeout_ms);
/* Free memory and close the file (keeps the state file). */
void undo_close(struct undo *u);
const char *undo_kind_str(enum undo_kind k);

#endif
