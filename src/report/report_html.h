/* SPDX-License-Identifier: GPL-2.0 */
/*
 * report_html: report.html, one self-contained page (inline CSS and SVG, no script, nothing
 * fetched) built from result.json and events.jsonl, for a trainer's projector.
 */
#ifndef TWLAB_REPORT_HTML_H
#define TWLAB_REPORT_HTML_H

#include <jansson.h>

/* Maximum client lanes drawn in the timeline; the others are counted in a caption. */
#define REPORT_HTML_MAX_LANES 40

/*
 * Write out_path (through out_path.tmp + rename) from result (result.json's structure) and
 * the lines of events_jsonl_path (NULL: no events; lines that are not JSON objects are
 * skipped). 0, or -errno (-EINVAL when result is not an object).
 */
int report_html(json_t *result, const char *events_jsonl_path, const char *out_path);

#endif
