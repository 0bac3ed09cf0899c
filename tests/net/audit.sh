#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# twlab audit: the issue's recipe and the other keys, each experiment asserting the kernel
# behaviour it measures (so a kernel that changed fails here); bad files give FILE:LINE and
# exit 2; unknown keys are "not on this kernel"; the host's sysctls are unchanged and no lab is
# left behind.
source "$(dirname "$0")/lib.sh"
require_root "audit"

# every net.ipv4 / net.core value of the host, to compare after
host_sysctls() { grep -r . /proc/sys/net/ipv4/ /proc/sys/net/core/ 2>/dev/null | grep -v -e '/route/flush' -e 'stable_secret' | sort; }
host_sysctls >"$TMP/host.before"

leftover_labs() {
	ip netns list | awk '{print $1}' | grep -E '^twl-au[0-9]+-'
	ls /run/twlab 2>/dev/null | grep -E '^au[0-9]+-'
	true
}

# j FILE KEY FILTER: a field of the line whose key is KEY
j() { jq -r --arg k "$2" ".lines[] | select(.key == \$k) | $3" "$1"; }
# between LO HI VALUE
between() { [ -n "$3" ] && [ "$3" != null ] && [ "$3" -ge "$1" ] && [ "$3" -le "$2" ]; }
ok() { "$@" && echo 0 || echo 1; }

# --- the issue's recipe
cat >"$TMP/recipe.conf" <<'EOF'
net.ipv4.tcp_fin_timeout = 30
net.ipv4.tcp_tw_recycle = 1
net.ipv4.tcp_tw_reuse = 1
net.ipv4.tcp_keepalive_time = 120
net.ipv4.tcp_keepalive_intvl = 30
net.ipv4.tcp_keepalive_probes = 3
EOF
R=$TMP/recipe.json
# links planted under the output names (and the name of the old temporary file): replaced,
# never written through
echo victim >"$TMP/victim"
ln -s "$TMP/victim" "$R"; ln -s "$TMP/victim" "$TMP/recipe.html"; ln -s "$TMP/victim" "$TMP/recipe.html.tmp"
"$TWLAB" audit "$TMP/recipe.conf" --out "$R" --html "$TMP/recipe.html" >"$TMP/recipe.txt" 2>"$TMP/recipe.err"
rc=$?
log_test $(ok [ $rc -eq 0 ]) "audit of the recipe: every line measured, exit 0" "rc $rc: $(tail -2 "$TMP/recipe.err")"
log_test $(ok [ "$(cat "$TMP/victim")" = victim ] && [ ! -L "$R" ] && [ ! -L "$TMP/recipe.html" ]) \
	"audit --out/--html: planted symlinks replaced, the victim intact" "$(head -c 80 "$TMP/victim")"
rm -f "$TMP/recipe.html.tmp"
# a kernel file system is no place for output: exit 2 before anything runs
bad=
for o in /proc/self/au.json /sys/kernel/au.json /dev/au.json; do
	"$TWLAB" audit "$TMP/recipe.conf" --out "$o" >/dev/null 2>"$TMP/kfs.err"; rc=$?
	[ $rc -eq 2 ] && grep -q 'kernel file system' "$TMP/kfs.err" || bad+=" --out $o: rc=$rc $(cat "$TMP/kfs.err")"
	"$TWLAB" audit "$TMP/recipe.conf" --html "${o%.json}.html" >/dev/null 2>"$TMP/kfs.err"; rc=$?
	[ $rc -eq 2 ] || bad+=" --html $o: rc=$rc"
done
log_test $(ok [ -z "$bad" ] && [ -z "$(leftover_labs)" ]) "audit --out/--html on a kernel file system: exit 2" "$bad"
v() { j "$R" "$1" .verdict; }
d() { j "$R" "$1" ".data.$2"; }

k=net.ipv4.tcp_fin_timeout
log_test $(ok [ "$(v $k)" = "no effect on TIME_WAIT" ]) "fin_timeout=30: no effect on TIME_WAIT" "$(v $k)"
log_test $(ok between 28000 30000 "$(d $k fin_wait2_left_ms)") \
	"fin_timeout=30: orphaned FIN_WAIT2 timer ~30 s (tcp_fin_time)" "$(d $k fin_wait2_left_ms) ms"
log_test $(ok between 58000 60000 "$(d $k fin_wait2_left_ms_without)") \
	"fin_timeout default: FIN_WAIT2 timer ~60 s" "$(d $k fin_wait2_left_ms_without) ms"
log_test $(ok between 58000 60000 "$(d $k time_wait_left_ms)") \
	"fin_timeout=30: TIME_WAIT still ~60 s (TCP_TIMEWAIT_LEN)" "$(d $k time_wait_left_ms) ms"
log_test $(ok [ "$(j "$R" $k .per_netns)" = true ]) "fin_timeout is per network namespace" "$(j "$R" $k .netns_how)"

k=net.ipv4.tcp_tw_recycle
log_test $(ok [ "$(v $k)" = "not on this kernel" ] && [ "$(j "$R" $k .exists)" = false ] &&
	grep -q 4.12 <<<"$(j "$R" $k .why)") "tw_recycle: not on this kernel, absent since 4.12" "$(v $k)"

k=net.ipv4.tcp_tw_reuse
log_test $(ok [ "$(v $k)" = "does what it claims" ]) "tw_reuse=1: does what it claims" "$(v $k)"
log_test $(ok [ "$(d $k connect_without)" = "Cannot assign requested address" ]) \
	"tw_reuse default (2): a client out of ports gets EADDRNOTAVAIL" "$(d $k connect_without)"
log_test $(ok [ "$(d $k connect_with)" = ok ] && between 900 2500 "$(d $k reused_after_ms)") \
	"tw_reuse=1: connect takes a TIME_WAIT port after ~1 s" "$(d $k connect_with) after $(d $k reused_after_ms) ms"
log_test $(ok between 58000 60000 "$(d $k server_time_wait_left_ms)") \
	"tw_reuse=1: the server's TIME_WAIT stays ~60 s" "$(d $k server_time_wait_left_ms) ms"

k=net.ipv4.tcp_keepalive_time
log_test $(ok [ "$(v $k)" = "no effect on TIME_WAIT" ] && between 58000 60000 "$(d $k time_wait_left_ms)") \
	"keepalive_time: no effect on TIME_WAIT" "$(v $k)"
log_test $(ok between 119000 120000 "$(d $k keepalive_timer_ms)" && [ "$(d $k timer_kind)" = 2 ]) \
	"keepalive_time=120: idle SO_KEEPALIVE connection's timer ~120 s" "$(d $k keepalive_timer_ms) ms"
log_test $(ok between 7199000 7200000 "$(d $k keepalive_timer_ms_without)") \
	"keepalive_time default: 7200 s" "$(d $k keepalive_timer_ms_without) ms"
log_test $(ok [ "$(d $k timer_kind_without_SO_KEEPALIVE)" = 0 ]) \
	"keepalive_time: no timer at all without SO_KEEPALIVE" "timer $(d $k timer_kind_without_SO_KEEPALIVE)"
k=net.ipv4.tcp_keepalive_intvl
log_test $(ok [ "$(v $k)" = "no effect on TIME_WAIT" ] && between 29000 30000 "$(d $k next_probe_due_ms)") \
	"keepalive_intvl=30: after an unanswered probe the next is due in ~30 s" "$(d $k next_probe_due_ms) ms"
k=net.ipv4.tcp_keepalive_probes
log_test $(ok [ "$(v $k)" = "no effect on TIME_WAIT" ] && [ "$(d $k probes_seen)" = 3 ] &&
	[ "$(d $k TCPKeepAlive)" = 3 ] && [ "$(d $k reset_sent)" = true ] &&
	[ "$(d $k error)" = "Connection timed out" ] && between 3500 5500 "$(d $k dead_after_ms | cut -d. -f1)") \
	"keepalive_probes=3 (time 1 s, intvl 1 s): 3 probes, RST, ETIMEDOUT after ~4 s" \
	"$(d $k probes_seen) probes, dead after $(d $k dead_after_ms) ms, $(d $k error)"
for w in "does what it claims" "no effect on TIME_WAIT" "not on this kernel"; do
	log_test $(ok grep -q "$w" "$TMP/recipe.html") "recipe.html shows '$w'"
done

# --- other keys
printf '# other keys\n; semicolon comment\n' >"$TMP/other.conf"
cat >>"$TMP/other.conf" <<'EOF'
net.ipv4.tcp_max_tw_buckets = 16
net.ipv4.ip_local_port_range = 40000	40099
net.ipv4.tcp_timestamps = 0
net/ipv4/tcp_syncookies = 0
net.core.somaxconn = 64
net.ipv4.tcp_max_syn_backlog = 64
-net.ipv4.tcp_no_such_key = 1
net.ipv4.tcp_fin_timeout = 1
net.ipv4.tcp_tw_reuse_delay = 100
EOF
O=$TMP/other.json
"$TWLAB" audit "$TMP/other.conf" --format json >"$O" 2>"$TMP/other.err"
rc=$?
log_test $(ok [ $rc -eq 0 ]) "audit of the other keys: exit 0" "rc $rc: $(tail -2 "$TMP/other.err")"
v() { j "$O" "$1" .verdict; }
d() { j "$O" "$1" ".data.$2"; }
k=net.ipv4.tcp_max_tw_buckets
log_test $(ok [ "$(v $k)" = "does what it claims" ] && [ "$(d $k time_wait)" = 16 ] &&
	[ "$(d $k TCPTimeWaitOverflow)" = 8 ] && [ "$(d $k time_wait_without)" = 24 ]) \
	"max_tw_buckets=16: 24 closes leave 16 TIME_WAIT, 8 overflows (24 without)" \
	"$(d $k time_wait) / $(d $k TCPTimeWaitOverflow) / $(d $k time_wait_without)"
k=net.ipv4.ip_local_port_range
log_test $(ok [ "$(v $k)" = "does what it claims" ] && [ "$(d $k connected)" = 100 ] &&
	[ "$(d $k in_range)" = 100 ] && [ "$(d $k stopped_by)" = "Cannot assign requested address" ]) \
	"ip_local_port_range 40000-40099: 100 connects in range, then EADDRNOTAVAIL" \
	"$(d $k connected) / $(d $k in_range) / $(d $k stopped_by)"
k=net.ipv4.tcp_timestamps
log_test $(ok [ "$(d $k syn_ts_option)" = false ] && [ "$(d $k syn_ts_option_without)" = true ] &&
	[ "$(d $k tcpi_opt_timestamps)" = false ]) "timestamps=0: no TS option in the SYN (one without)"
log_test $(ok [ "$(d $k tw_reuse_1)" = "Cannot assign requested address" ] && [ "$(d $k tw_reuse_1_without)" = reused ]) \
	"timestamps=0: tw_reuse=1 can no longer reuse a TIME_WAIT port" "$(d $k tw_reuse_1) / $(d $k tw_reuse_1_without)"
k=net.ipv4.tcp_syncookies
kept=$(d $k kept)
log_test $(ok between 8 9 "$kept" && [ "$(d $k cookies)" = 0 ] && [ "$(d $k dropped)" = $((24 - kept)) ] &&
	[ "$(d $k cookies_without)" = $((24 - $(d $k kept_without))) ]) \
	"syncookies=0: a full SYN queue drops (1: answers with cookies)" \
	"kept $kept, cookies $(d $k cookies), dropped $(d $k dropped); default cookies $(d $k cookies_without)"
k=net.core.somaxconn
log_test $(ok [ "$(d $k listen_65535_backlog)" = 64 ] && [ "$(d $k listen_65535_backlog_without)" = 4096 ] &&
	[ "$(d $k queued_unaccepted)" = 65 ] && [ "$(v $k)" = "no effect on TIME_WAIT" ]) \
	"somaxconn=64: listen(65535) gets 64, 65 connections queue" \
	"$(d $k listen_65535_backlog) / $(d $k queued_unaccepted)"
k=net.ipv4.tcp_max_syn_backlog
log_test $(ok [ "$(d $k dropped_syncookies_1)" = 0 ] && [ "$(d $k kept_syncookies_1)" = 80 ] &&
	between 1 79 "$(d $k dropped_syncookies_0)") \
	"max_syn_backlog=64: read only with syncookies=0 (drops then)" \
	"syncookies 1: $(d $k kept_syncookies_1) kept; 0: $(d $k kept_syncookies_0) kept, $(d $k dropped_syncookies_0) dropped"
k=net.ipv4.tcp_no_such_key
log_test $(ok [ "$(v $k)" = "not on this kernel" ] && [ "$(j "$O" $k .line)" = 9 ] &&
	[ "$(j "$O" $k .ignore_failure)" = true ]) "an unknown key is 'not on this kernel'" "$(v $k)"
k=net.ipv4.tcp_syncookies
log_test $(ok [ "$(j "$O" $k .line)" = 6 ]) "a slashed key is read as its dotted name"
k=net.ipv4.tcp_fin_timeout
log_test $(ok between 700 2000 "$(d $k fin_wait2_gone_after_ms)") \
	"fin_timeout=1: the FIN_WAIT2 socket is really gone after ~1 s" "$(d $k fin_wait2_gone_after_ms) ms"

k=net.ipv4.tcp_tw_reuse_delay
if [ -e /proc/sys/net/ipv4/tcp_tw_reuse_delay ]; then
	log_test $(ok [ "$(v $k)" = "does what it claims" ] && between 50 600 "$(d $k reused_after_ms)" &&
		between 900 2500 "$(d $k reused_after_ms_without)") \
		"tw_reuse_delay=100: a TIME_WAIT port is taken after ~0.1 s (~1 s without)" \
		"$(d $k reused_after_ms) / $(d $k reused_after_ms_without) ms"
else
	log_test $(ok [ "$(v $k)" = "not on this kernel" ]) "tw_reuse_delay: not on this kernel (< 6.13)" "$(v $k)"
fi

# --- a key without an experiment, a key outside net.
printf 'net.ipv4.tcp_rfc1337 = 1\nvm.swappiness = 10\n' >"$TMP/nm.conf"
"$TWLAB" audit "$TMP/nm.conf" --format json >"$TMP/nm.json" 2>/dev/null
rc=$?
log_test $(ok [ $rc -eq 4 ] && [ "$(j "$TMP/nm.json" vm.swappiness .verdict)" = "not measured" ] &&
	[ "$(j "$TMP/nm.json" vm.swappiness .per_netns)" = false ]) \
	"no experiment: 'not measured', exit 4; vm.* is one value for the host" "rc $rc"

# --- bad files: FILE:LINE and exit 2, before any lab
printf '# ok\nnet.ipv4.tcp_fin_timeout = 30\nnet.ipv4.tcp_tw_reuse 1\n' >"$TMP/bad1.conf"
"$TWLAB" audit "$TMP/bad1.conf" >/dev/null 2>"$TMP/bad1.err"
rc=$?
log_test $(ok [ $rc -eq 2 ] && grep -q "$TMP/bad1.conf:3: " "$TMP/bad1.err") "a line without '=': FILE:3, exit 2" "rc $rc: $(cat "$TMP/bad1.err")"
printf 'net.ipv4.tcp_tw_reuse = 7\n' >"$TMP/bad2.conf"
"$TWLAB" audit "$TMP/bad2.conf" >/dev/null 2>"$TMP/bad2.err"
rc=$?
log_test $(ok [ $rc -eq 2 ] && grep -q "bad2.conf:1: key 'net.ipv4.tcp_tw_reuse'" "$TMP/bad2.err") \
	"a value out of range: FILE:1: key, exit 2" "rc $rc: $(cat "$TMP/bad2.err")"
"$TWLAB" audit "$TMP/missing.conf" >/dev/null 2>&1
log_test $(ok [ $? -eq 2 ]) "a missing file: exit 2"

# --- what is left
host_sysctls >"$TMP/host.after"
log_test $(ok cmp -s "$TMP/host.before" "$TMP/host.after") "the host's net sysctls are unchanged" \
	"$(diff "$TMP/host.before" "$TMP/host.after" | head -3)"
wait_for 10 test -z "$(leftover_labs)"
left=$(leftover_labs)
log_test $(ok [ -z "$left" ]) "audit leaves no namespace or state file" "$left"
exit $RET
