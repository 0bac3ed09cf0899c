#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fetch Debian kernel packages with `apt-get download` and unpack them with dpkg-deb into
# twlab's cache (never /boot, nothing is installed), for `twlab verify --kernel debian:...`
# and scripts/install-deps.sh. A finished unpack leaves CACHE/<package>/.done and is reused.
#
# usage: scripts/fetch-kernel.sh [--current] PACKAGE...
#   prints CACHE/<package> for each; --current also points CACHE/current at the last one.
#   CACHE is $TWLAB_VM_CACHE, default /var/cache/twlab/vm.
# Exit: 0, 2 usage or a package apt's lists do not have, 3 a package could not be fetched (no
# lists at all, no network, not root). One fetch of a package at a time (flock on
# CACHE/.PACKAGE.lock): a second caller waits for the first and reuses its unpack.
set -euo pipefail

VM_CACHE=${TWLAB_VM_CACHE:-/var/cache/twlab/vm}
current=0
[ "${1:-}" = "--current" ] && { current=1; shift; }
[ $# -gt 0 ] || { echo "usage: $0 [--current] PACKAGE..." >&2; exit 2; }

fetch_one() { # PACKAGE: unpack it into $VM_CACHE/PACKAGE unless that is done already
	local pkg=$1 dir=$VM_CACHE/$1 tmp rc
	[[ "$pkg" =~ ^linux-image-[0-9A-Za-z.+~-]+$ ]] || { echo "twlab: not a kernel package name: $pkg" >&2; return 2; }
	[ -e "$dir/.done" ] && return 0
	if ! apt-cache show "$pkg" >/dev/null 2>&1; then
		if [ -z "$(apt-cache pkgnames linux-image- 2>/dev/null | head -1)" ]; then
			echo "twlab: apt's package lists know no kernel at all (apt-get update?)" >&2
			return 3
		fi
		# twlab (TWLAB_FETCH_QUIET=1) says it itself, once, naming its --kernel
		[ "${TWLAB_FETCH_QUIET:-0}" = 1 ] ||
			echo "twlab: no Debian package $pkg (not in apt's lists: apt-cache search linux-image- lists the kernels there)" >&2
		return 2
	fi
	mkdir -p "$VM_CACHE"
	exec {lk}>"$VM_CACHE/.$pkg.lock"
	flock "$lk"
	[ -e "$dir/.done" ] && { exec {lk}>&-; return 0; }
	echo "twlab: fetching $pkg into $dir (not installed)" >&2
	mkdir -p "$VM_CACHE"
	tmp=$(mktemp -d "$VM_CACHE/.fetch.XXXXXX")
	chown _apt "$tmp" 2>/dev/null || true	# apt-get download drops to _apt
	rc=0
	# the folder holds this one .deb (its name has the version, maybe %-escaped)
	(cd "$tmp" && apt-get download -qq "$pkg" >/dev/null) &&
		rm -rf "$dir" && dpkg-deb -x "$tmp"/*.deb "$dir" || rc=3
	[ $rc -eq 0 ] && touch "$dir/.done"
	rm -rf "$tmp"
	exec {lk}>&-
	[ $rc -eq 0 ] || { echo "twlab: could not fetch $pkg (apt-get download, dpkg-deb -x)" >&2; return 3; }
}

for p in "$@"; do
	fetch_one "$p" || exit $?
	echo "$VM_CACHE/$p"
done
[ $current -eq 1 ] && ln -sfn "${!#}" "$VM_CACHE/current"
exit 0
