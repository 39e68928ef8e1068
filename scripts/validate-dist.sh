#!/usr/bin/env bash
# Validates the desktop entry and the AppStream metainfo in dist/ (offline). A validator that is
# not installed is skipped with a note; with --require, a missing validator is an error (CI).
# Needs: desktop-file-validate (apt: desktop-file-utils), appstreamcli (apt: appstream).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
require=false
[[ "${1:-}" == --require ]] && require=true
app_id=io.github.hoist.Hoist

run_validator() { # run_validator TOOL APT_PACKAGE ARGS...
    local tool="$1" package="$2"
    shift 2
    if ! command -v "$tool" >/dev/null; then
        $require && { echo "$tool is missing (apt: $package)" >&2; return 1; }
        echo "skipped: $tool is not installed (apt: $package)"
        return 0
    fi
    "$tool" "$@"
}

run_validator desktop-file-validate desktop-file-utils "$root/dist/$app_id.desktop"
run_validator appstreamcli appstream validate --no-net "$root/dist/$app_id.metainfo.xml"
echo "dist/: desktop entry and metainfo valid"
