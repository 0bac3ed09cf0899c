/* SPDX-License-Identifier: GPL-2.0 */
/*
 * schema: the fields of result.json, in one table. report_json.c writes exactly these (its
 * unit test holds the writer to the table, so the two cannot drift apart), and `check` holds
 * every [expect] path to it: a field result.json never has, or a counter this kernel does
 * not count, is an error before anything runs rather than a check that silently holds.
 */
#ifndef TWLAB_SCHEMA_H
#define TWLAB_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include "run/evidence.h"
#include "topo/topo.h"

enum schema_kind { SCH_NUMBER, SCH_BOOL, SCH_STRING, SCH_NUMBER_OR_NULL, SCH_OBJECT, SCH_ARRAY };

struct schema_field {
	const char *name;
	enum schema_kind kind;
	bool optional;                   /* not in every result (see why) */
	const struct schema_field *sub;  /* SCH_OBJECT: its fields, SCH_ARRAY: its elements';
					  * NULL: keys that are not fixed (counters, ...) */
};

/* The top level of result.json; each table ends with a { NULL } entry. */
extern const struct schema_field schema_result[];
extern const struct schema_field schema_client[];

/*
 * Whether path (an [expect] path, expect.h) can name a value in a result of lab: every field
 * on it is in the table, the last is a value, clients.FIELD sums a number, client.NAME.ts_offset
 * names an offset client; with known (the counters of this kernel, NULL: not checked) a
 * counters.NODE.COUNTER names one of them. 0, or -EINVAL with why ("... did you mean X?").
 */
int schema_check_path(const struct lab *lab, const char *path, const struct counters *known,
		      char *why, size_t len);
/* The candidate closest to word (same letters in another case, or at most two edits for a
 * word that long), or NULL. Pure. */
const char *schema_suggest(const char *word, const char *const *cands, size_t n);

#endif
