#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run every test: the layout check (scripts/check-layout.sh), cmocka unit tests (no root), BPF
# tests and the integration tests in real namespaces (root). Ends with the cmocka summaries and
# one line "N passed, N failed, N skipped" for the layout check and the integration tests.
# tests/guides.sh (the lab/ guides' translations, no root) runs after the layout check and
# counts in that line too.
# Each test file is bounded by a timeout.
set -u
cd "$(dirname "$0")/.."
B=build/tests
fail_any=0
summaries=()
pass=0 fail=0 skip=0

echo "== scripts/check-layout.sh"
out=$(scripts/check-layout.sh 2>&1); echo "$out"
pass=$((pass + $(grep -c '\[ OK \]' <<<"$out"))); fail=$((fail + $(grep -c '\[FAIL\]' <<<"$out")))

echo "== tests/guides.sh"
out=$(timeout 300 bash tests/guides.sh 2>&1); rc=$?; echo "$out"
pass=$((pass + $(grep -c '\[ OK \]' <<<"$out"))); fail=$((fail + $(grep -c '\[FAIL\]' <<<"$out")))
[ $rc -ne 0 ] && [ "$(grep -c '\[FAIL\]' <<<"$out")" -eq 0 ] && fail=$((fail + 1)) &&
	echo "TEST: guides.sh exited with $rc without a failing test line [FAIL]"

for t in "$B"/test_*; do
	[ -x "$t" ] || continue
	echo "== $(basename "$t")"
	out=$(timeout 300 "$t" 2>&1); rc=$?
	echo "$out"
	[ $rc -ne 0 ] && fail_any=1 && echo "   ($(basename "$t") exited with $rc)"
	while IFS= read -r l; do summaries+=("$(basename "$t"): $l"); done \
		< <(echo "$out" | grep -E '^\[  (PASSED|FAILED|SKIPPED) +\]')
done

for t in tests/net/*.sh; do
	case "$(basename "$t")" in lib.sh|html_check.sh) continue ;; esac
	echo "== $t"
	t0=$SECONDS
	out=$(timeout 600 bash "$t" 2>&1); rc=$?
	echo "$out"
	echo "   ($(basename "$t"): $((SECONDS - t0)) s)"
	p=$(grep -c '\[ OK \]' <<<"$out"); f=$(grep -c '\[FAIL\]' <<<"$out"); s=$(grep -c '\[SKIP\]' <<<"$out")
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1; echo "TEST: $(basename "$t") exited with $rc without a failing test line [FAIL]"
	fi
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
done

echo
echo "== summary"
for s in "${summaries[@]}"; do echo "$s"; done
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ] && [ $fail_any -eq 0 ]
