#!/usr/bin/env bash
# Benchmarks (never part of `make test`; see bench/README.md).
#   scripts/bench.sh data     build the data set at SCALE into database BENCH_DB (re-created)
#   scripts/bench.sh run      run the suites against BENCH_DB and write bench/results/<date>-<host>.md
#   scripts/bench.sh growth   build SCALE and SCALE/10 side by side and compare the latency suite
set -euo pipefail
source "$(dirname "$0")/dbenv.sh"
cd "$root"

SCALE=${SCALE:-0.01}
BENCH_DB=${BENCH_DB:-platform_bench}

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
  echo "bench-data: scale $scale built in $(( $(date +%s) - started )) s"
}

case "${1:-}" in
  data)   build "$BENCH_DB" "$SCALE" ;;
  run)    .venv/bin/python bench/run.py --url "$(url_for "$BENCH_DB")" --scale "$SCALE" ;;
  growth)
    small=$(python3 -c "print($SCALE / 10)")
    build "${BENCH_DB}_small" "$small"
    build "$BENCH_DB" "$SCALE"
    .venv/bin/python bench/run.py --url "$(url_for "$BENCH_DB")" --scale "$SCALE" \
      --compare-url "$(url_for "${BENCH_DB}_small")" --compare-scale "$small" --latency-only
    ;;
  *) echo "usage: $0 data|run|growth" >&2; exit 2 ;;
esac
