#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Core lab: real namespaces, veths, nftables SNAT and TCP; every test ends with a leak check.
source "$(dirname "$0")/lib.sh"
require_root "core"

# ---- TCP through SNAT: every attempt connects and the server sees the router's address ----
t=$(topo tsnat <<'T'
[lab]
duration = 2s
[server]
close = server
[router]
nat = masquerade
[client a]
every = 100ms
replicas = 3
T
)
"$TWLAB" run "$t" --out "$TMP/snat" -q; rc=$?
att=$(jget "$TMP/snat/result.json" '[.clients[].attempts] | add')
failed=$(jget "$TMP/snat/result.json" '[.clients[].failed] | add')
outs=$(jget "$TMP/snat/result.json" '[.nat[].outside | split(":")[0]] | unique | join(",")')
[ $rc -eq 0 ] && [ "$att" -ge 45 ] && [ "$failed" -eq 0 ] && [ "$outs" = "198.51.100.1" ]
log_test $? "snat: $att attempts through masquerade, all connected" "rc=$rc failed=$failed outside=$outs"
check_no_leaks tsnat "snat" && log_test 0 "snat: nothing left behind"

# The same lab kept up: a real connection from inside, seen by the server as the router.
"$TWLAB" up "$t" >/dev/null; defer "$TWLAB" down tsnat
reply=$("$TWLAB" exec tsnat a1 -- bash -c 'exec 3<>/dev/tcp/198.51.100.2/8080; printf "GET twlab\n" >&3; read -r l <&3; cat <&3 >/dev/null; echo "$l"')
tw_peers() { "$TWLAB" exec "$1" server -- ss -Htn state time-wait | awk '{print $4}' | cut -d: -f1 | sort -u | tr '\n' ' '; }
# TIME_WAIT begins when the client's FIN arrives, a moment after the reply: wait for it
tw_peers_are() { [ "$(tw_peers "$1")" = "$2" ]; }
wait_for 5 tw_peers_are tsnat "198.51.100.1 "
peer=$(tw_peers tsnat | tr -d ' ')
[ "$reply" = "OK twlab" ] && [ "$peer" = "198.51.100.1" ]
log_test $? "up/exec: server answers and holds TIME_WAIT towards 198.51.100.1" "reply='$reply' peer='$peer'"
"$TWLAB" ls | grep -q "^tsnat .* up "
log_test $? "ls lists the lab as up"
# `up | cat` ends: the detached server holds none of the caller's pipes
timeout 20 "$TWLAB" up "$t" --name tpipe | cat >/dev/null
log_test $? "twlab up in a pipe returns (the daemon keeps no pipe open)"
# two downs at once: one removes the lab, the other says it is busy; neither kills the other
"$TWLAB" down tpipe >"$TMP/d1" 2>&1 & d1=$!
"$TWLAB" down tpipe >"$TMP/d2" 2>&1; r2=$?
wait $d1; r1=$?
# the loser says "in use" (it overlapped) or "no lab" (it came after); nobody is killed (137)
{ [ $r1 -eq 0 ] && [[ $r2 =~ ^(2|4)$ ]]; } || { [ $r2 -eq 0 ] && [[ $r1 =~ ^(2|4)$ ]]; }
[ $? -eq 0 ] && [ -z "$(leftovers tpipe)" ]
log_test $? "two concurrent downs of one lab: one removes it, one refuses" "rc=$r1,$r2 $(cat "$TMP/d1" "$TMP/d2")"
"$TWLAB" down tsnat >/dev/null
check_no_leaks tsnat "down" && log_test 0 "down: nothing left behind"

# ---- direct topology: no router, each client its own address on the server's network ----
t=$(topo tdirect <<'T'
[lab]
duration = 2s
[server]
close = server
[client d]
every = 100ms
replicas = 3
[expect]
clients.failed = == 0
T
)
tdirect=$t
"$TWLAB" up "$t" >/dev/null; defer "$TWLAB" down tdirect
for i in 1 2 3; do
	"$TWLAB" exec tdirect d$i -- bash -c 'exec 3<>/dev/tcp/100.64.0.1/8080; printf "GET twlab\n" >&3; read -r l <&3; cat <&3 >/dev/null' || true
done
wait_for 5 tw_peers_are tdirect "100.64.0.2 100.64.0.3 100.64.0.4 "
peers=$(tw_peers tdirect)
"$TWLAB" down tdirect >/dev/null
[ "$peers" = "100.64.0.2 100.64.0.3 100.64.0.4 " ]
log_test $? "direct: the server sees each client's own address" "peers='$peers'"
"$TWLAB" run "$t" --out "$TMP/direct" -q
rc=$?; log_test $rc "direct: every attempt connects"
check_no_leaks tdirect "direct" && log_test 0 "direct: nothing left behind"

# ---- command = ...: a user program runs in the node instead of the agent ----
t=$(topo tcmd <<'T'
[lab]
duration = 2s
[server]
[client a]
command = bash -c 'for i in 1 2 3; do exec 3<>/dev/tcp/100.64.0.1/8080; printf "GET twlab\n" >&3; read -r l <&3; cat <&3 >/dev/null; exec 3>&-; done'
[expect]
counters.server.TcpPassiveOpens = == 3
T
)
"$TWLAB" run "$t" --out "$TMP/cmd" -q
log_test $? "a client command runs in its namespace (3 connections seen by the server)"
t=$(topo tcmd2 <<'T'
[lab]
duration = 2s
[server]
command = sleep 30
[client a]
T
)
msg=$("$TWLAB" run "$t" --out "$TMP/cmd2" -q 2>&1); rc=$?
[ $rc -eq 4 ] && grep -q "is not listening on port 8080" <<<"$msg"
log_test $? "a server command that never listens: exit 4, says so" "rc=$rc $msg"
check_no_leaks tcmd2 "commands" && log_test 0 "commands: nothing left behind"

# ---- bad input: exit 2, file:line:key, nothing created ----
t=$(topo tbad <<'T'
[lab]
duration = 2s
[server]
port = 99999
[client a]
T
)
msg=$("$TWLAB" run "$t" 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "tbad.ini:4: key 'port'" <<<"$msg" && [ -z "$(leftovers tbad)" ]
log_test $? "bad topology: exit 2, message names file:line and key" "rc=$rc msg=$msg"

# a value the kernel refuses, found while 80 clients are being built in parallel: exit 2 with
# file:line:key, and everything made so far removed
t=$(topo tbadsys <<'T'
[lab]
duration = 1s
[server]
[router]
[client c]
replicas = 80
sysctl.net.ipv4.tcp_syn_retries = 1000
T
)
msg=$("$TWLAB" run "$t" --out "$TMP/badsys" -q 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "tbadsys.ini:7: key 'sysctl.net.ipv4.tcp_syn_retries'" <<<"$msg" && [ -z "$(leftovers tbadsys)" ]
log_test $? "a sysctl the kernel refuses: exit 2 naming file:line:key, nothing left" "rc=$rc $msg"

# ---- not root: exit 3 with a clear message ----
msg=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$TWLAB" run "$TOP/topologies/nat-recycle.ini" --out /tmp 2>&1); rc=$?
[ $rc -eq 3 ] && grep -q "root" <<<"$msg"
log_test $? "not root: exit 3 naming the reason" "rc=$rc msg=$msg"

# ---- the host namespace is not touched ----
host_state() {
	ip -o addr; ip route; ip -6 route; nft list ruleset; tc qdisc show
	for s in net.ipv4.ip_forward net.ipv4.tcp_timestamps net.ipv4.tcp_tw_reuse \
		net.ipv6.conf.default.disable_ipv6 net.ipv4.conf.all.forwarding net.ipv4.tcp_rfc1337; do
		sysctl -n $s
	done
}
host_state >"$TMP/host.before" 2>&1
"$TWLAB" run "$TOP/topologies/nat-recycle.ini" --out "$TMP/host" -q --name thost >/dev/null
host_state >"$TMP/host.after" 2>&1
diff -q "$TMP/host.before" "$TMP/host.after" >/dev/null
log_test $? "host namespace unchanged (addresses, routes, nftables, qdiscs, sysctls)" "$(diff "$TMP/host.before" "$TMP/host.after" | head -5)"

# ---- two labs with different names at the same time ----
"$TWLAB" run "$TOP/topologies/nat-recycle.ini" --name tpar1 --out "$TMP/p1" -q & p1=$!
"$TWLAB" run "$TOP/topologies/nat-recycle.ini" --name tpar2 --out "$TMP/p2" -q & p2=$!
wait $p1; r1=$?; wait $p2; r2=$?
[ $r1 -eq 0 ] && [ $r2 -eq 0 ]
log_test $? "two labs at once both run to their expectations" "rc=$r1,$r2"
check_no_leaks tpar1 "parallel" && check_no_leaks tpar2 "parallel" && log_test 0 "two labs: nothing left behind"

# ---- a second lab with a taken name is refused, and the first is untouched ----
"$TWLAB" up "$tdirect" >/dev/null; defer "$TWLAB" down tdirect
msg=$("$TWLAB" up "$tdirect" 2>&1); rc=$?
[ $rc -eq 3 ] && grep -q "lab tdirect is already up; remove it with: twlab down tdirect" <<<"$msg" && ip netns list | grep -q twl-tdirect-server
log_test $? "a lab name in use is refused, the running lab is kept" "rc=$rc"
"$TWLAB" down tdirect >/dev/null

# ---- a crashed agent ends the run with exit 4 and leaves nothing ----
t=$(topo tcrash <<'T'
[lab]
duration = 20s
[server]
[router]
[client a]
every = 100ms
T
)
"$TWLAB" run "$t" --out "$TMP/crash" -q 2>"$TMP/crash.err" & pid=$!
wait_for 10 grep -q '"server agent"' /run/twlab/tcrash.json
spid=$(grep '"server agent"' /run/twlab/tcrash.json | jq -r .pid)
kill -SEGV "$spid"
wait $pid; rc=$?
[ $rc -eq 4 ] && grep -q "server agent" "$TMP/crash.err"
log_test $? "a crashed server agent: exit 4, message names it" "rc=$rc $(cat "$TMP/crash.err")"
check_no_leaks tcrash "crash" && log_test 0 "crash: nothing left behind"

exit $RET
