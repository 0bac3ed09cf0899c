#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Shared by the integration tests (kselftest style): a cleanup stack armed before anything is
# created, bounded waits, "TEST: name [ OK ]" lines, and the leak check that follows each test.
set -u
# twlab speaks the runner's language (LC_ALL, LC_MESSAGES, LANG): the tests read English
export LC_ALL=C.UTF-8
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TWLAB="$TOP/twlab"
TMP=$(mktemp -d /tmp/twlab-test.XXXXXX)
RET=0
KSFT_SKIP=4
declare -a CLEANUP=()

defer() { CLEANUP+=("$*"); }
run_cleanup() {
	local i
	for ((i = ${#CLEANUP[@]} - 1; i >= 0; i--)); do eval "${CLEANUP[i]}" >/dev/null 2>&1; done
	CLEANUP=()
	rm -rf "$TMP"
}
trap run_cleanup EXIT

log_test() { # rc name [detail]
	if [ "$1" -eq 0 ]; then
		printf 'TEST: %-62s [ OK ]\n' "$2"
	elif [ "$1" -eq $KSFT_SKIP ]; then
		printf 'TEST: %-62s [SKIP] %s\n' "$2" "${3:-}"
	else
		printf 'TEST: %-62s [FAIL] %s\n' "$2" "${3:-}"
		RET=1
	fi
}

# wait_for TIMEOUT_S CMD...: poll CMD until it succeeds or the deadline passes.
wait_for() {
	local deadline=$(($(date +%s%N) + ${1%.*} * 1000000000)); shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s%N)" -ge "$deadline" ] && return 1
		sleep 0.02	# poll interval inside a deadline, not a wait for time to pass
	done
}

# What a lab may leave behind; empty output = nothing.
leftovers() { # LAB
	ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^twl-$1-" | sed 's/^/netns /'
	[ -e "/run/twlab/$1.json" ] && echo "state /run/twlab/$1.json"
	grep -q " /run/twlab/bpf/$1 " /proc/mounts && echo "bpffs /run/twlab/bpf/$1"
	[ -e "/run/twlab/bpf/$1" ] && echo "folder /run/twlab/bpf/$1"
	local p
	for p in $(pgrep -f "twlab (run|up) .*" 2>/dev/null); do
		tr '\0' ' ' </proc/$p/cmdline 2>/dev/null | grep -q -- "$1" && echo "process $p"
	done
	true
}

# Assert LAB left nothing; waits (bounded) for processes that are still exiting.
check_no_leaks() { # LAB NAME
	local left
	wait_for 10 test -z "$(leftovers "$1")"
	left=$(leftovers "$1")
	if [ -n "$left" ]; then
		log_test 1 "$2: nothing left behind" "$(echo $left)"
		return 1
	fi
	return 0
}

# topo NAME <<EOF ... : write a topology file to $TMP/NAME.ini and print its path.
topo() { cat >"$TMP/$1.ini"; echo "$TMP/$1.ini"; }

require_root() {
	if [ "$(id -u)" -ne 0 ]; then
		log_test $KSFT_SKIP "$1" "needs root"
		exit 0
	fi
}

# jget FILE FILTER: a value from a JSON file (jq).
jget() { jq -r "$2" "$1"; }

# "${WITH_SIGNALS[@]}" CMD... &: run CMD with SIGINT and SIGQUIT at their defaults. A
# non-interactive shell starts `CMD &` with both ignored, and an ignored signal never reaches
# twlab: a test that sends them to a background twlab must start it this way (an array, not
# a function, so that $! is the pid of CMD itself).
WITH_SIGNALS=(perl -e '$SIG{INT} = "DEFAULT"; $SIG{QUIT} = "DEFAULT"; exec @ARGV or die "exec $ARGV[0]: $!\n"' --)

# require_kernel411 NAME: the 4.11 tarball beside the project and QEMU, or a skip line and exit 0.
# Sets TARBALL.
require_kernel411() {
	TARBALL=${TWLAB_KERNEL_TARBALL:-$TOP/../shared/kernels/linux-4.11.tar.xz}
	if [ ! -r "$TARBALL" ]; then
		log_test $KSFT_SKIP "$1" "no $TARBALL (the kernel source is not beside the project)"
		exit 0
	fi
	if ! command -v qemu-system-x86_64 >/dev/null; then
		log_test $KSFT_SKIP "$1" "no qemu-system-x86_64 (scripts/install-deps.sh vm)"
		exit 0
	fi
}
