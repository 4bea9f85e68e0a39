# Dovecot IMAP for writ's tests: installed from Debian's packages when missing, started
# from a private configuration on 127.0.0.1 only, stopped by its PID file. Sourced by
# scripts/test (after services.sh, whose helpers and STOP_ACTIONS it uses when they are
# there), or on its own:
#
#   source scripts/lib/dovecot.sh; start_dovecot; cargo test -p writ-sources --test mail; stop_dovecot
#
# Any account name exists (a static userdb that allows all users), nobody can log in
# directly, and the only way in is the master user with a fresh random password:
# `acc-alice*writ-master`, as writ's ImapSource logs in. start_dovecot exports
#   WRIT_TEST_IMAP_ADDR             127.0.0.1:PORT
#   WRIT_TEST_IMAP_MASTER_USER      writ-master
#   WRIT_TEST_IMAP_MASTER_PASSWORD  the random password
#   WRIT_TEST_IMAP_MAILDIR_ROOT     where the mail is: {root}/{account}/Maildir
# Root is needed to install the package and create the vmail user (the scripts run as
# root on CI machines). Safe under `set -euo pipefail`.

_dovecot_dir() {
  printf '%s/dovecot' "${WRIT_SERVICES_DIR:-/tmp/writ-services}"
}

_dovecot_log() {
  if declare -F log >/dev/null; then log "$@"; else printf '\n== %s\n' "$*"; fi
}

_dovecot_port_busy() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

_dovecot_free_port() {
  if declare -F free_port >/dev/null; then
    free_port
  else
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
  fi
}

_dovecot_install() {
  if [ -x /usr/sbin/dovecot ] && dpkg-query -W -f='${Status}' dovecot-imapd 2>/dev/null | grep -q "install ok installed"; then
    return 0
  fi
  if declare -F apt_install >/dev/null; then
    apt_install dovecot-imapd
  else
    _dovecot_log "installing dovecot-imapd"
    if [ -z "${WRIT_APT_UPDATED:-}" ]; then apt-get update -qq; WRIT_APT_UPDATED=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dovecot-imapd >/dev/null
  fi
}

# Starts a private Dovecot and exports the WRIT_TEST_IMAP_* variables.
start_dovecot() {
  local dir port password vmail_uid waited
  dir=$(_dovecot_dir)
  _dovecot_install
  id vmail >/dev/null 2>&1 || useradd -r -M -d /nonexistent -s /usr/sbin/nologin vmail
  vmail_uid=$(id -u vmail)

  # A previous run that was not stopped: stop it, start clean.
  stop_dovecot
  rm -rf "$dir"
  mkdir -p "$dir/run" "$dir/mail"
  chmod 755 "$dir"

  port=${WRIT_DOVECOT_PORT:-10143}
  if _dovecot_port_busy "$port"; then port=$(_dovecot_free_port); fi
  password=$(openssl rand -hex 24)

  # The master user's password file is readable by Dovecot's auth process only.
  (umask 077 && printf 'writ-master:{PLAIN}%s\n' "$password" >"$dir/master-users")
  chgrp dovecot "$dir/master-users" && chmod 640 "$dir/master-users"
  # Ordinary logins are looked up here: nobody is in it.
  : >"$dir/users"

  cat >"$dir/dovecot.conf" <<EOF
# writ test instance; written by scripts/lib/dovecot.sh
protocols = imap
listen = 127.0.0.1
base_dir = $dir/run
instance_name = writ-test-dovecot
log_path = $dir/dovecot.log
ssl = no
# Plaintext logins are fine: the listener is on 127.0.0.1 only.
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_master_user_separator = *
auth_failure_delay = 0
# No statistics: nothing reads them, and waiting for the stats process slows shutdown.
stats_writer_socket_path =
mail_location = maildir:$dir/mail/%u/Maildir
first_valid_uid = $vmail_uid
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/master-users
  master = yes
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/users
}
userdb {
  driver = static
  args = uid=vmail gid=vmail home=$dir/mail/%u allow_all_users=yes
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service stats {
  unix_listener stats-writer {
    mode = 0666
  }
}
EOF
  chown -R vmail:vmail "$dir/mail"
  if ! doveconf -c "$dir/dovecot.conf" -n >/dev/null 2>"$dir/doveconf.err"; then
    cat "$dir/doveconf.err" >&2
    return 1
  fi
  # Dovecot keeps the descriptors it starts with: give it none of ours, or a caller
  # that pipes this script's output would wait for Dovecot to exit.
  if ! /usr/sbin/dovecot -c "$dir/dovecot.conf" </dev/null >"$dir/start.log" 2>&1; then
    cat "$dir/start.log" >&2
    return 1
  fi
  if declare -p STOP_ACTIONS >/dev/null 2>&1; then STOP_ACTIONS+=("stop_dovecot"); fi

  waited=0
  until _dovecot_port_busy "$port"; do
    if [ "$waited" -ge 100 ]; then
      echo "Dovecot did not open 127.0.0.1:$port within 10 s; its log:" >&2
      cat "$dir/dovecot.log" >&2 || true
      return 1
    fi
    sleep 0.1
    waited=$((waited + 1))
  done

  export WRIT_TEST_IMAP_ADDR="127.0.0.1:$port"
  export WRIT_TEST_IMAP_MASTER_USER="writ-master"
  export WRIT_TEST_IMAP_MASTER_PASSWORD="$password"
  export WRIT_TEST_IMAP_MAILDIR_ROOT="$dir/mail"
  _dovecot_log "Dovecot $(dovecot --version | awk '{print $1}') on 127.0.0.1:$port"
}

_dovecot_running() {
  local state
  state=$(ps -o stat= -p "$1" 2>/dev/null || true)
  [ -n "$state" ] && [ "${state#Z}" = "$state" ]
}

# Stops the Dovecot that start_dovecot started (by its PID file); nothing if none runs.
stop_dovecot() {
  local dir pid waited
  dir=$(_dovecot_dir)
  [ -f "$dir/run/master.pid" ] || return 0
  pid=$(cat "$dir/run/master.pid")
  if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
    # Its children go first (about a second). Once it has exited it may linger as a
    # zombie until init reaps it: that counts as stopped.
    waited=0
    while _dovecot_running "$pid" && [ "$waited" -lt 100 ]; do
      sleep 0.1
      waited=$((waited + 1))
    done
  fi
  rm -f "$dir/run/master.pid"
  return 0
}
