#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The quick version of scripts/stress-signals.sh: 20 runs of run, up and down, each hit by a
# random terminating signal (INT TERM HUP QUIT PIPE USR1 USR2 ALRM, or KILL and then `twlab
# clean`) at a random moment of its whole span; after each, nothing of the lab is left and
# the host's namespace is as it was. SEED and N override the seed and the count.
source "$(dirname "$0")/lib.sh"
require_root "signals"
out=$(timeout 400 bash "$TOP/scripts/stress-signals.sh" -n "${N:-20}" -s "${SEED:-8080}" -l sgsig -k 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
log_test $rc "every terminating signal at ${N:-20} random moments of run, up, down, clean: nothing left" \
	"$(grep '^run ' <<<"$out" | head -3 | tr '\n' ' ')"
exit $RET
