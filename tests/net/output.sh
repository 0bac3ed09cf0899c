#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Output files: a symlink, hard link or folder another user planted for any output name is never
# followed (the victims stay as they were); an output folder another user may write to is
# refused (exit 2) before anything is built; a result that cannot be written exits 4 after the
# lab is gone, naming the file and why. Also result.json's clients[].ts_offset.
source "$(dirname "$0")/lib.sh"
require_root "output"

as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
chmod 0755 "$TMP"	# nobody must reach the folders it plants in

t=$(topo ou-out <<'T'
[lab]
duration = 1s
[server]
close = server
[router]
nat = masquerade
[client a]
ts_offset = 123456
every = 200ms
[client b]
every = 200ms
[expect]
client.a.ts_offset = == 123456
client.a.connected = > 0
T
)

# victims: files nobody may not write, which a followed link would overwrite
mkdir -m 0755 "$TMP/victims"
victim() { echo "victim $1" >"$TMP/victims/$1"; echo "$TMP/victims/$1"; }
victims_intact() {
	local v
	for v in "$TMP"/victims/*; do
		echo "victim $(basename "$v")" | cmp -s - "$v" || { echo "$v changed"; return 1; }
	done
	[ "$(ls "$TMP/victims" | wc -l)" -eq "$1" ] || { echo "victims: $(ls "$TMP/victims")"; return 1; }
}
# regular files owned by root, one link each: what twlab made, not what was planted
made_by_twlab() { # FILE...
	local f
	for f in "$@"; do
		[ -f "$f" ] && [ ! -L "$f" ] && [ "$(stat -c '%u %h' "$f")" = "0 1" ] || { echo "$f: $(ls -ld "$f")"; return 1; }
	done
}
names="result.json events.jsonl report.html report.html.tmp"

# ---- a sticky world-writable --out (like /tmp): nobody plants a symlink for every name ----
out=$TMP/sticky
mkdir -m 1777 "$out"
for n in $names; do as_nobody ln -s "$(victim "s-$n")" "$out/$n"; done
as_nobody mkdir -m 1777 "$out/pcap"
"$TWLAB" run "$t" --name ou-out --out "$out" --capture=all -q 2>"$TMP/err"; rc=$?
# nobody's pcap/ is refused: the run did not start
[ $rc -eq 2 ] && grep -q "refusing output folder $out/pcap: .*belongs to uid 65534" "$TMP/err"
log_test $? "a pcap/ folder another user made is refused (exit 2)" "rc=$rc $(cat "$TMP/err")"
rm -rf "$out/pcap"
mkdir -m 1777 "$out/pcap"	# root's, sticky: fine, but nobody may add names in it
for n in server-eth0 router-out0 a-eth0 b-eth0; do
	as_nobody ln -s "$(victim "p-$n")" "$out/pcap/$n.pcapng"
done
"$TWLAB" run "$t" --name ou-out --out "$out" --capture=all -q 2>"$TMP/err"; rc=$?
check_no_leaks ou-out "sticky out"
msg=$(victims_intact 8 && made_by_twlab "$out"/{result.json,events.jsonl,report.html} \
	"$out"/pcap/{server-eth0,router-out0,a-eth0,b-eth0}.pcapng)
r=$?
[ $rc -eq 0 ] && [ $r -eq 0 ]
log_test $? "planted links for every output name: replaced, victims intact" "rc=$rc $msg $(cat "$TMP/err")"
capinfos -c "$out/pcap/server-eth0.pcapng" 2>/dev/null | grep -Eq 'Number of packets: +[1-9]'
log_test $? "a pcap written in place of a link is a capture with packets"
[ "$(jget "$out/result.json" '.clients[] | select(.name == "a") | .ts_offset')" = 123456 ] &&
	[ "$(jget "$out/result.json" '.clients[] | select(.name == "b") | has("ts_offset")')" = false ] &&
	[ "$(jget "$out/result.json" '.expect[0].ok')" = true ]
log_test $? "clients[].ts_offset in result.json; [expect] on it holds"
[ -z "$(ls -A "$out" | grep '^\.')" ] && [ -z "$(ls -A "$out/pcap" | grep '^\.')" ]
log_test $? "no temporary files left in the output folders"

# ---- the issue's case: --out is another user's folder, with links planted in it ----
out=$TMP/theirs
mkdir -m 0755 "$out" && chown 65534:65534 "$out"
for n in $names; do as_nobody ln -s "$(victim "t-$n")" "$out/$n"; done
"$TWLAB" run "$t" --name ou-out --out "$out" -q 2>"$TMP/err"; rc=$?
[ $rc -eq 2 ] && grep -q "refusing output folder $out: $out belongs to uid 65534" "$TMP/err" &&
	msg=$(victims_intact 12) && [ -z "$(leftovers ou-out)" ]
log_test $? "--out owned by another user: refused (exit 2), victims intact" "rc=$rc $msg $(cat "$TMP/err")"

# ---- world-writable without the sticky bit: anyone could swap names in it ----
out=$TMP/ww
mkdir "$out" && chmod 0777 "$out"
"$TWLAB" run "$t" --name ou-out --out "$out" -q 2>"$TMP/err"; rc=$?
[ $rc -eq 2 ] && grep -q "may be written by every user and has no sticky bit" "$TMP/err" &&
	[ -z "$(ls -A "$out")" ] && [ -z "$(leftovers ou-out)" ]
log_test $? "world-writable --out without sticky bit: refused (exit 2)" "rc=$rc $(cat "$TMP/err")"

# ---- --out as a symlink: another user's is not followed, root's is ----
mkdir -m 0755 "$TMP/target"
mkdir -m 1777 "$TMP/tmp"
as_nobody ln -s "$TMP/target" "$TMP/tmp/out"
"$TWLAB" run "$t" --name ou-out --out "$TMP/tmp/out" -q 2>"$TMP/err"; rc=$?
[ $rc -eq 2 ] && grep -q "is a symlink that belongs to uid 65534" "$TMP/err" && [ -z "$(ls -A "$TMP/target")" ]
log_test $? "--out a symlink another user planted: not followed (exit 2)" "rc=$rc $(cat "$TMP/err")"
as_nobody ln -s "$TMP/target" "$TMP/tmp/mid"
"$TWLAB" run "$t" --name ou-out --out "$TMP/tmp/mid/sub" -q 2>"$TMP/err"; rc=$?
[ $rc -eq 2 ] && [ ! -e "$TMP/target/sub" ]
log_test $? "nor such a symlink higher up the --out path" "rc=$rc $(cat "$TMP/err")"
ln -s "$TMP/target" "$TMP/tmp/mine"
"$TWLAB" run "$t" --name ou-out --out "$TMP/tmp/mine/new/dir" -q 2>"$TMP/err"; rc=$?
[ $rc -eq 0 ] && made_by_twlab "$TMP/target/new/dir/result.json" >/dev/null &&
	[ "$(stat -c %a "$TMP/target/new" "$TMP/target/new/dir" | sort -u)" = 755 ]
log_test $? "root's own symlink followed; missing folders made 0755" "rc=$rc $(cat "$TMP/err")"
check_no_leaks ou-out "symlinked out"

# ---- a result that cannot be written: exit 4 after teardown, which file and why ----
out=$TMP/unwritable
mkdir -p "$out/result.json"
"$TWLAB" run "$t" --name ou-out --out "$out" -q 2>"$TMP/err"; rc=$?
check_no_leaks ou-out "unwritable"; leak=$?
[ $rc -eq 4 ] && [ $leak -eq 0 ] && grep -q "cannot write $out/result.json: Is a directory" "$TMP/err" &&
	made_by_twlab "$out/events.jsonl" "$out/report.html" >/dev/null && [ -z "$(ls -A "$out/result.json")" ]
log_test $? "unwritable output: exit 4 after teardown, file and why named" "rc=$rc $(cat "$TMP/err")"

exit $RET
