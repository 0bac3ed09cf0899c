#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# What a trainer shows: report.html in a real browser, pcap files tshark can read with the
# dropped SYNs in them, and the live progress line (only on a terminal).
source "$(dirname "$0")/lib.sh"
require_root "report"
P=${TWLAB_TEST_PREFIX:-t}

out=$TMP/demo
"$TWLAB" run "$TOP/topologies/nat-recycle.ini" --name ${P}rep --out "$out" --capture=all >"$TMP/stdout" 2>&1
rc=$?
log_test $rc "demo with --capture=all runs to its expectations"
check_no_leaks ${P}rep "report" && log_test 0 "report run: nothing left behind"

# report.html: self-contained, lanes and drop marks rendered by Chromium, no console error
if command -v chromium >/dev/null; then
	# at 1024x768, 1920x1080 and in large type: no sideways scrolling, text >= 14 px, and
	# every drop drawn on both charts
	DROPS_DRAWN=$(jget "$out/result.json" .gate.syn_dropped) SCREENSHOT=$TMP/report.png \
		bash "$(dirname "$0")/html_check.sh" "$out/report.html" 2 1
	[ $? -eq 0 ] || RET=1
	grep -q 'id="verdict">prediction held: bob locked out, alice never' "$out/report.html"
	log_test $? "report: the verdict in words, derived from the run"

	# exercise 5 (no gate): its own phenomenon, the slow connects and the kernel's counts
	ex5=$TMP/ex5
	"$TWLAB" run "$TOP/lab/05-nat-port-reuse-paws/topology.ini" --name ${P}rep5 --out "$ex5" \
		--quiet >/dev/null 2>&1
	log_test $? "exercise 5 runs to its expectations"
	check_no_leaks ${P}rep5 "exercise 5 report run" || true
	DROPS_DRAWN=0 SCREENSHOT=$TMP/ex5.png bash "$(dirname "$0")/html_check.sh" "$ex5/report.html" 2 0
	[ $? -eq 0 ] || RET=1
	grep -q 'class="mark slow"' "$ex5/report.html" && grep -q 'id="kernel-note"' "$ex5/report.html" &&
		grep -q "bob's connects slow" "$ex5/report.html"
	log_test $? "report of exercise 5: slow connects marked, PAWS rejects and RSTs shown"
else
	log_test $KSFT_SKIP "html report" "chromium not installed"
fi
! grep -Eq '(src|href)="(https?:)?//' "$out/report.html"
log_test $? "report.html fetches nothing from anywhere"

# pcapng: the server's capture holds bob's SYNs (dropped by the gate after the tap) with the
# TSvals the gate judged; bob's own capture has the same TSvals before NAT.
drops=$(jq -r 'select(.type == "syn" and .verdict == "drop") | .tsval' "$out/events.jsonl" | sort -u)
seen=$(tshark -r "$out/pcap/server-eth0.pcapng" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' \
	-T fields -e tcp.options.timestamp.tsval 2>/dev/null | sort -u)
bobs=$(tshark -r "$out/pcap/bob-eth0.pcapng" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' \
	-T fields -e tcp.options.timestamp.tsval 2>/dev/null | sort -u)
missing=$(comm -23 <(echo "$drops") <(echo "$seen") | wc -l)
[ -n "$drops" ] && [ "$missing" -eq 0 ] && [ -z "$(comm -23 <(echo "$drops") <(echo "$bobs"))" ]
log_test $? "pcap: every dropped SYN's TSval is in the server and bob captures" "missing=$missing"
nosynack=$(tshark -r "$out/pcap/router-out0.pcapng" -Y "tcp.flags.syn == 1 && tcp.flags.ack == 1 && tcp.dstport == $(jq -r 'select(.type == "syn" and .verdict == "drop") | .tuple' "$out/events.jsonl" | head -1 | sed 's/.*:\([0-9]*\)>.*/\1/')" 2>/dev/null | wc -l)
[ "$nosynack" -eq 0 ]
log_test $? "pcap: a dropped SYN got no SYN-ACK (silent drop)"

# progress: a status line on a terminal, none when stdout is a file or with --quiet
grep -q $'\r' "$TMP/stdout"; r1=$?
script -qec "$TWLAB run $TOP/topologies/nat-recycle.ini --name ${P}rep --out $TMP/tty" /dev/null >"$TMP/tty.out" 2>&1
grep -q $'\r\[ *[0-9.]*s/6.0s\] alice' "$TMP/tty.out"; r2=$?
script -qec "$TWLAB run $TOP/topologies/nat-recycle.ini --name ${P}rep --quiet --out $TMP/q" /dev/null >"$TMP/q.out" 2>&1
[ ! -s "$TMP/q.out" ]; r3=$?
[ $r1 -ne 0 ] && [ $r2 -eq 0 ] && [ $r3 -eq 0 ]
log_test $? "progress line on a terminal only, and not with --quiet" "file=$r1 tty=$r2 quiet=$r3"
check_no_leaks ${P}rep "progress runs" && log_test 0 "progress runs: nothing left behind"

exit $RET
