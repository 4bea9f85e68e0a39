# Browser tests of writ's web UI: Playwright (npm `playwright-core`) driving Debian's
# Chromium against a fresh `writ demo` on 127.0.0.1. Sourced by scripts/test; uses
# scripts/lib/services.sh's helpers when they are loaded, and works without them.
#
#   run_browser_tests path/to/writ
#
# Installs what is missing (Chromium from Debian, playwright-core with `npm ci`), starts
# `writ demo` on a free port with a fresh data directory, runs tests/browser/*.test.mjs
# with `node --test`, stops writ, and returns the tests' status. Screenshots go to
# test-artifacts/ at the repository's root.

run_browser_tests() {
  local writ=${1:?usage: run_browser_tests path/to/writ}
  local root dir pid status=0 waited=0
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  writ=$(cd "$(dirname "$writ")" && pwd)/$(basename "$writ")
  if [ ! -x "$writ" ]; then
    echo "run_browser_tests: $writ is not an executable writ binary (build it first)" >&2
    return 1
  fi
  _browser_log "browser tests: installing what is missing"
  if [ ! -x /usr/bin/chromium ]; then
    if declare -F apt_install >/dev/null; then
      apt_install chromium
    else
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
    fi
  fi
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "run_browser_tests: node and npm (Node 20 or later) are needed" >&2
    return 1
  fi
  (cd "$root/tests/browser" && npm ci --no-audit --no-fund --loglevel=error) || return 1

  dir=$(mktemp -d /tmp/writ-browser.XXXXXX)
  # Port 0: writ picks a free port and writes its address into the credentials file.
  # Metrics off: the demo's metrics listener has a fixed port.
  WRIT_METRICS__ENABLED=false "$writ" demo --data "$dir/data" --listen 127.0.0.1:0 \
    --credentials "$dir/credentials.json" >"$dir/writ.log" 2>&1 &
  pid=$!
  # If the caller is stopped half-way, its EXIT trap (services.sh) stops writ too.
  if declare -p STOP_ACTIONS >/dev/null 2>&1; then STOP_ACTIONS+=("kill $pid"); fi

  until node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).base_url' \
    "$dir/credentials.json" >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null || [ "$waited" -ge 120 ]; then
      echo "run_browser_tests: writ demo did not start; its log:" >&2
      cat "$dir/writ.log" >&2
      kill "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
      rm -rf "$dir"
      return 1
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
  _browser_log "browser tests: writ demo (pid $pid) at $(node -p 'require(process.argv[1]).base_url' "$dir/credentials.json")"

  mkdir -p "$root/test-artifacts"
  (
    cd "$root/tests/browser" &&
      WRIT_CREDENTIALS="$dir/credentials.json" WRIT_ARTIFACTS="$root/test-artifacts" \
        WRIT_BIN="$writ" WRIT_DATA="$dir/data" \
        node --test --test-concurrency=1 ./*.test.mjs
  ) || status=$?

  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  if [ "$status" -ne 0 ]; then
    echo "browser tests failed; the end of writ's log:" >&2
    tail -n 40 "$dir/writ.log" >&2
  fi
  rm -rf "$dir"
  _browser_log "browser tests: screenshots in $root/test-artifacts"
  return "$status"
}

_browser_log() {
  if declare -F log >/dev/null; then log "$*"; else printf '\n== %s\n' "$*"; fi
}
