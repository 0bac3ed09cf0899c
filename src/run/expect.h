/* SPDX-License-Identifier: GPL-2.0 */
/*
 * expect: [expect] lines evaluated against result.json (pure).
 * PATH is a dotted path into result.json, with two conveniences:
 *   client.NAME.FIELD      -> clients[i].FIELD for the client named NAME
 *   counters.NODE.COUNTER  -> 0 when the counter did not change (deltas are sparse)
 *   clients.FIELD          -> the sum of FIELD over all clients (numbers only)
 * Numbers compare as numbers; true/false as booleans (== and != only); anything else as a
 * string (== and != only).
 */
#ifndef TWLAB_EXPECT_H
#define TWLAB_EXPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "topo/topo.h"

/* Look up path in result (borrowed reference) or NULL. Only what is in result: client.NAME
 * is mapped, but the computed values (an absent counter's 0, clients.FIELD sums) are NULL
 * here; expect_resolve gives those too. */
json_t *expect_lookup(json_t *result, const char *path);
/* The value path stands for, with every convenience, as a new reference in *ret.
 * 0, -ENOENT (does not resolve), -EINVAL (a bad path, or a clients.FIELD sum over a value
 * that is not a number) or -ENOMEM. */
int expect_resolve(json_t *result, const char *path, json_t **ret);
/* Evaluate e against result. *ret_ok is the verdict; on a false verdict or an unresolvable
 * path, why gets a one-line reason ("client.bob.syn_dropped is 0, wanted > 0").
 * Returns 0, or -ENOENT when the path does not resolve (then *ret_ok = false). */
int expect_eval(const struct lab_expect *e, json_t *result, bool *ret_ok, char *why, size_t len);
/* Evaluate every expectation of lab; returns the array for result.json ("expect") and sets
 * *ret_all_ok. */
json_t *expect_eval_all(const struct lab *lab, json_t *result, bool *ret_all_ok);

#endif
