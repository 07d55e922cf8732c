#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests: made with Debian's initdb in a directory of its own,
# run as the `postgres` system user, listening on loopback only. Tests create their own
# databases in it (tamga_testkit::postgres).
#
#   scripts/postgres.sh start DIR [PORT]   make (if needed) and start; prints the URL
#   scripts/postgres.sh stop DIR           stop it
#   scripts/postgres.sh restart DIR        stop and start again (a test of restarts uses it)
#
# Set TAMGA_POSTGRES_URL to the printed URL for the tests to use it.
set -euo pipefail

cmd="${1:-}"
dir="${2:-}"
port="${3:-55432}"
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|restart DIR [PORT]" >&2; exit 2; }

bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -x "$bin/initdb" ] || { echo "PostgreSQL's server is not installed (apt-get install postgresql)" >&2; exit 1; }

# The server refuses to run as root: it runs as the `postgres` user Debian's package made.
as_postgres() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case "$cmd" in
  start)
    if [ -f "$dir/data/postmaster.pid" ] && as_postgres "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      echo "postgres://postgres@127.0.0.1:$port/postgres"
      exit 0
    fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      mkdir -p "$dir"
      [ "$(id -u)" = 0 ] && chown postgres: "$dir"
      as_postgres "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 \
        --locale=C.UTF-8 >"$dir/initdb.log"
    fi
    mkdir -p "$dir/socket"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir/socket"
    as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/socket -c max_connections=200 -c fsync=on" \
      start >/dev/null
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    as_postgres "$bin/pg_ctl" -D "$dir/data" -w -m fast stop >/dev/null
    ;;
  restart)
    as_postgres "$bin/pg_ctl" -D "$dir/data" -w -m fast restart >/dev/null
    ;;
  *)
    echo "usage: $0 start|stop|restart DIR [PORT]" >&2
    exit 2
    ;;
esac
