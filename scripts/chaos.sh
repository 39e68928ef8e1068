#!/usr/bin/env bash
# The chaos campaign, long version: for every protocol, 20 uploads of 0 B to 1 GiB while the
# reference server injects random faults and restarts, and `hoist` is SIGKILLed at random.
# Prints the table (uploads, faults by kind, kills, restarts, corrupt, lost, bytes re-sent).
# CI runs the short version as part of `cargo test` (tests/integration/chaos.rs).
#
#   scripts/chaos.sh            # long campaign, seed 20261121
#   HOIST_CHAOS_SEED=7 scripts/chaos.sh
#
# It needs about 30 GiB free under TMPDIR (each protocol's files, up to 1 GiB each, and the
# server's copies exist at once) and takes about 12 minutes on 2 cores, after the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
export HOIST_CHAOS=long
exec cargo test --release --test integration chaos::chaos_campaign -- --nocapture --test-threads 1
