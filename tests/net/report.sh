#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# What a trainer shows: report.html in a real browser, pcap files tshark can read with the
# dropped SYNs in them, and the live progress line (only on a terminal).
source "$(dirname "$0")/lib.sh"
require_root "report"

out=$TMP/demo
"$TWLAB" run "$TOP/topologies/nat-recycle.ini" --name trep --out "$out" --capture=all >"$TMP/stdout" 2>&1
rc=$?
log_test $rc "demo with --capture=all runs to its expectations"
check_no_leaks trep "report" && log_test 0 "report run: nothing left behind"

# report.html: self-contained, lanes and drop marks rendered by Chromium, no console error
if command -v chromium >/dev/null; then
	SCREENSHOT=$TMP/report.png bash "$(dirname "$0")/html_check.sh" "$out/report.html" 2 1
	[ $? -eq 0 ] || RET=1
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
script -qec "$TWLAB run $TOP/topologies/nat-recycle.ini --name trep --out $TMP/tty" /dev/null >"$TMP/tty.out" 2>&1
grep -q $'\r\[ *[0-9.]*s/6.0s\] alice' "$TMP/tty.out"; r2=$?
script -qec "$TWLAB run $TOP/topologies/nat-recycle.ini --name trep --quiet --out $TMP/q" /dev/null >"$TMP/q.out" 2>&1
[ ! -s "$TMP/q.out" ]; r3=$?
[ $r1 -ne 0 ] && [ $r2 -eq 0 ] && [ $r3 -eq 0 ]
log_test $? "progress line on a terminal only, and not with --quiet" "file=$r1 tty=$r2 quiet=$r3"
check_no_leaks trep "progress runs" && log_test 0 "progress runs: nothing left behind"

exit $RET
