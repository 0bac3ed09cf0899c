#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Open a report.html in headless Chromium (Debian's `chromium`) and check what a trainee would
# see: one lane per drawn client, drop marks when drops are expected, no console message (the
# page has no script, so any message is a broken SVG attribute or a blocked fetch), nothing
# fetched from anywhere. Also leaves a screenshot next to the report (or in $SCREENSHOT).
# usage: tests/net/html_check.sh REPORT.html EXPECTED_LANES EXPECT_DROPS(0|1)
set -u

report=${1:-} lanes=${2:-} drops=${3:-}
if [ -z "$report" ] || [ -z "$lanes" ] || [ -z "$drops" ]; then
	echo "usage: $0 REPORT.html EXPECTED_LANES EXPECT_DROPS(0|1)" >&2
	exit 2
fi
shot=${SCREENSHOT:-${report%.html}.png}
name="html report"

tmp=
cleanup() { [ -n "$tmp" ] && rm -rf "$tmp"; }
trap cleanup EXIT
tmp=$(mktemp -d /tmp/twl-html.XXXXXX) || exit 1

fail() {
	echo "   $*"
	echo "TEST: $name [FAIL]"
	exit 1
}

command -v chromium >/dev/null || fail "chromium is not installed (apt-get install chromium)"
[ -r "$report" ] || fail "cannot read $report"
url="file://$(realpath "$report")"

# Every name resolves to nothing: a page that tries to fetch logs a console error.
chrome() {
	timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--disable-extensions --host-resolver-rules="MAP * ~NOTFOUND" \
		--user-data-dir="$tmp/profile-$1" --enable-logging=stderr --v=0 "${@:2}" "$url"
}

chrome dom --dump-dom >"$tmp/dom.html" 2>"$tmp/dom.log" || fail "chromium --dump-dom failed ($?)"
chrome shot --hide-scrollbars --window-size=1600,3000 --screenshot="$shot" \
	>"$tmp/shot.out" 2>"$tmp/shot.log" || fail "chromium --screenshot failed ($?)"

dom="$tmp/dom.html"
count() { grep -o "$1" "$dom" | wc -l; }

n_lanes=$(count '<g class="lane"')
n_drop=$(count 'class="mark drop"')
n_marks=$(count 'class="mark ')
console=$(grep -h 'CONSOLE' "$tmp/dom.log" "$tmp/shot.log")

ok=1
grep -q 'id="timeline-svg"' "$dom" || { echo "   no timeline SVG in the DOM"; ok=0; }
grep -q '<section id="tsval"' "$dom" || { echo "   no TSval section in the DOM"; ok=0; }
[ "$n_lanes" -eq "$lanes" ] || { echo "   $n_lanes lanes, expected $lanes"; ok=0; }
if [ "$drops" = 1 ] && [ "$n_drop" -eq 0 ]; then
	echo "   no drop marks, expected some"; ok=0
fi
if [ "$drops" = 0 ] && [ "$n_drop" -ne 0 ]; then
	echo "   $n_drop drop marks, expected none"; ok=0
fi
if [ -n "$console" ]; then
	echo "   console messages:"; echo "$console" | sed 's/^/     /' | head -20; ok=0
fi
if grep -Eiq '(src|href)="(https?:)?//|url\((https?:)?//|@import' "$report"; then
	echo "   the page refers to an external resource"; ok=0
fi
[ -s "$shot" ] || { echo "   no screenshot at $shot"; ok=0; }

echo "   $n_lanes lanes, $n_marks marks ($n_drop drops), screenshot $shot"
[ $ok = 1 ] || { echo "TEST: $name [FAIL]"; exit 1; }
echo "TEST: $name [ OK ]"
