#!/usr/bin/env bash
# The chaos campaign, long version: for every protocol, 20 uploads of 0 B to 1 GiB while the
# reference server injects random faults and restarts, and `hoist` is SIGKILLed at random.
# Prints the table (uploads, faults by kind, kills, restarts, corrupt, lost, bytes re-sent).
# CI runs the short version as part of `cargo test` (tests/integration/chaos.rs).
#
#   scripts/chaos.sh            # long campaign, seed 20261121
#   HOIST_CHAOS_SEED=7 scripts/chaos.sh
#   scripts/chaos.sh large      # 50 uploads of 0 B to 3 GiB per protocol, 200+ SIGKILLs and
#                               # sleeps (SIGSTOP) each: about 45 minutes, 15 GiB free under TMPDIR
#   HOIST_CHAOS_PROTOCOLS=tus,multipart scripts/chaos.sh large   # only these protocols
#   CHAOS_PROFILE=dev scripts/chaos.sh large   # the debug build (no 20-minute release build)
#
# It needs about 30 GiB free under TMPDIR (each protocol's files, up to 1 GiB each, and the
# server's copies exist at once) and takes about 12 minutes on 2 cores, after the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
export HOIST_CHAOS="${1:-long}"
exec cargo test --profile "${CHAOS_PROFILE:-release}" --test integration chaos::chaos_campaign \
    -- --nocapture --test-threads 1
