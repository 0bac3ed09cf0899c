/* SPDX-License-Identifier: GPL-2.0 */
/*
 * matrix: the results of one suite on several kernels side by side (pure): a text table with
 * one column per kernel, the same as JSON, and an HTML page. A row differs when a kernel lacks
 * the test or its status or behaviour string is not the first kernel's.
 */
#ifndef TWLAB_VERIFY_MATRIX_H
#define TWLAB_VERIFY_MATRIX_H

#include <stdio.h>
#include <jansson.h>
#include "verify/verify.h"

/* The test names of all suites, the first suite's order first (a malloc'd array of pointers
 * into the suites). */
const char **matrix_names(const struct verify_suite *const *s, size_t n, size_t *ret_n);
bool matrix_row_differs(const struct verify_suite *const *s, size_t n, const char *name);
/* The table; returns how many rows differ. */
size_t matrix_text(const struct verify_suite *const *s, size_t n, FILE *out);
/* {"kernels":[..],"differ":N,"rows":[{"test","differs","cells":[{status,behaviour,detail}]}],
 *  "results":[verify_json of each]} (results only when full). */
json_t *matrix_json(const struct verify_suite *const *s, size_t n, bool full);
/* A self-contained page: the table, changed rows highlighted, every cell's detail shown. */
void matrix_html(const struct verify_suite *const *s, size_t n, const char *title, FILE *out);

#endif
