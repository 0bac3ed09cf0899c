#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The layout rule of README.md "Architecture": main.c alone at the root of src/, every other
# file in a stage folder, includes name their folder, and calls go one way:
#   cmd -> verify, audit -> report -> run -> lab, agents, bpf -> topo -> i18n
# A file may include its own folder and any lower stage, never a higher one; the only sideways
# include is lab -> bpf (the loaders include what they share with their BPF programs).
# Prints kselftest-style "TEST: ... [ OK ]" / "[FAIL]" lines; exit 0 when all hold.
# usage: scripts/check-layout.sh [SRC_DIR]   (default: src/ of this tree)
set -u
cd "$(dirname "$0")/.."
SRC=${1:-src}

declare -A rank=([i18n]=-1 [topo]=0 [lab]=1 [agents]=1 [bpf]=1 [run]=2 [report]=3 [verify]=4 [audit]=4
		 [cmd]=5 [main]=6)
sideways=" lab>bpf "
RET=0

log_test() { # rc name [detail...]
	if [ "$1" -eq 0 ]; then
		printf 'TEST: %-62s [ OK ]\n' "$2"
	else
		printf 'TEST: %-62s [FAIL]\n' "$2"
		shift 2
		printf '      %s\n' "$@"
		RET=1
	fi
}

[ -d "$SRC" ] || { echo "check-layout: no folder $SRC" >&2; exit 2; }

# main.c alone at the root
bad=$(find "$SRC" -maxdepth 1 -type f \( -name '*.c' -o -name '*.h' \) ! -name main.c | sort)
log_test $([ -z "$bad" ] && echo 0 || echo 1) "layout: main.c alone at the root of src/" $bad

# every folder has a place in the order
bad=()
for d in "$SRC"/*/; do
	d=$(basename "$d")
	[ -n "${rank[$d]:-}" ] || bad+=("src/$d/ has no place in the order (add it to scripts/check-layout.sh and README.md)")
done
log_test ${#bad[@]} "layout: every folder of src/ is a known stage" "${bad[@]}"

# includes: name their folder, never a higher stage
paths=() graph=()
while IFS=: read -r file line text; do
	inc=$(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' <<<"$text")
	[ -n "$inc" ] || continue
	rel=${file#"$SRC"/}
	from=${rel%%/*}
	[ "$from" = "$rel" ] && from=main
	case "$inc" in
	*..*|/*) paths+=("$rel:$line: \"$inc\" (name the folder: \"stage/file.h\")"); continue ;;
	*/*) to=${inc%%/*} ;;
	*) continue ;;	# same folder, or a generated skeleton header
	esac
	if [ -z "${rank[$to]:-}" ]; then
		graph+=("$rel:$line: \"$inc\": $to/ is not a stage")
	elif [ "$to" != "$from" ] && [ -n "${rank[$from]:-}" ] &&
	     [ "${rank[$to]}" -ge "${rank[$from]}" ] && [[ "$sideways" != *" $from>$to "* ]]; then
		graph+=("$rel:$line: $from/ includes \"$inc\" ($to/ is not below $from/)")
	fi
done < <(grep -rn --include='*.c' --include='*.h' '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$SRC" | sort)
log_test ${#paths[@]} "layout: includes name their folder" "${paths[@]}"
log_test ${#graph[@]} "layout: include graph goes one way" "${graph[@]}"
exit $RET
