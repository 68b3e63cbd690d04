#!/usr/bin/env bash
# The task queue's throughput on a Citus coordinator beside one node, in the same run: bench/tasks.py
# (throughput half) against each, alternately, ROUNDS times, printing each run's summary lines.
#
#   bench/citus_tasks.sh <citus coordinator url> <single-node url>
#
# Both databases hold the deployed package (the Citus one distributed: scripts/citus.sh start, then
# sqitch deploy); the role must be able to SET ROLE service_role. ROUNDS (default 2), WORKERS (4),
# DURATION (5 s per measurement).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -eq 2 ] || { sed -n '2,9p' "$0" >&2; exit 2; }
citus=$1 single=$2
for round in $(seq 1 "${ROUNDS:-2}"); do
  for target in citus single; do
    url=$single; [ "$target" = citus ] && url=$citus
    echo "== round $round target $target $(date +%T)"
    "$root/.venv/bin/python" "$root/bench/tasks.py" --url "$url" --workers "${WORKERS:-4}" \
      --duration "${DURATION:-5}" --rounds 1 --only throughput --finished-rows 10000 \
      | grep -E '^\| (Enqueue|Single|Batch)|^  (single|batch|pgbench)'
  done
done
