#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The differential's deterministic part (scripts/differential.sh --deterministic): the hand-
# written recycle scenarios with the emulated gate here and on Linux 4.11's own tcp_tw_recycle
# (one VM boot), compared client by client and SYN by SYN. Skipped, with the reason, when the
# kernel tarball is not beside the project. About 110 s once the kernel build is cached.
. "$(dirname "$0")/lib.sh"
require_root "differential"
require_kernel411 "differential: gate vs 4.11"
K=$("$TOP/scripts/build-kernel.sh" --tarball "$TARBALL" 2>"$TMP/build.err") ||
	{ log_test 1 "differential: the 4.11 lab kernel builds" "$(tail -2 "$TMP/build.err")"; exit $RET; }

start=$(date +%s%N)
TWLAB_DIFF_NAME=tdiff timeout 540 "$TOP/scripts/differential.sh" --deterministic --batch 16 \
	--kernel "$K" --out "$TMP/d" >"$TMP/d.out" 2>&1
rc=$?
secs=$((($(date +%s%N) - start) / 1000000000))
T=$TMP/d/table.txt
log_test $([ $rc -eq 0 ] && [ -s "$T" ] && echo 0 || echo 1) \
	"differential: every per-client count identical or explained (${secs} s)" \
	"rc $rc; $(grep -E 'DIFFERS|no result' "$T" 2>/dev/null | head -3)"
row() { awk -v n="$1" '$1 == n' "$T"; }
# the scenarios both kernels run: identical client by client and SYN by SYN
for n in p1-nat-drop p1-newer-host p2-per-ip p3-client-closes nat-recycle \
	02-recycle-behind-nat 03-largest-clock-wins; do
	r=$(row "$n")
	read -r _ _ cl sv _ <<<"$r"
	log_test $([[ "$cl" == [0-9]*/[0-9]* && "$sv" == [0-9]*/[0-9]* ]] &&
		[ "${cl%/*}" = "${cl#*/}" ] && [ "${sv%/*}" = "${sv#*/}" ] && [ "${sv#*/}" -gt 0 ] &&
		echo 0 || echo 1) \
		"differential: $n identical on 4.11 (clients $cl, SYN verdicts $sv)" "$r"
done
# 4.11 keeps TCP_PAWS_MSL and the window built in: those scenarios are listed, not compared
for n in p1-stale-record p4-lockout-extends; do
	log_test $(row "$n" | grep -q 'cannot run on 4.11 (exit 3)' && echo 0 || echo 1) \
		"differential: $n listed as not runnable on 4.11 (paws_msl)" "$(row "$n")"
done
# the one known difference, named by its kernel mechanism
log_test $(row 04-per-connection-offsets | grep -q 'explained: §2' && echo 0 || echo 1) \
	"differential: lab/04 differs, explained by 4.11's per-address-pair offset (§2)" \
	"$(row 04-per-connection-offsets)"
exit $RET
