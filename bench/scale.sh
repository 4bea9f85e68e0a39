#!/usr/bin/env bash
# Issue 12's scale benchmark: `writ demo --history N` (default 100,000), then, against
# that server and store, with wrk: the queue's first and a later page, a search,
# /transparency cold and warm, /healthz while four heavy reads run; `writ report` for
# one half-year with /usr/bin/time -v; the server's memory high-water mark. Baselines
# in the same run: the sqlite3 CLI answering a plain `SELECT … LIMIT 50` on cases and
# a plain GROUP BY over the summaries.
#
#   bench/scale.sh [N]      WRIT=path/to/writ (default target/release/writ)
#                           WRIT_BENCH_DIR (default /dev/shm), PORT (default 18480)
#                           PG=postgres://user@host:port (a server to make a fresh
#                           database on, dropped afterwards): the store on PostgreSQL,
#                           and the baselines through psql
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-100000}
writ=${WRIT:-$root/target/release/writ}
port=${PORT:-18480}
dir=$(mktemp -d "${WRIT_BENCH_DIR:-/dev/shm}/writ-scale.XXXXXX")
base="http://127.0.0.1:$port"
[ -x "$writ" ] || (cd "$root" && cargo build --release -p writ)

server=
pgdb=
# Another writ on this machine may hold the metrics port.
export WRIT_METRICS__ENABLED=false
if [ -n "${PG:-}" ]; then
    pgdb="writ_scale_$$"
    psql -q "$PG/postgres" -c "CREATE DATABASE $pgdb"
    export WRIT_DATABASE_URL="$PG/$pgdb"
fi
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    if [ -n "$pgdb" ]; then psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $pgdb"; fi
    rm -rf "$dir"
}
trap cleanup EXIT

# --- the history -------------------------------------------------------------------
# Starts `writ demo` on the data directory (with any extra arguments) and waits until
# it serves.
start_demo() {
    rm -f "$dir/cred.json"
    "$writ" demo --data "$dir/data" --listen "127.0.0.1:$port" --credentials "$dir/cred.json" \
        "$@" >"$dir/log" 2>&1 &
    server=$!
    until [ -s "$dir/cred.json" ]; do
        kill -0 "$server" 2>/dev/null || { cat "$dir/log"; exit 1; }
        sleep 0.5
    done
}
start=$(date +%s.%N)
start_demo --history "$n"
loaded=$(echo "$(date +%s.%N) - $start" | bc)
first=$(grep -m1 'writ::history' "$dir/log" | cut -c1-27)
last=$(grep 'writ::history' "$dir/log" | tail -1 | cut -c1-27)
seeding=$(echo "$(date -d "$last" +%s.%N) - $(date -d "$first" +%s.%N)" | bc)
echo "history: $n cases; writ demo serving after ${loaded}s, of which the batches from the first written to the last ${seeding}s; seeding peak memory $(awk '/VmHWM/ {print $2 " " $3}' "/proc/$server/status")"
# The server measured from here on is a fresh process over the seeded store.
kill "$server"; wait "$server" 2>/dev/null || true
start_demo
token=$(jq -r '.staff[0].token' "$dir/cred.json")
auth="Authorization: Bearer $token"
db="$dir/data/writ.db"
# One query's rows, through the store's own database.
query() {
    if [ -n "$pgdb" ]; then psql -tA "$WRIT_DATABASE_URL" -c "$1"; else sqlite3 "$db" "$1"; fi
}
if [ -n "$pgdb" ]; then
    echo "store: $(query "SELECT pg_size_pretty(pg_database_size('$pgdb'))") PostgreSQL database"
else
    echo "store: $(du -h "$db" | cut -f1) SQLite database"
fi

# wrk's 50% and 99% latency lines, as "p50 p99".
latency() {
    wrk -t1 -c"${CONNECTIONS:-1}" -d"${SECONDS_EACH:-8}s" --latency -H "$auth" "$@" |
        awk '/^ +50%/ {p50=$2} /^ +99%/ {p99=$2} END {print "p50 " p50 ", p99 " p99}'
}

# --- the queue and search ------------------------------------------------------------
echo "queue, first page (open cases):      $(latency "$base/api/v1/cases")"
echo "queue, first page (state=any):       $(latency "$base/api/v1/cases?state=any")"
path="/api/v1/cases?state=any"
for _ in $(seq 1 40); do
    path=$(curl -s -H "$auth" "$base$path" | jq -r '.next')
done
echo "queue, page 41 (state=any):          $(latency "$base$path")"
reference=$(query "SELECT reference FROM cases WHERE reference LIKE 'H-%' LIMIT 1 OFFSET $((n / 2))")
echo "search by reference ($reference):  $(latency "$base/api/v1/cases?state=any&q=$reference")"
echo "search by identifier:                $(latency "$base/api/v1/cases?state=any&q=user1234@example.com")"
echo "search by a broad prefix (H-):       $(latency "$base/api/v1/cases?state=any&q=H-")"

# --- the transparency report --------------------------------------------------------
period=$(date -u -d '-6 months' +%Y-H)$(( $(date -u -d '-6 months' +%-m) <= 6 ? 1 : 2 ))
cold=$(curl -s -o /dev/null -w '%{time_total}' "$base/transparency?period=$period")
echo "/transparency?period=$period cold:  ${cold}s"
echo "/transparency?period=$period warm:  $(latency "$base/transparency?period=$period")"
/usr/bin/time -v "$writ" report --period "$period" --data "$dir/data" >/dev/null 2>"$dir/time" || true
echo "writ report --period $period:        $(awk -F': ' '/Elapsed/ {print $2}' "$dir/time") elapsed, $(awk -F': ' '/Maximum resident/ {print $2}' "$dir/time") KB peak"

# --- /healthz while four heavy reads run ---------------------------------------------
CONNECTIONS=4 SECONDS_EACH=12 latency "$base/api/v1/cases?state=any&limit=500" >"$dir/heavy" &
heavy=$!
sleep 2
echo "/healthz during 4 heavy reads:       $(latency "$base/healthz")"
wait "$heavy"
echo "  (the heavy reads, 500-case pages:  $(cat "$dir/heavy"))"
echo "server memory high-water mark:       $(awk '/VmHWM/ {print $2 " " $3}' "/proc/$server/status")"

# --- baselines: the same database, no writ -------------------------------------------
# (Python's sqlite3 module: the sqlite3 CLI's .timer prints nothing when not a terminal;
# psql's \timing does, one "Time:" line per run.)
timed() {
    if [ -n "$pgdb" ]; then
        for _ in $(seq 1 21); do printf '%s\n' '\timing on' "$1;" ; done |
            psql -q -o /dev/null "$WRIT_DATABASE_URL" |
            awk '/^Time:/ {print $2}' | sort -n |
            awk '{t[NR]=$1} END {printf "p50 %.2fms, max of %d %.2fms\n", t[11], NR, t[NR]}'
        return
    fi
    python3 - "$db" "$1" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
times = []
for _ in range(21):
    t = time.perf_counter()
    db.execute(sys.argv[2]).fetchall()
    times.append(time.perf_counter() - t)
times.sort()
print(f"p50 {times[10] * 1000:.2f}ms, max of 21 {times[-1] * 1000:.2f}ms")
PY
}
echo "baseline: SELECT * FROM cases ORDER BY queue_key LIMIT 50:   $(timed 'SELECT * FROM cases ORDER BY queue_key LIMIT 50')"
echo "baseline: SELECT * FROM cases LIMIT 50 OFFSET 2000:          $(timed 'SELECT * FROM cases LIMIT 50 OFFSET 2000')"
echo "baseline: GROUP BY over one half-year's summaries:            $(timed "SELECT section, authority_country, instrument, customer, outcome, COUNT(*), SUM(accounts) FROM case_summaries WHERE half_year = '$period' GROUP BY 1, 2, 3, 4, 5")"
