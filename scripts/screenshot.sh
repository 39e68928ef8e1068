#!/usr/bin/env bash
# Starts `hoist --demo` in a real window under Xvfb, queues two files, waits until both are
# uploaded (checking the stored copies byte for byte), and saves screenshots:
#   assets/screenshot.png          while the big file is still uploading
#   target/screenshot-done.png     when everything is done
# Usage: scripts/screenshot.sh [path/to/hoist]   (default: target/debug/hoist, built if missing)
# Needs: xvfb xauth imagemagick xdotool libgl1-mesa-dri libegl1 (installed by .ci/run).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
hoist="${1:-$root/target/debug/hoist}"
[[ -x "$hoist" ]] || cargo build --bin hoist
# shellcheck source=scripts/xvfb-lib.sh
source "$root/scripts/xvfb-lib.sh"
start_xvfb

convert -size 1600x1000 plasma:fractal -quality 92 "$work/photo.jpg"
head -c 400000000 /dev/urandom >"$work/holiday-video.mp4"
export HOIST_HOME="$work/home" HOIST_DEMO_PORT="$((20000 + RANDOM % 20000))"
DISPLAY="$display" LIBGL_ALWAYS_SOFTWARE=1 "$hoist" --demo "$work/photo.jpg" "$work/holiday-video.mp4" \
    >"$work/app.log" 2>&1 &
app_pid=$!
store="$HOIST_HOME/data/demo/server"

wait_for() { # wait_for FILE SECONDS
    for _ in $(seq $(($2 * 10))); do
        [[ -f "$store/$1" ]] && return 0
        kill -0 "$app_pid" 2>/dev/null || { cat "$work/app.log" >&2; echo "hoist exited" >&2; return 1; }
        sleep 0.1
    done
    echo "timed out waiting for $1" >&2
    return 1
}
window_shot() { # window_shot OUT
    local id
    id="$(DISPLAY="$display" xdotool search --name '^Hoist' | head -n 1)"
    DISPLAY="$display" import -window "${id:-root}" "$1"
}

wait_for photo.jpg 60
sleep 1
mkdir -p assets
window_shot assets/screenshot.png
wait_for holiday-video.mp4 120
sleep 1
window_shot target/screenshot-done.png
for f in photo.jpg holiday-video.mp4; do
    [[ "$(sha256sum <"$work/$f")" == "$(sha256sum <"$store/$f")" ]] || { echo "$f differs" >&2; exit 1; }
done
echo "screenshot: both files uploaded byte-exact; saved assets/screenshot.png and target/screenshot-done.png"
