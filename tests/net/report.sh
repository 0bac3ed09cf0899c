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
	# each PAWS reject and each RST, timed from the server's link: as many as the kernel
	# counted, all bob's, each inside one of bob's connects (started 1.2 s apart)
	ev5=$ex5/events.jsonl
	n_paws=$(jq -s '[.[] | select(.type == "paws_reject")] | length' "$ev5")
	n_rst=$(jq -s '[.[] | select(.type == "rst" and .from == "client" and .answers == "timewait_ack")] | length' "$ev5")
	k_paws=$(jq '(.counters.server.TcpExtPAWSTimewait // 0) + (.counters.server.TcpExtPAWSEstab // 0)' "$ex5/result.json")
	k_rst=$(jget "$ex5/result.json" .counters.bob.TcpOutRsts)
	[ "$n_paws" -gt 0 ] && [ "$n_paws" = "$k_paws" ] && [ "$n_rst" = "$k_rst" ] &&
		[ "$(jget "$ex5/result.json" .wire.paws_rejects)" = "$n_paws" ]
	log_test $? "exercise 5: a timed paws_reject per PAWS count, an rst per bob's RST" \
		"events: $n_paws rejects, $n_rst RSTs; counters: $k_paws, $k_rst"
	jq -se '[.[] | select(.type == "attempt" and .client == "bob")] as $a |
		[.[] | select(.type == "paws_reject" or .type == "rst")] |
		length > 0 and all(.client == "bob" and (.t as $t | any($a[];
			.t - 0.002 <= $t and $t <= .t + .connect_ms / 1000 + 0.002)))' "$ev5" >/dev/null &&
		jq -se '[.[] | select(.type == "paws_reject")] | all(.behind > 0 and .tw_ts_recent > .tsval)' "$ev5" >/dev/null
	log_test $? "exercise 5: each reject and RST is bob's, inside one of his connects, TSval behind" \
		"$(jq -c 'select(.type == "paws_reject" or .type == "rst")' "$ev5" | head -2)"
	PAWS_DRAWN=$n_paws RSTS_DRAWN=$n_rst DROPS_DRAWN=0 SCREENSHOT=$TMP/ex5.png \
		bash "$(dirname "$0")/html_check.sh" "$ex5/report.html" 2 0
	[ $? -eq 0 ] || RET=1
	grep -q 'class="mark slow"' "$ex5/report.html" && grep -q 'id="kernel-note"' "$ex5/report.html" &&
		grep -q "bob's connects slow" "$ex5/report.html" &&
		grep -Eq 'id="first-wire"><li>t [0-9.]+ s · bob: SYN 198\.51\.100\.1:40000&gt;198\.51\.100\.2:8080 rejected by PAWS at the server — TSval [0-9]+ is behind [0-9]+' "$ex5/report.html" &&
		grep -Eq '<li>t [0-9.]+ s · bob sent an RST to that ACK' "$ex5/report.html" &&
		grep -Eq '<li>t [0-9.]+ s · bob: connected in [0-9.]+ ms from [^<]* — its first SYN was rejected by PAWS' "$ex5/report.html"
	log_test $? "report of exercise 5: rejects, RSTs and slow connects on the timeline, in words without hover"
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
