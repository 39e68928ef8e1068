#!/usr/bin/env bash
# Start or stop gcp-storage-emulator (PyPI), the independent Google resumable-upload peer,
# on 127.0.0.1 with a free port, in the background.
#
#   scripts/gcs-emulator.sh start DIR [BUCKET...]   prints the base URL (http://127.0.0.1:PORT)
#   scripts/gcs-emulator.sh stop DIR
#
# DIR holds the emulator's data (DIR/data/.cloudstorage), its log (DIR/emulator.log),
# its pid (DIR/emulator.pid) and base URL (DIR/emulator.url). Buckets are created at start
# (default: one bucket named "hoist"). GCS_EMULATOR_IN_MEMORY=1 keeps objects in memory.
# The executable is $HOIST_GCS_EMULATOR, else target/ci-venv/bin/gcp-storage-emulator,
# else gcp-storage-emulator on PATH (.ci/run installs it into target/ci-venv).
#
# Why not --port 0: the emulator never prints the port it bound. And when its port is taken,
# it does NOT exit (the server thread dies, the process hangs), so readiness is judged by
# polling GET / (answers "OK") with a deadline, retrying with another port on failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

find_emulator() {
    if [[ -n "${HOIST_GCS_EMULATOR:-}" ]]; then
        echo "$HOIST_GCS_EMULATOR"
    elif [[ -x "$here/target/ci-venv/bin/gcp-storage-emulator" ]]; then
        echo "$here/target/ci-venv/bin/gcp-storage-emulator"
    elif command -v gcp-storage-emulator >/dev/null 2>&1; then
        command -v gcp-storage-emulator
    else
        echo "gcs-emulator.sh: gcp-storage-emulator not found (set HOIST_GCS_EMULATOR or run .ci/run)" >&2
        return 1
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Alive and not a zombie (a killed, reparented child stays a zombie until init reaps it).
alive() {
    local state
    state="$(ps -o stat= -p "$1" 2>/dev/null || true)"
    [[ -n "$state" && "$state" != Z* ]]
}

stop_pid() {
    local pid=$1
    kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do
        alive "$pid" || return 0
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
}

start() {
    local dir=$1
    shift
    local buckets=("$@")
    [[ ${#buckets[@]} -gt 0 ]] || buckets=(hoist)
    local emu
    emu="$(find_emulator)"
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    if [[ -f "$dir/emulator.pid" ]] && alive "$(cat "$dir/emulator.pid")"; then
        echo "gcs-emulator.sh: already running in $dir (pid $(cat "$dir/emulator.pid"))" >&2
        return 1
    fi
    local extra=()
    [[ "${GCS_EMULATOR_IN_MEMORY:-0}" == 1 ]] && extra+=(--in-memory)

    local attempt port pid url ok deadline
    for attempt in 1 2 3 4 5; do
        port="$(free_port)"
        url="http://127.0.0.1:$port"
        # setsid: its own process group, so it outlives this script and a Ctrl-C here.
        setsid "$emu" -d "$dir/data" start --host 127.0.0.1 --port "$port" \
            --default-bucket "${buckets[0]}" "${extra[@]}" \
            </dev/null >>"$dir/emulator.log" 2>&1 &
        pid=$!
        ok=0
        deadline=$((SECONDS + 15))
        while ((SECONDS < deadline)); do
            alive "$pid" || break
            if [[ "$(curl -sS --max-time 1 "$url/" 2>/dev/null || true)" == OK ]]; then
                ok=1
                break
            fi
            sleep 0.1
        done
        if [[ $ok == 1 ]]; then
            echo "$pid" >"$dir/emulator.pid"
            echo "$url" >"$dir/emulator.url"
            local b
            for b in "${buckets[@]:1}"; do
                curl -sS -f -o /dev/null -X POST "$url/storage/v1/b?project=hoist" \
                    -H 'Content-Type: application/json' -d "{\"name\":\"$b\"}"
            done
            echo "$url"
            return 0
        fi
        echo "gcs-emulator.sh: attempt $attempt on port $port failed (see $dir/emulator.log)" >&2
        stop_pid "$pid"
    done
    return 1
}

stop() {
    local dir=$1
    if [[ -f "$dir/emulator.pid" ]]; then
        stop_pid "$(cat "$dir/emulator.pid")"
        rm -f "$dir/emulator.pid" "$dir/emulator.url"
    fi
}

case "${1:-}" in
start)
    [[ $# -ge 2 ]] || { sed -n '5,6p' "$0" >&2; exit 2; }
    shift
    start "$@"
    ;;
stop)
    [[ $# -eq 2 ]] || { sed -n '5,6p' "$0" >&2; exit 2; }
    stop "$2"
    ;;
*)
    sed -n '2,15p' "$0" >&2
    exit 2
    ;;
esac
