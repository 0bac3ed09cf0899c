#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make bench: how fast twlab builds and removes a lab of N clients behind one router, against
# the same topology built by scripts/ip-baseline.sh (one ip/nft process per command) and the
# bare floor (the same number of namespaces and nothing else). Median of RUNS runs each.
# Then the BPF per-packet costs and the gate's connection-rate cost (scripts/bench-gate.sh).
# First, how long `twlab check` takes on big topology files (no root needed).
# env: SIZES="100 1000" RUNS=5 BASELINE_RUNS=RUNS PARSE_RUNS=5
#      PARSE_BASELINE=/path/to/an/older/twlab (its check times beside, each cut at 60 s)
#      ONLY=parse (the parse benchmark alone)
#      BENCH_VM=1: also `twlab verify --kernel`, a matrix and a bisect under QEMU (bench-vm.sh)
#      BENCH_SCALE=1: also 2000 clients for 10 s and 60 s, 3 runs each, twlab's peak memory
#                     (bench-scale.sh, about 15 min)
set -eu
cd "$(dirname "$0")/.."
SIZES=${SIZES:-100 1000}
RUNS=${RUNS:-5}
BASELINE_RUNS=${BASELINE_RUNS:-$RUNS}
PARSE_RUNS=${PARSE_RUNS:-5}
TMP=$(mktemp -d /tmp/twlab-bench.XXXXXX)
trap 'ip netns list 2>/dev/null | awk "/^twl-(bench|ipbase|floor)/ {print \$1}" | xargs -r -n1 ip netns del; rm -rf $TMP' EXIT

now() { date +%s.%N; }
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# ---- topology parsing: every lookup of the parser at scale, on files that check ok ----
# sysctl60k: the 60,000 sysctl keys of issue 8. big: about 10 MB, 350,000 keys: 100,000
# sysctls on the server and on the router, 1000 clients of 100 sysctls each, 3000 replicas,
# 50,000 expectations that each name a replica.
gen_parse() {
	awk -v kind="$1" 'BEGIN {
		if (kind == "sysctl60k") {
			print "[server]"
			for (i = 0; i < 60000; i++) printf "sysctl.net.ipv4.k%d = 1\n", i
			print "[client a]"
			exit
		}
		print "[lab]"; print "name = benchparse"
		print "[server]"
		for (i = 0; i < 100000; i++) printf "sysctl.net.ipv4.conf.k%06d = 1\n", i
		print "[router]"
		for (i = 0; i < 100000; i++) printf "sysctl.net.ipv4.conf.k%06d = 1\n", i
		for (c = 0; c < 1000; c++) {
			printf "[client c%d]\n", c
			for (i = 0; i < 100; i++) printf "sysctl.net.ipv4.k%03d = %d\n", i, c
		}
		print "[client r]"; print "replicas = 3000"; print "sysctl.net.ipv4.tcp_syn_retries = 2"
		print "[expect]"
		for (i = 0; i < 50000; i++) printf "client.r%d.attempts = >= %d\n", i % 3000 + 1, i % 7
	}'
}
# time_check BINARY FILE: seconds for one `check`, ">60" when cut off
time_check() {
	local t0 t1 rc=0
	t0=$(now); timeout 60 "$1" check "$2" >/dev/null || rc=$?; t1=$(now)
	if [ "$rc" -eq 124 ]; then echo ">60"
	elif [ "$rc" -ne 0 ]; then echo "fail"
	else echo "$t1 - $t0" | bc -l; fi
}
bench_parse() {
	echo "topology parsing: twlab check, median of $PARSE_RUNS runs${PARSE_BASELINE:+ (baseline: $PARSE_BASELINE, one run)}"
	printf '%-10s %8s %8s %9s %9s\n' file MB keys twlab baseline
	for kind in sysctl60k big; do
		gen_parse "$kind" >"$TMP/$kind.ini"
		: >"$TMP/pt"
		for ((r = 0; r < PARSE_RUNS; r++)); do time_check ./twlab "$TMP/$kind.ini" >>"$TMP/pt"; done
		if grep -qv '^[0-9.]*$' "$TMP/pt"; then
			tw=$(head -1 "$TMP/pt")	# a run failed or was cut off: say so
		else
			tw=$(printf '%.3fs' "$(median <"$TMP/pt")")
		fi
		base=-
		if [ -n "${PARSE_BASELINE:-}" ]; then
			base=$(time_check "$PARSE_BASELINE" "$TMP/$kind.ini")
			case $base in [0-9]*) base=$(printf '%.3fs' "$base") ;; esac
		fi
		printf '%-10s %8.1f %8d %9s %9s\n' "$kind" "$(stat -c %s "$TMP/$kind.ini" | awk '{print $1 / 1e6}')" \
			"$(grep -c = "$TMP/$kind.ini")" "$tw" "$base"
	done
	echo
}
bench_parse
[ "${ONLY:-}" = parse ] && exit 0

printf '%-8s %-5s %10s %12s %10s %11s %12s\n' clients phase twlab ip-baseline floor "ip/twlab" "twlab/floor"
for n in $SIZES; do
	printf '[lab]\nname = bench\n[server]\n[router]\n[client c]\nreplicas = %d\n' "$n" >"$TMP/t.ini"
	: >"$TMP/tu"; : >"$TMP/td"; : >"$TMP/iu"; : >"$TMP/id"; : >"$TMP/fu"; : >"$TMP/fd"; : >"$TMP/rss"
	# One round = the three builders back to back. Deleted namespaces are torn down by the
	# kernel afterwards (cleanup_net, which also takes rtnl_lock): let that settle before each
	# timed phase, or the phase after a teardown pays for it. Benchmark only; tests never wait
	# like this.
	settle() { sleep "$(echo "0.5 + $n / 500" | bc -l)"; }
	for ((r = 0; r < RUNS; r++)); do
		settle
		t0=$(now); /usr/bin/time -o "$TMP/time" -f '%M' ./twlab up "$TMP/t.ini" >/dev/null; t1=$(now)
		echo "$t1 - $t0" | bc -l >>"$TMP/tu"; cat "$TMP/time" >>"$TMP/rss"
		settle
		t0=$(now); /usr/bin/time -o "$TMP/time" -f '%M' ./twlab down bench >/dev/null; t1=$(now)
		echo "$t1 - $t0" | bc -l >>"$TMP/td"; cat "$TMP/time" >>"$TMP/rss"
		settle
		t0=$(now); build/tests/nsfloor up "$n" twl-floor; t1=$(now)
		settle; t2=$(now)
		build/tests/nsfloor down "$n" twl-floor; t3=$(now)
		echo "$t1 - $t0" | bc -l >>"$TMP/fu"; echo "$t3 - $t2" | bc -l >>"$TMP/fd"
		if [ "$r" -lt "$BASELINE_RUNS" ]; then
			settle
			t0=$(now); scripts/ip-baseline.sh up "$n" twl-ipbase; t1=$(now)
			settle; t2=$(now)
			scripts/ip-baseline.sh down "$n" twl-ipbase; t3=$(now)
			echo "$t1 - $t0" | bc -l >>"$TMP/iu"; echo "$t3 - $t2" | bc -l >>"$TMP/id"
		fi
	done
	for ph in up down; do
		k=${ph:0:1}
		tw=$(median <"$TMP/t$k"); ib=$(median <"$TMP/i$k"); fl=$(median <"$TMP/f$k")
		printf '%-8s %-5s %9.3fs %11.3fs %9.3fs %10.1fx %11.1fx\n' "$n" "$ph" "$tw" "$ib" "$fl" \
			"$(echo "$ib / $tw" | bc -l)" "$(echo "$tw / $fl" | bc -l)"
	done
	printf '%-8s peak RSS of twlab: %.1f MB (max over up and down runs)\n' "$n" \
		"$(sort -n "$TMP/rss" | tail -1 | awk '{print $1 / 1024}')"
done
echo "(median of $RUNS runs; ip-baseline median of $BASELINE_RUNS; a settle pause before each timed phase)"

if [ -x build/tests/bench_bpf ]; then
	echo; echo "BPF programs, ns per packet (BPF_PROG_TEST_RUN):"
	build/tests/bench_bpf
fi
if [ -x scripts/bench-gate.sh ]; then
	echo; scripts/bench-gate.sh
fi
if [ "${BENCH_VM:-0}" = 1 ]; then
	echo; scripts/bench-vm.sh
fi
if [ "${BENCH_SCALE:-0}" = 1 ]; then
	echo; scripts/bench-scale.sh --duration "10s 60s" --runs 3
fi
