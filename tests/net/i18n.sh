#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The run in Spanish and Brazilian Portuguese: po/twlab.pot up to date with the sources, every
# string of it translated in po/es.po and po/pt_BR.po (a new string without a translation
# fails here), and the demo run with --lang es and from LANG=pt_BR.UTF-8: the summary, the
# drop sentence and report.html in the language, numbers as it writes them, label = shown.
source "$(dirname "$0")/lib.sh"
P=${TWLAB_TEST_PREFIX:-t}
cd "$TOP"

# ---- the catalogues (no root) ----
scripts/i18n-pot.sh --out "$TMP/twlab.pot"
diff -u po/twlab.pot "$TMP/twlab.pot" >"$TMP/pot.diff"
log_test $? "po/twlab.pot is what scripts/i18n-pot.sh makes of src/ (make po-update)" \
	"$(grep -E '^[-+]msgid' "$TMP/pot.diff" | head -3 | tr '\n' ' ')"
n_pot=$(msgattrib --no-obsolete "$TMP/twlab.pot" 2>/dev/null | grep -c '^msgid ')
n_pot=$((n_pot - 1))	# the header
for po in po/es.po po/pt_BR.po; do
	msgcmp "$po" "$TMP/twlab.pot" >"$TMP/msgcmp" 2>&1
	log_test $? "$po has every string of the sources" "$(head -2 "$TMP/msgcmp" | tr '\n' ' ')"
	stats=$(msgfmt --check --statistics -o /dev/null "$po" 2>&1)
	[ "$stats" = "$n_pot translated messages." ]
	log_test $? "$po: all $n_pot translated, none fuzzy, formats checked" "$stats"
done

# ---- a run (root) ----
if [ "$(id -u)" -ne 0 ]; then
	log_test $KSFT_SKIP "i18n: the demo in Spanish and Portuguese" "needs root"
	exit $RET
fi
# the demo, bob, the server and the router with display names
sed -e 's/^\[client bob\]$/[client bob]\nlabel = João Ñandú/' -e 's/^\[server\]$/[server]\nlabel = Servidor Ñ/' \
	-e 's/^\[router\]$/[router]\nlabel = Roteador Ω/' topologies/nat-recycle.ini >"$TMP/demo.ini"
[ "$(grep -c '^label = \(João Ñandú\|Servidor Ñ\|Roteador Ω\)$' "$TMP/demo.ini")" = 3 ] ||
	{ log_test 1 "i18n: the test topology"; exit 1; }
"$TWLAB" check "$TMP/demo.ini" >/dev/null
log_test $? "check: label = on the server and the router"
printf '[server]\nlabel = a\tb\n[client a]\n' >"$TMP/badlabel.ini"
"$TWLAB" check "$TMP/badlabel.ini" >/dev/null 2>"$TMP/badlabel.err"
[ $? -eq 2 ] && grep -q ":2: key 'label'" "$TMP/badlabel.err"
log_test $? "check: a server label with a tab is refused, file:line and key named" "$(cat "$TMP/badlabel.err")"

es=$TMP/es
"$TWLAB" run "$TMP/demo.ini" --name ${P}i18n --out "$es" --lang es >"$TMP/es.txt" 2>"$TMP/es.err"
log_test $? "--lang es: the demo runs to its expectations" "$(tail -1 "$TMP/es.err")"
check_no_leaks ${P}i18n "i18n es" || true
grep -q '^laboratorio '"${P}"'i18n en Linux .*: 2 clientes, masquerade, el servidor cierra primero, recycle activado$' "$TMP/es.txt"
log_test $? "es summary: the lab line" "$(head -1 "$TMP/es.txt")"
grep -qx '  Two hosts behind one SNAT address; the server keeps tcp_tw_recycle rules.' "$TMP/es.txt"
log_test $? "summary: the lab's description"
grep -Eq '^  João Ñandú +100\.64\.0\.6 ' "$TMP/es.txt" &&
	grep -Eq '^  cliente +dirección +reloj +intentos +conectados +fallidos ' "$TMP/es.txt" &&
	grep -Eq '^  alice .* [0-9]+,[0-9]{2} ms$' "$TMP/es.txt"
log_test $? "es summary: the table, labels, decimal comma"
grep -Eq '^  compuerta: [0-9.]+ SYN vistos, [0-9.]+ aceptados, [0-9.]+ descartados' "$TMP/es.txt"
log_test $? "es summary: the gate line"
grep -Eq '^  João Ñandú: SYN 198\.51\.100\.1:[0-9]+ descartado — TSval [0-9]+ está [0-9]+ por detrás del valor registrado de alice hace [0-9]+,[0-9] s \(ventana 60 s\)$' "$TMP/es.txt"
log_test $? "es summary: the drop sentence, with the label" "$(grep -m1 'SYN 198' "$TMP/es.txt")"
grep -q '^  resultados en ' "$TMP/es.txt" && grep -q '  expect client.bob.connected == 0 .* cumplida$' "$TMP/es.txt"
log_test $? "es summary: the expectations and the results line"
# nothing English left outside the topology's own text (its description, its [expect] lines)
left=$(grep -v -e '^  Two hosts' -e '^  expect ' "$TMP/es.txt" |
	grep -Eow 'dropped|clients?|passed|record|seen|updates|on|off|first|results|behind|ago|window')
[ -z "$left" ]
log_test $? "es summary: no English word left" "$(echo $left)"

h=$es/report.html
grep -q '<html lang="es">' "$h" &&
	grep -q 'id="verdict">la predicción se cumplió: João Ñandú bloqueado, alice nunca' "$h" &&
	grep -q '<h2>Línea temporal: cada conexión, un carril por cliente</h2>' "$h" &&
	grep -q '<td>João Ñandú (bob)</td>' "$h"
log_test $? "es report.html: language, verdict, headings, the label beside the name"
grep -Eq 'id="first-drops"><li>t [0-9]+,[0-9]{2} s · João Ñandú: SYN 198\.51\.100\.1:[0-9]+ descartado — TSval' "$h"
log_test $? "es report.html: the first drops, as the summary says them"
# alice's clock: 10 days of ms ticks, grouped with dots (en: 862,385,778)
grep -Eq '<br>\+[0-9]{3}\.[0-9]{3}\.[0-9]{3}</td>' "$h" && ! grep -Eq '<br>\+[0-9]{1,3},[0-9]{3}' "$h"
log_test $? "es report.html: numbers grouped as Spanish writes them (862.385.778)"
jq -e '.clients[] | select(.name == "bob") | .label == "João Ñandú"' "$es/result.json" >/dev/null
log_test $? "result.json: the client's label, its name unchanged"
grep -qx '  servidor: Servidor Ñ · router: Roteador Ω' "$TMP/es.txt" &&
	grep -q '<th>Servidor Ñ (server)</th><th>Roteador Ω (router)</th>' "$h" &&
	jq -e '.labels == {"server": "Servidor Ñ", "router": "Roteador Ω"} and (.counters | has("server") and has("router"))' "$es/result.json" >/dev/null
log_test $? "the server's and the router's labels: es summary, report.html's counters, result.json" \
	"$(grep -m1 'servidor:' "$TMP/es.txt")"
ip netns list 2>/dev/null | grep -q "twl-${P}i18n-bob" && RET=1

# Portuguese from the environment (no --lang), whether pt_BR.UTF-8 is installed or not
pt=$TMP/pt
env -u LC_ALL -u LC_MESSAGES LANG=pt_BR.UTF-8 "$TWLAB" run "$TMP/demo.ini" --name ${P}i18n \
	--out "$pt" >"$TMP/pt.txt" 2>"$TMP/pt.err"
log_test $? "LANG=pt_BR.UTF-8: the demo runs to its expectations" "$(tail -1 "$TMP/pt.err")"
check_no_leaks ${P}i18n "i18n pt" || true
grep -q '^laboratório '"${P}"'i18n no Linux .*: 2 clientes, masquerade, o servidor fecha primeiro, recycle ligado$' "$TMP/pt.txt" &&
	grep -Eq '^  comporta: [0-9.]+ SYNs vistos, [0-9.]+ aceitos, [0-9.]+ descartados' "$TMP/pt.txt" &&
	grep -Eq '^  João Ñandú: SYN 198\.51\.100\.1:[0-9]+ descartado — TSval [0-9]+ está [0-9]+ atrás do valor registrado de alice há [0-9]+,[0-9] s \(janela 60 s\)$' "$TMP/pt.txt" &&
	grep -qx '  servidor: Servidor Ñ · roteador: Roteador Ω' "$TMP/pt.txt"
log_test $? "pt summary: the lab line, the labels, the gate line, the drop sentence" "$(grep -m1 'SYN 198' "$TMP/pt.txt")"
grep -q '<html lang="pt-BR">' "$pt/report.html" &&
	grep -q 'id="verdict">a previsão se confirmou: João Ñandú bloqueado, alice nunca' "$pt/report.html" &&
	grep -Eq '<br>\+[0-9]{3}\.[0-9]{3}\.[0-9]{3}</td>' "$pt/report.html"
log_test $? "pt report.html: language, verdict, numbers (862.385.778)"

# longer words, the same page: at 1024x768 no sideways scrolling, text >= 14 px, every drop
if command -v chromium >/dev/null; then
	for l in es pt; do
		DROPS_DRAWN=$(jget "$TMP/$l/result.json" .gate.syn_dropped) SCREENSHOT=$TMP/$l.png \
			bash "$(dirname "$0")/html_check.sh" "$TMP/$l/report.html" 2 1 | sed "s/^TEST: /TEST: $l: /"
		[ "${PIPESTATUS[0]}" -eq 0 ] || RET=1
	done
else
	log_test $KSFT_SKIP "i18n: report.html at projector sizes" "chromium not installed"
fi

"$TWLAB" run "$TMP/demo.ini" --name ${P}i18n --out "$TMP/xx" --lang xx >/dev/null 2>"$TMP/xx.err"
[ $? -eq 2 ] && grep -q 'lang xx: twlab speaks en, es or pt' "$TMP/xx.err"
log_test $? "--lang xx: exit 2, the languages named" "$(cat "$TMP/xx.err")"
exit $RET
