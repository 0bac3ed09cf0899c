#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Recycle topologies generated from a seed, for scripts/differential.sh: the same seed gives the
# same files (a 31-bit LCG in shell arithmetic, no $RANDOM). Five classes, cycled:
#   wrap    NAT, two hosts whose uptimes differ by less or more than 2^31 ms (24.9 days):
#           beyond it the (s32) comparison of kernel-notes §1.4 turns round
#   rate    NAT, 2-3 hosts at 1/s .. 500/s (a fast one is count-limited)
#   start   NAT, staggered start times, a few connections each, several connect timeouts
#   client  NAT, the clients close first: no record, nothing dropped (P3)
#   direct  no NAT, every host its own address: records per host
# Every one keeps the kernel's own TCP_PAWS_MSL and TCP_PAWS_WINDOW (4.11 cannot change them),
# both close policies appear, durations (the observation windows) vary from 2 to 4 s.
#
# usage: scripts/gen-topologies.sh [--seed N] [--count N] DIR
#   --seed   default 1;  --count  default 50
# Writes DIR/gNN-CLASS.ini and prints their paths, one a line.
set -eu
SEED=1 COUNT=50
while [ $# -gt 0 ]; do
	case "$1" in
	--seed) SEED=$2; shift 2 ;;
	--count) COUNT=$2; shift 2 ;;
	-h|--help) sed -n '3,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "gen-topologies: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || { echo "usage: $0 [--seed N] [--count N] DIR" >&2; exit 2; }
case "$SEED$COUNT" in *[!0-9]*) echo "gen-topologies: --seed and --count take numbers" >&2; exit 2 ;; esac
DIR=$1
mkdir -p "$DIR"
X=$((SEED % 2147483648))

rnd() { # rnd LO HI: a number in [LO, HI] into R
	X=$(((X * 1103515245 + 12345) % 2147483648))
	R=$(($1 + (X >> 8) % ($2 - $1 + 1)))
}
pick() { # pick WORD...: one of them into R
	rnd 1 $#
	R=${!R}
}

WRAP_S=2147483 # 2^31 ms in whole seconds

# Starts clear of each other (no random number is drawn for it, so the rest of a seed's set
# stays as it was). Behind one NAT the record changes hands only at a client's first SYN: the
# first pass of a host whose clock is ahead of the record's (a host behind it is dropped from
# then on, every later SYN too). A SYN of another client a few ms after that SYN meets the new
# record on a fast host and not in a slow guest (the connection takes 0.3 ms here and about
# 4 ms in a TCG guest, whose timers run up to ~12 ms late); a SYN retransmission leaves up to
# 64 ms after its RTO (4.11's timer wheel rounds a 1-4 s timer up to 64 jiffies at HZ=1000,
# kernel/time/timer.c), by another amount on 6.18. So every client's first SYN is kept
# FIRST_GAP ms from the other clients' SYNs and RETRANS_GAP ms from their retransmissions.
# In the start class (uptimes up to 30 days apart, beyond the 24.9-day wrap) "ahead" is not
# transitive: a host dropped once may pass later, when the record has gone round to a host it
# is ahead of, so there any SYN may hand the record on, and every pair of SYNs keeps the gaps.
FIRST_GAP=50
RETRANS_GAP=100
declare -a FIRSTS=() TAKEN=() # first SYNs (ms); every SYN, "t kind": f first, a attempt, r resend
# syn_list START EVERY COUNT TIMEOUT END: the SYNs of a client into SYN ("t kind"): attempts at
# START + k * EVERY (COUNT of them, or all before END when COUNT is empty), each resent at 1, 2,
# 3 s while before its TIMEOUT
syn_list() {
	local k=0 n=${3:-1000000} r kind=f
	SYN=()
	while ((k < n && $1 + k * $2 < $5)); do
		SYN+=("$(($1 + k * $2)) $kind")
		kind=a
		for r in 1000 2000 3000; do
			((r < $4)) && SYN+=("$(($1 + k * $2 + r)) r")
		done
		k=$((k + 1))
	done
}
# clear_start START EVERY COUNT TIMEOUT END: the start nearest START (in 10 ms steps, from 0 to
# END - 200) whose SYNs keep the gaps with the clients placed before it in this file (TAKEN;
# PAIRS=first: only pairs with a client's first SYN, PAIRS=all: every pair of SYNs):
# into R, its SYNs added to TAKEN; when no start does, one attempt fewer (COUNT, into C), and
# when none does with one attempt either, START as drawn
clear_start() {
	local s0=$1 every=$2 tmo=$4 end=$5 last=$(($5 - 200)) s i x y d g ok
	C=$3
	while :; do
		for ((i = 0; i <= 2 * (last / 10 + 1); i++)); do
			s=$((i % 2 ? s0 - (i + 1) / 2 * 10 : s0 + i / 2 * 10))
			[ "$s" -ge 0 ] && [ "$s" -le "$last" ] || continue
			syn_list "$s" "$every" "$C" "$tmo" "$end"
			ok=1
			if [ "$PAIRS" = all ]; then
				for x in "${SYN[@]}"; do
					for y in "${TAKEN[@]}"; do
						g=$FIRST_GAP
						case "${x#* }${y#* }" in *r*) g=$RETRANS_GAP ;; esac
						d=$((${x% *} - ${y% *}))
						[ "${d#-}" -lt "$g" ] && { ok=0; break 2; }
					done
				done
			fi
			# first = only pairs with a first SYN in them: this one's against every SYN
			# placed, each of this one's against the first SYNs placed
			for y in "${TAKEN[@]}"; do
				[ $ok = 1 ] || break
				g=$FIRST_GAP; [ "${y#* }" = r ] && g=$RETRANS_GAP
				d=$((s - ${y% *})); [ "${d#-}" -lt "$g" ] && { ok=0; break; }
			done
			for x in "${SYN[@]}"; do
				[ $ok = 1 ] || break
				g=$FIRST_GAP; [ "${x#* }" = r ] && g=$RETRANS_GAP
				for y in "${FIRSTS[@]}"; do
					d=$((${x% *} - y)); [ "${d#-}" -lt "$g" ] && { ok=0; break; }
				done
			done
			[ $ok = 1 ] && { TAKEN+=("${SYN[@]}"); FIRSTS+=("$s"); R=$s; return; }
		done
		if [ -z "$C" ] || [ "$C" -le 1 ]; then
			syn_list "$s0" "$every" "$3" "$tmo" "$end"; TAKEN+=("${SYN[@]}"); FIRSTS+=("$s0")
			R=$s0 C=$3
			return
		fi
		C=$((C - 1))
	done
}

client() { # client NAME UPTIME_S START_MS EVERY_MS [COUNT] [TIMEOUT_MS]
	printf '\n[client %s]\nuptime = %ss\nstart = %sms\nevery = %sms\n' "$1" "$2" "$3" "$4"
	[ -z "${5:-}" ] || printf 'count = %s\n' "$5"
	[ -z "${6:-}" ] || printf 'connect_timeout = %sms\n' "$6"
}
header() { # header FILE CLASS CLOSE NAT DURATION_MS
	printf '# Generated by scripts/gen-topologies.sh --seed %s (%s class): a recycle scenario for\n' "$SEED" "$2"
	printf '# scripts/differential.sh, run with the gate and on a kernel with its own tcp_tw_recycle.\n'
	printf '#\n#   clients ---%s--- server :8080, recycle on, close = %s\n' \
		"$([ "$4" = none ] && echo ' bridge ' || echo ' router (NAT) ')" "$3"
	printf '[lab]\ndescription = generated %s scenario\nduration = %sms\n' "$2" "$5"
	printf '\n[server]\nport = 8080\nclose = %s\nrecycle = on\n' "$3"
	[ "$4" = none ] || printf '\n[router]\nnat = masquerade\n'
}

classes=(wrap rate start client direct)
for ((i = 1; i <= COUNT; i++)); do
	cls=${classes[$(((i - 1) % 5))]}
	f=$(printf '%s/g%02d-%s.ini' "$DIR" "$i" "$cls")
	rnd 2000 4000; dur=$((R / 500 * 500))
	{
		case $cls in
		wrap)
			# a: the older clock; b: younger by less or more than the wrap
			rnd 3600 $((40 * 86400)); ua=$R
			pick 0 1; beyond=$R
			if [ "$beyond" = 1 ]; then rnd $((WRAP_S + 60)) $((WRAP_S + 20 * 86400)); else rnd 60 $((WRAP_S - 60)); fi
			d=$R; ub=$((ua > d ? ua - d : ua + d))
			header "$f" wrap server masquerade "$dur"
			rnd 150 400; ea=$R; rnd 150 400; eb=$R; rnd 100 800; sb=$R
			syn_list 0 "$ea" "" 2000 "$dur"; TAKEN=("${SYN[@]}") FIRSTS=(0) PAIRS=first
			clear_start "$sb" "$eb" "" 1500 "$dur"; sb=$R
			client a "$ua" 0 "$ea"
			client b "$ub" "$sb" "$eb" "" 1500
			;;
		rate)
			header "$f" rate server masquerade "$dur"
			TAKEN=() FIRSTS=() PAIRS=first
			rnd 2 3; n=$R
			for ((k = 0; k < n; k++)); do
				rnd 3600 $((20 * 86400)); u=$R
				pick 2 5 20 100 250 1000; e=$R
				rnd 0 600; s=$R
				c=""; [ "$e" -lt 20 ] && { rnd 20 60; c=$R; }
				clear_start "$s" "$e" "$c" 1000 "$dur"; s=$R c=$C
				client "h$k" "$u" "$s" "$e" "$c" 1000
			done
			;;
		start)
			header "$f" start server masquerade "$dur"
			rnd 2 4; n=$R
			TAKEN=() FIRSTS=() PAIRS=all
			for ((k = 0; k < n; k++)); do
				rnd 3600 $((30 * 86400)); u=$R
				rnd 0 1500; s=$R; rnd 1 4; c=$R; rnd 100 500; e=$R
				pick 500 1200 2500; t=$R
				clear_start "$s" "$e" "$c" "$t" "$dur"; s=$R c=$C
				client "h$k" "$u" "$s" "$e" "$c" "$t"
			done
			;;
		client)
			header "$f" client client masquerade "$dur"
			rnd 2 3; n=$R
			for ((k = 0; k < n; k++)); do
				rnd 3600 $((30 * 86400)); u=$R; rnd 0 500; s=$R; rnd 100 400; e=$R
				client "h$k" "$u" "$s" "$e"
			done
			;;
		direct)
			pick server client; close=$R
			header "$f" direct "$close" none "$dur"
			rnd 2 3; n=$R
			for ((k = 0; k < n; k++)); do
				rnd 3600 $((30 * 86400)); u=$R; rnd 0 500; s=$R; rnd 100 400; e=$R
				client "h$k" "$u" "$s" "$e"
			done
			;;
		esac
	} >"$f"
	echo "$f"
done
