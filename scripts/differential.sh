#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The gate against the kernel it emulates (issue 10's differential): every recycle scenario
# run twice, with the emulated gate on this kernel and inside a kernel that has its own
# tcp_tw_recycle (several scenarios per VM boot), compared per client (attempts, connected,
# syn_dropped) and per SYN (each client's sequence of verdicts: the gate's decisions against
# each SYN's fate on 4.11's wire, run/wire.c).
#
# usage: scripts/differential.sh [--kernel VMLINUZ] [--out DIR] [--side host|kernel|both]
#                                [--deterministic | --generated] [--seed N] [--count N] [--batch N]
#                                [--lock FILE] [TOPOLOGY...]
#   --kernel  default: scripts/build-kernel.sh's image (built, or reused from the cache)
#   --out     default out/differential; DIR/host/NAME and DIR/kernel/NAME hold each run,
#             DIR/table.txt the scenarios, DIR/clients.txt every client
#   --side    run only one side (the other is read from DIR as an earlier run left it), or
#             none: compare what DIR holds
#   --deterministic  only the hand-written scenarios (topologies/verify/p*.ini, the demo
#             topologies/nat-recycle.ini, the recycle exercises in lab/): no generated set
#   --generated  only the generated set
#   --seed, --count  the generated set (scripts/gen-topologies.sh; default seed 1, 50)
#   --batch   scenarios per VM boot (default 20)
#   --lock    take this flock(1) lock around each batch: --batch scenarios on this host, one
#             VM boot
#   TOPOLOGY  instead of the default set
# It builds labs on this host too (named $TWLAB_DIFF_NAME, default diff).
# A scenario the kernel cannot run (twlab exit 3: paws_msl or paws_window changed, which 4.11
# has built in) is listed as such and not compared. A difference that a kernel mechanism
# explains (KNOWN below, with its section of docs/kernel-notes.md) is marked, not failed.
# Exit: 0 every per-client count identical or explained, 1 some differ, 3 environment.
set -u
cd "$(dirname "$0")/.."

# --guest OUTDIR LIST: inside the VM, run each "NAME TOPOLOGY" line of LIST into OUTDIR/NAME
if [ "${1:-}" = --guest ]; then
	while read -r n t; do
		./twlab run "$t" --quiet --out "$2/$n" </dev/null >"$2/$n.log" 2>&1
		echo $? >"$2/$n.rc"
	done <"$3"
	exit 0
fi

# Hand-written scenarios whose difference a kernel mechanism explains: scenario -> the section
# of docs/kernel-notes.md. A generated scenario is judged from its data instead (mechanism()).
declare -A KNOWN=(
	[04-per-connection-offsets]="§2: 4.11's tcp_timestamps = 1 offset is per address pair (secure_tcp_ts_off(saddr, daddr)), 4.10+; 6.x's is per 4-tuple"
)

# mechanism FIRST: the kernel mechanism that explains a scenario's first difference (compare()'s
# second line: "client attempt n t_gate t_4.11 v_gate v_4.11 gap_ms"), whatever the seed. Prints
# it; exit 0 when it is one of docs/kernel-notes.md §5.2's, 1 (and what was seen) otherwise.
mechanism() {
	local cl at n tg tk vg vk gap
	[ -n "$1" ] || { echo "per-client counts differ, every SYN verdict alike"; return 1; }
	read -r cl at n tg tk vg vk gap <<<"$1"
	# a resent SYN (n >= 1) that only one kernel sent, or that the two sent more than 50 ms
	# apart: the clients' own retransmission timers, not the rule (6.18: 1, 2, 3 s; 4.11: 1,
	# 3, 7 s, and its 1 s timer ran 0.4-0.5 s late in the TCG guest)
	if [ "$n" -ge 1 ] && { [ "$tg" = - ] || [ "$tk" = - ] ||
		awk -v a="$tg" -v b="$tk" 'BEGIN { d = a - b; exit !(d > 0.05 || d < -0.05) }'; }; then
		echo "§5.2: the clients' SYN retransmission timing (first difference: SYN $((n + 1)) of $cl's attempt $at, gate ${tg} s, 4.11 ${tk} s)"
		return 0
	fi
	# a SYN a few ms from another client's: the scenario races (a connection takes 0.3 ms here,
	# about 4 ms in the guest); gen-topologies.sh keeps clients' SYNs 50 ms apart against it
	[ "$gap" != - ] && [ "$gap" -lt 50 ] &&
		{ echo "a start-time race, not the rule: SYN $((n + 1)) of $cl's attempt $at at $tg s (gate: $vg) / $tk s (4.11: $vk), another client's SYN $gap ms away"; return 1; }
	echo "first difference: SYN $((n + 1)) of $cl's attempt $at at $tg s (gate: $vg) / $tk s (4.11: $vk), another client's SYN $gap ms away"
	return 1
}

K="" OUT=out/differential SIDE=both DET=0 SEED=1 COUNT=50 BATCH=20 LOCK=""
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) K=$2; shift 2 ;;
	--out) OUT=$2; shift 2 ;;
	--side) SIDE=$2; shift 2 ;;
	--deterministic) DET=1; shift ;;
	--generated) DET=2; shift ;;
	--seed) SEED=$2; shift 2 ;;
	--count) COUNT=$2; shift 2 ;;
	--batch) BATCH=$2; shift 2 ;;
	--lock) LOCK=$2; shift 2 ;;
	-h|--help) sed -n '3,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "differential: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
case "$SIDE" in host|kernel|both|none) ;; *) echo "differential: --side host, kernel, both or none" >&2; exit 2 ;; esac
command -v jq >/dev/null || { echo "differential: jq missing" >&2; exit 3; }
[ -x ./twlab ] || { echo "differential: build twlab first (make)" >&2; exit 3; }
mkdir -p "$OUT/host" "$OUT/kernel" || exit 3
OUT=$(realpath "$OUT")
locked() { if [ -n "$LOCK" ]; then flock "$LOCK" "$@"; else "$@"; fi; }

# the scenarios: "NAME CLASS PATH"
list="$OUT/scenarios.txt"
: >"$list"
if [ $# -eq 0 ]; then
	[ $DET = 2 ] || for f in topologies/verify/p*.ini topologies/nat-recycle.ini; do
		echo "$(basename "$f" .ini) hand $f" >>"$list"
	done
	[ $DET = 2 ] || for f in lab/*/topology.ini; do
		grep -qE '^recycle *= *on' "$f" && echo "$(basename "$(dirname "$f")") lab $f" >>"$list"
	done
	if [ $DET != 1 ]; then
		scripts/gen-topologies.sh --seed "$SEED" --count "$COUNT" "$OUT/gen" >"$OUT/gen.txt" || exit 3
		while read -r f; do
			n=$(basename "$f" .ini); echo "$n ${n#*-} $f" >>"$list"
		done <"$OUT/gen.txt"
	fi
else
	for f in "$@"; do
		n=$(basename "$f" .ini); [ "$n" = topology ] && n=$(basename "$(dirname "$f")")
		# a generated one (gNN-CLASS.ini) counts in the generated set
		c=given; [[ "$n" =~ ^g[0-9]+-(wrap|rate|start|client|direct)$ ]] && c=${n#*-}
		echo "$n $c $f" >>"$list"
	done
fi

# host_side LIST OUTDIR: every "NAME CLASS TOPOLOGY" line of LIST with the gate, into OUTDIR/NAME
host_side() {
	while read -r n c t; do
		rm -rf "${2:?}/$n"
		./twlab run "$t" --quiet --name "${TWLAB_DIFF_NAME:-diff}" --out "$2/$n" \
			</dev/null >"$2/$n.log" 2>&1
		echo $? >"$2/$n.rc"
	done <"$1"
}
if [ "$SIDE" = host ] || [ "$SIDE" = both ]; then
	# one lock hold per batch of --batch scenarios, so others using the lock interleave
	export -f host_side
	rm -rf "$OUT/host/.in"; mkdir -p "$OUT/host/.in"
	split -l "$BATCH" -d "$list" "$OUT/host/.in/b." || exit 3
	for b in "$OUT"/host/.in/b.[0-9][0-9]; do
		locked bash -c 'host_side "$@"' host_side "$b" "$OUT/host"
	done
	rm -rf "$OUT/host/.in"
fi
if [ "$SIDE" = kernel ] || [ "$SIDE" = both ]; then
	if [ -z "$K" ]; then
		K=$(scripts/build-kernel.sh) || exit 3
	fi
	# the guest sees this host's root read-only but has its own /tmp: what it reads (the
	# list, the topologies) goes into the folder shared with it
	rm -rf "$OUT/batches" "$OUT/kernel/.in"; mkdir -p "$OUT/batches" "$OUT/kernel/.in"
	split -l "$BATCH" -d "$list" "$OUT/batches/b." || exit 3
	for b in "$OUT"/batches/b.[0-9][0-9]; do
		n=$(wc -l <"$b")
		while read -r s _ t; do
			rm -rf "${OUT:?}/kernel/$s" "$OUT/kernel/$s.rc"
			cp "$t" "$OUT/kernel/.in/$s.ini" && echo "$s $OUT/kernel/.in/$s.ini"
		done <"$b" >"$OUT/kernel/.in/$(basename "$b").run"
		b=$OUT/kernel/.in/$(basename "$b")
		locked scripts/run-in-vm.sh --timeout $((90 + 45 * n)) "$K" "$OUT/kernel" -- \
			bash scripts/differential.sh --guest "$OUT/kernel" "$b.run" >"$b.log" 2>&1
		for f in guest.log console.log rc; do
			[ -e "$OUT/kernel/$f" ] && mv "$OUT/kernel/$f" "$b.$f"
		done
		mv "$b".* "$OUT/batches/"
		b=$OUT/batches/$(basename "$b")
	done
fi

# per SYN: "client attempt n t verdict" for each SYN in time order; a client's SYNs on one
# 4-tuple are one attempt (its retransmissions, n = 0, 1, ...) until one passes
syns() { [ -r "$1" ] && jq -r 'select(.type == "syn") | "\(.t) \(.client) \(.tuple) \(.verdict)"' "$1" |
	LC_ALL=C sort -s -g -k1,1 | awk '{ k = $2 " " $3
		if (!(k in a) || last[k] == "pass") { a[k] = ++na[$2]; n[k] = 0 } else n[k]++
		last[k] = $4; print $2, a[k], n[k], $1, $4 }'; }
# compare HOST KERNEL: SYN by SYN within each attempt (the i-th attempt of a client on one side
# against its i-th on the other). Prints "all same old_all old_same" and, when some SYN differs,
# the first difference in time: "client attempt n t_gate t_4.11 v_gate v_4.11 gap_ms" (a SYN
# only one side sent has "-"; gap_ms: to the nearest SYN of another client, either side)
compare() {
	awk '{ f = FILENAME == ARGV[1] ? 1 : 2; k = $1 " " $2 " " $3; if (f == 1) { ht[k] = $4; hv[k] = $5 } else { kt[k] = $4; kv[k] = $5 }
	       keys[k]; ts[f, ++nt[f]] = $4; tc[f, nt[f]] = $1
	       seq[f, $1] = seq[f, $1] " " $5 }
	     END {
		for (k in keys) {
			all++
			if ((k in hv) && (k in kv) && hv[k] == kv[k]) { same++; continue }
			t = (k in ht) ? ht[k] : kt[k]
			if ((k in kt) && kt[k] < t) t = kt[k]
			if (first == "" || t < ft) { first = k; ft = t }
		}
		# the earlier measure: position by position in each client whole sequence
		for (fc in seq) { split(fc, p, SUBSEP); if (p[1] != 1) continue
			nh = split(seq[1, p[2]], a, " "); nk = split(seq[2, p[2]], b, " ")
			m = nh > nk ? nh : nk; oall += m
			for (i = 1; i <= m; i++) if (i <= nh && i <= nk && a[i] == b[i]) osame++ }
		for (fc in seq) { split(fc, p, SUBSEP); if (p[1] == 2 && !((1, p[2]) in seq))
			oall += split(seq[2, p[2]], b, " ") }
		print all + 0, same + 0, oall + 0, osame + 0
		if (first == "") exit
		split(first, q, " "); gap = -1
		for (s = 1; s <= 2; s++) for (i = 1; i <= nt[s]; i++) if (tc[s, i] != q[1]) {
			d = ts[s, i] - ft; if (d < 0) d = -d
			if (gap < 0 || d < gap) gap = d }
		print first, (first in ht) ? ht[first] : "-", (first in kt) ? kt[first] : "-",
		      (first in hv) ? hv[first] : "-", (first in kv) ? kv[first] : "-",
		      gap < 0 ? "-" : int(gap * 1000 + 0.5)
	     }' <(syns "$1") <(syns "$2")
}
rows="$OUT/table.txt" cl="$OUT/clients.txt" dv="$OUT/differences.txt" diff=0 syn_all=0 syn_same=0
gen_all=0 gen_same=0 gen_oall=0 gen_osame=0
: >"$dv"
printf '%-28s %-7s %-9s %-13s %s\n' scenario class clients "SYN verdicts" note >"$rows"
printf '%-28s %-8s %-15s %-15s %s\n' scenario client "gate a/c/drop" "4.11 a/c/drop" "" >"$cl"
while read -r n c t; do
	h=$OUT/host/$n k=$OUT/kernel/$n
	hrc=$(cat "$h.rc" 2>/dev/null || echo "?") krc=$(cat "$k.rc" 2>/dev/null || echo "?")
	if [ "$krc" = 3 ]; then
		why=$(grep -m1 'twlab:' "$k.log" 2>/dev/null | sed 's/^twlab: //; s/^[^ ]*:[0-9]*:[^ ]* //' | cut -c1-70)
		printf '%-28s %-7s %-9s %-13s %s\n' "$n" "$c" - - "cannot run on 4.11 (exit 3): $why" >>"$rows"
		continue
	fi
	if [ ! -r "$h/result.json" ] || [ ! -r "$k/result.json" ]; then
		printf '%-28s %-7s %-9s %-13s %s\n' "$n" "$c" - - "no result (host exit $hrc, 4.11 exit $krc)" >>"$rows"
		diff=1
		continue
	fi
	same=0 all=0
	for cn in $(jq -r '.clients[].name' "$h/result.json" "$k/result.json" | sort -u); do
		q='.clients[] | select(.name == "'$cn'") | "\(.attempts)/\(.connected)/\(.syn_dropped)"'
		hv=$(jq -r "$q" "$h/result.json") kv=$(jq -r "$q" "$k/result.json")
		all=$((all + 1)) mark=""
		if [ "$hv" = "$kv" ]; then same=$((same + 1)); else mark="*"; fi
		printf '%-28s %-8s %-15s %-15s %s\n' "$n" "$cn" "${hv:-?}" "${kv:-?}" "$mark" >>"$cl"
	done
	# SYN verdicts: attempt by attempt, SYN by SYN
	{ read -r sa ss oa os; read -r fd; } < <(compare "$h/events.jsonl" "$k/events.jsonl")
	syn_all=$((syn_all + sa)) syn_same=$((syn_same + ss))
	if [ "$c" != hand ] && [ "$c" != lab ] && [ "$c" != given ]; then
		gen_all=$((gen_all + sa)) gen_same=$((gen_same + ss))
		gen_oall=$((gen_oall + oa)) gen_osame=$((gen_osame + os))
	fi
	note=""
	[ -n "${fd:-}" ] && echo "$n $fd" >>"$dv"
	if [ "$same" != "$all" ] || [ "$ss" != "$sa" ]; then
		if [ -n "${KNOWN[$n]:-}" ]; then
			note="explained: ${KNOWN[$n]}"
		elif why=$(mechanism "$fd"); then
			note="explained: $why"
		else
			note="DIFFERS: $why"
			[ "$same" != "$all" ] && diff=1
		fi
	fi
	printf '%-28s %-7s %-9s %-13s %s\n' "$n" "$c" "$same/$all" "$ss/$sa" "$note" >>"$rows"
done <"$list"
{
	echo
	echo "SYN verdicts identical: $syn_same/$syn_all over every scenario compared"
	[ $gen_all -gt 0 ] && echo "SYN verdicts identical over the generated set: $gen_same/$gen_all ($(awk "BEGIN { printf \"%.1f\", 100 * $gen_same / $gen_all }") %; position by position in each client's whole sequence: $gen_osame/$gen_oall)"
} >>"$rows"
cat "$rows"
[ $diff -eq 0 ]
