#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The gate against the kernel it emulates: every recycle scenario run twice, with the emulated
# gate on this kernel and inside a kernel that has its own tcp_tw_recycle (twlab run --kernel),
# compared per client (attempts, connected, syn_dropped). The deterministic part of issue 10's
# differential; generated topologies and per-SYN verdicts are not here yet.
#
# usage: scripts/differential.sh [--kernel VMLINUZ] [--out DIR] [--side host|kernel|both]
#                                [TOPOLOGY...]
#   --kernel  default: scripts/build-kernel.sh's image (built, or reused from the cache)
#   --out     default out/differential; DIR/host/NAME and DIR/kernel/NAME hold each run
#   --side    run only one side (the other is read from DIR as an earlier run left it)
#   TOPOLOGY  default: topologies/verify/p*.ini, topologies/nat-recycle.ini and the recycle
#             exercises in lab/
# It builds labs on this host too (named $TWLAB_DIFF_NAME, default diff).
# Exit: 0 every per-client count identical, 1 some differ, 3 environment.
set -u
cd "$(dirname "$0")/.."
K="" OUT=out/differential SIDE=both
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) K=$2; shift 2 ;;
	--out) OUT=$2; shift 2 ;;
	--side) SIDE=$2; shift 2 ;;
	-h|--help) sed -n '3,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) break ;;
	esac
done
if [ $# -eq 0 ]; then
	set -- topologies/verify/p*.ini topologies/nat-recycle.ini
	for f in lab/*/topology.ini; do grep -qE '^recycle *= *on' "$f" && set -- "$@" "$f"; done
fi
if [ -z "$K" ]; then
	K=$(scripts/build-kernel.sh) || exit 3
fi
[ -x ./twlab ] || { echo "differential: build twlab first (make)" >&2; exit 3; }
mkdir -p "$OUT/host" "$OUT/kernel"
rows="$OUT/table.txt" diff=0
printf '%-34s %-8s %-17s %-17s %s\n' topology client "gate a/c/drop" "4.11 a/c/drop" "" >"$rows"
for t in "$@"; do
	n=$(basename "$(dirname "$t")"); [ "$n" = verify ] || [ "$n" = topologies ] && n=$(basename "$t" .ini)
	[ "$SIDE" = kernel ] || ./twlab run "$t" --quiet --name "${TWLAB_DIFF_NAME:-diff}" \
		--out "$OUT/host/$n" >"$OUT/host/$n.log" 2>&1
	[ "$SIDE" = host ] || ./twlab run "$t" --quiet --kernel "$K" --timeout 300 \
		--out "$OUT/kernel/$n" >"$OUT/kernel/$n.log" 2>&1
	for c in $(jq -r '.clients[].name' "$OUT/host/$n/result.json" "$OUT/kernel/$n/result.json" \
		2>/dev/null | sort -u); do
		q='.clients[] | select(.name == "'$c'") | "\(.attempts)/\(.connected)/\(.syn_dropped)"'
		h=$(jq -r "$q" "$OUT/host/$n/result.json" 2>/dev/null)
		k=$(jq -r "$q" "$OUT/kernel/$n/result.json" 2>/dev/null)
		mark=""; [ "$h" = "$k" ] || { mark="*"; diff=1; }
		printf '%-34s %-8s %-17s %-17s %s\n' "$n" "$c" "${h:-?}" "${k:-?}" "$mark" >>"$rows"
	done
done
cat "$rows"
[ $diff -eq 0 ]
