#!/usr/bin/env python3
"""Benchmark of the analytics module's two read paths (issue 6):

  * select * from analytics.repository_quality_overview where repository_id = $1
  * select analytics.calculate_quality_score($1)

Each is measured the way PostgREST runs it: one transaction per request, as the RLS-bound
`authenticated` role with a member's JWT claims (set_config + SET LOCAL ROLE), with a prepared
statement, for randomly chosen repositories of the bench organization. Also measured as
service_role (RLS policies short-circuit) for comparison. Reports p50/p95/p99/max in ms plus the
data size it ran on, as Markdown on stdout (and in --output if given).

Data: bench/data/03_analytics.sql (psql variable :scale; scale 1 = 1,000 repositories,
10,000 runs, 5,000,000 file rows). With --build, the generator runs first if the bench
organization does not exist yet.

  python bench/analytics.py --url postgresql:///platform?host=...&port=... --scale 0.2 --build
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = ROOT / "bench" / "data" / "03_analytics.sql"
TARGET_MS = 10.0

QUERIES = {
    "repository_quality_overview (one repository)":
        "select * from analytics.repository_quality_overview where repository_id = %s",
    "calculate_quality_score(repository_id)":
        "select analytics.calculate_quality_score(%s)",
}


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def build(url: str, scale: float) -> None:
    print(f"building analytics bench data at scale {scale} ...", file=sys.stderr)
    started = time.monotonic()
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", f"scale={scale}",
                    "-d", url, "-f", str(GENERATOR)], check=True)
    print(f"built in {time.monotonic() - started:.0f} s", file=sys.stderr)


def data_size(conn: psycopg.Connection, org: str) -> dict[str, int]:
    row = conn.execute(
        """select (select count(*) from projects.repositories where organization_id = %(o)s),
                  (select count(*) from analytics.analysis_runs where organization_id = %(o)s),
                  (select count(*) from analytics.file_analysis),
                  (select count(*) from analytics.issues where organization_id = %(o)s),
                  (select count(*) from analytics.metrics where organization_id = %(o)s)""",
        {"o": org}).fetchone()
    return dict(zip(["repositories", "runs", "file rows (whole table)", "issues", "metrics"], row))


def measure(url: str, sql: str, repos: list[str], role: str, claims: dict, iterations: int,
            warmup: int) -> list[float]:
    samples: list[float] = []
    with psycopg.connect(url) as conn:
        for i in range(warmup + iterations):
            repo = random.choice(repos)
            with conn.transaction():
                conn.execute("select set_config('request.jwt.claims', %s, true)", [json.dumps(claims)])
                conn.execute(f"set local role {role}")
                t0 = time.perf_counter()
                rows = conn.execute(sql, [repo], prepare=True).fetchall()
                elapsed = (time.perf_counter() - t0) * 1000
            if i == 0 and not rows:
                raise SystemExit(f"no row for repository {repo}: is the data there and visible to {role}?")
            if i >= warmup:
                samples.append(elapsed)
    return samples


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default=os.environ.get("BENCH_URL") or os.environ.get("TARGET_URL"),
                    help="database URL (default: $BENCH_URL, then $TARGET_URL from scripts/dbenv.sh)")
    ap.add_argument("--scale", type=float, default=float(os.environ.get("SCALE", "0.01")),
                    help="generator scale when building (default: $SCALE or 0.01)")
    ap.add_argument("--build", action="store_true", help="run the generator when the bench data is missing")
    ap.add_argument("--iterations", type=int, default=1000, help="measured calls per query and role")
    ap.add_argument("--warmup", type=int, default=100, help="unmeasured calls first (caches, prepared plans)")
    ap.add_argument("--output", type=Path, help="also write the Markdown report here")
    args = ap.parse_args()
    if not args.url:
        ap.error("no database: pass --url or set BENCH_URL/TARGET_URL")

    with psycopg.connect(args.url, autocommit=True) as conn:
        org = conn.execute("select id from base.organizations where slug = 'bench-analytics'").fetchone()
        if org is None:
            if not args.build:
                raise SystemExit("no bench data: run bench/data/03_analytics.sql or pass --build")
            build(args.url, args.scale)
            org = conn.execute("select id from base.organizations where slug = 'bench-analytics'").fetchone()
        org = str(org[0])
        member = str(conn.execute(
            "select id from base.users where lower(email) = 'bench-member@bench.test'").fetchone()[0])
        repos = [str(r[0]) for r in conn.execute(
            "select id from projects.repositories where organization_id = %s", [org]).fetchall()]
        size = data_size(conn, org)
        version = conn.execute("show server_version").fetchone()[0]

    random.seed(42)
    roles = [("authenticated (member, RLS)", "authenticated", {"sub": member, "role": "authenticated"}),
             ("service_role", "service_role", {"role": "service_role"})]
    results = []
    for qname, sql in QUERIES.items():
        for rname, role, claims in roles:
            s = measure(args.url, sql, repos, role, claims, args.iterations, args.warmup)
            results.append((qname, rname, len(s), statistics.median(s), percentile(s, 0.95),
                            percentile(s, 0.99), max(s)))

    lines = [
        f"# analytics benchmark, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.node()}",
        "",
        f"PostgreSQL {version}. Data: " + ", ".join(f"{v:,} {k}" for k, v in size.items()) + ".",
        f"Each call: one transaction, prepared statement, random repository; {args.warmup} warm-up calls, "
        f"then {args.iterations} measured. Client-side latency (includes the round trip). Target: p95 < {TARGET_MS:g} ms.",
        "",
        "| query | role | calls | p50 ms | p95 ms | p99 ms | max ms | p95 < 10 ms |",
        "|---|---|---:|---:|---:|---:|---:|:---:|",
    ]
    for q, r, n, p50, p95, p99, mx in results:
        lines.append(f"| {q} | {r} | {n} | {p50:.2f} | {p95:.2f} | {p99:.2f} | {mx:.2f} | {'yes' if p95 < TARGET_MS else 'NO'} |")
    report = "\n".join(lines) + "\n"
    print(report)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(report)
    return 0 if all(r[4] < TARGET_MS for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
