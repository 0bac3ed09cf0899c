#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# down and clean act only on what twlab made and can still prove. Every crafted state file in
# tests/statefiles/ (missing fields, path traversal in every field, foreign namespaces,
# unrelated pids, the host's namespace, pid 1, twlab's parent, truncated and garbage lines) is
# fed to `down` one by one and then all together to `clean`: each bad line must be reported
# (file lines "# expect: REGEX") and every decoy must survive. The corpus runs in a PID
# namespace of its own (with its own /proc and a private mount namespace): should a check ever
# break, what twlab could kill or unmount there is only the test's own.
# Then real labs: a junk line appended, a stale lab, a zombie owner, names that meet, a name
# taken by a running `twlab run`.
source "$(dirname "$0")/lib.sh"
require_root "statefile"

start_of() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $20}'; }
ino_of() { stat -L -c %i "$1"; }

# ---- the corpus, inside the PID namespace ----
inner() {
	local STATE=$SF_TMP/state f n lab out rc re sub bad
	export TWLAB_STATE_DIR=$STATE
	mkdir -p "$STATE"
	sleep 1000 & DPID=$!; disown
	ip netns exec twl-stsfdecoy-x sleep 1000 & DNSPID=$!; disown
	ip netns exec twl-stsfdecoy-m sleep 1000 & DMPID=$!; disown
	defer kill -9 $DPID $DNSPID $DMPID
	wait_for 5 test "$(ino_of /proc/$DNSPID/ns/net)" = "$(ino_of /run/netns/twl-stsfdecoy-x)"
	wait_for 5 test "$(ino_of /proc/$DMPID/ns/net)" = "$(ino_of /run/netns/twl-stsfdecoy-m)"
	local HOSTINO DNSINO DMINO PLAININO
	HOSTINO=$(ino_of /proc/self/ns/net) DNSINO=$(ino_of /run/netns/twl-stsfdecoy-x)
	DMINO=$(ino_of /run/netns/twl-stsfdecoy-m) PLAININO=$(ino_of /run/netns/stsf-plain)
	sub=(-e "s|@DPID@|$DPID|g" -e "s|@DSTART@|$(start_of $DPID)|g"
	     -e "s|@DSTART1@|$(($(start_of $DPID) + 1))|g"
	     -e "s|@DNSPID@|$DNSPID|g" -e "s|@DNSSTART@|$(start_of $DNSPID)|g"
	     -e "s|@DNSINO@|$DNSINO|g" -e "s|@DNSINO1@|$((DNSINO + 1))|g"
	     -e "s|@DMPID@|$DMPID|g" -e "s|@DMSTART@|$(start_of $DMPID)|g"
	     -e "s|@DMINO1@|$((DMINO + 1))|g"
	     -e "s|@PLAININO@|$PLAININO|g" -e "s|@HOSTINO@|$HOSTINO|g"
	     -e "s|@X@|$SF_X|g" -e "s|@FILEINO@|$(ino_of $SF_X/file)|g"
	     -e "s|@MNTINO@|$(ino_of $SF_X/mnt)|g"
	     -e "s|@START1@|$(start_of 1)|g" -e "s|@PARENT@|$$|g"
	     -e "s|@PARENTSTART@|$(start_of $$)|g" -e "s|@CGINO@|$SF_CGINO|g")

	decoys() { # what must survive: prints what did not
		local p
		for p in $DPID $DNSPID $DMPID 1 $$; do kill -0 $p 2>/dev/null || echo "process $p"; done
		for p in twl-stsfdecoy-x twl-stsfdecoy-m stsf-plain twl-stsf10-host; do
			mountpoint -q /run/netns/$p || echo "netns $p"
		done
		[ -L /run/netns/twl-stsf16-link ] || echo "symlink twl-stsf16-link"
		[ -f /run/netns/twl-stsf38-stub ] || echo "file twl-stsf38-stub"
		grep -q 'populated 1' "$SF_CG/cgroup.events" 2>/dev/null || echo "cgroup $SF_CG"
		[ -f "$SF_X/file" ] || echo "file $SF_X/file"
		mountpoint -q "$SF_X/mnt" || echo "mount $SF_X/mnt"
	}
	install_file() { # FILE -> lab name; the file in the state dir, placeholders filled
		lab=$(sed -n 's/^# lab: //p' "$1")
		[ -n "$lab" ] || lab=stsf$(basename "$1" | cut -d- -f1)
		sed -e '/^# /d' -e "s|@LAB@|$lab|g" "${sub[@]}" "$1" >"$STATE/$lab.json"
	}
	expects() { # FILE OUTPUT: the lines of FILE's "# expect:" not found in OUTPUT
		local re
		while IFS= read -r re; do
			re=$(sed -e "s|@LAB@|$lab|g" "${sub[@]}" <<<"$re")
			grep -qE -- "$re" <<<"$2" || echo "missing '$re'"
		done < <(sed -n 's/^# expect: //p' "$1")
	}

	n=0
	for f in "$TOP"/tests/statefiles/*.jsonl; do
		n=$((n + 1))
		install_file "$f"
		out=$("$TWLAB" down "$lab" 2>&1); rc=$?
		bad="$(expects "$f" "$out") $(decoys)"
		[ -e "$STATE/$lab.json" ] && bad+=" state file left"
		grep -q $'\x1b' <<<"$out" && bad+=" raw escape byte echoed"
		[ $rc -eq 0 ] && [ -z "${bad// /}" ]
		log_test $? "down $(basename "$f"): bad lines reported, decoys survive" \
			"rc=$rc$bad :: $(echo $out)"
	done
	[ $n -ge 20 ]
	log_test $? "the corpus has at least 20 crafted state files ($n)"

	# all of them at once: clean --dry-run, then clean
	for f in "$TOP"/tests/statefiles/*.jsonl; do install_file "$f"; done
	out=$("$TWLAB" clean --dry-run 2>/dev/null); rc=$?
	bad=$(grep -v '^lab [A-Za-z0-9_-]*: ' <<<"$out")
	[ $rc -eq 0 ] && [ -z "$bad" ] && [ -n "$out" ] && [ -z "$(decoys)" ]
	log_test $? "clean --dry-run: every line names its lab, decoys survive" "rc=$rc '$bad' $(decoys)"
	out=$("$TWLAB" clean 2>&1); rc=$?
	bad=$(decoys)
	for f in "$TOP"/tests/statefiles/*.jsonl; do
		lab=$(sed -n 's/^# lab: //p' "$f")
		[ -n "$lab" ] || lab=stsf$(basename "$f" | cut -d- -f1)
		[ "$lab" = stsfdecoy ] && continue	# several files share it; down checked each
		bad+=$(expects "$f" "$out")
	done
	[ $rc -eq 0 ] && [ -z "$bad" ] && [ -z "$(ls "$STATE")" ]
	log_test $? "clean: every bad line of every lab reported, decoys survive" "rc=$rc $bad"

	# a state file whose name is not a lab name: listed as such, never acted on
	printf '{"lab":"x","owner":0}\n{"kind":"netns","name":"twl--rf-x","ino":%s}\n' "$DNSINO" >"$STATE/-rf.json"
	cp "$STATE/-rf.json" "$STATE/a b.json"
	lsout=$("$TWLAB" ls); out=$("$TWLAB" clean 2>&1); rc=$?
	[ "$(grep -c 'not a lab name' <<<"$lsout")" -eq 2 ] && [ "$(grep -c 'is not a lab name' <<<"$out")" -eq 2 ] &&
		[ -e "$STATE/-rf.json" ] && [ -e "$STATE/a b.json" ] && [ -z "$(decoys)" ]
	log_test $? "state files not named for a lab are listed as such and left alone" "rc=$rc $lsout $out"
	rm -f "$STATE/-rf.json" "$STATE/a b.json"

	# lab names on the command line are names, never paths
	mkdir -p "$SF_TMP/adv"
	echo '{"lab":"foo","owner":0}' >"$SF_TMP/adv/foo.json"
	bad=
	for a in "../../..$SF_TMP/adv/foo" "..$SF_TMP/adv/foo" "a/b" ".." "." "-rf" ""; do
		"$TWLAB" down "$a" >/dev/null 2>&1; rc=$?
		[ $rc -eq 2 ] || bad+=" down '$a' rc=$rc"
		"$TWLAB" exec "$a" server -- true >/dev/null 2>&1; rc=$?
		[ $rc -eq 2 ] || bad+=" exec '$a' rc=$rc"
	done
	[ -f "$SF_TMP/adv/foo.json" ] && [ -z "$bad" ]
	log_test $? "down/exec refuse lab names with '/', '..' or a leading '-'" "$bad"

	# an owner pid in a header proves nothing: only the twlab holding the state file's lock
	# is the lab's running twlab. A live unrelated process written there is neither shown
	# as running nor signalled, and the lab can be removed.
	install_file "$TOP/tests/statefiles/35-owner-forged-live.jsonl"
	lsout=$("$TWLAB" ls | grep "^$lab ")
	out=$("$TWLAB" clean 2>&1); rc=$?
	grep -q ' orphaned ' <<<"$lsout" && ! grep -q "pid $DPID" <<<"$lsout$out" && [ $rc -eq 0 ] &&
		[ ! -e "$STATE/$lab.json" ] && [ -z "$(decoys)" ]
	log_test $? "a forged owner pid is not shown as running, not signalled; clean removes the lab" \
		"rc=$rc ls: $lsout :: $(echo $out) $(decoys)"

	# the mount point a SIGKILL left without its binding (up between its two steps, or down):
	# removed when it holds exactly the line twlab wrote for the recorded inode
	(umask 777; printf 'twlab netns twl-stsfstub-a 4711\n' >/run/netns/twl-stsfstub-a)
	printf '{"lab":"stsfstub","owner":0}\n{"kind":"netns","name":"twl-stsfstub-a","ino":4711}\n' >"$STATE/stsfstub.json"
	out=$("$TWLAB" down stsfstub 2>&1); rc=$?
	[ $rc -eq 0 ] && [ ! -e /run/netns/twl-stsfstub-a ] && [ -z "$(decoys)" ]
	log_test $? "down removes the unbound mount point twlab left, not a look-alike" "rc=$rc $out $(decoys)"
	rm -f /run/netns/twl-stsfstub-a

	# a hard-linked state file (its other name may be anything), one of another user, and a
	# state folder that is a symlink or that others may write: refused, nothing acted on
	printf '{"lab":"stsfhl","owner":0}\n{"kind":"proc","name":"x","ns":"twl-stsfhl-a","pid":%s,"start":%s}\n' \
		$DPID "$(start_of $DPID)" >"$SF_TMP/hl-target"
	ln "$SF_TMP/hl-target" "$STATE/stsfhl.json"
	out=$("$TWLAB" down stsfhl 2>&1); rc=$?
	[ $rc -eq 4 ] && grep -q 'refusing.*hard links' <<<"$out" && [ -f "$SF_TMP/hl-target" ] &&
		[ -z "$(decoys)" ]
	log_test $? "down refuses a hard-linked state file" "rc=$rc $out"
	rm -f "$STATE/stsfhl.json"
	echo '{"lab":"stsfnob","owner":0}' >"$STATE/stsfnob.json"; chown nobody "$STATE/stsfnob.json"
	out=$("$TWLAB" down stsfnob 2>&1); rc=$?
	[ $rc -eq 4 ] && grep -q 'refusing.*belongs to uid' <<<"$out" && [ -f "$STATE/stsfnob.json" ]
	log_test $? "down refuses a state file of another user" "rc=$rc $out"
	rm -f "$STATE/stsfnob.json"
	echo '{"lab":"stsfdir","owner":0}' >"$STATE/stsfdir.json"
	ln -s "$STATE" "$SF_TMP/state-link"
	bad=
	for how in link group; do
		if [ $how = link ]; then export TWLAB_STATE_DIR=$SF_TMP/state-link
		else export TWLAB_STATE_DIR=$STATE; chmod 0775 "$STATE"; fi
		out=$("$TWLAB" down stsfdir 2>&1); rc=$?
		[ $rc -eq 4 ] && grep -q refusing <<<"$out" || bad+=" down($how) rc=$rc $out"
		out=$("$TWLAB" clean 2>&1); rc=$?
		[ $rc -eq 4 ] && grep -q 'refusing the state folder' <<<"$out" || bad+=" clean($how) rc=$rc $out"
		out=$("$TWLAB" ls 2>&1); rc=$?
		[ $rc -eq 4 ] && grep -q 'refusing the state folder' <<<"$out" || bad+=" ls($how) rc=$rc $out"
	done
	chmod 0755 "$STATE"; export TWLAB_STATE_DIR=$STATE
	[ -z "$bad" ] && [ -f "$STATE/stsfdir.json" ]
	log_test $? "a state folder that is a symlink or group-writable is refused by down, clean, ls" "$bad"
	rm -f "$STATE/stsfdir.json" "$SF_TMP/state-link"

	# a state file that is a link, or that others may write, is not trusted
	ln -s "$SF_TMP/adv/foo.json" "$STATE/stsflink.json"
	out=$("$TWLAB" down stsflink 2>&1); rc=$?
	[ $rc -eq 4 ] && [ -f "$SF_TMP/adv/foo.json" ] && grep -q refusing <<<"$out"
	log_test $? "down refuses a state file that is a symlink" "rc=$rc $out"
	rm -f "$STATE/stsflink.json"
	echo '{"lab":"stsfww","owner":0}' >"$STATE/stsfww.json"; chmod 0666 "$STATE/stsfww.json"
	out=$("$TWLAB" down stsfww 2>&1); rc=$?
	[ $rc -eq 4 ] && [ -f "$STATE/stsfww.json" ] && grep -q refusing <<<"$out"
	log_test $? "down refuses a state file anyone may write" "rc=$rc $out"
	rm -f "$STATE/stsfww.json"
	exit $RET
}

if [ "${1:-}" = --inner ]; then
	inner
fi

# ---- decoys that must survive, made outside; the corpus runs inside a PID namespace ----
export SF_TMP=$TMP SF_X=$TMP/x
mkdir -p "$SF_X"
mount -t tmpfs stsf-x "$SF_X" && defer umount -l "$SF_X"
echo data >"$SF_X/file"
mkdir "$SF_X/mnt" && mount -t tmpfs stsf-mnt "$SF_X/mnt" && defer umount -l "$SF_X/mnt"
ip netns add twl-stsfdecoy-x && defer ip netns del twl-stsfdecoy-x
ip netns add stsf-plain && defer ip netns del stsf-plain
# two with twlab's mark forged: only the inode rule and the host rule protect them
ip netns add twl-stsfdecoy-m && defer ip netns del twl-stsfdecoy-m
mount -o remount,bind,ro,nosuid,nodev,noexec /run/netns/twl-stsfdecoy-m
ip netns attach twl-stsf10-host $$ && defer ip netns del twl-stsf10-host
mount -o remount,bind,ro,nosuid,nodev,noexec /run/netns/twl-stsf10-host
ln -s /proc/1/ns/net /run/netns/twl-stsf16-link && defer rm -f /run/netns/twl-stsf16-link
# a cgroup someone else made at twlab's path for lab stsf39, with a process in it
export SF_CG=$(findmnt -t cgroup2 -n -o TARGET | head -1)/twlab/stsf39
mkdir -p "$SF_CG" && defer 'kill -9 $cgpid; wait_for 5 grep -q "populated 0" "$SF_CG/cgroup.events"; rmdir "$SF_CG" "${SF_CG%/*}"'
sleep 1000 & cgpid=$!; disown
echo $cgpid >"$SF_CG/cgroup.procs"
export SF_CGINO=$(stat -c %i "$SF_CG")
# a plain file with the text twlab leaves under its binding, but for another inode
(umask 777; printf 'twlab netns twl-stsf38-stub 4243\n' >/run/netns/twl-stsf38-stub) &&
	defer rm -f /run/netns/twl-stsf38-stub

out=$(timeout 120 unshare --pid --fork --mount-proc bash -c 'bash "$0" --inner; exit $?' "$0" 2>&1)
rc=$?
echo "$out"
grep -q '^TEST: ' <<<"$out" && [ $rc -eq 0 ] || log_test 1 "the corpus ran to its end" "rc=$rc"
left=
for p in twl-stsfdecoy-x twl-stsfdecoy-m stsf-plain twl-stsf10-host; do
	mountpoint -q /run/netns/$p || left+=" netns $p"
done
kill -0 $cgpid || left+=" process $cgpid in $SF_CG"
[ -f "$SF_X/file" ] && mountpoint -q "$SF_X/mnt" && [ -z "$left" ]
log_test $? "after the corpus, seen from outside: decoy namespaces, file, mount, cgroup are there" "$left"

# ---- real labs ----
export TWLAB_STATE_DIR=$TMP/labs
L=$TWLAB_STATE_DIR
t=$(topo stsfjunk <<'T'
[lab]
duration = 30s
[server]
[client a]
T
)
# a junk line appended: still listed, still removed, the line reported
"$TWLAB" up "$t" >/dev/null; defer "$TWLAB" down stsfjunk
junk=$(($(wc -l <"$L/stsfjunk.json") + 1))
echo junk >>"$L/stsfjunk.json"
lsout=$("$TWLAB" ls)
out=$("$TWLAB" down stsfjunk 2>&1); rc=$?
grep -q '^stsfjunk .* up .*1 bad line' <<<"$lsout" && [ $rc -eq 0 ] &&
	grep -q "stsfjunk.json line $junk: skipped: not JSON" <<<"$out" &&
	grep -qE 'removed lab stsfjunk: 2 namespaces, 1 process(;|$)' <<<"$out" &&
	[ -z "$(leftovers stsfjunk)" ] && [ ! -e "$L/stsfjunk.json" ]
log_test $? "a lab with a junk line appended is listed and removed, the line reported" "rc=$rc $lsout $out"

# an unrelated process (its true start time) listed in a real lab's own namespace: not in it,
# so not killed
sleep 1000 & upid=$!; disown; defer kill -9 $upid
"$TWLAB" up "$t" --name stsfpid >/dev/null; defer "$TWLAB" down stsfpid
printf '{"kind":"proc","name":"server agent","ns":"twl-stsfpid-server","pid":%s,"start":%s}\n' \
	$upid "$(start_of $upid)" >>"$L/stsfpid.json"
out=$("$TWLAB" down stsfpid 2>&1); rc=$?
[ $rc -eq 0 ] && kill -0 $upid && grep -q "skipped: process $upid is not in namespace twl-stsfpid-server" <<<"$out" &&
	[ -z "$(leftovers stsfpid)" ]
log_test $? "down leaves a pid listed in the lab's namespace that is not in it" "rc=$rc $out"
kill -9 $upid

# down from a shell inside the lab: that shell is twlab's parent, never killed
"$TWLAB" up "$t" --name stsfanc >/dev/null; defer "$TWLAB" down stsfanc
out=$("$TWLAB" exec stsfanc a -- bash -c '"$0" down stsfanc; echo "shell survived rc=$?"' "$TWLAB" 2>&1)
grep -q 'shell survived rc=0' <<<"$out" && [ -z "$(leftovers stsfanc)" ]
log_test $? "down run from a shell inside the lab does not kill that shell" "$out"

# a stale lab: down says what it removed and what was already gone
"$TWLAB" up "$t" --name stsfstale >/dev/null; defer "$TWLAB" down stsfstale
pid=$(jq -r 'select(.kind == "proc") | .pid' "$L/stsfstale.json")
kill -9 "$pid"; wait_for 5 test ! -e "/proc/$pid"
ip netns del twl-stsfstale-a
lsout=$("$TWLAB" ls | grep '^stsfstale ')
out=$("$TWLAB" down stsfstale 2>&1); rc=$?
[ $rc -eq 0 ] && grep -q 'removed lab stsfstale: 1 namespace, 0 processes (already gone: 1 namespace, 1 process)' <<<"$out" &&
	[ -z "$(leftovers stsfstale)" ]
log_test $? "down of a stale lab counts only what it really removed" "rc=$rc $out"
# ls counts what is still there, not what the state file lists (2 namespaces, 1 process)
grep -qE '^stsfstale +up +1 namespaces +0 processes' <<<"$lsout"
log_test $? "ls of a stale lab counts only what still exists" "$lsout"

# a zombie owner is not a running twlab
bash -c 'sleep 0 & exec sleep 30' & zparent=$!; disown
defer kill -9 $zparent
zpid=
zombie() { zpid=$(ps -o pid=,stat= --ppid $zparent | awk '$2 ~ /Z/ {print $1}'); [ -n "$zpid" ]; }
wait_for 5 zombie; zombie
printf '{"lab":"stsfzomb","owner":%s,"owner_start":%s}\n' "$zpid" "$(start_of "$zpid")" >"$L/stsfzomb.json"
lsout=$("$TWLAB" ls | grep '^stsfzomb ')
out=$("$TWLAB" down stsfzomb 2>&1); rc=$?
grep -q ' orphaned ' <<<"$lsout" && [ $rc -eq 0 ] && [ ! -e "$L/stsfzomb.json" ]
log_test $? "a zombie owner shows as orphaned, not running, and the lab can be removed" "$lsout rc=$rc $out"
kill -9 $zparent

# names that meet: lab stsfc with client q-server and lab stsfc-q's server
t=$(topo stsfc <<'T'
[lab]
duration = 30s
[server]
[client q-server]
T
)
t2=$(topo stsfc-q <<'T'
[lab]
duration = 30s
[server]
[client a]
T
)
"$TWLAB" up "$t" >/dev/null; defer "$TWLAB" down stsfc
out=$("$TWLAB" up "$t2" 2>&1); rc=$?
[ $rc -eq 3 ] && grep -q 'namespace twl-stsfc-q-server already exists: it belongs to lab stsfc' <<<"$out" &&
	[ -z "$(leftovers stsfc-q | grep -v stsfc-q-server)" ] && [ ! -e "$L/stsfc-q.json" ]
log_test $? "up refuses a namespace name another lab has, naming that lab" "rc=$rc $out"
# a state file of lab stsfc-q claiming stsfc's namespace with its true inode: not provably its
printf '{"lab":"stsfc-q","owner":0}\n{"kind":"netns","name":"twl-stsfc-q-server","ino":%s}\n' \
	"$(ino_of /run/netns/twl-stsfc-q-server)" >"$L/stsfc-q.json"
out=$("$TWLAB" down stsfc-q 2>&1); rc=$?
[ $rc -eq 0 ] && grep -q 'recorded by lab stsfc too' <<<"$out" && mountpoint -q /run/netns/twl-stsfc-q-server
log_test $? "down leaves a namespace another lab also records" "rc=$rc $out"
out=$("$TWLAB" down stsfc 2>&1); rc=$?
[ $rc -eq 0 ] && [ -z "$(leftovers stsfc)" ]
log_test $? "the lab that made it removes it" "rc=$rc $out"

# a name taken by a running `twlab run`: say it runs, and which pid
"$TWLAB" run "$t2" --out "$TMP/run" -q >/dev/null 2>&1 & rpid=$!
defer kill -TERM $rpid
running() { "$TWLAB" ls | grep -q "^stsfc-q .* running .*(twlab pid $rpid)"; }
wait_for 10 running
out=$("$TWLAB" up "$t2" 2>&1); rc=$?
[ $rc -eq 3 ] && grep -q "lab stsfc-q is already running: twlab pid $rpid (.*twlab run " <<<"$out"
log_test $? "up of a lab that a twlab run runs says so, with its pid" "rc=$rc $out"
kill -TERM $rpid; wait $rpid
check_no_leaks stsfc-q "run" && log_test 0 "nothing left behind"
exit $RET
