#!/usr/bin/env bash
# The extra lanes of `make test`:
#   scripts/lanes.sh supabase DB   deploy into DB laid out like Supabase (extensions schema, auth
#                                  helpers, pre-existing API roles) as a non-superuser owner, run
#                                  Supabase's advisors over it (scripts/advisors.py: no WARN or
#                                  ERROR allowed), then run every pgTAP file there
#   scripts/lanes.sh pooler DB     start pgbouncer in transaction mode in front of DB and run the
#                                  pytest smoke suite through it (POOLER_PYTEST_ARGS: extra
#                                  pytest arguments, e.g. -k pooler for its own tests only)
#   scripts/lanes.sh migrations    release discipline: scripts of tagged changes unchanged since their
#                                  tag, and every change after the last tag sets a lock_timeout and
#                                  passes squawk (tests/squawk.toml)
#   scripts/lanes.sh upgrade DB    the last release (its files from git history) deployed into DB
#                                  and loaded with data through its own API (tests/upgrade/load.sql
#                                  as released), upgraded to this checkout with sqitch deploy:
#                                  every row kept (scripts/upgrade_snapshot.py), the old work
#                                  finished through the new API (tests/upgrade/after.sql), then
#                                  `sqitch revert --to @<release>` keeps every row too
#   scripts/lanes.sh as-user       (root) make deploy && make test as an ordinary user, in a git
#                                  clone in that user's mode-700 home
#   scripts/lanes.sh locations     `make deploy` from copies of this checkout where a new user
#                                  clones: inside a mode-700 directory (as root: the server's user
#                                  cannot enter it, like /root), and, as root, as an ordinary user
#                                  in a private home; each on its own port, removed afterwards
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
alter database "$db" set synchronous_commit = off;
SQL
  url=$(TARGET_URL=$admin url_for "$db")
  export PGOPTIONS="-c role=$SUPABASE_OWNER"
  psql_url "$url" -f tests/helpers/supabase_layout.sql >/dev/null || return 1
  sqitch deploy --quiet --verify "$(sqitch_target "$url")" || return 1
  # Supabase's own Security and Performance Advisors (splinter) on the fresh deploy, with the module
  # schemas exposed as the README tells users to expose them: any WARN or ERROR fails the lane.
  .venv/bin/python scripts/advisors.py "$url" || return 1
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

# A copy of the working tree's tracked files (what a clone would hold, plus uncommitted edits).
copy_checkout() {
  local dest=$1
  mkdir -p "$dest"
  git -C "$root" ls-files -z | (cd "$root" && tar --null -T - -cf -) | tar -xf - -C "$dest"
}

deploy_copy() {
  local label=$1 dir=$2 port=$3; shift 3
  local rc=0
  echo "-- $label: make deploy in $dir (port $port)"
  # The embedded default: no DATABASE_URL or libpq variables of the calling run reach the copy.
  "$@" env -u DATABASE_URL -u PGHOST -u PGPORT -u PGUSER -u PGDATABASE -u PGSERVICE -u PGOPTIONS \
    EMBEDDED_PORT="$port" make -C "$dir" --no-print-directory deploy >"$dir.log" 2>&1 || rc=$?
  if [ $rc -eq 0 ] && grep -q "critical_alerts" "$dir.log"; then
    echo "   deployed; $(grep -c '^ critical ' "$dir.log" || true) critical alert(s)"
    grep -q '^ critical ' "$dir.log" && rc=1
  else
    echo "   FAILED:"; tail -20 "$dir.log" | sed 's/^/   | /'; rc=1
  fi
  "$@" env EMBEDDED_PORT="$port" "$dir/scripts/pg-embedded.sh" destroy >/dev/null 2>&1 || true
  return $rc
}

locations_lane() {
  local port=$(( ${EMBEDDED_PORT:-54329} + 2000 )) rc=0 top
  top=$(mktemp -d /tmp/platform-private-XXXXXX); chmod 700 "$top"
  copy_checkout "$top/platform"
  deploy_copy "$(id -un), checkout inside a mode-700 directory" "$top/platform" "$port" || rc=1
  rm -rf "$top"
  if [ "$(id -u)" -eq 0 ]; then
    local user=platform_ci_user home
    id "$user" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$user"
    home=$(getent passwd "$user" | cut -d: -f6); chmod 700 "$home"
    rm -rf "$home/platform"; copy_checkout "$home/platform"; chown -R "$user:" "$home/platform"
    deploy_copy "ordinary user $user, checkout in a private home" "$home/platform" "$((port + 1))" \
      runuser -u "$user" -- env HOME="$home" || rc=1
    rm -rf "$home/platform" "$home/platform.log"
  fi
  return $rc
}

migrations_lane() {
  local rc=0 files
  if ! grep -q '^@' sqitch.plan; then
    echo "sqitch.plan has no release tag yet: nothing is frozen, nothing to lint"
    return 0
  fi
  echo "-- scripts of released changes are unchanged since their tag"
  scripts/release_check.py frozen || rc=1
  mapfile -t files < <(scripts/release_check.py unreleased)
  echo "-- changes after $(scripts/release_check.py tag-commit | cut -d' ' -f1): ${#files[@]}"
  if [ ${#files[@]} -gt 0 ]; then
    scripts/release_check.py lock-timeouts || rc=1
    .venv/bin/squawk --config tests/squawk.toml "${files[@]}" || rc=1
    # A verify script must raise when its condition fails: `select 1 / count(*) ... having ...`
    # returns no row when the HAVING is false, and passes silently.
    local verify_files=() f
    for f in "${files[@]}"; do [ -f "verify/${f#deploy/}" ] && verify_files+=("verify/${f#deploy/}"); done
    if [ ${#verify_files[@]} -gt 0 ] && grep -il 'having count(' "${verify_files[@]}"; then
      echo "verify scripts above filter with HAVING (no row = silent pass): write select 1 / (<condition>)::int"
      rc=1
    fi
  fi
  return $rc
}

upgrade_lane() {
  local db=$1 url tag commit old rc=0
  if ! grep -q '^@' sqitch.plan; then
    echo "sqitch.plan has no release tag yet: nothing to upgrade from"
    return 0
  fi
  read -r tag commit < <(scripts/release_check.py tag-commit)
  old=$(mktemp -d /tmp/platform-release-XXXXXX)
  git -C "$root" archive "$commit" | tar -x -C "$old"
  url=$(url_for "$db")
  echo "-- @$tag (commit ${commit:0:10}) deployed into $db and loaded through its own API"
  fresh_database "$db" || return 1
  ( cd "$old" && sqitch deploy --quiet --verify "$(sqitch_target "$url")" ) || { rm -rf "$old"; return 1; }
  psql_url "$url" -f "$old/tests/upgrade/load.sql" >/dev/null || { rm -rf "$old"; return 1; }
  .venv/bin/python scripts/upgrade_snapshot.py snapshot "$url" "$old/before.json" || rc=1
  echo "-- upgraded to this checkout: sqitch deploy --verify"
  sqitch deploy --quiet --verify "$(sqitch_target "$url")" || rc=1
  .venv/bin/python scripts/upgrade_snapshot.py compare "$url" "$old/before.json" || rc=1
  psql_url "$url" -f tests/upgrade/after.sql || rc=1
  echo "-- reverted to @$tag: sqitch revert --to @$tag"
  sqitch revert -y --quiet --to "@$tag" "$(sqitch_target "$url")" || rc=1
  .venv/bin/python scripts/upgrade_snapshot.py compare "$url" "$old/before.json" || rc=1
  echo "-- and forward again"
  sqitch deploy --quiet --verify "$(sqitch_target "$url")" || rc=1
  rm -rf "$old"
  [ $rc -eq 0 ] && psql_url "$(admin_url_for postgres)" -c "drop database if exists \"$db\" with (force)" >/dev/null
  return $rc
}

# make deploy and make test, as an ordinary user, in a git clone in that user's private home: what
# a developer without root does. Root creates the user and the clone; everything else runs as it.
as_user_lane() {
  local user=platform_ci_user home rc=0 port=$(( ${EMBEDDED_PORT:-54329} + 3000 ))
  if [ "$(id -u)" -ne 0 ]; then
    echo "as-user lane: run it as root (it creates the user $user and its clone)"; return 1
  fi
  id "$user" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$user"
  home=$(getent passwd "$user" | cut -d: -f6); chmod 700 "$home"
  rm -rf "$home/platform"
  git clone -q "$root" "$home/platform" && chown -R "$user:" "$home/platform" || return 1
  echo "-- $user: make deploy && make test in $home/platform (port $port)"
  runuser -u "$user" -- env -u DATABASE_URL -u PGHOST -u PGPORT -u PGUSER -u PGDATABASE -u PGSERVICE \
    -u PGOPTIONS HOME="$home" EMBEDDED_PORT="$port" \
    bash -c 'cd ~/platform && make deploy && make test' || rc=$?
  runuser -u "$user" -- env HOME="$home" EMBEDDED_PORT="$port" "$home/platform/scripts/pg-embedded.sh" destroy >/dev/null 2>&1
  rm -rf "$home/platform"
  return $rc
}

case "${1:-}" in
  as-user)    as_user_lane ;;
  upgrade)    upgrade_lane "$2" ;;
  migrations) migrations_lane ;;
  supabase)  supabase_lane "$2" ;;
  pooler)    pooler_lane "$2" ;;
  locations) locations_lane ;;
  *) echo "usage: $0 supabase|pooler|upgrade DB | locations | migrations | as-user" >&2; exit 2 ;;
esac
