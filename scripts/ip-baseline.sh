#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The same topology twlab builds for N clients behind one router (names, addresses, routes,
# sysctls, MASQUERADE), made the way lab scripts do it today: one `ip`/`nft` process per
# command. The baseline of `make bench`.
# usage: scripts/ip-baseline.sh up|down N [PREFIX]     (default PREFIX twl-ipbase)
set -e
cmd=$1 n=$2 p=${3:-twl-ipbase}
if [ "$cmd" = up ]; then
	ip netns add $p-server
	ip -n $p-server link set lo up
	ip netns exec $p-server sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	ip netns add $p-router
	ip -n $p-router link set lo up
	ip netns exec $p-router sysctl -qw net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=1
	ip -n $p-router link add out0 up type veth peer name eth0 netns $p-server
	ip -n $p-router addr add 198.51.100.1/24 dev out0
	ip -n $p-server link set eth0 up
	ip -n $p-server addr add 198.51.100.2/24 dev eth0
	ip netns exec $p-router nft add table ip twlab
	ip netns exec $p-router nft add chain ip twlab postrouting '{ type nat hook postrouting priority srcnat; policy accept; }'
	ip netns exec $p-router nft add rule ip twlab postrouting oifname out0 masquerade
	for ((i = 0; i < n; i++)); do
		a=$((4 * i))
		net="100.64.$((a / 256)).$((a % 256))"
		cl="100.64.$(((a + 2) / 256)).$(((a + 2) % 256))"
		gw="100.64.$(((a + 1) / 256)).$(((a + 1) % 256))"
		ip netns add $p-c$((i + 1))
		ip -n $p-c$((i + 1)) link set lo up
		ip netns exec $p-c$((i + 1)) sysctl -qw net.ipv6.conf.default.disable_ipv6=1 net.ipv4.tcp_timestamps=2
		ip -n $p-router link add c$i up type veth peer name eth0 netns $p-c$((i + 1))
		ip -n $p-c$((i + 1)) link set eth0 up
		ip -n $p-c$((i + 1)) addr add $cl/30 dev eth0
		ip -n $p-c$((i + 1)) route add default via $gw
		ip -n $p-router addr add $gw/30 dev c$i
	done
else
	for ((i = 1; i <= n; i++)); do ip netns del $p-c$i; done
	# as twlab does: wait (bounded) until the router's client veths are gone
	for ((t = 0; t < 5000; t++)); do
		[ "$(ip -n $p-router -o link | wc -l)" -le 2 ] && break
		sleep 0.001
	done
	ip netns del $p-router
	ip netns del $p-server
fi
