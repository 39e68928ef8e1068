#!/usr/bin/env bash
# Builds the Debian package with cargo-deb and checks it:
#   scripts/build-deb.sh                  validate dist/, build target/debian/hoist_<version>-1_<arch>.deb,
#                                         show its control fields and contents
#   scripts/build-deb.sh --check-install  also install it (dpkg -i, needs root), check that
#                                         `hoist --version`, the desktop entry, the metainfo and the
#                                         icons are in place, then remove it again (dpkg -r)
# Needs: cargo-deb (`cargo install cargo-deb --locked`); for validation desktop-file-validate
# (apt: desktop-file-utils) and appstreamcli (apt: appstream), skipped with a note when missing.
# The build is a release build (fat LTO, one codegen unit): several minutes.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
check_install=false
case "${1:-}" in
    "") ;;
    --check-install) check_install=true ;;
    *) echo "usage: $0 [--check-install]" >&2; exit 2 ;;
esac

app_id=io.github.hoist.Hoist
scripts/validate-dist.sh

command -v cargo-deb >/dev/null || { echo "needs cargo-deb: cargo install cargo-deb --locked" >&2; exit 1; }
# cargo deb prints the path of the package it wrote as its last line.
deb="$(cargo deb | tail -n 1)"
[[ -f "$deb" ]] || { echo "cargo deb did not report a package file (got: $deb)" >&2; exit 1; }
dpkg-deb --info "$deb"
dpkg-deb --contents "$deb"

if $check_install; then
    [[ "$(id -u)" == 0 ]] || { echo "--check-install needs root (dpkg -i)" >&2; exit 1; }
    dpkg -i "$deb"
    trap 'dpkg -r hoist >/dev/null' EXIT
    /usr/bin/hoist --version
    for f in "/usr/share/applications/$app_id.desktop" "/usr/share/metainfo/$app_id.metainfo.xml" \
        "/usr/share/icons/hicolor/scalable/apps/$app_id.svg"; do
        [[ -f "$f" ]] || { echo "missing after install: $f" >&2; exit 1; }
    done
    for size in 16 32 48 64 128 256 512; do
        f="/usr/share/icons/hicolor/${size}x${size}/apps/$app_id.png"
        [[ -f "$f" ]] || { echo "missing after install: $f" >&2; exit 1; }
    done
    echo "installed and checked: /usr/bin/hoist, the desktop entry, the metainfo, 8 icons"
fi
echo "package: $deb"
