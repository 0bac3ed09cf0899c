#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Open a report.html in headless Chromium (Debian's `chromium`) and check what a trainee would
# see: one lane per drawn client, drop marks when drops are expected, no console message (the
# page has no script, so any message is a broken SVG attribute or a blocked fetch), nothing
# fetched from anywhere. Also leaves a screenshot next to the report (or in $SCREENSHOT).
# Then, at projector sizes (1024x768 and 1920x1080, and the large-type mode #large at 1024),
# a measuring script in a copy of the page checks: no sideways scrolling
# (scrollWidth <= innerWidth), every text drawn at 14 px or more (HTML by its computed size,
# SVG text by its computed size times the SVG's scale), and, with DROPS_DRAWN=N, N drop marks
# on the timeline and N on the TSval chart (gate.syn_dropped); with PAWS_DRAWN=N and RSTS_DRAWN=N,
# N PAWS-reject bars and N RST chevrons drawn (a box on screen) on the timeline. Screenshots at each size are
# left beside the main one (NAME-1024.png, NAME-1920.png, NAME-large.png).
# usage: [DROPS_DRAWN=N] tests/net/html_check.sh REPORT.html EXPECTED_LANES EXPECT_DROPS(0|1)
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

# the measuring copy: the same page with one script at its end, writing into the DOM
measure_js='
(function () {
	var out = [], min = 1e9, where = "", n = 0;
	function visible(el) { var r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; }
	document.querySelectorAll("body *").forEach(function (el) {
		if (el.closest("title,style,script,#twl-measure")) return;
		var own = false;
		el.childNodes.forEach(function (c) { if (c.nodeType === 3 && c.textContent.trim()) own = true; });
		if (!own || !visible(el)) return;
		var px = parseFloat(getComputedStyle(el).fontSize), svg = el.closest("svg");
		if (svg && svg.viewBox && svg.viewBox.baseVal && svg.viewBox.baseVal.width)
			px *= svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
		n++;
		if (px < min) { min = px; where = el.tagName + ":" + el.textContent.trim().slice(0, 40); }
	});
	out.push("scrollWidth=" + document.documentElement.scrollWidth);
	out.push("innerWidth=" + window.innerWidth);
	out.push("minText=" + min.toFixed(2));
	out.push("minWhere=" + where.replace(/\s+/g, " "));
	out.push("texts=" + n);
	out.push("timelineDrops=" + document.querySelectorAll("#timeline-svg .mark.drop").length);
	out.push("tsvalDrops=" + document.querySelectorAll("#tsval-svg .pt.drop").length);
	function drawn(sel) {
		return Array.prototype.filter.call(document.querySelectorAll(sel), visible).length;
	}
	out.push("timelinePaws=" + drawn("#timeline-svg .mark.paws"));
	out.push("timelineRsts=" + drawn("#timeline-svg .mark.rst"));
	var pre = document.createElement("pre");
	pre.id = "twl-measure";
	pre.textContent = "\n" + out.join("\n") + "\n";
	document.body.appendChild(pre);
})();'
measured="$(dirname "$(realpath "$report")")/.measure-$$.html"
{ sed 's|</body></html>||' "$report"; echo "<script>$measure_js</script></body></html>"; } >"$measured"
trap 'rm -f "$measured"; cleanup' EXIT
murl="file://$measured"
mval() { sed -n "s/^$1=//p" "$tmp/m-$2.txt" | head -1; }
for size in 1024,768 1920,1080 large; do
	win=$size frag=
	[ $size = large ] && win=1024,768 frag="#large"
	tag=${size%%,*}
	timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--disable-extensions --host-resolver-rules="MAP * ~NOTFOUND" \
		--user-data-dir="$tmp/profile-m$tag" --window-size=$win --dump-dom "$murl$frag" \
		>"$tmp/m-$tag.html" 2>/dev/null || fail "chromium --dump-dom at $size failed"
	sed -n '/<pre id="twl-measure">/,/<\/pre>/p' "$tmp/m-$tag.html" >"$tmp/m-$tag.txt"
	sw=$(mval scrollWidth $tag) iw=$(mval innerWidth $tag) mt=$(mval minText $tag)
	[ -n "$sw" ] && [ -n "$iw" ] && [ -n "$mt" ] || { echo "   $size: the measuring script gave nothing"; ok=0; continue; }
	[ "$sw" -le "$iw" ] || { echo "   $size: scrolls sideways: scrollWidth $sw > innerWidth $iw"; ok=0; }
	awk -v v="$mt" 'BEGIN { exit !(v >= 14) }' ||
		{ echo "   $size: text at $mt px (< 14): $(mval minWhere $tag)"; ok=0; }
	if [ -n "${DROPS_DRAWN:-}" ]; then
		for k in timelineDrops tsvalDrops; do
			[ "$(mval $k $tag)" = "$DROPS_DRAWN" ] ||
				{ echo "   $size: $(mval $k $tag) $k, expected $DROPS_DRAWN"; ok=0; }
		done
	fi
	for k in PAWS:timelinePaws RSTS:timelineRsts; do
		want=${k%%:*}_DRAWN
		[ -z "${!want:-}" ] || [ "$(mval ${k#*:} $tag)" = "${!want}" ] ||
			{ echo "   $size: $(mval ${k#*:} $tag) ${k#*:}, expected ${!want}"; ok=0; }
	done
	echo "   $size: scrollWidth $sw / innerWidth $iw, smallest text $mt px ($(mval texts $tag) texts)"
	timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--disable-extensions --host-resolver-rules="MAP * ~NOTFOUND" \
		--user-data-dir="$tmp/profile-s$tag" --hide-scrollbars --window-size=$win \
		--screenshot="${shot%.png}-$tag.png" "$url$frag" >/dev/null 2>&1 ||
		fail "chromium --screenshot at $size failed"
done
rm -f "$measured"

echo "   $n_lanes lanes, $n_marks marks ($n_drop drops), screenshot $shot"
[ $ok = 1 ] || { echo "TEST: $name [FAIL]"; exit 1; }
echo "TEST: $name [ OK ]"
