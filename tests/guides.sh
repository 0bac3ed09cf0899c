#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The lab/ guides and their translations (README.es.md, README.pt-BR.md beside each README.md)
# cannot drift apart: for every English guide, each translation exists; every fenced code block
# (commands, expected output) appears byte-identical and in the same order; every inline code
# span (`tcp_tw_reuse = 1`, a jq line, a counter name) appears too; the headings have the same
# levels in the same order and the lists the same number of items; every relative link
# resolves, and a link to another guide goes to that guide in the same language; the English
# guide links to both translations.
# Then the same check runs on mutated copies of the tree (a command, an inline span or a heading
# changed, a list item or a translation deleted, a link broken or sent to the English guide) and
# must fail on each, so the check itself is known to bite.
# No root, no build needed; prints "TEST: ... [ OK ]" lines; exit 0 when all hold.
# usage: tests/guides.sh [TOP]   (TOP: a tree with lab/ and docs/, default: this tree)
set -u
cd "$(dirname "$0")/.."
LANGS="es pt-BR"
RET=0
TMP=$(mktemp -d /tmp/twlab-guides.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

log_test() { # rc name [detail...]
	if [ "$1" -eq 0 ]; then
		printf 'TEST: %-62s [ OK ]\n' "$2"
	else
		printf 'TEST: %-62s [FAIL]\n' "$2"
		shift 2
		[ $# -gt 0 ] && printf '%s\n' "$@" | sed 's/^/      /'
		RET=1
	fi
}

empty() { [ -z "$1" ]; }

# extract TOP OUT: for every guide under TOP/lab, write beside its path under OUT: .code (the
# fenced code blocks, fences included, each followed by a separator line), .heads (the heading
# levels outside code blocks and the number of list items and table rows, on one line), .spans
# (the inline code spans, whitespace squeezed, one a line) and .links (the inline link targets
# outside code blocks, one a line). One awk for the whole tree: the check runs six times, and stays fast.
extract() {
	local top=$1 out=$2 f
	local files=("$top"/lab/README*.md "$top"/lab/*/README*.md)
	for f in "${files[@]}"; do mkdir -p "$out/${f%/*}"; done
	awk -v out="$out" '
	function spans(   t) {	# the inline code spans of the paragraph in buf, one a line
		gsub(/[ \t]+/, " ", buf)
		while (match(buf, /`[^`]*`/)) {
			print substr(buf, RSTART, RLENGTH) > (out "/" prev ".spans")
			buf = substr(buf, RSTART + RLENGTH)
		}
		buf = ""
	}
	function done_file() {
		if (prev == "") return
		spans(); print heads "| " items " list items" > (out "/" prev ".heads")
		close(out "/" prev ".heads"); close(out "/" prev ".code")
		close(out "/" prev ".links"); close(out "/" prev ".spans")
	}
	FNR == 1 { done_file(); prev = FILENAME; heads = ""; items = 0; inb = 0; buf = ""
		   printf "" > (out "/" FILENAME ".code"); printf "" > (out "/" FILENAME ".links")
		   printf "" > (out "/" FILENAME ".spans") }
	/^[ \t]*```/ { print > (out "/" FILENAME ".code")
		       if (inb) print "----- end of block -----" > (out "/" FILENAME ".code")
		       else spans()
		       inb = !inb; next }
	inb { print > (out "/" FILENAME ".code"); next }
	/^[ \t]*$/ { spans(); next }
	/^#+ / { match($0, /^#+/); heads = heads RLENGTH " " }
	/^(- |[0-9]+\. |\| *[0-9]+ *\|)/ { items++ }
	{ buf = buf " " $0; s = $0
	  while (match(s, /\]\([^)]*\)/)) {
		print substr(s, RSTART + 2, RLENGTH - 3) > (out "/" FILENAME ".links")
		s = substr(s, RSTART + RLENGTH)
	  } }
	END { done_file() }' "${files[@]}"
}

# check_links FILE LINKS LANG: every relative link of FILE (targets in the file LINKS) exists;
# a link to a guide in another folder names the README of LANG (LANG "" = English). Prints one
# problem per line. Bash only, no process per link.
check_links() {
	local f=$1 lang=$2 dir=${1%/*} t path want
	while IFS= read -r t; do
		case "$t" in http://*|https://*|mailto:*|'#'*|'') continue ;; esac
		path=$dir/${t%%#*}
		if [ ! -e "$path" ]; then
			echo "link ($t): $path does not exist"
			continue
		fi
		path=${path%/}
		[ -d "$path" ] && [ -e "$path/README.md" ] && path=$path/README.md
		case "${path##*/}" in README.md|README.*.md) ;; *) continue ;; esac
		[ "${path%/*}" = "$dir" ] && continue	# the language bar: this folder
		[ -e "${path%/*}/README.md" ] || continue
		want=README${lang:+.$lang}.md
		[ "${path##*/}" = "$want" ] ||
			echo "link ($t): goes to ${path##*/}, a guide in this language is $want"
	done <"$3"
}

# check_tree TOP: all the checks on TOP/lab; returns 1 when any fails.
check_tree() {
	local top=$1 x=$TMP/x en l tr name out he ht
	RET=0
	rm -rf "$x"
	extract "$top" "$x"
	for en in "$top"/lab/README.md "$top"/lab/*/README.md; do
		name=${en#"$top"/}
		out=$(check_links "$en" "" "$x/$en.links"
		      for l in $LANGS; do
			grep -qx "README.$l.md" "$x/$en.links" || echo "no link to README.$l.md"
		      done)
		empty "$out"; log_test $? "$name: links resolve, translations linked" "$out"
		for l in $LANGS; do
			tr=${en%.md}.$l.md
			if [ ! -f "$tr" ]; then
				log_test 1 "$name: $l translation exists" "missing: ${tr#"$top"/}"
				continue
			fi
			log_test 0 "$name: $l translation exists"
			if cmp -s "$x/$en.code" "$x/$tr.code"; then
				log_test 0 "$name: $l code blocks identical, same order"
			else
				log_test 1 "$name: $l code blocks identical, same order" \
					"$(diff "$x/$en.code" "$x/$tr.code" | head -8)"
			fi
			read -r he <"$x/$en.heads"; read -r ht <"$x/$tr.heads"
			[ "$he" = "$ht" ]; log_test $? "$name: $l headings, list items match" \
				"English: $he" "$l: $ht"
			out=$(awk 'NR == FNR { n[$0]++; next } { n[$0]-- }
				   END { for (k in n) if (n[k] > 0) print k }' "$x/$en.spans" "$x/$tr.spans")
			empty "$out"; log_test $? "$name: $l has every inline code span" \
				"missing or changed in $l:" "$out"
			out=$(check_links "$tr" "$l" "$x/$tr.links"
			      grep -qx "README.md" "$x/$tr.links" || echo "no link back to README.md")
			empty "$out"; log_test $? "$name: $l links resolve" "$out"
		done
	done
	return $RET
}

TOP=${1:-.}
check_tree "$TOP"
main_ret=$RET

# The check must fail on each mutation of a copy of the tree.
mutant() { # NAME CMD...: copy lab/ and docs/ to a fresh tree, run CMD in it, expect a failure
	local name=$1 m=$TMP/m
	shift
	rm -rf "$m"; mkdir -p "$m"; cp -r "$TOP/lab" "$TOP/docs" "$m/"
	(cd "$m" && "$@")
	check_tree "$m" >/dev/null
	[ $? -ne 0 ]
}
mutant "one command" sed -i '0,/--name \$L/s//--name $L --quiet/' lab/02-recycle-behind-nat/README.es.md
r1=$?
mutant "one translation" rm lab/05-nat-port-reuse-paws/README.pt-BR.md
r2=$?
mutant "one heading" sed -i '0,/^## /s//### /' lab/03-largest-clock-wins/README.pt-BR.md
r3=$?
mutant "one inline span" sed -i '0,/`tcp_fin_timeout = 5`/s//`tcp_fin_timeout = 6`/' lab/06-fin-timeout-and-tw-reuse/README.pt-BR.md
r6=$?
mutant "one list item" sed -i '0,/^4\. /s//   /' lab/07-audit-the-recipe/README.es.md
r7=$?
mutant "one link" sed -i '0,/README.es.md)/s//README.pt.md)/' lab/README.md
r4=$?
mutant "English link" sed -i 's|(01-who-holds-time-wait/README.es.md)|(01-who-holds-time-wait/)|' lab/README.es.md
r5=$?
RET=$main_ret
log_test $r1 "mutation: a changed command in a translation fails the check"
log_test $r2 "mutation: a deleted translation fails the check"
log_test $r3 "mutation: a changed heading level fails the check"
log_test $r4 "mutation: a broken link fails the check"
log_test $r6 "mutation: a changed inline code span fails the check"
log_test $r7 "mutation: a list item merged away fails the check"
log_test $r5 "mutation: a translation linking an English guide fails"
exit $RET
