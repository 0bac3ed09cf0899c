#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The training exercises on Debian 12's own 6.1 (issue 13): every lab/*/*.ini runs to its
# [expect] lines (the [expect kernel OP X.Y] sections for 6.1 included) inside
# linux-image-6.1.0-57 in QEMU, all of them in ONE boot (scripts/run-in-vm.sh, as
# scripts/differential.sh --batch does). Skipped when QEMU or the image is missing
# (scripts/install-deps.sh test fetches it into /var/cache/twlab/vm).
source "$(dirname "$0")/lib.sh"
require_root "lab exercises on 6.1"
P=${TWLAB_TEST_PREFIX:-t}

PKG=${TWLAB_LAB61_PKG:-linux-image-6.1.0-57-amd64}
DIR=/var/cache/twlab/vm/$PKG
K=$(ls "$DIR"/boot/vmlinuz-* 2>/dev/null | head -1)
if ! command -v qemu-system-x86_64 >/dev/null || [ ! -e "$DIR/.done" ] || [ -z "$K" ]; then
	log_test $KSFT_SKIP "lab exercises on $PKG" "no qemu-system-x86_64 or no $DIR (scripts/install-deps.sh test)"
	exit 0
fi

# the guest sees this host's root read-only (so lab/ and ./twlab) and writes only into $TMP/vm
mkdir -p "$TMP/vm"
n=0
for t in "$TOP"/lab/*/*.ini; do
	n=$((n + 1))
	printf '%s %s\n' "$n" "$t"
done >"$TMP/vm/list"
total=$n
start=$(date +%s%N)
"$TOP/scripts/run-in-vm.sh" --timeout $((120 + 90 * n)) "$K" "$TMP/vm" -- bash -c '
	while read -r n t; do
		"$1" run "$t" --name "$2$n" --out "$3/$n" --quiet </dev/null >"$3/$n.log" 2>&1
		echo $? >"$3/$n.rc"
	done <"$3/list"' guest "$TWLAB" "${P}y" "$TMP/vm" >"$TMP/vm.log" 2>&1
vrc=$?
secs=$((($(date +%s%N) - start) / 1000000000))
kr=$(jq -r '.kernel // empty' "$TMP/vm/1/result.json" 2>/dev/null)
while read -r n t; do
	ex=$(basename "$(dirname "$t")")/$(basename "$t" .ini)
	rc=$(cat "$TMP/vm/$n.rc" 2>/dev/null || echo "none (VM exit $vrc)")
	why=$(jq -r '.expect[] | select(.ok | not) | select(.skipped | not) | .check + ": " + (.why // "")' \
		"$TMP/vm/$n/result.json" 2>/dev/null | tr '\n' ';')
	held=$(jq '[.expect[] | select(.ok and (.skipped | not))] | length' "$TMP/vm/$n/result.json" 2>/dev/null)
	echo "# lab/$ex: exit $rc, $(jq -r '[.expect[] | if .skipped then "skipped" elif .ok then "held" else "failed" end] |
		group_by(.) | map("\(length) \(.[0])") | join(", ")' "$TMP/vm/$n/result.json" 2>/dev/null)"
	log_test $([ "$rc" = 0 ] && [ "${held:-0}" -gt 0 ] && echo 0 || echo 1) \
		"lab/$ex on ${kr:-$PKG}: every expectation holds" \
		"rc=$rc held=${held:-?} $why $(tail -2 "$TMP/vm/$n.log" 2>/dev/null) $(tail -2 "$TMP/vm.log")"
done <"$TMP/vm/list"
echo "# $total exercises in one boot of $PKG: ${secs} s"
exit $RET
