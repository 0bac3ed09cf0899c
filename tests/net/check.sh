#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `twlab check` refuses what could only go wrong later, with file:line:key and exit 2: a sysctl
# twlab itself sets on that node, an [expect] field result.json never has, a counter this kernel
# does not count (with the near miss it probably meant). `run` refuses the same, building nothing.
source "$(dirname "$0")/lib.sh"

# check_refuses NAME LINE KEY TEXT: the file NAME.ini fails check with exit 2 and that message
check_refuses() {
	local out rc
	out=$("$TWLAB" check "$TMP/$1.ini" 2>&1); rc=$?
	[ $rc -eq 2 ] && grep -qF "$TMP/$1.ini:$2: key '$3': " <<<"$out" && grep -qF "$4" <<<"$out"
	log_test $? "check: $5" "rc=$rc $out"
}

topo ou-fwd >/dev/null <<'T'
[server]
[router]
nat = masquerade
sysctl.net.ipv4.ip_forward = 0
[client a]
T
check_refuses ou-fwd 4 sysctl.net.ipv4.ip_forward "the router must forward" \
	"[router] sysctl.net.ipv4.ip_forward refused"

topo ou-ts >/dev/null <<'T'
[server]
[client a]
replicas = 2
sysctl.net.ipv4.tcp_timestamps = 0
T
check_refuses ou-ts 4 sysctl.net.ipv4.tcp_timestamps "timestamps key" \
	"a client's sysctl.net.ipv4.tcp_timestamps refused"

topo ou-field >/dev/null <<'T'
[server]
[client a]
[expect]
client.a.connected = > 0
client.a.nosuchfield = > 0
T
check_refuses ou-field 5 client.a.nosuchfield "result.json has no nosuchfield in client a" \
	"[expect] field result.json never has refused"

topo ou-ctr >/dev/null <<'T'
[server]
[client a]
[expect]
counters.server.TcpExtTW = > 0
counters.server.TcpExtTw = == 0
T
check_refuses ou-ctr 5 counters.server.TcpExtTw "did you mean TcpExtTW?" \
	"[expect] counter this kernel lacks refused, near miss named"

topo ou-good >/dev/null <<'T'
[server]
[router]
[client a]
ts_offset = 5
[expect]
counters.router.TcpExtTW = == 0
counters.a.IpExtInOctets = > 0
client.a.ts_offset = == 5
clients.connected = > 0
gate.syn_dropped = == 0
T
out=$("$TWLAB" check "$TMP/ou-good.ini" 2>&1)
log_test $? "check: paths result.json has and real counters pass" "$out"

if [ "$(id -u)" -eq 0 ]; then
	"$TWLAB" run "$TMP/ou-ctr.ini" --name ou-ctr --out "$TMP/ctr" -q 2>"$TMP/err"; rc=$?
	[ $rc -eq 2 ] && grep -q "did you mean TcpExtTW?" "$TMP/err" && [ ! -e "$TMP/ctr" ] &&
		[ -z "$(leftovers ou-ctr)" ]
	log_test $? "run: refuses the same before building anything" "rc=$rc $(cat "$TMP/err")"
fi

# --kernel: a twlab under /tmp (outside the working directory) cannot run in a guest, which has a
# /tmp of its own: said before anything is fetched or booted, exit 3
mkdir -p "$TMP/bin/scripts" && cp "$TWLAB" "$TMP/bin/twlab" && cp "$TOP/scripts/run-in-vm.sh" "$TMP/bin/scripts/"
out=$(cd / && "$TMP/bin/twlab" verify --kernel /nonexistent --only m1 2>&1); rc=$?
[ $rc -eq 3 ] && grep -qF "this twlab is in $TMP/bin, which a guest cannot see" <<<"$out" &&
	! grep -q 'run-in-vm' <<<"$out"
log_test $? "verify --kernel: a binary the guest cannot see is refused, before any boot" "rc=$rc $out"

exit $RET
