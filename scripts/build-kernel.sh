#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build a small x86_64 lab kernel from a source tarball: `make tinyconfig`, then the project's
# fragment (scripts/kernel/lab.config, everything built in), then the HZ asked for. The result
# goes into twlab's cache, in a folder named by the hash of the inputs (the tarball's SHA-256,
# the fragment, HZ and this script's version), laid out as run-in-vm.sh expects:
#   CACHE/<key>/boot/vmlinuz-<release>, CACHE/<key>/lib/modules/<release>/kernel/ (empty),
#   CACHE/<key>/config, CACHE/<key>/inputs, CACHE/<key>/build.log
# A build whose inputs did not change is reused, not rebuilt. The tarball is only read (it may be
# on a read-only share): it is unpacked into CACHE/src-<tarball hash>/, once.
#
# usage: scripts/build-kernel.sh [--tarball FILE] [--sha256 HEX|FILE] [--hz N] [--fragment FILE]
#                                [--cache DIR] [--jobs N] [--print-key]
#   --tarball FILE  linux-X.Y.tar.{xz,gz} (default ../shared/kernels/linux-4.11.tar.xz, whose
#                   FILE.sha256 is then checked too)
#   --sha256 X      the expected SHA-256 (hex, or a file in `sha256sum` format); default
#                   FILE.sha256 when it exists. A mismatch is an error (exit 3).
#   --hz N          100, 250, 300 or 1000 (default 1000)
#   --fragment F    config fragment (default scripts/kernel/lab.config)
#   --cache DIR     default $TWLAB_KERNEL_CACHE or /var/cache/twlab/kernels
#   --jobs N        make -j N (default 2), always under nice -n 10
#   --print-key     print the cache folder the inputs map to, build nothing
#   --optional      no tarball is not an error: say so and exit 0 (`make test`)
# stdout: the path of the kernel image (the last and only line); progress goes to stderr.
# Exit: 0 built or reused; 2 bad usage; 3 environment (no tarball, checksum mismatch, no
# compiler); 4 the build failed (see build.log).
set -euo pipefail

VERSION=1 # bump when a change here changes what gets built
HERE=$(cd "$(dirname "$0")" && pwd)
TARBALL=$HERE/../../shared/kernels/linux-4.11.tar.xz SHA="" HZ=1000
FRAGMENT=$HERE/kernel/lab.config CACHE=${TWLAB_KERNEL_CACHE:-/var/cache/twlab/kernels}
JOBS=2 PRINT_KEY=0 OPTIONAL=0
die() { echo "build-kernel: $1" >&2; exit "${2:-3}"; }
log() { echo "build-kernel: $*" >&2; }

while [ $# -gt 0 ]; do
	case "$1" in
	--tarball) TARBALL=$2; shift 2 ;;
	--sha256) SHA=$2; shift 2 ;;
	--hz) HZ=$2; shift 2 ;;
	--fragment) FRAGMENT=$2; shift 2 ;;
	--cache) CACHE=$2; shift 2 ;;
	--jobs) JOBS=$2; shift 2 ;;
	--print-key) PRINT_KEY=1; shift ;;
	--optional) OPTIONAL=1; shift ;;
	-h|--help) sed -n '3,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument $1 (see --help)" 2 ;;
	esac
done
case "$HZ" in 100|250|300|1000) ;; *) die "--hz $HZ: the kernel offers 100, 250, 300 or 1000" 2 ;; esac
[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || die "--jobs $JOBS: not a positive number" 2
if [ ! -r "$TARBALL" ]; then
	[ $OPTIONAL = 1 ] && { log "skipped: no kernel source tarball at $TARBALL"; exit 0; }
	die "no kernel source tarball at $TARBALL (give --tarball FILE)"
fi
[ -r "$FRAGMENT" ] || die "cannot read the config fragment $FRAGMENT"
TARBALL=$(realpath "$TARBALL")
[ -z "$SHA" ] && [ -r "$TARBALL.sha256" ] && SHA=$TARBALL.sha256
if [ -n "$SHA" ] && [ -r "$SHA" ]; then SHA=$(awk '{print $1; exit}' "$SHA"); fi
[ -z "$SHA" ] || [[ "$SHA" =~ ^[0-9a-fA-F]{64}$ ]] || die "--sha256: '$SHA' is not a SHA-256" 2

# The tarball's hash names its unpacked tree and is one of the inputs; it is computed every time
# (about 1 s for 100 MB), so a changed file never reuses a stale build.
TARSHA=$(sha256sum "$TARBALL" | cut -d' ' -f1)
if [ -n "$SHA" ] && [ "${SHA,,}" != "$TARSHA" ]; then
	die "$TARBALL: SHA-256 is $TARSHA, expected ${SHA,,}"
fi
KEY=$({ echo "build-kernel $VERSION"; echo "tarball $TARSHA"; echo "hz $HZ"; cat "$FRAGMENT"; } |
	sha256sum | cut -c1-16)
OUT=$CACHE/$KEY
if [ $PRINT_KEY = 1 ]; then echo "$OUT"; exit 0; fi

image() { ls "$OUT"/boot/vmlinuz-* 2>/dev/null | head -1; }
if [ -e "$OUT/done" ] && [ -n "$(image)" ]; then
	log "reusing $OUT (inputs unchanged: $(basename "$TARBALL") ${TARSHA:0:12}, HZ=$HZ, $(basename "$FRAGMENT"))"
	image; exit 0
fi

command -v gcc >/dev/null && command -v make >/dev/null && command -v bc >/dev/null ||
	die "building a kernel needs gcc, make and bc (apt-get install build-essential bc)"
mkdir -p "$CACHE"
# One build per key at a time; a second caller waits and then reuses it.
exec 9>"$CACHE/.lock-$KEY"
flock 9
if [ -e "$OUT/done" ] && [ -n "$(image)" ]; then log "reusing $OUT (built meanwhile)"; image; exit 0; fi

SRC=$CACHE/src-${TARSHA:0:16}
if [ ! -e "$SRC/.unpacked" ]; then
	exec 8>"$CACHE/.lock-src-${TARSHA:0:16}"
	flock 8
	if [ ! -e "$SRC/.unpacked" ]; then
		log "unpacking $TARBALL into $SRC"
		rm -rf "$SRC"; mkdir -p "$SRC"
		tar -xf "$TARBALL" -C "$SRC" --strip-components=1 || die "cannot unpack $TARBALL" 4
		[ -e "$SRC/Makefile" ] && [ -d "$SRC/arch/x86" ] || die "$TARBALL is not a Linux source tree with arch/x86"
		touch "$SRC/.unpacked"
	fi
	exec 8>&-
fi

rm -rf "$OUT"; mkdir -p "$OUT/build"
BLD=$OUT/build
{ echo "tarball $TARBALL"; echo "sha256 $TARSHA"; echo "hz $HZ"; echo "fragment $(realpath "$FRAGMENT")"
  echo "script-version $VERSION"; } >"$OUT/inputs"
# gcc 10+ defaults to -fno-common, which old kernels' host tools (dtc, kconfig) do not link with.
MK=(nice -n 10 make -C "$SRC" O="$BLD" ARCH=x86_64 HOSTCFLAGS=-fcommon)
start=$(date +%s)
log "configuring (tinyconfig + $(basename "$FRAGMENT") + HZ=$HZ) in $BLD"
{
	"${MK[@]}" tinyconfig
	{ cat "$FRAGMENT"; for h in 100 250 300 1000; do
		if [ $h = "$HZ" ]; then echo "CONFIG_HZ_$h=y"; else echo "# CONFIG_HZ_$h is not set"; fi
	  done; } >"$OUT/fragment"
	# merge_config.sh -m only merges; olddefconfig then resolves the dependencies
	(cd "$BLD" && "$SRC/scripts/kconfig/merge_config.sh" -m -O "$BLD" "$BLD/.config" "$OUT/fragment")
	"${MK[@]}" olddefconfig
} >"$OUT/build.log" 2>&1 || die "configuration failed; see $OUT/build.log" 4
# Every option the fragment asks for must have landed (a missing dependency drops it silently).
missing=""
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) grep -qxF "$line" "$BLD/.config" || missing="$missing ${line%%=*}" ;;
	"# CONFIG_"*" is not set") o=${line#\# }; o=${o%% *}
		! grep -q "^$o=" "$BLD/.config" || missing="$missing !$o" ;;
	esac
done <"$OUT/fragment"
[ -z "$missing" ] || die "the fragment's options did not all apply (dependencies?):$missing; see $BLD/.config" 4
log "building bzImage (nice -n 10 make -j$JOBS); log: $OUT/build.log"
"${MK[@]}" -j"$JOBS" bzImage >>"$OUT/build.log" 2>&1 ||
	{ tail -n 20 "$OUT/build.log" >&2; die "the kernel build failed; see $OUT/build.log" 4; }
REL=$("${MK[@]}" -s kernelrelease 2>/dev/null | tail -1)
[ -n "$REL" ] || die "cannot read the kernel release from $BLD" 4
mkdir -p "$OUT/boot" "$OUT/lib/modules/$REL/kernel"
cp "$BLD/arch/x86/boot/bzImage" "$OUT/boot/vmlinuz-$REL"
cp "$BLD/.config" "$OUT/config"
# The object tree is not needed to boot (no modules): drop it, keep the image and its config.
rm -rf "$BLD"
echo "build-seconds $(($(date +%s) - start))" >>"$OUT/inputs"
touch "$OUT/done"
log "built $OUT/boot/vmlinuz-$REL in $(($(date +%s) - start)) s"
echo "$OUT/boot/vmlinuz-$REL"
