# Services for writ's tests: installed from Debian's packages when missing, started on
# 127.0.0.1 in a temporary directory, stopped by `stop_services`. Sourced by scripts/test.

WRIT_SERVICES_DIR=${WRIT_SERVICES_DIR:-$(mktemp -d /tmp/writ-services.XXXXXX)}
chmod 755 "$WRIT_SERVICES_DIR"
STOP_ACTIONS=()

log() { printf '\n== %s\n' "$*"; }

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  if [ -z "${WRIT_APT_UPDATED:-}" ]; then apt-get update -qq; WRIT_APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Starts a private PostgreSQL cluster and exports WRIT_TEST_DATABASE_URL.
start_postgres() {
  apt_install postgresql
  local bin dir port
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  dir="$WRIT_SERVICES_DIR/postgres"
  port=$(free_port)
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
  as_postgres "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync >"$WRIT_SERVICES_DIR/initdb.log" 2>&1
  as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" start >/dev/null
  STOP_ACTIONS+=("as_postgres $bin/pg_ctl -D $dir/data -m fast stop")
  as_postgres "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -q -c 'CREATE DATABASE writ_test' >/dev/null
  export WRIT_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/writ_test"
  log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}

stop_services() {
  local i
  for ((i = ${#STOP_ACTIONS[@]} - 1; i >= 0; i--)); do
    eval "${STOP_ACTIONS[$i]}" >/dev/null 2>&1 || true
  done
  STOP_ACTIONS=()
  rm -rf "$WRIT_SERVICES_DIR"
}
