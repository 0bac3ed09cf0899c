#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Every exit path cleans up: SIGINT/SIGTERM at random moments of bring-up and run, SIGKILL
# followed by `twlab clean`, and clean leaves alone what twlab did not make.
source "$(dirname "$0")/lib.sh"
require_root "interrupt"

t=$(topo tint <<'T'
# 60 clients: bring-up takes long enough (tens of ms) for signals to land inside it
[lab]
duration = 1s
[server]
close = server
recycle = on
[router]
[client c]
uptime = 1d
every = 50ms
replicas = 60
T
)
RANDOM=${SEED:-4242}
n=24 bad=0 during_up=0 details=""
for i in $(seq 1 $n); do
	sig=INT; [ $((i % 4)) -eq 0 ] && sig=TERM
	delay_ms=$((RANDOM % 1300))
	"$TWLAB" run "$t" --out "$TMP/int" -q >"$TMP/int.out" 2>"$TMP/int.err" & pid=$!
	# a random moment: sometimes in bring-up (first ~0.1 s), sometimes in the run
	wait_for 5 test -e /run/twlab/tint.json
	[ $delay_ms -gt 0 ] && sleep "$(printf '0.%03d' $delay_ms)" 2>/dev/null || sleep 1.$(printf '%03d' $((delay_ms - 1000)))
	kill -$sig $pid 2>/dev/null
	if ! wait_for 15 bash -c "! kill -0 $pid"; then
		bad=$((bad + 1)); details+=" run $i did not exit;"; kill -9 $pid
	fi
	wait $pid; rc=$?
	grep -q "during bring-up" "$TMP/int.err" && during_up=$((during_up + 1))
	case $rc in 0|4) ;; *) bad=$((bad + 1)); details+=" run $i exit $rc;" ;; esac
	left=$(leftovers tint)
	[ -n "$left" ] && { bad=$((bad + 1)); details+=" run $i left: $(echo $left);"; "$TWLAB" clean >/dev/null; }
done
[ $bad -eq 0 ]
log_test $? "SIGINT/SIGTERM at $n random moments ($during_up in bring-up): nothing left" "$details"

# SIGKILL: the agents die with twlab (PDEATHSIG); `twlab clean` removes what the state lists,
# and only that: a namespace named twl-... that twlab did not make stays.
ip netns add twl-tint-foreign; defer ip netns del twl-tint-foreign
ip netns add twl-notours; defer ip netns del twl-notours
bad=0 details=""
for i in 1 2 3 4 5 6; do
	"$TWLAB" run "$t" --out "$TMP/kill" -q >/dev/null 2>&1 & pid=$!
	wait_for 5 test -e /run/twlab/tint.json
	sleep "0.$((RANDOM % 9))"
	kill -9 $pid; wait $pid 2>/dev/null
	out=$("$TWLAB" clean 2>&1); rc=$?
	left=$(leftovers tint | grep -v twl-tint-foreign)
	if [ $rc -ne 0 ] || [ -n "$left" ] || ! ip netns list | grep -q twl-tint-foreign ||
	   ! ip netns list | grep -q twl-notours; then
		bad=$((bad + 1)); details+=" kill $i: rc=$rc left=$(echo $left) out=$out;"
	fi
done
[ $bad -eq 0 ]
log_test $? "SIGKILL at 6 random moments + twlab clean: exactly the lab removed" "$details"

# clean --dry-run lists and removes nothing; ls shows the orphan
"$TWLAB" run "$t" --out "$TMP/kill" -q >/dev/null 2>&1 & pid=$!
wait_for 5 grep -q '"client agent"' /run/twlab/tint.json
kill -9 $pid; wait $pid 2>/dev/null
"$TWLAB" ls | grep -q "^tint .*orphaned"; r1=$?
"$TWLAB" clean --dry-run | grep -q "would remove netns twl-tint-server"; r2=$?
ip netns list | grep -q twl-tint-server; r3=$?
"$TWLAB" clean >/dev/null
[ $r1 -eq 0 ] && [ $r2 -eq 0 ] && [ $r3 -eq 0 ] && [ -z "$(leftovers tint | grep -v twl-tint-foreign)" ]
log_test $? "ls shows an orphaned lab; clean --dry-run removes nothing" "ls=$r1 dry=$r2 kept=$r3"

exit $RET
