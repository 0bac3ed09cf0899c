#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# BENCH_VM=1 make bench (or this script alone, as root): how long `twlab verify --kernel`, a
# matrix and a bisect take under QEMU. Each VM's time is split the way scripts/run-in-vm.sh
# reports it: boot (QEMU and firmware, the kernel until init, init's modules, its mounts),
# suite (the command in the guest), teardown (from its end until QEMU exits); "host" is the
# rest of the whole run as the user waits for it (resolving the kernel, the initramfs, reading
# the result back). Median of REPS runs each, this tree's twlab and BASELINE (another tree's
# twlab, which uses the scripts/ beside it) taking turns, every run holding the nettest lock;
# the load average (1 min) at the start of each run is printed beside the figures.
# env: KERNEL=debian:6.1.0-57 REPS=3 BASELINE=../main/twlab (none: "")
#      MATRIX="debian:6.1.0-47 debian:6.1.0-57 debian:6.12.117 <the 4.11 lab kernel if built>"
#      MATRIX_HOST=1 (0: --no-host) MATRIX_REPS=$REPS (0: skip)
#      BISECT=debian:6.1.0-47..57 BISECT_TEST=m8_ts_offsets BISECT_REPS=$REPS (0: skip)
#      ONE_REPS=$REPS (0: skip the single kernel) LOCK=/tmp/twlab-nettest.lock
set -eu
cd "$(dirname "$0")/.."
KERNEL=${KERNEL:-debian:6.1.0-57}
REPS=${REPS:-3}
BASELINE=${BASELINE-../main/twlab}
K411=$(ls /var/cache/twlab/kernels/*/boot/vmlinuz-4.11.0 2>/dev/null | head -1 || true)
MATRIX=${MATRIX:-debian:6.1.0-47 debian:6.1.0-57 debian:6.12.117 $K411}
MATRIX_HOST=${MATRIX_HOST:-1}
MATRIX_REPS=${MATRIX_REPS:-$REPS}
BISECT=${BISECT:-debian:6.1.0-47..57}
BISECT_TEST=${BISECT_TEST:-m8_ts_offsets}
BISECT_REPS=${BISECT_REPS:-$REPS}
ONE_REPS=${ONE_REPS:-$REPS}
LOCK=${LOCK:-/tmp/twlab-nettest.lock}
TMP=$(mktemp -d /tmp/twlab-benchvm.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
[ "$(id -u)" = 0 ] || { echo "bench-vm: needs root (QEMU labs)" >&2; exit 3; }
[ -n "$BASELINE" ] && [ ! -x "$BASELINE" ] && { echo "bench-vm: no baseline $BASELINE" >&2; BASELINE=""; }

median() { grep -v "^-$" | sort -g | awk '{v[NR] = $1} END {if (!NR) print "-"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
range() { sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {print (lo == hi) ? lo : lo "-" hi}'; }

# timed LABEL TWLAB ARGS...: one run holding the lock; appends "ms load1" to $TMP/LABEL.runs,
# leaves its stderr in $TMP/LABEL.err.N, its stdout in $TMP/LABEL.out.N, an --out file
# $TMP/out.json in $TMP/LABEL.json.N
timed() {
	local label=$1 n
	shift
	n=$(($(cat "$TMP/$label.runs" 2>/dev/null | wc -l) + 1))
	rm -f "$TMP/out.json"
	flock "$LOCK" bash -c 'l=$(cut -d" " -f1 /proc/loadavg); t0=$(date +%s%N); "$@"; \
		echo $((($(date +%s%N) - t0) / 1000000)) $l >>"'"$TMP/$label"'.runs"' \
		timed "$@" >"$TMP/$label.out.$n" 2>"$TMP/$label.err.$n" || true
	[ ! -e "$TMP/out.json" ] || mv "$TMP/out.json" "$TMP/$label.json.$n"
}

# vms LABEL: every VM of LABEL's runs, one line each: KVER boot firmware kernel modules mounts
# suite teardown (ms)
vms() {
	cat "$TMP/$1".err.* 2>/dev/null | sed -n 's/^run-in-vm: VM ran [0-9]* ms (\([^)]*\)): boot \([0-9]*\) ms (firmware \(-\?[0-9]*\) ms, kernel \([0-9]*\) ms, modules \([0-9]*\) ms, mounts \([0-9]*\) ms), command \([0-9]*\) ms, shutdown \([0-9]*\) ms$/\1 \2 \3 \4 \5 \6 \7 \8/p
		s/^run-in-vm: VM ran [0-9]* ms: boot \([0-9]*\) ms, command \([0-9]*\) ms, shutdown \([0-9]*\) ms$/vm \1 - - - - \2 \3/p'
}

s() { awk '{ if ($1 == "-") print "-"; else printf "%.1f\n", $1 / 1000 }'; }

# per_vm LABEL: the median of each part per kernel
per_vm() {
	local k
	vms "$1" >"$TMP/vms"
	for k in $(cut -d' ' -f1 "$TMP/vms" | sort -u); do
		grep "^$k " "$TMP/vms" >"$TMP/k"
		printf '    %-24s boot %5s s (firmware %s, kernel %s, modules %s, mounts %s)  suite %5s s  teardown %4s s  (%d VMs)\n' "$k" \
			"$(cut -d' ' -f2 "$TMP/k" | median | s)" "$(cut -d' ' -f3 "$TMP/k" | median | s)" \
			"$(cut -d' ' -f4 "$TMP/k" | median | s)" "$(cut -d' ' -f5 "$TMP/k" | median | s)" \
			"$(cut -d' ' -f6 "$TMP/k" | median | s)" "$(cut -d' ' -f7 "$TMP/k" | median | s)" \
			"$(cut -d' ' -f8 "$TMP/k" | median | s)" "$(wc -l <"$TMP/k")"
	done
}

# bench WHAT REPS ARGS...: this tree and the baseline taking turns, then the figures
bench() {
	local what=$1 reps=$2 i who l
	shift 2
	[ "$reps" -gt 0 ] || return 0
	for ((i = 0; i < reps; i++)); do
		timed "this-$what" ./twlab "$@"
		[ -z "$BASELINE" ] || timed "base-$what" "$BASELINE" "$@"
	done
	for who in this base; do
		l=$who-$what
		[ -e "$TMP/$l.runs" ] || continue
		printf '  %-5s whole %6s s  (runs: %s s; load %s)\n' "$who" \
			"$(cut -d' ' -f1 "$TMP/$l.runs" | median | s)" \
			"$(cut -d' ' -f1 "$TMP/$l.runs" | s | paste -sd' ')" "$(cut -d' ' -f2 "$TMP/$l.runs" | range)"
		per_vm "$l"
		case "$what" in
		bisect) cat "$TMP/$l".out.* | sed -n 's/.*(\([0-9]*\) boots, \([0-9]*\) s)$/\1/p' | paste -sd' ' |
			sed 's/^/    boots per run: /' ;;
		matrix) cat "$TMP/$l".json.* 2>/dev/null | jq -r 'select(.results[0].duration_s) |
				.results[0].duration_s' | median | sed 's/^/    host suite (first column): /; s/$/ s/'
			cat "$TMP/$l".json.* 2>/dev/null | jq -r '[.results[].tests[] | select(.status == "fail")] |
				"    failed tests: \(length) \([.[].name] | unique | join(" "))"' | sort | uniq -c ;;
		one) cat "$TMP/$l".json.* 2>/dev/null | jq -r '"    \(.kernel): \(.summary | tostring)"' | sort | uniq -c
			jq -r '[.tests[] | select(.duration_s > 0)] | sort_by(-.duration_s) | .[:6] |
				map("\(.name) \(.duration_s) s") | "    slowest tests (last run): " + join(", ")' \
				"$(ls "$TMP/$l".json.* | tail -1)" 2>/dev/null || true ;;
		esac
	done
}

echo "bench-vm: $(nproc) cores, $(grep -qE '\b(vmx|svm)\b' /proc/cpuinfo && [ -w /dev/kvm ] && echo KVM || echo 'TCG (no KVM)'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "one kernel's suite, $KERNEL (median of $ONE_REPS):"
bench one "$ONE_REPS" verify --kernel "$KERNEL" --format json --out "$TMP/out.json"
mk=()
for k in $MATRIX; do mk+=(--kernel "$k"); done
[ "$MATRIX_HOST" = 1 ] || mk+=(--no-host)
echo "a matrix of $(($(wc -w <<<"$MATRIX") + (MATRIX_HOST == 1))) kernels ($([ "$MATRIX_HOST" = 1 ] && echo 'the host and ')$MATRIX; median of $MATRIX_REPS):"
bench matrix "$MATRIX_REPS" verify "${mk[@]}" --out "$TMP/out.json"
echo "bisect $BISECT_TEST --kernels $BISECT (median of $BISECT_REPS):"
bench bisect "$BISECT_REPS" bisect "$BISECT_TEST" --kernels "$BISECT"
exit 0
