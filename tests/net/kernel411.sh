#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The lab kernel (scripts/build-kernel.sh) from ../shared/kernels/linux-4.11.tar.xz: built
# once into the cache and reused, boots under scripts/run-in-vm.sh with the host's clock, has
# its own tcp_tw_recycle; then `twlab run --kernel` of the demo gives the lockout on its real
# rule. Skipped, with the reason, when the tarball is not beside the project.
. "$(dirname "$0")/lib.sh"
require_root "lab kernel 4.11"
TARBALL=${TWLAB_KERNEL_TARBALL:-$TOP/../shared/kernels/linux-4.11.tar.xz}
if [ ! -r "$TARBALL" ]; then
	log_test $KSFT_SKIP "lab kernel 4.11" "no $TARBALL (the kernel source is not beside the project)"
	exit 0
fi
if ! command -v qemu-system-x86_64 >/dev/null; then
	log_test $KSFT_SKIP "lab kernel 4.11" "no qemu-system-x86_64 (scripts/install-deps.sh vm)"
	exit 0
fi

# --- build (cached: `make test` built it before the tests; a cold build takes 2.5-20 min)
start=$(date +%s%N)
K=$("$TOP/scripts/build-kernel.sh" --tarball "$TARBALL" 2>"$TMP/build.err"); rc=$?
secs=$((($(date +%s%N) - start) / 1000000000))
log_test $([ $rc -eq 0 ] && [ -r "$K" ] && echo 0 || echo 1) \
	"build-kernel: a 4.11 image from the tarball (${secs} s)" "rc $rc; $(tail -2 "$TMP/build.err")"
[ $rc -eq 0 ] || exit $RET
start=$(date +%s%N)
K2=$("$TOP/scripts/build-kernel.sh" --tarball "$TARBALL" 2>"$TMP/build2.err"); rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
log_test $([ $rc -eq 0 ] && [ "$K2" = "$K" ] && grep -q reusing "$TMP/build2.err" && echo 0 || echo 1) \
	"build-kernel: unchanged inputs reuse the build (${ms} ms)" "rc $rc; $(cat "$TMP/build2.err")"
other=$("$TOP/scripts/build-kernel.sh" --tarball "$TARBALL" --hz 250 --print-key)
log_test $([ "$other" != "$(dirname "$(dirname "$K")")" ] && echo 0 || echo 1) \
	"build-kernel: HZ is one of the inputs (250 maps to another build)" "$other"
grep -q '^CONFIG_HZ=1000$' "$(dirname "$K")/../config"
log_test $? "build-kernel: the default build ticks at HZ=1000"
"$TOP/scripts/build-kernel.sh" --tarball "$TARBALL" --sha256 "$(printf '0%.0s' {1..64})" >/dev/null 2>&1
log_test $([ $? -eq 3 ] && echo 0 || echo 1) "build-kernel: a wrong SHA-256 is refused (exit 3)"

# --- boot: the kernel, its own tcp_tw_recycle, the host's clock
mkdir -p "$TMP/vm"
host_now=$(date +%s)
start=$(date +%s%N)
"$TOP/scripts/run-in-vm.sh" --timeout 180 "$K" "$TMP/vm" -- sh -c \
	'uname -r; date +%s; cat /proc/sys/net/ipv4/tcp_tw_recycle' >/dev/null 2>"$TMP/vm.err"
rc=$?
secs=$((($(date +%s%N) - start) / 1000000000))
mapfile -t g <"$TMP/vm/guest.log"
log_test $([ $rc -eq 0 ] && [ "${g[0]:-}" = 4.11.0 ] && [ "${g[2]:-}" = 0 ] && echo 0 || echo 1) \
	"run-in-vm boots 4.11.0, tcp_tw_recycle present (${secs} s)" "rc $rc; ${g[*]:-}; $(tail -2 "$TMP/vm.err")"
off=$(( ${g[1]:-0} - host_now )); off=${off#-}
log_test $([ "$off" -le $((secs + 60)) ] && echo 0 || echo 1) \
	"the guest's clock is the host's (within the boot time)" "guest ${g[1]:-?}, host $host_now"

# --- twlab run --kernel: the demo on 4.11's own tcp_tw_recycle
start=$(date +%s%N)
"$TWLAB" run "$TOP/topologies/nat-recycle.ini" --kernel "$K" --timeout 300 --capture \
	--out "$TMP/demo" >"$TMP/demo.out" 2>&1
rc=$?
secs=$((($(date +%s%N) - start) / 1000000000))
R=$TMP/demo/result.json
log_test $([ $rc -eq 0 ] && [ -s "$R" ] && [ -s "$TMP/demo/report.html" ] && [ -s "$TMP/demo/events.jsonl" ] && echo 0 || echo 1) \
	"run --kernel: results back in --out, every [expect] held (${secs} s)" "rc $rc; $(tail -3 "$TMP/demo.out")"
[ -s "$R" ] || exit $RET
log_test $([ "$(jget "$R" .kernel)" = 4.11.0 ] && [ "$(jget "$R" .gate.mode)" = kernel ] && echo 0 || echo 1) \
	"run --kernel: ran on 4.11.0 with the kernel's own rule (gate.mode kernel)" "$(jget "$R" '[.kernel, .gate.mode]|@csv')"
c() { jget "$R" ".clients[] | select(.name == \"$1\") | .$2"; }
log_test $([ "$(c bob connected)" = 0 ] && [ "$(c bob syn_dropped)" -gt 0 ] && [ "$(c alice connected)" = "$(c alice attempts)" ] && [ "$(c alice attempts)" -gt 0 ] && echo 0 || echo 1) \
	"4.11 locks bob out behind the NAT, alice gets through" "bob $(c bob connected)/$(c bob attempts) connected, $(c bob syn_dropped) SYNs dropped; alice $(c alice connected)/$(c alice attempts)"
pp=$(jget "$R" ".counters.server.TcpExtPAWSPassive // 0") ld=$(jget "$R" ".counters.server.TcpExtListenDrops // 0")
sd=$(jget "$R" .gate.syn_dropped)
log_test $([ "$pp" = "$sd" ] && [ "$ld" = "$sd" ] && echo 0 || echo 1) \
	"the clients' dropped SYNs == the server's PAWSPassive == ListenDrops" "syn_dropped $sd, PAWSPassive $pp, ListenDrops $ld"
# independent of both: on the server's wire, the SYNs that got neither SYN-ACK nor RST
pcap=$TMP/demo/pcap/server-eth0.pcapng
if command -v tshark >/dev/null && [ -s "$pcap" ]; then
	# only the SYN-ACKs and RSTs that answer a SYN (ack = its seq + 1, reversed 4-tuple)
	# count: the RSTs of connections closing or of stray segments are no answer
	# shellcheck disable=SC2046
	tshark -r "$pcap" -T fields $(python3 "$TOP/tests/net/synfate.py" --fields) 2>/dev/null |
		python3 "$TOP/tests/net/synfate.py" >"$TMP/fate.json"
	syn=$(jget "$TMP/fate.json" .total) wd=$(jget "$TMP/fate.json" .dropped)
	log_test $([ "$wd" = "$sd" ] && echo 0 || echo 1) \
		"on the wire: SYNs without SYN-ACK or RST == syn_dropped" "$syn SYNs, $wd unanswered; syn_dropped $sd"
else
	log_test $KSFT_SKIP "on the wire: SYNs without SYN-ACK or RST == syn_dropped" "no tshark or no capture"
fi

# --- what cannot work on a kernel says so (exit 3, naming it): one global tcp_timestamps
t=$(topo k4ts <<EOT
[lab]
duration = 1s
[server]
port = 8080
[client kern]
timestamps = kernel
[client off]
ts_offset = 1000
EOT
)
"$TWLAB" run "$t" --kernel "$K" --timeout 120 --quiet --out "$TMP/ts" >"$TMP/ts.out" 2>&1
rc=$?
kept=$(sed -n 's/^twlab: VM logs kept in //p' "$TMP/ts.out")
[[ "$kept" == /tmp/twlab-vm.* ]] && rm -rf "$kept"	# the expected failure's logs
log_test $([ $rc -eq 3 ] && grep -q 'tcp_timestamps is one value for the whole kernel' "$TMP/ts.out" && echo 0 || echo 1) \
	"run --kernel: two clients needing two tcp_timestamps on 4.11: exit 3, named" "rc $rc; $(grep twlab: "$TMP/ts.out" | head -2)"
exit $RET
