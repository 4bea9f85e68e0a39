# An SMTP sink for writ's notice tests: aiosmtpd from PyPI, in a Python venv, on
# 127.0.0.1, writing every message it accepts into a Maildir. Sourced by scripts/test
# after services.sh (whose log, free_port and STOP_ACTIONS it uses when present); also
# usable alone:
#   source scripts/lib/smtp.sh && start_smtp && cargo test -p writ-server --test api notices; stop_smtp
# Exports WRIT_TEST_SMTP_ADDR (host:port) and WRIT_TEST_SMTP_MAILDIR.

: "${WRIT_SERVICES_DIR:=/tmp/writ-services}"
declare -F log >/dev/null || log() { printf '\n== %s\n' "$*"; }
declare -F free_port >/dev/null || free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Starts the sink on a free port.
start_smtp() {
  local dir="$WRIT_SERVICES_DIR" venv port pid i maildir
  venv="$dir/venv-smtp"
  maildir="$dir/smtp-maildir"
  # A Maildir: aiosmtpd delivers into tmp/ and moves to new/.
  mkdir -p "$dir" "$maildir/tmp" "$maildir/new" "$maildir/cur"
  if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
    log "installing aiosmtpd (SMTP sink) into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check aiosmtpd
  fi
  port=$(free_port)
  "$venv/bin/python" -m aiosmtpd -n -l "127.0.0.1:$port" \
    -c aiosmtpd.handlers.Mailbox "$maildir" >"$dir/smtp.log" 2>&1 &
  pid=$!
  echo "$pid" >"$dir/smtp.pid"
  if declare -p STOP_ACTIONS >/dev/null 2>&1; then
    STOP_ACTIONS+=("stop_smtp")
  fi
  for ((i = 0; i < 60; i++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      break
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "aiosmtpd exited; its log ($dir/smtp.log):" >&2
      cat "$dir/smtp.log" >&2
      return 1
    fi
    sleep 0.25
  done
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "aiosmtpd did not listen on 127.0.0.1:$port within 15 s; see $dir/smtp.log" >&2
    stop_smtp
    return 1
  fi
  export WRIT_TEST_SMTP_ADDR="127.0.0.1:$port"
  export WRIT_TEST_SMTP_MAILDIR="$maildir"
  log "SMTP sink (aiosmtpd) on 127.0.0.1:$port, writing to $maildir"
}

# Stops the sink start_smtp started (by its PID) and forgets its address.
stop_smtp() {
  local pidfile="$WRIT_SERVICES_DIR/smtp.pid" pid i
  if [ -f "$pidfile" ]; then
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    for ((i = 0; i < 40; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.25
    done
    rm -f "$pidfile"
  fi
  unset WRIT_TEST_SMTP_ADDR WRIT_TEST_SMTP_MAILDIR
}
