#!/usr/bin/env bash
# Issue 12's seeding time: `writ demo --history N` (SQLite) until it serves, for each
# binary given, alternating, ROUNDS times (default 1), so that two builds meet the same
# machine load. Prints, per run: until serving, the batches (first written to last),
# the index rebuild (from its log line to "history indexed"), the seeding process's
# memory high-water mark, and the load average.
#
#   bench/seed.sh N path/to/writ [path/to/other/writ …]
#                           ROUNDS (default 1), WRIT_BENCH_DIR (default /dev/shm),
#                           PORT (default 18480), KEEP_LOGS=dir (each run's log kept)
set -euo pipefail

n=${1:?usage: bench/seed.sh N WRIT [WRIT …]}
shift
[ $# -gt 0 ] || { echo "usage: bench/seed.sh N WRIT [WRIT …]" >&2; exit 2; }
port=${PORT:-18480}
# Another writ on this machine may hold the metrics port.
export WRIT_METRICS__ENABLED=false
server=
dir=
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    if [ -n "$dir" ]; then rm -rf "$dir"; fi
}
trap cleanup EXIT

# A log line's time, in seconds.
at() { date -d "$(cut -c1-27 <<<"$1")" +%s.%N; }

for round in $(seq 1 "${ROUNDS:-1}"); do
    for writ in "$@"; do
        dir=$(mktemp -d "${WRIT_BENCH_DIR:-/dev/shm}/writ-seed.XXXXXX")
        start=$(date +%s.%N)
        "$writ" demo --data "$dir/data" --listen "127.0.0.1:$port" --credentials "$dir/cred.json" \
            --history "$n" >"$dir/log" 2>&1 &
        server=$!
        until [ -s "$dir/cred.json" ]; do
            kill -0 "$server" 2>/dev/null || { cat "$dir/log"; exit 1; }
            sleep 0.2
        done
        serving=$(echo "$(date +%s.%N) - $start" | bc)
        memory=$(awk '/VmHWM/ {print $2 " " $3}' "/proc/$server/status")
        kill "$server"; wait "$server" 2>/dev/null || true
        server=
        first=$(at "$(grep -m1 'writ::history' "$dir/log")")
        last=$(at "$(grep 'writ::history.*written' "$dir/log" | tail -1)")
        indexing=$(at "$(grep -m1 'building the indexes' "$dir/log")")
        indexed=$(at "$(grep -m1 'history indexed' "$dir/log")")
        printf '%s round %s: serving after %.1f s; batches %.1f s; indexes %.1f s; high-water %s; load %s\n' \
            "$writ" "$round" "$serving" "$(echo "$last - $first" | bc)" \
            "$(echo "$indexed - $indexing" | bc)" "$memory" "$(cut -d' ' -f1-3 /proc/loadavg)"
        if [ -n "${KEEP_LOGS:-}" ]; then cp "$dir/log" "$KEEP_LOGS/$(basename "$dir").log"; fi
        rm -rf "$dir"
        dir=
    done
done
