#!/usr/bin/env bash
# The embedded PostgreSQL cluster: project-local, under .pgdata/, on a unix socket and a non-standard
# port, with pg_stat_statements and pg_cron preloaded.
#
#   scripts/pg-embedded.sh start    create the cluster if needed, start it, bootstrap the owner role
#   scripts/pg-embedded.sh stop     stop it (the data stays until `make clean`)
#   scripts/pg-embedded.sh status   say whether it runs
#   scripts/pg-embedded.sh env      print the libpq variables that reach it (for `eval`)
#
# The same script runs the version matrix's servers (scripts/matrix.sh), through three variables:
#   EMBEDDED_BINDIR         server binaries (initdb, pg_ctl, postgres) to use instead of Debian's
#   EMBEDDED_DIR            where the cluster lives instead of .pgdata/
#   EMBEDDED_CLIENT_BINDIR  where psql is (default: beside the server, else the one on PATH)
# pg_cron is preloaded only where the server has it (the npm builds of the matrix do not).
#
# initdb and pg_ctl refuse to run as root, so as root every server command runs as the `postgres`
# system user; as anyone else it runs as that user.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

PORT=${EMBEDDED_PORT:-54329}
DB_NAME=${EMBEDDED_DB:-platform}
OWNER=${EMBEDDED_OWNER:-platform_owner}
SUPERUSER=postgres
base=${EMBEDDED_DIR:-$root/.pgdata}
data="$base/data"
log="$base/server.log"

bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    local major=${d#/usr/lib/postgresql/}; major=${major%/bin}
    if [ "${major%%.*}" -ge 15 ] && [ -x "$d/initdb" ]; then echo "$d"; return; fi
  done
  command -v initdb >/dev/null 2>&1 && { dirname "$(readlink -f "$(command -v initdb)")"; return; }
  echo "pg-embedded: no PostgreSQL 15+ server binaries found (run make deps)" >&2
  exit 1
}
BIN=${EMBEDDED_BINDIR:-$(bindir)}
if [ -n "${EMBEDDED_CLIENT_BINDIR:-}" ]; then CLIENT_BIN=$EMBEDDED_CLIENT_BINDIR
elif [ -x "$BIN/psql" ]; then CLIENT_BIN=$BIN
else CLIENT_BIN=$(dirname "$(command -v psql)"); fi
# pg_cron is optional: the Debian server has it (make deps), the npm builds of the matrix do not.
HAS_CRON=0
for f in "$BIN"/../lib/pg_cron.so "$BIN"/../lib/postgresql/pg_cron.so; do if [ -e "$f" ]; then HAS_CRON=1; fi; done

# Unix socket paths are limited to 107 bytes; fall back to a short per-checkout directory in /tmp.
sockdir="$base/run"
if [ $(( ${#sockdir} + 20 )) -gt 100 ]; then
  sockdir="/tmp/pg-$(printf '%s' "$base" | md5sum | cut -c1-10)"
fi

if [ "$(id -u)" -eq 0 ]; then
  run_pg() { runuser -u postgres -- "$@"; }
  pg_owner=postgres
else
  run_pg() { "$@"; }
  pg_owner=$(id -un)
fi

psql_admin() {
  "$CLIENT_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$sockdir" -p "$PORT" -U "$SUPERUSER" "$@"
}

is_running() {
  [ -f "$data/PG_VERSION" ] && run_pg "$BIN/pg_ctl" -D "$data" status >/dev/null 2>&1
}

init_cluster() {
  mkdir -p "$base"
  # As root the cluster belongs to `postgres`, which must be able to reach the checkout. When it
  # cannot (a checkout under a private home directory), the data lives in /var/tmp, linked here.
  if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$base"; then
    local alt="/var/tmp/pgdata-$(printf '%s' "$base" | md5sum | cut -c1-10)"
    mkdir -p "$alt"
    ln -sfn "$alt" "$base/data-link"
    data="$alt/data"; log="$alt/server.log"
  fi
  mkdir -p "$data" "$sockdir"
  [ "$(id -u)" -eq 0 ] && chown postgres "$data" "$sockdir" "$(dirname "$log")"
  chmod 700 "$data"
  echo "pg-embedded: initdb in $data"
  run_pg "$BIN/initdb" -D "$data" -U "$SUPERUSER" --auth-local=trust --auth-host=reject \
    -E UTF8 --locale=C.UTF-8 >/dev/null
  cat >>"$data/postgresql.conf" <<CONF

# --- embedded cluster settings (scripts/pg-embedded.sh) ---
port = $PORT
listen_addresses = ''
unix_socket_directories = '$sockdir'
shared_preload_libraries = 'pg_stat_statements$( [ $HAS_CRON = 1 ] && echo ,pg_cron)'
$( [ $HAS_CRON = 1 ] && printf "%s\n" "cron.database_name = '$DB_NAME'" \
  "# pg_cron connects to localhost by default; this cluster listens on its socket only" "cron.host = '$sockdir'")
pg_stat_statements.track = all
track_io_timing = on
shared_buffers = '1GB'
work_mem = '16MB'
maintenance_work_mem = '256MB'
max_connections = 200
# SSD storage: what monitoring.settings_review recommends (the default 4 assumes spinning disks).
# With 4, a prepared query's generic plan may prefer a bitmap scan plus sort over an ordered index
# scan that stops at its LIMIT (the ready-to-run query of a large tenant: 400 ms instead of 6 ms).
random_page_cost = 1.1
# a development and test cluster: durability traded for speed; never copy these to production
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
}

# The data directory may have been moved to /var/tmp by init_cluster; follow the link.
[ -L "$base/data-link" ] && { data="$(readlink "$base/data-link")/data"; log="$(readlink "$base/data-link")/server.log"; }

bootstrap() {
  # The deploy runs as an ordinary owner with CREATEROLE, exactly as on Supabase; the superuser only
  # creates that owner, its database and the two extensions a non-superuser cannot create.
  psql_admin -d postgres <<SQL
set client_min_messages = warning;
select format('create role %I login createrole createdb', '$OWNER')
where not exists (select from pg_roles where rolname = '$OWNER') \gexec
select format('create database %I owner %I', '$DB_NAME', '$OWNER')
where not exists (select from pg_database where datname = '$DB_NAME') \gexec
SQL
  psql_admin -d "$DB_NAME" <<SQL
set client_min_messages = warning;
create extension if not exists pg_stat_statements;
$( [ $HAS_CRON = 1 ] && printf "%s\n" "create extension if not exists pg_cron;" "grant usage on schema cron to $OWNER;")
-- WITH ADMIN OPTION: from PostgreSQL 16 granting a role (the deploy grants pg_monitor to
-- platform_monitor) needs it; up to 15 CREATEROLE was enough.
grant pg_monitor to $OWNER with admin option;
SQL
}

case "${1:-}" in
  start)
    if is_running; then
      echo "pg-embedded: running on port $PORT (socket $sockdir)"
    else
      [ -f "$data/PG_VERSION" ] || init_cluster
      mkdir -p "$sockdir"; [ "$(id -u)" -eq 0 ] && chown postgres "$sockdir"
      # port and socket on the command line: EMBEDDED_PORT wins over what initdb wrote
      run_pg "$BIN/pg_ctl" -D "$data" -l "$log" -o "-p $PORT -k $sockdir" -w -t 60 start >/dev/null
      echo "pg-embedded: started on port $PORT (socket $sockdir)"
    fi
    bootstrap
    ;;
  stop)
    if is_running; then run_pg "$BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null; echo "pg-embedded: stopped"
    else echo "pg-embedded: not running"; fi
    ;;
  status)
    if is_running; then echo "pg-embedded: running on port $PORT (socket $sockdir)"; else echo "pg-embedded: not running"; exit 3; fi
    ;;
  env)
    echo "export PGHOST='$sockdir' PGPORT='$PORT' PGUSER='$OWNER' PGDATABASE='$DB_NAME' PG_ADMIN_USER='$SUPERUSER' PG_BINDIR='$CLIENT_BIN'"
    ;;
  *)
    echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
