#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The lab kernel (scripts/build-kernel.sh) from ../shared/kernels/linux-4.11.tar.xz: built
# once into the cache and reused, boots under scripts/run-in-vm.sh with the host's clock, has
# its own tcp_tw_recycle; then `twlab run --kernel` of the demo gives the lockout on its real
# rule. Skipped, with the reason, when the tarball is not beside the project.
. "$(dirname "$0")/lib.sh"
require_root "lab kernel 4.11"
TARBALL=${TWLAB_KERNEL_TARBALL:-$TOP/../shared/kernels/linux-4.11.tar.xz}
if [ ! -r "$TARBALL" ]; then
	log_test $KSFT_SKIP "lab kernel 4.11" "no $TARBALL (the kernel source is not beside the project)"
	exit 0
fi
if ! command -v qemu-system-x86_64 >/dev/null; then
	log_test $KSFT_SKIP "lab kernel 4.11" "no qemu-system-x86_64 (scripts/install-deps.sh vm)"
	exit 0
fi

# --- build (cached: `make test` built it before the tests; a cold build takes 2.5-20 min)
start=$(date +%s%N)
K=$("$TOP/scripts/build-kernel.sh" --tarball "$TARBALL" 2>"$TMP/build.err"); rc=$?
secs=$((($(date +%s%N) - start) / 1000000000))
log_test $([ $rc -eq 0 ] && [ -r "$K" ] && echo 0 || echo 1) \
	"build-kernel: a 4.11 image from the tarball (${secs} s)" "rc $rc; $(tail -2 "$TMP/build.err")"
[ $rc -eq 0 ] || exit $RET
start=$(date +%s%N)
K2=$("$TOP/scripts/build-kernel.sh" --tarball "$TARBALL" 2>"$TMP/build2.err"); rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
log_test $([ $rc -eq 0 ] && [ "$K2" = "$K" ] && grep -q reusing "$TMP/build2.err" && echo 0 || echo 1) \
	"build-kernel: unchanged inputs reuse the build (${ms} ms)" "rc $rc; $(cat "$TMP/build2.err")"
other=$("$TOP/scripts/build-kernel.sh" --tarball "$TARBALL" --hz 250 --print-key)
log_test $([ "$other" != "$(dirname "$(dirname "$K")")" ] && echo 0 || echo 1) \
	"build-kernel: HZ is one of the inputs (250 maps to another build)" "$other"
grep -q '^CONFIG_HZ=1000$' "$(dirname "$K")/../config"
log_test $? "build-kernel: the default build ticks at HZ=1000"
"$TOP/scripts/build-kernel.sh" --tarball "$TARBALL" --sha256 "$(printf '0%.0s' {1..64})" >/dev/null 2>&1
log_test $([ $? -eq 3 ] && echo 0 || echo 1) "build-kernel: a wrong SHA-256 is refused (exit 3)"

# --- boot: the kernel, its own tcp_tw_recycle, the host's clock
mkdir -p "$TMP/vm"
host_now=$(date +%s)
start=$(date +%s%N)
"$TOP/scripts/run-in-vm.sh" --timeout 180 "$K" "$TMP/vm" -- sh -c \
	'uname -r; date +%s; cat /proc/sys/net/ipv4/tcp_tw_recycle' >/dev/null 2>"$TMP/vm.err"
rc=$?
secs=$((($(date +%s%N) - start) / 1000000000))
mapfile -t g <"$TMP/vm/guest.log"
log_test $([ $rc -eq 0 ] && [ "${g[0]:-}" = 4.11.0 ] && [ "${g[2]:-}" = 0 ] && echo 0 || echo 1) \
	"run-in-vm boots 4.11.0, tcp_tw_recycle present (${secs} s)" "rc $rc; ${g[*]:-}; $(tail -2 "$TMP/vm.err")"
off=$(( ${g[1]:-0} - host_now )); off=${off#-}
log_test $([ "$off" -le $((secs + 60)) ] && echo 0 || echo 1) \
	"the guest's clock is the host's (within the boot time)" "guest ${g[1]:-?}, host $host_now"
exit $RET
