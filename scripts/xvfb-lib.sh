# Shared by scripts that run the real window under Xvfb. Source it, then call `start_xvfb`; it sets
# $display and $work (a temp dir) and cleans up both, and $app_pid if set, on exit.
display=":$((100 + RANDOM % 800))"
work="$(mktemp -d)"
xvfb_pid="" app_pid=""
cleanup_xvfb() {
    [[ -n "$app_pid" ]] && kill "$app_pid" 2>/dev/null || true
    [[ -n "$xvfb_pid" ]] && kill "$xvfb_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup_xvfb EXIT
start_xvfb() {
    Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
    xvfb_pid=$!
    for _ in $(seq 50); do
        xdpyinfo -display "$display" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    sleep 1
}
