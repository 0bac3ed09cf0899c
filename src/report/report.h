/* SPDX-License-Identifier: GPL-2.0 */
/* report: what a run shows: result.json (the contract in README.md "Results"), events.jsonl,
 * the text summary. */
#ifndef TWLAB_REPORT_H
#define TWLAB_REPORT_H

#include <stdio.h>
#include <jansson.h>
#include "run/run.h"

/* result.json without "expect" and "ok" (the caller evaluates expectations on it first). */
json_t *report_result(const struct run *r);
/* Every attempt and gate decision to f (events.jsonl), time-ordered, times in s since the
 * clients' t0. 0, -ENOMEM or -EIO (a write error on f). */
int report_events(const struct run *r, FILE *f);
/* The one line a trainer reads aloud for gate event i (a drop). */
void report_drop_line(const struct run *r, size_t i, char *buf, size_t len);
/* Short text summary. */
void report_text(const struct run *r, json_t *result, FILE *out);
/* Write j to f (pretty, keys in order). 0 or -EIO. */
int report_write_json(json_t *j, FILE *f);

#endif
