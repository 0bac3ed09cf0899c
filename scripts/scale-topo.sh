#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# scale-topo: print a topology of N clients behind one NAT, the gate on, each client with its
# own uptime (so the gate drops many SYNs), one attempt every EVERY, for DURATION.
# usage: scripts/scale-topo.sh N EVERY DURATION
set -eu
n=$1 every=$2 dur=$3
cat <<T
# scale: $n clients behind one masquerade, the recycle gate on (tests/net/scale.sh, bench-scale.sh)
#
#   c0 .. c$((n - 1)) (uptimes 1h .. ) --- router (MASQUERADE) --- server :8080, recycle on
[lab]
duration = $dur
[server]
close = server
recycle = on
[router]
nat = masquerade
T
for ((i = 0; i < n; i++)); do
	printf '[client c%d]\nuptime = %dm\nevery = %s\n' "$i" $((60 + i * 7)) "$every"
done
