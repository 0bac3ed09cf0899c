#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The quick version of scripts/stress-signals.sh: 20 runs of run, up and down, each hit by a
# random terminating signal (INT TERM HUP QUIT PIPE USR1 USR2 ALRM, or KILL and then `twlab
# clean`) at a random moment of its whole span; after each, nothing of the lab is left and
# the host's namespace is as it was. SEED and N override the seed and the count.
source "$(dirname "$0")/lib.sh"
require_root "signals"
# (its stderr holds bash's notes on the jobs it killed: shown only on failure)
out=$(timeout 400 bash "$TOP/scripts/stress-signals.sh" -n "${N:-20}" -s "${SEED:-8080}" -l sgsig -k 2>"$TMP/stress.err")
rc=$?
echo "$out" | sed 's/^/# /'
[ $rc -eq 0 ] || sed 's/^/# /' "$TMP/stress.err"
log_test $rc "every terminating signal at ${N:-20} random moments of run, up, down, clean: nothing left" \
	"$(grep '^run ' <<<"$out" | head -3 | tr '\n' ' ')"

# SIGKILL at exact steps (strace injects it on entry to the Nth matching system call, which is
# then not made): each state-file line, the namespace's name (linkat), its binding
# (move_mount), the start of a namespace (unshare); and in down between a namespace's unmount
# and its unlink. `clean` must leave nothing each time: every name that exists is in the
# journal first, and a mount point left unbound is provably twlab's. (When the call never comes,
# as on a kernel without move_mount, strace would wait for the lab's agents: it is killed at
# 20 s, the lab stays up, and clean removes it.)
if ! command -v strace >/dev/null; then
	log_test $KSFT_SKIP "SIGKILL at each step of making and removing a namespace" "no strace"
	exit $RET
fi
tk=$(topo sgk <<'T'
[lab]
duration = 1s
[server]
[router]
[client a]
replicas = 3
T
)
export TWLAB_STATE_DIR=$TMP/kstate
left_k() {
	leftovers sgk | grep -v '^state '; [ -e "$TWLAB_STATE_DIR/sgk.json" ] && echo state-file
	ls /run/netns | grep '^twl-sgk-'; find /sys/fs/cgroup -maxdepth 3 -path '*/twlab/sgk' | sed 's/^/cgroup /'
	true
}
bad=0 details="" n=0
for spec in write:2 write:3 write:4 write:5 write:6 linkat:1 linkat:3 move_mount:1 move_mount:2 unshare:2; do
	sys=${spec%:*} when=${spec#*:} P=()
	[ "$sys" = write ] && P=(-P "$TWLAB_STATE_DIR/sgk.json")
	(timeout -s KILL 20 strace -f -qq -o /dev/null -e trace="$sys" -e inject="$sys:signal=SIGKILL:when=$when" \
		"${P[@]}" "$TWLAB" up "$tk" >/dev/null 2>&1) 2>/dev/null
	"$TWLAB" clean >/dev/null 2>&1
	l=$(left_k); n=$((n + 1))
	[ -n "$l" ] && { bad=$((bad + 1)); details+=" up killed at $sys #$when left: $(echo $l);"; }
	for x in $(ls /run/netns | grep '^twl-sgk-'); do ip netns del "$x" 2>/dev/null || rm -f "/run/netns/$x"; done
	find /sys/fs/cgroup -maxdepth 3 -path '*/twlab/sgk' -exec rmdir {} + 2>/dev/null
	rm -f "$TWLAB_STATE_DIR/sgk.json"
done
for ns in twl-sgk-server twl-sgk-router; do
	"$TWLAB" up "$tk" >/dev/null 2>&1 || { bad=$((bad + 1)); details+=" up failed;"; continue; }
	(timeout -s KILL 20 strace -f -qq -o /dev/null -e trace=unlink,unlinkat \
		-e inject=unlink,unlinkat:signal=SIGKILL:when=1 -P "/run/netns/$ns" "$TWLAB" down sgk \
		>/dev/null 2>&1) 2>/dev/null
	"$TWLAB" clean >/dev/null 2>&1
	l=$(left_k); n=$((n + 1))
	[ -n "$l" ] && { bad=$((bad + 1)); details+=" down killed before unlinking $ns left: $(echo $l);"; }
	for x in $(ls /run/netns | grep '^twl-sgk-'); do ip netns del "$x" 2>/dev/null || rm -f "/run/netns/$x"; done
	find /sys/fs/cgroup -maxdepth 3 -path '*/twlab/sgk' -exec rmdir {} + 2>/dev/null
	rm -f "$TWLAB_STATE_DIR/sgk.json"
done
[ $bad -eq 0 ]
log_test $? "SIGKILL at $n exact steps of making and removing namespaces + clean: nothing left" "$details"
exit $RET
