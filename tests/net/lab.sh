#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The training exercises stay true: every lab/*/*.ini runs to its [expect] lines, and the
# hands-on steps of the guides (twlab up --clients, ss, the /dev/tcp line) show what they say.
# Lab names come from --name ("${TWLAB_TEST_PREFIX:-t}x1", ...): two people on one machine.
source "$(dirname "$0")/lib.sh"
require_root "lab exercises"
P=${TWLAB_TEST_PREFIX:-t}

n=0
for t in "$TOP"/lab/*/*.ini; do
	n=$((n + 1))
	ex=$(basename "$(dirname "$t")")/$(basename "$t" .ini)
	lab=${P}x$n
	out=$("$TWLAB" run "$t" --name "$lab" --out "$TMP/$n" --quiet 2>&1); rc=$?
	why=$(jq -r '.expect[] | select(.ok | not) | .check + ": " + (.why // "")' "$TMP/$n/result.json" 2>/dev/null | tr '\n' ';')
	log_test $rc "lab/$ex: every expectation holds" "rc=$rc $why $out"
	check_no_leaks "$lab" "lab/$ex" >/dev/null || true
done

# ss -tno state STATE in NODE of LAB: the timers' seconds, one a line ("1min" is 60)
timers() { # LAB NODE STATE
	"$TWLAB" exec "$1" "$2" -- ss -tnoH state "$3" 2>/dev/null |
		sed -n 's/.*timer:([a-z]*,\([0-9.]*\)\(sec\|min\|ms\).*/\1 \2/p' |
		awk '{ v = $1; if ($2 == "min") v *= 60; if ($2 == "ms") v /= 1000; print v }'
}
# some timer of STATE in NODE lies in [LO, HI] seconds
has_timer() { timers "$1" "$2" "$3" | awk -v lo="$4" -v hi="$5" '$1 >= lo && $1 <= hi { f = 1 } END { exit !f }'; }
no_sockets() { [ -z "$("$TWLAB" exec "$1" "$2" -- ss -tnH state "$3")" ]; }
has_sockets() { ! no_sockets "$@"; }

ex1=$TOP/lab/01-who-holds-time-wait/topology.ini
ex6=$TOP/lab/06-fin-timeout-and-tw-reuse

lab=${P}h1
defer "'$TWLAB' down $lab"
"$TWLAB" up "$ex1" --name $lab --clients >/dev/null 2>&1
wait_for 10 has_timer $lab server time-wait 50 60; rc=$?
log_test $rc "lab/01 hands-on: up --clients, the server's TIME_WAIT timers start at 60 s" \
	"$(timers $lab server time-wait | head -3 | tr '\n' ' ')"
got=$(timeout 5 "$TWLAB" exec $lab alice -- bash -c \
	'exec 3<>/dev/tcp/198.51.100.2/8080; echo "GET twlab" >&3; cat <&3' 2>&1); rc=$?
[ "$got" = "OK twlab" ] || rc=1
log_test $rc "lab/01 hands-on: the /dev/tcp line gets OK twlab, and cat ends" "rc=$rc '$got'"
"$TWLAB" down $lab >/dev/null 2>&1
check_no_leaks $lab "lab/01 hands-on" || true

lab=${P}h6
defer "'$TWLAB' down $lab"
"$TWLAB" up "$ex6/topology.ini" --name $lab --clients >/dev/null 2>&1
wait_for 10 has_timer $lab alice time-wait 50 60; rc=$?
timers $lab alice time-wait | awk '$1 < 50 { exit 1 }' || rc=1
log_test $rc "lab/06 hands-on: tcp_fin_timeout = 5, alice's TIME_WAIT timers start at 60 s" \
	"$(timers $lab alice time-wait | head -3 | tr '\n' ' ')"
# alice has two local ports, both in TIME_WAIT while her clients run: tcp_tw_reuse takes one
# back only once its last timestamp is a second old, before that connect() gets EADDRNOTAVAIL
# (the guide says so); the line is typed again until it ends, within a deadline
ex6_line() {
	got=$(timeout 5 "$TWLAB" exec $lab alice -- bash -c \
		'exec 3<>/dev/tcp/100.64.0.1/8080; echo "GET twlab" >&3; head -1 <&3' 2>&1)
	[ "$got" = "OK twlab" ]
}
wait_for 10 ex6_line; rc=$?
log_test $rc "lab/06 hands-on: the /dev/tcp line (no router: 100.64.0.1) ends" "rc=$rc '$got'"
"$TWLAB" down $lab >/dev/null 2>&1
check_no_leaks $lab "lab/06 hands-on" || true

lab=${P}h6f
defer "'$TWLAB' down $lab"
"$TWLAB" up "$ex6/fin-wait2.ini" --name $lab --clients >/dev/null 2>&1
wait_for 5 has_timer $lab alice fin-wait-2 0 3; rc=$?
has_sockets $lab server close-wait || rc=1
log_test $rc "lab/06 hands-on: hold = 30s, alice in FIN_WAIT2 with a 3 s timer" \
	"$(timers $lab alice fin-wait-2 | tr '\n' ' ')"
wait_for 6 no_sockets $lab alice fin-wait-2; rc=$?
has_sockets $lab server close-wait || rc=1
log_test $rc "lab/06 hands-on: FIN_WAIT2 ends by tcp_fin_timeout, the server still holds" \
	"alice: $(timers $lab alice fin-wait-2 | tr '\n' ' ')"
"$TWLAB" down $lab >/dev/null 2>&1
check_no_leaks $lab "lab/06 hands-on FIN_WAIT2" || true
exit $RET
