#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# po/twlab.pot from the sources: every _("..."), N_("..."), P_("...", "...", n) and
# C_("context", "...") under src/ (xgettext). The header carries no date, so the file changes
# only when a string does (tests/net/i18n.sh regenerates it and compares).
# usage: scripts/i18n-pot.sh [--update | --out FILE]
#   (none)      write po/twlab.pot
#   --out FILE  write FILE instead (the test's fresh copy)
#   --update    write po/twlab.pot, then merge it into every po/*.po (msgmerge)
set -euo pipefail
cd "$(dirname "$0")/.."
out=po/twlab.pot update=0
case "${1:-}" in
--update) update=1 ;;
--out) out=$2 ;;
"") ;;
*) echo "usage: $0 [--update | --out FILE]" >&2; exit 2 ;;
esac

# sorted: the same sources give the same file on every machine
mapfile -t srcs < <(find src -name '*.c' -o -name '*.h' | LC_ALL=C sort)
xgettext --from-code=UTF-8 --language=C --add-comments=translators: --add-location=file \
	--keyword=_ --keyword=N_ --keyword=P_:1,2 --keyword=C_:1c,2 \
	--package-name=twlab --copyright-holder='the twlab authors' --sort-by-file \
	-o "$out.tmp" "${srcs[@]}"
sed -e '/^"POT-Creation-Date: /d' -e 's/^"Content-Type: text\/plain; charset=CHARSET\\n"$/"Content-Type: text\/plain; charset=UTF-8\\n"/' \
	"$out.tmp" >"$out"
rm -f "$out.tmp"
if [ "$update" = 1 ]; then
	for po in po/*.po; do
		msgmerge --quiet --update --backup=none --no-fuzzy-matching --add-location=file \
			--sort-by-file "$po" po/twlab.pot
	done
fi
