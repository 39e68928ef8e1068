#!/usr/bin/env bash
# Benchmark: presigned multipart upload (4 parallel chunks) beside the single-stream Google
# resumable upload, both to Hoist's reference server on 127.0.0.1, same file.
# Prints figures (a Markdown table); it is not a test.
#
#   scripts/bench-multipart.sh
#
# Settings (environment):
#   SIZES_MIB="1024 4096"  file sizes to measure, in MiB
#   REPEAT=3               runs per measurement; the best (fastest) is reported
#   PARALLEL=4             chunks in flight for the multipart run
#   CHUNK=5MiB             the chunk size the server hands out (multipart-chunk-size fault)
#   BENCH_DIR=$TMPDIR      where the temporary work dir is made (needs ~2.5x the largest size free)
#   NO_BUILD=1             skip `cargo build --release`
#   HOIST_BIN=path         hoist binary (default target/release/hoist)
#
# MB/s are decimal megabytes (1e6 bytes) per second of wall time. Peak RSS is the largest
# "Maximum resident set size" /usr/bin/time -v reported for that kind of run.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

SIZES_MIB="${SIZES_MIB:-1024 4096}"
REPEAT="${REPEAT:-3}"
PARALLEL="${PARALLEL:-4}"
CHUNK="${CHUNK:-5MiB}"
HOIST_BIN="${HOIST_BIN:-$root/target/release/hoist}"
export CARGO_TERM_COLOR=never

log() { printf '%s\n' "$*" >&2; }
die() { log "bench-multipart: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------
if ! [[ -x /usr/bin/time ]]; then
    log "installing GNU time"
    sudo_cmd=()
    [[ "$(id -u)" == 0 ]] || sudo_cmd=(sudo)
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q time >/dev/null ||
        { "${sudo_cmd[@]}" apt-get update -q >/dev/null &&
            DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q time >/dev/null; }
fi
if [[ "${NO_BUILD:-0}" != 1 ]]; then
    log "building: cargo build --release"
    cargo build --release >&2
fi
[[ -x "$HOIST_BIN" ]] || die "no hoist binary at $HOIST_BIN"

work="$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/hoist-bench-mp.XXXXXX")"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Test files: 64 MiB of random bytes, repeated. Not sparse, not zeros.
seed="$work/seed.bin"
head -c $((64 * 1024 * 1024)) /dev/urandom >"$seed"
make_file() { # make_file PATH MIB
    local path=$1 mib=$2 i
    : >"$path"
    for ((i = 0; i < mib / 64; i++)); do cat "$seed" >>"$path"; done
    if ((mib % 64)); then head -c $(((mib % 64) * 1024 * 1024)) "$seed" >>"$path"; fi
}

# ---------------------------------------------------------------------------------------------
store="$work/store"
mkdir -p "$store"
"$HOIST_BIN" serve --addr 127.0.0.1:0 --dir "$store" --fault "multipart-chunk-size=$CHUNK" \
    --fault multipart-processing=0s >"$work/serve.out" 2>"$work/serve.err" &
server_pid=$!
base=""
for _ in $(seq 300); do # up to 30 s
    line="$(head -n 1 "$work/serve.out" 2>/dev/null || true)"
    if [[ "$line" =~ listening\ on\ (http://[^[:space:]]+) ]]; then
        base="${BASH_REMATCH[1]%/}"
        break
    fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
done
[[ -n "$base" ]] || { cat "$work/serve.err" >&2; die "hoist serve did not announce its address"; }
log "server: $base"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN { if (t > 0) printf "%.1f", n / t / 1e6; else print "-" }'; }
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }'; }
max() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b + 0 > a + 0) ? b : a }'; }
purge() { find "$store" -maxdepth 1 -type f -delete 2>/dev/null || true; }

# One hoist upload. Prints "SECONDS RSS_KIB". Args go to `hoist upload` before the file.
hoist_upload() { # hoist_upload FILE ARGS...
    local file=$1 t0 t1 rss
    shift
    rm -rf "${work:?}/home"
    mkdir -p "$work/home"
    t0=$(now)
    if ! HOIST_HOME="$work/home" /usr/bin/time -v -o "$work/time.txt" \
        "$HOIST_BIN" upload "$@" "$file" </dev/null >"$work/hoist.out" 2>"$work/hoist.err"; then
        tail -n 20 "$work/hoist.err" >&2
        die "hoist upload failed ($*)"
    fi
    t1=$(now)
    rss="$(awk -F': *' '/Maximum resident set size/ { print $2 }' "$work/time.txt")"
    echo "$(elapsed "$t0" "$t1") ${rss:-0}"
}

# ---------------------------------------------------------------------------------------------
rows=()
for mib in $SIZES_MIB; do
    label="$((mib / 1024))g"
    ((mib % 1024 == 0)) || label="${mib}m"
    file="$work/bench-$label.bin"
    log "making $file ($mib MiB)"
    make_file "$file" "$mib"
    bytes=$(stat -c %s "$file")
    name="$(basename "$file")"

    best_google="" rss_google="" best_mp="" rss_mp=""
    for ((r = 1; r <= REPEAT; r++)); do
        read -r t rss <<<"$(hoist_upload "$file" --kind google-resumable \
            --endpoint "$base/upload/drive/v3/files?uploadType=resumable&name={name}")"
        log "  google stream       run $r: ${t}s ($(rate "$bytes" "$t") MB/s), RSS ${rss} KiB"
        best_google="$(min "$best_google" "$t")"
        rss_google="$(max "$rss_google" "$rss")"
        cmp -s "$store/$name" "$file" || die "google: the stored file differs"
        purge
    done
    for ((r = 1; r <= REPEAT; r++)); do
        read -r t rss <<<"$(hoist_upload "$file" --kind multipart --endpoint "$base/multipart" \
            --parallel-chunks "$PARALLEL" --max-size "$bytes")"
        log "  multipart x$PARALLEL        run $r: ${t}s ($(rate "$bytes" "$t") MB/s), RSS ${rss} KiB"
        best_mp="$(min "$best_mp" "$t")"
        rss_mp="$(max "$rss_mp" "$rss")"
        cmp -s "$store/$name" "$file" || die "multipart: the stored file differs"
        purge
    done
    to_mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
    rows+=("| $mib MiB | $(rate "$bytes" "$best_google") | $(to_mib "$rss_google") | $(rate "$bytes" "$best_mp") | $(to_mib "$rss_mp") |")
    rm -f "$file"
done

echo
echo "Hoist to hoist serve on 127.0.0.1 ($(basename "$HOIST_BIN") at $HOIST_BIN), best of $REPEAT, $(nproc) cores;" \
    "multipart: $PARALLEL chunks in flight, $CHUNK chunks"
echo
echo "| file size | Google stream MB/s | Google peak RSS MiB | multipart x$PARALLEL MB/s | multipart peak RSS MiB |"
echo "|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
