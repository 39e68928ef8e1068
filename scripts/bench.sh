#!/usr/bin/env bash
# Hoist's performance report: builds Hoist (release), installs the independent clients, and runs
# scripts/bench.py, which writes BENCHMARKS.md. Run it on a quiet machine: no builds, no tests.
#
#   scripts/bench.sh                      # the full report (about 30 min on 2 cores)
#   scripts/bench.sh --sizes-mib 64 --repeat 1 --no-slow --out /tmp/b.md   # a quick look
#   scripts/bench.sh --help               # every option of bench.py
#
# The slow link needs root (network namespaces, TUN devices); without root it is skipped.
# Settings (environment): NO_BUILD=1 skips `cargo build --release`; BENCH_DIR is where the test
# files go (needs about 3x the largest size free).
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

# @tus/server and tus-js-client, pinned in tests/peers/tus/package-lock.json.
[[ -d tests/peers/tus/node_modules/tus-js-client ]] ||
    (cd tests/peers/tus && npm ci --no-audit --no-fund --loglevel=error >&2)

extra=()
if [[ "$(id -u)" != 0 ]] && [[ " $* " != *" --no-slow "* ]]; then
    echo "bench: not root, so the slow link (network namespaces) is skipped" >&2
    extra+=(--no-slow)
fi
exec python3 scripts/bench.py --python "$venv/bin/python" "${extra[@]}" "$@"
