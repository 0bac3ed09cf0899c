#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install, with apt, only the Debian 12 packages twlab needs that are missing. Idempotent.
# usage: scripts/install-deps.sh [build|test|vm|all]   (default: all)
# test, vm and all also fetch Debian 12's kernel for `twlab verify --kernel` (see fetch_vm_kernel).
set -euo pipefail

build_pkgs=(make gcc clang llvm pkg-config
	libnl-3-dev libnl-route-3-dev libnl-nf-3-dev libnl-idiag-3-dev libnl-genl-3-dev
	libbpf-dev bpftool libnftables-dev libpcap-dev libinih-dev libjansson-dev
	libwiretap-dev libwsutil-dev libglib2.0-dev libmicrohttpd-dev
	iproute2 nftables gettext)
test_pkgs=(libcmocka-dev ethtool tshark procps psmisc jq time util-linux bc chromium fonts-dejavu-core curl strace python3)
# twlab verify --kernel: QEMU, a static busybox for the guest's initramfs, cpio to pack it
vm_pkgs=(qemu-system-x86 busybox-static cpio zstd)
VM_CACHE=${TWLAB_VM_CACHE:-/var/cache/twlab/vm}

# Debian 12's generic kernel (it has 9p; the cloud flavour does not), unpacked into $VM_CACHE
# by scripts/fetch-kernel.sh for `twlab verify --kernel`, never installed into /boot; "current"
# points at it. `test` also fetches the kernels of tests/net/matrix.sh.
matrix_kernels=(linux-image-6.1.0-47-amd64 linux-image-6.1.0-57-amd64 linux-image-6.12.117+deb12-amd64)
fetch_vm_kernel() {
	local pkg
	find_pkg() {
		apt-cache depends linux-image-amd64 2>/dev/null |
			awk '$1 == "Depends:" && $2 ~ /^linux-image-6\.1\..*-amd64$/ { print $2; exit }'
	}
	pkg=$(find_pkg)
	# a machine with every package but no package lists yet: read them once
	[ -n "$pkg" ] || { [ -e "$VM_CACHE/current/.done" ] && return 0; apt-get update -qq && pkg=$(find_pkg); }
	if [ -z "$pkg" ]; then
		echo "twlab: cannot find Debian's linux-image-6.1.*-amd64 (apt-cache depends linux-image-amd64)" >&2
		return 3
	fi
	TWLAB_VM_CACHE=$VM_CACHE "$(dirname "$0")/fetch-kernel.sh" --current "$pkg" >/dev/null
}

case "${1:-all}" in
build) want=("${build_pkgs[@]}") ;;
test | all) want=("${build_pkgs[@]}" "${test_pkgs[@]}" "${vm_pkgs[@]}") ;;
vm) want=("${vm_pkgs[@]}") ;;
*) echo "usage: $0 [build|test|vm|all]" >&2; exit 2 ;;
esac
vm_kernel() {
	case "${1:-all}" in test | all | vm) [ "$(id -u)" -eq 0 ] && fetch_vm_kernel ;; esac
	case "${1:-all}" in test | all) [ "$(id -u)" -eq 0 ] &&
		TWLAB_VM_CACHE=$VM_CACHE "$(dirname "$0")/fetch-kernel.sh" "${matrix_kernels[@]}" >/dev/null ;; esac
	return 0
}

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	vm_kernel "${1:-all}"
	exit 0
fi

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
vm_kernel "${1:-all}"
