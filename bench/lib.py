"""Shared pieces of the benchmark harness: connections that act as a role, timing, percentiles,
Markdown tables, and the description of the machine and server every report starts with."""
from __future__ import annotations

import json
import os
import platform
import re
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from typing import Callable

import psycopg


def act_as(conn: psycopg.Connection, role: str, sub=None) -> None:
    """Inside the current transaction: the role and JWT claims PostgREST would set."""
    claims = {"role": role}
    if sub:
        claims["sub"] = str(sub)
    conn.execute("select set_config('request.jwt.claims', %s, true), set_config('role', %s, true)",
                 [json.dumps(claims), role], prepare=True)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


# The original design's p95 targets by query class (ms). The aim is ten times better.
TARGETS_MS = {"simple": 50.0, "complex": 100.0, "full-text": 200.0, "aggregation": 500.0}
AIM_FACTOR = 10


@dataclass
class Case:
    """One query pattern: `params(conn)` draws fresh parameters (as the owner) for each run;
    `subject(params)` is the user to act as under RLS.

    `kind` is the original design's query class (a key of TARGETS_MS). `roles` are the roles it
    runs as: both by default; service_role alone for APIs that are not granted to `authenticated`
    (workers' write paths, the monitoring views). `writes` cases run inside a transaction that is
    always rolled back. `max_runs` caps the runs of a slow case (the monitoring views)."""
    module: str
    name: str
    sql: str
    params: Callable[[psycopg.Connection], dict]
    subject: Callable[[dict], object] = field(default=lambda p: p.get("user_id"))
    writes: bool = False
    kind: str = "simple"
    roles: tuple[str, ...] = ("authenticated", "service_role")
    max_runs: int | None = None

    def __post_init__(self):
        if self.kind not in TARGETS_MS:
            raise ValueError(f"case {self.module}/{self.name}: unknown kind {self.kind!r}")


def time_case(conn: psycopg.Connection, owner: psycopg.Connection, case: Case, runs: int) -> dict[str, list[float]]:
    """Latency in ms of `runs` executions per role, each in its own transaction. The roles take
    turns run by run with the same parameters, and which of them goes first alternates (the first
    one reads the rows from disk, the second finds them cached), so each meets a cold cache as
    often as the other and the RLS overhead ratio compares like with like. Writes are rolled back
    so the data set does not drift."""
    samples: dict[str, list[float]] = {role: [] for role in case.roles}
    for i in range(runs + 5):
        params = case.params(owner)
        for role in (case.roles if i % 2 == 0 else case.roles[::-1]):
            t0 = time.perf_counter()
            try:
                with conn.transaction(force_rollback=case.writes):
                    act_as(conn, role, case.subject(params) if role == "authenticated" else None)
                    conn.execute(case.sql, params, prepare=True).fetchall()
            except psycopg.Error as e:
                raise RuntimeError(f"latency case {case.module}: {case.name} failed as {role} "
                                   f"with {params}: {e.sqlstate} {e}") from e
            if i >= 5:                               # the first runs plan and warm the cache
                samples[role].append((time.perf_counter() - t0) * 1000)
    return samples


def markdown(headers: list[str], rows: list[list]) -> str:
    def fmt(v):
        if isinstance(v, float):
            return f"{v:,.2f}" if abs(v) < 1000 else f"{v:,.0f}"
        return str(v)
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(fmt(v) for v in r) + " |" for r in rows]
    return "\n".join(lines)


def machine(conn: psycopg.Connection) -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    cpu = "?"
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    settings = conn.execute("""
        select name, current_setting(name) from pg_settings
         where name in ('shared_buffers', 'work_mem', 'effective_cache_size', 'max_connections', 'fsync',
                        'synchronous_commit', 'full_page_writes', 'jit', 'random_page_cost', 'max_parallel_workers_per_gather')
         order by name""").fetchall()
    version = conn.execute("select version()").fetchone()[0]
    size = conn.execute("select pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
    lines = [
        f"- host: `{platform.node()}`, {os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, {platform.system()} {platform.release()}",
        f"- server: {version}",
        f"- database: `{conn.info.dbname}`, {size}",
        "- settings: " + ", ".join(f"`{n}={v}`" for n, v in settings),
    ]
    return "\n".join(lines)


def table_sizes(conn: psycopg.Connection) -> list[list]:
    return [list(r) for r in conn.execute("""
        select c.oid::regclass::text, c.reltuples::bigint
          from pg_class c
         where c.relnamespace::regnamespace::text in ('base', 'projects', 'tasks', 'analytics', 'prompts', 'events')
           and c.relkind in ('r', 'p') and not c.relispartition
           and c.oid::regclass::text not like 'base.partition%%'
         order by 1""").fetchall()]


def pgbench(url: str, scripts: list[tuple[str, int]], clients: int, seconds: float, variables: dict,
            role: str | None = None) -> dict:
    """Run pgbench with weighted script files (as `role` when given); returns {'tps': .., per-script tps by file name}."""
    args = ["pgbench", "-n", "-c", str(clients), "-j", str(min(clients, os.cpu_count() or 2)), "-T", str(max(1, round(seconds))),
            "-M", "prepared"]
    for k, v in variables.items():
        args += ["-D", f"{k}={v}"]
    for path, weight in scripts:
        args += ["-f", f"{path}@{weight}"]
    env = dict(os.environ, PGOPTIONS=f"{os.environ.get('PGOPTIONS', '')} -c role={role}".strip()) if role else None
    out = subprocess.run(args + [url], capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    result, current = {}, None
    for line in out.stdout.splitlines():
        line = line.strip()
        if line.startswith("tps = "):
            result["tps"] = float(line.split()[2])
        if line.startswith("SQL script"):
            current = line.split(":", 1)[1].strip().split(" ")[0]
        if current and line.startswith("- ") and "tps = " in line:
            result[os.path.basename(current)] = float(re.search(r"tps = ([0-9.]+)", line).group(1))
        if line.startswith("number of failed transactions"):
            result["failed"] = int(line.split(":")[1].split()[0])
    return result
