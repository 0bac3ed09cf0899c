#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The live view: twlab up pins its gate in its own bpffs; twlab watch serves the page and its
# event stream on 127.0.0.1 (403 for another Host); a connect made as bob while it is open
# arrives as bob's drop with its reason, and shows on the page in headless Chromium; twlab ls
# shows the gate's counters; down leaves no pin and no mount; run --live streams a run.
# Deterministic: alice (the larger clock) connects first and the test waits for her record
# before bob connects, so bob's SYN is certain to be dropped (kernel-notes §1.4).
source "$(dirname "$0")/lib.sh"
require_root "live view"
command -v curl >/dev/null || { log_test $KSFT_SKIP "live view" "no curl"; exit 0; }

lab=twlv$$
server=198.51.100.2
statedir=${TWLAB_STATE_DIR:-/run/twlab}
pindir=$statedir/bpf/$lab
t=$(topo live <<'EOF2'
# alice (uptime 10d) and bob (uptime 1h) behind one MASQUERADE address; server :8080 closes
# first, recycle on: alice's record locks bob out.
[lab]
description = Two hosts behind one SNAT address; the server keeps tcp_tw_recycle rules.
duration = 3s
[server]
port = 8080
close = server
recycle = on
[router]
nat = masquerade
port_mode = keep
[client alice]
uptime = 10d
every = 200ms
[client bob]
uptime = 1h
start = 500ms
every = 200ms
EOF2
)

# the events of one kind as JSON lines, from an SSE capture
sse() { sed -n "/^event: $2\$/{n;s/^data: //p}" "$1"; }
has() { sse "$1" "$2" | jq -e "select($3)" >/dev/null; }
mounted() { grep -q " $pindir bpf " /proc/mounts; }

defer "\"$TWLAB\" down $lab"
"$TWLAB" up "$t" --name $lab >"$TMP/up.out" 2>&1
rc=$?
ok=$rc
[ $rc -eq 0 ] && { mounted && grep -q '"kind":"pin"' "$statedir/$lab.json"; } || ok=1
log_test $ok "up: the gate pinned in twlab's own bpffs ($pindir), journaled" "$(cat "$TMP/up.out")"
[ $rc -eq 0 ] || exit 1

# ---- the view in Spanish and Portuguese (one watch at a time: they share the gate's ring) ----
# watch_lang L HTML_LANG PAGE_TEXT DROP_REGEX: watch --lang L serves a page in the language and
# streams bob's drop (after alice's record) in its words, numbers with a decimal comma
watch_lang() {
	local l=$1 hl=$2 word=$3 re=$4 lpid lurl lcpid ok=0
	"${WITH_SIGNALS[@]}" "$TWLAB" watch $lab --lang "$l" >"$TMP/w$l.out" 2>"$TMP/w$l.err" &
	lpid=$!
	defer "kill $lpid"
	wait_for 10 grep -q 'http://127.0.0.1:[0-9]*/$' "$TMP/w$l.out"
	lurl=$(grep -o 'http://127.0.0.1:[0-9]*/' "$TMP/w$l.out")
	curl -s --max-time 5 -o "$TMP/page.$l.html" "$lurl"
	grep -q "<html lang=\"$hl\">" "$TMP/page.$l.html" && grep -qF "$word" "$TMP/page.$l.html"
	log_test $? "watch --lang $l: the page in <html lang=\"$hl\">, its words (\"$word\")" \
		"$(head -c 400 "$TMP/page.$l.html") $(cat "$TMP/w$l.err")"
	curl -sN --max-time 30 "${lurl}events" >"$TMP/sse.$l" 2>/dev/null &
	lcpid=$!
	defer "kill $lcpid"
	wait_for 5 grep -q '^event: lab$' "$TMP/sse.$l" || ok=1
	timeout 10 "$TWLAB" exec $lab alice -- curl -s --http0.9 --max-time 3 "http://$server:8080/" >/dev/null
	wait_for 5 has "$TMP/sse.$l" record '.client == "alice"' || ok=1
	timeout 10 "$TWLAB" exec $lab bob -- curl -s --http0.9 --connect-timeout 1 "http://$server:8080/" \
		>/dev/null 2>&1 &
	wait_for 3 has "$TMP/sse.$l" syn ".client == \"bob\" and .verdict == \"dropped\" and (.text | test(\"$re\"))" || ok=1
	log_test $ok "watch --lang $l: bob's drop on the stream in the language" \
		"$(sse "$TMP/sse.$l" syn | jq -r .text | head -2)"
	wait $!
	kill $lcpid 2>/dev/null
	kill $lpid 2>/dev/null
	wait_for 5 sh -c "! kill -0 $lpid 2>/dev/null" ||
		log_test 1 "watch --lang $l: ends on SIGTERM"
}
watch_lang es es "SYN descartados" \
	'descartado — TSval [0-9]+ está [0-9]+ por detrás del valor registrado de alice hace [0-9]+,[0-9] s \\(ventana 60 s\\)$'
watch_lang pt pt-BR "SYNs descartados" \
	'descartado — TSval [0-9]+ está [0-9]+ atrás do valor registrado de alice há [0-9]+,[0-9] s \\(janela 60 s\\)$'
"$TWLAB" watch $lab --lang xx >/dev/null 2>"$TMP/wxx.err"
[ $? -eq 2 ] && grep -q 'lang xx: twlab speaks en, es or pt' "$TMP/wxx.err"
log_test $? "watch --lang xx: exit 2, the languages named" "$(cat "$TMP/wxx.err")"

"${WITH_SIGNALS[@]}" "$TWLAB" watch $lab >"$TMP/watch.out" 2>"$TMP/watch.err" &
wpid=$!
defer "kill $wpid"
wait_for 10 grep -q '^live view of lab .*http://127.0.0.1:[0-9]*/$' "$TMP/watch.out"
url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$TMP/watch.out")
port=${url##*:}; port=${port%/}
[ -n "$url" ]
log_test $? "watch: prints the URL of its free port" "$(cat "$TMP/watch.out" "$TMP/watch.err")"

code=$(curl -s -o /dev/null -w '%{http_code}' -H "Host: evil.example:$port" "$url")
code_ok=$(curl -s -o "$TMP/page.html" -D "$TMP/page.hdr" -w '%{http_code}' "$url")
ok=0
[ "$code" = 403 ] && [ "$code_ok" = 200 ] || ok=1
grep -qi "^Content-Security-Policy: default-src 'none'" "$TMP/page.hdr" || ok=1
grep -q 'id="feed"' "$TMP/page.html" || ok=1
# nothing from the network: every URL the page names is its own
grep -Eo '(src|href)="[^"]*"' "$TMP/page.html" | grep -v '="/' && ok=1
log_test $ok "watch: 403 for another Host, 200 and a CSP for 127.0.0.1" "Host evil: $code, own: $code_ok"
ss -ltnH "sport = :$port" | awk '{print $4}' | grep -qvx "127.0.0.1:$port" && ok=1 || ok=0
log_test $ok "watch: listens on 127.0.0.1 only" "$(ss -ltnH "sport = :$port")"

curl -sN --max-time 60 "${url}events" >"$TMP/sse" 2>/dev/null &
cpid=$!
defer "kill $cpid"
wait_for 5 grep -q '^event: lab$' "$TMP/sse"
log_test $? "watch: the stream starts with the lab" "$(head -c 300 "$TMP/sse")"

timeout 10 "$TWLAB" exec $lab alice -- curl -s --http0.9 --max-time 3 "http://$server:8080/" >/dev/null
wait_for 5 has "$TMP/sse" record '.client == "alice" and .kind == "update"'
log_test $? "alice's connect: her record arrives on the stream" "$(tail -c 600 "$TMP/sse")"

t0=$(date +%s%N)
timeout 10 "$TWLAB" exec $lab bob -- curl -s --http0.9 --connect-timeout 2 "http://$server:8080/" \
	>/dev/null 2>&1 &
bpid=$!
bob_drop='.client == "bob" and .verdict == "dropped" and .reason == "paws" and (.text | test("recorded from alice"))'
wait_for 2 has "$TMP/sse" syn "$bob_drop"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
log_test $rc "bob's connect: his drop, with the reason, within 2 s (seen after $ms ms)" \
	"$(tail -c 600 "$TMP/sse")"
wait $bpid

line=$("$TWLAB" ls | grep "^$lab ")
dropped=$(sed -n 's/.*gate: [0-9]* SYNs passed, \([0-9]*\) dropped.*/\1/p' <<<"$line")
[ -n "$dropped" ] && [ "$dropped" -ge 1 ]
log_test $? "ls: the running lab's gate counters" "$line"
wait_for 3 has "$TMP/sse" counters '.syn_dropped >= 1'
log_test $? "watch: the counters on the stream" "$(sse "$TMP/sse" counters | tail -1)"

if command -v chromium >/dev/null && command -v python3 >/dev/null; then
	shot=${SCREENSHOT:-$TMP/live.png}
	out=$(timeout 120 python3 "$TOP/tests/net/live_cdp.py" "$url" bob dropped "$shot" -- \
		timeout 10 "$TWLAB" exec $lab bob -- curl -s --http0.9 --connect-timeout 2 \
		"http://$server:8080/" 2>&1)
	log_test $? "Chromium: bob's connect made during the test appears on the page" "$out"
	echo "   $out" | sed 's/^ */   /'
else
	log_test $KSFT_SKIP "Chromium: a connect appears on the page" "no chromium"
fi

"$TWLAB" down $lab >/dev/null 2>&1
rc=$?
wait_for 5 sh -c "! kill -0 $wpid 2>/dev/null"
gone=$?
ok=0
[ $rc -eq 0 ] && [ $gone -eq 0 ] || ok=1
mounted && ok=1
[ -e "$pindir" ] && ok=1
grep -q "lab $lab was removed" "$TMP/watch.out" || ok=1
log_test $ok "down: no pin and no mount left, watch ends by itself" \
	"down $rc, watch gone $gone, $(grep " $pindir " /proc/mounts) $(ls -d "$pindir" 2>/dev/null)"
check_no_leaks $lab "live view" || true

# ---- run --live: the same stream during a run ----
rlab=twlvr$$
# in Portuguese: run --live follows run's --lang
"$TWLAB" run "$t" --name $rlab --quiet --out "$TMP/out" --live --lang pt >"$TMP/run.out" 2>&1 &
rpid=$!
defer "kill $rpid"
wait_for 10 grep -q '^live view of the run of lab .*http://127.0.0.1:[0-9]*/$' "$TMP/run.out"
rurl=$(grep -o 'http://127.0.0.1:[0-9]*/' "$TMP/run.out")
curl -sN --max-time 20 "${rurl}events" >"$TMP/rsse" 2>/dev/null &
defer "kill $!"
# as it happens: bob's first drop comes 0.5 s into a 3 s schedule that starts once the URL is
# printed, so it is on the stream within 2 s only when events are sent during the run
wait_for 2 has "$TMP/rsse" syn '.client == "bob" and .verdict == "dropped" and .recorded_by == "alice"'
rc=$?
why="bob's drop: $rc"
# the page while the run goes on (3 s): in the run's language
curl -s --max-time 5 -o "$TMP/rpage.html" "$rurl"
wait_for 5 has "$TMP/rsse" connect '.client == "alice" and .outcome == "ok"' || { rc=1; why+=", no connect"; }
has "$TMP/rsse" syn '.client == "?"' && { rc=1; why+=", client ?"; }
# (waited for: a line curl is writing is not JSON yet)
wait_for 2 has "$TMP/rsse" syn '.text | test("descartado — TSval")' || { rc=1; why+=", not in pt"; }
grep -q '<html lang="pt-BR">' "$TMP/rpage.html" || { rc=1; why+=", page not pt-BR"; }
log_test $rc "run --live --lang pt: bob's drops and alice's connects as they happen, in Portuguese" "$why; $(head -c 600 "$TMP/rsse")"
wait $rpid
log_test $? "run --live: the run itself completes" "$(cat "$TMP/run.out")"
check_no_leaks $rlab "run --live" || true
exit $RET
