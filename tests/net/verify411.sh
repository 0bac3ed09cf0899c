#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# twlab verify --kernel on the lab kernel built from Linux 4.11 (scripts/build-kernel.sh):
# the whole suite runs, P1-P5 on the kernel's own tcp_tw_recycle where 4.11 can run them, and
# P6-P8, which the gate cannot emulate, measured on the kernel's rule (verify_ownrule.c). Then
# TWLAB_GATE=emulated makes the gate load on 4.11 anyway: it cannot (no ring buffers), and the
# message names the file with libbpf's and the verifier's log. Skipped, with the reason, when
# the tarball is not beside the project.
. "$(dirname "$0")/lib.sh"
require_root "verify --kernel 4.11"
TARBALL=${TWLAB_KERNEL_TARBALL:-$TOP/../shared/kernels/linux-4.11.tar.xz}
if [ ! -r "$TARBALL" ]; then
	log_test $KSFT_SKIP "verify --kernel 4.11" "no $TARBALL (the kernel source is not beside the project)"
	exit 0
fi
if ! command -v qemu-system-x86_64 >/dev/null; then
	log_test $KSFT_SKIP "verify --kernel 4.11" "no qemu-system-x86_64 (scripts/install-deps.sh vm)"
	exit 0
fi
# cached after the first build (make test builds it before the tests; a cold build waits)
K=$("$TOP/scripts/build-kernel.sh" --tarball "$TARBALL" 2>"$TMP/build.err") || {
	log_test 1 "verify --kernel 4.11: the lab kernel builds" "$(tail -3 "$TMP/build.err")"
	exit $RET
}

start=$(date +%s%N)
"$TWLAB" verify --kernel "$K" --timeout 600 --format json --out "$TMP/v.json" >/dev/null 2>"$TMP/v.err"
rc=$?
secs=$((($(date +%s%N) - start) / 1000000000))
J=$TMP/v.json
failed=$(jget "$J" '[.tests[]|select(.status=="fail")|.name]|length' 2>/dev/null)
log_test $([ -s "$J" ] && [ "$failed" = 0 ] && echo 0 || echo 1) \
	"verify --kernel 4.11: no test fails (${secs} s)" \
	"rc $rc; $(jget "$J" '.summary|tostring' 2>/dev/null); $(jget "$J" '[.tests[]|select(.status=="fail")|.name+": "+.detail]|join("; ")' 2>/dev/null); $(tail -2 "$TMP/v.err")"
[ -s "$J" ] || exit $RET
t() { jget "$J" ".tests[] | select(.name == \"$1\") | .$2"; }
log_test $([[ "$(jget "$J" .kernel)" == 4.11.0* ]] && echo 0 || echo 1) "verify --kernel 4.11: the suite ran on 4.11.0" "$(jget "$J" .kernel)"
# P1-P3 run on the kernel's own rule there (their [expect] lines hold)
for p in p1-nat-drop p1-newer-host p3-client-closes; do
	log_test $([ "$(t $p status)" = pass ] && echo 0 || echo 1) "$p on 4.11's own rule" "$(t $p status): $(t $p detail)"
done

# The NAT regression: 4.11's offsets are per host pair, so every reuse of port 40000 is
# accepted from the server's TIME_WAIT (no PAWS reject, no RST, no resent SYN), and no SYN
# meets the router's expired entry (README "A lab on a real Linux 4.11", kernel-notes §4.8)
d() { jget "$J" ".tests[] | select(.name == \"$1\") | .data.$2"; }
n=$(d nat_reuse_ts_regression connections)
log_test $([ "$(t nat_reuse_ts_regression status)" = pass ] &&
	   [ "$(t nat_reuse_ts_regression behaviour)" = "2026 NAT regression: absent" ] &&
	   [ "$(d nat_reuse_ts_regression reused_port)" = $((${n:-0} - 1)) ] &&
	   [ "$(d nat_reuse_ts_regression paws_rejected)" = 0 ] &&
	   [ "$(d nat_reuse_ts_regression client_TCPSynRetrans)" = 0 ] &&
	   [ "$(d nat_reuse_ts_regression nat_insert_failed)" = 0 ] && echo 0 || echo 1) \
	"nat_reuse_ts_regression on 4.11: absent, every reused-port connect accepted at once" \
	"$(t nat_reuse_ts_regression status): $(t nat_reuse_ts_regression behaviour); $(t nat_reuse_ts_regression detail); $(jget "$J" '.tests[] | select(.name == "nat_reuse_ts_regression") | .data | tostring')"

# P6: the server's TIME_WAIT after a timestamped connection, recycle on: 3.5 x RTO, TWKilled
rto=$(d p6_tw_shortened rto_ms) on=$(d p6_tw_shortened timer_ms_recycle) off=$(d p6_tw_shortened timer_ms_without)
log_test $([ "$(t p6_tw_shortened status)" = pass ] && [ "${on:-0}" -gt 0 ] && [ "$on" -le $((rto * 7 / 2 + 20)) ] &&
	   [ "$(d p6_tw_shortened TWKilled)" -ge 1 ] && [ "${off:-0}" -gt 50000 ] && echo 0 || echo 1) \
	"P6 on 4.11: TIME_WAIT 3.5 x RTO with recycle (TWKilled), 60 s without" \
	"$(t p6_tw_shortened status): $(t p6_tw_shortened detail)"
# P7: an older TSval from a recorded host: dropped, unless answered with a cookie
log_test $([ "$(t p7_syncookie_bypass status)" = pass ] && [ "$(d p7_syncookie_bypass plain_connected)" = false ] &&
	   [ "$(d p7_syncookie_bypass cookie_connected)" = true ] && [ "$(d p7_syncookie_bypass cookie_PAWSPassive)" = 0 ] &&
	   echo 0 || echo 1) \
	"P7 on 4.11: a cookie-answered SYN skips the recycle check" "$(t p7_syncookie_bypass status): $(t p7_syncookie_bypass detail)"
# P8: recycle off, syncookies off: 12 of 16 queued passes, 13 drops, a peer with a record too
log_test $([ "$(t p8_backlog_clause status)" = pass ] && [ "$(d p8_backlog_clause connected_below)" = true ] &&
	   [ "$(d p8_backlog_clause connected_above)" = false ] && [ "$(d p8_backlog_clause ListenDrops_above)" -ge 1 ] &&
	   echo 0 || echo 1) \
	"P8 on 4.11: over 3/4 of tcp_max_syn_backlog every new SYN is dropped" "$(t p8_backlog_clause status): $(t p8_backlog_clause detail)"

# --- the gate forced on 4.11: it cannot load, and the message names the verifier's log
TWLAB_GATE=emulated "$TWLAB" verify --kernel "$K" --timeout 300 --only p1-nat-drop --format json \
	--out "$TMP/g.json" >/dev/null 2>"$TMP/g.err"
rc=$?
detail=$(jget "$TMP/g.json" '.tests[0].detail' 2>/dev/null)
log=$(sed -n 's/.*the verifier.s log: \([^)]*\)).*/\1/p' <<<"$detail")
kept=$(sed -n 's/^twlab: the guest.s logs are kept in //p' "$TMP/g.err")
log_test $([ -n "$log" ] && [ -s "$log" ] && grep -qi 'events\|ringbuf\|map' "$log" && echo 0 || echo 1) \
	"TWLAB_GATE=emulated on 4.11: the gate cannot load, its log is in the file named" \
	"rc $rc; $detail; log ${log:-none}: $(head -c 300 "${log:-/dev/null}" 2>/dev/null)"
[[ "$kept" == /tmp/twlab-vm.*/logs ]] && rm -rf "$(dirname "$kept")"
exit $RET
