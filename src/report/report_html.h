/* SPDX-License-Identifier: GPL-2.0 */
/*
 * report_html: report.html, one self-contained page (inline CSS and SVG, no script, nothing
 * fetched) built from result.json and events.jsonl, for a trainer's projector.
 */
#ifndef TWLAB_REPORT_HTML_H
#define TWLAB_REPORT_HTML_H

#include <stdio.h>
#include <jansson.h>

/* Maximum client lanes drawn in the timeline; the others are counted in a caption. */
#define REPORT_HTML_MAX_LANES 40

/*
 * Write the page to out from result (result.json's structure) and the lines of events
 * (events.jsonl; NULL: no events; lines that are not JSON objects are skipped). The caller
 * opens and closes both. The events wait to be drawn in an unnamed temporary file in the
 * folder tmpdir (< 0: the system's temporary folder), so memory is bounded by the lab's size,
 * not by the number of events. 0, or -errno (-EINVAL when result is not an object, -EIO when
 * out had a write error).
 */
int report_html(json_t *result, FILE *events, FILE *out, int tmpdir);

#endif
