#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# bench-scale: 2000 clients behind one NAT, every = 10ms, the gate on (issue 8 item 4). A
# benchmark, not a test: for each run, the gate's drops against the clients' sum, what was
# unattributed and lost, the exit code, twlab's peak resident memory (/usr/bin/time -v, the
# whole process: bring-up, run, reports, teardown), the teardown's time and the load average
# when the run started; then per duration the median peak. The peak must not grow with the
# duration (README "Scale"): --duration "10s 60s" shows it.
#
# usage: scripts/bench-scale.sh [--clients N] [--duration "DUR ..."] [--runs N] [--twlab BIN]
#                               [--name LAB]
# Root. Each run holds /tmp/twlab-nettest.lock. --twlab measures another build (the baseline:
# main's binary built in a separate worktree).
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TWLAB="$TOP/twlab" CLIENTS=2000 DURATION=10s RUNS=1 NAME=scb

usage() { sed -n 's/^# usage: //p; s/^#  *\(\[--.*\)/\1/p' "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case "$1" in
	--clients) CLIENTS=$2; shift ;;
	--duration) DURATION=$2; shift ;;
	--runs) RUNS=$2; shift ;;
	--twlab) TWLAB=$2; shift ;;
	--name) NAME=$2; shift ;;
	*) usage ;;
	esac
	shift
done
[ "$(id -u)" -eq 0 ] || { echo "bench-scale: needs root" >&2; exit 2; }
TMP=$(mktemp -d /tmp/bench-scale.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

printf '%-5s %-4s %-4s %10s %10s %12s %10s %8s %8s %10s %6s\n' dur run exit gate_drops sum_clients \
	unattributed events_lost peak_MB wall teardown_s load
for dur in $DURATION; do
	"$TOP/scripts/scale-topo.sh" "$CLIENTS" 10ms "$dur" >"$TMP/scale.ini"
	: >"$TMP/peaks"
	for ((i = 1; i <= RUNS; i++)); do
		out=$TMP/out$i
		rm -rf "$out"
		load=$(cut -d' ' -f1 /proc/loadavg)
		flock /tmp/twlab-nettest.lock /usr/bin/time -v -o "$TMP/time$i" \
			"$TWLAB" run "$TMP/scale.ini" --name "$NAME" --out "$out" -q >"$TMP/log$i" 2>&1
		rc=$?
		r=$out/result.json
		rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$TMP/time$i")
		wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$TMP/time$i")
		echo "$((rss / 1024))" >>"$TMP/peaks"
		printf '%-5s %-4s %-4s %10s %10s %12s %10s %8s %8s %10s %6s\n' "$dur" "$i" "$rc" \
			"$(jq .gate.syn_dropped "$r")" "$(jq '[.clients[].syn_dropped] | add' "$r")" \
			"$(jq .gate.unattributed_drops "$r")" "$(jq .gate.events_lost "$r")" \
			"$((rss / 1024))" "$wall" "$(jq .teardown_s "$r")" "$load"
		grep '^twlab:' "$TMP/log$i" | head -3
		jq -r 'select(.gate.unattributed_drops > 0 or .gate.notes_failed > 0) | .gate |
			"  unattributed: \(.unattributed_no_note) without a note, \(.unattributed_other_isn) noted for another SYN; notes failed: \(.notes_failed)"' \
			"$r" 2>/dev/null
	done
	echo "$dur: median peak $(median <"$TMP/peaks") MB over $RUNS run(s)"
done
