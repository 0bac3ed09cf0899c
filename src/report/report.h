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
/* A sink that writes each attempt and gate decision to f as one line of events.jsonl, as the
 * run loop receives them (so nearly, not strictly, time-ordered), times in s since the clients'
 * t0. Write errors stay in ferror(f). */
void report_sink(struct run_sink *s, FILE *f);
/* The one line a trainer reads aloud for client ci's first drop (r->at.first_drop[ci].has). */
void report_drop_line(const struct run *r, size_t ci, char *buf, size_t len);
/* Short text summary. */
void report_text(const struct run *r, json_t *result, FILE *out);
/* Write j to f (pretty, keys in order). 0 or -EIO. */
int report_write_json(json_t *j, FILE *f);

#endif
