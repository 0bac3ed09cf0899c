#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# BENCH_VM=1 make bench (or this script alone, as root): how long `twlab verify --kernel`
# takes under QEMU, split the way scripts/run-in-vm.sh reports it (boot = until the command
# starts in the guest, suite = the command, teardown = from its end until QEMU exits) plus the
# whole run as the user waits for it; then a matrix of several kernels and a bisect, whole.
# Median of REPS runs each, this tree's twlab against BASELINE (another tree's twlab, which
# uses the scripts/ beside it), one after the other, under the nettest lock.
# env: KERNEL=debian:6.1.0-57 REPS=3 BASELINE=../main/twlab (none: "")
#      MATRIX="debian:6.1.0-47 debian:6.1.0-57 debian:6.12.117 ..." MATRIX_REPS=1 (0: skip)
#      BISECT=debian:6.1.0-47..57 BISECT_TEST=m8_ts_offsets BISECT_REPS=1 (0: skip)
#      LOCK=/tmp/twlab-nettest.lock
set -eu
cd "$(dirname "$0")/.."
KERNEL=${KERNEL:-debian:6.1.0-57}
REPS=${REPS:-3}
BASELINE=${BASELINE-../main/twlab}
MATRIX=${MATRIX:-debian:6.1.0-47 debian:6.1.0-52 debian:6.1.0-57 debian:6.12.100 debian:6.12.117}
MATRIX_REPS=${MATRIX_REPS:-1}
BISECT=${BISECT:-debian:6.1.0-47..57}
BISECT_TEST=${BISECT_TEST:-m8_ts_offsets}
BISECT_REPS=${BISECT_REPS:-1}
LOCK=${LOCK:-/tmp/twlab-nettest.lock}
TMP=$(mktemp -d /tmp/twlab-benchvm.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
[ "$(id -u)" = 0 ] || { echo "bench-vm: needs root (QEMU labs)" >&2; exit 3; }

median() { sort -g | awk '{v[NR] = $1} END {if (!NR) print "-"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# one --kernel suite: "whole boot suite teardown" in seconds, from run-in-vm.sh's line
# timed() TWLAB ARGS...: run it holding the lock; its wall time in ms (not the wait) in $TMP/ms
timed() {
	flock "$LOCK" bash -c 't0=$(date +%s%N); "$@" >/dev/null; echo $((($(date +%s%N) - t0) / 1000000)) >"'"$TMP"'/ms"' \
		timed "$@" 2>"$TMP/err" || true
}

suite_once() { # TWLAB
	local line
	timed "$1" verify --kernel "$KERNEL" --format json --out "$TMP/v.json"
	line=$(grep -o 'boot [0-9]* ms, command [0-9]* ms, shutdown [0-9]* ms' "$TMP/err" | tail -1)
	set -- $line
	echo "$(cat "$TMP/ms")" "${2:-0}" "${5:-0}" "${8:-0}" | awk '{printf "%.1f %.1f %.1f %.2f\n", $1/1000, $2/1000, $3/1000, $4/1000}'
}

row() { # LABEL TWLAB
	local i f
	: >"$TMP/rows"
	for ((i = 0; i < REPS; i++)); do suite_once "$2" >>"$TMP/rows"; done
	for f in 1 2 3 4; do printf '%s ' "$(cut -d' ' -f$f "$TMP/rows" | median)"; done >"$TMP/med"
	printf '%-10s %-18s whole %6s s  boot %5s s  suite %5s s  teardown %5s s   (load %s)\n' "$1" "$KERNEL" \
		$(cat "$TMP/med") "$(cut -d' ' -f1-3 /proc/loadavg)"
}

whole() { # LABEL TWLAB REPS ARGS...
	local label=$1 tw=$2 reps=$3 i
	shift 3
	[ "$reps" -gt 0 ] || return 0
	: >"$TMP/w"
	for ((i = 0; i < reps; i++)); do
		timed "$tw" "$@"
		awk '{print $1 / 1000}' "$TMP/ms" >>"$TMP/w"
	done
	printf '%-10s %-40s %6s s  (median of %d; load %s)\n' "$label" "$1 ${*:2:3}..." "$(median <"$TMP/w")" "$reps" \
		"$(cut -d' ' -f1-3 /proc/loadavg)"
}

echo "bench-vm: $(nproc) cores, $(grep -qE '\b(vmx|svm)\b' /proc/cpuinfo && [ -w /dev/kvm ] && echo KVM || echo 'TCG (no KVM)'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "one kernel's suite (median of $REPS):"
row this ./twlab
[ -n "$BASELINE" ] && [ -x "$BASELINE" ] && row baseline "$BASELINE"
mk=()
for k in $MATRIX; do mk+=(--kernel "$k"); done
echo "a matrix of $(wc -w <<<"$MATRIX") kernels (--no-host) and a bisect:"
whole this ./twlab "$MATRIX_REPS" verify --no-host "${mk[@]}"
[ -n "$BASELINE" ] && [ -x "$BASELINE" ] && whole baseline "$BASELINE" "$MATRIX_REPS" verify --no-host "${mk[@]}"
whole this ./twlab "$BISECT_REPS" bisect "$BISECT_TEST" --kernels "$BISECT"
[ -n "$BASELINE" ] && [ -x "$BASELINE" ] && whole baseline "$BASELINE" "$BISECT_REPS" bisect "$BISECT_TEST" --kernels "$BISECT"
exit 0
