#!/usr/bin/env bash
# make test: a fresh database, a real Sqitch deploy, every pgTAP file through pg_prove, the pytest
# smoke suite, and the schemas/ and docs/ freshness checks. Every stage runs; the exit code is non-zero when
# any of them failed, and the last line says which.
#
#   TEST_DB        name of the pgTAP database (default platform_test), re-created each run
#   PGTAP_FILES    limit pg_prove to these files/directories (default: tests/pgtap, recursively)
#   PYTEST_ARGS    extra pytest arguments (e.g. -k tasks)
#   PG_PROVE_ARGS  pg_prove's reporting options (default --failures; the version matrix uses --verbose)
#   LANES          the extra lanes to run after pytest (default "pooler supabase locations upgrade";
#                  the version matrix runs its own selection: scripts/matrix.sh)
#   SKIP_SMOKE=1   pgTAP only, no pytest and no extra lanes (a quick loop while writing SQL)
#
# schemas/ is pg_dump's view of a PostgreSQL 15 deploy, and pg_dump's output differs by server
# version: its check runs on PostgreSQL 15 only (scripts/matrix.sh runs this script on 16-18).
set -uo pipefail
source "$(dirname "$0")/dbenv.sh"
cd "$root"

db=${TEST_DB:-platform_test}
url=$(url_for "$db")
failed=()
started=$(date +%s)

stage() { printf '\n== %s\n' "$*"; }

stage "fresh database $db, deployed with sqitch deploy --verify"
psql_url "$TARGET_URL" -At -c 'select version()' || true
server_major=$(psql_url "$TARGET_URL" -At -c "select current_setting('server_version_num')::int / 10000" || echo 0)
deploy_started=$(date +%s%N)
if fresh_database "$db" && sqitch deploy --quiet --verify "$(sqitch_target "$url")"; then
  printf 'deploy: %d changes in %d ms\n' \
    "$(psql_url "$url" -At -c 'select count(*) from base.schema_migrations')" \
    "$(( ($(date +%s%N) - deploy_started) / 1000000 ))"
  # What `make verify` runs on a deployed database: every change's verify script against the head
  # (a reworked change's latest one only). A released verify that checks an object a later change
  # dropped fails here, not in a user's hands.
  sqitch verify "$(sqitch_target "$url")" >/tmp/platform-verify-$$.log 2>&1 \
    || { cat /tmp/platform-verify-$$.log; failed+=("sqitch verify"); }
  rm -f /tmp/platform-verify-$$.log
  # A pristine copy of this deploy: the smoke suite clones databases from it (CREATE DATABASE ...
  # TEMPLATE is a file copy) instead of running sqitch again for every fixture.
  psql_url "$(admin_url_for postgres)" >/dev/null <<SQL || failed+=("template")
drop database if exists "${db}_template";
create database "${db}_template" template "$db";
SQL
  psql_url "$url" -c 'create extension if not exists pgtap' -f tests/helpers/tests_schema.sql >/dev/null \
    || failed+=("test helpers")
  # plpgsql_check needs a superuser; where the admin connection is not one, its test skips.
  psql_url "$(admin_url_for "$db")" -c 'create extension if not exists plpgsql_check' >/dev/null 2>&1 \
    || echo "note: plpgsql_check could not be installed here; tests/pgtap/schema/plpgsql_check.sql will skip"

else
  echo "deploy failed: nothing else can run" >&2
  exit 1
fi

stage "pgTAP (pg_prove)"
# shellcheck disable=SC2086
pg_prove_url "$url" --recurse --ext .sql ${PG_PROVE_ARGS:---failures} ${PGTAP_FILES:-tests/pgtap} || failed+=("pgTAP")

if [ "${SKIP_SMOKE:-0}" != 1 ]; then
  stage "pytest smoke suite"
  export PLATFORM_TEST_URL=$url PLATFORM_TARGET_URL=$TARGET_URL PLATFORM_TEMPLATE_DB=${db}_template
  PLATFORM_ADMIN_URL=$(admin_url_for postgres); export PLATFORM_ADMIN_URL
  # shellcheck disable=SC2086
  .venv/bin/python -m pytest tests/smoke -q -p no:cacheprovider ${PYTEST_ARGS:-} || failed+=("pytest")
fi

if [ "${SKIP_SMOKE:-0}" != 1 ]; then
  lanes=" ${LANES-pooler supabase locations upgrade} "
  if [[ $lanes == *" pooler "* ]]; then
    stage "pooler lane: the smoke suite through pgbouncer in transaction mode"
    scripts/lanes.sh pooler "$db" || failed+=("pooler lane")
  fi
  if [[ $lanes == *" supabase "* ]]; then
    stage "Supabase lane: non-superuser deploy into a Supabase layout, Supabase's advisors (no WARN or ERROR), every pgTAP file"
    scripts/lanes.sh supabase "${db}_supabase" || failed+=("Supabase lane")
  fi
  if [[ $lanes == *" locations "* ]] && [ "$TARGET_MODE" = embedded ]; then
    stage "checkout-location lane: make deploy from a mode-700 directory and as an ordinary user"
    scripts/lanes.sh locations || failed+=("checkout-location lane")
  fi
fi

stage "migrations lane: released scripts frozen, later changes lock-safe (squawk)"
scripts/lanes.sh migrations || failed+=("migrations lane")

if [ "${SKIP_SMOKE:-0}" != 1 ] && [[ $lanes == *" upgrade "* ]]; then
  stage "upgrade lane: the last release with data, upgraded to this checkout, reverted, nothing lost"
  scripts/lanes.sh upgrade "${db}_upgrade" || failed+=("upgrade lane")
fi

stage "schemas/ is current"
if [ "$server_major" = 15 ]; then
  scripts/schemas.sh check "$db" || failed+=("schemas/")
else
  echo "skipped on PostgreSQL $server_major: schemas/ is generated from and checked against PostgreSQL 15 only (pg_dump's output differs by server version)"
fi

stage "docs/ is current"
if [ "$server_major" = 15 ]; then
  scripts/docs.sh check "$db" || failed+=("docs/")
else
  echo "skipped on PostgreSQL $server_major: docs/ is generated from and checked against PostgreSQL 15 only (catalog output differs by server version)"
fi

echo
elapsed=$(( $(date +%s) - started ))
if [ ${#failed[@]} -gt 0 ]; then
  echo "make test: FAILED (${failed[*]}) after ${elapsed}s"
  exit 1
fi
echo "make test: all stages passed in ${elapsed}s"
