#!/usr/bin/env python3
"""Time every monitoring view: the issue asks each to answer in under a second.

    .venv/bin/python bench/monitoring.py                       # the database libpq/DATABASE_URL names
    .venv/bin/python bench/monitoring.py --url postgresql:///platform_bench --runs 7
    .venv/bin/python bench/monitoring.py --synthetic 300       # add 300 tables' worth of catalog load first

The views read catalogs and statistics, so their cost grows with the number of relations,
indexes, partitions, columns and sessions, not with the number of rows. --synthetic N builds
that load in a scratch schema (N tables with rows, 3 indexes and a foreign key each, a tenth of
them range-partitioned and maintained, 2000 maintenance runs), ANALYZEs it, times the views,
and drops it again (unless --keep). Prints a Markdown table of cold (new connection) and warm
(same connection) timings; exits 1 when a view's warm median is over --limit-ms (default 1000).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import psycopg

VIEWS = [
    "system_health", "database_resource_utilization", "settings_review", "long_running_queries", "lock_waits",
    "slow_query_analysis", "index_usage_analysis", "table_access_patterns", "table_findings", "bloat_estimates",
    "sequence_usage", "partition_health", "base_integrity_checks", "data_quality_metrics", "data_integrity_checks",
    "maintenance_job_status", "critical_alerts", "maintenance_recommendations",
    "performance_optimization_recommendations", "database_health_summary",
]
SCHEMA = "bench_monitoring"


def build_synthetic(conn: psycopg.Connection, tables: int) -> None:
    conn.execute(f"drop schema if exists {SCHEMA} cascade")
    conn.execute(f"create schema {SCHEMA}")
    conn.execute(f"create table {SCHEMA}.parent (id bigint primary key)")
    conn.execute(f"insert into {SCHEMA}.parent select g from generate_series(1, 1000) as g")
    for i in range(tables):
        t = f"{SCHEMA}.t{i:04d}"
        if i % 10 == 0:
            conn.execute(f"create table {t} (id bigint not null, at timestamptz not null, parent_id bigint not null "
                         f"references {SCHEMA}.parent (id), label text, primary key (id, at)) partition by range (at)")
            conn.execute(f"create index on {t} (parent_id)")
            conn.execute(f"select * from base.register_partitioned_table('{t}', 'month', premake => 3)")
            conn.execute(f"insert into {t} select g, now() - (g % 60) * interval '1 hour', g % 1000 + 1, md5(g::text) "
                         f"from generate_series(1, 2000) as g")
        else:
            conn.execute(f"create table {t} (id bigint primary key, parent_id bigint not null references {SCHEMA}.parent (id), "
                         f"label text, amount numeric, created_at timestamptz not null default now())")
            conn.execute(f"create index on {t} (parent_id)")
            conn.execute(f"create index on {t} (label)")
            conn.execute(f"create index on {t} (created_at)")
            conn.execute(f"insert into {t} select g, g % 1000 + 1, md5(g::text), g, now() from generate_series(1, 2000) as g")
            conn.execute(f"delete from {t} where id % 7 = 0")
    conn.execute("insert into monitoring.maintenance_runs (started_at, job_name, finished_at, duration, status, run_reason, rows_affected) "
                 "select now() - g * interval '1 minute', 'base.partition_maintenance', now() - g * interval '1 minute', "
                 "interval '0', case when g % 50 = 0 then 'failed' else 'succeeded' end, 'due', 0 "
                 "from generate_series(1, 2000) as g")
    conn.execute(f"analyze")


def drop_synthetic(conn: psycopg.Connection) -> None:
    conn.execute(f"delete from base.partition_config where parent_table like '{SCHEMA}.%'")
    conn.execute(f"drop schema if exists {SCHEMA} cascade")
    conn.execute("delete from monitoring.maintenance_runs where run_reason = 'due' and duration = interval '0' "
                 "and job_name = 'base.partition_maintenance' and rows_affected = 0 and finished_at = started_at")


def catalog_size(conn: psycopg.Connection) -> str:
    rels, idx, cols = conn.execute(
        "select count(*) filter (where relkind in ('r', 'p')), count(*) filter (where relkind in ('i', 'I')), "
        "(select count(*) from pg_attribute a join pg_class c on c.oid = a.attrelid "
        "  where c.relkind in ('r', 'p') and a.attnum > 0 and c.relnamespace not in ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)) "
        "from pg_class where relnamespace not in ('pg_catalog'::regnamespace, 'information_schema'::regnamespace) "
        "and relnamespace::regnamespace::text not like 'pg_toast%'").fetchone()
    return f"{rels} tables and partitions, {idx} indexes, {cols} columns"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=os.environ.get("PLATFORM_BENCH_URL") or os.environ.get("DATABASE_URL") or "")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--synthetic", type=int, default=0, metavar="TABLES")
    parser.add_argument("--keep", action="store_true", help="keep the synthetic schema")
    parser.add_argument("--limit-ms", type=float, default=1000.0)
    args = parser.parse_args()

    with psycopg.connect(args.url, autocommit=True) as conn:
        if args.synthetic:
            started = time.monotonic()
            build_synthetic(conn, args.synthetic)
            print(f"synthetic load: {args.synthetic} tables built in {time.monotonic() - started:.1f}s\n")
        try:
            print(f"database {conn.info.dbname}: {catalog_size(conn)}; {args.runs} runs per view after one warm-up.\n"
                  f"cold: first query of a new connection (its catalog caches empty, as for a psql one-off);\n"
                  f"warm: the same query again on that connection (a dashboard or exporter keeping its connection)\n")
            print("| view | rows | cold median ms | cold max ms | warm median ms | warm max ms |")
            print("|---|---:|---:|---:|---:|---:|")
            slow = []
            for view in VIEWS:
                cold, warm = [], []
                rows = 0
                for run in range(args.runs + 1):
                    with psycopg.connect(args.url, autocommit=True) as c:
                        c.execute("set role platform_monitor")
                        for series in (cold, warm):
                            started = time.perf_counter()
                            rows = len(c.execute(f"select * from monitoring.{view}").fetchall())
                            if run:
                                series.append((time.perf_counter() - started) * 1000)
                print(f"| {view} | {rows} | {statistics.median(cold):.0f} | {max(cold):.0f} "
                      f"| {statistics.median(warm):.0f} | {max(warm):.0f} |")
                if statistics.median(warm) > args.limit_ms:
                    slow.append(view)
        finally:
            if args.synthetic and not args.keep:
                drop_synthetic(conn)
    if slow:
        print(f"\nover {args.limit_ms:.0f} ms: {', '.join(slow)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
