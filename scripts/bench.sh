#!/usr/bin/env bash
# Benchmarks (never part of `make test`; see bench/README.md).
#   scripts/bench.sh data     build the data set at SCALE into database BENCH_DB (always re-created)
#   scripts/bench.sh run      run the suites against BENCH_DB and write bench/results/<date>-<host>.md
#   scripts/bench.sh growth   the latency suite at SCALE (BENCH_DB) and SCALE/10 (BENCH_DB_small),
#                             each database reused when it already holds that data set, else built
#   scripts/bench.sh check    whether BENCH_DB holds the data set at SCALE (what growth would decide)
#
#   BENCH_DB              database of the data set (default platform_bench)
#   BENCH_RUNS            runs per latency case and role (default: bench/run.py's, 200)
#   BENCH_MAX_AGE_HOURS   growth reuses a data set younger than this (default 12): the data is
#                         relative to its build time (leases, cached context, the pending hour)
#
# A build ends by writing one row to bench.meta: the scale, a fingerprint of the schema and the
# generators (sqitch.plan, deploy/, bench/data/), when and how fast it was built. growth reuses a
# database only when that row says the same scale and fingerprint; an interrupted build wrote none.
set -euo pipefail
source "$(dirname "$0")/dbenv.sh"
cd "$root"

SCALE=${SCALE:-0.01}
BENCH_DB=${BENCH_DB:-platform_bench}
BENCH_MAX_AGE_HOURS=${BENCH_MAX_AGE_HOURS:-12}
runs=(${BENCH_RUNS:+--runs "$BENCH_RUNS"})

# Everything the data set depends on: the schema as deployed and the generators.
fingerprint() {
  cat sqitch.plan deploy/*/*.sql bench/data/[0-9][0-9]_*.sql | sha256sum | cut -c1-16
}

build() {  # db scale
  local db=$1 scale=$2 url started
  url=$(url_for "$db")
  started=$(date +%s)
  echo "bench-data: database $db at scale $scale"
  fresh_database "$db"
  sqitch deploy --quiet "$(sqitch_target "$url")"
  for f in bench/data/[0-9][0-9]_*.sql; do
    psql_url "$url" -v scale="$scale" -f "$f"
  done
  psql_url "$url" -c 'set client_min_messages = error' -c 'vacuum analyze' >/dev/null
  psql_url "$url" -v scale="$scale" -v fingerprint="$(fingerprint)" -v seconds=$(( $(date +%s) - started )) \
    -v commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" <<'SQL'
insert into bench.meta (scale, fingerprint, built_at, build_seconds, git_commit)
values (:'scale', :'fingerprint', now(), :'seconds', :'commit');
SQL
  echo "bench-data: scale $scale built in $(( $(date +%s) - started )) s"
}

# "reuse", or why the database cannot be reused for this scale.
reuse_verdict() {  # db scale
  local db=$1 scale=$2 exists
  exists=$(psql_url "$(admin_url_for postgres)" -At -v db="$db" <<'SQL'
select exists (select from pg_database where datname = :'db');
SQL
)
  if [ "$exists" != t ]; then echo "it does not exist"; return; fi
  psql_url "$(url_for "$db")" -At -v scale="$scale" -v fingerprint="$(fingerprint)" \
    -v max_age="$BENCH_MAX_AGE_HOURS" <<'SQL'
select to_regclass('bench.meta') is not null as has_meta \gset
\if :has_meta
select case
         when m.scale is null then 'no finished build is recorded in it (bench.meta is empty)'
         when m.scale <> (:'scale')::numeric then format('it holds scale %s', m.scale)
         when m.fingerprint <> :'fingerprint' then 'the schema or the generators changed since it was built'
         when m.built_at < now() - make_interval(hours => (:'max_age')::int)
           then format('it was built %s h ago, more than BENCH_MAX_AGE_HOURS=%s', round(extract(epoch from now() - m.built_at) / 3600, 1), :'max_age')
         else 'reuse'
       end
  from (select 1) as one left join bench.meta as m on true;
\else
\echo 'no finished build is recorded in it (no bench.meta)'
\endif
SQL
}

prepare() {  # db scale: reuse the database when it holds this data set, else build it
  local db=$1 scale=$2 verdict
  verdict=$(reuse_verdict "$db" "$scale")
  if [ "$verdict" = reuse ]; then
    psql_url "$(url_for "$db")" -At -c "select format('bench-data: reusing database %s: scale %s, built %s min ago in %s s', current_database(), scale, round(extract(epoch from now() - built_at) / 60), build_seconds) from bench.meta"
  else
    echo "bench-data: building $db at scale $scale ($verdict)"
    build "$db" "$scale"
  fi
}

case "${1:-}" in
  data)   build "$BENCH_DB" "$SCALE" ;;
  run)    .venv/bin/python bench/run.py --url "$(url_for "$BENCH_DB")" --scale "$SCALE" "${runs[@]}" ;;
  growth)
    small=$(python3 -c "print($SCALE / 10)")
    prepare "${BENCH_DB}_small" "$small"
    prepare "$BENCH_DB" "$SCALE"
    .venv/bin/python bench/run.py --url "$(url_for "$BENCH_DB")" --scale "$SCALE" \
      --compare-url "$(url_for "${BENCH_DB}_small")" --compare-scale "$small" --latency-only "${runs[@]}"
    ;;
  check)
    verdict=$(reuse_verdict "$BENCH_DB" "$SCALE")
    if [ "$verdict" = reuse ]; then echo "bench-data: $BENCH_DB holds scale $SCALE: growth reuses it"
    else echo "bench-data: $BENCH_DB would be rebuilt for scale $SCALE: $verdict"; fi
    ;;
  *) echo "usage: $0 data|run|growth|check" >&2; exit 2 ;;
esac
