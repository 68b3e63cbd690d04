#!/usr/bin/env bash
# The extra lanes of `make test`:
#   scripts/lanes.sh supabase DB   deploy into DB laid out like Supabase (extensions schema, auth
#                                  helpers, pre-existing API roles) as a non-superuser owner, then
#                                  run every pgTAP file there
#   scripts/lanes.sh pooler DB     start pgbouncer in transaction mode in front of DB and run the
#                                  pytest smoke suite through it (POOLER_PYTEST_ARGS: extra
#                                  pytest arguments, e.g. -k pooler for its own tests only)
set -uo pipefail
source "$(dirname "$0")/dbenv.sh"
cd "$root"

SUPABASE_OWNER=platform_supabase_owner

supabase_lane() {
  local db=$1 admin url
  # The admin connection test.sh used (PLATFORM_ADMIN_URL): this script's own dbenv.sh sees the
  # PG* variables test.sh exported and would take the deploying owner for the admin. From
  # PostgreSQL 16 the owner may no longer grant roles it did not create.
  admin=${PLATFORM_ADMIN_URL:-$(admin_url_for postgres)}
  # The owner: an ordinary role with CREATEROLE, like Supabase's `postgres`. Every connection of
  # this lane logs in as the admin user and immediately becomes that role (PGOPTIONS), so the
  # lane needs no password of its own and works against any server.
  psql_url "$admin" >/dev/null <<SQL || return 1
set client_min_messages = warning;
select 'create role $SUPABASE_OWNER nologin createrole'
 where not exists (select from pg_roles where rolname = '$SUPABASE_OWNER') \gexec
grant $SUPABASE_OWNER to current_user;
-- Supabase's bootstrap: the API roles exist beforehand and its postgres role holds them WITH ADMIN
-- OPTION (from PostgreSQL 16 granting or acting as a role created by someone else needs it; up to
-- 15 CREATEROLE was enough). platform_monitor, when an earlier deploy in this cluster made it, too.
select format('grant %I to $SUPABASE_OWNER with admin option', rolname) from pg_roles
 where rolname in ('anon', 'authenticated', 'service_role', 'platform_monitor') \gexec
select pg_terminate_backend(pid) from pg_stat_activity where datname = '$db' and pid <> pg_backend_pid();
drop database if exists "$db";
create database "$db" owner $SUPABASE_OWNER;
SQL
  url=$(TARGET_URL=$admin url_for "$db")
  export PGOPTIONS="-c role=$SUPABASE_OWNER"
  psql_url "$url" -f tests/helpers/supabase_layout.sql >/dev/null || return 1
  sqitch deploy --quiet --verify "$(sqitch_target "$url")" || return 1
  psql_url "$url" -c 'create extension pgtap with schema extensions' \
    -c 'alter database "'"$db"'" set search_path = "$user", public, extensions' >/dev/null || return 1
  psql_url "$url" -f tests/helpers/tests_schema.sql >/dev/null || return 1
  pg_prove_url "$url" --recurse --ext .sql --failures tests/pgtap
}

pooler_lane() {
  local db=$1 dir port pid_file
  command -v pgbouncer >/dev/null || { echo "pgbouncer is not installed (make deps)"; return 1; }
  dir=$(mktemp -d /tmp/pgbouncer-XXXXXX); chmod 755 "$dir"
  port=$(( ${EMBEDDED_PORT:-54329} + 1000 ))
  pid_file="$dir/pgbouncer.pid"
  # Where the real server is: resolved by libpq from the test database's URL.
  .venv/bin/python - "$(url_for "$db")" "$dir" "$port" <<'PY' || return 1
import sys, psycopg
url, d, port = sys.argv[1:4]
with psycopg.connect(url) as c:
    i = c.info
    host = i.host if i.host.startswith("/") else i.hostaddr or i.host
    user, dbname = i.user, i.dbname
    server = f"host={host} port={i.port} user={user} dbname={dbname}" + (f" password={i.password}" if i.password else "")
open(f"{d}/userlist.txt", "w").write(f'"{user}" ""\n')
open(f"{d}/pgbouncer.ini", "w").write(f"""[databases]
{dbname} = {server}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {d}/userlist.txt
pool_mode = transaction
default_pool_size = 10
max_client_conn = 100
ignore_startup_parameters = extra_float_digits
logfile = {d}/pgbouncer.log
pidfile = {d}/pgbouncer.pid
""")
open(f"{d}/user", "w").write(user)
PY
  local as=()
  if [ "$(id -u)" -eq 0 ]; then chown -R postgres "$dir"; as=(runuser -u postgres --); fi
  "${as[@]}" pgbouncer -d "$dir/pgbouncer.ini" || { cat "$dir/pgbouncer.log"; return 1; }
  for _ in $(seq 50); do [ -s "$pid_file" ] && break; sleep 0.1; done
  local rc=0
  PLATFORM_POOLER=1 PLATFORM_TEST_URL="postgresql://$(cat "$dir/user")@127.0.0.1:$port/$db" \
  PLATFORM_TARGET_URL=$TARGET_URL PLATFORM_ADMIN_URL=$(admin_url_for postgres) \
    .venv/bin/python -m pytest tests/smoke -q -p no:cacheprovider -m "not direct_only" ${POOLER_PYTEST_ARGS:-} || rc=$?
  kill "$(cat "$pid_file")" 2>/dev/null
  rm -rf "$dir"
  return $rc
}

case "${1:-}" in
  supabase) supabase_lane "$2" ;;
  pooler)   pooler_lane "$2" ;;
  *) echo "usage: $0 supabase|pooler DB" >&2; exit 2 ;;
esac
