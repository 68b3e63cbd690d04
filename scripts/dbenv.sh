# shellcheck shell=bash
# Sourced by the other scripts: decides which server the package talks to and how.
#
#   DATABASE_URL set      -> that server and database (deploy and tests run as that URL's user)
#   PGHOST/PGPORT/PGDATABASE/PGUSER/PGSERVICE set -> that server, through libpq's own variables
#   neither               -> the embedded cluster under .pgdata/ (started on demand)
#
# After sourcing: TARGET_MODE (embedded|external), TARGET_URL (the deploy database), and the
# helpers url_for DB, admin_url_for DB, sqitch_target URL, psql_url URL ARGS...
# shellcheck disable=SC2034
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if [ -n "${DATABASE_URL:-}" ]; then
  TARGET_MODE=external
  TARGET_URL=$DATABASE_URL
elif [ -n "${PGHOST:-}${PGPORT:-}${PGDATABASE:-}${PGUSER:-}${PGSERVICE:-}" ]; then
  TARGET_MODE=external
  TARGET_URL="postgresql:///${PGDATABASE:-${PGUSER:-$(id -un)}}"
else
  TARGET_MODE=embedded
  eval "$("$root/scripts/pg-embedded.sh" env)"
  TARGET_URL="postgresql:///$PGDATABASE"
fi
export TARGET_MODE TARGET_URL

PSQL=${PG_BINDIR:+$PG_BINDIR/}psql
# pg_dump must be at least as new as the server: the version matrix names a newer one in PG_DUMP.
PG_DUMP=${PG_DUMP:-${PG_BINDIR:+$PG_BINDIR/}pg_dump}
export PG_DUMP

# The same server and credentials, another database (and, for admin work, another user).
url_for() {
  python3 - "$TARGET_URL" "$1" "${2:-}" <<'PY'
import sys, urllib.parse as u
url, db, user = sys.argv[1], sys.argv[2], sys.argv[3]
p = u.urlsplit(url)
netloc = p.netloc
if user:
    host = netloc.rsplit("@", 1)[-1]
    netloc = f"{u.quote(user)}@{host}"
query = "?" + p.query if p.query else ""
print(f"{p.scheme}://{netloc}/{u.quote(db)}{query}")
PY
}

# In the embedded cluster, creating databases and loading pg_stat_statements is the superuser's job;
# on an external server the URL's own user does it (it needs CREATEDB).
admin_url_for() {
  if [ "$TARGET_MODE" = embedded ]; then url_for "$1" "$PG_ADMIN_USER"; else url_for "$1"; fi
}

# Sqitch names its PostgreSQL targets db:pg://...
sqitch_target() {
  printf 'db:pg:%s\n' "${1#*:}"
}

psql_url() {
  local url=$1; shift
  "$PSQL" -X -q -v ON_ERROR_STOP=1 -d "$url" "$@"
}

# The database name inside a URL (falls back to libpq's defaults when the URL has none).
url_dbname() {
  python3 - "$1" <<'PY'
import os, sys, urllib.parse as u
p = u.urlsplit(sys.argv[1])
print(u.unquote(p.path.lstrip("/")) or os.environ.get("PGDATABASE") or os.environ.get("PGUSER") or "")
PY
}

# Create (or re-create) an empty database for tests, owned by the deploying user.
fresh_database() {
  local db=$1 owner
  owner=$(psql_url "$TARGET_URL" -At -c 'select current_user')
  psql_url "$(admin_url_for postgres)" >/dev/null <<SQL
set client_min_messages = warning;
select pg_terminate_backend(pid) from pg_stat_activity where datname = '$db' and pid <> pg_backend_pid();
drop database if exists "$db";
create database "$db" owner "$owner";
-- A test database trades durability for speed (the cluster itself stays durable): a crash may
-- lose its last commits, which a test run does not mind.
alter database "$db" set synchronous_commit = off;
SQL
  # pg_stat_statements needs a superuser; it is optional, so an external server may go without it.
  psql_url "$(admin_url_for "$db")" -c 'create extension if not exists pg_stat_statements' 2>/dev/null || true
}

# libpq environment variables equivalent to a URL, as `export` lines: for tools such as pg_prove
# that cannot take a connection URI.
libpq_env() {
  python3 - "$1" <<'PY'
import shlex, sys, urllib.parse as u
p = u.urlsplit(sys.argv[1])
env = {}
if p.hostname: env["PGHOST"] = p.hostname
if p.port: env["PGPORT"] = str(p.port)
if p.username: env["PGUSER"] = u.unquote(p.username)
if p.password: env["PGPASSWORD"] = u.unquote(p.password)
if p.path.strip("/"): env["PGDATABASE"] = u.unquote(p.path.strip("/"))
names = {"host": "PGHOST", "hostaddr": "PGHOSTADDR", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD",
         "dbname": "PGDATABASE", "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
         "sslkey": "PGSSLKEY", "options": "PGOPTIONS", "application_name": "PGAPPNAME",
         "connect_timeout": "PGCONNECT_TIMEOUT", "target_session_attrs": "PGTARGETSESSIONATTRS"}
for k, v in u.parse_qsl(p.query):
    if k in names: env[names[k]] = v
print(" ".join(f"export {k}={shlex.quote(v)};" for k, v in env.items()))
PY
}

# pg_prove over a URL (it takes no URI itself).
pg_prove_url() {
  local url=$1; shift
  ( eval "$(libpq_env "$url")"; pg_prove "$@" )
}
