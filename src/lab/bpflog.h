/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bpflog: libbpf's messages, kept. libbpf reports a failed program load by retrying it with the
 * verifier's log on and printing that log through its print callback; this module is that
 * callback. It keeps the last BPFLOG_KEEP bytes in memory (printing them too with verbose),
 * and when a load fails the caller saves what came since its mark into a file named in its
 * error message: $TWLAB_LOG_DIR, else /var/cache/twlab/logs, else /tmp (the first one that is
 * writable).
 */
#ifndef TWLAB_BPFLOG_H
#define TWLAB_BPFLOG_H

#include <stdbool.h>
#include <stddef.h>

#define BPFLOG_KEEP (1u << 20)

/* libbpf_set_print() with this module's callback; verbose also copies each message (not the
 * DEBUG ones) to stderr with a "[libbpf] " prefix. */
void bpflog_install(bool verbose);
/* Append text as if libbpf had printed it (what the callback does; for tests). */
void bpflog_append(const char *text);
/* A position in the stream of kept messages. */
size_t bpflog_mark(void);
/* Write what was kept since mark into a new file <dir>/<stem>-<pid>-<n>.log; ret_path gets its
 * name. 0, -ENODATA when nothing came since mark (or it was dropped as too old), or the
 * errno of the last directory tried. */
int bpflog_save(size_t mark, const char *stem, char *ret_path, size_t len);

#endif
