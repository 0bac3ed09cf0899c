#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boot a kernel in QEMU, share this host's root read-only over 9p, and run one command inside
# it (chrooted into the shared root, same working directory). OUTDIR is shared writable at the
# same path in the guest; the guest leaves there:
#   guest.log (the command's stdout and stderr), rc (its exit status), and the host writes
#   console.log (the serial console).
# `twlab verify --kernel` uses this to run the suite on another kernel.
#
# usage: scripts/run-in-vm.sh [--modules DIR] [--timeout S] [--mem MB] [--cpus N]
#                             VMLINUZ OUTDIR -- CMD [ARGS...]
#   --modules DIR  the kernel's lib/modules/VERSION (default: ../lib/modules/VERSION next to
#                  a boot/vmlinuz-VERSION, as Debian's packages unpack)
#   --timeout S    kill the VM after S seconds (default 600); exit 124 then
#   --prepare      only build what is cached per kernel (the initramfs, the uncompressed ELF
#                  below) and exit: `run-in-vm.sh --prepare [--modules DIR] VMLINUZ`
# Exit: the command's status; 3 environment (no qemu, no modules, ...); 4 the VM gave no result.
#
# The command and its environment (TWLAB_* variables: TWLAB_GATE, TWLAB_LOG_DIR, default the
# shared folder's logs/) go into OUTDIR/.vmrun.sh, which the guest's init runs; the kernel
# command line carries only the two folders' paths and the host's time. The initramfs holds
# nothing per run, so it is built once per kernel, modules folder and script version into
# $TWLAB_INITRD_CACHE (default /var/cache/twlab/initrd; built in OUTDIR when that is not
# writable) and reused.
#
# The initramfs holds a static busybox and the modules needed before the root is mounted
# (virtio, 9p) plus what twlab's labs need (veth, bridge, nftables NAT, conntrack, tc BPF,
# sock_diag for twlab audit's socket timers),
# with their dependencies; /sbin/modprobe is busybox, so the kernel can load them on demand.
# Tested with Debian 12's linux-image-6.1.*-amd64 (the cloud flavour has no 9p).
set -euo pipefail

MODULES="" TIMEOUT=600 MEM=1024 PREPARE=0 CPUS=$(nproc)
[ "$CPUS" -gt 4 ] && CPUS=4
die() { echo "run-in-vm: $1" >&2; exit "${2:-3}"; }

while [ $# -gt 0 ]; do
	case "$1" in
	--modules) MODULES=$2; shift 2 ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	--mem) MEM=$2; shift 2 ;;
	--cpus) CPUS=$2; shift 2 ;;
	--prepare) PREPARE=1; shift ;;
	--) break ;;
	-*) die "unknown option $1" 2 ;;
	*) break ;;
	esac
done
if [ "$PREPARE" = 1 ]; then
	[ $# -eq 1 ] || die "usage: $0 --prepare [--modules DIR] VMLINUZ" 2
	set -- "$1" /tmp -- true
fi
[ $# -ge 4 ] && [ "$3" = "--" ] || die "usage: $0 [--modules DIR] [--timeout S] VMLINUZ OUTDIR -- CMD [ARGS...]" 2
KERNEL=$(realpath "$1") OUT=$(realpath "$2")
shift 3

command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (apt-get install qemu-system-x86; scripts/install-deps.sh vm)"
BUSYBOX=$(command -v busybox) || die "busybox missing (apt-get install busybox-static)"
file -L "$BUSYBOX" 2>/dev/null | grep -q 'statically linked' ||
	{ [ -x /bin/busybox ] && BUSYBOX=/bin/busybox; }
command -v cpio >/dev/null || die "cpio missing (apt-get install cpio)"
[ -r "$KERNEL" ] || die "cannot read $KERNEL"
[ -d "$OUT" ] || die "no folder $OUT"

if [ -z "$MODULES" ]; then
	ver=$(basename "$KERNEL"); ver=${ver#vmlinuz-}
	MODULES=$(dirname "$KERNEL")/../lib/modules/$ver
fi
[ -d "$MODULES/kernel" ] || die "no kernel modules in $MODULES (give --modules DIR: the kernel's lib/modules/VERSION)"
MODULES=$(realpath "$MODULES")
KVER=$(basename "$MODULES")

# Modules, in load order; a missing one is fine when it is built in.
# 4.11 names its IPv4 NAT pieces apart (nf_nat_ipv4, nft_chain_nat_ipv4, nft_masq_ipv4, ...).
WANT="virtio virtio_ring virtio_pci netfs fscache 9pnet 9pnet_virtio 9p
	veth bridge crc32c_generic crc32c_intel libcrc32c nfnetlink nf_conntrack nf_nat nf_tables nft_chain_nat nft_masq nft_nat nft_ct
	nf_defrag_ipv4 nf_conntrack_ipv4 nf_nat_ipv4 nf_nat_masquerade_ipv4 nft_chain_nat_ipv4 nft_masq_ipv4
	nf_conntrack_netlink sch_ingress cls_bpf act_bpf inet_diag tcp_diag"

# The cache key: this script (the init is in it), the kernel's modules folder and busybox.
INITRD_CACHE=${TWLAB_INITRD_CACHE:-/var/cache/twlab/initrd}
key=$( { sha256sum "$0" | cut -c1-64; echo "$KVER $MODULES"
	  stat -L -c '%Y %s' "$MODULES" "$BUSYBOX"; stat -c '%Y %s' "$MODULES/modules.order" 2>/dev/null || true; } |
	sha256sum | cut -c1-16)
if mkdir -p "$INITRD_CACHE" 2>/dev/null && [ -w "$INITRD_CACHE" ]; then
	INITRD=$INITRD_CACHE/$KVER-$key.gz KEEP_INITRD=1
else
	INITRD=$OUT/initrd.gz KEEP_INITRD=0
fi
if [ -s "$INITRD" ]; then
	echo "run-in-vm: reusing initramfs $INITRD" >&2
else # (not indented: the init is a here-document)
STAGE=$(mktemp -d /tmp/twlab-initrd.XXXXXX)
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE"/{bin,sbin,proc,sys,dev,mnt,lib/modules/$KVER}

# name -> path of every module of this kernel (names use _ for -)
declare -A KO
while IFS= read -r f; do
	n=${f##*/}; n=${n%%.ko*}; KO[${n//-/_}]=$f
done < <(find "$MODULES/kernel" -name '*.ko*')

copy_mod() { # NAME: copy it and its dependencies (modinfo "depends=") into the initramfs
	local n=${1//-/_} f dst deps d
	f=${KO[$n]:-}
	[ -n "$f" ] || return 0
	dst=$STAGE/lib/modules/$KVER/${f#"$MODULES"/}
	dst=${dst%.xz}; dst=${dst%.zst}; dst=${dst%.gz}
	[ -e "$dst" ] && return 0
	mkdir -p "$(dirname "$dst")"
	case "$f" in
	*.xz) xz -dc "$f" >"$dst" ;;
	*.zst) zstd -qdc "$f" >"$dst" ;;
	*.gz) gzip -dc "$f" >"$dst" ;;
	*) cp "$f" "$dst" ;;
	esac
	deps=$(tr '\0' '\n' <"$dst" | sed -n 's/^depends=//p' | head -1)
	for d in ${deps//,/ }; do copy_mod "$d"; done
}
for m in $WANT; do copy_mod "$m"; done
# A kernel with everything built in (scripts/build-kernel.sh) has an empty modules folder:
# nothing to load, and no "no module" lines for each name above.
LOAD=$WANT
[ -n "$(find "$MODULES/kernel" -name "*.ko*" -print -quit)" ] || LOAD=""
for f in modules.order modules.builtin modules.builtin.modinfo; do
	[ -e "$MODULES/$f" ] && cp "$MODULES/$f" "$STAGE/lib/modules/$KVER/"
done
"$BUSYBOX" depmod -b "$STAGE" "$KVER" || die "depmod failed for $KVER"

cp "$BUSYBOX" "$STAGE/bin/busybox"
for a in sh mount umount modprobe insmod mkdir cat echo chroot poweroff sync uname sleep date cut; do
	ln -s busybox "$STAGE/bin/$a"
done
ln -s ../bin/busybox "$STAGE/sbin/modprobe"

cat >"$STAGE/init" <<EOF
#!/bin/sh
export PATH=/bin:/sbin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
# the guest's uptime at each step, for the host's split of the boot (console.log)
echo "twlab-vm: init at \$(cut -d' ' -f1 /proc/uptime)"
echo /sbin/modprobe >/proc/sys/kernel/modprobe
# The host's wall clock (tcp_metrics stamps records with it: a guest in 1970 would find every
# record fresh). QEMU's RTC usually has it already; set it when it is more than a minute off.
for a in \$(cat /proc/cmdline); do
	case \$a in
	twlab.time=*) host=\${a#twlab.time=} ;;
	twlab.out=*) OUT=\${a#twlab.out=} ;;
	twlab.cwd=*) CWD=\${a#twlab.cwd=} ;;
	esac
done
if [ -n "\$host" ]; then
	up=\$(cut -d. -f1 /proc/uptime); want=\$((host + up)); now=\$(date +%s)
	if [ \$((now - want)) -gt 60 ] || [ \$((want - now)) -gt 60 ]; then
		date -s @\$want >/dev/null && echo "twlab-vm: clock set from the host (was \$now)"
	fi
fi
for m in $(echo $LOAD); do
	[ -d /sys/module/\$m ] || modprobe \$m || echo "twlab-vm: no module \$m"
done
echo "twlab-vm: modules at \$(cut -d' ' -f1 /proc/uptime)"
if ! mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose hostroot /mnt; then
	echo "twlab-vm: cannot mount the host root over 9p"; poweroff -f
fi
for m in "proc proc /mnt/proc" "sysfs sys /mnt/sys" "devtmpfs dev /mnt/dev" "tmpfs run /mnt/run" \
	 "tmpfs tmp /mnt/tmp"; do
	set -- \$m
	mount -t \$1 \$2 \$3 || echo "twlab-vm: cannot mount \$1 on \$3"
done
mount -t bpf bpf /mnt/sys/fs/bpf 2>/dev/null
# A working directory under /tmp or /run (a CI clone, say) is shared on its own: the tmpfs
# mounts above would hide it. Elsewhere the host's root has it already (and a share of / or
# /proc would hide the mounts above).
case "\$CWD" in
/tmp | /tmp/* | /run | /run/*)
	mkdir -p "/mnt\$CWD" 2>/dev/null
	mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose twcwd "/mnt\$CWD" ||
		echo "twlab-vm: cannot mount \$CWD" ;;
esac
mkdir -p "/mnt\$OUT"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 twout "/mnt\$OUT" || echo "twlab-vm: cannot mount \$OUT"
echo "twlab-vm: kernel \$(uname -r), running \$OUT/.vmrun.sh at \$(cut -d' ' -f1 /proc/uptime)"
TWLAB_VM=1 chroot /mnt /bin/sh "\$OUT/.vmrun.sh" >"/mnt\$OUT/guest.log" 2>&1
echo \$? >"/mnt\$OUT/rc"
echo "twlab-vm: done, status \$(cat "/mnt\$OUT/rc")"
sync; umount "/mnt\$OUT"
poweroff -f
EOF
chmod +x "$STAGE/init"
(cd "$STAGE" && find . | cpio -o -H newc --quiet) | gzip -1 >"$INITRD.tmp.$$"
mv -f "$INITRD.tmp.$$" "$INITRD"
fi

# A bzImage decompresses itself before the kernel's clock starts, and Debian's are XZ: under
# software emulation that takes 3-12 s of each boot. A kernel built with CONFIG_PVH (Debian's
# are) boots straight from its uncompressed ELF through the PVH entry (QEMU loads it, with the
# same -initrd and -append), so the ELF is extracted once into the cache beside the initramfs
# and booted instead. TWLAB_VM_PVH=0 boots the image as it is.
BOOT=$KERNEL
pvh_elf() { # print the cached ELF of $KERNEL, extracting it first; fail when there is none
	local cfg ver magic off tool out
	ver=$(basename "$KERNEL"); ver=${ver#vmlinuz-}
	cfg=$(dirname "$KERNEL")/config-$ver
	[ -r "$cfg" ] && grep -qx 'CONFIG_PVH=y' "$cfg" || return 1
	[ "$KEEP_INITRD" = 1 ] || return 1
	out=$INITRD_CACHE/vmlinux-$KVER-$( { echo "$KERNEL"; stat -L -c '%Y %s' "$KERNEL"; } | sha256sum | cut -c1-16)
	[ -s "$out" ] && { echo "$out"; return 0; }
	for magic in 'xz \xfd7zXZ\x00' 'zstd \x28\xb5\x2f\xfd' 'gzip \x1f\x8b\x08'; do
		tool=${magic%% *}
		off=$(LC_ALL=C grep -obUaP "${magic#* }" "$KERNEL" 2>/dev/null | head -1 | cut -d: -f1)
		[ -n "$off" ] && command -v "$tool" >/dev/null || continue
		tail -c +$((off + 1)) "$KERNEL" | "$tool" -dcq >"$out.tmp.$$" 2>/dev/null || true
		if [ "$(head -c 4 "$out.tmp.$$" | od -An -c | tr -d ' ')" = '177ELF' ]; then
			mv -f "$out.tmp.$$" "$out"
			echo "$out"
			return 0
		fi
	done
	rm -f "$out.tmp.$$"
	return 1
}
if [ "${TWLAB_VM_PVH:-1}" != 0 ] && elf=$(pvh_elf); then
	BOOT=$elf
	echo "run-in-vm: booting the uncompressed ELF $BOOT (PVH entry)" >&2
fi

if [ "$PREPARE" = 1 ]; then
	[ "$KEEP_INITRD" = 1 ] || die "cannot write $INITRD_CACHE"
	echo "run-in-vm: prepared $INITRD, booting $BOOT" >&2
	exit 0
fi

# The command, run by the guest's init from the shared folder (same paths inside)
CWD=$(pwd)
shq() { local a; for a in "$@"; do printf " '%s'" "${a//\'/\'\\\'\'}"; done; } # POSIX sh quoting
{
	echo "# written by run-in-vm.sh for one run (the guest's /bin/sh runs it)"
	for v in TWLAB_GATE TWLAB_LOG_DIR; do
		[ -n "${!v:-}" ] && printf 'export %s=%s\n' "$v" "$(shq "${!v}" | cut -c2-)"
	done
	[ -n "${TWLAB_LOG_DIR:-}" ] || printf 'export TWLAB_LOG_DIR=%s\n' "$(shq "$OUT/logs" | cut -c2-)"
	printf 'cd%s || exit 4\n' "$(shq "$CWD")"
	printf 'exec%s\n' "$(shq "$@")"
} >"$OUT/.vmrun.sh"

ACCEL="tcg,thread=multi" CPU=max
# KVM only where it really works (NOTES: /dev/kvm may exist without VMX/SVM under nesting)
if [ -w /dev/kvm ] && grep -qE '\b(vmx|svm)\b' /proc/cpuinfo; then ACCEL=kvm CPU=host; fi
rm -f "$OUT/rc" "$OUT/guest.log"
echo "run-in-vm: booting $KERNEL ($KVER, accel ${ACCEL%%,*}, ${CPUS} cpus, ${MEM} MB, timeout ${TIMEOUT} s)" >&2
start=$(date +%s%N)
# boot / command / shutdown split: the guest creates guest.log when the command starts and rc
# when it ends, on the shared folder; note when each appears (for the timings, not a wait)
( while [ ! -e "$OUT/guest.log" ]; do sleep 0.05; done; b=$(date +%s%N)
  while [ ! -e "$OUT/rc" ]; do sleep 0.05; done; echo "$b $(date +%s%N)" >"$OUT/.times" ) &
watch=$!
set +e
timeout -k 10 "$TIMEOUT" qemu-system-x86_64 -accel "$ACCEL" -cpu "$CPU" -smp "$CPUS" -m "$MEM" \
	-kernel "$BOOT" -initrd "$INITRD" \
	-append "console=ttyS0 panic=-1 quiet loglevel=4 twlab.time=$(date +%s) twlab.out=$OUT twlab.cwd=$CWD" \
	-display none -monitor none -serial "file:$OUT/console.log" -nic none -no-reboot \
	-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
	-virtfs "local,path=$CWD,mount_tag=twcwd,security_model=none,readonly=on,multidevs=remap" \
	-virtfs "local,path=$OUT,mount_tag=twout,security_model=none"
qrc=$?
set -e
[ "$KEEP_INITRD" = 1 ] || rm -f "$INITRD"
rm -f "$OUT/.vmrun.sh"
end=$(date +%s%N)
kill $watch 2>/dev/null || true; wait $watch 2>/dev/null || true
if read -r b e <"$OUT/.times" 2>/dev/null; then
	# the boot split from the guest's uptimes: QEMU and firmware until the kernel starts,
	# the kernel until init, init's modules, its mounts until the command
	split=$(awk -v boot=$(((b - start) / 1000000)) '
		/twlab-vm: init at / { i = $NF * 1000 }
		/twlab-vm: modules at / { m = $NF * 1000 }
		/twlab-vm: kernel .* running .* at / { c = $NF * 1000 }
		END { if (i && m && c) printf " (firmware %d ms, kernel %d ms, modules %d ms, mounts %d ms)",
			boot - c, i, m - i, c - m }' "$OUT/console.log" 2>/dev/null || true)
	echo "run-in-vm: VM ran $(((end - start) / 1000000)) ms ($KVER): boot $(((b - start) / 1000000)) ms$split, command $(((e - b) / 1000000)) ms, shutdown $(((end - e) / 1000000)) ms" >&2
else
	echo "run-in-vm: VM ran $(((end - start) / 1000000)) ms" >&2
fi
rm -f "$OUT/.times"
if [ $qrc -eq 124 ] || [ $qrc -eq 137 ]; then
	echo "run-in-vm: timed out after $TIMEOUT s; console: $OUT/console.log" >&2
	exit 124
fi
if [ ! -e "$OUT/rc" ]; then
	echo "run-in-vm: the guest did not finish (qemu status $qrc); last console lines:" >&2
	tail -n 20 "$OUT/console.log" >&2 || true
	exit 4
fi
exit "$(cat "$OUT/rc")"
