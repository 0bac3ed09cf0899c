#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install, with apt, only the Debian 12 packages twlab needs that are missing. Idempotent.
# usage: scripts/install-deps.sh [build|test|all]   (default: all)
set -euo pipefail

build_pkgs=(make gcc clang llvm pkg-config
	libnl-3-dev libnl-route-3-dev libnl-nf-3-dev
	libbpf-dev bpftool libnftables-dev libpcap-dev libinih-dev libjansson-dev
	iproute2 nftables)
test_pkgs=(libcmocka-dev ethtool tshark procps psmisc jq time util-linux)

case "${1:-all}" in
build) want=("${build_pkgs[@]}") ;;
test | all) want=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
*) echo "usage: $0 [build|test|all]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "twlab: missing packages: ${missing[*]}; run as root (sudo make ...) to install them" >&2
	exit 3
fi
echo "twlab: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer for it.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
