#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tcp_tw_recycle at its boundaries (issue 10, item 6), each scenario run with the gate on this
# kernel AND natively on Linux 4.11 (`twlab run --kernel`, the image of scripts/build-kernel.sh;
# skipped with the reason when the tarball is not beside the project):
#   gap      TSvals 0, 1, 2, 3 ticks behind the record (hz = 1: a tick lasts a second)
#   age      record ages around TCP_PAWS_MSL (here paws_msl = 2 s, on 4.11 its fixed 60 s):
#            SYNs every 100 ms from MSL-1 to MSL+0.3 s, and record replacement after it
#   hz       alice 30 d, bob 1 h behind one NAT: at 250 Hz bob is locked out, at 1000 alice
#   finwait  a client that keeps its socket after the server's FIN: 4.11 writes the record
#            when its ACK of the FIN arrives (orphaned FIN_WAIT1), not only at its FIN
# Every SYN's fate is read from the capture of the server's link (answered by a SYN-ACK or an
# RST, or not) and compared with what synfate.py predicts from 4.11's source (whole seconds of
# wall time, the window, the replacement rule). gate.syn_dropped, PAWSPassive and ListenDrops
# are each checked against the wire's count of unanswered SYNs, not against each other.
. "$(dirname "$0")/lib.sh"
require_root "boundaries"
command -v tshark >/dev/null || { log_test $KSFT_SKIP "boundaries" "no tshark"; exit 0; }
SYNFATE="$TOP/tests/net/synfate.py"
T0=$(date +%s)
finish() { echo "# boundaries.sh: $(($(date +%s) - T0)) s"; exit $RET; }

# scenario NAME MSL: the topology (MSL in whole seconds)
scenario() {
	local name=$1 msl=$2
	case $name in
	gap) cat <<EOT
[lab]
duration = 1500ms
[server]
close = server
recycle = on
paws_msl = ${msl}s
[router]
nat = masquerade
[client alice]
ts_offset = 1000000
hz = 1
count = 1
$(for g in 0 1 2 3; do printf '[client bob%d]\nts_offset = %d\nhz = 1\nstart = %dms\ncount = 1\nconnect_timeout = 90ms\n' \
	$g $((1000000 - g)) $((150 + 100 * g)); done)
EOT
	;;
	age) cat <<EOT
[lab]
duration = $((msl + 2))s
[server]
close = server
recycle = on
paws_msl = ${msl}s
[router]
nat = masquerade
[client alice]
uptime = 10d
count = 1
[client bob]
uptime = 1h
start = $(((msl - 1) * 1000))ms
every = 100ms
count = 14
connect_timeout = 90ms
[client carol]
uptime = 3599s
start = $((msl * 1000 + 50))ms
every = 100ms
count = 13
connect_timeout = 90ms
EOT
	;;
	hz250 | hz1000) cat <<EOT
[lab]
duration = 2s
[server]
close = server
recycle = on
paws_msl = ${msl}s
[router]
nat = masquerade
[client alice]
uptime = 30d
hz = ${name#hz}
every = 200ms
connect_timeout = 150ms
[client bob]
uptime = 1h
hz = ${name#hz}
start = 500ms
every = 200ms
connect_timeout = 150ms
EOT
	;;
	finwait) cat <<EOT
[lab]
duration = 2s
[server]
close = server
recycle = on
paws_msl = ${msl}s
[router]
nat = masquerade
[client alice]
uptime = 10d
command = bash -c 'exec 3<>/dev/tcp/\$TWLAB_SERVER/\$TWLAB_PORT && echo hello >&3 && exec sleep 30'
[client bob]
uptime = 1h
start = 700ms
every = 200ms
connect_timeout = 150ms
EOT
	;;
	esac
}

# check WHERE NAME MSL DIR: the run in DIR against the wire and the 4.11 model
check() {
	local where=$1 name=$2 msl=$3 d=$4 r=$4/result.json pcap=$4/pcap/server-eth0.pcapng f
	local wire sd pp ld sum mm
	if [ ! -s "$r" ] || [ ! -s "$pcap" ]; then
		log_test 1 "$where $name: result.json and the capture" "$(ls "$d" 2>&1 | head -3)"
		return
	fi
	# shellcheck disable=SC2046
	tshark -r "$pcap" -T fields $(python3 "$SYNFATE" --fields) 2>/dev/null |
		python3 "$SYNFATE" --msl "$msl" >"$d/fate.json"
	f=$d/fate.json
	wire=$(jget "$f" .dropped) mm=$(jget "$f" .mismatches)
	log_test $([ "$mm" = 0 ] && [ "$(jget "$f" .total)" -gt 0 ] && echo 0 || echo 1) \
		"$where $name: every SYN's fate is 4.11's rule ($(jget "$f" .total) SYNs, $wire dropped)" \
		"$(jq -c '[.syns[] | select(.seen != .predicted) | {t, tsval, rec_ts, rec_age, seen, predicted}][:4]' "$f")"
	sd=$(jget "$r" .gate.syn_dropped) sum=$(jget "$r" '[.clients[].syn_dropped] | add')
	pp=$(jget "$r" '.counters.server.TcpExtPAWSPassive // .gate.PAWSPassive // 0')
	ld=$(jget "$r" '.counters.server.TcpExtListenDrops // .gate.ListenDrops // 0')
	log_test $([ "$sd" = "$wire" ] && [ "$sum" = "$wire" ] && echo 0 || echo 1) \
		"$where $name: syn_dropped (gate and clients) == unanswered SYNs on the wire" "gate $sd, clients $sum, wire $wire"
	log_test $([ "$pp" = "$wire" ] && echo 0 || echo 1) \
		"$where $name: PAWSPassive == unanswered SYNs on the wire" "PAWSPassive $pp, wire $wire"
	log_test $([ "$ld" = "$wire" ] && echo 0 || echo 1) \
		"$where $name: ListenDrops == unanswered SYNs on the wire" "ListenDrops $ld, wire $wire"
	# each scenario must reach its boundary, or it tests nothing
	case $name in
	gap)	# gaps 1 (in the window) and 2 (beyond it) both seen, as 4.11 sees them
		jq -e '[.syns[] | select(.rec_ts != null) | .rec_ts - .tsval] as $g |
			($g | index(1)) != null and ($g | index(2)) != null' "$f" >/dev/null ;;
	age)	# drops below the boundary, passes above it, and the record replaced (carol dropped)
		jq -e '([.syns[] | select(.rec_age == '"$((msl - 1))"' and .seen == "dropped")] | length) > 0 and
			([.syns[] | select(.rec_age != null and .rec_age >= '"$msl"' and .seen == "passed")] | length) > 0' \
			"$f" >/dev/null ;;
	hz250)	[ "$(jget "$r" '.clients[] | select(.name == "bob") | .connected')" = 0 ] &&
		[ "$(jget "$r" '.clients[] | select(.name == "alice") | .syn_dropped')" = 0 ] &&
		[ "$(jget "$r" '.clients[] | select(.name == "alice") | .hz')" = 250 ] ;;
	hz1000)	[ "$(jget "$r" '.clients[] | select(.name == "bob") | .syn_dropped')" = 0 ] &&
		[ "$(jget "$r" '.clients[] | select(.name == "alice") | .syn_dropped')" -gt 0 ] ;;
	finwait) [ "$(jget "$r" '.clients[] | select(.name == "bob") | .syn_dropped')" -gt 0 ] ;;
	esac
	log_test $? "$where $name: the scenario reached its boundary" \
		"$(jq -c '[.syns[] | {tsval, rec_ts, rec_age, seen}][:20]' "$f")"
}

# BOUNDARIES=gate or kernel runs only that half (default both); SCENARIOS="age ..." only those
WHICH=${BOUNDARIES:-all}
want() { [ -z "${SCENARIOS:-}" ] || [[ " $SCENARIOS " == *" $1 "* ]]; }

# ---- the gate on this kernel (paws_msl 2 s for the ages)
[ "$WHICH" = kernel ] || for name in gap age hz250 hz1000 finwait; do
	want $name || continue
	msl=60; [ $name = age ] && msl=2
	t=$(scenario $name $msl | topo "hz-$name")
	start=$(date +%s%N)
	"$TWLAB" run "$t" --name "hzb$name" --capture --quiet --out "$TMP/host-$name" \
		>"$TMP/host-$name.out" 2>&1
	rc=$? secs=$((($(date +%s%N) - start) / 1000000000))
	log_test $([ $rc -eq 0 ] && echo 0 || echo 1) "gate $name: twlab run (${secs} s)" "rc $rc; $(tail -2 "$TMP/host-$name.out")"
	check gate $name $msl "$TMP/host-$name"
	check_no_leaks "hzb$name" "gate $name"
done

# ---- natively on 4.11 (its own rule, TCP_PAWS_MSL 60 s built in)
[ "$WHICH" = gate ] && finish
TARBALL=${TWLAB_KERNEL_TARBALL:-$TOP/../shared/kernels/linux-4.11.tar.xz}
if [ ! -r "$TARBALL" ]; then
	log_test $KSFT_SKIP "4.11 boundaries" "no $TARBALL (the kernel source is not beside the project)"
	finish
fi
if ! command -v qemu-system-x86_64 >/dev/null; then
	log_test $KSFT_SKIP "4.11 boundaries" "no qemu-system-x86_64 (scripts/install-deps.sh vm)"
	finish
fi
K=$("$TOP/scripts/build-kernel.sh" --tarball "$TARBALL" 2>"$TMP/build.err") || {
	log_test 1 "4.11 boundaries: the lab kernel" "$(tail -2 "$TMP/build.err")"
	finish
}
for name in gap hz250 finwait age; do
	want $name || continue
	t=$(scenario $name 60 | topo "k-$name")
	start=$(date +%s%N)
	"$TWLAB" run "$t" --kernel "$K" --timeout 240 --capture --quiet --out "$TMP/k-$name" \
		>"$TMP/k-$name.out" 2>&1
	rc=$? secs=$((($(date +%s%N) - start) / 1000000000))
	log_test $([ $rc -eq 0 ] && [ "$(jget "$TMP/k-$name/result.json" .gate.mode 2>/dev/null)" = kernel ] && echo 0 || echo 1) \
		"4.11 $name: twlab run --kernel, the kernel's own rule (${secs} s)" "rc $rc; $(tail -2 "$TMP/k-$name.out")"
	check 4.11 $name 60 "$TMP/k-$name"
done
finish
