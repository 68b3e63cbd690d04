#!/usr/bin/env bash
# The Citus lane: Citus 13.2.2 built offline from the vendored tarball, a three-node cluster (one
# coordinator, two workers) on loopback, and the package deployed, distributed and tested on it.
#
#   scripts/citus.sh build    build and install citus.so into the PostgreSQL 15 server when missing
#   scripts/citus.sh start    create the nodes if needed, start them, join the workers
#   scripts/citus.sh stop     stop the nodes (their data stays until destroy)
#   scripts/citus.sh env      print the libpq variables that reach the coordinator (for `eval`)
#   scripts/citus.sh destroy  stop the nodes and remove their files
#   scripts/citus.sh test     build, start, deploy, distribute, test, revert (make test-citus)
#
#   CITUS_TARBALL   source tarball (default <checkout>/../shared/vendor/citus-13.2.2.tar.gz)
#   CITUS_DIR       state folder (default <checkout>/.citus, git-ignored)
#   CITUS_PORT      coordinator port (default 54350); the workers use the next two ports
#
# As root every server command runs as the `postgres` system user (initdb refuses root); when
# that user cannot enter the checkout the data and build folders live under /var/tmp, linked from
# .citus/, exactly as scripts/pg-embedded.sh does for the embedded cluster.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

CITUS_VERSION=13.2.2
# The vendored source: beside this checkout, beside the repository it was cloned from (a CI clone
# elsewhere), or in the machine's shared folder; its checksum is pinned.
CITUS_SHA256=dd2453caec20a830e5e63f1def5c5a98cb6f57ae510407cdcd800916fcdab430
find_tarball() {
  local origin candidates=() c
  origin=$(git -C "$root" remote get-url origin 2>/dev/null || true)
  candidates+=("$root/../shared/vendor")
  case "$origin" in /*) candidates+=("$origin/../shared/vendor") ;; esac
  candidates+=("/work/shared/vendor")
  for c in "${candidates[@]}"; do
    [ -f "$c/citus-$CITUS_VERSION.tar.gz" ] && { echo "$c/citus-$CITUS_VERSION.tar.gz"; return; }
  done
  echo "$root/../shared/vendor/citus-$CITUS_VERSION.tar.gz"
}
TARBALL=${CITUS_TARBALL:-$(find_tarball)}
base=${CITUS_DIR:-$root/.citus}
PORT=${CITUS_PORT:-54350}
PG_MAJOR=15
BIN=/usr/lib/postgresql/$PG_MAJOR/bin
PG_CONFIG=$BIN/pg_config
DB_NAME=${CITUS_DB:-platform_citus}
OWNER=${EMBEDDED_OWNER:-platform_owner}
SUPERUSER=postgres
NODES=(coordinator worker1 worker2)

if [ "$(id -u)" -eq 0 ]; then
  run_pg() { (cd / && runuser -u postgres -- "$@"); }
else
  run_pg() { "$@"; }
fi

mkdir -p "$base"
alt="/var/tmp/citus-$(printf '%s' "$base" | md5sum | cut -c1-10)"
if [ -L "$base/home-link" ]; then
  home=$(readlink "$base/home-link")
elif [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$base" 2>/dev/null; then
  home=$alt
else
  home=$base
fi
sockdir="$home/run"
if [ $(( ${#sockdir} + 20 )) -gt 100 ]; then
  sockdir="/tmp/citus-$(printf '%s' "$base" | md5sum | cut -c1-10)"
fi

citus_installed() { [ -e "$($PG_CONFIG --pkglibdir)/citus.so" ]; }

build() {
  if citus_installed; then echo "citus: citus.so is installed ($($PG_CONFIG --pkglibdir))"; return; fi
  [ -f "$TARBALL" ] || { echo "citus: source tarball $TARBALL not found (set CITUS_TARBALL)" >&2; exit 1; }
  echo "$CITUS_SHA256  $TARBALL" | sha256sum -c --quiet - \
    || { echo "citus: $TARBALL does not have the pinned sha256 $CITUS_SHA256" >&2; exit 1; }
  # Build packages from the Debian archive; the server headers pinned to the running server's
  # version, so installing them never upgrades the server.
  local server_version; server_version=$(dpkg-query -W -f='${Version}' "postgresql-$PG_MAJOR")
  DEPS_EXTRA_PACKAGES="postgresql-server-dev-$PG_MAJOR=$server_version liblz4-dev libzstd-dev libkrb5-dev make gcc" \
    "$root/scripts/deps.sh" packages 2>/dev/null || {
      local as_root=(); [ "$(id -u)" -eq 0 ] || as_root=(sudo -n)
      "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
      "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "postgresql-server-dev-$PG_MAJOR=$server_version" liblz4-dev libzstd-dev libkrb5-dev make gcc >/dev/null
    }
  local build_dir="$base/build"
  rm -rf "$build_dir"; mkdir -p "$build_dir"
  echo "citus: building Citus $CITUS_VERSION in $build_dir (about 2 minutes on 2 cores)"
  tar xzf "$TARBALL" -C "$build_dir"
  local src; src=$(find "$build_dir" -maxdepth 1 -mindepth 1 -type d | head -1)
  local as_root=(); [ "$(id -u)" -eq 0 ] || as_root=(sudo -n)
  ( cd "$src"
    ./configure -q PG_CONFIG="$PG_CONFIG" --without-libcurl >"$build_dir/configure.log" 2>&1
    make -s -j"${CITUS_JOBS:-2}" >"$build_dir/make.log" 2>&1
    "${as_root[@]}" make -s install >"$build_dir/install.log" 2>&1
  ) || { echo "citus: build failed; logs in $build_dir" >&2; tail -20 "$build_dir"/*.log >&2; exit 1; }
  citus_installed || { echo "citus: make install did not install citus.so" >&2; exit 1; }
  echo "citus: installed citus.so into $($PG_CONFIG --pkglibdir)"
}

node_port() { case $1 in coordinator) echo "$PORT" ;; worker1) echo $((PORT + 1)) ;; worker2) echo $((PORT + 2)) ;; esac; }
node_data() { echo "$home/$1/data"; }
is_running() { [ -f "$(node_data "$1")/PG_VERSION" ] && run_pg "$BIN/pg_ctl" -D "$(node_data "$1")" status >/dev/null 2>&1; }
psql_node() {  # psql_node <node> <db> [psql args]: as the superuser, over the node's socket
  local node=$1 db=$2; shift 2
  "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$sockdir" -p "$(node_port "$node")" -U "$SUPERUSER" -d "$db" "$@"
}

init_node() {
  local node=$1 data; data=$(node_data "$1")
  if [ "$home" != "$base" ]; then mkdir -p "$home"; ln -sfn "$home" "$base/home-link"; fi
  mkdir -p "$data" "$sockdir"
  [ "$(id -u)" -eq 0 ] && chown postgres "$home" "$home/$node" "$data" "$sockdir"
  chmod 700 "$data"
  run_pg "$BIN/initdb" -D "$data" -U "$SUPERUSER" --auth-local=trust --auth-host=reject \
    -E UTF8 --locale=C.UTF-8 >/dev/null
  cat >>"$data/postgresql.conf" <<CONF

# --- Citus lane node '$node' (scripts/citus.sh) ---
port = $(node_port "$node")
listen_addresses = '127.0.0.1'
unix_socket_directories = '$sockdir'
shared_preload_libraries = 'citus,pg_stat_statements'
max_connections = 200
shared_buffers = '128MB'
fsync = off
synchronous_commit = off
full_page_writes = off
random_page_cost = 1.1
max_worker_processes = 32
# The lane's throwaway nodes prepare two-phase commits across workers.
max_prepared_transactions = 100
citus.shard_count = 8
CONF
  # TEST LANE ONLY: every role may connect over loopback without a password, because Citus opens
  # its connections to the workers as the current role (authenticated, service_role, ...). In
  # production those roles authenticate with passwords (~/.pgpass of the server user) or client
  # certificates (citus.node_conninfo); see the final report / README section.
  cat >"$data/pg_hba.conf" <<HBA
local all all trust
host  all all 127.0.0.1/32 trust
HBA
  [ "$(id -u)" -eq 0 ] && chown postgres "$data/postgresql.conf" "$data/pg_hba.conf"
  return 0
}

bootstrap_node() {
  # The owner role and its database on every node, and the extension a non-superuser cannot create.
  local node=$1
  psql_node "$node" postgres <<SQL
set client_min_messages = warning;
select format('create role %I login createrole createdb', '$OWNER')
where not exists (select from pg_roles where rolname = '$OWNER') \\gexec
select format('create database %I owner %I', '$DB_NAME', '$OWNER')
where not exists (select from pg_database where datname = '$DB_NAME') \\gexec
SQL
  psql_node "$node" "$DB_NAME" <<SQL
set client_min_messages = warning;
create extension if not exists citus;
SQL
  # Extension and role DDL run on the coordinator only: Citus propagates them, and a joined worker
  # refuses them ("operation is not allowed on this node") even when they would change nothing.
  [ "$node" = coordinator ] || return 0
  psql_node "$node" "$DB_NAME" <<SQL
set client_min_messages = warning;
select 'create extension pg_stat_statements' where not exists (select from pg_extension where extname = 'pg_stat_statements') \\gexec
grant pg_monitor to $OWNER with admin option;
SQL
}

start() {
  local node
  for node in "${NODES[@]}"; do
    if ! is_running "$node"; then
      [ -f "$(node_data "$node")/PG_VERSION" ] || init_node "$node"
      mkdir -p "$sockdir"; [ "$(id -u)" -eq 0 ] && chown postgres "$sockdir"
      run_pg "$BIN/pg_ctl" -D "$(node_data "$node")" -l "$home/$node.log" -w -t 60 start >/dev/null
    fi
  done
  # every node up before the first bootstrap: the coordinator propagates its DDL to the workers
  for node in "${NODES[@]}"; do bootstrap_node "$node"; done
  psql_node coordinator "$DB_NAME" >/dev/null <<SQL
set client_min_messages = warning;
-- Citus 13.2 tries to re-create on the workers the system views that initdb makes after the pinned
-- catalog (pg_stat_wal, oid 12293 here) when a view depends on them, and fails with "permission
-- denied for schema pg_catalog" (monitoring/system_health). They exist on every node already:
-- record them as distributed objects so Citus skips them.
insert into pg_catalog.pg_dist_object (classid, objid, objsubid)
select 'pg_catalog.pg_class'::regclass, c.oid, 0
  from pg_catalog.pg_class c
 where c.relnamespace = 'pg_catalog'::regnamespace and c.relkind = 'v' and c.oid >= 12000 and c.oid < 16384
   and not exists (select from pg_catalog.pg_dist_object o where o.classid = 'pg_catalog.pg_class'::regclass and o.objid = c.oid);
select citus_set_coordinator_host('127.0.0.1', $PORT);
select citus_add_node('127.0.0.1', $((PORT + 1))) where not exists (select from pg_dist_node where nodeport = $((PORT + 1)));
select citus_add_node('127.0.0.1', $((PORT + 2))) where not exists (select from pg_dist_node where nodeport = $((PORT + 2)));
SQL
  echo "citus: coordinator on 127.0.0.1:$PORT, workers on $((PORT + 1)) and $((PORT + 2)) (socket $sockdir)"
}

fresh() {
  # A new, empty database on every node (the lane's deploy target), workers joined again.
  local node
  for node in "${NODES[@]}"; do
    psql_node "$node" postgres -c "drop database if exists $DB_NAME with (force)" >/dev/null
  done
  start >/dev/null
}

stop() {
  local node
  for node in "${NODES[@]}"; do
    if is_running "$node"; then run_pg "$BIN/pg_ctl" -D "$(node_data "$node")" -m fast -w stop >/dev/null; fi
  done
  echo "citus: stopped"
}

destroy() {
  local node
  for node in "${NODES[@]}"; do
    if is_running "$node"; then run_pg "$BIN/pg_ctl" -D "$(node_data "$node")" -m immediate -w stop >/dev/null; fi
  done
  [ "$home" != "$base" ] && rm -rf "$home"
  rm -rf "$base"/coordinator "$base"/worker1 "$base"/worker2 "$base"/run "$base"/*.log "$base"/home-link
  echo "citus: nodes removed (the build folder stays)"
}

psql_owner() {  # as the deploying owner, over loopback TCP (as Citus and the clients connect)
  "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U "$OWNER" -d "$DB_NAME" "$@"
}

citus_test() {
  # make test-citus: the package deployed, distributed, exercised and reverted on a Citus cluster.
  local started; started=$(date +%s)
  local target="db:pg://$OWNER@127.0.0.1:$PORT/$DB_NAME"
  local url="postgresql://$OWNER@127.0.0.1:$PORT/$DB_NAME"
  local failed=() t
  citus_installed || build
  start >/dev/null
  fresh
  echo "citus lane: fresh database $DB_NAME on a coordinator and two workers ($(psql_node coordinator "$DB_NAME" -At -c 'select citus_version()'))"

  # The schema before the distribution: the revert must come back to exactly it.
  local before_distribute
  # The change just before it in the plan (Sqitch's ^ suffix: a reworked name alone is ambiguous).
  before_distribute='citus/distribute^'
  t=$(date +%s)
  if ! sqitch deploy --quiet --verify --to "$before_distribute" "$target" >"$base/deploy-before.log" 2>&1; then
    cat "$base/deploy-before.log" >&2; echo "citus lane: the deploy up to $before_distribute failed" >&2; exit 1
  fi
  psql_node coordinator "$DB_NAME" -At -f "$root/tests/citus/schema_fingerprint.sql" >"$base/fingerprint-before.txt"
  # The distribution refuses a service_role under row-level security, with the statement to run
  # (roles outlive the lane's database: an earlier run's grant is taken back first).
  psql_node coordinator "$DB_NAME" -c "alter role service_role nobypassrls" >/dev/null
  if sqitch deploy --quiet --to citus/distribute "$target" >"$base/deploy-bypassrls.log" 2>&1 \
     || ! grep -q 'service_role needs BYPASSRLS on Citus' "$base/deploy-bypassrls.log" \
     || ! grep -q 'ALTER ROLE service_role BYPASSRLS' "$base/deploy-bypassrls.log"; then
    cat "$base/deploy-bypassrls.log" >&2
    echo "citus lane: the distribution did not refuse a service_role without BYPASSRLS with its hint" >&2; failed+=("bypassrls check")
  fi
  psql_node coordinator "$DB_NAME" -c "alter role service_role bypassrls" >/dev/null
  if sqitch deploy --quiet --verify "$target" 2>&1 | grep -v 'WARNING\|DETAIL\|HINT\|NOTICE'; then :; fi
  if ! psql_owner -At -c "select 1 from sqitch.changes where change = 'citus/distribute'" | grep -q 1; then
    echo "citus lane: the deploy failed" >&2; exit 1
  fi
  echo "citus lane: deployed and distributed in $(( $(date +%s) - t )) s"

  # Every table with an organization_id is distributed or a reference table (the catalog decides).
  if ! psql_owner -At <<'SQL'
select format('%s tables distributed by organization_id (%s colocation group), %s reference tables',
              count(*) filter (where partmethod = 'h'), count(distinct colocationid) filter (where partmethod = 'h'),
              count(*) filter (where partmethod = 'n'))
  from pg_dist_partition p join pg_class c on c.oid = p.logicalrelid where not c.relispartition;
do $$
declare v_missing text;
begin
  select string_agg(c.oid::regclass::text, ', ') into v_missing
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where n.nspname not in ('pg_catalog', 'information_schema', 'citus', 'citus_internal', 'columnar', 'columnar_internal')
     and c.relkind in ('r', 'p') and not c.relispartition
     and exists (select from pg_attribute a where a.attrelid = c.oid and a.attname = 'organization_id' and not a.attisdropped)
     and not exists (select from pg_dist_partition p where p.logicalrelid = c.oid);
  if v_missing is not null then raise exception 'tables with organization_id that Citus does not hold: %', v_missing; end if;
  select string_agg(p.logicalrelid::regclass::text, ', ') into v_missing
    from pg_dist_partition p
   where p.partmethod = 'h' and p.partkey is not null
     and column_to_column_name(p.logicalrelid, p.partkey) <> 'organization_id';
  if v_missing is not null then raise exception 'tables distributed by another column: %', v_missing; end if;
end $$;
SQL
  then failed+=("distribution"); fi

  # The API roles log in on the workers: Citus opens its worker connections as the current role.
  # Test lane only (trust on loopback); production gives them passwords or certificates.
  psql_owner -c "alter role authenticated login" -c "alter role service_role login" -c "alter role anon login" >/dev/null

  t=$(date +%s)
  local log="$base/pytest.log"
  if ! PLATFORM_CITUS_URL=$url "$root/.venv/bin/python" -m pytest "$root/tests/citus" -q -p no:cacheprovider -rs \
        2>&1 | tee "$log"; then
    failed+=("pytest")
  fi
  if grep -qiE '[0-9]+ skipped' "$log"; then echo "citus lane: tests were skipped; the lane must run them all" >&2; failed+=("pytest skipped"); fi
  echo "citus lane: pytest in $(( $(date +%s) - t )) s"

  # Revert: back to the single-node schema, exactly; then everything.
  psql_owner -c "alter role authenticated nologin" -c "alter role service_role nologin" -c "alter role anon nologin" >/dev/null
  t=$(date +%s)
  if ! sqitch revert -y --quiet --to "$before_distribute" "$target" >"$base/revert.log" 2>&1; then
    cat "$base/revert.log" >&2; echo "citus lane: the revert of citus/distribute failed" >&2; failed+=("revert")
  fi
  psql_node coordinator "$DB_NAME" -At -f "$root/tests/citus/schema_fingerprint.sql" >"$base/fingerprint-after.txt"
  if diff -u "$base/fingerprint-before.txt" "$base/fingerprint-after.txt" >"$base/fingerprint.diff"; then
    echo "citus lane: the revert of citus/distribute restored the single-node schema ($(wc -l <"$base/fingerprint-before.txt") catalog lines identical)"
  else
    echo "citus lane: the revert of citus/distribute left a different schema (first lines of $base/fingerprint.diff):" >&2
    head -20 "$base/fingerprint.diff" >&2
    failed+=("revert")
  fi
  if psql_owner -At -c "select count(*) from pg_dist_partition" | grep -qx 0; then :; else
    echo "citus lane: tables are still distributed after the revert" >&2; failed+=("revert"); fi
  if ! sqitch revert -y --quiet "$target" >/dev/null 2>&1; then failed+=("full revert"); fi
  local left; left=$(psql_owner -At -c "select string_agg(nspname, ', ') from pg_namespace where nspname in ('base', 'internal', 'projects', 'tasks', 'analytics', 'prompts', 'events', 'monitoring')")
  if [ -n "$left" ]; then echo "citus lane: schemas left after the full revert: $left" >&2; failed+=("full revert"); fi
  echo "citus lane: reverted in $(( $(date +%s) - t )) s"

  stop >/dev/null   # the nodes' memory back to the machine; their data stays until destroy
  if [ ${#failed[@]} -gt 0 ]; then
    echo "make test-citus: FAILED (${failed[*]}) in $(( $(date +%s) - started ))s"; exit 1
  fi
  echo "make test-citus: all stages passed in $(( $(date +%s) - started ))s"
}

case "${1:-}" in
  build) build ;;
  start) citus_installed || build; start ;;
  stop) stop ;;
  fresh) fresh ;;
  destroy) destroy ;;
  env)
    echo "export PGHOST='$sockdir' PGPORT='$PORT' PGUSER='$OWNER' PGDATABASE='$DB_NAME' PG_ADMIN_USER='$SUPERUSER'"
    ;;
  test) citus_test ;;
  *) echo "usage: $0 build|start|stop|env|destroy|test" >&2; exit 2 ;;
esac
