#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Every terminating signal at a random moment of `twlab run`, `up`, `down` and `clean`, N times, and
# after each: nothing of the lab left (namespaces, their mount points and binds, the state
# file, the cgroup, a live process of the lab, a command's escaped process) and the host's
# network namespace as it was. SIGINT TERM HUP QUIT PIPE USR1 USR2 ALRM must each tear down
# by themselves; SIGKILL is followed by `twlab clean`, which must leave nothing either.
#   usage: scripts/stress-signals.sh [-n N] [-s SEED] [-l LAB] [-k]   (root; run it under
#   flock /tmp/twlab-nettest.lock). -k: keep going after a leak (default: stop at the first).
# The delay is drawn uniformly over the whole span of the command (measured first, on a run
# without signals), so bring-up, the run, the end of the run and teardown all get hit.
# Prints one line per leak and a summary; exit 1 if anything was left, 0 otherwise.
set -u
N=40 SEED=$RANDOM LAB=sgstress KEEP=0
while getopts n:s:l:k o; do
	case $o in n) N=$OPTARG ;; s) SEED=$OPTARG ;; l) LAB=$OPTARG ;; k) KEEP=1 ;;
	*) sed -n 's/^#   //p' "$0"; exit 2 ;; esac
done
source "$(dirname "$0")/../tests/net/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "stress-signals: needs root" >&2; exit 2; }
# a state folder of its own: every `clean` here sees only this script's labs
export TWLAB_STATE_DIR=$TMP/state
RANDOM=$SEED
MARK=$((7000 + RANDOM % 1000))	# the escaped command's sleep, unique to this run
t=$(topo "$LAB" <<T
# 60 clients (bring-up takes long enough to be hit), the gate, a router, and a command that
# escapes its namespace and session (only the lab's cgroup can end it)
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
[client x]
command = /bin/sh -c 'setsid unshare -n sleep 4$MARK & exec sleep 3$MARK'
T
)
OUT=$TMP/out
sigs=(INT TERM HUP QUIT PIPE USR1 USR2 ALRM KILL)
modes=(run up down clean)

ms() { echo $(($(date +%s%N) / 1000000)); }
sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }
host_state() { # the host's namespace, as seen from it (other labs' twl- names left out)
	readlink /proc/1/ns/net
	ip -o link show | sed -E 's/ (state|qlen|mode|group) [^ ]+//g'
	ip -o addr show; ip route show table all; ip -6 route show table all 2>/dev/null
	ip netns list 2>/dev/null | awk '{print $1}' | grep -v '^twl-' | sort
	nft list ruleset 2>/dev/null | md5sum
}
# what the lab left; empty: nothing
left() {
	local p
	ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^twl-$LAB-" | sed 's/^/netns /'
	ls /run/netns 2>/dev/null | grep -E "^twl-$LAB-" | sed 's/^/mount-point /'
	grep -E " /run/netns/twl-$LAB-| /run/twlab/bpf/$LAB( |/)" /proc/self/mountinfo |
		awk '{print "mount " $5}'
	[ -e "$TWLAB_STATE_DIR/$LAB.json" ] && echo "state-file"
	find /sys/fs/cgroup -maxdepth 3 -path "*/twlab/$LAB" 2>/dev/null | sed 's/^/cgroup /'
	# live processes of the lab (its twlab and the agents it forked carry the topology path
	# on their command line; the command's own sleeps carry the mark); zombies are exited
	ps -eo pid=,stat=,args= | awk -v t="$t" -v m="$MARK" \
		'$2 !~ /^Z/ && (index($0, t) || $0 ~ "sleep [34]" m "$") && !/awk/ {print "process " $1 " " $3 " " $4}'
	true
}
cleanup_lab() { "$TWLAB" clean >/dev/null 2>&1; wait_for 5 test -z "$(left)"; }
defer cleanup_lab

# the span of each command, on one run without signals (bring-up to teardown's end)
before=$(host_state)
s=$(ms); timeout 60 "$TWLAB" run "$t" --out "$OUT" -q >/dev/null 2>&1; span_run=$(($(ms) - s))
s=$(ms); timeout 60 "$TWLAB" up "$t" >/dev/null 2>&1; span_up=$(($(ms) - s))
n_ns=$(ip netns list | grep -c "^twl-$LAB-")
s=$(ms); timeout 60 "$TWLAB" down "$LAB" >/dev/null 2>&1; span_down=$(($(ms) - s))
if [ -n "$(left)" ] || [ "$n_ns" -lt 62 ]; then
	echo "stress-signals: the runs without signals already leave something or fail:" \
	     "$(left | tr '\n' ' ') ($n_ns namespaces up)"
	exit 1
fi
echo "stress-signals: seed $SEED, $N runs; spans: run ${span_run} ms, up ${span_up} ms," \
     "down ${span_down} ms; $n_ns namespaces"

bad=0 done_runs=0
declare -A count=()
for i in $(seq 1 "$N"); do
	sig=${sigs[RANDOM % ${#sigs[@]}]}
	mode=${modes[RANDOM % ${#modes[@]}]}
	case $mode in
	run) span=$span_run ;; up) span=$span_up ;;
	down|clean) span=$span_down
	      timeout 60 "$TWLAB" up "$t" >/dev/null 2>&1 ||
		{ echo "run $i: up before down failed"; bad=$((bad + 1)); cleanup_lab; continue; } ;;
	esac
	delay=$((RANDOM * 32768 + RANDOM))
	delay=$((delay % (span + span / 5 + 1)))	# a fifth past the span: the very end
	case $mode in
	run) "${WITH_SIGNALS[@]}" "$TWLAB" run "$t" --out "$OUT" -q >"$TMP/o" 2>"$TMP/e" & pid=$! ;;
	up) "${WITH_SIGNALS[@]}" "$TWLAB" up "$t" >"$TMP/o" 2>"$TMP/e" & pid=$! ;;
	down) "${WITH_SIGNALS[@]}" "$TWLAB" down "$LAB" >"$TMP/o" 2>"$TMP/e" & pid=$! ;;
	clean) "${WITH_SIGNALS[@]}" "$TWLAB" clean >"$TMP/o" 2>"$TMP/e" & pid=$! ;;
	esac
	sleep_ms "$delay"
	kill -"$sig" "$pid" 2>/dev/null
	if ! wait_for 30 bash -c "! kill -0 $pid"; then
		echo "run $i: $mode, SIG$sig at ${delay} ms: twlab did not exit in 30 s"
		kill -9 "$pid"
	fi
	wait "$pid" 2>/dev/null; rc=$?
	what="$mode, SIG$sig at ${delay} ms (exit $rc)"
	[ "$sig" = KILL ] && { out=$("$TWLAB" clean 2>&1) || what+=" clean: $out"; }
	# up that finished before the signal: the lab must be whole, and down removes it
	if [ "$mode" = up ] && [ $rc -eq 0 ] && [ "$sig" != KILL ]; then
		have=$(ip netns list | grep -c "^twl-$LAB-")
		"$TWLAB" ls | grep -q "^$LAB .* up " && [ "$have" -eq "$n_ns" ] ||
			{ echo "run $i: $what: exit 0 with $have of $n_ns namespaces"; bad=$((bad + 1)); }
		"$TWLAB" down "$LAB" >/dev/null 2>&1
	fi
	# down or clean that a signal ended before it began (before its lock): the lab is whole
	if [[ $mode = down || $mode = clean ]] && [ -e "$TWLAB_STATE_DIR/$LAB.json" ] && [ "$sig" != KILL ]; then
		have=$(ip netns list | grep -c "^twl-$LAB-")
		[ "$have" -eq "$n_ns" ] ||
			{ echo "run $i: $what: half a lab left ($have of $n_ns namespaces)"; bad=$((bad + 1)); }
		"$TWLAB" down "$LAB" >/dev/null 2>&1
		what+=" (down ended before it began)"
	fi
	wait_for 5 test -z "$(left)"
	l=$(left); now=$(host_state)
	[ "$now" != "$before" ] && l+=" host namespace changed: $(diff <(echo "$before") <(echo "$now") | grep '^[<>]' | head -5 | tr '\n' ' ')"
	count[$mode.$sig]=$((${count[$mode.$sig]:-0} + 1))
	done_runs=$i
	if [ -n "${l// /}" ]; then
		bad=$((bad + 1))
		echo "run $i: $what left: $(echo $l) :: $(head -c 300 "$TMP/e" | tr '\n' ' ')"
		cleanup_lab
		before=$(host_state)
		[ $KEEP -eq 1 ] || break
	fi
done
echo "stress-signals: $done_runs runs, $bad with something left (seed $SEED)"
for k in $(printf '%s\n' "${!count[@]}" | sort); do printf '  %s %d' "$k" "${count[$k]}"; done; echo
[ $bad -eq 0 ]
