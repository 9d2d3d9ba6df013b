#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for Wharf's tests and prints its connection string.
# Idempotent and safe to run concurrently: installs postgresql if missing, initialises the
# cluster once in $WHARF_PG_DIR (default /tmp/wharf-pg), starts it on 127.0.0.1:$WHARF_PG_PORT
# (default 5433) when not running, and creates role wharf (password wharf) and database
# wharf_test (owned by wharf) when missing. Only the connection string goes to stdout.
set -euo pipefail

PG_DIR="${WHARF_PG_DIR:-/tmp/wharf-pg}"
PG_PORT="${WHARF_PG_PORT:-5433}"
DATA="$PG_DIR/data"

log() { echo "start-postgres: $*" >&2; }

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  log "installing postgresql"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends postgresql >&2
fi
BIN="$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")"

# Root runs the server as postgres (it refuses to run as root); anyone else runs it as themselves.
if [ "$(id -u)" -eq 0 ]; then
  OWNER=postgres
  as_owner() { runuser -u postgres -- "$@"; }
else
  OWNER="$(id -un)"
  as_owner() { "$@"; }
fi

mkdir -p "$PG_DIR"
chown "$OWNER" "$PG_DIR"
chmod 700 "$PG_DIR"

# One caller at a time from here on.
exec 9>"$PG_DIR.lock"
flock 9

if [ ! -f "$DATA/PG_VERSION" ]; then
  log "initialising cluster in $DATA"
  rm -rf "$DATA"
  as_owner "$BIN/initdb" -D "$DATA" -U postgres -E UTF8 --locale=C \
    --auth-local=trust --auth-host=scram-sha-256 >&2
fi

if ! as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  log "starting on 127.0.0.1:$PG_PORT"
  as_owner "$BIN/pg_ctl" -D "$DATA" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $PG_DIR -c max_connections=200" start >&2 9>&-
fi

psql_pg() { as_owner "$BIN/psql" -h "$PG_DIR" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@"; }

for _ in $(seq 1 30); do
  psql_pg -c "SELECT 1" >/dev/null 2>&1 && break
  sleep 1
done

if [ "$(psql_pg -c "SELECT 1 FROM pg_roles WHERE rolname = 'wharf'")" != "1" ]; then
  log "creating role wharf"
  psql_pg -c "CREATE ROLE wharf LOGIN PASSWORD 'wharf' CREATEDB" >&2
fi

if [ "$(psql_pg -c "SELECT 1 FROM pg_database WHERE datname = 'wharf_test'")" != "1" ]; then
  log "creating database wharf_test"
  psql_pg -c "CREATE DATABASE wharf_test OWNER wharf" >&2
fi

echo "Host=127.0.0.1;Port=$PG_PORT;Username=wharf;Password=wharf;Database=wharf_test"
