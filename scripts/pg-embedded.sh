#!/usr/bin/env bash
# The embedded PostgreSQL cluster: project-local, on a unix socket and a non-standard port, with
# pg_stat_statements and pg_cron preloaded, and durable (fsync, full_page_writes and
# synchronous_commit on): it keeps data safely. Test databases trade durability for speed per
# database (scripts/dbenv.sh fresh_database sets synchronous_commit = off on them only).
#
#   scripts/pg-embedded.sh start    create the cluster if needed, start it, bootstrap the owner role
#   scripts/pg-embedded.sh stop     stop it (the data stays until `make clean`)
#   scripts/pg-embedded.sh status   say whether it runs
#   scripts/pg-embedded.sh env      print the libpq variables that reach it (for `eval`)
#   scripts/pg-embedded.sh destroy  stop it and remove all its files (tests' throwaway clusters)
#
#   EMBEDDED_PORT  port (default 54329)     EMBEDDED_DIR  state folder (default <checkout>/.pgdata)
#
# The same script runs the version matrix's servers (scripts/matrix.sh), through three variables:
#   EMBEDDED_BINDIR         server binaries (initdb, pg_ctl, postgres) to use instead of Debian's
#   EMBEDDED_DIR            where the cluster lives instead of .pgdata/
#   EMBEDDED_CLIENT_BINDIR  where psql is (default: beside the server, else the one on PATH)
# pg_cron is preloaded only where the server has it (the npm builds of the matrix do not).
#
# initdb and pg_ctl refuse to run as root, so as root every server command runs as the `postgres`
# system user, from `/` (it may not be allowed into the checkout); as anyone else it runs as that
# user. When the server's user cannot reach the state folder (a checkout under /root or another
# mode-700 directory), the data, the log and the socket live in /var/tmp/pgdata-<hash of the
# folder>, linked from the state folder, so `make deploy` works from any checkout location.
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

if [ "$(id -u)" -eq 0 ]; then
  run_pg() { (cd / && runuser -u postgres -- "$@"); }
  pg_owner=postgres
else
  run_pg() { "$@"; }
  pg_owner=$(id -un)
fi

# Where the server's files live. By default under the state folder; as root, when `postgres`
# cannot traverse it, under /var/tmp (created once, remembered through the data-link symlink).
mkdir -p "$base"
alt="/var/tmp/pgdata-$(printf '%s' "$base" | md5sum | cut -c1-10)"
if [ -L "$base/data-link" ]; then
  home=$(readlink "$base/data-link")
elif [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$base" 2>/dev/null; then
  home=$alt
else
  home=$base
fi
data="$home/data"
log="$home/server.log"
# Unix socket paths are limited to 107 bytes; fall back to a short per-folder directory in /tmp.
sockdir="$home/run"
if [ $(( ${#sockdir} + 20 )) -gt 100 ]; then
  sockdir="/tmp/pg-$(printf '%s' "$base" | md5sum | cut -c1-10)"
fi

psql_admin() {
  "$CLIENT_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$sockdir" -p "$PORT" -U "$SUPERUSER" "$@"
}

is_running() {
  [ -f "$data/PG_VERSION" ] && run_pg "$BIN/pg_ctl" -D "$data" status >/dev/null 2>&1
}

init_cluster() {
  if [ "$home" != "$base" ]; then
    mkdir -p "$home"
    ln -sfn "$home" "$base/data-link"
  fi
  mkdir -p "$data" "$sockdir"
  [ "$(id -u)" -eq 0 ] && chown postgres "$home" "$data" "$sockdir"
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
include_if_exists = 'durability.conf'
CONF
}

# Durability is checked at every start, also for a cluster created before it was the default:
# the include file is rewritten and the include line added where it is missing.
ensure_durable() {
  grep -q "^include_if_exists = 'durability.conf'" "$data/postgresql.conf" \
    || printf "\ninclude_if_exists = 'durability.conf'\n" >>"$data/postgresql.conf"
  cat >"$data/durability.conf" <<'CONF'
# Written by scripts/pg-embedded.sh at every start: the embedded cluster keeps data safely.
# A commit is acknowledged once its WAL is on disk; the test databases relax that per database.
fsync = on
full_page_writes = on
synchronous_commit = on
CONF
  [ "$(id -u)" -eq 0 ] && chown postgres "$data/durability.conf" "$data/postgresql.conf"
  return 0
}

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
      ensure_durable
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
  destroy)
    # stop, then remove every file of this cluster (the state folder and a /var/tmp home)
    if is_running; then run_pg "$BIN/pg_ctl" -D "$data" -m immediate -w stop >/dev/null; fi
    [ "$home" != "$base" ] && rm -rf "$home"
    rm -rf "$base"
    echo "pg-embedded: removed"
    ;;
  status)
    if is_running; then echo "pg-embedded: running on port $PORT (socket $sockdir)"; else echo "pg-embedded: not running"; exit 3; fi
    ;;
  env)
    echo "export PGHOST='$sockdir' PGPORT='$PORT' PGUSER='$OWNER' PGDATABASE='$DB_NAME' PG_ADMIN_USER='$SUPERUSER' PG_BINDIR='$CLIENT_BIN' EMBEDDED_DATA='$data'"
    ;;
  *)
    echo "usage: $0 start|stop|status|env|destroy" >&2; exit 2 ;;
esac
