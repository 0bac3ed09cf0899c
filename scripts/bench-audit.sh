#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# How long `twlab audit` takes on the issue's recipe (lab/07-audit-the-recipe/recipe.conf):
# the median of 5 runs, and each run. Target: at most 20 s on this kernel. Root.
set -euo pipefail
cd "$(dirname "$0")/.."
RECIPE=${1:-lab/07-audit-the-recipe/recipe.conf}
# /proc/uptime, not the wall clock: this machine's wall clock has been seen to jump
up_ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
runs=()
for i in 1 2 3 4 5; do
	t0=$(up_ms)
	./twlab audit "$RECIPE" >/dev/null
	runs+=("$(($(up_ms) - t0))")
done
median=$(printf '%s\n' "${runs[@]}" | sort -n | sed -n 3p)
echo "twlab audit $RECIPE: median $(echo "scale=2; $median / 1000" | bc) s of 5 runs (ms: ${runs[*]}); target <= 20 s"
