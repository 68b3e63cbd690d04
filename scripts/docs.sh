#!/usr/bin/env bash
# docs/: one page per module (docs/<module>.md) and its diagram (docs/erd/<module>.svg), the reference
# parts generated from a fresh deploy's catalog by scripts/docs.py; hand-written prose outside the
# generated region of each page is kept.
#   scripts/docs.sh write           regenerate docs/ from a fresh deploy
#   scripts/docs.sh check DBNAME    compare docs/ with what the deployed database DBNAME generates
# The catalog (pg_get_*def output, defaults, privileges) differs across server versions: docs/ is
# generated from and checked against PostgreSQL 15, like schemas/.
set -euo pipefail
source "$(dirname "$0")/dbenv.sh"
cd "$root"

[ -x .venv/bin/python ] || { echo "$0: .venv is missing: run make deps" >&2; exit 1; }

command -v dot >/dev/null || { echo "docs: graphviz's dot is missing: run make deps" >&2; exit 1; }

generate() {  # url outdir (outdir starts as a copy of docs/, so the prose is kept)
  "$root/.venv/bin/python" "$root/scripts/docs.py" write "$1" "$2"
}

case "${1:-}" in
  write)
    db=${DOCS_DB:-platform_docs}
    fresh_database "$db"
    sqitch deploy --quiet "$(sqitch_target "$(url_for "$db")")"
    mkdir -p docs
    generate "$(url_for "$db")" docs
    echo "docs: regenerated $(ls docs/erd/*.svg | wc -l) module pages and diagrams"
    ;;
  check)
    tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
    cp -r docs "$tmp/docs"
    generate "$(url_for "$2")" "$tmp/docs"
    if ! diff -ru docs "$tmp/docs" >"$tmp/diff" 2>&1; then
      diff -rq docs "$tmp/docs" | sed "s|$tmp/||" || true
      head -60 "$tmp/diff"
      echo "docs/ is stale: run \`make docs\` and commit the result" >&2
      exit 1
    fi
    echo "docs: docs/ matches the deployed schema"
    ;;
  *) echo "usage: $0 write | check DBNAME" >&2; exit 2 ;;
esac
