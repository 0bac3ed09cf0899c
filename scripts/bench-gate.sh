#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# bench-gate: what the recycle gate costs (issue 3 item 7). A benchmark, not a test.
#
#  1. Connection rate through router + gate against the same router without the gate, same run,
#     same machine: the same topology with recycle = on and recycle = off, runs interleaved
#     (on, off, on, off, ...) so that load from anything else on the host hits both alike;
#     median of RUNS each. Target: the gate keeps >= 90 % of the rate.
#  2. build/tests/bench_bpf: ns per packet of each program under BPF_PROG_TEST_RUN.
#
# Why this topology is fair:
#  - The clients are offered more than the machine can carry (CLIENTS x 1 attempt per EVERY),
#    so both variants run saturated and the rate is the capacity of the whole path (client
#    agents, NAT, server, and the gate when on), not the schedule. Check: the offered rate is
#    printed; a measured rate equal to it means it was not saturated (raise --clients).
#  - close = server (the default): the gate does all of its work on every connection: it tracks
#    the connection, checks the SYN against a live record, writes the record when the server
#    enters TIME_WAIT (kernel-notes §1.3) and sends two ring-buffer events. close = client would
#    leave the record path idle and flatter the gate (--close client measures that case).
#  - timestamps = shared on every client: one monotonic clock, so the rule itself never drops
#    a SYN (the script checks gate.syn_dropped == 0) and no clock-rewrite program runs on the
#    clients, so the only difference between the two variants is the gate.
#
# usage: scripts/bench-gate.sh [--runs N] [--clients N] [--every DUR] [--duration DUR]
#                              [--close server|client] [--repeat N]
# Root. Needs ./twlab and build/tests/bench_bpf (make build-all build-tests).
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TWLAB="$TOP/twlab"
BENCH_BPF="$TOP/build/tests/bench_bpf"
RUNS=5 CLIENTS=12 EVERY=1ms DURATION=2s CLOSE=server REPEAT=1000000

usage() { sed -n 's/^# usage: //p; s/^#  *\(\[--.*\)/\1/p' "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) RUNS=$2; shift ;;
	--clients) CLIENTS=$2; shift ;;
	--every) EVERY=$2; shift ;;
	--duration) DURATION=$2; shift ;;
	--close) CLOSE=$2; shift ;;
	--repeat) REPEAT=$2; shift ;;
	-h|--help) usage ;;
	*) echo "bench-gate: unknown argument '$1'" >&2; usage ;;
	esac
	shift
done
[ "$(id -u)" -eq 0 ] || { echo "bench-gate: needs root (namespaces, BPF)" >&2; exit 3; }
for x in "$TWLAB" "$BENCH_BPF"; do
	[ -x "$x" ] || { echo "bench-gate: $x missing: run make build-all build-tests" >&2; exit 3; }
done
command -v jq >/dev/null || { echo "bench-gate: needs jq" >&2; exit 3; }

TMP=$(mktemp -d /tmp/twlab-bench-gate.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# seconds in a twlab duration (ms, s, m)
secs() { awk -v d="$1" 'BEGIN { v = d + 0; u = d; sub(/^[0-9.]+/, "", u)
	print (u == "ms" ? v / 1000 : u == "m" ? v * 60 : v) }'; }
D=$(secs "$DURATION")
OFFERED=$(awk -v n="$CLIENTS" -v e="$(secs "$EVERY")" 'BEGIN { printf "%.0f", n / e }')

write_topo() { # RECYCLE FILE
	cat >"$2" <<T
[lab]
duration = $DURATION
[server]
close = $CLOSE
recycle = $1
[router]
nat = masquerade
[client c]
timestamps = shared
every = $EVERY
replicas = $CLIENTS
T
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (!NR) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

write_topo on "$TMP/bgon.ini"
write_topo off "$TMP/bgoff.ini"
warn=""
echo "connection rate: $CLIENTS clients x 1 per $EVERY (offered $OFFERED/s), router + masquerade," \
	"close = $CLOSE, $DURATION per run, $RUNS runs each, interleaved"
printf '  %-4s %-8s %12s %10s %8s %8s\n' run recycle "conn/s" "p50 ms" failed dropped
for i in $(seq 1 "$RUNS"); do
	for v in on off; do
		out="$TMP/$v$i"
		"$TWLAB" run "$TMP/bg$v.ini" --name "bg$v$i" --out "$out" -q >/dev/null 2>"$out.err"
		rc=$?
		if [ $rc -ne 0 ] || [ ! -s "$out/result.json" ]; then
			echo "bench-gate: run $i recycle=$v failed (exit $rc): $(head -3 "$out.err")" >&2
			exit 4
		fi
		r=$(jq -r --argjson d "$D" '([.clients[].connected] | add) / $d' "$out/result.json")
		p50=$(jq -r '[.clients[].connect_ms.p50 | select(. != null)] | sort | .[length / 2 | floor] // "-"' "$out/result.json")
		f=$(jq -r '[.clients[].failed] | add' "$out/result.json")
		dr=$(jq -r '.gate.syn_dropped' "$out/result.json")
		echo "$r" >>"$TMP/rate.$v"; echo "$p50" >>"$TMP/p50.$v"
		printf '  %-4s %-8s %12.0f %10s %8s %8s\n' "$i" "$v" "$r" "$p50" "$f" "$dr"
		[ "$dr" != 0 ] && warn="$warn run $i: the rule dropped $dr SYNs (not a fair run);"
	done
done
on=$(median <"$TMP/rate.on"); off=$(median <"$TMP/rate.off")
pon=$(median <"$TMP/p50.on"); poff=$(median <"$TMP/p50.off")
echo
echo "median of $RUNS        conn/s   connect p50 ms"
printf '  router + gate  %10.0f   %s\n' "$on" "$pon"
printf '  router only    %10.0f   %s\n' "$off" "$poff"
awk -v a="$on" -v b="$off" -v o="$OFFERED" 'BEGIN {
	r = b > 0 ? a / b : 0
	printf "  ratio          %9.1f %%   (target >= 90 %%: %s)\n", 100 * r, (r >= 0.9 ? "met" : "NOT met")
	if (b >= 0.97 * o) print "  note: router-only rate is at the offered rate: not saturated, raise --clients" }'
[ -n "$warn" ] && echo "  warning:$warn"
echo
"$BENCH_BPF" "$REPEAT"
