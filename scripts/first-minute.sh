#!/usr/bin/env bash
# The newcomer's first minute, for real, under Xvfb: `hoist --demo`, a second `hoist FILE` hands a
# file to the open window, kill -9 mid-upload, relaunch, watch it finish byte-exact. Screenshots:
#   target/first-minute-1-handed.png     the handed file uploading in the first window
#   target/first-minute-2-relaunched.png after kill -9 and relaunch ("... interrupted and ...")
#   target/first-minute-3-done.png       finished
# Usage: scripts/first-minute.sh [path/to/hoist]   (default: target/debug/hoist, built if missing)
# Needs: xvfb xauth imagemagick xdotool x11-utils libgl1-mesa-dri libegl1 (installed by .ci/run).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
hoist="${1:-$root/target/debug/hoist}"
[[ -x "$hoist" ]] || cargo build --bin hoist
# shellcheck source=scripts/xvfb-lib.sh
source "$root/scripts/xvfb-lib.sh"
start_xvfb

export HOIST_HOME="$work/home" DISPLAY="$display" LIBGL_ALWAYS_SOFTWARE=1
export HOIST_DEMO_PORT="$((20000 + RANDOM % 20000))"
head -c 300000000 /dev/urandom >"$work/holiday-video.mp4"
store="$HOIST_HOME/data/demo/server"
demo_list() { HOIST_HOME="$HOIST_HOME/data/demo/home" "$hoist" list --json; }
# The list is read whole before it is searched: a reader that stops early (grep -q, head) would
# break the writer's pipe, which fails under pipefail.
confirmed() { local l; l="$(demo_list)"; sed -n 's/.*"confirmed_bytes":\([0-9]*\).*/\1/p;T;q' <<<"$l"; }
window_shot() { # window_shot OUT
    local id
    id="$(xdotool search --name '^Hoist' | head -n 1)"
    import -window "${id:-root}" "$1"
}
wait_for() { # wait_for SECONDS WHAT COMMAND...
    local seconds="$1" what="$2"
    shift 2
    for _ in $(seq $((seconds * 10))); do
        "$@" && return 0
        sleep 0.1
    done
    echo "timed out waiting for $what" >&2
    return 1
}
listening() { [[ -S "$HOIST_HOME/data/instance.sock" ]]; }
partly_sent() { local c; c="$(confirmed)"; [[ -n "$c" && "$c" -ge 50000000 ]]; }
finished() { [[ "$(demo_list)" == *'"phase":"completed"'* ]]; }

# 1. The demo window, then the file handed over by a second launch (Open With does this).
"$hoist" --demo >"$work/first.log" 2>&1 &
app_pid=$!
wait_for 60 "the demo window" listening
"$hoist" "$work/holiday-video.mp4"
wait_for 60 "the handed file to be half-way" partly_sent
mkdir -p target
window_shot target/first-minute-1-handed.png

# 2. Killed mid-upload; the list says so.
kill -9 "$app_pid"
wait "$app_pid" 2>/dev/null || true
HOIST_HOME="$HOIST_HOME/data/demo/home" "$hoist" list
[[ "$(demo_list)" == *'"interrupted":true'* ]] || { echo "not shown as interrupted" >&2; exit 1; }
at_kill="$(confirmed)"

# 3. Relaunched: the row is back and continues from the server's offset.
"$hoist" --demo >"$work/second.log" 2>&1 &
app_pid=$!
sleep 2
window_shot target/first-minute-2-relaunched.png
wait_for 120 "the upload to finish" finished
sleep 1
window_shot target/first-minute-3-done.png
[[ "$(sha256sum <"$work/holiday-video.mp4")" == "$(sha256sum <"$store/holiday-video.mp4")" ]] \
    || { echo "the stored copy differs" >&2; exit 1; }
echo "first minute: handed over, killed at $at_kill bytes, relaunched, finished byte-exact;" \
    "screenshots in target/first-minute-*.png"
