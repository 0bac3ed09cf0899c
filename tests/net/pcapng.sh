#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Annotated captures: the demo's --capture files are pcapng with whole packets, and every SYN
# the gate judged carries its verdict as a packet comment (Wireshark's frame.comment), so the
# dropped SYNs are found from the capture alone with the README's display filter.
source "$(dirname "$0")/lib.sh"
require_root "pcapng"

out=$TMP/demo
"$TWLAB" run "$TOP/topologies/nat-recycle.ini" --name lv-pcap --out "$out" --capture -q \
	>"$TMP/stdout" 2>&1
log_test $? "demo with --capture runs to its expectations" "$(tail -3 "$TMP/stdout")"
check_no_leaks lv-pcap "pcapng" && log_test 0 "pcapng run: nothing left behind"
# the capture writer says nothing unless asked: uninitialised, Wireshark's log printed a debug
# line per packet, which in a VM guest stalled the writer until the capture ring overflowed
! grep -q 'Wiretap DEBUG\|\*\* (noinit) \*\*' "$TMP/stdout"
log_test $? "the capture writer prints no debug lines" "$(grep -c 'Wiretap DEBUG' "$TMP/stdout") lines"

srv=$out/pcap/server-eth0.pcapng
capinfos -t "$srv" 2>/dev/null | grep -q 'pcapng'
log_test $? "the server's capture is a pcapng file" "$(capinfos -t "$srv" 2>&1 | tail -1)"

# whole packets: nothing cut (the old snaplen was 256 bytes)
all=$(tshark -r "$srv" 2>/dev/null | wc -l)
cut=$(tshark -r "$srv" -Y 'frame.len != frame.cap_len' 2>/dev/null | wc -l)
[ "$all" -gt 0 ] && [ "$cut" -eq 0 ]
log_test $? "packets are whole (frame.len == frame.cap_len)" "packets=$all cut=$cut"

# every dropped SYN of the run (events.jsonl: tuple and TSval) is a commented packet naming its
# reason, found with the README's filter; and the filter finds nothing else
tuples() { sed 's/^\([0-9.]*\):\([0-9]*\)>\([0-9.]*\):\([0-9]*\) /\1 \2 \3 \4 /'; }
want=$(jq -r 'select(.type == "syn" and .verdict == "drop") | "\(.tuple) \(.tsval) \(.reason)"' \
	"$out/events.jsonl" | tuples | sort -u)
got=$(tshark -r "$srv" -Y 'frame.comment contains "dropped"' -T fields -E separator=' ' \
	-e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e tcp.options.timestamp.tsval \
	-e frame.comment 2>/dev/null |
	sed 's/^\([^ ]* [^ ]* [^ ]* [^ ]* [^ ]*\) .*SYN dropped (\([a-z-]*\)).*/\1 \2/' | sort -u)
n=$(echo "$want" | grep -c .)
[ "$n" -gt 0 ] && [ "$want" = "$got" ]
log_test $? "every dropped SYN ($n) carries a comment with its reason, nothing else does" \
	"only in events: $(comm -23 <(echo "$want") <(echo "$got") | head -3 | tr '\n' ';')" \
	"only in pcapng: $(comm -13 <(echo "$want") <(echo "$got") | head -3 | tr '\n' ';')"

# every judged SYN is commented: as many "passed" comments as passing SYN decisions
pass_ev=$(jq -r 'select(.type == "syn" and .verdict == "pass")' "$out/events.jsonl" | jq -s length)
pass_pk=$(tshark -r "$srv" -Y 'frame.comment contains "SYN passed"' 2>/dev/null | wc -l)
[ "$pass_ev" -gt 0 ] && [ "$pass_ev" -eq "$pass_pk" ]
log_test $? "every passed SYN carries a comment too" "events=$pass_ev comments=$pass_pk"

exit $RET
