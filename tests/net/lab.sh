#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The training exercises stay true: every lab/*/topology.ini runs to its [expect] lines.
source "$(dirname "$0")/lib.sh"
require_root "lab exercises"

for t in "$TOP"/lab/*/topology.ini; do
	ex=$(basename "$(dirname "$t")")
	lab=$(sed -n 's/^name *= *//p' "$t" | head -1)
	out=$("$TWLAB" run "$t" --out "$TMP/$ex" --quiet 2>&1); rc=$?
	why=$(jq -r '.expect[] | select(.ok | not) | .check + ": " + (.why // "")' "$TMP/$ex/result.json" 2>/dev/null | tr '\n' ';')
	log_test $rc "lab/$ex: every expectation holds" "rc=$rc $why $out"
	check_no_leaks "$lab" "lab/$ex" >/dev/null || true
done
exit $RET
