#!/usr/bin/env python3
"""`make bench`: the latency suite (every case as authenticated and service_role, p50/p95/p99,
RLS overhead), mixed read/write throughput with pgbench, and each module's own throughput
suite against its in-run baseline. Writes bench/results/<date>-<host>.md and prints it.

  bench/run.py --url URL --scale S [--runs N] [--compare-url URL2 --compare-scale S2] [--latency-only]
"""
from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import platform
import sys
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).parent))
from cases import all_cases  # noqa: E402
from lib import machine, markdown, percentile, pgbench, table_sizes, time_case  # noqa: E402

HERE = Path(__file__).parent
# Each module's own suite, run as a script against the same database: (file, normal args, quick args).
# They print Markdown; the runner adds it to the report under the module's heading.
MODULE_SUITES = [
    ("tasks", [], ["--duration", "0.5", "--rounds", "1", "--finished-rows", "2000", "--latency-samples", "20"]),
    ("events", [], ["--single", "50", "--batch-events", "500", "--route-events", "200", "--retention-events", "1000"]),
    ("analytics", [], ["--iterations", "20", "--warmup", "5"]),
    ("prompts", [], ["--queries", "20", "--calls", "20"]),
    ("monitoring", [], ["--runs", "1"]),
]


def latency(url: str, runs: int) -> dict[tuple[str, str], dict]:
    out = {}
    with psycopg.connect(url) as conn, psycopg.connect(url, autocommit=True) as owner:
        for case in all_cases(conn):
            row = {}
            for role in ("authenticated", "service_role"):
                s = time_case(conn, owner, case, role, runs)
                row[role] = (percentile(s, .5), percentile(s, .95), percentile(s, .99))
            out[(case.module, case.name)] = row
            print(f"  {case.module:10} {case.name:55} p95 {row['authenticated'][1]:8.2f} ms (RLS) "
                  f"{row['service_role'][1]:8.2f} ms (service)", flush=True)
    return out


def latency_table(results: dict) -> str:
    rows = []
    for (module, name), r in results.items():
        a, s = r["authenticated"], r["service_role"]
        rows.append([module, name, a[0], a[1], a[2], s[0], s[1], s[2], a[1] / s[1] if s[1] else float("nan")])
    return markdown(["module", "query", "p50 ms (RLS)", "p95 ms (RLS)", "p99 ms (RLS)",
                     "p50 ms (service)", "p95 ms (service)", "p99 ms (service)", "RLS overhead (p95 ratio)"], rows)


def throughput(url: str, seconds: int) -> str:
    with psycopg.connect(url) as conn:
        orgs = conn.execute("select count(*) from bench.orgs").fetchone()[0]
    rows = []
    for clients in (8, 32):
        r = pgbench(url, [(str(HERE / "pgbench/read.sql"), 8), (str(HERE / "pgbench/write.sql"), 2)],
                    clients, seconds, {"orgs": orgs})
        rows.append([clients, r.get("read.sql", 0.0), r.get("write.sql", 0.0), r.get("tps", 0.0), r.get("failed", 0)])
        print(f"  mixed read/write, {clients} clients: {r}", flush=True)
    return markdown(["clients", "reads/s", "writes/s", "transactions/s", "failed"], rows)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--scale", required=True)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--seconds", type=int, default=15)
    ap.add_argument("--compare-url")
    ap.add_argument("--compare-scale")
    ap.add_argument("--latency-only", action="store_true")
    ap.add_argument("--out", default=None, help="report path (default bench/results/<date>-<host>.md)")
    args = ap.parse_args()

    with psycopg.connect(args.url) as conn:
        header = machine(conn)
        sizes = table_sizes(conn)
    report = [f"# Benchmark {dt.datetime.now():%Y-%m-%d %H:%M} — scale {args.scale}", "", header, "",
              "## Data", "", markdown(["table", "rows (estimate)"], sizes), ""]

    print(f"latency suite at scale {args.scale} ({args.runs} runs per case and role)", flush=True)
    lat = latency(args.url, args.runs)
    report += ["## Latency", "", f"{args.runs} runs per case and role, each in its own transaction, prepared.", "",
               latency_table(lat), ""]

    if args.compare_url:
        print(f"latency suite at scale {args.compare_scale}", flush=True)
        small = latency(args.compare_url, args.runs)
        rows = [[m, n, small[(m, n)]["authenticated"][1], r["authenticated"][1],
                 r["authenticated"][1] / small[(m, n)]["authenticated"][1]]
                for (m, n), r in lat.items() if (m, n) in small]
        report += [f"## Growth: scale {args.compare_scale} → {args.scale}", "",
                   "A well-indexed query stays within 1.5× across the 10× step.", "",
                   markdown(["module", "query", f"p95 ms at {args.compare_scale}", f"p95 ms at {args.scale}", "ratio"], rows), ""]

    if not args.latency_only:
        print("mixed read/write throughput (pgbench)", flush=True)
        report += ["## Mixed read/write throughput", "",
                   f"pgbench, {args.seconds} s per run, 80% reads / 20% writes, as `authenticated` under RLS.", "",
                   throughput(args.url, args.seconds), ""]
        for module, normal, quick in MODULE_SUITES:
            if not (HERE / f"{module}.py").exists():
                continue
            print(f"{module} suite", flush=True)
            cmd = [sys.executable, str(HERE / f"{module}.py"), "--url", args.url] + (quick if args.runs < 50 else normal)
            done = subprocess.run(cmd, capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"{module} suite failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
            report += [f"## Module suite: {module}", "", done.stdout.strip(), ""]

    text = "\n".join(report)
    out = Path(args.out) if args.out else HERE / "results" / f"{dt.date.today()}-{platform.node()}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print("\n" + text + f"\n\nreport written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
