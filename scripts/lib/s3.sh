# S3 for writ's tests: moto's in-memory S3 server, from PyPI into a Python venv, on
# 127.0.0.1. Sourced by scripts/test after services.sh (whose log, free_port and
# STOP_ACTIONS it uses when present); also usable alone:
#   source scripts/lib/s3.sh && start_s3 && cargo test -p writ-sources --test files; stop_s3
# Exports WRIT_TEST_S3_ENDPOINT, _REGION, _ACCESS_KEY_ID, _SECRET_ACCESS_KEY (random: moto
# accepts any). Tests create their own buckets.

: "${WRIT_SERVICES_DIR:=/tmp/writ-services}"
declare -F log >/dev/null || log() { printf '\n== %s\n' "$*"; }
declare -F free_port >/dev/null || free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

_s3_random_hex() {
  python3 -c "import secrets; print(secrets.token_hex($1))"
}

# Starts moto on ${WRIT_S3_PORT:-9000} (another free port if that one is taken).
start_s3() {
  local dir="$WRIT_SERVICES_DIR" venv port pid i
  venv="$dir/venv-s3"
  mkdir -p "$dir"
  if [ ! -x "$venv/bin/moto_server" ]; then
    log "installing moto (S3 server) into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check 'moto[s3]' flask flask-cors
  fi
  port=${WRIT_S3_PORT:-9000}
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    port=$(free_port)
  fi
  "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$dir/moto.log" 2>&1 &
  pid=$!
  echo "$pid" >"$dir/moto.pid"
  if declare -p STOP_ACTIONS >/dev/null 2>&1; then
    STOP_ACTIONS+=("stop_s3")
  fi
  for ((i = 0; i < 120; i++)); do
    if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
      break
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "moto_server exited; its log ($dir/moto.log):" >&2
      cat "$dir/moto.log" >&2
      return 1
    fi
    sleep 0.5
  done
  if ! curl -s -o /dev/null "http://127.0.0.1:$port/"; then
    echo "moto_server did not answer on 127.0.0.1:$port within 60 s; see $dir/moto.log" >&2
    stop_s3
    return 1
  fi
  export WRIT_TEST_S3_ENDPOINT="http://127.0.0.1:$port"
  export WRIT_TEST_S3_REGION=us-east-1
  export WRIT_TEST_S3_ACCESS_KEY_ID="test$(_s3_random_hex 8)"
  export WRIT_TEST_S3_SECRET_ACCESS_KEY="$(_s3_random_hex 20)"
  log "S3 (moto $("$venv/bin/python" -c 'import moto; print(moto.__version__)')) on 127.0.0.1:$port"
}

# Stops the server start_s3 started (by its PID) and forgets its address.
stop_s3() {
  local pidfile="$WRIT_SERVICES_DIR/moto.pid" pid i
  if [ -f "$pidfile" ]; then
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    for ((i = 0; i < 40; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.25
    done
    rm -f "$pidfile"
  fi
  unset WRIT_TEST_S3_ENDPOINT WRIT_TEST_S3_REGION WRIT_TEST_S3_ACCESS_KEY_ID WRIT_TEST_S3_SECRET_ACCESS_KEY
}
