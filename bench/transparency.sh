#!/usr/bin/env bash
# Issue 20's figure, end to end: `writ demo --history N` (default 600,000: about 100,000
# cases in each finished half-year, the history spanning three years), then one
# half-year published with `writ report publish`, and, against that server, three
# interleaved rounds of `writ report verify --url` (every figure and the root
# recomputed from the records it downloads, the report.published event checked in a
# signed checkpoint) and `sha256sum` over the same records file fetched once; the best
# of each and their ratio (target: within 5x). Then a record's proof, for one record
# at each end and in the middle of the tree.
#
#   bench/transparency.sh [N]   WRIT=path/to/writ (default target/release/writ)
#                               WRIT_BENCH_DIR (default /dev/shm), PORT (default 18490)
#                               PERIOD (default: the last finished half-year but one)
set -euo pipefail
[ -n "${TRACE:-}" ] && set -x

root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-600000}
writ=${WRIT:-$root/target/release/writ}
port=${PORT:-18490}
dir=$(mktemp -d "${WRIT_BENCH_DIR:-/dev/shm}/writ-transparency.XXXXXX")
base="http://127.0.0.1:$port"
[ -x "$writ" ] || (cd "$root" && cargo build --release -p writ)

server=
export WRIT_METRICS__ENABLED=false
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    rm -rf "$dir"
}
trap cleanup EXIT

start=$(date +%s.%N)
"$writ" demo --data "$dir/data" --listen "127.0.0.1:$port" --credentials "$dir/cred.json" \
    --history "$n" >"$dir/log" 2>&1 &
server=$!
until [ -s "$dir/cred.json" ]; do
    kill -0 "$server" 2>/dev/null || { cat "$dir/log"; exit 1; }
    sleep 1
done
printf 'writ demo --history %s serving after %.1fs (load %s)\n' "$n" \
    "$(echo "$(date +%s.%N) - $start" | bc)" "$(cut -d' ' -f1-3 /proc/loadavg)"

# The last finished half-year holds the cases still open; the one before is complete.
if [ -z "${PERIOD:-}" ]; then
    year=$(date -u +%Y)
    if [ "$(date -u +%-m)" -le 6 ]; then PERIOD="$((year - 1))-H1"; else PERIOD="$((year - 1))-H2"; fi
fi
# Seconds a command takes; its output, and the reason when it fails, in $dir/out.
seconds() {
    local start
    start=$(date +%s.%N)
    "$@" >"$dir/out" 2>&1 || { cat "$dir/out" >&2; exit 1; }
    printf '%.3f\n' "$(echo "$(date +%s.%N) - $start" | bc)"
}
published=$(seconds "$writ" report publish --period "$PERIOD" --data "$dir/data")
key=$("$writ" audit key --data "$dir/data")
# The server signs a checkpoint over the report.published event within seconds.
until "$writ" report verify --url "$base" --period "$PERIOD" --key "$key" >"$dir/out" 2>&1; do
    grep -q 'try again' "$dir/out" || { cat "$dir/out"; exit 1; }
    sleep 2
done
download=$(seconds curl -sf -o "$dir/records.jsonl" "$base/transparency/$PERIOD/records.jsonl")
records=$(wc -l <"$dir/records.jsonl")
echo "history: $n cases; $PERIOD: $records records, $(du -h "$dir/records.jsonl" | cut -f1) of records.jsonl; writ report publish ${published}s; records.jsonl served in ${download}s"

best_sha=999999
best_verify=999999
for round in 1 2 3; do
    sha=$(seconds sha256sum "$dir/records.jsonl")
    verify=$(seconds "$writ" report verify --url "$base" --period "$PERIOD" --key "$key")
    echo "round $round: sha256sum ${sha}s, writ report verify ${verify}s"
    best_sha=$(echo "if ($sha < $best_sha) $sha else $best_sha" | bc)
    best_verify=$(echo "if ($verify < $best_verify) $verify else $best_verify" | bc)
done
echo "best: sha256sum ${best_sha}s, writ report verify ${best_verify}s, ratio $(echo "scale=2; $best_verify / $best_sha" | bc)x (target: within 5x)"

for line in 1 $((records / 2)) "$records"; do
    commitment=$(sed -n "${line}p" "$dir/records.jsonl" | jq -r .commitment)
    timed=$(curl -sf -o "$dir/proof" -w '%{time_total}' \
        "$base/transparency/$PERIOD/proof?commitment=$commitment")
    echo "proof of record $line of $records: ${timed}s, index $(jq .index "$dir/proof"), $(jq '.proof | length' "$dir/proof") hashes"
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
