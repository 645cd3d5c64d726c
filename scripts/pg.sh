#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and benchmarks (never for production data).
#
#   scripts/pg.sh start DIR PORT   initdb (if needed) and start; prints DATABASE_URL on stdout
#   scripts/pg.sh stop DIR         stop the cluster (the files stay; rm -rf DIR to drop them)
#   scripts/pg.sh url DIR          print the DATABASE_URL of the cluster in DIR
#   scripts/pg.sh status DIR       exit 0 if it runs
#
# The server listens on 127.0.0.1:PORT and on a socket in DIR/socket, with trust
# authentication: anyone on this machine may connect, which is fine for test data only.
# It never runs as root: as root the script runs it as the system user $PG_USER
# (default shishi-pg, created if missing); otherwise as the current user.
# Database `shishi`, owned by role `shishi` (LOGIN CREATEDB, so pytest-django can create
# test_shishi). Environment: PG_BIN (server binaries; default PostgreSQL 15's),
# PG_FAST=1 (fsync/synchronous_commit off: faster tests, not for benchmarks).
set -euo pipefail

PG_USER="${PG_USER:-shishi-pg}"
DB_NAME=shishi
DB_ROLE=shishi

log() { printf 'pg.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

find_bin() {
  if [[ -n "${PG_BIN:-}" ]]; then
    [[ -x "$PG_BIN/pg_ctl" ]] || die "PG_BIN=$PG_BIN has no pg_ctl"
    echo "$PG_BIN"; return
  fi
  local candidate
  for candidate in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    if [[ -x "$candidate/pg_ctl" && -x "$candidate/initdb" ]]; then
      echo "$candidate"; return
    fi
  done
  if command -v pg_config >/dev/null && [[ -x "$(pg_config --bindir)/pg_ctl" ]]; then
    pg_config --bindir; return
  fi
  die "no PostgreSQL server binaries found (apt-get install -y postgresql-15, or set PG_BIN)"
}

# Run a command as the cluster's owner, from a directory that owner can enter.
as_owner() {
  if [[ "$(id -u)" -eq 0 ]]; then
    (cd / && runuser -u "$PG_USER" -- "$@")
  else
    (cd / && "$@")
  fi
}

ensure_owner() {
  [[ "$(id -u)" -eq 0 ]] || return 0
  if ! id -u "$PG_USER" >/dev/null 2>&1; then
    log "creating system user $PG_USER"
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
      --user-group "$PG_USER"
  fi
}

abs_dir() {
  [[ -n "${1:-}" ]] || usage
  realpath -m -- "$1"
}

read_port() {
  local dir="$1"
  [[ -f "$dir/port" ]] || die "$dir is not a cluster made by this script (no $dir/port)"
  cat "$dir/port"
}

url_for() {
  printf 'postgres://%s@127.0.0.1:%s/%s\n' "$DB_ROLE" "$1" "$DB_NAME"
}

is_running() {
  local dir="$1" bin
  bin="$(find_bin)"
  [[ -f "$dir/data/PG_VERSION" ]] && as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1
}

cmd_start() {
  local dir port bin
  dir="$(abs_dir "${1:-}")"
  port="${2:-}"
  [[ "$port" =~ ^[0-9]+$ ]] || usage
  bin="$(find_bin)"
  ensure_owner

  if is_running "$dir"; then
    [[ "$(read_port "$dir")" == "$port" ]] || die "a cluster already runs in $dir on another port"
    log "already running in $dir"
    url_for "$port"
    return
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port on 127.0.0.1 is already in use"
  fi

  mkdir -p "$dir/socket"
  (( ${#dir} < 80 )) || die "DIR path too long for a unix socket: $dir"
  if [[ "$(id -u)" -eq 0 ]]; then
    chown -R "$PG_USER:" "$dir"
    as_owner test -w "$dir" -a -x "$dir" ||
      die "$PG_USER cannot reach $dir (choose a directory under /tmp)"
  fi
  chmod 700 "$dir"
  echo "$port" >"$dir/port"
  [[ "$(id -u)" -ne 0 ]] || chown "$PG_USER:" "$dir/port"

  if [[ ! -f "$dir/data/PG_VERSION" ]]; then
    local locale=C
    if locale -a 2>/dev/null | grep -qix 'c.utf-\?8'; then locale=C.UTF-8; fi
    log "initdb $dir/data ($("$bin/postgres" --version))"
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 \
      --locale="$locale" --no-sync >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  fi

  local opts="-c listen_addresses=127.0.0.1 -p $port -k $dir/socket"
  opts+=" -c max_connections=100 -c shared_buffers=256MB"
  if [[ "${PG_FAST:-0}" == 1 ]]; then
    opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  fi
  log "starting on 127.0.0.1:$port (log: $dir/server.log)"
  if ! as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "$opts" -w -t 60 \
    start >/dev/null; then
    tail -n 30 "$dir/server.log" >&2 || true
    die "PostgreSQL did not start"
  fi

  local psql=("$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir/socket" -p "$port" -U postgres)
  if [[ "$(as_owner "${psql[@]}" -d postgres -tAc \
    "SELECT 1 FROM pg_roles WHERE rolname = '$DB_ROLE'")" != 1 ]]; then
    as_owner "${psql[@]}" -d postgres -c "CREATE ROLE $DB_ROLE LOGIN CREATEDB"
  fi
  # The benchmark forces a checkpoint after loading its data (a role since PostgreSQL 15).
  as_owner "${psql[@]}" -d postgres -c "GRANT pg_checkpoint TO $DB_ROLE" >/dev/null 2>&1 || true
  if [[ "$(as_owner "${psql[@]}" -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != 1 ]]; then
    as_owner "${psql[@]}" -d postgres -c "CREATE DATABASE $DB_NAME OWNER $DB_ROLE"
  fi
  url_for "$port"
}

cmd_stop() {
  local dir bin
  dir="$(abs_dir "${1:-}")"
  bin="$(find_bin)"
  if is_running "$dir"; then
    log "stopping $dir"
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
  else
    log "not running: $dir"
  fi
}

cmd_url() {
  local dir
  dir="$(abs_dir "${1:-}")"
  url_for "$(read_port "$dir")"
}

cmd_status() {
  local dir
  dir="$(abs_dir "${1:-}")"
  if is_running "$dir"; then
    log "running: $dir on port $(read_port "$dir")"
  else
    log "not running: $dir"
    return 1
  fi
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  url) shift; cmd_url "$@" ;;
  status) shift; cmd_status "$@" ;;
  *) usage ;;
esac
