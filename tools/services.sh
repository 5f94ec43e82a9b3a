#!/usr/bin/env bash
# A private Redis and PostgreSQL on 127.0.0.1, on free ports, with their data in a
# temporary directory: what the distributed tests (pytest -m services) need.
#
#   eval "$(tools/services.sh start)"   # installs them if missing (root), starts them,
#                                       # prints export PRIVACYSCAN_TEST_PG=… PRIVACYSCAN_TEST_REDIS=…
#   tools/services.sh stop              # stops them and removes their data
#
# State (ports, data) lives in $PRIVACYSCAN_SERVICES_DIR (default /tmp/privacyscan-services).
# PostgreSQL refuses to run as root: as root it runs as the user postgres.
set -euo pipefail

STATE=${PRIVACYSCAN_SERVICES_DIR:-/tmp/privacyscan-services}
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}

log() { echo "services: $*" >&2; }

install_missing() {
  local need=()
  command -v redis-server >/dev/null || need+=(redis-server)
  [ -n "$PGBIN" ] && [ -x "$PGBIN/initdb" ] || need+=(postgresql)
  [ ${#need[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    log "missing ${need[*]}: sudo apt-get install -y ${need[*]}"; return 1
  fi
  log "installing ${need[*]}…"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

as_pg() {  # run a PostgreSQL tool as its owner
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  install_missing
  if [ -f "$STATE/env" ]; then stop; fi
  mkdir -p "$STATE"
  chmod 755 "$STATE"
  local redis_port pg_port
  redis_port=$(free_port)
  pg_port=$(free_port)

  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize yes --pidfile "$STATE/redis.pid" --logfile "$STATE/redis.log" --dir "$STATE"

  local pgdata="$STATE/pg"
  mkdir -p "$pgdata"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$pgdata" && chmod 700 "$pgdata"
  as_pg "$PGBIN/initdb" -D "$pgdata" -A trust -U postgres -E UTF8 --no-locale >"$STATE/initdb.log" 2>&1 \
    || { cat "$STATE/initdb.log" >&2; return 1; }
  as_pg "$PGBIN/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $pg_port -k $pgdata -c fsync=off -c max_connections=200" start >&2
  as_pg "$PGBIN/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -qc 'CREATE DATABASE privacyscan' >&2

  for _ in $(seq 50); do
    redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  cat >"$STATE/env" <<ENV
export PRIVACYSCAN_TEST_PG=postgresql://postgres@127.0.0.1:$pg_port/privacyscan
export PRIVACYSCAN_TEST_REDIS=redis://127.0.0.1:$redis_port/0
ENV
  cat "$STATE/env"
}

stop() {
  [ -d "$STATE" ] || return 0
  if [ -f "$STATE/redis.pid" ]; then
    kill "$(cat "$STATE/redis.pid")" 2>/dev/null || true
  fi
  if [ -f "$STATE/pg/postmaster.pid" ]; then
    as_pg "$PGBIN/pg_ctl" -D "$STATE/pg" -m immediate -w stop >&2 || true
  fi
  rm -rf "$STATE"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
