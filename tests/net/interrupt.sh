#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Every exit path cleans up: SIGINT/TERM/HUP/QUIT/PIPE at random moments of bring-up, run and
# teardown, an output pipe whose reader leaves (run and up), SIGKILL followed by `twlab clean`
# (also of a command that escaped its namespace), and clean leaves alone what twlab did not make.
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
cgroup_gone() { ! find /sys/fs/cgroup -maxdepth 3 -path "*/twlab/$1" 2>/dev/null | grep -q .; }
# a signal the shell left ignored never reaches twlab: the test would prove nothing
ignores() { # PID SIG
	local mask n=$(kill -l "$2")
	mask=$(awk '/^SigIgn:/ { print $2 }' /proc/$1/status 2>/dev/null) || return 1
	[ -n "$mask" ] && (( (16#$mask >> (n - 1)) & 1 ))
}
sigs=(INT TERM HUP QUIT PIPE)
n=25 bad=0 during_up=0 during_run=0 after=0 details=""
for i in $(seq 1 $n); do
	sig=${sigs[i % ${#sigs[@]}]}
	# a third of them in bring-up, a third in the run, a third at its end and in teardown
	case $((i % 3)) in 0) delay_ms=$((RANDOM % 120)) ;; 1) delay_ms=$((120 + RANDOM % 900)) ;;
	2) delay_ms=$((1000 + RANDOM % 400)) ;; esac
	"${WITH_SIGNALS[@]}" "$TWLAB" run "$t" --out "$TMP/int" -q >"$TMP/int.out" 2>"$TMP/int.err" & pid=$!
	# a random moment: in bring-up (first ~0.1 s), in the run (1 s), or in teardown
	wait_for 5 test -e /run/twlab/tint.json
	ignores $pid $sig && { bad=$((bad + 1)); details+=" run $i: SIG$sig is ignored;"; }
	sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
	kill -$sig $pid 2>/dev/null
	if ! wait_for 15 bash -c "! kill -0 $pid"; then
		bad=$((bad + 1)); details+=" run $i did not exit;"; kill -9 $pid
	fi
	wait $pid; rc=$?
	if grep -q "during bring-up" "$TMP/int.err"; then during_up=$((during_up + 1))
	elif grep -q "interrupted; lab tint removed" "$TMP/int.err"; then during_run=$((during_run + 1))
	else after=$((after + 1)); fi
	case $rc in 0|4) ;; *) bad=$((bad + 1)); details+=" run $i (SIG$sig) exit $rc;" ;; esac
	left=$(leftovers tint)
	cgroup_gone tint || left+=" cgroup"
	[ -n "$left" ] && { bad=$((bad + 1)); details+=" run $i (SIG$sig) left: $(echo $left);"; "$TWLAB" clean >/dev/null; }
done
[ $bad -eq 0 ] && [ $during_up -gt 0 ] && [ $during_run -gt 0 ]
log_test $? "SIGINT/TERM/HUP/QUIT/PIPE at $n random moments ($during_up bring-up, $during_run run, $after later): nothing left" "$details"

# SIGPIPE for real: the reader of twlab's output goes away. Writes then fail with EPIPE and
# twlab tears down instead of dying (it used to leave the server namespace and a state file).
bad=0 early=0 details=""
for i in $(seq 1 6); do
	k=$((1 + RANDOM % 300))	# -v prints about 8 lines per client while it builds
	timeout 30 "$TWLAB" run "$t" --out "$TMP/pipe" -v 2>&1 | head -n $k >/dev/null
	rc=${PIPESTATUS[0]}
	[ $rc -eq 4 ] && early=$((early + 1))
	case $rc in 0|4) ;; *) bad=$((bad + 1)); details+=" run -v | head -$k: exit $rc;" ;; esac
	left=$(leftovers tint); cgroup_gone tint || left+=" cgroup"
	[ -n "$left" ] && { bad=$((bad + 1)); details+=" run -v | head -$k left: $(echo $left);"; "$TWLAB" clean >/dev/null; }
done
for i in $(seq 1 5); do
	# no output while it runs: the pipe's reader leaves at a random moment of the run
	ms=$((100 + RANDOM % 1100))
	timeout 30 "$TWLAB" run "$t" --out "$TMP/pipe" 2>/dev/null | timeout "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))" cat >/dev/null
	rc=${PIPESTATUS[0]}
	[ $rc -eq 4 ] && early=$((early + 1))
	case $rc in 0|4) ;; *) bad=$((bad + 1)); details+=" run | reader gone after ${ms}ms: exit $rc;" ;; esac
	left=$(leftovers tint); cgroup_gone tint || left+=" cgroup"
	[ -n "$left" ] && { bad=$((bad + 1)); details+=" run | reader gone after ${ms}ms left: $(echo $left);"; "$TWLAB" clean >/dev/null; }
done
[ $bad -eq 0 ] && [ $early -gt 0 ]
log_test $? "run with its output pipe closed at 11 random moments: nothing left ($early stopped early)" "$details"

# `up` whose output is lost: no half lab that `ls` shows as up. Either the lab was removed
# (exit 4), or up had finished writing before its reader left: then the lab is whole.
bad=0 removed=0 details=""
for i in $(seq 1 6); do
	k=$((1 + RANDOM % 300))
	timeout 30 "$TWLAB" up "$t" -v 2>&1 | head -n $k >/dev/null
	rc=${PIPESTATUS[0]}
	if [ $rc -eq 4 ]; then
		removed=$((removed + 1))
		left=$(leftovers tint); cgroup_gone tint || left+=" cgroup"
		[ -n "$left" ] && { bad=$((bad + 1)); details+=" up -v | head -$k left: $(echo $left);"; }
	elif [ $rc -eq 0 ]; then
		n_ns=$(ip netns list | grep -c '^twl-tint-')
		"$TWLAB" ls | grep -q "^tint .* up " && [ "$n_ns" -eq 62 ] ||
			{ bad=$((bad + 1)); details+=" up -v | head -$k: exit 0 with $n_ns namespaces;"; }
		"$TWLAB" down tint >/dev/null
	else
		bad=$((bad + 1)); details+=" up -v | head -$k: exit $rc;"
	fi
	[ -n "$(leftovers tint)" ] && "$TWLAB" clean >/dev/null
done
[ $bad -eq 0 ] && [ $removed -gt 0 ]
log_test $? "up with its output pipe closed at 6 random moments: removed ($removed) or whole" "$details"

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

# SIGKILL with a command that escaped its namespace and session: the cgroup in the state file
# lets `twlab clean` end it (nothing else could find it)
cat >"$TMP/escape.sh" <<S
#!/bin/bash
for fd in \$(ls /proc/\$\$/fd); do [ "\$fd" -gt 2 ] && eval "exec \$fd>&-"; done
setsid unshare -n sleep 7341 & echo \$! >>$TMP/escape.pids
(setsid sleep 7342 & echo \$! >>$TMP/escape.pids)
echo started
exec sleep 30
S
defer 'for p in $(cat "$TMP/escape.pids" 2>/dev/null); do kill -9 $p; done'
chmod +x "$TMP/escape.sh"
te=$(topo prkesc <<T
[lab]
duration = 20s
[server]
[client a]
command = $TMP/escape.sh
T
)
escapees() { pgrep -f '^sleep 734[12]$' | tr '\n' ' '; }
"$TWLAB" run "$te" --out "$TMP/kesc" -q >/dev/null 2>&1 & pid=$!
wait_for 10 grep -q started "$TMP/kesc/logs/a.log"
n=$(pgrep -fc '^sleep 734[12]$')
kill -9 $pid; wait $pid 2>/dev/null
"$TWLAB" clean >/dev/null; rc=$?
wait_for 5 test -z "$(escapees)"; left=$(escapees)
[ "$n" -eq 2 ] && [ $rc -eq 0 ] && [ -z "$left" ] && [ -z "$(leftovers prkesc)" ] && cgroup_gone prkesc
log_test $? "SIGKILL + clean: a command's escaped processes end with its cgroup" "seen=$n rc=$rc left='$left' $(leftovers prkesc)"

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
