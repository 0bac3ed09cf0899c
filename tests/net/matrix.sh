#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# twlab verify's kernel matrix and twlab bisect on three Debian kernels in QEMU (the oldest and
# newest 6.1 build, the newest 6.12; scripts/install-deps.sh test fetches them into
# /var/cache/twlab/vm): the two tests whose behaviour changed along Debian's 6.1 line, checked
# against tests/verify-kernels.ini, the table, JSON and HTML; then a bisect over the three
# names the first kernel with per-4-tuple offsets.
source "$(dirname "$0")/lib.sh"
require_root "verify matrix"

CACHE=/var/cache/twlab/vm
KS=(6.1.0-47 6.1.0-57 6.12.117)
PK=(linux-image-6.1.0-47-amd64 linux-image-6.1.0-57-amd64 linux-image-6.12.117+deb12-amd64)
ONLY=m8_ts_offsets,nat_reuse_ts_regression
for p in "${PK[@]}"; do
	if [ ! -e "$CACHE/$p/.done" ] || ! command -v qemu-system-x86_64 >/dev/null; then
		log_test $KSFT_SKIP "verify matrix of ${KS[*]}" "no $p in $CACHE (scripts/install-deps.sh test)"
		exit 0
	fi
done

start=$(date +%s%N)
"$TWLAB" verify --no-host --kernel debian:${KS[0]} --kernel debian:${KS[1]} --kernel debian:${KS[2]} \
	--only $ONLY --expect "$TOP/tests/verify-kernels.ini" --timeout 300 \
	--out "$TMP/m.json" --html "$TMP/m.html" >"$TMP/m.txt" 2>"$TMP/m.err"
rc=$?
secs=$((($(date +%s%N) - start) / 1000000000))
cat "$TMP/m.txt"
# rows differ between -47 and -57, so the matrix exits 1; every test passed its expectation
nfail=$(jq '[.results[].tests[] | select(.status != "pass")] | length' "$TMP/m.json" 2>/dev/null)
log_test $([ $rc -eq 1 ] && [ "$nfail" = 0 ] &&
	[ "$(jq '.results | length' "$TMP/m.json")" = 3 ] && echo 0 || echo 1) \
	"matrix of ${KS[*]}: every kernel as tests/verify-kernels.ini expects (${secs} s)" \
	"rc $rc, $nfail not passed: $(jq -r '.results[].tests[] | select(.status != "pass") | .detail' "$TMP/m.json" 2>/dev/null | head -3) $(tail -3 "$TMP/m.err")"
beh() { jq -r --arg t "$2" --argjson i "$1" '.rows[] | select(.test == $t) | .cells[$i].behaviour' "$TMP/m.json"; }
log_test $([ "$(beh 0 m8_ts_offsets)" = "timestamp offsets: per host pair" ] &&
	[ "$(beh 1 m8_ts_offsets)" = "timestamp offsets: per 4-tuple" ] &&
	[ "$(beh 0 nat_reuse_ts_regression)" = "2026 NAT regression: absent" ] &&
	[ "$(beh 1 nat_reuse_ts_regression)" = "2026 NAT regression: present" ] && echo 0 || echo 1) \
	"6.1.170 per host pair and no regression, 6.1.192 per 4-tuple and the regression" \
	"$(beh 0 m8_ts_offsets) / $(beh 1 m8_ts_offsets); $(beh 0 nat_reuse_ts_regression) / $(beh 1 nat_reuse_ts_regression)"
log_test $(grep -q '^\* m8_ts_offsets' "$TMP/m.txt" && grep -q '^\* nat_reuse_ts_regression' "$TMP/m.txt" &&
	[ "$(jq .differ "$TMP/m.json")" = 2 ] && echo 0 || echo 1) \
	"matrix table: one column per kernel, both rows marked as differing" "$(head -3 "$TMP/m.txt")"
log_test $(grep -q 'class="changed"' "$TMP/m.html" && grep -q '<span class="d">' "$TMP/m.html" &&
	[ "$(grep -o '<th>' "$TMP/m.html" | wc -l)" -eq 4 ] && echo 0 || echo 1) \
	"matrix HTML: a column per kernel, changed cells marked, details on the page" ""
# a wrong expectation must fail, with both strings (on the saved results: no VM needed)
jq '.results[0]' "$TMP/m.json" >"$TMP/r47.json"
sed 's/^m8_ts_offsets = per host pair/m8_ts_offsets = per 4-tuple/' "$TOP/tests/verify-kernels.ini" >"$TMP/bad.ini"
"$TWLAB" verify --compare "$TMP/r47.json" "$TMP/r47.json" --expect "$TMP/bad.ini" >"$TMP/bad.txt" 2>&1
rc=$?
log_test $([ $rc -eq 1 ] && grep -q 'FAIL' "$TMP/bad.txt" && echo 0 || echo 1) \
	"--expect with a wrong behaviour for 6.1.170 fails the test" "rc $rc"

# bisect over the three: -47 per host pair, then per 4-tuple from -57 on
start=$(date +%s%N)
"$TWLAB" bisect m8_ts_offsets --kernels debian:${KS[0]},debian:${KS[1]},debian:${KS[2]} --timeout 300 \
	>"$TMP/b.txt" 2>"$TMP/b.err"
rc=$?
secs=$((($(date +%s%N) - start) / 1000000000))
cat "$TMP/b.txt"
log_test $([ $rc -eq 0 ] && grep -q "^first changed: debian:${KS[1]} " "$TMP/b.txt" && echo 0 || echo 1) \
	"bisect m8_ts_offsets over ${KS[*]} names ${KS[1]} (${secs} s)" "rc $rc; $(tail -2 "$TMP/b.txt") $(tail -2 "$TMP/b.err")"
left=$(ls -d /tmp/twlab-vmres.* 2>/dev/null)
log_test $([ -z "$left" ] && echo 0 || echo 1) "matrix and bisect leave no result file behind" "$left"
exit $RET
