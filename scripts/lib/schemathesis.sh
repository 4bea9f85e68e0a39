# Schemathesis against a `writ demo`: requests generated from the served OpenAPI document
# (`GET /api/v1/openapi.json`), once with an authority's API token and once with a
# reviewer's, checked by scripts/lib/schemathesis.toml (no 5xx, answers true to the
# document, no schema-valid request refused for an unstated rule). Bounded: a fixed
# number of examples per operation and seed, and a time limit per run. Sourced by
# scripts/test after services.sh (whose log and free_port it uses when present); alone:
#   source scripts/lib/schemathesis.sh && run_schemathesis target/debug/writ

: "${WRIT_SERVICES_DIR:=/tmp/writ-services}"
declare -F log >/dev/null || log() { printf '\n== %s\n' "$*"; }
declare -F free_port >/dev/null || free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The version that installs on the machine's Python (3.11).
SCHEMATHESIS_VERSION=4.32.5
# Examples per operation and phase, and the seed: the same requests every run.
SCHEMATHESIS_EXAMPLES=${SCHEMATHESIS_EXAMPLES:-20}
SCHEMATHESIS_SEED=${SCHEMATHESIS_SEED:-13}

# Runs Schemathesis against a fresh `writ demo` of the binary $1; fails when a check does.
run_schemathesis() {
  local writ="$1" dir="$WRIT_SERVICES_DIR/schemathesis" venv port pid base i who token
  local config failed=0
  venv="$dir/venv"
  config="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/schemathesis.toml"
  mkdir -p "$dir"
  if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
    log "installing Schemathesis $SCHEMATHESIS_VERSION into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
  fi
  rm -rf "$dir/demo"
  port=$(free_port)
  base="http://127.0.0.1:$port"
  "$writ" demo --data "$dir/demo" --listen "127.0.0.1:$port" \
    --credentials "$dir/credentials.json" >"$dir/demo.log" 2>&1 &
  pid=$!
  for ((i = 0; i < 240; i++)); do
    if curl -fs "$base/healthz" >/dev/null 2>&1; then
      break
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "writ demo exited; its log ($dir/demo.log):" >&2
      cat "$dir/demo.log" >&2
      return 1
    fi
    sleep 0.5
  done
  for who in agency reviewer; do
    token=$(python3 - "$dir/credentials.json" "$who" <<'PY'
import json, sys
credentials = json.load(open(sys.argv[1]))
people = credentials["agency_users"] if sys.argv[2] == "agency" else credentials["staff"]
print(next(p["token"] for p in people if p["role"] == sys.argv[2]))
PY
    )
    log "Schemathesis ($SCHEMATHESIS_EXAMPLES examples per operation, seed $SCHEMATHESIS_SEED) as the $who"
    # From $dir, where Schemathesis leaves its cache (.schemathesis/).
    if ! (cd "$dir" && timeout 300 "$venv/bin/schemathesis" --config-file "$config" --no-color run \
      "$base/api/v1/openapi.json" -H "Authorization: Bearer $token" \
      --phases examples,coverage,fuzzing -n "$SCHEMATHESIS_EXAMPLES" \
      --seed "$SCHEMATHESIS_SEED" --workers 1 \
      --warnings off --generation-database none) >"$dir/run-$who.txt" 2>&1; then
      cat "$dir/run-$who.txt"
      failed=1
    else
      tail -n 20 "$dir/run-$who.txt"
    fi
  done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  return "$failed"
}
