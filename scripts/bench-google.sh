#!/usr/bin/env bash
# Benchmark: Google resumable upload to Hoist's reference server, curl vs hoist.
# Prints figures (a Markdown table); it is not a test.
#
#   scripts/bench-google.sh
#
# Settings (environment):
#   SIZES_MIB="1024 4096"  file sizes to measure, in MiB
#   REPEAT=3               runs per measurement; the best (fastest) is reported
#   CHUNK=8MiB             chunk size for the chunked hoist run
#   BENCH_DIR=$TMPDIR      where the temporary work dir is made (needs ~2.5x the largest size free)
#   NO_BUILD=1             skip `cargo build --release`
#   HOIST_BIN=path         hoist binary (default target/release/hoist)
#   BENCH_SERVER_URL=url   use an already running server instead of starting `hoist serve`
#                          (its bucket "bench" must exist)
#   SKIP_HOIST=1           measure curl only (e.g. against another server)
#
# MB/s are decimal megabytes (1e6 bytes) per second of wall time. Peak RSS is the largest
# "Maximum resident set size" that /usr/bin/time -v reported over the streamed and chunked runs.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

SIZES_MIB="${SIZES_MIB:-1024 4096}"
REPEAT="${REPEAT:-3}"
CHUNK="${CHUNK:-8MiB}"
HOIST_BIN="${HOIST_BIN:-$root/target/release/hoist}"
SKIP_HOIST="${SKIP_HOIST:-0}"
export CARGO_TERM_COLOR=never

log() { printf '%s\n' "$*" >&2; }
die() { log "bench-google: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------
if [[ "$SKIP_HOIST" != 1 ]]; then
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
fi

work="$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/hoist-bench.XXXXXX")"
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

# ---------------------------------------------------------------------------------------------
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
if [[ -n "${BENCH_SERVER_URL:-}" ]]; then
    base="${BENCH_SERVER_URL%/}"
    store=""
else
    store="$work/store"
    mkdir -p "$store"
    "$HOIST_BIN" serve --addr 127.0.0.1:0 --dir "$store" >"$work/serve.out" 2>"$work/serve.err" &
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
fi
log "server: $base"

# The Drive-shaped path: the reference server computes no MD5 there (MD5 runs at ~400 MB/s and
# would make the server the bottleneck); the client still computes its CRC32C inline.
endpoint() { echo "$base/upload/drive/v3/files?uploadType=resumable&name=$1"; }

# Remove a stored object (and, for our own server, anything big left in its store).
purge() { # purge NAME
    curl -sS -o /dev/null -X DELETE "$base/storage/v1/b/bench/o/$1" 2>/dev/null || true
    if [[ -n "$store" ]]; then
        find "$store" -type f -size +16M -delete 2>/dev/null || true
    fi
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN { if (t > 0) printf "%.1f", n / t / 1e6; else print "-" }'; }
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }'; }
max() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b + 0 > a + 0) ? b : a }'; }

# One real resumable upload with curl: initiate, then one PUT of the whole file. Prints seconds.
curl_upload() { # curl_upload FILE NAME
    local file=$1 name=$2 n loc t0 t1 code
    n=$(stat -c %s "$file")
    loc="$(curl -sS -D - -o /dev/null -X POST "$(endpoint "$name")" \
        -H 'Content-Type: application/json; charset=UTF-8' \
        -H 'X-Upload-Content-Type: application/octet-stream' \
        -H "X-Upload-Content-Length: $n" --data '{}' |
        tr -d '\r' | awk 'tolower($1) == "location:" { print $2 }')"
    [[ -n "$loc" ]] || die "curl: initiate returned no Location"
    t0=$(now)
    code="$(curl -sS -o "$work/curl.body" -w '%{http_code}' -X PUT -T "$file" \
        -H 'Expect:' -H 'Content-Type: application/octet-stream' \
        -H "Content-Range: bytes 0-$((n - 1))/$n" "$loc")"
    t1=$(now)
    [[ "$code" == 200 || "$code" == 201 ]] || die "curl: PUT answered $code: $(head -c 300 "$work/curl.body")"
    elapsed "$t0" "$t1"
}

# One hoist upload. Prints "SECONDS RSS_KIB". Extra args go to `hoist upload`.
hoist_upload() { # hoist_upload FILE NAME [ARGS...]
    local file=$1 name=$2 t0 t1 rss
    shift 2
    rm -rf "${work:?}/home"
    mkdir -p "$work/home"
    t0=$(now)
    if ! HOIST_HOME="$work/home" /usr/bin/time -v -o "$work/time.txt" \
        "$HOIST_BIN" upload --kind google-resumable --endpoint "$(endpoint '{name}')" "$@" "$file" \
        </dev/null >"$work/hoist.out" 2>"$work/hoist.err"; then
        tail -n 20 "$work/hoist.err" >&2
        die "hoist upload failed ($name)"
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

    best_curl=""
    for ((r = 1; r <= REPEAT; r++)); do
        t="$(curl_upload "$file" "curl-$label.bin")"
        log "  curl        run $r: ${t}s ($(rate "$bytes" "$t") MB/s)"
        best_curl="$(min "$best_curl" "$t")"
        purge "curl-$label.bin"
    done

    best_stream="" best_chunk="" peak=""
    if [[ "$SKIP_HOIST" != 1 ]]; then
        # hoist names the object after the file ({name} in the endpoint).
        obj="$(basename "$file")"
        for ((r = 1; r <= REPEAT; r++)); do
            out="$(hoist_upload "$file" "$obj")"
            read -r t rss <<<"$out"
            log "  hoist       run $r: ${t}s ($(rate "$bytes" "$t") MB/s), RSS ${rss} KiB"
            best_stream="$(min "$best_stream" "$t")"
            peak="$(max "$peak" "$rss")"
            purge "$obj"
        done
        for ((r = 1; r <= REPEAT; r++)); do
            out="$(hoist_upload "$file" "$obj" --chunk-size "$CHUNK")"
            read -r t rss <<<"$out"
            log "  hoist $CHUNK run $r: ${t}s ($(rate "$bytes" "$t") MB/s), RSS ${rss} KiB"
            best_chunk="$(min "$best_chunk" "$t")"
            peak="$(max "$peak" "$rss")"
            purge "$obj"
        done
    fi

    curl_mbs="$(rate "$bytes" "$best_curl")"
    if [[ "$SKIP_HOIST" != 1 ]]; then
        stream_mbs="$(rate "$bytes" "$best_stream")"
        ratio="$(awk -v h="$stream_mbs" -v c="$curl_mbs" 'BEGIN { printf "%.2f", h / c }')"
        chunk_mbs="$(rate "$bytes" "$best_chunk")"
        rss_mib="$(awk -v k="$peak" 'BEGIN { printf "%.1f", k / 1024 }')"
    else
        stream_mbs="-" ratio="-" chunk_mbs="-" rss_mib="-"
    fi
    rows+=("| $mib MiB | $curl_mbs | $stream_mbs | $ratio | $chunk_mbs | $rss_mib |")
    rm -f "$file"
done

echo
echo "Google resumable upload to $([[ -n "$store" ]] && echo "hoist serve" || echo "$base") on 127.0.0.1," \
    "best of $REPEAT, $(nproc) cores"
echo
echo "| file size | curl MB/s | hoist MB/s (stream) | hoist/curl | hoist MB/s ($CHUNK chunks) | hoist peak RSS MiB |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
