#!/usr/bin/env bash
# Installs what Hoist's tests need, only where it is missing, and says in one line what it could
# not install. `cargo test --all-targets` runs it by itself the first time a test needs a peer
# (tests/integration/peers.rs); `.ci/run` runs it first.
#
#   scripts/install-test-peers.sh          install what is missing (quiet when all is present)
#   scripts/install-test-peers.sh --check  install nothing; exit 1 and name what is missing
#
# What it installs:
#   - Debian/Ubuntu packages: the window under Xvfb, the system keyring test (dbus-daemon,
#     gnome-keyring), the packaging validators, fonts for every script in file names.
#     Needs root or password-less sudo; otherwise it prints the apt-get line to run and fails.
#   - gcp-storage-emulator and moto[server] (PyPI, pinned) in target/ci-venv.
#   - @tus/server and @tus/file-store (npm, pinned by tests/peers/tus/package-lock.json)
#     in tests/peers/tus/node_modules; needs Node.js >= 20.19.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

check_only=false
[[ "${1:-}" == "--check" ]] && check_only=true

export DEBIAN_FRONTEND=noninteractive
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

gcs_emulator_version=2026.7.19
moto_version=5.2.5
venv="$root/target/ci-venv"

apt_packages=(
    build-essential pkg-config curl python3-venv openssl time
    xvfb xauth libgl1-mesa-dri libegl1 libxcursor1 libxi6 libxkbcommon-x11-0
    imagemagick xdotool x11-utils
    # the window's fallback fonts, so the glyph test checks every script (window_looks.rs)
    fonts-noto-cjk fonts-noto-core fonts-noto-color-emoji fontconfig
    desktop-file-utils appstream
    # the system keyring test: a private session bus with gnome-keyring's Secret Service
    dbus-daemon gnome-keyring
)

say() { printf 'install-test-peers: %s\n' "$*" >&2; }

# --- Debian/Ubuntu packages ------------------------------------------------------------------
missing=()
if command -v dpkg-query >/dev/null; then
    for p in "${apt_packages[@]}"; do
        if [[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)" != ii* ]]; then
            missing+=("$p")
        fi
    done
fi
if [[ ${#missing[@]} -gt 0 ]]; then
    if $check_only; then
        say "missing packages: ${missing[*]}"
        exit 1
    fi
    sudo_cmd=()
    if [[ "$(id -u)" != 0 ]]; then
        if sudo -n true 2>/dev/null; then
            sudo_cmd=(sudo -n)
        else
            say "the tests need these packages; run: sudo apt-get install -y ${missing[*]}"
            exit 1
        fi
    fi
    say "installing packages: ${missing[*]}"
    "${sudo_cmd[@]}" apt-get update -q >&2
    "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}" >&2
fi

# --- PyPI peers in target/ci-venv ------------------------------------------------------------
pip_version() { "$venv/bin/python" -m pip show "$1" 2>/dev/null | sed -n 's/^Version: //p'; }
if [[ ! -x "$venv/bin/python" ]] || [[ "$(pip_version gcp-storage-emulator)" != "$gcs_emulator_version" ]] \
    || [[ "$(pip_version moto)" != "$moto_version" ]]; then
    if $check_only; then
        say "missing: gcp-storage-emulator $gcs_emulator_version and moto $moto_version in target/ci-venv"
        exit 1
    fi
    say "installing gcp-storage-emulator $gcs_emulator_version and moto[server] $moto_version into target/ci-venv"
    mkdir -p "$root/target"
    [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
    "$venv/bin/python" -m pip install -q "gcp-storage-emulator==$gcs_emulator_version" \
        "moto[server]==$moto_version" >&2
fi

# --- npm peer in tests/peers/tus/node_modules ------------------------------------------------
tus_dir="$root/tests/peers/tus"
stamp="$tus_dir/node_modules/.package-lock.json"
if [[ ! -f "$tus_dir/node_modules/@tus/server/package.json" ]] \
    || [[ ! -f "$tus_dir/node_modules/@tus/file-store/package.json" ]] \
    || [[ "$tus_dir/package-lock.json" -nt "$stamp" ]]; then
    if $check_only; then
        say "missing: @tus/server in tests/peers/tus/node_modules"
        exit 1
    fi
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        say "the tus tests need Node.js 20.19 or newer with npm (https://nodejs.org, or: sudo apt-get install -y nodejs npm)"
        exit 1
    fi
    if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
        say "Node.js $(node -p 'process.versions.node') is too old for @tus/server: install 20.19 or newer"
        exit 1
    fi
    say "installing @tus/server into tests/peers/tus/node_modules"
    (cd "$tus_dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
