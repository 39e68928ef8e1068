#!/usr/bin/env bash
# Renders the application icon assets/icons/hoist.svg to the PNG sizes the desktop needs:
#   assets/icons/hoist-<N>.png for N in 16 32 48 64 128 256 512
# The PNGs are committed (CI and `cargo deb` don't need a renderer); run this after editing the SVG.
# The window icon is the 256 px PNG (embedded by crates/hoist-ui/src/icon.rs).
# Needs: rsvg-convert (apt: librsvg2-bin). ImageMagick's `convert` here has no SVG reader of its
# own (it hands SVG to rsvg-convert anyway), so rsvg-convert is called directly.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
svg="$root/assets/icons/hoist.svg"
command -v rsvg-convert >/dev/null || { echo "needs rsvg-convert (apt install librsvg2-bin)" >&2; exit 1; }
for size in 16 32 48 64 128 256 512; do
    rsvg-convert --width "$size" --height "$size" --format png "$svg" \
        --output "$root/assets/icons/hoist-$size.png"
done
echo "rendered assets/icons/hoist-{16,32,48,64,128,256,512}.png from assets/icons/hoist.svg"
