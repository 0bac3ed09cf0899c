#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# twlab verify: the suite on the host kernel (KTAP parses, every test ok or skipped with a
# reason, within 3 minutes, nothing left behind), then, when Debian 12's kernel is in the VM
# cache (scripts/install-deps.sh test), the same suite in QEMU on it (within 10 minutes) and
# the comparison table of the two.
source "$(dirname "$0")/lib.sh"
require_root "verify"

VM_KERNEL=$(ls /var/cache/twlab/vm/current/boot/vmlinuz-* 2>/dev/null | head -1)

# ktap_check FILE NAME: the KTAP file has a header, a plan that matches the result lines, and
# every result is "ok" (a skip must say why); prints the failing lines.
ktap_check() {
	local f=$1 plan n bad
	head -1 "$f" | grep -qx 'KTAP version 1' || { echo "no KTAP header"; return 1; }
	plan=$(sed -n 's/^1\.\.\([0-9]\+\)$/\1/p' "$f")
	n=$(grep -cE '^(not )?ok [0-9]+ ' "$f")
	[ -n "$plan" ] && [ "$plan" -eq "$n" ] && [ "$n" -gt 0 ] || { echo "plan 1..$plan, $n results"; return 1; }
	bad=$(grep -E '^not ok ' "$f"; grep -E '^ok [0-9]+ [^ ]+ # SKIP *$' "$f")
	[ -z "$bad" ] || { echo "$bad"; return 1; }
	# every test line names the test and says what it checks
	! grep -E '^(not )?ok [0-9]+ ' "$f" | grep -vqE '^(not )?ok [0-9]+ [a-z0-9_-]+ # .+'
}

# --- host kernel
start=$(date +%s%N)
"$TWLAB" verify --out "$TMP/host.json" >"$TMP/host.ktap" 2>"$TMP/host.err"
rc=$?
secs=$((($(date +%s%N) - start) / 1000000000))
why=$(ktap_check "$TMP/host.ktap")
log_test $([ $rc -eq 0 ] && [ -z "$why" ] && echo 0 || echo 1) \
	"verify on $(uname -r): KTAP, every test ok or skip (${secs} s)" "rc $rc; $why $(tail -3 "$TMP/host.err")"
log_test $([ $secs -le 180 ] && echo 0 || echo 1) "verify on the host within 3 minutes" "${secs} s"
for t in m1_no_tw_recycle m2_tw_older_ts m2_syn_resend m3_tw_newer_ts m4_other_port_older_ts \
	m5_rfc1337_hard_fail m6_nat_ample_ports m7_nat_one_port m8_ts_clock m8_ts_offsets \
	m9_tw_reuse nat_reuse_ts_regression p1-nat-drop p2-per-ip p3-client-closes p4-lockout-extends \
	p5-no-ts-syn p6_tw_shortened p7_syncookie_bypass p8_backlog_clause; do
	st=$(jq -r --arg n "$t" '.tests[] | select(.name == $n) | .status' "$TMP/host.json" 2>/dev/null)
	log_test $([ "$st" = pass ] || [ "$st" = skip ] && echo 0 || echo 1) "verify covers $t" "status '${st:-missing}'"
done
# the JSON is what --compare reads back
"$TWLAB" verify --compare "$TMP/host.json" "$TMP/host.json" >"$TMP/self.txt" 2>&1
log_test $([ $? -eq 0 ] && grep -q '(\* = 0 rows differ' "$TMP/self.txt" && echo 0 || echo 1) \
	"verify --compare of a result with itself: no differences" "$(tail -2 "$TMP/self.txt")"
left=$(ip netns list | awk '{print $1}' | grep -E '^twl-v[0-9]+-' ; ls /run/twlab 2>/dev/null | grep -E '^v[0-9]+-')
log_test $([ -z "$left" ] && echo 0 || echo 1) "verify leaves no namespace or state file" "$left"

# --- Debian 12's 6.1 in QEMU
if [ -z "$VM_KERNEL" ] || ! command -v qemu-system-x86_64 >/dev/null; then
	log_test $KSFT_SKIP "verify --kernel (Debian 6.1 in QEMU)" "no kernel in /var/cache/twlab/vm (scripts/install-deps.sh test)"
	exit $RET
fi
start=$(date +%s%N)
"$TWLAB" verify --kernel "$VM_KERNEL" --timeout 600 --out "$TMP/vm.json" >"$TMP/vm.ktap" 2>"$TMP/vm.err"
rc=$?
secs=$((($(date +%s%N) - start) / 1000000000))
kern=$(jq -r .kernel "$TMP/vm.json" 2>/dev/null)
log_test $([ -s "$TMP/vm.json" ] && [[ "$kern" == 6.1.* ]] && echo 0 || echo 1) \
	"verify --kernel boots $(basename "$VM_KERNEL") and brings results back (${secs} s)" "rc $rc, kernel '$kern'; $(tail -3 "$TMP/vm.err")"
log_test $([ $secs -le 600 ] && echo 0 || echo 1) "verify in the VM within 10 minutes" "${secs} s"
why=$(ktap_check "$TMP/vm.ktap")
log_test $([ $rc -eq 0 ] && [ -z "$why" ] && echo 0 || echo 1) \
	"verify on $kern: every test ok or skip" "rc $rc; $(echo $why | cut -c1-300)"
# version-dependent answers must differ the way kernel-notes §3 says between 6.18 and 6.1
b() { jq -r --arg n "$2" '.tests[] | select(.name == $n) | .behaviour' "$1"; }
log_test $([[ "$(b "$TMP/vm.json" m2_tw_older_ts)" == *PAWSEstab ]] && echo 0 || echo 1) \
	"6.1 counts a PAWS reject in TIME_WAIT as PAWSEstab (< 6.16)" "$(b "$TMP/vm.json" m2_tw_older_ts)"
log_test $([[ "$(b "$TMP/vm.json" m7_nat_one_port)" == *"no eviction"* ]] && echo 0 || echo 1) \
	"6.1 SNAT does not evict a closing conntrack (< 6.5)" "$(b "$TMP/vm.json" m7_nat_one_port)"
"$TWLAB" verify --compare "$TMP/host.json" "$TMP/vm.json" >"$TMP/compare.txt" 2>&1
rc=$?
cat "$TMP/compare.txt"
# the two kernels differ (PAWS counter, eviction): --compare says so with exit 1
log_test $([ $rc -eq 1 ] && grep -q '^\* m2_tw_older_ts' "$TMP/compare.txt" &&
	[ "$(grep -c '' "$TMP/compare.txt")" -gt 10 ] && echo 0 || echo 1) \
	"verify --compare host vs 6.1: side-by-side table, differences marked, exit 1" "rc $rc"
exit $RET
