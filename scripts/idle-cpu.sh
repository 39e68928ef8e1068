#!/usr/bin/env bash
# CPU used by an idle `hoist --demo` window (real window under Xvfb, software GL): the window
# repaints only when an event arrives, so idle CPU should be about zero. Prints a figure.
# Usage: scripts/idle-cpu.sh [path/to/hoist] [seconds]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
hoist="${1:-$root/target/debug/hoist}"
seconds="${2:-10}"
# shellcheck source=scripts/xvfb-lib.sh
source "$root/scripts/xvfb-lib.sh"
start_xvfb
HOIST_DEMO_PORT="$((20000 + RANDOM % 20000))" HOIST_HOME="$work/home" DISPLAY="$display" LIBGL_ALWAYS_SOFTWARE=1 "$hoist" --demo >"$work/app.log" 2>&1 &
app_pid=$!
sleep 3
ticks() { awk '{ print $14 + $15 }' "/proc/$app_pid/stat"; }
hz=$(getconf CLK_TCK)
before=$(ticks)
sleep "$seconds"
after=$(ticks)
awk -v b="$before" -v a="$after" -v hz="$hz" -v s="$seconds" \
    'BEGIN { printf "idle window: %.2f %% of one core over %d s (%d CPU ticks)\n", (a - b) / hz / s * 100, s, a - b }'
